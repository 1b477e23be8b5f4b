/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver-SDK headers obtained at configure time are the right ones: a device described with
 * vdpa_driver.h's struct rte_vdpa_dev_ops registers with DPDK's vhost library, is found, and its
 * ops are called through the library (so the struct layout matches the installed librte_vhost).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <dev_driver.h>
#include <rte_eal.h>
#include <rte_vdpa.h>
#include <vdpa_driver.h>

#define TEST_FEATURES 0x130000000ull	/* VERSION_1 | ACCESS_PLATFORM */

static int
test_get_queue_num(struct rte_vdpa_device *dev, uint32_t *queue_num)
{
	(void)dev;
	*queue_num = 3;
	return 0;
}

static int
test_get_features(struct rte_vdpa_device *dev, uint64_t *features)
{
	(void)dev;
	*features = TEST_FEATURES;
	return 0;
}

static int
test_get_protocol_features(struct rte_vdpa_device *dev, uint64_t *features)
{
	(void)dev;
	*features = 0;
	return 0;
}

static int
test_vid_op(int vid)
{
	(void)vid;
	return 0;
}

static int
test_set_vring_state(int vid, int vring, int state)
{
	(void)vid;
	(void)vring;
	(void)state;
	return 0;
}

static struct rte_vdpa_dev_ops complete_ops = {
	.get_queue_num = test_get_queue_num,
	.get_features = test_get_features,
	.get_protocol_features = test_get_protocol_features,
	.dev_conf = test_vid_op,
	.dev_close = test_vid_op,
	.set_vring_state = test_set_vring_state,
	.set_features = test_vid_op,
};

static int
eal_up(void **state)
{
	char *argv[] = {
		"test", "-l", "0", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
		"--log-level", "lib.eal:error",
	};

	(void)state;
	return rte_eal_init(sizeof(argv) / sizeof(argv[0]), argv) < 0 ? -1 : 0;
}

static int
eal_down(void **state)
{
	(void)state;
	return rte_eal_cleanup();
}

static void
device_with_all_ops_registers_and_answers(void **state)
{
	struct rte_device rte_dev = { .name = "sdk_test_vdpa0" };
	struct rte_vdpa_device *dev;
	uint64_t features = 0;
	uint32_t queues = 0;

	(void)state;
	dev = rte_vdpa_register_device(&rte_dev, &complete_ops);
	assert_non_null(dev);
	assert_ptr_equal(rte_vdpa_find_device_by_name("sdk_test_vdpa0"), dev);
	assert_ptr_equal(rte_vdpa_get_rte_device(dev), &rte_dev);
	assert_int_equal(rte_vdpa_get_features(dev, &features), 0);
	assert_true(features == TEST_FEATURES);
	assert_int_equal(rte_vdpa_get_queue_num(dev, &queues), 0);
	assert_int_equal(queues, 3);
	assert_int_equal(rte_vdpa_unregister_device(dev), 0);
	assert_null(rte_vdpa_find_device_by_name("sdk_test_vdpa0"));
}

static void
device_missing_mandatory_op_is_refused(void **state)
{
	struct rte_device rte_dev = { .name = "sdk_test_vdpa1" };
	struct rte_vdpa_dev_ops ops = complete_ops;

	(void)state;
	ops.set_features = NULL;
	assert_null(rte_vdpa_register_device(&rte_dev, &ops));
	assert_null(rte_vdpa_find_device_by_name("sdk_test_vdpa1"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(device_with_all_ops_registers_and_answers),
		cmocka_unit_test(device_missing_mandatory_op_is_refused),
	};

	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
