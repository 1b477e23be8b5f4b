# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the benchmarks, from the checkout's root: builds build-bench/ (no tests) and sets
# build, out, testpmd and the paths of the app, our PMD, the emulator and conn_clock; a
# temporary folder `tmp` and the `pids` of background processes, killed and removed at exit;
# bench_root_pmds drops DPDK's PMD from `pmds` when not root.
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
