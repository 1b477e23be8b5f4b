/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The virtq engine against a small in-test virtio "guest": guest memory is one buffer at guest
 * address GPA_BASE, rings and buffers are laid out in it as a driver would. The first tests
 * build split rings by hand; the later ones go through a driver model of both formats
 * (drv_add_chain / drv_take_used) and run once per format.
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

#include <malloc.h>

#include <cmocka.h>

#include "hw_virtq.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
/* The sanitizer's runtime has it; GCC's packages here ship no header for it. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

/*
 * Bytes the process's heap has handed out (under ASan and TSan their allocator counts: glibc's
 * mallinfo sees none of it).
 */
static size_t
heap_in_use(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

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
#define F_AVAIL (1 << 7)
#define F_USED (1 << 15)

struct guest {
	uint8_t *mem;
	uint16_t avail_idx;	/* driver's next available index */
	uint64_t read_only_from;	/* guest addresses from here on refuse device writes */
	/* The driver model (drv_*): */
	enum hw_virtq_format format;
	uint16_t next_desc;	/* split: the table entry the next chain starts at */
	uint16_t used_seen;	/* split: used entries consumed */
	uint16_t avail_slot;	/* packed: where the next chain goes, and its pass */
	bool avail_wrap;
	uint16_t used_slot;	/* packed: the next used descriptor expected, and its pass */
	bool used_wrap;
	uint16_t chain_slots[QSIZE];	/* packed: ring slots of the buffer with this id */
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

/*
 * A queue's CREATE runs on the driver's CPU: the engine's host buffers (TX gather, RX chain
 * list) are allocated at their first use, not at creation.
 */
static void
a_queue_takes_its_buffers_at_first_use(void **state)
{
	struct guest *g = *state;
	size_t before = heap_in_use();
	struct hw_virtq *q = make_queue(g, 1, 0);
	struct sink s = { 0 };

	assert_true(heap_in_use() - before < 4096);
	write_frame(g, BUF_AT, 60);
	set_desc(g, DESC_AT, 0, GPA_BASE + BUF_AT, 72, 0, 0);
	make_avail(g, 0);
	assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), 1);
	assert_int_equal(s.len, 60);
	assert_true(heap_in_use() - before >= HW_VIRTQ_MAX_FRAME);
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

/* ---- A virtio driver model for both formats ---- */

/* One buffer of a chain: len bytes at guest memory offset off. */
struct seg {
	uint32_t off;
	uint32_t len;
};

/* A packed descriptor: the split layout with the id where flags are and flags where next is. */
static void
set_packed_desc(struct guest *g, uint64_t table_off, uint16_t i, uint64_t addr, uint32_t len,
		uint16_t id, uint16_t flags)
{
	set_desc(g, table_off, i, addr, len, id, flags);
}

/* A queue of the given format starting at the driver's positions (packed: slot | wrap). */
static struct hw_virtq *
drv_queue(struct guest *g, enum hw_virtq_format format, uint16_t index, bool mrg,
	  uint16_t start)
{
	struct hw_virtq_config cfg = {
		.index = index, .size = QSIZE, .format = format, .desc = GPA_BASE + DESC_AT,
		.avail = GPA_BASE + AVAIL_AT, .used = GPA_BASE + USED_AT,
		.avail_idx = start, .used_idx = start, .hdr_len = 12, .mrg_rxbuf = mrg,
		.dma = &guest_dma, .dma_ctx = g,
	};
	struct hw_virtq *q = NULL;

	g->format = format;
	g->next_desc = 0;
	g->used_seen = start;
	g->avail_slot = g->used_slot = start & (HW_VIRTQ_PACKED_WRAP - 1);
	g->avail_wrap = g->used_wrap = (start & HW_VIRTQ_PACKED_WRAP) != 0;
	if (format == HW_VIRTQ_SPLIT) {
		g->avail_idx = start;
		memcpy(g->mem + AVAIL_AT + 2, &start, 2);
		memcpy(g->mem + USED_AT + 2, &start, 2);
	}
	assert_int_equal(hw_virtq_create(&cfg, &q), 0);
	return q;
}

/* The packed flags making a descriptor available in the driver's current pass. */
static uint16_t
packed_avail_flags(const struct guest *g)
{
	return g->avail_wrap ? F_AVAIL : F_USED;
}

static void
packed_next_slot(struct guest *g)
{
	if (++g->avail_slot == QSIZE) {
		g->avail_slot = 0;
		g->avail_wrap = !g->avail_wrap;
	}
}

/*
 * Makes a chain of n buffers available (flags: F_WRITE for RX), its head published last.
 * Packed chains carry `id`; split chains are named by their head, which is returned.
 */
static uint16_t
drv_add_chain(struct guest *g, const struct seg *s, unsigned int n, uint16_t flags, uint16_t id)
{
	uint16_t head = g->format == HW_VIRTQ_PACKED ? g->avail_slot : g->next_desc;
	uint16_t head_flags = 0;

	for (unsigned int k = 0; k < n; k++) {
		uint16_t f = (uint16_t)(flags | (k + 1 < n ? F_NEXT : 0));

		if (g->format == HW_VIRTQ_SPLIT) {
			uint16_t i = (uint16_t)((head + k) % QSIZE);

			set_desc(g, DESC_AT, i, GPA_BASE + s[k].off, s[k].len, f,
				 (uint16_t)((i + 1) % QSIZE));
			continue;
		}
		f |= packed_avail_flags(g);
		set_packed_desc(g, DESC_AT, g->avail_slot, GPA_BASE + s[k].off, s[k].len, id,
				k == 0 ? (uint16_t)(f ^ F_AVAIL ^ F_USED) : f);
		if (k == 0)
			head_flags = f;
		packed_next_slot(g);
	}
	if (g->format == HW_VIRTQ_SPLIT) {
		g->next_desc = (uint16_t)((head + n) % QSIZE);
		make_avail(g, head);
		return head;
	}
	g->chain_slots[id % QSIZE] = (uint16_t)n;
	memcpy(g->mem + DESC_AT + 16u * head + 14, &head_flags, 2);
	return id;
}

/* Makes an indirect chain available: a table at table_off listing the n buffers. */
static uint16_t
drv_add_indirect(struct guest *g, uint32_t table_off, const struct seg *s, unsigned int n,
		 uint16_t flags, uint16_t id)
{
	struct seg table = { .off = table_off, .len = 16u * n };
	uint16_t head = g->format == HW_VIRTQ_PACKED ? g->avail_slot : g->next_desc;

	for (unsigned int k = 0; k < n; k++) {
		if (g->format == HW_VIRTQ_PACKED)
			set_packed_desc(g, table_off, (uint16_t)k, GPA_BASE + s[k].off, s[k].len,
					0, flags);
		else
			set_desc(g, table_off, (uint16_t)k, GPA_BASE + s[k].off, s[k].len,
				 (uint16_t)(flags | (k + 1 < n ? F_NEXT : 0)), (uint16_t)(k + 1));
	}
	if (g->format == HW_VIRTQ_SPLIT) {
		set_desc(g, DESC_AT, head, GPA_BASE + table.off, table.len, F_INDIRECT, 0);
		g->next_desc = (uint16_t)((head + 1) % QSIZE);
		make_avail(g, head);
		return head;
	}
	return drv_add_chain(g, &table, 1, F_INDIRECT, id);
}

/* Takes the next used entry: false when the device returned nothing more. */
static bool
drv_take_used(struct guest *g, uint16_t *id, uint32_t *len)
{
	uint16_t flags;

	if (g->format == HW_VIRTQ_SPLIT) {
		uint32_t id32;

		if (used_idx(g) == g->used_seen)
			return false;
		used_elem(g, g->used_seen++, &id32, len);
		*id = (uint16_t)id32;
		return true;
	}
	memcpy(&flags, g->mem + DESC_AT + 16u * g->used_slot + 14, 2);
	if (!!(flags & F_AVAIL) != g->used_wrap || !!(flags & F_USED) != g->used_wrap)
		return false;
	memcpy(len, g->mem + DESC_AT + 16u * g->used_slot + 8, 4);
	memcpy(id, g->mem + DESC_AT + 16u * g->used_slot + 12, 2);
	assert_true(*id < QSIZE);
	/* The device marks written buffers, as vhost does. */
	assert_int_equal(!!(flags & F_WRITE), *len != 0);
	g->used_slot = (uint16_t)(g->used_slot + g->chain_slots[*id]);
	if (g->used_slot >= QSIZE) {
		g->used_slot -= QSIZE;
		g->used_wrap = !g->used_wrap;
	}
	return true;
}

/* The driver's own positions, encoded as the device reports its indices. */
static uint16_t
drv_position(const struct guest *g)
{
	if (g->format == HW_VIRTQ_SPLIT)
		return g->avail_idx;
	return (uint16_t)(g->avail_slot | (g->avail_wrap ? HW_VIRTQ_PACKED_WRAP : 0));
}

static const enum hw_virtq_format formats[] = { HW_VIRTQ_SPLIT, HW_VIRTQ_PACKED };

/* Where a new queue starts: a packed ring's first pass has the wrap counter set. */
static uint16_t
fresh(enum hw_virtq_format format)
{
	return format == HW_VIRTQ_PACKED ? HW_VIRTQ_PACKED_WRAP : 0;
}

static void
reset_guest(struct guest *g)
{
	memset(g->mem, 0, MEM_SIZE);
	g->read_only_from = UINT64_MAX;
}

static void
tx_chained_and_indirect_frames_in_both_formats(void **state)
{
	struct guest *g = *state;

	for (size_t f = 0; f < 2; f++) {
		const struct seg three[] = { { BUF_AT, 52 }, { BUF_AT + 52, 30 }, { BUF_AT + 82, 30 } };
		const struct seg two[] = { { BUF_AT + 0x1000, 12 }, { BUF_AT + 0x1000 + 12, 64 } };
		struct hw_virtq *q;
		struct hw_virtq_counters c;
		struct sink s = { 0 };
		uint16_t id, a, u;
		uint32_t len;

		reset_guest(g);
		q = drv_queue(g, formats[f], 1, false, fresh(formats[f]));
		write_frame(g, BUF_AT, 100);
		write_frame(g, BUF_AT + 0x1000, 64);
		/* Buffer ids out of ring order: the device returns what it was given. */
		assert_int_equal(drv_add_chain(g, three, 3, 0, 6), f ? 6 : 0);
		assert_int_equal(drv_add_indirect(g, 0x3000, two, 2, 0, 2), f ? 2 : 3);
		assert_true(hw_virtq_pending(q));
		assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), 2);
		assert_int_equal(s.frames, 2);
		assert_int_equal(s.len, 64);
		assert_int_equal(s.data[63], 63);
		assert_true(drv_take_used(g, &id, &len));
		assert_int_equal(id, f ? 6 : 0);
		assert_int_equal(len, 0);
		assert_true(drv_take_used(g, &id, &len));
		assert_int_equal(id, f ? 2 : 3);
		assert_false(drv_take_used(g, &id, &len));
		hw_virtq_get_counters(q, &c);
		assert_int_equal(c.received_desc, 2);
		assert_int_equal(c.completed_desc, 2);
		assert_false(hw_virtq_pending(q));
		/* Packed: 3 + 1 slots taken; split: two chains. */
		hw_virtq_indices(q, &a, &u);
		assert_int_equal(a, f ? 4 | HW_VIRTQ_PACKED_WRAP : 2);
		assert_int_equal(u, a);
		assert_int_equal(a, drv_position(g));
		hw_virtq_destroy(q);
	}
}

/*
 * Chains of 1 to 3 slots, ids out of order, many passes over an 8-slot ring starting near the
 * end of one with the wrap counter clear (split: the 16-bit indices wrap): every frame comes
 * out once, in order, and the indices follow the driver's.
 */
static void
indices_and_wrap_counters_follow_the_driver_over_many_passes(void **state)
{
	struct guest *g = *state;

	for (size_t f = 0; f < 2; f++) {
		struct hw_virtq *q;
		struct hw_virtq_counters c;
		unsigned int sent = 0, slots = 0;
		uint16_t a, u, start = formats[f] == HW_VIRTQ_PACKED ? 6 : 65531;

		reset_guest(g);
		q = drv_queue(g, formats[f], 1, false, start);
		for (unsigned int round = 0; round < 40; round++) {
			unsigned int n = 1 + round % 3;
			struct seg s[3];
			struct sink out = { 0 };
			uint16_t id;
			uint32_t len;

			for (unsigned int k = 0; k < n; k++)
				s[k] = (struct seg){ BUF_AT + 0x100 * round + 40 * k, 40 };
			write_frame(g, BUF_AT + 0x100 * round, 3 * 40);
			g->mem[BUF_AT + 0x100 * round + 12] = (uint8_t)round;
			drv_add_chain(g, s, n, 0, (uint16_t)((round * 5) % QSIZE));
			assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &out), 1);
			assert_int_equal(out.len, 40 * n - 12);
			assert_int_equal(out.data[0], round);
			assert_true(drv_take_used(g, &id, &len));
			if (formats[f] == HW_VIRTQ_PACKED)
				assert_int_equal(id, (round * 5) % QSIZE);
			sent++;
			slots += n;
			hw_virtq_indices(q, &a, &u);
			assert_int_equal(a, drv_position(g));
			assert_int_equal(u, a);
		}
		hw_virtq_get_counters(q, &c);
		assert_int_equal(c.received_desc, sent);
		assert_int_equal(c.completed_desc, sent);
		hw_virtq_indices(q, &a, &u);
		if (formats[f] == HW_VIRTQ_PACKED)	/* 6 + 80 slots: 10 passes later, slot 6 */
			assert_int_equal(a, (6 + slots) % QSIZE |
					    ((6 + slots) / QSIZE % 2 ? HW_VIRTQ_PACKED_WRAP : 0));
		else
			assert_int_equal(a, (uint16_t)(65531 + sent));
		hw_virtq_destroy(q);
	}
}

/*
 * RX in both formats: a chained buffer gets the header (num_buffers 1) and the frame, nothing
 * beyond; with no buffer left the next frame is dropped, not an error.
 */
static void
rx_chained_buffer_in_both_formats(void **state)
{
	struct guest *g = *state;

	for (size_t f = 0; f < 2; f++) {
		const struct seg s[] = { { BUF_AT, 200 }, { BUF_AT + 200, 400 } };
		uint8_t frame[300];
		struct hw_virtq *q;
		uint16_t id, nb;
		uint32_t len;

		reset_guest(g);
		q = drv_queue(g, formats[f], 0, false, fresh(formats[f]));
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = (uint8_t)(i * 7);
		memset(g->mem + BUF_AT, 0xee, 1024);
		drv_add_chain(g, s, 2, F_WRITE, 5);
		assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), 0);
		assert_true(drv_take_used(g, &id, &len));
		assert_int_equal(id, f ? 5 : 0);
		assert_int_equal(len, 12 + sizeof(frame));
		memcpy(&nb, g->mem + BUF_AT + 10, 2);
		assert_int_equal(nb, 1);
		assert_memory_equal(g->mem + BUF_AT + 12, frame, sizeof(frame));
		assert_int_equal(g->mem[BUF_AT + 12 + sizeof(frame)], 0xee);
		assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), -ENOBUFS);
		assert_false(hw_virtq_failed(q));
		hw_virtq_destroy(q);
	}
}

/*
 * MRG_RXBUF: a 300-byte frame over 128-byte buffers takes three (num_buffers 3, lengths 128,
 * 128, 56) across the end of the ring; with too few buffers it is dropped and nothing is taken,
 * until the driver adds more. Without MRG_RXBUF the same frame is an invalid_buffer.
 */
static void
mergeable_rx_spans_buffers_in_both_formats(void **state)
{
	struct guest *g = *state;

	for (size_t f = 0; f < 2; f++) {
		uint8_t frame[300];
		uint32_t expect_len[] = { 128, 128, 56 }, len;
		struct hw_virtq_counters c;
		struct hw_virtq *q;
		uint16_t id, nb, a, u, start = formats[f] == HW_VIRTQ_PACKED ? 7 : 65535;
		uint8_t got[300];
		size_t at = 0;

		reset_guest(g);
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = (uint8_t)(i * 13 + 1);
		q = drv_queue(g, formats[f], 0, true, start);
		for (uint16_t k = 0; k < 2; k++) {
			struct seg s = { BUF_AT + 0x200 * k, 128 };

			drv_add_chain(g, &s, 1, F_WRITE, (uint16_t)(4 + k));
		}
		/* 312 bytes do not fit in 256: dropped, both buffers still available. */
		assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), -ENOBUFS);
		assert_false(drv_take_used(g, &id, &len));
		hw_virtq_get_counters(q, &c);
		assert_int_equal(c.received_desc, 0);
		assert_int_equal(c.invalid_buffer, 0);
		{
			struct seg s = { BUF_AT + 0x400, 128 };

			drv_add_chain(g, &s, 1, F_WRITE, 1);
		}
		assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), 0);
		for (unsigned int k = 0; k < 3; k++) {
			assert_true(drv_take_used(g, &id, &len));
			if (formats[f] == HW_VIRTQ_PACKED)
				assert_int_equal(id, k < 2 ? 4 + k : 1);
			assert_int_equal(len, expect_len[k]);
			memcpy(got + at, g->mem + BUF_AT + 0x200 * k + (k ? 0 : 12),
			       len - (k ? 0 : 12));
			at += len - (k ? 0 : 12);
		}
		assert_false(drv_take_used(g, &id, &len));
		assert_int_equal(at, sizeof(frame));
		assert_memory_equal(got, frame, sizeof(frame));
		memcpy(&nb, g->mem + BUF_AT + 10, 2);
		assert_int_equal(nb, 3);
		hw_virtq_get_counters(q, &c);
		assert_int_equal(c.received_desc, 3);
		assert_int_equal(c.completed_desc, 3);
		assert_int_equal(c.invalid_buffer, 0);
		hw_virtq_indices(q, &a, &u);
		assert_int_equal(a, drv_position(g));
		assert_int_equal(a, formats[f] == HW_VIRTQ_PACKED ? 2 | HW_VIRTQ_PACKED_WRAP : 2);
		hw_virtq_destroy(q);

		/* Without MRG_RXBUF: one buffer, too small, returned empty and counted. */
		reset_guest(g);
		q = drv_queue(g, formats[f], 0, false, fresh(formats[f]));
		for (uint16_t k = 0; k < 3; k++) {
			struct seg s = { BUF_AT + 0x200 * k, 128 };

			drv_add_chain(g, &s, 1, F_WRITE, k);
		}
		assert_int_equal(hw_virtq_rx_push(q, frame, sizeof(frame)), -ENOBUFS);
		assert_true(drv_take_used(g, &id, &len));
		assert_int_equal(len, 0);
		assert_false(drv_take_used(g, &id, &len));
		hw_virtq_get_counters(q, &c);
		assert_int_equal(c.received_desc, 1);
		assert_int_equal(c.completed_desc, 1);
		assert_int_equal(c.invalid_buffer, 1);
		assert_false(hw_virtq_failed(q));
		hw_virtq_destroy(q);
	}
}

/* Hostile rings of each format; split first. */
enum hostile { OUTSIDE_MEMORY, LOOP, AVAIL_JUMP, BAD_HEAD, ZERO_LEN, NESTED_INDIRECT,
	       WRITE_ON_TX, READ_ONLY_RX,
	       P_OUTSIDE_MEMORY, P_LOOP, P_BAD_ID, P_ZERO_LEN, P_INDIRECT_NEXT, P_INDIRECT_OUTSIDE,
	       P_WRITE_ON_TX, P_READ_ONLY_RX, P_BAD_START_SLOT, P_BAD_USED_SLOT, P_RING_OUTSIDE };

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
		{ P_OUTSIDE_MEMORY, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_LOOP, offsetof(struct hw_virtq_counters, exceed_max_chain) },
		{ P_BAD_ID, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_ZERO_LEN, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_INDIRECT_NEXT, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_INDIRECT_OUTSIDE, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_WRITE_ON_TX, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_READ_ONLY_RX, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_BAD_START_SLOT, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_BAD_USED_SLOT, offsetof(struct hw_virtq_counters, bad_desc_errors) },
		{ P_RING_OUTSIDE, offsetof(struct hw_virtq_counters, bad_desc_errors) },
	};
	struct guest *g = *state;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		bool rx = table[i].what == READ_ONLY_RX || table[i].what == P_READ_ONLY_RX;
		bool packed = table[i].what >= P_OUTSIDE_MEMORY;
		struct seg buf = { BUF_AT, 64 };
		struct hw_virtq_config cfg;
		struct hw_virtq *q, *other;
		struct hw_virtq_counters c;
		struct sink s = { 0 };
		uint8_t frame[64] = { 0 };
		uint16_t v;
		int ret;

		reset_guest(g);
		q = packed ? drv_queue(g, HW_VIRTQ_PACKED, rx ? 0 : 1, false, fresh(HW_VIRTQ_PACKED)) :
			     make_queue(g, rx ? 0 : 1, 0);
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
		case P_OUTSIDE_MEMORY:
			buf.off = (uint32_t)MEM_SIZE;	/* just past guest memory */
			drv_add_chain(g, &buf, 1, 0, 0);
			break;
		case P_LOOP: {
			/* NEXT on every slot: the chain runs around the ring. */
			struct seg all[QSIZE];

			for (unsigned int k = 0; k < QSIZE; k++)
				all[k] = (struct seg){ BUF_AT, 16 };
			drv_add_chain(g, all, QSIZE, 0, 0);
			g->mem[DESC_AT + 16 * (QSIZE - 1) + 14] |= F_NEXT;
			break;
		}
		case P_BAD_ID:
			drv_add_chain(g, &buf, 1, 0, QSIZE + 3);
			break;
		case P_ZERO_LEN:
			buf.len = 0;
			drv_add_chain(g, &buf, 1, 0, 0);
			break;
		case P_INDIRECT_NEXT: {
			struct seg two[] = { { 0x3000, 32 }, buf };

			drv_add_chain(g, two, 2, F_INDIRECT, 0);
			break;
		}
		case P_INDIRECT_OUTSIDE: {
			struct seg t = { (uint32_t)MEM_SIZE - 16, 32 };	/* half outside */

			drv_add_chain(g, &t, 1, F_INDIRECT, 0);
			break;
		}
		case P_WRITE_ON_TX:
			drv_add_chain(g, &buf, 1, F_WRITE, 0);
			break;
		case P_READ_ONLY_RX:
			g->read_only_from = GPA_BASE + BUF_AT;
			drv_add_chain(g, &buf, 1, F_WRITE, 0);
			break;
		case P_BAD_START_SLOT:
			hw_virtq_destroy(q);
			q = drv_queue(g, HW_VIRTQ_PACKED, 1, false, QSIZE + 1);
			break;
		case P_BAD_USED_SLOT:	/* a chain is available, its used slot would be off the ring */
			hw_virtq_destroy(q);
			cfg = (struct hw_virtq_config){
				.index = 1, .size = QSIZE, .format = HW_VIRTQ_PACKED,
				.desc = GPA_BASE + DESC_AT, .hdr_len = 12,
				.avail_idx = HW_VIRTQ_PACKED_WRAP, .used_idx = 0x7fff,
				.dma = &guest_dma, .dma_ctx = g,
			};
			assert_int_equal(hw_virtq_create(&cfg, &q), 0);
			drv_add_chain(g, &buf, 1, 0, 0);
			break;
		case P_RING_OUTSIDE:
			hw_virtq_destroy(q);
			cfg = (struct hw_virtq_config){
				.index = 1, .size = QSIZE, .format = HW_VIRTQ_PACKED,
				.desc = GPA_BASE + MEM_SIZE - 64, .hdr_len = 12,
				.avail_idx = 4 | HW_VIRTQ_PACKED_WRAP,
				.used_idx = 4 | HW_VIRTQ_PACKED_WRAP,
				.dma = &guest_dma, .dma_ctx = g,
			};
			assert_int_equal(hw_virtq_create(&cfg, &q), 0);
			break;
		}
		ret = rx ? hw_virtq_rx_push(q, frame, sizeof(frame)) :
			   hw_virtq_tx_poll(q, 16, collect, &s);
		assert_int_equal(ret, -EIO);
		assert_true(hw_virtq_failed(q));
		assert_int_equal(s.frames, 0);
		hw_virtq_get_counters(q, &c);
		assert_int_equal(*(uint32_t *)((uint8_t *)&c + table[i].counter), 1);
		assert_int_equal(c.completed_desc, 0);
		/* It stays failed; a queue of another ring is unaffected. */
		assert_int_equal(hw_virtq_tx_poll(q, 16, collect, &s), -EIO);
		hw_virtq_destroy(q);
		other = drv_queue(g, HW_VIRTQ_SPLIT, 3, false, 0);
		assert_false(hw_virtq_failed(other));
		hw_virtq_destroy(other);
	}
}

/*
 * TX -> RX back to back in each format, frames per second printed for the record; asserted:
 * every frame arrives and both drivers get every buffer back.
 */
static void
back_to_back_rate_is_reported(void **state)
{
	struct guest *g = *state;
	struct guest *g2 = calloc(1, sizeof(*g2));

	g2->mem = calloc(1, MEM_SIZE);
	for (size_t f = 0; f < 2; f++) {
		const struct seg txbuf = { BUF_AT, 76 }, rxbuf = { BUF_AT, 2048 };
		struct hw_virtq *tx, *rx;
		struct timespec t0, t1;
		const int rounds = 200000;
		int moved = 0, returned = 0;

		reset_guest(g);
		reset_guest(g2);
		tx = drv_queue(g, formats[f], 1, false, fresh(formats[f]));
		rx = drv_queue(g2, formats[f], 0, true, fresh(formats[f]));
		write_frame(g, BUF_AT, 64);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		for (int i = 0; i < rounds; i++) {
			struct sink s = { 0 };
			uint16_t id;
			uint32_t len;

			drv_add_chain(g, &txbuf, 1, 0, 0);
			drv_add_chain(g2, &rxbuf, 1, F_WRITE, 0);
			hw_virtq_tx_poll(tx, 1, collect, &s);
			moved += hw_virtq_rx_push(rx, s.data, s.len) == 0;
			returned += drv_take_used(g, &id, &len) && drv_take_used(g2, &id, &len) &&
				    len == 12 + 64;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		assert_int_equal(moved, rounds);
		assert_int_equal(returned, rounds);
		printf("back to back, %s rings: %.2f Mframes/s of 64 bytes\n",
		       formats[f] == HW_VIRTQ_PACKED ? "packed" : "split",
		       rounds / ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9) / 1e6);
		hw_virtq_destroy(tx);
		hw_virtq_destroy(rx);
	}
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
		cmocka_unit_test_setup_teardown(a_queue_takes_its_buffers_at_first_use, setup,
						teardown),
		cmocka_unit_test_setup_teardown(indices_wrap_at_16_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(rx_frame_larger_than_the_chain_is_dropped_and_counted,
						setup, teardown),
		cmocka_unit_test_setup_teardown(tx_chained_and_indirect_frames_in_both_formats,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			indices_and_wrap_counters_follow_the_driver_over_many_passes, setup,
			teardown),
		cmocka_unit_test_setup_teardown(rx_chained_buffer_in_both_formats, setup, teardown),
		cmocka_unit_test_setup_teardown(mergeable_rx_spans_buffers_in_both_formats, setup,
						teardown),
		cmocka_unit_test_setup_teardown(hostile_rings_fail_the_queue_with_their_counter,
						setup, teardown),
		cmocka_unit_test_setup_teardown(back_to_back_rate_is_reported, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
