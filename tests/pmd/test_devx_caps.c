/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * HCA capability queries of the typed DevX layer, without a device: the QUERY_HCA_CAP input for
 * each page, and each capability field decoding into exactly its member.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "devx_cmd.h"
#include "prm_caps.h"
#include "prm_cmd.h"

struct row {
	const char *name;
	size_t bit_off;		/* in the capability page */
	size_t width;
	size_t member_off;
	size_t member_size;
	uint64_t value;
};

#define VROW(fld, m, v) { #fld, PRM_BIT_OFF(virtio_emulation_cap, fld), \
	PRM_BIT_SZ(virtio_emulation_cap, fld), offsetof(struct devx_virtio_caps, m), \
	sizeof(((struct devx_virtio_caps *)0)->m), v }
#define GROW(fld, m, v) { #fld, PRM_BIT_OFF(cmd_hca_cap, fld), PRM_BIT_SZ(cmd_hca_cap, fld), \
	offsetof(struct devx_hca_caps, m), sizeof(((struct devx_hca_caps *)0)->m), v }

static const struct row virtio_rows[] = {
	VROW(virtio_version_1_0, virtio_version_1_0, 1),
	VROW(device_features_bits_mask, device_features, 0x1ab5),
	VROW(event_mode, event_modes, 0x06),
	VROW(virtio_queue_type, queue_types, 0x03),
	VROW(log_doorbell_stride, log_doorbell_stride, 0x1d),
	VROW(log_doorbell_bar_size, log_doorbell_bar_size, 0x17),
	VROW(doorbell_bar_offset, doorbell_bar_offset, 0x0123456789abcdefull),
	VROW(max_num_virtio_queues, max_num_virtio_queues, 0xabcdef),
	VROW(desc_group_mkey_supported, desc_group_mkey, 1),
	VROW(freeze_to_rdy_supported, freeze_to_rdy, 1),
	VROW(vnet_modify_ext, modify_ext, 1),
	VROW(virtio_net_q_addr_modify, modify_addr, 1),
	VROW(virtio_q_index_modify, modify_index, 1),
	VROW(umem_1_buffer_param_a, umem[0].a, 0x11121314),
	VROW(umem_1_buffer_param_b, umem[0].b, 0x15161718),
	VROW(umem_2_buffer_param_a, umem[1].a, 0x21222324),
	VROW(umem_2_buffer_param_b, umem[1].b, 0x25262728),
	VROW(umem_3_buffer_param_a, umem[2].a, 0x31323334),
	VROW(umem_3_buffer_param_b, umem[2].b, 0x35363738),
};

static const struct row general_rows[] = {
	GROW(vhca_id, vhca_id, 0xbeef),
	GROW(general_obj_types, general_obj_types, 0x8000000010002000ull),
	GROW(log_max_rqt_size, log_max_rqt_size, 0x1b),
	GROW(log_max_klm_list_size, log_max_klm_list_size, 0x2a),
};

static uint64_t
member(const void *base, const struct row *r)
{
	const uint8_t *p = (const uint8_t *)base + r->member_off;
	uint64_t v = 0;

	switch (r->member_size) {
	case 1: { uint8_t x; memcpy(&x, p, 1); v = x; break; }
	case 2: { uint16_t x; memcpy(&x, p, 2); v = x; break; }
	case 4: { uint32_t x; memcpy(&x, p, 4); v = x; break; }
	default: memcpy(&v, p, 8); break;
	}
	return v;
}

static void
check_rows(const struct row *rows, size_t n, bool general)
{
	size_t cap_off = PRM_BIT_OFF(query_hca_cap_out, capability);
	uint8_t *out = calloc(1, PRM_SIZE(query_hca_cap_out));
	struct devx_hca_caps caps;

	assert_non_null(out);
	for (size_t i = 0; i < n; i++) {
		const void *decoded = general ? (const void *)&caps : (const void *)&caps.virtio;

		memset(out, 0, PRM_SIZE(query_hca_cap_out));
		memset(&caps, 0, sizeof(caps));
		prm_set_bits(out, cap_off + rows[i].bit_off, rows[i].width, rows[i].value);
		if (general)
			devx_hca_caps_decode_general(out, &caps);
		else
			devx_hca_caps_decode_virtio(out, &caps.virtio);
		if (member(decoded, &rows[i]) != rows[i].value)
			fail_msg("%s decoded as 0x%llx", rows[i].name,
				 (unsigned long long)member(decoded, &rows[i]));
		for (size_t j = 0; j < n; j++)
			if (j != i && member(decoded, &rows[j]) != 0)
				fail_msg("%s leaked into %s", rows[i].name, rows[j].name);
	}
	free(out);
}

static void
virtio_caps_decode_each_field_into_its_member(void **state)
{
	(void)state;
	check_rows(virtio_rows, sizeof(virtio_rows) / sizeof(virtio_rows[0]), false);
}

static void
general_caps_decode_each_field_into_its_member(void **state)
{
	(void)state;
	check_rows(general_rows, sizeof(general_rows) / sizeof(general_rows[0]), true);
}

static void
query_asks_for_current_values_of_the_page(void **state)
{
	static const struct {
		enum devx_hca_cap_type type;
		unsigned int op_mod;
	} cases[] = {
		{ DEVX_HCA_CAP_GENERAL, 0x1 },
		{ DEVX_HCA_CAP_VIRTIO_EMULATION, (0x13 << 1) | 1 },
	};
	uint8_t in[PRM_SIZE(query_hca_cap_in)];
	uint8_t exp[PRM_SIZE(query_hca_cap_in)];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(in, 0xff, sizeof(in));
		devx_query_hca_cap_encode(in, sizeof(in), cases[i].type);
		memset(exp, 0, sizeof(exp));
		PRM_SET(query_hca_cap_in, exp, opcode, 0x100);
		PRM_SET(query_hca_cap_in, exp, op_mod, cases[i].op_mod);
		assert_memory_equal(in, exp, sizeof(in));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(virtio_caps_decode_each_field_into_its_member),
		cmocka_unit_test(general_caps_decode_each_field_into_its_member),
		cmocka_unit_test(query_asks_for_current_values_of_the_page),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
