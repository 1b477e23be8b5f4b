/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NIC's engine thread: there from the NIC's creation, as the hardware's engine is from
 * power-on (so that no command pays for creating it), asleep while no queue is attached, and
 * polling once one is. Its voluntary context switches, from /proc, tell sleeping from polling.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "hw_nic.h"

#define WATCH_MS 50

/* The thread of this process named `name`, or -1. */
static long
thread_named(const char *name)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	long tid = -1;

	assert_non_null(d);
	while (tid < 0 && (e = readdir(d)) != NULL) {
		char path[288], comm[32] = "";
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL && strncmp(comm, name, strlen(name)) == 0)
			tid = strtol(e->d_name, NULL, 10);
		fclose(f);
	}
	closedir(d);
	return tid;
}

static unsigned long
voluntary_switches(long tid)
{
	char path[64], line[128];
	unsigned long n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/status", tid);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "voluntary_ctxt_switches: %lu", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* The engine's wake-ups over WATCH_MS. */
static unsigned long
wakeups_while_watching(long tid)
{
	unsigned long before = voluntary_switches(tid);

	nanosleep(&(struct timespec){ .tv_nsec = WATCH_MS * 1000000L }, NULL);
	return voluntary_switches(tid) - before;
}

static void *
no_memory(void *ctx, uint64_t addr, size_t len, bool write)
{
	(void)ctx; (void)addr; (void)len; (void)write;
	return NULL;
}

static const struct hw_dma_ops no_dma = { .map = no_memory };

static void
the_engine_runs_from_creation_and_sleeps_until_a_queue_is_attached(void **state)
{
	static const uint8_t mac[1][6] = { { 2, 0, 0, 0, 0, 1 } };
	struct hw_virtq_config cfg = {
		.index = 0, .size = 8, .desc = 0x1000, .avail = 0x2000, .used = 0x3000,
		.hdr_len = 12, .dma = &no_dma,
	};
	struct hw_virtq *q;
	struct hw_nic *nic;
	long tid;

	(void)state;
	assert_int_equal(thread_named("mlx5emu-nic"), -1);
	assert_int_equal(hw_nic_create(1, mac, &nic), 0);
	tid = thread_named("mlx5emu-nic");
	assert_true(tid > 0);
	/* Polling with back-off up to 1 ms would wake it 40-50 times. */
	assert_true(wakeups_while_watching(tid) <= 1);

	assert_int_equal(hw_virtq_create(&cfg, &q), 0);
	assert_int_equal(hw_nic_add_queue(nic, 0, 100, q), 0);
	assert_true(wakeups_while_watching(tid) >= 10);

	/* No queue again: asleep again, once its last back-off ends. */
	hw_nic_remove_queue(nic, 0, q);
	nanosleep(&(struct timespec){ .tv_nsec = 5 * 1000000L }, NULL);
	assert_true(wakeups_while_watching(tid) <= 1);

	hw_virtq_destroy(q);
	hw_nic_destroy(nic);
	assert_int_equal(thread_named("mlx5emu-nic"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(the_engine_runs_from_creation_and_sleeps_until_a_queue_is_attached),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
