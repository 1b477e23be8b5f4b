/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The typed DevX layer executing through the emulator's rdma-core layer (emu/verbs) over the
 * verbs layer's fake firmware (tests/emu/verbs/fake_fw.c, which knows PD, transport domain, TIR
 * and general objects, and answers BAD_OP with syndrome 0x00c0ffee to anything else): object ids
 * are decoded from the right output field, destroy goes back through the object, and a refused
 * command is logged once (opcode, status and syndrome when the firmware answered) and returns
 * its errno.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>

#include "devx_cmd.h"
#include "fake_fw.h"
#include "mlx5_emu_process.h"
#include "mlx5_log.h"
#include "prm_cmd.h"

struct fixture {
	struct mlx5_log_sink sink;	/* installed while the fixture lives */
	struct ibv_context *ctx;
	char last_log[512];
	unsigned int n_logs;
};

static void
capture(void *ctx, enum mlx5_log_level level, const char *origin, const char *msg)
{
	struct fixture *f = ctx;

	(void)level;
	snprintf(f->last_log, sizeof(f->last_log), "%s: %s", origin, msg);
	f->n_logs++;
}

static int
open_ctx(void **state)
{
	struct mlx5dv_context_attr attr = { .flags = MLX5DV_CONTEXT_FLAGS_DEVX };
	struct fixture *fx = calloc(1, sizeof(*fx));
	struct ibv_device **list;
	int n = 0;

	if (fx == NULL || mlx5_emu_process_reset() != 0)
		goto fail;
	fx->sink = (struct mlx5_log_sink){
		.write = capture, .ctx = fx, .max_level = MLX5_LOG_DEBUG,
	};
	list = ibv_get_device_list(&n);
	if (list == NULL)
		goto fail;
	if (n >= 1)
		fx->ctx = mlx5dv_open_device(list[0], &attr);
	ibv_free_device_list(list);
	if (fx->ctx == NULL)
		goto fail;
	mlx5_log_set_sink(&fx->sink);
	*state = fx;
	return 0;
fail:
	free(fx);
	return -1;
}

static int
close_ctx(void **state)
{
	struct fixture *f = *state;

	mlx5_log_set_sink(NULL);
	ibv_close_device(f->ctx);
	free(f);
	return mlx5_emu_process_reset();
}

static void
created_objects_carry_their_ids_and_destroy_cleanly(void **state)
{
	struct fixture *f = *state;
	struct devx_virtq_attr va = { .queue_size = 256, .type = DEVX_VIRTQ_TYPE_SPLIT };
	struct devx_obj td = { 0 }, q = { 0 }, q2 = { 0 };
	uint16_t destroyed[8];
	struct ibv_pd *pd = NULL;
	uint32_t pdn = 0;

	assert_int_equal(devx_pd_alloc(f->ctx, &pd, &pdn), 0);
	assert_non_null(pd);
	assert_int_equal(devx_td_alloc(f->ctx, &td), 0);
	assert_non_null(td.obj);
	va.pdn = pdn;
	assert_int_equal(devx_virtq_create(f->ctx, &va, &q), 0);
	assert_int_equal(devx_virtq_create(f->ctx, &va, &q2), 0);
	/* the fake numbers objects from one counter: distinct, non-zero ids */
	assert_true(td.id != 0 && q.id != 0 && q2.id != 0);
	assert_true(q.id != q2.id && q.id != td.id);
	assert_int_equal(devx_obj_destroy(&q2), 0);
	assert_null(q2.obj);
	assert_int_equal(q2.id, 0);
	assert_int_equal(devx_obj_destroy(&q2), 0);	/* a destroyed object is a no-op */
	assert_int_equal(devx_obj_destroy(&q), 0);
	assert_int_equal(devx_obj_destroy(&td), 0);
	assert_int_equal(devx_pd_free(&pd), 0);
	assert_null(pd);
	assert_int_equal(fake_fw_destroyed(mlx5_emu_process_fw(0), destroyed, 8), 4);
	assert_int_equal(destroyed[0], PRM_CMD_DESTROY_GENERAL_OBJECT);
	assert_int_equal(destroyed[1], PRM_CMD_DESTROY_GENERAL_OBJECT);
	assert_int_equal(destroyed[2], PRM_CMD_DEALLOC_TRANSPORT_DOMAIN);
	assert_int_equal(destroyed[3], PRM_CMD_DEALLOC_PD);
	assert_int_equal(f->n_logs, 0);
}

static void
refused_command_is_logged_once_and_returns_its_errno(void **state)
{
	struct fixture *f = *state;
	const struct devx_cq_attr ca = { .log_size = 2 };
	struct devx_obj cq = { 0 };
	enum devx_vport_state vs;

	/* the firmware answers BAD_OP: status and syndrome reach the log */
	assert_int_equal(devx_query_vport_state(f->ctx, &vs), -EINVAL);
	assert_int_equal(f->n_logs, 1);
	if (strstr(f->last_log, "devx: command QUERY_VPORT_STATE (0x750) op_mod 0x0 failed: "
				"status BAD_OP (0x2), syndrome 0x00c0ffee") == NULL)
		fail_msg("log: %s", f->last_log);
	/*
	 * a create the kernel side refuses before the firmware (it could not destroy the object
	 * later): no status to report, the call's errno is
	 */
	assert_int_equal(devx_cq_create(f->ctx, &ca, &cq), -EINVAL);
	assert_null(cq.obj);
	assert_int_equal(f->n_logs, 2);
	if (strstr(f->last_log, "devx: command CREATE_CQ (0x400) op_mod 0x0 failed: "
				"Invalid argument") == NULL)
		fail_msg("log: %s", f->last_log);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(created_objects_carry_their_ids_and_destroy_cleanly,
						open_ctx, close_ctx),
		cmocka_unit_test_setup_teardown(
			refused_command_is_logged_once_and_returns_its_errno, open_ctx, close_ctx),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
