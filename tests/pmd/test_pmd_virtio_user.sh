#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Our PMD on an emulated function, served by the vDPA app: a DPDK virtio-user front-end
# (testpmd) connects with 1 queue pair, then 4, then connects and leaves 5 more times. Each time
# the device must be configured with every queue, report per-queue stats, and at exit no
# firmware object may be left (MLX5_EMU report=exit).
# Usage: test_pmd_virtio_user.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

MLX5_EMU="functions=1,report=exit" LD_PRELOAD="$san$emu" timeout "$(e2e_t 120)" "$app" -l 0-1 --no-huge \
	-m 512 --no-pci --no-telemetry --file-prefix pmdvu-$e2e_id -d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0 \
	--log-level=pmd.vdpa.mlx5x:info -- --iface "$tmp/sock" --stats-interval 1 \
	</dev/null >"$tmp/app.log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock0"

# A front-end stays connected for the given seconds from its device's configuration on (its stdin
# is a FIFO closed then), so a slow start on a loaded machine does not shorten its stay.
connect() {	# queue pairs, seconds connected, name
	local before pid rc=0

	before=$(grep -c "configured .* queues" "$tmp/app.log")
	mkfifo "$tmp/vu$3.in"
	LD_PRELOAD= timeout "$(e2e_t 60)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci \
		--no-telemetry --file-prefix "vu$3-$e2e_id" --vdev "net_virtio_user0,path=$tmp/sock0,queues=$1" \
		-- -i --rxq="$1" --txq="$1" --total-num-mbufs=4096 <"$tmp/vu$3.in" >"$tmp/vu$3.log" 2>&1 &
	pid=$!
	e2e_bg
	exec 5>"$tmp/vu$3.in"
	configured_since() { [ "$(grep -c "configured .* queues" "$tmp/app.log")" -gt "$before" ]; }
	e2e_wait_for 30 configured_since
	sleep "$2"
	exec 5>&-
	wait "$pid" || rc=$?
	return $rc
}

connect 1 2.5 a; check "1 queue pair: front-end exit status 0" $?
grep -q "configured 2 of 2 queues" "$tmp/app.log"; check "1 queue pair: 2 queues configured" $?
connect 4 2.5 b; check "4 queue pairs: front-end exit status 0" $?
grep -q "configured 8 of 8 queues" "$tmp/app.log"; check "4 queue pairs: 8 queues configured" $?
grep -q "vdpa_mlx5x0 q7: received_desc=" "$tmp/app.log"; check "4 queue pairs: stats of queue 7" $?
for i in 1 2 3 4 5; do
	connect 2 0.5 "c$i" || echo "reconnect $i: front-end failed"
done
n=$(grep -c "configured 4 of 4 queues" "$tmp/app.log")
[ "$n" -eq 5 ]; check "5 reconnections configured 4 queues each (saw $n)" $?
kill -TERM "$apid"
wait "$apid"; rc=$?
check "app exit status 0 after SIGTERM (got $rc)" $rc
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app.log"; check "no firmware object left" $?
# The memory table comes before the vrings: its keys are built meanwhile, for every connection.
n=$(grep -c "guest-memory keys built ahead, while vhost took the vrings" "$tmp/app.log")
[ "$n" -eq 7 ]; check "the guest-memory keys of all 7 connections built ahead (saw $n)" $?
! grep -q "configuration failed" "$tmp/app.log"; check "no configuration failure logged" $?

e2e_finish "$tmp/app.log"
