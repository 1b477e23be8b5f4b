#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The relay benchmark's reader (bench/relay.py) on made-up runs: kicks matched to the first
doorbell written after them, with trapped doorbells taken as written the trap's delay before
their stamp (a kick between a write and its stamp waits for the next write), polled ones as
stamped; completions matched to callfd wake-ups; the trap's share of the window; both eventfd
references. Usage: test_bench_relay.py <bench dir>"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, sys.argv[1])
import relay  # noqa: E402

US = 1000
TMP = tempfile.TemporaryDirectory(prefix="bench-relay-")


def new_dir():
    return tempfile.mkdtemp(dir=TMP.name)


def write(path, recs):
    with open(path, "wb") as f:
        for t, arg, kind in recs:
            f.write(relay.REC.pack(t, arg, kind, 0))


def cpu_file(path, start, end):
    with open(path, "w") as f:
        f.write("start %d 100 0 0 mvdpa-ev-0\n" % start)
        f.write("end %d 100 0 %d mvdpa-ev-0\n" % (end, 100_000_000))


class Kicks(unittest.TestCase):
    def run_dir(self, trace, kicks):
        d = new_dir()
        write(d + "/trace.0", trace)
        write(d + "/kick-10.bin", [(0, 0, relay.START)] + [(t, 0, relay.KICK) for t in kicks] +
              [(1_000_000_000, 0, relay.END)])
        cpu_file(d + "/kick-10.cpu", 0, 1_000_000_000)
        return d, sorted(trace)

    def test_a_trapped_doorbell_counts_from_its_write_not_its_stamp(self):
        delay, cost = 10 * US, 12 * US
        # Writes at 105 us and 305 us, stamped 10 us later; kicks at 100, 110 and 300 us.
        trace = [(1, delay, relay.TRAP_DELAY), (2, cost, relay.TRAP_COST),
                 (115 * US, 3, relay.DOORBELL_TRAPPED), (315 * US, 3, relay.DOORBELL_TRAPPED)]
        d, t = self.run_dir(trace, [100 * US, 110 * US, 300 * US])
        m = relay.measurement(d, "kick", 10, t)
        k = m["kick_to_doorbell"]
        # 100 -> 105 (5 us); 110 came after the write at 105: -> 305 (195 us); 300 -> 305.
        self.assertEqual(k["n"], 3)
        self.assertAlmostEqual(k["p50_us"], 5.0)
        self.assertAlmostEqual(k["p99_us"], 195.0)
        self.assertAlmostEqual(m["kick_to_doorbell_stamp"]["p50_us"], 15.0)
        self.assertAlmostEqual(m["doorbells_per_s"], 2.0)
        self.assertAlmostEqual(m["trapped_pct"], 100 * 2 * cost / 1e9)

    def test_a_polled_doorbell_counts_from_its_stamp(self):
        trace = [(150 * US, 0, relay.DOORBELL)]
        d, t = self.run_dir(trace, [100 * US, 200 * US])
        m = relay.measurement(d, "kick", 10, t)
        self.assertEqual(m["kick_to_doorbell"]["n"], 1)
        self.assertEqual(m["kick_to_doorbell"]["unmatched"], 1)
        self.assertAlmostEqual(m["kick_to_doorbell"]["p50_us"], 50.0)
        self.assertNotIn("trapped_pct", m)
        self.assertIsNone(relay.trap_calibration(t))


class Completions(unittest.TestCase):
    def test_each_cqe_to_the_next_callfd_wake_up(self):
        d = new_dir()
        write(d + "/trace.0", [(110 * US, 7, relay.CQE), (130 * US, 7, relay.CQE)])
        write(d + "/complete-10.bin", [(0, 0, relay.START), (100 * US, 0, relay.POST),
                                       (140 * US, 0, relay.CALL),
                                       (1_000_000_000, 0, relay.END)])
        cpu_file(d + "/complete-10.cpu", 0, 1_000_000_000)
        m = relay.measurement(d, "complete", 10, sorted(relay.records(d + "/trace.0")))
        self.assertEqual(m["cqe_to_callfd"]["n"], 2)
        self.assertAlmostEqual(m["cqe_to_callfd"]["p99_us"], 30.0)
        self.assertAlmostEqual(m["post_to_cqe_engine"]["p50_us"], 10.0)
        self.assertAlmostEqual(m["cpu"]["pmd_cpu_pct"], 10.0)


class Main(unittest.TestCase):
    def test_both_eventfd_references_and_the_trap_calibration_reach_the_json(self):
        d, out = new_dir(), new_dir()
        with open(d + "/uptime", "w") as f:
            f.write("load average: 0.1\n")
        write(d + "/eventfd.bin", [(i, 8 * US, relay.ROUND_TRIP) for i in range(10)])
        write(d + "/eventfd-across.bin", [(i, 20 * US, relay.ROUND_TRIP) for i in range(10)])
        run = d + "/ours-mode2"
        os.mkdir(run)
        write(run + "/trace.0", [(1, 10 * US, relay.TRAP_DELAY), (2, 12 * US, relay.TRAP_COST)])
        sys.argv = ["relay.py", "--dir", d, "--out", out]
        relay.main()
        with open(out + "/relay.json") as f:
            res = json.load(f)
        self.assertAlmostEqual(res["eventfd_round_trip"]["p99_us"], 8.0)
        self.assertAlmostEqual(res["eventfd_round_trip_across"]["p99_us"], 20.0)
        self.assertEqual(res["runs"]["ours-mode2"]["doorbells"], "trap")
        self.assertAlmostEqual(res["runs"]["ours-mode2"]["trap_delay_us"], 10.0)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
