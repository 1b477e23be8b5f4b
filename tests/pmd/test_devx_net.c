/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transport domain, TIS, RQT, TIR and vport commands of the typed DevX layer, without a device.
 */
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
#include "prm_net.h"

static void
td_and_tis_carry_their_fields(void **state)
{
	const struct devx_tis_attr a = { .transport_domain = 0xabcdef, .prio = 5 };
	uint8_t td[PRM_SIZE(alloc_transport_domain_in)];
	uint8_t in[PRM_SIZE(create_tis_in)];
	void *tisc = PRM_ADDR(create_tis_in, in, ctx);

	(void)state;
	memset(td, 0xff, sizeof(td));
	devx_td_alloc_encode(td);
	assert_int_equal(PRM_GET(alloc_transport_domain_in, td, opcode), 0x816);
	memset(in, 0xff, sizeof(in));
	devx_tis_create_encode(in, &a);
	assert_int_equal(PRM_GET(create_tis_in, in, opcode), 0x912);
	assert_int_equal(PRM_GET(tisc, tisc, transport_domain), 0xabcdef);
	assert_int_equal(PRM_GET(tisc, tisc, prio), 5);
}

static void
rqt_lists_virtqs_on_create_and_modify(void **state)
{
	const uint32_t ids[] = { 0x11, 0x22, 0x33 };
	const struct devx_rqt_attr a = {
		.type = DEVX_RQT_LIST_VIRTIO_NET_Q, .max_size = 8, .n = 3, .list = ids,
	};

	(void)state;
	for (int modify = 0; modify <= 1; modify++) {
		size_t n = devx_rqt_in_size(&a, modify);
		uint8_t *in = malloc(n);
		uint8_t *rqtc;

		assert_non_null(in);
		memset(in, 0xff, n);
		if (modify) {
			devx_rqt_modify_encode(in, 0x456, &a);
			assert_int_equal(PRM_GET(modify_rqt_in, in, opcode), 0x917);
			assert_int_equal(PRM_GET(modify_rqt_in, in, rqtn), 0x456);
			assert_true(PRM_GET(modify_rqt_in, in, modify_bitmask) == 1);
			rqtc = PRM_ADDR(modify_rqt_in, in, rqt_context);
			assert_int_equal(PRM_GET(rqtc, rqtc, rqt_max_size), 0);
		} else {
			devx_rqt_create_encode(in, &a);
			assert_int_equal(PRM_GET(create_rqt_in, in, opcode), 0x916);
			rqtc = PRM_ADDR(create_rqt_in, in, rqt_context);
			assert_int_equal(PRM_GET(rqtc, rqtc, rqt_max_size), 8);
		}
		assert_int_equal(n, (size_t)(rqtc - in) + PRM_BYTE_OFF(rqtc, rq_num) +
				 3 * PRM_SIZE(rq_num));
		assert_int_equal(PRM_GET(rqtc, rqtc, list_q_type), 1);
		assert_int_equal(PRM_GET(rqtc, rqtc, rqt_actual_size), 3);
		for (int i = 0; i < 3; i++)
			assert_int_equal(PRM_GET(rq_num, rqtc + PRM_BYTE_OFF(rqtc, rq_num) +
						 i * PRM_SIZE(rq_num), rq_num), ids[i]);
		free(in);
	}
}

static void
tir_hashes_over_the_rqt_with_the_given_key(void **state)
{
	struct devx_tir_attr a = {
		.transport_domain = 0x1234, .rqtn = 0x5678, .symmetric = true,
		.l3 = DEVX_RX_HASH_IPV6, .l4 = DEVX_RX_HASH_UDP,
		.fields = DEVX_RX_HASH_SRC_IP | DEVX_RX_HASH_DST_IP | DEVX_RX_HASH_L4_DPORT,
	};
	uint8_t in[PRM_SIZE(create_tir_in)];
	void *tirc = PRM_ADDR(create_tir_in, in, ctx);
	void *sel = PRM_ADDR(tirc, tirc, rx_hash_field_selector_outer);

	(void)state;
	for (int i = 0; i < DEVX_TOEPLITZ_KEY_LEN; i++)
		a.toeplitz_key[i] = (uint8_t)(0xa0 + i);
	memset(in, 0xff, sizeof(in));
	devx_tir_create_encode(in, &a);
	assert_int_equal(PRM_GET(create_tir_in, in, opcode), 0x900);
	assert_int_equal(PRM_GET(tirc, tirc, disp_type), 1);		/* indirect */
	assert_int_equal(PRM_GET(tirc, tirc, rx_hash_fn), 2);	/* Toeplitz */
	assert_int_equal(PRM_GET(tirc, tirc, rx_hash_symmetric), 1);
	assert_int_equal(PRM_GET(tirc, tirc, indirect_table), 0x5678);
	assert_int_equal(PRM_GET(tirc, tirc, transport_domain), 0x1234);
	assert_memory_equal(PRM_ADDR(tirc, tirc, rx_hash_toeplitz_key), a.toeplitz_key,
			    DEVX_TOEPLITZ_KEY_LEN);
	assert_int_equal(PRM_GET(rx_hash_field_select, sel, l3_prot_type), 1);
	assert_int_equal(PRM_GET(rx_hash_field_select, sel, l4_prot_type), 1);
	assert_int_equal(PRM_GET(rx_hash_field_select, sel, selected_fields), 0xb);
}

static void
vport_queries_decode_state_mtu_and_mac(void **state)
{
	uint8_t in[PRM_SIZE(query_vport_state_in)];
	uint8_t out[PRM_SIZE(query_vport_state_out)];
	uint8_t *nout = calloc(1, PRM_SIZE(query_nic_vport_context_out));
	uint8_t nin[PRM_SIZE(query_nic_vport_context_in)];
	const uint8_t mac[6] = { 0x02, 0x11, 0x22, 0x33, 0x44, 0x55 };
	struct devx_nic_vport v;
	void *nvc, *addr;

	(void)state;
	assert_non_null(nout);
	memset(in, 0xff, sizeof(in));
	devx_query_vport_state_encode(in);
	assert_int_equal(PRM_GET(query_vport_state_in, in, opcode), 0x750);
	assert_int_equal(PRM_GET(query_vport_state_in, in, op_mod), 0);
	memset(out, 0, sizeof(out));
	PRM_SET(query_vport_state_out, out, state, 1);
	assert_int_equal(devx_query_vport_state_decode(out), DEVX_VPORT_UP);
	PRM_SET(query_vport_state_out, out, state, 0);
	PRM_SET(query_vport_state_out, out, admin_state, 1);
	assert_int_equal(devx_query_vport_state_decode(out), DEVX_VPORT_DOWN);

	memset(nin, 0xff, sizeof(nin));
	devx_query_nic_vport_context_encode(nin);
	assert_int_equal(PRM_GET(query_nic_vport_context_in, nin, opcode), 0x754);
	assert_int_equal(PRM_GET(query_nic_vport_context_in, nin, other_vport), 0);
	nvc = PRM_ADDR(query_nic_vport_context_out, nout, nic_vport_context);
	addr = PRM_ADDR(nic_vport_context, nvc, permanent_address);
	PRM_SET(nic_vport_context, nvc, mtu, 9000);
	PRM_SET(mac_address_layout, addr, mac_addr_47_32, 0x0211);
	PRM_SET(mac_address_layout, addr, mac_addr_31_0, 0x22334455);
	devx_query_nic_vport_context_decode(nout, &v);
	assert_int_equal(v.mtu, 9000);
	assert_memory_equal(v.mac, mac, 6);
	free(nout);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(td_and_tis_carry_their_fields),
		cmocka_unit_test(rqt_lists_virtqs_on_create_and_modify),
		cmocka_unit_test(tir_hashes_over_the_rqt_with_the_given_key),
		cmocka_unit_test(vport_queries_decode_state_mtu_and_mac),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
