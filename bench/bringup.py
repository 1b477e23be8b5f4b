#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reads the runs of bench/bringup.sh and prints the bring-up table; writes results.json and, with
gnuplot, bringup.svg. Per run (a folder <frontend>-<pmd>-<cost>-<mem>g-<regions>r-<qp>qp-<rep>,
regions 0 for a front-end that chose its own, with app.log of the back-end and fe.log of the
front-end):

- t0: the back-end accepting the front-end's connection (conn_clock, CLOCK_MONOTONIC);
- t_rdy: the last firmware command that set a virtq RDY completing (the emulator's timing
  line at exit, same clock);
- t_drv_ok: the back-end reading the last SET_STATUS (DRIVER_OK) before t_rdy, which is when
  vhost calls the PMD's dev_conf;
- t_mem: the back-end reading the first SET_MEM_TABLE, from which on a PMD can build its keys;
- the bring-up's firmware commands and their modelled time: the emulator's totals at t_rdy minus
  its totals at the connection (conn_clock's accept record);
- the limit: the modelled time divided by the parallel command slots, but no less than the
  chain no driver escapes: guest memory's keys (their translation entries, one per 4 KiB page,
  spread over every slot at best), the indirect key over them (unless one key covers the one
  region), the virtqs created RDY, as many at once as there are slots (key_chain_ms);
- the floor: the limit, or, when later, the limit's chain started when vhost read the memory
  table and the virtqs' CREATEs started when it read DRIVER_OK, as measured with DPDK's PMD,
  which does nothing before DRIVER_OK (its runs' t_mem and t_drv_ok are vhost's and the
  front-end's own; exchange_floor_ms): no PMD that starts its virtqs at DRIVER_OK, as virtio
  and both PMDs do, ends sooner on that machine. The limit leaves that exchange out.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys

VHOST_USER_SET_MEM_TABLE = 5
VHOST_USER_SET_STATUS = 39
# The front-ends' guest memory is in 4 KiB pages (memfd, no huge pages); a key's MTT entries are
# 8 bytes, two per octword, the unit the emulator charges (COST_NS_PER_MKEY_OCTWORD).
GUEST_PAGE = 4096
MTT_PER_OCTWORD = 2


def command_costs(fw_core, prm_cmd):
    """Opcode -> (name, latency ns), from the emulator's command table and the opcode enum."""
    opcodes = {}
    with open(prm_cmd) as f:
        for m in re.finditer(r"PRM_CMD_(\w+)\s*=\s*(0x[0-9a-fA-F]+)", f.read()):
            opcodes[m.group(1)] = int(m.group(2), 16)
    costs = {}
    with open(fw_core) as f:
        text = f.read()
    for m in re.finditer(r"CMD\((\w+),[^;]*?,\s*(\d+)\),", text, re.S):
        name = m.group(1)
        if name in opcodes:
            costs[opcodes[name]] = (name, int(m.group(2)) * 1000)
    if not costs:
        sys.exit("no command costs found in " + fw_core)
    return costs


def mkey_octword_ns(fw_core):
    """The emulator's cost of one translation octword of CREATE_MKEY, from its source."""
    with open(fw_core) as f:
        m = re.search(r"#define COST_NS_PER_MKEY_OCTWORD (\d+)", f.read())
    if not m:
        sys.exit("no COST_NS_PER_MKEY_OCTWORD in " + fw_core)
    return int(m.group(1))


def key_chain_ms(costs, octword_ns, mem_gib, slots, virtqs, regions=1):
    """The firmware chain between a guest's memory table and its last virtq, whatever the
    driver: a key over all of guest memory (one command; one region only: a key translates one
    umem), or keys of chunks (a region each at least) splitting the translation entries over at
    most `slots` commands in flight and then the indirect key over them; then the virtqs created
    RDY, `slots` at a time at most (each names the key, so none starts before it). Queue
    resources (CQ, QPs) are not in it: a driver may create them before the connection."""
    by_name = {name: ns for name, ns in costs.values()}
    key = by_name["CREATE_MKEY"]
    translation = (mem_gib << 30) // GUEST_PAGE // MTT_PER_OCTWORD * octword_ns
    chunked = key + translation / slots + key
    keys = min(key + translation, chunked) if regions <= 1 else chunked
    return keys / 1e6 + virtq_rounds_ms(costs, slots, virtqs)


def virtq_rounds_ms(costs, slots, virtqs):
    """The virtqs' CREATEs, `slots` at a time."""
    by_name = {name: ns for name, ns in costs.values()}
    return -(-virtqs // slots) * by_name["CREATE_GENERAL_OBJECT"] / 1e6


def exchange_floor_ms(chain_ms, rounds_ms, until_mem_table_ms, until_driver_ok_ms):
    """The end of a bring-up that follows the key chain from the memory table on and creates its
    virtqs from DRIVER_OK on, with the front-end's and vhost's messages as they came."""
    return max(until_mem_table_ms + chain_ms, until_driver_ok_ms + rounds_ms)


def backend_killed(app_log):
    """Why a run has no emulator report, when bench_stop_backend (bench/lib.sh) had to kill the
    back-end: the report comes at exit."""
    return "; the back-end hung on exit and was killed (app.log)" \
        if "bench: the back-end had not exited" in app_log else ""


def parse_run(path):
    r = {"ok": False}
    app = open(os.path.join(path, "app.log"), errors="replace").read()
    fe = open(os.path.join(path, "fe.log"), errors="replace").read()
    rc_file = os.path.join(path, "fe.rc")
    r["frontend_rc"] = int(open(rc_file).read()) if os.path.exists(rc_file) else None
    m = re.search(r"conn_clock: accept fd=\d+ t_ns=(\d+) fw_executed=(\d+) fw_modelled_ns=(\d+)",
                  app)
    if not m:
        r["error"] = "no connection accepted (with the emulator's totals)"
        return r
    t0, before_cmds, before_ns = (int(g) for g in m.groups())
    timings = [dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", line))
               for line in re.findall(r"mlx5emu: mlx5_0: timing: (.*)", app)]
    timings = [t for t in timings if t.get("executed", 0) > 0]
    if not timings or timings[-1]["rdy_sets"] == 0:
        r["error"] = "no virtq set RDY (no emulator timing)" + backend_killed(app)
        return r
    t = timings[-1]
    t_rdy = t["last_rdy_monotonic_ns"]
    recvs = [(int(q), int(ts)) for q, ts in
             re.findall(r"conn_clock: recv fd=\d+ req=(\d+) t_ns=(\d+)", app)]
    drv_ok = [ts for q, ts in recvs if q == VHOST_USER_SET_STATUS and ts <= t_rdy]
    mem = [ts for q, ts in recvs if q == VHOST_USER_SET_MEM_TABLE and ts <= t_rdy]
    m = re.search(r"conn_clock: connect fd=\d+ t_ns=(\d+)", fe)
    cmds = re.findall(r"mlx5emu: mlx5_0: commands:(.*)", app)
    r.update({
        "ok": r["frontend_rc"] == 0,
        "bringup_ms": (t_rdy - t0) / 1e6,
        "until_driver_ok_ms": (drv_ok[-1] - t0) / 1e6 if drv_ok else None,
        "until_mem_table_ms": (mem[0] - t0) / 1e6 if mem else None,
        "configuration_ms": (t_rdy - drv_ok[-1]) / 1e6 if drv_ok else None,
        "connect_to_accept_ms": (t0 - int(m.group(1))) / 1e6 if m else None,
        "virtq_rdy_commands": t["rdy_sets"],
        "fw_commands": t["executed_at_last_rdy"] - before_cmds,
        "fw_modelled_ms": (t["modelled_ns_at_last_rdy"] - before_ns) / 1e6,
        "fw_commands_before_connection": before_cmds,
        "process_commands_at_exit": cmds[-1].split() if cmds else [],
    })
    return r


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec="8.1f"):
    return format(v, spec) if v is not None else format("-", spec.split(".")[0] + "s")


def ratio(a, b):
    return a / b if a is not None and b else None


def arg_parser():
    """The options every benchmark's parser takes (bringup.py, switchover.py)."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--slots", type=int, default=16)
    ap.add_argument("--costs-from", required=True)
    ap.add_argument("--opcodes-from", required=True)
    return ap


def provenance():
    """What was measured: the machine, Debian's DPDK, the tree the benchmark built (with
    uncommitted changes if any)."""
    def cmd(*argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""
    return {"machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                        "dpdk": cmd("dpkg-query", "-W", "-f=${Version}", "dpdk")},
            "commit": cmd("git", "rev-parse", "HEAD"),
            "uncommitted_changes": cmd("git", "status", "--porcelain", "--", "common",
                                       "drivers", "emu", "examples").splitlines()}


def main():
    ap = arg_parser()
    ap.add_argument("--gnuplot")
    a = ap.parse_args()
    costs = command_costs(a.costs_from, a.opcodes_from)
    octword_ns = mkey_octword_ns(a.costs_from)

    points = {}
    for d in sorted(os.listdir(a.runs)):
        m = re.fullmatch(r"([\w-]+)-(\w+)-(\w+)-(\d+)g-(\d+)r-(\d+)qp-(\d+)", d)
        if not m:
            continue
        fe, pmd, cost = m.group(1), m.group(2), m.group(3)
        mem, regions, qp, rep = (int(g) for g in m.groups()[3:])
        r = parse_run(os.path.join(a.runs, d))
        r["rep"] = rep
        if r["ok"] and r["virtq_rdy_commands"] < 2 * qp:
            r["ok"] = False
            r["error"] = "only %d of %d virtqs set RDY" % (r["virtq_rdy_commands"], 2 * qp)
        points.setdefault((fe, cost, mem, regions, qp, pmd), []).append(r)

    results = []
    for (fe, cost, mem, regions, qp, pmd), runs in sorted(points.items()):
        good = [r for r in runs if r["ok"]]
        med = {k: median([r[k] for r in good]) for k in
               ("bringup_ms", "until_mem_table_ms", "until_driver_ok_ms", "configuration_ms",
                "connect_to_accept_ms", "fw_commands", "fw_modelled_ms",
                "virtq_rdy_commands")} if good else {}
        if good and cost != "zero":
            chain = key_chain_ms(costs, octword_ns, mem, a.slots, 2 * qp, regions)
            rounds = virtq_rounds_ms(costs, a.slots, 2 * qp)
            med["key_chain_ms"] = chain
            med["limit_ms"] = max(med["fw_modelled_ms"] / a.slots, chain)
            med["exchange_floor_ms"] = median(
                [exchange_floor_ms(chain, rounds, r["until_mem_table_ms"],
                                   r["until_driver_ok_ms"]) for r in good
                 if r["until_mem_table_ms"] is not None and r["until_driver_ok_ms"] is not None])
        results.append({"frontend": fe, "pmd": pmd, "cost": cost, "mem_gib": mem,
                        "regions": regions, "queue_pairs": qp, "runs": runs,
                        "valid_runs": len(good), "median": med})

    def get(fe, cost, mem, regions, qp, pmd):
        for p in results:
            if (p["frontend"], p["cost"], p["mem_gib"], p["regions"], p["queue_pairs"],
                    p["pmd"]) == (fe, cost, mem, regions, qp, pmd):
                return p["median"]
        return {}

    hdr = ("front-end   cost        GiB reg   qp |  ours ms  dpdk ms ours/dpdk |  ours cfg  "
           "dpdk cfg | fw cmds ours dpdk | limit ms ours  dpdk | ours/lim dpdk/lim | floor "
           "ours/floor")
    print()
    print("Bring-up: front-end connection accepted -> every virtq RDY (median of runs, ms);")
    print("reg: the memory table's regions (-: the front-end's own); cfg: DRIVER_OK read by vhost")
    print("-> every virtq RDY; limit: bring-up firmware time at")
    chains = ["%.2f ms at %d GiB" % (key_chain_ms(costs, octword_ns, mem, a.slots, 1), mem)
              for mem in sorted({p["mem_gib"] for p in results})]
    print("%d slots, at least the chain memory keys -> indirect key -> virtqs (%s; a virtq CREATE"
          " more per further %d virtqs)" % (a.slots, ", ".join(chains), a.slots))
    print("floor: our limit, or later that chain from vhost reading the memory table and the"
          " virtqs' CREATEs from it")
    print("reading DRIVER_OK, as the messages came in DPDK's PMD's runs (it does nothing before"
          " DRIVER_OK): the least")
    print("our commands can take on this machine when the virtqs start at DRIVER_OK, with the"
          " vhost-user exchange")
    print(hdr)
    print("-" * len(hdr))
    keys = sorted({(p["frontend"], p["cost"], p["mem_gib"], p["regions"], p["queue_pairs"])
                   for p in results},
                  key=lambda k: (k[0] != "script", k[1] != "calibrated", k[3], k[2], k[4]))
    table = []
    for fe, cost, mem, regions, qp in keys:
        o, d = get(fe, cost, mem, regions, qp, "ours"), get(fe, cost, mem, regions, qp, "dpdk")
        row = {
            "frontend": fe, "cost": cost, "mem_gib": mem, "regions": regions, "queue_pairs": qp,
            "ours_ms": o.get("bringup_ms"), "dpdk_ms": d.get("bringup_ms"),
            "ours_over_dpdk": ratio(o.get("bringup_ms"), d.get("bringup_ms")),
            "ours_configuration_ms": o.get("configuration_ms"),
            "dpdk_configuration_ms": d.get("configuration_ms"),
            "ours_fw_commands": o.get("fw_commands"), "dpdk_fw_commands": d.get("fw_commands"),
            "ours_limit_ms": o.get("limit_ms"), "dpdk_limit_ms": d.get("limit_ms"),
            "ours_over_limit": ratio(o.get("bringup_ms"), o.get("limit_ms")),
            "dpdk_over_limit": ratio(d.get("bringup_ms"), d.get("limit_ms")),
            "ours_floor_ms": max(o["limit_ms"], d["exchange_floor_ms"])
            if o.get("limit_ms") is not None and d.get("exchange_floor_ms") is not None else None,
        }
        row["ours_over_floor"] = ratio(o.get("bringup_ms"), row["ours_floor_ms"])
        table.append(row)
        print("%-11s %-10s %4d %3s %4d | %s %s %s | %s %s | %s %s | %s %s | %s %s | %s %s" % (
            fe, cost, mem, regions or "-", qp, fmt(row["ours_ms"]), fmt(row["dpdk_ms"]),
            fmt(row["ours_over_dpdk"], "9.2f"),
            fmt(row["ours_configuration_ms"], "9.1f"), fmt(row["dpdk_configuration_ms"], "9.1f"),
            fmt(row["ours_fw_commands"], "12.0f"), fmt(row["dpdk_fw_commands"], "4.0f"),
            fmt(row["ours_limit_ms"], "13.1f"), fmt(row["dpdk_limit_ms"], "5.1f"),
            fmt(row["ours_over_limit"], "8.1f"), fmt(row["dpdk_over_limit"], "8.1f"),
            fmt(row["ours_floor_ms"], "5.1f"), fmt(row["ours_over_floor"], "10.2f")))
    bad = [(p["frontend"], p["pmd"], p["cost"], p["mem_gib"], p["regions"] or "-",
            p["queue_pairs"], r.get("rep"),
            r.get("error", "front-end exit status %s" % r.get("frontend_rc")))
           for p in results for r in p["runs"] if not r["ok"]]
    for b in bad:
        print("invalid run: %s %s %s %d GiB %s regions %d qp rep %s: %s" % b)

    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "results.json"), "w") as f:
        json.dump(dict(provenance(), slots=a.slots, mkey_octword_ns=octword_ns, table=table,
                       points=results), f, indent=1)
    print("wrote", os.path.join(a.out, "results.json"))
    if a.gnuplot:
        plot(a, table)


def plot(a, table):
    """The curves of one memory region (the charts of docs/performance.md)."""
    dat = os.path.join(a.out, "bringup.dat")
    rows = [r for r in table if r["cost"] == "calibrated" and r["frontend"] == "script" and
            r["regions"] == 1]
    mems = sorted({r["mem_gib"] for r in rows})
    with open(dat, "w") as f:
        for mem in mems:
            f.write("# %d GiB: qp ours dpdk limit_ours limit_dpdk\n" % mem)
            for r in rows:
                if r["mem_gib"] == mem:
                    f.write("%d %s %s %s %s\n" % tuple(
                        [r["queue_pairs"]] + ["NaN" if r[k] is None else "%.3f" % r[k] for k in
                                              ("ours_ms", "dpdk_ms", "ours_limit_ms",
                                               "dpdk_limit_ms")]))
            f.write("\n\n")
    svg = os.path.join(a.out, "bringup.svg")
    plots = []
    for i, mem in enumerate(mems):
        for col, title, style in ((2, "ours", "lp pt 7"), (3, "DPDK mlx5", "lp pt 5"),
                                  (4, "limit (ours)", "l dt 2"), (5, "limit (DPDK)", "l dt 3")):
            if not any(r["mem_gib"] == mem and r[("ours_ms", "dpdk_ms", "ours_limit_ms",
                                                  "dpdk_limit_ms")[col - 2]] is not None
                       for r in rows):
                continue
            plots.append("'%s' index %d using 1:%d with %s title '%s, %d GiB'" %
                         (dat, i, col, style, title, mem))
    if not plots:
        print("no chart: no calibrated, scripted point with one memory region in these runs")
        return
    script = "\n".join([
        "set terminal svg size 800,500 dynamic",
        "set output '%s'" % svg,
        "set title 'vDPA device bring-up on the emulated mlx5 (calibrated firmware cost)'",
        "set xlabel 'queue pairs'", "set ylabel 'connection to all virtqs RDY (ms)'",
        "set logscale xy", "set key top left", "set grid",
        "plot " + ", \\\n  ".join(plots), ""])
    subprocess.run([a.gnuplot], input=script, text=True, check=True)
    print("wrote", svg)


if __name__ == "__main__":
    main()
