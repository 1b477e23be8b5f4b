/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration workers (mvdpa_workers.h). A job is queued until as many workers as it wants
 * took it; each worker that wakes takes the oldest such job and its items one at a time, as the
 * caller does at finish, until none is left; the caller then waits only for the workers still
 * inside it.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <rte_lcore.h>

#include "mvdpa.h"
#include "mvdpa_workers.h"

/*
 * The workers' calls are shallow (commands and their mailboxes): small stacks, which also
 * keep 15 threads' reserved memory small.
 */
#define WORKER_STACK (512u << 10)

/*
 * The process's one set of workers, shared by every device (see the header): file-scope state
 * by design, its lifetime that of the devices' references.
 */
static struct {
	/* Serializes get and put, so that a put's join never overlaps a get's creation. */
	pthread_mutex_t life;
	/* Protects every field below and the jobs' wanted, inside and queued. */
	pthread_mutex_t lock;
	pthread_cond_t work;	/* a job was queued, or quit */
	pthread_cond_t left;	/* a dequeued job's last worker left it */
	TAILQ_HEAD(, mvdpa_job) jobs;	/* jobs that want more workers, oldest first */
	pthread_t threads[MVDPA_MAX_CONF_THREADS + 1];
	uint32_t nthreads;
	uint32_t idle;		/* threads waiting for a job */
	uint32_t refs;
	bool quit;
} pool = {
	.life = PTHREAD_MUTEX_INITIALIZER,
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.work = PTHREAD_COND_INITIALIZER,
	.left = PTHREAD_COND_INITIALIZER,
	.jobs = TAILQ_HEAD_INITIALIZER(pool.jobs),
};

static void
job_run(struct mvdpa_job *j)
{
	for (;;) {
		uint32_t i = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
		int zero = 0, ret;

		if (i >= j->n || __atomic_load_n(&j->err, __ATOMIC_RELAXED) != 0)
			break;
		ret = j->fn(j->ctx, i);
		if (ret < 0)
			__atomic_compare_exchange_n(&j->err, &zero, ret, false, __ATOMIC_RELAXED,
						    __ATOMIC_RELAXED);
	}
}

static void *
worker_main(void *arg)
{
	/*
	 * glibc gives a thread its malloc arena at its first allocation: a new mapping and its
	 * first pages, 50-100 us of CPU. Taken here, at probe, and not in the first bring-up,
	 * where 15 workers taking theirs at once delay vhost's thread on the same CPU. Volatile:
	 * a compiler may drop a malloc whose memory is only freed.
	 */
	void *volatile warm = malloc(1);

	free(warm);
	(void)arg;
	pthread_mutex_lock(&pool.lock);
	for (;;) {
		struct mvdpa_job *j;

		pool.idle++;
		while (!pool.quit && TAILQ_EMPTY(&pool.jobs))
			pthread_cond_wait(&pool.work, &pool.lock);
		pool.idle--;
		if (pool.quit)
			break;
		j = TAILQ_FIRST(&pool.jobs);
		if (--j->wanted == 0) {
			TAILQ_REMOVE(&pool.jobs, j, link);
			j->queued = false;
		}
		j->inside++;
		pthread_mutex_unlock(&pool.lock);
		job_run(j);
		pthread_mutex_lock(&pool.lock);
		if (--j->inside == 0 && !j->queued)
			pthread_cond_broadcast(&pool.left);
	}
	pthread_mutex_unlock(&pool.lock);
	return NULL;
}

void
mvdpa_workers_get(uint32_t n)
{
	pthread_attr_t attr;

	n = n < MVDPA_MAX_CONF_THREADS ? n + 1 : MVDPA_MAX_CONF_THREADS + 1;
	pthread_mutex_lock(&pool.life);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, WORKER_STACK);
	pthread_mutex_lock(&pool.lock);
	pool.refs++;
	while (pool.nthreads < n) {
		char name[16];
		int ret;

		snprintf(name, sizeof(name), "mvdpa-conf-%u", pool.nthreads);
		ret = rte_ctrl_thread_create(&pool.threads[pool.nthreads], name, &attr,
					     worker_main, NULL);
		if (ret != 0) {
			MVDPA_LOG(WARNING, "%u of %u configuration workers (%s): the others take "
				  "their share\n", pool.nthreads, n, strerror(ret < 0 ? -ret : ret));
			break;
		}
		pool.nthreads++;
	}
	pthread_mutex_unlock(&pool.lock);
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&pool.life);
}

void
mvdpa_workers_put(void)
{
	uint32_t n;

	pthread_mutex_lock(&pool.life);
	pthread_mutex_lock(&pool.lock);
	n = --pool.refs == 0 ? pool.nthreads : 0;
	pool.quit = n > 0;
	pthread_cond_broadcast(&pool.work);
	pthread_mutex_unlock(&pool.lock);
	/* Only this thread changes the thread list (life held): joined without the lock. */
	for (uint32_t i = 0; i < n; i++)
		pthread_join(pool.threads[i], NULL);
	pthread_mutex_lock(&pool.lock);
	if (n > 0)
		pool.nthreads = 0;
	pool.quit = false;
	pthread_mutex_unlock(&pool.lock);
	pthread_mutex_unlock(&pool.life);
}

uint32_t
mvdpa_workers_count(void)
{
	uint32_t n;

	pthread_mutex_lock(&pool.lock);
	n = pool.nthreads;
	pthread_mutex_unlock(&pool.lock);
	return n;
}

void
mvdpa_job_start(struct mvdpa_job *j, uint32_t n, uint32_t workers,
		int (*fn)(void *ctx, uint32_t i), void *ctx)
{
	bool all;

	*j = (struct mvdpa_job){ .fn = fn, .ctx = ctx, .n = n };
	if (workers > n)
		workers = n;
	pthread_mutex_lock(&pool.lock);
	if (pool.quit || workers > pool.nthreads)
		workers = pool.quit ? 0 : pool.nthreads;
	if (workers > 0) {
		j->wanted = workers;
		j->queued = true;
		TAILQ_INSERT_TAIL(&pool.jobs, j, link);
	}
	all = workers >= pool.idle;
	pthread_mutex_unlock(&pool.lock);
	/*
	 * Woken with the lock free, so that a worker that runs at once (it may preempt this
	 * thread: they share a CPU) takes the job instead of sleeping again on the lock; and all
	 * in one call when the job wants every idle worker, so that none waits for this thread to
	 * get the CPU back before it is woken (behind vhost's busy thread: 3 ms seen).
	 */
	if (all && workers > 0)
		pthread_cond_broadcast(&pool.work);
	else
		for (uint32_t i = 0; i < workers; i++)
			pthread_cond_signal(&pool.work);
}

int
mvdpa_job_finish(struct mvdpa_job *j)
{
	job_run(j);
	pthread_mutex_lock(&pool.lock);
	if (j->queued) {	/* no worker joins it any more */
		TAILQ_REMOVE(&pool.jobs, j, link);
		j->queued = false;
	}
	while (j->inside > 0)
		pthread_cond_wait(&pool.left, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	return __atomic_load_n(&j->err, __ATOMIC_RELAXED);
}

void
mvdpa_job_skip_rest(struct mvdpa_job *j)
{
	int zero = 0;

	/* job_run takes no item after it sees an error. */
	__atomic_compare_exchange_n(&j->err, &zero, -ECANCELED, false, __ATOMIC_RELAXED,
				    __ATOMIC_RELAXED);
}

int
mvdpa_job_cancel(struct mvdpa_job *j)
{
	mvdpa_job_skip_rest(j);
	return mvdpa_job_finish(j);
}

int
mvdpa_parallel_for(uint32_t n, uint32_t workers, int (*fn)(void *ctx, uint32_t i), void *ctx)
{
	struct mvdpa_job j;

	mvdpa_job_start(&j, n, workers < n ? workers : (n > 0 ? n - 1 : 0), fn, ctx);
	return mvdpa_job_finish(&j);
}
