#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Devices configured and closed while another passes traffic: on four emulated functions, DPDK
# virtio-user front-ends send without pause from device 0 to device 1 (A) for the whole test,
# while churn.py connects front-ends to devices 2 and 3 (B), passes a frame between them and
# disconnects, CYCLES times. A's traffic must never stop: device 1's RX queue completes frames
# in every one-second stats interval of the churn. B leaks nothing (fds and live firmware objects
# back at their value after each cycle) and at exit no firmware object is left.
# Usage: test_concurrent_devices.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <emu_probe.so>
#                                   [cycles]
set -u
app="$1"
pmd="$2"
emu="$3"
probe="$4"
cycles=${5:-100}
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/robust-lib.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
limit=$(((90 + cycles / 2) * e2e_tf))

robust_app_start "$app" "$pmd" "$emu" "$probe" 4 "$limit" --stats-interval 1

# A: both front-ends run until their standard input, a FIFO held open here, is closed.
mkfifo "$tmp/rx.in" "$tmp/tx.in"
timeout "$limit" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix concrx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1,queues=1" \
	-- --forward-mode=rxonly --total-num-mbufs=4096 <"$tmp/rx.in" >"$tmp/rx.log" 2>&1 &
rpid=$!
e2e_bg
exec 3>"$tmp/rx.in"
sleep "$(e2e_t 1)"
timeout "$limit" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix conctx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
	-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --total-num-mbufs=4096 \
	<"$tmp/tx.in" >"$tmp/tx.log" 2>&1 &
tpid=$!
e2e_bg
exec 4>"$tmp/tx.in"
sleep "$(e2e_t 3)"

# B: the churn, between two marks in the app's log.
from=$(wc -l <"$tmp/app.log")
python3 "$(dirname "$0")/churn.py" --sock "$tmp/sock2" --peer-sock "$tmp/sock3" \
	--peer-function 3 --app-pid "${app_pid:-0}" --probe "$tmp/probe" --cycles "$cycles"
check "$cycles configure/close cycles of devices 2 and 3 passed a frame each and leaked nothing" $?
to=$(wc -l <"$tmp/app.log")

# A's receiving queue during the churn: its completed count grows in every stats interval.
sed -n "$((from + 1)),${to}p" "$tmp/app.log" | grep "^vdpa_mlx5x1 q0: " |
	tr ' ' '\n' | sed -n 's/^completed_desc=//p' >"$tmp/a_rx"
samples=$(wc -l <"$tmp/a_rx")
stalls=$(awk 'NR > 1 && $1 <= prev {n++} {prev = $1} END {print n + 0}' "$tmp/a_rx")
[ "$samples" -ge 2 ] && [ "$stalls" -eq 0 ]
check "A's traffic never stopped during the churn ($samples one-second samples, $stalls without new frames)" $?

exec 4>&-
wait "$tpid"; check "A's sender exit status 0" $?
exec 3>&-
wait "$rpid"; check "A's receiver exit status 0" $?
rx=$(awk '/Forward statistics for port 0/ {p = 1} p && /RX-packets:/ {print $2; exit}' \
	"$tmp/rx.log")
[ "${rx:-0}" -gt 0 ]; check "A's receiver got frames (${rx:-0})" $?
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?
left=0
for f in 0 1 2 3; do
	grep -q "mlx5emu: mlx5_$f: 0 live firmware objects" "$tmp/app.log" || left=1
done
[ "$left" -eq 0 ]; check "no firmware object left at exit" $?
e2e_finish "$tmp/app.log" "$tmp/tx.log" "$tmp/rx.log"
