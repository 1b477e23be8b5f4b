/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PMD's log type, and the sink that sends the messages of the command layer (common/mlx5,
 * linked into this library with its own copy of the sink) to it.
 */
#include <rte_common.h>
#include <rte_log.h>

#include "mlx5_log.h"
#include "mvdpa.h"

RTE_LOG_REGISTER_DEFAULT(mvdpa_logtype, NOTICE);

static void
sink_write(void *ctx, enum mlx5_log_level level, const char *origin, const char *msg)
{
	static const uint32_t rte_levels[] = {
		[MLX5_LOG_ERR] = RTE_LOG_ERR,
		[MLX5_LOG_WARN] = RTE_LOG_WARNING,
		[MLX5_LOG_INFO] = RTE_LOG_INFO,
		[MLX5_LOG_DEBUG] = RTE_LOG_DEBUG,
	};

	(void)ctx;
	rte_log(rte_levels[level], mvdpa_logtype, MVDPA_DRIVER_NAME_STR ": %s: %s\n", origin, msg);
}

/* rte_log filters by level itself; the sink lets everything through to it. */
static const struct mlx5_log_sink mvdpa_sink = {
	.write = sink_write,
	.max_level = MLX5_LOG_DEBUG,
};

/* After RTE_LOG_REGISTER's constructor (it runs at the LOG priority, before this one). */
RTE_INIT(mvdpa_log_sink_install)
{
	mlx5_log_set_sink(&mvdpa_sink);
}

/* The sink lives in this library: it must not be called once the library is unloaded. */
RTE_FINI(mvdpa_log_sink_remove)
{
	mlx5_log_set_sink(NULL);
}
