#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A well-behaved vhost-user front-end (tests/robust/vhost_hostile.py's FrontEnd) that changes
what the device was configured with while it runs traffic, against device 0 of the vDPA app,
device 1 being the peer of its frames:

  memory  stops device 0 (GET_VRING_BASE), moves its guest memory to another guest address
          and front-end address in two regions, sets the vrings up again at the indices the
          stop returned, and checks that frames pass both ways with the new layout.
  log     switches dirty logging on for device 0 (SET_LOG_BASE, then LOG_ALL) while device 1
          sends it frames, then hands it a new log (SET_LOG_BASE while logging): the pages the
          device writes from then on (RX buffers, used ring) must be marked in the new log and
          nothing more in the old one; then stops the device while logging and starts it again
          without LOG_ALL (a migration cancelled): frames pass and nothing more is marked.
  log-refused  the same with the new log's key refused by the firmware (the test injects it):
          logging goes off, frames still pass, and at the stop the whole guest memory is marked
          in the new log.

One "ok/FAIL <what>" line per check; exit status 0 when all passed. At the end both connections
are closed and the emulator's live firmware objects (emu_probe) must be back at what they were
before the first connection.

  fds     replaces both vrings' callfds and kickfds while frames pass both ways, then takes
          the TX vring's callfd away and gives one again: kicks and notifications must follow
          to the new fds.

Usage: mem_switch.py memory|log|log-refused|fds --sock S --peer-sock P --probe PROBE
"""
import argparse
import mmap
import os
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import vhost_hostile as vh  # noqa: E402  (the front-end and the probe client)

# Where device 0's guest memory moves: another guest address, and two regions whose front-end
# addresses are 64 MiB apart (so the memory table's layout differs, not only its base).
MOVED_GPA = 0x100000000
MOVED_UVA = 0x7f6600000000
HALF = vh.MEM_SIZE // 2

results = {"ok": 0, "fail": 0}


def check(what, ok):
    results["ok" if ok else "fail"] += 1
    print("%s %s" % ("ok  " if ok else "FAIL", what), flush=True)
    return ok


def probe_objects(path):
    """The live firmware objects, as emu_probe tells them."""
    app = vh.App.__new__(vh.App)
    app.probe = path
    return app.objects()


def frames_pass(tx, rx, first, count, dst, pace=0):
    """count frames from tx's TX vring reach rx's RX vring intact, and tx gets its buffers back;
    pace: seconds between two frames (each kick then reaches the PMD on its own)."""
    sent = [vh.test_frame(first + k, dst) for k in range(count)]
    got = []
    used_before = tx.used_idx(1)
    for k, frame in enumerate(sent):
        if k and pace:
            time.sleep(pace)
        tx.send_frame((first + k) % 64, frame)

    def all_in():
        got.extend(rx.received())
        return len(got) >= count

    vh.wait_for(all_in, 10)
    return got == sent and vh.wait_for(
        lambda: (tx.used_idx(1) - used_before) & 0xffff == count, 5)


def get_vring_base(fe, q):
    fe.send(vh.GET_VRING_BASE, struct.pack("<II", q, 0))
    index, num = struct.unpack("<II", fe.recv_reply()[:8])
    return num if index == q else -1


def vrings_setup(fe, bases):
    """The vring messages of a (re)start: call, size, base, addresses, kick."""
    for q in (0, 1):
        fe.u64(vh.SET_VRING_CALL, q, [fe.call[q]])
        fe.state(vh.SET_VRING_NUM, q, vh.QSIZE)
        fe.state(vh.SET_VRING_BASE, q, bases[q])
        fe.vring_addr(q, *fe.ring_uva(q))
        fe.u64(vh.SET_VRING_KICK, q, [fe.kick[q]])


def case_memory(fe, peer):
    peer.setup()
    peer.post_rx(64)
    fe.setup()
    check("frames pass before the stop", frames_pass(fe, peer, 0, 8, vh.emu_mac(1)))
    bases = [get_vring_base(fe, q) for q in (0, 1)]
    check("the stop returned the indices reached (RX 0, TX 8): %s" % bases, bases == [0, 8])
    fe.gpa, fe.uva = MOVED_GPA, MOVED_UVA
    fe.mem_table([(fe.gpa, HALF, fe.uva, 0), (fe.gpa + HALF, HALF, fe.uva + (64 << 20), HALF)],
                 [fe.memfd, fe.memfd])
    vrings_setup(fe, bases)
    check("frames pass from the moved memory after the restart",
          frames_pass(fe, peer, 8, 8, vh.emu_mac(1)))
    fe.post_rx(64)
    check("frames reach the moved memory after the restart",
          frames_pass(peer, fe, 100, 8, vh.emu_mac(0)))


F_LOG_ALL = 1 << 26
PAGE = 4096
# vhost's log of device 0's guest memory: a bit per 4 KiB page up to its end, whole pages.
LOG_SIZE = ((vh.GPA_BASE + vh.MEM_SIZE) // PAGE // 8 + PAGE - 1) // PAGE * PAGE


def new_log():
    fd = os.memfd_create("dirty-log", 0)
    os.ftruncate(fd, LOG_SIZE)
    return fd, mmap.mmap(fd, LOG_SIZE)


def set_log_base(fe, fd):
    fe.send(vh.SET_LOG_BASE, struct.pack("<QQ", LOG_SIZE, 0), [fd])
    fe.recv_reply()
    # vhost serves one message at a time: once this is answered, everything the PMD did for
    # the new log (after vhost's reply to it) is done too.
    fe.get_features()


def dirty_pages(log):
    return {i * 8 + b for i, v in enumerate(bytes(log)) if v for b in range(8) if v >> b & 1}


def rx_pages(fe, heads):
    """The guest pages of device 0's RX buffers `heads`."""
    pages = set()
    for h in heads:
        first = fe.gpa + fe.buf(0, h)
        pages.update(range(first // PAGE, (first + vh.BUF_SIZE - 1) // PAGE + 1))
    return pages


def case_log(fe, peer, refused=False):
    used_ring = (fe.gpa + 0x2000) // PAGE      # RX vring 0's used ring
    logs = [new_log(), new_log()]
    try:
        fe.setup()
        fe.post_rx(64)
        peer.setup()
        set_log_base(fe, logs[0][0])
        fe.u64(vh.SET_FEATURES, (fe.features & vh.F_VERSION_1) | F_LOG_ALL)
        fe.get_features()
        check("frames reach the logging device", frames_pass(peer, fe, 0, 8, vh.emu_mac(0)))
        old = dirty_pages(logs[0][1])
        want = rx_pages(fe, range(8)) | {used_ring}
        check("the first log marks the pages written (%d of %d)" % (len(want & old), len(want)),
              want <= old)
        set_log_base(fe, logs[1][0])
        old = bytes(logs[0][1])
        check("frames pass after the log moved", frames_pass(peer, fe, 8, 8, vh.emu_mac(0)))
        new = dirty_pages(logs[1][1])
        check("nothing more marked in the old log", bytes(logs[0][1]) == old)
        if refused:
            get_vring_base(fe, 0)
            new = dirty_pages(logs[1][1])
            want = set(range(fe.gpa // PAGE, (fe.gpa + vh.MEM_SIZE) // PAGE))
            check("the stop marks all guest memory in the new log (%d of %d pages)" %
                  (len(want & new), len(want)), want <= new)
            return
        want = rx_pages(fe, range(8, 16)) | {used_ring}
        check("the new log marks the pages written since (%d of %d)" % (len(want & new),
                                                                      len(want)), want <= new)
        stale = new & (rx_pages(fe, range(8)) - rx_pages(fe, range(8, 16)))
        check("the new log has no page written before it came (%d)" % len(stale), not stale)
        # A stop while logging, and a restart without LOG_ALL (a migration cancelled): the
        # queues kept over the stop stop logging when they are taken up again.
        bases = [get_vring_base(fe, q) for q in (0, 1)]
        check("the stop while logging returned the indices reached (RX 16, TX 0): %s" % bases,
              bases == [16, 0])
        fe.u64(vh.SET_FEATURES, fe.features & vh.F_VERSION_1)
        vrings_setup(fe, bases)
        fe.post_rx(64)
        peer.post_rx(64)
        logged = bytes(logs[1][1])
        # From the device first: its frames wait in the ring until the queue runs, where
        # frames sent to it before its RX steering exists would be dropped.
        check("frames pass from the device restarted without logging",
              frames_pass(fe, peer, 0, 8, vh.emu_mac(1)))
        check("frames reach it", frames_pass(peer, fe, 16, 8, vh.emu_mac(0)))
        check("nothing marked in the log after the restart", bytes(logs[1][1]) == logged)
    finally:
        for fd, m in logs:
            m.close()
            os.close(fd)


def notified(fd):
    """Whether fd was signalled since it was last read (and clears it)."""
    try:
        return os.eventfd_read(fd) > 0
    except BlockingIOError:
        return False


def fds_replace(fe, queues, kick=True):
    """New callfds (and kickfds) for the queues; the old ones closed at once. Returns once vhost
    (and the PMD) took them, with the notification each new callfd gets at the change read."""
    for q in queues:
        call = os.eventfd(0, os.EFD_NONBLOCK)
        fe.u64(vh.SET_VRING_CALL, q, [call])
        os.close(fe.call[q])
        fe.call[q] = call
        if kick:
            k = os.eventfd(0, os.EFD_NONBLOCK)
            fe.u64(vh.SET_VRING_KICK, q, [k])
            os.close(fe.kick[q])
            fe.kick[q] = k
    fe.get_features()   # answered once vhost (and the PMD) took the messages before it
    for q in queues:
        notified(fe.call[q])


def case_fds(fe, peer):
    """Both vrings' callfds and kickfds replaced on a running device, three times (vhost-user
    lets a front-end do it at any time): the old fds are closed at once, so only the new ones
    can carry the kicks that send frames and the notifications of the frames sent and
    received. Then the TX vring's callfd taken away (NOFD) and given again."""
    peer.setup()
    peer.post_rx(64)
    fe.setup()
    fe.post_rx(64)
    check("frames pass both ways before", frames_pass(fe, peer, 0, 8, vh.emu_mac(1)) and
          frames_pass(peer, fe, 100, 8, vh.emu_mac(0)))
    for r in range(1, 4):
        fds_replace(fe, (0, 1))
        # One kick a frame: the app's log must count them relayed (test_mem_switch.sh), as the
        # emulated NIC polls its rings and takes the frames without them too.
        check("round %d: frames sent, a kick each on the new kickfd" % r,
              frames_pass(fe, peer, 8 * r, 8, vh.emu_mac(1), pace=0.02))
        check("round %d: the TX completions notified on the new callfd" % r,
              vh.wait_for(lambda: notified(fe.call[1]), 2))
        check("round %d: frames received" % r, frames_pass(peer, fe, 100 + 8 * r, 8,
                                                            vh.emu_mac(0)))
        check("round %d: the RX completions notified on the new callfd" % r,
              vh.wait_for(lambda: notified(fe.call[0]), 2))
    # No callfd at all (NOFD: a front-end that polls), then one again.
    fe.u64(vh.SET_VRING_CALL, 1 | vh.NOFD)
    fe.get_features()
    notified(fe.call[1])
    check("without a callfd: frames sent", frames_pass(fe, peer, 32, 8, vh.emu_mac(1)))
    fds_replace(fe, (1,), kick=False)
    check("a callfd again: frames sent", frames_pass(fe, peer, 40, 8, vh.emu_mac(1)))
    check("a callfd again: the TX completions notified on it",
          vh.wait_for(lambda: notified(fe.call[1]), 2))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("case", choices=["memory", "log", "log-refused", "fds"])
    ap.add_argument("--sock", required=True)
    ap.add_argument("--peer-sock", required=True)
    ap.add_argument("--probe", required=True)
    args = ap.parse_args()
    baseline = probe_objects(args.probe)
    fe, peer = vh.FrontEnd(args.sock), vh.FrontEnd(args.peer_sock)
    try:
        {"memory": case_memory, "log": case_log, "fds": case_fds,
         "log-refused": lambda fe, peer: case_log(fe, peer, True)}[args.case](fe, peer)
    except vh.Closed:
        check("the back-end kept the connections", False)
    finally:
        fe.close()
        peer.close()
    check("firmware objects back at their baseline (%s)" % baseline.replace("\n", "; "),
          vh.wait_for(lambda: probe_objects(args.probe) == baseline, 10))
    print("%d passed, %d failed" % (results["ok"], results["fail"]), flush=True)
    return 0 if results["fail"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
