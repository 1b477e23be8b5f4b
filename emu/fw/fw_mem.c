/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory keys: direct keys over a umem (MTT) or over registered memory (MR), indirect keys (KLM)
 * over other keys with null-mkey holes, the special contexts, and DMA translation through them.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fw_internal.h"
#include "hw_virtq.h"
#include "prm_mem.h"

/* IBV_ACCESS_LOCAL_WRITE, without pulling rdma-core's headers into the firmware. */
#define ACCESS_LOCAL_WRITE 1u
/* Indirect keys may point at indirect keys this deep; hardware limits nesting too. */
#define MAX_KLM_DEPTH 3

enum mkey_backing {
	MKEY_UMEM,		/* MTT over a umem */
	MKEY_HOST,		/* MR over registered host memory */
	MKEY_KLM,		/* indirect: list of (key, address, length) */
};

struct fw_klm_entry {
	uint64_t va;		/* offset of the entry in the key's range */
	uint64_t bytes;
	uint64_t address;	/* where it starts in the child key */
	uint32_t key;		/* full key; FW_NULL_MKEY for a hole */
	struct fw_obj *child;	/* NULL for a hole */
};

struct fw_mkey {
	struct fw_obj obj;	/* id: the key's index (key >> 8) */
	uint8_t key8;		/* mkey_7_0 */
	enum mkey_backing backing;
	bool lr, lw;
	uint64_t start;
	uint64_t len;		/* UINT64_MAX for length64 keys */
	struct fw_obj *pd;
	struct fw_obj *umem;
	uint64_t umem_off;
	uint8_t *host;
	uint32_t nklm;
	struct fw_klm_entry *klm;
};

static void
mkey_release(struct emu_fw *fw, struct fw_obj *obj)
{
	struct fw_mkey *m = (struct fw_mkey *)obj;

	(void)fw;
	fw_obj_put(m->pd);
	fw_obj_put(m->umem);
	for (uint32_t i = 0; i < m->nklm; i++)
		fw_obj_put(m->klm[i].child);
	free(m->klm);
}

/*
 * Reads the translation entries of an indirect key. KLMS entries carry their own byte_count; KSM
 * (DPDK's "KLM fixed buffer size") entries all cover 2^log_page_size bytes. Drivers pad the list
 * to a multiple of four entries (DPDK, ours): entries after the key's range is covered are
 * padding and ignored, as the hardware ignores them.
 */
static uint8_t
parse_klm(struct fw_cmd *c, struct fw_mkey *m, const void *mkc, bool fixed_size)
{
	uint32_t n = (uint32_t)PRM_GET(create_mkey_in, c->in, translations_octword_actual_size);
	unsigned int log_entity = (unsigned int)PRM_GET(mkc, mkc, log_page_size);
	const uint8_t *list = (const uint8_t *)c->in + PRM_SIZE(create_mkey_in);
	uint64_t va = 0;
	uint8_t st = PRM_STATUS_OK;

	if (n == 0 || n > (1u << c->fw->profile->log_max_klm_list_size) || m->len == UINT64_MAX ||
	    (fixed_size && (log_entity < 12 || (1ull << log_entity) > PRM_KLM_MAX_ENTRY_SIZE)))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_KLM);
	if (c->inlen < PRM_SIZE(create_mkey_in) + (size_t)n * PRM_SIZE(klm))
		return fw_fail(c, PRM_STATUS_BAD_INPUT_LEN, EMU_SYND_INLEN);
	m->klm = calloc(n, sizeof(*m->klm));
	if (m->klm == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	for (uint32_t i = 0; i < n && va < m->len; i++) {
		const uint8_t *e = list + (size_t)i * PRM_SIZE(klm);
		struct fw_klm_entry *k = &m->klm[i];

		k->bytes = fixed_size ? 1ull << log_entity : PRM_GET(klm, e, byte_count);
		k->key = (uint32_t)PRM_GET(klm, e, mkey);
		k->address = PRM_GET(klm, e, address);
		k->va = va;
		if (k->bytes == 0 || k->bytes > PRM_KLM_MAX_ENTRY_SIZE) {
			st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_KLM);
			break;
		}
		va += k->bytes;
		if (k->key == FW_NULL_MKEY) {
			m->nklm = i + 1;
			continue;
		}
		k->child = fw_obj_lookup(c, EMU_OBJ_MKEY, k->key >> 8, &st);
		if (k->child == NULL || ((struct fw_mkey *)k->child)->key8 != (k->key & 0xff)) {
			k->child = NULL;
			if (st == PRM_STATUS_OK)
				st = fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
			break;
		}
		fw_obj_get(k->child);
		m->nklm = i + 1;
	}
	if (st == PRM_STATUS_OK && va < m->len)
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_KLM);	/* range not covered */
	return st;
}

uint8_t
fw_create_mkey(struct fw_cmd *c)
{
	const void *mkc = PRM_ADDR(create_mkey_in, c->in, memory_key_mkey_entry);
	unsigned int mode = (unsigned int)(PRM_GET(mkc, mkc, access_mode_4_2) << 2 |
					   PRM_GET(mkc, mkc, access_mode_1_0));
	uint32_t umem_id = (uint32_t)PRM_GET(create_mkey_in, c->in, mkey_umem_id);
	struct fw_mkey *m;
	uint8_t st = PRM_STATUS_OK;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	m->obj.release = mkey_release;
	m->key8 = (uint8_t)PRM_GET(mkc, mkc, mkey_7_0);
	m->lr = PRM_GET(mkc, mkc, lr);
	m->lw = PRM_GET(mkc, mkc, lw);
	m->start = PRM_GET(mkc, mkc, start_addr);
	m->len = PRM_GET(mkc, mkc, length64) ? UINT64_MAX : PRM_GET(mkc, mkc, len);
	m->pd = fw_obj_lookup(c, EMU_OBJ_PD, (uint32_t)PRM_GET(mkc, mkc, pd), &st);
	if (m->pd == NULL)
		goto free_mkey;
	fw_obj_get(m->pd);
	if (m->len == 0) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		goto free_mkey;
	}

	switch (mode) {
	case PRM_MKC_ACCESS_MODE_MTT: {
		struct fw_umem *u;

		/* The kernel marks umem-backed keys valid; an id is enough to name the umem here. */
		if (!PRM_GET(create_mkey_in, c->in, mkey_umem_valid) && umem_id == 0) {
			st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_ACCESS_MODE);
			goto free_mkey;
		}
		m->umem = fw_obj_lookup(c, EMU_OBJ_UMEM, umem_id, &st);
		if (m->umem == NULL)
			goto free_mkey;
		u = (struct fw_umem *)m->umem;
		m->umem_off = PRM_GET(create_mkey_in, c->in, mkey_umem_offset);
		if (m->len == UINT64_MAX || m->umem_off > u->size || m->len > u->size - m->umem_off) {
			m->umem = NULL;
			st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_RANGE);
			goto free_mkey;
		}
		fw_obj_get(m->umem);
		m->backing = MKEY_UMEM;
		break;
	}
	case PRM_MKC_ACCESS_MODE_KLMS:
	case PRM_MKC_ACCESS_MODE_KSM:
		m->backing = MKEY_KLM;
		st = parse_klm(c, m, mkc, mode == PRM_MKC_ACCESS_MODE_KSM);
		if (st != PRM_STATUS_OK)
			goto free_mkey;
		break;
	default:
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_ACCESS_MODE);
		goto free_mkey;
	}

	if (fw_obj_insert(c->fw, &m->obj, EMU_OBJ_MKEY, c->uid) < 0) {
		st = fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
		goto free_mkey;
	}
	PRM_SET(create_mkey_out, c->out, mkey_index, m->obj.id);
	return PRM_STATUS_OK;

free_mkey:
	mkey_release(c->fw, &m->obj);
	free(m);
	return st;
}

uint8_t
fw_destroy_mkey(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_MKEY, (uint32_t)PRM_GET(destroy_mkey_in, c->in, mkey_index));
}

uint8_t
fw_query_special_contexts(struct fw_cmd *c)
{
	PRM_SET(query_special_contexts_out, c->out, null_mkey, FW_NULL_MKEY);
	return PRM_STATUS_OK;
}

/* Pages of host memory behind an MR (the kernel maps 4 KiB pages when nothing larger backs it). */
#define MR_PAGE 4096u

int
emu_fw_mr_reg(struct emu_fw *fw, uint32_t pdn, void *addr, size_t len, uint64_t iova,
	      uint32_t access, uint32_t *lkey)
{
	uint64_t cost_ns, issued_ns, slot_wait_ns;
	struct fw_slot slot;
	struct fw_mkey *m;
	int ret = 0;

	if (addr == NULL || len == 0 || lkey == NULL)
		return -EINVAL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	m->obj.release = mkey_release;
	m->backing = MKEY_HOST;
	m->host = addr;
	m->start = iova;
	m->len = len;
	m->lr = true;
	m->lw = (access & ACCESS_LOCAL_WRITE) != 0;
	/*
	 * The kernel registers an MR with a CREATE_MKEY of one MTT entry per page: the same
	 * firmware time as a driver's own key over the same memory (its octwords).
	 */
	cost_ns = fw_mkey_cost_ns(((len + MR_PAGE - 1) / MR_PAGE + PRM_MTT_PER_OCTWORD - 1) /
				  PRM_MTT_PER_OCTWORD);
	issued_ns = hw_clock_ns();
	slot_wait_ns = fw_slot_take(fw, cost_ns, &slot);
	pthread_mutex_lock(&fw->lock);
	fw->modelled_ns += cost_ns;
	m->pd = fw_obj_find(fw, EMU_OBJ_PD, pdn);
	if (m->pd == NULL) {
		ret = -ENOENT;
		goto unlock;
	}
	fw_obj_get(m->pd);
	/* The kernel creates an MR's key under its PD's user context, so that user may use it. */
	if (fw_obj_insert(fw, &m->obj, EMU_OBJ_MKEY, m->pd->uid) < 0) {
		fw_obj_put(m->pd);
		ret = -ENOSPC;
		goto unlock;
	}
	*lkey = m->obj.id << 8 | m->key8;
unlock:
	pthread_mutex_unlock(&fw->lock);
	fw_slot_give(fw, &slot);
	fw_trace_cmd_done(fw, issued_ns, slot_wait_ns, PRM_CMD_CREATE_MKEY, 0,
			  ret == 0 ? PRM_STATUS_OK : ret == -ENOSPC ? PRM_STATUS_BAD_RESOURCE :
			  PRM_STATUS_BAD_PARAM);
	if (ret < 0)
		free(m);
	return ret;
}

int
emu_fw_mr_dereg(struct emu_fw *fw, uint32_t lkey)
{
	struct fw_obj *o;
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	o = fw_obj_find(fw, EMU_OBJ_MKEY, lkey >> 8);
	if (o == NULL || ((struct fw_mkey *)o)->backing != MKEY_HOST)
		ret = -ENOENT;
	else if (o->refs)
		ret = -EBUSY;
	else
		fw_obj_unlink_free(fw, o);
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

static int
translate(struct emu_fw *fw, uint32_t key, uint64_t addr, size_t len, bool write, void **host,
	  size_t *contig, int depth)
{
	struct fw_mkey *m;
	uint64_t off;
	size_t room;

	if (key == FW_NULL_MKEY)
		return -EFAULT;
	m = (struct fw_mkey *)fw_obj_find(fw, EMU_OBJ_MKEY, key >> 8);
	if (m == NULL || m->key8 != (key & 0xff))
		return -ENOENT;
	if ((write && !m->lw) || (!write && !m->lr))
		return -EACCES;
	if (addr < m->start || (m->len != UINT64_MAX && addr - m->start >= m->len))
		return -EFAULT;
	off = addr - m->start;
	room = m->len == UINT64_MAX ? len : (size_t)(m->len - off < len ? m->len - off : len);

	switch (m->backing) {
	case MKEY_UMEM:
		*host = ((struct fw_umem *)m->umem)->addr + m->umem_off + off;
		*contig = room;
		return 0;
	case MKEY_HOST:
		*host = m->host + off;
		*contig = room;
		return 0;
	case MKEY_KLM:
		if (depth >= MAX_KLM_DEPTH)
			return -EFAULT;
		/* Entries are in address order: a binary search finds the one holding off. */
		for (uint32_t lo = 0, hi = m->nklm; lo < hi;) {
			uint32_t mid = (lo + hi) / 2;
			const struct fw_klm_entry *k = &m->klm[mid];

			if (off < k->va) {
				hi = mid;
			} else if (off >= k->va + k->bytes) {
				lo = mid + 1;
			} else {
				uint64_t in_entry = off - k->va;
				size_t sub = k->bytes - in_entry < room ? (size_t)(k->bytes - in_entry) : room;

				return translate(fw, k->key, k->address + in_entry, sub, write, host,
						 contig, depth + 1);
			}
		}
		return -EFAULT;
	}
	return -EFAULT;
}

int
emu_fw_mkey_translate(struct emu_fw *fw, uint32_t mkey, uint64_t addr, size_t len, int write,
		      void **host, size_t *contig)
{
	int ret;

	if (len == 0 || host == NULL || contig == NULL)
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	ret = translate(fw, mkey, addr, len, write != 0, host, contig, 0);
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

/* Appends the segments of [addr, addr + len) under key to map. */
static int
flatten(struct emu_fw *fw, uint32_t key, uint64_t va, uint64_t addr, uint64_t len,
	struct fw_dma_map *map, unsigned int *cap, int depth)
{
	struct fw_mkey *m;

	if (key == FW_NULL_MKEY)
		return 0;	/* a hole: no segment, accesses fault */
	m = (struct fw_mkey *)fw_obj_find(fw, EMU_OBJ_MKEY, key >> 8);
	if (m == NULL || m->key8 != (key & 0xff) || depth > MAX_KLM_DEPTH)
		return -ENOENT;
	if (m->backing == MKEY_KLM) {
		for (uint32_t i = 0; i < m->nklm; i++) {
			const struct fw_klm_entry *k = &m->klm[i];
			uint64_t s = m->start + k->va, e = s + k->bytes;
			uint64_t lo = addr > s ? addr : s, hi = addr + len < e ? addr + len : e;
			int ret;

			if (lo >= hi)
				continue;
			ret = flatten(fw, k->key, va + (lo - addr), k->address + (lo - s), hi - lo, map,
				      cap, depth + 1);
			if (ret < 0)
				return ret;
		}
		return 0;
	}
	if (addr < m->start || addr - m->start > m->len || len > m->len - (addr - m->start))
		return -EFAULT;
	if (map->n == *cap) {
		unsigned int ncap = *cap ? *cap * 2 : 8;
		struct fw_dma_seg *segs = realloc(map->segs, ncap * sizeof(*segs));

		if (segs == NULL)
			return -ENOMEM;
		map->segs = segs;
		*cap = ncap;
	}
	map->segs[map->n++] = (struct fw_dma_seg){
		.start = va, .len = len, .writable = m->lw,
		.host = (m->backing == MKEY_UMEM ? ((struct fw_umem *)m->umem)->addr + m->umem_off :
						   m->host) + (addr - m->start),
	};
	return 0;
}

int
fw_mkey_flatten(struct emu_fw *fw, uint32_t key, struct fw_dma_map *map)
{
	struct fw_mkey *m = (struct fw_mkey *)fw_obj_find(fw, EMU_OBJ_MKEY, key >> 8);
	unsigned int cap = 0;
	int ret;

	memset(map, 0, sizeof(*map));
	if (m == NULL || m->len == UINT64_MAX)
		return -ENOENT;
	/* KLM entries come in address order, so the segments do too. */
	ret = flatten(fw, key, m->start, m->start, m->len, map, &cap, 0);
	if (ret < 0) {
		fw_dma_map_free(map);
		return ret;
	}
	/*
	 * Merge neighbours contiguous in guest and host memory: a region split into 1 GiB KLM
	 * entries is one segment again, so a buffer across an entry boundary stays reachable.
	 */
	for (unsigned int i = 1, out = 0; i < map->n; i++) {
		struct fw_dma_seg *p = &map->segs[out], *s = &map->segs[i];

		if (p->start + p->len == s->start && p->host + p->len == s->host &&
		    p->writable == s->writable)
			p->len += s->len;
		else
			map->segs[++out] = *s;
		if (i == map->n - 1)
			map->n = out + 1;
	}
	return 0;
}

void
fw_dma_map_free(struct fw_dma_map *map)
{
	free(map->segs);
	map->segs = NULL;
	map->n = 0;
}

void *
fw_dma_map_lookup(void *ctx, uint64_t addr, size_t len, bool write)
{
	const struct fw_dma_map *map = ctx;

	for (unsigned int lo = 0, hi = map->n; lo < hi;) {
		unsigned int mid = (lo + hi) / 2;
		const struct fw_dma_seg *s = &map->segs[mid];

		if (addr < s->start) {
			hi = mid;
		} else if (addr - s->start >= s->len) {
			lo = mid + 1;
		} else {
			/* A buffer must lie in one segment (guest regions and 1 GiB KLM entries). */
			if (len > s->len - (addr - s->start) || (write && !s->writable))
				return NULL;
			return s->host + (addr - s->start);
		}
	}
	return NULL;
}
