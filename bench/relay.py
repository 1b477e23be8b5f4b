#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reads the notification relay benchmark's runs (bench/relay.sh) and prints its table, writes
relay.json and, with --gnuplot, relay-cpu.svg (PMD CPU against notification rate per event mode).

Each run directory <pmd>-mode<m>/ holds the emulator's trace of the back-end (trace.0,
emu/fw/fw_trace.h records), and per measurement <what>-<rate>.bin (bench/relay_load.c records)
and <what>-<rate>.cpu (the back-end's threads' CPU time at the window's start and end).

Latencies, from CLOCK_MONOTONIC stamps of two processes:
- kick: from the front-end's kickfd write to the first doorbell the emulator stamped after it
  (kicks coalesce in the eventfd: several may share a doorbell). Trapped doorbells (the
  emulator's trace_doorbells=trap) are stamped the trap's delay after the write: each is taken
  to have been written the trap's median delay (measured by the emulator at start) before its
  stamp (the JSON also holds the latencies to the stamps). Polled ones are stamped up to one
  scan period late;
- completion: from the CQE the device wrote to the first callfd wake-up of the front-end after
  it (completions coalesce too);
- engine: from a chain made available to the first CQE after it: the emulated device's own
  polling (with back-off), not the PMD's; reported apart.
"""
import argparse
import bisect
import glob
import json
import os
import struct
import subprocess
import sys

REC = struct.Struct("<QIHH")
DOORBELL, CQE, EVENT, WATCH_PERIOD = 1, 2, 3, 4
DOORBELL_TRAPPED, TRAP_DELAY, TRAP_COST, TRAP_LOST = 7, 8, 9, 10
KICK, POST, CALL, START, END, ROUND_TRIP = 16, 17, 18, 19, 20, 21
EMU_THREAD_PREFIX = "mlx5emu"      # the emulator's engine, trace watcher and command workers
SLACK_NS = 100_000_000             # a notification's match may land after the window's end


def records(path):
    with open(path, "rb") as f:
        return [REC.unpack_from(b, 0) for b in iter(lambda: f.read(REC.size), b"")
                if len(b) == REC.size]


def pct(values, p):
    if not values:
        return None
    v = sorted(values)
    return v[min(len(v) - 1, int(p / 100 * len(v)))]


def latencies(froms, tos):
    """For each time in froms, the delay to the first time in tos at or after it (ns)."""
    out, missing = [], 0
    for t in froms:
        i = bisect.bisect_left(tos, t)
        if i == len(tos):
            missing += 1
        else:
            out.append(tos[i] - t)
    return out, missing


def summary(lat, missing):
    return {"n": len(lat), "unmatched": missing,
            "p50_us": pct(lat, 50) / 1e3 if lat else None,
            "p99_us": pct(lat, 99) / 1e3 if lat else None}


def trap_calibration(trace):
    """The trapped trace's (delay, cost) of a trap in ns, or None for a polled trace."""
    delay = [r[1] for r in trace if r[2] == TRAP_DELAY]
    cost = [r[1] for r in trace if r[2] == TRAP_COST]
    return (delay[0], cost[0]) if delay and cost else None


def cpu(path):
    """Per thread (tid, comm): CPU % of one core over the window, from schedstat and stat."""
    snap = {"start": {}, "end": {}}
    times = {}
    for line in open(path):
        label, t, tid, ticks, run_ns, comm = line.split()
        snap[label][(tid, comm)] = (int(ticks), int(run_ns))
        times[label] = int(t)
    secs = (times["end"] - times["start"]) / 1e9
    hz = os.sysconf("SC_CLK_TCK")
    threads = []
    for key, (ticks1, ns1) in sorted(snap["end"].items()):
        ticks0, ns0 = snap["start"].get(key, (0, 0))
        threads.append({"tid": int(key[0]), "comm": key[1],
                        "cpu_pct": 100 * (ns1 - ns0) / 1e9 / secs,
                        "cpu_pct_stat": 100 * (ticks1 - ticks0) / hz / secs})
    pmd = [t for t in threads if not t["comm"].startswith(EMU_THREAD_PREFIX)]
    return {"seconds": secs, "threads": threads,
            "pmd_cpu_pct": sum(t["cpu_pct"] for t in pmd),
            "pmd_cpu_pct_stat": sum(t["cpu_pct_stat"] for t in pmd),
            "emu_cpu_pct": sum(t["cpu_pct"] for t in threads if t not in pmd)}


def measurement(run_dir, what, rate, trace):
    base = "%s/%s-%d" % (run_dir, what, rate)
    if not os.path.exists(base + ".bin"):
        return None
    fe = records(base + ".bin")
    start = next(r[0] for r in fe if r[2] == START)
    end = next(r[0] for r in fe if r[2] == END)
    secs = (end - start) / 1e9
    db = [r[0] for r in trace if r[2] in (DOORBELL, DOORBELL_TRAPPED) and
          start <= r[0] <= end + SLACK_NS]
    trap = trap_calibration(trace)
    cqes = [r[0] for r in trace if r[2] == CQE and start <= r[0] <= end]
    kicks = [r[0] for r in fe if r[2] == KICK]
    posts = [r[0] for r in fe if r[2] == POST]
    calls = [r[0] for r in fe if r[2] == CALL]
    m = {"what": what, "offered_per_s": rate, "seconds": secs, "cpu": cpu(base + ".cpu")}
    if what == "kick":
        m["achieved_per_s"] = len(kicks) / secs
        m["doorbells_per_s"] = len([t for t in db if t <= end]) / secs
        if trap:
            # A trapped write happened its stamp's delay earlier: a kick is matched to the
            # first write after it, not to a write before it stamped after it.
            m["kick_to_doorbell"] = summary(*latencies(kicks, [t - trap[0] for t in db]))
            m["kick_to_doorbell_stamp"] = summary(*latencies(kicks, db))
            # The share of the window the relay spent trapped (wall clock: in a virtual
            # machine not all of it shows in the thread's CPU time).
            m["trapped_pct"] = 100 * m["doorbells_per_s"] * trap[1] / 1e9
        else:
            m["kick_to_doorbell"] = summary(*latencies(kicks, db))
    elif what == "complete":
        m["achieved_per_s"] = len(posts) / secs
        m["cqes_per_s"] = len(cqes) / secs
        m["callfd_wakeups_per_s"] = len(calls) / secs
        m["cqe_to_callfd"] = summary(*latencies(cqes, calls))
        m["post_to_cqe_engine"] = summary(*latencies(posts, sorted(
            r[0] for r in trace if r[2] == CQE and start <= r[0] <= end + SLACK_NS)))
    return m


def cell(v, fmt="%.1f"):
    return "-" if v is None else fmt % v


def label(key):
    """ours-mode2 -> ours, event_mode=2"""
    pmd, mode = key.split("-mode")
    return "%s, event_mode=%s" % ("ours" if pmd == "ours" else "DPDK's", mode)


def chart(res, out, gnuplot):
    """PMD CPU against achieved notification rate, one line per PMD and event mode."""
    data, plots = out + "/relay-cpu.dat", []
    with open(data, "w") as f:
        for key, run in sorted(res["runs"].items()):
            f.write("# %s\n" % key)
            for m in run["measurements"]:
                if m["what"] == "idle":
                    f.write("1 %g\n" % m["cpu"]["pmd_cpu_pct"])
                elif m["what"] == "complete":
                    f.write("%g %g\n" % (max(m["cqes_per_s"], 1), m["cpu"]["pmd_cpu_pct"]))
            f.write("\n\n")
            plots.append(key)
    cmds = ["set terminal svg size 720,420 dynamic font 'sans,11'",
            "set output '%s/relay-cpu.svg'" % out,
            "set title 'PMD threads CPU vs completions relayed (one device, 1 queue pair)'",
            "set xlabel 'completions per second written by the device (idle drawn at 1)'",
            "set ylabel 'CPU, % of one core'", "set logscale x", "set key left top",
            "set grid", "set yrange [0:*]",
            "plot " + ", ".join("'%s' index %d with linespoints title \"%s\" noenhanced" %
                                (data, i, label(k)) for i, k in enumerate(plots))]
    subprocess.run([gnuplot], input="\n".join(cmds) + "\n", text=True, check=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dir", required=True, help="bench/out/relay")
    ap.add_argument("--out", required=True)
    ap.add_argument("--gnuplot")
    a = ap.parse_args()
    res = {"uptime": open(a.dir + "/uptime").read().strip(), "runs": {}}
    for key, name in (("eventfd_round_trip", "eventfd"),
                      ("eventfd_round_trip_across", "eventfd-across")):
        ef = [r[1] for r in records("%s/%s.bin" % (a.dir, name)) if r[2] == ROUND_TRIP]
        res[key] = {"n": len(ef), "p50_us": pct(ef, 50) / 1e3, "p99_us": pct(ef, 99) / 1e3}
    for run_dir in sorted(glob.glob(a.dir + "/*-mode*")):
        key = os.path.basename(run_dir)
        trace = sorted(records(run_dir + "/trace.0"))
        rates = sorted({int(os.path.basename(p).split("-")[1].split(".")[0])
                        for p in glob.glob(run_dir + "/*-*.bin")})
        ms = []
        for what in ("idle", "kick", "complete"):
            for rate in rates:
                m = measurement(run_dir, what, rate, trace)
                if m:
                    ms.append(m)
        period = [r[1] for r in trace if r[2] == WATCH_PERIOD]
        trap = trap_calibration(trace)
        res["runs"][key] = {
            "measurements": ms, "doorbells": "trap" if trap else "poll",
            "watcher_scan_period_us": period[0] / 1e3 if period else None,
            "trap_delay_us": trap[0] / 1e3 if trap else None,
            "trap_cost_us": trap[1] / 1e3 if trap else None,
            "trap_lost": sum(r[1] for r in trace if r[2] == TRAP_LOST)}
    json.dump(res, open(a.out + "/relay.json", "w"), indent=1)

    print("\nuptime during the runs: %s" % res["uptime"])
    for key, where in (("eventfd_round_trip", "anywhere"),
                       ("eventfd_round_trip_across", "across the front-end's and the "
                        "relays' CPUs")):
        print("eventfd round trip (two processes, blocked in poll, %s): p50 %.1f us, "
              "p99 %.1f us" % (where, res[key]["p50_us"], res[key]["p99_us"]))
    print("\n%-12s %-8s %9s %9s %9s %9s %9s %9s %9s %9s %8s %8s" % (
        "pmd-mode", "what", "offered/s", "sent/s", "device/s", "callfd/s", "p50 us", "p99 us",
        "eng p50", "eng p99", "PMD CPU%", "trapped%"))
    for key, run in sorted(res["runs"].items()):
        for m in run["measurements"]:
            lat = m.get("kick_to_doorbell") or m.get("cqe_to_callfd") or {}
            eng = m.get("post_to_cqe_engine") or {}
            dev = m.get("doorbells_per_s") if m["what"] == "kick" else m.get("cqes_per_s")
            print("%-12s %-8s %9d %9s %9s %9s %9s %9s %9s %9s %8.2f %8s" % (
                key, m["what"], m["offered_per_s"], cell(m.get("achieved_per_s"), "%.0f"),
                cell(dev, "%.0f"), cell(m.get("callfd_wakeups_per_s"), "%.0f"),
                cell(lat.get("p50_us")), cell(lat.get("p99_us")), cell(eng.get("p50_us")),
                cell(eng.get("p99_us")), m["cpu"]["pmd_cpu_pct"],
                cell(m.get("trapped_pct"), "%.2f")))
    for key, run in sorted(res["runs"].items()):
        if run["doorbells"] == "trap":
            print("%s: doorbells trapped; a trap stamps %.1f us after the write (taken off the "
                  "kick latencies) and holds the writer %.1f us (\"trapped%%\"); %d not "
                  "stamped" % (key, run["trap_delay_us"], run["trap_cost_us"], run["trap_lost"]))
        else:
            print("%s: doorbells polled, every %s us on average (a doorbell is stamped up to "
                  "that late)" % (key, cell(run["watcher_scan_period_us"])))
    if a.gnuplot:
        chart(res, a.out, a.gnuplot)
        print("\nchart: %s/relay-cpu.svg" % a.out)


if __name__ == "__main__":
    sys.exit(main())
