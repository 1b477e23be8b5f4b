#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Live-migration switch-over benchmark (bench/run runs it with the others): how long a vDPA
# device takes to stop on a migration's source and to come up again on its destination, for our
# PMD and for DPDK's own mlx5 vDPA PMD (Debian's binary) on the same emulated NIC, both served by
# examples/vdpa, with the emulator's calibrated firmware cost model. The scripted front-end
# (bench/vu_frontend.c: vu-frontend ... migrate) brings the device up, stops it as QEMU's source
# does (GET_VRING_BASE on every vring in turn, each a blocking send and receive) and, on a new
# connection, configures it as QEMU's destination does. Timed in the back-end (bench/conn_clock.c):
#   source: first GET_VRING_BASE read -> reply to the last one sent;
#   destination: first SET_VRING_BASE read -> last virtq set RDY in the emulated firmware;
#   and, from the firmware's command trace, the source until its last queue stopped, and that
#   plus the destination per run: the device's share of the migration's downtime.
# Each PMD runs at its default devargs and with its best ones. Prints tables (times, ratios,
# the firmware limit; the source's first reply, the rest and the front-end's part of the rest)
# and writes bench/out/switchover.json; every run's logs go to bench/out/switchover-runs/.
# Method and results: docs/performance.md.
#
# Environment (defaults): BENCH_QPS="1 4 16" BENCH_MEM_GIB="1 16" BENCH_REPS=1 BENCH_SLOTS=16
#   BENCH_VARIANTS="ours-default ours-best dpdk-default dpdk-threads"
#   BENCH_OURS_BEST="queues=16,queue_size=256,max_conf_threads=15" (ours-best's devargs)
#   BENCH_DPDK_THREADS="max_conf_threads=15" (dpdk-threads' devargs)
# DPDK's PMD needs root (a private mount namespace); without root only ours runs.
set -euo pipefail
cd "$(dirname "$0")/.."
qps=${BENCH_QPS:-1 4 16}
mems=${BENCH_MEM_GIB:-1 16}
reps=${BENCH_REPS:-1}
slots=${BENCH_SLOTS:-16}
variants=${BENCH_VARIANTS:-ours-default ours-best dpdk-default dpdk-threads}
ours_best=${BENCH_OURS_BEST-queues=16,queue_size=256,max_conf_threads=15}
dpdk_threads=${BENCH_DPDK_THREADS-max_conf_threads=15}

pmds=""
for v in $variants; do pmds+=" ${v%%-*}"; done
. bench/lib.sh
bench_root_pmds
runs=$out/switchover-runs
rm -rf "$runs"
mkdir -p "$runs"
[[ " $pmds " != *" dpdk "* ]] || bench_pci_tree

# One measurement on a new back-end: bring-up, the source's stop, the destination's start.
run_one() {	# variant mem qp rep
	local dir=$runs/$1-${2}g-${3}qp-$4 side=${1%%-*} devargs="" hold fe_rc

	[[ " $pmds " == *" $side "* ]] || return 0
	case $1 in
	ours-best) devargs=$ours_best ;;
	dpdk-threads) devargs=$dpdk_threads ;;
	esac
	mkdir -p "$dir"
	bench_start_backend "$side" \
		"functions=1,report=exit,cost=calibrated,slots=$slots,cmdtrace=$dir/cmds" "$dir" \
		"$devargs"
	for _ in $(seq 100); do [ -S "$dir/sock0" ] && break; sleep 0.1; done
	# Long enough for every virtq to come up (DPDK's default, 16 GiB: about 0.5 s).
	hold=$(awk -v q="$3" 'BEGIN { print 1 + q * 0.03 }')
	LD_PRELOAD="$clock" timeout 60 taskset -c "$frontend_cpu" "$frontend" "$dir/sock0" "$3" \
		"$2" "$hold" migrate >"$dir/fe.log" 2>&1 && fe_rc=0 || fe_rc=$?
	bench_stop_backend "$dir"
	echo "$fe_rc" >"$dir/fe.rc"
	printf '%-13s %3s GiB %3s qp rep %s: front-end %s\n' "$1" "$2" "$3" "$4" \
		"$([ "$fe_rc" = 0 ] && echo ok || echo "failed ($fe_rc)")"
}

load_before=$(cat /proc/loadavg)
echo "load before: $(uptime)"
for mem in $mems; do
	for qp in $qps; do
		for rep in $(seq "$reps"); do
			for v in $variants; do
				run_one "$v" "$mem" "$qp" "$rep"
			done
		done
	done
done
echo "load after: $(uptime)"

python3 bench/switchover.py --runs "$runs" --out "$out" --slots "$slots" \
	--costs-from emu/fw/fw_core.c --opcodes-from common/mlx5/prm_cmd.h \
	--devargs "ours-best=$ours_best" --devargs "dpdk-threads=$dpdk_threads" \
	--load-before "$load_before" --load-after "$(cat /proc/loadavg)"
