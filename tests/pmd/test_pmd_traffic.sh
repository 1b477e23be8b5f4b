#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Frames through our PMD and the emulated NIC: two emulated functions served by the vDPA app,
# a DPDK virtio-user front-end sending (testpmd txonly, to function 1's MAC) on one and another
# receiving (rxonly) on the other. The receiver must count frames, exactly as many as the
# hardware counters of function 1's RX queue say were completed, and the sender's TX queue
# must show completed frames; both devices relay completion events to their callfds; no
# firmware object may be left.
# Usage: test_pmd_traffic.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
san=$(e2e_sanitizer_preload "$emu")
[ -z "$san" ] || export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

MLX5_EMU="functions=2,report=exit" LD_PRELOAD="$san$emu" timeout 60 "$app" -l 0-1 --no-huge \
	-m 512 --no-pci --no-telemetry --file-prefix traffic-$e2e_id -d "$pmd" \
	--vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1 \
	--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
	-- --iface "$tmp/sock" --stats-interval 1 </dev/null >"$tmp/app.log" 2>&1 &
apid=$!
e2e_bg
for _ in $(seq 100); do [ -S "$tmp/sock1" ] && break; sleep 0.1; done

# The receiver runs longer than the sender; each quits when its stdin closes, printing its stats.
sleep 7 | timeout 30 "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix trx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1,queues=1" \
	-- --forward-mode=rxonly --total-num-mbufs=4096 >"$tmp/rx.log" 2>&1 &
rpid=$!
e2e_bg
sleep 1.5
sleep 3 | timeout 30 "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix ttx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
	-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --total-num-mbufs=4096 \
	>"$tmp/tx.log" 2>&1
check "sender exit status 0" $?
# The app prints the hardware counters every second; the receiver stays connected a few seconds
# after the sender left, so the last lines hold the final counts.
wait "$rpid"; check "receiver exit status 0" $?
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?

rx=$(awk '/RX-packets:/ {print $2; exit}' "$tmp/rx.log")
[ "${rx:-0}" -gt 0 ]; check "receiver got frames (${rx:-0})" $?
last() {	# device, queue, counter: its value in the last stats line of that queue
	grep "^$1 q$2: " "$tmp/app.log" | tail -1 | tr ' ' '\n' | sed -n "s/^$3=//p"
}
rx_done=$(last vdpa_mlx5x1 0 completed_desc)
# The sender's lines stop when it leaves; its largest count is the latest while it sent.
tx_done=$(grep "^vdpa_mlx5x0 q1: " "$tmp/app.log" | tr ' ' '\n' | sed -n 's/^completed_desc=//p' |
	sort -n | tail -1)
[ "${rx_done:--1}" = "${rx:-0}" ]
check "receiver's count equals the RX queue's completed_desc (${rx_done:-none})" $?
[ "${tx_done:-0}" -gt 0 ]
check "sender's TX queue completed frames (${tx_done:-none})" $?
# Completions reach the front-ends: the firmware raises CQ events, the PMD relays them to callfd.
n=$(grep -cE "closed; [1-9][0-9]* completion events relayed" "$tmp/app.log")
[ "$n" -ge 2 ]; check "completion events relayed to both devices' callfds ($n devices)" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app.log" &&
	grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$tmp/app.log"
check "no firmware object left" $?

echo "frames: sent by the TX queue ${tx_done:-?}, received ${rx:-0}"
e2e_finish "$tmp/app.log" "$tmp/rx.log" "$tmp/tx.log"
