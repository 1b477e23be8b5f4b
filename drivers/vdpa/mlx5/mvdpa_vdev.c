/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vdev front-end: `--vdev vdpa_mlx5x<n>,ibdev=<ibv device>[,...]` opens an ibv device by name,
 * with no bus device behind it. This is how emulated functions are opened, and how a function
 * is used when its PCI device cannot be handed to EAL.
 */
#include <errno.h>

#include <bus_vdev_driver.h>

#include "mvdpa.h"

static int
mvdpa_vdev_probe(struct rte_vdev_device *vdev)
{
	struct mvdpa_devargs args;
	int ret;

	ret = mvdpa_parse_devargs(&vdev->device, &args);
	if (ret != 0)
		return ret;
	if (args.ibdev[0] == '\0') {
		MVDPA_LOG(ERR, "%s: devarg ibdev=<ibv device name> is required\n",
			  rte_vdev_device_name(vdev));
		return -EINVAL;
	}
	return mvdpa_probe(&vdev->device, args.ibdev, &args);
}

static int
mvdpa_vdev_remove(struct rte_vdev_device *vdev)
{
	return mvdpa_remove(&vdev->device);
}

static struct rte_vdev_driver mvdpa_vdev_driver = {
	.probe = mvdpa_vdev_probe,
	.remove = mvdpa_vdev_remove,
};

RTE_PMD_REGISTER_VDEV(vdpa_mlx5x, mvdpa_vdev_driver);
