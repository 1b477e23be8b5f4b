#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the emulator's fake PCI sysfs tree (for DPDK EAL's scan) into DIR and prints the PCI
address of emulated function INDEX (0 by default), or of every function, one per line, for
"all". MLX5_EMU configures the emulator as in the programs run later.
Usage: write-pci-tree.py <libmlx5emu.so> <dir> [index | all]"""
import ctypes
import sys

lib = ctypes.CDLL(sys.argv[1])
lib.mlx5_emu_process_pci_addr.restype = ctypes.c_char_p
ret = lib.mlx5_emu_process_write_pci_sysfs(sys.argv[2].encode())
if ret != 0:
    sys.exit("cannot write the PCI tree: %d" % ret)
which = sys.argv[3] if len(sys.argv) > 3 else "0"
indices = range(256) if which == "all" else [int(which)]
found = 0
for i in indices:
    addr = lib.mlx5_emu_process_pci_addr(i)
    if not addr:
        break
    print(addr.decode())
    found += 1
if found == 0:
    sys.exit("no such emulated function")
