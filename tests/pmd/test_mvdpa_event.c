/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event thread's waits, without hardware: one prepared queue whose CQ never completes, its
 * kickfd an eventfd the test writes, the doorbell a word in memory. In every event mode a kick
 * must reach the doorbell while the thread waits or sleeps between polls, without an extra
 * poll, and a stop must end a sleep at once.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <infiniband/mlx5dv.h>

#include "mvdpa.h"
#include "mvdpa_conf.h"
#include "mvdpa_devargs.h"
#include "mvdpa_event.h"

#define CQE_SIZE 64

struct fixture {
	struct mvdpa_dev dev;
	struct mvdpa_conf conf;
	struct mvdpa_vq vq;
	struct mlx5dv_devx_event_channel completions;	/* never readable: no CQ event comes */
	struct mlx5dv_devx_event_channel errors;	/* never readable */
	uint32_t doorbell;
	_Alignas(CQE_SIZE) uint8_t cqe[CQE_SIZE];
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	mvdpa_devargs_default(&f->dev.args);
	f->dev.args.event_core = 0;	/* without EAL there is no main lcore to pin to */
	f->dev.args.no_traffic_time = UINT32_MAX;	/* the timers never fall back to events */
	mvdpa_event_thread_init(&f->dev.event_thread);
	f->completions.fd = eventfd(0, EFD_CLOEXEC);
	f->errors.fd = eventfd(0, EFD_CLOEXEC);
	f->vq.kickfd = eventfd(0, EFD_CLOEXEC);
	f->vq.callfd = -1;
	f->vq.prepared = true;
	f->vq.ecq.cqe = f->cqe;
	devx_cqe_collapsed_init(f->cqe);	/* no completion, ever */
	f->conf.vid = 7;
	f->conf.dev = &f->dev;
	f->conf.nvqs = 1;
	f->conf.vqs = &f->vq;
	f->conf.doorbell = &f->doorbell;
	f->conf.doorbell[0] = UINT32_MAX;
	f->conf.events = &f->errors;
	f->conf.ev.channel = &f->completions;
	pthread_mutex_init(&f->conf.lock, NULL);
	*state = f;
	return f->completions.fd < 0 || f->errors.fd < 0 || f->vq.kickfd < 0 ? -1 : 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	mvdpa_event_stop(&f->conf);
	mvdpa_event_thread_fini(&f->dev.event_thread);
	close(f->completions.fd);
	close(f->errors.fd);
	close(f->vq.kickfd);
	pthread_mutex_destroy(&f->conf.lock);
	free(f);
	return 0;
}

static uint64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Waits up to 5 s for the thread to have relayed `kicks` kicks or polled `polls` times. */
static void
wait_kicks_or_polls(struct mvdpa_conf *c, uint64_t kicks, uint64_t polls)
{
	uint64_t end = now_ms() + 5000;

	while (now_ms() < end && mvdpa_counter(&c->kicks) < kicks &&
	       mvdpa_counter(&c->ev.stats.polls) < polls)
		usleep(1000);
}

/*
 * With a 1 s timer the thread polls once and sleeps; a kick then must be on the doorbell before
 * the next poll, which comes at the period's end as it would without the kick.
 */
static void
kick_during_a_timer_sleep(struct fixture *f, enum mvdpa_event_mode mode)
{
	struct mvdpa_conf *c = &f->conf;
	uint64_t first_poll, t;

	f->dev.args.event_mode = mode;
	f->dev.args.event_us = MVDPA_EVENT_US_MAX;	/* 1 s between polls */
	assert_int_equal(mvdpa_event_start(&f->dev, c), 0);
	wait_kicks_or_polls(c, 1, 1);
	first_poll = now_ms();
	assert_int_equal(mvdpa_counter(&c->ev.stats.polls), 1);
	assert_int_equal(eventfd_write(f->vq.kickfd, 1), 0);
	wait_kicks_or_polls(c, 1, 2);
	assert_int_equal(mvdpa_counter(&c->kicks), 1);
	assert_int_equal(mvdpa_counter(&c->ev.stats.polls), 1);
	/* The sleep goes on after the kick: the next poll comes at the period's end. */
	wait_kicks_or_polls(c, 2, 2);
	assert_int_equal(mvdpa_counter(&c->ev.stats.polls), 2);
	assert_true(now_ms() - first_poll >= 900);
	/* A stop ends the next sleep at once, not at its end. */
	t = now_ms();
	mvdpa_event_stop(c);
	assert_true(now_ms() - t < 500);
	assert_false(c->ev.running);
	assert_int_equal(c->ev.stop_fd, -1);
	assert_int_equal(f->doorbell, 0);	/* queue 0's index; read after the stop */
}

static void
a_kick_reaches_the_doorbell_while_the_fixed_timer_sleeps(void **state)
{
	kick_during_a_timer_sleep(*state, MVDPA_EVENT_MODE_FIXED_TIMER);
}

static void
a_kick_reaches_the_doorbell_while_the_dynamic_timer_sleeps(void **state)
{
	kick_during_a_timer_sleep(*state, MVDPA_EVENT_MODE_DYNAMIC_TIMER);
}

/* Blocked on the completion channel, the thread relays each kick and never polls. */
static void
kicks_reach_the_doorbell_in_interrupt_mode(void **state)
{
	struct fixture *f = *state;
	struct mvdpa_conf *c = &f->conf;

	f->dev.args.event_mode = MVDPA_EVENT_MODE_INTERRUPT;
	assert_int_equal(mvdpa_event_start(&f->dev, c), 0);
	for (uint64_t i = 1; i <= 3; i++) {
		assert_int_equal(eventfd_write(f->vq.kickfd, 1), 0);
		wait_kicks_or_polls(c, i, 1);
		assert_int_equal(mvdpa_counter(&c->kicks), i);
	}
	assert_int_equal(mvdpa_counter(&c->ev.stats.polls), 0);
	mvdpa_event_stop(c);
	assert_false(c->ev.running);
	assert_int_equal(f->doorbell, 0);
}

/* A queue the front-end did not set up has no kickfd to wait on: its eventfd is left alone. */
static void
an_unprepared_queue_s_kickfd_is_not_relayed(void **state)
{
	struct fixture *f = *state;
	struct mvdpa_conf *c = &f->conf;
	eventfd_t v;

	f->vq.prepared = false;
	f->dev.args.event_mode = MVDPA_EVENT_MODE_INTERRUPT;
	assert_int_equal(mvdpa_event_start(&f->dev, c), 0);
	assert_int_equal(eventfd_write(f->vq.kickfd, 1), 0);
	usleep(100 * 1000);
	mvdpa_event_stop(c);
	assert_int_equal(mvdpa_counter(&c->kicks), 0);
	assert_int_equal(eventfd_read(f->vq.kickfd, &v), 0);	/* still unread */
	assert_int_equal(v, 1);
}

/* The threads of this process, from /proc/self/task. */
static unsigned int
threads(void)
{
	unsigned int n = 0;
	struct dirent *e;
	DIR *d = opendir("/proc/self/task");

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/*
 * The device's thread outlives a configuration's stop and serves the next one; it ends only
 * at removal (mvdpa_event_thread_fini).
 */
static void
one_thread_serves_configurations_one_after_another(void **state)
{
	struct fixture *f = *state;
	struct mvdpa_conf *c = &f->conf;
	unsigned int before = threads(), serving;

	f->dev.args.event_mode = MVDPA_EVENT_MODE_INTERRUPT;
	for (uint64_t i = 1; i <= 3; i++) {
		assert_int_equal(mvdpa_event_start(&f->dev, c), 0);
		serving = threads();
		assert_int_equal(serving, before + 1);
		assert_int_equal(eventfd_write(f->vq.kickfd, 1), 0);
		wait_kicks_or_polls(c, i, 1);
		assert_int_equal(mvdpa_counter(&c->kicks), i);
		mvdpa_event_stop(c);
		assert_false(c->ev.running);
		assert_int_equal(threads(), serving);	/* waiting for the next configuration */
	}
	mvdpa_event_thread_fini(&f->dev.event_thread);
	assert_false(f->dev.event_thread.exists);
	assert_int_equal(threads(), before);
	mvdpa_event_thread_init(&f->dev.event_thread);	/* for the teardown's fini */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(a_kick_reaches_the_doorbell_while_the_fixed_timer_sleeps,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			a_kick_reaches_the_doorbell_while_the_dynamic_timer_sleeps, setup, teardown),
		cmocka_unit_test_setup_teardown(kicks_reach_the_doorbell_in_interrupt_mode, setup,
						teardown),
		cmocka_unit_test_setup_teardown(an_unprepared_queue_s_kickfd_is_not_relayed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(one_thread_serves_configurations_one_after_another,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
