/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmlx5emu.so through rdma-core's public API only (infiniband/verbs.h, infiniband/mlx5dv.h),
 * as a driver sees it, plus the process accessors of mlx5_emu_process.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <infiniband/verbs.h>
#include <infiniband/mlx5dv.h>

#include "mlx5_emu_process.h"
#include "prm_cmd.h"

/* ---- mailbox helpers: big-endian fields at byte offsets, as the PRM lays them out ---- */

static void
put16(void *buf, size_t off, uint16_t v)
{
	uint8_t *p = (uint8_t *)buf + off;

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const void *buf, size_t off)
{
	const uint8_t *p = (const uint8_t *)buf + off;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
get16(const void *buf, size_t off)
{
	const uint8_t *p = (const uint8_t *)buf + off;

	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint8_t
out_status(const void *out)
{
	return ((const uint8_t *)out)[0];
}

/* QUERY_HCA_CAP of the general device caps (type 0), current values. */
#define HCA_CAP_OUT_LEN 0x1010
#define HCA_CAP_VHCA_ID_OFF (16 + 6)	/* capability at byte 16, vhca_id at bit 0x30 */

static void
hca_cap_in(uint8_t in[16])
{
	memset(in, 0, 16);
	put16(in, 0, PRM_CMD_QUERY_HCA_CAP);
	put16(in, 6, 0 << 1 | 1);
}

/* ALLOC_PD: answers the pd number in the low 24 bits of dword 2. */
static void
alloc_pd_in(uint8_t in[16])
{
	memset(in, 0, 16);
	put16(in, 0, PRM_CMD_ALLOC_PD);
}

/* ---- fixtures and helpers ---- */

static int
count_fds(void)
{
	struct dirent *de;
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

static int
setup(void **state)
{
	(void)state;
	/* The default configuration (two ConnectX-6 Dx VFs), whatever the caller's environment. */
	unsetenv("MLX5_EMU");
	return mlx5_emu_process_reset();
}

static int
teardown(void **state)
{
	(void)state;
	/* Fails (-EBUSY) when a test left a context open. */
	return mlx5_emu_process_reset();
}

static struct ibv_context *
open_devx(unsigned int i)
{
	struct mlx5dv_context_attr attr = { .flags = MLX5DV_CONTEXT_FLAGS_DEVX };
	struct ibv_device **list;
	struct ibv_context *ctx;
	int n = 0;

	list = ibv_get_device_list(&n);
	assert_non_null(list);
	assert_true((int)i < n);
	ctx = mlx5dv_open_device(list[i], &attr);
	ibv_free_device_list(list);
	assert_non_null(ctx);
	return ctx;
}

/* ---- tests ---- */

static void
device_list_names_every_function_and_ibdev_path_gives_its_pci_address(void **state)
{
	struct ibv_device **list;
	char path[PATH_MAX], line[128];
	int n = -1, i, found;
	FILE *f;

	(void)state;
	list = ibv_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, mlx5_emu_process_nfuncs());
	assert_true(n >= 1);
	assert_null(list[n]);
	for (i = 0; i < n; i++) {
		char want[64];

		snprintf(want, sizeof(want), "mlx5_%d", i);
		assert_string_equal(ibv_get_device_name(list[i]), want);
		assert_true(mlx5dv_is_supported(list[i]));
		snprintf(path, sizeof(path), "%s/device/uevent", list[i]->ibdev_path);
		f = fopen(path, "r");
		assert_non_null(f);
		snprintf(want, sizeof(want), "PCI_SLOT_NAME=%s\n", mlx5_emu_process_pci_addr(i));
		found = 0;
		while (fgets(line, sizeof(line), f) != NULL)
			found |= strcmp(line, want) == 0;
		fclose(f);
		assert_true(found);
	}
	ibv_free_device_list(list);
}

static void
open_close_leaves_no_fd_and_releases_what_the_caller_forgot(void **state)
{
	struct mlx5dv_devx_event_channel *ch;
	struct mlx5dv_devx_cmd_comp *comp;
	struct mlx5dv_devx_uar *uar;
	struct ibv_context *ctx;
	struct mlx5dv_var *var;
	struct ibv_pd *pd;
	int before;

	(void)state;
	/* The instance's own files come first, so they do not count as a leak. */
	assert_true(mlx5_emu_process_nfuncs() >= 1);
	before = count_fds();
	ctx = open_devx(0);
	assert_true(count_fds() > before);
	assert_int_equal(ibv_close_device(ctx), 0);
	assert_int_equal(count_fds(), before);

	ctx = open_devx(0);
	pd = ibv_alloc_pd(ctx);
	assert_non_null(pd);
	uar = mlx5dv_devx_alloc_uar(ctx, MLX5DV_UAR_ALLOC_TYPE_NC);
	assert_non_null(uar);
	var = mlx5dv_alloc_var(ctx, 0);
	assert_non_null(var);
	ch = mlx5dv_devx_create_event_channel(ctx, 0);
	assert_non_null(ch);
	comp = mlx5dv_devx_create_cmd_comp(ctx);
	assert_non_null(comp);
	assert_int_equal(ibv_close_device(ctx), 0);
	assert_int_equal(count_fds(), before);
	/* Everything went with the context: the instance can be reset. */
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

static void
verbs_context_is_extended_with_its_ops(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct ibv_device_attr_ex attr;
	struct ibv_port_attr port;
	struct verbs_context *vctx;

	(void)state;
	vctx = verbs_get_ctx(ctx);
	assert_non_null(vctx);
	assert_int_equal(vctx->sz, sizeof(*vctx));
	assert_non_null(verbs_get_ctx_op(ctx, alloc_null_mr));
	assert_non_null(verbs_get_ctx_op(ctx, query_device_ex));
	assert_true(ctx->cmd_fd >= 0);
	assert_true(ctx->async_fd >= 0);
	assert_int_equal(ibv_query_device_ex(ctx, NULL, &attr), 0);
	assert_int_equal(attr.orig_attr.phys_port_cnt, 1);
	assert_int_equal(attr.orig_attr.vendor_part_id, mlx5_emu_process_pci_device_id(0));
	assert_int_equal(ibv_query_port(ctx, 1, &port), 0);
	assert_int_equal(port.link_layer, IBV_LINK_LAYER_ETHERNET);
	assert_int_equal(port.state, IBV_PORT_ACTIVE);
	assert_int_equal(ibv_query_port(ctx, 2, &port), EINVAL);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
pd_number_comes_from_firmware_and_is_unique(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct mlx5dv_pd dv1, dv2;
	struct mlx5dv_obj obj;
	struct ibv_pd *pd1, *pd2;

	(void)state;
	pd1 = ibv_alloc_pd(ctx);
	pd2 = ibv_alloc_pd(ctx);
	assert_non_null(pd1);
	assert_non_null(pd2);
	assert_ptr_equal(pd1->context, ctx);
	obj.pd.in = pd1;
	obj.pd.out = &dv1;
	assert_int_equal(mlx5dv_init_obj(&obj, MLX5DV_OBJ_PD), 0);
	obj.pd.in = pd2;
	obj.pd.out = &dv2;
	assert_int_equal(mlx5dv_init_obj(&obj, MLX5DV_OBJ_PD), 0);
	assert_int_not_equal(dv1.pdn, dv2.pdn);
	assert_true(dv1.pdn < (1u << 24));
	/* Queues are DevX objects here, so init_obj has nothing to say about them. */
	assert_int_equal(mlx5dv_init_obj(&obj, MLX5DV_OBJ_CQ), EOPNOTSUPP);
	assert_int_equal(ibv_dealloc_pd(pd1), 0);
	assert_int_equal(ibv_dealloc_pd(pd2), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
general_cmd_query_hca_cap_reports_each_functions_own_vhca_id(void **state)
{
	static uint8_t out[2][HCA_CAP_OUT_LEN];
	struct ibv_context *ctx[2];
	uint8_t in[16];
	int i;

	(void)state;
	if (mlx5_emu_process_nfuncs() < 2)
		fail_msg("the default configuration has at least two functions");
	hca_cap_in(in);
	for (i = 0; i < 2; i++) {
		ctx[i] = open_devx((unsigned int)i);
		memset(out[i], 0xa5, sizeof(out[i]));
		assert_int_equal(mlx5dv_devx_general_cmd(ctx[i], in, sizeof(in), out[i],
							 sizeof(out[i])), 0);
		assert_int_equal(out_status(out[i]), PRM_STATUS_OK);
	}
	assert_int_not_equal(get16(out[0], HCA_CAP_VHCA_ID_OFF), get16(out[1], HCA_CAP_VHCA_ID_OFF));
	for (i = 0; i < 2; i++)
		assert_int_equal(ibv_close_device(ctx[i]), 0);
}

static void
general_cmd_refuses_creates_and_firmware_errors_give_eremoteio(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	uint8_t in[16], out[16];

	(void)state;
	alloc_pd_in(in);
	assert_int_equal(mlx5dv_devx_general_cmd(ctx, in, sizeof(in), out, sizeof(out)), EINVAL);
	/* An opcode the firmware does not know: its status comes back with the output. */
	memset(in, 0, sizeof(in));
	put16(in, 0, 0x7ff);
	memset(out, 0, sizeof(out));
	assert_int_equal(mlx5dv_devx_general_cmd(ctx, in, sizeof(in), out, sizeof(out)),
			 EREMOTEIO);
	assert_int_equal(out_status(out), PRM_STATUS_BAD_OP);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
devx_obj_create_records_destroy_and_refuses_non_creates(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct mlx5dv_devx_obj *obj1, *obj2;
	uint8_t in[16], out[16], out2[16];

	(void)state;
	alloc_pd_in(in);
	obj1 = mlx5dv_devx_obj_create(ctx, in, sizeof(in), out, sizeof(out));
	assert_non_null(obj1);
	assert_int_equal(out_status(out), PRM_STATUS_OK);
	obj2 = mlx5dv_devx_obj_create(ctx, in, sizeof(in), out2, sizeof(out2));
	assert_non_null(obj2);
	assert_int_not_equal(get32(out, 8) & 0xffffff, get32(out2, 8) & 0xffffff);
	/* A query through obj_query runs on the object's context. */
	{
		static uint8_t cap[HCA_CAP_OUT_LEN];
		uint8_t qin[16];

		hca_cap_in(qin);
		assert_int_equal(mlx5dv_devx_obj_query(obj1, qin, sizeof(qin), cap, sizeof(cap)), 0);
		assert_int_equal(out_status(cap), PRM_STATUS_OK);
	}
	assert_int_equal(mlx5dv_devx_obj_destroy(obj1), 0);
	assert_int_equal(mlx5dv_devx_obj_destroy(obj2), 0);
	/* Not a create: the kernel would refuse it, and so do we. */
	hca_cap_in(in);
	errno = 0;
	assert_null(mlx5dv_devx_obj_create(ctx, in, sizeof(in), out, sizeof(out)));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
devx_needs_a_devx_context(void **state)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx;
	uint8_t in[16], out[16];

	(void)state;
	ctx = ibv_open_device(list[0]);
	ibv_free_device_list(list);
	assert_non_null(ctx);
	alloc_pd_in(in);
	errno = 0;
	assert_null(mlx5dv_devx_obj_create(ctx, in, sizeof(in), out, sizeof(out)));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_null(mlx5dv_devx_alloc_uar(ctx, MLX5DV_UAR_ALLOC_TYPE_BF));
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
uar_and_var_pages_are_the_cmd_fd_pages_at_their_offsets(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	long pg = sysconf(_SC_PAGESIZE);
	struct mlx5dv_devx_uar *u1, *u2;
	struct mlx5dv_var *v;
	volatile uint32_t *db;
	uint8_t *map;

	(void)state;
	u1 = mlx5dv_devx_alloc_uar(ctx, MLX5DV_UAR_ALLOC_TYPE_BF);
	u2 = mlx5dv_devx_alloc_uar(ctx, MLX5DV_UAR_ALLOC_TYPE_NC);
	assert_non_null(u1);
	assert_non_null(u2);
	assert_int_not_equal(u1->page_id, u2->page_id);
	assert_int_not_equal(u1->mmap_off, u2->mmap_off);
	assert_ptr_equal((uint8_t *)u1->reg_addr, (uint8_t *)u1->base_addr + 0x800);
	/* A write through reg_addr lands in the cmd_fd page at mmap_off. */
	map = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->cmd_fd, u1->mmap_off);
	assert_true(map != MAP_FAILED);
	*(volatile uint32_t *)u1->reg_addr = 0x12345678;
	assert_int_equal(*(volatile uint32_t *)(map + 0x800), 0x12345678);
	munmap(map, (size_t)pg);

	v = mlx5dv_alloc_var(ctx, 0);
	assert_non_null(v);
	assert_true(v->length >= 4);
	assert_int_equal(v->mmap_off % pg, 0);
	/* DPDK maps the doorbell from cmd_fd at mmap_off; a second mapping sees the same page. */
	db = mmap(NULL, v->length, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->cmd_fd, v->mmap_off);
	assert_true(db != MAP_FAILED);
	map = mmap(NULL, v->length, PROT_READ | PROT_WRITE, MAP_SHARED, ctx->cmd_fd, v->mmap_off);
	assert_true(map != MAP_FAILED);
	*db = 7;
	assert_int_equal(*(volatile uint32_t *)map, 7);
	munmap((void *)db, v->length);
	munmap(map, v->length);
	mlx5dv_free_var(v);
	mlx5dv_devx_free_uar(u1);
	mlx5dv_devx_free_uar(u2);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
umem_register_and_deregister(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct mlx5dv_devx_umem *u1, *u2;
	struct mlx5dv_devx_umem_in uin;
	void *mem = NULL;

	(void)state;
	assert_int_equal(posix_memalign(&mem, 4096, 8192), 0);
	u1 = mlx5dv_devx_umem_reg(ctx, mem, 8192, IBV_ACCESS_LOCAL_WRITE);
	assert_non_null(u1);
	memset(&uin, 0, sizeof(uin));
	uin.addr = mem;
	uin.size = 4096;
	uin.access = IBV_ACCESS_LOCAL_WRITE;
	uin.pgsz_bitmap = 4096;
	u2 = mlx5dv_devx_umem_reg_ex(ctx, &uin);
	assert_non_null(u2);
	assert_int_not_equal(u1->umem_id, u2->umem_id);
	uin.comp_mask = MLX5DV_UMEM_MASK_DMABUF;
	errno = 0;
	assert_null(mlx5dv_devx_umem_reg_ex(ctx, &uin));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(mlx5dv_devx_umem_dereg(u1), 0);
	assert_int_equal(mlx5dv_devx_umem_dereg(u2), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
	free(mem);
}

static void
mr_and_inline_null_mr(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	uint8_t in[16], out[32];
	struct ibv_mr *mr, *null_mr;
	struct ibv_pd *pd;
	char buf[4096];

	(void)state;
	pd = ibv_alloc_pd(ctx);
	assert_non_null(pd);
	mr = ibv_reg_mr(pd, buf, sizeof(buf), IBV_ACCESS_LOCAL_WRITE);
	assert_non_null(mr);
	assert_ptr_equal(mr->addr, buf);
	assert_int_equal(mr->length, sizeof(buf));
	assert_ptr_equal(mr->pd, pd);
	/* ibv_alloc_null_mr is inline in verbs.h: it goes through the verbs_context op. */
	null_mr = ibv_alloc_null_mr(pd);
	assert_non_null(null_mr);
	memset(in, 0, sizeof(in));
	put16(in, 0, PRM_CMD_QUERY_SPECIAL_CONTEXTS);
	assert_int_equal(mlx5dv_devx_general_cmd(ctx, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(null_mr->lkey, get32(out, 16));
	assert_int_not_equal(null_mr->lkey, mr->lkey);
	assert_int_equal(ibv_dereg_mr(null_mr), 0);
	assert_int_equal(ibv_dereg_mr(mr), 0);
	assert_int_equal(ibv_dealloc_pd(pd), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

/* Counted per entry point, whether reached by symbol or through the verbs context's table. */
static void
api_calls_are_counted_per_entry_point(void **state)
{
	uint64_t open0 = mlx5_emu_api_calls("mlx5dv_open_device");
	uint64_t list0 = mlx5_emu_api_calls("ibv_get_device_list");
	uint64_t pd0 = mlx5_emu_api_calls("ibv_alloc_pd");
	uint64_t null0 = mlx5_emu_api_calls("ibv_alloc_null_mr");
	uint64_t gen0 = mlx5_emu_api_calls("mlx5dv_devx_general_cmd");
	struct ibv_context *ctx = open_devx(0);
	uint8_t in[16], out[32];
	struct ibv_mr *null_mr;
	struct ibv_pd *pd;

	(void)state;
	assert_int_equal(mlx5_emu_api_calls("mlx5dv_open_device"), open0 + 1);
	assert_int_equal(mlx5_emu_api_calls("ibv_get_device_list"), list0 + 1);
	pd = ibv_alloc_pd(ctx);
	assert_non_null(pd);
	null_mr = ibv_alloc_null_mr(pd);
	assert_non_null(null_mr);
	memset(in, 0, sizeof(in));
	put16(in, 0, PRM_CMD_QUERY_SPECIAL_CONTEXTS);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mlx5dv_devx_general_cmd(ctx, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(mlx5_emu_api_calls("ibv_alloc_pd"), pd0 + 1);
	assert_int_equal(mlx5_emu_api_calls("ibv_alloc_null_mr"), null0 + 1);
	assert_int_equal(mlx5_emu_api_calls("mlx5dv_devx_general_cmd"), gen0 + 3);
	assert_int_equal(mlx5_emu_api_calls("no_such_entry_point"), 0);
	assert_int_equal(ibv_dereg_mr(null_mr), 0);
	assert_int_equal(ibv_dealloc_pd(pd), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
async_queries_complete_through_a_pollable_fd(void **state)
{
	enum { N = 16 };
	struct ibv_context *ctx = open_devx(0);
	static uint8_t sync_out[HCA_CAP_OUT_LEN];
	struct mlx5dv_devx_cmd_comp *comp;
	struct mlx5dv_devx_obj *obj;
	struct mlx5dv_devx_async_cmd_hdr *resp;
	uint8_t in[16], pin[16], pout[16];
	unsigned int seen = 0, i;
	struct pollfd pfd;

	(void)state;
	alloc_pd_in(pin);
	obj = mlx5dv_devx_obj_create(ctx, pin, sizeof(pin), pout, sizeof(pout));
	assert_non_null(obj);
	comp = mlx5dv_devx_create_cmd_comp(ctx);
	assert_non_null(comp);
	hca_cap_in(in);
	assert_int_equal(mlx5dv_devx_general_cmd(ctx, in, sizeof(in), sync_out,
						 sizeof(sync_out)), 0);
	/* Nothing queued yet: the fd is not readable. */
	pfd.fd = comp->fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	for (i = 0; i < N; i++)
		assert_int_equal(mlx5dv_devx_obj_query_async(obj, in, sizeof(in), HCA_CAP_OUT_LEN,
							     1000 + i, comp), 0);
	resp = malloc(sizeof(*resp) + HCA_CAP_OUT_LEN);
	assert_non_null(resp);
	for (i = 0; i < N; i++) {
		pfd.revents = 0;
		assert_int_equal(poll(&pfd, 1, 10000), 1);
		assert_true(pfd.revents & POLLIN);
		/* Too small a buffer leaves the completion queued. */
		assert_int_equal(mlx5dv_devx_get_async_cmd_comp(comp, resp, sizeof(*resp) + 8),
				 ENOSPC);
		assert_int_equal(mlx5dv_devx_get_async_cmd_comp(comp, resp,
								sizeof(*resp) + HCA_CAP_OUT_LEN), 0);
		assert_true(resp->wr_id >= 1000 && resp->wr_id < 1000 + N);
		assert_false(seen & (1u << (resp->wr_id - 1000)));
		seen |= 1u << (resp->wr_id - 1000);
		assert_memory_equal(resp->out_data, sync_out, HCA_CAP_OUT_LEN);
	}
	assert_int_equal(seen, (1u << N) - 1);
	/* Drained: a non-blocking wait says so. */
	assert_int_equal(fcntl(comp->fd, F_SETFL, fcntl(comp->fd, F_GETFL) | O_NONBLOCK), 0);
	assert_int_equal(mlx5dv_devx_get_async_cmd_comp(comp, resp, sizeof(*resp) + 16), EAGAIN);
	free(resp);
	mlx5dv_devx_destroy_cmd_comp(comp);
	assert_int_equal(mlx5dv_devx_obj_destroy(obj), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

struct waiter {
	struct mlx5dv_devx_event_channel *ch;
	int started;			/* atomic */
};

static void *
wait_event(void *arg)
{
	struct waiter *w = arg;
	uint8_t buf[128];

	__atomic_store_n(&w->started, 1, __ATOMIC_RELEASE);
	mlx5dv_devx_get_event(w->ch, (struct mlx5dv_devx_async_event_hdr *)buf, sizeof(buf));
	return NULL;
}

static void
blocked_get_event_is_a_cancellation_point(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct waiter w = { 0 };
	struct timespec ts;
	pthread_t t;
	void *res;
	int i;

	(void)state;
	w.ch = mlx5dv_devx_create_event_channel(ctx, 0);
	assert_non_null(w.ch);
	assert_int_equal(pthread_create(&t, NULL, wait_event, &w), 0);
	for (i = 0; i < 1000 && !__atomic_load_n(&w.started, __ATOMIC_ACQUIRE); i++)
		usleep(1000);
	usleep(20000);
	assert_int_equal(pthread_cancel(t), 0);
	assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
	ts.tv_sec += 5;
	assert_int_equal(pthread_timedjoin_np(t, &res, &ts), 0);
	assert_ptr_equal(res, PTHREAD_CANCELED);
	mlx5dv_devx_destroy_event_channel(w.ch);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
empty_nonblocking_channel_answers_eagain(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct mlx5dv_devx_event_channel *ch;
	uint8_t buf[64];
	struct pollfd pfd;

	(void)state;
	ch = mlx5dv_devx_create_event_channel(ctx,
				MLX5DV_DEVX_CREATE_EVENT_CHANNEL_FLAGS_OMIT_EV_DATA);
	assert_non_null(ch);
	pfd.fd = ch->fd;
	pfd.events = POLLIN;
	assert_int_equal(poll(&pfd, 1, 0), 0);
	assert_int_equal(fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK), 0);
	errno = 0;
	assert_int_equal(mlx5dv_devx_get_event(ch, (void *)buf, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	mlx5dv_devx_destroy_event_channel(ch);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
query_eqn_answers_for_vector_zero(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	uint32_t eqn = UINT32_MAX;

	(void)state;
	assert_int_equal(mlx5dv_devx_query_eqn(ctx, 0, &eqn), 0);
	assert_int_not_equal(eqn, UINT32_MAX);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
functions_outside_the_vdpa_path_fail_cleanly(void **state)
{
	struct ibv_context *ctx = open_devx(0);
	struct ibv_pd *pd = ibv_alloc_pd(ctx);

	(void)state;
	errno = 0;
	assert_null(ibv_create_cq(ctx, 16, NULL, NULL, 0));
	assert_int_equal(errno, EOPNOTSUPP);
	errno = 0;
	assert_null(ibv_create_comp_channel(ctx));
	assert_int_equal(errno, EOPNOTSUPP);
	errno = 0;
	assert_null(mlx5dv_dr_action_create_drop());
	assert_int_equal(errno, EOPNOTSUPP);
	errno = 0;
	assert_null(ibv_import_device(ctx->cmd_fd));
	assert_int_equal(errno, EOPNOTSUPP);
	errno = 0;
	assert_null(mlx5dv_pp_alloc(ctx, 0, NULL, 0));
	assert_int_equal(errno, EOPNOTSUPP);
	assert_int_equal(ibv_dealloc_pd(pd), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
reset_refuses_while_a_context_is_open(void **state)
{
	struct ibv_context *ctx = open_devx(0);

	(void)state;
	assert_int_equal(mlx5_emu_process_reset(), -EBUSY);
	assert_int_equal(ibv_close_device(ctx), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
}

/* MLX5_EMU is read by the real firmware's parser; the fake firmware has a fixed configuration. */
#ifdef TEST_MLX5_EMU_CONFIG
static void
mlx5_emu_sets_functions_and_profile_and_a_bad_value_fails_cleanly(void **state)
{
	struct ibv_device **list;
	int n = 0;

	(void)state;
	assert_int_equal(setenv("MLX5_EMU", "functions=3,profile=bf2", 1), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
	list = ibv_get_device_list(&n);
	assert_non_null(list);
	assert_int_equal(n, 3);
	assert_string_equal(ibv_get_device_name(list[2]), "mlx5_2");
	/* BlueField-2's PCI device ID, as DPDK's mlx5 drivers match it. */
	assert_int_equal(mlx5_emu_process_pci_device_id(2), 0xa2d6);
	ibv_free_device_list(list);

	assert_int_equal(setenv("MLX5_EMU", "functions=2,profile=no-such-nic", 1), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
	errno = 0;
	assert_null(ibv_get_device_list(&n));
	assert_int_equal(errno, EINVAL);
	assert_true(mlx5_emu_process_nfuncs() < 0);

	assert_int_equal(unsetenv("MLX5_EMU"), 0);
	assert_int_equal(mlx5_emu_process_reset(), 0);
	assert_int_equal(mlx5_emu_process_nfuncs(), 2);
}
#endif

static int
read_line(const char *dir, const char *addr, const char *name, char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s/%s", dir, addr, name);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	return ok ? 0 : -1;
}

static void
pci_sysfs_tree_has_what_eal_and_mlx5_read(void **state)
{
	char dir[] = "/tmp/test_verbs_sysfs.XXXXXX";
	char buf[PATH_MAX], want[32];
	const char *addr;
	int n, i, lines;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mlx5_emu_process_write_pci_sysfs(dir), 0);
	n = mlx5_emu_process_nfuncs();
	for (i = 0; i < n; i++) {
		addr = mlx5_emu_process_pci_addr((unsigned int)i);
		assert_int_equal(read_line(dir, addr, "vendor", buf, sizeof(buf)), 0);
		assert_string_equal(buf, "0x15b3\n");
		snprintf(want, sizeof(want), "0x%04x\n", mlx5_emu_process_pci_device_id((unsigned)i));
		assert_int_equal(read_line(dir, addr, "device", buf, sizeof(buf)), 0);
		assert_string_equal(buf, want);
		assert_int_equal(read_line(dir, addr, "roce_enable", buf, sizeof(buf)), 0);
		assert_string_equal(buf, "0\n");
		assert_int_equal(read_line(dir, addr, "class", buf, sizeof(buf)), 0);
		assert_int_equal(read_line(dir, addr, "numa_node", buf, sizeof(buf)), 0);
		assert_int_equal(read_line(dir, addr, "subsystem_vendor", buf, sizeof(buf)), 0);
		assert_int_equal(read_line(dir, addr, "subsystem_device", buf, sizeof(buf)), 0);
		snprintf(buf, sizeof(buf), "%s/%s/resource", dir, addr);
		f = fopen(buf, "r");
		assert_non_null(f);
		for (lines = 0; fgets(buf, sizeof(buf), f) != NULL; lines++)
			;
		fclose(f);
		assert_int_equal(lines, 13);
		/* EAL takes the driver's name from the link; mlx5 wants mlx5_core. */
		snprintf(want, sizeof(want), "%s/driver", addr);
		snprintf(buf, sizeof(buf), "%s/%s", dir, want);
		{
			char real[PATH_MAX];

			assert_non_null(realpath(buf, real));
			assert_string_equal(strrchr(real, '/') + 1, "mlx5_core");
		}
	}
	/* Writing twice replaces the files. */
	assert_int_equal(mlx5_emu_process_write_pci_sysfs(dir), 0);
	snprintf(buf, sizeof(buf), "rm -rf '%s'", dir);
	assert_int_equal(system(buf), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			device_list_names_every_function_and_ibdev_path_gives_its_pci_address,
			setup, teardown),
		cmocka_unit_test_setup_teardown(
			open_close_leaves_no_fd_and_releases_what_the_caller_forgot, setup, teardown),
		cmocka_unit_test_setup_teardown(verbs_context_is_extended_with_its_ops, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pd_number_comes_from_firmware_and_is_unique, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			general_cmd_query_hca_cap_reports_each_functions_own_vhca_id, setup, teardown),
		cmocka_unit_test_setup_teardown(
			general_cmd_refuses_creates_and_firmware_errors_give_eremoteio, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			devx_obj_create_records_destroy_and_refuses_non_creates, setup, teardown),
		cmocka_unit_test_setup_teardown(devx_needs_a_devx_context, setup, teardown),
		cmocka_unit_test_setup_teardown(
			uar_and_var_pages_are_the_cmd_fd_pages_at_their_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(umem_register_and_deregister, setup, teardown),
		cmocka_unit_test_setup_teardown(mr_and_inline_null_mr, setup, teardown),
		cmocka_unit_test_setup_teardown(api_calls_are_counted_per_entry_point, setup,
						teardown),
		cmocka_unit_test_setup_teardown(async_queries_complete_through_a_pollable_fd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(blocked_get_event_is_a_cancellation_point, setup,
						teardown),
		cmocka_unit_test_setup_teardown(empty_nonblocking_channel_answers_eagain, setup,
						teardown),
		cmocka_unit_test_setup_teardown(query_eqn_answers_for_vector_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(functions_outside_the_vdpa_path_fail_cleanly, setup,
						teardown),
		cmocka_unit_test_setup_teardown(reset_refuses_while_a_context_is_open, setup,
						teardown),
		cmocka_unit_test_setup_teardown(pci_sysfs_tree_has_what_eal_and_mlx5_read, setup,
						teardown),
#ifdef TEST_MLX5_EMU_CONFIG
		cmocka_unit_test_setup_teardown(
			mlx5_emu_sets_functions_and_profile_and_a_bad_value_fails_cleanly, setup,
			teardown),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
