/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The typed DevX command layer: the only code on the driver side that reads or writes PRM
 * mailboxes. Callers fill attribute structs; this layer encodes them, executes the command over
 * rdma-core's DevX API and judges its outcome once (prm_cmd_check: one log line with opcode,
 * status name and syndrome). Encoders and decoders are exported separately from execution so
 * tests can check mailboxes field by field without a device.
 *
 * Conventions: functions return 0 or a negative errno. Objects are plain structs owned by the
 * caller; a destroy function accepts a zeroed (never created) object and leaves it zeroed, so
 * teardown may run over half-done setup. Thread safety is the rdma-core context's: commands on
 * one context may run from several threads.
 */
#ifndef MLX5_DEVX_CMD_H
#define MLX5_DEVX_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ibv_context;
struct ibv_pd;
struct mlx5dv_devx_obj;
struct mlx5dv_devx_umem;

/* ---- Execution core ---- */

/* A firmware object created through DevX, and the id the firmware gave it. */
struct devx_obj {
	struct mlx5dv_devx_obj *obj;
	uint32_t id;
};

/*
 * Runs a command that creates no object (query, modify of a non-DevX resource, ...). Returns 0
 * when the firmware answered OK; otherwise the errno of the failure, logged once.
 */
int devx_cmd_exec(struct ibv_context *ctx, const void *in, size_t inlen, void *out,
		  size_t outlen);

/*
 * Creates an object; on success obj->obj is set and obj->id is left 0 for the caller to decode
 * from out (each object type returns its id in a different field).
 */
int devx_obj_create(struct ibv_context *ctx, const void *in, size_t inlen, void *out,
		    size_t outlen, struct devx_obj *obj);
/* Modify and query commands on an object created by devx_obj_create(). */
int devx_obj_modify(struct devx_obj *obj, const void *in, size_t inlen, void *out,
		    size_t outlen);
int devx_obj_query(struct devx_obj *obj, const void *in, size_t inlen, void *out,
		   size_t outlen);
/* Destroys the object if any and zeroes *obj; returns the firmware's verdict. */
int devx_obj_destroy(struct devx_obj *obj);

/* ---- HCA capabilities ---- */

/* HCA capability types (QUERY_HCA_CAP op_mod = type << 1 | current). */
enum devx_hca_cap_type {
	DEVX_HCA_CAP_GENERAL = 0x0,
	DEVX_HCA_CAP_VIRTIO_EMULATION = 0x13,
};

/* Bits of devx_hca_caps.general_obj_types. */
#define DEVX_GENERAL_OBJ_TYPES_VIRTIO_NET_Q (1ull << 13)
#define DEVX_GENERAL_OBJ_TYPES_VIRTIO_Q_COUNTERS (1ull << 28)

enum devx_virtq_type {
	DEVX_VIRTQ_TYPE_SPLIT = 0,
	DEVX_VIRTQ_TYPE_PACKED = 1,
};

enum devx_virtq_event_mode {
	DEVX_VIRTQ_EVENT_NO_MSIX = 0,
	DEVX_VIRTQ_EVENT_QP = 1,
	DEVX_VIRTQ_EVENT_MSIX = 2,
};

/*
 * virtio-net features in the device's 13-bit mask (caps device_features and a virtq's
 * queue_features): bit positions, not virtio feature numbers.
 */
enum devx_virtio_net_feature {
	DEVX_VIRTIO_NET_F_MRG_RXBUF = 2,
	DEVX_VIRTIO_NET_F_HOST_ECN = 4,
	DEVX_VIRTIO_NET_F_GUEST_ECN = 6,
	DEVX_VIRTIO_NET_F_GUEST_TSO6 = 7,
	DEVX_VIRTIO_NET_F_GUEST_TSO4 = 8,
	DEVX_VIRTIO_NET_F_GUEST_CSUM = 9,
	DEVX_VIRTIO_NET_F_CSUM = 10,
	DEVX_VIRTIO_NET_F_HOST_TSO6 = 11,
	DEVX_VIRTIO_NET_F_HOST_TSO4 = 12,
};

/* Size of a virtq umem for a ring of queue_size entries: a * queue_size + b bytes. */
struct devx_umem_param {
	uint32_t a;
	uint32_t b;
};

/* The virtio emulation capability page. */
struct devx_virtio_caps {
	uint32_t max_num_virtio_queues;
	uint16_t device_features;	/* devx_virtio_net_feature bits */
	uint8_t event_modes;		/* 1 << devx_virtq_event_mode, per mode supported */
	uint8_t queue_types;		/* 1 << devx_virtq_type, per type supported */
	bool virtio_version_1_0;
	bool desc_group_mkey;		/* desc_group_mkey_supported */
	bool freeze_to_rdy;		/* freeze_to_rdy_supported: SUSPEND -> RDY allowed */
	/*
	 * Which fields besides the state a modify may change (DPDK's PRM): vnet_modify_ext enables
	 * the extended set, of which addresses and the queue index need their own bit.
	 */
	bool modify_ext;
	bool modify_addr;
	bool modify_index;
	uint8_t log_doorbell_stride;
	uint8_t log_doorbell_bar_size;
	uint64_t doorbell_bar_offset;
	struct devx_umem_param umem[3];
};

struct devx_hca_caps {
	uint16_t vhca_id;
	uint64_t general_obj_types;	/* DEVX_GENERAL_OBJ_TYPES_* */
	uint8_t log_max_rqt_size;
	uint8_t log_max_klm_list_size;
	bool virtio_valid;		/* the virtio emulation page was queried */
	struct devx_virtio_caps virtio;
};

/*
 * Queries the general capabilities and, when general_obj_types offers virtio-net queues, the
 * virtio emulation page (current values). A function without it gets virtio_valid = false.
 */
int devx_query_hca_caps(struct ibv_context *ctx, struct devx_hca_caps *caps);

/* Encodes QUERY_HCA_CAP for `type` (current values); in is zeroed first. */
void devx_query_hca_cap_encode(void *in, size_t inlen, enum devx_hca_cap_type type);
/* Decodes QUERY_HCA_CAP outputs (whole out mailboxes) into caps. */
void devx_hca_caps_decode_general(const void *out, struct devx_hca_caps *caps);
void devx_hca_caps_decode_virtio(const void *out, struct devx_virtio_caps *vcaps);

/* ---- Protection domain ---- */

/* Allocates a PD through verbs and reads its PD number for DevX objects. */
int devx_pd_alloc(struct ibv_context *ctx, struct ibv_pd **pd, uint32_t *pdn);
/* Frees *pd if any and sets it to NULL. */
int devx_pd_free(struct ibv_pd **pd);

/* ---- User memory ---- */

/* Host memory registered for the device's DMA (queue buffers, doorbell records, virtq umems). */
struct devx_umem {
	struct mlx5dv_devx_umem *umem;
	uint32_t id;
	size_t size;			/* bytes registered */
};

/* Registers [addr, addr + size) with IBV_ACCESS_* flags `access`. */
int devx_umem_reg(struct ibv_context *ctx, void *addr, size_t size, uint32_t access,
		  struct devx_umem *umem);
/* Deregisters the umem if any and zeroes *umem; on failure (-EBUSY: still in use) keeps it. */
int devx_umem_dereg(struct devx_umem *umem);

/* ---- virtio-net queue (general object VIRTIO_NET_Q) ---- */

enum devx_virtq_state {
	DEVX_VIRTQ_STATE_INIT = 0,
	DEVX_VIRTQ_STATE_RDY = 1,
	DEVX_VIRTQ_STATE_SUSPEND = 2,
	DEVX_VIRTQ_STATE_ERR = 3,
};

/* Fields a virtq modify changes: the PRM's modify_field_select bits. */
enum devx_virtq_modify {
	DEVX_VIRTQ_MODIFY_STATE = 1u << 0,
	DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS = 1u << 3,	/* dirty_bitmap_*, vhost_log_page */
	DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE = 1u << 4,
	DEVX_VIRTQ_MODIFY_QUEUE_PERIOD = 1u << 5,		/* hw_latency_mode .. max_pending */
	DEVX_VIRTQ_MODIFY_ADDRS = 1u << 6,			/* desc, used, available */
	DEVX_VIRTQ_MODIFY_AVAIL_IDX = 1u << 7,
	DEVX_VIRTQ_MODIFY_USED_IDX = 1u << 8,
	DEVX_VIRTQ_MODIFY_VERSION_1_0 = 1u << 10,
	DEVX_VIRTQ_MODIFY_MKEY = 1u << 11,
	DEVX_VIRTQ_MODIFY_FEATURES = 1u << 12,			/* queue_features */
	DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY = 1u << 14,
};

struct devx_virtq_umem {
	uint32_t id;
	uint32_t size;
	uint64_t offset;
};

/*
 * A virtq's attributes: all of them at create; at modify only those whose bit is in `modify`;
 * filled by query (the writable ones plus state, indices and error_type).
 */
struct devx_virtq_attr {
	uint32_t modify;		/* devx_virtq_modify bits (modify only) */
	enum devx_virtq_state state;
	enum devx_virtq_type type;
	enum devx_virtq_event_mode event_mode;
	uint16_t queue_index;
	uint16_t queue_size;
	uint16_t queue_features;	/* devx_virtio_net_feature bits */
	bool virtio_version_1_0;
	uint32_t event_qpn_or_msix;	/* firmware QP number in QP event mode */
	uint32_t tisn_or_qpn;		/* TIS of a TX queue */
	uint32_t pdn;
	uint32_t mkey;			/* guest memory, for the rings and buffers */
	uint32_t desc_group_mkey;	/* only with caps desc_group_mkey */
	uint32_t counter_set_id;	/* VIRTIO_Q_COUNTERS object, 0: none */
	uint64_t desc_addr;
	uint64_t used_addr;		/* device area */
	uint64_t available_addr;	/* driver area */
	uint16_t hw_available_index;
	uint16_t hw_used_index;
	struct devx_virtq_umem umem[3];
	/* completion moderation (DPDK's hw_latency_mode, hw_max_latency_us, hw_max_pending_comp) */
	uint8_t queue_period_mode;
	uint16_t queue_period_us;
	uint16_t queue_max_count;
	/* dirty page logging for live migration */
	bool dirty_bitmap_dump_enable;
	uint8_t vhost_log_page;		/* a bit stands for 4 KiB << vhost_log_page (vhost: 0) */
	uint32_t dirty_bitmap_mkey;
	uint32_t dirty_bitmap_size;
	uint64_t dirty_bitmap_addr;
	uint8_t error_type;		/* query only */
};

/* Creates a virtq from attr (modify ignored); q->id is its object id. */
int devx_virtq_create(struct ibv_context *ctx, const struct devx_virtq_attr *attr,
		      struct devx_obj *q);
/* Changes the fields named by attr->modify (must not be 0). */
int devx_virtq_modify(struct devx_obj *q, const struct devx_virtq_attr *attr);
int devx_virtq_query(struct devx_obj *q, struct devx_virtq_attr *attr);

/* Mailbox sizes and the encoders/decoders behind the three calls above. */
size_t devx_virtq_create_in_size(void);
size_t devx_virtq_modify_in_size(void);
size_t devx_virtq_query_out_size(void);
void devx_virtq_create_encode(void *in, const struct devx_virtq_attr *attr);
void devx_virtq_modify_encode(void *in, uint32_t obj_id, const struct devx_virtq_attr *attr);
void devx_virtq_query_encode(void *in, uint32_t obj_id);
void devx_virtq_query_decode(const void *out, struct devx_virtq_attr *attr);

/* ---- virtio queue counters (general object VIRTIO_Q_COUNTERS) ---- */

struct devx_virtq_counters {
	uint64_t received_desc;
	uint64_t completed_desc;
	uint32_t error_cqes;
	uint32_t bad_desc_errors;
	uint32_t exceed_max_chain;
	uint32_t invalid_buffer;
};

int devx_virtq_counters_create(struct ibv_context *ctx, struct devx_obj *c);
int devx_virtq_counters_query(struct devx_obj *c, struct devx_virtq_counters *out);
void devx_virtq_counters_create_encode(void *in);
void devx_virtq_counters_query_decode(const void *out, struct devx_virtq_counters *cnt);

/* ---- Memory keys ---- */

enum devx_mkey_mode {
	DEVX_MKEY_MTT = 0x1,	/* direct: translation through a registered umem */
	DEVX_MKEY_KLM = 0x2,	/* indirect: a list of (mkey, address, length) */
};

/*
 * Largest span of one KLM entry we write; larger regions take several entries. 1 GiB, as the
 * kernel's driver, below the 2 GiB the hardware takes (PRM_KLM_MAX_ENTRY_SIZE).
 */
#define DEVX_KLM_MAX_BYTES (1ull << 30)

struct devx_klm {
	uint32_t mkey;		/* a direct mkey, or the null mkey for a hole */
	uint32_t byte_count;	/* 1 .. DEVX_KLM_MAX_BYTES */
	uint64_t addr;		/* in the address space of mkey */
};

/* Memory covered by a direct mkey, to be stitched into an indirect one. */
struct devx_mem_range {
	uint64_t addr;		/* where it sits in the indirect key's space (guest physical) */
	uint64_t len;
	uint32_t mkey;		/* direct key that translates it */
	uint64_t mkey_addr;	/* the range's address in that key's space */
};

/*
 * Builds the KLM list of an indirect key spanning ranges[0].addr to the end of the last range:
 * each range split into entries of at most DEVX_KLM_MAX_BYTES, and every gap between ranges
 * filled with null_mkey entries (split likewise), so a device access to a hole faults instead
 * of reaching memory. ranges must be sorted, non-overlapping and non-empty. Writes at most max
 * entries into out (out may be NULL to count). Returns the number of entries the list needs, or
 * -EINVAL; a result above max means out holds only the first max.
 */
int devx_klm_build(const struct devx_mem_range *ranges, uint32_t n, uint32_t null_mkey,
		   struct devx_klm *out, uint32_t max);

struct devx_mkey_attr {
	enum devx_mkey_mode mode;
	uint32_t pdn;
	uint64_t addr;		/* first address the key translates */
	uint64_t len;
	bool remote_rw;		/* remote read/write on top of local read/write */
	/* DEVX_MKEY_MTT */
	uint32_t umem_id;
	uint64_t umem_offset;
	uint8_t log_page_size;
	/* DEVX_MKEY_KLM: the entries cover [addr, addr + len) in order */
	const struct devx_klm *klm;
	uint32_t klm_num;
};

/*
 * Size of the CREATE_MKEY input for attr: the KLM list is padded to a multiple of 4 entries
 * (one 64-byte translation unit).
 */
size_t devx_mkey_create_in_size(const struct devx_mkey_attr *attr);
/*
 * Encodes CREATE_MKEY into in (of devx_mkey_create_in_size() bytes). -EINVAL: no KLM entry,
 * an entry of 0 or more than DEVX_KLM_MAX_BYTES, entries not adding up to len, or a zero len.
 */
int devx_mkey_create_encode(void *in, const struct devx_mkey_attr *attr);
/* CREATE_MKEY; mkey->id is the key (index << 8 | variant byte) to put in virtqs and KLMs. */
int devx_mkey_create(struct ibv_context *ctx, const struct devx_mkey_attr *attr,
		     struct devx_obj *mkey);

/* ---- Transport domain, TIS ---- */

/* ALLOC_TRANSPORT_DOMAIN; td->id is the transport domain number. */
int devx_td_alloc(struct ibv_context *ctx, struct devx_obj *td);
void devx_td_alloc_encode(void *in);

struct devx_tis_attr {
	uint32_t transport_domain;
	uint8_t prio;
};

/* CREATE_TIS (the send path TX virtqs are attached to); tis->id is the TIS number. */
int devx_tis_create(struct ibv_context *ctx, const struct devx_tis_attr *attr,
		    struct devx_obj *tis);
void devx_tis_create_encode(void *in, const struct devx_tis_attr *attr);

/* ---- Completion queue, queue pair (the event channel of a virtq in QP event mode) ---- */

struct devx_cq_attr {
	uint8_t log_size;	/* log2 of the number of entries */
	uint32_t uar_page;
	uint32_t eqn;		/* completion EQ, from mlx5dv_devx_query_eqn */
	uint32_t umem_id;	/* CQE buffer */
	uint64_t umem_offset;
	uint32_t db_umem_id;	/* doorbell record */
	uint64_t db_offset;
	uint8_t log_page_size;
	bool overrun_ignore;	/* the producer never waits for the consumer */
	bool collapsed;		/* every CQE is written to entry 0 (cqc.cc) */
};

int devx_cq_create(struct ibv_context *ctx, const struct devx_cq_attr *attr,
		   struct devx_obj *cq);
void devx_cq_create_encode(void *in, const struct devx_cq_attr *attr);

/*
 * The data path of a notification CQ (devx_cq.c): the hardware reads what these write while
 * the queue runs. A collapsed CQ's entry 0 is prepared by devx_cqe_collapsed_init (before the
 * CQ is used); devx_cqe_wqe_counter reads the receive WQE counter of the last CQE written
 * there (and whether it is an error CQE). devx_cq_set_ci stores the consumer index into the
 * CQ's doorbell record `dbr`; devx_cq_arm asks for one completion event once the CQ holds a
 * CQE at or past `ci` (sn: the events received so far, mod 4) through the doorbell record and
 * the CQ doorbell of `uar_page` (the UAR page's base address). devx_qp_post_recv stores how
 * many receive WQEs are posted (free-running) into a QP's doorbell record.
 */
void devx_cqe_collapsed_init(void *cqe);
uint16_t devx_cqe_wqe_counter(const void *cqe, bool *error);
void devx_cq_set_ci(void *dbr, uint32_t ci);
void devx_cq_arm(void *dbr, void *uar_page, uint32_t cqn, uint32_t sn, uint32_t ci);
void devx_qp_post_recv(void *dbr, uint16_t counter);

struct devx_qp_attr {
	uint32_t pdn;
	uint32_t cqn;		/* receive CQ */
	uint32_t uar_page;
	/*
	 * The firmware's end of the pair has no receive queue (fw = true: zero-length RQ, no SQ);
	 * the driver's end has a receive queue of 2^log_rq_size entries of 2^log_rq_stride x
	 * 16 bytes, in umem wq_umem_id, and no send queue.
	 */
	bool fw;
	uint8_t log_rq_size;
	uint8_t log_rq_stride;
	uint32_t wq_umem_id;
	uint64_t wq_umem_offset;
	uint32_t db_umem_id;
	uint64_t db_offset;
	uint8_t log_page_size;
};

int devx_qp_create(struct ibv_context *ctx, const struct devx_qp_attr *attr,
		   struct devx_obj *qp);
void devx_qp_create_encode(void *in, const struct devx_qp_attr *attr);

enum devx_qp_transition {
	DEVX_QP_RST2INIT,
	DEVX_QP_INIT2RTR,	/* connects to remote_qpn, in force-loopback */
	DEVX_QP_RTR2RTS,
	DEVX_QP_2RST,
};

/* Moves qp along one edge of RST -> INIT -> RTR -> RTS (or back to RST). */
int devx_qp_modify(struct devx_obj *qp, enum devx_qp_transition t, uint32_t remote_qpn);
/* Encodes the transition's command into in (zeroed, sized for the largest); returns its size. */
size_t devx_qp_modify_encode(void *in, size_t inlen, uint32_t qpn, enum devx_qp_transition t,
			     uint32_t remote_qpn);

/* ---- Receive steering: RQT and TIR over RX virtqs ---- */

enum devx_rqt_list_type {
	DEVX_RQT_LIST_RQ = 0x0,
	DEVX_RQT_LIST_VIRTIO_NET_Q = 0x1,
};

struct devx_rqt_attr {
	enum devx_rqt_list_type type;
	uint32_t max_size;	/* entries the table may ever hold (create only) */
	uint32_t n;		/* entries in list */
	const uint32_t *list;	/* object ids (virtq ids for VIRTIO_NET_Q) */
};

size_t devx_rqt_in_size(const struct devx_rqt_attr *attr, bool modify);
void devx_rqt_create_encode(void *in, const struct devx_rqt_attr *attr);
void devx_rqt_modify_encode(void *in, uint32_t rqtn, const struct devx_rqt_attr *attr);
int devx_rqt_create(struct ibv_context *ctx, const struct devx_rqt_attr *attr,
		    struct devx_obj *rqt);
/* Replaces the list (max_size is ignored). */
int devx_rqt_modify(struct devx_obj *rqt, const struct devx_rqt_attr *attr);

/* Fields an indirect TIR hashes on (rx_hash_field_select). */
enum devx_rx_hash_field {
	DEVX_RX_HASH_SRC_IP = 1u << 0,
	DEVX_RX_HASH_DST_IP = 1u << 1,
	DEVX_RX_HASH_L4_SPORT = 1u << 2,
	DEVX_RX_HASH_L4_DPORT = 1u << 3,
};

enum devx_rx_hash_l3 { DEVX_RX_HASH_IPV4 = 0, DEVX_RX_HASH_IPV6 = 1 };
enum devx_rx_hash_l4 { DEVX_RX_HASH_TCP = 0, DEVX_RX_HASH_UDP = 1 };

#define DEVX_TOEPLITZ_KEY_LEN 40

struct devx_tir_attr {
	uint32_t transport_domain;
	uint32_t rqtn;			/* indirect dispatch over this RQT */
	bool symmetric;			/* same queue both directions of a flow */
	uint8_t toeplitz_key[DEVX_TOEPLITZ_KEY_LEN];
	enum devx_rx_hash_l3 l3;
	enum devx_rx_hash_l4 l4;
	uint32_t fields;		/* devx_rx_hash_field bits; 0: no L3/L4 selection */
};

int devx_tir_create(struct ibv_context *ctx, const struct devx_tir_attr *attr,
		    struct devx_obj *tir);
void devx_tir_create_encode(void *in, const struct devx_tir_attr *attr);

/* ---- vport ---- */

enum devx_vport_state { DEVX_VPORT_DOWN = 0, DEVX_VPORT_UP = 1 };

/* QUERY_VPORT_STATE of the function's own vport: its operational link state. */
int devx_query_vport_state(struct ibv_context *ctx, enum devx_vport_state *state);
void devx_query_vport_state_encode(void *in);
enum devx_vport_state devx_query_vport_state_decode(const void *out);

struct devx_nic_vport {
	uint16_t mtu;
	uint8_t mac[6];
};

/* QUERY_NIC_VPORT_CONTEXT of the function's own vport: MTU and permanent MAC. */
int devx_query_nic_vport_context(struct ibv_context *ctx, struct devx_nic_vport *v);
void devx_query_nic_vport_context_encode(void *in);
void devx_query_nic_vport_context_decode(const void *out, struct devx_nic_vport *v);

#endif /* MLX5_DEVX_CMD_H */
