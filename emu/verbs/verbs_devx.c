/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DevX: general commands, objects, asynchronous queries and event channels.
 *
 * Completions and events are queued in user space; each queue has an eventfd in semaphore mode
 * whose count is the number of queued entries. That fd is what the caller polls, and reading it
 * is how a get call waits: a real blocking read(2), hence a thread cancellation point, and
 * EAGAIN when the caller made the fd non-blocking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <mlx5_log.h>

#include "emu_verbs.h"
#include "verbs_prm.h"

#define LOG_ORIGIN "emu.verbs"

/* Async command workers per context: more than the firmware's command slots, so they all fill. */
#define EMU_ASYNC_WORKERS 8
/* Events queued on a channel before it reports overflow, as the kernel's queue would. */
#define EMU_EVENT_QUEUE_MAX 4096

static struct emu_context *
devx_ctx(struct ibv_context *context)
{
	struct emu_context *ctx;

	if (context == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ctx = ibctx_to_emu(context);
	if (!ctx->devx) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	return ctx;
}

/* Maps the internal convention to rdma-core's (positive errno, also left in errno). */
static int
devx_ret(int ret)
{
	if (ret == 0)
		return 0;
	errno = -ret;
	return -ret;
}

EMU_EXPORT int
mlx5dv_devx_general_cmd(struct ibv_context *context, const void *in, size_t inlen, void *out,
			size_t outlen)
{
	EMU_API_CALL();
	uint8_t probe_out[EMU_DESTROY_MAX] = {0};
	uint8_t probe_in[EMU_DESTROY_MAX];
	size_t len = sizeof(probe_in);
	struct emu_context *ctx = devx_ctx(context);

	if (ctx == NULL)
		return errno;
	if (in == NULL || inlen < PRM_SIZE(cmd_in_hdr))
		return devx_ret(-EINVAL);
	/* An object created here could never be destroyed: the kernel refuses creates too. */
	if (emu_fw_destroy_cmd(in, probe_out, probe_in, &len) != -EOPNOTSUPP)
		return devx_ret(-EINVAL);
	return devx_ret(emu_ctx_cmd(ctx, in, inlen, out, outlen));
}

static void
devx_obj_release(struct emu_res *res)
{
	struct mlx5dv_devx_obj *obj = emu_container_of(res, struct mlx5dv_devx_obj, kobj.res);

	emu_kobj_destroy(&obj->kobj);
	free(obj);
}

EMU_EXPORT struct mlx5dv_devx_obj *
mlx5dv_devx_obj_create(struct ibv_context *context, const void *in, size_t inlen, void *out,
		       size_t outlen)
{
	EMU_API_CALL();
	struct emu_context *ctx = devx_ctx(context);
	struct mlx5dv_devx_obj *obj;
	int ret;

	if (ctx == NULL)
		return NULL;
	obj = calloc(1, sizeof(*obj));
	if (obj == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	obj->kobj.res.release = devx_obj_release;
	ret = emu_kobj_create(ctx, &obj->kobj, in, inlen, out, outlen);
	if (ret != 0) {
		free(obj);
		errno = -ret;
		return NULL;
	}
	return obj;
}

EMU_EXPORT int
mlx5dv_devx_obj_query(struct mlx5dv_devx_obj *obj, const void *in, size_t inlen, void *out,
		      size_t outlen)
{
	EMU_API_CALL();
	if (obj == NULL)
		return devx_ret(-EINVAL);
	return devx_ret(emu_ctx_cmd(obj->kobj.ctx, in, inlen, out, outlen));
}

EMU_EXPORT int
mlx5dv_devx_obj_modify(struct mlx5dv_devx_obj *obj, const void *in, size_t inlen, void *out,
		       size_t outlen)
{
	EMU_API_CALL();
	if (obj == NULL)
		return devx_ret(-EINVAL);
	return devx_ret(emu_ctx_cmd(obj->kobj.ctx, in, inlen, out, outlen));
}

EMU_EXPORT int
mlx5dv_devx_obj_destroy(struct mlx5dv_devx_obj *obj)
{
	EMU_API_CALL();
	int ret;

	if (obj == NULL)
		return devx_ret(-EINVAL);
	ret = emu_kobj_destroy(&obj->kobj);
	if (ret != 0)
		return devx_ret(ret);
	free(obj);
	return 0;
}

/* Object type and number a subscription names; both 0 for unaffiliated events. */
static void
devx_obj_event_key(const struct mlx5dv_devx_obj *obj, uint16_t *type, uint32_t *id)
{
	*type = obj != NULL ? obj->kobj.obj_type : 0;
	*id = obj != NULL ? obj->kobj.id : 0;
}

/* ---- asynchronous commands ---- */

/* One queued entry: a completion or an event, as get_* hands it out (header + data). */
struct emu_entry {
	struct emu_entry *next;
	size_t len;
	uint64_t key;		/* wr_id or cookie */
	uint8_t data[];
};

/* A user-space queue behind an eventfd whose count equals the number of entries. */
struct emu_queue {
	/* Protects the list, its length and the overflow flag. */
	pthread_mutex_t lock;
	struct emu_entry *head, **tail;
	unsigned int len;
	bool overflow;
	int fd;
};

static int
queue_init(struct emu_queue *q)
{
	int ret = pthread_mutex_init(&q->lock, NULL);

	if (ret != 0)
		return -ret;
	q->head = NULL;
	q->tail = &q->head;
	q->fd = eventfd(0, EFD_CLOEXEC | EFD_SEMAPHORE);
	if (q->fd < 0) {
		ret = -errno;
		pthread_mutex_destroy(&q->lock);
		return ret;
	}
	return 0;
}

static void
queue_fini(struct emu_queue *q)
{
	struct emu_entry *e, *next;

	for (e = q->head; e != NULL; e = next) {
		next = e->next;
		free(e);
	}
	close(q->fd);
	pthread_mutex_destroy(&q->lock);
}

static void
queue_signal(struct emu_queue *q)
{
	uint64_t one = 1;

	/* Cannot fail short of a counter overflow, which the queue limit rules out. */
	if (write(q->fd, &one, sizeof(one)) != sizeof(one))
		MLX5_LOG(ERR, LOG_ORIGIN, "eventfd write failed: %d", errno);
}

/*
 * Takes the oldest entry after a read of the eventfd said there is one. Returns the entry, or
 * NULL with errno (EAGAIN, EOVERFLOW, the read's error).
 */
static struct emu_entry *
queue_wait(struct emu_queue *q, size_t max_len)
{
	struct emu_entry *e;
	uint64_t v;

	if (read(q->fd, &v, sizeof(v)) != sizeof(v))
		return NULL;
	pthread_mutex_lock(&q->lock);
	e = q->head;
	if (e != NULL && e->len > max_len) {
		pthread_mutex_unlock(&q->lock);
		queue_signal(q);	/* it stays queued: give the count back */
		errno = ENOSPC;
		return NULL;
	}
	if (e != NULL) {
		q->head = e->next;
		if (q->head == NULL)
			q->tail = &q->head;
		q->len--;
	} else if (q->overflow) {
		q->overflow = false;
		errno = EOVERFLOW;
	} else {
		errno = EAGAIN;
	}
	pthread_mutex_unlock(&q->lock);
	return e;
}

struct emu_cmd_comp {
	struct mlx5dv_devx_cmd_comp pub;	/* pub.fd is the queue's eventfd */
	struct emu_res res;
	struct emu_context *ctx;
	struct emu_queue q;
	unsigned int pending;	/* jobs not completed yet, under the async lock */
};

struct emu_job {
	struct emu_job *next;
	struct emu_cmd_comp *comp;
	uint64_t wr_id;
	size_t inlen, outlen;
	uint8_t in[];
};

struct emu_async {
	/* Protects the job list, `stop` and every comp's `pending`. */
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job was queued or stop was set */
	pthread_cond_t idle;	/* some comp's pending dropped */
	struct emu_job *head, **tail;
	bool stop;
	unsigned int nthreads;
	pthread_t threads[EMU_ASYNC_WORKERS];
};

static void
async_run(struct emu_async *as, struct emu_job *job)
{
	struct emu_cmd_comp *comp = job->comp;
	struct emu_entry *e;

	e = calloc(1, sizeof(*e) + sizeof(struct mlx5dv_devx_async_cmd_hdr) + job->outlen);
	if (e != NULL) {
		struct mlx5dv_devx_async_cmd_hdr *hdr = (void *)e->data;
		int ret;

		hdr->wr_id = job->wr_id;
		e->len = sizeof(*hdr) + job->outlen;
		ret = emu_fw_cmd(comp->ctx->fn->fw, comp->ctx->uid, job->in, job->inlen,
				 hdr->out_data, job->outlen);
		if (ret != 0)
			MLX5_LOG(ERR, LOG_ORIGIN, "async command failed to run: %d", ret);
		pthread_mutex_lock(&comp->q.lock);
		*comp->q.tail = e;
		comp->q.tail = &e->next;
		comp->q.len++;
		pthread_mutex_unlock(&comp->q.lock);
		queue_signal(&comp->q);
	} else {
		MLX5_LOG(ERR, LOG_ORIGIN, "async completion of wr_id %llu lost: no memory",
			 (unsigned long long)job->wr_id);
	}
	free(job);
	pthread_mutex_lock(&as->lock);
	comp->pending--;
	pthread_cond_broadcast(&as->idle);
	pthread_mutex_unlock(&as->lock);
}

static void *
async_worker(void *arg)
{
	struct emu_async *as = arg;
	struct emu_job *job;

	pthread_mutex_lock(&as->lock);
	for (;;) {
		while (as->head == NULL && !as->stop)
			pthread_cond_wait(&as->work, &as->lock);
		if (as->head == NULL)
			break;
		job = as->head;
		as->head = job->next;
		if (as->head == NULL)
			as->tail = &as->head;
		pthread_mutex_unlock(&as->lock);
		async_run(as, job);
		pthread_mutex_lock(&as->lock);
	}
	pthread_mutex_unlock(&as->lock);
	return NULL;
}

/* Starts the context's workers on first use; called with ctx->lock held. */
static int
async_start(struct emu_context *ctx)
{
	struct emu_async *as;
	int ret;

	if (ctx->async != NULL)
		return 0;
	as = calloc(1, sizeof(*as));
	if (as == NULL)
		return -ENOMEM;
	as->tail = &as->head;
	pthread_mutex_init(&as->lock, NULL);
	pthread_cond_init(&as->work, NULL);
	pthread_cond_init(&as->idle, NULL);
	for (as->nthreads = 0; as->nthreads < EMU_ASYNC_WORKERS; as->nthreads++) {
		ret = pthread_create(&as->threads[as->nthreads], NULL, async_worker, as);
		if (ret != 0)
			break;
		pthread_setname_np(as->threads[as->nthreads], "mlx5emu-async");
	}
	if (as->nthreads == 0) {
		pthread_cond_destroy(&as->idle);
		pthread_cond_destroy(&as->work);
		pthread_mutex_destroy(&as->lock);
		free(as);
		return -ret;
	}
	ctx->async = as;
	return 0;
}

void
emu_async_stop(struct emu_context *ctx)
{
	struct emu_async *as = ctx->async;
	unsigned int i;

	if (as == NULL)
		return;
	/* Workers finish the queued jobs first, so every comp's pending count reaches 0. */
	pthread_mutex_lock(&as->lock);
	as->stop = true;
	pthread_cond_broadcast(&as->work);
	pthread_mutex_unlock(&as->lock);
	for (i = 0; i < as->nthreads; i++)
		pthread_join(as->threads[i], NULL);
	pthread_cond_destroy(&as->idle);
	pthread_cond_destroy(&as->work);
	pthread_mutex_destroy(&as->lock);
	free(as);
	ctx->async = NULL;
}

static void
cmd_comp_free(struct emu_cmd_comp *comp)
{
	struct emu_async *as;

	pthread_mutex_lock(&comp->ctx->lock);
	as = comp->ctx->async;
	pthread_mutex_unlock(&comp->ctx->lock);
	/* Its jobs hold a pointer to it: wait for them (workers always finish a job). */
	if (as != NULL) {
		pthread_mutex_lock(&as->lock);
		while (comp->pending != 0)
			pthread_cond_wait(&as->idle, &as->lock);
		pthread_mutex_unlock(&as->lock);
	}
	queue_fini(&comp->q);
	free(comp);
}

static void
cmd_comp_release(struct emu_res *res)
{
	cmd_comp_free(emu_container_of(res, struct emu_cmd_comp, res));
}

EMU_EXPORT struct mlx5dv_devx_cmd_comp *
mlx5dv_devx_create_cmd_comp(struct ibv_context *context)
{
	EMU_API_CALL();
	struct emu_context *ctx = devx_ctx(context);
	struct emu_cmd_comp *comp;
	int ret;

	if (ctx == NULL)
		return NULL;
	comp = calloc(1, sizeof(*comp));
	if (comp == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = queue_init(&comp->q);
	if (ret != 0) {
		free(comp);
		errno = -ret;
		return NULL;
	}
	comp->pub.fd = comp->q.fd;
	comp->ctx = ctx;
	comp->res.release = cmd_comp_release;
	emu_res_add(ctx, &comp->res);
	return &comp->pub;
}

EMU_EXPORT void
mlx5dv_devx_destroy_cmd_comp(struct mlx5dv_devx_cmd_comp *cmd_comp)
{
	EMU_API_CALL();
	struct emu_cmd_comp *comp;

	if (cmd_comp == NULL)
		return;
	comp = emu_container_of(cmd_comp, struct emu_cmd_comp, pub);
	emu_res_del(comp->ctx, &comp->res);
	cmd_comp_free(comp);
}

EMU_EXPORT int
mlx5dv_devx_obj_query_async(struct mlx5dv_devx_obj *obj, const void *in, size_t inlen,
			    size_t outlen, uint64_t wr_id, struct mlx5dv_devx_cmd_comp *cmd_comp)
{
	EMU_API_CALL();
	struct emu_cmd_comp *comp;
	struct emu_context *ctx;
	struct emu_async *as;
	struct emu_job *job;
	int ret;

	if (obj == NULL || cmd_comp == NULL || in == NULL || inlen < PRM_SIZE(cmd_in_hdr) ||
	    outlen < PRM_SIZE(cmd_out_hdr))
		return devx_ret(-EINVAL);
	comp = emu_container_of(cmd_comp, struct emu_cmd_comp, pub);
	ctx = obj->kobj.ctx;
	if (comp->ctx != ctx)
		return devx_ret(-EINVAL);
	job = malloc(sizeof(*job) + inlen);
	if (job == NULL)
		return devx_ret(-ENOMEM);
	memcpy(job->in, in, inlen);
	job->inlen = inlen;
	job->outlen = outlen;
	job->wr_id = wr_id;
	job->comp = comp;
	job->next = NULL;
	pthread_mutex_lock(&ctx->lock);
	ret = async_start(ctx);
	as = ctx->async;
	pthread_mutex_unlock(&ctx->lock);
	if (ret != 0) {
		free(job);
		return devx_ret(ret);
	}
	pthread_mutex_lock(&as->lock);
	comp->pending++;
	*as->tail = job;
	as->tail = &job->next;
	pthread_cond_signal(&as->work);
	pthread_mutex_unlock(&as->lock);
	return 0;
}

EMU_EXPORT int
mlx5dv_devx_get_async_cmd_comp(struct mlx5dv_devx_cmd_comp *cmd_comp,
			       struct mlx5dv_devx_async_cmd_hdr *cmd_resp, size_t cmd_resp_len)
{
	EMU_API_CALL();
	struct emu_cmd_comp *comp;
	struct emu_entry *e;

	if (cmd_comp == NULL || cmd_resp == NULL)
		return EINVAL;
	comp = emu_container_of(cmd_comp, struct emu_cmd_comp, pub);
	e = queue_wait(&comp->q, cmd_resp_len);
	if (e == NULL)
		return errno;
	memcpy(cmd_resp, e->data, e->len);
	free(e);
	return 0;
}

/* ---- event channels ---- */

/* A subscription that signals a caller's eventfd instead of queueing data. */
struct emu_fd_sink {
	struct emu_fd_sink *next;
	struct emu_fw_event_sink sink;
	int fd;
};

struct emu_event_channel {
	struct mlx5dv_devx_event_channel pub;	/* pub.fd is the queue's eventfd */
	struct emu_res res;
	struct emu_context *ctx;
	bool omit_data;
	struct emu_fw_event_sink sink;
	struct emu_queue q;
	struct emu_fd_sink *fd_sinks;	/* under q.lock */
};

static void
channel_deliver(void *arg, uint16_t event_type, uint64_t cookie, const void *data, size_t len)
{
	struct emu_event_channel *ch = arg;
	struct emu_entry *e;
	size_t dlen = ch->omit_data ? 0 : len;

	(void)event_type;
	pthread_mutex_lock(&ch->q.lock);
	/* Without data the kernel keeps one pending event per subscription: coalesce. */
	if (ch->omit_data) {
		for (e = ch->q.head; e != NULL; e = e->next) {
			if (e->key == cookie) {
				pthread_mutex_unlock(&ch->q.lock);
				return;
			}
		}
	}
	if (ch->q.len >= EMU_EVENT_QUEUE_MAX) {
		/* Signal only the first loss, so the reader sees EOVERFLOW once. */
		if (!ch->q.overflow) {
			ch->q.overflow = true;
			pthread_mutex_unlock(&ch->q.lock);
			queue_signal(&ch->q);
			return;
		}
		pthread_mutex_unlock(&ch->q.lock);
		return;
	}
	e = malloc(sizeof(*e) + sizeof(struct mlx5dv_devx_async_event_hdr) + dlen);
	if (e == NULL) {
		pthread_mutex_unlock(&ch->q.lock);
		return;
	}
	e->next = NULL;
	e->key = cookie;
	e->len = sizeof(struct mlx5dv_devx_async_event_hdr) + dlen;
	memcpy(e->data, &cookie, sizeof(cookie));
	if (dlen != 0)
		memcpy(e->data + sizeof(cookie), data, dlen);
	*ch->q.tail = e;
	ch->q.tail = &e->next;
	ch->q.len++;
	pthread_mutex_unlock(&ch->q.lock);
	queue_signal(&ch->q);
}

static void
fd_sink_deliver(void *arg, uint16_t event_type, uint64_t cookie, const void *data, size_t len)
{
	struct emu_fd_sink *s = arg;
	uint64_t one = 1;

	(void)event_type;
	(void)cookie;
	(void)data;
	(void)len;
	/* The caller's fd: a failed signal has nowhere better to go than the log. */
	if (write(s->fd, &one, sizeof(one)) != sizeof(one))
		MLX5_LOG(WARN, LOG_ORIGIN, "event fd %d not signalled: %d", s->fd, errno);
}

static void
channel_free(struct emu_event_channel *ch)
{
	struct emu_fw *fw = ch->ctx->fn->fw;
	struct emu_fd_sink *s, *next;

	emu_fw_unsubscribe_all(fw, &ch->sink);
	for (s = ch->fd_sinks; s != NULL; s = next) {
		next = s->next;
		emu_fw_unsubscribe_all(fw, &s->sink);
		free(s);
	}
	queue_fini(&ch->q);
	free(ch);
}

static void
channel_release(struct emu_res *res)
{
	channel_free(emu_container_of(res, struct emu_event_channel, res));
}

EMU_EXPORT struct mlx5dv_devx_event_channel *
mlx5dv_devx_create_event_channel(struct ibv_context *context,
				 enum mlx5dv_devx_create_event_channel_flags flags)
{
	EMU_API_CALL();
	struct emu_context *ctx = devx_ctx(context);
	struct emu_event_channel *ch;
	int ret;

	if (ctx == NULL)
		return NULL;
	if ((flags & ~MLX5DV_DEVX_CREATE_EVENT_CHANNEL_FLAGS_OMIT_EV_DATA) != 0) {
		errno = EINVAL;
		return NULL;
	}
	ch = calloc(1, sizeof(*ch));
	if (ch == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = queue_init(&ch->q);
	if (ret != 0) {
		free(ch);
		errno = -ret;
		return NULL;
	}
	ch->pub.fd = ch->q.fd;
	ch->ctx = ctx;
	ch->omit_data = flags & MLX5DV_DEVX_CREATE_EVENT_CHANNEL_FLAGS_OMIT_EV_DATA;
	ch->sink.deliver = channel_deliver;
	ch->sink.ctx = ch;
	ch->res.release = channel_release;
	emu_res_add(ctx, &ch->res);
	return &ch->pub;
}

EMU_EXPORT void
mlx5dv_devx_destroy_event_channel(struct mlx5dv_devx_event_channel *event_channel)
{
	EMU_API_CALL();
	struct emu_event_channel *ch;

	if (event_channel == NULL)
		return;
	ch = emu_container_of(event_channel, struct emu_event_channel, pub);
	emu_res_del(ch->ctx, &ch->res);
	channel_free(ch);
}

EMU_EXPORT int
mlx5dv_devx_subscribe_devx_event(struct mlx5dv_devx_event_channel *event_channel,
				 struct mlx5dv_devx_obj *obj, uint16_t events_sz,
				 uint16_t events_num[], uint64_t cookie)
{
	EMU_API_CALL();
	struct emu_event_channel *ch;
	uint16_t type;
	uint32_t id;
	unsigned int i;
	int ret;

	if (event_channel == NULL || events_num == NULL || events_sz < sizeof(uint16_t))
		return devx_ret(-EINVAL);
	ch = emu_container_of(event_channel, struct emu_event_channel, pub);
	devx_obj_event_key(obj, &type, &id);
	for (i = 0; i < events_sz / sizeof(uint16_t); i++) {
		ret = emu_fw_subscribe(ch->ctx->fn->fw, &ch->sink, type, id, events_num[i],
				       cookie);
		if (ret != 0)
			return devx_ret(ret);
	}
	return 0;
}

EMU_EXPORT int
mlx5dv_devx_subscribe_devx_event_fd(struct mlx5dv_devx_event_channel *event_channel, int fd,
				    struct mlx5dv_devx_obj *obj, uint16_t event_num)
{
	EMU_API_CALL();
	struct emu_event_channel *ch;
	struct emu_fd_sink *s;
	uint16_t type;
	uint32_t id;
	int ret;

	if (event_channel == NULL || fd < 0)
		return devx_ret(-EINVAL);
	ch = emu_container_of(event_channel, struct emu_event_channel, pub);
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return devx_ret(-ENOMEM);
	s->fd = fd;
	s->sink.deliver = fd_sink_deliver;
	s->sink.ctx = s;
	devx_obj_event_key(obj, &type, &id);
	ret = emu_fw_subscribe(ch->ctx->fn->fw, &s->sink, type, id, event_num, 0);
	if (ret != 0) {
		free(s);
		return devx_ret(ret);
	}
	pthread_mutex_lock(&ch->q.lock);
	s->next = ch->fd_sinks;
	ch->fd_sinks = s;
	pthread_mutex_unlock(&ch->q.lock);
	return 0;
}

EMU_EXPORT ssize_t
mlx5dv_devx_get_event(struct mlx5dv_devx_event_channel *event_channel,
		      struct mlx5dv_devx_async_event_hdr *event_data, size_t event_resp_len)
{
	EMU_API_CALL();
	struct emu_event_channel *ch;
	struct emu_entry *e;
	ssize_t len;

	if (event_channel == NULL || event_data == NULL) {
		errno = EINVAL;
		return -1;
	}
	ch = emu_container_of(event_channel, struct emu_event_channel, pub);
	e = queue_wait(&ch->q, event_resp_len);
	if (e == NULL)
		return -1;
	memcpy(event_data, e->data, e->len);
	len = (ssize_t)e->len;
	free(e);
	return len;
}
