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

#include <stdint.h>

/*
 * Takes a reference on the workers and grows them to at least n threads (a device's
 * max_conf_threads), EAL control threads with their CPU affinity. A thread that cannot be
 * created is logged and its share of the work is left to the others. Probe; paired with
 * mvdpa_workers_put.
 */
void mvdpa_workers_get(uint32_t n);
/* Drops the reference; the last one stops the threads and waits for them. Device removal. */
void mvdpa_workers_put(void);
/* Threads running now (tests, telemetry). */
uint32_t mvdpa_workers_count(void);
/*
 * Runs fn on items 0..n-1, on the calling thread and up to `workers` of the threads, as many
 * as are free: the caller never waits for one, it takes items itself meanwhile. Returns the
 * first error; items not started by then are skipped. Any thread, several at once.
 */
int mvdpa_parallel_for(uint32_t n, uint32_t workers, int (*fn)(void *ctx, uint32_t i), void *ctx);

#endif /* MVDPA_WORKERS_H */
