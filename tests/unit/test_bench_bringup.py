#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""The bring-up benchmark's reader (bench/bringup.py) on a made-up run: the window from the
accept to the last RDY, DRIVER_OK's share, the firmware work net of what ran before the
connection (the accept record's totals), invalid runs, the key chain of the limit from the
emulator's real command table, the floor the vhost-user exchange sets, the table's points
apart by the memory table's regions, and no chart when no point is for it.
Usage: test_bench_bringup.py <bench dir> <emu/fw/fw_core.c> <common/mlx5/prm_cmd.h>"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, sys.argv[1])
import bringup  # noqa: E402

COSTS = bringup.command_costs(sys.argv[2], sys.argv[3])
OCTWORD_NS = bringup.mkey_octword_ns(sys.argv[2])

APP = ("EAL: Detected CPU lcores: 2\n"
       "mlx5emu: mlx5_0: timing: executed=95 modelled_ns=60000000 rdy_sets=2 "
       "last_rdy_monotonic_ns=6000000 executed_at_last_rdy=44 modelled_ns_at_last_rdy=28500000\n"
       "conn_clock: accept fd=24 t_ns=1000000 fw_executed=7 fw_modelled_ns=1500000\n"
       "conn_clock: recv fd=24 req=5 t_ns=1300000 fw_executed=7 fw_modelled_ns=1500000\n"
       "conn_clock: recv fd=24 req=39 t_ns=2000000 fw_executed=20 fw_modelled_ns=9000000\n")
FE = "conn_clock: connect fd=4 t_ns=900000\n"


def write_run(d, app=APP, fe=FE, rc=0):
    """Fills folder d as bench/bringup.sh leaves a run's."""
    for name, text in (("app.log", app), ("fe.log", fe), ("fe.rc", str(rc))):
        with open(os.path.join(d, name), "w") as f:
            f.write(text)


def run(test, app=APP, fe=FE, rc=0):
    """A run's folder, removed after the test; its path."""
    d = tempfile.mkdtemp()
    test.addCleanup(shutil.rmtree, d)
    write_run(d, app, fe, rc)
    return d


class Reader(unittest.TestCase):
    def test_window(self):
        # The records come at exit, after the emulator's report: lines, not order, count.
        r = bringup.parse_run(run(self))
        self.assertTrue(r["ok"])
        self.assertAlmostEqual(r["bringup_ms"], 5.0)          # accept 1 ms -> last RDY 6 ms
        self.assertAlmostEqual(r["until_driver_ok_ms"], 1.0)
        self.assertAlmostEqual(r["until_mem_table_ms"], 0.3)
        self.assertAlmostEqual(r["configuration_ms"], 4.0)
        self.assertAlmostEqual(r["connect_to_accept_ms"], 0.1)
        self.assertEqual(r["virtq_rdy_commands"], 2)
        # Net of the probe's 7 commands and 1.5 ms, from the accept record.
        self.assertEqual(r["fw_commands"], 37)
        self.assertAlmostEqual(r["fw_modelled_ms"], 27.0)
        self.assertEqual(r["fw_commands_before_connection"], 7)

    def test_invalid(self):
        self.assertFalse(bringup.parse_run(run(self, rc=124))["ok"])
        # An accept without the emulator's totals cannot be told from the probe's work.
        old = APP.replace(" fw_executed=7 fw_modelled_ns=1500000\nconn_clock: recv fd=24 req=5",
                          "\nconn_clock: recv fd=24 req=5")
        self.assertIn("error", bringup.parse_run(run(self, app=old)))
        none_rdy = APP.replace("rdy_sets=2", "rdy_sets=0")
        self.assertIn("error", bringup.parse_run(run(self, app=none_rdy)))
        # A back-end that bench_stop_backend had to kill left no report: the error says why.
        killed = "".join(line for line in APP.splitlines(True) if "timing:" not in line) + \
            "bench: the back-end had not exited 10 s after SIGTERM: killed\n"
        r = bringup.parse_run(run(self, app=killed))
        self.assertFalse(r["ok"])
        self.assertIn("hung on exit and was killed", r["error"])
        self.assertNotIn("killed", bringup.parse_run(run(self, app=none_rdy))["error"])


class Limit(unittest.TestCase):
    def test_key_chain(self):
        # Keys 0.5 ms + 50 ns per octword (1 GiB of 4 KiB pages: 131072), virtq CREATE 1.0 ms.
        self.assertEqual(OCTWORD_NS, 50)
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 16, 2),
                               0.5 + 131072 * 50e-6 / 16 + 0.5 + 1.0)   # 2.41: 16 chunks
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 16, 16, 16),
                               0.5 + 16 * 131072 * 50e-6 / 16 + 0.5 + 1.0)
        # 17 to 32 virtqs: a second round of CREATE after the keys.
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 16, 17),
                               0.5 + 131072 * 50e-6 / 16 + 0.5 + 2 * 1.0)
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 16, 32),
                               0.5 + 131072 * 50e-6 / 16 + 0.5 + 2 * 1.0)
        # One slot: one key over all of it, no indirect key, the virtqs one by one.
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 1, 2),
                               0.5 + 131072 * 50e-6 + 2 * 1.0)
        # ... but a key translates one region: with 8, the indirect key comes on top.
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 1, 2, 8),
                               0.5 + 131072 * 50e-6 + 0.5 + 2 * 1.0)
        self.assertAlmostEqual(bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 16, 2, 8),
                               bringup.key_chain_ms(COSTS, OCTWORD_NS, 1, 16, 2))

    def test_exchange_floor(self):
        # The key chain counts from the memory table, the virtqs' round from DRIVER_OK.
        self.assertAlmostEqual(bringup.virtq_rounds_ms(COSTS, 16, 32), 2.0)
        self.assertAlmostEqual(bringup.exchange_floor_ms(2.41, 1.0, 0.3, 1.0), 2.71)
        self.assertAlmostEqual(bringup.exchange_floor_ms(3.41, 2.0, 0.2, 2.1), 4.1)


class Table(unittest.TestCase):
    def test_regions_apart(self):
        # bench/bringup.sh's folders: <frontend>-<pmd>-<cost>-<mem>g-<regions>r-<qp>qp-<rep>.
        runs, out = tempfile.mkdtemp(), tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, runs)
        self.addCleanup(shutil.rmtree, out)
        slower = APP.replace("last_rdy_monotonic_ns=6000000", "last_rdy_monotonic_ns=8000000")
        # DPDK's PMD read DRIVER_OK 2.5 ms after the connection: later than the key chain.
        late = APP.replace("req=39 t_ns=2000000", "req=39 t_ns=3500000")
        for name, app in (("script-ours-calibrated-1g-1r-1qp-1", APP),
                          ("script-dpdk-calibrated-1g-1r-1qp-1", late),
                          ("script-ours-calibrated-1g-8r-1qp-1", slower),
                          ("virtio-user-ours-calibrated-1g-0r-1qp-1", APP)):
            d = os.path.join(runs, name)
            os.mkdir(d)
            write_run(d, app)
        printed = subprocess.run(
            [sys.executable, os.path.join(sys.argv[1], "bringup.py"), "--runs", runs,
             "--out", out, "--slots", "16", "--costs-from", sys.argv[2],
             "--opcodes-from", sys.argv[3]], check=True, capture_output=True, text=True).stdout
        table = json.load(open(os.path.join(out, "results.json")))["table"]
        got = {(r["frontend"], r["regions"]): r["ours_ms"] for r in table}
        self.assertEqual(got, {("script", 1): 5.0, ("script", 8): 7.0, ("virtio-user", 0): 5.0})
        # Ours' floor: its limit (the 2.41 ms chain) or DPDK's exchange, 2.5 + a CREATE.
        floors = {(r["frontend"], r["regions"]): r["ours_floor_ms"] for r in table}
        self.assertAlmostEqual(floors[("script", 1)], 3.5)
        self.assertIsNone(floors[("script", 8)])
        self.assertIn("reg", printed)
        self.assertNotIn("invalid run", printed)

    def test_no_chart_without_its_points(self):
        # A subset with no one-region point (BENCH_REGIONS=8) prints its table and no chart:
        # gnuplot (here a stand-in that fails) is not run on an empty plot.
        runs, out = tempfile.mkdtemp(), tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, runs)
        self.addCleanup(shutil.rmtree, out)
        for pmd in ("ours", "dpdk"):
            d = os.path.join(runs, "script-%s-calibrated-1g-8r-16qp-1" % pmd)
            os.mkdir(d)
            write_run(d)
        done = subprocess.run(
            [sys.executable, os.path.join(sys.argv[1], "bringup.py"), "--runs", runs,
             "--out", out, "--slots", "16", "--costs-from", sys.argv[2],
             "--opcodes-from", sys.argv[3], "--gnuplot", "/bin/false"],
            capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn("no chart", done.stdout)
        self.assertTrue(os.path.exists(os.path.join(out, "results.json")))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1])
