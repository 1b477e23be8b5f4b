/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>

#include <rte_devargs.h>
#include <rte_malloc.h>

#include "mvdpa.h"
#include "mvdpa_prealloc.h"
#include "mvdpa_workers.h"

int
mvdpa_parse_devargs(const struct rte_device *rte_dev, struct mvdpa_devargs *args)
{
	const char *s = rte_dev->devargs != NULL ? rte_dev->devargs->args : NULL;
	long n_cpus = sysconf(_SC_NPROCESSORS_ONLN);
	char err[256];
	int ret;

	ret = mvdpa_devargs_parse(s, n_cpus > 0 ? (unsigned int)n_cpus : 0, args, err,
				  sizeof(err));
	if (ret != 0)
		MVDPA_LOG(ERR, "%s: %s\n", rte_dev->name, err);
	return ret;
}

/* Opens ibv device `name` with DevX into dev->ctx. */
static int
open_ibdev(struct mvdpa_dev *dev, const char *name)
{
	struct mlx5dv_context_attr attr = { .flags = MLX5DV_CONTEXT_FLAGS_DEVX };
	struct ibv_device **list;
	struct ibv_device *found = NULL;
	int n = 0;
	int ret = 0;

	list = ibv_get_device_list(&n);
	if (list == NULL) {
		ret = errno ? -errno : -ENODEV;
		MVDPA_LOG(ERR, "%s: no ibv device list: %s\n", dev->rte_dev->name, strerror(-ret));
		return ret;
	}
	for (int i = 0; i < n && found == NULL; i++)
		if (strcmp(ibv_get_device_name(list[i]), name) == 0)
			found = list[i];
	if (found == NULL) {
		MVDPA_LOG(ERR, "%s: no ibv device named %s\n", dev->rte_dev->name, name);
		ret = -ENODEV;
		goto free_list;
	}
	if (!mlx5dv_is_supported(found)) {
		MVDPA_LOG(ERR, "%s: ibv device %s is not an mlx5 device\n", dev->rte_dev->name,
			  name);
		ret = -ENOTSUP;
		goto free_list;
	}
	errno = 0;
	dev->ctx = mlx5dv_open_device(found, &attr);
	if (dev->ctx == NULL) {
		ret = errno ? -errno : -ENODEV;
		MVDPA_LOG(ERR, "%s: cannot open ibv device %s with DevX: %s\n",
			  dev->rte_dev->name, name, strerror(-ret));
	}
free_list:
	ibv_free_device_list(list);
	return ret;
}

static int
check_args_against_caps(const struct mvdpa_dev *dev)
{
	if (dev->args.queues > dev->queue_pairs) {
		MVDPA_LOG(ERR, "%s: devarg queues=%u exceeds the %u queue pairs of %s\n",
			  dev->rte_dev->name, dev->args.queues, dev->queue_pairs,
			  dev->ibdev_name);
		return -EINVAL;
	}
	return 0;
}

static void
dev_free(struct mvdpa_dev *dev)
{
	mvdpa_conf_kept_destroy(dev);	/* it may hold pre-created resources */
	mvdpa_prealloc_destroy(dev);
	devx_pd_free(&dev->pd);
	if (dev->ctx != NULL)
		ibv_close_device(dev->ctx);
	mvdpa_event_thread_fini(&dev->event_thread);
	pthread_mutex_destroy(&dev->conf_lock);
	mvdpa_workers_put();
	rte_free(dev);
}

int
mvdpa_probe(struct rte_device *rte_dev, const char *ibdev_name, const struct mvdpa_devargs *args)
{
	struct mvdpa_dev *dev;
	char err[256];
	int ret;

	if (rte_vdpa_find_device_by_name(rte_dev->name) != NULL) {
		MVDPA_LOG(ERR, "%s: already a vDPA device\n", rte_dev->name);
		return -EEXIST;
	}
	dev = rte_zmalloc_socket(MVDPA_DRIVER_NAME_STR, sizeof(*dev), 0, rte_dev->numa_node);
	if (dev == NULL)
		dev = rte_zmalloc(MVDPA_DRIVER_NAME_STR, sizeof(*dev), 0);
	if (dev == NULL)
		return -ENOMEM;
	pthread_mutex_init(&dev->conf_lock, NULL);
	mvdpa_event_thread_init(&dev->event_thread);
	dev->close_vring = -1;
	dev->rte_dev = rte_dev;
	dev->args = *args;
	snprintf(dev->ibdev_name, sizeof(dev->ibdev_name), "%s", ibdev_name);
	mvdpa_workers_get(args->max_conf_threads);
	ret = open_ibdev(dev, ibdev_name);
	if (ret != 0)
		goto free_dev;
	ret = devx_query_hca_caps(dev->ctx, &dev->caps);
	if (ret != 0) {
		MVDPA_LOG(ERR, "%s: cannot query the capabilities of %s: %s\n", rte_dev->name,
			  ibdev_name, strerror(-ret));
		goto free_dev;
	}
	ret = mvdpa_caps_check(&dev->caps, err, sizeof(err));
	if (ret != 0) {
		MVDPA_LOG(ERR, "%s: ibv device %s cannot serve vDPA: %s\n", rte_dev->name,
			  ibdev_name, err);
		goto free_dev;
	}
	dev->queue_pairs = mvdpa_queue_pairs_from_caps(&dev->caps);
	dev->features = mvdpa_features_from_caps(&dev->caps, dev->queue_pairs);
	ret = check_args_against_caps(dev);
	if (ret != 0)
		goto free_dev;
	ret = devx_pd_alloc(dev->ctx, &dev->pd, &dev->pdn);
	if (ret != 0)
		goto free_dev;
	ret = mvdpa_prealloc_create(dev);
	if (ret != 0)
		goto free_dev;
	dev->ops = mvdpa_ops_template;
	dev->vdev = rte_vdpa_register_device(rte_dev, &dev->ops);
	if (dev->vdev == NULL) {
		MVDPA_LOG(ERR, "%s: vhost library refused the vDPA device\n", rte_dev->name);
		ret = -ENOMEM;
		goto free_dev;
	}
	MVDPA_LOG(INFO, "%s: vDPA device on %s: %u queue pairs, features 0x%" PRIx64 "\n",
		  rte_dev->name, ibdev_name, dev->queue_pairs, dev->features);
	return 0;

free_dev:
	dev_free(dev);
	return ret;
}

struct mvdpa_dev *
mvdpa_dev_of(const struct rte_vdpa_device *vdev)
{
	/* Ours when its ops are a copy of our template. */
	if (vdev == NULL || vdev->ops == NULL ||
	    vdev->ops->get_queue_num != mvdpa_ops_template.get_queue_num)
		return NULL;
	return mvdpa_from_vdpa(vdev);
}

int
mvdpa_remove(struct rte_device *rte_dev)
{
	struct rte_vdpa_device *vdev = rte_vdpa_find_device_by_name(rte_dev->name);
	struct mvdpa_dev *dev = mvdpa_dev_of(vdev);

	if (dev == NULL || vdev->device != rte_dev)
		return -ENODEV;
	/*
	 * rte_vdpa_unregister_device() never refuses, even while a vhost connection is attached
	 * (lib/vhost/vdpa.c): the configuration goes first, under conf_lock, so that a dev_conf
	 * on vhost's thread either finished (and is undone here) or finds the device removing.
	 */
	pthread_mutex_lock(&dev->conf_lock);
	dev->removing = true;
	if (dev->conf != NULL) {
		MVDPA_LOG(WARNING, "%s: removed while vid %d is configured: its queues are stopped "
			  "and its configuration torn down; close the vhost-user connection before "
			  "removing a device\n", rte_dev->name, dev->conf->vid);
		mvdpa_conf_destroy(dev);
	}
	mvdpa_conf_kept_destroy(dev);	/* queues a stop left suspended, under the same lock */
	mvdpa_conf_mem_early_discard(dev);
	pthread_mutex_unlock(&dev->conf_lock);
	if (rte_vdpa_unregister_device(vdev) != 0) {
		MVDPA_LOG(ERR, "%s: vhost library refused to unregister the device\n",
			  rte_dev->name);
		return -EBUSY;
	}
	dev_free(dev);
	return 0;
}
