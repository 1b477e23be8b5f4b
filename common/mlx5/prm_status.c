/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include "mlx5_log.h"
#include "prm_cmd.h"

struct status_info {
	const char *name;
	int err;	/* positive errno */
};

/* The errno of each status follows the Linux mlx5 core's mapping, so users see the same codes. */
static const struct status_info statuses[] = {
	[PRM_STATUS_OK] = { "OK", 0 },
	[PRM_STATUS_INTERNAL_ERR] = { "INTERNAL_ERR", EIO },
	[PRM_STATUS_BAD_OP] = { "BAD_OP", EINVAL },
	[PRM_STATUS_BAD_PARAM] = { "BAD_PARAM", EINVAL },
	[PRM_STATUS_BAD_SYS_STATE] = { "BAD_SYS_STATE", EIO },
	[PRM_STATUS_BAD_RESOURCE] = { "BAD_RESOURCE", EINVAL },
	[PRM_STATUS_RESOURCE_BUSY] = { "RESOURCE_BUSY", EBUSY },
	[PRM_STATUS_EXCEED_LIM] = { "EXCEED_LIM", ENOMEM },
	[PRM_STATUS_BAD_RES_STATE] = { "BAD_RES_STATE", EINVAL },
	[PRM_STATUS_BAD_INDEX] = { "BAD_INDEX", EINVAL },
	[PRM_STATUS_NO_RESOURCES] = { "NO_RESOURCES", EAGAIN },
	[PRM_STATUS_BAD_QP_STATE] = { "BAD_QP_STATE", EINVAL },
	[PRM_STATUS_BAD_PKT] = { "BAD_PKT", EINVAL },
	[PRM_STATUS_BAD_SIZE_OUTS_CQES] = { "BAD_SIZE_OUTS_CQES", EINVAL },
	[PRM_STATUS_BAD_INPUT_LEN] = { "BAD_INPUT_LEN", EIO },
	[PRM_STATUS_BAD_OUTPUT_LEN] = { "BAD_OUTPUT_LEN", EIO },
};

static const struct status_info *
status_info(uint8_t status)
{
	if (status < sizeof(statuses) / sizeof(statuses[0]) && statuses[status].name)
		return &statuses[status];
	return NULL;
}

const char *
prm_status_name(uint8_t status)
{
	const struct status_info *si = status_info(status);

	return si ? si->name : "UNKNOWN_STATUS";
}

int
prm_status_to_errno(uint8_t status)
{
	const struct status_info *si = status_info(status);

	return si ? -si->err : -EIO;
}

struct opcode_name {
	uint16_t opcode;
	const char *name;
};

#define OPCODE(x) { PRM_CMD_##x, #x }
static const struct opcode_name opcode_names[] = {
	OPCODE(QUERY_HCA_CAP), OPCODE(QUERY_ADAPTER), OPCODE(INIT_HCA), OPCODE(TEARDOWN_HCA),
	OPCODE(QUERY_ISSI), OPCODE(SET_ISSI), OPCODE(CREATE_MKEY), OPCODE(QUERY_MKEY),
	OPCODE(DESTROY_MKEY), OPCODE(QUERY_SPECIAL_CONTEXTS), OPCODE(CREATE_EQ),
	OPCODE(DESTROY_EQ), OPCODE(QUERY_EQ), OPCODE(CREATE_CQ), OPCODE(DESTROY_CQ),
	OPCODE(QUERY_CQ), OPCODE(MODIFY_CQ), OPCODE(CREATE_QP), OPCODE(DESTROY_QP),
	OPCODE(RST2INIT_QP), OPCODE(INIT2RTR_QP), OPCODE(RTR2RTS_QP), OPCODE(RTS2RTS_QP),
	OPCODE(SQERR2RTS_QP), OPCODE(2ERR_QP), OPCODE(2RST_QP), OPCODE(QUERY_QP),
	OPCODE(INIT2INIT_QP), OPCODE(QUERY_VPORT_STATE), OPCODE(MODIFY_VPORT_STATE),
	OPCODE(QUERY_NIC_VPORT_CONTEXT), OPCODE(MODIFY_NIC_VPORT_CONTEXT), OPCODE(ALLOC_PD),
	OPCODE(DEALLOC_PD), OPCODE(ALLOC_UAR), OPCODE(DEALLOC_UAR), OPCODE(ACCESS_REGISTER),
	OPCODE(ALLOC_TRANSPORT_DOMAIN), OPCODE(DEALLOC_TRANSPORT_DOMAIN), OPCODE(CREATE_TIR),
	OPCODE(MODIFY_TIR), OPCODE(DESTROY_TIR), OPCODE(CREATE_SQ), OPCODE(CREATE_RQ),
	OPCODE(CREATE_TIS), OPCODE(DESTROY_TIS), OPCODE(CREATE_RQT), OPCODE(MODIFY_RQT),
	OPCODE(DESTROY_RQT), OPCODE(QUERY_RQT), OPCODE(SET_FLOW_TABLE_ROOT),
	OPCODE(CREATE_FLOW_TABLE), OPCODE(DESTROY_FLOW_TABLE), OPCODE(QUERY_FLOW_TABLE),
	OPCODE(CREATE_FLOW_GROUP), OPCODE(DESTROY_FLOW_GROUP), OPCODE(SET_FLOW_TABLE_ENTRY),
	OPCODE(QUERY_FLOW_TABLE_ENTRY), OPCODE(DELETE_FLOW_TABLE_ENTRY),
	OPCODE(CREATE_GENERAL_OBJECT), OPCODE(MODIFY_GENERAL_OBJECT),
	OPCODE(QUERY_GENERAL_OBJECT), OPCODE(DESTROY_GENERAL_OBJECT), OPCODE(CREATE_UCTX),
	OPCODE(DESTROY_UCTX), OPCODE(CREATE_UMEM), OPCODE(DESTROY_UMEM),
};
#undef OPCODE

const char *
prm_opcode_name(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof(opcode_names) / sizeof(opcode_names[0]); i++)
		if (opcode_names[i].opcode == opcode)
			return opcode_names[i].name;
	return "UNKNOWN_OPCODE";
}

int
prm_cmd_check(const char *origin, const void *in, const void *out)
{
	uint8_t status = (uint8_t)PRM_GET(cmd_out_hdr, out, status);
	uint16_t opcode;

	if (status == PRM_STATUS_OK)
		return 0;
	opcode = (uint16_t)PRM_GET(cmd_in_hdr, in, opcode);
	/* General-object commands carry the object type where others carry op_mod. */
	mlx5_log(MLX5_LOG_ERR, origin,
		 "command %s (0x%x) %s 0x%x failed: status %s (0x%x), syndrome 0x%08x",
		 prm_opcode_name(opcode), opcode,
		 (opcode >= PRM_CMD_CREATE_GENERAL_OBJECT && opcode <= PRM_CMD_DESTROY_GENERAL_OBJECT) ?
		 "obj_type" : "op_mod",
		 (unsigned int)PRM_GET(cmd_in_hdr, in, op_mod), prm_status_name(status), status,
		 (unsigned int)PRM_GET(cmd_out_hdr, out, syndrome));
	return prm_status_to_errno(status);
}
