/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Verbs and DV objects that are not DevX objects: protection domains, memory regions (including
 * the null MR), UAR and VAR pages mapped from the context's cmd_fd, user memory, EQ numbers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <mlx5_log.h>

#include "emu_verbs.h"
#include "verbs_prm.h"

#define LOG_ORIGIN "emu.verbs"

/* libmlx5 hands out reg_addr at this offset of the UAR page (the first blue-flame register). */
#define EMU_UAR_BF_OFFSET 0x800

static long
page_size(void)
{
	return sysconf(_SC_PAGESIZE);
}

/* ---- protection domains ---- */

struct emu_pd {
	struct ibv_pd pd;
	struct emu_kobj kobj;
};

static void
pd_release(struct emu_res *res)
{
	struct emu_pd *pd = emu_container_of(res, struct emu_pd, kobj.res);

	/* The context is closing: whatever the firmware says, the memory goes. */
	emu_kobj_destroy(&pd->kobj);
	free(pd);
}

EMU_EXPORT struct ibv_pd *
ibv_alloc_pd(struct ibv_context *context)
{
	EMU_API_CALL();
	uint8_t in[PRM_SIZE(alloc_pd_in)] = {0};
	uint8_t out[PRM_SIZE(alloc_pd_out)] = {0};
	struct emu_pd *pd;
	int ret;

	if (context == NULL) {
		errno = EINVAL;
		return NULL;
	}
	pd = calloc(1, sizeof(*pd));
	if (pd == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	PRM_SET(alloc_pd_in, in, opcode, PRM_CMD_ALLOC_PD);
	pd->kobj.res.release = pd_release;
	ret = emu_kobj_create(ibctx_to_emu(context), &pd->kobj, in, sizeof(in), out, sizeof(out));
	if (ret != 0) {
		if (ret == -EREMOTEIO)
			prm_cmd_check(LOG_ORIGIN, in, out);
		free(pd);
		errno = ret == -EREMOTEIO ? ENOMEM : -ret;
		return NULL;
	}
	pd->pd.context = context;
	pd->pd.handle = pd->kobj.id;
	return &pd->pd;
}

EMU_EXPORT int
ibv_dealloc_pd(struct ibv_pd *ibpd)
{
	EMU_API_CALL();
	struct emu_pd *pd;
	int ret;

	if (ibpd == NULL)
		return EINVAL;
	pd = emu_container_of(ibpd, struct emu_pd, pd);
	ret = emu_kobj_destroy(&pd->kobj);
	if (ret != 0)
		return ret == -EREMOTEIO ? EBUSY : -ret;
	free(pd);
	return 0;
}

static uint32_t
pd_to_pdn(struct ibv_pd *ibpd)
{
	return emu_container_of(ibpd, struct emu_pd, pd)->kobj.id;
}

EMU_EXPORT int
mlx5dv_init_obj(struct mlx5dv_obj *obj, uint64_t obj_type)
{
	EMU_API_CALL();
	if (obj == NULL)
		return EINVAL;
	/* Queues are DevX objects here; only the PD has something to tell. */
	if (obj_type & ~(uint64_t)MLX5DV_OBJ_PD)
		return EOPNOTSUPP;
	if (obj_type & MLX5DV_OBJ_PD) {
		if (obj->pd.in == NULL || obj->pd.out == NULL)
			return EINVAL;
		obj->pd.out->pdn = pd_to_pdn(obj->pd.in);
		obj->pd.out->comp_mask = 0;
	}
	return 0;
}

/* ---- memory regions ---- */

struct emu_mr {
	struct ibv_mr mr;
	struct emu_res res;
	struct emu_context *ctx;
	bool null_mr;		/* the special null mkey: nothing to deregister */
};

static void
mr_release(struct emu_res *res)
{
	struct emu_mr *mr = emu_container_of(res, struct emu_mr, res);

	if (!mr->null_mr)
		emu_fw_mr_dereg(mr->ctx->fn->fw, mr->mr.lkey);
	free(mr);
}

static struct ibv_mr *
mr_register(struct ibv_pd *pd, void *addr, size_t length, uint64_t iova, unsigned int access)
{
	struct emu_context *ctx;
	struct emu_mr *mr;
	uint32_t lkey;
	int ret;

	if (pd == NULL || length == 0) {
		errno = EINVAL;
		return NULL;
	}
	ctx = ibctx_to_emu(pd->context);
	mr = calloc(1, sizeof(*mr));
	if (mr == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = emu_fw_mr_reg(ctx->fn->fw, pd_to_pdn(pd), addr, length, iova, access, &lkey);
	if (ret != 0) {
		free(mr);
		errno = -ret;
		return NULL;
	}
	mr->ctx = ctx;
	mr->mr.context = pd->context;
	mr->mr.pd = pd;
	mr->mr.addr = addr;
	mr->mr.length = length;
	mr->mr.handle = lkey;
	mr->mr.lkey = lkey;
	mr->mr.rkey = lkey;
	mr->res.release = mr_release;
	emu_res_add(ctx, &mr->res);
	return &mr->mr;
}

#undef ibv_reg_mr
EMU_EXPORT struct ibv_mr *
ibv_reg_mr(struct ibv_pd *pd, void *addr, size_t length, int access)
{
	EMU_API_CALL();
	return mr_register(pd, addr, length, (uintptr_t)addr, (unsigned int)access);
}

#undef ibv_reg_mr_iova
EMU_EXPORT struct ibv_mr *
ibv_reg_mr_iova(struct ibv_pd *pd, void *addr, size_t length, uint64_t iova, int access)
{
	EMU_API_CALL();
	return mr_register(pd, addr, length, iova, (unsigned int)access);
}

EMU_EXPORT struct ibv_mr *
ibv_reg_mr_iova2(struct ibv_pd *pd, void *addr, size_t length, uint64_t iova,
		 unsigned int access)
{
	EMU_API_CALL();
	return mr_register(pd, addr, length, iova, access);
}

EMU_EXPORT int
ibv_dereg_mr(struct ibv_mr *ibmr)
{
	EMU_API_CALL();
	struct emu_mr *mr;
	int ret = 0;

	if (ibmr == NULL)
		return EINVAL;
	mr = emu_container_of(ibmr, struct emu_mr, mr);
	if (!mr->null_mr) {
		ret = emu_fw_mr_dereg(mr->ctx->fn->fw, ibmr->lkey);
		if (ret != 0)
			return -ret;
	}
	emu_res_del(mr->ctx, &mr->res);
	free(mr);
	return 0;
}

/* The verbs_context op behind the inline ibv_alloc_null_mr(). */
struct ibv_mr *emu_alloc_null_mr(struct ibv_pd *pd);

struct ibv_mr *
emu_alloc_null_mr(struct ibv_pd *pd)
{
	struct emu_context *ctx;
	struct emu_mr *mr;

	if (pd == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ctx = ibctx_to_emu(pd->context);
	mr = calloc(1, sizeof(*mr));
	if (mr == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	mr->ctx = ctx;
	mr->null_mr = true;
	mr->mr.context = pd->context;
	mr->mr.pd = pd;
	mr->mr.addr = NULL;
	mr->mr.length = SIZE_MAX;
	mr->mr.lkey = ctx->null_mkey;	/* the context's: no command (ctx_query_special_keys) */
	mr->mr.rkey = mr->mr.lkey;
	mr->res.release = mr_release;
	emu_res_add(ctx, &mr->res);
	return &mr->mr;
}

/* ---- UAR and VAR pages ---- */

struct emu_uar {
	struct mlx5dv_devx_uar uar;
	struct emu_res res;
	struct emu_context *ctx;
};

static void
uar_free(struct emu_uar *u)
{
	munmap(u->uar.base_addr, (size_t)page_size());
	emu_fw_uar_free(u->ctx->fn->fw, u->uar.page_id);
	free(u);
}

static void
uar_release(struct emu_res *res)
{
	uar_free(emu_container_of(res, struct emu_uar, res));
}

EMU_EXPORT struct mlx5dv_devx_uar *
mlx5dv_devx_alloc_uar(struct ibv_context *context, uint32_t flags)
{
	EMU_API_CALL();
	struct emu_context *ctx;
	struct emu_uar *u;
	uint64_t off;
	int ret;

	if (context == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ctx = ibctx_to_emu(context);
	if (!ctx->devx) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	/* Write-combining (BF) and non-cached mappings are the same memory here. */
	if (flags != MLX5DV_UAR_ALLOC_TYPE_BF && flags != MLX5DV_UAR_ALLOC_TYPE_NC) {
		errno = EINVAL;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = emu_fw_uar_alloc(ctx->fn->fw, &u->uar.page_id, &off);
	if (ret != 0)
		goto err_free;
	u->uar.base_addr = mmap(NULL, (size_t)page_size(), PROT_READ | PROT_WRITE, MAP_SHARED,
				context->cmd_fd, (off_t)off);
	if (u->uar.base_addr == MAP_FAILED) {
		ret = -errno;
		goto err_uar;
	}
	u->uar.reg_addr = (uint8_t *)u->uar.base_addr + EMU_UAR_BF_OFFSET;
	u->uar.mmap_off = (off_t)off;
	u->ctx = ctx;
	u->res.release = uar_release;
	emu_res_add(ctx, &u->res);
	return &u->uar;

err_uar:
	emu_fw_uar_free(ctx->fn->fw, u->uar.page_id);
err_free:
	free(u);
	errno = -ret;
	return NULL;
}

EMU_EXPORT void
mlx5dv_devx_free_uar(struct mlx5dv_devx_uar *devx_uar)
{
	EMU_API_CALL();
	struct emu_uar *u;

	if (devx_uar == NULL)
		return;
	u = emu_container_of(devx_uar, struct emu_uar, uar);
	emu_res_del(u->ctx, &u->res);
	uar_free(u);
}

struct emu_var {
	struct mlx5dv_var var;
	struct emu_res res;
	struct emu_context *ctx;
};

static void
var_release(struct emu_res *res)
{
	struct emu_var *v = emu_container_of(res, struct emu_var, res);

	emu_fw_var_free(v->ctx->fn->fw, v->var.page_id);
	free(v);
}

EMU_EXPORT struct mlx5dv_var *
mlx5dv_alloc_var(struct ibv_context *context, uint32_t flags)
{
	EMU_API_CALL();
	struct emu_context *ctx;
	struct emu_var *v;
	uint64_t off;
	int ret;

	if (context == NULL || flags != 0) {
		errno = EINVAL;
		return NULL;
	}
	ctx = ibctx_to_emu(context);
	v = calloc(1, sizeof(*v));
	if (v == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = emu_fw_var_alloc(ctx->fn->fw, &v->var.page_id, &v->var.length, &off);
	if (ret != 0) {
		free(v);
		errno = -ret;
		return NULL;
	}
	v->var.mmap_off = (off_t)off;
	v->ctx = ctx;
	v->res.release = var_release;
	emu_res_add(ctx, &v->res);
	return &v->var;
}

EMU_EXPORT void
mlx5dv_free_var(struct mlx5dv_var *dv_var)
{
	EMU_API_CALL();
	struct emu_var *v;

	if (dv_var == NULL)
		return;
	v = emu_container_of(dv_var, struct emu_var, var);
	emu_res_del(v->ctx, &v->res);
	var_release(&v->res);
}

/* ---- user memory ---- */

struct emu_umem {
	struct mlx5dv_devx_umem umem;
	struct emu_res res;
	struct emu_context *ctx;
};

static void
umem_release(struct emu_res *res)
{
	struct emu_umem *u = emu_container_of(res, struct emu_umem, res);

	emu_fw_umem_dereg(u->ctx->fn->fw, u->umem.umem_id);
	free(u);
}

EMU_EXPORT struct mlx5dv_devx_umem *
mlx5dv_devx_umem_reg(struct ibv_context *context, void *addr, size_t size, uint32_t access)
{
	EMU_API_CALL();
	struct emu_context *ctx;
	struct emu_umem *u;
	int ret;

	if (context == NULL || addr == NULL || size == 0) {
		errno = EINVAL;
		return NULL;
	}
	ctx = ibctx_to_emu(context);
	if (!ctx->devx) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	u = calloc(1, sizeof(*u));
	if (u == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ret = emu_fw_umem_reg(ctx->fn->fw, ctx->uid, addr, size, access, &u->umem.umem_id);
	if (ret != 0) {
		free(u);
		errno = -ret;
		return NULL;
	}
	u->ctx = ctx;
	u->res.release = umem_release;
	emu_res_add(ctx, &u->res);
	return &u->umem;
}

EMU_EXPORT struct mlx5dv_devx_umem *
mlx5dv_devx_umem_reg_ex(struct ibv_context *ctx, struct mlx5dv_devx_umem_in *umem_in)
{
	EMU_API_CALL();
	if (umem_in == NULL) {
		errno = EINVAL;
		return NULL;
	}
	/* dma-buf memory is not host memory the emulator can reach. */
	if (umem_in->comp_mask & MLX5DV_UMEM_MASK_DMABUF) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	return mlx5dv_devx_umem_reg(ctx, umem_in->addr, umem_in->size, umem_in->access);
}

EMU_EXPORT int
mlx5dv_devx_umem_dereg(struct mlx5dv_devx_umem *dv_umem)
{
	EMU_API_CALL();
	struct emu_umem *u;
	int ret;

	if (dv_umem == NULL)
		return EINVAL;
	u = emu_container_of(dv_umem, struct emu_umem, umem);
	ret = emu_fw_umem_dereg(u->ctx->fn->fw, u->umem.umem_id);
	if (ret != 0)
		return -ret;
	emu_res_del(u->ctx, &u->res);
	free(u);
	return 0;
}

EMU_EXPORT int
mlx5dv_devx_query_eqn(struct ibv_context *context, uint32_t vector, uint32_t *eqn)
{
	EMU_API_CALL();
	int ret;

	if (context == NULL || eqn == NULL)
		return EINVAL;
	ret = emu_fw_query_eqn(ibctx_to_emu(context)->fn->fw, vector, eqn);
	return -ret;
}
