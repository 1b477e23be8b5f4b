/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdpa-app: attaches vDPA devices to vhost-user sockets, like DPDK's examples/vdpa, with the same
 * options and interactive commands, plus what a user of the emulated NIC needs.
 *
 *   vdpa-app [EAL options] -- [--iface <socket prefix>] [--client] [--interactive|-i]
 *            [--stats-interval <s>] [--duration <s>]
 *            [--emu-functions <n>] [--emu-profile <cx6dx|bf2|bf3>] [--emu-wire <spec>]
 *
 * Without --interactive, every vDPA device found is attached to <prefix><n> (n = 0, 1, ...) and
 * the app runs until SIGINT/SIGTERM, 'q' on standard input, or --duration. Interactive commands:
 * help, list, create <socket> <device>, stats <device> <queue id | 65535 for all>, quit, and
 * detach <device>: hot-unplug, the ports on the device closed first (their front-ends are
 * disconnected), then the device removed (rte_dev_remove).
 * The --emu-* options set the MLX5_EMU configuration of the emulated NIC (docs/emulator.md) before
 * EAL probes devices; they matter only when the emulator library is loaded.
 *
 * Telemetry (dpdk-telemetry.py): /vdpa_app/ports lists the ports (socket, device, vid);
 * /vdpa_app/stats,<port> gives the counters of its negotiated queues, through the vDPA API.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmdline.h>
#include <cmdline_parse.h>
#include <cmdline_parse_num.h>
#include <cmdline_parse_string.h>
#include <cmdline_socket.h>
#include <rte_common.h>
#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_telemetry.h>
#include <rte_vdpa.h>
#include <rte_vhost.h>

#define MAX_PORTS 64
#define ALL_QUEUES 0xffff

struct vdpa_port {
	char ifname[PATH_MAX];
	struct rte_vdpa_device *dev;	/* NULL once closed (its device detached) */
	int vid;
	uint64_t flags;
	int stats_n;
	struct rte_vdpa_stat_name *stats_names;
	struct rte_vdpa_stat *stats;
};

struct app {
	char iface[PATH_MAX];
	bool interactive;
	bool client;
	double stats_interval;		/* seconds, fractions allowed; 0: none */
	unsigned int duration;
	/*
	 * Protects nports and each port's vid, which vhost's thread reads and writes in its
	 * callbacks while the main thread adds ports and reads vids (and telemetry's thread reads
	 * both), and a port's dev, which detach clears (telemetry uses a device under it). A
	 * port's other fields are written before it is published (nports) and not after, except
	 * the stats buffers, which only the main thread uses.
	 */
	pthread_mutex_t lock;
	struct vdpa_port ports[MAX_PORTS];
	int nports;
};

/* The one app instance: vhost's callbacks and cmdline's handlers take no context of ours. */
static struct app app = { .lock = PTHREAD_MUTEX_INITIALIZER };
/*
 * Set by the signal handler, read by the main loop: the handler does nothing else. Atomic, not
 * just volatile sig_atomic_t: the handler may run on any thread (vhost's, EAL's) while the main
 * thread reads it.
 */
static atomic_int stop_requested;

static void
usage(const char *prog)
{
	printf("Usage: %s [EAL options] -- [--iface <socket prefix>] [--client] [--interactive|-i]\n"
	       "         [--stats-interval <seconds>] [--duration <seconds>]\n"
	       "         [--emu-functions <n>] [--emu-profile <name>] [--emu-wire <spec>]\n", prog);
}

/* App options come after "--"; the --emu-* ones must act before rte_eal_init(). */
static int
parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "iface", required_argument, NULL, 'f' },
		{ "client", no_argument, NULL, 'c' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "duration", required_argument, NULL, 'd' },
		{ "emu-functions", required_argument, NULL, 'F' },
		{ "emu-profile", required_argument, NULL, 'P' },
		{ "emu-wire", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	char emu[512] = "";
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "i", opts, NULL)) != -1) {
		char *end;
		unsigned long v;

		switch (c) {
		case 'f':
			if (strlen(optarg) >= sizeof(app.iface) - 4) {
				fprintf(stderr, "--iface: path too long\n");
				return -EINVAL;
			}
			strcpy(app.iface, optarg);
			break;
		case 'c':
			app.client = true;
			break;
		case 'i':
			app.interactive = true;
			printf("Interactive-mode selected\n");
			break;
		case 's': {
			double sv;

			errno = 0;
			sv = strtod(optarg, &end);
			if (errno || *end || end == optarg || !(sv >= 0 && sv <= 86400)) {
				fprintf(stderr, "--stats-interval: expected 0..86400 seconds, got '%s'\n",
					optarg);
				return -EINVAL;
			}
			app.stats_interval = sv;
			break;
		}
		case 'd':
			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno || *end || v > 86400) {
				fprintf(stderr, "--duration: expected 0..86400 seconds, got '%s'\n",
					optarg);
				return -EINVAL;
			}
			app.duration = (unsigned int)v;
			break;
		case 'F':
		case 'P':
		case 'W': {
			const char *key = c == 'F' ? "functions" : c == 'P' ? "profile" : "wire";
			size_t len = strlen(emu);

			if (snprintf(emu + len, sizeof(emu) - len, "%s%s=%s", len ? "," : "", key,
				     optarg) >= (int)(sizeof(emu) - len)) {
				fprintf(stderr, "--emu-*: options too long\n");
				return -EINVAL;
			}
			break;
		}
		default:
			usage(argv[0]);
			return -EINVAL;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "unexpected argument '%s'\n", argv[optind]);
		usage(argv[0]);
		return -EINVAL;
	}
	if (!app.interactive && app.iface[0] == '\0') {
		fprintf(stderr, "--iface is required without --interactive\n");
		return -EINVAL;
	}
	if (emu[0] && setenv("MLX5_EMU", emu, 1) < 0)
		return -errno;
	return 0;
}

/* The port a vhost device belongs to; the caller holds app.lock. */
static struct vdpa_port *
port_of_vid(int vid)
{
	char ifname[PATH_MAX];

	if (rte_vhost_get_ifname(vid, ifname, sizeof(ifname)) < 0)
		return NULL;
	for (int i = 0; i < app.nports; i++)
		if (app.ports[i].dev != NULL && strcmp(ifname, app.ports[i].ifname) == 0)
			return &app.ports[i];
	return NULL;
}

static int
new_device(int vid)
{
	struct vdpa_port *p;

	pthread_mutex_lock(&app.lock);
	p = port_of_vid(vid);
	if (p != NULL)
		p->vid = vid;
	pthread_mutex_unlock(&app.lock);
	if (p == NULL)
		return -1;
	printf("\nnew port %s, device : %s\n", p->ifname,
	       rte_dev_name(rte_vdpa_get_rte_device(p->dev)));
	fflush(stdout);
	return 0;
}

static void
destroy_device(int vid)
{
	struct vdpa_port *p;

	pthread_mutex_lock(&app.lock);
	p = port_of_vid(vid);
	if (p != NULL)
		p->vid = -1;
	pthread_mutex_unlock(&app.lock);
	if (p == NULL)
		return;
	printf("\ndestroy port %s, device: %s\n", p->ifname,
	       rte_dev_name(rte_vdpa_get_rte_device(p->dev)));
	fflush(stdout);
}

static const struct rte_vhost_device_ops vhost_ops = {
	.new_device = new_device,
	.destroy_device = destroy_device,
};

static int
start_port(struct vdpa_port *p)
{
	int ret;

	if (!app.client && access(p->ifname, F_OK) == 0) {
		fprintf(stderr, "%s exists, please remove it or specify another file and try again.\n",
			p->ifname);
		return -EEXIST;
	}
	ret = rte_vhost_driver_register(p->ifname, p->flags);
	if (ret != 0) {
		fprintf(stderr, "register driver failed: %s\n", p->ifname);
		return -EIO;
	}
	if (rte_vhost_driver_callback_register(p->ifname, &vhost_ops) != 0 ||
	    rte_vhost_driver_attach_vdpa_device(p->ifname, p->dev) != 0 ||
	    rte_vhost_driver_start(p->ifname) != 0) {
		fprintf(stderr, "attaching %s to %s failed\n",
			rte_dev_name(rte_vdpa_get_rte_device(p->dev)), p->ifname);
		rte_vhost_driver_unregister(p->ifname);
		return -EIO;
	}
	return 0;
}

static void
close_port(struct vdpa_port *p)
{
	if (rte_vhost_driver_detach_vdpa_device(p->ifname) != 0)
		fprintf(stderr, "detach vdpa device failed: %s\n", p->ifname);
	if (rte_vhost_driver_unregister(p->ifname) != 0)
		fprintf(stderr, "Fail to unregister vhost driver for %s.\n", p->ifname);
	free(p->stats_names);
	free(p->stats);
	p->stats_names = NULL;
	p->stats = NULL;
}

/*
 * Ports are added by the main thread only. A port is published before its socket starts, so
 * that a front-end connecting at once finds it; it is withdrawn if the start fails.
 */
static int
create_port(const char *socket, struct rte_vdpa_device *dev)
{
	struct vdpa_port *p;
	int ret;

	if (app.nports >= MAX_PORTS)
		return -ENOSPC;
	p = &app.ports[app.nports];
	memset(p, 0, sizeof(*p));
	if (strlen(socket) >= sizeof(p->ifname))
		return -ENAMETOOLONG;
	strcpy(p->ifname, socket);
	p->dev = dev;
	p->vid = -1;
	p->flags = app.client ? RTE_VHOST_USER_CLIENT : 0;
	pthread_mutex_lock(&app.lock);
	app.nports++;
	pthread_mutex_unlock(&app.lock);
	ret = start_port(p);
	if (ret != 0) {
		pthread_mutex_lock(&app.lock);
		app.nports--;
		pthread_mutex_unlock(&app.lock);
	}
	return ret;
}

/* Prints the stats of queues [first, last] of a port; the names come once from the device. */
static int
print_stats(struct vdpa_port *p, uint32_t first, uint32_t last, FILE *out)
{
	if (p->stats_names == NULL) {
		p->stats_n = rte_vdpa_get_stats_names(p->dev, NULL, 0);
		if (p->stats_n <= 0)
			return -ENOTSUP;
		p->stats_names = calloc((size_t)p->stats_n, sizeof(*p->stats_names));
		p->stats = calloc((size_t)p->stats_n, sizeof(*p->stats));
		if (p->stats_names == NULL || p->stats == NULL ||
		    rte_vdpa_get_stats_names(p->dev, p->stats_names, p->stats_n) != p->stats_n) {
			free(p->stats_names);
			free(p->stats);
			p->stats_names = NULL;
			p->stats = NULL;
			return -ENOMEM;
		}
	}
	for (uint32_t q = first; q <= last; q++) {
		int n = rte_vdpa_get_stats(p->dev, (uint16_t)q, p->stats, p->stats_n);

		if (n <= 0)
			continue;
		fprintf(out, "%s q%u:", rte_dev_name(rte_vdpa_get_rte_device(p->dev)), q);
		for (int i = 0; i < n; i++)
			fprintf(out, " %s=%" PRIu64, p->stats_names[p->stats[i].id].name,
				p->stats[i].value);
		fprintf(out, "\n");
	}
	fflush(out);
	return 0;
}

static int
port_vid(const struct vdpa_port *p)
{
	int vid;

	pthread_mutex_lock(&app.lock);
	vid = p->vid;
	pthread_mutex_unlock(&app.lock);
	return vid;
}

static uint32_t
queue_count(const struct vdpa_port *p)
{
	int vid = port_vid(p);

	/* A vid gone since is harmless: vhost answers 0 for it. */
	return vid >= 0 ? rte_vhost_get_vring_num(vid) : 0;
}

static void
print_all_stats(void)
{
	for (int i = 0; i < app.nports; i++) {
		uint32_t n = queue_count(&app.ports[i]);

		if (app.ports[i].dev == NULL)
			continue;
		if (n)
			print_stats(&app.ports[i], 0, n - 1, stdout);
		else
			printf("%s: no front-end connected\n", app.ports[i].ifname);
	}
}

/* ---- Telemetry ---- */

/* How many ports are published now (telemetry's thread). */
static int
published_ports(void)
{
	int n;

	pthread_mutex_lock(&app.lock);
	n = app.nports;
	pthread_mutex_unlock(&app.lock);
	return n;
}

static int
tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	int n = published_ports();

	(void)cmd;
	(void)params;
	rte_tel_data_start_dict(d);
	for (int i = 0; i < n; i++) {
		struct rte_tel_data *pd;
		char key[16], device[RTE_DEV_NAME_MAX_LEN];

		/* Under the lock: a detach may be removing the device. */
		pthread_mutex_lock(&app.lock);
		if (app.ports[i].dev != NULL)
			snprintf(device, sizeof(device), "%s",
				 rte_dev_name(rte_vdpa_get_rte_device(app.ports[i].dev)));
		pthread_mutex_unlock(&app.lock);
		if (app.ports[i].dev == NULL)
			continue;
		pd = rte_tel_data_alloc();
		if (pd == NULL)
			break;
		rte_tel_data_start_dict(pd);
		rte_tel_data_add_dict_string(pd, "socket", app.ports[i].ifname);
		rte_tel_data_add_dict_string(pd, "device", device);
		rte_tel_data_add_dict_int(pd, "vid", port_vid(&app.ports[i]));
		rte_tel_data_add_dict_u64(pd, "vrings", queue_count(&app.ports[i]));
		snprintf(key, sizeof(key), "%d", i);
		if (rte_tel_data_add_dict_container(d, key, pd, 0) != 0)
			rte_tel_data_free(pd);
	}
	return 0;
}

/* Its own name and value buffers: the main thread's print_stats() uses the port's. */
static int
tel_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_vdpa_stat_name *names = NULL;
	struct rte_vdpa_stat *stats = NULL;
	struct rte_vdpa_device *dev;
	uint32_t nq;
	char *end;
	long port;
	int n, ret = 0;

	(void)cmd;
	if (params == NULL || params[0] == '\0')
		return -EINVAL;
	port = strtol(params, &end, 10);
	if (*end != '\0' || port < 0 || port >= published_ports())
		return -EINVAL;
	nq = queue_count(&app.ports[port]);
	/* The device is used under the lock: a detach may be removing it. */
	pthread_mutex_lock(&app.lock);
	dev = app.ports[port].dev;
	n = dev != NULL ? rte_vdpa_get_stats_names(dev, NULL, 0) : -EINVAL;
	if (n <= 0) {
		ret = n < 0 ? n : -ENOTSUP;
		goto out;
	}
	names = calloc((size_t)n, sizeof(*names));
	stats = calloc((size_t)n, sizeof(*stats));
	if (names == NULL || stats == NULL || rte_vdpa_get_stats_names(dev, names, n) != n) {
		ret = -ENOMEM;
		goto out;
	}
	rte_tel_data_start_dict(d);
	for (uint32_t q = 0; q < nq; q++) {
		struct rte_tel_data *qd;
		char key[16];
		int got = rte_vdpa_get_stats(dev, (uint16_t)q, stats, n);

		if (got <= 0)
			continue;
		qd = rte_tel_data_alloc();
		if (qd == NULL) {
			ret = -ENOMEM;
			break;
		}
		rte_tel_data_start_dict(qd);
		for (int i = 0; i < got; i++)
			if (stats[i].id < (uint64_t)n)
				rte_tel_data_add_dict_u64(qd, names[stats[i].id].name,
							  stats[i].value);
		snprintf(key, sizeof(key), "q%u", q);
		if (rte_tel_data_add_dict_container(d, key, qd, 0) != 0)
			rte_tel_data_free(qd);
	}
out:
	pthread_mutex_unlock(&app.lock);
	free(names);
	free(stats);
	return ret;
}

/* ---- Interactive commands (DPDK's cmdline) ---- */

struct cmd_word_result {
	cmdline_fixed_string_t word;
};

static void
cmd_help_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)data;
	cmdline_printf(cl, "\nThe following commands are currently available:\n\n"
		       "Control:\n"
		       "    help                                      : Show interactive instructions.\n"
		       "    list                                      : list all available vdpa devices.\n"
		       "    create <socket file> <vdev addr>          : create a new vdpa port.\n"
		       "    stats <device address> <qid>              : show statistics of virtio queue, 0xffff for all.\n"
		       "    detach <device address>                   : close the device's ports, then remove it.\n"
		       "    quit                                      : exit vdpa sample app.\n");
}

static cmdline_parse_token_string_t tok_help =
	TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "help");
static cmdline_parse_inst_t cmd_help = {
	.f = cmd_help_parsed,
	.help_str = "show help",
	.tokens = { (void *)&tok_help, NULL },
};

static void
cmd_list_parsed(void *res, struct cmdline *cl, void *data)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;

	(void)res;
	(void)data;
	cmdline_printf(cl, "device name\tqueue num\tsupported features\n");
	RTE_DEV_FOREACH(dev, "class=vdpa", &it) {
		struct rte_vdpa_device *vdev = rte_vdpa_find_device_by_name(rte_dev_name(dev));
		uint32_t queues;
		uint64_t features;

		if (vdev == NULL || rte_vdpa_get_queue_num(vdev, &queues) < 0 ||
		    rte_vdpa_get_features(vdev, &features) < 0)
			continue;
		cmdline_printf(cl, "%s\t\t%" PRIu32 "\t\t0x%" PRIx64 "\n", rte_dev_name(dev), queues,
			       features);
	}
}

static cmdline_parse_token_string_t tok_list =
	TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "list");
static cmdline_parse_inst_t cmd_list = {
	.f = cmd_list_parsed,
	.help_str = "list all available vdpa devices",
	.tokens = { (void *)&tok_list, NULL },
};

struct cmd_create_result {
	cmdline_fixed_string_t action;
	cmdline_fixed_string_t socket_path;
	cmdline_fixed_string_t device;
};

static void
cmd_create_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_create_result *r = res;
	struct rte_vdpa_device *dev = rte_vdpa_find_device_by_name(r->device);

	(void)data;
	if (dev == NULL) {
		cmdline_printf(cl, "Unable to find vdpa device id for %s.\n", r->device);
		return;
	}
	if (create_port(r->socket_path, dev) < 0)
		cmdline_printf(cl, "Unable to create port %s on %s.\n", r->socket_path, r->device);
}

static cmdline_parse_token_string_t tok_create =
	TOKEN_STRING_INITIALIZER(struct cmd_create_result, action, "create");
static cmdline_parse_token_string_t tok_socket =
	TOKEN_STRING_INITIALIZER(struct cmd_create_result, socket_path, NULL);
static cmdline_parse_token_string_t tok_device =
	TOKEN_STRING_INITIALIZER(struct cmd_create_result, device, NULL);
static cmdline_parse_inst_t cmd_create = {
	.f = cmd_create_parsed,
	.help_str = "create a new vdpa port",
	.tokens = { (void *)&tok_create, (void *)&tok_socket, (void *)&tok_device, NULL },
};

struct cmd_stats_result {
	cmdline_fixed_string_t stats;
	cmdline_fixed_string_t device;
	uint16_t qid;
};

static void
cmd_stats_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_stats_result *r = res;
	struct rte_vdpa_device *dev = rte_vdpa_find_device_by_name(r->device);
	struct vdpa_port *p = NULL;
	uint32_t first = r->qid, last = r->qid;

	(void)data;
	for (int i = 0; dev && i < app.nports; i++)
		if (app.ports[i].dev == dev)
			p = &app.ports[i];
	if (p == NULL) {
		cmdline_printf(cl, "Device %s was not created.\n", r->device);
		return;
	}
	if (r->qid == ALL_QUEUES) {
		uint32_t n = queue_count(p);

		if (n == 0) {
			cmdline_printf(cl, "Failed to get num of actual virtqs for device %s.\n",
				       r->device);
			return;
		}
		first = 0;
		last = n - 1;
	}
	if (print_stats(p, first, last, stdout) < 0)
		cmdline_printf(cl, "Failed to get statistics of device %s.\n", r->device);
}

static cmdline_parse_token_string_t tok_stats =
	TOKEN_STRING_INITIALIZER(struct cmd_stats_result, stats, "stats");
static cmdline_parse_token_string_t tok_stats_device =
	TOKEN_STRING_INITIALIZER(struct cmd_stats_result, device, NULL);
static cmdline_parse_token_num_t tok_stats_qid =
	TOKEN_NUM_INITIALIZER(struct cmd_stats_result, qid, RTE_UINT16);
static cmdline_parse_inst_t cmd_stats = {
	.f = cmd_stats_parsed,
	.help_str = "show statistics of a device's queue (65535: all queues)",
	.tokens = { (void *)&tok_stats, (void *)&tok_stats_device, (void *)&tok_stats_qid, NULL },
};

/*
 * Hot-unplug, in the order vhost needs: the ports on the device are closed first (vhost ends
 * their front-ends' connections and calls the driver's dev_close), then the device is removed.
 * vhost would keep calling a removed device's ops for a connection still attached to it.
 */
struct cmd_detach_result {
	cmdline_fixed_string_t detach;
	cmdline_fixed_string_t device;
};

static void
cmd_detach_parsed(void *res, struct cmdline *cl, void *data)
{
	struct cmd_detach_result *r = res;
	struct rte_vdpa_device *dev = rte_vdpa_find_device_by_name(r->device);
	struct rte_device *rte_dev = rte_vdpa_get_rte_device(dev);
	int ret;

	(void)data;
	if (dev == NULL) {
		cmdline_printf(cl, "Unable to find vdpa device id for %s.\n", r->device);
		return;
	}
	for (int i = 0; i < app.nports; i++) {
		struct vdpa_port *p = &app.ports[i];

		if (p->dev != dev)
			continue;
		close_port(p);
		pthread_mutex_lock(&app.lock);
		p->dev = NULL;
		pthread_mutex_unlock(&app.lock);
	}
	ret = rte_dev_remove(rte_dev);
	if (ret < 0)
		cmdline_printf(cl, "Unable to detach %s: %s\n", r->device, strerror(-ret));
	else
		cmdline_printf(cl, "detached %s\n", r->device);
}

static cmdline_parse_token_string_t tok_detach =
	TOKEN_STRING_INITIALIZER(struct cmd_detach_result, detach, "detach");
static cmdline_parse_token_string_t tok_detach_device =
	TOKEN_STRING_INITIALIZER(struct cmd_detach_result, device, NULL);
static cmdline_parse_inst_t cmd_detach = {
	.f = cmd_detach_parsed,
	.help_str = "close a device's ports, then remove the device (hot-unplug)",
	.tokens = { (void *)&tok_detach, (void *)&tok_detach_device, NULL },
};

static void
cmd_quit_parsed(void *res, struct cmdline *cl, void *data)
{
	(void)res;
	(void)data;
	cmdline_quit(cl);
}

static cmdline_parse_token_string_t tok_quit =
	TOKEN_STRING_INITIALIZER(struct cmd_word_result, word, "quit");
static cmdline_parse_inst_t cmd_quit = {
	.f = cmd_quit_parsed,
	.help_str = "exit application",
	.tokens = { (void *)&tok_quit, NULL },
};

static cmdline_parse_ctx_t commands[] = {
	(cmdline_parse_inst_t *)&cmd_help,
	(cmdline_parse_inst_t *)&cmd_list,
	(cmdline_parse_inst_t *)&cmd_create,
	(cmdline_parse_inst_t *)&cmd_stats,
	(cmdline_parse_inst_t *)&cmd_detach,
	(cmdline_parse_inst_t *)&cmd_quit,
	NULL,
};

/* ---- Main loop ---- */

static void
on_signal(int signum)
{
	(void)signum;
	stop_requested = 1;
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits for a signal, 'q' on stdin (while stdin is open) or the duration; prints stats. */
static void
run_until_stopped(void)
{
	double start = now_s(), next_stats = start + app.stats_interval;
	bool stdin_open = true;

	printf("enter 'q' to quit\n");
	fflush(stdout);
	while (!stop_requested) {
		struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
		double t = now_s();
		/* Up to 200 ms, less when the next stats are due sooner (fractional intervals). */
		int wait_ms = app.stats_interval && next_stats - t < 0.2 ?
			      (next_stats > t ? (int)((next_stats - t) * 1000) : 0) : 200;

		if (poll(&pfd, stdin_open ? 1 : 0, wait_ms) > 0) {
			char ch;
			ssize_t n = read(STDIN_FILENO, &ch, 1);

			if (n <= 0)
				stdin_open = false;	/* EOF: keep running on signals and duration */
			else if (ch == 'q')
				break;
		}
		t = now_s();
		if (app.stats_interval && t >= next_stats) {
			print_all_stats();
			next_stats += app.stats_interval;
		}
		if (app.duration && t - start >= app.duration) {
			printf("duration of %u s reached\n", app.duration);
			break;
		}
	}
}

static int
attach_all(void)
{
	struct rte_dev_iterator it;
	struct rte_device *dev;

	RTE_DEV_FOREACH(dev, "class=vdpa", &it) {
		struct rte_vdpa_device *vdev = rte_vdpa_find_device_by_name(rte_dev_name(dev));
		char socket[PATH_MAX + 16];

		if (vdev == NULL)
			continue;
		snprintf(socket, sizeof(socket), "%s%d", app.iface, app.nports);
		if (create_port(socket, vdev) < 0)
			return -1;
		printf("attached %s to %s\n", rte_dev_name(dev), socket);
	}
	if (app.nports == 0) {
		fprintf(stderr, "no vDPA device found\n");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int sep = argc, ret;
	int status = EXIT_SUCCESS;

	/* Our options first: --emu-* must be in the environment before EAL probes devices. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	{
		char *app_argv[argc + 1];
		int app_argc = 0;

		app_argv[app_argc++] = argv[0];
		for (int i = sep + 1; i < argc; i++)
			app_argv[app_argc++] = argv[i];
		app_argv[app_argc] = NULL;
		if (parse_args(app_argc, app_argv) < 0)
			return EXIT_FAILURE;
	}

	rte_telemetry_register_cmd("/vdpa_app/ports", tel_ports,
				   "Returns the app's ports: socket, vDPA device, vid. No parameters");
	rte_telemetry_register_cmd("/vdpa_app/stats", tel_stats,
				   "Returns the counters of a port's queues. Parameters: port index");
	ret = rte_eal_init(sep, argv);
	if (ret < 0) {
		fprintf(stderr, "Invalid EAL arguments\n");
		return EXIT_FAILURE;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	/*
	 * A front-end may hand over a call fd that is a pipe (or socket) whose reader is gone:
	 * relaying a completion to it must fail with EPIPE, not kill the app and every device.
	 */
	signal(SIGPIPE, SIG_IGN);

	if (app.interactive) {
		struct cmdline *cl = cmdline_stdin_new(commands, "vdpa> ");

		if (cl == NULL) {
			status = EXIT_FAILURE;
			goto cleanup;
		}
		cmdline_interact(cl);
		cmdline_stdin_exit(cl);
	} else {
		if (attach_all() < 0) {
			status = EXIT_FAILURE;
			goto cleanup;
		}
		run_until_stopped();
	}
	if (stop_requested)
		printf("\nSignal received, preparing to exit...\n");

cleanup:
	for (int i = 0; i < app.nports; i++)
		if (app.ports[i].dev != NULL)
			close_port(&app.ports[i]);
	rte_eal_cleanup();
	return status;
}
