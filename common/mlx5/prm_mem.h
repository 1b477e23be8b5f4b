/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory and protection objects: protection domains, transport domains, memory keys (direct MTT
 * and indirect KLM), the special contexts (null mkey) and UAR pages. Offsets follow DPDK 22.11's
 * mlx5_prm.h; `uid` and `mkey_umem_valid` follow the kernel / rdma-core, where DPDK keeps them
 * reserved.
 */
#ifndef MLX5_PRM_MEM_H
#define MLX5_PRM_MEM_H

#include <stdint.h>

#include "prm_bits.h"

/* mkc.access_mode_1_0 / access_mode_4_2 together: the translation kind. */
enum prm_mkc_access_mode {
	PRM_MKC_ACCESS_MODE_PA = 0x0,
	PRM_MKC_ACCESS_MODE_MTT = 0x1,
	PRM_MKC_ACCESS_MODE_KLMS = 0x2,
	PRM_MKC_ACCESS_MODE_KSM = 0x3,	/* DPDK: KLM_FBS, KLM entries of one fixed size */
};

/*
 * Largest bytes of one KLM/KSM entry: 2 GiB, what DPDK's mlx5 vDPA driver (validated on the
 * hardware) uses for large guests (MLX5_MAX_KLM_BYTE_COUNT); the kernel's driver stays at 1 GiB.
 */
#define PRM_KLM_MAX_ENTRY_SIZE (1ull << 31)

/* MTT entries are 8 bytes, two per 16-byte translation octword (translations_octword_*). */
#define PRM_MTT_PER_OCTWORD 2u

struct prm_mkc_bits {
	uint8_t reserved_at_0[0x1];
	uint8_t free[0x1];
	uint8_t reserved_at_2[0x1];
	uint8_t access_mode_4_2[0x3];
	uint8_t reserved_at_6[0x7];
	uint8_t relaxed_ordering_write[0x1];
	uint8_t reserved_at_e[0x1];
	uint8_t small_fence_on_rdma_read_response[0x1];
	uint8_t umr_en[0x1];
	uint8_t a[0x1];
	uint8_t rw[0x1];
	uint8_t rr[0x1];
	uint8_t lw[0x1];
	uint8_t lr[0x1];
	uint8_t access_mode_1_0[0x2];
	uint8_t reserved_at_18[0x8];

	uint8_t qpn[0x18];
	uint8_t mkey_7_0[0x8];

	uint8_t reserved_at_40[0x20];

	uint8_t length64[0x1];
	uint8_t bsf_en[0x1];
	uint8_t sync_umr[0x1];
	uint8_t reserved_at_63[0x2];
	uint8_t expected_sigerr_count[0x1];
	uint8_t reserved_at_66[0x1];
	uint8_t en_rinval[0x1];
	uint8_t pd[0x18];

	uint8_t start_addr[0x40];

	uint8_t len[0x40];

	uint8_t bsf_octword_size[0x20];

	uint8_t reserved_at_120[0x80];

	uint8_t translations_octword_size[0x20];

	uint8_t reserved_at_1c0[0x19];
	uint8_t relaxed_ordering_read[0x1];
	uint8_t reserved_at_1da[0x1];
	uint8_t log_page_size[0x5];

	uint8_t reserved_at_1e0[0x3];
	uint8_t crypto_en[0x2];
	uint8_t reserved_at_1e5[0x1b];
};
PRM_ASSERT_SIZE(mkc, 64);

struct prm_klm_bits {
	uint8_t byte_count[0x20];

	uint8_t mkey[0x20];

	uint8_t address[0x40];
};
PRM_ASSERT_SIZE(klm, 16);

struct prm_create_mkey_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x20];

	uint8_t pg_access[0x1];
	uint8_t mkey_umem_valid[0x1];	/* rdma-core/kernel; reserved in DPDK */
	uint8_t reserved_at_62[0x1e];

	struct prm_mkc_bits memory_key_mkey_entry;

	uint8_t reserved_at_280[0x80];

	uint8_t translations_octword_actual_size[0x20];

	uint8_t mkey_umem_id[0x20];

	uint8_t mkey_umem_offset[0x40];

	uint8_t reserved_at_380[0x500];

	/* Followed by the translation entries: prm_klm_bits or prm_mtt_bits, 16 or 8 bytes each. */
};
PRM_ASSERT_SIZE(create_mkey_in, 272);

struct prm_create_mkey_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t mkey_index[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(create_mkey_out, 16);

struct prm_alloc_pd_in_bits {
	uint8_t opcode[0x10];
	uint8_t reserved_0[0x10];

	uint8_t reserved_1[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_2[0x40];
};
PRM_ASSERT_SIZE(alloc_pd_in, 16);

struct prm_alloc_pd_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_0[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_1[0x8];
	uint8_t pd[0x18];

	uint8_t reserved_2[0x20];
};
PRM_ASSERT_SIZE(alloc_pd_out, 16);

struct prm_dealloc_pd_in_bits {
	uint8_t opcode[0x10];
	uint8_t reserved_0[0x10];

	uint8_t reserved_1[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_2[0x8];
	uint8_t pd[0x18];

	uint8_t reserved_3[0x20];
};
PRM_ASSERT_SIZE(dealloc_pd_in, 16);

struct prm_dealloc_pd_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_0[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_1[0x40];
};
PRM_ASSERT_SIZE(dealloc_pd_out, 16);

struct prm_alloc_transport_domain_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(alloc_transport_domain_in, 16);

struct prm_alloc_transport_domain_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t transport_domain[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(alloc_transport_domain_out, 16);

/* One MTT entry: a page address with read/write enables in its low bits. */
struct prm_mtt_bits {
	uint8_t ptag_63_32[0x20];

	uint8_t ptag_31_8[0x18];
	uint8_t reserved_at_38[0x6];
	uint8_t wr_en[0x1];
	uint8_t rd_en[0x1];
};
PRM_ASSERT_SIZE(mtt, 8);

struct prm_destroy_mkey_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t mkey_index[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_mkey_in, 16);

struct prm_destroy_mkey_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(destroy_mkey_out, 16);

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

	uint8_t terminate_scatter_list_mkey[0x20];

	uint8_t repeated_mkey[0x20];

	uint8_t reserved_at_e0[0x20];
};
PRM_ASSERT_SIZE(query_special_contexts_out, 32);

struct prm_dealloc_transport_domain_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t transport_domain[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(dealloc_transport_domain_in, 16);

struct prm_alloc_uar_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(alloc_uar_in, 16);

struct prm_alloc_uar_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x8];
	uint8_t uar[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(alloc_uar_out, 16);

struct prm_dealloc_uar_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x8];
	uint8_t uar[0x18];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(dealloc_uar_in, 16);

/* CREATE_UCTX: a user context; its number is the uid stamped into that user's commands. */
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

struct prm_destroy_uctx_in_bits {
	uint8_t opcode[0x10];
	uint8_t reserved_at_10[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_60[0x20];
};
PRM_ASSERT_SIZE(destroy_uctx_in, 16);

#endif /* MLX5_PRM_MEM_H */
