#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compares the guest memory of two QEMU processes, 4 KiB page by page.

Usage: ram_diff.py PID PID
Each QEMU must hold its guest memory in one memfd (memory-backend-memfd), which is read through
/proc/PID/fd (the same user as QEMU, or root). Prints the number of pages that differ, then the
guest physical addresses of the first 16 of them. Exit status 0 when the memories are identical,
1 when they differ, 2 when a memory cannot be read or their sizes differ.
"""
import os
import sys

PAGE = 4096
CHUNK = 1 << 20


def memfd(pid):
    """The path of QEMU's guest-memory memfd under /proc/PID/fd."""
    fds = f"/proc/{pid}/fd"
    for fd in os.listdir(fds):
        try:
            target = os.readlink(f"{fds}/{fd}")
        except OSError:
            continue
        if target.startswith("/memfd:"):
            return f"{fds}/{fd}"
    raise OSError(f"process {pid} holds no memfd")


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    try:
        paths = [memfd(pid) for pid in sys.argv[1:]]
        sizes = [os.stat(p).st_size for p in paths]
        if sizes[0] != sizes[1]:
            print(f"ram_diff: sizes differ ({sizes[0]} and {sizes[1]} bytes)", file=sys.stderr)
            return 2
        differ = []
        with open(paths[0], "rb") as a, open(paths[1], "rb") as b:
            for base in range(0, sizes[0], CHUNK):
                x, y = a.read(CHUNK), b.read(CHUNK)
                if x == y:
                    continue
                for off in range(0, len(x), PAGE):
                    if x[off:off + PAGE] != y[off:off + PAGE]:
                        differ.append(base + off)
    except OSError as e:
        print(f"ram_diff: {e}", file=sys.stderr)
        return 2
    print(len(differ), " ".join(f"0x{gpa:x}" for gpa in differ[:16]))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
