/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live migration on the source: while the front-end negotiates VHOST_F_LOG_ALL, the hardware
 * queues log the guest pages they write into vhost's dirty log (a umem and a key over the log
 * area); when the device stops, the used rings are logged too and the log is let go.
 */
#ifndef MVDPA_MIGRATE_H
#define MVDPA_MIGRATE_H

#include <stdbool.h>
#include <stdint.h>

#include "devx_cmd.h"

struct mvdpa_dev;
struct mvdpa_conf;

/* vhost's dirty log as the device sees it. */
struct mvdpa_dirty_log {
	bool on;			/* queues log into it */
	uint64_t base;			/* host address of the log (vhost's mapping) */
	uint64_t size;			/* bytes, as vhost reports it */
	struct devx_umem umem;
	struct devx_obj mkey;		/* over the log, addressed by host address */
	uint32_t starts;		/* times logging was switched on in this configuration */
	uint32_t moves;			/* times it followed a new log (VHOST_USER_SET_LOG_BASE) */
	bool moving;			/* a new log is being handed over: queues paused */
	uint32_t paused;		/* ... how many */
	uint32_t rings_logged;		/* used rings logged at the stop (atomic) */
};

/*
 * Makes the queues log or not, as the negotiated features say (set_features, dev_conf). 0 or a
 * negative errno; on failure logging is off and nothing of it is left. Takes the
 * configuration's lock.
 */
int mvdpa_migrate_log_sync(struct mvdpa_dev *dev);

/*
 * vhost's message hooks (mvdpa_ops.c) around VHOST_USER_SET_LOG_BASE: the queues follow a new
 * log sent while logging. Before vhost unmaps the old log the running queues are suspended
 * (their dirty bits are in it); after it mapped the new one, it is registered, every queue logs
 * into it, the old one is released and the queues run again.
 */
void mvdpa_migrate_log_base_hook(int vid, bool before);

/*
 * Queue i stopped (suspended, its indices handed to vhost): its used ring is logged whole, as
 * vhost does at a stop, while vhost's device logs. Before vhost answers for its vring.
 */
void mvdpa_migrate_stop_queue(struct mvdpa_conf *c, uint32_t i);
/*
 * Whether the stop must mark all of guest memory (vhost's device logs, the queues did not):
 * the stop then ends before vhost answers for any vring.
 */
bool mvdpa_migrate_stop_marks_all(const struct mvdpa_conf *c);
/*
 * The device stopped (its queues stopped, mvdpa_migrate_stop_queue called for each): counts the
 * pages marked since the front-end last read the log, or marks all of guest memory when the
 * queues did not log, and switches logging off. The
 * log's key and umem are released, unless the queues are kept suspended (`queues_kept`,
 * mvdpa_conf_close): their objects still point at the key, which stays in c->log until they are
 * taken up (mvdpa_migrate_kept_take) or destroyed, so that the stop sends no command for it.
 * Configuration teardown.
 */
void mvdpa_migrate_stop(struct mvdpa_conf *c, bool queues_kept);

/*
 * A kept configuration taken up again: every queue's attributes stop logging and the log its
 * queue objects may still point at moves to `held`, released (mvdpa_migrate_log_release) once no
 * queue uses it. Returns whether they do (a queue resumed in place must then change its
 * dirty-log fields).
 */
bool mvdpa_migrate_kept_take(struct mvdpa_conf *c, struct mvdpa_dirty_log *held);
void mvdpa_migrate_log_release(struct mvdpa_dirty_log *log);

#endif /* MVDPA_MIGRATE_H */
