#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Frames through our PMD and the emulated NIC: two emulated functions served by the vDPA app,
# a DPDK virtio-user front-end sending (testpmd txonly, to function 1's MAC) on one and another
# receiving (rxonly) on the other. Frames and bytes are counted at both ends (testpmd's port
# statistics) and frames in the vDPA statistics (the queues' hardware counters): the sender's
# TX queues must have completed exactly the frames it sent, the receiving RX queues exactly the
# buffers the receiver took, each end's bytes must be its frames times the frame length, and
# the receiver cannot have more than was sent. The vDPA statistics have no byte counter: the
# PRM's virtio_q_counters object counts descriptors (received_desc, completed_desc) and errors
# only, so bytes are checked at the front-ends. Both devices relay completion events to their
# callfds; no firmware object may be left. Split rings first, then packed rings (virtio-user
# packed_vq=1), and frames of 1500 bytes received into 908-byte buffers with mergeable RX
# buffers (MRG_RXBUF), each frame taking exactly two. A run lasts until its conditions are met
# (no fixed traffic time), so a loaded machine slows it down instead of failing it.
# Usage: test_pmd_traffic.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
trap '' PIPE	# a front-end that quit early must fail a check, not end the script

# 1 queue pair, then 4 with flows that differ in their source address (testpmd's multi-flow
# txonly): the receiving function's RSS spreads them over its 4 RX queues. Then the receiving
# RX queue fails under traffic (the firmware puts it in ERR and raises its error event): once,
# and the PMD re-creates it and traffic goes on; three times within 3 s, and the PMD gives up
# on it while the rest keeps working (errors 100 ms after each creation, so the three fit in the
# 3 s window even on a loaded machine). The receiving device configures and stops its queues with
# 3 workers besides vhost's thread (max_conf_threads), the sending one on vhost's thread alone.
# Last, the ring variants: packed rings; 1500-byte frames sent in two segments (800 + 700
# bytes) from 1024-byte mbufs and received into buffers of 1024 - 128 (headroom) + 12 (the
# virtio-net header virtio's PMD places in the headroom) = 908 bytes, so each frame's 1512
# bytes span two buffers (num_buffers 2): on split, then on packed rings.
runs=("1" "4" "1 virtq_error=0:2500:1" "1 virtq_error=0:100:3" "2 packed" "1 big"
      "1 packed,big")
frame_len=1500
rx_buffer=$((1024 - 128 + 12))
# Helpers of a run: they read its logs ($applog, $txlog, $rxlog) and queue pairs ($qp).
# The RX queues' completions (the app's last stats line of each), summed; also per queue.
rx_hw() {
	local q n
	rx_done=0 spread=""
	for ((q = 0; q < 2 * qp; q += 2)); do
		n=$(e2e_stat "$applog" vdpa_mlx5x1 $q completed_desc)
		rx_done=$((rx_done + ${n:-0}))
		spread="$spread q$q=${n:-0}"
	done
}
# Frames on every RX queue, and for the recovery run more than when it was re-created.
enough() {
	local q n
	for ((q = 0; q < 2 * qp; q += 2)); do
		n=$(e2e_stat "$applog" vdpa_mlx5x1 $q completed_desc)
		[ "${n:-0}" -gt "$1" ] || return 1
	done
}
# port_stats FIFO LOG: asks a testpmd for its port statistics; sets pkts and bytes of the
# direction of LOG's last answer (RX for the receiver, TX for the sender) once it came.
# testpmd runs line-buffered (stdbuf): an answer is complete at its Tx-pps line.
answers() { [ "$(grep -c "Tx-pps:" "$1")" -gt "$2" ]; }
port_stats() {
	local before
	before=$(grep -c "Tx-pps:" "$2")
	echo "show port stats 0" >&"$1"
	e2e_wait_for 5 answers "$2" "$before"
	read -r pkts bytes < <(awk -v d="$3" '$1 == d "-packets:" {p = $2; b = $6} END {print p, b}' "$2")
}
# The sender stopped: its TX queues' completions reach what it sent.
tx_settled() {
	local q n
	port_stats 4 "$txlog" TX
	tx_pkts=$pkts tx_bytes=$bytes tx_done=0
	for ((q = 1; q < 2 * qp; q += 2)); do
		n=$(e2e_stat "$applog" vdpa_mlx5x0 $q completed_desc)
		tx_done=$((tx_done + ${n:-0}))
	done
	[ "$tx_done" -eq "${tx_pkts:-0}" ]
}
# The receiver took every frame its RX queues completed.
rx_settled() {
	port_stats 3 "$rxlog" RX
	rx=$pkts rx_bytes=$bytes
	rx_hw
	[ "$rx_done" -eq $((${rx:-0} * bufs_per_frame)) ]
}
settled() { tx_settled && rx_settled; }
run_no=0
for run in "${runs[@]}"; do
	set -- $run
	qp=$1
	fault="" ring="" tx_args="" rx_args="" bufs_per_frame=1 len=64
	case "${2:-}" in
	virtq_error=*) fault=",$2" ;;
	esac
	case "${2:-}" in
	*packed*) ring=",packed_vq=1" ;;
	esac
	case "${2:-}" in
	*big*)
		ring="$ring,mrg_rxbuf=1"
		tx_args="--mbuf-size=1024 --enable-scatter --txpkts=800,700 --tx-offloads=0x8000"
		rx_args="--mbuf-size=1024 --enable-scatter"
		bufs_per_frame=$(((frame_len + 12 + rx_buffer - 1) / rx_buffer))
		len=$frame_len
		;;
	esac
	label="$qp qp${2:+ with $2}"
	run_no=$((run_no + 1))
	rm -f "$tmp/sock0" "$tmp/sock1"
	MLX5_EMU="functions=2,report=exit$fault" LD_PRELOAD="$san$emu" timeout "$(e2e_t 120)" "$app" -l 0-1 --no-huge \
		-m 512 --no-pci --no-telemetry --file-prefix traffic$run_no-$e2e_id -d "$pmd" \
		--vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1,max_conf_threads=3 \
		--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
		-- --iface "$tmp/sock" --stats-interval 0.2 </dev/null >"$tmp/app$run_no.log" 2>&1 &
	apid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock1"

	# Both front-ends are interactive testpmds fed through FIFOs: the receiver forwards from
	# its connection on, the sender from its own until the receiving device's hardware counted
	# what the run needs (frames on every RX queue; for the error runs the recoveries), then
	# stops; each is asked for its port statistics (frames and bytes) until they match the
	# hardware counters the app prints every 0.2 s, then quits.
	rm -f "$tmp/rx.in" "$tmp/tx.in"
	mkfifo "$tmp/rx.in" "$tmp/tx.in"
	rxlog=$tmp/rx$run_no.log txlog=$tmp/tx$run_no.log applog=$tmp/app$run_no.log
	timeout "$(e2e_t 60)" stdbuf -oL "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix trx$run_no-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1,queues=$qp$ring" \
		-- -i --forward-mode=rxonly --rxq="$qp" --txq="$qp" --total-num-mbufs=8192 $rx_args \
		<"$tmp/rx.in" >"$rxlog" 2>&1 &
	rpid=$!
	e2e_bg
	exec 3>"$tmp/rx.in"
	e2e_wait_for 30 grep -q "new port $tmp/sock1" "$applog"
	echo start >&3
	timeout "$(e2e_t 60)" stdbuf -oL "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix ttx$run_no-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=$qp$ring" \
		-- -i --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --rxq="$qp" --txq="$qp" \
		--txonly-multi-flow --total-num-mbufs=8192 $tx_args <"$tmp/tx.in" >"$txlog" 2>&1 &
	tpid=$!
	e2e_bg
	exec 4>"$tmp/tx.in"
	e2e_wait_for 30 grep -q "new port $tmp/sock0" "$applog"
	echo start >&4
	case "${2:-}" in
	virtq_error=*:1) e2e_wait_for 30 grep -q "virtq 0 recovered from an error" "$applog" ;;
	virtq_error=*:3) e2e_wait_for 30 grep -q "virtq 0 failed 3 times" "$applog" ;;
	esac
	at=0
	case "${2:-}" in
	virtq_error=*:1)
		at=$(sed -n 's/.*virtq 0 recovered from an error at avail [0-9]* used \([0-9]*\).*/\1/p' \
			"$applog" | head -1)
		;;
	esac
	e2e_wait_for 30 enough "${at:-0}"
	echo stop >&4
	e2e_wait_for 10 settled
	tx_settled; check "$label: sender's TX queues completed what it sent (${tx_done:-none} = ${tx_pkts:-none} frames)" $?
	rx_settled; check "$label: receiver's frames x $bufs_per_frame = RX queues' completed_desc ($rx_done:$spread)" \
		$?
	echo quit >&4
	echo quit >&3
	exec 4>&- 3>&-
	wait "$tpid"; check "$label: sender exit status 0" $?
	wait "$rpid"; check "$label: receiver exit status 0" $?
	kill -TERM "$apid"
	wait "$apid"; check "$label: app exit status 0" $?

	[ "${rx:-0}" -gt 0 ] && [ "${rx:-0}" -le "${tx_pkts:-0}" ]
	check "$label: receiver got frames, at most those sent (${rx:-0} of ${tx_pkts:-none})" $?
	# Bytes: each frame is len bytes at both ends (testpmd's txonly frames are 64 bytes, the
	# big ones 1500; the virtio-net header is not counted).
	[ "${tx_bytes:-0}" -gt 0 ] && [ "${tx_bytes:-0}" -eq $((${tx_pkts:-0} * len)) ] &&
		[ "${rx_bytes:-0}" -eq $((${rx:-0} * len)) ]
	check "$label: bytes at both ends are their frames x $len (sent ${tx_bytes:-none}, received ${rx_bytes:-none})" $?
	# With several queues, RSS must have used each of them.
	for ((q = 0; q < 2 * qp; q += 2)); do
		n=$(e2e_stat "$applog" vdpa_mlx5x1 $q completed_desc)
		[ "${n:-0}" -gt 0 ]; check "$label: RX queue $q received frames (${n:-none})" $?
	done
	# Completions reach the front-ends: the firmware raises CQ events, the PMD relays them to callfd.
	n=$(grep -cE "closed; [1-9][0-9]* completion events relayed" "$tmp/app$run_no.log")
	[ "$n" -ge 2 ]; check "$label: completion events relayed to both devices' callfds ($n devices)" $?
	# Both devices run the rings asked for (virtio-user negotiates MRG_RXBUF by default).
	case "$ring" in
	*packed*) want="packed rings, mergeable RX buffers" ;;
	*) want="split rings, mergeable RX buffers" ;;
	esac
	n=$(grep -c "configured .* queues, .* running .*; $want\$" "$tmp/app$run_no.log")
	[ "$n" -eq 2 ]; check "$label: both devices configured with $want ($n)" $?
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app$run_no.log" &&
		grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$tmp/app$run_no.log"
	check "$label: no firmware object left" $?
	case "${2:-}" in
	virtq_error=*:1)
		r=$(grep -c "virtq 0 recovered from an error" "$tmp/app$run_no.log")
		[ "$r" -eq 1 ]; check "$label: the failed RX queue was re-created once ($r)" $?
		at=$(sed -n 's/.*virtq 0 recovered from an error at avail [0-9]* used \([0-9]*\).*/\1/p' \
			"$tmp/app$run_no.log" | head -1)
		[ -n "$at" ] && [ "$rx_done" -gt "$at" ]
		check "$label: frames kept arriving after the re-creation (${at:-?} then $rx_done)" $?
		;;
	virtq_error=*:3)
		r=$(grep -c "virtq 0 recovered from an error" "$tmp/app$run_no.log")
		[ "$r" -eq 2 ]; check "$label: re-created after the first two errors ($r)" $?
		grep -q "virtq 0 failed 3 times within 3000 ms: left in error" "$tmp/app$run_no.log"
		check "$label: given up at the third" $?
		;;
	esac
	echo "$label: frames sent by the TX queue ${tx_done:-?}, received ${rx:-0} ($spread )"
done
e2e_finish "$tmp"/app*.log "$tmp"/rx*.log "$tmp"/tx*.log
