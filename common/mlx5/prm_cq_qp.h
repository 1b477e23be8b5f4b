/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion queues and queue pairs: the notification channel of a hardware virtq (event mode QP:
 * the firmware's QP reports completions to the driver's QP and CQ). Offsets follow DPDK 22.11's
 * mlx5_prm.h; `uid` follows the kernel where DPDK keeps it reserved; the commands DPDK does not
 * define (destroy, 2RST, 2ERR) follow the kernel's mlx5_ifc.h.
 */
#ifndef MLX5_PRM_CQ_QP_H
#define MLX5_PRM_CQ_QP_H

#include <stdint.h>

#include "prm_bits.h"

enum prm_qp_state {
	PRM_QP_STATE_RST = 0x0,
	PRM_QP_STATE_INIT = 0x1,
	PRM_QP_STATE_RTR = 0x2,
	PRM_QP_STATE_RTS = 0x3,
	PRM_QP_STATE_SQER = 0x4,
	PRM_QP_STATE_ERR = 0x6,
};

/* qpc.st: transport service type. */
enum prm_qp_st {
	PRM_QP_ST_RC = 0x0,
};

/* qpc.rq_type */
enum prm_qp_rq_type {
	PRM_QP_RQ_TYPE_REGULAR = 0x0,
	PRM_QP_RQ_TYPE_ZERO_LEN = 0x3,
};

/* cqc.cqe_sz */
enum prm_cqe_size {
	PRM_CQE_SIZE_64 = 0x0,
	PRM_CQE_SIZE_128 = 0x1,
};

struct prm_cqc_bits {
	uint8_t status[0x4];
	uint8_t as_notify[0x1];
	uint8_t initiator_src_dct[0x1];
	uint8_t dbr_umem_valid[0x1];
	uint8_t reserved_at_7[0x1];
	uint8_t cqe_sz[0x3];
	uint8_t cc[0x1];
	uint8_t reserved_at_c[0x1];
	uint8_t scqe_break_moderation_en[0x1];
	uint8_t oi[0x1];
	uint8_t cq_period_mode[0x2];
	uint8_t cqe_comp_en[0x1];
	uint8_t mini_cqe_res_format[0x2];
	uint8_t st[0x4];
	uint8_t reserved_at_18[0x1];
	uint8_t cqe_comp_layout[0x7];

	uint8_t dbr_umem_id[0x20];

	uint8_t reserved_at_40[0x14];
	uint8_t page_offset[0x6];
	uint8_t reserved_at_5a[0x2];
	uint8_t mini_cqe_res_format_ext[0x2];
	uint8_t cq_timestamp_format[0x2];

	uint8_t reserved_at_60[0x3];
	uint8_t log_cq_size[0x5];
	uint8_t uar_page[0x18];

	uint8_t reserved_at_80[0x4];
	uint8_t cq_period[0xc];
	uint8_t cq_max_count[0x10];

	uint8_t reserved_at_a0[0x18];
	uint8_t c_eqn[0x8];

	uint8_t reserved_at_c0[0x3];
	uint8_t log_page_size[0x5];
	uint8_t reserved_at_c8[0x18];

	uint8_t reserved_at_e0[0x20];

	uint8_t reserved_at_100[0x8];
	uint8_t last_notified_index[0x18];

	uint8_t reserved_at_120[0x8];
	uint8_t last_solicit_index[0x18];

	uint8_t reserved_at_140[0x8];
	uint8_t consumer_counter[0x18];

	uint8_t reserved_at_160[0x8];
	uint8_t producer_counter[0x18];

	uint8_t local_partition_id[0xc];
	uint8_t process_id[0x14];

	uint8_t reserved_at_1a0[0x20];

	uint8_t dbr_addr[0x40];
};
PRM_ASSERT_SIZE(cqc, 64);

struct prm_create_cq_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];

	struct prm_cqc_bits cq_context;

	uint8_t cq_umem_offset[0x40];

	uint8_t cq_umem_id[0x20];

	uint8_t cq_umem_valid[0x1];
	uint8_t reserved_at_2e1[0x1f];

	uint8_t reserved_at_300[0x580];
};
PRM_ASSERT_SIZE(create_cq_in, 272);

struct prm_create_cq_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t cqn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_cq_out, 16);

struct prm_ads_bits {
	uint8_t fl[0x1];
	uint8_t free_ar[0x1];
	uint8_t reserved_at_2[0xe];
	uint8_t pkey_index[0x10];

	uint8_t reserved_at_20[0x8];
	uint8_t grh[0x1];
	uint8_t mlid[0x7];
	uint8_t rlid[0x10];

	uint8_t ack_timeout[0x5];
	uint8_t reserved_at_45[0x3];
	uint8_t src_addr_index[0x8];
	uint8_t reserved_at_50[0x4];
	uint8_t stat_rate[0x4];
	uint8_t hop_limit[0x8];

	uint8_t reserved_at_60[0x4];
	uint8_t tclass[0x8];
	uint8_t flow_label[0x14];

	uint8_t rgid_rip[0x80];

	uint8_t reserved_at_100[0x4];
	uint8_t f_dscp[0x1];
	uint8_t f_ecn[0x1];
	uint8_t reserved_at_106[0x1];
	uint8_t f_eth_prio[0x1];
	uint8_t ecn[0x2];
	uint8_t dscp[0x6];
	uint8_t udp_sport[0x10];

	uint8_t dei_cfi[0x1];
	uint8_t eth_prio[0x3];
	uint8_t sl[0x4];
	uint8_t vhca_port_num[0x8];
	uint8_t rmac_47_32[0x10];

	uint8_t rmac_31_0[0x20];
};
PRM_ASSERT_SIZE(ads, 44);

struct prm_qpc_bits {
	uint8_t state[0x4];
	uint8_t lag_tx_port_affinity[0x4];
	uint8_t st[0x8];
	uint8_t reserved_at_10[0x3];
	uint8_t pm_state[0x2];
	uint8_t reserved_at_15[0x1];
	uint8_t req_e2e_credit_mode[0x2];
	uint8_t offload_type[0x4];
	uint8_t end_padding_mode[0x2];
	uint8_t reserved_at_1e[0x2];

	uint8_t wq_signature[0x1];
	uint8_t block_lb_mc[0x1];
	uint8_t atomic_like_write_en[0x1];
	uint8_t latency_sensitive[0x1];
	uint8_t reserved_at_24[0x1];
	uint8_t drain_sigerr[0x1];
	uint8_t reserved_at_26[0x2];
	uint8_t pd[0x18];

	uint8_t mtu[0x3];
	uint8_t log_msg_max[0x5];
	uint8_t reserved_at_48[0x1];
	uint8_t log_rq_size[0x4];
	uint8_t log_rq_stride[0x3];
	uint8_t no_sq[0x1];
	uint8_t log_sq_size[0x4];
	uint8_t reserved_at_55[0x3];
	uint8_t ts_format[0x2];
	uint8_t reserved_at_5a[0x1];
	uint8_t rlky[0x1];
	uint8_t ulp_stateless_offload_mode[0x4];

	uint8_t counter_set_id[0x8];
	uint8_t uar_page[0x18];

	uint8_t reserved_at_80[0x8];
	uint8_t user_index[0x18];

	uint8_t reserved_at_a0[0x3];
	uint8_t log_page_size[0x5];
	uint8_t remote_qpn[0x18];

	struct prm_ads_bits primary_address_path;

	struct prm_ads_bits secondary_address_path;

	uint8_t log_ack_req_freq[0x4];
	uint8_t reserved_at_384[0x4];
	uint8_t log_sra_max[0x3];
	uint8_t reserved_at_38b[0x2];
	uint8_t retry_count[0x3];
	uint8_t rnr_retry[0x3];
	uint8_t reserved_at_393[0x1];
	uint8_t fre[0x1];
	uint8_t cur_rnr_retry[0x3];
	uint8_t cur_retry_count[0x3];
	uint8_t reserved_at_39b[0x5];

	uint8_t reserved_at_3a0[0x20];

	uint8_t reserved_at_3c0[0x8];
	uint8_t next_send_psn[0x18];

	uint8_t reserved_at_3e0[0x8];
	uint8_t cqn_snd[0x18];

	uint8_t reserved_at_400[0x8];
	uint8_t deth_sqpn[0x18];

	uint8_t reserved_at_420[0x20];

	uint8_t reserved_at_440[0x8];
	uint8_t last_acked_psn[0x18];

	uint8_t reserved_at_460[0x8];
	uint8_t ssn[0x18];

	uint8_t reserved_at_480[0x8];
	uint8_t log_rra_max[0x3];
	uint8_t reserved_at_48b[0x1];
	uint8_t atomic_mode[0x4];
	uint8_t rre[0x1];
	uint8_t rwe[0x1];
	uint8_t rae[0x1];
	uint8_t reserved_at_493[0x1];
	uint8_t page_offset[0x6];
	uint8_t reserved_at_49a[0x3];
	uint8_t cd_slave_receive[0x1];
	uint8_t cd_slave_send[0x1];
	uint8_t cd_master[0x1];

	uint8_t reserved_at_4a0[0x3];
	uint8_t min_rnr_nak[0x5];
	uint8_t next_rcv_psn[0x18];

	uint8_t reserved_at_4c0[0x8];
	uint8_t xrcd[0x18];

	uint8_t reserved_at_4e0[0x8];
	uint8_t cqn_rcv[0x18];

	uint8_t dbr_addr[0x40];

	uint8_t q_key[0x20];

	uint8_t reserved_at_560[0x5];
	uint8_t rq_type[0x3];
	uint8_t srqn_rmpn_xrqn[0x18];

	uint8_t reserved_at_580[0x8];
	uint8_t rmsn[0x18];

	uint8_t hw_sq_wqebb_counter[0x10];
	uint8_t sw_sq_wqebb_counter[0x10];

	uint8_t hw_rq_counter[0x20];

	uint8_t sw_rq_counter[0x20];

	uint8_t reserved_at_600[0x20];

	uint8_t reserved_at_620[0xf];
	uint8_t cgs[0x1];
	uint8_t cs_req[0x8];
	uint8_t cs_res[0x8];

	uint8_t dc_access_key[0x40];

	uint8_t reserved_at_680[0x3];
	uint8_t dbr_umem_valid[0x1];
	uint8_t reserved_at_684[0x9c];

	uint8_t dbr_umem_id[0x20];
};
PRM_ASSERT_SIZE(qpc, 232);

struct prm_qpc_pas_list_bits {
	uint8_t pas[0x0];
};

struct prm_qpc_extension_bits {
	uint8_t reserved_at_0[0x2];
	uint8_t mmo[0x1];
	uint8_t reserved_at_3[0x5fd];
};
PRM_ASSERT_SIZE(qpc_extension, 192);

struct prm_qpc_extension_and_pas_list_bits {
	struct prm_qpc_extension_bits qpc_data_extension;
};
PRM_ASSERT_SIZE(qpc_extension_and_pas_list, 192);

struct prm_create_qp_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t qpc_ext[0x1];
	uint8_t reserved_at_41[0x3f];

	uint8_t opt_param_mask[0x20];

	uint8_t reserved_at_a0[0x20];

	struct prm_qpc_bits qpc;

	uint8_t wq_umem_offset[0x40];

	uint8_t wq_umem_id[0x20];

	uint8_t wq_umem_valid[0x1];
	uint8_t reserved_at_861[0x1f];
	union {
		struct prm_qpc_pas_list_bits qpc_pas_list;
		struct prm_qpc_extension_and_pas_list_bits qpc_extension_and_pas_list;
	};
};
PRM_ASSERT_SIZE(create_qp_in, 464);

struct prm_create_qp_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_qp_out, 16);

struct prm_rst2init_qp_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];

	uint8_t opt_param_mask[0x20];

	uint8_t reserved_at_a0[0x20];

	struct prm_qpc_bits qpc;

	uint8_t reserved_at_800[0x80];
};
PRM_ASSERT_SIZE(rst2init_qp_in, 272);

struct prm_rst2init_qp_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(rst2init_qp_out, 16);

struct prm_init2rtr_qp_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];

	uint8_t opt_param_mask[0x20];

	uint8_t reserved_at_a0[0x20];

	struct prm_qpc_bits qpc;

	uint8_t reserved_at_800[0x80];
};
PRM_ASSERT_SIZE(init2rtr_qp_in, 272);

struct prm_init2rtr_qp_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(init2rtr_qp_out, 16);

struct prm_rtr2rts_qp_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];

	uint8_t opt_param_mask[0x20];

	uint8_t reserved_at_a0[0x20];

	struct prm_qpc_bits qpc;

	uint8_t reserved_at_800[0x80];
};
PRM_ASSERT_SIZE(rtr2rts_qp_in, 272);

struct prm_rtr2rts_qp_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(rtr2rts_qp_out, 16);

struct prm_query_qp_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(query_qp_in, 16);

struct prm_query_qp_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];

	uint8_t opt_param_mask[0x20];

	uint8_t reserved_at_a0[0x20];

	struct prm_qpc_bits qpc;

	uint8_t reserved_at_800[0x80];
};
PRM_ASSERT_SIZE(query_qp_out, 272);

/* DESTROY_CQ; answers prm_cmd_simple_out. */
struct prm_destroy_cq_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t cqn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_cq_in, 16);
/* QUERY_CQ; answers prm_query_cq_out. */
struct prm_query_cq_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t cqn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(query_cq_in, 16);

struct prm_query_cq_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0xc0];

	struct prm_cqc_bits cq_context;

	uint8_t reserved_at_300[0x600];
};
PRM_ASSERT_SIZE(query_cq_out, 288);

/* DESTROY_QP; answers prm_cmd_simple_out. */
struct prm_destroy_qp_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_qp_in, 16);
/* 2RST_QP: any state to RST; answers prm_cmd_simple_out. */
struct prm_qp_2rst_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t vhca_tunnel_id[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(qp_2rst_in, 16);
/* 2ERR_QP: any state to ERR; answers prm_cmd_simple_out. */
struct prm_qp_2err_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t qpn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(qp_2err_in, 16);

/*
 * A 64-byte completion queue entry, as far as the notification path reads it: the firmware QP
 * writes one per completed virtq batch; the owner bit flips on every pass over the CQ.
 */
struct prm_cqe64_bits {
	uint8_t reserved_at_0[0x1c0];

	uint8_t s_wqe_opcode[0x8];
	uint8_t qpn[0x18];

	uint8_t wqe_counter[0x10];
	uint8_t signature[0x8];
	uint8_t opcode[0x4];
	uint8_t reserved_at_1fc[0x1];
	uint8_t cqe_format[0x2];
	uint8_t owner[0x1];
};
PRM_ASSERT_SIZE(cqe64, 64);

/* cqe64.opcode */
enum prm_cqe_opcode {
	PRM_CQE_OPCODE_REQ = 0x0,
	PRM_CQE_OPCODE_RESP_SEND = 0x2,
	PRM_CQE_OPCODE_REQ_ERR = 0xd,
	PRM_CQE_OPCODE_RESP_ERR = 0xe,
	PRM_CQE_OPCODE_INVALID = 0xf,
};

/*
 * A CQ's doorbell record (8 bytes in host memory, at cqc.dbr_addr): the consumer index the
 * driver has reached, and its arm request. An arm asks for one completion event once the CQ
 * holds a CQE at or past arm_ci; arm_sn must equal the number of events the CQ raised (mod 4),
 * so an arm written before the last event is stale. The driver writes the record, then rings
 * the UAR's CQ doorbell (prm_cq_uar_doorbell) with the same arm word.
 */
struct prm_cq_doorbell_record_bits {
	uint8_t reserved_at_0[0x8];
	uint8_t update_ci[0x18];

	uint8_t reserved_at_20[0x2];
	uint8_t arm_sn[0x2];
	uint8_t reserved_at_24[0x3];
	uint8_t arm_cmd[0x1];
	uint8_t arm_ci[0x18];
};
PRM_ASSERT_SIZE(cq_doorbell_record, 8);

/* cq_doorbell_record.arm_cmd */
enum prm_cq_arm_cmd {
	PRM_CQ_ARM_ALL = 0x0,		/* the next CQE */
	PRM_CQ_ARM_SOLICITED = 0x1,	/* the next solicited CQE */
};

/* The 64-bit CQ doorbell of a UAR page, at byte PRM_UAR_CQ_DOORBELL_OFFSET. */
struct prm_cq_uar_doorbell_bits {
	uint8_t reserved_at_0[0x2];
	uint8_t arm_sn[0x2];
	uint8_t reserved_at_4[0x3];
	uint8_t arm_cmd[0x1];
	uint8_t arm_ci[0x18];

	uint8_t reserved_at_20[0x8];
	uint8_t cqn[0x18];
};
PRM_ASSERT_SIZE(cq_uar_doorbell, 8);

#define PRM_UAR_CQ_DOORBELL_OFFSET 0x20

/*
 * A QP's doorbell record (8 bytes at qpc.dbr_addr): how many receive and send WQEs the driver
 * has posted, free-running 16-bit counters. A receive consumes the next posted receive WQE.
 */
struct prm_qp_doorbell_record_bits {
	uint8_t reserved_at_0[0x10];
	uint8_t rcv_counter[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t snd_counter[0x10];
};
PRM_ASSERT_SIZE(qp_doorbell_record, 8);

#endif /* MLX5_PRM_CQ_QP_H */
