#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A guest's QEMU goes away and comes back while the vDPA app keeps running: guest A is killed
# (SIGKILL, no device reset from the guest) in the middle of back-to-back pings to guest B; the
# app must notice the closed socket and tear the device down; a new QEMU on the same socket must
# get its pings answered. That guest then reloads its virtio-net driver: the device is reset and
# set up again on the same vhost-user connection, and pings must still be answered. Checked too:
# every configuration of a device is closed, and no firmware object is left.
# RESTARTS (1 by default) is how many lives of A are killed before the last one. With EMU_PROBE
# (tests/robust/emu_probe.so, preloaded into the app), after each kill, once the device is torn
# down, the app's open fds, live firmware objects and resident memory are recorded: fds and
# objects must be back at their values after the first kill, and memory must not climb.
# Exit 77 (skipped) without qemu-system-x86_64.
# Usage: test_qemu_restart.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder>
#                             [RESTARTS [EMU_PROBE]]
set -u
restarts=${5:-1}
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
qemu_app_probe=${6:-}
# Each life of A takes 10-20 s under TCG.
qemu_app_seconds=$((300 + restarts * 40))
qemu_test_begin "$1" "$2" "$3" "$4"
app_pid=$(pgrep -P "$qemu_app_pid" | head -1)

QEMU_TIMEOUT=$(e2e_t $((180 + restarts * 40))) qemu_guest b "$tmp/vhost-user1" 02:00:00:00:00:01 \
	"guest_ip=192.0.2.2/24 guest_run=serve guest_secs=$(e2e_t $((150 + restarts * 40)))" \
	>"$tmp/b.log" 2>&1 &
bpid=$!
e2e_bg

closes() { grep -c "closed;" "$tmp/app.log"; }
app_fds() { ls "/proc/$app_pid/fd" 2>/dev/null | wc -l; }
app_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$app_pid/status" 2>/dev/null; }
closes_above() { [ "$(closes)" -gt "$1" ]; }
fds_at_most() { [ "$(app_fds)" -le "$1" ]; }
objects_at_most() { [ "$(e2e_probe_objects "$tmp/probe")" -le "$1" ]; }

# Lives killed while they ping as fast as replies come.
answered=0 killed=0 torn=0 fds_list="" objs_list="" rss_list=""
for ((i = 1; i <= restarts; i++)); do
	n=$(closes)
	qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
		"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=5 guest_secs=60" \
		>"$tmp/a1.log" 2>&1 &
	qpid=$!
	e2e_bg
	seen=$(qemu_wait_line "$tmp/a1.log" "guest: 5 packets transmitted, 5 packets received" 120 "$qpid")
	if [ -n "$seen" ]; then
		answered=$((answered + 1))
	else
		cp "$tmp/a1.log" "$tmp/a1-failed$i.log"
	fi
	sleep "$(e2e_t 1)"
	qemu=$(pgrep -P "$qpid")	# QEMU, the only child of timeout
	[ -n "$qemu" ] && kill -KILL "$qemu" && killed=$((killed + 1))
	wait "$qpid" 2>/dev/null	# killed: no job notice
	e2e_wait_for 10 closes_above "$n" && torn=$((torn + 1))
	[ -n "$qemu_app_probe" ] || continue
	# Settled: what lib/vhost and the PMD release after the close line, given 5 s to go.
	if [ "$i" -gt 1 ]; then
		e2e_wait_for 5 fds_at_most "$fds1"
		e2e_wait_for 5 objects_at_most "$objs1"
	else
		sleep "$(e2e_t 1)"	# the reference: nothing to wait for yet
	fi
	fds=$(app_fds) objs=$(e2e_probe_objects "$tmp/probe") rss=$(app_rss)
	[ "$i" -gt 1 ] || { fds1=$fds objs1=$objs rss1=$rss; }
	fds_list="$fds_list $fds" objs_list="$objs_list $objs" rss_list="$rss_list $rss"
done
if [ "$restarts" -eq 1 ]; then
	[ "$answered" -eq 1 ]; check "first guest A: 5 of 5 pings answered" $?
	[ "$killed" -eq 1 ]; check "first guest A's QEMU killed during back-to-back pings" $?
	[ "$torn" -eq 1 ]; check "app tore device 0 down when QEMU vanished" $?
else
	[ "$answered" -eq "$restarts" ]
	check "each of $restarts lives of guest A: 5 of 5 pings answered ($answered were)" $?
	[ "$killed" -eq "$restarts" ]
	check "each life's QEMU killed during back-to-back pings ($killed were)" $?
	[ "$torn" -eq "$restarts" ]
	check "app tore device 0 down each time QEMU vanished ($torn times)" $?
fi
if [ -n "$qemu_app_probe" ]; then
	echo "after each of $restarts kills: app fds:$fds_list"
	echo "live firmware objects:$objs_list"
	echo "app RSS (kB):$rss_list"
	[ "$fds" -le "$fds1" ]; check "app's open fds back at their value after the first kill ($fds1, last $fds)" $?
	[ "$objs" -le "$objs1" ]
	check "live firmware objects back at their value after the first kill ($objs1, last $objs)" $?
	# Allocators keep some memory; a leak per restart would show as a steady climb.
	[ "$rss" -le $((rss1 + 4096)) ]
	check "app's resident memory not grown by more than 4 MiB (${rss1} kB after the first kill, ${rss} kB after the last)" $?
fi

# The last life on the same socket.
qemu_guest a "$tmp/vhost-user0" 02:00:00:00:00:00 \
	"guest_ip=192.0.2.1/24 guest_peer=192.0.2.2 guest_run=ping guest_count=5 guest_secs=1 guest_reload=1" \
	>"$tmp/a2.log" 2>&1 &
qpid=$!
e2e_bg
wait "$qpid"; rc=$?
check "last guest A powered off by itself (QEMU exit status $rc)" $rc
kill -TERM "$bpid" 2>/dev/null
wait "$bpid"
sed -i 's/\r$//' "$tmp"/a[0-9]*.log "$tmp/b.log"	# serial consoles end lines with CR LF
grep -q "guest: 5 packets transmitted, 5 packets received, 0% packet loss" "$tmp/a2.log"
check "last guest A: 5 of 5 pings answered" $?
grep -q "guest: reload 5 packets transmitted, 5 packets received, 0% packet loss" "$tmp/a2.log"
check "last guest A after its driver's reload (device reset): 5 of 5 pings answered" $?

qemu_app_stop "$tmp"
n=$(grep -cE "closed; [0-9]+ completion events relayed" "$tmp/app.log")
[ "$n" -eq $((restarts + 3)) ]
check "$((restarts + 3)) configurations closed (A killed $restarts times, A reset, A powered off, B: $n)" $?
e2e_finish "$tmp/app.log" "$tmp"/a[0-9]*.log "$tmp/b.log"
