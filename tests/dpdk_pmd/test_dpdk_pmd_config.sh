#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's own mlx5 vDPA PMD (Debian's binary, unmodified) serves emulated functions in our vDPA
# app. A DPDK virtio-user front-end (testpmd) connects with 1 and then 4 queue pairs: the driver
# must register guest memory, create every virtq, stop and close them when the front-end
# leaves, and leave no firmware object behind. Then frames cross the emulated NIC both ways
# between two functions, counted exactly by DPDK's driver. Needs root (private mount namespace, as
# run-dpdk-testpmd-probe.sh explains).
# Usage: test_dpdk_pmd_config.sh <vdpa-app> <libmlx5emu.so>
set -u
app=$(realpath "$1")
so=$(realpath "$2")
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$so"
export MLX5_EMU="functions=1,report=exit"

mkdir "$tmp/devices"
addr=$(LD_PRELOAD="$san" python3 "$(dirname "$0")/write-pci-tree.py" "$so" "$tmp/devices") || exit 1

# The back-end: the vDPA app with DPDK's driver on the given functions, in a private mount
# namespace over the emulator's PCI tree; runs until SIGTERM. $1 log, $2 file prefix, $3 the
# app's own options, $4... PCI addresses.
start_app() {
	local log=$1 prefix=$2 opts=$3
	shift 3
	rm -f "$tmp"/sock*
	unshare -m sh -c '
		mount --bind "$1/devices" /sys/bus/pci/devices || exit 99
		dir=$1 so=$2 app=$3 prefix=$4 opts=$5 limit=$6
		shift 6
		allow=""
		for a in "$@"; do allow="$allow -a $a,class=vdpa"; done
		exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices LD_PRELOAD="$so" timeout "$limit" "$app" \
			-l 0-1 --no-huge -m 512 --no-telemetry --file-prefix "$prefix" $allow \
			--log-level=pmd.vdpa.mlx5:debug --log-level=lib.vhost.config:warning \
			-- --iface "$dir/sock" $opts
	' sh "$tmp" "$san$so" "$app" "$prefix-$e2e_id" "$opts" "$(e2e_t 60)" "$@" </dev/null >"$log" 2>&1 &
	apid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock$(($# - 1))"
}

# A testpmd virtio-user front-end on socket $1 with $2 queue pairs, name $3, testpmd arguments
# after --; it runs until its stdin, a FIFO held open on fd $4, is closed. Its PID in fpid.
front_end() {
	local sock=$1 qp=$2 name=$3 fd=$4
	shift 4
	mkfifo "$tmp/$name.in"
	LD_PRELOAD= timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix "$name-$e2e_id" --vdev "net_virtio_user0,path=$tmp/sock$sock,queues=$qp" \
		-- "$@" --total-num-mbufs=4096 <"$tmp/$name.in" >"$tmp/$name.log" 2>&1 &
	fpid=$!
	e2e_bg
	eval "exec $fd>\"\$tmp/\$name.in\""
}

count() { grep -cE "$1" "$log"; }

# One back-end; a front-end with 1 queue pair connects and leaves, then one with 4. Each stays
# until DPDK's driver has configured the device and created every virtq.
log=$tmp/app.log
start_app "$log" dcfg "" "$addr"
for qp in 1 4; do
	configured=$(count "vDPA device 0 was configured")
	closed=$(count "vDPA device 0 was closed")
	created=$(count "virtq [0-9]+ was created successfully")
	front_end 0 "$qp" "vu$qp" 5 -i --rxq="$qp" --txq="$qp"
	e2e_wait_for 30 eval '[ "$(count "vDPA device 0 was configured")" -gt "$configured" ] &&
		[ "$(count "virtq [0-9]+ was created successfully")" -ge $((created + 2 * qp)) ]'
	st=$?	# before the message's command substitution, which sets $?
	check "$qp queue pair(s): device configured, $((2 * qp)) virtqs created (log shows $(($(count "virtq [0-9]+ was created successfully") - created)))" $st
	exec 5>&-
	wait "$fpid"; rc=$?
	check "$qp queue pair(s): front-end exit status 0 (got $rc)" $rc
	e2e_wait_for 10 eval '[ "$(count "vDPA device 0 was closed")" -gt "$closed" ]'
	check "$qp queue pair(s): device closed" $?
done
kill -TERM "$apid"
wait "$apid"; rc=$?
check "app exit status 0 (got $rc)" $rc
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"; check "no firmware object left" $?
grep -q "mlx5emu: rdma-core API calls" "$log"
check "the emulator counted the driver's rdma-core calls" $?
! grep -q "(unsupported" "$log"
check "no call to an entry point the emulator does not implement" $?
echo "rdma-core calls of DPDK's PMD, probe to teardown, front-ends of 1 and 4 queue pairs:"
sed -n 's/^mlx5emu:   /  /p' "$log"
if grep -qE "DevX .* failed|Failed to" "$log"; then
	echo "note: driver errors in the log:"; grep -E "DevX .* failed|Failed to" "$log" | head -5
fi

# Traffic both ways between two functions served by DPDK's driver: txonly on one front-end to
# the other function's MAC, rxonly on the other; then the other way round. Each receiver's count
# must equal what DPDK's driver reports as its RX queue's completed descriptors, and the
# receiver's completions must reach DPDK's driver as CQEs.
export MLX5_EMU="functions=2,report=exit"
rm -rf "$tmp/devices"
mkdir "$tmp/devices"
a0=$(LD_PRELOAD="$san" python3 "$(dirname "$0")/write-pci-tree.py" "$so" "$tmp/devices" 0) &&
a1=$(LD_PRELOAD="$san" python3 "$(dirname "$0")/write-pci-tree.py" "$so" "$tmp/devices" 1) ||
	exit 1
for dir in "0 1" "1 0"; do
	set -- $dir
	from=$1
	to=$2
	log=$tmp/traffic$from.log
	dst=$([ "$to" = 0 ] && echo "$a0" || echo "$a1")
	start_app "$log" dtr "--stats-interval 1" "$a0" "$a1"
	# The receiver first, until its queue reports stats; then the sender, for 1.5 s of
	# traffic; the receiver leaves once two more stats lines have counted what was in flight.
	front_end "$to" 1 "rx$from" 5 --forward-mode=rxonly
	rpid=$fpid
	e2e_wait_for 30 grep -q "^$dst q0: " "$log"
	check "function $from -> $to: receiver connected" $?
	front_end "$from" 1 "tx$from" 6 --forward-mode=txonly --eth-peer=0,02:00:00:00:00:0$to
	e2e_wait_for 30 eval '[ "$(e2e_stat "$log" "$dst" 0 completed_descriptors)" -gt 0 ] 2>/dev/null'
	check "function $from -> $to: frames arriving" $?
	sleep "$(e2e_t 1.5)"
	exec 6>&-
	wait "$fpid"
	lines=$(grep -c "^$dst q0: " "$log")
	e2e_wait_for 10 eval '[ "$(grep -c "^$dst q0: " "$log")" -ge $((lines + 2)) ]'
	exec 5>&-
	wait "$rpid"
	kill -TERM "$apid"
	wait "$apid"; rc=$?
	check "function $from -> $to: app exit status 0 (got $rc)" $rc
	rx=$(awk '/RX-packets:/ {print $2; exit}' "$tmp/rx$from.log")
	done_rx=$(e2e_stat "$log" "$dst" 0 completed_descriptors)
	[ "${rx:-0}" -gt 0 ]; check "function $from -> $to: receiver got frames (${rx:-0})" $?
	[ "${done_rx:--1}" = "${rx:-0}" ]
	check "function $from -> $to: equal to DPDK's RX queue completed descriptors (${done_rx:-none})" $?
	grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$log"
	check "function $from -> $to: no firmware object left" $?
	# The hardware reported the receiver's completions as CQEs on its notification CQ, each on
	# a receive WQE of DPDK's QP (256 posted): past 256 CQEs, DPDK's driver polled them and posted
	# its WQEs again, as on a real NIC; under 256 none may have waited for one.
	notify=$(grep "^mlx5emu: mlx5_$to: notify:" "$log")
	cqes=$(echo "$notify" | tr ' ' '\n' | sed -n 's/^cqes=//p')
	[ "${cqes:-0}" -gt 0 ] && echo "$notify" | grep -q " cq_errors=0 " &&
		{ [ "$cqes" -gt 256 ] || echo "$notify" | grep -q " rnr_waits=0 "; }
	check "function $from -> $to: DPDK's driver took the completions (${notify#*notify: })" $?
done

e2e_finish "$tmp"/app.log "$tmp"/vu*.log "$tmp"/traffic*.log "$tmp"/rx*.log "$tmp"/tx*.log
