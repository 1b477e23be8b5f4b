/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * virtq commands of the typed DevX layer, without a device: each attribute lands in exactly its
 * PRM field at create, a modify carries exactly the fields its bitmap selects, and a query
 * output decodes field by field. Offsets come from the shared layouts; the expected mailboxes
 * are built independently of the encoders, bit by bit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devx_cmd.h"
#include "prm_cmd.h"
#include "prm_virtq.h"

/* bit offset of a field of the object context, and of the virtio_q inside it, in a mailbox */
#define OBJ_OFF(fld) (PRM_BIT_OFF(create_virtio_net_q_in, obj_context) + \
		      PRM_BIT_OFF(virtio_net_q_object, fld))
#define Q_OFF(fld) (OBJ_OFF(virtio_q_context) + PRM_BIT_OFF(virtio_q, fld))
#define OBJ_SZ(fld) PRM_BIT_SZ(virtio_net_q_object, fld)
#define Q_SZ(fld) PRM_BIT_SZ(virtio_q, fld)
#define MEMBER(m) offsetof(struct devx_virtq_attr, m), sizeof(((struct devx_virtq_attr *)0)->m)

struct row {
	const char *name;
	size_t bit_off;
	size_t width;
	size_t member_off;
	size_t member_size;
	uint64_t value;
	uint32_t modify;	/* the modify bit that carries it, 0: create only */
};

#define OBJ_ROW(fld, m, v, mod) { #fld, OBJ_OFF(fld), OBJ_SZ(fld), MEMBER(m), v, mod }
#define Q_ROW(fld, m, v, mod) { #fld, Q_OFF(fld), Q_SZ(fld), MEMBER(m), v, mod }

/* Values fill their field's width with a non-repeating pattern, so truncation shows. */
static const struct row rows[] = {
	OBJ_ROW(state, state, DEVX_VIRTQ_STATE_SUSPEND, DEVX_VIRTQ_MODIFY_STATE),
	OBJ_ROW(vhost_log_page, vhost_log_page, 0x1c, DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS),
	OBJ_ROW(dirty_bitmap_mkey, dirty_bitmap_mkey, 0xa1b2c3d4,
		DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS),
	OBJ_ROW(dirty_bitmap_size, dirty_bitmap_size, 0x89abcdef,
		DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS),
	OBJ_ROW(dirty_bitmap_addr, dirty_bitmap_addr, 0xfedcba9876543210ull,
		DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS),
	OBJ_ROW(dirty_bitmap_dump_enable, dirty_bitmap_dump_enable, 1,
		DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE),
	OBJ_ROW(hw_available_index, hw_available_index, 0xbeef, DEVX_VIRTQ_MODIFY_AVAIL_IDX),
	OBJ_ROW(hw_used_index, hw_used_index, 0xcafe, DEVX_VIRTQ_MODIFY_USED_IDX),
	OBJ_ROW(tisn_or_qpn, tisn_or_qpn, 0xabcdef, 0),
	Q_ROW(virtio_q_type, type, DEVX_VIRTQ_TYPE_PACKED, 0),
	Q_ROW(event_mode, event_mode, DEVX_VIRTQ_EVENT_MSIX, 0),
	Q_ROW(queue_index, queue_index, 0x1234, 0),
	Q_ROW(virtio_version_1_0, virtio_version_1_0, 1, DEVX_VIRTQ_MODIFY_VERSION_1_0),
	Q_ROW(event_qpn_or_msix, event_qpn_or_msix, 0x654321, 0),
	Q_ROW(queue_size, queue_size, 0x8000, 0),
	Q_ROW(desc_addr, desc_addr, 0x0123456789abcdefull, DEVX_VIRTQ_MODIFY_ADDRS),
	Q_ROW(used_addr, used_addr, 0x1122334455667788ull, DEVX_VIRTQ_MODIFY_ADDRS),
	Q_ROW(available_addr, available_addr, 0x99aabbccddeeff00ull, DEVX_VIRTQ_MODIFY_ADDRS),
	Q_ROW(virtio_q_mkey, mkey, 0x00c0ffee, DEVX_VIRTQ_MODIFY_MKEY),
	Q_ROW(umem_1_id, umem[0].id, 0x11111111, 0),
	Q_ROW(umem_1_size, umem[0].size, 0x12121212, 0),
	Q_ROW(umem_1_offset, umem[0].offset, 0x1313131313131313ull, 0),
	Q_ROW(umem_2_id, umem[1].id, 0x21212121, 0),
	Q_ROW(umem_2_size, umem[1].size, 0x22222222, 0),
	Q_ROW(umem_2_offset, umem[1].offset, 0x2323232323232323ull, 0),
	Q_ROW(umem_3_id, umem[2].id, 0x31313131, 0),
	Q_ROW(umem_3_size, umem[2].size, 0x32323232, 0),
	Q_ROW(umem_3_offset, umem[2].offset, 0x3333333333333333ull, 0),
	Q_ROW(counter_set_id, counter_set_id, 0xc0c0c0c0, 0),
	Q_ROW(pd, pdn, 0xd0d0d, 0),
	Q_ROW(queue_period_mode, queue_period_mode, 2, DEVX_VIRTQ_MODIFY_QUEUE_PERIOD),
	Q_ROW(queue_period_us, queue_period_us, 0xfff, DEVX_VIRTQ_MODIFY_QUEUE_PERIOD),
	Q_ROW(queue_max_count, queue_max_count, 0xfedc, DEVX_VIRTQ_MODIFY_QUEUE_PERIOD),
	Q_ROW(desc_group_mkey, desc_group_mkey, 0x0d0e0f10, DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY),
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

static void
set_member(struct devx_virtq_attr *a, const struct row *r, uint64_t v)
{
	uint8_t *p = (uint8_t *)a + r->member_off;

	switch (r->member_size) {
	case 1: { uint8_t x = (uint8_t)v; memcpy(p, &x, 1); break; }
	case 2: { uint16_t x = (uint16_t)v; memcpy(p, &x, 2); break; }
	case 4: { uint32_t x = (uint32_t)v; memcpy(p, &x, 4); break; }
	default: memcpy(p, &v, 8); break;
	}
}

static uint64_t
get_member(const struct devx_virtq_attr *a, const struct row *r)
{
	const uint8_t *p = (const uint8_t *)a + r->member_off;
	uint64_t v = 0;

	switch (r->member_size) {
	case 1: { uint8_t x; memcpy(&x, p, 1); v = x; break; }
	case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
	default: memcpy(&v, p, 8); break;
	}
	return v;
}

/* bool members: the test's value 1 is stored as true */
static void
all_members(struct devx_virtq_attr *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < N_ROWS; i++)
		set_member(a, &rows[i], rows[i].value);
	a->queue_features = 0x1abc & 0x1fff;
}

static void
expect_hdr(uint8_t *exp, uint16_t opcode, uint32_t obj_id)
{
	PRM_SET(general_obj_in_cmd_hdr, exp, opcode, opcode);
	PRM_SET(general_obj_in_cmd_hdr, exp, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(general_obj_in_cmd_hdr, exp, obj_id, obj_id);
}

static void
dump_diff(const uint8_t *got, const uint8_t *exp, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != exp[i])
			fail_msg("%s: byte %zu (bit 0x%zx) is 0x%02x, expected 0x%02x", what, i,
				 i * 8, got[i], exp[i]);
}

static void
create_puts_each_attribute_in_exactly_its_field(void **state)
{
	size_t n = devx_virtq_create_in_size();
	uint8_t in[PRM_SIZE(create_virtio_net_q_in)];
	uint8_t exp[PRM_SIZE(create_virtio_net_q_in)];

	(void)state;
	assert_int_equal(n, sizeof(in));
	for (size_t i = 0; i < N_ROWS; i++) {
		struct devx_virtq_attr a;

		memset(&a, 0, sizeof(a));
		set_member(&a, &rows[i], rows[i].value);
		memset(in, 0xff, sizeof(in));
		devx_virtq_create_encode(in, &a);
		memset(exp, 0, sizeof(exp));
		expect_hdr(exp, PRM_CMD_CREATE_GENERAL_OBJECT, 0);
		prm_set_bits(exp, rows[i].bit_off, rows[i].width, rows[i].value);
		dump_diff(in, exp, sizeof(in), rows[i].name);
	}
}

static void
queue_features_are_split_over_two_fields(void **state)
{
	static const uint16_t masks[] = { 0x1, 0x7, 0x8, 0x1ff8, 0x1fff, 0x1234 };
	uint8_t in[PRM_SIZE(create_virtio_net_q_in)];
	uint8_t exp[PRM_SIZE(create_virtio_net_q_in)];

	(void)state;
	for (size_t i = 0; i < sizeof(masks) / sizeof(masks[0]); i++) {
		struct devx_virtq_attr a = { .queue_features = masks[i] };

		devx_virtq_create_encode(in, &a);
		memset(exp, 0, sizeof(exp));
		expect_hdr(exp, PRM_CMD_CREATE_GENERAL_OBJECT, 0);
		prm_set_bits(exp, OBJ_OFF(queue_feature_bit_mask_12_3),
			     OBJ_SZ(queue_feature_bit_mask_12_3), masks[i] >> 3);
		prm_set_bits(exp, OBJ_OFF(queue_feature_bit_mask_2_0),
			     OBJ_SZ(queue_feature_bit_mask_2_0), masks[i] & 7);
		dump_diff(in, exp, sizeof(in), "queue_features");
	}
}

static const uint32_t modify_bits[] = {
	DEVX_VIRTQ_MODIFY_STATE, DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS,
	DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE, DEVX_VIRTQ_MODIFY_QUEUE_PERIOD,
	DEVX_VIRTQ_MODIFY_ADDRS, DEVX_VIRTQ_MODIFY_AVAIL_IDX, DEVX_VIRTQ_MODIFY_USED_IDX,
	DEVX_VIRTQ_MODIFY_VERSION_1_0, DEVX_VIRTQ_MODIFY_MKEY, DEVX_VIRTQ_MODIFY_FEATURES,
	DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY,
};

static void
modify_carries_exactly_the_selected_fields(void **state)
{
	uint8_t in[PRM_SIZE(modify_virtio_net_q_in)];
	uint8_t exp[PRM_SIZE(modify_virtio_net_q_in)];
	struct devx_virtq_attr a;

	(void)state;
	assert_int_equal(devx_virtq_modify_in_size(), sizeof(in));
	/* the same object layout as create: the row offsets apply */
	assert_int_equal(PRM_BIT_OFF(modify_virtio_net_q_in, obj_context),
			 PRM_BIT_OFF(create_virtio_net_q_in, obj_context));
	all_members(&a);
	for (size_t b = 0; b < sizeof(modify_bits) / sizeof(modify_bits[0]); b++) {
		a.modify = modify_bits[b];
		memset(in, 0xff, sizeof(in));
		devx_virtq_modify_encode(in, 0x4321, &a);
		memset(exp, 0, sizeof(exp));
		expect_hdr(exp, PRM_CMD_MODIFY_GENERAL_OBJECT, 0x4321);
		prm_set_bits(exp, OBJ_OFF(modify_field_select), OBJ_SZ(modify_field_select),
			     modify_bits[b]);
		for (size_t i = 0; i < N_ROWS; i++)
			if (rows[i].modify == modify_bits[b])
				prm_set_bits(exp, rows[i].bit_off, rows[i].width, rows[i].value);
		if (modify_bits[b] == DEVX_VIRTQ_MODIFY_FEATURES) {
			prm_set_bits(exp, OBJ_OFF(queue_feature_bit_mask_12_3),
				     OBJ_SZ(queue_feature_bit_mask_12_3), a.queue_features >> 3);
			prm_set_bits(exp, OBJ_OFF(queue_feature_bit_mask_2_0),
				     OBJ_SZ(queue_feature_bit_mask_2_0), a.queue_features & 7);
		}
		dump_diff(in, exp, sizeof(in), "modify");
	}
}

static void
modify_bits_are_the_prm_modify_field_select_values(void **state)
{
	(void)state;
	/* PRM: state 0, dirty bitmap params 3, dump enable 4, queue period 5, addrs 6,
	 * available index 7, used index 8, version 10, mkey 11, features 12, desc group mkey 14 */
	assert_int_equal(DEVX_VIRTQ_MODIFY_STATE, 1u << 0);
	assert_int_equal(DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_PARAMS, 1u << 3);
	assert_int_equal(DEVX_VIRTQ_MODIFY_DIRTY_BITMAP_DUMP_ENABLE, 1u << 4);
	assert_int_equal(DEVX_VIRTQ_MODIFY_QUEUE_PERIOD, 1u << 5);
	assert_int_equal(DEVX_VIRTQ_MODIFY_ADDRS, 1u << 6);
	assert_int_equal(DEVX_VIRTQ_MODIFY_AVAIL_IDX, 1u << 7);
	assert_int_equal(DEVX_VIRTQ_MODIFY_USED_IDX, 1u << 8);
	assert_int_equal(DEVX_VIRTQ_MODIFY_VERSION_1_0, 1u << 10);
	assert_int_equal(DEVX_VIRTQ_MODIFY_MKEY, 1u << 11);
	assert_int_equal(DEVX_VIRTQ_MODIFY_FEATURES, 1u << 12);
	assert_int_equal(DEVX_VIRTQ_MODIFY_DESC_GROUP_MKEY, 1u << 14);
}

static void
query_encodes_the_header_only(void **state)
{
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)];
	uint8_t exp[PRM_SIZE(general_obj_in_cmd_hdr)];

	(void)state;
	memset(in, 0xff, sizeof(in));
	devx_virtq_query_encode(in, 0xabcdef01);
	memset(exp, 0, sizeof(exp));
	expect_hdr(exp, PRM_CMD_QUERY_GENERAL_OBJECT, 0xabcdef01);
	dump_diff(in, exp, sizeof(in), "query");
}

static void
query_output_decodes_field_by_field(void **state)
{
	uint8_t out[PRM_SIZE(query_virtio_net_q_out)];
	size_t ctx_off = PRM_BIT_OFF(query_virtio_net_q_out, obj_context) -
			 PRM_BIT_OFF(create_virtio_net_q_in, obj_context);
	struct devx_virtq_attr a;

	(void)state;
	assert_int_equal(devx_virtq_query_out_size(), sizeof(out));
	for (size_t i = 0; i < N_ROWS; i++) {
		memset(out, 0, sizeof(out));
		prm_set_bits(out, rows[i].bit_off + ctx_off, rows[i].width, rows[i].value);
		devx_virtq_query_decode(out, &a);
		if (get_member(&a, &rows[i]) != rows[i].value)
			fail_msg("%s decoded as 0x%llx", rows[i].name,
				 (unsigned long long)get_member(&a, &rows[i]));
		for (size_t j = 0; j < N_ROWS; j++)
			if (j != i && get_member(&a, &rows[j]) != 0)
				fail_msg("%s leaked into %s", rows[i].name, rows[j].name);
	}
	memset(out, 0, sizeof(out));
	prm_set_bits(out, OBJ_OFF(queue_feature_bit_mask_12_3) + ctx_off,
		     OBJ_SZ(queue_feature_bit_mask_12_3), 0x3ff);
	prm_set_bits(out, OBJ_OFF(queue_feature_bit_mask_2_0) + ctx_off,
		     OBJ_SZ(queue_feature_bit_mask_2_0), 0x5);
	prm_set_bits(out, Q_OFF(error_type) + ctx_off, Q_SZ(error_type), 0x7e);
	devx_virtq_query_decode(out, &a);
	assert_int_equal(a.queue_features, 0x1ffd);
	assert_int_equal(a.error_type, 0x7e);
}

static void
counters_decode_field_by_field(void **state)
{
	uint8_t out[PRM_SIZE(query_virtio_q_counters_out)];
	uint8_t in[PRM_SIZE(create_virtio_q_counters_in)];
	void *c = PRM_ADDR(query_virtio_q_counters_out, out, counters);
	struct devx_virtq_counters cnt;

	(void)state;
	memset(out, 0, sizeof(out));
	PRM_SET(virtio_q_counters, c, received_desc, 0x0102030405060708ull);
	PRM_SET(virtio_q_counters, c, completed_desc, 0x1112131415161718ull);
	PRM_SET(virtio_q_counters, c, error_cqes, 0x21222324);
	PRM_SET(virtio_q_counters, c, bad_desc_errors, 0x31323334);
	PRM_SET(virtio_q_counters, c, exceed_max_chain, 0x41424344);
	PRM_SET(virtio_q_counters, c, invalid_buffer, 0x51525354);
	devx_virtq_counters_query_decode(out, &cnt);
	assert_true(cnt.received_desc == 0x0102030405060708ull);
	assert_true(cnt.completed_desc == 0x1112131415161718ull);
	assert_int_equal(cnt.error_cqes, 0x21222324);
	assert_int_equal(cnt.bad_desc_errors, 0x31323334);
	assert_int_equal(cnt.exceed_max_chain, 0x41424344);
	assert_int_equal(cnt.invalid_buffer, 0x51525354);

	memset(in, 0xff, sizeof(in));
	devx_virtq_counters_create_encode(in);
	assert_int_equal(PRM_GET(general_obj_in_cmd_hdr, in, opcode),
			 PRM_CMD_CREATE_GENERAL_OBJECT);
	assert_int_equal(PRM_GET(general_obj_in_cmd_hdr, in, obj_type),
			 PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS);
	assert_int_equal(PRM_GET(general_obj_in_cmd_hdr, in, obj_id), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(create_puts_each_attribute_in_exactly_its_field),
		cmocka_unit_test(queue_features_are_split_over_two_fields),
		cmocka_unit_test(modify_carries_exactly_the_selected_fields),
		cmocka_unit_test(modify_bits_are_the_prm_modify_field_select_values),
		cmocka_unit_test(query_encodes_the_header_only),
		cmocka_unit_test(query_output_decodes_field_by_field),
		cmocka_unit_test(counters_decode_field_by_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
