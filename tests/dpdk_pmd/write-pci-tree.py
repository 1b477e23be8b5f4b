#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the emulator's fake PCI sysfs tree (for DPDK EAL's scan) into DIR and prints the PCI
address of emulated function INDEX. MLX5_EMU configures the emulator as in the programs run later.
Usage: write-pci-tree.py <libmlx5emu.so> <dir> [index]"""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.mlx5_emu_process_pci_addr.restype = ctypes.c_char_p
ret = lib.mlx5_emu_process_write_pci_sysfs(sys.argv[2].encode())
if ret != 0:
    sys.exit("cannot write the PCI tree: %d" % ret)
addr = lib.mlx5_emu_process_pci_addr(int(sys.argv[3]) if len(sys.argv) > 3 else 0)
if not addr:
    sys.exit("no such emulated function")
print(addr.decode())
