/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Split virtqueues as the device sees them (virtio 1.x, little-endian rings):
 *   descriptor table: { le64 addr; le32 len; le16 flags; le16 next; } x size
 *   available ring:   le16 flags, le16 idx, le16 ring[size]
 *   used ring:        le16 flags, le16 idx, { le32 id; le32 len; } ring[size]
 * Every ring access goes through map(); indices are free-running 16-bit counters.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "hw_offload.h"
#include "hw_virtq.h"

#define DESC_F_NEXT 1u
#define DESC_F_WRITE 2u
#define DESC_F_INDIRECT 4u
#define DESC_SIZE 16u
#define USED_ELEM_SIZE 8u

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct hw_virtq {
	struct hw_virtq_config cfg;
	uint16_t avail_idx;	/* next available entry the device takes */
	uint16_t used_idx;	/* next used entry the device writes */
	bool failed;
	struct hw_virtq_counters cnt;
	uint8_t *frame;		/* TX gather buffer */
};

int
hw_virtq_create(const struct hw_virtq_config *cfg, struct hw_virtq **out)
{
	struct hw_virtq *q;

	if (cfg == NULL || cfg->dma == NULL || cfg->dma->map == NULL || cfg->size == 0 ||
	    (cfg->size & (cfg->size - 1)) || (cfg->hdr_len != 10 && cfg->hdr_len != 12))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->frame = malloc(HW_VIRTQ_MAX_FRAME);
	if (q->frame == NULL) {
		free(q);
		return -ENOMEM;
	}
	q->cfg = *cfg;
	q->avail_idx = cfg->avail_idx;
	q->used_idx = cfg->used_idx;
	*out = q;
	return 0;
}

void
hw_virtq_destroy(struct hw_virtq *q)
{
	if (q == NULL)
		return;
	free(q->frame);
	free(q);
}

static void *
map(struct hw_virtq *q, uint64_t addr, size_t len, bool write)
{
	return q->cfg.dma->map(q->cfg.dma_ctx, addr, len, write);
}

static int
fail(struct hw_virtq *q, uint32_t *counter)
{
	(*counter)++;
	if (!q->failed && q->cfg.error != NULL)
		q->cfg.error(q->cfg.notify_ctx);
	q->failed = true;
	return -EIO;
}

/* The injected failure (cfg.fail_at_ns) is due: the queue fails as on a completion error. */
static bool
injected_failure(struct hw_virtq *q)
{
	if (q->cfg.fail_at_ns == 0 || hw_clock_ns() < q->cfg.fail_at_ns)
		return false;
	fail(q, &q->cnt.error_cqes);
	return true;
}

static bool
read_desc(struct hw_virtq *q, uint64_t table, uint32_t n, uint32_t i, struct desc *d)
{
	const uint8_t *p;

	if (i >= n)
		return false;
	p = map(q, table + (uint64_t)i * DESC_SIZE, DESC_SIZE, false);
	if (p == NULL)
		return false;
	memcpy(&d->addr, p, 8);
	memcpy(&d->len, p + 8, 4);
	memcpy(&d->flags, p + 12, 2);
	memcpy(&d->next, p + 14, 2);
	return true;
}

/*
 * Reads the guest's available index. Acquire: the ring entries and descriptors it publishes
 * must be read after it (the guest writes them before the index with a release barrier).
 */
static int
avail_idx(struct hw_virtq *q, uint16_t *idx)
{
	_Atomic uint16_t *p = map(q, q->cfg.avail + 2, 2, false);

	if (p == NULL)
		return -EFAULT;
	*idx = atomic_load_explicit(p, memory_order_acquire);
	return 0;
}

bool
hw_virtq_pending(const struct hw_virtq *q)
{
	uint16_t idx;

	if (q->failed || avail_idx((struct hw_virtq *)q, &idx) < 0)
		return false;
	return idx != q->avail_idx;
}

/* Takes the head of the next available chain; -ENOENT when none, -EIO on a hostile ring. */
static int
next_head(struct hw_virtq *q, uint16_t *head)
{
	uint16_t idx, *slot;

	if (avail_idx(q, &idx) < 0)
		return fail(q, &q->cnt.bad_desc_errors);
	if (idx == q->avail_idx)
		return -ENOENT;
	/* The guest cannot have more chains outstanding than the ring holds. */
	if ((uint16_t)(idx - q->avail_idx) > q->cfg.size)
		return fail(q, &q->cnt.bad_desc_errors);
	slot = map(q, q->cfg.avail + 4 + 2u * (q->avail_idx & (q->cfg.size - 1)), 2, false);
	if (slot == NULL)
		return fail(q, &q->cnt.bad_desc_errors);
	*head = *slot;
	if (*head >= q->cfg.size)
		return fail(q, &q->cnt.bad_desc_errors);
	q->avail_idx++;
	q->cnt.received_desc++;
	return 0;
}

static int
push_used(struct hw_virtq *q, uint16_t head, uint32_t len)
{
	uint8_t *elem = map(q, q->cfg.used + 4 + (uint64_t)USED_ELEM_SIZE *
			       (q->used_idx & (q->cfg.size - 1)), USED_ELEM_SIZE, true);
	_Atomic uint16_t *idx = map(q, q->cfg.used + 2, 2, true);
	uint32_t id = head;

	if (elem == NULL || idx == NULL)
		return fail(q, &q->cnt.bad_desc_errors);
	memcpy(elem, &id, 4);
	memcpy(elem + 4, &len, 4);
	q->used_idx++;
	/* Release: the guest must see the element before the index that publishes it. */
	atomic_store_explicit(idx, q->used_idx, memory_order_release);
	q->cnt.completed_desc++;
	return 0;
}

/*
 * Walks the chain starting at head, calling visit() on each buffer (following one level of
 * indirect table). write: the buffers the device writes (RX) instead of reads (TX).
 * Returns 0, or -EIO after counting the hostile ring's error.
 */
static int
walk_chain(struct hw_virtq *q, uint16_t head, bool write,
	   int (*visit)(struct hw_virtq *q, void *ctx, uint8_t *buf, uint32_t len), void *ctx)
{
	uint64_t table = q->cfg.desc;
	uint32_t n = q->cfg.size, i = head, count = 0;
	bool indirect = false;
	struct desc d;

	for (;;) {
		if (!read_desc(q, table, n, i, &d))
			return fail(q, &q->cnt.bad_desc_errors);
		if (++count > n + (indirect ? q->cfg.size : 0u))
			return fail(q, &q->cnt.exceed_max_chain);	/* a loop */
		if (d.flags & DESC_F_INDIRECT) {
			/* One level only, never combined with NEXT, a whole number of entries. */
			if (indirect || (d.flags & DESC_F_NEXT) || d.len == 0 || d.len % DESC_SIZE)
				return fail(q, &q->cnt.bad_desc_errors);
			table = d.addr;
			n = d.len / DESC_SIZE;
			i = 0;
			indirect = true;
			continue;
		}
		if (!!(d.flags & DESC_F_WRITE) != write || d.len == 0)
			return fail(q, &q->cnt.bad_desc_errors);
		{
			uint8_t *buf = map(q, d.addr, d.len, write);
			int ret;

			if (buf == NULL)
				return fail(q, &q->cnt.bad_desc_errors);
			ret = visit(q, ctx, buf, d.len);
			if (ret < 0)
				return ret;
		}
		if (!(d.flags & DESC_F_NEXT))
			return 0;
		i = d.next;
	}
}

struct gather {
	size_t len;
};

static int
gather_one(struct hw_virtq *q, void *ctx, uint8_t *buf, uint32_t len)
{
	struct gather *g = ctx;

	if (g->len + len > HW_VIRTQ_MAX_FRAME)
		return fail(q, &q->cnt.exceed_max_chain);
	memcpy(q->frame + g->len, buf, len);
	g->len += len;
	return 0;
}

int
hw_virtq_tx_poll(struct hw_virtq *q, unsigned int budget, hw_frame_out_t out, void *ctx)
{
	unsigned int done = 0;

	if (q->failed || injected_failure(q))
		return -EIO;
	while (done < budget) {
		struct gather g = { 0 };
		uint16_t head;
		int ret = next_head(q, &head);

		if (ret == -ENOENT)
			break;
		if (ret < 0)
			return ret;
		ret = walk_chain(q, head, false, gather_one, &g);
		if (ret < 0)
			return ret;
		/*
		 * A chain shorter than the header carries no frame: returned, nothing sent. So is a
		 * frame whose header asks for an offload the device refuses.
		 */
		if (g.len > q->cfg.hdr_len && out != NULL)
			hw_offload_tx(q->frame, q->frame + q->cfg.hdr_len, g.len - q->cfg.hdr_len,
				      out, ctx);
		ret = push_used(q, head, 0);
		if (ret < 0)
			return ret;
		done++;
	}
	return (int)done;
}

struct scatter {
	const uint8_t *src;	/* header, then frame */
	size_t hdr_left;
	const uint8_t *hdr;
	size_t left;
	size_t written;
};

static int
scatter_one(struct hw_virtq *q, void *ctx, uint8_t *buf, uint32_t len)
{
	struct scatter *s = ctx;
	size_t n;

	(void)q;
	while (len > 0 && (s->hdr_left > 0 || s->left > 0)) {
		if (s->hdr_left > 0) {
			n = s->hdr_left < len ? s->hdr_left : len;
			memcpy(buf, s->hdr, n);
			s->hdr += n;
			s->hdr_left -= n;
		} else {
			n = s->left < len ? s->left : len;
			memcpy(buf, s->src, n);
			s->src += n;
			s->left -= n;
		}
		buf += n;
		len -= (uint32_t)n;
		s->written += n;
	}
	return 0;
}

int
hw_virtq_rx_push(struct hw_virtq *q, const uint8_t *frame, size_t len)
{
	uint8_t hdr[12] = { 0 };
	struct scatter s = { .src = frame, .left = len, .hdr = hdr, .hdr_left = q->cfg.hdr_len };
	uint16_t head, num_buffers = 1;
	int ret;

	if (q->failed || injected_failure(q))
		return -EIO;
	if (q->cfg.hdr_len == 12)
		memcpy(hdr + 10, &num_buffers, 2);
	ret = next_head(q, &head);
	if (ret == -ENOENT)
		return -ENOBUFS;	/* the guest offers no buffer: dropped */
	if (ret < 0)
		return ret;
	ret = walk_chain(q, head, true, scatter_one, &s);
	if (ret < 0)
		return ret;
	if (s.left > 0 || s.hdr_left > 0) {
		/* The chain was too small: the buffer goes back empty, the frame is dropped. */
		q->cnt.invalid_buffer++;
		ret = push_used(q, head, 0);
		return ret < 0 ? ret : -ENOBUFS;
	}
	return push_used(q, head, (uint32_t)s.written);
}

void
hw_virtq_notify(const struct hw_virtq *q)
{
	if (q->cfg.notify != NULL)
		q->cfg.notify(q->cfg.notify_ctx);
}

uint16_t
hw_virtq_index(const struct hw_virtq *q)
{
	return q->cfg.index;
}

bool
hw_virtq_failed(const struct hw_virtq *q)
{
	return q->failed;
}

void
hw_virtq_indices(const struct hw_virtq *q, uint16_t *avail, uint16_t *used)
{
	*avail = q->avail_idx;
	*used = q->used_idx;
}

void
hw_virtq_get_counters(const struct hw_virtq *q, struct hw_virtq_counters *c)
{
	*c = q->cnt;
}
