#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Writes the hand-made seeds of the devargs and ring fuzz targets (formats: fuzz_devargs.c,
fuzz_ring.c) into corpus/<target>/seed-*. The committed corpora are these seeds plus inputs a
libFuzzer run found, merged (-merge=1) to those adding coverage."""
import os
import struct
import sys

IMAGE_BASE = 0x100000
F_NEXT, F_WRITE, F_INDIRECT = 1, 2, 4


def devargs_seeds():
    args = [
        "", "class=vdpa", "ibdev=mlx5_0,class=vdpa",
        "event_mode=0,event_us=0", "event_mode=2,event_core=3",
        "event_us=1000000,no_traffic_time=4294967295", "max_conf_threads=0x10",
        "hw_latency_mode=1,hw_max_latency_us=4095,hw_max_pending_comp=65535",
        "queue_size=256,queues=16", "queue_size=256", "event_core=-1", "event_us= 5",
        "nosuch=1", "event_mode=1,event_mode=2", "ibdev=" + "x" * 70, "class=net", "queues",
        ",,=,", "a=b=c,d", "event_us=18446744073709551616",
    ]
    for i, a in enumerate(args):
        # n_cpus 4, an error buffer of 128 bytes; a few with a tiny one.
        yield "seed-%02d" % i, bytes([4, 128 if i % 4 else 7]) + a.encode()


def desc(addr, length, flags, nxt=0):
    return struct.pack("<QIHH", addr, length, flags, nxt)


def ring_input(rx, size_log2, image, ops, desc_off=0, avail_off=0x100, used_off=0x200,
               avail_idx=0, used_idx=0):
    header = struct.pack("<BBHHIIH", (1 if rx else 0), size_log2, avail_idx, used_idx,
                         desc_off, avail_off, used_off >> 4)
    assert len(header) == 16
    return header + struct.pack("<H", len(image)) + bytes(image) + bytes(ops)


def image_with(descs, heads, avail_idx, size=0x1000, extra=()):
    img = bytearray(size)
    for i, d in enumerate(descs):
        img[i * 16:i * 16 + 16] = d
    img[0x100:0x104] = struct.pack("<HH", 0, avail_idx)
    for i, h in enumerate(heads):
        img[0x104 + 2 * i:0x106 + 2 * i] = struct.pack("<H", h)
    for off, data in extra:
        img[off:off + len(data)] = data
    return img


def ring_seeds():
    buf = IMAGE_BASE + 0x400
    frame = bytes(12) + bytes(range(60))
    tx_poll = [0, 8]
    rx_push = [0] + list(struct.pack("<H", 60))
    # TX: one buffer, a chain of two, an indirect table, a loop, a buffer outside the image.
    yield "seed-tx-single", ring_input(False, 2, image_with(
        [desc(buf, len(frame), 0)], [0], 1, extra=[(0x400, frame)]), tx_poll)
    yield "seed-tx-chain", ring_input(False, 2, image_with(
        [desc(buf, 12, F_NEXT, 1), desc(buf + 12, 60, 0)], [0], 1, extra=[(0x400, frame)]),
        tx_poll)
    yield "seed-tx-indirect", ring_input(False, 2, image_with(
        [desc(IMAGE_BASE + 0x800, 32, F_INDIRECT)], [0], 1,
        extra=[(0x400, frame), (0x800, desc(buf, 12, F_NEXT, 1) + desc(buf + 12, 60, 0))]),
        tx_poll)
    yield "seed-tx-loop", ring_input(False, 2, image_with(
        [desc(buf, 16, F_NEXT, 1), desc(buf, 16, F_NEXT, 0)], [0], 1), tx_poll)
    yield "seed-tx-outside", ring_input(False, 2, image_with(
        [desc(IMAGE_BASE + 0xff0, 0x20, 0)], [0], 1), tx_poll)
    # TX: the guest publishes a second chain between two polls (an image write op).
    yield "seed-tx-publish", ring_input(False, 2, image_with(
        [desc(buf, len(frame), 0), desc(buf, len(frame), 0)], [0, 1], 1,
        extra=[(0x400, frame)]), tx_poll + [1, 0x02, 0x01, 2, 2, 0] + tx_poll + [2])
    # RX: a large buffer, a chain of two small ones, one too small, a read-only one.
    yield "seed-rx-single", ring_input(True, 2, image_with(
        [desc(buf, 2048, F_WRITE)], [0], 1), rx_push + [2])
    yield "seed-rx-chain", ring_input(True, 2, image_with(
        [desc(buf, 40, F_WRITE | F_NEXT, 1), desc(buf + 40, 40, F_WRITE)], [0], 1), rx_push)
    yield "seed-rx-small", ring_input(True, 2, image_with(
        [desc(buf, 20, F_WRITE)], [0], 1), rx_push + rx_push)
    yield "seed-rx-readonly", ring_input(True, 2, image_with(
        [desc(buf, 2048, 0)], [0], 1), rx_push)
    # Rings wrapping: indices start near 65535.
    yield "seed-rx-wrap", ring_input(True, 0, image_with(
        [desc(buf, 2048, F_WRITE)], [0], 0), rx_push + [1, 0x02, 0x01, 2, 1, 0] + rx_push,
        avail_idx=0xffff, used_idx=0xffff)


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus")
    for target, seeds in (("devargs", devargs_seeds()), ("ring", ring_seeds())):
        os.makedirs(os.path.join(root, target), exist_ok=True)
        for name, data in seeds:
            with open(os.path.join(root, target, name), "wb") as f:
                f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
