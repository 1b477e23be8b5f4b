/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * General objects: VIRTIO_NET_Q (a hardware virtqueue) and VIRTIO_Q_COUNTERS. Creation checks
 * every reference and size against the caps; MODIFY honours modify_field_select bit by bit, in
 * the states the PRM allows; the state machine is fw_virtq_state_change_ok().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw_dirty.h"
#include "fw_internal.h"
#include "fw_notify.h"
#include "hw_nic.h"
#include "hw_virtq.h"
#include "fw_states.h"
#include "prm_eq.h"
#include "prm_mem.h"
#include "prm_virtq.h"

#define VIRTQ_MAX_SIZE 32768
/*
 * The counters' mailboxes as far as their last field: DPDK's PRM copy ends the object there
 * (74-byte mailboxes), the kernel's pads it to 128 bytes; the hardware takes both.
 */
#define COUNTERS_MIN_LEN \
	(PRM_SIZE(general_obj_in_cmd_hdr) + PRM_BIT_OFF(virtio_q_counters, reserved_at_180) / 8)

struct fw_counters {
	struct fw_obj obj;
	struct fw_virtq *owner;		/* the virtq counting into it, whose live counts add up */
	uint64_t received_desc;
	uint64_t completed_desc;
	uint32_t error_cqes;
	uint32_t bad_desc_errors;
	uint32_t exceed_max_chain;
	uint32_t invalid_buffer;
};

/* References a virtq holds, by role. */
enum virtq_ref {
	REF_UMEM1, REF_UMEM2, REF_UMEM3, REF_MKEY, REF_DESC_MKEY, REF_PD, REF_COUNTERS,
	REF_EVENT_QP, REF_TIS, REF_DIRTY_MKEY, REF_COUNT,
};

struct fw_virtq {
	struct fw_obj obj;
	uint8_t ctx[PRM_SIZE(virtio_net_q_object)];	/* as created and modified */
	enum prm_virtq_state state;
	struct fw_obj *refs[REF_COUNT];
	/* While RDY on a function with a data plane: the hardware queue and its guest memory. */
	struct hw_virtq *hwq;
	struct fw_dma_map dma;
	struct fw_dirty_log log;	/* the engine's DMA goes through it (fw_dirty.h) */
	struct emu_fw *fw;
	struct fw_notify notify;	/* QP event mode: where completions are reported */
	bool notifying;
};

/*
 * Completions of a running queue, and every engine pass: reported to the driver's end of the
 * notification channel as the queue's moderation allows (fw_notify.c). Engine thread.
 */
static void
virtq_notify(void *ctx)
{
	struct fw_virtq *vq = ctx;
	struct hw_virtq_counters c;

	if (!vq->notifying)
		return;
	hw_virtq_get_counters(vq->hwq, &c);
	fw_notify_update(vq->fw, &vq->notify, c.completed_desc, hw_clock_ns(), false);
}

static void
set_moderation(struct fw_virtq *vq)
{
	const void *q = PRM_ADDR(virtio_net_q_object, vq->ctx, virtio_q_context);
	struct fw_moderation m = {
		.mode = (uint8_t)PRM_GET(virtio_q, q, queue_period_mode),
		.period_us = (uint16_t)PRM_GET(virtio_q, q, queue_period_us),
		.max_count = (uint16_t)PRM_GET(virtio_q, q, queue_max_count),
	};

	fw_notify_set_moderation(&vq->notify, &m);
}

/* The object-change event of a virtq that went to ERR, for the driver's recovery. */
static void
raise_error_event(struct emu_fw *fw, uint32_t virtq_id)
{
	uint8_t data[PRM_SIZE(affiliated_event_header)] = { 0 };

	PRM_SET(affiliated_event_header, data, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(affiliated_event_header, data, obj_id, virtq_id);
	fw_raise_event(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, virtq_id, PRM_EVENT_TYPE_OBJECT_CHANGE, data,
		       sizeof(data));
}

/* The engine failed the queue (hostile ring, injected error): engine thread. */
static void
virtq_failed(void *ctx)
{
	struct fw_virtq *vq = ctx;

	raise_error_event(vq->fw, vq->obj.id);
}

_Static_assert((int)HW_VIRTQ_SPLIT == PRM_VIRTQ_TYPE_SPLIT, "engine formats are queue types");
_Static_assert((int)HW_VIRTQ_PACKED == PRM_VIRTQ_TYPE_PACKED, "engine formats are queue types");

static uint16_t
feature_mask(const void *ctx)
{
	return (uint16_t)(PRM_GET(virtio_net_q_object, ctx, queue_feature_bit_mask_12_3) << 3 |
			  PRM_GET(virtio_net_q_object, ctx, queue_feature_bit_mask_2_0));
}

/* Starts moving frames: the queue went RDY. Without a data plane, a RDY queue just waits. */
static void
hw_start(struct emu_fw *fw, struct fw_virtq *vq)
{
	const void *q = PRM_ADDR(virtio_net_q_object, vq->ctx, virtio_q_context);
	uint16_t features = feature_mask(vq->ctx);
	struct hw_virtq_config cfg = {
		.index = (uint16_t)PRM_GET(virtio_q, q, queue_index),
		.size = (uint16_t)PRM_GET(virtio_q, q, queue_size),
		/* the PRM's queue types are the engine's formats; create checked the caps */
		.format = (enum hw_virtq_format)PRM_GET(virtio_q, q, virtio_q_type),
		.desc = PRM_GET(virtio_q, q, desc_addr),
		.avail = PRM_GET(virtio_q, q, available_addr),
		.used = PRM_GET(virtio_q, q, used_addr),
		.avail_idx = (uint16_t)PRM_GET(virtio_net_q_object, vq->ctx, hw_available_index),
		.used_idx = (uint16_t)PRM_GET(virtio_net_q_object, vq->ctx, hw_used_index),
		/* virtio 1.0 and mergeable buffers use the 12-byte header */
		.hdr_len = PRM_GET(virtio_q, q, virtio_version_1_0) ||
				   (features & (1u << PRM_VIRTQ_FEATURE_MRG_RXBUF)) ? 12 : 10,
		.mrg_rxbuf = (features & (1u << PRM_VIRTQ_FEATURE_MRG_RXBUF)) != 0,
		.dma = &fw_dirty_dma_ops,
		.dma_ctx = &vq->log,
		.notify = virtq_notify,
		.error = virtq_failed,
		.notify_ctx = vq,
	};

	if (fw->nic == NULL || vq->hwq != NULL)
		return;
	if (fw_mkey_flatten(fw, (uint32_t)PRM_GET(virtio_q, q, virtio_q_mkey), &vq->dma) < 0)
		return;
	if (fw->virtq_error.times != 0 && fw->virtq_error.queue_index == cfg.index) {
		cfg.fail_at_ns = hw_clock_ns() + (uint64_t)fw->virtq_error.after_ms * 1000000u;
		fw->virtq_error.times--;
	}
	vq->fw = fw;
	if (hw_virtq_create(&cfg, &vq->hwq) < 0) {
		fw_dma_map_free(&vq->dma);
		return;
	}
	vq->notifying = PRM_GET(virtio_q, q, event_mode) == PRM_VIRTQ_EVENT_MODE_QP;
	if (vq->notifying) {
		fw_qp_notify_attach(fw, (uint32_t)PRM_GET(virtio_q, q, event_qpn_or_msix),
				    &vq->notify);
		vq->notify.seen = 0;	/* the new hardware queue counts from 0 */
		vq->notify.pending = 0;
		set_moderation(vq);
	}
	if (hw_nic_add_queue(fw->nic, fw->nic_port, vq->obj.id, vq->hwq) < 0) {
		if (vq->notifying)
			fw_qp_notify_detach(&vq->notify);
		vq->notifying = false;
		hw_virtq_destroy(vq->hwq);
		vq->hwq = NULL;
		fw_dma_map_free(&vq->dma);
	}
}

/*
 * Stops the hardware queue: its indices go back into the object (what QUERY reports and a
 * later RDY resumes from) and its counters into the counters object. A queue the engine failed
 * (hostile ring) is in ERR.
 */
static void
hw_stop(struct emu_fw *fw, struct fw_virtq *vq)
{
	struct fw_counters *k = (struct fw_counters *)vq->refs[REF_COUNTERS];
	struct hw_virtq_counters c;
	uint16_t a, u;

	if (vq->hwq == NULL)
		return;
	hw_nic_remove_queue(fw->nic, fw->nic_port, vq->hwq);
	fw_dirty_log_flush(&vq->log);
	hw_virtq_indices(vq->hwq, &a, &u);
	hw_virtq_get_counters(vq->hwq, &c);
	if (vq->notifying) {
		/* A stopping queue reports what moderation still held back. */
		fw_notify_update(fw, &vq->notify, c.completed_desc, hw_clock_ns(), true);
		fw_qp_notify_detach(&vq->notify);
		vq->notifying = false;
	}
	PRM_SET(virtio_net_q_object, vq->ctx, hw_available_index, a);
	PRM_SET(virtio_net_q_object, vq->ctx, hw_used_index, u);
	if (k != NULL) {
		k->received_desc += c.received_desc;
		k->completed_desc += c.completed_desc;
		k->error_cqes += c.error_cqes;
		k->bad_desc_errors += c.bad_desc_errors;
		k->exceed_max_chain += c.exceed_max_chain;
		k->invalid_buffer += c.invalid_buffer;
	}
	if (hw_virtq_failed(vq->hwq))
		vq->state = PRM_VIRTQ_STATE_ERR;
	hw_virtq_destroy(vq->hwq);
	vq->hwq = NULL;
	fw_dma_map_free(&vq->dma);
}

#define Q(ctx) PRM_ADDR(virtio_net_q_object, (ctx), virtio_q_context)

bool
fw_virtq_state_change_ok(enum prm_virtq_state from, enum prm_virtq_state to, bool freeze_to_rdy)
{
	switch (from) {
	case PRM_VIRTQ_STATE_INIT:
		return to == PRM_VIRTQ_STATE_RDY;
	case PRM_VIRTQ_STATE_RDY:
		return to == PRM_VIRTQ_STATE_SUSPEND;
	case PRM_VIRTQ_STATE_SUSPEND:
		return to == PRM_VIRTQ_STATE_RDY && freeze_to_rdy;
	default:
		return false;
	}
}

#define MODIFY_KNOWN \
	(PRM_VIRTQ_MODIFY_STATE | PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS | \
	 PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE | PRM_VIRTQ_MODIFY_QUEUE_PERIOD | \
	 PRM_VIRTQ_MODIFY_ADDRS | PRM_VIRTQ_MODIFY_AVAIL_IDX | PRM_VIRTQ_MODIFY_USED_IDX | \
	 PRM_VIRTQ_MODIFY_Q_TYPE | PRM_VIRTQ_MODIFY_VERSION_1_0 | PRM_VIRTQ_MODIFY_MKEY | \
	 PRM_VIRTQ_MODIFY_FEATURES | PRM_VIRTQ_MODIFY_EVENT_MODE | PRM_VIRTQ_MODIFY_DESC_GROUP_MKEY)
/* Bits only functions with vnet_modify_ext accept. */
#define MODIFY_EXT \
	(PRM_VIRTQ_MODIFY_ADDRS | PRM_VIRTQ_MODIFY_AVAIL_IDX | PRM_VIRTQ_MODIFY_USED_IDX | \
	 PRM_VIRTQ_MODIFY_Q_TYPE | PRM_VIRTQ_MODIFY_VERSION_1_0 | PRM_VIRTQ_MODIFY_MKEY | \
	 PRM_VIRTQ_MODIFY_FEATURES | PRM_VIRTQ_MODIFY_EVENT_MODE)

uint64_t
fw_virtq_modifiable(enum prm_virtq_state state)
{
	switch (state) {
	case PRM_VIRTQ_STATE_INIT:
	case PRM_VIRTQ_STATE_SUSPEND:
		return MODIFY_KNOWN & ~(uint64_t)PRM_VIRTQ_MODIFY_STATE;
	case PRM_VIRTQ_STATE_RDY:
		return PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS | PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE |
		       PRM_VIRTQ_MODIFY_QUEUE_PERIOD;
	default:
		return 0;
	}
}

static void
virtq_release(struct emu_fw *fw, struct fw_obj *obj)
{
	struct fw_virtq *vq = (struct fw_virtq *)obj;

	hw_stop(fw, vq);
	if (vq->refs[REF_COUNTERS] != NULL)
		((struct fw_counters *)vq->refs[REF_COUNTERS])->owner = NULL;
	for (int i = 0; i < REF_COUNT; i++)
		fw_obj_put(vq->refs[i]);
	fw_dirty_log_fini(&vq->log);
}

/* Replaces reference `r` of vq by the object (kind, id), or by none when id is 0. */
static uint8_t
set_ref(struct fw_cmd *c, struct fw_virtq *vq, enum virtq_ref r, enum emu_obj_kind kind,
	uint32_t id)
{
	struct fw_obj *o = NULL;
	uint8_t st = PRM_STATUS_OK;

	if (id != 0) {
		o = fw_obj_lookup(c, kind, id, &st);
		if (o == NULL)
			return st;
		fw_obj_get(o);
	}
	fw_obj_put(vq->refs[r]);
	vq->refs[r] = o;
	return PRM_STATUS_OK;
}

static uint8_t
set_mkey_ref(struct fw_cmd *c, struct fw_virtq *vq, enum virtq_ref r, uint32_t key)
{
	/* Keys are named by their index in the object store; the low byte is the key's tag. */
	return set_ref(c, vq, r, EMU_OBJ_MKEY, key >> 8);
}

static uint8_t
check_umem(struct fw_cmd *c, struct fw_virtq *vq, int i, const void *q, uint32_t qsize)
{
	const struct emu_fw_profile *p = c->fw->profile;
	uint64_t need = (uint64_t)p->umem_param_a[i] * qsize + p->umem_param_b[i];
	uint32_t id, size;
	uint64_t off;
	struct fw_umem *u;
	uint8_t st;

	switch (i) {
	case 0:
		id = (uint32_t)PRM_GET(virtio_q, q, umem_1_id);
		size = (uint32_t)PRM_GET(virtio_q, q, umem_1_size);
		off = PRM_GET(virtio_q, q, umem_1_offset);
		break;
	case 1:
		id = (uint32_t)PRM_GET(virtio_q, q, umem_2_id);
		size = (uint32_t)PRM_GET(virtio_q, q, umem_2_size);
		off = PRM_GET(virtio_q, q, umem_2_offset);
		break;
	default:
		id = (uint32_t)PRM_GET(virtio_q, q, umem_3_id);
		size = (uint32_t)PRM_GET(virtio_q, q, umem_3_size);
		off = PRM_GET(virtio_q, q, umem_3_offset);
		break;
	}
	if (size < need)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_SIZE);
	st = set_ref(c, vq, (enum virtq_ref)(REF_UMEM1 + i), EMU_OBJ_UMEM, id);
	if (st != PRM_STATUS_OK)
		return st;
	if (id == 0)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_SIZE);
	u = (struct fw_umem *)vq->refs[REF_UMEM1 + i];
	if (off > u->size || size > u->size - off)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_RANGE);
	return PRM_STATUS_OK;
}


/* Checks of fields that both create and modify set. */
static uint8_t
check_type_and_features(struct fw_cmd *c, const void *ctx)
{
	const struct emu_fw_profile *p = c->fw->profile;
	const void *q = Q(ctx);

	if (PRM_GET(virtio_q, q, virtio_q_type) > PRM_VIRTQ_TYPE_PACKED ||
	    !(p->virtq_types & PRM_VIRTQ_CAP_BIT(PRM_GET(virtio_q, q, virtio_q_type))) ||
	    PRM_GET(virtio_q, q, event_mode) > PRM_VIRTQ_EVENT_MODE_MSIX ||
	    !(p->virtq_event_modes & PRM_VIRTQ_CAP_BIT(PRM_GET(virtio_q, q, event_mode))))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_TYPE);
	if (feature_mask(ctx) & ~p->device_features)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	return PRM_STATUS_OK;
}

/* Ring addresses aligned as virtio requires (1.1, its split and packed virtqueue alignment
 * tables): the descriptor table or ring on 16 bytes; a split ring's available ring on 2 and used
 * ring on 4; a packed ring's event suppression areas (driver's in available_addr, device's in
 * used_addr) on 4. The engine reads and writes ring indices with atomics, which must be aligned. */
static uint8_t
check_ring_alignment(struct fw_cmd *c, uint64_t desc, uint64_t avail, uint64_t used, uint64_t type)
{
	uint64_t avail_mask = type == PRM_VIRTQ_TYPE_PACKED ? 3 : 1;

	if ((desc & 15) || (avail & avail_mask) || (used & 3))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_RING_ALIGN);
	return PRM_STATUS_OK;
}

/* Applies the dirty-log fields `mask` selects from ctx (the key is already referenced). */
static uint8_t
set_dirty_log(struct fw_cmd *c, struct fw_virtq *vq, const void *ctx, uint64_t mask)
{
	struct fw_dirty_params p;
	int ret;

	fw_dirty_params_get(vq->ctx, ctx, mask, &p);
	ret = fw_dirty_log_set(c->fw, &vq->log, &p);
	if (ret == -ENOMEM)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	if (ret < 0)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	return PRM_STATUS_OK;
}

static uint8_t
virtq_create(struct fw_cmd *c)
{
	const struct emu_fw_profile *p = c->fw->profile;
	const void *ctx = PRM_ADDR(create_virtio_net_q_in, c->in, obj_context);
	const void *q = Q(ctx);
	uint32_t qsize = (uint32_t)PRM_GET(virtio_q, q, queue_size);
	enum prm_virtq_state state = (enum prm_virtq_state)PRM_GET(virtio_net_q_object, ctx, state);
	struct fw_virtq *vq;
	uint8_t st;

	if (c->inlen < PRM_SIZE(create_virtio_net_q_in))
		return fw_fail(c, PRM_STATUS_BAD_INPUT_LEN, EMU_SYND_INLEN);
	if (PRM_GET(virtio_q, q, queue_index) >= p->max_virtio_queues)
		return fw_fail(c, PRM_STATUS_EXCEED_LIM, EMU_SYND_LIMIT);
	if (qsize == 0 || (qsize & (qsize - 1)) || qsize > VIRTQ_MAX_SIZE)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_SIZE);
	if (state != PRM_VIRTQ_STATE_INIT && state != PRM_VIRTQ_STATE_RDY)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_STATE);
	st = check_type_and_features(c, ctx);
	if (st != PRM_STATUS_OK)
		return st;
	st = check_ring_alignment(c, PRM_GET(virtio_q, q, desc_addr),
				  PRM_GET(virtio_q, q, available_addr), PRM_GET(virtio_q, q, used_addr),
				  PRM_GET(virtio_q, q, virtio_q_type));
	if (st != PRM_STATUS_OK)
		return st;
	if (PRM_GET(virtio_q, q, desc_group_mkey) && !p->desc_group_mkey)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);

	vq = calloc(1, sizeof(*vq));
	if (vq == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	vq->obj.release = virtq_release;
	fw_dirty_log_init(&vq->log, &vq->dma, &c->fw->dirty_pages);
	for (int i = 0; i < 3; i++) {
		st = check_umem(c, vq, i, q, qsize);
		if (st != PRM_STATUS_OK)
			goto free_vq;
	}
	st = set_mkey_ref(c, vq, REF_MKEY, (uint32_t)PRM_GET(virtio_q, q, virtio_q_mkey));
	if (st == PRM_STATUS_OK && vq->refs[REF_MKEY] == NULL)
		st = fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
	if (st == PRM_STATUS_OK)
		st = set_mkey_ref(c, vq, REF_DESC_MKEY, (uint32_t)PRM_GET(virtio_q, q, desc_group_mkey));
	if (st == PRM_STATUS_OK)
		st = set_ref(c, vq, REF_PD, EMU_OBJ_PD, (uint32_t)PRM_GET(virtio_q, q, pd));
	if (st == PRM_STATUS_OK && vq->refs[REF_PD] == NULL)
		st = fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
	if (st == PRM_STATUS_OK)
		st = set_ref(c, vq, REF_COUNTERS, EMU_OBJ_VIRTQ_COUNTERS,
			     (uint32_t)PRM_GET(virtio_q, q, counter_set_id));
	if (st == PRM_STATUS_OK && PRM_GET(virtio_q, q, event_mode) == PRM_VIRTQ_EVENT_MODE_QP) {
		st = set_ref(c, vq, REF_EVENT_QP, EMU_OBJ_QP,
			     (uint32_t)PRM_GET(virtio_q, q, event_qpn_or_msix));
		if (st == PRM_STATUS_OK && vq->refs[REF_EVENT_QP] == NULL)
			st = fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
	}
	if (st == PRM_STATUS_OK && (PRM_GET(virtio_q, q, queue_index) & 1))
		st = set_ref(c, vq, REF_TIS, EMU_OBJ_TIS,
			     (uint32_t)PRM_GET(virtio_net_q_object, ctx, tisn_or_qpn));
	if (st == PRM_STATUS_OK)
		st = set_mkey_ref(c, vq, REF_DIRTY_MKEY,
				  (uint32_t)PRM_GET(virtio_net_q_object, ctx, dirty_bitmap_mkey));
	if (st == PRM_STATUS_OK)
		st = set_dirty_log(c, vq, ctx, ~(uint64_t)0);
	if (st != PRM_STATUS_OK)
		goto free_vq;
	if (fw_obj_insert(c->fw, &vq->obj, EMU_OBJ_VIRTQ, c->uid) < 0) {
		st = fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
		goto free_vq;
	}
	memcpy(vq->ctx, ctx, sizeof(vq->ctx));
	PRM_SET(virtio_net_q_object, vq->ctx, modify_field_select, 0);
	vq->state = state;
	if (vq->refs[REF_COUNTERS] != NULL)
		((struct fw_counters *)vq->refs[REF_COUNTERS])->owner = vq;
	if (state == PRM_VIRTQ_STATE_RDY)
		hw_start(c->fw, vq);
	PRM_SET(general_obj_out_cmd_hdr, c->out, obj_id, vq->obj.id);
	return PRM_STATUS_OK;

free_vq:
	virtq_release(c->fw, &vq->obj);
	free(vq);
	return st;
}

static void
copy_field(void *dst, const void *src, size_t bit_off, size_t width)
{
	for (size_t done = 0; done < width; done += 64) {
		size_t w = width - done < 64 ? width - done : 64;

		prm_set_bits(dst, bit_off + done, w, prm_get_bits(src, bit_off + done, w));
	}
}

#define COPY_OBJ(fld) copy_field(vq->ctx, ctx, PRM_BIT_OFF(virtio_net_q_object, fld), \
				 PRM_BIT_SZ(virtio_net_q_object, fld))
#define COPY_Q(fld) copy_field(Q(vq->ctx), q, PRM_BIT_OFF(virtio_q, fld), PRM_BIT_SZ(virtio_q, fld))

static uint8_t
virtq_modify(struct fw_cmd *c, struct fw_virtq *vq)
{
	const struct emu_fw_profile *p = c->fw->profile;
	const void *ctx = PRM_ADDR(modify_virtio_net_q_in, c->in, obj_context);
	const void *q = Q(ctx);
	uint64_t mask = PRM_GET(virtio_net_q_object, ctx, modify_field_select);
	uint64_t fields = mask & ~(uint64_t)PRM_VIRTQ_MODIFY_STATE;
	uint8_t st;

	if (c->inlen < PRM_SIZE(modify_virtio_net_q_in))
		return fw_fail(c, PRM_STATUS_BAD_INPUT_LEN, EMU_SYND_INLEN);
	if (mask == 0 || (mask & ~(uint64_t)MODIFY_KNOWN) ||
	    ((mask & MODIFY_EXT) && !p->modify_ext) ||
	    ((mask & PRM_VIRTQ_MODIFY_DESC_GROUP_MKEY) && !p->desc_group_mkey))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_MODIFY_BIT);
	if (fields & ~fw_virtq_modifiable(vq->state))
		return fw_fail(c, PRM_STATUS_BAD_RES_STATE, EMU_SYND_NOT_MODIFIABLE);
	if (mask & PRM_VIRTQ_MODIFY_STATE) {
		enum prm_virtq_state to =
			(enum prm_virtq_state)PRM_GET(virtio_net_q_object, ctx, state);

		if (!fw_virtq_state_change_ok(vq->state, to, p->freeze_to_rdy))
			return fw_fail(c, PRM_STATUS_BAD_RES_STATE, EMU_SYND_BAD_STATE);
	}
	if (mask & (PRM_VIRTQ_MODIFY_Q_TYPE | PRM_VIRTQ_MODIFY_EVENT_MODE | PRM_VIRTQ_MODIFY_FEATURES)) {
		st = check_type_and_features(c, ctx);
		if (st != PRM_STATUS_OK)
			return st;
	}
	if (mask & (PRM_VIRTQ_MODIFY_ADDRS | PRM_VIRTQ_MODIFY_Q_TYPE)) {
		/* The addresses and type the queue will have: new where modified, else its own. */
		const void *a = (mask & PRM_VIRTQ_MODIFY_ADDRS) ? q : Q(vq->ctx);
		const void *t = (mask & PRM_VIRTQ_MODIFY_Q_TYPE) ? q : Q(vq->ctx);

		st = check_ring_alignment(c, PRM_GET(virtio_q, a, desc_addr),
					  PRM_GET(virtio_q, a, available_addr),
					  PRM_GET(virtio_q, a, used_addr), PRM_GET(virtio_q, t, virtio_q_type));
		if (st != PRM_STATUS_OK)
			return st;
	}

	/* References first: a failure leaves the queue as it was. */
	if (mask & PRM_VIRTQ_MODIFY_MKEY) {
		uint32_t key = (uint32_t)PRM_GET(virtio_q, q, virtio_q_mkey);

		if (key == 0)
			return fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
		st = set_mkey_ref(c, vq, REF_MKEY, key);
		if (st != PRM_STATUS_OK)
			return st;
		COPY_Q(virtio_q_mkey);
	}
	if (mask & PRM_VIRTQ_MODIFY_DESC_GROUP_MKEY) {
		st = set_mkey_ref(c, vq, REF_DESC_MKEY, (uint32_t)PRM_GET(virtio_q, q, desc_group_mkey));
		if (st != PRM_STATUS_OK)
			return st;
		COPY_Q(desc_group_mkey);
	}
	if (mask & (PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS | PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE)) {
		uint32_t key = (uint32_t)PRM_GET(virtio_net_q_object, ctx, dirty_bitmap_mkey);

		/* The key must be ours before the log uses it; the reference follows. */
		if ((mask & PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS) && key != 0 &&
		    fw_obj_lookup(c, EMU_OBJ_MKEY, key >> 8, &st) == NULL)
			return st;
		st = set_dirty_log(c, vq, ctx, mask);
		if (st != PRM_STATUS_OK)
			return st;
	}
	if (mask & PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS) {
		st = set_mkey_ref(c, vq, REF_DIRTY_MKEY,
				  (uint32_t)PRM_GET(virtio_net_q_object, ctx, dirty_bitmap_mkey));
		if (st != PRM_STATUS_OK)
			return st;
		COPY_OBJ(vhost_log_page);
		COPY_OBJ(dirty_bitmap_mkey);
		COPY_OBJ(dirty_bitmap_size);
		COPY_OBJ(dirty_bitmap_addr);
	}
	if (mask & PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE)
		COPY_OBJ(dirty_bitmap_dump_enable);
	if (mask & PRM_VIRTQ_MODIFY_QUEUE_PERIOD) {
		COPY_Q(queue_period_mode);
		COPY_Q(queue_period_us);
		COPY_Q(queue_max_count);
		set_moderation(vq);	/* a running queue moderates by the new values at once */
	}
	if (mask & PRM_VIRTQ_MODIFY_ADDRS) {
		COPY_Q(desc_addr);
		COPY_Q(used_addr);
		COPY_Q(available_addr);
	}
	if (mask & PRM_VIRTQ_MODIFY_AVAIL_IDX)
		COPY_OBJ(hw_available_index);
	if (mask & PRM_VIRTQ_MODIFY_USED_IDX)
		COPY_OBJ(hw_used_index);
	if (mask & PRM_VIRTQ_MODIFY_Q_TYPE)
		COPY_Q(virtio_q_type);
	if (mask & PRM_VIRTQ_MODIFY_VERSION_1_0)
		COPY_Q(virtio_version_1_0);
	if (mask & PRM_VIRTQ_MODIFY_EVENT_MODE)
		COPY_Q(event_mode);
	if (mask & PRM_VIRTQ_MODIFY_FEATURES) {
		COPY_OBJ(queue_feature_bit_mask_12_3);
		COPY_OBJ(queue_feature_bit_mask_2_0);
	}
	if (mask & PRM_VIRTQ_MODIFY_STATE) {
		vq->state = (enum prm_virtq_state)PRM_GET(virtio_net_q_object, ctx, state);
		if (vq->state == PRM_VIRTQ_STATE_RDY)
			hw_start(c->fw, vq);
		else
			hw_stop(c->fw, vq);
	}
	return PRM_STATUS_OK;
}

static uint8_t
virtq_query(struct fw_cmd *c, struct fw_virtq *vq)
{
	void *ctx = PRM_ADDR(query_virtio_net_q_out, c->out, obj_context);

	if (c->outlen < PRM_SIZE(query_virtio_net_q_out))
		return fw_fail(c, PRM_STATUS_BAD_OUTPUT_LEN, EMU_SYND_OUTLEN);
	memcpy(ctx, vq->ctx, sizeof(vq->ctx));
	PRM_SET(virtio_net_q_object, ctx, state, vq->state);
	if (vq->hwq != NULL) {
		struct hw_virtq_counters cnt;
		uint16_t a, u;
		bool failed;

		hw_nic_queue_state(c->fw->nic, vq->hwq, &a, &u, &cnt, &failed);
		PRM_SET(virtio_net_q_object, ctx, hw_available_index, a);
		PRM_SET(virtio_net_q_object, ctx, hw_used_index, u);
		if (failed)
			PRM_SET(virtio_net_q_object, ctx, state, PRM_VIRTQ_STATE_ERR);
	}
	return PRM_STATUS_OK;
}

static uint8_t
counters_create(struct fw_cmd *c)
{
	struct fw_counters *k;

	k = calloc(1, sizeof(*k));
	if (k == NULL || fw_obj_insert(c->fw, &k->obj, EMU_OBJ_VIRTQ_COUNTERS, c->uid) < 0) {
		free(k);
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	}
	PRM_SET(general_obj_out_cmd_hdr, c->out, obj_id, k->obj.id);
	return PRM_STATUS_OK;
}

static uint8_t
counters_query(struct fw_cmd *c, struct fw_counters *k)
{
	void *out = PRM_ADDR(query_virtio_q_counters_out, c->out, counters);
	struct hw_virtq_counters live = { 0 };

	if (c->outlen < COUNTERS_MIN_LEN)
		return fw_fail(c, PRM_STATUS_BAD_OUTPUT_LEN, EMU_SYND_OUTLEN);
	if (k->owner != NULL && k->owner->hwq != NULL) {
		uint16_t a, u;
		bool failed;

		hw_nic_queue_state(c->fw->nic, k->owner->hwq, &a, &u, &live, &failed);
	}
	PRM_SET(virtio_q_counters, out, received_desc, k->received_desc + live.received_desc);
	PRM_SET(virtio_q_counters, out, completed_desc, k->completed_desc + live.completed_desc);
	PRM_SET(virtio_q_counters, out, error_cqes, k->error_cqes + live.error_cqes);
	PRM_SET(virtio_q_counters, out, bad_desc_errors, k->bad_desc_errors + live.bad_desc_errors);
	PRM_SET(virtio_q_counters, out, exceed_max_chain,
		k->exceed_max_chain + live.exceed_max_chain);
	PRM_SET(virtio_q_counters, out, invalid_buffer, k->invalid_buffer + live.invalid_buffer);
	return PRM_STATUS_OK;
}

uint8_t
fw_general_obj(struct fw_cmd *c)
{
	uint16_t opcode = (uint16_t)PRM_GET(general_obj_in_cmd_hdr, c->in, opcode);
	uint16_t type = (uint16_t)PRM_GET(general_obj_in_cmd_hdr, c->in, obj_type);
	uint32_t id = (uint32_t)PRM_GET(general_obj_in_cmd_hdr, c->in, obj_id);
	enum emu_obj_kind kind;
	struct fw_obj *o;
	uint8_t st = PRM_STATUS_OK;

	if (type == PRM_OBJ_TYPE_VIRTIO_NET_Q)
		kind = EMU_OBJ_VIRTQ;
	else if (type == PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS)
		kind = EMU_OBJ_VIRTQ_COUNTERS;
	else
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_OBJ_TYPE);

	if (opcode == PRM_CMD_CREATE_GENERAL_OBJECT)
		return kind == EMU_OBJ_VIRTQ ? virtq_create(c) : counters_create(c);
	if (opcode == PRM_CMD_DESTROY_GENERAL_OBJECT)
		return fw_obj_destroy(c, kind, id);
	o = fw_obj_lookup(c, kind, id, &st);
	if (o == NULL)
		return st;
	if (opcode == PRM_CMD_QUERY_GENERAL_OBJECT)
		return kind == EMU_OBJ_VIRTQ ? virtq_query(c, (struct fw_virtq *)o) :
					       counters_query(c, (struct fw_counters *)o);
	if (kind == EMU_OBJ_VIRTQ)
		return virtq_modify(c, (struct fw_virtq *)o);
	return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_OP_MOD);	/* counters: read-only */
}

int
emu_fw_fault_virtq_error(struct emu_fw *fw, uint32_t virtq_id, uint8_t error_type)
{
	struct fw_virtq *vq;

	pthread_mutex_lock(&fw->lock);
	vq = (struct fw_virtq *)fw_obj_find(fw, EMU_OBJ_VIRTQ, virtq_id);
	if (vq == NULL) {
		pthread_mutex_unlock(&fw->lock);
		return -ENOENT;
	}
	hw_stop(fw, vq);
	vq->state = PRM_VIRTQ_STATE_ERR;
	PRM_SET(virtio_q, Q(vq->ctx), error_type, error_type);
	raise_error_event(fw, virtq_id);
	pthread_mutex_unlock(&fw->lock);
	return 0;
}

int
emu_fw_fault_virtq_error_after(struct emu_fw *fw, const struct emu_virtq_error_spec *spec)
{
	if (fw == NULL || spec == NULL)
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	fw->virtq_error = *spec;
	pthread_mutex_unlock(&fw->lock);
	return 0;
}
