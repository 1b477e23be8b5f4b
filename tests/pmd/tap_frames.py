#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# The host's end of a TAP interface, for the uplink tests (needs CAP_NET_RAW):
#   tap_frames.py count IFACE STOPFILE  frames the NIC writes to the TAP until STOPFILE exists:
#                                       "ready" once listening, then at the end "total N" and
#                                       "<src mac> <ethertype> N" per kind
#   tap_frames.py inject IFACE DST N    N frames (ethertype 0x88b5, 60 bytes) into the NIC
import os
import socket
import sys

ETH_P_ALL = 0x0003
INJECT_SRC = bytes.fromhex("02feedc0ffee")


def open_tap(iface):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    return s


def count(iface, stopfile):
    s = open_tap(iface)
    # A burst must not overflow the socket while Python reads it (FORCE: above rmem_max).
    s.setsockopt(socket.SOL_SOCKET, getattr(socket, "SO_RCVBUFFORCE", 33), 8 << 20)
    s.settimeout(0.1)
    kinds = {}
    print("ready", flush=True)
    while not os.path.exists(stopfile):
        try:
            frame, addr = s.recvfrom(65536)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING:	# the host's own frames into the NIC
            continue
        key = "%s %s" % (frame[6:12].hex(":"), frame[12:14].hex())
        kinds[key] = kinds.get(key, 0) + 1
    print("total", sum(kinds.values()))
    for key, n in sorted(kinds.items()):
        print(key, n)


def inject(iface, dst, n):
    s = open_tap(iface)
    dst = bytes.fromhex(dst.replace(":", ""))
    for i in range(n):
        s.send(dst + INJECT_SRC + b"\x88\xb5" + bytes([i & 0xff]) * 46)
    print("injected", n)


if __name__ == "__main__":
    if sys.argv[1] == "count":
        count(sys.argv[2], sys.argv[3])
    else:
        inject(sys.argv[2], sys.argv[3], int(sys.argv[4]))
