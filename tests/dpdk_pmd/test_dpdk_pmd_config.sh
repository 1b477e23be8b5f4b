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

for qp in 1 4; do
	log=$tmp/app$qp.log
	rm -f "$tmp/sock0"
	unshare -m sh -c '
		mount --bind "$1/devices" /sys/bus/pci/devices || exit 99
		exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices LD_PRELOAD="$2" timeout "$6" "$3" \
			-l 0-1 --no-huge -m 512 --no-telemetry --file-prefix dcfg$5-$e2e_id -a "$4,class=vdpa" \
			--log-level=pmd.vdpa.mlx5:debug -- --iface "$1/sock" --duration "$7"
	' sh "$tmp" "$san$so" "$app" "$addr" "$qp" "$(e2e_t 60)" "$(e2e_t 8)" </dev/null >"$log" 2>&1 &
	apid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock0"
	# The front-end runs while its stdin is open, then quits.
	sleep "$(e2e_t 3)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix vu$qp-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=$qp" \
		-- -i --rxq="$qp" --txq="$qp" --total-num-mbufs=4096 >"$tmp/vu$qp.log" 2>&1
	check "$qp queue pair(s): front-end exit status 0 (got $?)" $?
	wait "$apid"; rc=$?
	check "$qp queue pair(s): app exit status 0 (got $rc)" $rc
	grep -q "vDPA device 0 was configured" "$log"; check "$qp queue pair(s): device configured" $?
	created=$(grep -cE "virtq [0-9]+ was created successfully" "$log")
	[ "$created" -ge $((2 * qp)) ]; check "$qp queue pair(s): $((2 * qp)) virtqs created (log shows $created)" $?
	grep -q "vDPA device 0 was closed" "$log"; check "$qp queue pair(s): device closed" $?
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"
	check "$qp queue pair(s): no firmware object left" $?
	grep -q "mlx5emu: rdma-core API calls" "$log"
	check "$qp queue pair(s): the emulator counted the driver's rdma-core calls" $?
	! grep -q "(unsupported" "$log"
	check "$qp queue pair(s): no call to an entry point the emulator does not implement" $?
	if [ "$qp" -eq 1 ]; then
		echo "rdma-core calls of DPDK's PMD, probe to teardown, 1 queue pair:"
		sed -n 's/^mlx5emu:   /  /p' "$log"
	fi
	if grep -qE "DevX .* failed|Failed to" "$log"; then
		echo "note: driver errors in the log:"; grep -E "DevX .* failed|Failed to" "$log" | head -5
	fi
done

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
	rm -f "$tmp/sock0" "$tmp/sock1"
	unshare -m sh -c '
		mount --bind "$1/devices" /sys/bus/pci/devices || exit 99
		exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices LD_PRELOAD="$2" timeout "$6" "$3" \
			-l 0-1 --no-huge -m 512 --no-telemetry --file-prefix dtr-$e2e_id -a "$4,class=vdpa" \
			-a "$5,class=vdpa" --log-level=lib.vhost.config:warning \
			-- --iface "$1/sock" --duration "$7" --stats-interval 1
	' sh "$tmp" "$san$so" "$app" "$a0" "$a1" "$(e2e_t 60)" "$(e2e_t 11)" </dev/null >"$log" 2>&1 &
	apid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock1"
	sleep "$(e2e_t 7)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix drx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock$to,queues=1" \
		-- --forward-mode=rxonly --total-num-mbufs=4096 >"$tmp/rx$from.log" 2>&1 &
	rpid=$!
	e2e_bg
	sleep "$(e2e_t 1.5)"
	sleep "$(e2e_t 3)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix dtx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock$from,queues=1" \
		-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:0$to --total-num-mbufs=4096 \
		>"$tmp/tx$from.log" 2>&1
	wait "$rpid"
	wait "$apid"
	rx=$(awk '/RX-packets:/ {print $2; exit}' "$tmp/rx$from.log")
	dst=$([ "$to" = 0 ] && echo "$a0" || echo "$a1")
	done_rx=$(grep "^$dst q0: " "$log" | tail -1 | tr ' ' '\n' |
		sed -n 's/^completed_descriptors=//p')
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

e2e_finish "$tmp"/app*.log "$tmp"/vu*.log "$tmp"/traffic*.log
