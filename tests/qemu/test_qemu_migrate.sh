#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live migration of a guest between two QEMU processes, each on its own vDPA app and emulated
# NIC (two "hosts"). On each NIC the second function serves a DPDK virtio-user front-end
# (testpmd, icmpecho) that answers ARP and pings, so no uplink is needed. The guest pings it
# every 0.2 s while the source QEMU migrates to the destination (-incoming) over a UNIX socket,
# after a first migration cancelled while it ran (LOG_ALL set, then taken away again).
# Checked: dirty logging goes on and off with the cancelled migration; the migration completes;
# at the switch-over, both guests paused, their memories are the same byte for byte (every page
# the source's device wrote reached the destination); replies keep coming after the switch-over,
# none is duplicated and neither guest kernel reports a fault; the source PMD logged dirty pages
# through the hardware queues (the emulator's count) and stopped them while logging; the
# destination started its queues at the indices the source stopped at. Prints QEMU's downtime
# and total time. Exit 77 without qemu-system-x86_64.
# With "fault", the source's firmware fails the first virtq MODIFY (switching logging on): the
# PMD must then mark all guest memory dirty at the stop, and the migration must still be right.
# Usage: test_qemu_migrate.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder> [fault]
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
app=$1
pmd=$2
emu=$3
here=$(cd "$(dirname "$0")" && pwd)
qmp=$here/qmp.py
tmp=$e2e_tmp
count=600		# pings, 0.2 s apart: more than the test needs (it ends the guest), times
			# the time factor (the test's waits scale with it, the guest's pace does not)
fault=${5:-}
qemu_require || exit 77
qemu_make_guest "$4" || { check "guest kernel and initramfs prepared" 1; e2e_finish; exit; }

qemu_app_vhost_log=info	# the source logs the indices it hands back at the stop
[ -z "$fault" ] || qemu_app_emu="fault=0xa01/0xd:1:0x3"
qemu_host_start src
qemu_app_emu=""
qemu_app_pmd_log=debug		# the destination logs where its queues start
qemu_host_start dst

guest="guest_ip=10.0.0.1/24 guest_peer=10.0.0.2 guest_run=ping guest_count=$((count * e2e_tf)) guest_secs=1"
sed_cr() { sed -i 's/\r$//' "$@"; }

qemu_extra=(-qmp "unix:$tmp/src/qmp,server=on,wait=off")
qemu_guest src "$tmp/src/vhost-user0" 02:00:00:00:00:00 "$guest" >"$tmp/src/guest.log" 2>&1 &
src_qemu=$!
e2e_bg
# dst_start NAME: the destination QEMU, waiting for the migration on $tmp/NAME.sock; returns
# once that socket exists (a migrate command before it fails at once: seen on a loaded machine).
# It stays paused after the migration (-S) until the test has compared both guest memories.
dst_start() {
	qemu_extra=(-qmp "unix:$tmp/dst/$1.qmp,server=on,wait=off" -incoming "unix:$tmp/$1.sock" -S)
	qemu_guest dst "$tmp/dst/vhost-user0" 02:00:00:00:00:00 "$guest" >"$tmp/dst/$1.log" 2>&1 &
	dst_qemu=$!
	e2e_bg
	e2e_wait_sockets 30 "$tmp/$1.sock"
}

# Migrate once the guest has had 20 replies (2 s of pings under way).
seen=$(qemu_wait_seq "$tmp/src/guest.log" 19 120 "$src_qemu")
[ -n "$seen" ]; check "source guest pings the echo front-end" $?
[ -n "$seen" ] || { e2e_finish "$tmp/src/guest.log" "$tmp/src/app.log"; exit; }

# First a migration cancelled while it runs (slowed to 100 kB/s): LOG_ALL comes and goes.
if [ -z "$fault" ]; then
	dst_start cancelled
	"$qmp" "$tmp/src/qmp" migrate-set-parameters '{"max-bandwidth": 100000}' >/dev/null &&
		"$qmp" "$tmp/src/qmp" migrate "{\"uri\": \"unix:$tmp/cancelled.sock\"}" >/dev/null
	check "source starts a slow migration" $?
	on=$(qemu_wait_line "$tmp/src/app.log" "dirty logging on" 30)
	[ -n "$on" ]; check "source PMD switched dirty logging on" $?
	"$qmp" "$tmp/src/qmp" migrate_cancel >/dev/null; check "migration cancelled" $?
	off=$(qemu_wait_line "$tmp/src/app.log" "dirty logging off" 30)
	[ -n "$off" ]; check "source PMD switched dirty logging off when LOG_ALL went" $?
	kill -TERM "$dst_qemu" 2>/dev/null	# the destination of the cancelled migration
	wait "$dst_qemu" 2>/dev/null
fi

dst_start dst
"$qmp" "$tmp/src/qmp" migrate-set-parameters '{"max-bandwidth": 4294967296}' >/dev/null
check "source accepts migration parameters" $?
t0=$(date +%s.%N)
"$qmp" "$tmp/src/qmp" migrate "{\"uri\": \"unix:$tmp/dst.sock\"}" >/dev/null
check "source starts the migration" $?
info=$("$qmp" "$tmp/src/qmp" wait-migration 120)
t1=$(date +%s.%N)
status=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1]).get("status",""))' "$info")
[ "$status" = completed ]; check "migration completed (status $status)" $?
read -r downtime total setup < <(python3 -c 'import json,sys; m=json.loads(sys.argv[1])
print(m.get("downtime","?"), m.get("total-time","?"), m.get("setup-time","?"))' "$info")
echo "migration: downtime ${downtime} ms, total ${total} ms, setup ${setup} ms (QEMU);" \
	"$(echo "$t1 - $t0" | bc) s from the migrate command to completed seen"

# Both guests are paused now, the source's device stopped and the destination's not started: their
# memories must be the same, byte for byte. A page the source's device wrote but did not log (or
# logged after the front-end's last pass) would differ.
qemu_wait_loaded "$tmp/dst/dst.qmp"; check "destination loaded the migration" $?
# $tmp/ram: both copies of the pages that differ, for E2E_KEEP.
ram=$("$here/ram_diff.py" "$(pgrep -P "$src_qemu")" "$(pgrep -P "$dst_qemu")" "$tmp/ram" 2>&1)
check "guest memory the same on both sides at the switch-over (pages differing: $ram)" $?
"$qmp" "$tmp/dst/dst.qmp" cont >/dev/null; check "destination guest runs" $?

# The source QEMU is paused for good: end it. The destination's guest goes on until it has had
# 15 replies after the last one the source got; then it is ended too.
kill -TERM "$src_qemu" 2>/dev/null
wait "$src_qemu" 2>/dev/null
sed_cr "$tmp/src/guest.log"
last_src=$(grep -o "seq=[0-9]*" "$tmp/src/guest.log" | tail -1 | cut -d= -f2)
seen=$(qemu_wait_seq "$tmp/dst/dst.log" $((${last_src:-0} + 15)) 60 "$dst_qemu")
[ -n "$seen" ] || "$qmp" "$tmp/dst/dst.qmp" inspect	# a hung guest or a stuck device?
kill -TERM "$dst_qemu" 2>/dev/null
wait "$dst_qemu" 2>/dev/null
sed_cr "$tmp/dst/dst.log"
last_dst=$(grep -o "seq=[0-9]*" "$tmp/dst/dst.log" | tail -1 | cut -d= -f2)
after=$(grep -o "seq=[0-9]*" "$tmp/dst/dst.log" | cut -d= -f2 |
	awk -v s="${last_src:-0}" '$1 > s' | wc -l)
[ -n "$seen" ]
check "replies after the switch-over (last on the source: seq=$last_src; $after on the destination)" $?
! grep -q "DUP!" "$tmp/src/guest.log" "$tmp/dst/dst.log"; check "no duplicated reply" $?
! grep -qE "$e2e_kernel_report" "$tmp/src/guest.log" "$tmp/dst/dst.log"
check "no guest kernel fault report on either side" $?
lost=$(cat "$tmp/src/guest.log" "$tmp/dst/dst.log" | grep -o "seq=[0-9]*" | cut -d= -f2 |
	sort -nu | awk -v n="${last_dst:-0}" '{seen[$1] = 1} END {
		for (i = 0; i <= n; i++) if (!seen[i]) printf "%d ", i}')
nlost=$(echo $lost | wc -w)
echo "guest: pings 0..${last_dst:-?}, no reply to ${lost:-none} (last reply on the source: seq=$last_src)"
[ -n "$last_dst" ] && [ "$nlost" -le 20 ]; check "at most 20 pings lost ($nlost)" $?

# Source: logging was on, queues stopped while logging, the device marked pages; or, with the
# fault, logging failed and all memory counted as dirty.
if [ -z "$fault" ]; then
	stop=$(grep -o "stopped while logging: .*" "$tmp/src/app.log" | head -1)
	[[ "$stop" == *"logging started 2 time(s)" ]]
	check "source PMD stopped the queues while logging, the second time on ($stop)" $?
else
	grep -q "virtq 0: dirty logging start failed" "$tmp/src/app.log"
	check "source PMD reported the failed MODIFY" $?
	! grep -q "dirty logging on" "$tmp/src/app.log"; check "logging left off" $?
	grep -q "all $((qemu_mem_kib / 1024)) MiB of guest memory marked dirty" "$tmp/src/app.log"
	check "source PMD marked all guest memory dirty at the stop" $?
fi

qemu_host_stop src
qemu_host_stop dst
marked=$(sed -n 's/^mlx5emu: mlx5_0: dirty log: pages_marked=//p' "$tmp/src/app.log")
if [ -z "$fault" ]; then
	[ "${marked:-0}" -gt 0 ]; check "source device marked $marked pages dirty" $?
fi

# Indices: what the source handed QEMU at the stop (vhost's log of the guest's socket), where
# the destination's queues of the guest's device (its vhost handle) started.
vid=$(grep -F "($tmp/dst/vhost-user0) new device, handle is" "$tmp/dst/app.log" | tail -1 |
	awk '{print $NF}')
for q in 0 1; do
	s=$(grep -F "($tmp/src/vhost-user0) vring base idx:$q file:" "$tmp/src/app.log" | tail -1 |
		sed 's/.*file://')
	d=$(grep -o "vid ${vid:-?}: virtq $q started at avail [0-9]* used [0-9]*" \
		"$tmp/dst/app.log" | tail -1)
	[ -n "$s" ] && [ "$d" = "vid $vid: virtq $q started at avail $s used $s" ]
	check "queue $q: destination started at the source's index ${s:-?} ($d)" $?
done
e2e_finish "$tmp/src/app.log" "$tmp/dst/app.log" "$tmp/src/guest.log" "$tmp/dst/dst.log" \
	"$tmp/src/echo.log"
