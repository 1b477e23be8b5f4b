#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A hostile vhost-user front-end (vhost_hostile.py) against device 0 of the vDPA app on two
# emulated functions: malformed messages, hostile memory tables, rings and fds, disconnects at
# every setup step. After each case the app is alive, its fds and the emulator's live firmware
# objects are back at their baseline, and a well-behaved front-end passes a frame intact to
# device 1. At the end DPDK's virtio-user (testpmd) still passes traffic on the same socket,
# and the app exits cleanly with no firmware object left.
# Usage: test_vhost_hostile.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <emu_probe.so> [rounds]
set -u
app="$1"
pmd="$2"
emu="$3"
probe="$4"
rounds=${5:-1}
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/robust-lib.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

robust_app_start "$app" "$pmd" "$emu" "$probe" 2 $(((120 + rounds * 120) * e2e_tf))

python3 "$(dirname "$0")/vhost_hostile.py" --sock "$tmp/sock0" --peer-sock "$tmp/sock1" \
	--app-pid "${app_pid:-0}" --probe "$tmp/probe" --rounds "$rounds" --time-factor "$e2e_tf" | tee "$tmp/hostile.log"
check "every hostile case left the app working and nothing behind" "${PIPESTATUS[0]}"

# The hostile rings (9 cases a round) reached the device: each failed its queue, which the PMD
# re-created (or, failing again at once, left in error).
errs=$(grep -cE "virtq [0-9]+ (recovered from an error|failed [0-9]+ times)" "$tmp/app.log")
[ "$errs" -ge $((9 * rounds)) ]
check "hostile rings put queues in error and the PMD handled it ($errs recoveries or give-ups)" $?

# DPDK's own front-end on the same socket afterwards: frames from device 0 reach device 1.
sleep "$(e2e_t 7)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix hrx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1,queues=1" \
	-- --forward-mode=rxonly --total-num-mbufs=4096 >"$tmp/rx.log" 2>&1 &
rpid=$!
e2e_bg
sleep "$(e2e_t 1.5)"
sleep "$(e2e_t 3)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix htx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
	-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --total-num-mbufs=4096 \
	>"$tmp/tx.log" 2>&1
check "virtio-user sender exit status 0" $?
wait "$rpid"; check "virtio-user receiver exit status 0" $?
rx=$(awk '/Forward statistics for port 0/ {p = 1} p && /RX-packets:/ {print $2; exit}' \
	"$tmp/rx.log")
[ "${rx:-0}" -gt 0 ]; check "virtio-user traffic on the same socket afterwards (${rx:-0} frames)" $?

kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app.log" &&
	grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$tmp/app.log"
check "no firmware object left at exit" $?
e2e_finish "$tmp/app.log" "$tmp/tx.log" "$tmp/rx.log"
