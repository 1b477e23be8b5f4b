#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A stop with more queues than threads (a migration's source: GET_VRING_BASE on every vring in
# turn), under the calibrated firmware cost so that each queue's stop takes milliseconds: 4
# queue pairs, the default max_conf_threads=0 (one stop thread beside vhost's). vhost's thread
# stops vring 0's queue, the stop thread the others in order; before each later answer vhost's
# thread stops the last queue nobody took yet (from queue 7 down), and more while the stop
# thread stops the asked vring's, instead of waiting. Every vring's base comes back as its own
# (the scripted front-end starts vring i at 100 + i), the destination (a new connection) starts
# every virtq from it, and nothing is left at exit.
# Usage: test_pmd_stop.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <vu-frontend>
set -u
app="$1"
pmd="$2"
emu="$3"
frontend="$4"
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

log=$tmp/app.log
rm -f "$tmp/sock0"
MLX5_EMU="functions=1,profile=bf3,cost=calibrated,report=exit" LD_PRELOAD="$san$emu" \
	timeout "$(e2e_t 60)" "$app" -l 0-1 --no-huge -m 256 --no-pci --no-telemetry \
	--file-prefix stop-$e2e_id -d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0 \
	--log-level=pmd.vdpa.mlx5x:debug -- --iface "$tmp/sock" </dev/null >"$log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock0"
# vhost's event thread picks the listening socket up at its next poll, up to 1 s later.
sleep "$(e2e_t 1.2)"
VU_FIRST_BASE=100 timeout "$(e2e_t 30)" "$frontend" "$tmp/sock0" 4 1 0.5 migrate \
	>"$tmp/fe.log" 2>&1
check "front-end exit status 0" $?
bases=$(grep "^source: vring bases" "$tmp/fe.log")
[ "$bases" = "source: vring bases 100 101 102 103 104 105 106 107" ]
check "every vring's base handed back as its own (${bases:-no bases})" $?
helped=$(sed -n "s/.*queue \([0-9]*\), which no thread took yet, stops here before vring.*/\1/p" \
	"$log" | tr '\n' ' ')
[ "${helped%% *}" = 7 ]
check "vhost's thread stopped queues nobody took, the last first (${helped:-none})" $?
started=0
for i in 0 1 2 3 4 5 6 7; do
	n=$(grep -c "virtq $i started at avail $((100 + i)) used $((100 + i))$" "$log")
	[ "$n" -eq 2 ] && started=$((started + 1))
done
[ "$started" -eq 8 ]
check "every virtq started at its vring's base on the source and on the destination ($started of 8)" $?
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"
check "no firmware object left" $?
e2e_finish "$log"
