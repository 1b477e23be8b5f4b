/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Ethernet receive and transmit objects and the vport: TIS, TIR (RSS), RQT (the indirection
 * table, here over virtio-net queues), the vport state and the NIC vport context (MAC, MTU).
 * Offsets follow DPDK 22.11's mlx5_prm.h; `uid` and the commands DPDK does not define follow the
 * kernel's mlx5_ifc.h.
 */
#ifndef MLX5_PRM_NET_H
#define MLX5_PRM_NET_H

#include <stdint.h>

#include "prm_bits.h"

/* rqtc.list_q_type */
enum prm_rqt_list_q_type {
	PRM_RQT_LIST_Q_TYPE_RQ = 0x0,
	PRM_RQT_LIST_Q_TYPE_VIRTIO_NET_Q = 0x1,
};

/* tirc.disp_type */
enum prm_tir_disp_type {
	PRM_TIR_DISP_DIRECT = 0x0,
	PRM_TIR_DISP_INDIRECT = 0x1,
};

/* tirc.rx_hash_fn */
enum prm_rx_hash_fn {
	PRM_RX_HASH_FN_NONE = 0x0,
	PRM_RX_HASH_FN_INVERTED_XOR8 = 0x1,
	PRM_RX_HASH_FN_TOEPLITZ = 0x2,
};

/* rx_hash_field_select: l3_prot_type, l4_prot_type and the selected_fields bits. */
enum prm_rx_hash_l3 {
	PRM_RX_HASH_L3_IPV4 = 0x0,
	PRM_RX_HASH_L3_IPV6 = 0x1,
};

enum prm_rx_hash_l4 {
	PRM_RX_HASH_L4_TCP = 0x0,
	PRM_RX_HASH_L4_UDP = 0x1,
};

enum prm_rx_hash_field {
	PRM_RX_HASH_FIELD_SRC_IP = 1u << 0,
	PRM_RX_HASH_FIELD_DST_IP = 1u << 1,
	PRM_RX_HASH_FIELD_L4_SPORT = 1u << 2,
	PRM_RX_HASH_FIELD_L4_DPORT = 1u << 3,
	PRM_RX_HASH_FIELD_IPSEC_SPI = 1u << 4,
};

/* modify_rqt_in.modify_bitmask: the list is the bitmask's last bit, value 1 (kernel, DPDK). */
#define PRM_RQT_MODIFY_RQN_LIST (1ull << 0)

/* query_vport_state_out.state / admin_state */
enum prm_vport_state {
	PRM_VPORT_STATE_DOWN = 0x0,
	PRM_VPORT_STATE_UP = 0x1,
};

struct prm_tisc_bits {
	uint8_t strict_lag_tx_port_affinity[0x1];
	uint8_t reserved_at_1[0x3];
	uint8_t lag_tx_port_affinity[0x4];
	uint8_t reserved_at_8[0x4];
	uint8_t prio[0x4];
	uint8_t reserved_at_10[0x10];

	uint8_t reserved_at_20[0x100];

	uint8_t reserved_at_120[0x8];
	uint8_t transport_domain[0x18];

	uint8_t reserved_at_140[0x8];
	uint8_t underlay_qpn[0x18];

	uint8_t reserved_at_160[0x3a0];
};
PRM_ASSERT_SIZE(tisc, 160);

struct prm_create_tis_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0xc0];

	struct prm_tisc_bits ctx;
};
PRM_ASSERT_SIZE(create_tis_in, 192);

struct prm_create_tis_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t tisn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_tis_out, 16);

struct prm_rx_hash_field_select_bits {
	uint8_t l3_prot_type[0x1];
	uint8_t l4_prot_type[0x1];
	uint8_t selected_fields[0x1e];
};
PRM_ASSERT_SIZE(rx_hash_field_select, 4);

struct prm_tirc_bits {
	uint8_t reserved_at_0[0x20];

	uint8_t disp_type[0x4];
	uint8_t reserved_at_24[0x1c];

	uint8_t reserved_at_40[0x40];

	uint8_t reserved_at_80[0x4];
	uint8_t lro_timeout_period_usecs[0x10];
	uint8_t lro_enable_mask[0x4];
	uint8_t lro_max_msg_sz[0x8];

	uint8_t reserved_at_a0[0x40];

	uint8_t reserved_at_e0[0x8];
	uint8_t inline_rqn[0x18];

	uint8_t rx_hash_symmetric[0x1];
	uint8_t reserved_at_101[0x1];
	uint8_t tunneled_offload_en[0x1];
	uint8_t reserved_at_103[0x5];
	uint8_t indirect_table[0x18];

	uint8_t rx_hash_fn[0x4];
	uint8_t reserved_at_124[0x2];
	uint8_t self_lb_block[0x2];
	uint8_t transport_domain[0x18];

	uint8_t rx_hash_toeplitz_key[0x140];

	struct prm_rx_hash_field_select_bits rx_hash_field_selector_outer;

	struct prm_rx_hash_field_select_bits rx_hash_field_selector_inner;

	uint8_t reserved_at_2c0[0x4c0];
};
PRM_ASSERT_SIZE(tirc, 240);

struct prm_create_tir_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0xc0];

	struct prm_tirc_bits ctx;
};
PRM_ASSERT_SIZE(create_tir_in, 272);

struct prm_create_tir_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t tirn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_tir_out, 16);

struct prm_modify_tir_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t tirn[0x18];

	uint8_t reserved_at_60[0x20];

	uint8_t modify_bitmask[0x40];

	uint8_t reserved_at_c0[0x40];

	struct prm_tirc_bits ctx;
};
PRM_ASSERT_SIZE(modify_tir_in, 272);

struct prm_rq_num_bits {
	uint8_t reserved_at_0[0x8];
	uint8_t rq_num[0x18];
};
PRM_ASSERT_SIZE(rq_num, 4);

struct prm_rqtc_bits {
	uint8_t reserved_at_0[0xa5];
	uint8_t list_q_type[0x3];
	uint8_t reserved_at_a8[0x8];
	uint8_t rqt_max_size[0x10];

	uint8_t reserved_at_c0[0x10];
	uint8_t rqt_actual_size[0x10];

	uint8_t reserved_at_e0[0x6a0];

	struct prm_rq_num_bits rq_num[];
};
PRM_ASSERT_SIZE(rqtc, 240);

struct prm_create_rqt_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0xc0];

	struct prm_rqtc_bits rqt_context;
};
PRM_ASSERT_SIZE(create_rqt_in, 272);

struct prm_create_rqt_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t rqtn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_rqt_out, 16);

struct prm_modify_rqt_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t rqtn[0x18];

	uint8_t reserved_at_60[0x20];

	uint8_t modify_bitmask[0x40];

	uint8_t reserved_at_c0[0x40];

	struct prm_rqtc_bits rqt_context;
};
PRM_ASSERT_SIZE(modify_rqt_in, 272);

struct prm_modify_rqt_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(modify_rqt_out, 16);

struct prm_mac_address_layout_bits {
	uint8_t reserved_at_0[0x10];
	uint8_t mac_addr_47_32[0x10];

	uint8_t mac_addr_31_0[0x20];
};
PRM_ASSERT_SIZE(mac_address_layout, 8);

struct prm_nic_vport_context_bits {
	uint8_t reserved_at_0[0x5];
	uint8_t min_wqe_inline_mode[0x3];
	uint8_t reserved_at_8[0x15];
	uint8_t disable_mc_local_lb[0x1];
	uint8_t disable_uc_local_lb[0x1];
	uint8_t roce_en[0x1];

	uint8_t arm_change_event[0x1];
	uint8_t reserved_at_21[0x1a];
	uint8_t event_on_mtu[0x1];
	uint8_t event_on_promisc_change[0x1];
	uint8_t event_on_vlan_change[0x1];
	uint8_t event_on_mc_address_change[0x1];
	uint8_t event_on_uc_address_change[0x1];

	uint8_t reserved_at_40[0xc];
	uint8_t affiliation_criteria[0x4];
	uint8_t affiliated_vhca_id[0x10];

	uint8_t reserved_at_60[0xd0];
	uint8_t mtu[0x10];

	uint8_t system_image_guid[0x40];

	uint8_t port_guid[0x40];

	uint8_t node_guid[0x40];

	uint8_t reserved_at_200[0x140];

	uint8_t qkey_violation_counter[0x10];
	uint8_t reserved_at_350[0x430];

	uint8_t promisc_uc[0x1];
	uint8_t promisc_mc[0x1];
	uint8_t promisc_all[0x1];
	uint8_t reserved_at_783[0x2];
	uint8_t allowed_list_type[0x3];
	uint8_t reserved_at_788[0xc];
	uint8_t allowed_list_size[0xc];

	struct prm_mac_address_layout_bits permanent_address;

	uint8_t reserved_at_7e0[0x20];
};
PRM_ASSERT_SIZE(nic_vport_context, 256);

struct prm_query_nic_vport_context_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t other_vport[0x1];
	uint8_t reserved_at_41[0xf];
	uint8_t vport_number[0x10];

	uint8_t reserved_at_60[0x5];
	uint8_t allowed_list_type[0x3];
	uint8_t reserved_at_68[0x18];
};
PRM_ASSERT_SIZE(query_nic_vport_context_in, 16);

struct prm_query_nic_vport_context_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];

	struct prm_nic_vport_context_bits nic_vport_context;
};
PRM_ASSERT_SIZE(query_nic_vport_context_out, 272);

/* DESTROY_TIS; answers prm_cmd_simple_out. */
struct prm_destroy_tis_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t tisn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_tis_in, 16);
/* DESTROY_TIR; answers prm_cmd_simple_out. */
struct prm_destroy_tir_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t tirn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_tir_in, 16);
/* DESTROY_RQT; answers prm_cmd_simple_out. */
struct prm_destroy_rqt_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t rqtn[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_rqt_in, 16);

struct prm_query_vport_state_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t other_vport[0x1];
	uint8_t reserved_at_41[0xf];
	uint8_t vport_number[0x10];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(query_vport_state_in, 16);

struct prm_query_vport_state_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x20];

	uint8_t reserved_at_60[0x18];
	uint8_t admin_state[0x4];
	uint8_t state[0x4];
};
PRM_ASSERT_SIZE(query_vport_state_out, 16);

/* Which nic_vport_context fields a MODIFY_NIC_VPORT_CONTEXT changes. */
struct prm_modify_nic_vport_field_select_bits {
	uint8_t reserved_at_0[0x12];
	uint8_t affiliation[0x1];
	uint8_t reserved_at_13[0x1];
	uint8_t disable_uc_local_lb[0x1];
	uint8_t disable_mc_local_lb[0x1];
	uint8_t node_guid[0x1];
	uint8_t port_guid[0x1];
	uint8_t min_inline[0x1];
	uint8_t mtu[0x1];
	uint8_t change_event[0x1];
	uint8_t promisc[0x1];
	uint8_t permanent_address[0x1];
	uint8_t addresses_list[0x1];
	uint8_t roce_en[0x1];
	uint8_t reserved_at_1f[0x1];
};
PRM_ASSERT_SIZE(modify_nic_vport_field_select, 4);

struct prm_modify_nic_vport_context_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t other_vport[0x1];
	uint8_t reserved_at_41[0xf];
	uint8_t vport_number[0x10];

	struct prm_modify_nic_vport_field_select_bits field_select;

	uint8_t reserved_at_80[0x780];

	struct prm_nic_vport_context_bits nic_vport_context;
};
PRM_ASSERT_SIZE(modify_nic_vport_context_in, 512);

/*
 * fte_match_set_lyr_2_4: the outer_headers part (first 64 bytes) of fte_match_param, the mask
 * and value of a flow rule.
 */
struct prm_fte_match_set_lyr_2_4_bits {
	uint8_t smac_47_16[0x20];

	uint8_t smac_15_0[0x10];
	uint8_t ethertype[0x10];

	uint8_t dmac_47_16[0x20];

	uint8_t dmac_15_0[0x10];
	uint8_t first_prio[0x3];
	uint8_t first_cfi[0x1];
	uint8_t first_vid[0xc];

	uint8_t ip_protocol[0x8];
	uint8_t ip_dscp[0x6];
	uint8_t ip_ecn[0x2];
	uint8_t cvlan_tag[0x1];
	uint8_t svlan_tag[0x1];
	uint8_t frag[0x1];
	uint8_t ip_version[0x4];
	uint8_t tcp_flags[0x9];

	uint8_t tcp_sport[0x10];
	uint8_t tcp_dport[0x10];

	uint8_t reserved_at_c0[0x10];
	uint8_t ipv4_ihl[0x4];
	uint8_t reserved_at_d4[0x4];
	uint8_t ip_ttl_hoplimit[0x8];

	uint8_t udp_sport[0x10];
	uint8_t udp_dport[0x10];

	uint8_t src_ipv4_src_ipv6[0x80];

	uint8_t dst_ipv4_dst_ipv6[0x80];
};
PRM_ASSERT_SIZE(fte_match_set_lyr_2_4, 64);

/* Flow table match_criteria_enable: which parts of fte_match_param a matcher looks at. */
#define PRM_MATCH_CRITERIA_OUTER 0x1

#endif /* MLX5_PRM_NET_H */
