/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtio emulation objects: the general-object command framing, the VIRTIO_NET_Q object (a
 * hardware virtqueue) and its VIRTIO_Q_COUNTERS companion. Offsets follow the kernel's
 * mlx5_ifc_vdpa.h; DPDK's names for the same bits are given where they differ.
 */
#ifndef MLX5_PRM_VIRTQ_H
#define MLX5_PRM_VIRTQ_H

#include <stdint.h>

#include "prm_bits.h"

/* Input header of CREATE/MODIFY/QUERY/DESTROY_GENERAL_OBJECT; destroy and query send only this. */
struct prm_general_obj_in_cmd_hdr_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t vhca_tunnel_id[0x10];
	uint8_t obj_type[0x10];

	uint8_t obj_id[0x20];

	union {
		struct {
			uint8_t reserved_at_60[0x3];
			uint8_t log_obj_range[0x5];
			uint8_t reserved_at_68[0x18];
		};
		uint8_t obj_offset[0x20];	/* DPDK; the kernel keeps this dword reserved */
	};
};
PRM_ASSERT_SIZE(general_obj_in_cmd_hdr, 16);

/* Output header; CREATE_GENERAL_OBJECT answers the new object's id here. */
struct prm_general_obj_out_cmd_hdr_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t obj_id[0x20];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(general_obj_out_cmd_hdr, 16);

enum prm_obj_type {
	PRM_OBJ_TYPE_VIRTIO_NET_Q = 0x000d,
	PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS = 0x001c,
};

/* Bits of cmd_hca_cap.general_obj_types: bit N says object type N is supported. */
#define PRM_GENERAL_OBJ_TYPES_CAP(type) (1ull << (type))

/* The virtqueue proper (virtio_q_context inside virtio_net_q_object). */
struct prm_virtio_q_bits {
	uint8_t virtio_q_type[0x8];
	uint8_t reserved_at_8[0x5];
	uint8_t event_mode[0x3];
	uint8_t queue_index[0x10];

	uint8_t full_emulation[0x1];
	uint8_t virtio_version_1_0[0x1];
	uint8_t reserved_at_22[0x2];
	uint8_t offload_type[0x4];
	uint8_t event_qpn_or_msix[0x18];

	uint8_t doorbell_stride_index[0x10];
	uint8_t queue_size[0x10];

	uint8_t device_emulation_id[0x20];

	uint8_t desc_addr[0x40];

	uint8_t used_addr[0x40];

	uint8_t available_addr[0x40];

	uint8_t virtio_q_mkey[0x20];

	uint8_t max_tunnel_desc[0x10];	/* kernel; reserved in DPDK */
	uint8_t reserved_at_170[0x8];
	uint8_t error_type[0x8];

	uint8_t umem_1_id[0x20];

	uint8_t umem_1_size[0x20];

	uint8_t umem_1_offset[0x40];

	uint8_t umem_2_id[0x20];

	uint8_t umem_2_size[0x20];

	uint8_t umem_2_offset[0x40];

	uint8_t umem_3_id[0x20];

	uint8_t umem_3_size[0x20];

	uint8_t umem_3_offset[0x40];

	uint8_t counter_set_id[0x20];

	uint8_t reserved_at_320[0x8];
	uint8_t pd[0x18];

	/* Event moderation: DPDK's PRM; the kernel keeps this dword reserved. */
	uint8_t reserved_at_340[0x2];
	uint8_t queue_period_mode[0x2];
	uint8_t queue_period_us[0xc];
	uint8_t queue_max_count[0x10];

	uint8_t desc_group_mkey[0x20];	/* kernel 6.7+; reserved in DPDK 22.11 */

	uint8_t reserved_at_380[0x80];
};
PRM_ASSERT_SIZE(virtio_q, 128);

/* The VIRTIO_NET_Q general object (0xd). */
struct prm_virtio_net_q_object_bits {
	uint8_t modify_field_select[0x40];

	uint8_t reserved_at_40[0x20];

	uint8_t vhca_id[0x10];
	uint8_t reserved_at_70[0x10];

	/*
	 * The device feature mask in mlx5 positions (PRM_VIRTQ_FEATURE_*), split in two fields:
	 * bits 12..3 here, bits 2..0 below. DPDK names the top four bits tso_ipv4, tso_ipv6,
	 * tx_csum, rx_csum.
	 */
	uint8_t queue_feature_bit_mask_12_3[0xa];
	uint8_t dirty_bitmap_dump_enable[0x1];
	uint8_t vhost_log_page[0x5];
	uint8_t reserved_at_90[0xc];
	uint8_t state[0x4];

	uint8_t reserved_at_a0[0x5];
	uint8_t queue_feature_bit_mask_2_0[0x3];
	uint8_t tisn_or_qpn[0x18];

	uint8_t dirty_bitmap_mkey[0x20];

	uint8_t dirty_bitmap_size[0x20];

	uint8_t dirty_bitmap_addr[0x40];

	uint8_t hw_available_index[0x10];
	uint8_t hw_used_index[0x10];

	uint8_t reserved_at_160[0xa0];

	struct prm_virtio_q_bits virtio_q_context;
};
PRM_ASSERT_SIZE(virtio_net_q_object, 192);

/* CREATE and MODIFY send the header and the object; QUERY answers the same shape. */
struct prm_create_virtio_net_q_in_bits {
	struct prm_general_obj_in_cmd_hdr_bits hdr;
	struct prm_virtio_net_q_object_bits obj_context;
};
PRM_ASSERT_SIZE(create_virtio_net_q_in, 208);

struct prm_modify_virtio_net_q_in_bits {
	struct prm_general_obj_in_cmd_hdr_bits hdr;
	struct prm_virtio_net_q_object_bits obj_context;
};
PRM_ASSERT_SIZE(modify_virtio_net_q_in, 208);

struct prm_query_virtio_net_q_out_bits {
	struct prm_general_obj_out_cmd_hdr_bits hdr;
	struct prm_virtio_net_q_object_bits obj_context;
};
PRM_ASSERT_SIZE(query_virtio_net_q_out, 208);

/*
 * virtio_q.queue_period_mode (DPDK's hw_latency_mode): from when queue_period_us counts before
 * completions are reported.
 */
enum prm_virtq_period_mode {
	PRM_VIRTQ_PERIOD_MODE_DEFAULT = 0x0,
	PRM_VIRTQ_PERIOD_MODE_FROM_FIRST = 0x1,	/* the first completion not reported yet */
	PRM_VIRTQ_PERIOD_MODE_FROM_LAST = 0x2,	/* the last completion */
};

/* modify_field_select bits of virtio_net_q_object. */
enum prm_virtq_modify {
	PRM_VIRTQ_MODIFY_STATE = 1u << 0,
	PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS = 1u << 3,	/* vhost_log_page, dirty_bitmap_* */
	PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE = 1u << 4,
	PRM_VIRTQ_MODIFY_QUEUE_PERIOD = 1u << 5,	/* DPDK: queue_period_*, queue_max_count */
	PRM_VIRTQ_MODIFY_ADDRS = 1u << 6,		/* desc_addr, used_addr, available_addr */
	PRM_VIRTQ_MODIFY_AVAIL_IDX = 1u << 7,
	PRM_VIRTQ_MODIFY_USED_IDX = 1u << 8,
	PRM_VIRTQ_MODIFY_Q_TYPE = 1u << 9,		/* DPDK */
	PRM_VIRTQ_MODIFY_VERSION_1_0 = 1u << 10,
	PRM_VIRTQ_MODIFY_MKEY = 1u << 11,
	PRM_VIRTQ_MODIFY_FEATURES = 1u << 12,		/* both queue_feature_bit_mask fields */
	PRM_VIRTQ_MODIFY_EVENT_MODE = 1u << 13,		/* DPDK */
	PRM_VIRTQ_MODIFY_DESC_GROUP_MKEY = 1u << 14,	/* kernel */
};

enum prm_virtq_state {
	PRM_VIRTQ_STATE_INIT = 0x0,
	PRM_VIRTQ_STATE_RDY = 0x1,
	PRM_VIRTQ_STATE_SUSPEND = 0x2,
	PRM_VIRTQ_STATE_ERR = 0x3,
};

enum prm_virtq_event_mode {
	PRM_VIRTQ_EVENT_MODE_NO_MSIX = 0x0,
	PRM_VIRTQ_EVENT_MODE_QP = 0x1,
	PRM_VIRTQ_EVENT_MODE_MSIX = 0x2,
};

enum prm_virtq_type {
	PRM_VIRTQ_TYPE_SPLIT = 0x0,
	PRM_VIRTQ_TYPE_PACKED = 0x1,
};

/* Bits of virtio_emulation_cap.virtio_queue_type and .event_mode: 1 << the enum value above. */
#define PRM_VIRTQ_CAP_BIT(v) (1u << (v))

/* virtio-net features in mlx5 positions (queue_feature_bit_mask, device_features_bits_mask). */
enum prm_virtq_feature {
	PRM_VIRTQ_FEATURE_MRG_RXBUF = 2,
	PRM_VIRTQ_FEATURE_HOST_ECN = 4,
	PRM_VIRTQ_FEATURE_GUEST_ECN = 6,
	PRM_VIRTQ_FEATURE_GUEST_TSO6 = 7,
	PRM_VIRTQ_FEATURE_GUEST_TSO4 = 8,
	PRM_VIRTQ_FEATURE_GUEST_CSUM = 9,
	PRM_VIRTQ_FEATURE_CSUM = 10,
	PRM_VIRTQ_FEATURE_HOST_TSO6 = 11,
	PRM_VIRTQ_FEATURE_HOST_TSO4 = 12,
};

/* The VIRTIO_Q_COUNTERS general object (0x1c). */
struct prm_virtio_q_counters_bits {
	uint8_t modify_field_select[0x40];

	uint8_t reserved_at_40[0x40];

	uint8_t received_desc[0x40];

	uint8_t completed_desc[0x40];

	uint8_t error_cqes[0x20];

	uint8_t bad_desc_errors[0x20];

	uint8_t exceed_max_chain[0x20];

	uint8_t invalid_buffer[0x20];

	uint8_t reserved_at_180[0x280];
};
PRM_ASSERT_SIZE(virtio_q_counters, 128);

struct prm_create_virtio_q_counters_in_bits {
	struct prm_general_obj_in_cmd_hdr_bits hdr;
	struct prm_virtio_q_counters_bits virtio_q_counters;
};
PRM_ASSERT_SIZE(create_virtio_q_counters_in, 144);

struct prm_query_virtio_q_counters_out_bits {
	struct prm_general_obj_out_cmd_hdr_bits hdr;
	struct prm_virtio_q_counters_bits counters;
};
PRM_ASSERT_SIZE(query_virtio_q_counters_out, 144);

#endif /* MLX5_PRM_VIRTQ_H */
