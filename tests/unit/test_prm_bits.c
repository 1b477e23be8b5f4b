/* SPDX-License-Identifier: BSD-3-Clause */
/* The PRM bit accessors: offsets, widths, and round trips at awkward boundaries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "prm_bits.h"

/* A layout made to stress the accessors: odd widths, fields straddling bytes and dwords. */
struct prm_probe_bits {
	uint8_t flag_a[0x1];
	uint8_t field_24[0x18];
	uint8_t flag_b[0x1];
	uint8_t field_6[0x6];

	uint8_t reserved_at_20[0x1c];
	uint8_t field_64_straddle[0x40];	/* starts at bit 0x3c: covers nine bytes */
	uint8_t field_4[0x4];

	uint8_t whole_dw[0x20];

	uint8_t aligned_64[0x40];
};
PRM_ASSERT_SIZE(probe, 28);

static void
offsets_and_widths_follow_declaration(void **state)
{
	(void)state;
	assert_int_equal(PRM_BIT_OFF(probe, flag_a), 0);
	assert_int_equal(PRM_BIT_OFF(probe, field_24), 1);
	assert_int_equal(PRM_BIT_SZ(probe, field_24), 24);
	assert_int_equal(PRM_BIT_OFF(probe, flag_b), 25);
	assert_int_equal(PRM_BIT_OFF(probe, field_64_straddle), 0x3c);
	assert_int_equal(PRM_BIT_OFF(probe, whole_dw), 0x80);
	assert_int_equal(PRM_BYTE_OFF(probe, whole_dw), 16);
	assert_int_equal(PRM_SIZE(probe), 28);
	assert_int_equal(PRM_SIZE_DW(probe), 7);
}

static void
field_24_next_to_1_bit_fields_keeps_neighbours(void **state)
{
	uint8_t buf[PRM_SIZE(probe)];

	(void)state;
	memset(buf, 0, sizeof(buf));
	PRM_SET(probe, buf, flag_a, 1);
	PRM_SET(probe, buf, field_24, 0xabcdef);
	PRM_SET(probe, buf, flag_b, 1);
	PRM_SET(probe, buf, field_6, 0x2a);
	assert_int_equal(PRM_GET(probe, buf, flag_a), 1);
	assert_int_equal(PRM_GET(probe, buf, field_24), 0xabcdef);
	assert_int_equal(PRM_GET(probe, buf, flag_b), 1);
	assert_int_equal(PRM_GET(probe, buf, field_6), 0x2a);
	/* Big-endian, MSB first: 1 | abcdef | 1 | 101010 */
	assert_int_equal(buf[0], 0xd5);
	assert_int_equal(buf[1], 0xe6);
	assert_int_equal(buf[2], 0xf7);
	assert_int_equal(buf[3], 0xea);

	/* Rewriting the 24-bit field to all zeros and all ones leaves the flags untouched. */
	PRM_SET(probe, buf, field_24, 0);
	assert_int_equal(PRM_GET(probe, buf, flag_a), 1);
	assert_int_equal(PRM_GET(probe, buf, flag_b), 1);
	PRM_SET(probe, buf, flag_a, 0);
	PRM_SET(probe, buf, flag_b, 0);
	PRM_SET(probe, buf, field_24, 0xffffff);
	assert_int_equal(PRM_GET(probe, buf, flag_a), 0);
	assert_int_equal(PRM_GET(probe, buf, flag_b), 0);
	assert_int_equal(PRM_GET(probe, buf, field_24), 0xffffff);
}

static void
value_wider_than_field_is_truncated(void **state)
{
	uint8_t buf[PRM_SIZE(probe)];

	(void)state;
	memset(buf, 0, sizeof(buf));
	PRM_SET(probe, buf, field_6, 0xff);
	assert_int_equal(PRM_GET(probe, buf, field_6), 0x3f);
	assert_int_equal(PRM_GET(probe, buf, flag_b), 0);
	assert_int_equal(buf[4], 0);
}

static void
field_64_across_dwords_round_trips(void **state)
{
	static const uint64_t values[] = {
		0, 1, 0x8000000000000000ull, 0xffffffffffffffffull, 0x0123456789abcdefull,
	};
	uint8_t buf[PRM_SIZE(probe)];

	(void)state;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		memset(buf, 0x5a, sizeof(buf));
		PRM_SET(probe, buf, field_64_straddle, values[i]);
		assert_true(PRM_GET(probe, buf, field_64_straddle) == values[i]);
		/* The 4 bits before and after the straddling field keep the fill pattern. */
		assert_int_equal(buf[7] >> 4, 0x5a >> 4);
		assert_int_equal(buf[15] & 0xf, 0x5a & 0xf);
	}
	memset(buf, 0, sizeof(buf));
	PRM_SET(probe, buf, field_64_straddle, 0x0123456789abcdefull);
	assert_int_equal(buf[7], 0x00);
	assert_int_equal(buf[8], 0x12);
	assert_int_equal(buf[14], 0xde);
	assert_int_equal(buf[15], 0xf0);
}

static void
aligned_fields_are_big_endian(void **state)
{
	uint8_t buf[PRM_SIZE(probe)];
	static const uint8_t expect[] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };

	(void)state;
	memset(buf, 0, sizeof(buf));
	PRM_SET(probe, buf, whole_dw, 0xdeadbeef);
	PRM_SET(probe, buf, aligned_64, 0x1122334455667788ull);
	assert_int_equal(buf[16], 0xde);
	assert_int_equal(buf[19], 0xef);
	assert_memory_equal(PRM_ADDR(probe, buf, aligned_64), expect, sizeof(expect));
	assert_int_equal(PRM_GET(probe, buf, whole_dw), 0xdeadbeef);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_and_widths_follow_declaration),
		cmocka_unit_test(field_24_next_to_1_bit_fields_keeps_neighbours),
		cmocka_unit_test(value_wider_than_field_is_truncated),
		cmocka_unit_test(field_64_across_dwords_round_trips),
		cmocka_unit_test(aligned_fields_are_big_endian),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
