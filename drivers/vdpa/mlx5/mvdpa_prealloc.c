/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pre-created virtq resources. They live in a configuration of their own that no front-end
 * uses (dev->prealloc): created by the same functions as a front-end's, lent by moving the
 * handles into the front-end's configuration, and moved back at dev_close.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/mlx5dv.h>

#include "mvdpa.h"
#include "mvdpa_conf.h"
#include "mvdpa_prealloc.h"
#include "mvdpa_workers.h"

/* Moves field f from `from` to `to`, leaving `from` without it (zeroed handles mean none). */
#define MOVE(to, from, f) do { \
	memcpy(&(to)->f, &(from)->f, sizeof((to)->f)); \
	memset(&(from)->f, 0, sizeof((from)->f)); \
} while (0)

static void
base_move(struct mvdpa_conf *to, struct mvdpa_conf *from)
{
	MOVE(to, from, td);
	MOVE(to, from, tis);
	MOVE(to, from, uar);
	MOVE(to, from, eqn);
	MOVE(to, from, events);
	MOVE(to, from, var);
	MOVE(to, from, doorbell);
}

static void
vq_res_move(struct mvdpa_vq *to, struct mvdpa_vq *from)
{
	MOVE(to, from, umem_buf);
	MOVE(to, from, umem);
	MOVE(to, from, counters);
	MOVE(to, from, counters_zero);
	MOVE(to, from, cq_buf);
	MOVE(to, from, cq_umem);
	MOVE(to, from, cq);
	MOVE(to, from, qp_buf);
	MOVE(to, from, qp_umem);
	MOVE(to, from, qp_rq_dbr);
	MOVE(to, from, ecq);	/* its arm sequence goes on with the CQ */
	MOVE(to, from, fw_qp);
	MOVE(to, from, drv_qp);
	MOVE(to, from, res_size);
}

static void
prealloc_free(struct mvdpa_conf *p)
{
	for (uint32_t i = 0; p->vqs != NULL && i < p->nvqs; i++)
		mvdpa_vq_res_destroy(&p->vqs[i]);
	free(p->vqs);
	mvdpa_conf_base_destroy(p);
	free(p);
}

static int
queue_res_create(void *ctx, uint32_t i)
{
	struct mvdpa_conf *p = ctx;

	return mvdpa_vq_res_create(p->dev, &p->vqs[i], p->dev->args.queue_size, p->uar->page_id,
				   p->eqn, true);
}

int
mvdpa_prealloc_create(struct mvdpa_dev *dev)
{
	uint32_t n = 2u * dev->args.queues;
	struct mvdpa_conf *p;
	int ret;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return -ENOMEM;
	p->dev = dev;
	p->vid = -1;
	p->nvqs = n;
	p->vqs = calloc(n ? n : 1, sizeof(*p->vqs));
	ret = p->vqs == NULL ? -ENOMEM : mvdpa_conf_base_create(dev, p);
	if (ret < 0) {
		MVDPA_LOG(ERR, "%s: cannot create the device-wide resources (transport domain, TIS, "
			  "UAR, event channel, doorbell page): %s\n", dev->rte_dev->name,
			  strerror(-ret));
		prealloc_free(p);
		return ret;
	}
	if (n > 0)
		ret = mvdpa_parallel_for(n, dev->args.max_conf_threads, queue_res_create, p);
	if (ret < 0) {
		MVDPA_LOG(ERR, "%s: cannot pre-create the resources of %u virtqs of %u entries "
			  "(devargs queues=%u, queue_size=%u): %s\n", dev->rte_dev->name, n,
			  dev->args.queue_size, dev->args.queues, dev->args.queue_size,
			  strerror(-ret));
		prealloc_free(p);
		return ret;
	}
	dev->prealloc = p;
	if (n > 0)
		MVDPA_LOG(INFO, "%s: pre-created the resources of %u virtqs of %u entries\n",
			  dev->rte_dev->name, n, dev->args.queue_size);
	return 0;
}

void
mvdpa_prealloc_destroy(struct mvdpa_dev *dev)
{
	/* Removal's: builds ahead use the device-wide resources (no new one starts: removing). */
	mvdpa_prealloc_ahead_discard(dev);
	if (dev->prealloc == NULL)
		return;
	prealloc_free(dev->prealloc);
	dev->prealloc = NULL;
}

bool
mvdpa_prealloc_take_base(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct mvdpa_conf *p = dev->prealloc;

	if (p == NULL || p->events == NULL)
		return false;
	base_move(c, p);
	c->pooled = true;
	return true;
}

void
mvdpa_prealloc_give_base(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct mvdpa_conf *p = dev->prealloc;
	struct pollfd pfd = { .fd = c->events->fd, .events = POLLIN };

	/* Completions of the last front-end's queues must not reach the next one's callfds. */
	while (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN)) {
		struct mlx5dv_devx_async_event_hdr ev;

		if (mlx5dv_devx_get_event(c->events, &ev, sizeof(ev)) <= 0)
			break;
	}
	base_move(p, c);
	c->pooled = false;
}

/* ---- Built ahead of dev_conf ---- */

/* A vring's resources being built from its SET_VRING_NUM on (mvdpa_prealloc_vq_ahead). */
struct mvdpa_vq_ahead {
	struct mvdpa_dev *dev;
	int vid;
	uint16_t size;
	/* The device-wide UAR and event queue they use: a configuration must hold the same. */
	uint32_t uar_page;
	uint32_t eqn;
	struct mvdpa_vq res;	/* only its resources */
	struct mvdpa_job build;	/* on a configuration worker, until settled */
	uint8_t state;		/* enum mvdpa_ahead_state, the build's (atomic) */
	bool settled;		/* the build finished or was cancelled */
	int ret;		/* the build's; -ECANCELED: it never ran */
};

static int
vq_ahead_build(void *ctx, uint32_t i)
{
	struct mvdpa_vq_ahead *a = ctx;
	int ret;

	(void)i;
	__atomic_store_n(&a->state, MVDPA_AHEAD_BUILDING, __ATOMIC_RELAXED);
	ret = mvdpa_vq_res_create(a->dev, &a->res, a->size, a->uar_page, a->eqn, false);
	a->ret = ret;
	__atomic_store_n(&a->state, ret == 0 ? MVDPA_AHEAD_BUILT : MVDPA_AHEAD_NONE,
			 __ATOMIC_RELAXED);
	return ret;
}

/*
 * Waits for the build when a worker runs it, and cancels it when none took it yet: the caller
 * would otherwise run it, one build after another on a thread that has better to do.
 */
static void
vq_ahead_settle(struct mvdpa_vq_ahead *a)
{
	if (!a->settled)
		mvdpa_job_cancel(&a->build);
	a->settled = true;
}

/* dev's build for vring index, settled and taken from dev; NULL: none. */
static struct mvdpa_vq_ahead *
vq_ahead_take_entry(struct mvdpa_dev *dev, uint16_t index)
{
	struct mvdpa_vq_ahead *a = dev->vq_ahead[index];

	if (a != NULL) {
		vq_ahead_settle(a);
		dev->vq_ahead[index] = NULL;
	}
	return a;
}

/* A settled build and whatever it made that was not handed over. */
static void
vq_ahead_free(struct mvdpa_vq_ahead *a)
{
	mvdpa_vq_res_destroy(&a->res);
	free(a);
}

int
mvdpa_prealloc_vq_ahead(struct mvdpa_dev *dev, int vid, uint32_t index, uint32_t size)
{
	struct mvdpa_conf *p = dev->prealloc;
	struct mvdpa_vq_ahead *a;

	/* Sizes vhost or dev_conf refuse, vrings beyond the device's: nothing to build. */
	if (index >= 2 * dev->queue_pairs || size == 0 || size > UINT16_MAX ||
	    (size & (size - 1)) != 0)
		return 0;
	a = dev->vq_ahead[index];
	if (a != NULL && a->vid == vid && a->size == size)
		return 0;	/* the same ring size again */
	a = vq_ahead_take_entry(dev, (uint16_t)index);
	if (a != NULL)
		vq_ahead_free(a);
	/*
	 * Only while the device-wide resources are in the pool (a kept configuration holds them
	 * and its queues are taken up instead) and when no pre-created resources fit.
	 */
	if (p == NULL || p->events == NULL ||
	    (index < p->nvqs && p->vqs[index].res_size == size))
		return 0;
	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -ENOMEM;
	*a = (struct mvdpa_vq_ahead){ .dev = dev, .vid = vid, .size = (uint16_t)size,
				      .uar_page = p->uar->page_id, .eqn = p->eqn,
				      .state = MVDPA_AHEAD_NONE, .ret = -ECANCELED };
	mvdpa_job_start(&a->build, 1, 1, vq_ahead_build, a);
	dev->vq_ahead[index] = a;
	return 0;
}

void
mvdpa_prealloc_ahead_skip(struct mvdpa_dev *dev)
{
	for (uint16_t i = 0; i < RTE_DIM(dev->vq_ahead); i++)
		if (dev->vq_ahead[i] != NULL)
			mvdpa_job_skip_rest(&dev->vq_ahead[i]->build);
}

enum mvdpa_ahead_state
mvdpa_prealloc_ahead_state(const struct mvdpa_dev *dev, uint32_t index)
{
	const struct mvdpa_vq_ahead *a = index < RTE_DIM(dev->vq_ahead) ? dev->vq_ahead[index] :
									   NULL;

	return a == NULL ? MVDPA_AHEAD_NONE : __atomic_load_n(&a->state, __ATOMIC_RELAXED);
}

void
mvdpa_prealloc_ahead_discard(struct mvdpa_dev *dev)
{
	uint32_t built = 0;
	int vid = -1;

	for (uint16_t i = 0; i < RTE_DIM(dev->vq_ahead); i++) {
		struct mvdpa_vq_ahead *a = vq_ahead_take_entry(dev, i);

		if (a == NULL)
			continue;
		built += a->ret == 0;
		vid = a->vid;
		vq_ahead_free(a);
	}
	if (built > 0)
		MVDPA_LOG(INFO, "vid %d: the resources built ahead for %u vrings destroyed: no "
			  "configuration took them\n", vid, built);
}

/* Hands the resources built ahead for c's queue index over to it, when they fit. */
static bool
vq_ahead_take(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint16_t index, uint16_t size)
{
	struct mvdpa_vq_ahead *a = index < RTE_DIM(dev->vq_ahead) ?
				   vq_ahead_take_entry(dev, index) : NULL;
	bool fits;

	if (a == NULL)
		return false;
	fits = a->ret == 0 && a->vid == c->vid && a->size == size && c->uar != NULL &&
	       a->uar_page == c->uar->page_id && a->eqn == c->eqn;
	if (a->ret < 0 && a->ret != -ECANCELED)
		MVDPA_LOG(WARNING, "vid %d: virtq %u: building its resources ahead failed (%s): "
			  "created again\n", c->vid, index, strerror(-a->ret));
	if (fits) {
		vq_res_move(&c->vqs[index], &a->res);
		__atomic_fetch_add(&c->vqs_ahead, 1, __ATOMIC_RELAXED);
	}
	vq_ahead_free(a);
	return fits;
}

bool
mvdpa_prealloc_take_vq(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint16_t index,
		       uint16_t size)
{
	struct mvdpa_conf *p = dev->prealloc;

	if (p == NULL || !c->pooled || index >= p->nvqs || p->vqs[index].res_size == 0)
		return vq_ahead_take(dev, c, index, size);
	if (p->vqs[index].res_size != size) {
		MVDPA_LOG(INFO, "vid %d: virtq %u has %u entries, not the %u of its pre-created "
			  "resources: it has its own\n", c->vid, index, size,
			  p->vqs[index].res_size);
		return vq_ahead_take(dev, c, index, size);
	}
	vq_res_move(&c->vqs[index], &p->vqs[index]);
	c->vqs[index].pooled = true;
	return true;
}

void
mvdpa_prealloc_give_vq(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];
	int ret = mvdpa_vq_res_reset(dev, q);

	q->pooled = false;
	if (ret < 0) {
		MVDPA_LOG(WARNING, "vid %d: virtq %u: its pre-created resources cannot be reset "
			  "(%s): destroyed, the next front-end creates its own\n", c->vid, index,
			  strerror(-ret));
		mvdpa_vq_res_destroy(q);
		return;
	}
	vq_res_move(&dev->prealloc->vqs[index], q);
}
