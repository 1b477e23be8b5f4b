/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Command framing shared by every firmware command: the input and output headers, the opcodes,
 * and the status codes the firmware answers with.
 */
#ifndef MLX5_PRM_CMD_H
#define MLX5_PRM_CMD_H

#include <stdint.h>

#include "prm_bits.h"

/* Every command's input starts with this. */
struct prm_cmd_in_hdr_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];
};
PRM_ASSERT_SIZE(cmd_in_hdr, 8);

/* Every command's output starts with this. */
struct prm_cmd_out_hdr_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];
};
PRM_ASSERT_SIZE(cmd_out_hdr, 8);

/* The output of commands that answer nothing but their status (destroy, dealloc, 2RST...). */
struct prm_cmd_simple_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(cmd_simple_out, 16);

enum prm_opcode {
	PRM_CMD_QUERY_HCA_CAP = 0x100,
	PRM_CMD_QUERY_ADAPTER = 0x101,
	PRM_CMD_INIT_HCA = 0x102,
	PRM_CMD_TEARDOWN_HCA = 0x103,
	PRM_CMD_QUERY_ISSI = 0x10a,
	PRM_CMD_SET_ISSI = 0x10b,
	PRM_CMD_CREATE_MKEY = 0x200,
	PRM_CMD_QUERY_MKEY = 0x201,
	PRM_CMD_DESTROY_MKEY = 0x202,
	PRM_CMD_QUERY_SPECIAL_CONTEXTS = 0x203,
	PRM_CMD_CREATE_EQ = 0x301,
	PRM_CMD_DESTROY_EQ = 0x302,
	PRM_CMD_QUERY_EQ = 0x303,
	PRM_CMD_CREATE_CQ = 0x400,
	PRM_CMD_DESTROY_CQ = 0x401,
	PRM_CMD_QUERY_CQ = 0x402,
	PRM_CMD_MODIFY_CQ = 0x403,
	PRM_CMD_CREATE_QP = 0x500,
	PRM_CMD_DESTROY_QP = 0x501,
	PRM_CMD_RST2INIT_QP = 0x502,
	PRM_CMD_INIT2RTR_QP = 0x503,
	PRM_CMD_RTR2RTS_QP = 0x504,
	PRM_CMD_RTS2RTS_QP = 0x505,
	PRM_CMD_SQERR2RTS_QP = 0x506,
	PRM_CMD_2ERR_QP = 0x507,
	PRM_CMD_2RST_QP = 0x50a,
	PRM_CMD_QUERY_QP = 0x50b,
	PRM_CMD_INIT2INIT_QP = 0x50e,
	PRM_CMD_QUERY_VPORT_STATE = 0x750,
	PRM_CMD_MODIFY_VPORT_STATE = 0x751,
	PRM_CMD_QUERY_NIC_VPORT_CONTEXT = 0x754,
	PRM_CMD_MODIFY_NIC_VPORT_CONTEXT = 0x755,
	PRM_CMD_ALLOC_PD = 0x800,
	PRM_CMD_DEALLOC_PD = 0x801,
	PRM_CMD_ALLOC_UAR = 0x802,
	PRM_CMD_DEALLOC_UAR = 0x803,
	PRM_CMD_ACCESS_REGISTER = 0x805,
	PRM_CMD_ALLOC_TRANSPORT_DOMAIN = 0x816,
	PRM_CMD_DEALLOC_TRANSPORT_DOMAIN = 0x817,
	PRM_CMD_CREATE_TIR = 0x900,
	PRM_CMD_MODIFY_TIR = 0x901,
	PRM_CMD_DESTROY_TIR = 0x902,
	PRM_CMD_CREATE_SQ = 0x904,
	PRM_CMD_CREATE_RQ = 0x908,
	PRM_CMD_CREATE_TIS = 0x912,
	PRM_CMD_DESTROY_TIS = 0x914,
	PRM_CMD_CREATE_RQT = 0x916,
	PRM_CMD_MODIFY_RQT = 0x917,
	PRM_CMD_DESTROY_RQT = 0x918,
	PRM_CMD_QUERY_RQT = 0x919,
	PRM_CMD_SET_FLOW_TABLE_ROOT = 0x92f,
	PRM_CMD_CREATE_FLOW_TABLE = 0x930,
	PRM_CMD_DESTROY_FLOW_TABLE = 0x931,
	PRM_CMD_QUERY_FLOW_TABLE = 0x932,
	PRM_CMD_CREATE_FLOW_GROUP = 0x933,
	PRM_CMD_DESTROY_FLOW_GROUP = 0x934,
	PRM_CMD_SET_FLOW_TABLE_ENTRY = 0x936,
	PRM_CMD_QUERY_FLOW_TABLE_ENTRY = 0x937,
	PRM_CMD_DELETE_FLOW_TABLE_ENTRY = 0x938,
	PRM_CMD_CREATE_GENERAL_OBJECT = 0xa00,
	PRM_CMD_MODIFY_GENERAL_OBJECT = 0xa01,
	PRM_CMD_QUERY_GENERAL_OBJECT = 0xa02,
	PRM_CMD_DESTROY_GENERAL_OBJECT = 0xa03,
	PRM_CMD_CREATE_UCTX = 0xa04,
	PRM_CMD_DESTROY_UCTX = 0xa06,
	PRM_CMD_CREATE_UMEM = 0xa08,
	PRM_CMD_DESTROY_UMEM = 0xa0a,
};

/* Firmware status codes (the `status` byte of every output). */
enum prm_status {
	PRM_STATUS_OK = 0x00,
	PRM_STATUS_INTERNAL_ERR = 0x01,
	PRM_STATUS_BAD_OP = 0x02,
	PRM_STATUS_BAD_PARAM = 0x03,
	PRM_STATUS_BAD_SYS_STATE = 0x04,
	PRM_STATUS_BAD_RESOURCE = 0x05,
	PRM_STATUS_RESOURCE_BUSY = 0x06,
	PRM_STATUS_EXCEED_LIM = 0x08,
	PRM_STATUS_BAD_RES_STATE = 0x09,
	PRM_STATUS_BAD_INDEX = 0x0a,
	PRM_STATUS_NO_RESOURCES = 0x0f,
	PRM_STATUS_BAD_QP_STATE = 0x10,
	PRM_STATUS_BAD_PKT = 0x30,
	PRM_STATUS_BAD_SIZE_OUTS_CQES = 0x40,
	PRM_STATUS_BAD_INPUT_LEN = 0x50,
	PRM_STATUS_BAD_OUTPUT_LEN = 0x51,
};

/* "BAD_PARAM"-style name of a status, or "UNKNOWN_STATUS" for a value not listed above. */
const char *prm_status_name(uint8_t status);

/* Name of an opcode, or "UNKNOWN_OPCODE". */
const char *prm_opcode_name(uint16_t opcode);

/* The negative errno a status stands for; 0 for PRM_STATUS_OK. */
int prm_status_to_errno(uint8_t status);

/*
 * The one place where a command's outcome is judged. Returns 0 when the output's status is OK;
 * otherwise logs one line with opcode (and name), op_mod, status name and syndrome, prefixed with
 * `origin`, and returns the status's errno. `in`/`out` are the command mailboxes.
 */
int prm_cmd_check(const char *origin, const void *in, const void *out);

#endif /* MLX5_PRM_CMD_H */
