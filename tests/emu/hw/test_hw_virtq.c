/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The split-ring engine against a small in-test virtio "guest": guest memory is one buffer at
 * guest address GPA_BASE, rings and buffers are laid out in it as a driver would.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hw_virtq.h"

#define GPA_BASE 0x100000ull
#define MEM_SIZE (1u << 20)
#define QSIZE 8u
#define DESC_AT 0x0u		/* offsets in guest memory */
#define AVAIL_AT 0x1000u
#define USED_AT 0x2000u
#define BUF_AT 0x10000u
#define F_NEXT 1
#define F_WRITE 2
#define F_INDIRECT 4

struct guest {
	uint8_t *mem;
	uint16_t avail_idx;	/* driver's next available index */
	uint64_t read_only_from;	/* guest addresses from here on refuse device writes */
};

static void *
guest_map(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct guest *g = ctx;

	if (addr < GPA_BASE || len > MEM_SIZE || addr - GPA_BASE > MEM_SIZE - len)
		return NULL;
	if (write && addr + len > g->read_only_from)
		return NULL;
	return g->mem + (addr - GPA_BASE);
}

static const struct hw_dma_ops guest_dma = { .map = guest_map };

static void
set_desc(struct guest *g, uint64_t table_off, uint16_t i, uint64_t addr, uint32_t len,
	 uint16_t flags, uint16_t next)
{
	uint8_t *d = g->mem + table_off + 16u * i;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &next, 2);
}

static void
make_avail(struct guest *g, uint16_t head)
{
	memcpy(g->mem + AVAIL_AT + 4 + 2 * (g->avail_idx % QSIZE), &head, 2);
	g->avail_idx++;
	memcpy(g->mem + AVAIL_AT + 2, &g->avail_idx, 2);
}

static uint16_t
used_idx(const struct guest *g)
{
	uint16_t v;

	memcpy(&v, g->mem + USED_AT + 2, 2);
	return v;
}

static void
used_elem(const struct guest *g, uint16_t slot, uint32_t *id, uint32_t *len)
{
	memcpy(id, g->mem + USED_AT + 4 + 8 * (slot % QSIZE), 4);
	memcpy(len, g->mem + USED_AT + 4 + 8 * (slot % QSIZE) + 4, 4);
}

static struct hw_virtq *
make_queue(struct guest *g, uint16_t index, uint16_t start)
{
	struct hw_virtq_config cfg = {
		.index = index, .size = QSIZE, .desc = GPA_BASE + DESC_AT,
		.avail = GPA_BASE + AVAIL_AT, .used = GPA_BASE + USED_AT,
		.avail_idx = start, .used_idx = start, .hdr_len = 12,
		.dma = &guest_dma, .dma_ctx = g,
	};
	struct hw_virtq *q = NULL;

	g->avail_idx = start;
	memcpy(g->mem + AVAIL_AT + 2, &start, 2);
	memcpy(g->mem + USED_AT + 2, &start, 2);
	assert_int_equal(hw_virtq_create(&cfg, &q), 0);
	return q;
}

struct sink {
	int frames;
	size_t len;
	uint8_t data[2048];
};

static void
collect(void *ctx, const uint8_t *frame, size_t len)
{
	struct sink *s = ctx;

	s->frames++;
	s->len = len;
	memcpy(s->data, frame, len < sizeof(s->data) ? len : sizeof(s->data));
}

static int
setup(void **state)
{
	struct guest *g = calloc(1, sizeof(*g));

	g->mem = calloc(1, MEM_SIZE);
	g->read_only_from = UINT64_MAX;
	*state = g;
	return 0;
}

static int
teardown(void **state)
{
	struct guest *g = *state;

	free(g->mem);
	free(g);
	return 0;
}

/* A frame: 12-byte header then payload bytes i & 0xff. */
static void
write_frame(struct guest *g, uint32_t off, uint32_t payload)
{
	memset(g->mem + off, 0, 12);
	for (uint32_t i = 0; i < payload; i++)
		g->mem[off + 12 + i] = (uint8_t)i;
}

static void
tx_chained_frame_is_gathered_without_its_header(void **state)
{
	struct guest *g = *state;
	struct hw_virtq *q = make_queue(g, 1, 0);
	struct hw_virtq_counters c;
	struct sink s = { 0 };
	uint32_t id, len;

	write_frame(g, BUF_AT, 100);
	/* header + 40 bytes, then 30, then 30: three descriptors */
	set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 52, F_NEXT, 5);
	set_desc(g, DESC_AT, 5, GPA_BASE + BUF_AT + 52, 30, F_NEXT, 2);
	set_desc(g, DESC_AT, 2, GPA_BASE + BUF_AT + 82, 30, 0, 0);
	make_avail(g, 0);
	assert_true(hw_virtq_pending(q));
	assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), 1);
	assert_int_equal(s.frames, 1);
	assert_int_equal(s.len, 100);
	for (int i = 0; i < 100; i++)
		assert_int_equal(s.data[i], i);
	assert_int_equal(used_idx(g), 1);
	used_elem(g, 0, &id, &len);
	assert_int_equal(id, 0);
	hw_virtq_get_counters(q, &c);
	assert_int_equal(c.received_desc, 1);
	assert_int_equal(c.completed_desc, 1);
	assert_false(hw_virtq_pending(q));
	hw_virtq_destroy(q);
}

static void
tx_indirect_table_is_followed(void **state)
{
	struct guest *g = *state;
	struct hw_virtq *q = make_queue(g, 1, 0);
	struct sink s = { 0 };
	const uint32_t table = 0x3000;

	write_frame(g, BUF_AT, 64);
	set_desc(g, table, 0, GPA_BASE + BUF_AT, 12, F_NEXT, 1);
	set_desc(g, table, 1, GPA_BASE + BUF_AT + 12, 64, 0, 0);
	set_desc(g, DESC_AT, 3, GPA_BASE + table, 32, F_INDIRECT, 0);
	make_avail(g, 3);
	assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), 1);
	assert_int_equal(s.len, 64);
	assert_int_equal(s.data[63], 63);
	hw_virtq_destroy(q);
}

static void
indices_wrap_at_16_bits(void **state)
{
	struct guest *g = *state;
	struct hw_virtq *q = make_queue(g, 1, 65533);
	struct sink s = { 0 };
	uint16_t a, u;

	write_frame(g, BUF_AT, 20);
	set_desc(g, DESC_AT, 1, GPA_BASE + BUF_AT, 32, 0, 0);
	for (int i = 0; i < 6; i++)
		make_avail(g, 1);
	assert_int_equal(hw_virtq_tx_poll(q, 4, collect, &s), 4);	/* budget respected */
	assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), 2);
	assert_int_equal(s.frames, 6);
	hw_virtq_indices(q, &a, &u);
	assert_int_equal(a, 3);	/* 65533 + 6 */
	assert_int_equal(u, 3);
	assert_int_equal(used_idx(g), 3);
	hw_virtq_destroy(q);
}

static void
rx_frame_lands_behind_a_header_with_num_buffers(void **state)
{
	struct guest *g = *state;
	struct hw_virtq *q = make_queue(g, 0, 0);
	uint8_t frame[300];
	uint32_t id, len;
	uint16_t nb;

	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	memset(g->mem + BUF_AT, 0xee, 1024);
	set_desc(g, DESC_AT, 4, GPA_BASE + BUF_AT, 200, F_WRITE | F_NEXT, 6);
	set_desc(g, DESC_AT, 6, GPA_BASE + BUF_AT + 200, 400, F_WRITE, 0);
	make_avail(g, 4);
	assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), 0);
	used_elem(g, 0, &id, &len);
	assert_int_equal(id, 4);
	assert_int_equal(len, 12 + sizeof(frame));
	memcpy(&nb, g->mem + BUF_AT + 10, 2);
	assert_int_equal(nb, 1);
	assert_memory_equal(g->mem + BUF_AT + 12, frame, sizeof(frame));
	assert_int_equal(g->mem[BUF_AT + 12 + sizeof(frame)], 0xee);	/* nothing beyond */
	/* No buffer left: dropped, not an error. */
	assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), -ENOBUFS);
	assert_false(hw_virtq_failed(q));
	hw_virtq_destroy(q);
}

static void
rx_frame_larger_than_the_chain_is_dropped_and_counted(void **state)
{
	struct guest *g = *state;
	struct hw_virtq *q = make_queue(g, 0, 0);
	struct hw_virtq_counters c;
	uint8_t frame[500] = { 0 };

	set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 100, F_WRITE, 0);
	make_avail(g, 0);
	assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), -ENOBUFS);
	hw_virtq_get_counters(q, &c);
	assert_int_equal(c.invalid_buffer, 1);
	assert_int_equal(used_idx(g), 1);	/* the buffer goes back, empty */
	assert_false(hw_virtq_failed(q));
	hw_virtq_destroy(q);
}

enum hostile { OUTSIDE_MEMORY, LOOP, AVAIL_JUMP, BAD_HEAD, ZERO_LEN, NESTED_INDIRECT,
	       WRITE_ON_TX, READ_ONLY_RX };

static void
hostile_rings_fail_the_queue_with_their_counter(void **state)
{
	static const struct {
		enum hostile what;
		size_t counter;		/* offset in struct hw_virtq_counters */
	} table[] = {
		{ OUTSIDE_MEMORY, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ LOOP, offsetof(struct hw_virtq_counters, exceed_max_chain) },
		{ AVAIL_JUMP, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ BAD_HEAD, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ ZERO_LEN, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ NESTED_INDIRECT, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ WRITE_ON_TX, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ READ_ONLY_RX, offsetof(struct hw_virtq_counters, bad_desc_errors) },
	};
	struct guest *g = *state;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		bool rx = table[i].what == READ_ONLY_RX;
		struct hw_virtq *q, *other;
		struct hw_virtq_counters c;
		struct sink s = { 0 };
		uint8_t frame[64] = { 0 };
		uint16_t v;
		int ret;

		memset(g->mem, 0, MEM_SIZE);
		g->read_only_from = UINT64_MAX;
		q = make_queue(g, rx ? 0 : 1, 0);
		switch (table[i].what) {
		case OUTSIDE_MEMORY:
			set_desc(g, DESC_AT, 0, 0x10, 64, 0, 0);
			make_avail(g, 0);
			break;
		case LOOP:
			set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 16, F_NEXT, 1);
			set_desc(g, DESC_AT, 1, GPA_BASE + BUF_AT, 16, F_NEXT, 0);
			make_avail(g, 0);
			break;
		case AVAIL_JUMP:
			v = QSIZE + 1;
			memcpy(g->mem + AVAIL_AT + 2, &v, 2);
			break;
		case BAD_HEAD:
			make_avail(g, QSIZE + 3);
			break;
		case ZERO_LEN:
			set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 0, 0, 0);
			make_avail(g, 0);
			break;
		case NESTED_INDIRECT:
			set_desc(g, 0x3000, 0, GPA_BASE + 0x3000, 16, F_INDIRECT, 0);
			set_desc(g, DESC_AT, 0, GPA_BASE + 0x3000, 16, F_INDIRECT, 0);
			make_avail(g, 0);
			break;
		case WRITE_ON_TX:
			set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 64, F_WRITE, 0);
			make_avail(g, 0);
			break;
		case READ_ONLY_RX:
			g->read_only_from = GPA_BASE + BUF_AT;	/* the device may not write there */
			set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 128, F_WRITE, 0);
			make_avail(g, 0);
			break;
		}
		ret = rx ? hw_virtq_rx_push(q, frame, sizeof(frame)) :
			   hw_virtq_tx_poll(q, 16, collect, &s);
		assert_int_equal(ret, -EIO);
		assert_true(hw_virtq_failed(q));
		assert_int_equal(s.frames, 0);
		hw_virtq_get_counters(q, &c);
		assert_int_equal(*(uint32_t *)((uint8_t *)&c + table[i].counter), 1);
		/* It stays failed; a queue of another ring is unaffected. */
		assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), -EIO);
		hw_virtq_destroy(q);
		other = make_queue(g, 3, 0);
		assert_false(hw_virtq_failed(other));
		hw_virtq_destroy(other);
	}
}

/* Not an assertion: TX -> RX back to back, frames per second, printed for the record. */
static void
back_to_back_rate_is_reported(void **state)
{
	struct guest *g = *state;
	struct guest *g2 = calloc(1, sizeof(*g2));
	struct hw_virtq *tx, *rx;
	struct timespec t0, t1;
	const int rounds = 200000;
	int moved = 0;

	g2->mem = calloc(1, MEM_SIZE);
	g2->read_only_from = UINT64_MAX;
	memset(g->mem, 0, MEM_SIZE);
	g->read_only_from = UINT64_MAX;
	tx = make_queue(g, 1, 0);
	rx = make_queue(g2, 0, 0);
	write_frame(g, BUF_AT, 64);
	set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 76, 0, 0);
	set_desc(g2, DESC_AT, 0, GPA_BASE + BUF_AT, 2048, F_WRITE, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < rounds; i++) {
		struct sink s = { 0 };

		make_avail(g, 0);
		make_avail(g2, 0);
		hw_virtq_tx_poll(tx, 1, collect, &s);
		moved += hw_virtq_rx_push(rx, s.data, s.len) == 0;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(moved, rounds);
	printf("back to back: %.2f Mframes/s of 64 bytes\n",
	       rounds / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9) / 1e6);
	hw_virtq_destroy(tx);
	hw_virtq_destroy(rx);
	free(g2->mem);
	free(g2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(tx_chained_frame_is_gathered_without_its_header,
						setup, teardown),
		cmocka_unit_test_setup_teardown(tx_indirect_table_is_followed, setup, teardown),
		cmocka_unit_test_setup_teardown(indices_wrap_at_16_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_frame_lands_behind_a_header_with_num_buffers,
						setup, teardown),
		cmocka_unit_test_setup_teardown(rx_frame_larger_than_the_chain_is_dropped_and_counted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(hostile_rings_fail_the_queue_with_their_counter,
						setup, teardown),
		cmocka_unit_test_setup_teardown(back_to_back_rate_is_reported, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
