/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device configuration for a connected front-end, in the order the firmware needs it:
 * guest memory (regions cut into chunks, a umem and a direct key each, one indirect key over
 * guest physical memory), the send path (TD, TIS), then per virtq its umems, counters,
 * notification channel (CQ + firmware/driver QP pair) and the VIRTIO_NET_Q object, ready.
 * Teardown runs backwards and hands the hardware's ring indices back to vhost.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>
#include <linux/futex.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <rte_vhost.h>

#include "mvdpa.h"
#include "mvdpa_conf.h"
#include "mvdpa_prealloc.h"
#include "mvdpa_workers.h"
#include "prm_eq.h"

#define PAGE 4096u
#define CQE_SIZE 64u
#define RQ_STRIDE_LOG 4		/* 16-byte receive WQEs on the driver's QP: the PRM's least */
#define DBR_BYTES 64u		/* a doorbell record's room */

/* Event-channel cookies: a queue index, flagged for the queue's error events. */
#define COOKIE_ERROR (1ull << 32)
#define COOKIE_QUEUE(c) ((uint32_t)(c))

uint64_t
mvdpa_hva_to_gpa(const struct mvdpa_gpa_map *map, uint32_t n, uint64_t hva, uint64_t len)
{
	for (uint32_t i = 0; i < n; i++)
		if (hva >= map[i].hva && len <= map[i].size && hva - map[i].hva <= map[i].size - len)
			return map[i].gpa + (hva - map[i].hva);
	return UINT64_MAX;
}

uint16_t
mvdpa_queue_features(uint64_t f)
{
	static const struct { uint8_t virtio, devx; } map[] = {
		{ VIRTIO_NET_F_MRG_RXBUF, DEVX_VIRTIO_NET_F_MRG_RXBUF },
		{ VIRTIO_NET_F_HOST_ECN, DEVX_VIRTIO_NET_F_HOST_ECN },
		{ VIRTIO_NET_F_GUEST_ECN, DEVX_VIRTIO_NET_F_GUEST_ECN },
		{ VIRTIO_NET_F_GUEST_TSO6, DEVX_VIRTIO_NET_F_GUEST_TSO6 },
		{ VIRTIO_NET_F_GUEST_TSO4, DEVX_VIRTIO_NET_F_GUEST_TSO4 },
		{ VIRTIO_NET_F_GUEST_CSUM, DEVX_VIRTIO_NET_F_GUEST_CSUM },
		{ VIRTIO_NET_F_CSUM, DEVX_VIRTIO_NET_F_CSUM },
		{ VIRTIO_NET_F_HOST_TSO6, DEVX_VIRTIO_NET_F_HOST_TSO6 },
		{ VIRTIO_NET_F_HOST_TSO4, DEVX_VIRTIO_NET_F_HOST_TSO4 },
	};
	uint16_t m = 0;

	for (size_t i = 0; i < RTE_DIM(map); i++)
		if (f & (1ull << map[i].virtio))
			m |= (uint16_t)(1u << map[i].devx);
	return m;
}

static unsigned int
log2_ceil(uint32_t v)
{
	unsigned int l = 0;

	while ((1u << l) < v)
		l++;
	return l;
}

/*
 * Page-aligned, zeroed host memory registered for the device; NULL buf on failure. Pages of
 * their own: from the heap, each aligned block also cost the allocator's header and split-off
 * pages (90 KiB per device of 4 queue pairs, measured with smaps). Fresh anonymous pages read
 * as zero. `populate` faults them all in now, as registration on hardware pins them, and
 * writes each once (the zero it holds): in a virtual machine with shadow page tables the
 * first write to a populated page still traps to the hypervisor (5-7 us per page on a
 * paravirtualized one, 0.35 ms of a 16-queue-pair bring-up). So pre-created resources take no
 * fault at their first use in a bring-up or a switch-over. Otherwise a page becomes resident
 * when first written.
 */
static int
umem_alloc(struct ibv_context *ctx, size_t size, bool populate, void **buf,
	   struct devx_umem *umem)
{
	int ret;

	size = RTE_ALIGN_CEIL(size, PAGE);
	*buf = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | (populate ? MAP_POPULATE : 0), -1, 0);
	if (*buf == MAP_FAILED) {
		*buf = NULL;
		return -ENOMEM;
	}
	for (size_t off = 0; populate && off < size; off += PAGE)
		((volatile uint8_t *)*buf)[off] = 0;
	ret = devx_umem_reg(ctx, *buf, size, IBV_ACCESS_LOCAL_WRITE, umem);
	if (ret < 0) {
		munmap(*buf, size);
		*buf = NULL;
	}
	return ret;
}

static void
umem_free(void **buf, struct devx_umem *umem)
{
	size_t size = umem->size;

	if (*buf == NULL)
		return;
	devx_umem_dereg(umem);
	munmap(*buf, size);
	*buf = NULL;
}

/* ---- Guest memory ---- */

/*
 * Guest memory is translated by direct (MTT) keys, regions cut into chunks, under one indirect
 * (KLM) key. The firmware time of a chunk's translation grows with its pages (6.6 ms per GiB of
 * 4 KiB pages under the calibrated model, charged to the key; on hardware the umem's
 * registration carries them) on top of a fixed cost per command, and the chunks are registered
 * and keyed in parallel (max_conf_threads + 1 threads): one chunk per thread, all in one wave,
 * is the shortest (more chunks add commands and waves, fewer leave threads idle), down to
 * MEM_CHUNK_MIN (small guests gain nothing from cutting). Chunks are multiples of 2 MiB (huge
 * pages stay whole). Without pre-created queue resources, MEM_QUEUE_THREADS threads are left
 * out of the wave: they build a queue pair's resources meanwhile (per vring a chain of about
 * ten commands: counters, CQ, QPs, their connection), which would otherwise wait for the
 * whole wave's threads and firmware command slots (at 16 GiB, 7 ms; 1 queue pair, 16 GiB:
 * 11.0 -> 10.3 ms, the same at 4 and 16 queue pairs). That chain, four commands in sequence
 * and then the virtq from each vring's size on, is then the bring-up's critical path in small
 * guests, so there chunks are no smaller than MEM_CHUNK_MIN_BUILT: their keys (1.3 ms under the
 * calibrated model) still come well before the virtqs, and the threads and firmware slots more
 * chunks would take go to the vrings' chains (1 GiB, 1 queue pair: 8 chunks instead of 14,
 * 5.5 / 5.1 -> 4.6 / 4.5 ms, medians of 15).
 */
#define MEM_CHUNK_MIN (16ull << 20)
#define MEM_CHUNK_MIN_BUILT (128ull << 20)
#define MEM_CHUNK_ALIGN (2ull << 20)
#define MEM_QUEUE_THREADS 2u

/* The chunk size for mem on dev: see above. Without workers a region is one chunk. */
static uint64_t
mem_chunk_size(const struct mvdpa_dev *dev, const struct rte_vhost_memory *mem)
{
	uint32_t threads = dev->args.max_conf_threads + 1;
	uint64_t total = 0, chunk, min = MEM_CHUNK_MIN;

	if (dev->args.max_conf_threads == 0)
		return UINT64_MAX;
	if (dev->args.queues == 0) {
		threads = threads > MEM_QUEUE_THREADS ? threads - MEM_QUEUE_THREADS : 1;
		min = MEM_CHUNK_MIN_BUILT;
	}
	for (uint32_t i = 0; i < mem->nregions; i++)
		total += mem->regions[i].size;
	chunk = RTE_ALIGN_CEIL(total / threads, MEM_CHUNK_ALIGN);
	return chunk > min ? chunk : min;
}

/* How many chunks mem is cut into (mem_prepare), a key each. */
static uint32_t
mem_chunk_count(const struct mvdpa_dev *dev, const struct rte_vhost_memory *mem)
{
	uint64_t chunk = mem_chunk_size(dev, mem);
	uint32_t n = 0;

	for (uint32_t i = 0; i < mem->nregions; i++)
		n += (uint32_t)(mem->regions[i].size / chunk + (mem->regions[i].size % chunk != 0));
	return n;
}

/* Lists the chunks of every region; their registrations and keys come later. */
static int
mem_prepare(struct mvdpa_dev *dev, struct mvdpa_conf *c, const struct rte_vhost_memory *mem)
{
	uint64_t chunk = mem_chunk_size(dev, mem);
	uint32_t n = mem_chunk_count(dev, mem);

	c->chunks = calloc(n, sizeof(*c->chunks));
	if (c->chunks == NULL)
		return -ENOMEM;
	__atomic_store_n(&c->chunk_keys_issued, 0, __ATOMIC_RELAXED);
	c->nregions = mem->nregions;
	for (uint32_t i = 0; i < mem->nregions; i++) {
		const struct rte_vhost_mem_region *r = &mem->regions[i];

		for (uint64_t off = 0, len; off < r->size; off += len) {
			len = r->size - off < chunk ? r->size - off : chunk;
			c->chunks[c->nchunks++] = (struct mvdpa_mem_chunk){
				.host = (void *)(uintptr_t)(r->host_user_addr + off),
				.gpa = r->guest_phys_addr + off, .len = len,
			};
		}
	}
	return 0;
}

/*
 * One chunk's registration and direct key, on the worker that builds it. A umem per chunk, not
 * per region: the registration carries one translation entry per page to the firmware (the
 * kernel pins the pages and sends them in CREATE_UMEM), which the chunks' workers then split
 * as they split the keys; the key over a umem carries none of its own.
 */
static int
mem_chunk_key(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint32_t i)
{
	struct mvdpa_mem_chunk *k = &c->chunks[i];
	struct devx_mkey_attr ma = {
		.mode = DEVX_MKEY_MTT, .pdn = dev->pdn, .addr = k->gpa, .len = k->len,
		.log_page_size = 12,
	};
	int ret = devx_umem_reg(dev->ctx, k->host, k->len, IBV_ACCESS_LOCAL_WRITE, &k->umem);

	if (ret < 0)
		return ret;
	ma.umem_id = k->umem.id;
	return devx_mkey_create(dev->ctx, &ma, &k->mkey);
}

/* The indirect key over every chunk, holes filled with the null key. */
static int
mem_key(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct devx_mem_range *ranges = calloc(c->nchunks, sizeof(*ranges));
	struct devx_klm *klm = NULL;
	int n, ret = 0;

	if (ranges == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < c->nchunks; i++) {
		const struct mvdpa_mem_chunk *k = &c->chunks[i];
		uint32_t at = i;

		/* Sorted by guest address, as devx_klm_build wants them. */
		while (at > 0 && ranges[at - 1].addr > k->gpa) {
			ranges[at] = ranges[at - 1];
			at--;
		}
		ranges[at] = (struct devx_mem_range){
			.addr = k->gpa, .len = k->len, .mkey = k->mkey.id, .mkey_addr = k->gpa,
		};
	}
	c->null_mr = ibv_alloc_null_mr(dev->pd);
	if (c->null_mr == NULL) {
		ret = -errno ? -errno : -ENOMEM;
		goto out;
	}
	n = devx_klm_build(ranges, c->nchunks, c->null_mr->lkey, NULL, 0);
	klm = n > 0 ? calloc((size_t)n, sizeof(*klm)) : NULL;
	if (klm == NULL) {
		ret = n > 0 ? -ENOMEM : -EINVAL;
		goto out;
	}
	devx_klm_build(ranges, c->nchunks, c->null_mr->lkey, klm, (uint32_t)n);
	{
		const struct devx_mem_range *last = &ranges[c->nchunks - 1];
		struct devx_mkey_attr ka = {
			.mode = DEVX_MKEY_KLM, .pdn = dev->pdn, .addr = ranges[0].addr,
			.len = last->addr + last->len - ranges[0].addr, .klm = klm,
			.klm_num = (uint32_t)n,
		};

		ret = devx_mkey_create(dev->ctx, &ka, &c->mkey);
	}
	c->mkey_klm_entries = n;
out:
	free(klm);
	free(ranges);
	return ret;
}

static int
chunk_key_destroy(void *ctx, uint32_t i)
{
	struct mvdpa_conf *c = ctx;

	devx_obj_destroy(&c->chunks[i].mkey);
	devx_umem_dereg(&c->chunks[i].umem);
	return 0;
}

/*
 * The guest-memory keys and registrations go: the indirect key first (it refers to the
 * chunks'), then each chunk's key and the umem under it, on the calling thread and up to dev's
 * max_conf_threads configuration workers.
 */
static void
mem_unregister(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	devx_obj_destroy(&c->mkey);
	if (c->null_mr)
		ibv_dereg_mr(c->null_mr);
	c->null_mr = NULL;
	mvdpa_parallel_for(c->nchunks, dev->args.max_conf_threads, chunk_key_destroy, c);
	free(c->chunks);
	c->chunks = NULL;
	c->nchunks = 0;
	c->nregions = 0;
}

/* Moves the guest-memory registration and keys of `from` to `to` (zeroed in `from`). */
static void
mem_move(struct mvdpa_conf *to, struct mvdpa_conf *from)
{
	to->nregions = from->nregions;
	to->nchunks = from->nchunks;
	to->chunks = from->chunks;
	to->null_mr = from->null_mr;
	to->mkey = from->mkey;
	to->mkey_klm_entries = from->mkey_klm_entries;
	from->nregions = 0;
	from->nchunks = 0;
	from->chunks = NULL;
	from->null_mr = NULL;
	memset(&from->mkey, 0, sizeof(from->mkey));
}

/* ---- Virtqs ---- */

void
mvdpa_vq_res_destroy(struct mvdpa_vq *q)
{
	devx_obj_destroy(&q->counters);
	memset(&q->counters_zero, 0, sizeof(q->counters_zero));
	devx_obj_destroy(&q->drv_qp);
	devx_obj_destroy(&q->fw_qp);
	umem_free(&q->qp_buf, &q->qp_umem);
	devx_obj_destroy(&q->cq);
	umem_free(&q->cq_buf, &q->cq_umem);
	memset(&q->ecq, 0, sizeof(q->ecq));	/* a new CQ counts its arms from 0 */
	for (int i = 0; i < 3; i++)
		umem_free(&q->umem_buf[i], &q->umem[i]);
	q->res_size = 0;
}

/* The virtq object goes; its resources go back where they came from. */
static void
vq_destroy(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];

	devx_obj_destroy(&q->obj);
	q->created = false;
	q->suspended = false;
	q->kept = false;
	if (q->pooled)
		mvdpa_prealloc_give_vq(c->dev, c, index);
	else
		mvdpa_vq_res_destroy(q);
}

/* Bytes of umem i (the caps give a * ring size + b) for rings of size entries. */
static size_t
vq_umem_size(const struct mvdpa_dev *dev, int i, uint16_t size)
{
	const struct devx_virtio_caps *vc = &dev->caps.virtio;

	return (size_t)vc->umem[i].a * size + vc->umem[i].b;
}

/*
 * Bytes of the channel's CQ and driver RQ buffers. Both doorbell records follow the CQEs in the
 * CQ's umem (the CQ's, then the RQ's): one page for the two.
 */
static size_t
vq_cq_bytes(unsigned int log_size)
{
	return (size_t)CQE_SIZE << log_size;
}

static size_t
vq_rq_bytes(unsigned int log_size)
{
	return (size_t)(1u << RQ_STRIDE_LOG) << log_size;
}

/*
 * A queue's resources are built in two steps, each of independent parts that run in parallel
 * on the configuration workers free then (else one after another on the caller): the
 * firmware's and the driver's QP are separate objects until connected, and only the connection
 * needs the peer's number. Per queue that is 2 + 2 commands in sequence instead of 9 (counters,
 * CQ, two QPs, five state changes), which is what a bring-up of few queues waits for; with
 * many queues the workers are busy with other queues and the parts run one after another.
 */
struct vq_res_work {
	struct mvdpa_dev *dev;
	struct mvdpa_vq *q;
	uint32_t uar_page;	/* creation only: where the CQ and QP ring their doorbells */
	uint32_t eqn;		/* ... and the event queue of the CQ's completion events */
	uint16_t size;
	bool populate;	/* umem_alloc's */
	bool reset;	/* the resources exist: back to their state just after creation */
};

/* The virtq's umems and its counters: created, or cleared and the counters' zero recorded. */
static int
vq_res_umems_counters(struct vq_res_work *w)
{
	struct mvdpa_vq *q = w->q;
	int ret;

	if (w->reset) {
		for (int i = 0; i < 3; i++)
			memset(q->umem_buf[i], 0, vq_umem_size(w->dev, i, w->size));
		return q->counters.id != 0 ?
		       devx_virtq_counters_query(&q->counters, &q->counters_zero) : 0;
	}
	for (int i = 0; i < 3; i++) {
		ret = umem_alloc(w->dev->ctx, vq_umem_size(w->dev, i, w->size), w->populate,
				 &q->umem_buf[i], &q->umem[i]);
		if (ret < 0)
			return ret;
	}
	if (w->dev->caps.general_obj_types & DEVX_GENERAL_OBJ_TYPES_VIRTIO_Q_COUNTERS)
		return devx_virtq_counters_create(w->dev->ctx, &q->counters);
	return 0;
}

/*
 * The driver's side of the notification channel, in RST: the CQ and the QP whose receive queue
 * it completes. A reset clears the buffers once the QP is in RST: no completion comes then.
 */
static int
vq_res_driver_side(struct vq_res_work *w)
{
	struct mvdpa_vq *q = w->q;
	unsigned int log_size = log2_ceil(w->size);
	size_t cq_bytes = vq_cq_bytes(log_size);
	size_t rq_bytes = vq_rq_bytes(log_size);
	int ret;

	if (w->reset) {
		ret = devx_qp_modify(&q->drv_qp, DEVX_QP_2RST, 0);
		if (ret < 0)
			return ret;
		memset(q->cq_buf, 0, cq_bytes + 2 * DBR_BYTES);
		memset(q->qp_buf, 0, rq_bytes);
		return 0;
	}
	ret = umem_alloc(w->dev->ctx, cq_bytes + 2 * DBR_BYTES, w->populate, &q->cq_buf,
			 &q->cq_umem);
	if (ret < 0)
		return ret;
	ret = devx_cq_create(w->dev->ctx, &(struct devx_cq_attr){
		.log_size = (uint8_t)log_size, .uar_page = w->uar_page, .eqn = w->eqn,
		.umem_id = q->cq_umem.id, .db_umem_id = q->cq_umem.id, .db_offset = cq_bytes,
		.overrun_ignore = true, .collapsed = true,
	}, &q->cq);
	if (ret < 0)
		return ret;
	ret = umem_alloc(w->dev->ctx, rq_bytes, w->populate, &q->qp_buf, &q->qp_umem);
	if (ret < 0)
		return ret;
	q->qp_rq_dbr = (uint8_t *)q->cq_buf + cq_bytes + DBR_BYTES;
	return devx_qp_create(w->dev->ctx, &(struct devx_qp_attr){
		.pdn = w->dev->pdn, .uar_page = w->uar_page, .cqn = q->cq.id,
		.log_rq_size = (uint8_t)log_size, .log_rq_stride = RQ_STRIDE_LOG,
		.wq_umem_id = q->qp_umem.id, .db_umem_id = q->cq_umem.id,
		.db_offset = cq_bytes + DBR_BYTES,
	}, &q->drv_qp);
}

/* The firmware's side of the notification channel (the QP the virtq sends on), in INIT. */
static int
vq_res_firmware_side(struct vq_res_work *w)
{
	struct devx_qp_attr fwa = { .fw = true, .pdn = w->dev->pdn };
	int ret;

	if (w->reset)
		ret = devx_qp_modify(&w->q->fw_qp, DEVX_QP_2RST, 0);
	else
		ret = devx_qp_create(w->dev->ctx, &fwa, &w->q->fw_qp);
	return ret < 0 ? ret : devx_qp_modify(&w->q->fw_qp, DEVX_QP_RST2INIT, 0);
}

static int
vq_res_part(void *ctx, uint32_t i)
{
	struct vq_res_work *w = ctx;

	switch (i) {
	case 0:
		return vq_res_umems_counters(w);
	case 1:
		return vq_res_driver_side(w);
	default:
		return vq_res_firmware_side(w);
	}
}

/*
 * The channel connected, two commands on each side: the firmware's QP from INIT to RTS, the
 * driver's from RST to RTR, each to the other.
 */
static int
vq_channel_connect_side(void *ctx, uint32_t i)
{
	struct mvdpa_vq *q = ctx;
	int ret;

	if (i == 1) {
		ret = devx_qp_modify(&q->drv_qp, DEVX_QP_RST2INIT, 0);
		return ret < 0 ? ret : devx_qp_modify(&q->drv_qp, DEVX_QP_INIT2RTR, q->fw_qp.id);
	}
	ret = devx_qp_modify(&q->fw_qp, DEVX_QP_INIT2RTR, q->drv_qp.id);
	return ret < 0 ? ret : devx_qp_modify(&q->fw_qp, DEVX_QP_RTR2RTS, 0);
}

static int
vq_res_build(struct vq_res_work *w)
{
	uint32_t workers = w->dev->args.max_conf_threads;
	int ret = mvdpa_parallel_for(3, workers, vq_res_part, w);

	return ret < 0 ? ret : mvdpa_parallel_for(2, workers, vq_channel_connect_side, w->q);
}

int
mvdpa_vq_res_create(struct mvdpa_dev *dev, struct mvdpa_vq *q, uint16_t size, uint32_t uar_page,
		    uint32_t eqn, bool populate)
{
	struct vq_res_work w = { .dev = dev, .q = q, .uar_page = uar_page, .eqn = eqn,
				 .size = size, .populate = populate };
	int ret = vq_res_build(&w);

	if (ret < 0) {
		mvdpa_vq_res_destroy(q);
		return ret;
	}
	q->res_size = size;
	return 0;
}

int
mvdpa_vq_res_reset(struct mvdpa_dev *dev, struct mvdpa_vq *q)
{
	/* Nothing uses the buffers now: the virtq object is gone, the QPs go through RST. */
	struct vq_res_work w = { .dev = dev, .q = q, .size = q->res_size, .reset = true };

	return vq_res_build(&w);
}

/* The queue's object-change events (it went to ERR) reach the event thread. */
static int
vq_watch_errors(struct mvdpa_conf *c, struct mvdpa_vq *q, uint16_t index)
{
	uint16_t type = PRM_EVENT_TYPE_OBJECT_CHANGE;

	if (mlx5dv_devx_subscribe_devx_event(c->events, q->obj.obj, sizeof(type), &type,
					     COOKIE_ERROR | index) != 0)
		return -errno ? -errno : -EIO;
	return 0;
}

/*
 * Whether a kept queue created from `was` can serve a ring described by `now` after a modify of
 * its memory key, ring addresses and indices: the rest (size and umems, type, features) has no
 * modify the caps promise here.
 */
static bool
vq_kept_fits(const struct devx_virtq_attr *was, const struct devx_virtq_attr *now)
{
	return was->queue_size == now->queue_size && was->type == now->type &&
	       was->queue_features == now->queue_features &&
	       was->virtio_version_1_0 == now->virtio_version_1_0;
}

/*
 * Everything a queue needs before its virtq object: ring addresses, umems, counters, the
 * notification channel. Independent of the guest-memory key, which may be built meanwhile.
 */
static int
vq_prepare(struct mvdpa_dev *dev, struct mvdpa_conf *c, uint16_t index, uint64_t features,
	   const struct mvdpa_gpa_map *map, uint32_t nmap)
{
	struct mvdpa_vq *q = &c->vqs[index];
	struct rte_vhost_vring vr;
	struct devx_virtq_attr a = {
		.state = DEVX_VIRTQ_STATE_RDY, .event_mode = DEVX_VIRTQ_EVENT_QP,
		.queue_index = index, .pdn = dev->pdn,
		.virtio_version_1_0 = (features >> VIRTIO_F_VERSION_1) & 1,
		.queue_features = mvdpa_queue_features(features),
		.type = (features >> VIRTIO_F_RING_PACKED) & 1 ? DEVX_VIRTQ_TYPE_PACKED :
								  DEVX_VIRTQ_TYPE_SPLIT,
		.queue_period_mode = (uint8_t)dev->args.hw_latency_mode,
		.queue_period_us = dev->args.hw_max_latency_us,
		.queue_max_count = dev->args.hw_max_pending_comp,
	};
	uint16_t last_avail, last_used;
	int ret;

	if (rte_vhost_get_vhost_vring(c->vid, index, &vr) < 0 || vr.desc == NULL) {
		/* Not set up by the front-end: nothing to create, nothing kept for it. */
		if (q->kept) {
			vq_destroy(c, index);
			q->prepared = false;
		}
		return 0;
	}
	if (rte_vhost_get_vring_base(c->vid, index, &last_avail, &last_used) < 0)
		return -EIO;
	a.queue_size = vr.size;
	a.desc_addr = mvdpa_hva_to_gpa(map, nmap, (uintptr_t)vr.desc, 1);
	a.available_addr = mvdpa_hva_to_gpa(map, nmap, (uintptr_t)vr.avail, 1);
	a.used_addr = mvdpa_hva_to_gpa(map, nmap, (uintptr_t)vr.used, 1);
	if (a.desc_addr == UINT64_MAX || a.available_addr == UINT64_MAX ||
	    a.used_addr == UINT64_MAX || vr.size == 0 || (vr.size & (vr.size - 1))) {
		MVDPA_LOG(ERR, "vid %d: virtq %u: ring outside guest memory or bad size %u\n",
			  c->vid, index, vr.size);
		return -EINVAL;
	}
	/*
	 * Aligned as virtio requires (descriptors 16 bytes, the driver's area 2 or, packed, 4, the
	 * device's 4): the device reads and writes the indices there with atomic accesses, which a
	 * guest must not be able to make misaligned.
	 */
	if ((a.desc_addr & 15) || (a.used_addr & 3) ||
	    (a.available_addr & (a.type == DEVX_VIRTQ_TYPE_PACKED ? 3 : 1))) {
		MVDPA_LOG(ERR, "vid %d: virtq %u: ring addresses 0x%" PRIx64 ", 0x%" PRIx64 ", 0x%"
			  PRIx64 " not aligned as virtio requires\n", c->vid, index, a.desc_addr,
			  a.available_addr, a.used_addr);
		return -EINVAL;
	}
	a.hw_available_index = last_avail;
	a.hw_used_index = last_used;
	q->kickfd = vr.kickfd;
	q->callfd = vr.callfd;
	if (q->kept && !vq_kept_fits(&q->attr, &a)) {
		MVDPA_LOG(INFO, "vid %d: virtq %u: ring size, type or features changed during the "
			  "stop: re-created\n", c->vid, index);
		mvdpa_count(&dev->kept_recreated, 1);
		vq_destroy(c, index);
	}
	if (q->kept) {
		/*
		 * Its resources, completion channel and subscriptions stayed; its counters go
		 * on, and what they held was carried over at dev_close.
		 */
		if (q->counters.id != 0 &&
		    devx_virtq_counters_query(&q->counters, &q->counters_zero) < 0)
			memset(&q->counters_zero, 0, sizeof(q->counters_zero));
	} else {
		if (!mvdpa_prealloc_take_vq(dev, c, index, vr.size)) {
			ret = mvdpa_vq_res_create(dev, q, vr.size, c->uar->page_id, c->eqn, false);
			if (ret < 0)
				goto err;
		}
		/* Its completions reach this configuration's event thread (pre-created or not). */
		ret = mvdpa_event_queue_init(c, q, index, log2_ceil(vr.size));
		if (ret < 0)
			goto err;
	}
	for (int i = 0; i < 3; i++)
		a.umem[i] = (struct devx_virtq_umem){
			.id = q->umem[i].id, .size = (uint32_t)vq_umem_size(dev, i, vr.size),
		};
	a.counter_set_id = q->counters.id;
	a.event_qpn_or_msix = q->fw_qp.id;
	if (index & 1)
		a.tisn_or_qpn = c->tis.id;
	q->attr = a;
	q->prepared = true;
	return 0;
err:
	MVDPA_LOG(ERR, "vid %d: cannot create virtq %u: %s\n", c->vid, index, strerror(-ret));
	vq_destroy(c, index);
	return ret;
}

/* The virtq object of a prepared queue, RDY over the guest-memory key. */
static int
vq_start(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];
	int ret;

	if (!q->prepared)
		return 0;	/* not set up by the front-end */
	q->attr.mkey = c->mkey.id;
	ret = devx_virtq_create(c->dev->ctx, &q->attr, &q->obj);
	if (ret == 0)
		ret = vq_watch_errors(c, q, index);
	if (ret < 0) {
		MVDPA_LOG(ERR, "vid %d: cannot create virtq %u: %s\n", c->vid, index,
			  strerror(-ret));
		return ret;
	}
	q->created = true;
	MVDPA_LOG(DEBUG, "vid %d: virtq %u started at avail %u used %u\n", c->vid, index,
		  q->attr.hw_available_index, q->attr.hw_used_index);
	return 0;
}

/* Suspends a running queue and keeps the indices the hardware reached (where it resumes). */
static void
vq_suspend(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];
	struct devx_virtq_attr a = { .modify = DEVX_VIRTQ_MODIFY_STATE,
				     .state = DEVX_VIRTQ_STATE_SUSPEND };

	if (devx_virtq_modify(&q->obj, &a) < 0)
		MVDPA_LOG(WARNING, "vid %d: virtq %u did not suspend\n", c->vid, index);
	memset(&a, 0, sizeof(a));
	if (devx_virtq_query(&q->obj, &a) == 0) {
		q->attr.hw_available_index = a.hw_available_index;
		q->attr.hw_used_index = a.hw_used_index;
	}
	q->suspended = true;
}

/*
 * Suspends a queue (unless it is already) and destroys its virtq object; its resources stay, so
 * vq_start brings it back at the indices it reached.
 */
static void
vq_park(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];

	if (!q->suspended)
		vq_suspend(c, index);
	devx_obj_destroy(&q->obj);
	q->created = false;
	q->suspended = false;
}

/*
 * A suspended queue runs again: in place (SUSPEND -> RDY, one command) where the function can
 * resume suspended queues (freeze_to_rdy); a refused resume falls back to re-creating it.
 */
static int
vq_resume(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];
	struct devx_virtq_attr a = { .modify = DEVX_VIRTQ_MODIFY_STATE,
				     .state = DEVX_VIRTQ_STATE_RDY };
	int ret = devx_virtq_modify(&q->obj, &a);

	if (ret == 0) {
		q->suspended = false;
		MVDPA_LOG(DEBUG, "vid %d: virtq %u resumed in place at avail %u used %u\n",
			  c->vid, index, q->attr.hw_available_index, q->attr.hw_used_index);
		return 0;
	}
	MVDPA_LOG(WARNING, "vid %d: virtq %u cannot resume in place (%s): re-created\n", c->vid,
		  index, strerror(-ret));
	vq_park(c, index);
	return vq_start(c, index);
}

/*
 * A queue kept suspended over a stop takes the new guest-memory key, ring addresses and the
 * indices vhost now holds in one MODIFY, and runs again if `run` (else it stays suspended until
 * its vring is ready). A refused modify falls back to re-creating it. The old key is free after.
 */
static int
vq_renew(struct mvdpa_conf *c, uint16_t index, bool run)
{
	struct mvdpa_vq *q = &c->vqs[index];
	struct devx_virtq_attr a = q->attr;
	int ret;

	q->kept = false;
	q->attr.mkey = c->mkey.id;
	a.mkey = c->mkey.id;
	a.state = DEVX_VIRTQ_STATE_RDY;
	a.modify = DEVX_VIRTQ_MODIFY_MKEY | DEVX_VIRTQ_MODIFY_ADDRS | DEVX_VIRTQ_MODIFY_AVAIL_IDX |
		   DEVX_VIRTQ_MODIFY_USED_IDX | (run ? DEVX_VIRTQ_MODIFY_STATE : 0) |
		   (c->kept_logging ? DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS |
		    DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE : 0);
	ret = devx_virtq_modify(&q->obj, &a);
	if (ret == 0) {
		q->suspended = !run;
		mvdpa_count(&c->dev->kept_resumed, 1);
		MVDPA_LOG(DEBUG, "vid %d: virtq %u resumed in place with the new memory table at "
			  "avail %u used %u%s\n", c->vid, index, a.hw_available_index,
			  a.hw_used_index, run ? "" : " (suspended until its vring is ready)");
		return 0;
	}
	MVDPA_LOG(WARNING, "vid %d: virtq %u cannot take the new memory table in place (%s): "
		  "re-created\n", c->vid, index, strerror(-ret));
	mvdpa_count(&c->dev->kept_recreated, 1);
	devx_obj_destroy(&q->obj);
	q->created = false;
	q->suspended = false;
	return run ? vq_start(c, index) : 0;
}

/* Hands the indices the queue reached back to vhost, so a restart resumes there. */
static void
vq_hand_back(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];

	if (q->prepared && !c->vhost_gone)
		rte_vhost_set_vring_base(c->vid, index, q->attr.hw_available_index,
					 q->attr.hw_used_index);
}

/* Stops a queue for good and hands its indices back to vhost. */
static int
vq_stop(struct mvdpa_conf *c, uint16_t index)
{
	if (c->vqs[index].created)
		vq_park(c, index);
	mvdpa_stats_carry_queue(c->dev, &c->vqs[index], index);
	vq_hand_back(c, index);
	return 0;
}

/* Suspends a running queue, keeping its object, and hands its indices back to vhost. */
static int
vq_stop_keep(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];

	if (q->created && !q->suspended)
		vq_suspend(c, index);
	vq_hand_back(c, index);
	return 0;
}

/*
 * dev_conf's parallel work (queues_configure): items 0..nkeys-1 build the guest memory's chunk
 * keys, the others each take one queue from its resources to its virtq when the key over the
 * chunks is there by then, so that virtqs go out while other queues are still being built; the
 * queues that found no key yet are started once it is (a second job).
 */
struct conf_args {
	struct mvdpa_conf *c;
	const struct rte_vhost_memory *mem;
	uint64_t features;
	const struct mvdpa_gpa_map *map;
	uint32_t nmap;
	uint32_t nkeys;		/* chunk keys to build: 0 when they were built ahead */
	bool early;		/* the keys were built ahead (mem_early) */
	uint16_t *order;	/* the queues, in the order the items take them */
	bool *started;		/* per queue: by its item */
	uint32_t chunks_done;	/* chunk keys' items finished (atomic) */
	bool chunk_failed;	/* ... and one of them failed (atomic) */
	/* The virtqs' key: KEY_PENDING, 0 once c has it, or why it failed. */
	pthread_mutex_t key_lock;
	int key;
};

#define KEY_PENDING 1

static void
futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static int
chunk_key(void *ctx, uint32_t i)
{
	struct mvdpa_conf *c = ctx;

	/* The last to go out wakes whoever waits for them all (mem_early_issued_wait). */
	if (__atomic_add_fetch(&c->chunk_keys_issued, 1, __ATOMIC_RELEASE) == c->nchunks)
		futex_wake_all(&c->chunk_keys_issued);
	return mem_chunk_key(c->dev, c, i);
}

/* Every guest-memory key of mem into c: the chunks' keys in parallel, then the indirect key. */
static int
mem_keys_build(struct mvdpa_dev *dev, struct mvdpa_conf *c, const struct rte_vhost_memory *mem)
{
	int ret = mem_prepare(dev, c, mem);

	if (ret == 0)
		ret = mvdpa_parallel_for(c->nchunks, dev->args.max_conf_threads, chunk_key, c);
	if (ret == 0)
		ret = mem_key(dev, c);
	return ret;
}

/* ---- Guest-memory keys ahead of dev_conf ---- */

struct mvdpa_mem_early {
	int vid;
	struct rte_vhost_memory *mem;	/* the table they are for (vhost's copy) */
	struct mvdpa_conf keys;		/* only its guest-memory part is used */
	struct mvdpa_job build;		/* on a configuration worker */
	uint32_t chunks;		/* chunk keys the build issues */
	int ret;			/* the build's, once finished */
};

static int
mem_early_build(void *ctx, uint32_t i)
{
	struct mvdpa_mem_early *e = ctx;
	int ret = mem_keys_build(e->keys.dev, &e->keys, e->mem);

	(void)i;
	if (ret < 0)
		MVDPA_LOG(ERR, "vid %d: guest-memory keys failed: %s\n", e->vid, strerror(-ret));
	/* Over: whoever waits for its chunks (it may have failed before them) waits no more. */
	__atomic_store_n(&e->keys.chunk_keys_issued, UINT32_MAX, __ATOMIC_RELEASE);
	futex_wake_all(&e->keys.chunk_keys_issued);
	return ret;
}

/*
 * Waits (2 ms at most) until every chunk key of the build has its command out. The build's
 * workers share vhost's CPUs (EAL control threads, both), and a front-end that sends the next
 * messages at once keeps vhost's thread busy until DRIVER_OK: the workers not run by then would
 * issue their chunks only when dev_conf waits for the keys (with one yield of the CPU, 5 of 16
 * chunks went out 0.5 ms late on a migration's destination at 1 GiB). The commands take no CPU
 * while the firmware works on them.
 */
static void
mem_early_issued_wait(struct mvdpa_mem_early *e)
{
	uint64_t end = mvdpa_now_ns() + 2000000, now;
	uint32_t n;

	while ((n = __atomic_load_n(&e->keys.chunk_keys_issued, __ATOMIC_ACQUIRE)) < e->chunks &&
	       (now = mvdpa_now_ns()) < end) {
		struct timespec left = { .tv_sec = (time_t)((end - now) / 1000000000u),
					 .tv_nsec = (long)((end - now) % 1000000000u) };

		/* Wakes when the word is no longer n (or spuriously): the loop looks again. */
		syscall(SYS_futex, &e->keys.chunk_keys_issued, FUTEX_WAIT_PRIVATE, n, &left, NULL,
			0);
	}
	/* The last chunk's thread woke this one before its command: let it go first. */
	sched_yield();
}

/*
 * The build dev has, taken from dev once finished (on this thread when no worker took it yet)
 * or, when it is not wanted any more, cancelled; NULL when there is none.
 */
static struct mvdpa_mem_early *
mem_early_join(struct mvdpa_dev *dev, bool cancel)
{
	struct mvdpa_mem_early *e = dev->mem_early;

	if (e != NULL) {
		e->ret = cancel ? mvdpa_job_cancel(&e->build) : mvdpa_job_finish(&e->build);
		dev->mem_early = NULL;
	}
	return e;
}

static void
mem_early_free(struct mvdpa_mem_early *e)
{
	mem_unregister(e->keys.dev, &e->keys);
	free(e->mem);
	free(e);
}

void
mvdpa_conf_mem_early_discard(struct mvdpa_dev *dev)
{
	struct mvdpa_mem_early *e = mem_early_join(dev, true);

	if (e != NULL)
		mem_early_free(e);
}

int
mvdpa_conf_mem_early_start(struct mvdpa_dev *dev, int vid)
{
	struct mvdpa_mem_early *e;
	int ret;

	mvdpa_conf_mem_early_discard(dev);
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return -ENOMEM;
	e->vid = vid;
	e->keys.vid = vid;
	e->keys.dev = dev;
	if (rte_vhost_get_mem_table(vid, &e->mem) < 0 || e->mem->nregions == 0) {
		ret = -EIO;
		goto err;
	}
	e->chunks = mem_chunk_count(dev, e->mem);
	/* A woken worker, unlike a new thread, gets the CPU soon from vhost's busy thread. */
	mvdpa_job_start(&e->build, 1, 1, mem_early_build, e);
	dev->mem_early = e;
	mem_early_issued_wait(e);
	return 0;
err:
	free(e->mem);
	free(e);
	return ret;
}

static bool
mem_table_same(const struct rte_vhost_memory *a, const struct rte_vhost_memory *b)
{
	if (a->nregions != b->nregions)
		return false;
	for (uint32_t i = 0; i < a->nregions; i++)
		if (a->regions[i].guest_phys_addr != b->regions[i].guest_phys_addr ||
		    a->regions[i].host_user_addr != b->regions[i].host_user_addr ||
		    a->regions[i].size != b->regions[i].size)
			return false;
	return true;
}

/*
 * The keys built ahead for c's front-end: waits for them and moves them into c when they are
 * for the table dev_conf sees. 0 (c has them, or they were for another table and c has none)
 * or the build's error, which is the configuration's.
 */
static int
mem_early_take(struct mvdpa_conf *c, const struct rte_vhost_memory *mem)
{
	struct mvdpa_mem_early *e = mem_early_join(c->dev, false);
	int ret = 0;

	if (e == NULL)
		return 0;
	if (e->vid == c->vid && mem_table_same(e->mem, mem)) {
		ret = e->ret;
		if (ret == 0) {
			mem_move(c, &e->keys);
			c->mkey_built_ahead = true;
		}
	} else {
		MVDPA_LOG(INFO, "vid %d: guest-memory keys built ahead were for another memory "
			  "table: built again\n", c->vid);
	}
	mem_early_free(e);
	return ret;
}

/* A queue runs while the front-end has its vring ready (every one, until it says). */
static bool
vring_wanted(const struct mvdpa_dev *dev, uint32_t i)
{
	return !dev->vring_ready_known || (i < 2 * MVDPA_MAX_QUEUE_PAIRS && dev->vring_ready[i]);
}

static int
queue_start(void *ctx, uint32_t i)
{
	struct mvdpa_conf *c = ctx;
	bool run = vring_wanted(c->dev, i);

	if (c->vqs[i].kept)
		return vq_renew(c, (uint16_t)i, run);
	return run ? vq_start(c, (uint16_t)i) : 0;
}

static int
queue_stop(void *ctx, uint32_t i)
{
	vq_stop(ctx, (uint16_t)i);
	mvdpa_migrate_stop_queue(ctx, i);
	return 0;
}

static int
queue_release(void *ctx, uint32_t i)
{
	vq_destroy(ctx, (uint16_t)i);
	return 0;
}

enum stop_queue_state {
	STOP_PENDING,
	STOP_TAKEN,
	STOP_DONE,
};

/* Whether the caller takes queue i of the stop under way (nobody else stops it then). */
static bool
stop_take(struct mvdpa_conf *c, uint32_t i)
{
	uint8_t pending = STOP_PENDING;

	return __atomic_compare_exchange_n(&c->stop.queue_state[i], &pending, STOP_TAKEN, false,
					   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/*
 * A queue of a stop (mvdpa_conf_close), taken: suspended, its indices handed to vhost, its last
 * completions relayed and its used ring logged, all that vhost's answer for its vring needs;
 * then whoever waits for it (mvdpa_conf_stop_wait, stop_all) is told.
 */
static void
queue_stop_taken(struct mvdpa_conf *c, uint32_t i)
{
	vq_stop_keep(c, (uint16_t)i);
	mvdpa_event_drain_queue(c, i);
	mvdpa_migrate_stop_queue(c, i);
	pthread_mutex_lock(&c->stop.lock);
	__atomic_store_n(&c->stop.queue_state[i], STOP_DONE, __ATOMIC_RELEASE);
	c->stop.queues_left--;
	pthread_cond_broadcast(&c->stop.cond);
	pthread_mutex_unlock(&c->stop.lock);
}

static int
queue_stop_keep(void *ctx, uint32_t i)
{
	struct mvdpa_conf *c = ctx;

	if (stop_take(c, i))
		queue_stop_taken(c, i);
	return 0;
}

/* Whether the keys are there to take or build over (conf_key's lock held). */
static bool
keys_ready(const struct conf_args *a)
{
	const struct mvdpa_mem_early *e = a->c->dev->mem_early;

	if (a->early)	/* mem_early_build's last store: the build is over */
		return __atomic_load_n(&e->keys.chunk_keys_issued, __ATOMIC_ACQUIRE) == UINT32_MAX;
	return __atomic_load_n(&a->chunks_done, __ATOMIC_ACQUIRE) == a->nkeys;
}

/*
 * The guest-memory key the virtqs use, got once: the keys built ahead (taken, or built again
 * when they were for another table) or the indirect key over this job's chunks. Without `wait`
 * only when that needs no waiting (KEY_PENDING otherwise, and while another thread gets it);
 * with it, after the job: every item finished then.
 */
static int
conf_key(struct conf_args *a, bool wait)
{
	struct mvdpa_conf *c = a->c;
	int ret;

	if (wait)
		pthread_mutex_lock(&a->key_lock);
	else if (pthread_mutex_trylock(&a->key_lock) != 0)
		return KEY_PENDING;
	if (a->key == KEY_PENDING && (wait || keys_ready(a))) {
		if (a->early) {
			ret = mem_early_take(c, a->mem);
			if (ret == 0 && c->mkey.obj == NULL)	/* they were for another table */
				ret = mem_keys_build(c->dev, c, a->mem);
		} else {
			ret = __atomic_load_n(&a->chunk_failed, __ATOMIC_ACQUIRE) ? -ECANCELED :
			      mem_key(c->dev, c);
		}
		a->key = ret;
	}
	ret = a->key;
	pthread_mutex_unlock(&a->key_lock);
	return ret;
}

static int
configure_item(void *ctx, uint32_t i)
{
	struct conf_args *a = ctx;
	struct mvdpa_conf *c = a->c;
	uint16_t index;
	int ret;

	if (i < a->nkeys) {
		ret = mem_chunk_key(c->dev, c, i);
		if (ret < 0)
			__atomic_store_n(&a->chunk_failed, true, __ATOMIC_RELEASE);
		__atomic_fetch_add(&a->chunks_done, 1, __ATOMIC_RELEASE);
		return ret;
	}
	index = a->order[i - a->nkeys];
	ret = vq_prepare(c->dev, c, index, a->features, a->map, a->nmap);
	if (ret == 0)
		ret = conf_key(a, false);
	if (ret == 0) {
		a->started[index] = true;
		return queue_start(c, index);
	}
	return ret == KEY_PENDING ? 0 : ret;
}

static int
configure_rest(void *ctx, uint32_t i)
{
	struct conf_args *a = ctx;

	return a->started[i] ? 0 : queue_start(a->c, i);
}

/*
 * The queues in the order dev_conf takes them: those whose resources are there, then those it
 * builds, then those a worker still builds ahead (their takers wait for those builds).
 */
static void
queues_order(struct mvdpa_conf *c, uint16_t *order)
{
	static const enum mvdpa_ahead_state ranks[] = {
		MVDPA_AHEAD_BUILT, MVDPA_AHEAD_NONE, MVDPA_AHEAD_BUILDING,
	};
	uint32_t n = 0;

	for (uint32_t r = 0; r < RTE_DIM(ranks); r++)
		for (uint32_t i = 0; i < c->nvqs; i++)
			if (mvdpa_prealloc_ahead_state(c->dev, i) == ranks[r])
				order[n++] = (uint16_t)i;
}

/*
 * Guest-memory keys and every queue (struct conf_args): the chunks' keys, then each queue's
 * resources and, when the key over the chunks is there, its virtq; then the other virtqs.
 */
static int
queues_configure(struct mvdpa_conf *c, const struct rte_vhost_memory *mem,
		 struct conf_args *args)
{
	uint32_t workers = c->dev->args.max_conf_threads;
	int ret;

	args->mem = mem;
	args->early = c->dev->mem_early != NULL && c->dev->mem_early->vid == c->vid;
	ret = args->early ? 0 : mem_prepare(c->dev, c, mem);
	args->nkeys = args->early ? 0 : c->nchunks;
	args->order = calloc(c->nvqs ? c->nvqs : 1, sizeof(*args->order));
	args->started = calloc(c->nvqs ? c->nvqs : 1, sizeof(*args->started));
	if (args->order == NULL || args->started == NULL)
		ret = -ENOMEM;
	args->key = KEY_PENDING;
	pthread_mutex_init(&args->key_lock, NULL);
	mvdpa_prealloc_ahead_skip(c->dev);	/* before the workers take the queues */
	if (ret == 0) {
		queues_order(c, args->order);
		ret = mvdpa_parallel_for(args->nkeys + c->nvqs, workers, configure_item, args);
	}
	if (ret == 0)
		ret = conf_key(args, true);
	if (ret == 0)
		ret = mvdpa_parallel_for(c->nvqs, workers, configure_rest, args);
	pthread_mutex_destroy(&args->key_lock);
	free(args->started);
	free(args->order);
	return ret;
}

/* ---- Error recovery ---- */

bool
mvdpa_error_may_recover(const uint64_t *past, uint32_t n, uint64_t now)
{
	/* The oldest of the last LIMIT - 1 errors, with this one LIMIT errors: too fast? */
	if (n < MVDPA_ERRORS_LIMIT - 1)
		return true;
	return now - past[n - (MVDPA_ERRORS_LIMIT - 1)] >
	       (uint64_t)MVDPA_ERRORS_WINDOW_MS * 1000000u;
}

/*
 * A queue the firmware put in ERR (bad ring, completion error): ERR is final for the object, so
 * it is re-created from its attributes at the indices the hardware reached, keeping its memory,
 * counters and notification channel. An RX queue leaves the RQT while it has no object. After
 * MVDPA_ERRORS_LIMIT errors within MVDPA_ERRORS_WINDOW_MS it is left in error (a guest that
 * keeps breaking its ring must not keep the firmware busy). Event thread.
 */
static void
vq_recover(struct mvdpa_conf *c, uint16_t index)
{
	struct mvdpa_vq *q = &c->vqs[index];
	struct devx_virtq_attr st = { 0 }, a;
	uint64_t t = mvdpa_now_ns();
	uint64_t past[MVDPA_ERRORS_LIMIT];
	uint32_t n;
	int ret;

	pthread_mutex_lock(&c->lock);
	if (!q->created || q->suspended || q->given_up) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	n = q->errors < MVDPA_ERRORS_LIMIT ? q->errors : MVDPA_ERRORS_LIMIT;
	for (uint32_t i = 0; i < n; i++)	/* oldest first */
		past[i] = q->error_ns[(q->errors - n + i) % MVDPA_ERRORS_LIMIT];
	q->error_ns[q->errors % MVDPA_ERRORS_LIMIT] = t;
	q->errors++;
	if (!mvdpa_error_may_recover(past, n, t)) {
		q->given_up = true;
		pthread_mutex_unlock(&c->lock);
		MVDPA_LOG(ERR, "vid %d: virtq %u failed %u times within %u ms: left in error\n",
			  c->vid, index, MVDPA_ERRORS_LIMIT, MVDPA_ERRORS_WINDOW_MS);
		return;
	}
	if (devx_virtq_query(&q->obj, &st) < 0)
		st = q->attr;	/* keep the indices it was created with */
	q->created = false;
	pthread_mutex_unlock(&c->lock);
	if (index % 2 == 0)
		mvdpa_conf_steer_sync(c->dev);	/* the RQT must let go of the object */
	pthread_mutex_lock(&c->lock);
	devx_obj_destroy(&q->obj);
	a = q->attr;
	a.hw_available_index = st.hw_available_index;
	a.hw_used_index = st.hw_used_index;
	ret = devx_virtq_create(c->dev->ctx, &a, &q->obj);
	if (ret == 0)
		ret = vq_watch_errors(c, q, index);
	if (ret == 0) {
		q->created = true;
		q->recoveries++;
		c->recoveries++;
	} else {
		devx_obj_destroy(&q->obj);
		q->given_up = true;
	}
	pthread_mutex_unlock(&c->lock);
	if (ret != 0) {
		MVDPA_LOG(ERR, "vid %d: virtq %u: re-creation after an error failed: %s\n",
			  c->vid, index, strerror(-ret));
		return;
	}
	if (index % 2 == 0)
		mvdpa_conf_steer_sync(c->dev);
	MVDPA_LOG(WARNING, "vid %d: virtq %u recovered from an error at avail %u used %u\n",
		  c->vid, index, a.hw_available_index, a.hw_used_index);
}

void
mvdpa_conf_error_event(struct mvdpa_conf *c)
{
	struct mlx5dv_devx_async_event_hdr ev;

	/* One event per wake-up: the channel stays readable while more are queued. */
	if (mlx5dv_devx_get_event(c->events, &ev, sizeof(ev)) < (ssize_t)sizeof(ev.cookie) ||
	    !(ev.cookie & COOKIE_ERROR) || COOKIE_QUEUE(ev.cookie) >= c->nvqs)
		return;
	vq_recover(c, (uint16_t)COOKIE_QUEUE(ev.cookie));
}

/* ---- dev_conf / dev_close ---- */

int
mvdpa_conf_base_create(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	struct devx_tis_attr ta = { 0 };
	void *page;
	int ret;

	ret = devx_td_alloc(dev->ctx, &c->td);
	if (ret < 0)
		return ret;
	ta.transport_domain = c->td.id;
	ret = devx_tis_create(dev->ctx, &ta, &c->tis);
	if (ret < 0)
		return ret;
	c->uar = mlx5dv_devx_alloc_uar(dev->ctx, MLX5DV_UAR_ALLOC_TYPE_NC);
	if (c->uar == NULL || mlx5dv_devx_query_eqn(dev->ctx, 0, &c->eqn) != 0)
		return -ENODEV;
	c->events = mlx5dv_devx_create_event_channel(dev->ctx,
			MLX5DV_DEVX_CREATE_EVENT_CHANNEL_FLAGS_OMIT_EV_DATA);
	if (c->events == NULL)
		return -errno ? -errno : -ENOMEM;
	c->var = mlx5dv_alloc_var(dev->ctx, 0);
	if (c->var == NULL)
		return -errno ? -errno : -ENOMEM;
	page = mmap(NULL, c->var->length, PROT_READ | PROT_WRITE, MAP_SHARED, dev->ctx->cmd_fd,
		    c->var->mmap_off);
	if (page == MAP_FAILED)
		return -errno;
	c->doorbell = page;
	return 0;
}

void
mvdpa_conf_base_destroy(struct mvdpa_conf *c)
{
	if (c->doorbell)
		munmap((void *)(uintptr_t)c->doorbell, c->var->length);
	c->doorbell = NULL;
	if (c->var)
		mlx5dv_free_var(c->var);
	c->var = NULL;
	if (c->events)
		mlx5dv_devx_destroy_event_channel(c->events);
	c->events = NULL;
	if (c->uar)
		mlx5dv_devx_free_uar(c->uar);
	c->uar = NULL;
	devx_obj_destroy(&c->tis);
	devx_obj_destroy(&c->td);
}

static void
conf_free(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	mvdpa_event_stop(c);
	if (c->steer_built)
		mvdpa_steer_destroy(&c->steer, dev->args.max_conf_threads);
	mvdpa_parallel_for(c->nvqs, dev->args.max_conf_threads, queue_stop, c);
	/* Stopped queues report what their moderation held back: relayed like the rest. */
	mvdpa_event_drain(c);
	/* Resources destroyed, or reset for the pool, a queue per worker: the reply waits. */
	mvdpa_parallel_for(c->nvqs, dev->args.max_conf_threads, queue_release, c);
	mvdpa_migrate_stop(c, false);
	free(c->vqs);
	mvdpa_event_teardown(c);
	if (c->nvqs)
		MVDPA_LOG(INFO, "vid %d: closed; %" PRIu64 " completion events relayed (event mode "
			  "%s: %" PRIu64 " CQEs, %" PRIu64 " CQ events, %" PRIu64 " polls, %" PRIu64
			  " no-traffic waits, %" PRIu64 " error CQEs), %" PRIu64 " kicks relayed "
			  "(host notifier %s), %u queue recoveries\n", c->vid, c->ev.stats.relayed,
			  mvdpa_event_mode_name(dev->args.event_mode), c->ev.stats.cqes,
			  c->ev.stats.events, c->ev.stats.polls, c->ev.stats.idle_waits,
			  c->ev.stats.error_cqes, c->kicks, c->host_notifier ? "on" : "off",
			  c->recoveries);
	if (c->pooled)
		mvdpa_prealloc_give_base(dev, c);
	else
		mvdpa_conf_base_destroy(c);
	mem_unregister(dev, c);
	free(c->stop.queue_state);
	pthread_cond_destroy(&c->stop.cond);
	pthread_mutex_destroy(&c->stop.lock);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* The front-end's vrings are forgotten with its configuration (see vring_ready). */
static void
vrings_forget(struct mvdpa_dev *dev)
{
	memset(dev->vring_ready, 0, sizeof(dev->vring_ready));
	dev->vring_ready_known = false;
}

void
mvdpa_conf_destroy(struct mvdpa_dev *dev)
{
	if (dev->conf == NULL)
		return;
	conf_free(dev, dev->conf);
	dev->conf = NULL;
	vrings_forget(dev);
}

bool
mvdpa_conf_can_resume_kept(const struct devx_hca_caps *caps)
{
	const struct devx_virtio_caps *v = &caps->virtio;

	return v->freeze_to_rdy && v->modify_ext && v->modify_addr && v->modify_index;
}

void
mvdpa_conf_kept_destroy(struct mvdpa_dev *dev)
{
	struct mvdpa_conf *c = dev->kept;

	if (c == NULL)
		return;
	mvdpa_conf_stop_wait(c, -1);
	dev->kept = NULL;
	MVDPA_LOG(INFO, "vid %d: the queues kept since the stop are destroyed\n", c->vid);
	c->vhost_gone = true;	/* vhost's device is gone or another's now */
	conf_free(dev, c);
}

/*
 * The stop of mvdpa_conf_close: every queue in parallel (queue_stop_keep), then what no vring's
 * answer waits for: the completion events, the queues without an object, the dirty log. On a
 * configuration worker (stop_job) when vhost answers for each vring as soon as its queue
 * stopped.
 */
static void
stop_all(struct mvdpa_conf *c, uint32_t workers)
{
	uint32_t running = 0;

	for (uint32_t i = 0; i < c->nvqs; i++)
		running += c->vqs[i].created;
	/*
	 * The RX steering stays too, over queues that now drop what it sends them, and goes
	 * with the rest (conf_free) or when the configuration is taken up (conf_take_kept):
	 * not in the reply's time.
	 */
	mvdpa_parallel_for(c->nvqs, workers, queue_stop_keep, c);
	/* The queues vhost's thread took: the log stops after their used rings are in it. */
	pthread_mutex_lock(&c->stop.lock);
	while (c->stop.queues_left > 0)
		pthread_cond_wait(&c->stop.cond, &c->stop.lock);
	pthread_mutex_unlock(&c->stop.lock);
	mvdpa_event_drain_events(c);
	/* What has no object keeps nothing: its resources go back as at a full close. */
	for (uint32_t i = 0; i < c->nvqs; i++) {
		if (c->vqs[i].created) {
			c->vqs[i].kept = true;
		} else {
			vq_destroy(c, (uint16_t)i);
			c->vqs[i].prepared = false;
		}
	}
	mvdpa_migrate_stop(c, true);
	MVDPA_LOG(INFO, "vid %d: stopped; %u queue(s) kept suspended for the next configuration "
		  "(%" PRIu64 " kicks relayed, %u queue recoveries)\n", c->vid, running, c->kicks,
		  c->recoveries);
	pthread_mutex_lock(&c->stop.lock);
	c->stop.done = true;
	pthread_cond_broadcast(&c->stop.cond);
	pthread_mutex_unlock(&c->stop.lock);
}

/*
 * On a worker while vhost's thread stops the asked vring's queue: this thread and
 * max_conf_threads - 1 others take the rest, so that as many threads issue commands as at a
 * dev_conf (vhost's and max_conf_threads). One more competed with the asked queue's commands,
 * which vhost's reply waits for, for the firmware's command slots (16 commands in flight on the
 * emulator: the 17th waited a whole command) and for the CPU.
 */
static int
stop_job(void *ctx, uint32_t i)
{
	struct mvdpa_conf *c = ctx;
	uint32_t threads = c->dev->args.max_conf_threads;

	(void)i;
	stop_all(c, threads > 0 ? threads - 1 : 0);
	return 0;
}

void
mvdpa_conf_close(struct mvdpa_dev *dev, int vring)
{
	struct mvdpa_conf *c = dev->conf;
	uint32_t running = 0;

	if (c == NULL)
		return;
	/*
	 * First the event thread: its error recovery re-creates queues (vq_recover), and kicks
	 * and completions stop before vhost closes any vring's kickfd or callfd.
	 */
	mvdpa_event_stop(c);
	for (uint32_t i = 0; i < c->nvqs; i++)
		running += c->vqs[i].created;
	/*
	 * The queues are only suspended, on every function: the reply to vhost (a migration's
	 * switch-over waits for it) needs no more. A function that cannot resume them destroys
	 * them at the next dev_conf or at dev_cleanup, out of that window.
	 */
	if (running == 0) {
		mvdpa_conf_destroy(dev);
		return;
	}
	mvdpa_conf_kept_destroy(dev);	/* one kept configuration at most */
	free(c->stop.queue_state);	/* of a stop before this configuration was taken up */
	c->stop.queue_state = calloc(c->nvqs, sizeof(*c->stop.queue_state));
	if (c->stop.queue_state == NULL) {
		MVDPA_LOG(ERR, "vid %d: out of memory for the stop's state\n", c->vid);
		mvdpa_conf_destroy(dev);
		return;
	}
	c->stop.queues_left = c->nvqs;
	c->stop.done = false;
	/*
	 * The asked vring's queue is this thread's, taken before the stop's worker starts: it
	 * issues its commands at once and answers vhost without waiting for another thread's
	 * wake-up. The rest goes on while vhost answers; a stop that must mark all of guest
	 * memory dirty is whole before the answer.
	 */
	if (vring >= 0 && (uint32_t)vring < c->nvqs && !mvdpa_migrate_stop_marks_all(c) &&
	    stop_take(c, (uint32_t)vring)) {
		mvdpa_job_start(&c->stop.job, 1, 1, stop_job, c);
		c->stop.running = true;
		dev->kept = c;
		dev->conf = NULL;
		vrings_forget(dev);
		queue_stop_taken(c, (uint32_t)vring);
		return;
	}
	stop_all(c, dev->args.max_conf_threads);
	dev->kept = c;
	dev->conf = NULL;
	vrings_forget(dev);
}

void
mvdpa_conf_stop_wait(struct mvdpa_conf *c, int vring)
{
	bool one = vring >= 0 && (uint32_t)vring < c->nvqs && c->stop.queue_state != NULL;

	if (one) {
		/* Whether this thread stopped a queue for this vring's answer. */
		bool helped = stop_take(c, (uint32_t)vring);

		if (helped)	/* none of the stop's threads got to the asked one */
			queue_stop_taken(c, (uint32_t)vring);
		pthread_mutex_lock(&c->stop.lock);
		while (!c->stop.done) {
			bool asked_done = __atomic_load_n(&c->stop.queue_state[vring],
							  __ATOMIC_RELAXED) == STOP_DONE;
			uint32_t i = c->nvqs;

			if (asked_done && helped)
				break;
			/*
			 * Before answering, this thread stops a queue no thread took yet, the last
			 * (vhost asks for the vrings in order), and more while another thread stops
			 * the asked one. With more queues than threads, the stop's threads are all
			 * busy with their second round when vhost's thread is free again; a queue left
			 * for a worker's third round would end the stop.
			 */
			while (i > 0 && !stop_take(c, i - 1))
				i--;
			if (i == 0) {
				if (asked_done)
					break;
				pthread_cond_wait(&c->stop.cond, &c->stop.lock);
				continue;
			}
			helped = true;
			pthread_mutex_unlock(&c->stop.lock);
			MVDPA_LOG(DEBUG, "vid %d: queue %u, which no thread took yet, stops here "
				  "before vring %d's answer\n", c->vid, i - 1, vring);
			queue_stop_taken(c, i - 1);
			pthread_mutex_lock(&c->stop.lock);
		}
		pthread_mutex_unlock(&c->stop.lock);
		return;
	}
	/* The whole stop: on this thread when no worker took it yet. */
	if (c->stop.running) {
		mvdpa_job_finish(&c->stop.job);
		c->stop.running = false;
	}
}

/*
 * The configuration dev_close kept, for vid, ready to be configured again (its per-front-end
 * state cleared, its guest-memory keys moved to old_mem); NULL when there is none that fits
 * (one that does not is destroyed).
 */
static struct mvdpa_conf *
conf_take_kept(struct mvdpa_dev *dev, int vid, struct mvdpa_conf *old_mem,
	       struct mvdpa_dirty_log *old_log)
{
	struct mvdpa_conf *c = dev->kept;

	if (c == NULL)
		return NULL;
	mvdpa_conf_stop_wait(c, -1);
	if (c->vid != vid || rte_vhost_get_vring_num(vid) != c->nvqs ||
	    !mvdpa_conf_can_resume_kept(&dev->caps)) {
		mvdpa_conf_kept_destroy(dev);
		return NULL;
	}
	dev->kept = NULL;
	/* The steering over the kept queues: rebuilt once they run again (steer_sync_locked). */
	if (c->steer_built)
		mvdpa_steer_destroy(&c->steer, dev->args.max_conf_threads);
	c->steer_built = false;
	mem_move(old_mem, c);
	memset(&c->ev.stats, 0, sizeof(c->ev.stats));
	c->kept_logging = mvdpa_migrate_kept_take(c, old_log);
	c->kicks = 0;
	c->recoveries = 0;
	c->host_notifier = false;
	return c;
}

static int
steer_sync_locked(struct mvdpa_dev *dev, struct mvdpa_conf *c)
{
	uint32_t ids[MVDPA_MAX_QUEUE_PAIRS], n = 0;
	int ret;

	for (uint32_t i = 0; i < c->nvqs && i < 2 * MVDPA_MAX_QUEUE_PAIRS; i += 2)
		if (c->vqs[i].created && !c->vqs[i].suspended && vring_wanted(dev, i))
			ids[n++] = c->vqs[i].obj.id;
	if (n == 0) {
		if (c->steer_built)
			mvdpa_steer_destroy(&c->steer, dev->args.max_conf_threads);
		c->steer_built = false;
		return 0;
	}
	if (c->steer_built)
		ret = mvdpa_steer_update(&c->steer, ids, n);
	else
		ret = mvdpa_steer_create(&c->steer, dev->ctx, c->td.id, dev->caps.log_max_rqt_size,
					 ids, n, dev->args.max_conf_threads);
	if (ret == 0) {
		c->steer_built = true;
		MVDPA_LOG(DEBUG, "vid %d: RX steering over %u queue(s)\n", c->vid, n);
	}
	return ret;
}

int
mvdpa_conf_steer_sync(struct mvdpa_dev *dev)
{
	struct mvdpa_conf *c = dev->conf;
	int ret;

	if (c == NULL)
		return 0;
	pthread_mutex_lock(&c->lock);
	ret = steer_sync_locked(dev, c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

uint32_t
mvdpa_conf_queues_pause(struct mvdpa_conf *c)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->nvqs; i++) {
		struct mvdpa_vq *q = &c->vqs[i];

		if (q->created && !q->suspended) {
			vq_suspend(c, (uint16_t)i);
			q->paused = true;
			n++;
		}
	}
	/* The RQT lets go of the suspended RX queues (one of them may be re-created). */
	if (n > 0 && steer_sync_locked(c->dev, c) < 0)
		MVDPA_LOG(WARNING, "vid %d: RX steering did not follow the paused queues\n", c->vid);
	return n;
}

int
mvdpa_conf_queues_unpause(struct mvdpa_conf *c)
{
	int ret = 0, r;

	for (uint32_t i = 0; i < c->nvqs; i++) {
		struct mvdpa_vq *q = &c->vqs[i];

		if (!q->paused)
			continue;
		q->paused = false;
		if (c->dev->caps.virtio.freeze_to_rdy) {
			r = vq_resume(c, (uint16_t)i);
		} else {
			vq_park(c, (uint16_t)i);
			r = vq_start(c, (uint16_t)i);
		}
		if (r < 0 && ret == 0)
			ret = r;
	}
	r = steer_sync_locked(c->dev, c);
	return ret < 0 ? ret : r;
}

/*
 * The vring's kickfd and callfd as vhost holds them now, for a queue whose vring is ready, or
 * none. A new callfd gets one notification: completions of the change's window were relayed to
 * no fd (a spurious one is harmless to virtio drivers). The event thread uses them only for
 * prepared queues. c's lock, the event thread stopped.
 */
static void
vq_fds_sync(struct mvdpa_conf *c, uint16_t index, bool ready)
{
	struct mvdpa_vq *q = &c->vqs[index];
	struct rte_vhost_vring vr;
	int callfd = q->callfd;

	if (!ready || rte_vhost_get_vhost_vring(c->vid, index, &vr) < 0) {
		q->kickfd = -1;
		q->callfd = -1;
		return;
	}
	q->kickfd = vr.kickfd;
	q->callfd = vr.callfd;
	if (q->callfd >= 0 && q->callfd != callfd)
		eventfd_write(q->callfd, 1);
}

int
mvdpa_conf_vring_state(struct mvdpa_dev *dev, uint16_t vring)
{
	struct mvdpa_conf *c = dev->conf;
	struct mvdpa_vq *q;
	bool relaying;
	int ret = 0, r;

	if (c == NULL || vring >= c->nvqs)
		return 0;
	q = &c->vqs[vring];
	/*
	 * vhost tells a vring not ready before it closes the vring's kickfd or callfd for a new
	 * one (vhost-user lets a front-end replace them at any time), and ready again after: the
	 * event thread lets go of the vring's fds before this returns and takes vhost's after. It
	 * stops outside the lock: its error recovery takes it.
	 */
	relaying = c->ev.running && q->prepared;
	if (relaying)
		mvdpa_event_stop(c);
	pthread_mutex_lock(&c->lock);
	vq_fds_sync(c, vring, vring_wanted(dev, vring));
	if (!q->prepared) {
		MVDPA_LOG(DEBUG, "vid %d: vring %u was not set up at configuration\n", c->vid,
			  vring);
	} else if (vring_wanted(dev, vring) && (!q->created || q->suspended)) {
		ret = q->suspended ? vq_resume(c, vring) : vq_start(c, vring);
		if (ret == 0 && vring % 2 == 0)
			ret = steer_sync_locked(dev, c);
	} else if (!vring_wanted(dev, vring) && q->created && !q->suspended) {
		/* The RQT lets go of an RX queue before it stops. */
		if (vring % 2 == 0)
			ret = steer_sync_locked(dev, c);
		/* A function that can resume keeps the object, to resume it with one command. */
		if (dev->caps.virtio.freeze_to_rdy)
			vq_suspend(c, vring);
		else
			vq_park(c, vring);
	}
	pthread_mutex_unlock(&c->lock);
	if (relaying) {
		r = mvdpa_event_start(dev, c);
		if (r < 0) {
			MVDPA_LOG(ERR, "vid %d: the event thread cannot start again after vring %u's "
				  "change: no kick or completion is relayed: %s\n", c->vid, vring,
				  strerror(-r));
			ret = ret < 0 ? ret : r;
		}
	}
	return ret;
}

int
mvdpa_conf_create(struct mvdpa_dev *dev, int vid)
{
	struct rte_vhost_memory *mem = NULL;
	struct mvdpa_gpa_map *map = NULL;
	struct mvdpa_conf *c, old_mem = { 0 };
	struct mvdpa_dirty_log old_log = { 0 };
	uint64_t features;
	uint64_t resumed0 = mvdpa_counter(&dev->kept_resumed);
	uint64_t recreated0 = mvdpa_counter(&dev->kept_recreated);
	uint32_t prepared = 0, running = 0;
	bool kept;
	int ret;

	if (dev->conf != NULL)
		return -EBUSY;
	c = conf_take_kept(dev, vid, &old_mem, &old_log);
	kept = c != NULL;
	if (c == NULL) {
		c = calloc(1, sizeof(*c));
		if (c == NULL)
			return -ENOMEM;
		c->vid = vid;
		c->dev = dev;
		pthread_mutex_init(&c->lock, NULL);
		pthread_mutex_init(&c->stop.lock, NULL);
		pthread_cond_init(&c->stop.cond, NULL);
		c->stop.done = true;
	}
	dev->conf = c;
	if (rte_vhost_get_negotiated_features(vid, &features) < 0 ||
	    rte_vhost_get_mem_table(vid, &mem) < 0 || mem->nregions == 0) {
		ret = -EIO;
		goto err;
	}
	map = calloc(mem->nregions, sizeof(*map));
	if (map == NULL) {
		ret = -ENOMEM;
		goto err;
	}
	for (uint32_t i = 0; i < mem->nregions; i++)
		map[i] = (struct mvdpa_gpa_map){ mem->regions[i].guest_phys_addr,
						 mem->regions[i].host_user_addr,
						 mem->regions[i].size };
	/* A kept configuration has its device-wide resources, channels and queues. */
	if (!kept && !mvdpa_prealloc_take_base(dev, c)) {
		ret = mvdpa_conf_base_create(dev, c);
		if (ret < 0)
			goto err;
	}
	if (!kept) {
		ret = mvdpa_event_setup(dev, c);
		if (ret < 0)
			goto err;
		c->nvqs = rte_vhost_get_vring_num(vid);
		c->vqs = calloc(c->nvqs ? c->nvqs : 1, sizeof(*c->vqs));
		if (c->vqs == NULL) {
			ret = -ENOMEM;
			goto err;
		}
	}
	for (uint32_t i = 0; i < c->nvqs; i++) {
		c->vqs[i].kickfd = -1;
		c->vqs[i].callfd = -1;
	}
	{
		struct conf_args args = { .c = c, .features = features, .map = map,
					  .nmap = mem->nregions };

		ret = queues_configure(c, mem, &args);
		if (ret < 0)
			goto err;
	}
	if (kept) {
		/* No queue uses the old keys now: each took the new one or was re-created. */
		mem_unregister(dev, &old_mem);
		mvdpa_migrate_log_release(&old_log);
		c->kept_logging = false;
		MVDPA_LOG(INFO, "vid %d: configured again after a stop: %" PRIu64 " queue(s) "
			  "resumed in place, %" PRIu64 " re-created\n", vid,
			  mvdpa_counter(&dev->kept_resumed) - resumed0,
			  mvdpa_counter(&dev->kept_recreated) - recreated0);
	}
	for (uint32_t i = 0; i < c->nvqs; i++)
		prepared += c->vqs[i].prepared, running += c->vqs[i].created;
	ret = mvdpa_conf_steer_sync(dev);
	if (ret == 0)
		ret = mvdpa_migrate_log_sync(dev);	/* reconfigured while migrating */
	if (ret < 0)
		goto err;
	ret = mvdpa_event_start(dev, c);
	if (ret < 0)
		goto err;
	/*
	 * Ask the front-end to map the doorbell page (get_notify_area) into the guest, so kicks
	 * reach the hardware without the event thread. Front-ends without backend requests
	 * (virtio-user) refuse; the event thread then relays every kick from the kickfds, which it
	 * waits on either way: a front-end may kick there before it maps the page.
	 */
	c->host_notifier = rte_vhost_host_notifier_ctrl(vid, RTE_VHOST_QUEUE_ALL, true) == 0;
	MVDPA_LOG(DEBUG, "vid %d: host notifier %s\n", vid,
		  c->host_notifier ? "set up" : "refused by the front-end: kicks are relayed");
	MVDPA_LOG(INFO, "vid %d: configured %u of %u queues, %u running (the vrings ready); "
		  "%s rings%s\n", vid, prepared, c->nvqs, running,
		  (features >> VIRTIO_F_RING_PACKED) & 1 ? "packed" : "split",
		  (features >> VIRTIO_NET_F_MRG_RXBUF) & 1 ? ", mergeable RX buffers" : "");
	MVDPA_LOG(INFO, "vid %d: %u memory regions in %u keys under key 0x%x (%d KLM entries)\n",
		  vid, c->nregions, c->nchunks, c->mkey.id, c->mkey_klm_entries);
	if (c->mkey_built_ahead)
		MVDPA_LOG(INFO, "vid %d: guest-memory keys built ahead, while vhost took the "
			  "vrings\n", vid);
	if (c->vqs_ahead > 0)
		MVDPA_LOG(INFO, "vid %d: the resources of %u queues built ahead, while vhost took "
			  "the vrings\n", vid, c->vqs_ahead);
	/* A configuration kept over a stop counts again. */
	c->vqs_ahead = 0;
	c->mkey_built_ahead = false;
	mvdpa_prealloc_ahead_discard(dev);	/* for vrings the front-end did not set up */
	free(map);
	free(mem);
	return 0;
err:
	MVDPA_LOG(ERR, "vid %d: configuration failed: %s\n", vid, strerror(-ret));
	mvdpa_conf_mem_early_discard(dev);	/* keys built ahead and not taken yet */
	mvdpa_prealloc_ahead_discard(dev);	/* ... and queue resources */
	mvdpa_conf_destroy(dev);
	/* After the queues that may still use them. */
	mem_unregister(dev, &old_mem);
	mvdpa_migrate_log_release(&old_log);
	free(map);
	free(mem);
	return ret;
}
