#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Pre-created virtq resources (devargs queues=1,queue_size=256 on both functions): the probe
# creates each queue's CQ and QP pair, every front-end connection borrows them and gives them back
# reset, so across three connections of a sender and a receiver (testpmd txonly -> rxonly, as in
# test_pmd_traffic.sh) the firmware creates CQs and QPs only at the probe and for the last
# connection, whose rings of 512 entries do not fit the pre-created 256 and fall back to queues
# of their own. Each connection must pass traffic, the receiving queue's hardware counters must
# add up to exactly the frames received over the connections (a borrowed counters object's
# earlier counts are not counted twice), and no firmware object may be left at exit. The
# receiving device runs in interrupt mode (event_mode=2): its borrowed CQs, lent a second time
# to connection 2, must still raise one event per relayed call (their arm sequence number and
# consumer index carry over with them).
# Usage: test_pmd_prealloc.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
log=$tmp/app.log
pre=queues=1,queue_size=256
# The receiving device in interrupt mode with completion moderation: its queues' last reports
# come when they stop, after the event thread did, and fire their CQs' arms unread.
irq=event_mode=2,hw_latency_mode=1,hw_max_latency_us=50,hw_max_pending_comp=16

MLX5_EMU="functions=2,report=exit" LD_PRELOAD="$san$emu" timeout "$(e2e_t 120)" "$app" -l 0-1 --no-huge \
	-m 512 --no-pci --no-telemetry --file-prefix prealloc-$e2e_id -d "$pmd" \
	--vdev vdpa_mlx5x0,ibdev=mlx5_0,$pre \
	--vdev vdpa_mlx5x1,ibdev=mlx5_1,$pre,max_conf_threads=3,$irq \
	--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
	-- --iface "$tmp/sock" --stats-interval 1 </dev/null >"$log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock1"
n=$(grep -c "pre-created the resources of 2 virtqs of 256 entries" "$log")
[ "$n" -eq 2 ]; check "both devices pre-created 2 virtqs' resources at probe ($n)" $?

rx_total=0
for cycle in 1 2 3; do
	ring=""
	[ "$cycle" -eq 3 ] && ring=",queue_size=512"
	# The receiver stays connected after the sender left, so the last stats lines are final.
	sleep "$(e2e_t 7)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix prerx$cycle-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1$ring" \
		-- --forward-mode=rxonly --total-num-mbufs=8192 >"$tmp/rx$cycle.log" 2>&1 &
	rpid=$!
	e2e_bg
	sleep "$(e2e_t 1.5)"
	sleep "$(e2e_t 3)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix pretx$cycle-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0$ring" \
		-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --total-num-mbufs=8192 \
		>"$tmp/tx$cycle.log" 2>&1
	check "connection $cycle: sender exit status 0" $?
	wait "$rpid"; check "connection $cycle: receiver exit status 0" $?
	rx=$(awk '/Forward statistics for port 0/ {p = 1} p && /RX-packets:/ {print $2; exit}' \
		"$tmp/rx$cycle.log")
	[ "${rx:-0}" -gt 0 ]; check "connection $cycle: receiver got frames (${rx:-0})" $?
	rx_total=$((rx_total + ${rx:-0}))
	# The statistics carry closed connections' counts over: the last line is the running total.
	done_q0=$(grep "^vdpa_mlx5x1 q0: " "$log" | tail -1 | tr ' ' '\n' |
		sed -n 's/^completed_desc=//p')
	[ "${done_q0:-0}" -eq "$rx_total" ]
	check "connection $cycle: RX queue's completed_desc = frames received so far (${done_q0:-none} = $rx_total)" $?
	# The receiving device's completions in interrupt mode (event_mode=2) reached its callfds:
	# its CQs, lent again from the second connection on, still raise events.
	closed_irq() { [ "$(grep -c "closed; .*event mode interrupt" "$log")" -ge "$cycle" ]; }
	e2e_wait_for 10 closed_irq
	line=$(grep "closed; .*event mode interrupt" "$log" | sed -n "${cycle}p")
	relayed=$(sed -n 's/.*closed; \([0-9]*\) completion events relayed.*/\1/p' <<<"$line")
	cqes=$(grep -oE "[0-9]+ CQEs" <<<"$line" | cut -d' ' -f1)
	events=$(grep -oE "[0-9]+ CQ events" <<<"$line" | cut -d' ' -f1)
	[ "${relayed:-0}" -gt 0 ] && [ "${cqes:-0}" -gt 0 ]
	check "connection $cycle: interrupt-mode completions reached the receiver's callfds (${relayed:-none} calls, ${cqes:-none} CQEs)" $?
	# Each event is read, its CQEs polled and relayed, the CQ armed again: an event without a
	# CQE (an arm behind the CQ's producer index) or none at all (an arm taken for one already
	# served) shows here.
	[ "${events:-0}" -eq "${relayed:-0}" ]
	check "connection $cycle: one call per CQ event (${events:-none} events, ${relayed:-none} calls)" $?
	sleep "$(e2e_t 0.5)"	# the app tears the devices down after the front-ends left
done
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?

n=$(grep -c "vid [0-9]*: closed" "$log")
[ "$n" -eq 6 ]; check "every configuration closed ($n of 6)" $?
n=$(grep -c "has 512 entries, not the 256 of its pre-created resources: it has its own" "$log")
[ "$n" -eq 4 ]; check "the 512-entry rings fell back to their own resources (2 queues x 2 devices: $n)" $?
# Pre-created ones that fit are not built again ahead: only the 512-entry rings' own may be
# (whether a worker took their builds before DRIVER_OK is timing: test_pmd_build_ahead.sh).
n=$(grep -c "queues built ahead" "$log")
[ "$n" -le 2 ]; check "only the 512-entry connection's queues built ahead (at most 1 x 2 devices: $n)" $?
! grep -q "resources ahead failed" "$log"; check "no build ahead failed" $?
# Per function: 2 CQs and 4 QPs at probe, as many again for the 512-entry connection alone; the
# two borrowing connections' queues went back through RST (2 QPs x 2 queues x 2 connections).
for f in 0 1; do
	cmds=$(grep "mlx5emu: mlx5_$f: commands:" "$log" | tr ' ' '\n')
	cq=$(sed -n 's/^CREATE_CQ=//p' <<<"$cmds")
	qp=$(sed -n 's/^CREATE_QP=//p' <<<"$cmds")
	rst=$(sed -n 's/^2RST_QP=//p' <<<"$cmds")
	[ "${cq:-0}" -eq 4 ] && [ "${qp:-0}" -eq 8 ]
	check "mlx5_$f: CQs and QPs created at probe and for the 512-entry rings only (CREATE_CQ=${cq:-0} of 4, CREATE_QP=${qp:-0} of 8)" $?
	[ "${rst:-0}" -eq 8 ]; check "mlx5_$f: borrowed channels reset when given back (2RST_QP=${rst:-0} of 8)" $?
	grep -q "mlx5emu: mlx5_$f: 0 live firmware objects" "$log"
	check "mlx5_$f: no firmware object left" $?
done

# A probe whose pre-creation fails (the third QP: the second queue's channel, built on a worker)
# fails with the reason and leaves nothing behind.
MLX5_EMU="functions=1,report=exit,fault=0x500:3:0x3:0xbad" LD_PRELOAD="$san$emu" timeout "$(e2e_t 60)" \
	"$app" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry --file-prefix prealloc-$e2e_id \
	-d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0,$pre,max_conf_threads=3 \
	--log-level=pmd.vdpa.mlx5x:info -- --iface "$tmp/fsock" </dev/null >"$tmp/fault.log" 2>&1
[ $? -ne 0 ]; check "a failed pre-creation fails the probe (the app exits with an error)" $?
grep -q "CREATE_QP.*BAD_PARAM (0x3), syndrome 0x00000bad" "$tmp/fault.log"
check "the failed command is logged with status and syndrome" $?
grep -q "vdpa_mlx5x0: cannot pre-create the resources of 2 virtqs of 256 entries (devargs queues=1, queue_size=256): " "$tmp/fault.log"
check "the probe's error names the pre-creation and its devargs" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/fault.log"
check "no firmware object left after the failed probe" $?
e2e_finish "$log" "$tmp/fault.log" "$tmp/rx1.log" "$tmp/tx1.log"
