/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vDPA PMD's device and its one probe entry. Three front-ends (PCI, auxiliary, vdev) resolve
 * their device to an ibv device name and call mvdpa_probe(); everything after that is common.
 */
#ifndef MVDPA_H
#define MVDPA_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include <rte_common.h>
#include <rte_log.h>
#include <dev_driver.h>
#include <vdpa_driver.h>

#include "devx_cmd.h"
#include "mvdpa_conf.h"
#include "mvdpa_devargs.h"

/*
 * Driver name, shared by the three front-ends, the log type and the pmdinfo records. Not
 * "vdpa_mlx5" nor "mlx5_*": Debian autoloads DPDK's own mlx5 drivers, whose names, log types
 * (pmd.vdpa.mlx5) and vdev names must stay distinct from ours so both can live in one process.
 * The "vdpa_" prefix keeps DPDK's <class>_<driver> convention.
 */
#define MVDPA_DRIVER_NAME vdpa_mlx5x
#define MVDPA_DRIVER_NAME_STR RTE_STR(MVDPA_DRIVER_NAME)

extern int mvdpa_logtype;

#define MVDPA_LOG(level, ...) \
	rte_log(RTE_LOG_##level, mvdpa_logtype, MVDPA_DRIVER_NAME_STR ": " __VA_ARGS__)

/* vhost-user's limit on queue pairs (VHOST_MAX_QUEUE_PAIRS), also the devarg queues' maximum. */
#define MVDPA_MAX_QUEUE_PAIRS 128u

/* One probed function. */
struct mvdpa_dev {
	/*
	 * This device's copy of the ops table. DPDK hands ops only the rte_vdpa_device, which
	 * keeps the ops pointer given at registration: container_of() on it finds the device
	 * without a process-wide device list (see mvdpa_from_vdpa()).
	 */
	struct rte_vdpa_dev_ops ops;
	struct rte_device *rte_dev;
	struct rte_vdpa_device *vdev;
	struct mvdpa_devargs args;
	char ibdev_name[MVDPA_IBDEV_NAME_MAX];
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	uint32_t pdn;
	struct devx_hca_caps caps;
	uint32_t queue_pairs;	/* what get_queue_num reports */
	uint64_t features;	/* what get_features reports */
	/*
	 * Held by the ops that build and free conf (dev_conf, dev_close: vhost's thread) and by
	 * readers on other threads (statistics ops, telemetry), which must see neither a
	 * configuration half built nor one being freed. Taken before the configuration's own lock.
	 */
	pthread_mutex_t conf_lock;
	struct mvdpa_conf *conf;	/* while a front-end's device is configured */
	struct mvdpa_event_thread event_thread;	/* serves conf while it runs */
	/*
	 * A configuration dev_close left suspended for the next dev_conf (mvdpa_conf_close);
	 * NULL: none. Under conf_lock.
	 */
	struct mvdpa_conf *kept;
	/* Queues taken up again after a stop: modified in place, or re-created (atomics). */
	uint64_t kept_resumed;
	uint64_t kept_recreated;
	bool removing;			/* removal began: no configuration is built again */
	/*
	 * Guest-memory keys being built for a memory table that came before dev_conf
	 * (mvdpa_conf_mem_early_start); NULL: none. Under conf_lock.
	 */
	struct mvdpa_mem_early *mem_early;
	/*
	 * The vring of the GET_VRING_BASE vhost is handling (its dev_close may return once that
	 * queue stopped, mvdpa_conf_close); -1: none. Under conf_lock.
	 */
	int close_vring;
	/* Pre-created resources (device-wide; virtqs with devargs queues, queue_size) not lent now. */
	struct mvdpa_conf *prealloc;
	/*
	 * Each vring's resources being built ahead of dev_conf (mvdpa_prealloc_vq_ahead); NULL:
	 * none. Under conf_lock; during dev_conf each queue's worker takes its own.
	 */
	struct mvdpa_vq_ahead *vq_ahead[2 * MVDPA_MAX_QUEUE_PAIRS];
	/*
	 * Vrings the front-end has ready (set_vring_state), which RX steering follows. Forgotten
	 * at dev_close: until the next front-end reports any, every created queue counts as ready
	 * (vhost reconfigures after a memory-table change without reporting them again).
	 */
	bool vring_ready[2 * MVDPA_MAX_QUEUE_PAIRS];
	bool vring_ready_known;
	/*
	 * Per-queue statistics: counters of queues closed since the last reset are carried over,
	 * so they survive reconfiguration; a reset takes the current values as the new zero.
	 */
	struct devx_virtq_counters stats_carry[2 * MVDPA_MAX_QUEUE_PAIRS];
	struct devx_virtq_counters stats_base[2 * MVDPA_MAX_QUEUE_PAIRS];
};

/* CLOCK_MONOTONIC in ns: the deadlines of the PMD's bounded waits and polls. */
static inline uint64_t
mvdpa_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline struct mvdpa_dev *
mvdpa_from_vdpa(const struct rte_vdpa_device *vdev)
{
	return container_of(vdev->ops, struct mvdpa_dev, ops);
}

/* The device behind vdev when this driver registered it, NULL otherwise (and for NULL). */
struct mvdpa_dev *mvdpa_dev_of(const struct rte_vdpa_device *vdev);

/*
 * Opens ibv device `ibdev_name` with DevX, checks it can serve vDPA, and registers it with the
 * vhost library as rte_dev (whose name becomes the vDPA device's name). Returns 0, or a
 * negative errno after logging why (-ENODEV: no such ibv device; -ENOTSUP: the function has no
 * usable virtio emulation; -EEXIST: rte_dev is already registered). Nothing is left allocated
 * on failure. Control thread (EAL probe).
 */
int mvdpa_probe(struct rte_device *rte_dev, const char *ibdev_name,
		const struct mvdpa_devargs *args);

/*
 * Tears down the configuration of a front-end still connected (the application did not close
 * its vhost-user connection first), unregisters the device from the vhost library and frees
 * what mvdpa_probe() set up for rte_dev; -ENODEV if it has nothing. The vhost library keeps
 * calling the ops of a device its connections are attached to even after it unregistered it:
 * the application must close those connections (rte_vhost_driver_unregister) before removing
 * the device; removal makes sure that nothing of the hardware is left either way.
 * Control thread (EAL removal, rte_eal_cleanup).
 */
int mvdpa_remove(struct rte_device *rte_dev);

/*
 * Parses rte_dev's devargs (logging the reason on failure) for a front-end. Returns 0,
 * -EINVAL.
 */
int mvdpa_parse_devargs(const struct rte_device *rte_dev, struct mvdpa_devargs *args);

/*
 * The virtio-net features and the number of queue pairs the PMD offers for a function with
 * these capabilities (see mvdpa_ops.c for the choice of features). Pure.
 */
uint64_t mvdpa_features_from_caps(const struct devx_hca_caps *caps, uint32_t queue_pairs);
uint32_t mvdpa_queue_pairs_from_caps(const struct devx_hca_caps *caps);
/* The vhost-user protocol features the PMD offers. */
uint64_t mvdpa_protocol_features(void);

/*
 * Checks that caps describe a function that can serve vDPA; on failure writes why into err
 * and returns -ENOTSUP. Pure.
 */
int mvdpa_caps_check(const struct devx_hca_caps *caps, char *err, size_t errlen);

/*
 * Adds what queue qid (q) counted since the last carry to the device's carried totals, which
 * survive its counters object: when the queue stops for good (its counters go away or back to
 * the pool). Called by the worker stopping the queue, with conf_lock held by the caller and the
 * event thread stopped: no one else touches them.
 */
struct mvdpa_vq;
void mvdpa_stats_carry_queue(struct mvdpa_dev *dev, struct mvdpa_vq *q, uint32_t qid);

/* The ops template copied into each device. */
extern const struct rte_vdpa_dev_ops mvdpa_ops_template;

#endif /* MVDPA_H */
