/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Every field the PRM facts documents list is where our layouts put it: bit offset and width,
 * row by row (prm_layout_rows.h is generated from the documents by gen_prm_layout_rows.py), and
 * values survive a round trip at awkward boundaries of the real layouts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "prm_caps.h"
#include "prm_cmd.h"
#include "prm_cq_qp.h"
#include "prm_eq.h"
#include "prm_mem.h"
#include "prm_net.h"
#include "prm_virtq.h"

struct layout_row {
	const char *name;
	size_t off;
	size_t width;
	size_t want_off;
	size_t want_width;
};

#define ROW(typ, fld, off, width) \
	{ #typ "." #fld, PRM_BIT_OFF(typ, fld), PRM_BIT_SZ(typ, fld), (off), (width) },

static const struct layout_row rows[] = {
#include "prm_layout_rows.h"
};

static void
every_documented_field_has_its_offset_and_width(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct layout_row *r = &rows[i];

		if (r->off == r->want_off && r->width == r->want_width)
			continue;
		printf("%s: bit 0x%zx width %zu, facts say bit 0x%zx width %zu\n", r->name, r->off,
		       r->width, r->want_off, r->want_width);
		bad++;
	}
	printf("%zu layout rows checked\n", sizeof(rows) / sizeof(rows[0]));
	assert_int_equal(bad, 0);
}

static void
layouts_have_the_documented_sizes(void **state)
{
	(void)state;
	assert_int_equal(PRM_SIZE(virtio_net_q_object), 192);
	assert_int_equal(PRM_SIZE(virtio_q), 128);
	assert_int_equal(PRM_SIZE(virtio_emulation_cap), 256);
	assert_int_equal(PRM_SIZE(virtio_q_counters), 128);
	assert_int_equal(PRM_SIZE(general_obj_in_cmd_hdr), 16);
	assert_int_equal(PRM_SIZE(create_virtio_net_q_in), 16 + 192);
	/* The object context starts at byte 16 of the mailbox. */
	assert_int_equal(PRM_BYTE_OFF(create_virtio_net_q_in, obj_context), 16);
	assert_int_equal(PRM_SIZE(rst2init_qp_in), 272);
	assert_int_equal(PRM_SIZE(create_tir_in), 272);
	assert_int_equal(PRM_SIZE(eqe), 64);
	assert_int_equal(PRM_SIZE(cqe64), 64);
}

static void
tisn_next_to_feature_bits_round_trips(void **state)
{
	uint8_t obj[PRM_SIZE(virtio_net_q_object)];

	(void)state;
	memset(obj, 0, sizeof(obj));
	PRM_SET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0, 0x7);
	PRM_SET(virtio_net_q_object, obj, tisn_or_qpn, 0xffffff);
	assert_int_equal(PRM_GET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0), 0x7);
	assert_int_equal(PRM_GET(virtio_net_q_object, obj, tisn_or_qpn), 0xffffff);
	PRM_SET(virtio_net_q_object, obj, tisn_or_qpn, 0x000001);
	assert_int_equal(PRM_GET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0), 0x7);
	PRM_SET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0, 0);
	assert_int_equal(PRM_GET(virtio_net_q_object, obj, tisn_or_qpn), 1);
	/* Byte 20 holds 5 reserved bits then the 3 feature bits; bytes 21..23 the TIS number. */
	assert_int_equal(obj[20], 0x00);
	assert_int_equal(obj[23], 0x01);
}

static void
split_13_bit_feature_mask_reassembles(void **state)
{
	uint8_t obj[PRM_SIZE(virtio_net_q_object)];
	const uint16_t mask = (1u << PRM_VIRTQ_FEATURE_HOST_TSO4) |
			      (1u << PRM_VIRTQ_FEATURE_CSUM) | (1u << PRM_VIRTQ_FEATURE_MRG_RXBUF);

	(void)state;
	memset(obj, 0, sizeof(obj));
	PRM_SET(virtio_net_q_object, obj, queue_feature_bit_mask_12_3, mask >> 3);
	PRM_SET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0, mask & 7);
	/* HOST_TSO4 (12) is the MSB of byte 16, where DPDK's tso_ipv4 bit lives. */
	assert_int_equal(obj[16], 0x80 | (1 << (7 - (12 - PRM_VIRTQ_FEATURE_CSUM))));
	assert_int_equal((PRM_GET(virtio_net_q_object, obj, queue_feature_bit_mask_12_3) << 3) |
			 PRM_GET(virtio_net_q_object, obj, queue_feature_bit_mask_2_0), mask);
	assert_int_equal(PRM_GET(virtio_net_q_object, obj, state), 0);
}

static void
addresses_64_bit_across_dwords_round_trip(void **state)
{
	uint8_t in[PRM_SIZE(create_virtio_net_q_in)];
	void *q;

	(void)state;
	memset(in, 0xff, sizeof(in));
	q = PRM_ADDR(virtio_net_q_object, PRM_ADDR(create_virtio_net_q_in, in, obj_context),
		     virtio_q_context);
	PRM_SET(virtio_q, q, desc_addr, 0x0123456789abcdefull);
	PRM_SET(virtio_q, q, used_addr, 0);
	assert_true(PRM_GET(virtio_q, q, desc_addr) == 0x0123456789abcdefull);
	assert_true(PRM_GET(virtio_q, q, used_addr) == 0);
	assert_int_equal(PRM_GET(virtio_q, q, device_emulation_id), 0xffffffff);
	assert_int_equal(PRM_GET(virtio_q, q, available_addr) & 0xffff, 0xffff);
	/* desc_addr is bytes 80..87 of the virtq object's mailbox: big-endian. */
	assert_int_equal(in[16 + 80], 0x01);
	assert_int_equal(in[16 + 87], 0xef);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_documented_field_has_its_offset_and_width),
		cmocka_unit_test(layouts_have_the_documented_sizes),
		cmocka_unit_test(tisn_next_to_feature_bits_round_trips),
		cmocka_unit_test(split_13_bit_feature_mask_reassembles),
		cmocka_unit_test(addresses_64_bit_across_dwords_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
