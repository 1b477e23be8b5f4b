/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A test-only library preloaded into a process that runs on the emulator (after libmlx5emu.so):
 * it answers "how many firmware objects are alive right now?" while the process runs, which the
 * emulator's report=exit only tells at exit. It listens on the Unix stream socket named by
 * MLX5_EMU_PROBE; each connection gets one line per emulated function and is closed:
 *
 *   mlx5_<i> <total> [<kind>=<n>...]
 *
 * The listening socket is one fd for the whole run, so fd counts taken between queries are not
 * disturbed. Without MLX5_EMU_PROBE it does nothing.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "mlx5_emu.h"
#include "mlx5_emu_process.h"

static void
answer(int conn)
{
	int nfuncs = mlx5_emu_process_nfuncs();
	char line[512];

	for (int i = 0; i < nfuncs; i++) {
		struct emu_fw *fw = mlx5_emu_process_fw((unsigned int)i);
		size_t len;

		if (fw == NULL)
			break;
		len = (size_t)snprintf(line, sizeof(line), "mlx5_%d %u", i,
				       emu_fw_live_objects_total(fw));
		for (int k = 0; k < EMU_OBJ_KIND_COUNT && len < sizeof(line); k++) {
			unsigned int n = emu_fw_live_objects(fw, (enum emu_obj_kind)k);

			if (n > 0)
				len += (size_t)snprintf(line + len, sizeof(line) - len, " %s=%u",
							emu_obj_kind_name((enum emu_obj_kind)k), n);
		}
		if (len < sizeof(line) - 1)
			line[len++] = '\n';
		if (write(conn, line, len) < 0)
			break;
	}
}

static void *
serve(void *arg)
{
	int listener = (int)(intptr_t)arg;

	for (;;) {
		int conn = accept(listener, NULL, NULL);

		if (conn < 0)
			continue;
		answer(conn);
		close(conn);
	}
	return NULL;
}

__attribute__((constructor)) static void
probe_start(void)
{
	const char *path = getenv("MLX5_EMU_PROBE");
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	sigset_t all, old;
	pthread_t thread;
	int listener;

	if (path == NULL || path[0] == '\0')
		return;
	if (strlen(path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "emu_probe: MLX5_EMU_PROBE path too long\n");
		abort();
	}
	strcpy(addr.sun_path, path);
	listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 || bind(listener, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(listener, 4) < 0) {
		/* A test that asked for the probe must not run without it. */
		perror("emu_probe");
		abort();
	}
	/* The thread takes no signal: the process's own threads handle them as without it. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	if (pthread_create(&thread, NULL, serve, (void *)(intptr_t)listener) != 0) {
		perror("emu_probe");
		abort();
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_detach(thread);
}
