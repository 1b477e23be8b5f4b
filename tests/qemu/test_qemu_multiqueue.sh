#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Multi-queue guests on our PMD: guest A has 2 CPUs and a virtio-net device of 2 queue pairs
# (mq=on); guest B has 1 CPU and 4 queue pairs, of which Linux enables one (one per CPU) while
# QEMU still hands over all 8 rings. Linux gives A's CPU k the TX queue of pair k; A pings B from
# each CPU in turn. Checked: every ping from both CPUs answered; the PMD configured 4 and 8
# hardware virtqs; the app's hardware counters show completed descriptors on both of A's TX
# queues (virtqs 1 and 3) and on B's RX queue (the emulated switch delivers to a function's first
# RX queue: no RSS yet).
# Exit 77 (skipped) without qemu-system-x86_64.
# Usage: test_qemu_multiqueue.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
set -u
app="$1"
pmd="$2"
emu="$3"
guestdir="$4"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/e2e.sh"
. "$here/qemu-lib.sh"
tmp=$e2e_tmp

qemu_require || exit 77
qemu_make_guest "$guestdir" || { check "guest kernel and initramfs prepared" 1; e2e_finish; exit; }
qemu_app_start "$tmp"; rc=$?
check "app serves both vhost-user sockets" $rc
[ "$rc" -eq 0 ] || { e2e_finish "$tmp/app.log"; exit; }

qemu_guest b "$tmp/vhost-user1" 02:00:00:00:00:01 \
	"guest_ip=192.0.2.2/24 guest_run=serve guest_secs=150" 4 1 >"$tmp/b.log" 2>&1 &
bpid=$!
e2e_bg
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=5 guest_secs=2" \
	2 2 >"$tmp/a.log" 2>&1 &
qpid=$!
e2e_bg
wait "$qpid"; rc=$?
check "guest A powered off by itself (QEMU exit status $rc)" $rc
kill -TERM "$bpid" 2>/dev/null
wait "$bpid"
sed -i 's/\r$//' "$tmp/a.log" "$tmp/b.log"	# serial consoles end lines with CR LF

grep -q "guest: eth0 up 192.0.2.1/24 mac 02:00:00:00:00:00 cpus 2 tx queues 2" "$tmp/a.log"
check "guest A's eth0 has 2 CPUs and 2 TX queues" $?
grep -q "guest: 5 packets transmitted, 5 packets received, 0% packet loss" "$tmp/a.log"
check "5 of 5 pings answered" $?
for c in 0 1; do
	grep -q "guest: cpu $c received 5 of 5" "$tmp/a.log"
	check "pings sent from guest CPU $c answered" $?
done

grep -q "guest: eth0 up 192.0.2.2/24 mac 02:00:00:00:00:01 cpus 1 tx queues 1" "$tmp/b.log"
check "guest B's eth0 has 1 CPU and 1 TX queue enabled" $?

qemu_app_stop "$tmp"
grep -q "configured 4 of 4 queues" "$tmp/app.log"; check "A's 4 virtqs configured" $?
grep -q "configured 8 of 8 queues" "$tmp/app.log"; check "B's 8 virtqs configured" $?
for q in 1 3; do
	n=$(qemu_stat_max "$tmp/app.log" vdpa_mlx5x0 "$q" completed_desc)
	[ "${n:-0}" -gt 0 ]; check "guest A's TX virtq $q completed descriptors (${n:-none})" $?
done
n=$(qemu_stat_max "$tmp/app.log" vdpa_mlx5x1 0 completed_desc)
[ "${n:-0}" -gt 0 ]; check "guest B's RX virtq 0 completed descriptors (${n:-none})" $?
grep "^vdpa_mlx5x0 q[0-3]: " "$tmp/app.log" | tail -4 | sed 's/^/    /'
e2e_finish "$tmp/app.log" "$tmp/a.log" "$tmp/b.log"
