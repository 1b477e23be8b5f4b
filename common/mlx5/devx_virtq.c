/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtio-net queue objects and their counters: general objects (CREATE/MODIFY/QUERY_GENERAL_
 * OBJECT with obj_type VIRTIO_NET_Q or VIRTIO_Q_COUNTERS).
 */
#include <errno.h>
#include <string.h>

#include "devx_cmd.h"
#include "mlx5_log.h"
#include "prm_cmd.h"
#include "prm_virtq.h"

/* The typed constants are the PRM's values: a modify bitmap is passed through as it is. */
#define SAME_AS_PRM(devx, prm) _Static_assert((int)(devx) == (int)(prm), #devx " is " #prm)
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_STATE, PRM_VIRTQ_MODIFY_STATE);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS, PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE,
	    PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_QUEUE_PERIOD, PRM_VIRTQ_MODIFY_QUEUE_PERIOD);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_ADDRS, PRM_VIRTQ_MODIFY_ADDRS);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_AVAIL_IDX, PRM_VIRTQ_MODIFY_AVAIL_IDX);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_USED_IDX, PRM_VIRTQ_MODIFY_USED_IDX);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_VERSION_1_0, PRM_VIRTQ_MODIFY_VERSION_1_0);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_MKEY, PRM_VIRTQ_MODIFY_MKEY);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_FEATURES, PRM_VIRTQ_MODIFY_FEATURES);
SAME_AS_PRM(DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY, PRM_VIRTQ_MODIFY_DESC_GROUP_MKEY);
SAME_AS_PRM(DEVX_VIRTQ_STATE_INIT, PRM_VIRTQ_STATE_INIT);
SAME_AS_PRM(DEVX_VIRTQ_STATE_RDY, PRM_VIRTQ_STATE_RDY);
SAME_AS_PRM(DEVX_VIRTQ_STATE_SUSPEND, PRM_VIRTQ_STATE_SUSPEND);
SAME_AS_PRM(DEVX_VIRTQ_STATE_ERR, PRM_VIRTQ_STATE_ERR);
SAME_AS_PRM(DEVX_VIRTQ_EVENT_NO_MSIX, PRM_VIRTQ_EVENT_MODE_NO_MSIX);
SAME_AS_PRM(DEVX_VIRTQ_EVENT_QP, PRM_VIRTQ_EVENT_MODE_QP);
SAME_AS_PRM(DEVX_VIRTQ_EVENT_MSIX, PRM_VIRTQ_EVENT_MODE_MSIX);
SAME_AS_PRM(DEVX_VIRTQ_TYPE_SPLIT, PRM_VIRTQ_TYPE_SPLIT);
SAME_AS_PRM(DEVX_VIRTQ_TYPE_PACKED, PRM_VIRTQ_TYPE_PACKED);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_MRG_RXBUF, PRM_VIRTQ_FEATURE_MRG_RXBUF);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_HOST_ECN, PRM_VIRTQ_FEATURE_HOST_ECN);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_GUEST_ECN, PRM_VIRTQ_FEATURE_GUEST_ECN);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_GUEST_TSO6, PRM_VIRTQ_FEATURE_GUEST_TSO6);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_GUEST_TSO4, PRM_VIRTQ_FEATURE_GUEST_TSO4);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_GUEST_CSUM, PRM_VIRTQ_FEATURE_GUEST_CSUM);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_CSUM, PRM_VIRTQ_FEATURE_CSUM);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_HOST_TSO6, PRM_VIRTQ_FEATURE_HOST_TSO6);
SAME_AS_PRM(DEVX_VIRTIO_NET_F_HOST_TSO4, PRM_VIRTQ_FEATURE_HOST_TSO4);
_Static_assert(DEVX_GENERAL_OBJ_TYPES_VIRTIO_NET_Q ==
	       PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_NET_Q), "object type bit");
_Static_assert(DEVX_GENERAL_OBJ_TYPES_VIRTIO_Q_COUNTERS ==
	       PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS), "object type bit");

static void
encode_hdr(void *in, uint16_t opcode, uint16_t obj_type, uint32_t obj_id)
{
	PRM_SET(general_obj_in_cmd_hdr, in, opcode, opcode);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, obj_type);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, obj_id);
}

/* Writes the fields of attr selected by `fields` (devx_virtq_modify bits) into the object. */
static void
encode_fields(void *obj, const struct devx_virtq_attr *a, uint32_t fields)
{
	void *q = PRM_ADDR(virtio_net_q_object, obj, virtio_q_context);

	if (fields & DEVX_VIRTQ_MODIFY_STATE)
		PRM_SET(virtio_net_q_object, obj, state, a->state);
	if (fields & DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS) {
		PRM_SET(virtio_net_q_object, obj, vhost_log_page, a->vhost_log_page);
		PRM_SET(virtio_net_q_object, obj, dirty_bitmap_mkey, a->dirty_bitmap_mkey);
		PRM_SET(virtio_net_q_object, obj, dirty_bitmap_size, a->dirty_bitmap_size);
		PRM_SET(virtio_net_q_object, obj, dirty_bitmap_addr, a->dirty_bitmap_addr);
	}
	if (fields & DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE)
		PRM_SET(virtio_net_q_object, obj, dirty_bitmap_dump_enable,
			a->dirty_bitmap_dump_enable);
	if (fields & DEVX_VIRTQ_MODIFY_QUEUE_PERIOD) {
		PRM_SET(virtio_q, q, queue_period_mode, a->queue_period_mode);
		PRM_SET(virtio_q, q, queue_period_us, a->queue_period_us);
		PRM_SET(virtio_q, q, queue_max_count, a->queue_max_count);
	}
	if (fields & DEVX_VIRTQ_MODIFY_ADDRS) {
		PRM_SET(virtio_q, q, desc_addr, a->desc_addr);
		PRM_SET(virtio_q, q, used_addr, a->used_addr);
		PRM_SET(virtio_q, q, available_addr, a->available_addr);
	}
	if (fields & DEVX_VIRTQ_MODIFY_AVAIL_IDX)
		PRM_SET(virtio_net_q_object, obj, hw_available_index, a->hw_available_index);
	if (fields & DEVX_VIRTQ_MODIFY_USED_IDX)
		PRM_SET(virtio_net_q_object, obj, hw_used_index, a->hw_used_index);
	if (fields & DEVX_VIRTQ_MODIFY_VERSION_1_0)
		PRM_SET(virtio_q, q, virtio_version_1_0, a->virtio_version_1_0);
	if (fields & DEVX_VIRTQ_MODIFY_MKEY)
		PRM_SET(virtio_q, q, virtio_q_mkey, a->mkey);
	if (fields & DEVX_VIRTQ_MODIFY_FEATURES) {
		/* one 13-bit mask split over two fields: bits 12..3 and bits 2..0 */
		PRM_SET(virtio_net_q_object, obj, queue_feature_bit_mask_12_3,
			a->queue_features >> 3);
		PRM_SET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0,
			a->queue_features & 0x7);
	}
	if (fields & DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY)
		PRM_SET(virtio_q, q, desc_group_mkey, a->desc_group_mkey);
}

/* Every field a create carries; create-only ones (no modify bit) are written here. */
#define CREATE_FIELDS (DEVX_VIRTQ_MODIFY_STATE | DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS | \
		       DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE | \
		       DEVX_VIRTQ_MODIFY_QUEUE_PERIOD | DEVX_VIRTQ_MODIFY_ADDRS | \
		       DEVX_VIRTQ_MODIFY_AVAIL_IDX | DEVX_VIRTQ_MODIFY_USED_IDX | \
		       DEVX_VIRTQ_MODIFY_VERSION_1_0 | DEVX_VIRTQ_MODIFY_MKEY | \
		       DEVX_VIRTQ_MODIFY_FEATURES | DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY)

size_t
devx_virtq_create_in_size(void)
{
	return PRM_SIZE(create_virtio_net_q_in);
}

size_t
devx_virtq_modify_in_size(void)
{
	return PRM_SIZE(modify_virtio_net_q_in);
}

size_t
devx_virtq_query_out_size(void)
{
	return PRM_SIZE(query_virtio_net_q_out);
}

void
devx_virtq_create_encode(void *in, const struct devx_virtq_attr *a)
{
	void *obj = PRM_ADDR(create_virtio_net_q_in, in, obj_context);
	void *q = PRM_ADDR(virtio_net_q_object, obj, virtio_q_context);

	memset(in, 0, PRM_SIZE(create_virtio_net_q_in));
	encode_hdr(in, PRM_CMD_CREATE_GENERAL_OBJECT, PRM_OBJ_TYPE_VIRTIO_NET_Q, 0);
	encode_fields(obj, a, CREATE_FIELDS);
	PRM_SET(virtio_net_q_object, obj, tisn_or_qpn, a->tisn_or_qpn);
	PRM_SET(virtio_q, q, virtio_q_type, a->type);
	PRM_SET(virtio_q, q, event_mode, a->event_mode);
	PRM_SET(virtio_q, q, queue_index, a->queue_index);
	PRM_SET(virtio_q, q, event_qpn_or_msix, a->event_qpn_or_msix);
	PRM_SET(virtio_q, q, queue_size, a->queue_size);
	PRM_SET(virtio_q, q, umem_1_id, a->umem[0].id);
	PRM_SET(virtio_q, q, umem_1_size, a->umem[0].size);
	PRM_SET(virtio_q, q, umem_1_offset, a->umem[0].offset);
	PRM_SET(virtio_q, q, umem_2_id, a->umem[1].id);
	PRM_SET(virtio_q, q, umem_2_size, a->umem[1].size);
	PRM_SET(virtio_q, q, umem_2_offset, a->umem[1].offset);
	PRM_SET(virtio_q, q, umem_3_id, a->umem[2].id);
	PRM_SET(virtio_q, q, umem_3_size, a->umem[2].size);
	PRM_SET(virtio_q, q, umem_3_offset, a->umem[2].offset);
	PRM_SET(virtio_q, q, counter_set_id, a->counter_set_id);
	PRM_SET(virtio_q, q, pd, a->pdn);
}

void
devx_virtq_modify_encode(void *in, uint32_t obj_id, const struct devx_virtq_attr *a)
{
	void *obj = PRM_ADDR(modify_virtio_net_q_in, in, obj_context);

	memset(in, 0, PRM_SIZE(modify_virtio_net_q_in));
	encode_hdr(in, PRM_CMD_MODIFY_GENERAL_OBJECT, PRM_OBJ_TYPE_VIRTIO_NET_Q, obj_id);
	PRM_SET(virtio_net_q_object, obj, modify_field_select, a->modify);
	encode_fields(obj, a, a->modify);
}

void
devx_virtq_query_encode(void *in, uint32_t obj_id)
{
	memset(in, 0, PRM_SIZE(general_obj_in_cmd_hdr));
	encode_hdr(in, PRM_CMD_QUERY_GENERAL_OBJECT, PRM_OBJ_TYPE_VIRTIO_NET_Q, obj_id);
}

void
devx_virtq_query_decode(const void *out, struct devx_virtq_attr *a)
{
	const void *obj = PRM_ADDR(query_virtio_net_q_out, out, obj_context);
	const void *q = PRM_ADDR(virtio_net_q_object, obj, virtio_q_context);

	memset(a, 0, sizeof(*a));
	a->state = (enum devx_virtq_state)PRM_GET(virtio_net_q_object, obj, state);
	a->queue_features = (uint16_t)(PRM_GET(virtio_net_q_object, obj,
					       queue_feature_bit_mask_12_3) << 3 |
				       PRM_GET(virtio_net_q_object, obj,
					       queue_feature_bit_mask_2_0));
	a->dirty_bitmap_dump_enable = PRM_GET(virtio_net_q_object, obj, dirty_bitmap_dump_enable);
	a->vhost_log_page = (uint8_t)PRM_GET(virtio_net_q_object, obj, vhost_log_page);
	a->tisn_or_qpn = (uint32_t)PRM_GET(virtio_net_q_object, obj, tisn_or_qpn);
	a->dirty_bitmap_mkey = (uint32_t)PRM_GET(virtio_net_q_object, obj, dirty_bitmap_mkey);
	a->dirty_bitmap_size = (uint32_t)PRM_GET(virtio_net_q_object, obj, dirty_bitmap_size);
	a->dirty_bitmap_addr = PRM_GET(virtio_net_q_object, obj, dirty_bitmap_addr);
	a->hw_available_index = (uint16_t)PRM_GET(virtio_net_q_object, obj, hw_available_index);
	a->hw_used_index = (uint16_t)PRM_GET(virtio_net_q_object, obj, hw_used_index);
	a->type = (enum devx_virtq_type)PRM_GET(virtio_q, q, virtio_q_type);
	a->event_mode = (enum devx_virtq_event_mode)PRM_GET(virtio_q, q, event_mode);
	a->queue_index = (uint16_t)PRM_GET(virtio_q, q, queue_index);
	a->virtio_version_1_0 = PRM_GET(virtio_q, q, virtio_version_1_0);
	a->event_qpn_or_msix = (uint32_t)PRM_GET(virtio_q, q, event_qpn_or_msix);
	a->queue_size = (uint16_t)PRM_GET(virtio_q, q, queue_size);
	a->desc_addr = PRM_GET(virtio_q, q, desc_addr);
	a->used_addr = PRM_GET(virtio_q, q, used_addr);
	a->available_addr = PRM_GET(virtio_q, q, available_addr);
	a->mkey = (uint32_t)PRM_GET(virtio_q, q, virtio_q_mkey);
	a->error_type = (uint8_t)PRM_GET(virtio_q, q, error_type);
	a->umem[0].id = (uint32_t)PRM_GET(virtio_q, q, umem_1_id);
	a->umem[0].size = (uint32_t)PRM_GET(virtio_q, q, umem_1_size);
	a->umem[0].offset = PRM_GET(virtio_q, q, umem_1_offset);
	a->umem[1].id = (uint32_t)PRM_GET(virtio_q, q, umem_2_id);
	a->umem[1].size = (uint32_t)PRM_GET(virtio_q, q, umem_2_size);
	a->umem[1].offset = PRM_GET(virtio_q, q, umem_2_offset);
	a->umem[2].id = (uint32_t)PRM_GET(virtio_q, q, umem_3_id);
	a->umem[2].size = (uint32_t)PRM_GET(virtio_q, q, umem_3_size);
	a->umem[2].offset = PRM_GET(virtio_q, q, umem_3_offset);
	a->counter_set_id = (uint32_t)PRM_GET(virtio_q, q, counter_set_id);
	a->pdn = (uint32_t)PRM_GET(virtio_q, q, pd);
	a->queue_period_mode = (uint8_t)PRM_GET(virtio_q, q, queue_period_mode);
	a->queue_period_us = (uint16_t)PRM_GET(virtio_q, q, queue_period_us);
	a->queue_max_count = (uint16_t)PRM_GET(virtio_q, q, queue_max_count);
	a->desc_group_mkey = (uint32_t)PRM_GET(virtio_q, q, desc_group_mkey);
}

int
devx_virtq_create(struct ibv_context *ctx, const struct devx_virtq_attr *attr,
		  struct devx_obj *q)
{
	uint8_t in[PRM_SIZE(create_virtio_net_q_in)];
	uint8_t out[PRM_SIZE(general_obj_out_cmd_hdr)];
	int ret;

	devx_virtq_create_encode(in, attr);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), q);
	if (ret == 0)
		q->id = (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id);
	return ret;
}

int
devx_virtq_modify(struct devx_obj *q, const struct devx_virtq_attr *attr)
{
	uint8_t in[PRM_SIZE(modify_virtio_net_q_in)];
	uint8_t out[PRM_SIZE(general_obj_out_cmd_hdr)];

	if (attr->modify == 0)
		return -EINVAL;
	devx_virtq_modify_encode(in, q->id, attr);
	return devx_obj_modify(q, in, sizeof(in), out, sizeof(out));
}

int
devx_virtq_query(struct devx_obj *q, struct devx_virtq_attr *attr)
{
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)];
	uint8_t out[PRM_SIZE(query_virtio_net_q_out)];
	int ret;

	devx_virtq_query_encode(in, q->id);
	ret = devx_obj_query(q, in, sizeof(in), out, sizeof(out));
	if (ret == 0)
		devx_virtq_query_decode(out, attr);
	return ret;
}

void
devx_virtq_counters_create_encode(void *in)
{
	memset(in, 0, PRM_SIZE(create_virtio_q_counters_in));
	encode_hdr(in, PRM_CMD_CREATE_GENERAL_OBJECT, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS, 0);
}

void
devx_virtq_counters_query_decode(const void *out, struct devx_virtq_counters *c)
{
	const void *o = PRM_ADDR(query_virtio_q_counters_out, out, counters);

	c->received_desc = PRM_GET(virtio_q_counters, o, received_desc);
	c->completed_desc = PRM_GET(virtio_q_counters, o, completed_desc);
	c->error_cqes = (uint32_t)PRM_GET(virtio_q_counters, o, error_cqes);
	c->bad_desc_errors = (uint32_t)PRM_GET(virtio_q_counters, o, bad_desc_errors);
	c->exceed_max_chain = (uint32_t)PRM_GET(virtio_q_counters, o, exceed_max_chain);
	c->invalid_buffer = (uint32_t)PRM_GET(virtio_q_counters, o, invalid_buffer);
}

int
devx_virtq_counters_create(struct ibv_context *ctx, struct devx_obj *c)
{
	uint8_t in[PRM_SIZE(create_virtio_q_counters_in)];
	uint8_t out[PRM_SIZE(general_obj_out_cmd_hdr)];
	int ret;

	devx_virtq_counters_create_encode(in);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), c);
	if (ret == 0)
		c->id = (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id);
	return ret;
}

int
devx_virtq_counters_query(struct devx_obj *c, struct devx_virtq_counters *cnt)
{
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)];
	uint8_t out[PRM_SIZE(query_virtio_q_counters_out)];
	int ret;

	memset(in, 0, sizeof(in));
	encode_hdr(in, PRM_CMD_QUERY_GENERAL_OBJECT, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS, c->id);
	ret = devx_obj_query(c, in, sizeof(in), out, sizeof(out));
	if (ret == 0)
		devx_virtq_counters_query_decode(out, cnt);
	return ret;
}
