#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A QEMU guest (Linux virtio-net driver, TCG) pings the host through the emulated NIC's TAP uplink:
# the host's TAP interface has 198.51.100.1/24, the NIC's uplink is that TAP (MLX5_EMU
# wire=tap:<if>), the guest on function 0 has 198.51.100.2/24. The guest's ARP broadcast floods to
# the uplink, the host's answer comes back to the function owning the guest's MAC, the echo
# requests go to the uplink as unknown unicast. Checked: replies in the guest's console (10 of 10
# and back-to-back), the guest's frame counters equal to the TAP's (both directions), function
# 0's queues' counters, no firmware object left. Printed: wall time from QEMU start to the first reply.
# Needs root (or CAP_NET_ADMIN) for the TAP: without, it fails. Exit 77 (skipped) without QEMU.
# Usage: test_qemu_host_ping.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
qemu_require || exit 77
tap="mvqp$e2e_id"
tap=${tap:0:15}
e2e_tap "$tap" 198.51.100.1/24; check "host's TAP interface $tap up with 198.51.100.1/24" $?
# The host knows the guest's MAC for good: no ARP probe of its own, which could cross the
# guest's counters below. The guest still resolves the host's MAC by a broadcast.
ip neigh replace 198.51.100.2 lladdr 02:00:00:00:00:00 dev "$tap" nud permanent
check "host's static neighbour entry for the guest" $?
[ "$e2e_fails" -eq 0 ] || { e2e_finish; exit; }
qemu_app_emu="wire=tap:$tap"
qemu_test_begin "$@"

t0=$(date +%s.%N)
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=198.51.100.2/24 guest_peer=198.51.100.1 guest_run=ping guest_count=10 guest_secs=3" \
	>"$tmp/a.log" 2>&1 &
qpid=$!
e2e_bg
qemu_first_reply "$t0" "$tmp/a.log" "$qpid"
wait "$qpid"; rc=$?
check "guest powered off by itself (QEMU exit status $rc)" $rc
sed -i 's/\r$//' "$tmp/a.log"	# the serial console ends lines with CR LF

grep -q "guest: eth0 up 198.51.100.2/24 mac 02:00:00:00:00:00" "$tmp/a.log"
check "the guest's virtio-net driver brought eth0 up with function 0's MAC" $?
[ -n "$first" ]; check "the guest got a first reply from the host (${first_wall} s after QEMU start)" $?
grep -q "guest: 10 packets transmitted, 10 packets received, 0% packet loss" "$tmp/a.log"
check "10 of 10 pings to the host answered" $?
rate=$(sed -n 's/.*: \([0-9]*\) round trips\/s/\1/p' "$tmp/a.log")
sent=$(sed -n 's/^guest: flood \([0-9]*\) packets transmitted.*/\1/p' "$tmp/a.log")
[ "${rate:-0}" -gt 0 ]; check "back-to-back pings answered (${rate:-0} round trips/s)" $?
# Exactly what one side sent, the other received: the guest's eth0 counters (printed before it
# powers off) against the TAP's kernel counters.
set -- $(sed -n 's/^guest: eth0 rx_packets \([0-9]*\) tx_packets \([0-9]*\)$/\1 \2/p' "$tmp/a.log")
guest_rx=${1:-none} guest_tx=${2:-none}
host_rx=$(cat "/sys/class/net/$tap/statistics/rx_packets")
host_tx=$(cat "/sys/class/net/$tap/statistics/tx_packets")
[ "$host_rx" = "$guest_tx" ]
check "every frame the guest sent reached the host's TAP (guest sent $guest_tx, TAP received $host_rx)" $?
[ "$host_tx" = "$guest_rx" ]
check "every frame the host sent reached the guest (TAP sent $host_tx, guest received $guest_rx)" $?
[ "$host_rx" -ge $((11 + ${sent:-0})) ]
check "the host received at least the $((11 + ${sent:-0})) echo requests" $?

qemu_app_stop "$tmp"
for q in 0 1; do
	n=$(qemu_stat_max "$tmp/app.log" vdpa_mlx5x0 "$q" completed_desc)
	# Sampled every 2 s while the guest is connected: the first 11 pings at least.
	[ "${n:-0}" -ge 11 ]; check "vdpa_mlx5x0 q$q completed descriptors (${n:-none})" $?
done

echo "boot to first reply from the host: ${first_wall} s from QEMU start (guest uptime" \
	"$(sed -n 's/.*first reply at \([0-9.]*\) s/\1/p' "$tmp/a.log") s)"
echo "guest to host: ${rate:-0} round trips/s through the TAP uplink"
e2e_finish "$tmp/app.log" "$tmp/a.log"
