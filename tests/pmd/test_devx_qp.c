/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CQ and QP commands of the typed DevX layer, without a device: the CQ context, both ends of the
 * notification QP pair, and the RST -> INIT -> RTR -> RTS (and back to RST) transitions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "devx_cmd.h"
#include "prm_cmd.h"
#include "prm_cq_qp.h"

static void
cq_context_carries_size_eq_uar_and_umems(void **state)
{
	const struct devx_cq_attr a = {
		.log_size = 10, .uar_page = 0x3456, .eqn = 0x17, .umem_id = 0x1001,
		.umem_offset = 0x2000, .db_umem_id = 0x1002, .db_offset = 0x40,
		.log_page_size = 0, .overrun_ignore = true,
	};
	uint8_t in[PRM_SIZE(create_cq_in)];
	void *cqc = PRM_ADDR(create_cq_in, in, cq_context);

	(void)state;
	memset(in, 0xff, sizeof(in));
	devx_cq_create_encode(in, &a);
	assert_int_equal(PRM_GET(create_cq_in, in, opcode), 0x400);
	assert_int_equal(PRM_GET(create_cq_in, in, cq_umem_valid), 1);
	assert_int_equal(PRM_GET(create_cq_in, in, cq_umem_id), 0x1001);
	assert_true(PRM_GET(create_cq_in, in, cq_umem_offset) == 0x2000);
	assert_int_equal(PRM_GET(cqc, cqc, dbr_umem_valid), 1);
	assert_int_equal(PRM_GET(cqc, cqc, dbr_umem_id), 0x1002);
	assert_true(PRM_GET(cqc, cqc, dbr_addr) == 0x40);
	assert_int_equal(PRM_GET(cqc, cqc, log_cq_size), 10);
	assert_int_equal(PRM_GET(cqc, cqc, uar_page), 0x3456);
	assert_int_equal(PRM_GET(cqc, cqc, c_eqn), 0x17);
	assert_int_equal(PRM_GET(cqc, cqc, oi), 1);
	assert_int_equal(PRM_GET(cqc, cqc, cqe_sz), 0);	/* 64-byte CQEs */
	assert_int_equal(PRM_GET(cqc, cqc, log_page_size), 0);
}

static void
firmware_qp_has_no_queues_and_driver_qp_a_receive_queue(void **state)
{
	const struct devx_qp_attr fw = { .fw = true, .pdn = 0x77 };
	const struct devx_qp_attr drv = {
		.pdn = 0x77, .cqn = 0x88, .uar_page = 0x99, .log_rq_size = 8,
		.log_rq_stride = 6, .wq_umem_id = 0x501, .wq_umem_offset = 0x80,
		.db_umem_id = 0x502, .db_offset = 0x10, .log_page_size = 0,
	};
	uint8_t in[PRM_SIZE(create_qp_in)];
	void *qpc = PRM_ADDR(create_qp_in, in, qpc);

	(void)state;
	memset(in, 0xff, sizeof(in));
	devx_qp_create_encode(in, &fw);
	assert_int_equal(PRM_GET(create_qp_in, in, opcode), 0x500);
	assert_int_equal(PRM_GET(qpc, qpc, st), 0);		/* RC */
	assert_int_equal(PRM_GET(qpc, qpc, pm_state), 3);	/* migrated */
	assert_int_equal(PRM_GET(qpc, qpc, pd), 0x77);
	assert_int_equal(PRM_GET(qpc, qpc, no_sq), 1);
	assert_int_equal(PRM_GET(qpc, qpc, rq_type), 3);	/* zero-length RQ */
	assert_int_equal(PRM_GET(create_qp_in, in, wq_umem_valid), 0);

	memset(in, 0xff, sizeof(in));
	devx_qp_create_encode(in, &drv);
	assert_int_equal(PRM_GET(qpc, qpc, no_sq), 1);
	assert_int_equal(PRM_GET(qpc, qpc, rq_type), 0);
	assert_int_equal(PRM_GET(qpc, qpc, cqn_rcv), 0x88);
	assert_int_equal(PRM_GET(qpc, qpc, uar_page), 0x99);
	assert_int_equal(PRM_GET(qpc, qpc, log_rq_size), 8);
	assert_int_equal(PRM_GET(qpc, qpc, log_rq_stride), 2);	/* 64 bytes = 16 << 2 */
	assert_int_equal(PRM_GET(qpc, qpc, dbr_umem_valid), 1);
	assert_int_equal(PRM_GET(qpc, qpc, dbr_umem_id), 0x502);
	assert_true(PRM_GET(qpc, qpc, dbr_addr) == 0x10);
	assert_int_equal(PRM_GET(create_qp_in, in, wq_umem_valid), 1);
	assert_int_equal(PRM_GET(create_qp_in, in, wq_umem_id), 0x501);
	assert_true(PRM_GET(create_qp_in, in, wq_umem_offset) == 0x80);
}

static void
transitions_encode_their_opcode_qpn_and_context(void **state)
{
	static const struct {
		enum devx_qp_transition t;
		uint16_t opcode;
	} cases[] = {
		{ DEVX_QP_RST2INIT, 0x502 },
		{ DEVX_QP_INIT2RTR, 0x503 },
		{ DEVX_QP_RTR2RTS, 0x504 },
		{ DEVX_QP_2RST, 0x50a },
	};
	uint8_t in[PRM_SIZE(rst2init_qp_in)];
	void *qpc = PRM_ADDR(rst2init_qp_in, in, qpc);
	void *ads = PRM_ADDR(qpc, qpc, primary_address_path);

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = devx_qp_modify_encode(in, sizeof(in), 0xabcdef, cases[i].t, 0x123456);

		assert_true(n > 0 && n <= sizeof(in));
		assert_int_equal(PRM_GET(rst2init_qp_in, in, opcode), cases[i].opcode);
		assert_int_equal(PRM_GET(rst2init_qp_in, in, qpn), 0xabcdef);
		switch (cases[i].t) {
		case DEVX_QP_RST2INIT:
			assert_int_equal(PRM_GET(ads, ads, vhca_port_num), 1);
			assert_int_equal(PRM_GET(qpc, qpc, rre), 1);
			assert_int_equal(PRM_GET(qpc, qpc, rwe), 1);
			break;
		case DEVX_QP_INIT2RTR:
			assert_int_equal(PRM_GET(qpc, qpc, remote_qpn), 0x123456);
			assert_int_equal(PRM_GET(ads, ads, fl), 1);
			assert_int_equal(PRM_GET(qpc, qpc, mtu), 1);
			assert_int_equal(PRM_GET(qpc, qpc, log_msg_max), 30);
			break;
		case DEVX_QP_RTR2RTS:
			assert_int_equal(PRM_GET(qpc, qpc, retry_count), 7);
			assert_int_equal(PRM_GET(qpc, qpc, rnr_retry), 7);
			assert_int_equal(PRM_GET(qpc, qpc, remote_qpn), 0);
			break;
		case DEVX_QP_2RST:
			assert_int_equal(n, PRM_SIZE(qp_2rst_in));
			break;
		}
	}
	assert_int_equal(devx_qp_modify_encode(in, sizeof(in), 1, (enum devx_qp_transition)9, 0),
			 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cq_context_carries_size_eq_uar_and_umems),
		cmocka_unit_test(firmware_qp_has_no_queues_and_driver_qp_a_receive_queue),
		cmocka_unit_test(transitions_encode_their_opcode_qpn_and_context),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
