/* SPDX-License-Identifier: BSD-3-Clause */
/* VIRTIO_NET_Q: the state machine, modifiable fields per state, creation checks, references. */
#include <errno.h>
#include <stdlib.h>

#include "fw_internal.h"
#include "fw_states.h"
#include "fw_test.h"
#include "hw_virtq.h"
#include "prm_eq.h"
#include "prm_net.h"
#include "prm_virtq.h"

static void
state_transition_table(void **state)
{
	enum { I = PRM_VIRTQ_STATE_INIT, R = PRM_VIRTQ_STATE_RDY, S = PRM_VIRTQ_STATE_SUSPEND,
	       E = PRM_VIRTQ_STATE_ERR };
	/* allowed[freeze_to_rdy][from][to] */
	static const bool allowed[2][4][4] = {
		{ [I] = { [R] = true }, [R] = { [S] = true } },
		{ [I] = { [R] = true }, [R] = { [S] = true }, [S] = { [R] = true } },
	};

	(void)state;
	for (int f = 0; f < 2; f++)
		for (int from = I; from <= E; from++)
			for (int to = I; to <= E; to++)
				assert_int_equal(fw_virtq_state_change_ok((enum prm_virtq_state)from,
									  (enum prm_virtq_state)to, f),
						 allowed[f][from][to]);
}

static void
modifiable_fields_per_state(void **state)
{
	(void)state;
	assert_true(fw_virtq_modifiable(PRM_VIRTQ_STATE_INIT) & PRM_VIRTQ_MODIFY_ADDRS);
	assert_true(fw_virtq_modifiable(PRM_VIRTQ_STATE_SUSPEND) & PRM_VIRTQ_MODIFY_MKEY);
	assert_false(fw_virtq_modifiable(PRM_VIRTQ_STATE_RDY) & PRM_VIRTQ_MODIFY_ADDRS);
	assert_false(fw_virtq_modifiable(PRM_VIRTQ_STATE_RDY) & PRM_VIRTQ_MODIFY_AVAIL_IDX);
	assert_true(fw_virtq_modifiable(PRM_VIRTQ_STATE_RDY) & PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE);
	assert_int_equal(fw_virtq_modifiable(PRM_VIRTQ_STATE_ERR), 0);
}

static uint32_t
create_vq(struct emu_fw *fw, const struct fwt_vq_res *r, uint16_t index, uint8_t st)
{
	uint8_t in[PRM_SIZE(create_virtio_net_q_in)], out[16];

	fwt_virtq_create_in(in, r, index, 256, st);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id);
}

static void
lifecycle_init_rdy_suspend_and_resume_only_where_supported(void **state)
{
	static const struct { const char *profile; uint8_t resume_status; } table[] = {
		{ "cx6dx", PRM_STATUS_BAD_RES_STATE },
		{ "bf3", PRM_STATUS_OK },
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct emu_fw *fw = fwt_create(table[i].profile);
		struct fwt_vq_res r;
		uint32_t vq, synd;

		fwt_vq_res_create(fw, &r, 256);
		vq = create_vq(fw, &r, 1, PRM_VIRTQ_STATE_INIT);
		assert_int_equal(fwt_virtq_state(fw, vq), PRM_VIRTQ_STATE_INIT);
		assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE,
						  PRM_VIRTQ_STATE_SUSPEND, &synd), PRM_STATUS_BAD_RES_STATE);
		assert_int_equal(synd, EMU_SYND_BAD_STATE);
		assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE, PRM_VIRTQ_STATE_RDY,
						  NULL), PRM_STATUS_OK);
		assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE,
						  PRM_VIRTQ_STATE_SUSPEND, NULL), PRM_STATUS_OK);
		assert_int_equal(fwt_virtq_state(fw, vq), PRM_VIRTQ_STATE_SUSPEND);
		assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE, PRM_VIRTQ_STATE_RDY,
						  NULL), table[i].resume_status);
		assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
		fwt_vq_res_destroy(fw, &r);
		fwt_destroy_checked(fw);
	}
}

/*
 * The bring-up benchmark's end of the clock: a command that sets a virtq RDY counts when it
 * completes, at the end of its modelled latency, though the firmware executed it when it took
 * its slot.
 */
static void
a_virtq_set_rdy_is_timed_at_its_commands_completion(void **state)
{
	struct emu_fw *fw = fwt_create("bf3");
	struct fwt_vq_res r;
	uint64_t before, after;
	uint32_t vq;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	vq = create_vq(fw, &r, 0, PRM_VIRTQ_STATE_INIT);
	assert_int_equal(fw->rdy_sets, 0);
	assert_int_equal(emu_fw_set_cost(fw, EMU_COST_CALIBRATED, 1), 0);
	before = hw_clock_ns();
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE, PRM_VIRTQ_STATE_RDY,
					  NULL), PRM_STATUS_OK);
	after = hw_clock_ns();
	assert_int_equal(fw->rdy_sets, 1);
	/* MODIFY_GENERAL_OBJECT's calibrated latency is 1.1 ms (emu/fw/fw_core.c). */
	assert_true(fw->rdy_last_ns >= before + 1100000 - fw_timer_late_ns());
	assert_true(fw->rdy_last_ns <= after);
	assert_int_equal(fw->rdy_executed, fw->executed);
	assert_int_equal(emu_fw_set_cost(fw, EMU_COST_ZERO, 1), 0);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

static void
fields_are_modifiable_only_in_init_or_suspend(void **state)
{
	struct emu_fw *fw = fwt_create("bf3");
	struct fwt_vq_res r;
	uint32_t vq, synd;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	vq = create_vq(fw, &r, 0, PRM_VIRTQ_STATE_RDY);
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_AVAIL_IDX, 0, &synd),
			 PRM_STATUS_BAD_RES_STATE);
	assert_int_equal(synd, EMU_SYND_NOT_MODIFIABLE);
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE, 0,
					  NULL), PRM_STATUS_OK);
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE, PRM_VIRTQ_STATE_SUSPEND,
					  NULL), PRM_STATUS_OK);
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_AVAIL_IDX, 0, NULL), PRM_STATUS_OK);
	/* Unknown bits are refused whatever the state. */
	assert_int_equal(fwt_virtq_modify(fw, vq, 1ull << 40, 0, &synd), PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_BAD_MODIFY_BIT);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

static void
extended_modify_bits_need_the_cap(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	struct fwt_vq_res r;
	uint32_t vq, synd;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	vq = create_vq(fw, &r, 0, PRM_VIRTQ_STATE_INIT);
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_ADDRS, 0, &synd),
			 PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_BAD_MODIFY_BIT);
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_DESC_GROUP_MKEY, 0, &synd),
			 PRM_STATUS_BAD_PARAM);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

enum bad_field { BAD_QSIZE_0, BAD_QSIZE_3, BAD_QSIZE_BIG, BAD_INDEX, BAD_UMEM_SMALL, BAD_UMEM_ID,
		 BAD_MKEY, BAD_PD, BAD_STATE, BAD_EVENT_MODE, BAD_QUEUE_TYPE, BAD_EVENT_QP, BAD_COUNTERS,
		 BAD_FEATURES, BAD_SHORT };

static void
bad_create_inputs_get_their_status_and_syndrome(void **state)
{
	static const struct {
		enum bad_field what;
		uint8_t status;
		uint32_t syndrome;
	} table[] = {
		{ BAD_QSIZE_0, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_SIZE },
		{ BAD_QSIZE_3, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_SIZE },
		{ BAD_QSIZE_BIG, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_SIZE },
		{ BAD_INDEX, PRM_STATUS_EXCEED_LIM, EMU_SYND_LIMIT },
		{ BAD_UMEM_SMALL, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_SIZE },
		{ BAD_UMEM_ID, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT },
		{ BAD_MKEY, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT },
		{ BAD_PD, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT },
		{ BAD_STATE, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_STATE },
		{ BAD_EVENT_MODE, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_TYPE },
		{ BAD_QUEUE_TYPE, PRM_STATUS_BAD_PARAM, EMU_SYND_QUEUE_TYPE },
		{ BAD_EVENT_QP, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT },
		{ BAD_COUNTERS, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT },
		{ BAD_FEATURES, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD },
		{ BAD_SHORT, PRM_STATUS_BAD_INPUT_LEN, EMU_SYND_INLEN },
	};
	struct emu_fw *fw = fwt_create("cx6dx");
	struct fwt_vq_res r;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint8_t in[PRM_SIZE(create_virtio_net_q_in)], out[16];
		void *ctx = PRM_ADDR(create_virtio_net_q_in, in, obj_context);
		void *q = PRM_ADDR(virtio_net_q_object, ctx, virtio_q_context);
		size_t inlen = sizeof(in);
		uint32_t synd;

		fwt_virtq_create_in(in, &r, 0, 256, PRM_VIRTQ_STATE_INIT);
		switch (table[i].what) {
		case BAD_QSIZE_0: PRM_SET(virtio_q, q, queue_size, 0); break;
		case BAD_QSIZE_3: PRM_SET(virtio_q, q, queue_size, 3); break;
		case BAD_QSIZE_BIG: PRM_SET(virtio_q, q, queue_size, 65535); break;
		case BAD_INDEX: PRM_SET(virtio_q, q, queue_index, 256); break;
		case BAD_UMEM_SMALL: PRM_SET(virtio_q, q, umem_2_size, r.umem_size[1] - 1); break;
		case BAD_UMEM_ID: PRM_SET(virtio_q, q, umem_3_id, 999); break;
		case BAD_MKEY: PRM_SET(virtio_q, q, virtio_q_mkey, 0x7f00); break;
		case BAD_PD: PRM_SET(virtio_q, q, pd, 0x777); break;
		case BAD_STATE: PRM_SET(virtio_net_q_object, ctx, state, PRM_VIRTQ_STATE_SUSPEND); break;
		case BAD_EVENT_MODE: PRM_SET(virtio_q, q, event_mode, PRM_VIRTQ_EVENT_MODE_MSIX); break;
		case BAD_QUEUE_TYPE: PRM_SET(virtio_q, q, virtio_q_type, PRM_VIRTQ_TYPE_PACKED + 1); break;
		case BAD_EVENT_QP: PRM_SET(virtio_q, q, event_qpn_or_msix, 0xabc); break;
		case BAD_COUNTERS: PRM_SET(virtio_q, q, counter_set_id, 0x5555); break;
		case BAD_FEATURES: PRM_SET(virtio_net_q_object, ctx, queue_feature_bit_mask_2_0, 1); break;
		case BAD_SHORT: inlen = 100; break;
		}
		assert_int_equal(fwt_exec(fw, in, inlen, out, sizeof(out), &synd), table[i].status);
		assert_int_equal(synd, table[i].syndrome);
		assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_VIRTQ), 0);
	}
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

/* Ring addresses aligned as virtio requires, split and packed, at create and at modify. */
static void
misaligned_rings_are_refused(void **state)
{
	enum { SPLIT = PRM_VIRTQ_TYPE_SPLIT, PACKED = PRM_VIRTQ_TYPE_PACKED };
	static const struct {
		uint8_t type;
		uint64_t desc, avail, used;
		uint8_t status;
	} table[] = {
		/* the smallest alignments allowed */
		{ SPLIT, 0x100010, 0x120002, 0x110004, PRM_STATUS_OK },
		{ PACKED, 0x100010, 0x120004, 0x110004, PRM_STATUS_OK },
		{ SPLIT, 0x100008, 0x120000, 0x110000, PRM_STATUS_BAD_PARAM },
		{ SPLIT, 0x100001, 0x120000, 0x110000, PRM_STATUS_BAD_PARAM },
		{ SPLIT, 0x100000, 0x120001, 0x110000, PRM_STATUS_BAD_PARAM },
		{ SPLIT, 0x100000, 0x120000, 0x110002, PRM_STATUS_BAD_PARAM },
		{ PACKED, 0x100004, 0x120000, 0x110000, PRM_STATUS_BAD_PARAM },
		{ PACKED, 0x100000, 0x120002, 0x110000, PRM_STATUS_BAD_PARAM },
		{ PACKED, 0x100000, 0x120000, 0x110001, PRM_STATUS_BAD_PARAM },
	};
	struct emu_fw *fw = fwt_create("bf3");
	struct fwt_vq_res r;
	uint32_t vq, synd;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		uint8_t in[PRM_SIZE(create_virtio_net_q_in)], out[16];
		void *q = PRM_ADDR(virtio_net_q_object,
				   PRM_ADDR(create_virtio_net_q_in, in, obj_context), virtio_q_context);

		fwt_virtq_create_in(in, &r, 0, 256, PRM_VIRTQ_STATE_INIT);
		PRM_SET(virtio_q, q, virtio_q_type, table[i].type);
		PRM_SET(virtio_q, q, desc_addr, table[i].desc);
		PRM_SET(virtio_q, q, available_addr, table[i].avail);
		PRM_SET(virtio_q, q, used_addr, table[i].used);
		synd = 0;
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd), table[i].status);
		if (table[i].status != PRM_STATUS_OK) {
			assert_int_equal(synd, EMU_SYND_RING_ALIGN);
			assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_VIRTQ), 0);
			continue;
		}
		assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_VIRTQ), 1);
		assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q,
						 (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id),
						 NULL), 0);
	}

	/* Modify: new addresses, or a new type that the old addresses do not fit, are refused and
	 * leave the queue as it was; aligned ones are taken. */
	vq = create_vq(fw, &r, 0, PRM_VIRTQ_STATE_INIT);
	{
		uint8_t in[PRM_SIZE(modify_virtio_net_q_in)] = { 0 }, out[16];
		void *ctx = PRM_ADDR(modify_virtio_net_q_in, in, obj_context);
		void *q = PRM_ADDR(virtio_net_q_object, ctx, virtio_q_context);

		PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_MODIFY_GENERAL_OBJECT);
		PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
		PRM_SET(general_obj_in_cmd_hdr, in, obj_id, vq);
		PRM_SET(virtio_net_q_object, ctx, modify_field_select, PRM_VIRTQ_MODIFY_ADDRS);
		PRM_SET(virtio_q, q, desc_addr, 0x200000);
		PRM_SET(virtio_q, q, available_addr, 0x210002);	/* fits split (2), not packed (4) */
		PRM_SET(virtio_q, q, used_addr, 0x220006);
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd),
				 PRM_STATUS_BAD_PARAM);
		assert_int_equal(synd, EMU_SYND_RING_ALIGN);
		PRM_SET(virtio_q, q, used_addr, 0x220004);
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
		PRM_SET(virtio_net_q_object, ctx, modify_field_select, PRM_VIRTQ_MODIFY_Q_TYPE);
		PRM_SET(virtio_q, q, virtio_q_type, PRM_VIRTQ_TYPE_PACKED);
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd),
				 PRM_STATUS_BAD_PARAM);
		assert_int_equal(synd, EMU_SYND_RING_ALIGN);
	}
	/* The queue kept what it had: a modify of the state alone starts it. */
	assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE, PRM_VIRTQ_STATE_RDY, NULL),
			 PRM_STATUS_OK);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

static void
referenced_objects_cannot_be_destroyed(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	struct fwt_vq_res r;
	uint32_t vq, synd;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	vq = create_vq(fw, &r, 1, PRM_VIRTQ_STATE_INIT);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS, r.counters, &synd),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(synd, EMU_SYND_IN_USE);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_MKEY, r.mkey >> 8, NULL),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_QP, r.qp, NULL),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_TIS, r.tis, NULL),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(emu_fw_umem_dereg(fw, r.umem[0]), -EBUSY);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, &synd),
			 PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(synd, EMU_SYND_NO_OBJECT);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

struct seen_event {
	int count;
	uint16_t type;
	uint64_t cookie;
	uint32_t obj_id;
};

static void
record_event(void *ctx, uint16_t event_type, uint64_t cookie, const void *data, size_t len)
{
	struct seen_event *s = ctx;

	s->count++;
	s->type = event_type;
	s->cookie = cookie;
	if (len >= PRM_SIZE(affiliated_event_header))
		s->obj_id = (uint32_t)PRM_GET(affiliated_event_header, data, obj_id);
}

static void
forced_error_raises_the_event_and_err_is_terminal(void **state)
{
	struct emu_fw *fw = fwt_create("bf3");
	struct seen_event seen = { 0 };
	const struct emu_fw_event_sink sink = { .deliver = record_event, .ctx = &seen };
	struct fwt_vq_res r;
	uint32_t vq;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	vq = create_vq(fw, &r, 0, PRM_VIRTQ_STATE_RDY);
	assert_int_equal(emu_fw_subscribe(fw, &sink, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq,
					  PRM_EVENT_TYPE_OBJECT_CHANGE, 0x55), 0);
	assert_int_equal(emu_fw_fault_virtq_error(fw, vq, 1), 0);
	assert_int_equal(seen.count, 1);
	assert_int_equal(seen.type, PRM_EVENT_TYPE_OBJECT_CHANGE);
	assert_int_equal(seen.cookie, 0x55);
	assert_int_equal(seen.obj_id, vq);
	assert_int_equal(fwt_virtq_state(fw, vq), PRM_VIRTQ_STATE_ERR);
	for (uint8_t to = PRM_VIRTQ_STATE_INIT; to <= PRM_VIRTQ_STATE_ERR; to++)
		assert_int_equal(fwt_virtq_modify(fw, vq, PRM_VIRTQ_MODIFY_STATE, to, NULL),
				 PRM_STATUS_BAD_RES_STATE);
	emu_fw_unsubscribe_all(fw, &sink);
	assert_int_equal(emu_fw_fault_virtq_error(fw, vq, 1), 0);
	assert_int_equal(seen.count, 1);
	assert_int_equal(emu_fw_fault_virtq_error(fw, 0xdead, 1), -ENOENT);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq, NULL), 0);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

static uint8_t
rqt_cmd(struct emu_fw *fw, uint16_t opcode, uint32_t rqtn, const uint32_t *vqs, uint32_t n,
	uint32_t max, uint32_t *out_rqtn)
{
	uint8_t in[PRM_SIZE(create_rqt_in) + 16 * 4] = { 0 }, out[16];
	void *rqtc = opcode == PRM_CMD_CREATE_RQT ? PRM_ADDR(create_rqt_in, in, rqt_context) :
						    PRM_ADDR(modify_rqt_in, in, rqt_context);
	uint8_t st;

	PRM_SET(cmd_in_hdr, in, opcode, opcode);
	if (opcode == PRM_CMD_MODIFY_RQT) {
		PRM_SET(modify_rqt_in, in, rqtn, rqtn);
		PRM_SET(modify_rqt_in, in, modify_bitmask, PRM_RQT_MODIFY_RQN_LIST);
	}
	PRM_SET(rqtc, rqtc, list_q_type, PRM_RQT_LIST_Q_TYPE_VIRTIO_NET_Q);
	PRM_SET(rqtc, rqtc, rqt_max_size, max);
	PRM_SET(rqtc, rqtc, rqt_actual_size, n);
	for (uint32_t i = 0; i < n; i++)
		PRM_SET(rq_num, (uint8_t *)rqtc + PRM_BYTE_OFF(rqtc, rq_num) + 4 * i, rq_num, vqs[i]);
	st = fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL);
	if (out_rqtn)
		*out_rqtn = (uint32_t)PRM_GET(create_rqt_out, out, rqtn);
	return st;
}

static void
rqt_and_tir_reference_receive_queues(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t tin[PRM_SIZE(create_tir_in)] = { 0 }, tout[16];
	void *tirc = PRM_ADDR(create_tir_in, tin, ctx);
	struct fwt_vq_res r;
	uint32_t vq[2], rqt, tir, bogus = 0x4242;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	vq[0] = create_vq(fw, &r, 0, PRM_VIRTQ_STATE_INIT);
	vq[1] = create_vq(fw, &r, 2, PRM_VIRTQ_STATE_INIT);
	assert_int_equal(rqt_cmd(fw, PRM_CMD_CREATE_RQT, 0, &bogus, 1, 4, NULL),
			 PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(rqt_cmd(fw, PRM_CMD_CREATE_RQT, 0, vq, 1, 1024, NULL),
			 PRM_STATUS_BAD_PARAM);	/* over 2^log_max_rqt_size */
	assert_int_equal(rqt_cmd(fw, PRM_CMD_CREATE_RQT, 0, vq, 1, 4, &rqt), PRM_STATUS_OK);
	assert_int_equal(rqt_cmd(fw, PRM_CMD_MODIFY_RQT, rqt, vq, 2, 4, NULL), PRM_STATUS_OK);
	{
		const uint32_t five[5] = { vq[0], vq[1], vq[0], vq[1], vq[0] };

		assert_int_equal(rqt_cmd(fw, PRM_CMD_MODIFY_RQT, rqt, five, 5, 4, NULL),
				 PRM_STATUS_BAD_PARAM);	/* more than rqt_max_size */
	}
	PRM_SET(create_tir_in, tin, opcode, PRM_CMD_CREATE_TIR);
	PRM_SET(tirc, tirc, disp_type, PRM_TIR_DISP_INDIRECT);
	PRM_SET(tirc, tirc, indirect_table, rqt);
	PRM_SET(tirc, tirc, transport_domain, r.td);
	PRM_SET(tirc, tirc, rx_hash_fn, PRM_RX_HASH_FN_TOEPLITZ);
	assert_int_equal(fwt_exec(fw, tin, sizeof(tin), tout, sizeof(tout), NULL), PRM_STATUS_OK);
	tir = (uint32_t)PRM_GET(create_tir_out, tout, tirn);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq[1], NULL),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_RQT, rqt, NULL),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_TIR, tir, NULL), PRM_STATUS_OK);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_RQT, rqt, NULL), PRM_STATUS_OK);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, vq[i], NULL), 0);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

static void
reset_destroys_every_object(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	struct fwt_vq_res r;

	(void)state;
	fwt_vq_res_create(fw, &r, 256);
	create_vq(fw, &r, 0, PRM_VIRTQ_STATE_RDY);
	assert_true(emu_fw_live_objects_total(fw) > 10);
	emu_fw_destroy(fw);	/* must free everything: ASan/valgrind see leaks */
	free(r.ring);
	free(r.cq_buf);
	for (int i = 0; i < 3; i++)
		free(r.umem_buf[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(state_transition_table),
		cmocka_unit_test(modifiable_fields_per_state),
		cmocka_unit_test(lifecycle_init_rdy_suspend_and_resume_only_where_supported),
		cmocka_unit_test(a_virtq_set_rdy_is_timed_at_its_commands_completion),
		cmocka_unit_test(fields_are_modifiable_only_in_init_or_suspend),
		cmocka_unit_test(extended_modify_bits_need_the_cap),
		cmocka_unit_test(bad_create_inputs_get_their_status_and_syndrome),
		cmocka_unit_test(misaligned_rings_are_refused),
		cmocka_unit_test(referenced_objects_cannot_be_destroyed),
		cmocka_unit_test(forced_error_raises_the_event_and_err_is_terminal),
		cmocka_unit_test(rqt_and_tir_reference_receive_queues),
		cmocka_unit_test(reset_destroys_every_object),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
