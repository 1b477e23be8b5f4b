/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory keys: creation checks, DMA translation bounds and rights, KLM with null-mkey holes. */
#include <errno.h>
#include <stdlib.h>

#include "fw_internal.h"
#include "fw_test.h"
#include "prm_mem.h"

#define MB (1u << 20)

struct mkey_fixture {
	struct emu_fw *fw;
	uint32_t pd;
	uint8_t *buf[2];
	uint32_t umem[2];
};

static int
setup(void **state)
{
	struct mkey_fixture *f = calloc(1, sizeof(*f));

	f->fw = fwt_create("cx6dx");
	f->pd = fwt_pd(f->fw);
	for (int i = 0; i < 2; i++) {
		f->buf[i] = calloc(1, MB);
		f->umem[i] = fwt_umem(f->fw, f->buf[i], MB);
	}
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct mkey_fixture *f = *state;

	for (int i = 0; i < 2; i++) {
		assert_int_equal(emu_fw_umem_dereg(f->fw, f->umem[i]), 0);
		free(f->buf[i]);
	}
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DEALLOC_PD, f->pd, NULL), 0);
	fwt_destroy_checked(f->fw);
	free(f);
	return 0;
}

static void
mtt_key_translates_inside_and_refuses_outside(void **state)
{
	struct mkey_fixture *f = *state;
	uint32_t key = fwt_mtt_mkey(f->fw, f->pd, f->umem[0], 0x10000, MB, 0);
	void *host;
	size_t contig;

	assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x10000, 64, 0, &host, &contig), 0);
	assert_ptr_equal(host, f->buf[0]);
	assert_int_equal(contig, 64);
	/* The last byte is in; a range running past the end is cut short. */
	assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x10000 + MB - 1, 8, 0, &host, &contig), 0);
	assert_ptr_equal(host, f->buf[0] + MB - 1);
	assert_int_equal(contig, 1);
	assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x10000 + MB, 1, 0, &host, &contig),
			 -EFAULT);
	assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0xffff, 1, 0, &host, &contig), -EFAULT);
	assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x10000, 1, 1, &host, &contig), -EACCES);
	assert_int_equal(emu_fw_mkey_translate(f->fw, key ^ 1, 0x10000, 1, 0, &host, &contig),
			 -ENOENT);
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, key >> 8, NULL), 0);
	assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x10000, 1, 0, &host, &contig), -ENOENT);
}

static void
mtt_key_larger_than_its_umem_is_refused(void **state)
{
	struct mkey_fixture *f = *state;
	uint8_t in[PRM_SIZE(create_mkey_in)] = { 0 }, out[16];
	void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
	uint32_t synd;

	PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
	PRM_SET(create_mkey_in, in, mkey_umem_id, f->umem[0]);
	PRM_SET(create_mkey_in, in, mkey_umem_offset, 4096);
	PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_MTT);
	PRM_SET(mkc, mkc, pd, f->pd);
	PRM_SET(mkc, mkc, len, MB);
	assert_int_equal(fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), &synd), PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_UMEM_RANGE);
	PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_PA);
	assert_int_equal(fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), &synd), PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_ACCESS_MODE);
	assert_int_equal(emu_fw_live_objects(f->fw, EMU_OBJ_MKEY), 0);
}

/* An indirect key over [0, 3 MiB): umem0 (1 MiB), a null hole (1 MiB), umem1 (1 MiB). */
static uint8_t
create_klm(struct mkey_fixture *f, const uint32_t keys[3], uint64_t entry_bytes, uint32_t *key)
{
	uint8_t in[PRM_SIZE(create_mkey_in) + 3 * PRM_SIZE(klm)] = { 0 }, out[16];
	void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
	uint8_t st;

	PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
	PRM_SET(create_mkey_in, in, translations_octword_actual_size, 3);
	PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_KLMS);
	PRM_SET(mkc, mkc, lr, 1);
	PRM_SET(mkc, mkc, lw, 1);
	PRM_SET(mkc, mkc, pd, f->pd);
	PRM_SET(mkc, mkc, len, 3 * entry_bytes);
	for (int i = 0; i < 3; i++) {
		uint8_t *e = in + PRM_SIZE(create_mkey_in) + i * PRM_SIZE(klm);

		PRM_SET(klm, e, byte_count, entry_bytes);
		PRM_SET(klm, e, mkey, keys[i]);
		PRM_SET(klm, e, address, 0);
	}
	st = fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), NULL);
	*key = (uint32_t)PRM_GET(create_mkey_out, out, mkey_index) << 8;
	return st;
}

static uint32_t
null_mkey(struct emu_fw *fw)
{
	uint8_t in[PRM_SIZE(query_special_contexts_in)] = { 0 };
	uint8_t out[PRM_SIZE(query_special_contexts_out)];

	PRM_SET(query_special_contexts_in, in, opcode, PRM_CMD_QUERY_SPECIAL_CONTEXTS);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), 0);
	return (uint32_t)PRM_GET(query_special_contexts_out, out, null_mkey);
}

static void
klm_key_walks_entries_and_faults_in_null_holes(void **state)
{
	struct mkey_fixture *f = *state;
	uint32_t direct[2], keys[3], klm;
	void *host;
	size_t contig;

	direct[0] = fwt_mtt_mkey(f->fw, f->pd, f->umem[0], 0, MB, 1);
	direct[1] = fwt_mtt_mkey(f->fw, f->pd, f->umem[1], 0, MB, 1);
	keys[0] = direct[0];
	keys[1] = null_mkey(f->fw);
	keys[2] = direct[1];
	assert_int_equal(create_klm(f, keys, MB, &klm), PRM_STATUS_OK);
	assert_int_equal(emu_fw_mkey_translate(f->fw, klm, 100, 10, 1, &host, &contig), 0);
	assert_ptr_equal(host, f->buf[0] + 100);
	/* Crossing from the first entry into the hole: only the first part is contiguous. */
	assert_int_equal(emu_fw_mkey_translate(f->fw, klm, MB - 4, 64, 0, &host, &contig), 0);
	assert_int_equal(contig, 4);
	assert_int_equal(emu_fw_mkey_translate(f->fw, klm, MB + 5, 1, 0, &host, &contig), -EFAULT);
	assert_int_equal(emu_fw_mkey_translate(f->fw, klm, 2 * MB + 7, 1, 1, &host, &contig), 0);
	assert_ptr_equal(host, f->buf[1] + 7);
	assert_int_equal(emu_fw_mkey_translate(f->fw, klm, 3 * MB, 1, 0, &host, &contig), -EFAULT);
	/* The direct keys are held by the indirect one. */
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, direct[0] >> 8, NULL),
			 PRM_STATUS_RESOURCE_BUSY);
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, klm >> 8, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, direct[i] >> 8, NULL), 0);
}

static void
klm_entries_over_2g_or_to_unknown_keys_are_refused(void **state)
{
	struct mkey_fixture *f = *state;
	uint32_t direct = fwt_mtt_mkey(f->fw, f->pd, f->umem[0], 0, MB, 1);
	uint32_t keys[3] = { direct, direct, direct }, klm;

	assert_int_equal(create_klm(f, keys, (1ull << 31) + 4096, &klm), PRM_STATUS_BAD_PARAM);
	keys[1] = 0x999900;
	assert_int_equal(create_klm(f, keys, MB, &klm), PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(emu_fw_live_objects(f->fw, EMU_OBJ_MKEY), 1);
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, direct >> 8, NULL), 0);
}

static void
registered_memory_translates_by_iova(void **state)
{
	struct mkey_fixture *f = *state;
	uint8_t area[256];
	uint32_t lkey;
	void *host;
	size_t contig;

	assert_int_equal(emu_fw_mr_reg(f->fw, f->pd, area, sizeof(area), 0x7000, 1, &lkey), 0);
	assert_int_equal(emu_fw_mkey_translate(f->fw, lkey, 0x7010, 300, 1, &host, &contig), 0);
	assert_ptr_equal(host, area + 0x10);
	assert_int_equal(contig, sizeof(area) - 0x10);
	assert_int_equal(emu_fw_mr_reg(f->fw, 0x4444, area, sizeof(area), 0, 1, &lkey), -ENOENT);
	assert_int_equal(emu_fw_mr_dereg(f->fw, lkey), 0);
	assert_int_equal(emu_fw_mr_dereg(f->fw, lkey), -ENOENT);
}

static void
registered_memory_belongs_to_its_pds_user(void **state)
{
	struct mkey_fixture *f = *state;
	uint8_t in[16] = { 0 }, out[16], area[64];
	uint32_t user_pd, lkey;

	/* As the kernel does: an MR's key is created under its PD's user context. */
	PRM_SET(alloc_pd_in, in, opcode, PRM_CMD_ALLOC_PD);
	assert_int_equal(emu_fw_cmd(f->fw, 9, in, sizeof(in), out, sizeof(out)), 0);
	user_pd = (uint32_t)PRM_GET(alloc_pd_out, out, pd);
	assert_int_equal(emu_fw_mr_reg(f->fw, user_pd, area, sizeof(area), 0, 1, &lkey), 0);
	memset(in, 0, sizeof(in));
	PRM_SET(destroy_mkey_in, in, opcode, PRM_CMD_DESTROY_MKEY);
	PRM_SET(destroy_mkey_in, in, mkey_index, lkey >> 8);
	assert_int_equal(emu_fw_cmd(f->fw, 8, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(PRM_GET(cmd_out_hdr, out, syndrome), EMU_SYND_UID);
	assert_int_equal(emu_fw_cmd(f->fw, 9, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(PRM_GET(cmd_out_hdr, out, status), PRM_STATUS_OK);
	assert_int_equal(emu_fw_mr_dereg(f->fw, lkey), -ENOENT);
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DEALLOC_PD, user_pd, NULL), 0);
}

/*
 * The cost model charges a key's translation by the octword: an MR over 1 MiB (256 pages,
 * registered by the kernel with one 8-byte MTT entry each) costs what a driver's MTT key over
 * the same pages costs, 128 octwords on top of the command.
 */
static void
registered_memory_costs_what_a_drivers_key_over_it_costs(void **state)
{
	struct mkey_fixture *f = *state;
	uint8_t in[PRM_SIZE(create_mkey_in)] = { 0 }, out[PRM_SIZE(create_mkey_out)];
	void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
	uint64_t n0, t0, n1, t1, n2, t2;
	uint32_t lkey;

	emu_fw_totals(f->fw, &n0, &t0);
	assert_int_equal(emu_fw_mr_reg(f->fw, f->pd, f->buf[1], MB, 0, 1, &lkey), 0);
	emu_fw_totals(f->fw, &n1, &t1);
	PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
	PRM_SET(create_mkey_in, in, mkey_umem_valid, 1);
	PRM_SET(create_mkey_in, in, mkey_umem_id, f->umem[0]);
	PRM_SET(create_mkey_in, in, translations_octword_actual_size, MB / 4096 / 2);
	PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_MTT);
	PRM_SET(mkc, mkc, lr, 1);
	PRM_SET(mkc, mkc, pd, f->pd);
	PRM_SET(mkc, mkc, log_page_size, 12);
	PRM_SET(mkc, mkc, translations_octword_size, MB / 4096 / 2);
	PRM_SET(mkc, mkc, len, MB);
	assert_int_equal(fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	emu_fw_totals(f->fw, &n2, &t2);
	assert_int_equal(t1 - t0, 500000 + 128 * 50);
	assert_int_equal(t2 - t1, t1 - t0);
	assert_int_equal(n2 - n1, 1);
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY,
					   (uint32_t)PRM_GET(create_mkey_out, out, mkey_index), NULL), 0);
	assert_int_equal(emu_fw_mr_dereg(f->fw, lkey), 0);
}

/*
 * DPDK's layout: a fixed-size (KSM) key of 2 entries of 1 MiB, the list padded to 4 entries
 * with empty ones; a padded KLMS list is accepted the same way.
 */
static void
fixed_size_and_padded_lists_translate_like_dpdk_builds_them(void **state)
{
	struct mkey_fixture *f = *state;
	uint32_t direct[2];

	direct[0] = fwt_mtt_mkey(f->fw, f->pd, f->umem[0], 0, MB, 1);
	direct[1] = fwt_mtt_mkey(f->fw, f->pd, f->umem[1], 0, MB, 1);
	for (int fixed = 0; fixed < 2; fixed++) {
		uint8_t in[PRM_SIZE(create_mkey_in) + 4 * PRM_SIZE(klm)] = { 0 }, out[16];
		void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
		uint32_t key;
		void *host;
		size_t contig;

		PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
		PRM_SET(create_mkey_in, in, translations_octword_actual_size, 4);
		PRM_SET(mkc, mkc, access_mode_1_0,
			fixed ? PRM_MKC_ACCESS_MODE_KSM : PRM_MKC_ACCESS_MODE_KLMS);
		PRM_SET(mkc, mkc, log_page_size, fixed ? 20 : 0);
		PRM_SET(mkc, mkc, lr, 1);
		PRM_SET(mkc, mkc, lw, 1);
		PRM_SET(mkc, mkc, pd, f->pd);
		PRM_SET(mkc, mkc, start_addr, 0x40000000);
		PRM_SET(mkc, mkc, len, 2 * MB);
		for (int i = 0; i < 2; i++) {
			uint8_t *e = in + PRM_SIZE(create_mkey_in) + i * PRM_SIZE(klm);

			PRM_SET(klm, e, byte_count, fixed ? 0 : MB);
			PRM_SET(klm, e, mkey, direct[i]);
		}
		assert_int_equal(fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), NULL), 0);
		key = (uint32_t)PRM_GET(create_mkey_out, out, mkey_index) << 8;
		assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x40000000 + MB + 3, 1, 1, &host,
						       &contig), 0);
		assert_ptr_equal(host, f->buf[1] + 3);
		assert_int_equal(emu_fw_mkey_translate(f->fw, key, 0x40000000 + 2 * MB, 1, 0, &host,
						       &contig), -EFAULT);
		assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, key >> 8, NULL), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, direct[i] >> 8, NULL), 0);
}

/* What the data plane reads: a key split into entries over one memory comes back whole. */
static void
flattened_key_joins_entries_contiguous_in_host_memory(void **state)
{
	struct mkey_fixture *f = *state;
	uint32_t half[2], keys[3], klm;
	struct fw_dma_map map;
	uint8_t *p;

	/* Two direct keys over the two halves of umem 0, then the whole of umem 1 after a hole. */
	half[0] = fwt_mtt_mkey(f->fw, f->pd, f->umem[0], 0, MB / 2, 1);
	{
		uint8_t in[PRM_SIZE(create_mkey_in)] = { 0 }, out[16];
		void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);

		PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
		PRM_SET(create_mkey_in, in, mkey_umem_id, f->umem[0]);
		PRM_SET(create_mkey_in, in, mkey_umem_offset, MB / 2);
		PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_MTT);
		PRM_SET(mkc, mkc, lr, 1);
		PRM_SET(mkc, mkc, lw, 1);
		PRM_SET(mkc, mkc, pd, f->pd);
		PRM_SET(mkc, mkc, start_addr, MB / 2);
		PRM_SET(mkc, mkc, len, MB / 2);
		assert_int_equal(fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), NULL), 0);
		half[1] = (uint32_t)PRM_GET(create_mkey_out, out, mkey_index) << 8;
	}
	keys[0] = half[0];
	keys[1] = half[1];
	keys[2] = null_mkey(f->fw);
	{
		uint8_t in[PRM_SIZE(create_mkey_in) + 4 * PRM_SIZE(klm)] = { 0 }, out[16];
		void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
		const uint64_t bytes[3] = { MB / 2, MB / 2, MB };
		const uint64_t addr[3] = { 0, MB / 2, 0 };

		PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
		PRM_SET(create_mkey_in, in, translations_octword_actual_size, 4);
		PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_KLMS);
		PRM_SET(mkc, mkc, lr, 1);
		PRM_SET(mkc, mkc, lw, 1);
		PRM_SET(mkc, mkc, pd, f->pd);
		PRM_SET(mkc, mkc, len, 2 * MB);
		for (int i = 0; i < 3; i++) {
			uint8_t *e = in + PRM_SIZE(create_mkey_in) + i * PRM_SIZE(klm);

			PRM_SET(klm, e, byte_count, bytes[i]);
			PRM_SET(klm, e, mkey, keys[i]);
			PRM_SET(klm, e, address, addr[i]);
		}
		assert_int_equal(fwt_exec(f->fw, in, sizeof(in), out, sizeof(out), NULL), 0);
		klm = (uint32_t)PRM_GET(create_mkey_out, out, mkey_index) << 8;
	}
	assert_int_equal(fw_mkey_flatten(f->fw, klm, &map), 0);
	assert_int_equal(map.n, 1);	/* both halves joined; the hole has no segment */
	assert_true(map.segs[0].start == 0 && map.segs[0].len == MB);
	/* A buffer across the halves' boundary is reachable; one into the hole is not. */
	p = fw_dma_map_lookup(&map, MB / 2 - 8, 16, true);
	assert_ptr_equal(p, f->buf[0] + MB / 2 - 8);
	assert_null(fw_dma_map_lookup(&map, MB + 8, 8, false));
	assert_null(fw_dma_map_lookup(&map, MB - 4, 8, false));
	fw_dma_map_free(&map);
	assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, klm >> 8, NULL), 0);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fwt_destroy_by_id(f->fw, PRM_CMD_DESTROY_MKEY, half[i] >> 8, NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(mtt_key_translates_inside_and_refuses_outside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mtt_key_larger_than_its_umem_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(klm_key_walks_entries_and_faults_in_null_holes, setup,
						teardown),
		cmocka_unit_test_setup_teardown(klm_entries_over_2g_or_to_unknown_keys_are_refused,
						setup, teardown),
		cmocka_unit_test_setup_teardown(registered_memory_translates_by_iova, setup, teardown),
		cmocka_unit_test_setup_teardown(registered_memory_costs_what_a_drivers_key_over_it_costs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(registered_memory_belongs_to_its_pds_user, setup,
						teardown),
		cmocka_unit_test_setup_teardown(fixed_size_and_padded_lists_translate_like_dpdk_builds_them,
						setup, teardown),
		cmocka_unit_test_setup_teardown(flattened_key_joins_entries_contiguous_in_host_memory,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
