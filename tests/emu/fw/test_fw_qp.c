/* SPDX-License-Identifier: BSD-3-Clause */
/* QPs and CQs: the whole QP transition table, and the commands that walk it. */
#include <errno.h>

#include "fw_states.h"
#include "fw_test.h"
#include "prm_cq_qp.h"

static void
qp_transition_table(void **state)
{
	static const uint16_t ops[] = {
		PRM_CMD_RST2INIT_QP, PRM_CMD_INIT2INIT_QP, PRM_CMD_INIT2RTR_QP, PRM_CMD_RTR2RTS_QP,
		PRM_CMD_RTS2RTS_QP, PRM_CMD_2RST_QP, PRM_CMD_2ERR_QP,
	};
	static const enum prm_qp_state states[] = {
		PRM_QP_STATE_RST, PRM_QP_STATE_INIT, PRM_QP_STATE_RTR, PRM_QP_STATE_RTS,
		PRM_QP_STATE_ERR,
	};
	/* The one state each transition starts from; -1: any. */
	static const int from[] = {
		PRM_QP_STATE_RST, PRM_QP_STATE_INIT, PRM_QP_STATE_INIT, PRM_QP_STATE_RTR,
		PRM_QP_STATE_RTS, -1, -1,
	};
	static const enum prm_qp_state to[] = {
		PRM_QP_STATE_INIT, PRM_QP_STATE_INIT, PRM_QP_STATE_RTR, PRM_QP_STATE_RTS,
		PRM_QP_STATE_RTS, PRM_QP_STATE_RST, PRM_QP_STATE_ERR,
	};

	(void)state;
	for (size_t o = 0; o < sizeof(ops) / sizeof(ops[0]); o++) {
		for (size_t s = 0; s < sizeof(states) / sizeof(states[0]); s++) {
			enum prm_qp_state next;
			int ok = from[o] < 0 || from[o] == (int)states[s];

			assert_int_equal(fw_qp_next_state(ops[o], states[s], &next), ok ? 0 : -1);
			if (ok)
				assert_int_equal(next, to[o]);
		}
	}
	assert_int_equal(fw_qp_next_state(PRM_CMD_CREATE_QP, PRM_QP_STATE_RST, &(enum prm_qp_state){0}),
			 -1);
}

static uint8_t
qp_state(struct emu_fw *fw, uint32_t qpn)
{
	uint8_t in[PRM_SIZE(query_qp_in)] = { 0 }, out[PRM_SIZE(query_qp_out)];

	PRM_SET(query_qp_in, in, opcode, PRM_CMD_QUERY_QP);
	PRM_SET(query_qp_in, in, qpn, qpn);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), 0);
	return (uint8_t)PRM_GET(qpc, PRM_ADDR(query_qp_out, out, qpc), state);
}

static void
qp_connects_rst_init_rtr_rts_and_refuses_skips(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	struct fwt_vq_res r;

	(void)state;
	fwt_vq_res_create(fw, &r, 64);
	assert_int_equal(qp_state(fw, r.qp), PRM_QP_STATE_RST);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_RTR2RTS_QP, r.qp, 0), PRM_STATUS_BAD_QP_STATE);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_RST2INIT_QP, r.qp, 0), PRM_STATUS_OK);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_INIT2RTR_QP, r.qp, 0x99999), PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_INIT2RTR_QP, r.qp, r.qp), PRM_STATUS_OK);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_RTR2RTS_QP, r.qp, 0), PRM_STATUS_OK);
	assert_int_equal(qp_state(fw, r.qp), PRM_QP_STATE_RTS);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_2ERR_QP, r.qp, 0), PRM_STATUS_OK);
	assert_int_equal(qp_state(fw, r.qp), PRM_QP_STATE_ERR);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_2RST_QP, r.qp, 0), PRM_STATUS_OK);
	assert_int_equal(qp_state(fw, r.qp), PRM_QP_STATE_RST);
	assert_int_equal(fwt_qp_transition(fw, PRM_CMD_2RST_QP, 0x777, 0), PRM_STATUS_BAD_RESOURCE);
	fwt_vq_res_destroy(fw, &r);
	fwt_destroy_checked(fw);
}

static void
cq_needs_a_valid_eq_uar_and_big_enough_umem(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t in[PRM_SIZE(create_cq_in)] = { 0 }, out[16], buf[64 * 4 + 64];
	void *cqc = PRM_ADDR(create_cq_in, in, cq_context);
	uint32_t umem = fwt_umem(fw, buf, sizeof(buf)), uar, eqn, synd;
	uint64_t off;

	(void)state;
	assert_int_equal(emu_fw_uar_alloc(fw, &uar, &off), 0);
	assert_int_equal(emu_fw_query_eqn(fw, 0, &eqn), 0);
	assert_int_equal(emu_fw_query_eqn(fw, 1000, &eqn), -EINVAL);
	assert_int_equal(emu_fw_query_eqn(fw, 0, &eqn), 0);
	PRM_SET(create_cq_in, in, opcode, PRM_CMD_CREATE_CQ);
	PRM_SET(create_cq_in, in, cq_umem_id, umem);
	PRM_SET(cqc, cqc, log_cq_size, 3);	/* 8 x 64 B > the 256 B ring */
	PRM_SET(cqc, cqc, uar_page, uar);
	PRM_SET(cqc, cqc, c_eqn, eqn);
	PRM_SET(cqc, cqc, dbr_umem_id, umem);
	PRM_SET(cqc, cqc, dbr_addr, 256);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd), PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_UMEM_RANGE);
	PRM_SET(cqc, cqc, log_cq_size, 2);
	PRM_SET(cqc, cqc, c_eqn, 3);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_BAD_PARAM);
	PRM_SET(cqc, cqc, c_eqn, eqn);
	PRM_SET(cqc, cqc, uar_page, 50);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_BAD_PARAM);
	PRM_SET(cqc, cqc, uar_page, uar);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	assert_int_equal(emu_fw_umem_dereg(fw, umem), -EBUSY);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_CQ,
					   (uint32_t)PRM_GET(create_cq_out, out, cqn), NULL), 0);
	assert_int_equal(emu_fw_umem_dereg(fw, umem), 0);
	assert_int_equal(emu_fw_uar_free(fw, uar), 0);
	fwt_destroy_checked(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(qp_transition_table),
		cmocka_unit_test(qp_connects_rst_init_rtr_rts_and_refuses_skips),
		cmocka_unit_test(cq_needs_a_valid_eq_uar_and_big_enough_umem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
