#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A raw vhost-user front-end that misbehaves: malformed messages, hostile memory tables, ring
addresses and indices, bad fds, hostile ring contents on a started device, disconnects at every
step of the setup. It talks to the vDPA app's socket of one device (--sock, function 0).

After each case it checks that the app survived and lost nothing: the process is alive, its open
fds return to their baseline, the emulator's live firmware objects (answered by the emu_probe
library preloaded into the app) return to theirs, and a well-behaved front-end written here
still passes a frame on the same socket to the peer device (--peer-sock), byte for byte.

Usage: vhost_hostile.py --sock S --peer-sock P [--peer-function F] --app-pid PID
                        --probe PROBE [--rounds N] [--seed X] [--time-factor F]
One "ok/FAIL <case>" line per case; exit status 0 when all passed. --rounds repeats the cases
(and more random messages each round) for the soak; --time-factor multiplies every timeout
and window (e2e_tf, for a ThreadSanitizer build).
"""
import argparse
import errno
import mmap
import os
import random
import socket
import struct
import sys
import time

# vhost-user requests (the vhost-user specification's numbers).
GET_FEATURES, SET_FEATURES, SET_OWNER, RESET_OWNER, SET_MEM_TABLE = 1, 2, 3, 4, 5
SET_LOG_BASE, SET_LOG_FD, SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE = 6, 7, 8, 9, 10
GET_VRING_BASE, SET_VRING_KICK, SET_VRING_CALL, SET_VRING_ERR = 11, 12, 13, 14
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES, GET_QUEUE_NUM, SET_VRING_ENABLE = 15, 16, 17, 18
SEND_RARP, NET_SET_MTU, SET_SLAVE_REQ_FD, IOTLB_MSG = 19, 20, 21, 22
GET_CONFIG, SET_CONFIG, POSTCOPY_ADVISE, GET_INFLIGHT_FD, SET_INFLIGHT_FD = 24, 25, 28, 31, 32
SET_STATUS, GET_STATUS = 39, 40
KNOWN_REQUESTS = list(range(1, 23)) + [24, 25, 26, 27, 28, 29, 30, 31, 32, 39, 40]

VERSION, REPLY, NEED_REPLY = 0x1, 0x4, 0x8
NOFD = 0x100
F_VERSION_1 = 1 << 32
F_PROTOCOL_FEATURES = 1 << 30

QSIZE = 256
MEM_SIZE = 4 << 20
GPA_BASE = 0x40000000
UVA_BASE = 0x7f5500000000      # the front-end's addresses of its memory (any value will do)
NET_HDR = 12                    # virtio-net header with VERSION_1
VRING_STRIDE = 0x4000           # desc, avail, used of queue q at q * stride (+0, +0x1000, +0x2000)
BUF_BASE = 0x100000             # buffers of queue q at BUF_BASE + q * 0x40000, 2 KiB each
BUF_SIZE = 2048
DESC_F_NEXT, DESC_F_WRITE, DESC_F_INDIRECT = 1, 2, 4

# lib/vhost of DPDK 22.11 leaks fds a message carries in two places: the fd of a memory region
# it fails to map (its error path frees only the regions mapped before), and every fd of a
# message whose vring index it rejects before the message's handler (it returns without closing
# them). Fds that may meet either fate are memfds of this name, so that the leak check tells
# those (DPDK's) from any other (ours).
VHOST_LEAKS = "lib-vhost-may-leak"

OWN_MAC = bytes.fromhex("020000000000")

# The time factor of every timeout and window here (--time-factor; tests/lib/e2e.sh's e2e_tf):
# a ThreadSanitizer build of the app runs 5 to 15 times slower.
time_factor = 1


def scaled(seconds):
    return seconds * time_factor


class Closed(Exception):
    """The back-end closed the connection (an acceptable answer to a hostile message)."""


class FrontEnd:
    """One vhost-user connection with its own guest memory (a memfd) and two vrings. The
    memory sits at guest address self.gpa and front-end address self.uva; a front-end may move
    it while the device is stopped (mem_switch.py)."""

    def __init__(self, path):
        self.gpa = GPA_BASE
        self.uva = UVA_BASE
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(scaled(5))
        self.sock.connect(path)
        self.memfd = os.memfd_create("guest", 0)
        os.ftruncate(self.memfd, MEM_SIZE)
        self.mem = mmap.mmap(self.memfd, MEM_SIZE)
        self.kick = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(2)]
        self.call = [os.eventfd(0, os.EFD_NONBLOCK) for _ in range(2)]
        self.avail_idx = [0, 0]
        self.used_seen = [0, 0]
        self.features = 0

    def close(self):
        for fd in self.kick + self.call:
            os.close(fd)
        self.sock.close()
        self.mem.close()
        os.close(self.memfd)

    # ---- messages ----
    def send_raw(self, data, fds=()):
        try:
            if fds:
                self.sock.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                            struct.pack("%di" % len(fds), *fds))])
            else:
                self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError) as e:
            raise Closed() from e

    def send(self, req, payload=b"", fds=(), flags=VERSION, size=None):
        hdr = struct.pack("<III", req, flags, len(payload) if size is None else size)
        self.send_raw(hdr + payload, fds)

    def recv_reply(self):
        try:
            hdr = self.sock.recv(12)
            if len(hdr) < 12:
                raise Closed()
            _, _, size = struct.unpack("<III", hdr)
            data = b""
            while len(data) < size:
                chunk = self.sock.recv(size - len(data))
                if not chunk:
                    raise Closed()
                data += chunk
            return data
        except (ConnectionResetError, socket.timeout) as e:
            raise Closed() from e

    def u64(self, req, value, fds=()):
        self.send(req, struct.pack("<Q", value), fds)

    def state(self, req, index, num):
        self.send(req, struct.pack("<II", index, num))

    def vring_addr(self, index, desc, used, avail, flags=0):
        self.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", index, flags, desc, used, avail, 0))

    def mem_table(self, regions, fds):
        """regions: (gpa, size, uva, mmap_offset) tuples."""
        payload = struct.pack("<II", len(regions), 0)
        for r in regions:
            payload += struct.pack("<QQQQ", *r)
        self.send(SET_MEM_TABLE, payload, fds)

    def get_features(self):
        self.send(GET_FEATURES)
        data = self.recv_reply()
        return struct.unpack("<Q", data[:8])[0] if len(data) >= 8 else 0

    # ---- the well-behaved setup, step by step ----
    def ring_uva(self, q):
        base = self.uva + q * VRING_STRIDE
        return base, base + 0x2000, base + 0x1000     # desc, used, avail

    def setup_steps(self):
        steps = [("SET_OWNER", lambda: self.send(SET_OWNER)),
                 ("GET_FEATURES", lambda: setattr(self, "features", self.get_features())),
                 ("SET_FEATURES", lambda: self.u64(SET_FEATURES, self.features & F_VERSION_1)),
                 ("SET_MEM_TABLE", lambda: self.mem_table(
                     [(self.gpa, MEM_SIZE, self.uva, 0)], [self.memfd]))]
        for q in (0, 1):
            steps += [
                ("SET_VRING_CALL %d" % q, lambda q=q: self.u64(SET_VRING_CALL, q,
                                                               [self.call[q]])),
                ("SET_VRING_NUM %d" % q, lambda q=q: self.state(SET_VRING_NUM, q, QSIZE)),
                ("SET_VRING_BASE %d" % q, lambda q=q: self.state(SET_VRING_BASE, q, 0)),
                ("SET_VRING_ADDR %d" % q, lambda q=q: self.vring_addr(q, *self.ring_uva(q))),
                ("SET_VRING_KICK %d" % q, lambda q=q: self.u64(SET_VRING_KICK, q,
                                                               [self.kick[q]])),
            ]
        return steps

    def setup(self):
        for _, step in self.setup_steps():
            step()

    # ---- the rings, as a driver writes them ----
    def write_desc(self, q, i, addr, length, flags, nxt=0):
        off = q * VRING_STRIDE + i * 16
        self.mem[off:off + 16] = struct.pack("<QIHH", addr, length, flags, nxt)

    def publish(self, q, heads):
        avail = q * VRING_STRIDE + 0x1000
        for h in heads:
            slot = avail + 4 + 2 * (self.avail_idx[q] % QSIZE)
            self.mem[slot:slot + 2] = struct.pack("<H", h)
            self.avail_idx[q] = (self.avail_idx[q] + 1) & 0xffff
        self.mem[avail + 2:avail + 4] = struct.pack("<H", self.avail_idx[q])
        os.eventfd_write(self.kick[q], 1)

    def set_avail_idx(self, q, idx):
        avail = q * VRING_STRIDE + 0x1000
        self.mem[avail + 2:avail + 4] = struct.pack("<H", idx)
        os.eventfd_write(self.kick[q], 1)

    def used_idx(self, q):
        used = q * VRING_STRIDE + 0x2000
        return struct.unpack("<H", self.mem[used + 2:used + 4])[0]

    def used_elem(self, q, n):
        off = q * VRING_STRIDE + 0x2000 + 4 + 8 * (n % QSIZE)
        return struct.unpack("<II", self.mem[off:off + 8])

    def buf(self, q, i):
        return BUF_BASE + q * 0x40000 + i * BUF_SIZE

    def post_rx(self, count):
        for i in range(count):
            self.write_desc(0, i, self.gpa + self.buf(0, i), BUF_SIZE, DESC_F_WRITE)
        self.publish(0, range(count))

    def send_frame(self, i, frame):
        off = self.buf(1, i)
        self.mem[off:off + NET_HDR + len(frame)] = bytes(NET_HDR) + frame
        self.write_desc(1, i, self.gpa + off, NET_HDR + len(frame), 0)
        self.publish(1, [i])

    def received(self):
        """Frames in the RX used ring not yet seen, header stripped."""
        frames = []
        while self.used_seen[0] != self.used_idx(0):
            head, length = self.used_elem(0, self.used_seen[0])
            off = self.buf(0, head % QSIZE)
            frames.append(bytes(self.mem[off + NET_HDR:off + length]))
            self.used_seen[0] = (self.used_seen[0] + 1) & 0xffff
        return frames


def emu_mac(function):
    """The emulator's default MAC of a function (docs/emulator.md)."""
    return bytes([2, 0, 0, 0, function >> 8, function & 0xff])


def test_frame(n, dst=emu_mac(1)):
    payload = bytes((n * 7 + i) & 0xff for i in range(64))
    return dst + OWN_MAC + b"\x88\xb5" + payload   # local experimental ethertype


class App:
    def __init__(self, args):
        self.pid = args.app_pid
        self.probe = args.probe
        self.sock = args.sock
        self.peer_sock = args.peer_sock
        self.peer_mac = emu_mac(args.peer_function)

    def alive(self):
        try:
            with open("/proc/%d/stat" % self.pid) as f:
                return f.read().split(") ")[1][0] not in "ZX"
        except OSError:
            return False

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def fd_targets(self):
        """The app's open fds, each with what it refers to."""
        targets = {}
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                targets[int(fd)] = os.readlink("/proc/%d/fd/%s" % (self.pid, fd))
            except OSError:
                pass
        return targets

    def dpdk_leaked_fds(self):
        """The app's fds lib/vhost leaked (VHOST_LEAKS)."""
        n = 0
        for fd in os.listdir("/proc/%d/fd" % self.pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (self.pid, fd)).startswith(
                        "/memfd:" + VHOST_LEAKS):
                    n += 1
            except OSError:
                pass
        return n

    def fds_ok(self, base):
        return self.fds() - self.dpdk_leaked_fds() == base

    def objects(self):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(scaled(5))
        s.connect(self.probe)
        data = b""
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        return data.decode().strip()

    def traffic_ok(self):
        """A well-behaved front-end on each socket: a frame from sock reaches the peer intact."""
        rx = FrontEnd(self.peer_sock)
        tx = FrontEnd(self.sock)
        try:
            rx.setup()
            rx.post_rx(64)
            tx.setup()
            deadline = time.monotonic() + scaled(10)
            n = 0
            while time.monotonic() < deadline:
                frame = test_frame(n, self.peer_mac)
                tx.send_frame(n % 64, frame)
                n += 1
                t = time.monotonic() + scaled(0.2)
                while time.monotonic() < t:
                    got = rx.received()
                    if got:
                        sent = [test_frame(k, self.peer_mac) for k in range(n)]
                        # The device may deliver a frame before it returns the TX buffer.
                        return all(g in sent for g in got) and \
                            wait_for(lambda: tx.used_idx(1) != 0, 5)
                    time.sleep(0.01)
            return False
        finally:
            tx.close()
            rx.close()


def wait_for(pred, timeout=10):
    """pred() true within timeout seconds (times the time factor)."""
    deadline = time.monotonic() + scaled(timeout)
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(0.05)
    return pred()


# ---- the hostile cases: each takes a fresh connection and may be cut off at any point ----
def started(fe):
    """A device the back-end started: set up, then a frame on TX is completed."""
    fe.setup()
    fe.send_frame(0, test_frame(0))
    return wait_for(lambda: fe.used_idx(1) != 0, 5)


def case_truncated_header(fe):
    fe.send_raw(struct.pack("<II", SET_OWNER, VERSION)[:6])


def case_oversized_payload(fe):
    fe.send(SET_FEATURES, b"", size=0xffffffff)


def case_short_payload(fe):
    fe.send(SET_FEATURES, b"\x01\x02\x03", size=8)


def case_payload_larger_than_message(fe):
    fe.send(SET_VRING_NUM, bytes(4096))


def case_unknown_requests(fe):
    for req in (0, 23, 33, 38, 41, 999, 0xffffffff):
        fe.send(req, bytes(8))


def case_bad_version_flags(fe):
    fe.send(SET_OWNER, flags=0)
    fe.send(GET_FEATURES, flags=0x2 | REPLY)


def case_vring_index_out_of_range(fe):
    fe.send(SET_OWNER)
    fe.u64(SET_FEATURES, F_VERSION_1)
    fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, 0)], [fe.memfd])
    for idx in (2, 255, 256, 1000, 0xffffffff):
        fd = leaked_memfd()
        try:     # an fd where none belongs: vhost rejects the index before closing it
            fe.send(SET_VRING_ENABLE, struct.pack("<II", idx, 1), [fd])
        finally:
            os.close(fd)
        fe.state(SET_VRING_NUM, idx, QSIZE)
        fe.state(SET_VRING_BASE, idx, 0)
        fe.vring_addr(idx, *fe.ring_uva(0))
        fe.state(SET_VRING_ENABLE, idx, 1)
        fe.u64(SET_VRING_KICK, idx, [fe.kick[0]])
        fe.u64(SET_VRING_CALL, idx, [fe.call[0]])
    fe.state(GET_VRING_BASE, 4096, 0)
    fe.recv_reply()


def case_vring_num_hostile(fe):
    fe.send(SET_OWNER)
    for num in (0, 3, 65535, 32768, 0xffffffff):
        fe.state(SET_VRING_NUM, 0, num)
    fe.setup()


def case_mem_table_zero_regions(fe):
    fe.mem_table([], [])
    fe.setup()


def case_mem_table_too_many_regions(fe):
    fds = [os.memfd_create("r%d" % i) for i in range(9)]
    try:
        for fd in fds:
            os.ftruncate(fd, 1 << 20)
        regions = [(GPA_BASE + i * (1 << 20), 1 << 20, UVA_BASE + i * (1 << 20), 0)
                   for i in range(9)]
        fe.mem_table(regions, fds[:8])
    finally:
        for fd in fds:
            os.close(fd)


def leaked_memfd():
    """An fd lib/vhost may leak (VHOST_LEAKS, see App.fds_ok)."""
    fd = os.memfd_create(VHOST_LEAKS)
    os.ftruncate(fd, MEM_SIZE)
    return fd


def mem_table_may_leak(fe, region):
    """A one-region memory table on an fd of its own that lib/vhost may leak (leaked_memfd)."""
    fd = leaked_memfd()
    try:
        fe.mem_table([region], [fd])
    finally:
        os.close(fd)


def case_mem_table_zero_size(fe):
    mem_table_may_leak(fe, (GPA_BASE, 0, UVA_BASE, 0))
    fe.setup()


def case_mem_table_overlapping(fe):
    fe.send(SET_OWNER)
    fe.u64(SET_FEATURES, F_VERSION_1)
    fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, 0), (GPA_BASE + 4096, MEM_SIZE, UVA_BASE, 0)],
                 [fe.memfd, fe.memfd])
    fe.setup()     # a second, valid table on top, then a device that may start


def case_mem_table_huge(fe):
    mem_table_may_leak(fe, (GPA_BASE, 1 << 62, UVA_BASE, 0))
    fe.mem_table([(0xfffffffffffff000, MEM_SIZE, UVA_BASE, 0)], [fe.memfd])
    fe.mem_table([(GPA_BASE, MEM_SIZE, 0xfffffffffffff000, 0)], [fe.memfd])


def case_mem_table_offset_beyond_file(fe):
    # vhost maps the file from its start to the region's end, 1 TiB here: where the address
    # space has no such hole (the app under ThreadSanitizer, now and then) the mmap fails and
    # vhost leaks the fd.
    mem_table_may_leak(fe, (GPA_BASE, MEM_SIZE, UVA_BASE, 1 << 40))
    fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, MEM_SIZE - 4096)], [fe.memfd])


def case_mem_table_bad_fds(fe):
    r, w = os.pipe()
    null = os.open("/dev/null", os.O_RDWR)
    d = os.open("/", os.O_RDONLY)
    try:
        region = [(GPA_BASE, MEM_SIZE, UVA_BASE, 0)]
        fe.mem_table(region, [])                 # no fd at all
        fe.mem_table(region, [w])                # a pipe
        fe.mem_table(region, [null])             # cannot be mapped shared
        fe.mem_table(region, [d])                # a folder
        fe.mem_table(region * 2, [fe.memfd])     # fewer fds than regions
        fe.mem_table(region, [fe.memfd] * 8)     # more fds than regions
    finally:
        for fd in (r, w, null, d):
            os.close(fd)


def case_mem_table_on_running_device(fe):
    if not started(fe):
        raise AssertionError("device did not start")
    other = os.memfd_create("other")
    os.ftruncate(other, MEM_SIZE)
    try:
        fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, 0)], [other])
        fe.mem_table([(GPA_BASE, 4096, UVA_BASE, 0)], [fe.memfd])   # rings now outside
        fe.send_frame(1, test_frame(1))
    finally:
        os.close(other)


def case_vring_addr_outside_memory(fe):
    fe.send(SET_OWNER)
    fe.u64(SET_FEATURES, F_VERSION_1)
    fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, 0)], [fe.memfd])
    for q in (0, 1):
        fe.u64(SET_VRING_CALL, q, [fe.call[q]])
        fe.state(SET_VRING_NUM, q, QSIZE)
        fe.state(SET_VRING_BASE, q, 0)
        outside = UVA_BASE + MEM_SIZE - 8       # the tables start inside and end outside
        fe.vring_addr(q, outside, UVA_BASE - 0x10000, 0x1000)
        fe.u64(SET_VRING_KICK, q, [fe.kick[q]])
    os.eventfd_write(fe.kick[1], 1)


def case_vring_addr_misaligned(fe):
    """Rings the device would access with misaligned atomics (avail at an odd address)."""
    for name, step in fe.setup_steps():
        if name.startswith("SET_VRING_ADDR"):
            desc, used, avail = fe.ring_uva(int(name[-1]))
            fe.vring_addr(int(name[-1]), desc + 8, used + 2, avail + 1)
        else:
            step()
    avail = 1 * VRING_STRIDE + 0x1000 + 1
    fe.write_desc(1, 0, GPA_BASE + fe.buf(1, 0), NET_HDR + 64, 0)
    fe.mem[avail + 4:avail + 6] = struct.pack("<H", 0)
    fe.mem[avail + 2:avail + 4] = struct.pack("<H", 1)
    os.eventfd_write(fe.kick[1], 1)
    time.sleep(scaled(0.2))


def case_vring_addr_log_flag(fe):
    fe.send(SET_OWNER)
    fe.u64(SET_FEATURES, F_VERSION_1)
    fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, 0)], [fe.memfd])
    fe.send(SET_VRING_ADDR, struct.pack("<IIQQQQ", 0, 1, *fe.ring_uva(0), 0xffffffffffff))
    fe.setup()


def case_features_unsupported(fe):
    fe.send(SET_OWNER)
    fe.u64(SET_FEATURES, 0xffffffffffffffff)
    fe.u64(SET_FEATURES, F_VERSION_1 | (1 << 63))
    fe.u64(SET_PROTOCOL_FEATURES, 0xffffffffffffffff)
    fe.setup()


def case_vring_base_on_running_ring(fe):
    if not started(fe):
        raise AssertionError("device did not start")
    fe.state(SET_VRING_BASE, 1, 1234)
    fe.state(SET_VRING_NUM, 1, 64)
    fe.state(SET_VRING_ENABLE, 1, 0)
    fe.state(SET_VRING_ENABLE, 1, 1)
    fe.send_frame(1, test_frame(1))
    fe.state(GET_VRING_BASE, 1, 0)
    fe.recv_reply()


def case_kick_call_bad_fds(fe):
    r, w = os.pipe()
    null = os.open("/dev/null", os.O_RDWR)
    s1, s2 = socket.socketpair()
    try:
        fe.send(SET_OWNER)
        fe.u64(SET_FEATURES, F_VERSION_1)
        fe.mem_table([(GPA_BASE, MEM_SIZE, UVA_BASE, 0)], [fe.memfd])
        fe.u64(SET_VRING_KICK, 0)                       # no fd, no NOFD flag
        fe.u64(SET_VRING_KICK, 0, [w, r])               # two
        fe.u64(SET_VRING_KICK, 0, [s1.fileno()])        # a socket
        fe.u64(SET_VRING_CALL, 0, [null])               # cannot be waited for
        fe.u64(SET_VRING_CALL, 1, [w] * 8)              # eight copies
        fe.u64(SET_VRING_ERR, 0, [r])
        fe.u64(SET_VRING_CALL, 0 | NOFD)
    finally:
        for fd in (r, w, null):
            os.close(fd)
        s1.close()
        s2.close()


def case_callfd_pipe_without_reader(fe):
    """Completions relayed to a call fd whose reader is gone: a write there must not kill."""
    r, w = os.pipe()
    os.close(r)
    try:
        for name, step in fe.setup_steps():
            if name.startswith("SET_VRING_CALL"):
                fe.u64(SET_VRING_CALL, int(name[-1]), [w])
            else:
                step()
        for i in range(8):
            fe.send_frame(i, test_frame(i))
        wait_for(lambda: fe.used_idx(1) >= 8, 2)
    finally:
        os.close(w)


def case_other_requests_hostile(fe):
    null = os.open("/dev/null", os.O_RDWR)
    try:
        fe.send(SET_OWNER)
        fe.u64(SET_LOG_BASE, 0, [null])
        fe.send(SET_LOG_FD, b"", [null])
        fe.send(GET_CONFIG, struct.pack("<III", 0, 0xffffffff, 0) + bytes(256))
        fe.send(SET_CONFIG, struct.pack("<III", 0xfffffff0, 256, 0) + bytes(256))
        fe.send(IOTLB_MSG, struct.pack("<QQQBB", 0, 1 << 40, 0, 3, 2) + bytes(6))
        fe.send(SET_SLAVE_REQ_FD, b"", [null])
        fe.send(SET_INFLIGHT_FD, struct.pack("<QQHH", 1 << 50, 1 << 50, 0xffff, 0xffff),
                [null])
        fe.send(GET_INFLIGHT_FD, struct.pack("<QQHH", 0, 0, 0xffff, 0xffff))
        fe.send(POSTCOPY_ADVISE)
        fe.u64(SET_STATUS, 0xff)
        fe.send(NET_SET_MTU, struct.pack("<Q", 1 << 40))
        fe.send(SEND_RARP, bytes(6))
        fe.send(RESET_OWNER)
        fe.send(GET_QUEUE_NUM)
    finally:
        os.close(null)


def hostile_ring(build):
    """A started device whose TX ring then turns hostile (build writes it) and is kicked."""
    def case(fe):
        if not started(fe):
            raise AssertionError("device did not start")
        build(fe)
        time.sleep(scaled(0.2))     # the device walks it (and fails the queue, or recovers it)
    return case


def ring_desc_outside_memory(fe):
    fe.write_desc(1, 5, GPA_BASE + MEM_SIZE - 16, 64, 0)
    fe.publish(1, [5])


def ring_desc_below_memory(fe):
    fe.write_desc(1, 5, 0x1000, 64, 0)
    fe.publish(1, [5])


def ring_desc_loop(fe):
    fe.write_desc(1, 5, GPA_BASE + fe.buf(1, 5), 64, DESC_F_NEXT, 6)
    fe.write_desc(1, 6, GPA_BASE + fe.buf(1, 6), 64, DESC_F_NEXT, 5)
    fe.publish(1, [5])


def ring_overlong_indirect(fe):
    table = fe.buf(1, 10)
    for i in range(QSIZE):     # an indirect table whose entries chain back to the start
        fe.mem[table + 16 * i:table + 16 * i + 16] = struct.pack(
            "<QIHH", GPA_BASE + fe.buf(1, 5), 16, DESC_F_NEXT, (i + 1) % QSIZE)
    fe.write_desc(1, 5, GPA_BASE + table, 16 * QSIZE, DESC_F_INDIRECT)
    fe.publish(1, [5])


def ring_head_out_of_range(fe):
    fe.publish(1, [QSIZE + 3])


def ring_avail_idx_jump(fe):
    fe.set_avail_idx(1, (fe.avail_idx[1] + 1000) & 0xffff)


def ring_next_out_of_range(fe):
    fe.write_desc(1, 5, GPA_BASE + fe.buf(1, 5), 64, DESC_F_NEXT, 0xffff)
    fe.publish(1, [5])


def ring_huge_length(fe):
    fe.write_desc(1, 5, GPA_BASE + fe.buf(1, 5), 0xffffffff, 0)
    fe.publish(1, [5])


def ring_rx_read_only(fe):
    fe.write_desc(0, 0, GPA_BASE + fe.buf(0, 0), BUF_SIZE, 0)
    fe.publish(0, [0])


def case_disconnect_after(k):
    def case(fe):
        for _, step in fe.setup_steps()[:k]:
            step()
    return case


def case_random_messages(seed, count):
    """Messages of known request codes with random sizes, payloads and fds."""
    def case(fe):
        rng = random.Random(seed)
        extra = [leaked_memfd(), leaked_memfd()]     # any fd here may meet vhost's leaks
        try:
            fe.setup()
            for _ in range(count):
                req = rng.choice(KNOWN_REQUESTS)
                size = rng.choice([0, 4, 8, 12, 16, 40, rng.randrange(0, 300)])
                payload = bytes(rng.getrandbits(8) for _ in range(size))
                fds = rng.choice([[], [], extra[:1], extra])
                flags = VERSION | (NEED_REPLY if rng.random() < 0.3 else 0)
                fe.send(req, payload, fds, flags=flags)
        finally:
            for fd in extra:
                os.close(fd)
    return case


def cases(round_no, seed):
    c = [
        ("truncated header", case_truncated_header),
        ("payload size 0xffffffff", case_oversized_payload),
        ("payload shorter than its size", case_short_payload),
        ("payload larger than the message", case_payload_larger_than_message),
        ("unknown request codes", case_unknown_requests),
        ("bad version flags", case_bad_version_flags),
        ("vring index out of range", case_vring_index_out_of_range),
        ("vring sizes 0, 3, 65535, 2^31", case_vring_num_hostile),
        ("memory table of zero regions", case_mem_table_zero_regions),
        ("memory table of 9 regions", case_mem_table_too_many_regions),
        ("memory region of size 0", case_mem_table_zero_size),
        ("overlapping memory regions", case_mem_table_overlapping),
        ("huge memory regions", case_mem_table_huge),
        ("memory region offset beyond its file", case_mem_table_offset_beyond_file),
        ("memory table with bad fds", case_mem_table_bad_fds),
        ("memory table replaced on a running device", case_mem_table_on_running_device),
        ("ring addresses outside the memory table", case_vring_addr_outside_memory),
        ("ring addresses misaligned", case_vring_addr_misaligned),
        ("ring address with a log address", case_vring_addr_log_flag),
        ("unsupported feature bits", case_features_unsupported),
        ("vring base, size, enable on a running ring", case_vring_base_on_running_ring),
        ("kick/call/err with bad fds", case_kick_call_bad_fds),
        ("call fd a pipe without reader", case_callfd_pipe_without_reader),
        ("other requests with hostile payloads", case_other_requests_hostile),
        ("TX descriptor past guest memory", hostile_ring(ring_desc_outside_memory)),
        ("TX descriptor below guest memory", hostile_ring(ring_desc_below_memory)),
        ("TX descriptor loop", hostile_ring(ring_desc_loop)),
        ("TX indirect chain longer than the ring", hostile_ring(ring_overlong_indirect)),
        ("TX head index out of range", hostile_ring(ring_head_out_of_range)),
        ("TX available index 1000 ahead", hostile_ring(ring_avail_idx_jump)),
        ("TX next index out of range", hostile_ring(ring_next_out_of_range)),
        ("TX buffer of 4 GiB", hostile_ring(ring_huge_length)),
        ("RX buffer read-only", hostile_ring(ring_rx_read_only)),
    ]
    steps = len(setup_step_names())
    c += [("disconnect after %d setup steps" % k, case_disconnect_after(k))
          for k in range(steps + 1)]
    c.append(("random messages (seed %d)" % (seed + round_no),
              case_random_messages(seed + round_no, 200)))
    return c


def setup_step_names():
    """The names of the well-behaved setup's steps (no connection needed to list them)."""
    return [name for name, _ in FrontEnd.__new__(FrontEnd).setup_steps()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sock", required=True)
    ap.add_argument("--peer-sock", required=True)
    ap.add_argument("--peer-function", type=int, default=1)
    ap.add_argument("--app-pid", type=int, required=True)
    ap.add_argument("--probe", required=True)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-factor", type=float, default=1)
    args = ap.parse_args()
    global time_factor
    time_factor = args.time_factor
    app = App(args)
    results = {"ok": 0, "fail": 0}

    def report(name, ok, detail=""):
        results["ok" if ok else "fail"] += 1
        print("%s %s%s" % ("ok  " if ok else "FAIL", name, (": " + detail) if detail else ""),
              flush=True)

    # The baseline: after one well-behaved connection pair, so what the first connection
    # creates for good (vhost's per-socket state) is counted in.
    if not app.traffic_ok():
        report("baseline traffic", False)
        return 1
    wait_for(lambda: False, 1)
    base_fds = app.fds()
    base_targets = app.fd_targets()
    base_objects = app.objects()
    print("baseline: %d fds; firmware objects: %s" % (base_fds, base_objects.replace("\n", "; ")),
          flush=True)
    tried = 0
    for r in range(args.rounds):
        for name, case in cases(r, args.seed):
            tried += 1
            outcome = "sent"
            t0 = time.monotonic()
            try:
                fe = FrontEnd(args.sock)
            except OSError as e:
                report(name, False, "connect: %s" % e)
                continue
            try:
                case(fe)
            except Closed:
                outcome = "the back-end closed the connection"
            except AssertionError as e:
                report(name, False, str(e))
                fe.close()
                continue
            except OSError as e:
                outcome = "connection error %s" % errno.errorcode.get(e.errno, e.errno)
            fe.close()
            problems = []
            if not app.alive():
                report(name, False, "the app died")
                return 1
            if not wait_for(lambda: app.fds_ok(base_fds)):
                now = app.fd_targets()
                changed = ["fd %d %s" % (fd, now[fd]) for fd in sorted(now)
                           if base_targets.get(fd) != now[fd] and
                           not now[fd].startswith("/memfd:" + VHOST_LEAKS)]
                problems.append("app fds %d (%d of them DPDK's known leak), baseline %d; new: %s"
                                % (app.fds(), app.dpdk_leaked_fds(), base_fds,
                                   ", ".join(changed) or "none"))
            if not wait_for(lambda: app.objects() == base_objects):
                problems.append("firmware objects %s" % app.objects().replace("\n", "; "))
            if not app.traffic_ok():
                problems.append("no traffic afterwards")
            elif not wait_for(lambda: app.fds_ok(base_fds) and
                              app.objects() == base_objects):
                problems.append("leak after the traffic check")
            report(name, not problems, "; ".join(problems) if problems else
                   "%s, %.1f s" % (outcome, time.monotonic() - t0))
    print("hostile cases tried: %d, passed %d, failed %d; fds lib/vhost leaked (its known bugs): %d"
          % (tried, results["ok"], results["fail"], app.dpdk_leaked_fds()), flush=True)
    return 0 if results["fail"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
