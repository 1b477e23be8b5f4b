# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the process-level tests: a scratch folder removed at exit, processes started with
# e2e_bg stopped by PID at exit, the sanitizer runtimes a preloaded library needs, and check /
# e2e_finish for "ok/FAIL" lines and the closing "N passed, N failed". DPDK file prefixes end
# with -$e2e_id, so EAL's runtime folders of the run are removed at exit too.

e2e_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
e2e_tmp=$(mktemp -d)
# For DPDK's --file-prefix: two runs at once (two build folders, two people) must not share one.
export e2e_id=${e2e_tmp##*.}
e2e_pids=()
e2e_taps=()
e2e_cases=0
e2e_fails=0
e2e_failed=()		# the names of the failed checks, repeated in the closing lines

# At exit, also when the test is killed: SIGTERM first, so a timeout passes it on to its child
# (a SIGKILLed timeout would leave the app or QEMU behind) and the app exits cleanly; SIGKILL
# to whatever still runs 2 s later.
e2e_cleanup() {
	local p live
	for p in "${e2e_pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
	for _ in $(seq 20); do
		live=0
		for p in "${e2e_pids[@]}"; do kill -0 "$p" 2>/dev/null && live=1; done
		[ "$live" -eq 1 ] || break
		sleep 0.1
	done
	for p in "${e2e_pids[@]}"; do kill -9 "$p" 2>/dev/null; done
	for p in "${e2e_taps[@]}"; do ip link del "$p" 2>/dev/null; done
	# E2E_KEEP=DIR keeps a failed test's files (logs, sockets' folder) there, for a post-mortem.
	if [ -n "${E2E_KEEP:-}" ] && [ "$e2e_fails" -ne 0 ]; then
		mkdir -p "$E2E_KEEP" && cp -a "$e2e_tmp" "$E2E_KEEP/"
	fi
	rm -rf "$e2e_tmp" "${XDG_RUNTIME_DIR:-/tmp}/dpdk/"*"-$e2e_id"
	[ "$(id -u)" -ne 0 ] || rm -rf "/var/run/dpdk/"*"-$e2e_id"
}
trap e2e_cleanup EXIT

# Remembers the last background process, to be killed at exit if still running.
e2e_bg() {
	e2e_pids+=("$!")
}

# e2e_tap NAME [ADDR/LEN]: a TAP interface for an emulated NIC's uplink (MLX5_EMU wire=tap:NAME),
# deleted at exit: up, without IPv6 (no router solicitations or MLD reports into the NIC), with
# the IPv4 address if given. Returns 1, saying why on stdout, when it cannot (needs root or
# CAP_NET_ADMIN): the caller fails, never skips.
e2e_tap() {
	local err
	if ! err=$(ip tuntap add dev "$1" mode tap 2>&1); then
		echo "cannot create TAP interface $1 (needs root or CAP_NET_ADMIN): $err"
		return 1
	fi
	e2e_taps+=("$1")
	sysctl -qw "net.ipv6.conf.$1.disable_ipv6=1" &&
		{ [ -z "${2:-}" ] || ip addr add "$2" dev "$1"; } && ip link set "$1" up
}

# The time factor of the scripts' windows and waits, which are sized for normal and ASan builds:
# ThreadSanitizer slows the app, the PMD and the emulator 5 to 15 times. e2e_time_factor (called
# by e2e_sanitizers) sets it to 5 when the emulator links libtsan; E2E_TIME_FACTOR (a whole
# number) overrides it. Scripts scale every timeout, fixed window and sleep with e2e_t, and
# e2e_wait_for scales its limit itself.
e2e_tf=${E2E_TIME_FACTOR:-1}

# e2e_time_factor LIB: sets e2e_tf for a build whose LIB links libtsan (unless E2E_TIME_FACTOR
# is set).
e2e_time_factor() {
	[ -z "${E2E_TIME_FACTOR:-}" ] || return 0
	case "$(e2e_sanitizer_preload "$1")" in
	*libtsan*) e2e_tf=5 ;;
	*) e2e_tf=1 ;;
	esac
}

# e2e_t SECONDS: SECONDS (decimals allowed) times the time factor, for sleep and timeout.
e2e_t() {
	if [ "$e2e_tf" = 1 ]; then
		echo "$1"
	else
		awk -v s="$1" -v f="$e2e_tf" 'BEGIN { printf "%g\n", s * f }'
	fi
}

# e2e_wait_for SECONDS COMMAND...: runs COMMAND every 0.1 s until it succeeds (0) or SECONDS
# (times the time factor) passed (1). For a loaded machine: no fixed sleeps where an event can be
# waited for.
e2e_wait_for() {
	local i
	for ((i = 0; i < $1 * 10 * e2e_tf; i++)); do "${@:2}" && return 0; sleep 0.1; done
	return 1
}

# e2e_wait_sockets SECONDS PATH...: e2e_wait_for every PATH to be a socket.
e2e_wait_sockets() {
	local p
	for p in "${@:2}"; do e2e_wait_for "$1" test -S "$p" || return 1; done
}

# e2e_stat LOG DEVICE QUEUE COUNTER: the counter's value in the last stats line the vDPA app
# printed (--stats-interval) for that device and queue.
e2e_stat() {
	grep "^$2 q$3: " "$1" | tail -1 | tr ' ' '\n' | sed -n "s/^$4=//p"
}

# e2e_probe_objects SOCKET: the live firmware objects of every emulated function, summed, as
# tests/robust/emu_probe.so, preloaded into a process with MLX5_EMU_PROBE=SOCKET, answers.
e2e_probe_objects() {
	python3 -c 'import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
print(sum(int(l.split()[1]) for l in s.makefile().read().splitlines()))' "$1"
}

# The sanitizer runtimes (asan, ubsan, tsan) a library links, to preload before it: in a
# sanitizer build they must come first. Prints nothing for a normal build.
e2e_sanitizer_preload() {
	ldd "$1" | awk '/lib(asan|ubsan|tsan)\.so/ {printf "%s ", $3}'
}

# e2e_sanitizers LIB [ASAN_OPTIONS items]: sets san to e2e_sanitizer_preload LIB and, in a
# sanitizer build, exports ASAN_OPTIONS without leak detection (the prebuilt DPDK programs
# around the library are not instrumented), plus the items given; in a ThreadSanitizer build,
# TSAN_OPTIONS with the suppressions for races inside the uninstrumented libraries
# (tests/tsan.supp). A report makes the process exit with status 66, which the tests check.
# Also sets the time factor (e2e_time_factor) and e2e_tsan (1 in a ThreadSanitizer build, else 0).
e2e_sanitizers() {
	san=$(e2e_sanitizer_preload "$1")
	e2e_time_factor "$1"
	e2e_tsan=0
	[ -z "$san" ] || export ASAN_OPTIONS="detect_leaks=0${2:+:$2}${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
	case "$san" in
	*libtsan*)
		e2e_tsan=1
		export TSAN_OPTIONS="suppressions=$e2e_dir/../tsan.supp:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
		;;
	esac
}

# e2e_start_traced_app APP PMD EMU CONN_CLOCK PREFIX EMU_ITEMS DEVARGS: our vDPA app on one
# emulated function under the calibrated cost model, the emulator's command trace in
# $e2e_tmp/cmds.0 and bench's conn_clock recording the vhost-user messages (one clock), the
# emulator's further MLX5_EMU items and the device's devargs as given; log $e2e_tmp/app.log,
# socket $e2e_tmp/sock0, PID in e2e_app_pid. Returns once vhost listens on the socket (after
# e2e_sanitizers).
e2e_start_traced_app() {
	rm -f "$e2e_tmp/sock0"
	MLX5_EMU="functions=1,cost=calibrated,cmdtrace=$e2e_tmp/cmds,report=exit${6:+,$6}" \
		LD_PRELOAD="$san$3 $4" timeout "$(e2e_t 60)" "$1" -l 0-1 --no-huge -m 256 \
		--no-pci --no-telemetry --file-prefix "$5-$e2e_id" -d "$2" \
		--vdev "vdpa_mlx5x0,ibdev=mlx5_0${7:+,$7}" --log-level=pmd.vdpa.mlx5x:info \
		-- --iface "$e2e_tmp/sock" </dev/null >"$e2e_tmp/app.log" 2>&1 &
	e2e_app_pid=$!
	e2e_bg
	e2e_wait_sockets 10 "$e2e_tmp/sock0" || return 1
	# vhost's event thread picks the listening socket up at its next poll, up to 1 s later.
	sleep "$(e2e_t 1.2)"
}

# check NAME STATUS: one result line; STATUS 0 is a pass.
check() {
	e2e_cases=$((e2e_cases + 1))
	if [ "$2" -eq 0 ]; then
		echo "ok   $1"
	else
		echo "FAIL $1"
		e2e_fails=$((e2e_fails + 1))
		e2e_failed+=("$1")
	fi
}

# Lines that begin a guest kernel's report of a fault (a guest's console log); the last is the
# header every die() prints ("double fault: 0000 [#1] ...", "invalid opcode: 0000 [#1] ...").
e2e_kernel_report="BUG: |Oops|general protection fault|Kernel panic|WARNING: CPU: |exited with irqs disabled|PANIC: |: [0-9a-f]{4} \\[#[0-9]+\\]"

# e2e_finish [LOG...]: the closing line; on failure the tails of the given logs first, then the
# failed checks again (a runner that shows only the end of a long output still shows which).
e2e_finish() {
	local name
	if [ "$e2e_fails" -ne 0 ]; then
		for f in "$@"; do
			echo "--- $f"
			grep -vE "read message|reply|VHOST_CONFIG" "$f" 2>/dev/null | tail -20
			# A guest kernel's report outgrows the tail: its first one whole.
			if grep -qE "$e2e_kernel_report" "$f" 2>/dev/null; then
				echo "--- $f: the guest kernel's first report"
				grep -m1 -A60 -E "$e2e_kernel_report" "$f"
			fi
		done
		for name in "${e2e_failed[@]}"; do echo "failed: $name"; done
	fi
	echo "$((e2e_cases - e2e_fails)) passed, $e2e_fails failed"
	[ "$e2e_fails" -eq 0 ]
}
