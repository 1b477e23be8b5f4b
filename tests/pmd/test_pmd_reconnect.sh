#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Reconnections under traffic: a DPDK virtio-user front-end sends without pause (testpmd txonly)
# through function 0 to function 1 for the whole test, while the receiving front-end on function
# 1 disconnects and reconnects CYCLES times (20 by default). Each time traffic must resume: the
# receiver counts frames in every connection. Across the cycles the app must not grow: its open
# fds, resident memory and (with EMU_PROBE, tests/robust/emu_probe.so preloaded into the app) live
# firmware objects after the last cycle are compared with those after the first, and at exit no
# firmware object is left.
# Usage: test_pmd_reconnect.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> [cycles [EMU_PROBE]]
set -u
app="$1"
pmd="$2"
emu="$3"
cycles=${4:-20}
probe=${5:-}
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
# Under ASan, freed memory waits in a quarantine (256 MiB) before reuse, which would read as
# growth: with none, resident memory shows what is really kept.
e2e_sanitizers "$emu" quarantine_size_mb=0

# The probe goes to the app alone (under timeout, which must not take its socket).
probe_env=()
[ -z "$probe" ] || probe_env=(env MLX5_EMU_PROBE="$tmp/probe" LD_PRELOAD="$san$emu $probe")
MLX5_EMU="functions=2,report=exit" LD_PRELOAD="$san$emu" \
	timeout $(((60 + cycles * 6) * e2e_tf)) "${probe_env[@]}" "$app" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry --file-prefix recon-$e2e_id -d "$pmd" \
	--vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1 \
	--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
	-- --iface "$tmp/sock" --stats-interval 0.2 </dev/null >"$tmp/app.log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock1" && { [ -z "$probe" ] || e2e_wait_sockets 10 "$tmp/probe"; }

# The sender stays connected for the whole test: testpmd runs until its standard input, a FIFO
# held open here, is closed after the last cycle.
mkfifo "$tmp/tx.in"
timeout $(((cycles * 6 + 30) * e2e_tf)) "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix recontx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
	-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --total-num-mbufs=4096 \
	<"$tmp/tx.in" >"$tmp/tx.log" 2>&1 &
tpid=$!
e2e_bg
exec 3>"$tmp/tx.in"
sleep "$(e2e_t 1)"

# The app's open fds and resident memory (kB); the app runs under timeout, as its child.
app_pid=$(pgrep -P "$apid" | head -1)
app_fds() { ls "/proc/$app_pid/fd" 2>/dev/null | wc -l; }
app_rss() { awk '/^VmRSS:/ {print $2}' "/proc/$app_pid/status" 2>/dev/null; }
app_objects() { [ -z "$probe" ] || e2e_probe_objects "$tmp/probe"; }
# The thread ids of the devices' event threads (mvdpa-ev-<vid>), sorted.
event_threads() {
	grep -l "^mvdpa-ev-" /proc/"$app_pid"/task/*/comm 2>/dev/null | awk -F/ '{print $5}' |
		sort -n | tr '\n' ' '
}

# received_since LINE: two stats lines of device 1's RX queue after LINE of the app's log (the
# app prints every queue's counters every 0.2 s while a front-end is connected) differ by more
# frames completed than the receiver's ring holds (256 entries, at most 1024): so this receiver
# is taking them, its forwarding under way. The counters run on across connections, and the
# first line may still hold what the previous receiver took after its last line: only the
# growth within this connection counts.
received_since() {
	tail -n +"$1" "$tmp/app.log" | grep "^vdpa_mlx5x1 q0: " | tr ' ' '\n' |
		sed -n 's/^completed_desc=//p' |
		awk 'NR == 1 { first = $1 } { last = $1 } END { exit !(NR > 1 && last > first + 1024) }'
}

resumed=0
for i in $(seq "$cycles"); do
	# The receiver quits when its stdin, a FIFO, closes: once it is taking frames (30 s at
	# most), however long the connection took on a loaded machine.
	n=$(($(wc -l <"$tmp/app.log") + 1))
	rm -f "$tmp/rx.in"
	mkfifo "$tmp/rx.in"
	timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix reconrx-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1,queues=1" \
		-- --forward-mode=rxonly --total-num-mbufs=4096 <"$tmp/rx.in" >"$tmp/rx.log" 2>&1 &
	rpid=$!
	exec 4>"$tmp/rx.in"
	e2e_wait_for 30 received_since "$n"
	exec 4>&-
	wait "$rpid"
	rx=$(awk '/Forward statistics for port 0/ {p = 1} p && /RX-packets:/ {print $2; exit}' \
		"$tmp/rx.log")
	if [ "${rx:-0}" -gt 0 ]; then
		resumed=$((resumed + 1))
	else
		echo "cycle $i: the receiver got no frame"
		cat "$tmp/rx.log"
	fi
	sleep "$(e2e_t 0.3)"	# the app tears the device down after the front-end left
	if [ "$i" -eq 1 ]; then
		fds1=$(app_fds)
		rss1=$(app_rss)
		objs1=$(app_objects)
		evt1=$(event_threads)
	fi
done
fds=$(app_fds)
rss=$(app_rss)
objs=$(app_objects)
evt=$(event_threads)
[ "$resumed" -eq "$cycles" ]
check "traffic resumed after each of $cycles reconnections ($resumed did)" $?
[ "$fds" -le "$fds1" ]; check "app's open fds not grown ($fds1 after the first cycle, $fds after the last)" $?
# Allocators keep some memory; a leak per cycle would show as a steady climb. ThreadSanitizer
# keeps shadow memory and clocks for what it saw (each connection's threads and allocations):
# +3.0 to +4.1 MiB over 20 to 40 cycles under TSan, not growing with the cycles, where normal
# and ASan builds keep under 1 MiB.
slack=4096
case $san in *libtsan*) slack=16384 ;; esac
[ "$rss" -le $((rss1 + slack)) ]
check "app's resident memory not grown by more than $((slack / 1024)) MiB (${rss1} kB, then ${rss} kB)" $?
# Each device's event thread is created at its first configuration and waits for the next one
# between connections: the same two threads after the last cycle as after the first.
[ -n "$evt1" ] && [ "$(echo $evt1 | wc -w)" -eq 2 ] && [ "$evt" = "$evt1" ]
check "the devices' event threads kept across connections (first cycle: $evt1; last: $evt)" $?
if [ -n "$probe" ]; then
	[ "$objs" -le "$objs1" ]
	check "live firmware objects not grown ($objs1 after the first cycle, $objs after the last)" $?
fi

exec 3>&-
wait "$tpid"; check "sender exit status 0" $?
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?
n=$(grep -c "vid [0-9]*: closed" "$tmp/app.log")
[ "$n" -ge $((cycles + 1)) ]; check "every configuration closed ($n closes)" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app.log" &&
	grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$tmp/app.log"
check "no firmware object left" $?
echo "reconnections: $cycles, traffic resumed $resumed times; app fds $fds1 -> $fds, RSS ${rss1} -> ${rss} kB${probe:+, live firmware objects $objs1 -> $objs}"
e2e_finish "$tmp/app.log" "$tmp/tx.log"
