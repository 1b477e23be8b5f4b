/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>

#include "devx_cmd.h"
#include "mlx5_log.h"
#include "prm_cmd.h"

#define ORIGIN "devx"

/*
 * A command can fail in two ways: the firmware answers with a bad status (the kernel copies the
 * output back, or - for object creation - returns EREMOTEIO and may not), or the call fails
 * before reaching the firmware. The status, when there is one, is the more precise verdict.
 */
static int
judge(const void *in, const void *out, int call_err)
{
	uint16_t opcode;

	if (PRM_GET(cmd_out_hdr, out, status) != PRM_STATUS_OK)
		return prm_cmd_check(ORIGIN, in, out);
	if (call_err == 0)
		return 0;
	opcode = (uint16_t)PRM_GET(cmd_in_hdr, in, opcode);
	mlx5_log(MLX5_LOG_ERR, ORIGIN, "command %s (0x%x) op_mod 0x%x failed: %s",
		 prm_opcode_name(opcode), opcode, (unsigned int)PRM_GET(cmd_in_hdr, in, op_mod),
		 strerror(call_err));
	return -call_err;
}

/* rdma-core returns errno values, positive or negative depending on the path. */
static int
call_errno(int rc)
{
	if (rc == 0)
		return 0;
	return rc < 0 ? -rc : rc;
}

int
devx_cmd_exec(struct ibv_context *ctx, const void *in, size_t inlen, void *out, size_t outlen)
{
	int rc;

	memset(out, 0, outlen);
	rc = mlx5dv_devx_general_cmd(ctx, in, inlen, out, outlen);
	return judge(in, out, call_errno(rc));
}

int
devx_obj_create(struct ibv_context *ctx, const void *in, size_t inlen, void *out,
		size_t outlen, struct devx_obj *obj)
{
	struct mlx5dv_devx_obj *o;
	int ret;

	memset(out, 0, outlen);
	obj->obj = NULL;
	obj->id = 0;
	errno = 0;
	o = mlx5dv_devx_obj_create(ctx, in, inlen, out, outlen);
	ret = judge(in, out, o == NULL ? (errno ? errno : EIO) : 0);
	if (ret != 0) {
		/* a status-less success cannot happen with an object, but never leak one */
		if (o != NULL)
			mlx5dv_devx_obj_destroy(o);
		return ret;
	}
	obj->obj = o;
	return 0;
}

int
devx_obj_modify(struct devx_obj *obj, const void *in, size_t inlen, void *out, size_t outlen)
{
	int rc;

	memset(out, 0, outlen);
	rc = mlx5dv_devx_obj_modify(obj->obj, in, inlen, out, outlen);
	return judge(in, out, call_errno(rc));
}

int
devx_obj_query(struct devx_obj *obj, const void *in, size_t inlen, void *out, size_t outlen)
{
	int rc;

	memset(out, 0, outlen);
	rc = mlx5dv_devx_obj_query(obj->obj, in, inlen, out, outlen);
	return judge(in, out, call_errno(rc));
}

int
devx_obj_destroy(struct devx_obj *obj)
{
	int rc;

	if (obj->obj == NULL)
		return 0;
	rc = call_errno(mlx5dv_devx_obj_destroy(obj->obj));
	if (rc != 0)
		mlx5_log(MLX5_LOG_ERR, ORIGIN, "destroying object 0x%x failed: %s", obj->id,
			 strerror(rc));
	obj->obj = NULL;
	obj->id = 0;
	return -rc;
}

int
devx_pd_alloc(struct ibv_context *ctx, struct ibv_pd **pd, uint32_t *pdn)
{
	struct mlx5dv_pd dv_pd = { 0 };
	struct mlx5dv_obj dv = { .pd = { .out = &dv_pd } };
	struct ibv_pd *p;
	int rc;

	errno = 0;
	p = ibv_alloc_pd(ctx);
	if (p == NULL) {
		rc = errno ? errno : ENOMEM;
		mlx5_log(MLX5_LOG_ERR, ORIGIN, "ibv_alloc_pd failed: %s", strerror(rc));
		return -rc;
	}
	dv.pd.in = p;
	rc = call_errno(mlx5dv_init_obj(&dv, MLX5DV_OBJ_PD));
	if (rc != 0) {
		mlx5_log(MLX5_LOG_ERR, ORIGIN, "mlx5dv_init_obj(PD) failed: %s", strerror(rc));
		ibv_dealloc_pd(p);
		return -rc;
	}
	*pd = p;
	*pdn = dv_pd.pdn;
	return 0;
}

int
devx_pd_free(struct ibv_pd **pd)
{
	int rc;

	if (*pd == NULL)
		return 0;
	rc = call_errno(ibv_dealloc_pd(*pd));
	if (rc != 0)
		mlx5_log(MLX5_LOG_ERR, ORIGIN, "ibv_dealloc_pd failed: %s", strerror(rc));
	*pd = NULL;
	return -rc;
}
