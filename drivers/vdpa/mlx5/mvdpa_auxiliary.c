/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Auxiliary bus front-end: mlx5 sub-functions (SFs, "mlx5_core.sf.<n>") allowed with
 * `-a auxiliary:mlx5_core.sf.<n>,class=vdpa`.
 */
#include <errno.h>
#include <string.h>

#include <bus_auxiliary_driver.h>

#include "mvdpa.h"
#include "mvdpa_sysfs.h"

#define SF_PREFIX "mlx5_core.sf."

static bool
mvdpa_aux_match(const char *name)
{
	return strncmp(name, SF_PREFIX, strlen(SF_PREFIX)) == 0;
}

static int
mvdpa_aux_probe(struct rte_auxiliary_driver *drv, struct rte_auxiliary_device *adev)
{
	struct mvdpa_devargs args;
	char ibdev[MVDPA_IBDEV_NAME_MAX];
	int ret;

	(void)drv;
	ret = mvdpa_parse_devargs(&adev->device, &args);
	if (ret != 0)
		return ret;
	if (!args.class_vdpa)
		return 1;	/* not asked for vDPA: leave the SF to other drivers */
	if (args.ibdev[0] != '\0') {
		MVDPA_LOG(ERR, "%s: devarg ibdev is for the vdev front-end; an SF finds its own\n",
			  adev->name);
		return -EINVAL;
	}
	ret = mvdpa_sysfs_aux_ibdev(MVDPA_SYSFS_AUX_DEVICES, adev->name, ibdev, sizeof(ibdev));
	if (ret != 0) {
		MVDPA_LOG(ERR, "%s: no ibv device under %s/%s/infiniband: %s\n", adev->name,
			  MVDPA_SYSFS_AUX_DEVICES, adev->name, strerror(-ret));
		return ret;
	}
	return mvdpa_probe(&adev->device, ibdev, &args);
}

static int
mvdpa_aux_remove(struct rte_auxiliary_device *adev)
{
	return mvdpa_remove(&adev->device);
}

static struct rte_auxiliary_driver mvdpa_aux_driver = {
	.match = mvdpa_aux_match,
	.probe = mvdpa_aux_probe,
	.remove = mvdpa_aux_remove,
};

RTE_PMD_REGISTER_AUXILIARY(vdpa_mlx5x, mvdpa_aux_driver);
