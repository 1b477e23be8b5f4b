/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dirty-page logging of virtqs: the dirty_bitmap_* fields at create and by MODIFY, and, under
 * traffic between two functions of one emulated NIC, the exact pages the device wrote marked in a
 * vhost-layout bitmap reached through the dirty key, nothing else, never outside the bitmap.
 */
#include <stdlib.h>
#include <time.h>

#include "fw_internal.h"
#include "fw_test.h"
#include "hw_nic.h"
#include "prm_virtq.h"

#define QSIZE 16
#define GUEST_BASE 0x100000u		/* fwt_vq_res: 1 MiB of guest memory from here */
#define DESC 0x100000u			/* fwt_virtq_create_in's ring addresses */
#define USED 0x110000u
#define AVAIL 0x120000u
#define TX_BUF 0x130000u
#define BITMAP_KEY_BASE 0x4000000u	/* the bitmap key's own address space */
#define BITMAP_OFF 0x100u		/* the bitmap inside the key, after a canary area */
#define BITMAP_BYTES 64u		/* pages 0..511: all of the guest memory */

static const uint8_t macs[2][6] = { { 2, 0, 0, 0, 0, 1 }, { 2, 0, 0, 0, 0, 2 } };

/* One function of the NIC with a queue's resources and a dirty bitmap key over `bitmap`. */
struct side {
	struct emu_fw *fw;
	struct fwt_vq_res r;
	uint8_t *bitmap;		/* 4 KiB host memory behind the dirty key */
	uint32_t bitmap_umem, bitmap_key;
	uint32_t vq;
};

static uint8_t *
guest(struct side *s, uint64_t gpa)
{
	return (uint8_t *)s->r.ring + (gpa - GUEST_BASE);
}

static void
side_create(struct side *s, struct hw_nic *nic, unsigned int port)
{
	memset(s, 0, sizeof(*s));
	s->fw = fwt_create("bf3");
	emu_fw_attach_nic(s->fw, nic, port);
	fwt_vq_res_create(s->fw, &s->r, QSIZE);
	s->bitmap = calloc(1, 4096);
	assert_non_null(s->bitmap);
	s->bitmap_umem = fwt_umem(s->fw, s->bitmap, 4096);
	s->bitmap_key = fwt_mtt_mkey(s->fw, s->r.pd, s->bitmap_umem, BITMAP_KEY_BASE, 4096, 1);
}

static void
side_destroy(struct side *s)
{
	if (s->vq != 0)
		assert_int_equal(fwt_gen_destroy(s->fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, s->vq, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(s->fw, PRM_CMD_DESTROY_MKEY, s->bitmap_key >> 8, NULL), 0);
	assert_int_equal(emu_fw_umem_dereg(s->fw, s->bitmap_umem), 0);
	fwt_vq_res_destroy(s->fw, &s->r);
	fwt_destroy_checked(s->fw);
	free(s->bitmap);
}

static void
set_dirty_fields(void *ctx, uint32_t key, uint32_t size, bool enable)
{
	PRM_SET(virtio_net_q_object, ctx, dirty_bitmap_dump_enable, enable);
	PRM_SET(virtio_net_q_object, ctx, vhost_log_page, 0);
	PRM_SET(virtio_net_q_object, ctx, dirty_bitmap_mkey, key);
	PRM_SET(virtio_net_q_object, ctx, dirty_bitmap_size, size);
	PRM_SET(virtio_net_q_object, ctx, dirty_bitmap_addr, BITMAP_KEY_BASE + BITMAP_OFF);
}

/* Creates the side's queue `index` RDY, logging into its bitmap of `size` bytes when `log`. */
static uint8_t
create_logging_vq(struct side *s, uint16_t index, uint32_t size, bool log, uint32_t *syndrome)
{
	uint8_t in[PRM_SIZE(create_virtio_net_q_in)], out[16];
	uint8_t st;

	fwt_virtq_create_in(in, &s->r, index, QSIZE, PRM_VIRTQ_STATE_RDY);
	set_dirty_fields(PRM_ADDR(create_virtio_net_q_in, in, obj_context), s->bitmap_key, size, log);
	st = fwt_exec(s->fw, in, sizeof(in), out, sizeof(out), syndrome);
	if (st == PRM_STATUS_OK)
		s->vq = (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id);
	return st;
}

static uint8_t
modify_dirty(struct side *s, uint64_t mask, uint32_t key, uint32_t size, bool enable,
	     uint32_t *syndrome)
{
	uint8_t in[PRM_SIZE(modify_virtio_net_q_in)] = { 0 };
	uint8_t out[PRM_SIZE(general_obj_out_cmd_hdr)];
	void *ctx = PRM_ADDR(modify_virtio_net_q_in, in, obj_context);

	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_MODIFY_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, s->vq);
	PRM_SET(virtio_net_q_object, ctx, modify_field_select, mask);
	set_dirty_fields(ctx, key, size, enable);
	return fwt_exec(s->fw, in, sizeof(in), out, sizeof(out), syndrome);
}

static void
put_desc(struct side *s, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags)
{
	uint8_t *d = guest(s, DESC + 16u * i);

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memset(d + 14, 0, 2);
}

/* Makes chain heads 0..n-1 available (slots 0..n-1), then publishes the index. */
static void
make_available(struct side *s, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++)
		memcpy(guest(s, AVAIL + 4 + 2u * i), &i, 2);
	__atomic_store_n((uint16_t *)guest(s, AVAIL + 2), n, __ATOMIC_RELEASE);
}

static uint16_t
used_idx(struct side *s)
{
	return __atomic_load_n((uint16_t *)guest(s, USED + 2), __ATOMIC_ACQUIRE);
}

/* The TX side sends frames of the given lengths (virtio header included) to port 1. */
static void
send_frames(struct side *tx, const uint32_t *len, uint16_t n)
{
	for (uint16_t i = 0; i < n; i++) {
		uint64_t buf = TX_BUF + 0x1000u * i;
		uint8_t *p = guest(tx, buf);

		memset(p, 0, len[i]);
		memcpy(p + 12, macs[1], 6);
		memcpy(p + 18, macs[0], 6);
		p[24] = 0x08;
		put_desc(tx, i, buf, len[i], 0);
	}
	make_available(tx, n);
}

static void
wait_for(bool (*done)(struct side *s, uint16_t arg), struct side *s, uint16_t arg)
{
	for (int i = 0; i < 5000 && !done(s, arg); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	assert_true(done(s, arg));
}

static bool
used_reached(struct side *s, uint16_t n)
{
	return used_idx(s) == n;
}

static bool
in_state(struct side *s, uint16_t state)
{
	return fwt_virtq_state(s->fw, s->vq) == state;
}

/* The bitmap area is all zero but for the given (byte, value) pairs. */
static void
assert_bitmap(const struct side *s, const uint8_t (*set)[2], size_t n)
{
	for (unsigned int b = 0; b < 4096; b++) {
		uint8_t want = 0;

		for (size_t k = 0; k < n; k++)
			if (BITMAP_OFF + set[k][0] == b)
				want = set[k][1];
		if (s->bitmap[b] != want)
			fail_msg("bitmap byte 0x%x: 0x%02x, expected 0x%02x", b, s->bitmap[b], want);
	}
}

static void
two_sides(struct hw_nic **nic, struct side *tx, struct side *rx)
{
	assert_int_equal(hw_nic_create(2, macs, nic), 0);
	side_create(tx, *nic, 0);
	side_create(rx, *nic, 1);
}

/* Two sides whose receiver offers one 2 KiB buffer, in guest page 0x140. */
static void
two_sides_one_rx_buffer(struct hw_nic **nic, struct side *tx, struct side *rx)
{
	two_sides(nic, tx, rx);
	put_desc(rx, 0, 0x140000, 2048, 2 /* WRITE */);
	make_available(rx, 1);
}

static void
two_sides_destroy(struct hw_nic *nic, struct side *tx, struct side *rx)
{
	side_destroy(tx);
	side_destroy(rx);
	hw_nic_destroy(nic);
}

static void
written_pages_are_marked_and_nothing_else(void **state)
{
	/* RX chains: one buffer in page 0x140, one across pages 0x141-0x142. */
	static const uint32_t frames[2] = { 12 + 60, 12 + 3000 };
	/* page p is bit p % 8 of byte p / 8: used ring page 0x110, buffers 0x140..0x142 */
	static const uint8_t rx_marks[][2] = { { 0x22, 0x01 }, { 0x28, 0x07 } };
	static const uint8_t tx_marks[][2] = { { 0x22, 0x01 } };	/* its used ring only */
	struct side tx, rx;
	struct hw_nic *nic;

	(void)state;
	two_sides(&nic, &tx, &rx);
	put_desc(&rx, 0, 0x140000, 2048, 2 /* WRITE */);
	put_desc(&rx, 1, 0x141800, 4096, 2);
	make_available(&rx, 2);
	assert_int_equal(create_logging_vq(&rx, 0, BITMAP_BYTES, true, NULL), PRM_STATUS_OK);
	assert_int_equal(create_logging_vq(&tx, 1, BITMAP_BYTES, false, NULL), PRM_STATUS_OK);
	/* Logging switched on while the queue runs, as a driver does when migration starts. */
	assert_int_equal(modify_dirty(&tx, PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE, 0, 0, true,
				      NULL), PRM_STATUS_OK);
	send_frames(&tx, frames, 2);
	wait_for(used_reached, &rx, 2);
	wait_for(used_reached, &tx, 2);
	/* Suspending flushes the marks of writes still pending in the engine. */
	assert_int_equal(fwt_virtq_modify(rx.fw, rx.vq, PRM_VIRTQ_MODIFY_STATE,
					  PRM_VIRTQ_STATE_SUSPEND, NULL), PRM_STATUS_OK);
	assert_int_equal(fwt_virtq_modify(tx.fw, tx.vq, PRM_VIRTQ_MODIFY_STATE,
					  PRM_VIRTQ_STATE_SUSPEND, NULL), PRM_STATUS_OK);
	assert_bitmap(&rx, rx_marks, 2);
	assert_bitmap(&tx, tx_marks, 1);
	/* Each page counted once, though marked before and after the write. */
	assert_int_equal(rx.fw->dirty_pages, 4);
	assert_int_equal(tx.fw->dirty_pages, 1);
	two_sides_destroy(nic, &tx, &rx);
}

static void
logging_off_marks_nothing(void **state)
{
	static const uint32_t frames[1] = { 12 + 60 };
	struct side tx, rx;
	struct hw_nic *nic;

	(void)state;
	two_sides_one_rx_buffer(&nic, &tx, &rx);
	assert_int_equal(create_logging_vq(&rx, 0, BITMAP_BYTES, true, NULL), PRM_STATUS_OK);
	assert_int_equal(modify_dirty(&rx, PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE, 0, 0, false,
				      NULL), PRM_STATUS_OK);
	assert_int_equal(create_logging_vq(&tx, 1, BITMAP_BYTES, false, NULL), PRM_STATUS_OK);
	send_frames(&tx, frames, 1);
	wait_for(used_reached, &rx, 1);
	assert_int_equal(fwt_virtq_modify(rx.fw, rx.vq, PRM_VIRTQ_MODIFY_STATE,
					  PRM_VIRTQ_STATE_SUSPEND, NULL), PRM_STATUS_OK);
	assert_bitmap(&rx, NULL, 0);
	assert_bitmap(&tx, NULL, 0);
	two_sides_destroy(nic, &tx, &rx);
}

static uint32_t
bad_desc_errors(struct side *s)
{
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)] = { 0 };
	uint8_t out[PRM_SIZE(query_virtio_q_counters_out)];

	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_QUERY_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, s->r.counters);
	assert_int_equal(fwt_exec(s->fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(virtio_q_counters,
				 PRM_ADDR(query_virtio_q_counters_out, out, counters),
				 bad_desc_errors);
}

static void
a_page_beyond_the_bitmap_fails_the_queue_and_nothing_is_written(void **state)
{
	static const uint32_t frames[1] = { 12 + 60 };
	struct side tx, rx;
	struct hw_nic *nic;

	(void)state;
	two_sides_one_rx_buffer(&nic, &tx, &rx);
	/* 0x20 bytes cover pages below 0x100: the buffer's page 0x140 lies beyond. */
	assert_int_equal(create_logging_vq(&rx, 0, 0x20, true, NULL), PRM_STATUS_OK);
	assert_int_equal(create_logging_vq(&tx, 1, BITMAP_BYTES, false, NULL), PRM_STATUS_OK);
	send_frames(&tx, frames, 1);
	wait_for(in_state, &rx, PRM_VIRTQ_STATE_ERR);
	assert_int_equal(bad_desc_errors(&rx), 1);
	assert_int_equal(used_idx(&rx), 0);
	assert_int_equal(guest(&rx, 0x140000)[12], 0);	/* the frame never landed */
	assert_bitmap(&rx, NULL, 0);
	two_sides_destroy(nic, &tx, &rx);
}

static void
bad_dirty_fields_are_refused_and_change_nothing(void **state)
{
	struct emu_fw *fw = fwt_create("bf3");
	struct side s = { .fw = fw };
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)] = { 0 }, out[PRM_SIZE(query_virtio_net_q_out)];
	const void *ctx = PRM_ADDR(query_virtio_net_q_out, out, obj_context);
	uint32_t synd;

	(void)state;
	fwt_vq_res_create(fw, &s.r, QSIZE);
	s.bitmap = calloc(1, 4096);
	s.bitmap_umem = fwt_umem(fw, s.bitmap, 4096);
	s.bitmap_key = fwt_mtt_mkey(fw, s.r.pd, s.bitmap_umem, BITMAP_KEY_BASE, 4096, 1);
	/* Logging without a key: nowhere to log. */
	assert_int_equal(create_logging_vq(&s, 0, BITMAP_BYTES, true, &synd), PRM_STATUS_OK);
	assert_int_equal(modify_dirty(&s, PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS, 0, 64, true, &synd),
			 PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_BAD_FIELD);
	/* A key that does not exist. */
	assert_int_equal(modify_dirty(&s, PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS, 0x7700, 64, true,
				      &synd), PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(synd, EMU_SYND_NO_OBJECT);
	/* The queue still logs where it did. */
	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_QUERY_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, s.vq);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	assert_int_equal(PRM_GET(virtio_net_q_object, ctx, dirty_bitmap_mkey), s.bitmap_key);
	assert_int_equal(PRM_GET(virtio_net_q_object, ctx, dirty_bitmap_size), BITMAP_BYTES);
	assert_int_equal(PRM_GET(virtio_net_q_object, ctx, dirty_bitmap_dump_enable), 1);
	/* The key is referenced while a queue logs into it. */
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_MKEY, s.bitmap_key >> 8, &synd),
			 PRM_STATUS_RESOURCE_BUSY);
	/* Creating with logging on and no key fails the same way. */
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_NET_Q, s.vq, NULL), 0);
	s.vq = 0;
	{
		uint8_t cin[PRM_SIZE(create_virtio_net_q_in)], cout[16];

		fwt_virtq_create_in(cin, &s.r, 0, QSIZE, PRM_VIRTQ_STATE_RDY);
		set_dirty_fields(PRM_ADDR(create_virtio_net_q_in, cin, obj_context), 0, 64, true);
		assert_int_equal(fwt_exec(fw, cin, sizeof(cin), cout, sizeof(cout), &synd),
				 PRM_STATUS_BAD_PARAM);
		assert_int_equal(synd, EMU_SYND_BAD_FIELD);
	}
	side_destroy(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(written_pages_are_marked_and_nothing_else),
		cmocka_unit_test(logging_off_marks_nothing),
		cmocka_unit_test(a_page_beyond_the_bitmap_fails_the_queue_and_nothing_is_written),
		cmocka_unit_test(bad_dirty_fields_are_refused_and_change_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
