#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""One QMP command to a QEMU monitor socket; prints its "return" value as JSON.

Usage: qmp.py SOCKET COMMAND [ARGUMENTS-AS-JSON]
       qmp.py SOCKET wait-migration SECONDS
       qmp.py SOCKET inspect
The second form polls query-migrate every 20 ms on one connection until the migration has
ended (completed, failed, cancelled) or SECONDS passed, and prints the last answer. The third
prints, for a guest that stopped answering, what tells a hung guest from a stuck device: the
run state, the vCPU's instruction and stack pointers (and whether it halted), the local APIC
timer, and each virtio queue's available and used index as they are in guest memory.
Exit status 1 (with the error on stderr) when QEMU answers with an error or cannot be reached.
"""
import json
import socket
import sys
import time


def main():
    path, command = sys.argv[1], sys.argv[2]
    args = None
    if command != "wait-migration" and len(sys.argv) > 3:
        args = json.loads(sys.argv[3])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    try:
        sock.connect(path)
    except OSError as e:
        print(f"qmp: {path}: {e}", file=sys.stderr)
        return 1
    reader = sock.makefile("r")

    def answer():
        # Events (asynchronous messages) may come before the answer; skip them.
        while True:
            line = reader.readline()
            if not line:
                raise ConnectionError("QEMU closed the monitor")
            msg = json.loads(line)
            if "return" in msg or "error" in msg:
                return msg

    def send(cmd, arguments=None):
        msg = {"execute": cmd}
        if arguments is not None:
            msg["arguments"] = arguments
        sock.sendall(json.dumps(msg).encode() + b"\n")
        return answer()

    json.loads(reader.readline())  # the greeting
    send("qmp_capabilities")
    if command == "inspect":
        inspect(send)
        return 0
    if command == "wait-migration":
        deadline = time.monotonic() + float(sys.argv[3])
        while True:
            msg = send("query-migrate")
            if ("error" in msg or time.monotonic() > deadline or
                    msg["return"].get("status") in ("completed", "failed", "cancelled")):
                break
            time.sleep(0.02)
    else:
        msg = send(command, args)
    if "error" in msg:
        print(f"qmp: {command}: {msg['error']}", file=sys.stderr)
        return 1
    print(json.dumps(msg["return"]))
    return 0


def inspect(send):
    """What tells a hung guest from a device that stopped taking its rings (the third form)."""
    def hmp(line):
        return send("human-monitor-command", {"command-line": line}).get("return", "")

    print("status:", send("query-status").get("return", {}).get("status"))
    for line in hmp("info registers").splitlines():
        if line.startswith("RIP=") or "RSP=" in line:
            print("vcpu:", line.strip())
    for line in hmp("info lapic").splitlines():
        if line.split()[:1] in (["LVTT"], ["Timer"], ["ISR"], ["IRR"]):
            print("lapic:", " ".join(line.split()))
    for d in send("x-query-virtio").get("return", []):
        # Not x-query-virtio-queue-status: for a vhost device QEMU 7.2 asks the back-end for the
        # ring's base (GET_VRING_BASE), which stops the device.
        for q in range(64):
            st = send("x-query-virtio-vhost-queue-status", {"path": d["path"], "queue": q})
            if "error" in st or not st["return"].get("num"):
                break
            r = st["return"]
            avail = hmp(f"xp /1hx {r['avail-phys'] + 2}").split()[-1]
            used = hmp(f"xp /1hx {r['used-phys'] + 2}").split()[-1]
            print(f"{d['name']} queue {q}: avail idx {int(avail, 16)},"
                  f" used idx {int(used, 16)} (guest memory)")


if __name__ == "__main__":
    sys.exit(main())
