# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the benchmarks, from the checkout's root: builds build-bench/ (no tests) and sets
# build, out, testpmd and the paths of the app, our PMD, the emulator and conn_clock; a
# temporary folder `tmp` and the `pids` of background processes, killed and removed at exit;
# bench_root_pmds drops DPDK's PMD from `pmds` when not root; bench_pci_tree and
# bench_start_backend run the vDPA app with either PMD on one emulated function.
build=$PWD/build-bench
out=$PWD/bench/out
testpmd=${TESTPMD:-dpdk-testpmd}

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dtests=false >/dev/null
fi
ninja -C "$build" >/dev/null
app=$build/examples/vdpa/vdpa-app
pmd=$build/drivers/vdpa/mlx5/librte_vdpa_mlx5x.so
emu=$build/emu/verbs/libmlx5emu.so
clock=$build/bench/libconn_clock.so

tmp=$(mktemp -d)
pids=()
bench_cleanup() {
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap bench_cleanup EXIT
mkdir -p "$out"

# DPDK's PMD runs in a private mount namespace (a fake /sys/bus/pci/devices): root only.
bench_root_pmds() {
	if [ "$(id -u)" -ne 0 ] && [[ " $pmds " == *" dpdk "* ]]; then
		echo "note: not root, DPDK's PMD is skipped (it needs a private mount namespace)"
		pmds=${pmds//dpdk/}
	fi
}

# The PCI tree DPDK's EAL scans, with one emulated function (its address, in addr, does not
# depend on the cost model): only when `pmds` has DPDK's.
bench_pci_tree() {
	if [[ " $pmds " == *" dpdk "* ]]; then
		mkdir "$tmp/devices"
		addr=$(MLX5_EMU="functions=1" python3 tests/dpdk_pmd/write-pci-tree.py "$emu" \
			"$tmp/devices")
	fi
}

# Starts the back-end in the background: the vDPA app with one PMD (ours or dpdk, with its
# devargs) on one emulated function (MLX5_EMU=functions=1,report=exit,<emucfg>), serving
# <dir>/sock0, logging to <dir>/app.log, conn_clock preloaded; its PID in be (and pids). DPDK's
# PMD runs in a private mount namespace over the fake PCI tree, as tests/dpdk_pmd/ explains.
bench_start_backend() {	# pmd emucfg dir devargs
	local emucfg="functions=1,report=exit,$2"

	if [ "$1" = ours ]; then
		MLX5_EMU=$emucfg LD_PRELOAD="$emu $clock" timeout 120 "$app" -l 0-1 --no-huge \
			-m 256 --no-pci --no-telemetry --file-prefix bench-be -d "$pmd" \
			--vdev "vdpa_mlx5x0,ibdev=mlx5_0${4:+,$4}" \
			--log-level=pmd.vdpa.mlx5x:info \
			-- --iface "$3/sock" </dev/null >"$3/app.log" 2>&1 &
	else
		MLX5_EMU=$emucfg unshare -m sh -c '
			mount --bind "$1/devices" /sys/bus/pci/devices || exit 99
			exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices LD_PRELOAD="$2" timeout 120 \
				"$3" -l 0-1 --no-huge -m 256 --no-telemetry --file-prefix bench-be \
				-a "$4,class=vdpa$6" --log-level=pmd.vdpa.mlx5:info -- --iface "$5/sock"
		' sh "$tmp" "$emu $clock" "$app" "$addr" "$3" "${4:+,$4}" \
			</dev/null >"$3/app.log" 2>&1 &
	fi
	be=$!
	pids+=("$be")
}
