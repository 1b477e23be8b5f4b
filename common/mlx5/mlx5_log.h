/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One logging facility for the code in common/ and emu/. The PMD installs a sink that forwards to
 * its DPDK log type; the emulator's users (tests, tools) may install their own. Without a sink,
 * messages up to MLX5_LOG_WARN go to stderr.
 */
#ifndef MLX5_LOG_H
#define MLX5_LOG_H

enum mlx5_log_level {
	MLX5_LOG_ERR = 1,
	MLX5_LOG_WARN,
	MLX5_LOG_INFO,
	MLX5_LOG_DEBUG,
};

struct mlx5_log_sink {
	/* Called with one formatted line, without a trailing newline; must be thread-safe. */
	void (*write)(void *ctx, enum mlx5_log_level level, const char *origin, const char *msg);
	void *ctx;
	enum mlx5_log_level max_level;	/* messages above it are dropped before formatting */
};

/*
 * Installs the process-wide sink (the log destination is process-wide, as rte_log's is). The
 * struct is used in place and must outlive its installation; NULL restores the stderr default.
 */
void mlx5_log_set_sink(const struct mlx5_log_sink *sink);

/* True when a message of this level would be written: lets callers skip costly formatting. */
int mlx5_log_enabled(enum mlx5_log_level level);

/* origin names the module ("emu.fw", "devx", ...). */
void mlx5_log(enum mlx5_log_level level, const char *origin, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define MLX5_LOG(level, origin, ...) mlx5_log(MLX5_LOG_##level, origin, __VA_ARGS__)

#endif /* MLX5_LOG_H */
