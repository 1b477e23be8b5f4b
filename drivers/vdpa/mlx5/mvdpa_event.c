/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event thread (see mvdpa_event.h). It also relays the guest's kicks and takes the queues'
 * error events: wherever it blocks or sleeps it waits on the kickfds and the error channel too,
 * so one thread per configured device serves the three.
 *
 * A queue's CQ is collapsed: the hardware writes every CQE to entry 0, whose wqe_counter names
 * the last receive WQE consumed, so one read tells how many completions arrived since the last
 * poll. Each poll returns as many receive WQEs as it saw consumed, so the hardware never runs
 * out, and writes the consumer index.
 *
 * Arming: an arm asks for one completion event; its sequence number must count the events
 * the CQ raised. A CQ is re-armed only after the event of its previous arm was read from the
 * channel, so the numbers stay in step whatever the timer polled meanwhile.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/mlx5dv.h>
#include <rte_lcore.h>

#include "mvdpa.h"
#include "mvdpa_conf.h"
#include "mvdpa_event.h"
#include "prm_eq.h"

#define CQE_SIZE 64u

const char *
mvdpa_event_mode_name(unsigned int mode)
{
	switch (mode) {
	case MVDPA_EVENT_MODE_DYNAMIC_TIMER:
		return "dynamic-timer";
	case MVDPA_EVENT_MODE_FIXED_TIMER:
		return "fixed-timer";
	default:
		return "interrupt";
	}
}

uint32_t
mvdpa_event_dynamic_delay(uint32_t delay_us, uint32_t step_us, uint32_t max)
{
	if (max == 0)
		return delay_us + step_us > MVDPA_EVENT_US_MAX ? MVDPA_EVENT_US_MAX :
								  delay_us + step_us;
	return max == 1 ? delay_us : delay_us / max;
}

int
mvdpa_event_setup(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	c->ev.channel = mlx5dv_devx_create_event_channel(dev->ctx,
			MLX5DV_DEVX_CREATE_EVENT_CHANNEL_FLAGS_OMIT_EV_DATA);
	if (c->ev.channel == NULL)
		return -errno ? -errno : -ENOMEM;
	return 0;
}

void
mvdpa_event_teardown(struct mvdpa_conf *c)
{
	if (c->ev.channel != NULL)
		mlx5dv_devx_destroy_event_channel(c->ev.channel);
	c->ev.channel = NULL;
}

static void
arm(struct mvdpa_conf *c, struct mvdpa_event_cq *e)
{
	devx_cq_arm(e->cq_dbr, c->uar->base_addr, e->cqn, e->arm_sn & 3, e->ci);
	e->arm_sn++;
	e->armed = true;
}

int
mvdpa_event_queue_init(struct mvdpa_conf *c, struct mvdpa_vq *q, uint16_t index,
		       unsigned int log_size)
{
	struct mvdpa_event_cq *e = &q->ecq;
	uint16_t comp = PRM_EVENT_TYPE_COMP;
	/*
	 * A pre-created CQ lent again keeps counting its arms (an arm whose event never came is
	 * written again with the same sequence number) and its consumer index: the hardware's
	 * producer index goes on, and an arm at an index behind it would fire at once, every time.
	 * A new CQ starts both from 0 (its ecq zeroed).
	 */
	uint32_t arm_sn = e->armed ? e->arm_sn - 1 : e->arm_sn;
	uint32_t ci = e->ci;

	*e = (struct mvdpa_event_cq){
		.cqe = q->cq_buf,
		.cq_dbr = (uint8_t *)q->cq_buf + ((size_t)CQE_SIZE << log_size),
		.rq_dbr = q->qp_rq_dbr,
		.cqn = q->cq.id,
		.rq_size = (uint16_t)(1u << log_size),
		.ci = ci,
		.arm_sn = arm_sn,
	};
	devx_cqe_collapsed_init(e->cqe);
	devx_qp_post_recv(e->rq_dbr, e->rq_size);
	if (mlx5dv_devx_subscribe_devx_event(c->ev.channel, q->cq.obj, sizeof(comp), &comp,
					     index) != 0)
		return -errno ? -errno : -EIO;
	arm(c, e);
	return 0;
}

/* Completions of one queue since its last poll, relayed to its callfd. Event thread. */
static uint32_t
queue_poll(struct mvdpa_conf *c, struct mvdpa_vq *q)
{
	struct mvdpa_event_cq *e = &q->ecq;
	bool error;
	uint16_t n;

	if (!q->prepared)
		return 0;
	n = (uint16_t)(devx_cqe_wqe_counter(e->cqe, &error) + 1u - e->rq_pi);
	if (n == 0)
		return 0;
	if (error)
		mvdpa_count(&c->ev.stats.error_cqes, 1);
	e->ci += n;
	e->rq_pi = (uint16_t)(e->rq_pi + n);
	devx_cq_set_ci(e->cq_dbr, e->ci);
	/* The receive WQEs the hardware consumed go back: it always has rq_size of them. */
	devx_qp_post_recv(e->rq_dbr, (uint16_t)(e->rq_pi + e->rq_size));
	mvdpa_count(&c->ev.stats.cqes, n);
	if (q->callfd >= 0) {
		eventfd_write(q->callfd, 1);
		mvdpa_count(&c->ev.stats.relayed, 1);
	}
	return n;
}

/* The busiest queue's completions in one poll of every queue. */
static uint32_t
poll_all(struct mvdpa_conf *c)
{
	uint32_t max = 0;

	for (uint32_t i = 0; i < c->nvqs; i++) {
		uint32_t n = queue_poll(c, &c->vqs[i]);

		if (n > max)
			max = n;
	}
	mvdpa_count(&c->ev.stats.polls, 1);
	return max;
}

/* What the thread waits on, in c->ev.fds: the kickfds from FD_KICKS on. */
enum {
	FD_STOP,
	FD_ERRORS,		/* the queues' error events (c->events) */
	FD_COMPLETIONS,		/* the CQs' completion events; -1 while the timer polls */
	FD_KICKS,
};

/* What ended a wait. */
enum wake {
	WAKE_STOP,		/* asked to stop (or the wait broke) */
	WAKE_COMPLETION,	/* the completion channel is readable */
	WAKE_OTHER,		/* kicks relayed, an error handled, the time out, a signal */
};

/*
 * Guest kicks arrive on the vrings' kickfds (unless the front-end maps the doorbell page
 * itself); each is forwarded as the queue index written to the doorbell.
 */
static void
kicks_relay(struct mvdpa_conf *c)
{
	for (nfds_t k = FD_KICKS; k < c->ev.nfds; k++) {
		struct pollfd *p = &c->ev.fds[k];
		eventfd_t v;

		/*
		 * A kickfd closed under the thread (not expected: the vring's state change takes it
		 * out first) would make every poll return at once: it is dropped.
		 */
		if (p->revents & POLLNVAL)
			p->fd = -1;
		if (!(p->revents & POLLIN) || eventfd_read(p->fd, &v) < 0)
			continue;
		/* The doorbell is device memory: a plain store of the queue index. */
		*c->doorbell = c->ev.kick_queue[k - FD_KICKS];
		mvdpa_count(&c->kicks, 1);
	}
}

/*
 * One wait on the stop fd, the kickfds, the error channel and, with `completions`, the
 * completion channel, for at most `timeout` (NULL: no limit). Kicks that came are relayed, and an
 * error event handled (its queue recovered), before it returns.
 */
static enum wake
wait_once(struct mvdpa_conf *c, bool completions, const struct timespec *timeout)
{
	struct pollfd *fds = c->ev.fds;
	int n;

	fds[FD_COMPLETIONS].fd = completions ? c->ev.channel->fd : -1;
	n = ppoll(fds, c->ev.nfds, timeout, NULL);
	if (n < 0 && errno != EINTR) {
		MVDPA_LOG(ERR, "vid %d: the event thread cannot wait: %s\n", c->vid,
			  strerror(errno));
		return WAKE_STOP;
	}
	if (n <= 0)
		return WAKE_OTHER;
	if (fds[FD_STOP].revents)
		return WAKE_STOP;
	kicks_relay(c);
	if (fds[FD_ERRORS].revents & POLLIN)
		mvdpa_conf_error_event(c);
	return fds[FD_COMPLETIONS].revents & POLLIN ? WAKE_COMPLETION : WAKE_OTHER;
}

/*
 * Waits for one completion event (or the stop), relaying kicks and handling error events
 * meanwhile: the queue it names, after polling it and re-arming its CQ. -1 on stop.
 */
static int
wait_event(struct mvdpa_conf *c, uint32_t *completions)
{
	struct mlx5dv_devx_async_event_hdr ev;
	struct mvdpa_vq *q;

	for (;;) {
		enum wake w = wait_once(c, true, NULL);

		if (w == WAKE_STOP)
			return -1;
		if (w != WAKE_COMPLETION)
			continue;
		if (mlx5dv_devx_get_event(c->ev.channel, &ev, sizeof(ev)) <
		    (ssize_t)sizeof(ev.cookie))
			continue;	/* EAGAIN: another wake-up took it */
		if (ev.cookie < c->nvqs && c->vqs[ev.cookie].prepared)
			break;
	}
	mvdpa_count(&c->ev.stats.events, 1);
	q = &c->vqs[ev.cookie];
	q->ecq.armed = false;	/* its arm fired: the next one may be written */
	*completions = queue_poll(c, q);
	arm(c, &q->ecq);
	return (int)ev.cookie;
}

static void
arm_idle_cqs(struct mvdpa_conf *c)
{
	for (uint32_t i = 0; i < c->nvqs; i++)
		if (c->vqs[i].prepared && !c->vqs[i].ecq.armed)
			arm(c, &c->vqs[i].ecq);
}

/*
 * Sleeps delay_us between two polls (or yields for 0), relaying kicks and handling error events
 * as they come: the sleep goes on for the time left, so polls keep their period. False when
 * asked to stop meanwhile.
 */
static bool
timer_sleep(struct mvdpa_conf *c, uint32_t delay_us)
{
	static const struct timespec no_wait;
	uint64_t deadline = mvdpa_now_ns() + (uint64_t)delay_us * 1000u, now;

	if (delay_us == 0) {
		if (wait_once(c, false, &no_wait) == WAKE_STOP)
			return false;
		sched_yield();
		return true;
	}
	while ((now = mvdpa_now_ns()) < deadline) {
		struct timespec left = { .tv_sec = (time_t)((deadline - now) / 1000000000u),
					 .tv_nsec = (long)((deadline - now) % 1000000000u) };

		if (wait_once(c, false, &left) == WAKE_STOP)
			return false;
	}
	return true;
}

/*
 * Timer modes: poll every queue, sleep, again; after no_traffic_time polls without a completion
 * the CQs are armed and the thread blocks until a completion event shows traffic again.
 */
static void
timer_loop(struct mvdpa_conf *c)
{
	const struct mvdpa_devargs *a = &c->dev->args;
	uint32_t delay = a->event_us, idle = 0, n;

	for (;;) {
		uint32_t max = poll_all(c);

		if (max == 0 && idle++ >= a->no_traffic_time) {
			mvdpa_count(&c->ev.stats.idle_waits, 1);
			arm_idle_cqs(c);
			/* Events of queues whose completions a poll already took show nothing. */
			do {
				if (wait_event(c, &n) < 0)
					return;
			} while (n == 0);
			delay = a->event_us;
			idle = 0;
			continue;
		}
		if (max != 0)
			idle = 0;
		if (a->event_mode == MVDPA_EVENT_MODE_DYNAMIC_TIMER)
			delay = mvdpa_event_dynamic_delay(delay, a->event_us, max);
		if (!timer_sleep(c, delay))
			return;
	}
}

/* Relays for configuration c until its stop fd is written. */
static void
serve(struct mvdpa_conf *c)
{
	char name[16];
	uint32_t n;

	snprintf(name, sizeof(name), "mvdpa-ev-%d", c->vid);
	pthread_setname_np(pthread_self(), name);
	if (c->dev->args.event_mode == MVDPA_EVENT_MODE_INTERRUPT) {
		while (wait_event(c, &n) >= 0)
			;
	} else {
		timer_loop(c);
	}
}

static void *
event_main(void *arg)
{
	struct mvdpa_event_thread *t = arg;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		struct mvdpa_conf *c;

		while (t->serving == NULL && !t->quit)
			pthread_cond_wait(&t->cond, &t->lock);
		if (t->quit)
			break;
		c = t->serving;
		pthread_mutex_unlock(&t->lock);
		serve(c);
		pthread_mutex_lock(&t->lock);
		t->serving = NULL;
		pthread_cond_broadcast(&t->cond);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

void
mvdpa_event_thread_init(struct mvdpa_event_thread *t)
{
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->cond, NULL);
	t->exists = false;
	t->quit = false;
	t->serving = NULL;
}

void
mvdpa_event_thread_fini(struct mvdpa_event_thread *t)
{
	if (t->exists) {
		pthread_mutex_lock(&t->lock);
		t->quit = true;
		pthread_cond_broadcast(&t->cond);
		pthread_mutex_unlock(&t->lock);
		pthread_join(t->thread, NULL);
		t->exists = false;
	}
	pthread_cond_destroy(&t->cond);
	pthread_mutex_destroy(&t->lock);
}

/* The device's event thread, pinned to event_core or else the main lcore's CPUs. */
static int
thread_create(struct mvdpa_dev *dev, struct mvdpa_event_thread *t)
{
	pthread_attr_t attr;
	rte_cpuset_t cpus;
	int ret;

	CPU_ZERO(&cpus);
	if (dev->args.event_core >= 0)
		CPU_SET(dev->args.event_core, &cpus);
	else
		cpus = rte_lcore_cpuset(rte_get_main_lcore());
	pthread_attr_init(&attr);
	ret = pthread_attr_setaffinity_np(&attr, sizeof(cpus), &cpus);
	if (ret == 0)
		ret = pthread_create(&t->thread, &attr, event_main, t);
	pthread_attr_destroy(&attr);
	if (ret != 0)
		return -ret;
	t->exists = true;
	return 0;
}

static void
wait_set_free(struct mvdpa_conf *c)
{
	if (c->ev.stop_fd >= 0)
		close(c->ev.stop_fd);
	c->ev.stop_fd = -1;
	free(c->ev.fds);
	free(c->ev.kick_queue);
	c->ev.fds = NULL;
	c->ev.kick_queue = NULL;
	c->ev.nfds = 0;
}

/*
 * What the thread will wait on: a new stop fd, the error channel, the completion channel, the
 * kickfds of the queues the front-end set up (as they are now: the thread runs until dev_close).
 */
static int
wait_set_build(struct mvdpa_conf *c)
{
	nfds_t n = FD_KICKS;

	c->ev.fds = calloc(FD_KICKS + c->nvqs, sizeof(*c->ev.fds));
	c->ev.kick_queue = calloc(c->nvqs ? c->nvqs : 1, sizeof(*c->ev.kick_queue));
	c->ev.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (c->ev.fds == NULL || c->ev.kick_queue == NULL || c->ev.stop_fd < 0) {
		int ret = c->ev.stop_fd < 0 ? -errno : -ENOMEM;

		wait_set_free(c);
		return ret;
	}
	c->ev.fds[FD_STOP] = (struct pollfd){ .fd = c->ev.stop_fd, .events = POLLIN };
	c->ev.fds[FD_ERRORS] = (struct pollfd){ .fd = c->events->fd, .events = POLLIN };
	c->ev.fds[FD_COMPLETIONS] = (struct pollfd){ .fd = -1, .events = POLLIN };
	for (uint32_t i = 0; i < c->nvqs; i++) {
		if (!c->vqs[i].prepared || c->vqs[i].kickfd < 0)
			continue;
		c->ev.kick_queue[n - FD_KICKS] = (uint16_t)i;
		c->ev.fds[n++] = (struct pollfd){ .fd = c->vqs[i].kickfd, .events = POLLIN };
	}
	c->ev.nfds = n;
	return 0;
}

int
mvdpa_event_start(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct mvdpa_event_thread *t = &dev->event_thread;
	int ret;

	ret = wait_set_build(c);
	if (ret < 0)
		return ret;
	if (!t->exists) {
		ret = thread_create(dev, t);
		if (ret < 0) {
			MVDPA_LOG(ERR, "vid %d: cannot start the event thread: %s\n", c->vid,
				  strerror(-ret));
			wait_set_free(c);
			return ret;
		}
	}
	pthread_mutex_lock(&t->lock);
	t->serving = c;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	c->ev.running = true;
	return 0;
}

void
mvdpa_event_stop(struct mvdpa_conf *c)
{
	struct mvdpa_event_thread *t = &c->dev->event_thread;

	if (!c->ev.running)
		return;
	eventfd_write(c->ev.stop_fd, 1);
	pthread_mutex_lock(&t->lock);
	while (t->serving == c)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	c->ev.running = false;
	wait_set_free(c);
}

void
mvdpa_event_drain_queue(struct mvdpa_conf *c, uint32_t i)
{
	queue_poll(c, &c->vqs[i]);
}

void
mvdpa_event_drain(struct mvdpa_conf *c)
{
	for (uint32_t i = 0; i < c->nvqs; i++)
		mvdpa_event_drain_queue(c, i);
	mvdpa_event_drain_events(c);
}

void
mvdpa_event_drain_events(struct mvdpa_conf *c)
{
	struct pollfd pfd = { .fd = -1, .events = POLLIN };
	struct mlx5dv_devx_async_event_hdr ev;

	if (c->ev.channel == NULL)
		return;		/* a configuration that failed before it had one */
	pfd.fd = c->ev.channel->fd;
	/*
	 * Events raised since the thread stopped (the stopped queues' last reports): their arms
	 * fired, so a CQ lent again must not write the same sequence number, which the hardware
	 * would take for an arm already served, and never raise an event again.
	 */
	while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) &&
	       mlx5dv_devx_get_event(c->ev.channel, &ev, sizeof(ev)) >= (ssize_t)sizeof(ev.cookie))
		if (ev.cookie < c->nvqs)
			c->vqs[ev.cookie].ecq.armed = false;
}
