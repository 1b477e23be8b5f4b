/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

#include "mlx5_log.h"

static const char *const level_names[] = {
	[MLX5_LOG_ERR] = "ERR",
	[MLX5_LOG_WARN] = "WARN",
	[MLX5_LOG_INFO] = "INFO",
	[MLX5_LOG_DEBUG] = "DEBUG",
};

static void
stderr_write(void *ctx, enum mlx5_log_level level, const char *origin, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s: %s: %s\n", origin, level_names[level], msg);
}

static const struct mlx5_log_sink stderr_sink = {
	.write = stderr_write,
	.max_level = MLX5_LOG_WARN,
};

/* The installed sink; atomic because any thread may log while another installs a sink. */
static _Atomic(const struct mlx5_log_sink *) current_sink = &stderr_sink;

void
mlx5_log_set_sink(const struct mlx5_log_sink *sink)
{
	atomic_store(&current_sink, sink ? sink : &stderr_sink);
}

int
mlx5_log_enabled(enum mlx5_log_level level)
{
	return level <= atomic_load(&current_sink)->max_level;
}

void
mlx5_log(enum mlx5_log_level level, const char *origin, const char *fmt, ...)
{
	const struct mlx5_log_sink *sink = atomic_load(&current_sink);
	char msg[512];
	va_list ap;

	if (level > sink->max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sink->write(sink->ctx, level, origin, msg);
}
