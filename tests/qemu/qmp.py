#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""One QMP command to a QEMU monitor socket; prints its "return" value as JSON.

Usage: qmp.py SOCKET COMMAND [ARGUMENTS-AS-JSON]
       qmp.py SOCKET wait-migration SECONDS
The second form polls query-migrate every 20 ms on one connection until the migration has
ended (completed, failed, cancelled) or SECONDS passed, and prints the last answer.
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


if __name__ == "__main__":
    sys.exit(main())
