#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Operators watch devices with dpdk-telemetry.py: the PMD's commands (/vdpa_mlx5x/...) and the
# app's (/vdpa_app/...) must show the same counters, and those must be the traffic's. Two
# emulated functions behind the vDPA app; a virtio-user front-end sends frames through function
# 0 into a receiving front-end on function 1. After the sender has left (counters settled), the
# receiving RX queue's completed_desc must be the same in the PMD's telemetry, in the app's, and
# equal to the frames the receiver counted; bad parameters get an error answer, not a crash.
# Usage: test_telemetry.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
telemetry=${DPDK_TELEMETRY:-dpdk-telemetry.py}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
prefix=telemetry-$e2e_id

# Runs telemetry commands (one per argument) against the app; one JSON answer per line.
ask() {
	printf '%s\n' "$@" | timeout "$(e2e_t 10)" "$telemetry" -f "$prefix"
}

# A field of a JSON answer: json <line> <python expression over the parsed answer `a`>.
json() {
	python3 -c 'import json, sys; a = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2"
}

MLX5_EMU="functions=2" LD_PRELOAD="$san$emu" timeout "$(e2e_t 120)" "$app" -l 0-1 --no-huge -m 512 \
	--no-pci --file-prefix "$prefix" -d "$pmd" \
	--vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1 \
	--log-level=lib.vhost.config:warning \
	-- --iface "$tmp/sock" </dev/null >"$tmp/app.log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock1"

# The receiver stays connected after the sender leaves, until the questions are answered: it
# quits when its stdin, a FIFO, closes.
mkfifo "$tmp/rx.in"
timeout "$(e2e_t 90)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix trx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1" \
	-- --forward-mode=rxonly --total-num-mbufs=8192 <"$tmp/rx.in" >"$tmp/rx.log" 2>&1 &
rpid=$!
e2e_bg
exec 3>"$tmp/rx.in"
e2e_wait_for 30 grep -q "new port $tmp/sock1" "$tmp/app.log"
# The sender sends for 3 s from its connection on, however long it took to start.
mkfifo "$tmp/tx.in"
timeout "$(e2e_t 60)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix ttx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0" \
	-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --total-num-mbufs=8192 \
	<"$tmp/tx.in" >"$tmp/tx.log" 2>&1 &
tpid=$!
e2e_bg
exec 4>"$tmp/tx.in"
e2e_wait_for 30 grep -q "new port $tmp/sock0" "$tmp/app.log"
sleep "$(e2e_t 3)"
exec 4>&-
wait "$tpid"; check "sender exit status 0" $?
sleep "$(e2e_t 1)"	# the last frames in flight land

mapfile -t answers < <(ask /vdpa_mlx5x/list /vdpa_mlx5x/info,vdpa_mlx5x1 \
	/vdpa_mlx5x/stats,vdpa_mlx5x1,0 /vdpa_app/ports /vdpa_app/stats,1 \
	/vdpa_mlx5x/info,no_such_device /vdpa_mlx5x/stats,vdpa_mlx5x1,x /vdpa_app/stats,7)
printf '%s\n' "${answers[@]}" >"$tmp/telemetry.log"
exec 3>&-	# the receiver leaves
[ "${#answers[@]}" -eq 8 ]; check "dpdk-telemetry.py answered all 8 commands (${#answers[@]})" $?

list=$(json "${answers[0]}" 'sorted(a["/vdpa_mlx5x/list"])')
[ "$list" = "['vdpa_mlx5x0', 'vdpa_mlx5x1']" ]; check "the PMD lists its two devices ($list)" $?

state=$(json "${answers[1]}" 'a["/vdpa_mlx5x/info"]["state"]')
running=$(json "${answers[1]}" 'a["/vdpa_mlx5x/info"]["queues_running"]')
events=$(json "${answers[1]}" 'a["/vdpa_mlx5x/info"]["completions_relayed"]')
[ "$state" = configured ] && [ "$running" = 2 ]
check "device 1 is configured with 2 queues running ($state, $running)" $?
[ "${events:-0}" -gt 0 ] 2>/dev/null; check "device 1 relayed completion events ($events)" $?

pmd_rx=$(json "${answers[2]}" 'a["/vdpa_mlx5x/stats"]["q0"]["completed_desc"]')
app_rx=$(json "${answers[4]}" 'a["/vdpa_app/stats"]["q0"]["completed_desc"]')
app_vid=$(json "${answers[3]}" 'a["/vdpa_app/ports"]["1"]["vid"]')
[ "$app_vid" -ge 0 ] 2>/dev/null; check "the app shows port 1's front-end (vid $app_vid)" $?

wait "$rpid"; check "receiver exit status 0" $?
rx=$(awk '/Forward statistics for port 0/ {p = 1} p && /RX-packets:/ {print $2; exit}' "$tmp/rx.log")
[ "${rx:-0}" -gt 0 ] && [ "$pmd_rx" = "$rx" ] && [ "$app_rx" = "$rx" ]
check "RX queue 0's completed_desc: PMD telemetry $pmd_rx, app telemetry $app_rx, receiver ${rx:-0}" $?

for i in 5 6 7; do
	[ "$(json "${answers[$i]}" 'list(a.values())[0]')" = None ]
	check "an invalid request is answered with null (${answers[$i]})" $?
done

kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?
echo "RX queue 0: $rx frames; telemetry: PMD $pmd_rx, app $app_rx; $events completion events"
e2e_finish "$tmp"/app.log "$tmp"/rx.log "$tmp"/tx.log "$tmp"/telemetry.log
