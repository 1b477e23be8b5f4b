/* SPDX-License-Identifier: BSD-3-Clause */
/* The configuration's pure helpers: ring addresses to guest physical, features to the device. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include "mvdpa_conf.h"

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ring_addresses_translate_through_the_region_holding_them),
		cmocka_unit_test(negotiated_offloads_map_to_device_feature_bits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
