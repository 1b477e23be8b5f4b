/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtqueues as the device sees them (virtio 1.x, little-endian), both ring formats under one
 * frame engine:
 *   split:  descriptor table { le64 addr; le32 len; le16 flags; le16 next; } x size
 *           available ring   le16 flags, le16 idx, le16 ring[size]
 *           used ring        le16 flags, le16 idx, { le32 id; le32 len; } ring[size]
 *           Positions are free-running 16-bit counters.
 *   packed: descriptor ring  { le64 addr; le32 len; le16 id; le16 flags; } x size; the driver
 *           makes a descriptor available and the device marks it used through the AVAIL and
 *           USED flag bits compared with a wrap counter that flips at every pass over the ring.
 *           A chain occupies consecutive slots and returns as one used descriptor carrying the
 *           buffer id of its last descriptor, at the slot of its first; indirect tables hold
 *           sequential entries (no NEXT). Positions are a slot and a wrap counter.
 * Notification suppression is not consulted, in either format (the available ring's flags,
 * the packed event suppression areas): the device signals every batch of completions and the
 * firmware's moderation paces them; the device never asks the driver to hold back its kicks,
 * so its own area stays as the driver zeroed it (enabled).
 * Only next_chain(), walk_chain() and return_chains() know the format; the frame logic (TX
 * gather, RX scatter and merge) is common. Every ring access goes through map().
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
#define DESC_F_AVAIL (1u << 7)		/* packed */
#define DESC_F_USED (1u << 15)		/* packed */
#define DESC_SIZE 16u
#define USED_ELEM_SIZE 8u
#define VNET_HDR_NUM_BUFFERS_AT 10u	/* num_buffers in the 12-byte virtio-net header */

/* One descriptor in either format (next: split only; id: packed only). */
struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
	uint16_t id;
};

/* A position in a ring: split uses idx as a free-running counter; packed a slot and wrap. */
struct ring_pos {
	uint16_t idx;
	bool wrap;
};

/* A chain taken from the ring. */
struct chain {
	uint16_t head;		/* first descriptor: split table index, packed ring slot */
	uint16_t id;		/* what the used ring gets back: split head, packed buffer id */
	uint16_t ndesc;		/* ring slots it occupies (packed) */
	uint32_t len;		/* bytes the device wrote into it */
	struct ring_pos used;	/* packed: the slot its used descriptor goes to */
};

struct hw_virtq {
	struct hw_virtq_config cfg;
	bool packed;
	struct ring_pos avail;	/* the next available chain the device takes */
	struct ring_pos used;	/* the next used entry the device writes */
	bool failed;
	struct hw_virtq_counters cnt;
	/*
	 * Allocated at their first use by the engine, not at creation: the emulator's host memory
	 * is no hardware cost, and a virtq's CREATE runs on the driver's CPU.
	 */
	uint8_t *frame;		/* TX gather buffer */
	struct chain *chains;	/* RX: the chains one frame fills (MRG_RXBUF: up to size) */
};

static struct ring_pos
pos_decode(const struct hw_virtq_config *cfg, uint16_t v)
{
	if (cfg->format == HW_VIRTQ_SPLIT)
		return (struct ring_pos){ .idx = v };
	return (struct ring_pos){ .idx = v & (uint16_t)~HW_VIRTQ_PACKED_WRAP,
				  .wrap = (v & HW_VIRTQ_PACKED_WRAP) != 0 };
}

static uint16_t
pos_encode(const struct hw_virtq *q, struct ring_pos p)
{
	return q->packed && p.wrap ? (uint16_t)(p.idx | HW_VIRTQ_PACKED_WRAP) : p.idx;
}

/* The position after a chain: split rings count chains, packed rings slots. */
static struct ring_pos
pos_after(const struct hw_virtq *q, struct ring_pos p, const struct chain *c)
{
	if (!q->packed) {
		p.idx++;
		return p;
	}
	if ((uint32_t)p.idx + c->ndesc >= q->cfg.size) {
		p.idx = (uint16_t)(p.idx + c->ndesc - q->cfg.size);
		p.wrap = !p.wrap;
	} else {
		p.idx = (uint16_t)(p.idx + c->ndesc);
	}
	return p;
}

int
hw_virtq_create(const struct hw_virtq_config *cfg, struct hw_virtq **out)
{
	struct hw_virtq *q;

	if (cfg == NULL || cfg->dma == NULL || cfg->dma->map == NULL || cfg->size == 0 ||
	    (cfg->size & (cfg->size - 1)) || (cfg->hdr_len != 10 && cfg->hdr_len != 12) ||
	    (cfg->mrg_rxbuf && cfg->hdr_len != 12) ||
	    (cfg->format != HW_VIRTQ_SPLIT && cfg->format != HW_VIRTQ_PACKED) ||
	    (cfg->format == HW_VIRTQ_PACKED && cfg->size > HW_VIRTQ_PACKED_WRAP))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (q == NULL)
		return -ENOMEM;
	q->cfg = *cfg;
	q->packed = cfg->format == HW_VIRTQ_PACKED;
	/* A packed slot beyond the ring fails the queue at its first use (next_chain()). */
	q->avail = pos_decode(cfg, cfg->avail_idx);
	q->used = pos_decode(cfg, cfg->used_idx);
	*out = q;
	return 0;
}

void
hw_virtq_destroy(struct hw_virtq *q)
{
	if (q == NULL)
		return;
	free(q->chains);
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
	if (q->packed) {
		memcpy(&d->id, p + 12, 2);
		memcpy(&d->flags, p + 14, 2);
	} else {
		memcpy(&d->flags, p + 12, 2);
		memcpy(&d->next, p + 14, 2);
	}
	return true;
}

/*
 * Reads a 16-bit word the guest publishes with a release barrier (the split available index,
 * a packed descriptor's flags). Acquire: what it publishes must be read after it.
 */
static int
load_published(struct hw_virtq *q, uint64_t addr, uint16_t *v)
{
	_Atomic uint16_t *p = map(q, addr, 2, false);

	if (p == NULL)
		return -EFAULT;
	*v = atomic_load_explicit(p, memory_order_acquire);
	return 0;
}

/* A packed descriptor the driver made available in the pass of wrap counter `wrap`. */
static bool
packed_available(uint16_t flags, bool wrap)
{
	return !!(flags & DESC_F_AVAIL) == wrap && !!(flags & DESC_F_USED) != wrap;
}

bool
hw_virtq_pending(const struct hw_virtq *q)
{
	struct hw_virtq *mq = (struct hw_virtq *)q;
	uint16_t v;

	if (q->failed)
		return false;
	if (q->packed)
		return q->avail.idx < q->cfg.size &&
		       load_published(mq, q->cfg.desc + (uint64_t)q->avail.idx * DESC_SIZE + 14,
				      &v) == 0 && packed_available(v, q->avail.wrap);
	return load_published(mq, q->cfg.avail + 2, &v) == 0 && v != q->avail.idx;
}

/*
 * The chain available at `at`, not taken yet (the caller moves its position past it once it
 * walked it): -ENOENT when none, -EIO on a hostile ring.
 */
static int
next_chain(struct hw_virtq *q, struct ring_pos at, struct chain *c)
{
	uint16_t v, *slot;

	if (q->packed) {
		/* Only a bad start index (hw_available_index, hw_used_index) is beyond the ring. */
		if (at.idx >= q->cfg.size || q->used.idx >= q->cfg.size)
			return fail(q, &q->cnt.bad_desc_errors);
		if (load_published(q, q->cfg.desc + (uint64_t)at.idx * DESC_SIZE + 14, &v) < 0)
			return fail(q, &q->cnt.bad_desc_errors);
		if (!packed_available(v, at.wrap))
			return -ENOENT;
		c->head = at.idx;
		return 0;
	}
	if (load_published(q, q->cfg.avail + 2, &v) < 0)
		return fail(q, &q->cnt.bad_desc_errors);
	if (v == at.idx)
		return -ENOENT;
	/* The guest cannot have more chains outstanding than the ring holds. */
	if ((uint16_t)(v - at.idx) > q->cfg.size)
		return fail(q, &q->cnt.bad_desc_errors);
	slot = map(q, q->cfg.avail + 4 + 2u * (at.idx & (q->cfg.size - 1)), 2, false);
	if (slot == NULL)
		return fail(q, &q->cnt.bad_desc_errors);
	c->head = *slot;
	if (c->head >= q->cfg.size)
		return fail(q, &q->cnt.bad_desc_errors);
	return 0;
}

typedef int (*visit_t)(struct hw_virtq *q, void *ctx, uint8_t *buf, uint32_t len);

/*
 * Walks chain c, calling visit() on each buffer (following one level of indirect table), and
 * fills in its id and ring slots. write: the buffers the device writes (RX) instead of reads
 * (TX). Returns 0, or -EIO after counting the hostile ring's error.
 */
static int
walk_chain(struct hw_virtq *q, struct chain *c, bool write, visit_t visit, void *ctx)
{
	uint64_t table = q->cfg.desc;
	uint32_t n = q->cfg.size, i = c->head, count = 0;
	bool indirect = false;
	struct desc d = { 0 };

	c->id = c->head;
	c->ndesc = 0;
	for (;;) {
		if (!read_desc(q, table, n, i, &d))
			return fail(q, &q->cnt.bad_desc_errors);
		if (++count > n + (indirect ? q->cfg.size : 0u))
			return fail(q, &q->cnt.exceed_max_chain);	/* a loop */
		if (!indirect) {
			c->ndesc++;
			if (q->packed)
				c->id = d.id;	/* the last descriptor's counts */
		}
		if (!indirect && (d.flags & DESC_F_INDIRECT)) {
			/* One level, never combined with NEXT, a whole number of entries. */
			if ((d.flags & DESC_F_NEXT) || d.len == 0 || d.len % DESC_SIZE)
				return fail(q, &q->cnt.bad_desc_errors);
			table = d.addr;
			n = d.len / DESC_SIZE;
			i = 0;
			indirect = true;
			continue;
		}
		/* Split tables may not nest; packed indirect entries carry only WRITE. */
		if ((!q->packed && (d.flags & DESC_F_INDIRECT)) ||
		    !!(d.flags & DESC_F_WRITE) != write || d.len == 0)
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
		if (q->packed && indirect) {
			/* A packed indirect table is read whole, in order. */
			if (++i == n)
				break;
		} else if (!(d.flags & DESC_F_NEXT)) {
			break;
		} else {
			i = q->packed ? (i + 1) & (q->cfg.size - 1u) : d.next;
		}
	}
	/* A packed driver has at most size buffers in flight, named 0..size-1. */
	if (q->packed && c->id >= q->cfg.size)
		return fail(q, &q->cnt.bad_desc_errors);
	return 0;
}

/*
 * Returns n chains (walked, in ring order) in the used ring and publishes them together:
 * the driver sees all or none, which MRG_RXBUF's num_buffers relies on.
 */
static int
return_chains(struct hw_virtq *q, struct chain *c, unsigned int n)
{
	if (q->packed) {
		struct ring_pos at = q->used;

		for (unsigned int k = 0; k < n; k++) {
			uint8_t *d = map(q, q->cfg.desc + (uint64_t)at.idx * DESC_SIZE, DESC_SIZE,
					 true);

			if (d == NULL)
				return fail(q, &q->cnt.bad_desc_errors);
			memcpy(d + 8, &c[k].len, 4);
			memcpy(d + 12, &c[k].id, 2);
			c[k].used = at;
			at = pos_after(q, at, &c[k]);
		}
		/*
		 * Flags last, the first chain's last of all: release, so that the driver, which
		 * reads used descriptors in ring order from the first, sees the id and length of
		 * every one it finds used.
		 */
		for (unsigned int k = n; k-- > 0;) {
			_Atomic uint16_t *f = map(q, q->cfg.desc + (uint64_t)c[k].used.idx *
						  DESC_SIZE + 14, 2, true);
			uint16_t flags = (c[k].used.wrap ? DESC_F_AVAIL | DESC_F_USED : 0) |
					 (c[k].len ? DESC_F_WRITE : 0);

			if (f == NULL)
				return fail(q, &q->cnt.bad_desc_errors);
			atomic_store_explicit(f, flags, memory_order_release);
		}
		q->used = at;
	} else {
		_Atomic uint16_t *idx = map(q, q->cfg.used + 2, 2, true);

		for (unsigned int k = 0; k < n; k++) {
			uint8_t *elem = map(q, q->cfg.used + 4 + (uint64_t)USED_ELEM_SIZE *
					    ((q->used.idx + k) & (q->cfg.size - 1u)),
					    USED_ELEM_SIZE, true);
			uint32_t id = c[k].id;

			if (elem == NULL || idx == NULL)
				return fail(q, &q->cnt.bad_desc_errors);
			memcpy(elem, &id, 4);
			memcpy(elem + 4, &c[k].len, 4);
		}
		q->used.idx = (uint16_t)(q->used.idx + n);
		/* Release: the guest must see the elements before the index that publishes them. */
		atomic_store_explicit(idx, q->used.idx, memory_order_release);
	}
	q->cnt.completed_desc += n;
	return 0;
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
	if (q->frame == NULL && (q->frame = malloc(HW_VIRTQ_MAX_FRAME)) == NULL)
		return -ENOMEM;
	while (done < budget) {
		struct gather g = { 0 };
		struct chain c = { 0 };
		int ret = next_chain(q, q->avail, &c);

		if (ret == -ENOENT)
			break;
		if (ret < 0)
			return ret;
		ret = walk_chain(q, &c, false, gather_one, &g);
		if (ret < 0)
			return ret;
		q->avail = pos_after(q, q->avail, &c);
		q->cnt.received_desc++;
		/*
		 * A chain shorter than the header carries no frame: returned, nothing sent. So is a
		 * frame whose header asks for an offload the device refuses.
		 */
		if (g.len > q->cfg.hdr_len && out != NULL)
			hw_offload_tx(q->frame, q->frame + q->cfg.hdr_len, g.len - q->cfg.hdr_len,
				      out, ctx);
		ret = return_chains(q, &c, 1);
		if (ret < 0)
			return ret;
		done++;
	}
	return (int)done;
}

struct scatter {
	const uint8_t *src;	/* the frame */
	size_t left;
	const uint8_t *hdr;	/* the virtio-net header, before it */
	size_t hdr_off;
	size_t hdr_len;
	size_t written;		/* into the current chain */
	uint8_t *num_buffers[2];	/* where the header's num_buffers bytes landed */
};

static int
scatter_one(struct hw_virtq *q, void *ctx, uint8_t *buf, uint32_t len)
{
	struct scatter *s = ctx;
	size_t n;

	(void)q;
	while (len > 0 && (s->hdr_off < s->hdr_len || s->left > 0)) {
		if (s->hdr_off < s->hdr_len) {
			n = s->hdr_len - s->hdr_off < len ? s->hdr_len - s->hdr_off : len;
			memcpy(buf, s->hdr + s->hdr_off, n);
			for (size_t k = s->hdr_off; k < s->hdr_off + n; k++)
				if (k - VNET_HDR_NUM_BUFFERS_AT < 2)
					s->num_buffers[k - VNET_HDR_NUM_BUFFERS_AT] =
						buf + (k - s->hdr_off);
			s->hdr_off += n;
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
	static const uint8_t hdr[12];	/* received frames arrive whole and checksummed */
	struct scatter s = { .src = frame, .left = len, .hdr = hdr, .hdr_len = q->cfg.hdr_len };
	struct ring_pos at = q->avail;
	unsigned int n = 0;
	int ret;

	if (q->failed || injected_failure(q))
		return -EIO;
	if (q->chains == NULL && (q->chains = calloc(q->cfg.size, sizeof(*q->chains))) == NULL)
		return -ENOMEM;
	/*
	 * Chains are filled as they are found but taken only once the frame fits: when the ring
	 * runs out first, the frame is dropped and the chains stay available (the bytes written
	 * into them are the device's to overwrite).
	 */
	do {
		struct chain *c = &q->chains[n];

		ret = next_chain(q, at, c);
		if (ret == -ENOENT)
			return -ENOBUFS;
		if (ret < 0)
			return ret;
		s.written = 0;
		ret = walk_chain(q, c, true, scatter_one, &s);
		if (ret < 0)
			return ret;
		c->len = (uint32_t)s.written;
		at = pos_after(q, at, c);
		n++;
	} while ((s.left > 0 || s.hdr_off < s.hdr_len) && q->cfg.mrg_rxbuf && n < q->cfg.size);
	q->avail = at;
	q->cnt.received_desc += n;
	if (s.left > 0 || s.hdr_off < s.hdr_len) {
		/* Too small: the buffers go back empty, the frame is dropped. */
		q->cnt.invalid_buffer++;
		for (unsigned int k = 0; k < n; k++)
			q->chains[k].len = 0;
		ret = return_chains(q, q->chains, n);
		return ret < 0 ? ret : -ENOBUFS;
	}
	if (s.num_buffers[0] != NULL) {
		*s.num_buffers[0] = (uint8_t)n;
		*s.num_buffers[1] = (uint8_t)(n >> 8);
	}
	return return_chains(q, q->chains, n);
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
	*avail = pos_encode(q, q->avail);
	*used = pos_encode(q, q->used);
}

void
hw_virtq_get_counters(const struct hw_virtq *q, struct hw_virtq_counters *c)
{
	*c = q->cnt;
}
