/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PMD on the emulator (linked with libmlx5emu.so in place of rdma-core; the test reads the
 * firmware's introspection API of mlx5_emu.h): for each caps profile the vdev front-end
 * probes an emulated function, offers the features and queue pairs the profile's caps allow
 * (written out by hand from docs/emulator.md's profile table), and removal leaves no live
 * firmware object; a failing capability query refuses the probe with the firmware's verdict;
 * the configuration workers come with the probes and go with the last removal.
 */
#include <errno.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_vdpa.h>
#include <rte_vhost.h>
#include <vdpa_driver.h>

#include "mlx5_emu.h"
#include "mlx5_emu_process.h"
#include "mvdpa_workers.h"
#include "prm_cmd.h"

#define BIT(n) (1ull << (n))

static FILE *log_file;

static void
read_log(char *buf, size_t len)
{
	size_t n;

	fflush(log_file);
	rewind(log_file);
	n = fread(buf, 1, len - 1, log_file);
	buf[n] = '\0';
	rewind(log_file);
	if (ftruncate(fileno(log_file), 0) != 0)
		fail_msg("cannot truncate the log file");
}

/* A fresh emulator instance with this configuration (no device may be open). */
/*
 * Fails naming the kinds of firmware objects still alive. User contexts are not counted: they
 * belong to the rdma-core layer, not to the PMD, and the emulator's verbs layer currently keeps
 * them until the function is reset (emu_fw_destroy_cmd() has no CREATE_UCTX entry). That the PMD
 * closed its device context is checked by mlx5_emu_process_reset(), which refuses (-EBUSY)
 * while one is open.
 */
static void
assert_no_live_objects(struct emu_fw *fw, const char *when)
{
	char kinds[256] = "";
	size_t off = 0;

	if (emu_fw_live_objects_total(fw) == emu_fw_live_objects(fw, EMU_OBJ_UCTX))
		return;
	for (int k = 0; k < EMU_OBJ_KIND_COUNT && off < sizeof(kinds); k++)
		if (k != EMU_OBJ_UCTX && emu_fw_live_objects(fw, (enum emu_obj_kind)k) != 0)
			off += (size_t)snprintf(kinds + off, sizeof(kinds) - off, " %s=%u",
						emu_obj_kind_name((enum emu_obj_kind)k),
						emu_fw_live_objects(fw, (enum emu_obj_kind)k));
	fail_msg("%s: firmware objects alive:%s", when, kinds);
}

static void
emulate(const char *config)
{
	assert_int_equal(setenv("MLX5_EMU", config, 1), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
	assert_true(mlx5_emu_process_nfuncs() >= 1);
}

static int
eal_up(void **state)
{
	char *argv[] = {
		"test", "-l", "0", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
		"--log-level", "pmd.vdpa.mlx5x:debug",
	};

	(void)state;
	log_file = tmpfile();
	if (log_file == NULL || rte_openlog_stream(log_file) != 0)
		return -1;
	return rte_eal_init(sizeof(argv) / sizeof(argv[0]), argv) < 0 ? -1 : 0;
}

static int
eal_down(void **state)
{
	(void)state;
	rte_eal_cleanup();
	rte_openlog_stream(NULL);
	fclose(log_file);
	return mlx5_emu_process_reset();
}

/* Every profile offers all nine offloads of the device feature mask, split and packed rings. */
static const uint64_t profile_features =
	BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_NET_F_HOST_ECN) | BIT(VIRTIO_NET_F_GUEST_ECN) |
	BIT(VIRTIO_NET_F_GUEST_TSO6) | BIT(VIRTIO_NET_F_GUEST_TSO4) |
	BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO6) |
	BIT(VIRTIO_NET_F_HOST_TSO4) | BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MQ) |
	BIT(VIRTIO_F_RING_PACKED) | BIT(VHOST_F_LOG_ALL) | BIT(VHOST_USER_F_PROTOCOL_FEATURES);

struct profile_case {
	const char *config;
	uint32_t queue_pairs;	/* min(queues / 2, RQT size, vhost's 128) */
};

static const struct profile_case profile_cases[] = {
	{ "functions=1,profile=cx6dx", 128 },	/* 256 queues, RQT 2^8 */
	{ "functions=1,profile=bf2", 128 },	/* 256 queues, RQT 2^9 */
	{ "functions=1,profile=bf3", 128 },	/* 1024 queues, RQT 2^10 */
};

static void
each_profile_probes_offers_its_caps_and_removes_without_leftovers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(profile_cases) / sizeof(profile_cases[0]); i++) {
		const struct profile_case *c = &profile_cases[i];
		struct rte_vdpa_device *vdev;
		uint64_t features = 0;
		uint32_t queues = 0;
		struct emu_fw *fw;

		emulate(c->config);
		fw = mlx5_emu_process_fw(0);
		assert_non_null(fw);
		assert_no_live_objects(fw, "before probe");
		if (rte_dev_probe("vdpa_mlx5x0,ibdev=mlx5_0") != 0)
			fail_msg("%s: probe failed", c->config);
		vdev = rte_vdpa_find_device_by_name("vdpa_mlx5x0");
		assert_non_null(vdev);
		assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_PD), 1);
		assert_int_equal(rte_vdpa_get_queue_num(vdev, &queues), 0);
		if (queues != c->queue_pairs)
			fail_msg("%s: %u queue pairs, expected %u", c->config, queues,
				 c->queue_pairs);
		assert_int_equal(rte_vdpa_get_features(vdev, &features), 0);
		if (features != profile_features)
			fail_msg("%s: features 0x%llx, expected 0x%llx", c->config,
				 (unsigned long long)features,
				 (unsigned long long)profile_features);
		assert_int_equal(emu_fw_cmd_count(fw, PRM_CMD_QUERY_HCA_CAP), 2);
		assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(vdev)), 0);
		assert_null(rte_vdpa_find_device_by_name("vdpa_mlx5x0"));
		assert_no_live_objects(fw, c->config);
		assert_int_equal(mlx5_emu_process_reset(), 0);	/* no context left open */
	}
}

/*
 * A probe of mlx5_0 with `fault` injected is refused: the log holds the firmware's verdict and
 * the refusal, no device is registered and no firmware object is left.
 */
static void
probe_refused_with(const struct emu_fault_spec *fault, const char *verdict, const char *refusal)
{
	char log[8192];
	struct emu_fw *fw;

	emulate("functions=1,profile=cx6dx");
	fw = mlx5_emu_process_fw(0);
	assert_non_null(fw);
	assert_int_equal(emu_fw_fault_add(fw, fault), 0);
	read_log(log, sizeof(log));
	assert_true(rte_dev_probe("vdpa_mlx5x1,ibdev=mlx5_0") < 0);
	read_log(log, sizeof(log));
	if (strstr(log, verdict) == NULL)
		fail_msg("log lacks the firmware verdict:\n%s", log);
	if (strstr(log, refusal) == NULL)
		fail_msg("log lacks the refusal:\n%s", log);
	assert_null(rte_vdpa_find_device_by_name("vdpa_mlx5x1"));
	assert_no_live_objects(fw, "after the refused probe");
	emu_fw_fault_clear(fw);
	assert_int_equal(mlx5_emu_process_reset(), 0);	/* no context left open */
}

static void
failing_caps_query_refuses_the_probe_with_the_firmware_verdict(void **state)
{
	const struct emu_fault_spec virtio_page_fails = {
		.opcode = PRM_CMD_QUERY_HCA_CAP, .obj_type = 0xffff, .nth = 2,
		.status = PRM_STATUS_BAD_PARAM, .syndrome = EMU_SYND_INJECTED,
	};

	(void)state;
	probe_refused_with(&virtio_page_fails, "devx: command QUERY_HCA_CAP (0x100) op_mod 0x27 "
			   "failed: status BAD_PARAM (0x3), syndrome 0x0e1000ff",
			   "vdpa_mlx5x1: cannot query the capabilities of mlx5_0");
}

/* The probe creates the device-wide resources: a firmware refusal there refuses the probe. */
static void
failing_tis_refuses_the_probe_and_leaves_nothing(void **state)
{
	const struct emu_fault_spec tis_fails = {
		.opcode = PRM_CMD_CREATE_TIS, .obj_type = 0xffff, .nth = 1,
		.status = PRM_STATUS_BAD_PARAM, .syndrome = EMU_SYND_INJECTED,
	};

	(void)state;
	probe_refused_with(&tis_fails, "devx: command CREATE_TIS (0x912) op_mod 0x0 failed: "
			   "status BAD_PARAM (0x3), syndrome 0x0e1000ff",
			   "vdpa_mlx5x1: cannot create the device-wide resources");
}

/*
 * Ops on a device no front-end has configured: configuration ops answer -ENODEV for a vid that
 * is not ours, the statistics name their six counters and read zero.
 */
static void
unconfigured_device_ops_answer_without_a_front_end(void **state)
{
	struct rte_vdpa_stat_name names[8];
	struct rte_vdpa_stat stats[8];
	struct rte_vdpa_device *vdev;
	uint64_t off, size;

	(void)state;
	emulate("functions=1,profile=cx6dx");
	assert_int_equal(rte_dev_probe("vdpa_mlx5x2,ibdev=mlx5_0"), 0);
	vdev = rte_vdpa_find_device_by_name("vdpa_mlx5x2");
	assert_non_null(vdev);
	assert_int_equal(vdev->ops->dev_conf(-1), -ENODEV);
	assert_int_equal(vdev->ops->dev_close(-1), -ENODEV);
	assert_int_equal(vdev->ops->get_notify_area(-1, 0, &off, &size), -ENODEV);
	assert_int_equal(vdev->ops->get_stats_names(vdev, NULL, 0), 6);
	assert_int_equal(vdev->ops->get_stats_names(vdev, names, 8), 6);
	assert_string_equal(names[0].name, "received_desc");
	assert_string_equal(names[5].name, "error_cqes");
	assert_int_equal(vdev->ops->get_stats(vdev, 0, stats, 8), 6);
	for (int i = 0; i < 6; i++)
		assert_true(stats[i].id == (uint64_t)i && stats[i].value == 0);
	assert_int_equal(vdev->ops->get_stats(vdev, -1, stats, 8), -EINVAL);
	assert_int_equal(vdev->ops->reset_stats(vdev, 0), 0);
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(vdev)), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

/* Items that return only once `want` threads are inside at the same time (or after 5 s). */
struct meeting {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	uint32_t want, inside;
	pthread_t seen[8];
	uint32_t nseen;
};

/* A meeting whose items wait until `n` threads are inside. */
#define MEETING(n) { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER, \
		     .want = (n) }

static bool
seen_has(const pthread_t *seen, uint32_t n, pthread_t t)
{
	for (uint32_t i = 0; i < n; i++)
		if (pthread_equal(seen[i], t))
			return true;
	return false;
}

static int
meet(void *ctx, uint32_t i)
{
	struct meeting *m = ctx;
	struct timespec until;
	int ret = 0;

	(void)i;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&m->lock);
	if (!seen_has(m->seen, m->nseen, pthread_self()) && m->nseen < 8)
		m->seen[m->nseen++] = pthread_self();
	m->inside++;
	pthread_cond_broadcast(&m->cond);
	while (m->inside < m->want && ret == 0)
		ret = pthread_cond_timedwait(&m->cond, &m->lock, &until);
	pthread_mutex_unlock(&m->lock);
	return ret == 0 ? 0 : -ETIMEDOUT;
}

/* The threads of a meeting of `want` over `want` items with `workers`, in the order they came. */
static uint32_t
meeting_threads(uint32_t want, uint32_t workers, pthread_t *seen)
{
	struct meeting m = MEETING(want);

	assert_int_equal(mvdpa_parallel_for(want, workers, meet, &m), 0);
	memcpy(seen, m.seen, sizeof(m.seen));
	return m.nseen;
}

/*
 * The configuration workers are the process's: the probes grow them to the largest
 * max_conf_threads (and one), a parallel_for runs its items on that many threads at once (each item
 * waits for all the others), the same threads serve the next call, and the last removal stops
 * them (a parallel_for then runs on its caller alone).
 */
static void
configuration_workers_come_with_probes_and_go_with_the_last_removal(void **state)
{
	struct rte_vdpa_device *a, *b;
	pthread_t first[8], again[8];
	uint32_t n;

	(void)state;
	emulate("functions=2,profile=cx6dx");
	assert_int_equal(mvdpa_workers_count(), 0);
	assert_int_equal(rte_dev_probe("vdpa_mlx5x3,ibdev=mlx5_0,max_conf_threads=2"), 0);
	assert_int_equal(mvdpa_workers_count(), 2 + 1);	/* one for the work done ahead */
	assert_int_equal(rte_dev_probe("vdpa_mlx5x4,ibdev=mlx5_1,max_conf_threads=3"), 0);
	assert_int_equal(mvdpa_workers_count(), 3 + 1);
	a = rte_vdpa_find_device_by_name("vdpa_mlx5x3");
	b = rte_vdpa_find_device_by_name("vdpa_mlx5x4");
	assert_non_null(a);
	assert_non_null(b);
	/* All 4 workers and the caller, twice (a woken worker may come before the caller). */
	n = meeting_threads(5, 4, first);
	assert_int_equal(n, 5);
	assert_true(seen_has(first, n, pthread_self()));
	assert_int_equal(meeting_threads(5, 4, again), 5);
	for (uint32_t i = 0; i < 5; i++)	/* the same threads, in any order */
		assert_true(seen_has(again, 5, first[i]));
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(b)), 0);
	assert_int_equal(mvdpa_workers_count(), 3 + 1);
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(a)), 0);
	assert_int_equal(mvdpa_workers_count(), 0);
	assert_int_equal(meeting_threads(1, 3, again), 1);
	assert_true(pthread_equal(again[0], pthread_self()));
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

/* Waits, up to 5 s, until `n` threads are inside m's items. */
static void
meeting_wait_inside(struct meeting *m, uint32_t n)
{
	struct timespec until;
	int ret = 0;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&m->lock);
	while (m->inside < n && ret == 0)
		ret = pthread_cond_timedwait(&m->cond, &m->lock, &until);
	pthread_mutex_unlock(&m->lock);
	assert_int_equal(ret, 0);
}

/* Lets m's items go once `want` threads are inside (fewer than now: at once). */
static void
meeting_release(struct meeting *m, uint32_t want)
{
	pthread_mutex_lock(&m->lock);
	m->want = want;
	pthread_cond_broadcast(&m->cond);
	pthread_mutex_unlock(&m->lock);
}

/*
 * Work started ahead that no worker is free to take is run by whoever finishes it: with every
 * worker held by another job, a job's finish runs its item on the calling thread, at once.
 */
static void
a_job_no_worker_takes_runs_on_its_finisher(void **state)
{
	/* Held until released: its items wait for a third thread that never comes. */
	struct meeting busy = MEETING(3);
	struct meeting ahead = MEETING(1);
	struct mvdpa_job hold, job;

	(void)state;
	emulate("functions=1,profile=cx6dx");
	assert_int_equal(rte_dev_probe("vdpa_mlx5x5,ibdev=mlx5_0,max_conf_threads=1"), 0);
	assert_int_equal(mvdpa_workers_count(), 2);
	mvdpa_job_start(&hold, 2, 2, meet, &busy);		/* both workers, held */
	meeting_wait_inside(&busy, 2);
	mvdpa_job_start(&job, 1, 1, meet, &ahead);
	assert_int_equal(mvdpa_job_finish(&job), 0);
	assert_int_equal(ahead.nseen, 1);
	assert_true(pthread_equal(ahead.seen[0], pthread_self()));
	meeting_release(&busy, 2);
	assert_int_equal(mvdpa_job_finish(&hold), 0);
	assert_int_equal(busy.nseen, 2);
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(
		rte_vdpa_find_device_by_name("vdpa_mlx5x5"))), 0);
	assert_int_equal(mvdpa_workers_count(), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

/*
 * Work no longer wanted is cancelled: an item no thread took is skipped, not run on the
 * canceller (which would then do work nobody wants), and one a worker runs is waited for.
 */
static void
a_cancelled_job_skips_the_items_no_thread_took(void **state)
{
	struct meeting busy = MEETING(3);
	struct meeting skipped = MEETING(1);
	struct meeting running = MEETING(2);
	struct mvdpa_job hold, job;

	(void)state;
	emulate("functions=1,profile=cx6dx");
	assert_int_equal(rte_dev_probe("vdpa_mlx5x5,ibdev=mlx5_0,max_conf_threads=1"), 0);
	mvdpa_job_start(&hold, 2, 2, meet, &busy);		/* both workers, held */
	meeting_wait_inside(&busy, 2);
	mvdpa_job_start(&job, 1, 1, meet, &skipped);
	assert_int_equal(mvdpa_job_cancel(&job), -ECANCELED);
	assert_int_equal(skipped.nseen, 0);
	meeting_release(&busy, 2);
	assert_int_equal(mvdpa_job_finish(&hold), 0);
	/* An item a worker runs (it waits for a second thread until released): waited for. */
	mvdpa_job_start(&job, 1, 1, meet, &running);
	meeting_wait_inside(&running, 1);
	meeting_release(&running, 1);
	assert_int_equal(mvdpa_job_cancel(&job), -ECANCELED);
	assert_int_equal(running.nseen, 1);
	assert_false(pthread_equal(running.seen[0], pthread_self()));
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(
		rte_vdpa_find_device_by_name("vdpa_mlx5x5"))), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

/*
 * Skipping the rest of a job returns at once: an item no thread took yet is then run by no
 * thread (not the workers once free, not the finisher), and one a worker runs goes on until
 * the finish waits for it.
 */
static void
a_skipped_job_returns_at_once_and_runs_no_item_not_taken(void **state)
{
	struct meeting busy = MEETING(3);
	struct meeting skipped = MEETING(1);
	struct meeting running = MEETING(2);
	struct mvdpa_job hold, job;
	uint32_t inside;

	(void)state;
	emulate("functions=1,profile=cx6dx");
	assert_int_equal(rte_dev_probe("vdpa_mlx5x5,ibdev=mlx5_0,max_conf_threads=1"), 0);
	mvdpa_job_start(&hold, 2, 2, meet, &busy);		/* both workers, held */
	meeting_wait_inside(&busy, 2);
	mvdpa_job_start(&job, 1, 1, meet, &skipped);		/* queued behind them */
	mvdpa_job_skip_rest(&job);
	meeting_release(&busy, 2);			/* the workers are free now */
	assert_int_equal(mvdpa_job_finish(&hold), 0);
	assert_int_equal(mvdpa_job_finish(&job), -ECANCELED);
	assert_int_equal(skipped.nseen, 0);
	/* An item a worker runs (it waits for a second thread until released) goes on. */
	mvdpa_job_start(&job, 1, 1, meet, &running);
	meeting_wait_inside(&running, 1);
	mvdpa_job_skip_rest(&job);
	pthread_mutex_lock(&running.lock);
	inside = running.inside;			/* skip_rest returned while it runs */
	pthread_mutex_unlock(&running.lock);
	assert_int_equal(inside, 1);
	meeting_release(&running, 1);
	assert_int_equal(mvdpa_job_finish(&job), -ECANCELED);
	assert_int_equal(running.nseen, 1);
	assert_false(pthread_equal(running.seen[0], pthread_self()));
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(
		rte_vdpa_find_device_by_name("vdpa_mlx5x5"))), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(each_profile_probes_offers_its_caps_and_removes_without_leftovers),
		cmocka_unit_test(failing_caps_query_refuses_the_probe_with_the_firmware_verdict),
		cmocka_unit_test(failing_tis_refuses_the_probe_and_leaves_nothing),
		cmocka_unit_test(unconfigured_device_ops_answer_without_a_front_end),
		cmocka_unit_test(configuration_workers_come_with_probes_and_go_with_the_last_removal),
		cmocka_unit_test(a_job_no_worker_takes_runs_on_its_finisher),
		cmocka_unit_test(a_cancelled_job_skips_the_items_no_thread_took),
		cmocka_unit_test(a_skipped_job_returns_at_once_and_runs_no_item_not_taken),
	};

	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
