#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The switch-over benchmark's parser (bench/switchover.py) on a made-up back-end log: the source
and destination windows, their firmware work, the front-end's part of the source's round trips
(from a made-up front-end log), invalid runs, and the limits from the emulator's real command
table; the device's share of the downtime (both windows per run, against both limits); the
command trace's reader and window profile (bench/fw_timeline.py) and the RX steering's readiness
on a made-up trace.
Usage: test_bench_switchover.py <bench dir> <emu/fw/fw_core.c> <common/mlx5/prm_cmd.h>"""
import os
import struct
import sys
import tempfile
import unittest

sys.path.insert(0, sys.argv[1])
import fw_timeline  # noqa: E402
import switchover  # noqa: E402

COSTS = switchover.command_costs(sys.argv[2], sys.argv[3])
OCTWORD_NS = switchover.mkey_octword_ns(sys.argv[2])


def line(direction, req, t, executed, modelled):
    return ("conn_clock: %s fd=24 req=%d t_ns=%d fw_executed=%d fw_modelled_ns=%d\n" %
            (direction, req, t, executed, modelled))


def log(qp, replies=None, rdy_sets=None, t_rdy=9_000_000):
    """Bring-up, then the source's GET_VRING_BASEs from t=1 ms, the destination from t=5 ms."""
    text = line("recv", 5, 0, 10, 1_000_000)
    text += line("recv", 11, 1_000_000, 100, 50_000_000)
    n = 2 * qp if replies is None else replies
    for i in range(n):
        text += line("send", 11, 3_000_000 + i * 1000, 120, 60_000_000)
        if i + 1 < n:
            text += line("recv", 11, 3_000_500 + i * 1000, 120, 60_000_000)
    text += line("recv", 5, 4_500_000, 125, 60_500_000)
    text += line("recv", 10, 5_000_000, 130, 61_000_000)
    text += line("recv", 39, 7_000_000, 131, 61_500_000)
    text += ("mlx5emu: mlx5_0: timing: executed=200 modelled_ns=99000000 rdy_sets=%d "
             "last_rdy_monotonic_ns=%d executed_at_last_rdy=150 modelled_ns_at_last_rdy=70000000\n"
             % (4 * qp if rdy_sets is None else rdy_sets, t_rdy))
    return switchover.parse_log(text)


def frontend_log(qp, sends=None, late=False):
    """The front-end's GET_VRING_BASEs: the first at 0.9 ms, then each 200 ns after the reply
    before it (the back-end reads it 300 ns later); late: the last one after its own reply."""
    n = 2 * qp if sends is None else sends
    text = "conn_clock: connect fd=3 t_ns=1\n"
    for i in range(n):
        t = 900_000 if i == 0 else 3_000_000 + (i - 1) * 1000 + 200
        if late and i == n - 1:
            t += 1000
        text += "conn_clock: send fd=3 req=11 t_ns=%d\n" % t
    return switchover.frontend_gets(text)


class Measure(unittest.TestCase):
    def test_windows(self):
        msgs, timing = log(4)
        r = switchover.measure(msgs, timing, 4)
        self.assertNotIn("error", r)
        self.assertAlmostEqual(r["source_ms"], 2.007)     # 1 ms -> last of 8 replies
        self.assertAlmostEqual(r["source_first_reply_ms"], 2.0)
        self.assertAlmostEqual(r["source_rest_ms"], 0.007)  # 7 more round trips of 1 us
        self.assertIsNone(r["source_rest_frontend_ms"])      # no front-end log given
        self.assertEqual(r["source_fw_commands"], 20)
        self.assertAlmostEqual(r["source_fw_modelled_ms"], 10.0)
        self.assertAlmostEqual(r["dest_ms"], 4.0)          # 5 ms -> RDY at 9 ms
        self.assertAlmostEqual(r["dest_from_driver_ok_ms"], 2.0)
        self.assertAlmostEqual(r["dest_from_mem_table_ms"], 4.5)  # its SET_MEM_TABLE at 4.5 ms
        self.assertAlmostEqual(r["dest_mem_table_lead_ms"], 0.5)
        self.assertEqual(r["dest_fw_commands"], 20)
        self.assertAlmostEqual(r["dest_fw_modelled_ms"], 9.0)

    def test_frontend_part(self):
        msgs, timing = log(4)
        r = switchover.measure(msgs, timing, 4, frontend_log(4))
        self.assertAlmostEqual(r["source_rest_frontend_ms"], 0.0014)  # 7 x 200 ns
        # Not one request per reply, or one sent after its own reply: not the front-end's part.
        self.assertIsNone(switchover.measure(msgs, timing, 4, frontend_log(4, sends=7))
                          ["source_rest_frontend_ms"])
        self.assertIsNone(switchover.measure(msgs, timing, 4, frontend_log(4, late=True))
                          ["source_rest_frontend_ms"])

    def test_invalid(self):
        self.assertIn("error", switchover.measure(*log(4, replies=7), 4))
        self.assertIn("error", switchover.measure(*log(4, rdy_sets=15), 4))
        self.assertIn("error", switchover.measure(*log(4, t_rdy=4_000_000), 4))
        msgs, timing = switchover.parse_log("conn_clock: recv fd=3 req=11 t_ns=5\n")
        self.assertIn("error", switchover.measure(msgs, timing, 1))


class Limits(unittest.TestCase):
    def test_from_the_command_table(self):
        # MODIFY and QUERY of a virtq, 1.1 ms each; keys 0.5 ms + 50 ns per octword of
        # translation entries (1 GiB of 4 KiB pages: 131072), virtq CREATE 1.0 ms.
        self.assertEqual(OCTWORD_NS, 50)
        src, dest, creates = switchover.limits(COSTS, OCTWORD_NS, 16, 1, 1)
        self.assertAlmostEqual(src, 2.2)
        self.assertAlmostEqual(dest, 0.5 + 131072 * 50e-6 / 16 + 0.5 + 1.0)  # 2.41: 16 chunks
        self.assertAlmostEqual(creates, 1.0)
        self.assertEqual(switchover.limits(COSTS, OCTWORD_NS, 16, 4, 1), (src, dest, creates))
        src, dest, creates = switchover.limits(COSTS, OCTWORD_NS, 16, 16, 16)
        self.assertAlmostEqual(src, 4.4)                   # 64 commands over 16 slots
        # 32 virtqs: two rounds of CREATE after the keys
        self.assertAlmostEqual(dest, 0.5 + 16 * 131072 * 50e-6 / 16 + 0.5 + 2 * 1.0)
        self.assertAlmostEqual(creates, 2.0)
        src, dest, creates = switchover.limits(COSTS, OCTWORD_NS, 1, 4, 1)
        self.assertAlmostEqual(src, 17.6)                  # one slot: all in series
        self.assertAlmostEqual(dest, 0.5 + 131072 * 50e-6 + 8 * 1.0)  # one key, no indirect one
        self.assertAlmostEqual(creates, 8.0)


class Downtime(unittest.TestCase):
    def test_sum_per_run(self):
        # Ours: three migrations (source stopped, destination up): the median of the sums, 5.0,
        # not the sum of the medians (2.2 + 3.0); DPDK's with workers: one of 18 ms.
        def run(stopped, dest, lead=0.3):
            return {"ok": True, "source_stopped_ms": stopped, "dest_ms": dest,
                    "dest_fw_in_window_ms": 3.0, "dest_mem_table_lead_ms": lead}
        points = {("ours-best", 1, 1): [run(2.0, 3.0), run(2.2, 3.4), run(3.0, 2.0)],
                  ("dpdk-threads", 1, 1): [run(8.0, 10.0)]}
        _, rows = switchover.summarize(points, COSTS, OCTWORD_NS, 16)
        row = rows[0]
        self.assertAlmostEqual(row["downtime_ours-best_ms"], 5.0)
        self.assertAlmostEqual(row["downtime_dpdk-threads_ms"], 18.0)
        self.assertAlmostEqual(row["downtime_ours-best_over_dpdk-threads"], 5.0 / 18.0)
        self.assertIsNone(row["downtime_ours-default_ms"])
        # Both limits: suspend + query 2.2 ms; the key chain (2.41 ms) less the memory table's
        # 0.3 ms lead on the destination's window.
        limit = 2.2 + (0.5 + 131072 * 50e-6 / 16 + 0.5 + 1.0) - 0.3
        self.assertAlmostEqual(row["downtime_ours-best_limit_ms"], limit)
        self.assertAlmostEqual(row["downtime_ours-best_over_limit"], 5.0 / limit)


def traced(cmds):
    """(issued, wait, done, opcode, status) in ns written as a command trace file
    (emu/fw/fw_trace.h records) and read back with fw_timeline.read_commands."""
    rec = struct.Struct("<QIHH")
    f = tempfile.NamedTemporaryFile(delete=False)
    f.write(rec.pack(1, 7, 1, 0))              # a doorbell record: not a command
    for issued, wait, done, opcode, status in cmds:
        f.write(rec.pack(done, opcode | 0xd << 16, fw_timeline.CMD, 0))
        f.write(rec.pack(issued, status << 24 | wait // 1000, fw_timeline.CMD_ISSUED, 0))
    f.close()
    try:
        return fw_timeline.read_commands(f.name)
    finally:
        os.unlink(f.name)


class Timeline(unittest.TestCase):
    def test_window_profile(self):
        # Two MODIFYs in parallel (the second waited 0.5 ms for a slot), a gap, a failed QUERY.
        cmds = traced([(1_000_000, 0, 2_000_000, 0xa01, 0),
                       (1_000_000, 500_000, 2_500_000, 0xa01, 0),
                       (4_000_000, 0, 5_000_000, 0xa02, 3)])
        self.assertEqual(len(cmds), 3)
        self.assertEqual(cmds[1]["wait_ns"], 500_000)
        self.assertEqual(cmds[2]["obj_type"], 0xd)
        p = fw_timeline.window_profile(cmds, 0, 6_000_000)
        self.assertEqual(p["per_opcode"], {"MODIFY_GENERAL_OBJECT": 2,
                                           "QUERY_GENERAL_OBJECT": 1})
        self.assertAlmostEqual(p["idle_ms"], 3.5)          # 0-1, 2.5-4, 5-6 ms
        self.assertAlmostEqual(p["slot_busy_ms"], 3.0)     # 1 + 1 + 1 ms in a slot
        self.assertAlmostEqual(p["mean_slots_busy"], 0.5)
        self.assertAlmostEqual(p["slot_wait_ms"], 0.5)
        self.assertEqual(p["failed"], 1)
        # A window cutting commands counts only what lies inside; issued before: not counted.
        p = fw_timeline.window_profile(cmds, 1_500_000, 4_500_000)
        self.assertEqual(p["commands"], 1)
        self.assertAlmostEqual(p["idle_ms"], 1.5)          # 2.5-4 ms
        self.assertAlmostEqual(p["slot_busy_ms"], 2.0)     # 0.5 + 1.0 + 0.5 ms

    def test_rx_ready(self):
        # Two TIRs of the window (the later one done at 7 ms), a failed one, one before it.
        cmds = traced([(500_000, 0, 900_000, 0x900, 0),
                       (5_000_000, 0, 6_000_000, 0x900, 0),
                       (5_100_000, 0, 7_000_000, 0x900, 0),
                       (5_200_000, 0, 8_000_000, 0x900, 3),
                       (5_300_000, 0, 9_000_000, 0xa00, 0)])
        self.assertEqual(switchover.rx_ready_ns(cmds, 1_000_000), 7_000_000)
        self.assertIsNone(switchover.rx_ready_ns(cmds, 5_400_000))

    def test_queues_stopped(self):
        # The source's window is 1-5 ms: a SUSPEND and two QUERYs in it (the last done at 3.5),
        # a SUSPEND issued before it, a QUERY done after it, a TIR (not a queue's stop).
        cmds = traced([(500_000, 0, 1_500_000, 0xa01, 0),
                       (1_000_000, 0, 2_000_000, 0xa01, 0),
                       (2_000_000, 0, 3_000_000, 0xa02, 0),
                       (2_100_000, 0, 3_500_000, 0xa02, 0),
                       (2_200_000, 0, 4_000_000, 0x900, 0),
                       (3_600_000, 0, 6_000_000, 0xa02, 0)])
        self.assertEqual(switchover.queues_stopped_ns(cmds, 1_000_000, 5_000_000), 3_500_000)
        self.assertIsNone(switchover.queues_stopped_ns(cmds, 3_700_000, 5_000_000))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
