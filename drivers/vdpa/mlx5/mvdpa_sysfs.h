/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the PCI and auxiliary front-ends read from sysfs to find the ibv device of their device.
 * Paths are parameters so tests can point them at a folder of their own.
 */
#ifndef MVDPA_SYSFS_H
#define MVDPA_SYSFS_H

#include <stddef.h>

/* Where the auxiliary bus lists its devices. */
#define MVDPA_SYSFS_AUX_DEVICES "/sys/bus/auxiliary/devices"

/*
 * The PCI address ("0000:03:00.2") of an ibv device, from its ibdev_path: the PCI_SLOT_NAME line
 * of <ibdev_path>/device/uevent, or else the name the <ibdev_path>/device link resolves to.
 * Returns 0, -ENOENT when neither gives one, -ENAMETOOLONG when it does not fit.
 */
int mvdpa_sysfs_pci_slot(const char *ibdev_path, char *slot, size_t len);

/*
 * The ibv device name of an auxiliary device (an SF, "mlx5_core.sf.2"): the one entry of
 * <aux_devices>/<aux_name>/infiniband/. Returns 0, -ENOENT, -ENAMETOOLONG.
 */
int mvdpa_sysfs_aux_ibdev(const char *aux_devices, const char *aux_name, char *name,
			  size_t len);

#endif /* MVDPA_SYSFS_H */
