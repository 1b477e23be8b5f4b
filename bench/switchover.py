#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Reads the runs of bench/switchover.sh and prints the switch-over tables; writes
switchover.json. Per run (a folder <variant>-<mem>g-<qp>qp-<rep>, e.g. ours-best-1g-4qp-1, with
app.log of the back-end and fe.log of the front-end), from the back-end's conn_clock lines (each
with the emulated firmware's totals then: commands executed, modelled ns) and the emulator's
timing line:

- source: from reading the first GET_VRING_BASE to sending the reply to the last one (there must
  be one per vring); its firmware work is the difference of the totals at those two moments.
  After the first reply (the PMD's dev_close) the rest is one round trip per remaining vring;
  the front-end's part of each, from the reply's sending to the next request's sending (the
  front-end's own conn_clock lines in fe.log, same clock), is summed apart; and, from the
  emulator's command trace, until the last queue stopped (the window issue #7 names): the last
  SUSPEND or QUERY of a virtq issued in the window done (queues_stopped_ns), without the
  replies' round trips after it;
- destination: from reading the first SET_VRING_BASE after that (the destination's connection)
  to the completion of the last command that set a virtq RDY; its firmware work is the totals
  at that completion minus those at the first SET_VRING_BASE;
- limits, under the cost model with `slots` commands in flight: the source must suspend and
  query every virtq (MODIFY then QUERY of each, the pair in sequence), so no driver stops sooner
  than max(virtqs x (MODIFY + QUERY) / slots, MODIFY + QUERY); the destination's limit is the
  PMD's own firmware time inside the window (from the command trace: each command's time in a
  slot, cut to the window) / slots, but no less than every virtq's CREATE, `slots` at a time
  (the rings come in the window), nor than the chain of guest memory's keys -> virtqs
  (bringup.key_chain_ms, their translation entries included) started at the memory table; without a trace, its firmware
  time of the commands that completed in the window / slots, but no less than that chain;
- the device's share of the downtime: the source until its last queue stopped plus the
  destination, per run (the guest runs on neither side from the first to the last); its limit
  the sum of both limits;
- the destination from its memory table (SET_MEM_TABLE read -> last RDY), which holds work a PMD
  may do before the window;
- where each window's time goes, from the emulator's command trace (cmds.0, bench/fw_timeline.py):
  the time with no firmware command in flight (software: the PMD, vhost, the front-end) and the
  mean number of the firmware's slots busy.
"""
import json
import os
import re
import sys

from bringup import (arg_parser, backend_killed, command_costs, fmt, key_chain_ms, median,
                     mkey_octword_ns, provenance, ratio, virtq_rounds_ms)
from fw_timeline import opcode_names, read_commands, window_profile

SET_MEM_TABLE, GET_VRING_BASE, SET_VRING_BASE, SET_STATUS = 5, 11, 10, 39
SOURCE_CHAIN = ("MODIFY_GENERAL_OBJECT", "QUERY_GENERAL_OBJECT")
VIRTQ_OBJ = 0xd		# PRM_OBJ_TYPE_VIRTIO_NET_Q
VARIANTS = ("ours-default", "ours-best", "dpdk-default", "dpdk-threads")
MSG = re.compile(r"conn_clock: (recv|send) fd=\d+ req=(\d+) t_ns=(\d+)"
                 r"(?: fw_executed=(\d+) fw_modelled_ns=(\d+))?")
FRONTEND_GET = re.compile(r"conn_clock: send fd=\d+ req=%d t_ns=(\d+)" % GET_VRING_BASE)


def parse_log(text):
    """The back-end's messages as (direction, request, t_ns, fw_executed, fw_modelled_ns) and
    its last timing line (dict) or None."""
    msgs = [(m.group(1), int(m.group(2)), int(m.group(3)),
             int(m.group(4)) if m.group(4) else None, int(m.group(5)) if m.group(5) else None)
            for m in MSG.finditer(text)]
    timings = [dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", line))
               for line in re.findall(r"mlx5emu: mlx5_0: timing: (.*)", text)]
    timings = [t for t in timings if t.get("executed", 0) > 0]
    return msgs, (timings[-1] if timings else None)


def frontend_gets(text):
    """The times the front-end sent its GET_VRING_BASEs, from its own log."""
    return [int(t) for t in FRONTEND_GET.findall(text)]


def frontend_part_ms(replies, fe_gets):
    """Of the round trips after the first reply, the front-end's part: each reply's sending to
    the next request's sending. None unless the front-end logged one request per reply and each
    lies between the two replies around it."""
    if len(fe_gets) != len(replies):
        return None
    parts = [fe_gets[i] - replies[i - 1][2] for i in range(1, len(replies))]
    if any(p < 0 or fe_gets[i] > replies[i][2] for i, p in enumerate(parts, 1)):
        return None
    return sum(parts) / 1e6


def measure(msgs, timing, qp, fe_gets=()):
    """The switch-over figures of one run, or {"error": ...}; fe_gets: frontend_gets()."""
    nvq = 2 * qp
    gets = [m for m in msgs if m[1] == GET_VRING_BASE]
    first_get = next((m for m in gets if m[0] == "recv"), None)
    replies = [m for m in gets if m[0] == "send"]
    if first_get is None or len(replies) != nvq:
        return {"error": "%d GET_VRING_BASE replies for %d vrings" % (len(replies), nvq)}
    last_reply = replies[-1]
    if first_get[3] is None or last_reply[3] is None:
        return {"error": "no firmware totals (emulator not loaded?)"}
    dest = next((m for m in msgs if m[0] == "recv" and m[1] == SET_VRING_BASE and
                 m[2] > last_reply[2]), None)
    if dest is None:
        return {"error": "no destination SET_VRING_BASE"}
    if timing is None or timing["rdy_sets"] < 2 * nvq or timing["last_rdy_monotonic_ns"] < dest[2]:
        return {"error": "the destination's virtqs did not all come up (%s RDY commands)" %
                (timing["rdy_sets"] if timing else "no")}
    t_rdy = timing["last_rdy_monotonic_ns"]
    drv_ok = [m[2] for m in msgs if m[0] == "recv" and m[1] == SET_STATUS and
              dest[2] <= m[2] <= t_rdy]
    mem_table = [m[2] for m in msgs if m[0] == "recv" and m[1] == SET_MEM_TABLE and
                 last_reply[2] < m[2] <= dest[2]]
    return {
        "source_window_ns": (first_get[2], last_reply[2]),
        "dest_window_ns": (dest[2], t_rdy),
        "source_ms": (last_reply[2] - first_get[2]) / 1e6,
        "source_first_reply_ms": (replies[0][2] - first_get[2]) / 1e6,
        "source_rest_ms": (last_reply[2] - replies[0][2]) / 1e6,
        "source_rest_frontend_ms": frontend_part_ms(replies, list(fe_gets)),
        "source_fw_commands": last_reply[3] - first_get[3],
        "source_fw_modelled_ms": (last_reply[4] - first_get[4]) / 1e6,
        "dest_ms": (t_rdy - dest[2]) / 1e6,
        "dest_from_driver_ok_ms": (t_rdy - drv_ok[-1]) / 1e6 if drv_ok else None,
        "dest_from_mem_table_ms": (t_rdy - mem_table[-1]) / 1e6 if mem_table else None,
        "dest_mem_table_lead_ms": (dest[2] - mem_table[-1]) / 1e6 if mem_table else None,
        "dest_fw_commands": timing["executed_at_last_rdy"] - dest[3],
        "dest_fw_modelled_ms": (timing["modelled_ns_at_last_rdy"] - dest[4]) / 1e6,
        "virtq_rdy_commands": timing["rdy_sets"],
    }


def queues_stopped_ns(cmds, start_ns, end_ns, names=None):
    """When the source's last virtq was stopped: the last SUSPEND or QUERY of a virtq issued in
    [start_ns, end_ns] (the source's window) done by end_ns. None without one. names:
    opcode_names(), when the caller has read them already."""
    by_name = {name: op for op, name in (names or opcode_names()).items()}
    ops = {by_name[n] for n in SOURCE_CHAIN}
    done = [c["done_ns"] for c in cmds if c["opcode"] in ops and c["obj_type"] == VIRTQ_OBJ
            and start_ns <= c["issued_ns"] and c["done_ns"] <= end_ns]
    return max(done) if done else None


def rx_ready_ns(cmds, start_ns, names=None):
    """When the last TIR created from start_ns on was done: a function's RX steering is ready then
    (its flow rules follow without a firmware command). None without one. names: opcode_names(),
    when the caller has read them already."""
    create_tir = {name: op for op, name in (names or opcode_names()).items()}["CREATE_TIR"]
    done = [c["done_ns"] for c in cmds if c["opcode"] == create_tir and c["issued_ns"] >= start_ns
            and c["status"] == 0]
    return max(done) if done else None


def parse_run(path, qp):
    r = {"ok": False}
    rc_file = os.path.join(path, "fe.rc")
    r["frontend_rc"] = int(open(rc_file).read()) if os.path.exists(rc_file) else None
    app = open(os.path.join(path, "app.log"), errors="replace").read()
    msgs, timing = parse_log(app)
    fe_log = os.path.join(path, "fe.log")
    fe_gets = frontend_gets(open(fe_log, errors="replace").read()) \
        if os.path.exists(fe_log) else []
    r.update(measure(msgs, timing, qp, fe_gets))
    if "error" in r:
        r["error"] += backend_killed(app)
    trace = os.path.join(path, "cmds.0")
    if "error" not in r and os.path.exists(trace):
        cmds, names = read_commands(trace), opcode_names()
        for side in ("source", "dest"):
            p = window_profile(cmds, *r[side + "_window_ns"], names=names)
            r[side + "_idle_ms"] = p["idle_ms"]
            r[side + "_mean_slots_busy"] = p["mean_slots_busy"]
            r[side + "_fw_in_window_ms"] = p["slot_busy_ms"]
        t_stop = queues_stopped_ns(cmds, *r["source_window_ns"], names=names)
        r["source_stopped_ms"] = (t_stop - r["source_window_ns"][0]) / 1e6 \
            if t_stop is not None else None
        start = r["dest_window_ns"][0]
        t_rx = rx_ready_ns(cmds, start, names)
        r["dest_rx_ready_ms"] = (t_rx - start) / 1e6 if t_rx is not None else None
    if "error" not in r:
        r["ok"] = r["frontend_rc"] == 0
        if not r["ok"]:
            r["error"] = "front-end exit status %s" % r["frontend_rc"]
    return r


def limits(costs, octword_ns, slots, qp, mem_gib):
    """(source limit ms, destination chain ms: bringup.key_chain_ms, destination virtq CREATEs
    ms: every virtq's, `slots` at a time) under the cost model."""
    by_name = {name: ns for name, ns in costs.values()}
    pair = sum(by_name[n] for n in SOURCE_CHAIN)
    return (max(2 * qp * pair / slots, pair) / 1e6,
            key_chain_ms(costs, octword_ns, mem_gib, slots, 2 * qp),
            virtq_rounds_ms(costs, slots, 2 * qp))


def summarize(points, costs, octword_ns, slots):
    """Medians per (variant, mem, qp), limits, and the rows of the two tables."""
    results = []
    for (variant, mem, qp), runs in sorted(points.items()):
        good = [r for r in runs if r["ok"]]
        med = {k: median([r[k] for r in good]) for k in
               ("source_ms", "source_stopped_ms", "source_first_reply_ms", "source_rest_ms",
                "source_rest_frontend_ms", "source_fw_commands", "source_fw_modelled_ms",
                "source_idle_ms", "source_mean_slots_busy", "dest_ms", "dest_from_driver_ok_ms",
                "dest_fw_commands", "dest_fw_modelled_ms", "dest_idle_ms", "dest_mean_slots_busy",
                "dest_fw_in_window_ms", "dest_from_mem_table_ms", "dest_mem_table_lead_ms",
                "dest_rx_ready_ms")
               if all(r.get(k) is not None for r in good)} if good else {}
        if good and all(r.get("source_stopped_ms") is not None for r in good):
            # Per run: a slow stop and a quick start of one migration are one downtime.
            med["downtime_ms"] = median([r["source_stopped_ms"] + r["dest_ms"] for r in good])
        src_limit, dest_chain, virtq_creates = limits(costs, octword_ns, slots, qp, mem)
        med["source_limit_ms"] = src_limit
        if med.get("dest_fw_in_window_ms") is not None and \
                med.get("dest_mem_table_lead_ms") is not None:
            # Work a PMD did before the window (keys built from the memory table on) is not in
            # it; no PMD creates a virtq before the window (its ring comes in it), nor ends the
            # chain key -> key -> virtqs sooner than that long after the memory table.
            med["dest_limit_ms"] = max(med["dest_fw_in_window_ms"] / slots, virtq_creates,
                                       dest_chain - med["dest_mem_table_lead_ms"])
        elif med.get("dest_fw_modelled_ms") is not None:
            med["dest_limit_ms"] = max(med["dest_fw_modelled_ms"] / slots, dest_chain)
        results.append({"variant": variant, "mem_gib": mem, "queue_pairs": qp, "runs": runs,
                        "valid_runs": len(good), "median": med})
    rows = []
    for mem, qp in sorted({(p["mem_gib"], p["queue_pairs"]) for p in results}):
        row = {"mem_gib": mem, "queue_pairs": qp}
        med = {p["variant"]: p["median"] for p in results
               if (p["mem_gib"], p["queue_pairs"]) == (mem, qp)}
        for side in ("source", "dest"):
            for v in VARIANTS:
                row["%s_%s_ms" % (side, v)] = med.get(v, {}).get(side + "_ms")
                row["%s_%s_fw_commands" % (side, v)] = med.get(v, {}).get(side + "_fw_commands")
            best = row["%s_ours-best_ms" % side]
            row["%s_ours-default_over_dpdk-default" % side] = ratio(
                row["%s_ours-default_ms" % side], row["%s_dpdk-default_ms" % side])
            for v in ("dpdk-default", "dpdk-threads"):
                row["%s_ours-best_over_%s" % (side, v)] = ratio(best, row["%s_%s_ms" % (side, v)])
            lim = med.get("ours-best", {}).get(side + "_limit_ms")
            row[side + "_ours-best_limit_ms"] = lim
            row[side + "_ours-best_over_limit"] = ratio(best, lim)
            for v in VARIANTS:
                for k in ("idle_ms", "mean_slots_busy", "from_mem_table_ms",
                          "from_driver_ok_ms", "rx_ready_ms", "stopped_ms"):
                    row["%s_%s_%s" % (side, v, k)] = med.get(v, {}).get("%s_%s" % (side, k))
        stopped = row["source_ours-best_stopped_ms"]
        row["source_ours-best_stopped_over_limit"] = ratio(
            stopped, med.get("ours-best", {}).get("source_limit_ms"))
        row["source_ours-best_stopped_over_dpdk-threads"] = ratio(
            stopped, row["source_dpdk-threads_stopped_ms"])
        for v in VARIANTS:
            row["downtime_%s_ms" % v] = med.get(v, {}).get("downtime_ms")
        best = row["downtime_ours-best_ms"]
        for v in ("dpdk-default", "dpdk-threads"):
            row["downtime_ours-best_over_%s" % v] = ratio(best, row["downtime_%s_ms" % v])
        lims = (row["source_ours-best_limit_ms"], row["dest_ours-best_limit_ms"])
        row["downtime_ours-best_limit_ms"] = sum(lims) if None not in lims else None
        row["downtime_ours-best_over_limit"] = ratio(best, row["downtime_ours-best_limit_ms"])
        rows.append(row)
    return results, rows


def print_table(side, title, rows):
    print()
    print(title)
    hdr = ("GiB   qp | ours def  ours best  dpdk def  dpdk thr | def/dpdk def  best/dpdk def  "
           "best/dpdk thr | limit best/limit | fw cmds: def best dpdk def thr")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        def g(k, spec):
            return fmt(r["%s_%s" % (side, k)], spec)
        print("%3d %4d | %s %s %s %s | %s %s %s | %s %s | %s %s %s %s" % (
            r["mem_gib"], r["queue_pairs"], g("ours-default_ms", "8.1f"),
            g("ours-best_ms", "10.1f"), g("dpdk-default_ms", "9.1f"),
            g("dpdk-threads_ms", "9.1f"), g("ours-default_over_dpdk-default", "12.2f"),
            g("ours-best_over_dpdk-default", "14.2f"), g("ours-best_over_dpdk-threads", "14.2f"),
            g("ours-best_limit_ms", "5.1f"), g("ours-best_over_limit", "10.2f"),
            g("ours-default_fw_commands", "13.0f"), g("ours-best_fw_commands", "4.0f"),
            g("dpdk-default_fw_commands", "8.0f"), g("dpdk-threads_fw_commands", "3.0f")))


def print_breakdown(rows):
    print()
    print("Where the time goes (median ms of the window / of it with no firmware command in "
          "flight; mean firmware slots busy), from the emulator's command trace; destination "
          "(from its SET_MEM_TABLE read)")
    hdr = "side   GiB   qp | " + " | ".join("%-22s" % v for v in VARIANTS)
    print(hdr)
    print("-" * len(hdr))
    for side in ("source", "dest"):
        for r in rows:
            cells = []
            for v in VARIANTS:
                w, idle, busy = (r.get("%s_%s_%s" % (side, v, k))
                                 for k in ("ms", "idle_ms", "mean_slots_busy"))
                cells.append("%-22s" % ("-" if None in (w, idle, busy) else
                                        "%.1f / %.1f; %.1f" % (w, idle, busy)))
            if side == "dest":
                cells = [c.rstrip() + (" (%.1f)" % m if m is not None else "")
                         for c, m in zip(cells, (r.get("dest_%s_from_mem_table_ms" % v)
                                                 for v in VARIANTS))]
                cells = ["%-22s" % c for c in cells]
            print("%-6s %3d %4d | %s" % (side, r["mem_gib"], r["queue_pairs"], " | ".join(cells)))


def print_per_variant(rows, title, key, ratios=()):
    """One figure per point and variant (row key `key` % variant, median ms), then the
    ratios: (header, row key) each."""
    print()
    print(title)
    print("GiB   qp | " + " | ".join("%-13s" % v for v in VARIANTS) +
          "".join(" | %s" % h for h, _ in ratios))
    for r in rows:
        print("%3d %4d | %s%s" % (r["mem_gib"], r["queue_pairs"], " | ".join(
            "%-13s" % fmt(r.get(key % v), ".1f") for v in VARIANTS),
            "".join(" | %*s" % (len(h), fmt(r.get(k), ".2f")) for h, k in ratios)))


def print_source_split(results):
    """Per point and variant: the first reply, the rest, and the front-end's part of the rest."""
    print()
    print("Source split (median ms): first reply (dev_close) / the remaining round trips / "
          "the front-end's part of them")
    cells = {}
    for p in results:
        m = p["median"]
        cells[(p["mem_gib"], p["queue_pairs"], p["variant"])] = " / ".join(
            fmt(m.get(k), ".2f") for k in
            ("source_first_reply_ms", "source_rest_ms", "source_rest_frontend_ms"))
    print("GiB   qp | " + " | ".join("%-22s" % v for v in VARIANTS))
    for mem, qp in sorted({(p["mem_gib"], p["queue_pairs"]) for p in results}):
        print("%3d %4d | %s" % (mem, qp, " | ".join(
            "%-22s" % cells.get((mem, qp, v), "-") for v in VARIANTS)))


def main():
    ap = arg_parser()
    ap.add_argument("--devargs", action="append", default=[])
    ap.add_argument("--load-before", default="")
    ap.add_argument("--load-after", default="")
    a = ap.parse_args()
    costs = command_costs(a.costs_from, a.opcodes_from)

    points = {}
    for d in sorted(os.listdir(a.runs)):
        m = re.fullmatch(r"(\w+-\w+)-(\d+)g-(\d+)qp-(\d+)", d)
        if not m or m.group(1) not in VARIANTS:
            continue
        qp = int(m.group(3))
        r = parse_run(os.path.join(a.runs, d), qp)
        r["rep"] = int(m.group(4))
        points.setdefault((m.group(1), int(m.group(2)), qp), []).append(r)
    if not points:
        sys.exit("no runs in " + a.runs)
    octword_ns = mkey_octword_ns(a.costs_from)
    results, rows = summarize(points, costs, octword_ns, a.slots)

    print("\nLoad average before / after: %s / %s" % (a.load_before, a.load_after))
    print("Variants: ours/dpdk default devargs; best = %s" % ", ".join(a.devargs))
    print_table("source", "Source: first GET_VRING_BASE read -> reply to the last one sent "
                "(median ms); limit: suspend + query of every virtq at %d slots" % a.slots, rows)
    print_table("dest", "Destination: first SET_VRING_BASE read -> last virtq RDY (median ms); "
                "limit: own firmware time in it / %d slots, at least every virtq's CREATE and "
                "memory keys -> virtqs from the memory table" % a.slots,
                rows)
    print_per_variant(rows, "Source: first GET_VRING_BASE read -> last virtq SUSPEND or QUERY "
                      "done (median ms; the replies after it are not in it)",
                      "source_%s_stopped_ms",
                      (("best/limit", "source_ours-best_stopped_over_limit"),
                       ("best/dpdk thr", "source_ours-best_stopped_over_dpdk-threads")))
    # Issue 7's switch-over time: the guest runs on neither side from the stop to the start.
    print_per_variant(rows, "Switch-over, the device's share of the downtime: source to its last "
                      "queue stopped + destination to its last virtq RDY (median ms of the runs' "
                      "sums); limit: both limits", "downtime_%s_ms",
                      (("best/dpdk def", "downtime_ours-best_over_dpdk-default"),
                       ("best/dpdk thr", "downtime_ours-best_over_dpdk-threads"),
                       ("limit", "downtime_ours-best_limit_ms"),
                       ("best/limit", "downtime_ours-best_over_limit")))
    print_source_split(results)
    print_breakdown(rows)
    # dev_conf's share, which the PMD alone decides; before it vhost handles the vring messages
    # (and a PMD works meanwhile).
    print_per_variant(rows, "Destination from DRIVER_OK read (median ms): dev_conf's share of the "
                      "window; before it vhost handles the vring messages",
                      "dest_%s_from_driver_ok_ms")
    # A guest receives nothing from the wire before its RX steering is ready, RDY virtqs or not.
    print_per_variant(rows, "Destination until RX steering ready (median ms): first "
                      "SET_VRING_BASE read -> last TIR created (the flow rules need no command)",
                      "dest_%s_rx_ready_ms")
    for p in results:
        for r in p["runs"]:
            if not r["ok"]:
                print("invalid run: %s %d GiB %d qp rep %s: %s" % (
                    p["variant"], p["mem_gib"], p["queue_pairs"], r["rep"], r.get("error")))

    os.makedirs(a.out, exist_ok=True)
    path = os.path.join(a.out, "switchover.json")
    info = provenance()
    info["machine"].update(load_before=a.load_before, load_after=a.load_after)
    with open(path, "w") as f:
        json.dump(dict(info, slots=a.slots, devargs=a.devargs, source_chain=SOURCE_CHAIN,
                       mkey_octword_ns=octword_ns, table=rows, points=results), f, indent=1)
    print("wrote", path)


if __name__ == "__main__":
    main()
