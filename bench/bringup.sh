#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Bring-up benchmark (bench/run runs it with the others): time from a vhost-user front-end's
# connection until every virtq of the device is RDY, for our PMD and for DPDK's own mlx5 vDPA PMD
# (Debian's binary) on the same emulated NIC, both served by examples/vdpa, with the emulator's
# calibrated firmware cost model and with zero cost. Front-ends: a scripted one
# (bench/vu_frontend.c) and Debian's dpdk-testpmd with a virtio-user port. Each point runs
# BENCH_REPS times (median). Prints a table (ours, DPDK's, the firmware limit, ratios) and writes
# bench/out/results.json (and bench/out/bringup.svg when gnuplot is installed).
# Method and results: docs/performance.md.
#
# Environment (defaults): BENCH_QPS="1 4 16 64" BENCH_MEM_GIB="1 16" BENCH_REGIONS="1 8"
#   (the scripted front-end's memory regions: VU_REGIONS of bench/vu_frontend.c; 8 is what a
#   vhost-user memory table holds; virtio-user sends its own, run once per point)
#   BENCH_COSTS="calibrated zero" BENCH_REPS=3 BENCH_PMDS="ours dpdk" BENCH_SLOTS=16
#   BENCH_FRONTENDS="script virtio-user" (bench/vu_frontend.c: any size, no delay between
#   messages; testpmd's virtio-user: up to 8 queue pairs)
#   BENCH_OURS_DEVARGS="" BENCH_DPDK_DEVARGS="" (devargs of each PMD, e.g. max_conf_threads=15)
#   BENCH_CMDTRACE="" (set: each run's firmware commands into bench/out/runs/<run>/cmds.0, the
#   emulator's command trace, for bench/fw_timeline.py)
# DPDK's PMD needs root (a private mount namespace replaces /sys/bus/pci/devices, as
# tests/dpdk_pmd/ explains); without root only ours runs.
set -euo pipefail
cd "$(dirname "$0")/.."
qps=${BENCH_QPS:-1 4 16 64}
mems=${BENCH_MEM_GIB:-1 16}
regions_list=${BENCH_REGIONS:-1 8}
costs=${BENCH_COSTS:-calibrated zero}
reps=${BENCH_REPS:-3}
pmds=${BENCH_PMDS:-ours dpdk}
frontends=${BENCH_FRONTENDS:-script virtio-user}
slots=${BENCH_SLOTS:-16}
ours_devargs=${BENCH_OURS_DEVARGS-}
dpdk_devargs=${BENCH_DPDK_DEVARGS-}

. bench/lib.sh
bench_root_pmds

rm -rf "$out/runs"
mkdir -p "$out/runs"

# The PCI tree DPDK's EAL scans: one emulated function (the address does not depend on cost).
[[ " $pmds " != *" dpdk "* ]] || bench_pci_tree

# One measurement: back-end up, the front-end connects with qp queue pairs and mem GiB in
# regions regions (0: virtio-user's own), stays connected long enough for every queue to come
# up, leaves; then the back-end is stopped.
run_one() {	# frontend pmd cost mem regions qp rep
	# driver, not pmd: bench/lib.sh's pmd is our PMD's library, which bench_start_backend loads.
	local fe=$1 driver=$2 cost=$3 mem=$4 regions=$5 qp=$6 rep=$7
	local dir=$out/runs/$fe-$driver-$cost-${mem}g-${regions}r-${qp}qp-$rep stay fe_rc

	mkdir -p "$dir"
	rm -f "$dir/sock0"
	bench_start_backend "$driver" \
		"functions=1,report=exit,cost=$cost,slots=$slots${BENCH_CMDTRACE:+,cmdtrace=$dir/cmds}" \
		"$dir" "$([ "$driver" = ours ] && echo "$ours_devargs" || echo "$dpdk_devargs")"
	bench_wait_socket "$dir"
	stay=$(awk -v q="$qp" 'BEGIN { print 2 + q * 0.05 }')
	if [ "$fe" = script ]; then
		VU_REGIONS=$regions LD_PRELOAD="$clock" timeout 60 taskset -c "$frontend_cpu" \
			"$frontend" "$dir/sock0" "$qp" "$mem" "$stay" >"$dir/fe.log" 2>&1 &&
			fe_rc=0 || fe_rc=$?
	else
		LD_PRELOAD= sleep "$stay" | LD_PRELOAD="$clock" timeout 60 "$testpmd" -l 0-1 \
			--no-huge -m $((mem * 1024)) --no-pci --no-telemetry --file-prefix bench-fe \
			--vdev "net_virtio_user0,path=$dir/sock0,queues=$qp" \
			-- -i --no-mlockall --rxq="$qp" --txq="$qp" --total-num-mbufs=$((512 * qp + 4096)) \
			>"$dir/fe.log" 2>&1 && fe_rc=0 || fe_rc=$?
	fi
	bench_stop_backend "$dir"
	echo "$fe_rc" >"$dir/fe.rc"
	printf '%-11s %-5s %-10s %3s GiB %2s regions %3s qp rep %s: front-end %s\n' "$fe" "$driver" \
		"$cost" "$mem" "$([ "$regions" = 0 ] && echo - || echo "$regions")" "$qp" "$rep" \
		"$([ "$fe_rc" = 0 ] && echo ok || echo "failed ($fe_rc)")"
}

for cost in $costs; do
	for mem in $mems; do
		for qp in $qps; do
			for fe in $frontends; do
				# DPDK 22.11's virtio-user takes at most 8 queue pairs.
				[ "$fe" = script ] || [ "$qp" -le 8 ] || continue
				for regions in $([ "$fe" = script ] && echo "$regions_list" || echo 0); do
					for rep in $(seq "$reps"); do
						for p in $pmds; do
							run_one "$fe" "$p" "$cost" "$mem" "$regions" \
								"$qp" "$rep"
						done
					done
				done
			done
		done
	done
done

gnuplot=$(command -v gnuplot || true)
python3 bench/bringup.py --runs "$out/runs" --out "$out" --slots "$slots" \
	--costs-from emu/fw/fw_core.c --opcodes-from common/mlx5/prm_cmd.h \
	${gnuplot:+--gnuplot "$gnuplot"}
