/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration workers: threads that issue a configuration's independent firmware commands in
 * parallel with the thread that asks (max_conf_threads), so a device with many queues comes up
 * and stops in a fraction of the serial time. They are created at probe and kept until the last
 * device goes, one set for the process, as DPDK's PMD keeps its own: a bring-up or a stop wakes
 * them (a few us each) instead of creating threads (~190 us for 15, before the last of them
 * issues its first command), and no thread exits while vhost's thread, on the same CPU, answers
 * the front-end.
 */
#ifndef MVDPA_WORKERS_H
#define MVDPA_WORKERS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>

/*
 * Parallel work on items 0..n-1 (mvdpa_job_start, mvdpa_job_finish): the caller's memory from
 * start to finish; the fields are the workers'.
 */
struct mvdpa_job {
	int (*fn)(void *ctx, uint32_t i);
	void *ctx;
	uint32_t n;
	uint32_t next;		/* the next item to take (atomic) */
	int err;		/* the first failure (atomic), stops taking more */
	uint32_t wanted;	/* workers it may still take (the workers' lock) */
	uint32_t inside;	/* workers running its items (the workers' lock) */
	bool queued;		/* waiting for workers (the workers' lock) */
	TAILQ_ENTRY(mvdpa_job) link;
};

/*
 * Takes a reference on the workers and grows them to at least n + 1 threads: a device's
 * max_conf_threads, plus one for the work done ahead of its caller (the guest-memory keys
 * from SET_MEM_TABLE on, the queues' resources from SET_VRING_NUM on, a stop's other queues),
 * which then has n to share its items with.
 * EAL control threads, with their CPU affinity. A thread that cannot be created is logged and
 * its share of the work is left to the others. Probe; paired with mvdpa_workers_put.
 */
void mvdpa_workers_get(uint32_t n);
/* Drops the reference; the last one stops the threads and waits for them. Device removal. */
void mvdpa_workers_put(void);
/* Threads running now (tests). */
uint32_t mvdpa_workers_count(void);
/*
 * Starts fn on items 0..n-1 on up to `workers` of the threads, as many as are or become free,
 * and returns at once. Items no thread takes are the caller's at mvdpa_job_finish, which must
 * follow. Any thread, several jobs at once.
 */
void mvdpa_job_start(struct mvdpa_job *j, uint32_t n, uint32_t workers,
		     int (*fn)(void *ctx, uint32_t i), void *ctx);
/*
 * Runs the items no thread took yet on the calling thread, waits for the threads still on the
 * job's items and returns the first error (items not started by then are skipped). j is the
 * caller's again.
 */
int mvdpa_job_finish(struct mvdpa_job *j);
/*
 * No thread starts an item of j from now on; those running go on. mvdpa_job_finish or
 * mvdpa_job_cancel must still follow (they wait for them). Returns at once.
 */
void mvdpa_job_skip_rest(struct mvdpa_job *j);
/*
 * mvdpa_job_finish for work no longer wanted: the items not started yet are skipped, none is
 * run on the caller; waits for those running. Returns -ECANCELED, or the first error of an item
 * that failed before.
 */
int mvdpa_job_cancel(struct mvdpa_job *j);
/*
 * Runs fn on items 0..n-1 on the calling thread and up to `workers` of the threads, as many as
 * are free (the caller never waits for one, it takes items meanwhile): mvdpa_job_start, then
 * mvdpa_job_finish at once. Returns the first error.
 */
int mvdpa_parallel_for(uint32_t n, uint32_t workers, int (*fn)(void *ctx, uint32_t i), void *ctx);

#endif /* MVDPA_WORKERS_H */
