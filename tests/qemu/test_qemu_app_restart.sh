#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The vDPA app goes away and comes back while both guests keep running: QEMU (reconnect=1) connects
# again to the new app, which must take the rings over where they stand (vhost-user vring bases
# not 0) and carry on. Guest A pings B every 0.2 s across the restart. Checked: the first app exits
# cleanly with no firmware object left; the pings after the restart are answered; the second app
# starts both devices' rings at the indices the guests had reached; when A powers off, the ring
# indices the PMD hands back (GET_VRING_BASE) match the frames A's driver counted; no firmware
# object left.
# Exit 77 (skipped) without qemu-system-x86_64.
# Usage: test_qemu_app_restart.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
qemu_reconnect=1
qemu_app_vhost_log=info		# vring bases set and handed back
qemu_test_begin "$@" "$e2e_tmp/app1.log" "first app"
# A's pings (0.2 s apart, run by the guest, whose speed TSan does not change) must outlast the
# restart, whose steps (the stats interval waited for, the apps' exit and start) scale with the
# time factor: so do their number and the pings the restart may cost.
pings=$((50 * e2e_tf))
lost_max=$((10 * e2e_tf))

qemu_guest b "$tmp/vhost-user1" 02:00:00:00:00:01 \
	"guest_ip=192.0.2.2/24 guest_run=serve guest_secs=$(e2e_t 150)" >"$tmp/b.log" 2>&1 &
bpid=$!
e2e_bg
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=$pings guest_secs=1" \
	>"$tmp/a.log" 2>&1 &
qpid=$!
e2e_bg
seen=$(qemu_wait_seq "$tmp/a.log" 5 120 "$qpid")
[ -n "$seen" ]; check "pings answered through the first app" $?
qemu_app_stop "$tmp" "$tmp/app1.log"	# one stats interval later
qemu_app_start "$tmp" "$tmp/app2.log"; check "second app serves both vhost-user sockets" $?
wait "$qpid"; rc=$?
check "guest A powered off by itself (QEMU exit status $rc)" $rc
kill -TERM "$bpid" 2>/dev/null
wait "$bpid"
qemu_app_stop "$tmp" "$tmp/app2.log"
sed -i 's/\r$//' "$tmp/a.log" "$tmp/b.log"	# serial consoles end lines with CR LF

got=$(sed -n "s/^guest: $pings packets transmitted, \([0-9]*\) packets received.*/\1/p" "$tmp/a.log")
[ "${got:-0}" -ge $((pings - lost_max)) ]
check "pings answered across the restart (${got:-0} of $pings)" $?
grep -q "^guest: 64 bytes from 192.0.2.2: seq=$((pings - 1)) " "$tmp/a.log"
check "the last ping, well after the restart, answered" $?
for s in 0 1; do
	grep -qE "vhost-user$s\) vring base idx:0 last_used_idx:[1-9][0-9]* " "$tmp/app2.log"
	check "second app resumed device $s's rings where they stood" $?
done
# Ring indices at A's power-off against A's counters (a late ARP may add a frame or two).
rx=$(sed -n 's/^guest: eth0 rx_packets \([0-9]*\) tx_packets.*/\1/p' "$tmp/a.log")
tx=$(sed -n 's/^guest: eth0 rx_packets [0-9]* tx_packets \([0-9]*\)/\1/p' "$tmp/a.log")
base() { sed -n "s/.*vhost-user0) vring base idx:$1 file:\([0-9]*\)$/\1/p" "$tmp/app2.log" | tail -1; }
rxb=$(base 0)
txb=$(base 1)
d=$(( (${rxb:-0} - ${rx:-0} + 65536) % 65536 ))
[ -n "$rxb" ] && [ "$d" -le 2 ]
check "A's RX ring index at power-off ($rxb) matches its received frames ($rx)" $?
d=$(( (${txb:-0} - ${tx:-0} + 65536) % 65536 ))
[ -n "$txb" ] && [ "$d" -le 2 ]
check "A's TX ring index at power-off ($txb) matches its sent frames ($tx)" $?
e2e_finish "$tmp/app1.log" "$tmp/app2.log" "$tmp/a.log" "$tmp/b.log"
