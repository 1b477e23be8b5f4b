#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Scale benchmark: one vDPA app process serving N emulated functions (default 64) with Q queue
# pairs each (default 4), testpmd with N virtio-user ports as the front-ends (one process per 32
# ports, Debian's DPDK limit); our PMD and
# DPDK's own mlx5 vDPA PMD in the same run, on the same emulated NIC with the calibrated firmware
# cost model. Per PMD:
# - probe: from the app's start until all N vhost-user sockets listen (EAL, probe, attach);
# - bring-up of all: from the first front-end connection the app accepts (bench/conn_clock) to
#   the last virtq set RDY on any function (the emulator's timing lines at exit); testpmd
#   connects its ports one after another, so this includes the front-ends' own pace, and the
#   tail (last connection accepted to last virtq RDY) shows how far the PMD lags behind them;
# - resident memory (VmRSS) after probe and with every device configured, and its growth per
#   device against a 1-function run of the same PMD (the emulated NIC's own state lives in the
#   process too and is counted);
# - threads with every device configured;
# both from samples taken every 0.2 s while the front-ends are connected (<dir>/samples), the
# one with the most threads.
# Prints a table and writes bench/out/scale.json. Method: docs/performance.md.
#
# Environment (defaults): BENCH_SCALE_FUNCS=64 BENCH_SCALE_QPS=4 BENCH_PMDS="ours dpdk"
#   BENCH_SCALE_COST=calibrated BENCH_OURS_DEVARGS="" BENCH_DPDK_DEVARGS=""
# DPDK's PMD needs root (a private mount namespace replaces /sys/bus/pci/devices).
set -euo pipefail
cd "$(dirname "$0")/.."
funcs=${BENCH_SCALE_FUNCS:-64}
qps=${BENCH_SCALE_QPS:-4}
pmds=${BENCH_PMDS:-ours dpdk}
cost=${BENCH_SCALE_COST:-calibrated}
ours_devargs=${BENCH_OURS_DEVARGS-}
dpdk_devargs=${BENCH_DPDK_DEVARGS-}

. bench/lib.sh
bench_root_pmds

mkdir -p "$out/scale"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

status_field() {	# pid field: its value in /proc/<pid>/status (kB for memory)
	awk -v f="$2:" '$1 == f {print $2}' "/proc/$1/status"
}

# One run: the app with n functions under one PMD, then n virtio-user ports in one testpmd.
# Writes <dir>/result: probe_ms rss_probe_kb rss_up_kb threads fe_rc.
run_one() {	# pmd n dir
	local n=$2 dir=$3 prefix=scale-be-$$ t0 t1 pid be args=() stay fe=() i
	local emucfg="functions=$n,report=exit,cost=$cost"

	# A previous run's socket or sample file would pass for this one's.
	rm -rf "$dir"
	mkdir -p "$dir"
	if [ "$1" = ours ]; then
		for ((i = 0; i < n; i++)); do
			args+=(--vdev "vdpa_mlx5x$i,ibdev=mlx5_$i${ours_devargs:+,$ours_devargs}")
		done
		t0=$(now_ms)
		MLX5_EMU=$emucfg LD_PRELOAD="$emu $clock" timeout -k 10 300 "$app" -l 0-1 --no-huge \
			-m 512 --no-pci --no-telemetry --file-prefix "$prefix" -d "$pmd" "${args[@]}" \
			"$bench_vhost_log" -- --iface "$dir/sock" </dev/null >"$dir/app.log" 2>&1 &
	else
		mkdir -p "$tmp/devices-$n"
		mapfile -t addrs < <(MLX5_EMU="functions=$n" python3 tests/dpdk_pmd/write-pci-tree.py \
			"$emu" "$tmp/devices-$n" all)
		for a in "${addrs[@]}"; do
			args+=(-a "$a,class=vdpa${dpdk_devargs:+,$dpdk_devargs}")
		done
		t0=$(now_ms)
		MLX5_EMU=$emucfg unshare -m sh -c '
			mount --bind "$1" /sys/bus/pci/devices || exit 99
			shift
			exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices "$@"
		' sh "$tmp/devices-$n" LD_PRELOAD="$emu $clock" timeout -k 10 300 "$app" -l 0-1 \
			--no-huge -m 512 --no-telemetry --file-prefix "$prefix" "${args[@]}" \
			"$bench_vhost_log" -- --iface "$dir/sock" </dev/null >"$dir/app.log" 2>&1 &
	fi
	be=$!
	pids+=("$be")
	for _ in $(seq 6000); do
		[ -S "$dir/sock$((n - 1))" ] && break
		kill -0 "$be" 2>/dev/null || break
		sleep 0.01
	done
	t1=$(now_ms)
	pid=$(bench_app_pid "$prefix")
	if [ -z "$pid" ] || [ ! -S "$dir/sock$((n - 1))" ]; then
		echo "$1 with $n functions: the app did not come up (see $dir/app.log)" >&2
		return 1
	fi
	local rss_probe
	rss_probe=$(status_field "$pid" VmRSS)
	sleep 1.2	# vhost's event thread picks new listening sockets up within 1 s

	# Debian's DPDK has at most 32 ports per process (RTE_MAX_ETHPORTS): one testpmd per 32.
	# Long enough for every device to come up on a loaded machine (about 20 s for 64 x 4 on
	# 2 busy vCPUs): the sample below needs them all configured at once.
	stay=$(awk -v n="$n" -v q="$qps" 'BEGIN { print 8 + n * q * 0.1 }')
	local fepids=() k
	for ((k = 0; k * 32 < n; k++)); do
		fe=()
		for ((i = k * 32; i < n && i < (k + 1) * 32; i++)); do
			fe+=(--vdev "net_virtio_user$i,path=$dir/sock$i,queues=$qps")
		done
		(sleep "$stay"; echo "sample" >"$dir/sample"; sleep 2) |
			LD_PRELOAD= timeout 300 "$testpmd" -l 0-1 --no-huge -m 512 --no-pci \
			--no-telemetry --file-prefix "scale-fe$k-$$" "${fe[@]}" -- -i --no-mlockall \
			--rxq="$qps" --txq="$qps" --rxd=64 --txd=64 \
			--total-num-mbufs=$((32 * qps * 160 + 4096)) >"$dir/fe$k.log" 2>&1 &
		fepids+=($!)
		pids+=($!)
	done
	# Threads and resident memory every 0.2 s while the front-ends are connected; the sample
	# with the most threads is the one with the most devices configured (each configured device
	# runs its PMD's event threads), taken as "configured". One sample at a fixed time missed
	# the configured period (5 threads: the idle app's).
	local rss_up threads
	: >"$dir/samples"
	while [ ! -f "$dir/sample" ] && kill -0 "${fepids[0]}" 2>/dev/null; do
		echo "$(status_field "$pid" Threads) $(status_field "$pid" VmRSS)" >>"$dir/samples"
		sleep 0.2
	done
	read -r threads rss_up < <(sort -n -k1,1 -k2,2 "$dir/samples" | tail -1) || {
		echo "$1 with $n functions: no sample taken (see $dir)" >&2
		return 1
	}
	local fe_rc=0 p
	for p in "${fepids[@]}"; do wait "$p" || fe_rc=$?; done
	bench_stop_backend "$dir"
	echo "$((t1 - t0)) $rss_probe $rss_up $threads $fe_rc" >"$dir/result"
	printf '%-5s %3s functions: probe %s ms, front-end %s\n' "$1" "$n" "$((t1 - t0))" \
		"$([ "$fe_rc" = 0 ] && echo ok || echo "failed ($fe_rc)")"
}

for p in $pmds; do
	run_one "$p" 1 "$out/scale/$p-1"
	run_one "$p" "$funcs" "$out/scale/$p-$funcs"
done

python3 - "$out" "$funcs" "$qps" "$cost" $pmds <<'EOF'
import json, re, sys

out, funcs, qps, cost = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
pmds = sys.argv[5:]
res = {"functions": funcs, "queue_pairs": qps, "cost": cost, "pmds": {}}
for p in pmds:
    r = {}
    for n in (1, funcs):
        d = "%s/scale/%s-%d" % (out, p, n)
        probe, rss_probe, rss_up, threads, fe_rc = map(int, open(d + "/result").read().split())
        log = open(d + "/app.log", errors="replace").read()
        accepts = [int(t) for t in re.findall(r"conn_clock: accept fd=\d+ t_ns=(\d+)", log)]
        timing = re.findall(r"mlx5emu: (\S+): timing: .*rdy_sets=(\d+) last_rdy_monotonic_ns=(\d+)",
                            log)
        up = [t for t in timing if int(t[1]) >= 2 * qps]
        ok = fe_rc == 0 and accepts and len(up) == n
        r[n] = {"probe_ms": probe, "rss_after_probe_kb": rss_probe, "rss_configured_kb": rss_up,
                "threads": threads, "functions_up": len(up), "ok": bool(ok),
                "bringup_ms": (max(int(t[2]) for t in up) - min(accepts)) / 1e6 if ok else None,
                "after_last_connection_ms":
                    (max(int(t[2]) for t in up) - max(accepts)) / 1e6 if ok else None}
    big, one = r[funcs], r[1]
    r["rss_per_device_kb"] = (big["rss_configured_kb"] - one["rss_configured_kb"]) / (funcs - 1) \
        if funcs > 1 else None
    res["pmds"][p] = r
json.dump(res, open(out + "/scale.json", "w"), indent=1)

def cell(v, fmt="%.1f"):
    return "-" if v is None else fmt % v

print("\n%d functions x %d queue pairs, one app, one testpmd (%s cost)" % (funcs, qps, cost))
print("%-6s %10s %14s %12s %16s %14s %8s %10s" % ("pmd", "probe ms", "bring-up ms",
      "tail ms", "RSS configured", "RSS/device", "threads", "all up"))
for p in pmds:
    r, big = res["pmds"][p], res["pmds"][p][funcs]
    print("%-6s %10d %14s %12s %13d kB %11s kB %8d %10s" % (
        p, big["probe_ms"], cell(big["bringup_ms"]), cell(big["after_last_connection_ms"]),
        big["rss_configured_kb"],
        cell(r["rss_per_device_kb"], "%.0f"), big["threads"],
        "%d/%d" % (big["functions_up"], funcs)))
if "ours" in res["pmds"] and "dpdk" in res["pmds"]:
    o, d = res["pmds"]["ours"][funcs], res["pmds"]["dpdk"][funcs]
    if o["bringup_ms"] and d["bringup_ms"]:
        print("ours/dpdk: probe %.2f, bring-up %.2f" % (o["probe_ms"] / d["probe_ms"],
                                                      o["bringup_ms"] / d["bringup_ms"]))
EOF
