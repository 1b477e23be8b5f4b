#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Where a window's time goes, from the emulator's command trace (MLX5_EMU cmdtrace=<path>,
emu/fw/fw_trace.h): each firmware command with the time the driver issued it, the time it
waited for a free slot and the time it completed (CLOCK_MONOTONIC ns).

For a window [start, end]:
- commands: those issued in it, per opcode;
- idle_ms: the time in it with no command in flight (issued and not completed): the driver's,
  vhost's and the front-end's own work, which no firmware speed-up would shorten;
- slot_busy_ms: the sum of the commands' time in a slot (issued + slot wait -> completion) within
  the window, so mean_slots_busy = slot_busy_ms / window: how much of the firmware's
  parallelism the driver used;
- slot_wait_ms: the sum of the time commands waited for a free slot.

    fw_timeline.py TRACE [START_NS END_NS]    prints the profile of the window (all by default)
"""
import os
import re
import struct
import sys

REC = struct.Struct("<QIHH")
CMD, CMD_ISSUED = 5, 6
PRM_CMD_H = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common", "mlx5",
                         "prm_cmd.h")


def opcode_names(prm_cmd=PRM_CMD_H):
    """Opcode -> name, from the PRM opcode enum."""
    with open(prm_cmd) as f:
        return {int(m.group(2), 16): m.group(1)
                for m in re.finditer(r"PRM_CMD_(\w+)\s*=\s*(0x[0-9a-fA-F]+)", f.read())}


def read_commands(path):
    """The trace's commands as dicts (issued_ns, wait_ns, done_ns, opcode, obj_type, status),
    in completion order."""
    with open(path, "rb") as f:
        recs = [REC.unpack_from(b, 0) for b in iter(lambda: f.read(REC.size), b"")
                if len(b) == REC.size]
    cmds = []
    for done, issued in zip(recs, recs[1:]):
        if done[2] != CMD or issued[2] != CMD_ISSUED:
            continue
        cmds.append({"issued_ns": issued[0], "wait_ns": (issued[1] & 0xffffff) * 1000,
                     "done_ns": done[0], "opcode": done[1] & 0xffff, "obj_type": done[1] >> 16,
                     "status": issued[1] >> 24})
    return cmds


def window_profile(cmds, start, end, names=None):
    """The profile of [start, end] (ns) as a dict (see the module's doc); names: opcode_names()."""
    names = names if names is not None else opcode_names()
    span = max(end - start, 1)
    inside = [c for c in cmds if c["done_ns"] > start and c["issued_ns"] < end]
    per_op = {}
    for c in inside:
        if c["issued_ns"] >= start:
            name = names.get(c["opcode"], "0x%x" % c["opcode"])
            per_op[name] = per_op.get(name, 0) + 1
    covered, cur_s, cur_e = 0, None, None
    for s, e in sorted((max(c["issued_ns"], start), min(c["done_ns"], end)) for c in inside):
        if cur_e is None or s > cur_e:
            covered += 0 if cur_e is None else cur_e - cur_s
            cur_s, cur_e = s, e
        else:
            cur_e = max(cur_e, e)
    covered += 0 if cur_e is None else cur_e - cur_s
    busy = sum(max(0, min(c["done_ns"], end) - max(c["issued_ns"] + c["wait_ns"], start))
               for c in inside)
    return {"window_ms": span / 1e6, "commands": sum(per_op.values()), "per_opcode": per_op,
            "idle_ms": (span - covered) / 1e6, "slot_busy_ms": busy / 1e6,
            "mean_slots_busy": busy / span,
            "slot_wait_ms": sum(c["wait_ns"] for c in inside if c["issued_ns"] >= start) / 1e6,
            "failed": sum(1 for c in inside if c["status"] != 0)}


def main():
    if len(sys.argv) not in (2, 4):
        sys.exit(__doc__)
    cmds = read_commands(sys.argv[1])
    if not cmds:
        sys.exit("no command in " + sys.argv[1])
    start, end = ((int(sys.argv[2]), int(sys.argv[3])) if len(sys.argv) == 4 else
                  (min(c["issued_ns"] for c in cmds), max(c["done_ns"] for c in cmds)))
    p = window_profile(cmds, start, end)
    print("window %.2f ms: %d commands, no command in flight %.2f ms, mean slots busy %.2f, "
          "slot wait %.2f ms, failed %d" % (p["window_ms"], p["commands"], p["idle_ms"],
                                            p["mean_slots_busy"], p["slot_wait_ms"], p["failed"]))
    for name, n in sorted(p["per_opcode"].items(), key=lambda kv: -kv[1]):
        print("  %5d %s" % (n, name))


if __name__ == "__main__":
    main()
