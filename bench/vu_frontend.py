#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A minimal scripted vhost-user front-end for the bring-up benchmark: connects to a vhost-user
socket and brings a virtio-net device up the way a VMM does (owner, features, protocol features,
one memory region of the guest's size, then per vring call fd, size, base, addresses, kick fd,
then enables every vring and sets DRIVER_OK), sends it all at once, stays connected, and leaves.
DPDK's virtio-user takes at most 8 queue pairs; this front-end takes any number, any memory size
(a sparse memfd: no guest page is touched), and spends no time between messages, so the time
measured is the back-end's.

Usage: vu_frontend.py SOCKET QUEUE_PAIRS MEM_GIB HOLD_SECONDS [VRING:TIMES | migrate]
                      [--run CMD...]
With VRING:TIMES, once the device is up, vring VRING is disabled and enabled again TIMES times
(0.3 s apart), as a VMM does when the guest changes its queue count (tests/pmd/).
With --run, once the device is up CMD plays the guest (bench/relay_load.c): it inherits the
guest memory and the vrings' eventfds, named in VU_MEM_FD, VU_MEM_SIZE, VU_KICK_FDS and
VU_CALL_FDS (one per vring, comma-separated), VU_RINGS_GPA, VU_RING_STRIDE and VU_QUEUE_SIZE;
the front-end stays connected until it exits (then HOLD_SECONDS more) and exits with its status.
With migrate (bench/switchover.sh), once the device is up it plays both ends of a live
migration's switch-over: the source stops the device as QEMU does, with GET_VRING_BASE on every
vring in turn (each reply awaited), and leaves; then, on a new connection, the destination
configures the device again as QEMU does there (memory table, then per vring size, the source's
base, addresses, kick and call fds, then every vring enabled and DRIVER_OK), and holds it.
"""
import os
import socket
import struct
import subprocess
import sys
import time

GET_FEATURES, SET_FEATURES, SET_OWNER = 1, 2, 3
SET_MEM_TABLE = 5
SET_VRING_NUM, SET_VRING_ADDR, SET_VRING_BASE, GET_VRING_BASE = 8, 9, 10, 11
SET_VRING_KICK, SET_VRING_CALL = 12, 13
GET_PROTOCOL_FEATURES, SET_PROTOCOL_FEATURES = 15, 16
SET_VRING_ENABLE = 18
SET_STATUS = 39

VERSION = 0x1
F_PROTOCOL_FEATURES = 1 << 30
WANTED_FEATURES = (1 << 32) | (1 << 22) | F_PROTOCOL_FEATURES  # VERSION_1, MQ
PROTOCOL_MQ, PROTOCOL_STATUS = 1 << 0, 1 << 16
STATUS_DRIVER_OK = 0x0f     # ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK

QUEUE_SIZE = 256
RING_STRIDE = 0x4000        # desc 4 KiB, avail at +4 KiB, used at +8 KiB
RINGS_GPA = 0x100000        # DPDK's mlx5 vDPA PMD takes a ring at guest address 0 for a failure
GUEST_VA = 0x7e0000000000   # the front-end's address of guest memory, as a VMM would send it


def send(sock, req, payload=b"", fds=()):
    msg = struct.pack("<III", req, VERSION, len(payload)) + payload
    anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("<%di" % len(fds), *fds))] \
        if fds else []
    sock.sendmsg([msg], anc)


def recv_reply(sock, req, size):
    hdr = sock.recv(12, socket.MSG_WAITALL)
    r, _, got = struct.unpack("<III", hdr)
    body = sock.recv(got, socket.MSG_WAITALL)
    if r != req or got != size:
        sys.exit("unexpected reply %d (size %d) to request %d" % (r, got, req))
    return body


def recv_u64(sock, req):
    return struct.unpack("<Q", recv_reply(sock, req, 8))[0]


def handshake(path, size, mem):
    """Connects, negotiates features, sends the memory table; returns the socket and the
    protocol features agreed."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect(path)
    send(sock, SET_OWNER)
    send(sock, GET_FEATURES)
    features = recv_u64(sock, GET_FEATURES) & WANTED_FEATURES
    if features & F_PROTOCOL_FEATURES:
        send(sock, GET_PROTOCOL_FEATURES)
        proto = recv_u64(sock, GET_PROTOCOL_FEATURES) & (PROTOCOL_MQ | PROTOCOL_STATUS)
        send(sock, SET_PROTOCOL_FEATURES, struct.pack("<Q", proto))
    else:
        proto = 0
    send(sock, SET_FEATURES, struct.pack("<Q", features))
    send(sock, SET_MEM_TABLE, struct.pack("<II", 1, 0) +
         struct.pack("<QQQQ", 0, size, GUEST_VA, 0), (mem,))
    return sock, proto


def configure(sock, proto, bases, efds, call_first=True):
    """Sets every vring up (from the base given for it), enables them all and sets DRIVER_OK.
    A VMM bringing a device up sends the call fd first; QEMU starting a device (as on a
    migration's destination) sends it last."""
    for i, vbase in enumerate(bases):
        call, kick = os.eventfd(0, os.EFD_NONBLOCK), os.eventfd(0, os.EFD_NONBLOCK)
        efds += [call, kick]
        base = GUEST_VA + RINGS_GPA + i * RING_STRIDE
        if call_first:
            send(sock, SET_VRING_CALL, struct.pack("<Q", i), (call,))
        send(sock, SET_VRING_NUM, struct.pack("<II", i, QUEUE_SIZE))
        send(sock, SET_VRING_BASE, struct.pack("<II", i, vbase))
        send(sock, SET_VRING_ADDR, struct.pack("<IIQQQQ", i, 0, base, base + 0x2000,
                                               base + 0x1000, 0))
        send(sock, SET_VRING_KICK, struct.pack("<Q", i), (kick,))
        if not call_first:
            send(sock, SET_VRING_CALL, struct.pack("<Q", i), (call,))
    for i in range(len(bases)):
        send(sock, SET_VRING_ENABLE, struct.pack("<II", i, 1))
    if proto & PROTOCOL_STATUS:
        send(sock, SET_STATUS, struct.pack("<Q", STATUS_DRIVER_OK))


def stop(sock, nvrings):
    """Stops the device as a migration's source does: GET_VRING_BASE on each vring in turn."""
    bases = []
    for i in range(nvrings):
        send(sock, GET_VRING_BASE, struct.pack("<II", i, 0))
        index, num = struct.unpack("<II", recv_reply(sock, GET_VRING_BASE, 8))
        if index != i:
            sys.exit("GET_VRING_BASE reply for vring %d, asked %d" % (index, i))
        bases.append(num)
    return bases


def run_guest(cmd, mem, size, calls, kicks):
    env = dict(os.environ, VU_MEM_FD=str(mem), VU_MEM_SIZE=str(size),
               VU_KICK_FDS=",".join(map(str, kicks)), VU_CALL_FDS=",".join(map(str, calls)),
               VU_RINGS_GPA=str(RINGS_GPA), VU_RING_STRIDE=str(RING_STRIDE),
               VU_QUEUE_SIZE=str(QUEUE_SIZE))
    return subprocess.run(cmd, env=env, pass_fds=[mem] + calls + kicks, check=False).returncode


def main():
    argv, cmd = sys.argv, []
    if "--run" in argv:
        argv, cmd = argv[:argv.index("--run")], argv[argv.index("--run") + 1:]
    path, qps, gib, hold = argv[1], int(argv[2]), int(argv[3]), float(argv[4])
    mode = argv[5] if len(argv) > 5 else ""
    nvrings = 2 * qps
    size = gib << 30
    if RINGS_GPA + nvrings * RING_STRIDE > size:
        sys.exit("guest memory too small for the rings")
    mem = os.memfd_create("guest", 0)
    os.ftruncate(mem, size)
    efds = []
    sock, proto = handshake(path, size, mem)
    configure(sock, proto, [0] * nvrings, efds)
    if mode == "migrate":
        time.sleep(hold)
        bases = stop(sock, nvrings)
        print("source: vring bases", bases, flush=True)
        sock.close()
        # The source's PMD may finish its clean-up after the last reply (DPDK's does, in a
        # thread): let it, as the destination is another host.
        time.sleep(0.5)
        sock, proto = handshake(path, size, mem)
        configure(sock, proto, bases, efds, call_first=False)
    elif mode:
        vring, times = (int(v) for v in mode.split(":"))
        for _ in range(times):
            time.sleep(0.3)
            send(sock, SET_VRING_ENABLE, struct.pack("<II", vring, 0))
            time.sleep(0.3)
            send(sock, SET_VRING_ENABLE, struct.pack("<II", vring, 1))
    # The call and kick fds of the last configuration, in vring order.
    rc = run_guest(cmd, mem, size, efds[-2 * nvrings::2], efds[-2 * nvrings + 1::2]) \
        if cmd else 0
    time.sleep(hold)
    sock.close()
    for fd in efds + [mem]:
        os.close(fd)
    sys.exit(rc)


if __name__ == "__main__":
    main()
