#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Data-path benchmark: frames per second from one virtio-user front-end (testpmd txonly) to
# another (testpmd rxonly) through
# - the emulated NIC: our vDPA app and PMD, function 0's TX virtq -> the emulated switch ->
#   function 1's RX virtq (the emulator's engine moves every frame);
# - DPDK's software vhost: testpmd with two vhost PMD ports in io forwarding, the same two
#   front-ends.
# Both in one run, BENCH_REPS times each (median). The receiver's Rx-pps is read from testpmd's
# port statistics over a steady window after warm-up. Each switch has CPU 1 to itself (the whole
# vDPA app, or vhost testpmd's lcores, pinned there); both front-ends share CPU 0, so the same
# front-ends drive both switches and the switch's own throughput is compared; with three
# busy-polling processes on two CPUs any other placement would starve one of them at random.
# The front-ends run without IN_ORDER: our PMD does not offer it, and with it DPDK 22.11's vhost
# stops dequeuing a txonly sender's ring after a few hundred frames (seen here). Prints the table
# and writes bench/out/datapath.json. Target (issue 10): the emulator at least half the software vhost rate.
#
# Environment (defaults): BENCH_REPS=3 BENCH_DP_WINDOW=5 (seconds measured) BENCH_DP_FRAME=64
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${BENCH_REPS:-3}
window=${BENCH_DP_WINDOW:-5}
frame=${BENCH_DP_FRAME:-64}

. bench/lib.sh

# One measurement through switch `emulator` or `vhost`; prints the receiver's Rx-pps.
run_one() {	# switch rep
	local dir=$tmp/$1-$2 sw rx tx pps warm=3
	mkdir -p "$dir"
	if [ "$1" = emulator ]; then
		MLX5_EMU="functions=2" LD_PRELOAD="$emu" taskset -c 1 timeout 120 "$app" -l 1 \
			--no-huge -m 512 \
			--no-pci --no-telemetry --file-prefix dp-sw-$$ -d "$pmd" \
			--vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1 \
			-- --iface "$dir/sock" </dev/null >"$dir/switch.log" 2>&1 &
	else
		sleep 120 | timeout 120 "$testpmd" --lcores '0@1,1@1' --no-huge -m 512 \
			--no-pci --no-telemetry --file-prefix dp-sw-$$ \
			--vdev "net_vhost0,iface=$dir/sock0" --vdev "net_vhost1,iface=$dir/sock1" \
			-- --forward-mode=io --total-num-mbufs=16384 >"$dir/switch.log" 2>&1 &
	fi
	sw=$!
	pids+=("$sw")
	for _ in $(seq 200); do [ -S "$dir/sock1" ] && break; sleep 0.05; done
	sleep 1.2	# vhost's event thread picks new listening sockets up within 1 s

	# The receiver prints its port statistics after warm-up and again after the window: the
	# second Rx-pps is the rate over the window.
	(sleep 2; echo start; sleep "$warm"; echo "show port stats all"; sleep "$window"
	 echo "show port stats all"; sleep 0.5; echo quit) |
		timeout 120 "$testpmd" --lcores '0@0,1@0' --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix dp-rx-$$ --vdev "net_virtio_user0,path=$dir/sock1,in_order=0" \
		-- -i --forward-mode=rxonly --total-num-mbufs=16384 >"$dir/rx.log" 2>&1 &
	rx=$!
	pids+=("$rx")
	sleep 1
	sleep $((warm + window + 4)) | timeout 120 "$testpmd" --lcores '0@0,1@0' --no-huge -m 512 \
		--no-pci --no-telemetry --file-prefix dp-tx-$$ \
		--vdev "net_virtio_user0,path=$dir/sock0,in_order=0" \
		-- --forward-mode=txonly --eth-peer=0,02:00:00:00:00:01 --txpkts="$frame" \
		--total-num-mbufs=16384 >"$dir/tx.log" 2>&1 &
	tx=$!
	pids+=("$tx")
	wait "$rx" || true
	wait "$tx" || true
	kill -TERM "$sw" 2>/dev/null || true
	wait "$sw" 2>/dev/null || true
	pps=$(awk '/Rx-pps:/ {v = $2} END {print v + 0}' "$dir/rx.log")
	cp "$dir/rx.log" "$out/datapath-$1-$2-rx.log"
	echo "$pps"
}

declare -A rates
for rep in $(seq "$reps"); do
	for sw in emulator vhost; do
		r=$(run_one "$sw" "$rep")
		rates[$sw]="${rates[$sw]:-} $r"
		printf '%-8s rep %s: %s frames/s\n' "$sw" "$rep" "$r"
	done
done

python3 - "$out" "$frame" "$window" "${rates[emulator]}" "${rates[vhost]}" <<'EOF'
import json, statistics, sys

out, frame, window = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
emu = [int(x) for x in sys.argv[4].split()]
vhost = [int(x) for x in sys.argv[5].split()]
res = {"frame_bytes": frame, "window_s": window, "emulator_pps": emu, "vhost_pps": vhost,
       "emulator_median": statistics.median(emu), "vhost_median": statistics.median(vhost)}
res["ratio"] = res["emulator_median"] / res["vhost_median"] if res["vhost_median"] else None
json.dump(res, open(out + "/datapath.json", "w"), indent=1)
print("\n%d-byte frames, virtio-user txonly -> switch -> virtio-user rxonly, median of %d"
      % (frame, len(emu)))
print("%-40s %12s" % ("switch", "frames/s"))
print("%-40s %12d" % ("emulated NIC (our PMD, hardware virtqs)", res["emulator_median"]))
print("%-40s %12d" % ("software vhost (testpmd io forwarding)", res["vhost_median"]))
if res["ratio"] is not None:
    print("emulator / software vhost: %.2f (target >= 0.50)" % res["ratio"])
EOF
