/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process-wide emulated NIC behind libmlx5emu.so's ibv_get_device_list(): accessors for
 * tests, tools and the emulated hardware. The instance is created on first use (first call of
 * ibv_get_device_list(), ibv_open_device() or any function below) from the MLX5_EMU
 * configuration (docs/emulator.md) and lives until mlx5_emu_process_reset() or process exit.
 *
 * Function i is the ibv device "mlx5_<i>"; its ibdev_path is a folder the emulator writes in a
 * temporary directory, whose device/uevent holds PCI_SLOT_NAME=<the function's PCI address>, as
 * sysfs does for a real device.
 *
 * All functions are thread-safe. Returned pointers stay valid until the next reset.
 */
#ifndef MLX5_EMU_PROCESS_H
#define MLX5_EMU_PROCESS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct emu_fw;
struct emu_steer;

/* Number of emulated functions (creating the instance if needed); negative errno on failure. */
int mlx5_emu_process_nfuncs(void);

/* Firmware of function i, or NULL when i is out of range or the instance cannot be created. */
struct emu_fw *mlx5_emu_process_fw(unsigned int i);

/* RX steering rule store of function i (emu/verbs/emu_steer.h: emu_steer_classify()), or NULL. */
struct emu_steer *mlx5_emu_process_steer(unsigned int i);

/* PCI address of function i ("0000:ee:00.0" style), or NULL. */
const char *mlx5_emu_process_pci_addr(unsigned int i);

/* PCI device ID of function i (e.g. 0x101e, ConnectX-6 Dx VF), or 0 when out of range. */
uint16_t mlx5_emu_process_pci_device_id(unsigned int i);

/*
 * Writes a PCI sysfs tree for DPDK EAL's scan (SYSFS_PCI_DEVICES=dir) into the existing folder
 * `dir`: one folder per function, named by its PCI address, with vendor, device,
 * subsystem_vendor, subsystem_device, class, numa_node, resource (13 empty BARs), uevent,
 * roce_enable (0) and a `driver` symlink to `dir`/mlx5_core. Existing files are replaced.
 * Returns 0 or a negative errno.
 */
int mlx5_emu_process_write_pci_sysfs(const char *dir);

/*
 * Destroys the instance (every function's firmware and steering state, the ibdev folders); the
 * next use creates a fresh one from the then-current MLX5_EMU. -EBUSY while a device context is
 * open. Device lists obtained before a reset must not be used after it.
 */
int mlx5_emu_process_reset(void);

/*
 * Calls of one rdma-core entry point (e.g. "mlx5dv_devx_obj_create") since the library was
 * loaded, whichever way it was reached (symbol or the verbs context's function table); 0 for one
 * never called. `report=exit` prints every entry point called, with its count.
 */
uint64_t mlx5_emu_api_calls(const char *name);

#ifdef __cplusplus
}
#endif

#endif /* MLX5_EMU_PROCESS_H */
