/* SPDX-License-Identifier: BSD-3-Clause */
/* Firmware status names, errno mapping, and the one-line failure log of prm_cmd_check(). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mlx5_log.h"
#include "prm_cmd.h"

struct captured {
	int lines;
	char last[512];
};

static void
capture_write(void *ctx, enum mlx5_log_level level, const char *origin, const char *msg)
{
	struct captured *c = ctx;

	(void)level;
	c->lines++;
	snprintf(c->last, sizeof(c->last), "%s: %s", origin, msg);
}

static void
statuses_map_to_names_and_errnos(void **state)
{
	static const struct {
		uint8_t status;
		const char *name;
		int err;
	} table[] = {
		{ PRM_STATUS_OK, "OK", 0 },
		{ PRM_STATUS_INTERNAL_ERR, "INTERNAL_ERR", -EIO },
		{ PRM_STATUS_BAD_OP, "BAD_OP", -EINVAL },
		{ PRM_STATUS_BAD_PARAM, "BAD_PARAM", -EINVAL },
		{ PRM_STATUS_BAD_SYS_STATE, "BAD_SYS_STATE", -EIO },
		{ PRM_STATUS_BAD_RESOURCE, "BAD_RESOURCE", -EINVAL },
		{ PRM_STATUS_RESOURCE_BUSY, "RESOURCE_BUSY", -EBUSY },
		{ PRM_STATUS_EXCEED_LIM, "EXCEED_LIM", -ENOMEM },
		{ PRM_STATUS_BAD_RES_STATE, "BAD_RES_STATE", -EINVAL },
		{ PRM_STATUS_BAD_INDEX, "BAD_INDEX", -EINVAL },
		{ PRM_STATUS_NO_RESOURCES, "NO_RESOURCES", -EAGAIN },
		{ PRM_STATUS_BAD_QP_STATE, "BAD_QP_STATE", -EINVAL },
		{ PRM_STATUS_BAD_PKT, "BAD_PKT", -EINVAL },
		{ PRM_STATUS_BAD_SIZE_OUTS_CQES, "BAD_SIZE_OUTS_CQES", -EINVAL },
		{ PRM_STATUS_BAD_INPUT_LEN, "BAD_INPUT_LEN", -EIO },
		{ PRM_STATUS_BAD_OUTPUT_LEN, "BAD_OUTPUT_LEN", -EIO },
		{ 0x07, "UNKNOWN_STATUS", -EIO },
		{ 0xff, "UNKNOWN_STATUS", -EIO },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		assert_string_equal(prm_status_name(table[i].status), table[i].name);
		assert_int_equal(prm_status_to_errno(table[i].status), table[i].err);
	}
}

static void
opcodes_have_names(void **state)
{
	(void)state;
	assert_string_equal(prm_opcode_name(0xa00), "CREATE_GENERAL_OBJECT");
	assert_string_equal(prm_opcode_name(0x100), "QUERY_HCA_CAP");
	assert_string_equal(prm_opcode_name(0x50a), "2RST_QP");
	assert_string_equal(prm_opcode_name(0xffff), "UNKNOWN_OPCODE");
}

static void
failed_command_logs_one_line_with_opcode_status_syndrome(void **state)
{
	struct captured cap = { 0 };
	const struct mlx5_log_sink sink = {
		.write = capture_write, .ctx = &cap, .max_level = MLX5_LOG_DEBUG,
	};
	uint8_t in[PRM_SIZE(cmd_in_hdr)] = { 0 };
	uint8_t out[PRM_SIZE(cmd_out_hdr)] = { 0 };

	(void)state;
	mlx5_log_set_sink(&sink);
	PRM_SET(cmd_in_hdr, in, opcode, PRM_CMD_MODIFY_GENERAL_OBJECT);
	PRM_SET(cmd_in_hdr, in, op_mod, 0);
	assert_int_equal(prm_cmd_check("test", in, out), 0);
	assert_int_equal(cap.lines, 0);

	PRM_SET(cmd_out_hdr, out, status, PRM_STATUS_BAD_RES_STATE);
	PRM_SET(cmd_out_hdr, out, syndrome, 0x12345678);
	assert_int_equal(prm_cmd_check("test", in, out), -EINVAL);
	assert_int_equal(cap.lines, 1);
	assert_non_null(strstr(cap.last, "MODIFY_GENERAL_OBJECT (0xa01)"));
	assert_non_null(strstr(cap.last, "BAD_RES_STATE (0x9)"));
	assert_non_null(strstr(cap.last, "syndrome 0x12345678"));
	mlx5_log_set_sink(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(statuses_map_to_names_and_errnos),
		cmocka_unit_test(opcodes_have_names),
		cmocka_unit_test(failed_command_logs_one_line_with_opcode_status_syndrome),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
