/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The few PRM layouts the verbs layer itself reads or writes: the commands the kernel driver
 * issues on a process's behalf (user context, PD, special contexts) and the headers it inspects
 * to track DevX objects. Names and offsets follow the kernel's mlx5_ifc.h.
 */
#ifndef EMU_VERBS_PRM_H
#define EMU_VERBS_PRM_H

#include <prm_bits.h>
#include <prm_cmd.h>

/* General-object command header: CREATE/MODIFY/QUERY/DESTROY_GENERAL_OBJECT inputs. */
struct prm_general_obj_in_cmd_hdr_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t vhca_tunnel_id[0x10];
	uint8_t obj_type[0x10];

	uint8_t obj_id[0x20];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(general_obj_in_cmd_hdr, 16);

/*
 * What a create command answers: the header, then the new object's number in the third dword
 * (24 bits for cqn/qpn/tirn/pd/mkey index..., 32 bits for general objects).
 */
struct prm_create_obj_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t obj_id[0x20];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_obj_out, 16);

struct prm_alloc_pd_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(alloc_pd_in, 16);

struct prm_alloc_pd_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t pd[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(alloc_pd_out, 16);

struct prm_create_uctx_in_bits {
	uint8_t opcode[0x10];
	uint8_t reserved_at_10[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];

	/* uctx context */
	uint8_t cap[0x20];

	uint8_t reserved_at_a0[0x160];
};
PRM_ASSERT_SIZE(create_uctx_in, 64);

struct prm_create_uctx_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_uctx_out, 16);

struct prm_query_special_contexts_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(query_special_contexts_in, 16);

struct prm_query_special_contexts_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t dump_fill_mkey[0x20];

	uint8_t resd_lkey[0x20];

	uint8_t null_mkey[0x20];

	uint8_t reserved_at_a0[0x60];
};
PRM_ASSERT_SIZE(query_special_contexts_out, 32);

#endif /* EMU_VERBS_PRM_H */
