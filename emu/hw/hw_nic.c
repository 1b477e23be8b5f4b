/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eswitch_uplink.h"
#include "hw_nic.h"
#include "hw_rss.h"

#define MAX_QUEUES_PER_PORT 256
#define TX_BURST 32
#define IDLE_SLEEP_MIN_NS 20000		/* after a pass without work ... */
#define IDLE_SLEEP_MAX_NS 1000000	/* ... doubling up to 1 ms */

/* What a TIR tells the data plane: hash how, over which RQT. */
struct nic_tir {
	uint32_t tirn;
	uint32_t rqtn;
	struct hw_rss_conf rss;
	struct nic_tir *next;
};

/* An RQT: the firmware ids of its queues, in table order. */
struct nic_rqt {
	uint32_t rqtn;
	uint32_t n;
	struct nic_rqt *next;
	uint32_t qids[];
};

struct hw_nic_port {
	uint8_t mac[6];
	unsigned int nqueues;
	struct hw_virtq *queues[MAX_QUEUES_PER_PORT];
	uint32_t queue_ids[MAX_QUEUES_PER_PORT];	/* firmware object id of queues[i] */
	/* RX steering as the driver programmed it: flow rules -> TIR -> RQT -> queue. */
	hw_nic_classify_t classify;
	void *classify_ctx;
	struct nic_tir *tirs;
	struct nic_rqt *rqts;
	struct hw_nic_port_stats stats;
};

struct hw_nic {
	/* Protects the ports' queue lists and stats, and every queue while a pass runs. */
	pthread_mutex_t lock;
	pthread_cond_t queued;	/* a first queue was attached, or stop */
	pthread_t engine;
	unsigned int nqueues;	/* under lock: the queues of every port */
	bool stop;		/* under lock */
	bool started;		/* under lock: the engine thread exists (from creation to stop) */
	struct eswitch_uplink *uplink;	/* under lock; NULL: no wire, as loopback */
	unsigned int nports;
	struct hw_nic_port ports[];
};

/* Slot of the port's first running, healthy RX queue, or -1. */
static int
first_rx_queue(struct hw_nic_port *p)
{
	for (unsigned int i = 0; i < p->nqueues; i++)
		if (!(hw_virtq_index(p->queues[i]) & 1) && !hw_virtq_failed(p->queues[i]))
			return (int)i;
	return -1;
}

static struct nic_tir *
find_tir(struct hw_nic_port *p, uint32_t tirn)
{
	struct nic_tir *t = p->tirs;

	while (t != NULL && t->tirn != tirn)
		t = t->next;
	return t;
}

static struct nic_rqt *
find_rqt(struct hw_nic_port *p, uint32_t rqtn)
{
	struct nic_rqt *r = p->rqts;

	while (r != NULL && r->rqtn != rqtn)
		r = r->next;
	return r;
}

/* Slot of a running, healthy RX queue of the port by firmware id, or -1. */
static int
rx_queue_by_id(struct hw_nic_port *p, uint32_t id)
{
	for (unsigned int i = 0; i < p->nqueues; i++)
		if (p->queue_ids[i] == id)
			return !(hw_virtq_index(p->queues[i]) & 1) &&
			       !hw_virtq_failed(p->queues[i]) ? (int)i : -1;
	return -1;
}

/*
 * The RX queue a frame lands in: the first matching flow rule names a TIR, the TIR hashes the
 * frame, the hash picks an entry of the TIR's RQT. No rule, or a queue that is not running:
 * dropped, as on hardware. A port nobody attached a rule store to (the data plane's own tests)
 * receives on its first RX queue.
 */
static int
steer(struct hw_nic_port *p, const uint8_t *frame, size_t len)
{
	struct nic_tir *tir;
	struct nic_rqt *rqt;
	uint32_t tirn;

	if (p->classify == NULL)
		return first_rx_queue(p);
	if (p->classify(p->classify_ctx, frame, len, &tirn) != 0)
		return -1;
	tir = find_tir(p, tirn);
	rqt = tir != NULL ? find_rqt(p, tir->rqtn) : NULL;
	if (rqt == NULL || rqt->n == 0)
		return -1;
	return rx_queue_by_id(p, rqt->qids[hw_rss_entry(hw_rss_frame_hash(&tir->rss, frame, len),
							  rqt->n)]);
}

static void
deliver_to(struct hw_nic *nic, unsigned int port, const uint8_t *frame, size_t len)
{
	struct hw_nic_port *p = &nic->ports[port];
	int slot = steer(p, frame, len);
	struct hw_virtq *rx = slot >= 0 ? p->queues[slot] : NULL;

	if (rx != NULL && hw_virtq_rx_push(rx, frame, len) == 0) {
		p->stats.rx_frames++;
		hw_virtq_notify(rx);
	} else
		p->stats.rx_dropped++;
}

static void
deliver_to_uplink(struct hw_nic *nic, const uint8_t *frame, size_t len)
{
	if (nic->uplink != NULL)
		eswitch_uplink_send(nic->uplink, frame, len);
}

/*
 * The embedded switch, with the lock held: by destination MAC to the function owning it;
 * group addresses flood, never back where they came from; unknown unicast from a function
 * goes to the uplink, from the uplink nowhere. `from` is a port, or nports for the uplink.
 */
static void
switch_frame(struct hw_nic *nic, unsigned int from, const uint8_t *frame, size_t len)
{
	if (len < 14)
		return;
	if (frame[0] & 1) {
		for (unsigned int i = 0; i < nic->nports; i++)
			if (i != from)
				deliver_to(nic, i, frame, len);
		if (from != nic->nports)
			deliver_to_uplink(nic, frame, len);
		return;
	}
	for (unsigned int i = 0; i < nic->nports; i++)
		if (memcmp(frame, nic->ports[i].mac, 6) == 0) {
			if (i != from)
				deliver_to(nic, i, frame, len);
			return;
		}
	if (from != nic->nports)
		deliver_to_uplink(nic, frame, len);
}

struct tx_ctx {
	struct hw_nic *nic;
	unsigned int from;
};

static void
switch_from_port(void *ctx, const uint8_t *frame, size_t len)
{
	struct tx_ctx *t = ctx;

	t->nic->ports[t->from].stats.tx_frames++;
	switch_frame(t->nic, t->from, frame, len);
}

/* A frame from the wire, on the uplink's receive thread. */
static void
switch_from_uplink(void *ctx, const uint8_t *frame, size_t len)
{
	struct hw_nic *nic = ctx;

	pthread_mutex_lock(&nic->lock);
	if (!nic->stop)
		switch_frame(nic, nic->nports, frame, len);
	pthread_mutex_unlock(&nic->lock);
}

static unsigned int
pass(struct hw_nic *nic)
{
	unsigned int work = 0;

	for (unsigned int p = 0; p < nic->nports; p++) {
		struct tx_ctx t = { .nic = nic, .from = p };

		for (unsigned int i = 0; i < nic->ports[p].nqueues; i++) {
			struct hw_virtq *q = nic->ports[p].queues[i];
			int n;

			if (!(hw_virtq_index(q) & 1) || !hw_virtq_pending(q))
				continue;
			n = hw_virtq_tx_poll(q, TX_BURST, switch_from_port, &t);
			if (n > 0) {
				work += (unsigned int)n;
				hw_virtq_notify(q);
			}
		}
	}
	/* Notifications the firmware deferred (moderation, a late arm) go out without traffic. */
	for (unsigned int p = 0; p < nic->nports; p++)
		for (unsigned int i = 0; i < nic->ports[p].nqueues; i++)
			hw_virtq_notify(nic->ports[p].queues[i]);
	return work;
}

static void *
engine_main(void *arg)
{
	struct hw_nic *nic = arg;
	long idle_ns = IDLE_SLEEP_MIN_NS;

	for (;;) {
		unsigned int work;

		pthread_mutex_lock(&nic->lock);
		while (!nic->stop && nic->nqueues == 0)	/* nothing to poll: no CPU, no wake-up */
			pthread_cond_wait(&nic->queued, &nic->lock);
		if (nic->stop) {
			pthread_mutex_unlock(&nic->lock);
			break;
		}
		work = pass(nic);
		pthread_mutex_unlock(&nic->lock);
		if (work) {
			idle_ns = IDLE_SLEEP_MIN_NS;
			continue;
		}
		/* Bounded back-off: rings are memory the guest writes without telling us. */
		nanosleep(&(struct timespec){ .tv_nsec = idle_ns }, NULL);
		idle_ns = idle_ns * 2 > IDLE_SLEEP_MAX_NS ? IDLE_SLEEP_MAX_NS : idle_ns * 2;
	}
	return NULL;
}

int
hw_nic_create(unsigned int nports, const uint8_t (*macs)[6], struct hw_nic **out)
{
	struct hw_nic *nic;
	int ret;

	if (nports == 0 || macs == NULL)
		return -EINVAL;
	nic = calloc(1, sizeof(*nic) + nports * sizeof(nic->ports[0]));
	if (nic == NULL)
		return -ENOMEM;
	nic->nports = nports;
	for (unsigned int i = 0; i < nports; i++)
		memcpy(nic->ports[i].mac, macs[i], 6);
	pthread_mutex_init(&nic->lock, NULL);
	pthread_cond_init(&nic->queued, NULL);
	/*
	 * The engine exists from power-on, as the hardware's does, and sleeps until a queue runs:
	 * a first virtq's CREATE then costs the host no thread creation (~0.2 ms of CPU, which
	 * the threads sharing the driver's CPU would wait for).
	 */
	ret = -pthread_create(&nic->engine, NULL, engine_main, nic);
	if (ret != 0) {
		pthread_cond_destroy(&nic->queued);
		pthread_mutex_destroy(&nic->lock);
		free(nic);
		return ret;
	}
	nic->started = true;
	/* Named, so that a process's CPU can be told from its emulated hardware's. */
	pthread_setname_np(nic->engine, "mlx5emu-nic");
	*out = nic;
	return 0;
}

void
hw_nic_stop(struct hw_nic *nic)
{
	struct eswitch_uplink *uplink;
	bool started;

	if (nic == NULL)
		return;
	pthread_mutex_lock(&nic->lock);
	nic->stop = true;
	started = nic->started;
	nic->started = false;
	pthread_cond_signal(&nic->queued);
	pthread_mutex_unlock(&nic->lock);
	if (started)
		pthread_join(nic->engine, NULL);
	pthread_mutex_lock(&nic->lock);
	uplink = nic->uplink;
	nic->uplink = NULL;
	pthread_mutex_unlock(&nic->lock);
	/* Outside the lock: its receive thread may be waiting for it. */
	eswitch_uplink_destroy(uplink);
}

int
hw_nic_set_uplink(struct hw_nic *nic, const char *spec, char *err, size_t errlen)
{
	struct eswitch_uplink *uplink, *old;
	int ret;

	ret = eswitch_uplink_create(spec, switch_from_uplink, nic, &uplink, err, errlen);
	if (ret != 0)
		return ret;
	pthread_mutex_lock(&nic->lock);
	old = nic->uplink;
	nic->uplink = uplink;
	pthread_mutex_unlock(&nic->lock);
	eswitch_uplink_destroy(old);
	return 0;
}

void
hw_nic_uplink_stats(struct hw_nic *nic, struct eswitch_uplink_stats *s)
{
	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&nic->lock);
	if (nic->uplink != NULL)
		eswitch_uplink_get_stats(nic->uplink, s);
	pthread_mutex_unlock(&nic->lock);
}

void
hw_nic_destroy(struct hw_nic *nic)
{
	if (nic == NULL)
		return;
	hw_nic_stop(nic);
	for (unsigned int i = 0; i < nic->nports; i++) {
		while (nic->ports[i].tirs != NULL)
			hw_nic_del_tir(nic, i, nic->ports[i].tirs->tirn);
		while (nic->ports[i].rqts != NULL)
			hw_nic_del_rqt(nic, i, nic->ports[i].rqts->rqtn);
	}
	pthread_cond_destroy(&nic->queued);
	pthread_mutex_destroy(&nic->lock);
	free(nic);
}

int
hw_nic_add_queue(struct hw_nic *nic, unsigned int port, uint32_t id, struct hw_virtq *q)
{
	int ret = 0;

	if (port >= nic->nports)
		return -EINVAL;
	pthread_mutex_lock(&nic->lock);
	if (nic->ports[port].nqueues >= MAX_QUEUES_PER_PORT) {
		ret = -ENOSPC;
	} else {
		nic->ports[port].queue_ids[nic->ports[port].nqueues] = id;
		nic->ports[port].queues[nic->ports[port].nqueues++] = q;
		if (nic->nqueues++ == 0)
			pthread_cond_signal(&nic->queued);
	}
	pthread_mutex_unlock(&nic->lock);
	return ret;
}

void
hw_nic_remove_queue(struct hw_nic *nic, unsigned int port, struct hw_virtq *q)
{
	struct hw_nic_port *p;

	if (port >= nic->nports)
		return;
	p = &nic->ports[port];
	pthread_mutex_lock(&nic->lock);
	for (unsigned int i = 0; i < p->nqueues; i++)
		if (p->queues[i] == q) {
			p->nqueues--;
			p->queues[i] = p->queues[p->nqueues];
			p->queue_ids[i] = p->queue_ids[p->nqueues];
			nic->nqueues--;
			break;
		}
	pthread_mutex_unlock(&nic->lock);
}

void
hw_nic_queue_state(struct hw_nic *nic, const struct hw_virtq *q, uint16_t *avail_idx,
		   uint16_t *used_idx, struct hw_virtq_counters *c, bool *failed)
{
	pthread_mutex_lock(&nic->lock);
	hw_virtq_indices(q, avail_idx, used_idx);
	hw_virtq_get_counters(q, c);
	*failed = hw_virtq_failed(q);
	pthread_mutex_unlock(&nic->lock);
}

void
hw_nic_port_stats(struct hw_nic *nic, unsigned int port, struct hw_nic_port_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (port >= nic->nports)
		return;
	pthread_mutex_lock(&nic->lock);
	*s = nic->ports[port].stats;
	pthread_mutex_unlock(&nic->lock);
}

void
hw_nic_set_classifier(struct hw_nic *nic, unsigned int port, hw_nic_classify_t classify,
		      void *ctx)
{
	if (port >= nic->nports)
		return;
	pthread_mutex_lock(&nic->lock);
	nic->ports[port].classify = classify;
	nic->ports[port].classify_ctx = ctx;
	pthread_mutex_unlock(&nic->lock);
}

int
hw_nic_set_tir(struct hw_nic *nic, unsigned int port, uint32_t tirn, uint32_t rqtn,
	       const struct hw_rss_conf *rss)
{
	struct nic_tir *t;

	if (port >= nic->nports)
		return -EINVAL;
	pthread_mutex_lock(&nic->lock);
	t = find_tir(&nic->ports[port], tirn);
	if (t == NULL) {
		t = calloc(1, sizeof(*t));
		if (t == NULL) {
			pthread_mutex_unlock(&nic->lock);
			return -ENOMEM;
		}
		t->tirn = tirn;
		t->next = nic->ports[port].tirs;
		nic->ports[port].tirs = t;
	}
	t->rqtn = rqtn;
	t->rss = *rss;
	pthread_mutex_unlock(&nic->lock);
	return 0;
}

void
hw_nic_del_tir(struct hw_nic *nic, unsigned int port, uint32_t tirn)
{
	struct nic_tir **pp;

	if (port >= nic->nports)
		return;
	pthread_mutex_lock(&nic->lock);
	for (pp = &nic->ports[port].tirs; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->tirn == tirn) {
			struct nic_tir *t = *pp;

			*pp = t->next;
			free(t);
			break;
		}
	pthread_mutex_unlock(&nic->lock);
}

int
hw_nic_set_rqt(struct hw_nic *nic, unsigned int port, uint32_t rqtn, const uint32_t *qids,
	       uint32_t n)
{
	struct nic_rqt *r, **pp;

	if (port >= nic->nports)
		return -EINVAL;
	r = malloc(sizeof(*r) + n * sizeof(r->qids[0]));
	if (r == NULL)
		return -ENOMEM;
	r->rqtn = rqtn;
	r->n = n;
	memcpy(r->qids, qids, n * sizeof(r->qids[0]));
	pthread_mutex_lock(&nic->lock);
	for (pp = &nic->ports[port].rqts; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->rqtn == rqtn) {
			struct nic_rqt *old = *pp;

			r->next = old->next;
			*pp = r;
			free(old);
			pthread_mutex_unlock(&nic->lock);
			return 0;
		}
	r->next = nic->ports[port].rqts;
	nic->ports[port].rqts = r;
	pthread_mutex_unlock(&nic->lock);
	return 0;
}

void
hw_nic_del_rqt(struct hw_nic *nic, unsigned int port, uint32_t rqtn)
{
	struct nic_rqt **pp;

	if (port >= nic->nports)
		return;
	pthread_mutex_lock(&nic->lock);
	for (pp = &nic->ports[port].rqts; *pp != NULL; pp = &(*pp)->next)
		if ((*pp)->rqtn == rqtn) {
			struct nic_rqt *r = *pp;

			*pp = r->next;
			free(r);
			break;
		}
	pthread_mutex_unlock(&nic->lock);
}

int
hw_nic_steer_queue(struct hw_nic *nic, unsigned int port, const uint8_t *frame, size_t len,
		   uint32_t *id)
{
	int slot;

	if (port >= nic->nports)
		return -EINVAL;
	pthread_mutex_lock(&nic->lock);
	slot = steer(&nic->ports[port], frame, len);
	if (slot >= 0)
		*id = nic->ports[port].queue_ids[slot];
	pthread_mutex_unlock(&nic->lock);
	return slot >= 0 ? 0 : -ENOENT;
}
