#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Device churn beside traffic: well-behaved front-ends (vhost_hostile.FrontEnd) connect to
two devices (--sock, and --peer-sock of emulated function --peer-function), pass a frame from
one to the other, and disconnect, --cycles times, so the PMD configures and closes both devices
each time while other devices of the app carry traffic. After each cycle the app's fds and the emulator's live firmware objects must be
back at their value before the first.

Usage: churn.py --sock S --peer-sock P --peer-function F --app-pid PID --probe PROBE
                --cycles N
"""
import argparse
import sys
import time

from vhost_hostile import App, wait_for


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("--peer-sock", required=True)
    ap.add_argument("--peer-function", type=int, required=True)
    ap.add_argument("--app-pid", type=int, required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--cycles", type=int, required=True)
    args = ap.parse_args()
    app = App(args)
    base_fds = app.fds()
    base_objects = app.objects()
    start = time.monotonic()
    failed = 0
    for i in range(args.cycles):
        problems = []
        if not app.traffic_ok():
            problems.append("no frame passed")
        if not wait_for(lambda: app.fds_ok(base_fds) and app.objects() == base_objects):
            problems.append("app fds %d (baseline %d), firmware objects %s" % (
                app.fds(), base_fds, app.objects().replace("\n", "; ")))
        if problems:
            failed += 1
            print("cycle %d: %s" % (i + 1, "; ".join(problems)), flush=True)
    print("churn: %d cycles in %.1f s, %d failed; app fds %d, firmware objects %s" % (
        args.cycles, time.monotonic() - start, failed, app.fds(),
        app.objects().replace("\n", "; ")), flush=True)
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
