/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Operators watch a device through DPDK telemetry (dpdk-telemetry.py, or any client of the
 * process's telemetry socket):
 *   /vdpa_mlx5x/list                 names of the devices this driver serves
 *   /vdpa_mlx5x/info,<device>        state of one device: front-end, queues, relay counters
 *   /vdpa_mlx5x/stats,<device>[,<q>] the hardware counters of every queue (or queue q), the
 *                                    same values rte_vdpa_get_stats() gives
 * Callbacks run on EAL's telemetry thread, so they read a device's configuration under
 * dev->conf_lock, which dev_conf and dev_close hold while they build or tear it down.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_telemetry.h>
#include <rte_vdpa.h>

#include "mvdpa.h"

#define CMD_PREFIX "/" MVDPA_DRIVER_NAME_STR

/* The device named by the first comma-separated word of params, or NULL. */
static struct mvdpa_dev *
dev_from_params(const char *params, char *name, size_t len)
{
	size_t n;

	if (params == NULL)
		return NULL;
	n = strcspn(params, ",");
	if (n == 0 || n >= len)
		return NULL;
	memcpy(name, params, n);
	name[n] = '\0';
	return mvdpa_dev_of(rte_vdpa_find_device_by_name(name));
}

static int
cmd_list(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct rte_dev_iterator it;
	struct rte_device *rdev;

	(void)cmd;
	(void)params;
	rte_tel_data_start_array(d, RTE_TEL_STRING_VAL);
	RTE_DEV_FOREACH(rdev, "class=vdpa", &it) {
		if (mvdpa_dev_of(rte_vdpa_find_device_by_name(rte_dev_name(rdev))) != NULL)
			rte_tel_data_add_array_string(d, rte_dev_name(rdev));
	}
	return 0;
}

static int
cmd_info(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct mvdpa_dev *dev = dev_from_params(params, name, sizeof(name));
	struct mvdpa_conf *c;
	uint32_t created = 0;

	(void)cmd;
	if (dev == NULL)
		return -EINVAL;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "name", name);
	rte_tel_data_add_dict_string(d, "ibdev", dev->ibdev_name);
	rte_tel_data_add_dict_u64(d, "queue_pairs", dev->queue_pairs);
	rte_tel_data_add_dict_u64(d, "features", dev->features);
	rte_tel_data_add_dict_u64(d, "max_conf_threads", dev->args.max_conf_threads);
	pthread_mutex_lock(&dev->conf_lock);
	c = dev->conf;
	rte_tel_data_add_dict_string(d, "state", c != NULL ? "configured" : "idle");
	if (c != NULL) {
		uint32_t recoveries;

		/* Queues come and go (vring state, recovery) under the configuration's lock. */
		pthread_mutex_lock(&c->lock);
		for (uint32_t q = 0; q < c->nvqs; q++)
			created += c->vqs[q].created && !c->vqs[q].suspended;
		recoveries = c->recoveries;
		pthread_mutex_unlock(&c->lock);
		rte_tel_data_add_dict_int(d, "vid", c->vid);
		rte_tel_data_add_dict_u64(d, "vrings", c->nvqs);
		rte_tel_data_add_dict_u64(d, "queues_running", created);
		rte_tel_data_add_dict_string(d, "event_mode",
					     mvdpa_event_mode_name(dev->args.event_mode));
		rte_tel_data_add_dict_u64(d, "completions_relayed",
					  mvdpa_counter(&c->ev.stats.relayed));
		rte_tel_data_add_dict_u64(d, "cqes", mvdpa_counter(&c->ev.stats.cqes));
		rte_tel_data_add_dict_u64(d, "cq_events", mvdpa_counter(&c->ev.stats.events));
		rte_tel_data_add_dict_u64(d, "kicks_relayed", mvdpa_counter(&c->kicks));
		rte_tel_data_add_dict_int(d, "host_notifier", c->host_notifier);
		rte_tel_data_add_dict_u64(d, "queue_recoveries", recoveries);
	}
	pthread_mutex_unlock(&dev->conf_lock);
	return 0;
}

/* Adds queue q's counters as a dict named "q<q>" to d; 0 or a negative errno. */
static int
add_queue_stats(struct rte_vdpa_device *vdev, uint16_t q, const struct rte_vdpa_stat_name *names,
		struct rte_vdpa_stat *stats, int n, struct rte_tel_data *d)
{
	struct rte_tel_data *qd;
	char key[16];
	int got;

	got = rte_vdpa_get_stats(vdev, q, stats, (unsigned int)n);
	if (got < 0)
		return got;
	qd = rte_tel_data_alloc();
	if (qd == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(qd);
	for (int i = 0; i < got; i++)
		if (stats[i].id < (uint64_t)n)
			rte_tel_data_add_dict_u64(qd, names[stats[i].id].name, stats[i].value);
	snprintf(key, sizeof(key), "q%u", q);
	if (rte_tel_data_add_dict_container(d, key, qd, 0) != 0) {
		rte_tel_data_free(qd);
		return -ENOSPC;
	}
	return 0;
}

/*
 * The queues' counters through the vDPA API (the PMD's own get_stats), so that telemetry and
 * the application show the same numbers. Queues of the negotiated rings, or every queue the
 * device offers when no front-end is configured.
 */
static int
cmd_stats(const char *cmd, const char *params, struct rte_tel_data *d)
{
	char name[RTE_DEV_NAME_MAX_LEN];
	struct mvdpa_dev *dev = dev_from_params(params, name, sizeof(name));
	const char *qarg = params != NULL ? strchr(params, ',') : NULL;
	struct rte_vdpa_stat_name *names = NULL;
	struct rte_vdpa_stat *stats = NULL;
	uint32_t first = 0, last;
	int n, ret = 0;

	(void)cmd;
	if (dev == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dev->conf_lock);
	last = (dev->conf != NULL ? dev->conf->nvqs : 2 * dev->queue_pairs) - 1;
	pthread_mutex_unlock(&dev->conf_lock);
	if (qarg != NULL) {
		char *end;
		unsigned long q = strtoul(qarg + 1, &end, 10);

		if (qarg[1] == '\0' || *end != '\0' || q >= 2 * MVDPA_MAX_QUEUE_PAIRS)
			return -EINVAL;
		first = last = (uint32_t)q;
	}
	n = rte_vdpa_get_stats_names(dev->vdev, NULL, 0);
	if (n <= 0)
		return -EIO;
	names = calloc((size_t)n, sizeof(*names));
	stats = calloc((size_t)n, sizeof(*stats));
	if (names == NULL || stats == NULL) {
		ret = -ENOMEM;
		goto out;
	}
	if (rte_vdpa_get_stats_names(dev->vdev, names, (unsigned int)n) != n) {
		ret = -EIO;
		goto out;
	}
	rte_tel_data_start_dict(d);
	for (uint32_t q = first; q <= last && ret == 0; q++)
		ret = add_queue_stats(dev->vdev, (uint16_t)q, names, stats, n, d);
out:
	free(names);
	free(stats);
	return ret;
}

RTE_INIT(mvdpa_telemetry_init)
{
	rte_telemetry_register_cmd(CMD_PREFIX "/list", cmd_list,
				   "Returns the vDPA devices of the " MVDPA_DRIVER_NAME_STR
				   " driver. Takes no parameters");
	rte_telemetry_register_cmd(CMD_PREFIX "/info", cmd_info,
				   "Returns a device's state and relay counters. "
				   "Parameters: device name");
	rte_telemetry_register_cmd(CMD_PREFIX "/stats", cmd_stats,
				   "Returns the hardware counters of a device's queues. "
				   "Parameters: device name[,queue index]");
}
