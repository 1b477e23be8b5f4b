#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# examples/vdpa's app with our PMD on two emulated functions: non-interactive mode attaches every
# device and exits at --duration, removing its sockets; interactive commands list, create, stats
# and quit as DPDK's app does; SIGTERM exits cleanly.
# Usage: test_vdpa_app.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
. "$(dirname "$0")/../lib/e2e.sh"
dir=$e2e_tmp

eal=(-l 0-1 --no-huge -m 256 --no-pci --log-level=lib.eal:error -d "$pmd"
     --vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1)
export MLX5_EMU="functions=2"
# In a sanitizer build the runtimes must come before the preloaded emulator.
export LD_PRELOAD="$(e2e_sanitizer_preload "$emu")$emu"
e2e_time_factor "$emu"

# Non-interactive: both devices attached to <prefix>0 and <prefix>1, sockets exist while running.
timeout "$(e2e_t 30)" "$app" "${eal[@]}" --file-prefix app1-$e2e_id -- --iface "$dir/sock" --duration 3 \
	</dev/null >"$dir/out1" 2>&1 &
e2e_bg
# Polled while the app runs: a sanitizer build starts slowly (the 3 s count from the sockets).
for _ in $(seq $((100 * e2e_tf))); do
	[ -S "$dir/sock0" ] && [ -S "$dir/sock1" ] && break
	kill -0 "${e2e_pids[-1]}" 2>/dev/null || break
	sleep 0.1
done
[ -S "$dir/sock0" ] && [ -S "$dir/sock1" ]; check "sockets created while running" $?
wait "${e2e_pids[-1]}"; rc=$?
check "duration exit status 0 (got $rc)" $rc
grep -q "attached vdpa_mlx5x0 to $dir/sock0" "$dir/out1" && grep -q "attached vdpa_mlx5x1 to $dir/sock1" "$dir/out1"
check "every device attached" $?
[ ! -e "$dir/sock0" ] && [ ! -e "$dir/sock1" ]; check "sockets removed at exit" $?

# An existing socket path is refused, as DPDK's app does.
touch "$dir/sock0"
timeout "$(e2e_t 30)" "$app" "${eal[@]}" --file-prefix app2-$e2e_id -- --iface "$dir/sock" --duration 1 \
	</dev/null >"$dir/out2" 2>&1; rc=$?
[ "$rc" -ne 0 ] && grep -q "exists, please remove it" "$dir/out2"; check "existing socket refused" $?
rm -f "$dir/sock0"

# Interactive: list, create, stats of a device never created, quit.
printf 'list\ncreate %s vdpa_mlx5x1\ncreate %s nosuchdev\nstats vdpa_mlx5x0 0\nquit\n' \
	"$dir/isock" "$dir/isock2" |
	timeout "$(e2e_t 30)" "$app" "${eal[@]}" --file-prefix app3-$e2e_id -- -i >"$dir/out3" 2>&1; rc=$?
check "interactive quit exit status 0 (got $rc)" $rc
grep -q "device name" "$dir/out3" && grep -qE "^vdpa_mlx5x0[[:space:]]+[0-9]+[[:space:]]+0x[0-9a-f]+" "$dir/out3"
check "list shows devices with queue number and features" $?
grep -q "Unable to find vdpa device id for nosuchdev" "$dir/out3"; check "create of an unknown device refused" $?
grep -q "Device vdpa_mlx5x0 was not created" "$dir/out3"; check "stats of a device not created refused" $?

# SIGTERM: clean exit, sockets removed.
timeout "$(e2e_t 30)" "$app" "${eal[@]}" --file-prefix app4-$e2e_id -- --iface "$dir/tsock" </dev/null \
	>"$dir/out4" 2>&1 &
pid=$!
e2e_bg
e2e_wait_sockets 5 "$dir/tsock1"
kill -TERM "$pid"
wait "$pid"; rc=$?
check "SIGTERM exit status 0 (got $rc)" $rc
[ ! -e "$dir/tsock0" ]; check "SIGTERM removes sockets" $?

# Bad option values are refused with the option's name.
"$app" "${eal[@]}" --file-prefix app5-$e2e_id -- --iface "$dir/x" --duration forever >"$dir/out5" 2>&1
[ $? -ne 0 ] && grep -q -- "--duration: expected" "$dir/out5"; check "bad --duration refused" $?

e2e_finish "$dir"/out*
