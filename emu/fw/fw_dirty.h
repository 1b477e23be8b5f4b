/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Dirty-page logging of a virtq for live migration: while dirty_bitmap_dump_enable is set, every
 * page the device writes in guest memory (buffers and used ring) gets its bit set in a bitmap
 * laid out as vhost's log (bit n of byte n / 8 stands for guest page n), reached through the
 * dirty_bitmap_mkey at dirty_bitmap_addr and dirty_bitmap_size bytes long. It sits in the DMA
 * path the firmware gives the virtq engine: a write mapping marks its pages before the engine
 * writes and again once it has written, so a log reader that clears a bit in between still sees
 * the page dirty afterwards.
 */
#ifndef EMU_FW_DIRTY_H
#define EMU_FW_DIRTY_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "fw_internal.h"
#include "hw_virtq.h"

/* The virtq object's dirty_bitmap_* fields, as the firmware acts on them. */
struct fw_dirty_params {
	bool enable;			/* dirty_bitmap_dump_enable */
	uint8_t log_page;		/* vhost_log_page: a bit stands for 4 KiB << log_page */
	uint32_t mkey;			/* dirty_bitmap_mkey, 0: none */
	uint32_t size;			/* dirty_bitmap_size, bytes */
	uint64_t addr;			/* dirty_bitmap_addr, in the key's address space */
};

/* Write mappings the engine may not have written yet (it writes right after mapping). */
#define FW_DIRTY_PENDING 8

struct fw_dirty_log {
	/* Protects the parameters and `bitmap`: MODIFY changes them while the engine marks. */
	pthread_mutex_t lock;
	struct fw_dirty_params params;
	struct fw_dma_map bitmap;	/* the dirty key, flattened while logging */
	/* params.enable, readable without the lock: the engine's fast path when not logging */
	_Atomic bool logging;
	const struct fw_dma_map *guest;	/* the queue's guest memory; not owned */
	uint64_t *pages_marked;		/* the function's count of bits set (atomic) */
	/* Engine thread only (and hw_stop once the engine let go of the queue). */
	unsigned int npending;
	struct {
		uint64_t addr;
		uint64_t len;
	} pending[FW_DIRTY_PENDING];
};

/* hw_dma_ops.map over the guest map, marking writes; its context is a struct fw_dirty_log. */
extern const struct hw_dma_ops fw_dirty_dma_ops;

void fw_dirty_log_init(struct fw_dirty_log *log, const struct fw_dma_map *guest,
		       uint64_t *pages_marked);
void fw_dirty_log_fini(struct fw_dirty_log *log);

/*
 * The parameters a virtq object context `sel` selects by modify bits `mask`
 * (PRM_VIRTQ_MODIFY_DIRTY_*), the others as in `cur`. A create passes its context for both
 * with every bit.
 */
void fw_dirty_params_get(const void *cur, const void *sel, uint64_t mask,
			 struct fw_dirty_params *p);

/*
 * Applies parameters (fw lock held; the dirty key must be referenced by the queue). -EINVAL when
 * logging is enabled without a key, -ENOENT when the key maps no memory it can flatten, -ENOMEM.
 * On failure the log is unchanged.
 */
int fw_dirty_log_set(struct emu_fw *fw, struct fw_dirty_log *log, const struct fw_dirty_params *p);

/* Marks the pending writes again: the engine is done with the queue (hw_stop). */
void fw_dirty_log_flush(struct fw_dirty_log *log);

#endif /* EMU_FW_DIRTY_H */
