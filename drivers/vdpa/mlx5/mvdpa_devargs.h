/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device arguments of the vDPA PMD. The names and meanings follow DPDK's mlx5 vDPA driver where
 * they mean the same thing (doc/guides/vdpadevs/mlx5.rst), so a command line written for that
 * driver works here; unlike it, every value is range-checked and an unknown key is an error
 * instead of a warning.
 */
#ifndef MVDPA_DEVARGS_H
#define MVDPA_DEVARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How completions are turned into guest notifications (devarg event_mode). */
enum mvdpa_event_mode {
	MVDPA_EVENT_MODE_DYNAMIC_TIMER = 0,	/* polling thread, delay adapts to the traffic */
	MVDPA_EVENT_MODE_FIXED_TIMER = 1,	/* polling thread, fixed delay (default) */
	MVDPA_EVENT_MODE_INTERRUPT = 2,		/* CQ armed, woken by completion events */
};

/* Completion moderation of the hardware queue (devarg hw_latency_mode). */
enum mvdpa_hw_latency_mode {
	MVDPA_HW_LATENCY_DEFAULT = 0,		/* firmware default */
	MVDPA_HW_LATENCY_FROM_FIRST = 1,	/* period counted from the first completion */
	MVDPA_HW_LATENCY_FROM_LAST = 2,		/* period counted from the last completion */
};

/* Longest ibv device name (IBV_SYSFS_NAME_MAX in rdma-core), including the terminating NUL. */
#define MVDPA_IBDEV_NAME_MAX 64

/* Limits the values are checked against (DPDK's documented ranges). */
#define MVDPA_EVENT_US_MAX 1000000u		/* one second: a longer poll step stalls traffic */
#define MVDPA_MAX_CONF_THREADS 256u
#define MVDPA_HW_MAX_LATENCY_US_MAX 4095u	/* 12-bit queue_period_us */
#define MVDPA_HW_MAX_PENDING_COMP_MAX 65535u	/* 16-bit queue_max_count */
#define MVDPA_QUEUE_SIZE_MAX 1024u
#define MVDPA_QUEUES_MAX 128u			/* queue pairs */

/* Defaults (DPDK's). */
#define MVDPA_DEFAULT_EVENT_MODE MVDPA_EVENT_MODE_FIXED_TIMER
#define MVDPA_DEFAULT_DYNAMIC_TIMER_STEP_US 1u	/* event_us when 0 in the dynamic timer mode */
#define MVDPA_DEFAULT_NO_TRAFFIC_TIME 16u

struct mvdpa_devargs {
	char ibdev[MVDPA_IBDEV_NAME_MAX];	/* "" unless given (vdev front-end) */
	bool class_vdpa;		/* class=vdpa was given */
	enum mvdpa_event_mode event_mode;
	uint32_t event_us;		/* timer step (dynamic) or fixed delay, microseconds */
	uint32_t no_traffic_time;	/* idle polling cycles before falling back to events */
	int event_core;			/* CPU of the event thread; -1: the EAL main lcore */
	uint32_t max_conf_threads;	/* configuration workers besides the caller; 0: none */
	enum mvdpa_hw_latency_mode hw_latency_mode;
	uint16_t hw_max_latency_us;	/* 0: firmware default */
	uint16_t hw_max_pending_comp;	/* 0: firmware default */
	uint16_t queue_size;		/* pre-created virtq resources: ring size, 0: none */
	uint16_t queues;		/* pre-created virtq resources: queue pairs, 0: none */
};

/* Fills *da with the defaults (no ibdev, fixed timer, event_us 0, no_traffic_time 16, ...). */
void mvdpa_devargs_default(struct mvdpa_devargs *da);

/*
 * Parses a DPDK devargs string ("key=value,key=value", may be NULL or empty) into *da, starting
 * from the defaults. Integers are decimal, or hexadecimal with 0x. n_cpus is the number of CPUs
 * event_core may name (0..n_cpus-1). Accepted besides the keys above: `class=vdpa` (what DPDK's
 * mlx5 drivers use to select the vDPA class) and `ibdev=<ibv device name>`.
 *
 * Returns 0, or -EINVAL with a one-line reason in err (always NUL-terminated when errlen > 0)
 * naming the argument, the value and what is allowed: an unknown key, a repeated key, a
 * malformed or out-of-range value, queue_size without queues (or the reverse). *da is
 * unspecified after a failure. Pure: no logging, no global state.
 */
int mvdpa_devargs_parse(const char *args, unsigned int n_cpus, struct mvdpa_devargs *da,
			char *err, size_t errlen);

#endif /* MVDPA_DEVARGS_H */
