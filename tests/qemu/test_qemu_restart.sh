#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A guest's QEMU goes away and comes back while the vDPA app keeps running: guest A is killed
# (SIGKILL, no device reset from the guest) in the middle of back-to-back pings to guest B; the
# app must notice the closed socket and tear the device down; a new QEMU on the same socket must
# get its pings answered. That guest then reloads its virtio-net driver: the device is reset and
# set up again on the same vhost-user connection, and pings must still be answered. Checked too:
# every configuration of a device is closed, and no firmware object is left.
# Exit 77 (skipped) without qemu-system-x86_64.
# Usage: test_qemu_restart.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
qemu_test_begin "$@"

qemu_guest b "$tmp/vhost-user1" 02:00:00:00:00:01 \
	"guest_ip=192.0.2.2/24 guest_run=serve guest_secs=$(e2e_t 150)" >"$tmp/b.log" 2>&1 &
bpid=$!
e2e_bg

# First life: killed while it pings as fast as replies come.
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=5 guest_secs=60" \
	>"$tmp/a1.log" 2>&1 &
qpid=$!
e2e_bg
seen=$(qemu_wait_line "$tmp/a1.log" "guest: 5 packets transmitted, 5 packets received" 120 "$qpid")
[ -n "$seen" ]; check "first guest A: 5 of 5 pings answered" $?
sleep "$(e2e_t 1)"
qemu=$(pgrep -P "$qpid")	# QEMU, the only child of timeout
[ -n "$qemu" ] && kill -KILL "$qemu"; check "first guest A's QEMU killed during back-to-back pings" $?
wait "$qpid" 2>/dev/null	# killed: no job notice
closed=$(qemu_wait_line "$tmp/app.log" "closed;" 10)
[ -n "$closed" ]; check "app tore device 0 down when QEMU vanished" $?

# Second life on the same socket.
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=5 guest_secs=1 guest_reload=1" \
	>"$tmp/a2.log" 2>&1 &
qpid=$!
e2e_bg
wait "$qpid"; rc=$?
check "second guest A powered off by itself (QEMU exit status $rc)" $rc
kill -TERM "$bpid" 2>/dev/null
wait "$bpid"
sed -i 's/\r$//' "$tmp"/a?.log "$tmp/b.log"	# serial consoles end lines with CR LF
grep -q "guest: 5 packets transmitted, 5 packets received, 0% packet loss" "$tmp/a2.log"
check "second guest A: 5 of 5 pings answered" $?
grep -q "guest: reload 5 packets transmitted, 5 packets received, 0% packet loss" "$tmp/a2.log"
check "second guest A after its driver's reload (device reset): 5 of 5 pings answered" $?

qemu_app_stop "$tmp"
n=$(grep -cE "closed; [0-9]+ completion events relayed" "$tmp/app.log")
[ "$n" -eq 4 ]
check "4 configurations closed (A killed, A reset, A powered off, B: $n)" $?
e2e_finish "$tmp/app.log" "$tmp/a1.log" "$tmp/a2.log" "$tmp/b.log"
