/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The typed DevX layer against the emulated firmware (libmlx5emu.so; cx6dx and bf3 profiles):
 * every object the vDPA data path needs is accepted as encoded, state changes land, queries
 * read back what was written, and destroying everything leaves no object behind. This is the
 * "our PMD speaks the same PRM" link of the chain of trust, for each command.
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
#include "mlx5_emu.h"
#include "mlx5_emu_process.h"
#include "prm_cmd.h"

#define QSIZE 256
#define PAGE 4096u

struct fixture {
	struct ibv_context *ctx;
	struct emu_fw *fw;
	struct devx_hca_caps caps;
	struct ibv_pd *pd;
	uint32_t pdn;
	void *mem;		/* host memory behind the umems */
	size_t mem_len;
};

static int
setup(void **state)
{
	struct mlx5dv_context_attr attr = { .flags = MLX5DV_CONTEXT_FLAGS_DEVX };
	const char *config = *state;	/* MLX5_EMU, NULL for the default (cx6dx) */
	struct fixture *f = calloc(1, sizeof(*f));
	struct ibv_device **list;
	int n = 0;

	if (f == NULL || (config != NULL ? setenv("MLX5_EMU", config, 1) :
					    unsetenv("MLX5_EMU")) != 0 ||
	    mlx5_emu_process_reset() != 0)
		goto fail;
	list = ibv_get_device_list(&n);
	if (list == NULL)
		goto fail;
	if (n >= 1)
		f->ctx = mlx5dv_open_device(list[0], &attr);
	ibv_free_device_list(list);
	if (f->ctx == NULL)
		goto fail;
	f->fw = mlx5_emu_process_fw(0);
	f->mem_len = 64 * PAGE + 8 * (size_t)QSIZE * 128;
	if (posix_memalign(&f->mem, PAGE, f->mem_len) != 0)
		goto close;
	memset(f->mem, 0, f->mem_len);
	if (devx_query_hca_caps(f->ctx, &f->caps) != 0 ||
	    devx_pd_alloc(f->ctx, &f->pd, &f->pdn) != 0)
		goto free_mem;
	*state = f;
	return 0;
free_mem:
	free(f->mem);
close:
	ibv_close_device(f->ctx);
fail:
	free(f);
	return -1;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int ret = devx_pd_free(&f->pd);

	ibv_close_device(f->ctx);
	free(f->mem);
	free(f);
	return ret == 0 ? mlx5_emu_process_reset() : -1;
}

/* Objects of kinds the PMD creates (user contexts belong to the rdma-core layer). */
static unsigned int
pmd_objects(struct emu_fw *fw)
{
	return emu_fw_live_objects_total(fw) - emu_fw_live_objects(fw, EMU_OBJ_UCTX);
}

static void
caps_of_the_default_profile_are_read(void **state)
{
	struct fixture *f = *state;

	assert_true(f->caps.virtio_valid);
	assert_int_equal(f->caps.virtio.max_num_virtio_queues, 256);
	assert_int_equal(f->caps.log_max_rqt_size, 8);
	assert_true(f->caps.virtio.queue_types & (1u << DEVX_VIRTQ_TYPE_SPLIT));
	assert_true(f->caps.virtio.event_modes & (1u << DEVX_VIRTQ_EVENT_QP));
	assert_int_equal(f->caps.virtio.umem[0].a, 128);
	assert_int_equal(f->caps.virtio.umem[0].b, 4096);
	assert_int_equal(f->caps.virtio.device_features, 0x1fd4);
}

static void
mkeys_direct_and_indirect_are_accepted(void **state)
{
	struct fixture *f = *state;
	unsigned int base = pmd_objects(f->fw);
	struct devx_umem umem = { 0 };
	struct devx_obj direct = { 0 }, indirect = { 0 };
	struct ibv_mr *null_mr;
	struct devx_klm klm[8];
	uint64_t special;
	int n;

	assert_int_equal(devx_umem_reg(f->ctx, f->mem, 16 * PAGE, IBV_ACCESS_LOCAL_WRITE, &umem),
			 0);
	struct devx_mkey_attr d = {
		.mode = DEVX_MKEY_MTT, .pdn = f->pdn, .addr = (uintptr_t)f->mem,
		.len = 16 * PAGE, .umem_id = umem.id, .log_page_size = 12,
	};
	assert_int_equal(devx_mkey_create(f->ctx, &d, &direct), 0);
	special = emu_fw_cmd_count(f->fw, PRM_CMD_QUERY_SPECIAL_CONTEXTS);
	null_mr = ibv_alloc_null_mr(f->pd);
	assert_non_null(null_mr);
	/* The key came with the context, as from the kernel: no command per null MR. */
	assert_int_equal(emu_fw_cmd_count(f->fw, PRM_CMD_QUERY_SPECIAL_CONTEXTS), special);
	/* guest 0..32K maps the umem's first 32K, 32K..40K is a hole, 40K..64K the rest */
	const struct devx_mem_range r[] = {
		{ .addr = 0, .len = 8 * PAGE, .mkey = direct.id, .mkey_addr = d.addr },
		{ .addr = 10 * PAGE, .len = 6 * PAGE, .mkey = direct.id,
		  .mkey_addr = d.addr + 8 * PAGE },
	};
	n = devx_klm_build(r, 2, null_mr->lkey, klm, 8);
	assert_int_equal(n, 3);
	struct devx_mkey_attr ind = {
		.mode = DEVX_MKEY_KLM, .pdn = f->pdn, .addr = 0, .len = 16 * PAGE,
		.klm = klm, .klm_num = (uint32_t)n,
	};
	assert_int_equal(devx_mkey_create(f->ctx, &ind, &indirect), 0);
	assert_int_equal(emu_fw_live_objects(f->fw, EMU_OBJ_MKEY), 2 + 0);
	assert_int_equal(devx_obj_destroy(&indirect), 0);
	assert_int_equal(devx_obj_destroy(&direct), 0);
	assert_int_equal(ibv_dereg_mr(null_mr), 0);
	assert_int_equal(devx_umem_dereg(&umem), 0);
	assert_int_equal(pmd_objects(f->fw), base);
}

/* Carves page-aligned pieces out of the fixture's memory. */
static void *
carve(struct fixture *f, size_t *off, size_t len)
{
	void *p = (uint8_t *)f->mem + *off;

	*off += (len + PAGE - 1) / PAGE * PAGE;
	assert_true(*off <= f->mem_len);
	return p;
}

struct qp_pair {
	struct devx_umem cq_buf, cq_db, qp_buf, qp_db;
	struct devx_obj cq, fw_qp, drv_qp;
	struct mlx5dv_devx_uar *uar;
};

static void
qp_pair_create(struct fixture *f, size_t *off, struct qp_pair *p)
{
	uint32_t eqn = 0;

	p->uar = mlx5dv_devx_alloc_uar(f->ctx, MLX5DV_UAR_ALLOC_TYPE_NC);
	assert_non_null(p->uar);
	assert_int_equal(mlx5dv_devx_query_eqn(f->ctx, 0, &eqn), 0);
	assert_int_equal(devx_umem_reg(f->ctx, carve(f, off, 64 * QSIZE), 64 * QSIZE,
				       IBV_ACCESS_LOCAL_WRITE, &p->cq_buf), 0);
	assert_int_equal(devx_umem_reg(f->ctx, carve(f, off, PAGE), PAGE,
				       IBV_ACCESS_LOCAL_WRITE, &p->cq_db), 0);
	const struct devx_cq_attr ca = {
		.log_size = 8, .uar_page = p->uar->page_id, .eqn = eqn, .umem_id = p->cq_buf.id,
		.db_umem_id = p->cq_db.id, .log_page_size = 0, .overrun_ignore = true,
	};
	assert_int_equal(devx_cq_create(f->ctx, &ca, &p->cq), 0);
	const struct devx_qp_attr fwa = { .fw = true, .pdn = f->pdn };
	assert_int_equal(devx_qp_create(f->ctx, &fwa, &p->fw_qp), 0);
	assert_int_equal(devx_umem_reg(f->ctx, carve(f, off, 64 * QSIZE), 64 * QSIZE,
				       IBV_ACCESS_LOCAL_WRITE, &p->qp_buf), 0);
	assert_int_equal(devx_umem_reg(f->ctx, carve(f, off, PAGE), PAGE,
				       IBV_ACCESS_LOCAL_WRITE, &p->qp_db), 0);
	const struct devx_qp_attr da = {
		.pdn = f->pdn, .cqn = p->cq.id, .uar_page = p->uar->page_id, .log_rq_size = 8,
		.log_rq_stride = 6, .wq_umem_id = p->qp_buf.id, .db_umem_id = p->qp_db.id,
	};
	assert_int_equal(devx_qp_create(f->ctx, &da, &p->drv_qp), 0);
	/* the firmware QP to RTS, the driver's to RTR: the notification channel of a virtq */
	assert_int_equal(devx_qp_modify(&p->fw_qp, DEVX_QP_RST2INIT, 0), 0);
	assert_int_equal(devx_qp_modify(&p->drv_qp, DEVX_QP_RST2INIT, 0), 0);
	assert_int_equal(devx_qp_modify(&p->fw_qp, DEVX_QP_INIT2RTR, p->drv_qp.id), 0);
	assert_int_equal(devx_qp_modify(&p->drv_qp, DEVX_QP_INIT2RTR, p->fw_qp.id), 0);
	assert_int_equal(devx_qp_modify(&p->fw_qp, DEVX_QP_RTR2RTS, 0), 0);
}

static void
qp_pair_destroy(struct qp_pair *p)
{
	assert_int_equal(devx_qp_modify(&p->fw_qp, DEVX_QP_2RST, 0), 0);
	assert_int_equal(devx_obj_destroy(&p->drv_qp), 0);
	assert_int_equal(devx_obj_destroy(&p->fw_qp), 0);
	assert_int_equal(devx_obj_destroy(&p->cq), 0);
	assert_int_equal(devx_umem_dereg(&p->qp_db), 0);
	assert_int_equal(devx_umem_dereg(&p->qp_buf), 0);
	assert_int_equal(devx_umem_dereg(&p->cq_db), 0);
	assert_int_equal(devx_umem_dereg(&p->cq_buf), 0);
	mlx5dv_devx_free_uar(p->uar);
}

static void
virtq_with_its_resources_goes_ready_and_reads_back(void **state)
{
	struct fixture *f = *state;
	unsigned int base = pmd_objects(f->fw);
	struct devx_obj td = { 0 }, tis = { 0 }, cnt = { 0 }, mkey = { 0 }, q = { 0 };
	struct devx_obj rqt = { 0 }, tir = { 0 };
	struct devx_umem um[3] = { 0 }, ring = { 0 };
	struct devx_virtq_attr got;
	struct devx_virtq_counters c;
	struct qp_pair pair;
	size_t off = 0;
	void *ring_mem;

	assert_int_equal(devx_td_alloc(f->ctx, &td), 0);
	const struct devx_tis_attr ta = { .transport_domain = td.id };
	assert_int_equal(devx_tis_create(f->ctx, &ta, &tis), 0);
	assert_int_equal(devx_virtq_counters_create(f->ctx, &cnt), 0);
	ring_mem = carve(f, &off, 16 * PAGE);
	assert_int_equal(devx_umem_reg(f->ctx, ring_mem, 16 * PAGE, IBV_ACCESS_LOCAL_WRITE,
				       &ring), 0);
	const struct devx_mkey_attr ma = {
		.mode = DEVX_MKEY_MTT, .pdn = f->pdn, .addr = 0, .len = 16 * PAGE,
		.umem_id = ring.id, .log_page_size = 12,
	};
	assert_int_equal(devx_mkey_create(f->ctx, &ma, &mkey), 0);
	for (int i = 0; i < 3; i++) {
		size_t len = f->caps.virtio.umem[i].a * QSIZE + f->caps.virtio.umem[i].b;

		assert_int_equal(devx_umem_reg(f->ctx, carve(f, &off, len), len,
					       IBV_ACCESS_LOCAL_WRITE, &um[i]), 0);
	}
	qp_pair_create(f, &off, &pair);

	struct devx_virtq_attr a = {
		.type = DEVX_VIRTQ_TYPE_SPLIT, .event_mode = DEVX_VIRTQ_EVENT_QP,
		.queue_index = 1, .queue_size = QSIZE, .virtio_version_1_0 = true,
		.queue_features = 1u << DEVX_VIRTIO_NET_F_CSUM,
		.event_qpn_or_msix = pair.fw_qp.id, .tisn_or_qpn = tis.id, .pdn = f->pdn,
		.mkey = mkey.id, .counter_set_id = cnt.id,
		.desc_addr = 0, .available_addr = 4 * PAGE, .used_addr = 8 * PAGE,
	};
	for (int i = 0; i < 3; i++)
		a.umem[i] = (struct devx_virtq_umem){
			.id = um[i].id,
			.size = f->caps.virtio.umem[i].a * QSIZE + f->caps.virtio.umem[i].b,
		};
	assert_int_equal(devx_virtq_create(f->ctx, &a, &q), 0);
	assert_int_equal(devx_virtq_query(&q, &got), 0);
	assert_int_equal(got.state, DEVX_VIRTQ_STATE_INIT);
	assert_int_equal(got.queue_size, QSIZE);
	assert_int_equal(got.queue_index, 1);
	assert_int_equal(got.mkey, mkey.id);
	assert_true(got.used_addr == 8 * PAGE);
	assert_int_equal(got.queue_features, 1u << DEVX_VIRTIO_NET_F_CSUM);
	/* indices while INIT, only where the caps allow modifying more than the state */
	struct devx_virtq_attr m = {
		.modify = DEVX_VIRTQ_MODIFY_AVAIL_IDX | DEVX_VIRTQ_MODIFY_USED_IDX,
		.hw_available_index = 7, .hw_used_index = 7,
	};
	assert_int_equal(devx_virtq_modify(&q, &m), f->caps.virtio.modify_ext ? 0 : -EINVAL);
	/*
	 * The rings agree with those indices: a RDY queue whose available index is more than a
	 * ring ahead of the guest's fails (hostile ring), as soon as the engine looks.
	 */
	if (f->caps.virtio.modify_ext) {
		*(volatile uint16_t *)((uint8_t *)ring_mem + 4 * PAGE + 2) = 7;
		*(volatile uint16_t *)((uint8_t *)ring_mem + 8 * PAGE + 2) = 7;
	}
	m = (struct devx_virtq_attr){
		.modify = DEVX_VIRTQ_MODIFY_STATE, .state = DEVX_VIRTQ_STATE_RDY,
	};
	assert_int_equal(devx_virtq_modify(&q, &m), 0);
	assert_int_equal(devx_virtq_query(&q, &got), 0);
	assert_int_equal(got.state, DEVX_VIRTQ_STATE_RDY);
	assert_int_equal(got.hw_available_index, f->caps.virtio.modify_ext ? 7 : 0);
	assert_int_equal(got.hw_used_index, f->caps.virtio.modify_ext ? 7 : 0);
	m.state = DEVX_VIRTQ_STATE_SUSPEND;
	assert_int_equal(devx_virtq_modify(&q, &m), 0);
	m.state = DEVX_VIRTQ_STATE_RDY;		/* resume: only with freeze_to_rdy */
	assert_int_equal(devx_virtq_modify(&q, &m), f->caps.virtio.freeze_to_rdy ? 0 : -EINVAL);
	assert_int_equal(devx_virtq_counters_query(&cnt, &c), 0);
	assert_true(c.received_desc == 0 && c.completed_desc == 0);

	/* receive steering over the queue */
	const uint32_t ids[] = { q.id };
	const struct devx_rqt_attr ra = {
		.type = DEVX_RQT_LIST_VIRTIO_NET_Q, .max_size = 2, .n = 1, .list = ids,
	};
	assert_int_equal(devx_rqt_create(f->ctx, &ra, &rqt), 0);
	assert_int_equal(devx_rqt_modify(&rqt, &ra), 0);
	struct devx_tir_attr tia = {
		.transport_domain = td.id, .rqtn = rqt.id, .symmetric = true,
		.l3 = DEVX_RX_HASH_IPV4, .l4 = DEVX_RX_HASH_TCP,
		.fields = DEVX_RX_HASH_SRC_IP | DEVX_RX_HASH_DST_IP | DEVX_RX_HASH_L4_SPORT |
			  DEVX_RX_HASH_L4_DPORT,
	};
	for (int i = 0; i < DEVX_TOEPLITZ_KEY_LEN; i++)
		tia.toeplitz_key[i] = (uint8_t)(i * 7 + 1);
	assert_int_equal(devx_tir_create(f->ctx, &tia, &tir), 0);

	assert_int_equal(devx_obj_destroy(&tir), 0);
	assert_int_equal(devx_obj_destroy(&rqt), 0);
	assert_int_equal(devx_obj_destroy(&q), 0);
	qp_pair_destroy(&pair);
	for (int i = 2; i >= 0; i--)
		assert_int_equal(devx_umem_dereg(&um[i]), 0);
	assert_int_equal(devx_obj_destroy(&mkey), 0);
	assert_int_equal(devx_umem_dereg(&ring), 0);
	assert_int_equal(devx_obj_destroy(&cnt), 0);
	assert_int_equal(devx_obj_destroy(&tis), 0);
	assert_int_equal(devx_obj_destroy(&td), 0);
	assert_int_equal(pmd_objects(f->fw), base);
}

static void
vport_queries_answer(void **state)
{
	struct fixture *f = *state;
	enum devx_vport_state vs = DEVX_VPORT_DOWN;
	struct devx_nic_vport v;

	assert_int_equal(devx_query_vport_state(f->ctx, &vs), 0);
	assert_int_equal(devx_query_nic_vport_context(f->ctx, &v), 0);
	assert_int_equal(v.mtu, 1500);
	assert_int_equal(v.mac[0], 0x02);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(caps_of_the_default_profile_are_read, setup,
						teardown),
		cmocka_unit_test_setup_teardown(mkeys_direct_and_indirect_are_accepted, setup,
						teardown),
		cmocka_unit_test_setup_teardown(virtq_with_its_resources_goes_ready_and_reads_back,
						setup, teardown),
		/* BlueField-3: modifies beyond the state, resumes suspended queues */
		cmocka_unit_test_prestate_setup_teardown(
			virtq_with_its_resources_goes_ready_and_reads_back, setup, teardown,
			(void *)"profile=bf3"),
		cmocka_unit_test_setup_teardown(vport_queries_answer, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
