#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Completion notifications in each event mode (devarg event_mode 0 dynamic timer, 1 fixed timer,
# 2 interrupts only): two virtio-user front-ends (testpmd txonly -> rxonly) on two emulated
# functions. Each device must relay completions to its callfds; the CQEs the PMD consumed must
# be exactly the CQEs the emulated hardware wrote, and the completion events it read at most
# those raised. Then both front-ends stop forwarding but stay connected: over 5 s of idle the
# app's threads (the PMD's event thread, which also relays kicks, vhost's, EAL's) must use under
# 1% of a CPU, with no_traffic_time small, so the timers wait for events instead of polling. The
# emulated NIC's engine thread, which stands for the hardware, is shown but not counted.
# The interrupt run also programs the hardware's completion moderation (hw_* devargs), which
# must report fewer CQEs than completions.
# Usage: test_pmd_event_modes.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
hz=$(getconf CLK_TCK)
trap '' PIPE	# a front-end that quit early must fail a check, not end the script

# "tid name jiffies" (user + system) for every thread of process $1.
thread_ticks() {
	for t in /proc/"$1"/task/*; do
		# The name may hold spaces: the fields after it are counted from the state on.
		printf '%s %s %s\n' "${t##*/}" "$(tr ' ' '_' <"$t/comm")" \
			"$(awk '{sub(/^.*\) /, ""); print $12 + $13}' "$t/stat" 2>/dev/null)"
	done
}

# configured N: until the app has configured N devices, i.e. N front-ends have started their
# port (at most 30 s: slow under sanitizers). The app logs unbuffered; testpmd does not.
configured() {
	for _ in $(seq $((300 * e2e_tf))); do
		[ "$(grep -c ": configured [0-9]* of" "$log")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# Sum of a "N <what>" item over the close lines of the log.
closed_sum() {
	grep -o "closed; .*" "$log" | grep -oE "[0-9]+ $1" | awk '{s += $1} END {print s + 0}'
}

# Sum of an emulator notify counter over both functions.
hw_sum() {
	grep "^mlx5emu: mlx5_[01]: notify:" "$log" | tr ' ' '\n' | sed -n "s/^$1=//p" |
		awk '{s += $1} END {print s + 0}'
}

for mode in 0 1 2; do
	log=$tmp/app$mode.log
	args="event_mode=$mode,no_traffic_time=4"
	[ "$mode" -eq 2 ] && args="$args,hw_latency_mode=1,hw_max_latency_us=50,hw_max_pending_comp=16"
	rm -f "$tmp/sock0" "$tmp/sock1"
	MLX5_EMU="functions=2,report=exit" LD_PRELOAD="$san$emu" timeout "$(e2e_t 60)" "$app" -l 0-1 --no-huge \
		-m 512 --no-pci --no-telemetry --file-prefix evm$mode-$e2e_id -d "$pmd" \
		--vdev "vdpa_mlx5x0,ibdev=mlx5_0,$args" --vdev "vdpa_mlx5x1,ibdev=mlx5_1,$args" \
		--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
		-- --iface "$tmp/sock" --stats-interval 1 </dev/null >"$log" 2>&1 &
	tpid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock1"
	apid=$(pgrep -P "$tpid" | head -1)

	# Each front-end takes its commands from a FIFO: forwarding for a few seconds, then
	# connected but idle while the app's CPU is measured, then quit.
	rm -f "$tmp/rxcmd" "$tmp/txcmd"
	mkfifo "$tmp/rxcmd" "$tmp/txcmd"
	timeout "$(e2e_t 60)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix evr$mode-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock1,queues=1" \
		-- -i --forward-mode=rxonly --total-num-mbufs=8192 <"$tmp/rxcmd" >"$tmp/rx$mode.log" 2>&1 &
	rpid=$!
	e2e_bg
	exec 3>"$tmp/rxcmd"
	configured 1
	echo start >&3
	timeout "$(e2e_t 60)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix evt$mode-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
		-- -i --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 \
		--total-num-mbufs=8192 <"$tmp/txcmd" >"$tmp/tx$mode.log" 2>&1 &
	spid=$!
	e2e_bg
	exec 4>"$tmp/txcmd"
	configured 2
	echo start >&4
	sleep "$(e2e_t 3)"
	echo stop >&4
	sleep "$(e2e_t 1)"
	echo stop >&3
	sleep "$(e2e_t 2)"
	thread_ticks "$apid" >"$tmp/t0"
	sleep "$(e2e_t 5)"
	thread_ticks "$apid" >"$tmp/t1"
	kill -0 "$rpid" && kill -0 "$spid" && [ "$(grep -c 'closed;' "$log")" -eq 0 ]
	check "mode $mode: both front-ends still connected after the idle window" $?
	echo quit >&4
	echo quit >&3
	exec 3>&- 4>&-
	# Per thread: jiffies over the window. The emulated NIC's engine thread stands for the
	# hardware (it costs no host CPU on a real NIC): shown, not counted. Nor, under
	# ThreadSanitizer, its runtime's background thread: unnamed, it carries the main thread's
	# name (1-4 jiffies of the 5 s here, 0.8 % of a CPU).
	deltas=$(awk 'NR == FNR {t0[$1] = $3; next} {print $2 "=" $3 - t0[$1]}' "$tmp/t0" "$tmp/t1" |
		tr '\n' ' ')
	idle=$(awk -v main="$apid" -v tsan="$e2e_tsan" \
		'NR == FNR {t0[$1] = $3; if ($1 == main) name = $2; next}
		$2 != "mlx5emu-nic" && !(tsan && $1 != main && $2 == name) {d += $3 - t0[$1]}
		END {print d + 0}' "$tmp/t0" "$tmp/t1")
	wait "$spid"; check "mode $mode: sender exit status 0" $?
	wait "$rpid"; check "mode $mode: receiver exit status 0" $?
	kill -TERM "$tpid"
	wait "$tpid"; check "mode $mode: app exit status 0" $?

	rx=$(awk '/Forward statistics for port 0/ {p = 1} p && /RX-packets:/ {print $2; exit}' \
		"$tmp/rx$mode.log")
	[ "${rx:-0}" -gt 0 ]; check "mode $mode: receiver got frames (${rx:-0})" $?
	# Each device relayed completions to its callfds, in the mode asked for.
	name=$(case $mode in 0) echo dynamic-timer;; 1) echo fixed-timer;; *) echo interrupt;; esac)
	n=$(grep -cE "closed; [1-9][0-9]* completion events relayed .event mode $name:" "$log")
	[ "$n" -eq 2 ]; check "mode $mode: both devices relayed completions to their callfds ($n)" $?
	relayed=$(closed_sum "completion events relayed")
	cqes=$(closed_sum CQEs)
	events=$(closed_sum "CQ events")
	polls=$(closed_sum polls)
	waits=$(closed_sum "no-traffic waits")
	hw_cqes=$(hw_sum cqes)
	hw_events=$(hw_sum events)
	[ "$cqes" -eq "$hw_cqes" ] && [ "$cqes" -gt 0 ]
	check "mode $mode: CQEs consumed equal the CQEs written ($cqes, hardware $hw_cqes)" $?
	[ "$events" -le "$hw_events" ] && [ "$relayed" -le "$cqes" ]
	check "mode $mode: events read <= raised ($events <= $hw_events), relayed <= CQEs ($relayed)" $?
	grep "^mlx5emu: mlx5_[01]: notify:" "$log" | grep -vq " cq_errors=0 "
	[ $? -ne 0 ]; check "mode $mode: no CQ error" $?
	if [ "$mode" -eq 2 ]; then
		[ "$polls" -eq 0 ] && [ "$events" -gt 0 ]
		check "mode $mode: woken by CQ events only ($events events, $polls polls)" $?
		done_desc=$(grep -E "^vdpa_mlx5x[01] q[01]: " "$log" | tr ' ' '\n' |
			sed -n 's/^completed_desc=//p' | sort -n | tail -1)
		[ "$hw_cqes" -lt "${done_desc:-0}" ]
		check "mode $mode: moderation reported fewer CQEs than completions ($hw_cqes < ${done_desc:-0} on the busiest queue)" $?
	else
		[ "$polls" -gt 0 ] && [ "$waits" -gt 0 ]
		check "mode $mode: polled ($polls polls) and waited for events when idle ($waits times)" $?
	fi
	# Idle: the front-ends are connected but forward nothing.
	pct=$(awk -v d="$idle" -v hz="$hz" 'BEGIN {printf "%.2f", 100 * d / hz / 5}')
	awk -v p="$pct" 'BEGIN {exit !(p < 1)}'
	check "mode $mode: idle app under 1% CPU over 5 s ($pct%)" $?
	echo "mode $mode: frames ${rx:-0}; relayed $relayed, CQEs $cqes (hardware $hw_cqes), events $events (hardware $hw_events), polls $polls, no-traffic waits $waits; idle CPU $pct% (jiffies of $hz per s, per thread over 5 s: $deltas)"
done
e2e_finish "$tmp"/app*.log "$tmp"/rx*.log "$tmp"/tx*.log
