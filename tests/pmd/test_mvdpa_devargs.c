/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devargs of the vDPA PMD: every key at valid, edge and invalid values; errors name the argument,
 * the value and the allowed range; unknown and repeated keys are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mvdpa_devargs.h"

#define N_CPUS 4u

static int64_t
field(const struct mvdpa_devargs *da, const char *name)
{
	if (strcmp(name, "event_mode") == 0)
		return da->event_mode;
	if (strcmp(name, "event_us") == 0)
		return da->event_us;
	if (strcmp(name, "no_traffic_time") == 0)
		return da->no_traffic_time;
	if (strcmp(name, "event_core") == 0)
		return da->event_core;
	if (strcmp(name, "max_conf_threads") == 0)
		return da->max_conf_threads;
	if (strcmp(name, "hw_latency_mode") == 0)
		return da->hw_latency_mode;
	if (strcmp(name, "hw_max_latency_us") == 0)
		return da->hw_max_latency_us;
	if (strcmp(name, "hw_max_pending_comp") == 0)
		return da->hw_max_pending_comp;
	if (strcmp(name, "queue_size") == 0)
		return da->queue_size;
	if (strcmp(name, "queues") == 0)
		return da->queues;
	fail_msg("test table names unknown field %s", name);
	return -1;
}

struct valid_case {
	const char *args;
	const char *field;
	int64_t value;
};

static const struct valid_case valid_cases[] = {
	{ "event_mode=0", "event_mode", 0 },
	{ "event_mode=1", "event_mode", 1 },
	{ "event_mode=2", "event_mode", 2 },
	{ "event_mode=0x2", "event_mode", 2 },
	{ "event_us=0", "event_us", 0 },
	{ "event_us=250", "event_us", 250 },
	{ "event_us=1000000", "event_us", 1000000 },
	{ "no_traffic_time=0", "no_traffic_time", 0 },
	{ "no_traffic_time=4294967295", "no_traffic_time", 4294967295 },
	{ "event_core=0", "event_core", 0 },
	{ "event_core=3", "event_core", 3 },
	{ "max_conf_threads=0", "max_conf_threads", 0 },
	{ "max_conf_threads=8", "max_conf_threads", 8 },
	{ "max_conf_threads=256", "max_conf_threads", 256 },
	{ "hw_latency_mode=0", "hw_latency_mode", 0 },
	{ "hw_latency_mode=2", "hw_latency_mode", 2 },
	{ "hw_max_latency_us=0", "hw_max_latency_us", 0 },
	{ "hw_max_latency_us=4095", "hw_max_latency_us", 4095 },
	{ "hw_max_pending_comp=0", "hw_max_pending_comp", 0 },
	{ "hw_max_pending_comp=65535", "hw_max_pending_comp", 65535 },
	{ "queue_size=1,queues=1", "queue_size", 1 },
	{ "queue_size=1024,queues=128", "queue_size", 1024 },
	{ "queue_size=1024,queues=128", "queues", 128 },
	{ "queue_size=256,queues=1", "queues", 1 },
	/* the dynamic timer needs a step: 0 becomes DPDK's default of 1 us */
	{ "event_mode=0", "event_us", MVDPA_DEFAULT_DYNAMIC_TIMER_STEP_US },
	{ "event_mode=0,event_us=7", "event_us", 7 },
	{ "class=vdpa,event_mode=2", "event_mode", 2 },
};

static void
every_key_accepts_its_valid_and_edge_values(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(valid_cases) / sizeof(valid_cases[0]); i++) {
		const struct valid_case *c = &valid_cases[i];
		struct mvdpa_devargs da;
		char err[256] = "unchanged";

		if (mvdpa_devargs_parse(c->args, N_CPUS, &da, err, sizeof(err)) != 0)
			fail_msg("'%s' refused: %s", c->args, err);
		assert_string_equal(err, "");
		if (field(&da, c->field) != c->value)
			fail_msg("'%s': %s is %lld, expected %lld", c->args, c->field,
				 (long long)field(&da, c->field), (long long)c->value);
	}
}

struct invalid_case {
	const char *args;
	const char *msg;	/* substring the error must contain */
};

static const struct invalid_case invalid_cases[] = {
	{ "event_mode=3", "event_mode=3: expected an integer in 0..2" },
	{ "event_mode=-1", "event_mode=-1: expected an integer in 0..2" },
	{ "event_mode=", "event_mode=: expected an integer in 0..2" },
	{ "event_mode=1x", "event_mode=1x: expected an integer in 0..2" },
	{ "event_mode= 1", "event_mode= 1: expected" },
	{ "event_mode", "devarg event_mode needs a value" },
	{ "event_us=1000001", "event_us=1000001: expected an integer in 0..1000000" },
	{ "no_traffic_time=4294967296",
	  "no_traffic_time=4294967296: expected an integer in 0..4294967295" },
	{ "no_traffic_time=99999999999999999999999", "no_traffic_time=9999" },
	{ "event_core=4", "event_core=4: expected a CPU number in 0..3" },
	{ "event_core=-1", "event_core=-1: expected a CPU number in 0..3" },
	{ "max_conf_threads=257", "max_conf_threads=257: expected an integer in 0..256" },
	{ "hw_latency_mode=3", "hw_latency_mode=3: expected an integer in 0..2" },
	{ "hw_max_latency_us=4096", "hw_max_latency_us=4096: expected an integer in 0..4095" },
	{ "hw_max_pending_comp=65536",
	  "hw_max_pending_comp=65536: expected an integer in 0..65535" },
	{ "queue_size=1025,queues=1", "queue_size=1025: expected an integer in 0..1024" },
	{ "queue_size=64,queues=129", "queues=129: expected an integer in 0..128" },
	{ "queue_size=64", "queue_size=64 and queues=0: pre-created queues need both" },
	{ "queues=2", "queue_size=0 and queues=2: pre-created queues need both" },
	{ "class=net", "class=net: this driver only serves class=vdpa" },
	{ "ibdev=", "ibdev=: expected an ibv device name of 1..63 characters" },
	{ "ibdev=0123456789012345678901234567890123456789012345678901234567890123",
	  "expected an ibv device name of 1..63 characters" },
	{ "evnt_mode=1", "unknown devarg 'evnt_mode' (known: class, event_core, event_mode" },
	{ "event_mode=1,event_mode=2", "devarg event_mode given more than once" },
};

static void
every_key_refuses_invalid_values_naming_key_value_and_range(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(invalid_cases) / sizeof(invalid_cases[0]); i++) {
		const struct invalid_case *c = &invalid_cases[i];
		struct mvdpa_devargs da;
		char err[256] = "";
		int ret = mvdpa_devargs_parse(c->args, N_CPUS, &da, err, sizeof(err));

		if (ret != -EINVAL)
			fail_msg("'%s' gave %d, expected -EINVAL", c->args, ret);
		if (strstr(err, c->msg) == NULL)
			fail_msg("'%s': error '%s' lacks '%s'", c->args, err, c->msg);
	}
}

static void
no_args_give_dpdk_defaults(void **state)
{
	const char *empty[] = { NULL, "" };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct mvdpa_devargs da;

		memset(&da, 0xa5, sizeof(da));
		assert_int_equal(mvdpa_devargs_parse(empty[i], N_CPUS, &da, NULL, 0), 0);
		assert_string_equal(da.ibdev, "");
		assert_int_equal(da.event_mode, MVDPA_EVENT_MODE_FIXED_TIMER);
		assert_int_equal(da.event_us, 0);
		assert_int_equal(da.no_traffic_time, 16);
		assert_int_equal(da.event_core, -1);
		assert_int_equal(da.max_conf_threads, 0);
		assert_int_equal(da.hw_latency_mode, MVDPA_HW_LATENCY_DEFAULT);
		assert_int_equal(da.hw_max_latency_us, 0);
		assert_int_equal(da.hw_max_pending_comp, 0);
		assert_int_equal(da.queue_size, 0);
		assert_int_equal(da.queues, 0);
	}
}

static void
ibdev_and_other_keys_combine(void **state)
{
	struct mvdpa_devargs da;
	char err[256];

	(void)state;
	assert_int_equal(mvdpa_devargs_parse("ibdev=mlx5_3,class=vdpa,event_mode=2,"
					     "hw_max_pending_comp=0x10,queues=4,queue_size=256",
					     N_CPUS, &da, err, sizeof(err)), 0);
	assert_string_equal(da.ibdev, "mlx5_3");
	assert_int_equal(da.event_mode, MVDPA_EVENT_MODE_INTERRUPT);
	assert_int_equal(da.hw_max_pending_comp, 16);
	assert_int_equal(da.queues, 4);
	assert_int_equal(da.queue_size, 256);
	/* untouched keys keep their defaults */
	assert_int_equal(da.no_traffic_time, 16);
	assert_int_equal(da.event_core, -1);
}

static void
event_core_without_cpus_is_refused(void **state)
{
	struct mvdpa_devargs da;
	char err[256];

	(void)state;
	assert_int_equal(mvdpa_devargs_parse("event_core=0", 0, &da, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "event_core=0"));
}

static void
error_is_truncated_not_overflowed(void **state)
{
	struct mvdpa_devargs da;
	char err[12];

	(void)state;
	memset(err, 'x', sizeof(err));
	assert_int_equal(mvdpa_devargs_parse("queues=1000", N_CPUS, &da, err, 8), -EINVAL);
	assert_int_equal(strlen(err), 7);
	assert_int_equal(err[8], 'x');
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_key_accepts_its_valid_and_edge_values),
		cmocka_unit_test(every_key_refuses_invalid_values_naming_key_value_and_range),
		cmocka_unit_test(no_args_give_dpdk_defaults),
		cmocka_unit_test(ibdev_and_other_keys_combine),
		cmocka_unit_test(event_core_without_cpus_is_refused),
		cmocka_unit_test(error_is_truncated_not_overflowed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
