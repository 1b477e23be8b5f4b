#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live migration, back and forth: one pinging guest migrates ROUNDS times between two "hosts"
# (apps, emulated NICs and echo front-ends as in qemu_migrate), each round first starting a
# migration that is cancelled while it runs (LOG_ALL on, then off), then migrating for good to a
# QEMU paused on arrival (-S). Checked at every round: the migration completes; both guest
# memories are the same byte for byte while both are paused; the guest has replies again
# (numbered 5 past the last one before) within 30 s of running on its new host; no guest kernel
# fault report. The loop ends at the first round that fails, keeping its logs in the report.
# At the end: no duplicated reply, both apps exit cleanly with no firmware object left.
# Rare faults (once in about 2,500 migrations here, docs/testing.md) need many rounds; a round
# takes 2-4 s.
# Usage: test_qemu_migrate_soak.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <guest folder> ROUNDS
set -u
. "$(cd "$(dirname "$0")" && pwd)/qemu-lib.sh"
app=$1
pmd=$2
emu=$3
rounds=$5
here=$(cd "$(dirname "$0")" && pwd)
qmp=$here/qmp.py
tmp=$e2e_tmp
qemu_require || exit 77
qemu_make_guest "$4" || { check "guest kernel and initramfs prepared" 1; e2e_finish; exit; }

qemu_app_seconds=$((60 + rounds * 10))
qemu_host_start h0
qemu_host_start h1
# Pings 0.2 s apart for as long as the rounds may take.
guest="guest_ip=10.0.0.1/24 guest_peer=10.0.0.2 guest_run=ping guest_secs=1"
guest="$guest guest_count=$((qemu_app_seconds * 5 * e2e_tf))"
export QEMU_TIMEOUT=$((qemu_app_seconds * e2e_tf))

# guest_start NAME HOST [QEMU arguments...]: a QEMU for the guest on HOST's socket, its console in
# $tmp/NAME.log, its monitor on $tmp/NAME.qmp; sets qpid (timeout's PID; QEMU is its child).
guest_start() {
	local name=$1 host=$2
	shift 2
	qemu_extra=(-qmp "unix:$tmp/$name.qmp,server=on,wait=off" "$@")
	qemu_guest "$name" "$tmp/$host/vhost-user0" 02:00:00:00:00:00 "$guest" \
		>"$tmp/$name.log" 2>&1 &
	qpid=$!
	e2e_bg
}

# last_seq LOG: the highest reply number in a console log (empty without one).
last_seq() {
	grep -o "seq=[0-9]*" "$1" | cut -d= -f2 | sort -n | tail -1
}

guest_start g0 h0
cur=$qpid
seen=$(qemu_wait_seq "$tmp/g0.log" 9 120 "$cur")
[ -n "$seen" ]; check "guest pings the echo front-end on h0" $?
[ -n "$seen" ] || { e2e_finish "$tmp/g0.log" "$tmp/h0/app.log"; exit; }

failed=""	# why the loop ended early
downtimes=()
for ((r = 1; r <= rounds; r++)); do
	to=h$((r % 2))
	from=h$(((r + 1) % 2))
	prev=g$((r - 1))
	# A migration cancelled while it runs: the source's PMD logs, then stops logging.
	ons=$(grep -c "dirty logging on" "$tmp/$from/app.log")
	offs=$(grep -c "dirty logging off" "$tmp/$from/app.log")
	guest_start c$r "$to" -incoming "unix:$tmp/c$r.sock"
	cancelled=$qpid
	e2e_wait_sockets 30 "$tmp/c$r.sock" &&
		"$qmp" "$tmp/$prev.qmp" migrate-set-parameters '{"max-bandwidth": 100000}' >/dev/null &&
		"$qmp" "$tmp/$prev.qmp" migrate "{\"uri\": \"unix:$tmp/c$r.sock\"}" >/dev/null &&
		e2e_wait_for 30 eval '[ "$(grep -c "dirty logging on" "$tmp/$from/app.log")" -gt "$ons" ]' &&
		"$qmp" "$tmp/$prev.qmp" migrate_cancel >/dev/null &&
		e2e_wait_for 30 eval '[ "$(grep -c "dirty logging off" "$tmp/$from/app.log")" -gt "$offs" ]' ||
		{ failed="round $r: the cancelled migration did not switch logging on and off"; break; }
	kill -TERM "$cancelled" 2>/dev/null
	wait "$cancelled" 2>/dev/null

	# The migration for good, to a QEMU that stays paused until the memories are compared.
	guest_start g$r "$to" -incoming "unix:$tmp/g$r.sock" -S
	e2e_wait_sockets 30 "$tmp/g$r.sock" ||
		{ failed="round $r: the destination QEMU does not listen"; break; }
	"$qmp" "$tmp/$prev.qmp" migrate-set-parameters '{"max-bandwidth": 4294967296}' >/dev/null
	"$qmp" "$tmp/$prev.qmp" migrate "{\"uri\": \"unix:$tmp/g$r.sock\"}" >/dev/null
	info=$("$qmp" "$tmp/$prev.qmp" wait-migration 120)
	read -r status downtime < <(python3 -c 'import json,sys; m=json.loads(sys.argv[1])
print(m.get("status","?"), m.get("downtime","?"))' "$info")
	[ "$status" = completed ] || { failed="round $r: migration $status"; break; }
	downtimes+=("$downtime")
	qemu_wait_loaded "$tmp/g$r.qmp" || { failed="round $r: the destination did not load"; break; }
	# $tmp/ram$r: both copies of the pages that differ, for E2E_KEEP.
	ram=$("$here/ram_diff.py" "$(pgrep -P "$cur")" "$(pgrep -P "$qpid")" "$tmp/ram$r" 2>&1) ||
		{ failed="round $r: guest memories differ at the switch-over (pages: $ram)"; break; }
	"$qmp" "$tmp/g$r.qmp" cont >/dev/null || { failed="round $r: cont refused"; break; }
	kill -TERM "$cur" 2>/dev/null
	wait "$cur" 2>/dev/null
	last=$(last_seq "$tmp/$prev.log")
	cur=$qpid
	seen=$(qemu_wait_seq "$tmp/g$r.log" $((${last:-0} + 5)) 30 "$cur")
	if [ -z "$seen" ]; then
		failed="round $r: no reply past seq=$((${last:-0} + 5)) within 30 s on $to"
		"$qmp" "$tmp/g$r.qmp" inspect	# a hung guest or a stuck device?
		break
	fi
	! grep -qE "$e2e_kernel_report" "$tmp/g$r.log" ||
		{ failed="round $r: the guest kernel reported a fault"; break; }
done
done_rounds=$((r - 1))
[ -z "$failed" ]
check "$done_rounds of $rounds migrations: completed, memories identical, replies again${failed:+ ($failed)}" $?
echo "downtime (QEMU, ms) per round: ${downtimes[*]}"
kill -TERM "$cur" 2>/dev/null
wait "$cur" 2>/dev/null
cat "$tmp"/g*.log | tr -d '\r' >"$tmp/console.log"
! grep -q "DUP!" "$tmp/console.log"; check "no duplicated reply" $?
! grep -qE "$e2e_kernel_report" "$tmp/console.log"; check "no guest kernel fault report" $?
qemu_host_stop h0
qemu_host_stop h1
last_logs=()
[ -z "$failed" ] || last_logs=("$tmp/g$((r - 1)).log" "$tmp/g$r.log")
e2e_finish "$tmp/h0/app.log" "$tmp/h1/app.log" "${last_logs[@]}"
