#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A memory-table change while the device is stopped (a VMM's memory hot-plug or a guest that
# remaps its memory: GET_VRING_BASE, SET_MEM_TABLE, the vrings again): mem_switch.py
# moves device 0's guest memory to another guest and front-end address, in two regions, and
# frames must pass both ways afterwards. On a function that can modify a suspended queue's
# memory key, addresses and indices and resume it (bf3), the PMD keeps the queues over the stop
# and modifies them: no virtq re-created; where the caps lack it (bf2: no SUSPEND -> RDY;
# cx6dx: no modify of those fields) they are re-created; and on bf3 with the modify refused by
# the firmware (an injected BAD_PARAM), the PMD falls back to re-creating them. Then a new dirty
# log while logging (bf3, cx6dx): the pages written afterwards are marked in the new log only;
# with the new log's key refused, logging goes off and the stop marks all guest memory. Then new
# callfds and kickfds on a running device (vhost-user allows it at any time): kicks and
# notifications follow them. Nothing is left after the connections close, nor at exit.
# Usage: test_mem_switch.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <emu_probe.so>
set -u
app="$1"
pmd="$2"
emu="$3"
probe="$4"
here=$(dirname "$0")
. "$here/../lib/e2e.sh"
. "$here/robust-lib.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

# run_case CASE LABEL EMU_OPTIONS [DEVARGS]: the app on two functions, mem_switch.py CASE against them,
# the app stopped; checks the front-end's checks, the app's exit and that no firmware object is
# left. Sets log (the app's log, kept for e2e_finish).
run_case() {
	local rc
	rm -f "$tmp"/sock* "$tmp/probe"
	robust_emu=$3 robust_devargs=${4:-} robust_app_start "$app" "$pmd" "$emu" "$probe" 2 60
	timeout 40 python3 "$here/mem_switch.py" "$1" --sock "$tmp/sock0" \
		--peer-sock "$tmp/sock1" --probe "$tmp/probe" >"$tmp/fe.log" 2>&1
	rc=$?
	sed "s/^/$2: /" "$tmp/fe.log"
	check "$2: front-end checks passed" $rc
	kill -TERM "$apid"
	wait "$apid"; check "$2: app exit status 0" $?
	log=$tmp/app-${2//[^a-z0-9]/_}.log
	mv "$tmp/app.log" "$log"
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log" &&
		grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$log"
	check "$2: no firmware object left at exit" $?
}

# The third MODIFY of a virtq on function 0 is the first queue's modify after the stop (the
# two before are the queues' suspends at the stop).
refuse="fault=0xa01/0xd:3:0x3"
# emulator options, virtq objects created on function 0 (2 at bring-up + re-created), queues
# the PMD reports resumed in place / re-created after the stop ("-": it kept none), devargs
# (pre-created queue resources, which the kept queues hold over the stop)
# With the calibrated firmware cost the stop takes milliseconds per queue (one after the other,
# max_conf_threads=0): vhost answers GET_VRING_BASE for the TX vring while its queue may still
# be stopping, so the index it returns (8) shows that the answer waited for that queue.
for expect in "profile=bf3 2 2 0" "profile=bf2 4 - -" "profile=cx6dx 4 - -" \
	"profile=bf3,$refuse 3 1 1" "profile=bf3 2 2 0 queues=1,queue_size=256" \
	"profile=bf3,cost=calibrated 2 2 0"; do
	set -- $expect
	name=${1#profile=}${5:+,$5}
	run_case memory "$name" "$1" "${5:-}"
	cmds=$(grep "mlx5emu: mlx5_0: commands:" "$log" | tr ' ' '\n')
	created=$(sed -n 's/^CREATE_GENERAL_OBJECT=.*\/0xd=\([0-9]*\).*/\1/p' <<<"$cmds")
	destroyed=$(sed -n 's/^DESTROY_GENERAL_OBJECT=.*\/0xd=\([0-9]*\).*/\1/p' <<<"$cmds")
	[ "${created:-0}" -eq "$2" ] && [ "${destroyed:-0}" -eq "$2" ]
	check "$name: mlx5_0 virtqs created ${created:-0}, destroyed ${destroyed:-0} (want $2)" $?
	line=$(grep -o "configured again after a stop: [0-9]* queue(s) resumed in place, [0-9]* re-created" \
		"$log")
	if [ "$3" = - ]; then
		[ -z "$line" ]; check "$name: no queue kept over the stop" $?
	else
		[ "$line" = "configured again after a stop: $3 queue(s) resumed in place, $4 re-created" ]
		check "$name: after the stop $3 resumed in place, $4 re-created (${line:-no line})" $?
	fi
done

# A new dirty log while logging (VHOST_USER_SET_LOG_BASE after LOG_ALL): the queues move to it,
# resumed in place (bf3) or re-created (cx6dx) after the pause the move takes.
for name in bf3 cx6dx; do
	run_case log "$name log" "profile=$name"
	moved=$(grep -c "vid [0-9]*: dirty log moved from" "$log")
	[ "$moved" -eq 1 ]; check "$name log: the PMD followed the new log once ($moved)" $?
done
# The new log's key refused (the fourth CREATE_MKEY on function 0: guest-memory chunk and
# indirect keys, the first log's, then the new one's): logging off, all memory marked at the stop.
run_case log-refused "bf3 log refused" "profile=bf3,fault=0x200:4:0x3"
grep -q "moving to the new dirty log failed (.*): logging off" "$log" &&
	grep -q "stopped while the device was not logging: all 4 MiB of guest memory marked" "$log"
check "bf3 log refused: logging went off, the stop marked all guest memory" $?

# New callfds and kickfds while frames pass: each change stops the vring's queue and starts it
# again (suspended and resumed in place on bf3, destroyed and re-created on bf2).
# The 24 kicks the front-end (vid 0: it connects first) wrote on its new kickfds, one a frame,
# were relayed (the emulated NIC would take the frames without them).
for name in bf3 bf2; do
	run_case fds "$name fds" "profile=$name"
	kicks=$(sed -n 's/.*vid 0: closed; .* \([0-9]*\) kicks relayed.*/\1/p' "$log")
	[ "${kicks:-0}" -ge 24 ]
	check "$name fds: the kicks on the new kickfds relayed (${kicks:-0} in all, want >= 24)" $?
done
e2e_finish "$tmp"/app-*.log
