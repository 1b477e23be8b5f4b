/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PRM layouts the verbs layer needs beyond the shared ones in common/mlx5: the user context the
 * kernel creates for a DevX process, and the generic shape of a create command's answer it reads
 * to track DevX objects. Names and offsets follow the kernel's mlx5_ifc.h.
 */
#ifndef EMU_VERBS_PRM_H
#define EMU_VERBS_PRM_H

#include <prm_bits.h>
#include <prm_cmd.h>
#include <prm_mem.h>
#include <prm_virtq.h>

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


#endif /* EMU_VERBS_PRM_H */
