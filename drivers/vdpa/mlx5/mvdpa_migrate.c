/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live migration on the source (see mvdpa_migrate.h). The log is vhost's: bit n of byte n / 8
 * stands for guest page n (4 KiB, vhost_log_page 0). The device reaches it through a direct key
 * addressed by host address, as the log is host memory the front-end shares with vhost. One
 * MODIFY per queue sets the log and switches logging on, all queues in parallel.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <linux/vhost.h>

#include <rte_vhost.h>

#include "mvdpa.h"
#include "mvdpa_conf.h"
#include "mvdpa_migrate.h"
#include "mvdpa_workers.h"

#define LOG_PAGE 4096u

/* The queue's dirty-log fields: logging into `log`, or nothing when it is off. */
static void
attr_set_log(struct devx_virtq_attr *a, const struct mvdpa_dirty_log *log)
{
	a->dirty_bitmap_dump_enable = log->on;
	a->vhost_log_page = 0;
	a->dirty_bitmap_mkey = log->on ? log->mkey.id : 0;
	a->dirty_bitmap_size = log->on ? (uint32_t)log->size : 0;
	a->dirty_bitmap_addr = log->on ? log->base : 0;
}

/* A running queue takes the log fields of its attributes (work item of the parallel modify). */
static int
queue_log_modify(void *ctx, uint32_t i)
{
	struct mvdpa_conf *c = ctx;
	struct mvdpa_vq *q = &c->vqs[i];
	struct devx_virtq_attr a;
	int ret;

	if (!q->created)
		return 0;
	a = q->attr;
	a.modify = DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS | DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE;
	ret = devx_virtq_modify(&q->obj, &a);
	if (ret < 0)
		MVDPA_LOG(ERR, "vid %d: virtq %u: dirty logging %s failed: %s\n", c->vid, i,
			  a.dirty_bitmap_dump_enable ? "start" : "stop", strerror(-ret));
	return ret;
}

/* Every queue's attributes and every running queue follow c->log (lock held). */
static int
queues_follow_log(struct mvdpa_conf *c)
{
	for (uint32_t i = 0; i < c->nvqs; i++)
		if (c->vqs[i].prepared)
			attr_set_log(&c->vqs[i].attr, &c->log);
	return mvdpa_parallel_for(c->nvqs, c->dev->args.max_conf_threads, queue_log_modify, c);
}

static void
log_release(struct mvdpa_dirty_log *log)
{
	devx_obj_destroy(&log->mkey);
	devx_umem_dereg(&log->umem);
	log->on = false;
}

/* Registers vhost's current log (umem and key) into log, not yet used by any queue. */
static int
log_register(struct mvdpa_dev *dev, struct mvdpa_conf *c, struct mvdpa_dirty_log *log)
{
	uint64_t base, size;
	int ret;

	if (rte_vhost_get_log_base(c->vid, &base, &size) < 0 || base == 0 || size == 0 ||
	    base % LOG_PAGE != 0 || size > UINT32_MAX) {
		MVDPA_LOG(ERR, "vid %d: no usable dirty log (base 0x%" PRIx64 ", %" PRIu64
			  " bytes)\n", c->vid, base, size);
		return -EINVAL;
	}
	/* vhost maps the log in whole pages: the key may cover the last one entirely. */
	ret = devx_umem_reg(dev->ctx, (void *)(uintptr_t)base, RTE_ALIGN_CEIL(size, LOG_PAGE),
			    IBV_ACCESS_LOCAL_WRITE, &log->umem);
	if (ret == 0) {
		struct devx_mkey_attr ka = {
			.mode = DEVX_MKEY_MTT, .pdn = dev->pdn, .addr = base,
			.len = RTE_ALIGN_CEIL(size, LOG_PAGE), .umem_id = log->umem.id,
			.log_page_size = 12,
		};

		ret = devx_mkey_create(dev->ctx, &ka, &log->mkey);
	}
	if (ret < 0) {
		MVDPA_LOG(ERR, "vid %d: cannot register the dirty log: %s\n", c->vid,
			  strerror(-ret));
		log_release(log);
		return ret;
	}
	log->base = base;
	log->size = size;
	return 0;
}

/*
 * vhost's current log into c->log (whose key and umem must be free), every queue logging into it;
 * on failure logging is off and nothing of the log is left. Lock held.
 */
static int
log_use(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct mvdpa_dirty_log *log = &c->log;
	int ret = log_register(dev, c, log);

	if (ret < 0)
		return ret;
	log->on = true;
	ret = queues_follow_log(c);
	if (ret < 0) {
		/* Queues that did log must let go of the key before it goes. */
		log->on = false;
		queues_follow_log(c);
		log_release(log);
	}
	return ret;
}

/* Lock held. */
static int
log_start(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct mvdpa_dirty_log *log = &c->log;
	int ret = log_use(dev, c);

	if (ret < 0)
		return ret;
	log->starts++;
	MVDPA_LOG(INFO, "vid %d: dirty logging on: %" PRIu64 " bytes of log at 0x%" PRIx64
		  " under key 0x%x\n", c->vid, log->size, log->base, log->mkey.id);
	return 0;
}

/* Lock held. */
static int
log_stop(struct mvdpa_conf *c)
{
	int ret;

	c->log.on = false;
	ret = queues_follow_log(c);
	if (ret < 0)
		return ret;	/* a queue still logs: its key stays until the queue goes */
	log_release(&c->log);
	MVDPA_LOG(INFO, "vid %d: dirty logging off\n", c->vid);
	return 0;
}

int
mvdpa_migrate_log_sync(struct mvdpa_dev *dev)
{
	struct mvdpa_conf *c = dev->conf;
	uint64_t features;
	bool want;
	int ret = 0;

	if (c == NULL)
		return 0;
	if (rte_vhost_get_negotiated_features(c->vid, &features) < 0)
		return -EIO;
	want = RTE_VHOST_NEED_LOG(features) != 0;
	pthread_mutex_lock(&c->lock);
	if (want && !c->log.on)
		ret = log_start(dev, c);
	else if (!want && c->log.on)
		ret = log_stop(c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

/* ---- A new log while logging (VHOST_USER_SET_LOG_BASE) ---- */

/* dev's configuration for vid, its lock taken; NULL (nothing locked) when it has none. */
static struct mvdpa_conf *
conf_lock_of(int vid, struct mvdpa_dev **devp)
{
	struct mvdpa_dev *dev = mvdpa_dev_of(rte_vhost_get_vdpa_device(vid));

	*devp = dev;
	if (dev == NULL)
		return NULL;
	pthread_mutex_lock(&dev->conf_lock);
	if (dev->conf == NULL || dev->conf->vid != vid) {
		pthread_mutex_unlock(&dev->conf_lock);
		return NULL;
	}
	pthread_mutex_lock(&dev->conf->lock);
	return dev->conf;
}

static void
conf_unlock(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&dev->conf_lock);
}

/*
 * Lock held, the queues paused: the new log is registered, every queue logs into it, the old
 * one is released (no queue uses its key any more) and the queues run again. A new log that
 * cannot be used switches logging off: the stop then marks all of guest memory.
 */
static void
log_move(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct mvdpa_dirty_log old = c->log;
	struct mvdpa_dirty_log *log = &c->log;
	int ret;

	memset(&log->umem, 0, sizeof(log->umem));
	memset(&log->mkey, 0, sizeof(log->mkey));
	log->on = false;
	ret = log_use(dev, c);
	if (ret < 0)
		queues_follow_log(c);	/* off: no queue may keep the old key either */
	log_release(&old);
	log->moving = false;
	if (mvdpa_conf_queues_unpause(c) < 0)
		ret = ret < 0 ? ret : -EIO;
	if (ret < 0) {
		MVDPA_LOG(ERR, "vid %d: moving to the new dirty log failed (%s)%s\n", c->vid,
			  strerror(-ret), log->on ? "" : ": logging off, the stop marks all guest "
			  "memory");
		return;
	}
	log->moves++;
	MVDPA_LOG(INFO, "vid %d: dirty log moved from 0x%" PRIx64 " to 0x%" PRIx64 " (%" PRIu64
		  " bytes, key 0x%x): %u running queue(s) paused meanwhile\n", c->vid, old.base,
		  log->base, log->size, log->mkey.id, old.paused);
}

/*
 * Only a new log while logging matters. Before vhost unmaps the old log, the queues pause (what
 * they logged is in it, as the front-end reads it once vhost replies), so none writes into
 * memory that is going away; after vhost mapped the new log, they move to it (log_move).
 */
void
mvdpa_migrate_log_base_hook(int vid, bool before)
{
	struct mvdpa_dev *dev;
	struct mvdpa_conf *c;

	c = conf_lock_of(vid, &dev);
	if (c == NULL)
		return;
	if (before && c->log.on) {
		c->log.paused = mvdpa_conf_queues_pause(c);
		c->log.moving = true;
	} else if (!before && c->log.moving) {
		log_move(dev, c);
	}
	conf_unlock(dev, c);
}

/*
 * The front-end wants the log but the device did not keep it (switching logging on failed, and
 * vhost cannot fail set_features): every page counts as written, so the front-end's last pass
 * copies all of guest memory. Slow, never wrong.
 */
static void
log_all_memory(struct mvdpa_conf *c)
{
	struct rte_vhost_memory *mem = NULL;
	uint64_t bytes = 0;

	if (rte_vhost_get_mem_table(c->vid, &mem) < 0)
		return;
	for (uint32_t i = 0; i < mem->nregions; i++) {
		rte_vhost_log_write(c->vid, mem->regions[i].guest_phys_addr, mem->regions[i].size);
		bytes += mem->regions[i].size;
	}
	free(mem);
	MVDPA_LOG(WARNING, "vid %d: stopped while the device was not logging: all %" PRIu64
		  " MiB of guest memory marked dirty\n", c->vid, bytes >> 20);
}

/* Whether vhost's device for c is logging (LOG_ALL); a kept configuration's stop did it all. */
static bool
vhost_logs(const struct mvdpa_conf *c, uint64_t *features)
{
	*features = 0;
	return !c->vhost_gone && rte_vhost_get_negotiated_features(c->vid, features) == 0 &&
	       RTE_VHOST_NEED_LOG(*features);
}

bool
mvdpa_migrate_stop_marks_all(const struct mvdpa_conf *c)
{
	uint64_t features;

	return vhost_logs(c, &features) && !c->log.on;
}

void
mvdpa_migrate_stop_queue(struct mvdpa_conf *c, uint32_t i)
{
	uint64_t features, size = c->vqs[i].attr.queue_size;

	if (!c->vqs[i].prepared || !vhost_logs(c, &features))
		return;
	/* The device logged what it wrote; the whole ring, as vhost itself does at a stop. */
	rte_vhost_log_used_vring(c->vid, (uint16_t)i, 0, features & (1ull << VIRTIO_F_RING_PACKED) ?
				 16 * size : 4 + 8 * size + 2);
	__atomic_fetch_add(&c->log.rings_logged, 1, __ATOMIC_RELAXED);
}

void
mvdpa_migrate_stop(struct mvdpa_conf *c, bool queues_kept)
{
	uint64_t features;

	if (vhost_logs(c, &features) && !c->log.on)
		log_all_memory(c);
	/*
	 * No count of the log's dirty pages here: reading all of it faults in every page the
	 * device wrote through DMA only (at 16 GiB, 0.7 ms of this CPU, on which vhost then
	 * waits to read the front-end's next GET_VRING_BASE).
	 */
	if (c->log.on) {
		MVDPA_LOG(INFO, "vid %d: stopped while logging: %u used rings logged, logging "
			  "started %u time(s)\n", c->vid,
			  __atomic_load_n(&c->log.rings_logged, __ATOMIC_RELAXED), c->log.starts);
		c->log.on = false;
	}
	/*
	 * Queues kept suspended still point at the log's key: it stays with them, off, and
	 * goes when they are taken up or destroyed, so that the stop sends no command for it.
	 */
	if (!queues_kept)
		log_release(&c->log);
}

bool
mvdpa_migrate_kept_take(struct mvdpa_conf *c, struct mvdpa_dirty_log *held)
{
	*held = c->log;
	memset(&c->log, 0, sizeof(c->log));
	for (uint32_t i = 0; i < c->nvqs; i++)
		if (c->vqs[i].prepared)
			attr_set_log(&c->vqs[i].attr, &c->log);
	return held->mkey.obj != NULL;
}

void
mvdpa_migrate_log_release(struct mvdpa_dirty_log *log)
{
	log_release(log);
}
