#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Notification relay benchmark (bench/run runs it with the others): for our PMD and DPDK's own
# mlx5 vDPA PMD (Debian's binary), one device of one queue pair on the emulator served by
# examples/vdpa, in each event mode (devargs event_mode=0/1/2):
# - kick to doorbell: the front-end writes vring 0's kickfd, the PMD's relay writes the
#   doorbell, the emulator's trace stamps it (a write trap on the PMD's mapping of the doorbell,
#   or a watcher polling it: BENCH_RELAY_DOORBELLS=trap|poll);
# - completion to callfd: the device completes a chain of vring 1 and writes the CQE, the PMD's
#   event path writes the callfd, the front-end wakes up;
# - the CPU time of the back-end's threads but the emulator's (per thread, from
#   /proc/<pid>/task/*/schedstat and stat) while idle and at each offered rate;
# and one eventfd round trip between two processes as the reference, twice: with both anywhere,
# and across the CPUs a relayed kick crosses (the front-end on BENCH_FE_CPU, the relay
# threads of both PMDs on CPU 0, the main lcore's, where they pin them). The guest's side is
# bench/relay_load.c behind the scripted front-end (bench/vu_frontend.c, vu-frontend --run); the
# device's stamps come from the emulator's notification trace (MLX5_EMU trace=,
# emu/fw/fw_trace.h). Prints a table and writes bench/out/relay.json and
# bench/out/relay-cpu.svg (with gnuplot).
# Method and results: docs/performance.md.
#
# Environment (defaults): BENCH_PMDS="ours dpdk" BENCH_RELAY_MODES="0 1 2"
#   BENCH_RELAY_RATES="10000 1000000" (offered per second) BENCH_RELAY_SECONDS=3 (per rate)
#   BENCH_RELAY_IDLE_SECONDS=5 BENCH_OURS_DEVARGS="" BENCH_DPDK_DEVARGS=""
#   BENCH_RELAY_DOORBELLS=trap (or poll: the emulator's trace_doorbells)
#   BENCH_FE_CPU=1 (the front-end's CPU: a guest's vCPUs are not the back-end's; bench/lib.sh)
# DPDK's PMD needs root (a private mount namespace replaces /sys/bus/pci/devices).
set -euo pipefail
cd "$(dirname "$0")/.."
pmds=${BENCH_PMDS:-ours dpdk}
modes=${BENCH_RELAY_MODES:-0 1 2}
rates=${BENCH_RELAY_RATES:-10000 1000000}
secs=${BENCH_RELAY_SECONDS:-3}
idle_secs=${BENCH_RELAY_IDLE_SECONDS:-5}
ours_devargs=${BENCH_OURS_DEVARGS-}
dpdk_devargs=${BENCH_DPDK_DEVARGS-}
doorbells=${BENCH_RELAY_DOORBELLS:-trap}
if [ "$(nproc)" -lt 2 ]; then
	echo "relay: needs 2 CPUs (the back-end's relays on CPU 0, the front-end on another)" >&2
	exit 1
fi

. bench/lib.sh
bench_root_pmds
[[ " $pmds " != *" dpdk "* ]] || bench_pci_tree
load=$build/bench/relay-load
dir=$out/relay
rm -rf "$dir"
mkdir -p "$dir"

# One window of the guest's load on a new connection: <what>-<rate>.bin and .cpu in run_dir.
measure() {	# run_dir app_pid what(idle|kick|complete) rate seconds
	local mode=$3
	[ "$3" = idle ] && mode=kick
	RELAY_CPU_PID=$2 RELAY_CPU_OUT="$1/$3-$4.cpu" taskset -c "$frontend_cpu" timeout 120 "$frontend" \
		"$1/sock0" 1 1 0 --run "$load" "$mode" "$4" "$5" "$1/$3-$4.bin" >>"$1/fe.log" 2>&1 || {
		echo "relay: $3 at $4/s failed (see $1/fe.log and $1/app.log)" >&2
		return 1
	}
}

uptime | tee "$dir/uptime"
"$load" eventfd 5000 "$dir/eventfd.bin"
"$load" eventfd 5000 "$dir/eventfd-across.bin" "$frontend_cpu" 0
for p in $pmds; do
	for m in $modes; do
		run=$dir/$p-mode$m
		mkdir -p "$run"
		devargs=event_mode=$m
		[ "$p" = ours ] && devargs+=${ours_devargs:+,$ours_devargs}
		[ "$p" = dpdk ] && devargs+=${dpdk_devargs:+,$dpdk_devargs}
		bench_start_backend "$p" \
			"functions=1,trace=$run/trace,trace_doorbells=$doorbells" "$run" "$devargs"
		bench_wait_socket "$run"
		pid=$(bench_app_pid "$bench_prefix")
		if [ -z "$pid" ]; then
			echo "$p event_mode=$m: the app did not come up (see $run/app.log)" >&2
			exit 1
		fi
		measure "$run" "$pid" idle 0 "$idle_secs"
		for r in $rates; do
			measure "$run" "$pid" kick "$r" "$secs"
			measure "$run" "$pid" complete "$r" "$secs"
		done
		bench_stop_backend "$run"
		echo "$p event_mode=$m: done ($(uptime | sed 's/.*load/load/'))"
	done
done

gnuplot=$(command -v gnuplot || true)
python3 bench/relay.py --dir "$dir" --out "$out" ${gnuplot:+--gnuplot "$gnuplot"}
