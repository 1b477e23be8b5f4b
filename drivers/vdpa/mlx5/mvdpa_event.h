/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A configured device's one thread, the event thread (mvdpa-ev-<vid>), pinned to event_core or
 * the main lcore's CPUs. It is created at the device's first configuration and kept until its
 * removal: between configurations it waits for the next one instead of exiting, because a
 * thread's exit (glibc's per-thread clean-up, first touching its code pages, and the stack's
 * release) took 0.15-0.2 ms of the stop a migration's switch-over waits for.
 *
 * Completion notifications: the hardware reports a queue's completions as CQEs on the queue's
 * notification CQ; the event thread relays them to the queue's callfd (the guest's interrupt).
 * How it learns of them is devarg event_mode: a polling timer, fixed (event_us) or adapting to
 * the completion rate, that falls back to CQ events after no_traffic_time empty polls; or CQ
 * events only (each CQ armed, the thread blocked on the event channel).
 *
 * Kicks and errors: wherever the thread blocks or sleeps between polls it also waits on the
 * vrings' kickfds, relaying each kick to the doorbell at once, and on the queues' error channel,
 * recovering a failed queue there (mvdpa_conf_error_event: firmware commands under the
 * configuration's lock, during which nothing else is relayed).
 */
#ifndef MVDPA_EVENT_H
#define MVDPA_EVENT_H

#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct mlx5dv_devx_event_channel;
struct mvdpa_dev;
struct mvdpa_conf;
struct mvdpa_vq;

/* The driver's side of one queue's notification CQ (collapsed: every CQE in entry 0). */
struct mvdpa_event_cq {
	void *cqe;		/* entry 0 */
	void *cq_dbr;		/* the CQ's doorbell record */
	void *rq_dbr;		/* the driver QP's doorbell record */
	uint32_t cqn;
	uint16_t rq_size;	/* receive WQEs, as many as CQ entries */
	uint32_t ci;		/* CQEs consumed */
	uint16_t rq_pi;		/* receive WQEs the hardware has consumed, as counted here */
	uint32_t arm_sn;	/* arms written */
	bool armed;		/* an arm whose completion event was not read yet */
};

/* What the event thread did, for the log at close. */
struct mvdpa_event_stats {
	uint64_t relayed;	/* callfd writes */
	uint64_t cqes;		/* CQEs consumed */
	uint64_t events;	/* completion events read from the channel */
	uint64_t polls;		/* timer polls of every queue */
	uint64_t idle_waits;	/* times the timer gave up polling and waited for an event */
	uint64_t error_cqes;	/* error CQEs seen */
};

struct mvdpa_events {
	struct mlx5dv_devx_event_channel *channel;	/* the CQs' completion events */
	bool running;		/* the device's event thread serves this configuration */
	int stop_fd;		/* eventfd written to end the service (while it runs) */
	/* What the thread waits on (mvdpa_event.c's FD_*), built at its start. */
	struct pollfd *fds;
	nfds_t nfds;
	uint16_t *kick_queue;	/* the queue of each kickfd in fds, in their order */
	struct mvdpa_event_stats stats;	/* event thread; read after it stopped */
};

/* A device's event thread, which serves one configuration at a time. */
struct mvdpa_event_thread {
	pthread_mutex_t lock;
	pthread_cond_t cond;	/* serving or quit changed */
	pthread_t thread;
	bool exists;
	bool quit;
	struct mvdpa_conf *serving;	/* NULL: waiting for a configuration */
};

/* At probe: no thread yet (the first configuration creates it). */
void mvdpa_event_thread_init(struct mvdpa_event_thread *t);
/* At removal, no configuration served: ends and joins the thread if there is one. */
void mvdpa_event_thread_fini(struct mvdpa_event_thread *t);

/* The completion event channel, before the queues subscribe to it. 0 or a negative errno. */
int mvdpa_event_setup(struct mvdpa_dev *dev, struct mvdpa_conf *c);
/* Destroys the channel (the thread stopped). */
void mvdpa_event_teardown(struct mvdpa_conf *c);

/*
 * Readies queue `index`'s notification channel once its CQ and QPs exist (log_size: log2 of
 * their entries): entry 0 of the collapsed CQ, every receive WQE posted, the CQ armed and
 * subscribed to the channel. 0 or a negative errno.
 */
int mvdpa_event_queue_init(struct mvdpa_conf *c, struct mvdpa_vq *q, uint16_t index,
			   unsigned int log_size);

/*
 * Has the device's event thread serve c once the queues are configured (creating the thread at
 * the device's first configuration): the kickfds it relays are those of the prepared queues
 * now. 0 or a negative errno.
 */
int mvdpa_event_start(struct mvdpa_dev *dev, struct mvdpa_conf *c);
/*
 * Ends the thread's service of c and waits until it left c; idempotent. The caller must not
 * hold c->lock (a recovery under way takes it before the thread can see the stop).
 */
void mvdpa_event_stop(struct mvdpa_conf *c);
/*
 * Relays what the queues completed since the last poll and reads the completion events raised
 * meanwhile (the thread and the queues stopped): before close. In parts: one queue's
 * completions (before vhost closes its callfd), and the events (which touch no callfd).
 */
void mvdpa_event_drain(struct mvdpa_conf *c);
void mvdpa_event_drain_queue(struct mvdpa_conf *c, uint32_t i);
void mvdpa_event_drain_events(struct mvdpa_conf *c);

/* "dynamic-timer", "fixed-timer", "interrupt". */
const char *mvdpa_event_mode_name(unsigned int mode);

/*
 * The next delay of the dynamic timer (event_mode 0) after a poll whose busiest queue had
 * `max` completions: one step longer without any, unchanged for one, divided by max above.
 * Pure.
 */
uint32_t mvdpa_event_dynamic_delay(uint32_t delay_us, uint32_t step_us, uint32_t max);

#endif /* MVDPA_EVENT_H */
