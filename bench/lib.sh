# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the benchmarks, from the checkout's root: builds build-bench/ (no tests) and sets
# build, out, testpmd and the paths of the app, our PMD, the emulator, conn_clock and the
# scripted front-end (frontend, bench/vu_frontend.c) with the CPU it runs on (frontend_cpu); a
# temporary folder `tmp` and the `pids` of background processes, killed and removed at exit;
# bench_root_pmds drops DPDK's PMD from `pmds` when not root; bench_pci_tree and
# bench_start_backend start the vDPA app with one PMD on one emulated function,
# bench_wait_socket waits for it to listen, bench_stop_backend stops it; bench_app_pid finds the
# app's process.
build=$PWD/build-bench
out=$PWD/bench/out
testpmd=${TESTPMD:-dpdk-testpmd}
# EAL file prefix of the back-ends: this run's own, so that other runs on the machine are not hit.
bench_prefix=bench-be-$$

if [ ! -f "$build/build.ninja" ]; then
	meson setup "$build" -Dtests=false >/dev/null
fi
ninja -C "$build" >/dev/null
app=$build/examples/vdpa/vdpa-app
pmd=$build/drivers/vdpa/mlx5/librte_vdpa_mlx5x.so
emu=$build/emu/verbs/libmlx5emu.so
clock=$build/bench/libconn_clock.so
frontend=$build/bench/vu-frontend
# The scripted front-end's CPU (BENCH_FE_CPU): apart from the back-end's threads, as a VMM's
# thread or a guest's vCPU runs. CPU 1 is the back-ends' lcore 1 (`-l 0-1`), which vdpa-app leaves
# idle; EAL runs the control threads (vhost's, the PMDs' workers) on the CPUs outside the
# lcores, or, with none (2 CPUs here), on the main lcore's CPU 0. A front-end woken on CPU 0 by a
# reply kept vhost's thread off it while it sent its other messages (0.65 ms of a bring-up at 16
# queue pairs; docs/performance.md). CPU 0 when it is the only one.
frontend_cpu=${BENCH_FE_CPU:-$(($(nproc) > 1 ? 1 : 0))}

tmp=$(mktemp -d)
pids=()
bench_cleanup() {
	# TERM first: most of these are `timeout`, which passes it on; KILL would orphan the app.
	local p left=()
	for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null && left+=("$p"); done
	[ ${#left[@]} -eq 0 ] || sleep 1
	for p in "${left[@]}"; do kill -9 "$p" 2>/dev/null || true; done
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

# The PCI tree DPDK's EAL scans for one emulated function, in $tmp/devices; its address in addr.
bench_pci_tree() {
	mkdir -p "$tmp/devices"
	addr=$(MLX5_EMU="functions=1" python3 tests/dpdk_pmd/write-pci-tree.py "$emu" \
		"$tmp/devices")
}

# Starts the back-end in the background: the vDPA app with one PMD on emulated function 0
# (MLX5_EMU=emu-config), serving <dir>/sock0, logging to <dir>/app.log, with conn_clock
# preloaded; its PID (of `timeout`) in be and pids. DPDK's PMD runs in a private mount namespace
# over the tree of bench_pci_tree, as tests/dpdk_pmd/ does.
# vhost's INFO lines are off for both PMDs (bench_vhost_log; BENCH_VHOST_LOG_LEVEL=info keeps
# them): two per vhost-user message, each a write and, with no syslog daemon (none here), a
# failed syslog connect, on vhost's thread (docs/performance.md, "vhost's log").
bench_vhost_log=--log-level=lib.vhost.config:${BENCH_VHOST_LOG_LEVEL:-notice}
bench_start_backend() {	# pmd emu-config dir devargs
	if [ "$1" = ours ]; then
		MLX5_EMU=$2 LD_PRELOAD="$emu $clock" timeout -k 10 300 "$app" -l 0-1 --no-huge \
			-m 256 --no-pci --no-telemetry --file-prefix "$bench_prefix" -d "$pmd" \
			--vdev "vdpa_mlx5x0,ibdev=mlx5_0${4:+,$4}" \
			--log-level=pmd.vdpa.mlx5x:info "$bench_vhost_log" \
			-- --iface "$3/sock" </dev/null >"$3/app.log" 2>&1 &
	else
		MLX5_EMU=$2 unshare -m sh -c '
			mount --bind "$1/devices" /sys/bus/pci/devices || exit 99
			exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices LD_PRELOAD="$2" \
				timeout -k 10 300 "$3" -l 0-1 --no-huge -m 256 --no-telemetry --file-prefix "$7" \
				-a "$4,class=vdpa$6" --log-level=pmd.vdpa.mlx5:info "$8" \
				-- --iface "$5/sock"
		' sh "$tmp" "$emu $clock" "$app" "$addr" "$3" "${4:+,$4}" "$bench_prefix" \
			"$bench_vhost_log" \
			</dev/null >"$3/app.log" 2>&1 &
	fi
	be=$!
	pids+=("$be")
}

# Waits until the back-end listens on <dir>/sock0 (10 s at most), then 1.2 s more: vhost's event
# thread picks a new listening socket up at its next poll, up to 1 s later, so a front-end that
# connects after that is accepted at once (the accept time is the connection time).
bench_wait_socket() {	# dir
	for _ in $(seq 100); do [ -S "$1/sock0" ] && break; sleep 0.1; done
	sleep 1.2
}

# Stops the back-end of bench_start_backend: SIGTERM, then, through `timeout -k`, SIGKILL if it has
# not exited 10 s later (DPDK 22.11's PMD can hang in dev_close: docs/performance.md), which its
# log then says (bench/bringup.py's backend_killed reads that line).
bench_stop_backend() {	# dir
	local rc=0

	kill -TERM "$be" 2>/dev/null || true
	wait "$be" 2>/dev/null || rc=$?
	if [ "$rc" -eq 137 ]; then
		echo "bench: the back-end had not exited 10 s after SIGTERM: killed" >>"$1/app.log"
	fi
}

# The vdpa-app process started with --file-prefix <prefix> (below timeout, and unshare).
bench_app_pid() {	# prefix
	local p
	for p in $(pgrep -x vdpa-app); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" | grep -q -- "--file-prefix $1 " &&
			echo "$p" && return
	done
}
