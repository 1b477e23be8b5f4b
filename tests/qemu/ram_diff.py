#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Compares the guest memory of two QEMU processes, 4 KiB page by page.

Usage: ram_diff.py PID PID [DIR]
Each QEMU must hold its guest memory in one memfd (memory-backend-memfd), which is read through
/proc/PID/fd (the same user as QEMU, or root). Prints the number of pages that differ, then the
first 16 of them, each as its guest physical address and the bytes in it that differ (the first
and last offset, and how many: a used ring's entries or a frame's bytes tell who wrote them).
With DIR (made when a page differs), both copies of each of those pages are saved there, as GPA.a
and GPA.b. Exit status 0 when the memories are identical, 1 when they differ, 2 when a memory
cannot be read or their sizes differ.
"""
import os
import sys

PAGE = 4096
CHUNK = 1 << 20
SHOWN = 16


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


def describe(gpa, x, y):
    """GPA[+FIRST..+LAST, N bytes]: where two copies of a page differ."""
    offs = [i for i in range(len(x)) if x[i] != y[i]]
    return f"0x{gpa:x}[+0x{offs[0]:x}..+0x{offs[-1]:x}, {len(offs)} bytes]"


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    save = sys.argv[3] if len(sys.argv) == 4 else None
    try:
        paths = [memfd(pid) for pid in sys.argv[1:3]]
        sizes = [os.stat(p).st_size for p in paths]
        if sizes[0] != sizes[1]:
            print(f"ram_diff: sizes differ ({sizes[0]} and {sizes[1]} bytes)", file=sys.stderr)
            return 2
        differ, shown = [], []
        with open(paths[0], "rb") as a, open(paths[1], "rb") as b:
            for base in range(0, sizes[0], CHUNK):
                x, y = a.read(CHUNK), b.read(CHUNK)
                if x == y:
                    continue
                for off in range(0, len(x), PAGE):
                    px, py = x[off:off + PAGE], y[off:off + PAGE]
                    if px == py:
                        continue
                    gpa = base + off
                    if len(differ) < SHOWN:
                        shown.append(describe(gpa, px, py))
                        if save is not None:
                            os.makedirs(save, exist_ok=True)
                            for suffix, page in (("a", px), ("b", py)):
                                with open(f"{save}/0x{gpa:x}.{suffix}", "wb") as f:
                                    f.write(page)
                    differ.append(gpa)
    except OSError as e:
        print(f"ram_diff: {e}", file=sys.stderr)
        return 2
    print(len(differ), " ".join(shown))
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
