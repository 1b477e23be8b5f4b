/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the emulated hardware's split-ring walker (emu/hw/hw_virtq.h) against a hostile
 * guest. An input describes a guest memory image and a ring over it, then a script:
 *
 *   header (16 bytes, little-endian):
 *     [mode:1]      bit 0: RX queue (else TX), bit 1: 10-byte virtio-net header (else 12)
 *     [size_log2:1] ring size 1 << (size_log2 % 9): 1..256
 *     [avail_idx:2][used_idx:2]     where the device starts
 *     [desc:4][avail:4] [used:2]    guest addresses relative to the image (used: 16 bits, shifted
 *                                   left by 4), so they may lie inside, across or outside it;
 *                                   aligned as virtio requires (desc 16, avail 2, used 4 bytes):
 *                                   the walker's atomics on the indices need it, and our
 *                                   PMD refuses misaligned rings (the engine itself does
 *                                   not yet: docs/testing.md)
 *   [image_len:2] then image_len bytes of guest memory (zero-filled past the input's end)
 *   ops until the input ends, each [op:1] then its operands:
 *     op % 3 == 0: TX poll with budget [n:1], or RX delivery of a frame of [len:2] bytes
 *     op % 3 == 1: the guest writes [len:1] bytes at image offset [off:2] (ring updates
 *                  between polls)
 *     op % 3 == 2: the queries (pending, indices, counters)
 *
 * The image is a heap block of exactly image_len bytes at guest address IMAGE_BASE and map()
 * returns only what lies wholly inside it, so any access outside is a crash under ASan. The
 * frames handed out are read completely, so a frame pointing past what the walker owns is too.
 * Besides not crashing, the walker must keep its contract: results in the documented sets, a
 * failed queue stays failed and touches nothing more, counters consistent.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "hw_virtq.h"

/* Where the image sits in guest-physical space: addresses below it are unmapped too. */
#define IMAGE_BASE 0x100000ull
#define HEADER_LEN 16u
#define MAX_OPS 64u

struct guest {
	uint8_t *mem;
	size_t len;
	bool frozen;	/* the queue failed: no access allowed any more */
};

static void *
guest_map(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct guest *g = ctx;
	uint64_t off;

	(void)write;
	if (g->frozen)
		abort();	/* a failed queue must stay quiet */
	if (addr < IMAGE_BASE)
		return NULL;
	off = addr - IMAGE_BASE;
	if (off > g->len || len > g->len - off)
		return NULL;
	return g->mem + off;
}

static const struct hw_dma_ops guest_dma = { .map = guest_map };

/* Reads every byte of each frame handed on, so ASan checks its bounds. */
static void
frame_out(void *ctx, const uint8_t *frame, size_t len)
{
	uint8_t *sum = ctx;

	if (len > HW_VIRTQ_MAX_FRAME)
		abort();
	for (size_t i = 0; i < len; i++)
		*sum ^= frame[i];
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
le32(const uint8_t *p)
{
	return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16;
}

static void
check_counters(const struct hw_virtq *q)
{
	struct hw_virtq_counters c;

	hw_virtq_get_counters(q, &c);
	if (c.completed_desc > c.received_desc)
		abort();
}

/* One op of the script; returns the bytes it used, 0 at the end of the input. */
static size_t
run_op(struct hw_virtq *q, struct guest *g, bool rx, const uint8_t *p, size_t left,
       uint8_t *frame)
{
	uint8_t sum = 0;
	size_t used;
	int ret;

	switch (p[0] % 3) {
	case 0:
		if (rx) {
			size_t len;

			if (left < 3)
				return 0;
			len = le16(p + 1);
			ret = hw_virtq_rx_push(q, frame, len);
			if (ret != 0 && ret != -ENOBUFS && ret != -EIO)
				abort();
			used = 3;
		} else {
			unsigned int budget;

			if (left < 2)
				return 0;
			budget = p[1];
			ret = hw_virtq_tx_poll(q, budget, frame_out, &sum);
			if (ret != -EIO && (ret < 0 || (unsigned int)ret > budget))
				abort();
			used = 2;
		}
		if ((ret == -EIO) != hw_virtq_failed(q))
			abort();
		break;
	case 1: {
		size_t off, len;

		if (left < 4)
			return 0;
		off = le16(p + 1);
		len = p[3];
		used = 4 + len;
		if (used > left)
			return 0;
		if (off < g->len)
			memcpy(g->mem + off, p + 4, len < g->len - off ? len : g->len - off);
		break;
	}
	default: {
		uint16_t avail, usedi;

		if (hw_virtq_pending(q) && hw_virtq_failed(q))
			abort();
		hw_virtq_indices(q, &avail, &usedi);
		used = 1;
		break;
	}
	}
	check_counters(q);
	return used;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t frame[HW_VIRTQ_MAX_FRAME];
	struct guest g = { 0 };
	struct hw_virtq_config cfg;
	struct hw_virtq *q;
	size_t image_len, take, pos;
	bool rx;

	if (size < HEADER_LEN + 2)
		return 0;
	rx = data[0] & 1;
	cfg = (struct hw_virtq_config){
		.index = rx ? 0 : 1,
		.size = (uint16_t)(1u << (data[1] % 9)),
		.avail_idx = le16(data + 2),
		.used_idx = le16(data + 4),
		.desc = IMAGE_BASE + (le32(data + 6) & ~15u),
		.avail = IMAGE_BASE + (le32(data + 10) & ~1u),
		.used = IMAGE_BASE + ((uint64_t)le16(data + 14) << 4),
		.hdr_len = (data[0] & 2) ? 10 : 12,
		.dma = &guest_dma,
		.dma_ctx = &g,
	};
	image_len = le16(data + HEADER_LEN);
	pos = HEADER_LEN + 2;
	g.len = image_len;
	g.mem = calloc(1, image_len > 0 ? image_len : 1);
	if (g.mem == NULL)
		return 0;
	take = image_len < size - pos ? image_len : size - pos;
	memcpy(g.mem, data + pos, take);
	pos += take;
	if (frame[1] == 0)	/* a pattern, so frames written to RX buffers are not all zeros */
		for (size_t i = 0; i < sizeof(frame); i++)
			frame[i] = (uint8_t)i;
	if (hw_virtq_create(&cfg, &q) != 0)
		abort();	/* the configuration is always valid: only the guest is hostile */
	for (unsigned int n = 0; n < MAX_OPS && pos < size; n++) {
		size_t used;

		g.frozen = hw_virtq_failed(q);
		used = run_op(q, &g, rx, data + pos, size - pos, frame);
		if (used == 0)
			break;
		pos += used;
	}
	hw_virtq_destroy(q);
	free(g.mem);
	return 0;
}
