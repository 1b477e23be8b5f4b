/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The configuration's pure helpers: ring addresses to guest physical, features to the device,
 * the error-recovery limit, the RQT fill, the dynamic timer's delay, which caps keep queues
 * over a stop.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "mvdpa_conf.h"
#include "mvdpa_devargs.h"
#include "mvdpa_event.h"

static void
ring_addresses_translate_through_the_region_holding_them(void **state)
{
	static const struct mvdpa_gpa_map map[] = {
		{ .gpa = 0x0, .hva = 0x7f0000000000, .size = 0xa0000 },
		{ .gpa = 0x100000, .hva = 0x7f1000000000, .size = 0x40000000 },
	};
	static const struct {
		uint64_t hva, len, gpa;
	} table[] = {
		{ 0x7f0000000000, 1, 0x0 },
		{ 0x7f000009ffff, 1, 0x9ffff },			/* last byte of region 0 */
		{ 0x7f000009ffff, 2, UINT64_MAX },		/* runs past region 0 */
		{ 0x7f1000001000, 4096, 0x101000 },
		{ 0x7f103fffffff, 1, 0x400fffff },
		{ 0x7f1040000000, 1, UINT64_MAX },		/* just after region 1 */
		{ 0x7effffffffff, 1, UINT64_MAX },		/* just before region 0 */
		{ 0x7f0000000000, 0x100000000, UINT64_MAX },	/* longer than the region */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		assert_true(mvdpa_hva_to_gpa(map, 2, table[i].hva, table[i].len) == table[i].gpa);
	assert_true(mvdpa_hva_to_gpa(map, 0, 0x7f0000000000, 1) == UINT64_MAX);
}

static void
negotiated_offloads_map_to_device_feature_bits(void **state)
{
	uint64_t f = 1ull << VIRTIO_NET_F_MRG_RXBUF | 1ull << VIRTIO_NET_F_CSUM |
		     1ull << VIRTIO_NET_F_HOST_TSO4 | 1ull << VIRTIO_F_VERSION_1 |
		     1ull << VIRTIO_NET_F_MQ;

	(void)state;
	/* mlx5 positions: MRG_RXBUF 2, CSUM 10, HOST_TSO4 12; VERSION_1 and MQ are not offloads. */
	assert_int_equal(mvdpa_queue_features(f), 1u << 2 | 1u << 10 | 1u << 12);
	assert_int_equal(mvdpa_queue_features(0), 0);
	assert_int_equal(mvdpa_queue_features(1ull << VIRTIO_NET_F_GUEST_TSO6), 1u << 7);
}

#define MS 1000000ull

static void
a_third_error_within_three_seconds_is_not_recovered(void **state)
{
	const uint64_t t0 = 1000 * MS;
	uint64_t past[3] = { t0, t0 + 100 * MS, t0 + 200 * MS };

	(void)state;
	assert_true(mvdpa_error_may_recover(past, 0, t0));		/* first error */
	assert_true(mvdpa_error_may_recover(past, 1, t0 + 1 * MS));	/* second */
	assert_false(mvdpa_error_may_recover(past, 2, t0 + 2999 * MS));	/* third in 3 s */
	assert_true(mvdpa_error_may_recover(past, 2, t0 + 3001 * MS));	/* third, later */
	/* With three past errors, the window runs from the second newest. */
	assert_false(mvdpa_error_may_recover(past, 3, t0 + 3099 * MS));
	assert_true(mvdpa_error_may_recover(past, 3, t0 + 3101 * MS));
}

static void
rqt_slots_cycle_over_the_rx_queues(void **state)
{
	const uint32_t rxq[3] = { 7, 9, 11 };
	uint32_t e[8];

	(void)state;
	mvdpa_steer_fill(e, 8, rxq, 3);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(e[i], rxq[i % 3]);
	mvdpa_steer_fill(e, 4, rxq, 1);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(e[i], 7);
}

static void
the_dynamic_timer_slows_down_when_idle_and_speeds_up_with_traffic(void **state)
{
	(void)state;
	assert_int_equal(mvdpa_event_dynamic_delay(0, 1, 0), 1);	/* idle: one step longer */
	assert_int_equal(mvdpa_event_dynamic_delay(7, 5, 0), 12);
	assert_int_equal(mvdpa_event_dynamic_delay(12, 5, 1), 12);	/* one completion: kept */
	assert_int_equal(mvdpa_event_dynamic_delay(12, 5, 4), 3);	/* busier: shorter */
	assert_int_equal(mvdpa_event_dynamic_delay(3, 5, 32), 0);	/* down to yielding */
	assert_int_equal(mvdpa_event_dynamic_delay(MVDPA_EVENT_US_MAX, 5, 0), MVDPA_EVENT_US_MAX);
}

static void
queues_are_kept_over_a_stop_only_with_resume_and_every_modify_it_needs(void **state)
{
	/* freeze_to_rdy, modify_ext, modify_addr, modify_index -> kept */
	static const bool table[][5] = {
		{ true, true, true, true, true },	/* bf3 */
		{ false, true, true, true, false },	/* bf2: no SUSPEND -> RDY */
		{ false, false, false, false, false },	/* cx6dx */
		{ true, false, true, true, false },
		{ true, true, false, true, false },	/* no ring-address modify */
		{ true, true, true, false, false },	/* no index modify */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct devx_hca_caps caps = { .virtio = {
			.freeze_to_rdy = table[i][0], .modify_ext = table[i][1],
			.modify_addr = table[i][2], .modify_index = table[i][3],
		} };

		assert_int_equal(mvdpa_conf_can_resume_kept(&caps), table[i][4]);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_third_error_within_three_seconds_is_not_recovered),
		cmocka_unit_test(the_dynamic_timer_slows_down_when_idle_and_speeds_up_with_traffic),
		cmocka_unit_test(rqt_slots_cycle_over_the_rx_queues),
		cmocka_unit_test(ring_addresses_translate_through_the_region_holding_them),
		cmocka_unit_test(negotiated_offloads_map_to_device_feature_bits),
		cmocka_unit_test(queues_are_kept_over_a_stop_only_with_resume_and_every_modify_it_needs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
