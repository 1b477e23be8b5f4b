/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCI front-end: a ConnectX-6 Dx / 6 Lx / 7 or BlueField-2/3 function (PF or VF) allowed with
 * `-a <addr>,class=vdpa`. Without class=vdpa the device is left to other drivers, as DPDK's
 * mlx5 drivers do, so an allow-listed NIC stays a NIC.
 */
#include <errno.h>
#include <string.h>

#include <infiniband/verbs.h>

#include <bus_pci_driver.h>
#include <rte_bus_pci.h>

#include "mvdpa.h"
#include "mvdpa_sysfs.h"

#define MELLANOX_VENDOR_ID 0x15b3

/*
 * Device ids (DPDK's mlx5 PCI table and the kernel's mlx5_core): the VF id 0x101e is shared by
 * the ConnectX-6 Dx, 6 Lx and 7 VFs. Each line also gives the id in decimal for the pmdinfo
 * record below (JSON has no hex); the static assert keeps the two in step.
 */
#define MVDPA_PCI_IDS(X) \
	X(0x101d, 4125)	/* ConnectX-6 Dx */ \
	X(0x101e, 4126)	/* ConnectX-6 Dx / 6 Lx / 7 VF */ \
	X(0x101f, 4127)	/* ConnectX-6 Lx */ \
	X(0x1021, 4129)	/* ConnectX-7 */ \
	X(0xa2d6, 41686)	/* BlueField-2 */ \
	X(0xa2dc, 41692)	/* BlueField-3 */

#define PCI_ID_ENTRY(hex, dec) { RTE_PCI_DEVICE(MELLANOX_VENDOR_ID, hex) },
static const struct rte_pci_id mvdpa_pci_ids[] = {
	MVDPA_PCI_IDS(PCI_ID_ENTRY)
	{ .vendor_id = 0 },
};

#define PCI_ID_CHECK(hex, dec) _Static_assert(hex == dec, "pmdinfo id " #dec " is not " #hex);
MVDPA_PCI_IDS(PCI_ID_CHECK)

/*
 * EAL's -d loads plugins without DPDK's build-time pmdinfogen, so the record that
 * dpdk-pmdinfo.py reads from .rodata is written here, in the generator's format. JSON allows no
 * trailing comma: the list ends with an all-wildcard entry, which dpdk-pmdinfo.py drops.
 */
#define PCI_ID_JSON(hex, dec) "[5555, " #dec ", 65535, 65535], "
#define MVDPA_KMOD "* ib_uverbs & mlx5_core & mlx5_ib"
#define MVDPA_PARAMS \
	"class=vdpa ibdev=<ibv device> event_mode=<0-2> event_us=<int> no_traffic_time=<int> " \
	"event_core=<int> max_conf_threads=<0-256> hw_latency_mode=<0-2> " \
	"hw_max_latency_us=<0-4095> hw_max_pending_comp=<0-65535> queue_size=<0-1024> " \
	"queues=<0-128>"
__rte_used static const char mvdpa_pmd_info[] =
	"PMD_INFO_STRING= {\"name\": \"" MVDPA_DRIVER_NAME_STR "\", "
	"\"params\": \"" MVDPA_PARAMS "\", \"kmod\": \"" MVDPA_KMOD "\", "
	"\"pci_ids\": [" MVDPA_PCI_IDS(PCI_ID_JSON) "[65535, 65535, 65535, 65535]]}";

/* The ibv device whose PCI function is addr. */
static int
ibdev_by_pci(const struct rte_pci_addr *addr, char *name, size_t len)
{
	struct ibv_device **list;
	int n = 0;
	int ret = -ENODEV;

	list = ibv_get_device_list(&n);
	if (list == NULL)
		return errno ? -errno : -ENODEV;
	for (int i = 0; i < n; i++) {
		struct rte_pci_addr a;
		char slot[32];

		if (mvdpa_sysfs_pci_slot(list[i]->ibdev_path, slot, sizeof(slot)) != 0 ||
		    rte_pci_addr_parse(slot, &a) != 0 || rte_pci_addr_cmp(&a, addr) != 0)
			continue;
		if (strlen(ibv_get_device_name(list[i])) >= len) {
			ret = -ENAMETOOLONG;
			break;
		}
		strcpy(name, ibv_get_device_name(list[i]));
		ret = 0;
		break;
	}
	ibv_free_device_list(list);
	return ret;
}

static int
mvdpa_pci_probe(struct rte_pci_driver *drv, struct rte_pci_device *pdev)
{
	struct mvdpa_devargs args;
	char ibdev[MVDPA_IBDEV_NAME_MAX];
	int ret;

	(void)drv;
	ret = mvdpa_parse_devargs(&pdev->device, &args);
	if (ret != 0)
		return ret;
	if (!args.class_vdpa)
		return 1;	/* not asked for vDPA: leave the device to other drivers */
	if (args.ibdev[0] != '\0') {
		MVDPA_LOG(ERR, "%s: devarg ibdev is for the vdev front-end; a PCI device finds "
			  "its own\n", pdev->device.name);
		return -EINVAL;
	}
	ret = ibdev_by_pci(&pdev->addr, ibdev, sizeof(ibdev));
	if (ret != 0) {
		MVDPA_LOG(ERR, "%s: no ibv device for this PCI function: %s\n", pdev->device.name,
			  strerror(-ret));
		return ret;
	}
	return mvdpa_probe(&pdev->device, ibdev, &args);
}

static int
mvdpa_pci_remove(struct rte_pci_device *pdev)
{
	return mvdpa_remove(&pdev->device);
}

static struct rte_pci_driver mvdpa_pci_driver = {
	.id_table = mvdpa_pci_ids,
	.probe = mvdpa_pci_probe,
	.remove = mvdpa_pci_remove,
};

RTE_PMD_REGISTER_PCI(vdpa_mlx5x, mvdpa_pci_driver);
RTE_PMD_REGISTER_PCI_TABLE(vdpa_mlx5x, mvdpa_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(vdpa_mlx5x, MVDPA_KMOD);
RTE_PMD_REGISTER_PARAM_STRING(vdpa_mlx5x, MVDPA_PARAMS);
