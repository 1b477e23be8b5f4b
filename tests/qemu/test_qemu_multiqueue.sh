#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Multi-queue guests on our PMD: guest A has 2 CPUs and a virtio-net device of 2 queue pairs
# (mq=on); guest B has 2 CPUs and 4 queue pairs, of which Linux enables 2 (one per CPU) while QEMU
# still hands over all 8 rings. Linux gives A's CPU k the TX queue of pair k; A pings B from each
# CPU in turn, then from 8 extra source addresses (8 flows, which RSS spreads over the RX queues).
# Checked: every ping answered; the PMD configured 4 and 8 hardware virtqs; the app's hardware
# counters show completed descriptors on both of A's TX queues (virtqs 1 and 3), on both of B's
# enabled RX queues (0 and 2) and none on B's disabled ones (4 and 6: the RQT holds enabled
# queues only).
# Exit 77 (skipped) without qemu-system-x86_64.
# Usage: test_qemu_multiqueue.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
qemu_test_begin "$@"

qemu_guest b "$tmp/vhost-user1" 02:00:00:00:00:01 \
	"guest_ip=192.0.2.2/24 guest_run=serve guest_secs=$(e2e_t 150)" 4 2 >"$tmp/b.log" 2>&1 &
bpid=$!
e2e_bg
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=5 guest_secs=2 guest_flows=8" \
	2 2 >"$tmp/a.log" 2>&1 &
qpid=$!
e2e_bg
wait "$qpid"; rc=$?
check "guest A powered off by itself (QEMU exit status $rc)" $rc
# B stays connected for one more stats interval: the app's last lines of B hold the final counts.
sleep "$(e2e_t 2.5)"
kill -TERM "$bpid" 2>/dev/null
wait "$bpid"
sed -i 's/\r$//' "$tmp/a.log" "$tmp/b.log"	# serial consoles end lines with CR LF

grep -q "guest: eth0 up 192.0.2.1/24 mac 02:00:00:00:00:00 cpus 2 tx queues 2" "$tmp/a.log"
check "guest A's eth0 has 2 CPUs and 2 TX queues" $?
grep -q "guest: eth0 up 192.0.2.2/24 mac 02:00:00:00:00:01 cpus 2 tx queues 2" "$tmp/b.log"
check "guest B's eth0 has 2 CPUs and 2 of its 4 queue pairs enabled" $?
grep -q "guest: 5 packets transmitted, 5 packets received, 0% packet loss" "$tmp/a.log"
check "5 of 5 pings answered" $?
for c in 0 1; do
	grep -q "guest: cpu $c received 5 of 5" "$tmp/a.log"
	check "pings sent from guest CPU $c answered" $?
done
grep -q "guest: flows answered 8 of 8" "$tmp/a.log"
check "pings of 8 flows (source addresses) answered" $?

qemu_app_stop "$tmp"
grep -q "configured 4 of 4 queues" "$tmp/app.log"; check "A's 4 virtqs configured" $?
grep -q "configured 8 of 8 queues" "$tmp/app.log"; check "B's 8 virtqs configured" $?
for q in 1 3; do
	n=$(qemu_stat_max "$tmp/app.log" vdpa_mlx5x0 "$q" completed_desc)
	[ "${n:-0}" -gt 0 ]; check "guest A's TX virtq $q completed descriptors (${n:-none})" $?
done
for q in 0 2; do
	n=$(qemu_stat_max "$tmp/app.log" vdpa_mlx5x1 "$q" completed_desc)
	[ "${n:-0}" -gt 0 ]; check "guest B's RX virtq $q completed descriptors (${n:-none})" $?
done
for q in 4 6; do
	n=$(qemu_stat_max "$tmp/app.log" vdpa_mlx5x1 "$q" completed_desc)
	[ "${n:-0}" -eq 0 ]; check "guest B's disabled RX virtq $q got nothing (${n:-none})" $?
done
for d in 0 1; do
	grep "^vdpa_mlx5x$d q[0-9]: " "$tmp/app.log" | tail -"$((d == 0 ? 4 : 8))" | sed 's/^/    /'
done
e2e_finish "$tmp/app.log" "$tmp/a.log" "$tmp/b.log"
