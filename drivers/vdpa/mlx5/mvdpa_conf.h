/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A configured device: what the firmware holds for one connected vhost-user front-end (guest
 * memory keys, virtqs with their notification channels) and its event thread, which relays
 * completions and kicks and recovers failed queues (mvdpa_event.h). Built by dev_conf;
 * dev_close keeps it with its queues suspended (mvdpa_conf_close): the next dev_conf takes it
 * up where the function can modify them, and destroys it otherwise, as dev_cleanup does. The
 * vhost message thread calls them all.
 */
#ifndef MVDPA_CONF_H
#define MVDPA_CONF_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_vhost.h>

#include "devx_cmd.h"
#include "mvdpa_migrate.h"
#include "mvdpa_event.h"
#include "mvdpa_steer.h"
#include "mvdpa_workers.h"

struct mvdpa_dev;

/* A queue failing this many times within MVDPA_ERRORS_WINDOW_MS is not recovered again. */
#define MVDPA_ERRORS_LIMIT 3
#define MVDPA_ERRORS_WINDOW_MS 3000

/* Counters other threads (telemetry) read while they change: relaxed atomics, never torn. */
static inline void
mvdpa_count(uint64_t *counter, uint64_t n)
{
	__atomic_fetch_add(counter, n, __ATOMIC_RELAXED);
}

static inline uint64_t
mvdpa_counter(const uint64_t *counter)
{
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}

/* Guest memory region -> host memory: a pure view of the vhost memory table. */
struct mvdpa_gpa_map {
	uint64_t gpa;
	uint64_t hva;
	uint64_t size;
};

/*
 * The guest physical address of host virtual address hva (a ring address vhost hands over),
 * or UINT64_MAX when no region holds [hva, hva + len). Pure.
 */
uint64_t mvdpa_hva_to_gpa(const struct mvdpa_gpa_map *map, uint32_t n, uint64_t hva,
			  uint64_t len);

/* The device feature mask (devx_virtio_net_feature bits) for negotiated virtio features. Pure. */
uint16_t mvdpa_queue_features(uint64_t virtio_features);

/*
 * A piece of a region, registered (umem) and under a direct key of its own, addressed by guest
 * physical address.
 */
struct mvdpa_mem_chunk {
	struct devx_umem umem;
	struct devx_obj mkey;
	void *host;			/* where the front-end's memory is mapped here */
	uint64_t gpa;
	uint64_t len;
};

/* One hardware virtq and its QP-mode notification channel. */
struct mvdpa_vq {
	bool prepared;			/* resources up to the virtq object exist (attr is set) */
	bool created;			/* the virtq object exists */
	bool suspended;			/* ... in SUSPEND: its vring is not ready (can resume) */
	bool pooled;			/* its resources are lent by the pre-created ones */
	/*
	 * Its object outlived the last dev_close, suspended (mvdpa_conf_close): the next
	 * configuration modifies it to the new memory table instead of re-creating it.
	 */
	bool kept;
	bool paused;			/* suspended by mvdpa_conf_queues_pause, to run again */
	uint16_t res_size;		/* ring size its umems and channel fit; 0: none exist */
	int kickfd;
	int callfd;			/* where completions are signalled to the front-end */
	struct devx_obj obj;
	struct devx_obj counters;	/* id 0: none */
	/* What counters held when they were lent: earlier front-ends' counts, subtracted. */
	struct devx_virtq_counters counters_zero;
	void *umem_buf[3];
	struct devx_umem umem[3];
	void *cq_buf;			/* CQEs, the CQ's doorbell record, the RQ's */
	struct devx_umem cq_umem;
	struct devx_obj cq;
	void *qp_buf;			/* the driver QP's receive queue */
	void *qp_rq_dbr;		/* its doorbell record (in cq_buf) */
	struct devx_umem qp_umem;
	struct devx_obj fw_qp;
	struct devx_obj drv_qp;
	struct devx_virtq_attr attr;	/* as created: an error re-creates the queue from it */
	struct mvdpa_event_cq ecq;	/* the event thread's view of its CQ */
	/* Errors the firmware reported (object-change events): recovered, up to a limit. */
	uint32_t errors;
	uint64_t error_ns[MVDPA_ERRORS_LIMIT];	/* times of the last errors, a ring */
	uint32_t recoveries;
	bool given_up;			/* too many errors too fast: left in error */
};

struct mvdpa_conf {
	int vid;
	/* A kept configuration destroyed after vhost's device for vid went: nothing handed back. */
	bool vhost_gone;
	struct mvdpa_dev *dev;
	/* Serializes changes of the queue objects and steering: vhost's thread, the event thread's. */
	pthread_mutex_t lock;
	uint32_t nregions;		/* of the memory table the chunks cut */
	uint32_t nchunks;
	struct mvdpa_mem_chunk *chunks;
	uint32_t chunk_keys_issued;	/* chunk keys whose command is going out (atomic, futex) */
	struct ibv_mr *null_mr;		/* its lkey fills the guest-memory key's holes */
	struct devx_obj mkey;		/* indirect key over guest physical memory */
	/* For dev_conf's log, written once the virtqs are out: not on their path. */
	int mkey_klm_entries;		/* the indirect key's */
	bool mkey_built_ahead;		/* from SET_MEM_TABLE on (mvdpa_conf_mem_early_start) */
	struct devx_obj td;
	struct devx_obj tis;		/* TX queues send through it */
	struct mlx5dv_devx_uar *uar;
	uint32_t eqn;
	struct mlx5dv_var *var;		/* the doorbell page */
	volatile uint32_t *doorbell;
	bool pooled;			/* TD, TIS, UAR, event channel, doorbell: pre-created ones */
	uint32_t vqs_ahead;		/* queues whose resources were built ahead (atomic) */
	uint32_t nvqs;
	struct mvdpa_vq *vqs;
	/* RX steering over the created RX queues the front-end enabled; none while it has none. */
	struct mvdpa_steer steer;
	bool steer_built;
	/* The queues' error events (cookie: COOKIE_ERROR | queue index), for recovery. */
	struct mlx5dv_devx_event_channel *events;
	/* Completions relayed to the callfds (mvdpa_event.c). */
	struct mvdpa_events ev;
	uint64_t kicks;			/* guest kicks relayed to the doorbell */
	bool host_notifier;		/* the front-end maps the doorbell page into the guest */
	uint32_t recoveries;		/* queues re-created after an error */
	struct mvdpa_dirty_log log;	/* live migration: where the queues log written pages */
	/* Taken up after a stop while logging: the queue objects still log into the old log. */
	bool kept_logging;
	/*
	 * A stop (mvdpa_conf_close) on a configuration worker, while vhost answers GET_VRING_BASE
	 * for each vring as soon as its queue stopped (mvdpa_conf_stop_wait). Each queue is
	 * stopped by whoever takes it first: the stop's threads or the vhost thread that asks
	 * for its vring.
	 */
	struct {
		pthread_mutex_t lock;
		pthread_cond_t cond;
		uint8_t *queue_state;	/* per queue: enum stop_queue_state (atomic) */
		uint32_t queues_left;	/* not stopped yet */
		bool done;		/* the whole stop (true when none is under way) */
		struct mvdpa_job job;	/* the stop's, while `running` */
		bool running;		/* the job, to be finished */
	} stop;
};

/*
 * What a configuration needs that no front-end decides (TD, TIS, UAR, event queue number, event
 * channel, doorbell page), into c; 0 or a negative errno. Destroy tolerates half-done creation.
 */
int mvdpa_conf_base_create(struct mvdpa_dev *dev, struct mvdpa_conf *c);
void mvdpa_conf_base_destroy(struct mvdpa_conf *c);

/*
 * A queue's resources for rings of `size` entries (umems sized from the caps, counters, the
 * notification channel connected, its CQ on event queue eqn and both its and the QP's doorbells
 * on UAR page uar_page: a configuration's; each configuration subscribes its CQ's completion
 * events, mvdpa_event_queue_init): q->res_size is set on success; 0 or a negative errno,
 * nothing left on failure. Reset makes used resources as good as new without re-creating them
 * (the virtq object must be gone): the channel's QPs back through RST, buffers cleared,
 * counters' current values recorded as their zero. Both issue their independent commands on
 * the calling thread and up to dev's max_conf_threads configuration workers. `populate` makes
 * every page of the buffers resident at once (pre-created resources). Destroy tolerates
 * half-done creation.
 */
int mvdpa_vq_res_create(struct mvdpa_dev *dev, struct mvdpa_vq *q, uint16_t size,
			uint32_t uar_page, uint32_t eqn, bool populate);
int mvdpa_vq_res_reset(struct mvdpa_dev *dev, struct mvdpa_vq *q);
void mvdpa_vq_res_destroy(struct mvdpa_vq *q);

/*
 * dev_conf for dev on vid; 0 or a negative errno (nothing left on failure). A configuration
 * that mvdpa_conf_close() kept for the same vid and number of vrings is taken up again: its
 * suspended queues are modified to the new memory table, ring addresses and indices and
 * resumed (one MODIFY each), the old guest-memory keys destroyed after; a queue whose ring
 * changed otherwise (size, type, features) or whose modify fails is re-created.
 */
int mvdpa_conf_create(struct mvdpa_dev *dev, int vid);
/* Tears dev's configuration down (error paths, removal): nothing of it is left. */
void mvdpa_conf_destroy(struct mvdpa_dev *dev);
/*
 * dev_close: suspends the running queues and hands their indices back to vhost; they stay
 * suspended with their resources, the guest-memory keys and the device-wide resources
 * (dev->kept), so that the reply (a migration's switch-over) waits for nothing more. The next
 * dev_conf takes them up where the function can modify a suspended queue's memory key,
 * addresses and indices and resume it (mvdpa_conf_can_resume_kept), and destroys them otherwise.
 * Queues not running go as in mvdpa_conf_destroy.
 * `vring` >= 0: the close is GET_VRING_BASE's for that vring: the calling thread stops that
 * vring's queue and returns; the others stop meanwhile on the stop's threads, and vhost's later
 * requests wait for theirs (mvdpa_conf_stop_wait, from vhost's message hooks). -1: returns
 * when all stopped.
 */
void mvdpa_conf_close(struct mvdpa_dev *dev, int vring);
/*
 * Waits until the stop of c (a kept configuration) stopped queue `vring` (stopping it on the
 * calling thread when none of the stop's threads took it yet), or, for -1 (or any index it has
 * no queue for), all of it; conf_lock held.
 */
void mvdpa_conf_stop_wait(struct mvdpa_conf *c, int vring);
/* Destroys a kept configuration (dev_cleanup, a front-end that does not come back, removal). */
void mvdpa_conf_kept_destroy(struct mvdpa_dev *dev);
/* Whether caps let a suspended queue take a new memory table and resume in place. Pure. */
bool mvdpa_conf_can_resume_kept(const struct devx_hca_caps *caps);

/*
 * Guest-memory keys built ahead of dev_conf: vhost hands the memory table over (SET_MEM_TABLE)
 * before the vrings and DRIVER_OK, and the keys need nothing else, so a configuration worker
 * builds them while vhost takes the rest of the messages; dev_conf then waits for them instead of
 * building them (or builds them itself when no worker was free to start).
 * Start replaces an earlier build (for a table that changed again); it is called from vhost's
 * message hook after the table was mapped, conf_lock held, and returns once the build's commands
 * are out (2 ms at most); 0 or a negative errno (dev_conf then builds the keys itself). Discard
 * waits for the build and destroys what it made (dev_cleanup, removal, a table dev_conf did not
 * use); conf_lock held.
 */
int mvdpa_conf_mem_early_start(struct mvdpa_dev *dev, int vid);
void mvdpa_conf_mem_early_discard(struct mvdpa_dev *dev);

/*
 * Points RX steering at the created RX queues that are enabled now (dev->vring_ready): builds
 * it for the first, updates the RQT after a change, removes it when none is left. 0 or a
 * negative errno. Takes the configuration's lock.
 */
int mvdpa_conf_steer_sync(struct mvdpa_dev *dev);

/*
 * The front-end made vring ready or not ready (dev->vring_ready): its queue starts (virtq
 * created RDY at the indices it stopped at, or resumed in place where the caps allow it) or
 * stops (suspended, indices kept; the object destroyed unless it can resume), and RX steering
 * follows. The event thread drops the vring's kickfd and callfd while it is not ready and takes
 * vhost's when it is again (a front-end may have replaced them meanwhile). 0 or a negative
 * errno. Takes the configuration's lock.
 */
int mvdpa_conf_vring_state(struct mvdpa_dev *dev, uint16_t vring);

/*
 * Suspends every running queue (its writes and dirty bits done) for a change that must not
 * race with the hardware; returns how many. Unpause runs them again: resumed in place where the
 * function can, else re-created from their attributes (which may have changed meanwhile) at the
 * indices they reached; 0 or the first negative errno. The configuration's lock held.
 */
uint32_t mvdpa_conf_queues_pause(struct mvdpa_conf *c);
int mvdpa_conf_queues_unpause(struct mvdpa_conf *c);

/*
 * Reads one event from the queues' error channel (c->events, readable) and recovers the queue
 * it names: re-created from its attributes at the indices it reached, unless it failed too often
 * (mvdpa_error_may_recover). Takes c->lock and runs firmware commands. Event thread.
 */
void mvdpa_conf_error_event(struct mvdpa_conf *c);

/*
 * Whether a queue that failed now, after failing at the times in `past` (n of them, the newest
 * last, at most MVDPA_ERRORS_LIMIT - 1 used), may be recovered again. Pure.
 */
bool mvdpa_error_may_recover(const uint64_t *past, uint32_t n, uint64_t now_ns);

#endif /* MVDPA_CONF_H */
