#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two QEMU guests (Linux virtio-net driver, TCG) on our PMD: the vDPA app serves two emulated
# functions on vhost-user sockets, one guest per socket with the MAC of its function; guest A pings
# guest B through the emulated NIC's switch. Checked: replies in A's console, both devices'
# queues completed descriptors (the app's per-queue hardware counters), completion events relayed
# to both devices' callfds, no firmware object left at exit. Guest A's device has a page per
# queue (page-per-vq), so QEMU maps the PMD's doorbell page into the guest (host notifier) and
# its kicks bypass the relay; guest B's has not, so QEMU declines and its kicks are relayed from
# the kickfds: both paths are checked. Guest B's device runs packed rings (packed=on), guest A's
# split ones: Linux's packed ring driver against the engine's. Printed: wall time from A's QEMU
# start to its first reply, guest-to-guest round trips (two frames each) per second, and a TCP
# stream from A to B (frames/s, Mbit/s).
# Exit 77 (skipped) without qemu-system-x86_64.
# Usage: test_qemu_two_guests.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
qemu_test_begin "$@"

# Guest B (function 1) answers; guest A (function 0) pings it. Addresses from the documentation
# range: the frames never leave the emulated NIC.
QEMU_NET_OPTS="${QEMU_NET_OPTS:+$QEMU_NET_OPTS,}packed=on" \
	qemu_guest b "$tmp/vhost-user1" 02:00:00:00:00:01 \
	"guest_ip=192.0.2.2/24 guest_run=serve guest_secs=$(e2e_t 150)" >"$tmp/b.log" 2>&1 &
bpid=$!
e2e_bg
t0=$(date +%s.%N)
QEMU_NET_OPTS="${QEMU_NET_OPTS:+$QEMU_NET_OPTS,}page-per-vq=on" \
	qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=10 guest_secs=5 guest_stream=5" \
	>"$tmp/a.log" 2>&1 &
qpid=$!
e2e_bg
qemu_first_reply "$t0" "$tmp/a.log" "$qpid"
wait "$qpid"; rc=$?
check "guest A powered off by itself (QEMU exit status $rc)" $rc
kill -TERM "$bpid" 2>/dev/null
wait "$bpid"
sed -i 's/\r$//' "$tmp/a.log" "$tmp/b.log"	# serial consoles end lines with CR LF

grep -q "guest: eth0 up 192.0.2.1/24 mac 02:00:00:00:00:00" "$tmp/a.log"
check "guest A's virtio-net driver brought eth0 up with function 0's MAC" $?
grep -q "guest: eth0 up 192.0.2.2/24 mac 02:00:00:00:00:01" "$tmp/b.log"
check "guest B's virtio-net driver brought eth0 up with function 1's MAC" $?
[ -n "$first" ]; check "guest A got a first reply from guest B (${first_wall} s after QEMU start)" $?
grep -q "guest: 10 packets transmitted, 10 packets received, 0% packet loss" "$tmp/a.log"
check "10 of 10 pings answered" $?
rate=$(sed -n 's/.*: \([0-9]*\) round trips\/s/\1/p' "$tmp/a.log")
[ "${rate:-0}" -gt 0 ]; check "back-to-back pings answered (${rate:-0} round trips/s)" $?

stream=$(sed -n 's/^guest: stream //p' "$tmp/a.log")
frames=$(echo "$stream" | awk '{print $1}')
[ "${frames:-0}" -gt 0 ]; check "TCP stream from A to B (${stream:-nothing sent})" $?
# With checksum offload and TSO, the device computes what the guests left out: none is wrong.
set -- $(grep -h "InCsumErrors" "$tmp/a.log" "$tmp/b.log" | awk '{s += $NF; n++} END {print n + 0, s + 0}')
[ "$1" -ge 2 ] && [ "$2" -eq 0 ]
check "no TCP or UDP checksum error in the guests ($1 counters read, $2 errors)" $?

qemu_app_stop "$tmp"
for d in 0 1; do
	for q in 0 1; do
		n=$(qemu_stat_max "$tmp/app.log" "vdpa_mlx5x$d" "$q" completed_desc)
		[ "${n:-0}" -gt 0 ]; check "vdpa_mlx5x$d q$q completed descriptors (${n:-none})" $?
	done
done
grep -q "vid .*: configured 2 of 2 queues.*; split rings" "$tmp/app.log" &&
	grep -q "vid .*: configured 2 of 2 queues.*; packed rings" "$tmp/app.log"
check "one device on split rings, the other on packed rings" $?
n=$(grep -cE "closed; [1-9][0-9]* completion events relayed" "$tmp/app.log")
[ "$n" -ge 2 ]; check "completion events relayed to both devices' callfds ($n devices)" $?
# Only the kicks before QEMU mapped the page reach the relay of the host-notifier device.
on=$(sed -n 's/.* \([0-9]*\) kicks relayed (host notifier on).*/\1/p' "$tmp/app.log")
off=$(sed -n 's/.* \([0-9]*\) kicks relayed (host notifier off).*/\1/p' "$tmp/app.log")
[ -n "$on" ] && [ "$on" -le 16 ]
check "guest A: host notifier mapped, ${on:-?} kicks left to the relay" $?
[ "${off:-0}" -gt 1000 ]
check "guest B: no host notifier, kicks relayed from the kickfds (${off:-none})" $?

echo "boot to first reply: ${first_wall} s from QEMU start (guest uptime" \
	"$(sed -n 's/.*first reply at \([0-9.]*\) s/\1/p' "$tmp/a.log") s)"
echo "guest to guest: ${rate:-0} round trips/s = $(( ${rate:-0} * 2 )) frames/s through the NIC"
echo "guest to guest TCP stream: ${stream:-none}"
e2e_finish "$tmp/app.log" "$tmp/a.log" "$tmp/b.log"
