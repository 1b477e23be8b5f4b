/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory key commands of the typed DevX layer, without a device: direct (MTT over a umem) and
 * indirect (KLM, holes filled with the null mkey, at most 1 GiB per entry) CREATE_MKEY inputs.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devx_cmd.h"
#include "prm_cmd.h"
#include "prm_mem.h"

#define GIB (1ull << 30)
#define NULL_MKEY 0x00000100u

static void *
mkc_of(void *in)
{
	return PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
}

static void *
klm_entry(void *in, unsigned int i)
{
	return (uint8_t *)in + PRM_SIZE(create_mkey_in) + i * PRM_SIZE(klm);
}

static void
common_fields(void *in, unsigned int mode, uint32_t pdn, uint64_t addr, uint64_t len)
{
	void *mkc = mkc_of(in);

	assert_int_equal(PRM_GET(create_mkey_in, in, opcode), 0x200);
	assert_int_equal(PRM_GET(mkc, mkc, access_mode_1_0), mode);
	assert_int_equal(PRM_GET(mkc, mkc, access_mode_4_2), 0);
	assert_int_equal(PRM_GET(mkc, mkc, lr), 1);
	assert_int_equal(PRM_GET(mkc, mkc, lw), 1);
	assert_int_equal(PRM_GET(mkc, mkc, qpn), 0xffffff);
	assert_int_equal(PRM_GET(mkc, mkc, pd), pdn);
	assert_true(PRM_GET(mkc, mkc, start_addr) == addr);
	assert_true(PRM_GET(mkc, mkc, len) == len);
}

static void
klm_mkey_lists_entries_in_order_padded_to_four(void **state)
{
	/* 2.5 GiB region, a 1 MiB hole, then 4 KiB: the caller splits at 1 GiB */
	const struct devx_klm klm[] = {
		{ .mkey = 0x1100, .byte_count = GIB, .addr = 0x100000000ull },
		{ .mkey = 0x1100, .byte_count = GIB, .addr = 0x140000000ull },
		{ .mkey = 0x1100, .byte_count = GIB / 2, .addr = 0x180000000ull },
		{ .mkey = NULL_MKEY, .byte_count = 1u << 20, .addr = 0 },
		{ .mkey = 0x2200, .byte_count = 4096, .addr = 0x7f0000001000ull },
	};
	const struct devx_mkey_attr a = {
		.mode = DEVX_MKEY_KLM, .pdn = 0x123456, .addr = 0x100000000ull,
		.len = 2 * GIB + GIB / 2 + (1u << 20) + 4096, .klm = klm, .klm_num = 5,
	};
	size_t n = devx_mkey_create_in_size(&a);
	uint8_t *in;

	(void)state;
	assert_int_equal(n, PRM_SIZE(create_mkey_in) + 8 * PRM_SIZE(klm));
	in = malloc(n);
	assert_non_null(in);
	memset(in, 0xff, n);
	assert_int_equal(devx_mkey_create_encode(in, &a), 0);
	common_fields(in, DEVX_MKEY_KLM, 0x123456, a.addr, a.len);
	assert_int_equal(PRM_GET(mkc, mkc_of(in), translations_octword_size), 8);
	assert_int_equal(PRM_GET(create_mkey_in, in, translations_octword_actual_size), 5);
	assert_int_equal(PRM_GET(create_mkey_in, in, mkey_umem_valid), 0);
	for (unsigned int i = 0; i < 5; i++) {
		assert_int_equal(PRM_GET(klm, klm_entry(in, i), byte_count), klm[i].byte_count);
		assert_int_equal(PRM_GET(klm, klm_entry(in, i), mkey), klm[i].mkey);
		assert_true(PRM_GET(klm, klm_entry(in, i), address) == klm[i].addr);
	}
	for (unsigned int i = 5; i < 8; i++)
		for (size_t b = 0; b < PRM_SIZE(klm); b++)
			assert_int_equal(((uint8_t *)klm_entry(in, i))[b], 0);
	free(in);
}

static void
klm_lists_that_break_the_rules_are_refused(void **state)
{
	struct devx_klm klm[2] = {
		{ .mkey = 0x1100, .byte_count = 4096 },
		{ .mkey = 0x1100, .byte_count = 4096 },
	};
	struct devx_mkey_attr a = {
		.mode = DEVX_MKEY_KLM, .len = 8192, .klm = klm, .klm_num = 2,
	};
	uint8_t in[512];

	(void)state;
	assert_int_equal(devx_mkey_create_encode(in, &a), 0);
	a.len = 8193;		/* entries do not add up to the key's length */
	assert_int_equal(devx_mkey_create_encode(in, &a), -EINVAL);
	a.len = 8192;
	klm[1].byte_count = 0;	/* empty entry */
	assert_int_equal(devx_mkey_create_encode(in, &a), -EINVAL);
	a.klm_num = 0;		/* no entry at all */
	assert_int_equal(devx_mkey_create_encode(in, &a), -EINVAL);
	/* one entry above 1 GiB: 1 GiB + 1 fits the 32-bit field but not the rule */
	klm[0].byte_count = (uint32_t)GIB + 1;
	a.klm_num = 1;
	a.len = GIB + 1;
	assert_int_equal(devx_mkey_create_encode(in, &a), -EINVAL);
	klm[0].byte_count = (uint32_t)GIB;
	a.len = GIB;
	assert_int_equal(devx_mkey_create_encode(in, &a), 0);
	a.len = 0;		/* an empty key */
	assert_int_equal(devx_mkey_create_encode(in, &a), -EINVAL);
}

static void
mtt_mkey_points_at_its_umem(void **state)
{
	const struct devx_mkey_attr a = {
		.mode = DEVX_MKEY_MTT, .pdn = 0x42, .addr = 0x7f1234560000ull,
		.len = 5 * 4096 + 1, .remote_rw = true, .umem_id = 0xabcd1234,
		.umem_offset = 0x1000, .log_page_size = 12,
	};
	size_t n = devx_mkey_create_in_size(&a);
	uint8_t *in;

	(void)state;
	assert_int_equal(n, PRM_SIZE(create_mkey_in));
	in = malloc(n);
	assert_non_null(in);
	memset(in, 0xff, n);
	assert_int_equal(devx_mkey_create_encode(in, &a), 0);
	common_fields(in, DEVX_MKEY_MTT, 0x42, a.addr, a.len);
	assert_int_equal(PRM_GET(mkc, mkc_of(in), rr), 1);
	assert_int_equal(PRM_GET(mkc, mkc_of(in), rw), 1);
	assert_int_equal(PRM_GET(mkc, mkc_of(in), log_page_size), 12);
	/* 6 pages of 8-byte MTT entries: 3 octwords */
	assert_int_equal(PRM_GET(mkc, mkc_of(in), translations_octword_size), 3);
	assert_int_equal(PRM_GET(create_mkey_in, in, translations_octword_actual_size), 3);
	assert_int_equal(PRM_GET(create_mkey_in, in, mkey_umem_valid), 1);
	assert_int_equal(PRM_GET(create_mkey_in, in, mkey_umem_id), 0xabcd1234);
	assert_true(PRM_GET(create_mkey_in, in, mkey_umem_offset) == 0x1000);
	free(in);
}

static void
klm_build_splits_at_1gib_and_fills_holes_with_the_null_mkey(void **state)
{
	/* 2.5 GiB at 0, a 3 GiB hole, 4 KiB, a 4 KiB hole, 1 GiB exactly */
	const struct devx_mem_range r[] = {
		{ .addr = 0, .len = 2 * GIB + GIB / 2, .mkey = 0xa00,
		  .mkey_addr = 0x7f0000000000ull },
		{ .addr = 5 * GIB + GIB / 2, .len = 4096, .mkey = 0xb00, .mkey_addr = 0x1000 },
		{ .addr = 5 * GIB + GIB / 2 + 8192, .len = GIB, .mkey = 0xc00, .mkey_addr = 0 },
	};
	const struct devx_klm want[] = {
		{ 0xa00, (uint32_t)GIB, 0x7f0000000000ull },
		{ 0xa00, (uint32_t)GIB, 0x7f0040000000ull },
		{ 0xa00, (uint32_t)(GIB / 2), 0x7f0080000000ull },
		{ NULL_MKEY, (uint32_t)GIB, 0 },
		{ NULL_MKEY, (uint32_t)GIB, 0 },
		{ NULL_MKEY, (uint32_t)GIB, 0 },
		{ 0xb00, 4096, 0x1000 },
		{ NULL_MKEY, 4096, 0 },
		{ 0xc00, (uint32_t)GIB, 0 },
	};
	struct devx_klm out[16];
	uint64_t total = 0;
	int n;

	(void)state;
	assert_int_equal(devx_klm_build(r, 3, NULL_MKEY, NULL, 0), 9);
	memset(out, 0xee, sizeof(out));
	n = devx_klm_build(r, 3, NULL_MKEY, out, 16);
	assert_int_equal(n, 9);
	for (int i = 0; i < n; i++) {
		if (out[i].mkey != want[i].mkey || out[i].byte_count != want[i].byte_count ||
		    out[i].addr != want[i].addr)
			fail_msg("entry %d: key 0x%x count 0x%x addr 0x%llx", i, out[i].mkey,
				 out[i].byte_count, (unsigned long long)out[i].addr);
		total += out[i].byte_count;
	}
	/* the list covers the whole span: an indirect key built from it encodes */
	assert_true(total == r[2].addr + r[2].len);
	/* too small an array: the count says so, nothing written past max */
	memset(out, 0xee, sizeof(out));
	assert_int_equal(devx_klm_build(r, 3, NULL_MKEY, out, 2), 9);
	assert_int_equal(out[2].mkey, 0xeeeeeeee);
}

static void
klm_build_refuses_unsorted_overlapping_or_empty_ranges(void **state)
{
	struct devx_mem_range r[2] = {
		{ .addr = 0x10000, .len = 0x1000, .mkey = 1 },
		{ .addr = 0x20000, .len = 0x1000, .mkey = 2 },
	};

	(void)state;
	assert_int_equal(devx_klm_build(r, 2, NULL_MKEY, NULL, 0), 3);
	r[1].addr = 0x10800;	/* overlaps */
	assert_int_equal(devx_klm_build(r, 2, NULL_MKEY, NULL, 0), -EINVAL);
	r[1].addr = 0x0;	/* before the first */
	assert_int_equal(devx_klm_build(r, 2, NULL_MKEY, NULL, 0), -EINVAL);
	r[1].addr = 0x11000;	/* adjacent: no hole */
	assert_int_equal(devx_klm_build(r, 2, NULL_MKEY, NULL, 0), 2);
	r[0].len = 0;
	assert_int_equal(devx_klm_build(r, 2, NULL_MKEY, NULL, 0), -EINVAL);
	assert_int_equal(devx_klm_build(r, 0, NULL_MKEY, NULL, 0), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(klm_mkey_lists_entries_in_order_padded_to_four),
		cmocka_unit_test(klm_lists_that_break_the_rules_are_refused),
		cmocka_unit_test(mtt_mkey_points_at_its_umem),
		cmocka_unit_test(klm_build_splits_at_1gib_and_fills_holes_with_the_null_mkey),
		cmocka_unit_test(klm_build_refuses_unsorted_overlapping_or_empty_ranges),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
