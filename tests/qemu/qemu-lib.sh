# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the QEMU tests (it sources tests/lib/e2e.sh): the common start of a test, the guest
# built by make-guest.sh, one guest on a vhost-user socket, waiting for a console line.
#
# QEMU choices, all forced by this machine (see the shared ARCHITECTURE.md): TCG (nested KVM cannot
# run stock kernels here); vectors=0 (QEMU 7.2 with vhost-user under TCG crashes in its MSI-X
# vector notifiers, INTx does not); guest memory in a shared memfd (vhost-user maps it); the
# uncompressed vmlinux through its PVH entry and no network boot ROM (romfile=), both to boot
# faster; -nodefaults, so no NIC but ours.
# Guest memory of 256 MiB less 8 KiB ($qemu_mem_kib), not 256 MiB: QEMU 7.2's migration under TCG
# loses guest writes when the RAM block is a whole number of 64-page words (its word-at-a-time
# dirty-bitmap sync leaves the vCPU's TLB flags alone; the page-by-page path resets them). Why and
# what it broke: docs/testing.md, "An intermittent failure, found".
# The guests negotiate the offloads the device offers (checksum, TSO), which the emulated data path
# performs; QEMU_NET_OPTS adds virtio-net-pci options (e.g. csum=off to test without them).

. "$(dirname "${BASH_SOURCE[0]}")/../lib/e2e.sh"

qemu_bin=${QEMU:-qemu-system-x86_64}
qemu_guest_dir=""
qemu_reconnect=0		# 1: QEMU reconnects to a vhost-user socket that went away, each second
qemu_app_vhost_log=warning	# the vhost library's log level in the app (info: ring indices)
qemu_app_pmd_log=info		# our PMD's log level in the app (debug: queue start indices)
qemu_extra=()			# more QEMU arguments for the next qemu_guest (monitor, -incoming)
qemu_app_emu=""			# more MLX5_EMU items for the next app (e.g. wire=..., fault=...)
qemu_app_seconds=300		# the app's run time at most (times the time factor)
qemu_app_probe=""		# tests/robust/emu_probe.so to preload into the app: it answers on
				# DIR/probe with the live firmware objects (e2e_probe_objects)
qemu_mem_kib=262136		# guest memory (see above; -m rounds up to 8 KiB)

# The app's DPDK file prefix (e2e.sh removes its runtime folder at exit).
qemu_app_prefix="qemu-$e2e_id"

# Returns 1, saying why, when QEMU is missing (the caller skips).
qemu_require() {
	if ! command -v "$qemu_bin" >/dev/null; then
		echo "skipped: $qemu_bin not found (tools/setup.sh installs qemu-system-x86)"
		return 1
	fi
}

# qemu_make_guest DIR: builds (or reuses) the guest kernel and initramfs in DIR.
qemu_make_guest() {
	qemu_guest_dir=$1
	"$(dirname "${BASH_SOURCE[0]}")/make-guest.sh" "$qemu_guest_dir" >/dev/null
}

# qemu_guest NAME SOCKET MAC CMDLINE [QUEUE_PAIRS [CPUS]]: runs a guest in the foreground (start it
# with & and remember $! with e2e_bg) with its serial console on stdout, ended after
# QEMU_TIMEOUT seconds (180 times the time factor) at the latest; SIGTERM to the PID ends QEMU.
qemu_guest() {
	local name=$1 sock=$2 mac=$3 cmdline=$4 qp=${5:-1} cpus=${6:-1}
	local netdev="vhost-user,id=n0,chardev=c0" dev="virtio-net-pci,netdev=n0,vectors=0,romfile="
	local opts=${QEMU_NET_OPTS-} reconnect=""

	[ -z "$opts" ] || dev="$dev,$opts"	# never ",,": QEMU reads it as a comma in the value
	[ "$qemu_reconnect" = 0 ] || reconnect=",reconnect=1"
	if [ "$qp" -gt 1 ]; then
		netdev="$netdev,queues=$qp"
		dev="$dev,mq=on"
	fi
	exec timeout "${QEMU_TIMEOUT:-$(e2e_t 180)}" "$qemu_bin" -name "$name" -accel tcg -cpu max \
		-smp "$cpus" -m "${qemu_mem_kib}k" -nodefaults -no-user-config -display none \
		-serial stdio -no-reboot \
		-object "memory-backend-memfd,id=mem,size=${qemu_mem_kib}K,share=on" \
		-numa node,memdev=mem -chardev "socket,id=c0,path=$sock$reconnect" -netdev "$netdev" \
		-device "$dev,mac=$mac" -kernel "$qemu_guest_dir/vmlinux" \
		-initrd "$qemu_guest_dir/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet $cmdline" "${qemu_extra[@]}" </dev/null
}

# qemu_wait_until SECONDS PID COMMAND...: prints the time (seconds since the epoch) at which
# COMMAND first succeeded; prints nothing if it did not within SECONDS (times the time factor, see
# e2e_t) or PID (if not empty) exited first. Polls every 50 ms.
qemu_wait_until() {
	local secs=$1 pid=$2 i
	shift 2
	for ((i = 0; i < secs * 20 * e2e_tf; i++)); do
		if "$@"; then
			date +%s.%N
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			"$@" && date +%s.%N
			return 0
		fi
		sleep 0.05
	done
}

# qemu_wait_line FILE TEXT SECONDS [PID]: qemu_wait_until a line containing TEXT is in FILE.
qemu_wait_line() {
	qemu_wait_until "$3" "${4:-}" qemu_has_line "$1" "$2"
}

# qemu_has_line FILE TEXT: whether FILE (which may not exist yet) has a line containing TEXT.
qemu_has_line() {
	grep -qF -- "$2" "$1" 2>/dev/null
}

# qemu_wait_seq FILE N SECONDS [PID]: qemu_wait_until the pinging guest's console log FILE holds a
# reply numbered N or more (a lost ping, whose number never shows, does not hold it up).
qemu_wait_seq() {
	qemu_wait_until "$3" "${4:-}" qemu_seq_reached "$1" "$2"
}

# qemu_seq_reached FILE N: whether FILE holds a ping reply numbered N or more.
qemu_seq_reached() {
	grep -o "seq=[0-9]*" "$1" 2>/dev/null | cut -d= -f2 | awk -v n="$2" '$1 >= n {f = 1} END {exit !f}'
}

# qemu_wait_loaded QMP_SOCKET [SECONDS]: waits (30 s at most, times the time factor) until the
# QEMU of an incoming migration has loaded all of it: its run state leaves "inmigrate" (the
# source reports "completed" once it has sent the last byte, which the destination may still be
# loading). Returns 1 if it did not.
qemu_wait_loaded() {
	e2e_wait_for "${2:-30}" qemu_loaded "$1"
}

# qemu_loaded QMP_SOCKET: whether that QEMU answers and is no longer loading a migration.
qemu_loaded() {
	local st
	st=$("$(dirname "${BASH_SOURCE[0]}")/qmp.py" "$1" query-status 2>/dev/null) || return 1
	case "$st" in *'"inmigrate"'*) return 1 ;; esac
}

# qemu_first_reply T0 LOG PID: waits (120 s at most) for the pinging guest's first reply in LOG;
# sets first (seconds since the epoch, empty without a reply) and first_wall (seconds from T0,
# "none" without).
qemu_first_reply() {
	first=$(qemu_wait_line "$2" "guest: first reply" 120 "$3")
	first_wall=none
	[ -z "$first" ] || first_wall=$(awk -v a="$1" -v b="$first" 'BEGIN { printf "%.1f", b - a }')
}

# qemu_app_start DIR [LOG]: the vDPA app with our PMD on two emulated functions, serving
# DIR/vhost-user0 and DIR/vhost-user1, printing every queue's counters each 2 s into LOG
# (DIR/app.log; report=exit: the emulator lists live firmware objects at exit). Needs app, pmd and
# emu set. Sets qemu_app_pid (timeout's); returns 1 if the sockets (and the probe's, with
# qemu_app_probe) did not appear within 10 s.
qemu_app_pid=""
qemu_app_start() {
	local dir=$1 log=${2:-$1/app.log} san probe_env=()
	e2e_sanitizers "$emu"
	# The probe goes to the app alone (under timeout, which must not take its socket).
	[ -z "$qemu_app_probe" ] ||
		probe_env=(env MLX5_EMU_PROBE="$dir/probe" LD_PRELOAD="$san$emu $qemu_app_probe")
	MLX5_EMU="functions=2,report=exit${qemu_app_emu:+,$qemu_app_emu}" LD_PRELOAD="$san$emu" \
		timeout "$(e2e_t "$qemu_app_seconds")" "${probe_env[@]}" "$app" -l 0-1 \
		--no-huge -m 512 --no-pci --no-telemetry --file-prefix "$qemu_app_prefix" \
		-d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0 --vdev vdpa_mlx5x1,ibdev=mlx5_1 \
		--log-level=lib.eal:error --log-level="pmd.vdpa.mlx5x:$qemu_app_pmd_log" \
		--log-level="lib.vhost.config:$qemu_app_vhost_log" \
		-- --iface "$dir/vhost-user" --stats-interval 2 </dev/null >"$log" 2>&1 &
	qemu_app_pid=$!
	e2e_bg
	e2e_wait_sockets 10 "$dir/vhost-user1" && { [ -z "$qemu_app_probe" ] || e2e_wait_sockets 10 "$dir/probe"; }
}

# qemu_app_stop DIR [LOG]: after one more stats interval (the last lines hold the final counts),
# SIGTERM; checks the exit status and that no firmware object is left.
qemu_app_stop() {
	local log=${2:-$1/app.log}
	sleep "$(e2e_t 2.5)"
	kill -TERM "$qemu_app_pid"
	wait "$qemu_app_pid"; check "app exit status 0" $?
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log" &&
		grep -q "mlx5emu: mlx5_1: 0 live firmware objects" "$log"
	check "no firmware object left" $?
}

# qemu_host_start NAME: one "host" of a migration in $tmp/NAME: the app (qemu_app_start; the guest
# connects to $tmp/NAME/vhost-user0) and, on its second function, a DPDK virtio-user front-end
# (testpmd, icmpecho) that answers the guest's ARP and pings. Sets NAME_app, NAME_echo and
# NAME_echo_fd; ends the test with a failed check when the app does not start.
qemu_host_start() {
	local dir=$tmp/$1 rc fd
	mkdir -p "$dir"
	qemu_app_prefix="q$1-$e2e_id"
	qemu_app_start "$dir"; rc=$?
	check "$1: app serves both vhost-user sockets" $rc
	[ "$rc" -eq 0 ] || { e2e_finish "$dir/app.log"; exit; }
	eval "${1}_app=$qemu_app_pid"
	# testpmd runs until a line arrives on its stdin (a FIFO the test holds open); niced, as
	# its forwarding core polls without rest and the guest's TCG threads need the CPUs.
	mkfifo "$dir/echo.in"
	exec {fd}<>"$dir/echo.in"
	eval "${1}_echo_fd=$fd"
	LD_PRELOAD= nice -n 19 timeout "$(e2e_t "$qemu_app_seconds")" "${TESTPMD:-dpdk-testpmd}" \
		-l 0-1 --no-huge -m 256 --no-pci --no-telemetry --file-prefix "e$1-$e2e_id" \
		--vdev "net_virtio_user0,path=$dir/vhost-user1,mac=02:00:00:00:00:01" -- \
		--forward-mode=icmpecho --total-num-mbufs=2048 <"$dir/echo.in" >"$dir/echo.log" 2>&1 &
	e2e_bg
	eval "${1}_echo=$!"
}

# qemu_host_stop NAME: the echo front-end and the app of qemu_host_start end; checks both exit
# statuses and that no firmware object is left (qemu_app_stop).
qemu_host_stop() {
	eval "echo >&\${${1}_echo_fd}"	# testpmd exits
	eval "wait \$${1}_echo"
	check "$1: echo front-end exit status 0" $?
	eval "qemu_app_pid=\$${1}_app"
	qemu_app_stop "$tmp/$1"
}

# qemu_stat_max LOG DEVICE QUEUE COUNTER: the counter's largest value over the app's stats lines
# (a device's lines stop when its front-end leaves; counters only grow while it is connected).
qemu_stat_max() {
	grep "^$2 q$3: " "$1" | tr ' ' '\n' | sed -n "s/^$4=//p" | sort -n | tail -1
}

# qemu_test_begin VDPA_APP PMD EMU GUEST_DIR [APP_LOG [LABEL]]: what every QEMU test starts with.
# Sets app, pmd, emu, guestdir and tmp; exits 77 without QEMU; prepares the guest and starts the
# app (qemu_app_start), ending the test with a failed check when either does not work.
qemu_test_begin() {
	app=$1
	pmd=$2
	emu=$3
	guestdir=$4
	tmp=$e2e_tmp
	local log=${5:-$tmp/app.log} rc

	qemu_require || exit 77
	qemu_make_guest "$guestdir" ||
		{ check "guest kernel and initramfs prepared" 1; e2e_finish; exit; }
	qemu_app_start "$tmp" "$log"; rc=$?
	check "${6:-app} serves both vhost-user sockets" $rc
	[ "$rc" -eq 0 ] || { e2e_finish "$log"; exit; }
}
