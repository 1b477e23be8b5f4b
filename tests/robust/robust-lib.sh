# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the robust tests after tests/lib/e2e.sh and e2e_sanitizers: starts the vDPA app on
# emulated functions with emu_probe preloaded, every device attached to $e2e_tmp/sock<n>.

# robust_app_start APP PMD EMU PROBE FUNCTIONS SECONDS [APP OPTIONS...]: the app in the
# background (log: $e2e_tmp/app.log), stopped after SECONDS at the latest; returns once its
# sockets and the probe's exist. Sets apid (timeout's PID, for wait) and app_pid (the app's).
# $robust_emu, when set, adds MLX5_EMU options (profile=bf3, fault=...); $robust_devargs, devargs
# of every device (queues=1,queue_size=256).
robust_app_start() {
	local app="$1" pmd="$2" emu="$3" probe="$4" functions="$5" seconds="$6" vdevs=() f
	shift 6
	for ((f = 0; f < functions; f++)); do
		vdevs+=(--vdev "vdpa_mlx5x$f,ibdev=mlx5_$f${robust_devargs:+,$robust_devargs}")
	done
	# The probe goes to the app alone (under timeout, which must not take its socket).
	MLX5_EMU="functions=$functions,report=exit${robust_emu:+,$robust_emu}" \
		LD_PRELOAD="$san$emu" timeout "$seconds" \
		env MLX5_EMU_PROBE="$e2e_tmp/probe" LD_PRELOAD="$san$emu $probe" \
		"$app" -l 0-1 --no-huge -m $((256 * functions + 256)) --no-pci --no-telemetry \
		--file-prefix robust-$e2e_id -d "$pmd" "${vdevs[@]}" \
		--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
		-- --iface "$e2e_tmp/sock" "$@" </dev/null >"$e2e_tmp/app.log" 2>&1 &
	apid=$!
	e2e_bg
	for _ in $(seq $((300 * e2e_tf))); do
		[ -S "$e2e_tmp/sock$((functions - 1))" ] && [ -S "$e2e_tmp/probe" ] && break
		sleep 0.1
	done
	app_pid=$(pgrep -P "$apid" | head -1)
}
