/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PMD as EAL loads it: librte_vdpa_mlx5x.so through -d, over the real rdma-core (which
 * finds no mlx5 device here). Its vdev front-end is registered and refuses bad requests with an
 * error naming the cause; nothing is registered with vhost after a refusal.
 * Usage: test_mvdpa_plugin <path of librte_vdpa_mlx5x.so>
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_vdpa.h>

static const char *plugin_path;
static FILE *log_file;

/* Everything logged since the last call, NUL-terminated, in buf. */
static void
read_log(char *buf, size_t len)
{
	size_t n;

	fflush(log_file);
	rewind(log_file);
	n = fread(buf, 1, len - 1, log_file);
	buf[n] = '\0';
	rewind(log_file);
	if (ftruncate(fileno(log_file), 0) != 0)
		fail_msg("cannot truncate the log file");
}

static int
eal_up(void **state)
{
	char *argv[] = {
		"test", "-l", "0", "--no-huge", "-m", "64", "--no-pci", "--no-shconf",
		"-d", (char *)plugin_path, "--log-level", "pmd.vdpa.mlx5x:debug",
	};

	(void)state;
	log_file = tmpfile();
	if (log_file == NULL || rte_openlog_stream(log_file) != 0)
		return -1;
	return rte_eal_init(sizeof(argv) / sizeof(argv[0]), argv) < 0 ? -1 : 0;
}

static int
eal_down(void **state)
{
	(void)state;
	rte_eal_cleanup();
	rte_openlog_stream(NULL);
	fclose(log_file);
	return 0;
}

struct refusal {
	const char *devargs;
	const char *name;	/* the vDPA device that must not exist afterwards */
	const char *msg;
};

static const struct refusal refusals[] = {
	{ "vdpa_mlx5x0", "vdpa_mlx5x0", "vdpa_mlx5x0: devarg ibdev=<ibv device name> is required" },
	{ "vdpa_mlx5x1,ibdev=mlx5_0,evnt_mode=1", "vdpa_mlx5x1", "unknown devarg 'evnt_mode'" },
	{ "vdpa_mlx5x2,ibdev=mlx5_0,hw_max_latency_us=5000", "vdpa_mlx5x2",
	  "devarg hw_max_latency_us=5000: expected an integer in 0..4095" },
	{ "vdpa_mlx5x3,ibdev=nosuch9", "vdpa_mlx5x3", "vdpa_mlx5x3: no ibv device" },
};

static void
vdev_front_end_refuses_with_a_reason_and_registers_nothing(void **state)
{
	char log[8192];

	(void)state;
	for (size_t i = 0; i < sizeof(refusals) / sizeof(refusals[0]); i++) {
		read_log(log, sizeof(log));
		if (rte_dev_probe(refusals[i].devargs) >= 0)
			fail_msg("'%s' was accepted", refusals[i].devargs);
		read_log(log, sizeof(log));
		if (strstr(log, refusals[i].msg) == NULL)
			fail_msg("'%s': log lacks '%s':\n%s", refusals[i].devargs, refusals[i].msg,
				 log);
		assert_null(rte_vdpa_find_device_by_name(refusals[i].name));
	}
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vdev_front_end_refuses_with_a_reason_and_registers_nothing),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s <librte_vdpa_mlx5x.so>\n", argv[0]);
		return 2;
	}
	plugin_path = argv[1];
	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
