# SPDX-License-Identifier: BSD-3-Clause
# Sourced by the QEMU tests after tests/lib/e2e.sh: the guest built by make-guest.sh, one guest on a
# vhost-user socket, waiting for a console line.
#
# QEMU choices, all forced by this machine (see the shared ARCHITECTURE.md): TCG (nested KVM cannot
# run stock kernels here); vectors=0 (QEMU 7.2 with vhost-user under TCG crashes in its MSI-X
# vector notifiers, INTx does not); guest memory in a shared memfd (vhost-user maps it); the
# uncompressed vmlinux through its PVH entry and no network boot ROM (romfile=), both to boot
# faster; -nodefaults, so no NIC but ours.

qemu_bin=${QEMU:-qemu-system-x86_64}
qemu_guest_dir=""

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
# QEMU_TIMEOUT seconds (180) at the latest; SIGTERM to the PID ends QEMU.
qemu_guest() {
	local name=$1 sock=$2 mac=$3 cmdline=$4 qp=${5:-1} cpus=${6:-1}
	local netdev="vhost-user,id=n0,chardev=c0" dev="virtio-net-pci,netdev=n0,vectors=0,romfile="

	if [ "$qp" -gt 1 ]; then
		netdev="$netdev,queues=$qp"
		dev="$dev,mq=on"
	fi
	exec timeout "${QEMU_TIMEOUT:-180}" "$qemu_bin" -name "$name" -accel tcg -cpu max \
		-smp "$cpus" -m 256 -nodefaults -no-user-config -display none -serial stdio \
		-no-reboot -object memory-backend-memfd,id=mem,size=256M,share=on \
		-numa node,memdev=mem -chardev "socket,id=c0,path=$sock" -netdev "$netdev" \
		-device "$dev,mac=$mac" -kernel "$qemu_guest_dir/vmlinux" \
		-initrd "$qemu_guest_dir/initramfs.cpio" \
		-append "console=ttyS0 panic=-1 quiet $cmdline" </dev/null
}

# qemu_wait_line FILE TEXT SECONDS [PID]: prints the time (seconds since the epoch) at which a
# line containing TEXT was first seen in FILE; prints nothing if it did not appear within SECONDS
# or PID exited first. Polls every 50 ms.
qemu_wait_line() {
	local file=$1 text=$2 secs=$3 pid=${4:-} i
	for ((i = 0; i < secs * 20; i++)); do
		if grep -qF -- "$text" "$file" 2>/dev/null; then
			date +%s.%N
			return 0
		fi
		if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
			grep -qF -- "$text" "$file" 2>/dev/null && date +%s.%N
			return 0
		fi
		sleep 0.05
	done
}
