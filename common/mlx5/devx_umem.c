/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include <infiniband/mlx5dv.h>

#include "devx_cmd.h"
#include "mlx5_log.h"

int
devx_umem_reg(struct ibv_context *ctx, void *addr, size_t size, uint32_t access,
	      struct devx_umem *umem)
{
	struct mlx5dv_devx_umem *u;
	int err;

	errno = 0;
	u = mlx5dv_devx_umem_reg(ctx, addr, size, access);
	if (u == NULL) {
		err = errno ? errno : ENOMEM;
		mlx5_log(MLX5_LOG_ERR, "devx", "umem registration of %zu bytes at %p failed: %s",
			 size, addr, strerror(err));
		return -err;
	}
	umem->umem = u;
	umem->id = u->umem_id;
	umem->size = size;
	return 0;
}

int
devx_umem_dereg(struct devx_umem *umem)
{
	int rc;

	if (umem->umem == NULL)
		return 0;
	rc = mlx5dv_devx_umem_dereg(umem->umem);
	if (rc != 0) {
		rc = rc < 0 ? -rc : rc;
		/* EBUSY: an mkey or queue still uses it; the caller destroyed in the wrong order */
		mlx5_log(MLX5_LOG_ERR, "devx", "umem 0x%x deregistration failed: %s", umem->id,
			 strerror(rc));
		return -rc;
	}
	umem->umem = NULL;
	umem->id = 0;
	return 0;
}
