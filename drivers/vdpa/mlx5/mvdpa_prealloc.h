/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-created resources: what a configuration needs that no front-end decides is created at
 * probe, lent to each front-end's configuration and given back reset at dev_close. Always the
 * device-wide ones (TD, TIS, UAR, event channel, doorbell page), as DPDK's PMD does; with the
 * devargs queues=<queue pairs>, queue_size=<ring entries> also every virtq's, so a bring-up (or
 * a migration destination's switch-over) sends the firmware only the commands that depend on
 * the front-end: guest memory keys and virtq objects. Device removal destroys them.
 * Without those devargs, a queue's resources are built ahead of dev_conf, from its vring's size
 * on, and handed over to the configuration as its own.
 *
 * Thread: probe and removal on the EAL control thread; take/give under the device's conf_lock
 * (dev_conf, dev_close), the queues' from configuration workers, each on its own queue index.
 */
#ifndef MVDPA_PREALLOC_H
#define MVDPA_PREALLOC_H

#include <stdbool.h>
#include <stdint.h>

struct mvdpa_conf;
struct mvdpa_dev;

/*
 * Creates the device-wide resources and those of 2 * queues virtqs of queue_size entries (none
 * without the devargs). 0, or a negative errno after logging why, with nothing left.
 */
int mvdpa_prealloc_create(struct mvdpa_dev *dev);
/* Destroys them all; none may be lent. */
void mvdpa_prealloc_destroy(struct mvdpa_dev *dev);

/*
 * Lends the device-wide resources (TD, TIS, UAR, event channel, doorbell page) to c, setting
 * c->pooled; false when there are none to lend.
 */
bool mvdpa_prealloc_take_base(struct mvdpa_dev *dev, struct mvdpa_conf *c);
/* Takes them back from c (its events not yet read are dropped). */
void mvdpa_prealloc_give_base(struct mvdpa_dev *dev, struct mvdpa_conf *c);

/*
 * Resources built ahead of dev_conf: vhost hands each vring's size over (SET_VRING_NUM) before
 * DRIVER_OK, and a queue's resources need nothing else, so a configuration worker builds them
 * while vhost takes the rest of the messages, over the device-wide resources of the pool (which
 * dev_conf lends to the configuration). Not when pre-created ones fit, nor while a kept
 * configuration holds the device-wide ones. Start replaces an earlier build of the vring for
 * another size or front-end; it is called from vhost's message hook, conf_lock held; 0 (started,
 * or nothing to build) or -ENOMEM.
 * Skip, at dev_conf before its parallel work: the builds no worker took yet are dropped
 * (dev_conf builds those queues itself, on all its workers) and those under way go on; taking a
 * queue's resources (mvdpa_prealloc_take_vq) waits for its build. State tells which, so that
 * dev_conf takes the queues whose resources are there first and those still being built last.
 * Discard settles every build (waits for it or cancels it) and destroys what they made (the
 * end of dev_conf, dev_cleanup, removal). All with conf_lock held.
 */
int mvdpa_prealloc_vq_ahead(struct mvdpa_dev *dev, int vid, uint32_t index, uint32_t size);
void mvdpa_prealloc_ahead_skip(struct mvdpa_dev *dev);
void mvdpa_prealloc_ahead_discard(struct mvdpa_dev *dev);

enum mvdpa_ahead_state {
	MVDPA_AHEAD_BUILT,	/* the resources are there */
	MVDPA_AHEAD_NONE,	/* no build, or it was skipped: dev_conf builds them */
	MVDPA_AHEAD_BUILDING,	/* a worker still builds them */
};
enum mvdpa_ahead_state mvdpa_prealloc_ahead_state(const struct mvdpa_dev *dev, uint32_t index);

/*
 * Lends queue index's resources to c->vqs[index] for rings of `size` entries, setting its
 * `pooled`; or, when there are none that fit, hands over those built ahead for c's front-end
 * (c's own then, counted in c->vqs_ahead); false (and a log line when the size or a failed
 * build is why) when there are neither: the caller creates its own. Only to a configuration
 * holding the device-wide ones (their CQ events arrive on that channel). A configuration worker
 * for its own queue index, during dev_conf.
 */
bool mvdpa_prealloc_take_vq(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint16_t index,
			    uint16_t size);
/*
 * Takes them back reset, once the queue's virtq object is gone; resources that cannot be reset
 * are destroyed (the next front-end creates its own).
 */
void mvdpa_prealloc_give_vq(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint16_t index);

#endif /* MVDPA_PREALLOC_H */
