/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dirty-page logging of a virtq (see fw_dirty.h). vhost_log_page counts from vhost's 4 KiB log
 * page: DPDK's mlx5 driver, validated on hardware with vhost's log, leaves it 0.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "fw_dirty.h"
#include "prm_virtq.h"

#define LOG_PAGE_SHIFT_MIN 12

void
fw_dirty_log_init(struct fw_dirty_log *log, const struct fw_dma_map *guest,
		  uint64_t *pages_marked)
{
	memset(log, 0, sizeof(*log));
	pthread_mutex_init(&log->lock, NULL);
	log->guest = guest;
	log->pages_marked = pages_marked;
}

void
fw_dirty_log_fini(struct fw_dirty_log *log)
{
	fw_dma_map_free(&log->bitmap);
	pthread_mutex_destroy(&log->lock);
}

void
fw_dirty_params_get(const void *cur, const void *sel, uint64_t mask, struct fw_dirty_params *p)
{
	const void *params = mask & PRM_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS ? sel : cur;
	const void *dump = mask & PRM_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE ? sel : cur;

	p->enable = PRM_GET(virtio_net_q_object, dump, dirty_bitmap_dump_enable);
	p->log_page = (uint8_t)PRM_GET(virtio_net_q_object, params, vhost_log_page);
	p->mkey = (uint32_t)PRM_GET(virtio_net_q_object, params, dirty_bitmap_mkey);
	p->size = (uint32_t)PRM_GET(virtio_net_q_object, params, dirty_bitmap_size);
	p->addr = PRM_GET(virtio_net_q_object, params, dirty_bitmap_addr);
}

int
fw_dirty_log_set(struct emu_fw *fw, struct fw_dirty_log *log, const struct fw_dirty_params *p)
{
	struct fw_dma_map bitmap = { 0 }, old;
	int ret;

	if (p->enable) {
		if (p->mkey == 0)
			return -EINVAL;
		ret = fw_mkey_flatten(fw, p->mkey, &bitmap);
		if (ret < 0)
			return ret;
	}
	pthread_mutex_lock(&log->lock);
	old = log->bitmap;
	log->bitmap = bitmap;
	log->params = *p;
	atomic_store_explicit(&log->logging, p->enable, memory_order_relaxed);
	pthread_mutex_unlock(&log->lock);
	fw_dma_map_free(&old);
	return 0;
}

/*
 * Sets the bits of the pages [addr, addr + len) touches. False when one lies beyond the bitmap
 * or the key does not map its byte writable: nothing of it is written outside the key.
 */
static bool
mark(struct fw_dirty_log *log, uint64_t addr, uint64_t len)
{
	uint64_t newly = 0;
	bool ok = true;

	pthread_mutex_lock(&log->lock);
	if (log->params.enable && len != 0) {
		unsigned int shift = LOG_PAGE_SHIFT_MIN + log->params.log_page;
		uint64_t first = addr >> shift, last = (addr + len - 1) >> shift;

		for (uint64_t page = first; page <= last; page++) {
			uint8_t *byte = page / 8 < log->params.size ?
				fw_dma_map_lookup(&log->bitmap, log->params.addr + page / 8, 1, true) :
				NULL;
			uint8_t bit = (uint8_t)(1u << (page % 8));

			if (byte == NULL) {
				ok = false;
				break;
			}
			/* Release: a reader that sees the bit must see the data written before. */
			if (!(__atomic_fetch_or(byte, bit, __ATOMIC_RELEASE) & bit))
				newly++;
		}
	}
	pthread_mutex_unlock(&log->lock);
	__atomic_fetch_add(log->pages_marked, newly, __ATOMIC_RELAXED);
	return ok;
}

void
fw_dirty_log_flush(struct fw_dirty_log *log)
{
	for (unsigned int i = 0; i < log->npending; i++)
		mark(log, log->pending[i].addr, log->pending[i].len);
	log->npending = 0;
}

/*
 * The engine maps a buffer and writes it at once, and maps nothing for reading before it is done
 * with its writes: a read mapping (or a full list) is when the pending writes are complete.
 */
static void *
dirty_map(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct fw_dirty_log *log = ctx;
	void *host = fw_dma_map_lookup((void *)log->guest, addr, len, write);

	if (log->npending != 0 && (!write || log->npending == FW_DIRTY_PENDING))
		fw_dirty_log_flush(log);
	if (host == NULL || !write ||
	    !atomic_load_explicit(&log->logging, memory_order_relaxed))
		return host;
	if (!mark(log, addr, len))
		return NULL;	/* the queue fails: its log cannot say what it wrote */
	log->pending[log->npending].addr = addr;
	log->pending[log->npending].len = len;
	log->npending++;
	return host;
}

const struct hw_dma_ops fw_dirty_dma_ops = { .map = dirty_map };
