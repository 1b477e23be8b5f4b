#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs Debian's dpdk-testpmd with DPDK's own (prebuilt) mlx5 vDPA PMD on the emulator and reports
# how far the probe gets: the emulator is preloaded (libmlx5emu.so carries rdma-core's symbol
# versions), EAL scans a fake PCI tree the emulator writes, and /sys/bus/pci/devices is replaced
# by that tree in a private mount namespace, because DPDK disables RoCE through the hard-coded
# file /sys/bus/pci/devices/<addr>/roce_enable before it opens the device.
#
# Usage: run-dpdk-testpmd-probe.sh <libmlx5emu.so> [seconds]
# Needs root (unshare -m, mount --bind). MLX5_EMU configures the emulator as usual.
# Exit status: 0 when DPDK's mlx5 vDPA driver probed the device and testpmd then quit cleanly
# (device closed), 1 otherwise.
set -eu
so=$(realpath "$1")
secs=${2:-60}
testpmd=${TESTPMD:-dpdk-testpmd}
tmp=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/devices"
# A sanitizer build of the library needs its runtimes loaded first in every process it enters.
san=$(ldd "$so" | awk '/lib(asan|ubsan|tsan)\.so/ {print $3}' | tr '\n' ' ')
if [ -n "$san" ]; then
	export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
fi
case "$san" in
*libtsan*)	# what e2e_sanitizers (tests/lib/e2e.sh) does for the other scripts
	export TSAN_OPTIONS="suppressions=$(cd "$(dirname "$0")/.." && pwd)/tsan.supp${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
	;;
esac

# The same MLX5_EMU gives the same functions and addresses in this helper and in testpmd.
addr=$(LD_PRELOAD="$san" python3 "$(dirname "$0")/write-pci-tree.py" "$so" "$tmp/devices")
echo "emulated function 0 at $addr; PCI tree in $tmp/devices"

log=$tmp/testpmd.log
set +e
echo quit | unshare -m sh -c '
	mount --bind "$1/devices" /sys/bus/pci/devices || exit 99
	shift
	exec env SYSFS_PCI_DEVICES=/sys/bus/pci/devices LD_PRELOAD="$1" timeout "$2" "$3" \
		-l 0-1 --no-huge -m 512 --no-shconf --no-telemetry \
		-a "$4,class=vdpa" \
		--log-level=pmd.common.mlx5:debug --log-level=pmd.vdpa.mlx5:debug \
		--log-level=lib.eal:info -- -i --total-num-mbufs=2048
' sh "$tmp" "$san$so" "$secs" "$testpmd" "$addr" >"$log" 2>&1
rc=$?
set -e
echo "testpmd exit status: $rc"
echo "---- mlx5 and emulator lines (last 60) ----"
grep -E 'mlx5|emu\.|vdpa|VDPA|EAL: (Probe|Requested|Driver)' "$log" | tail -60 || true
echo "---- verdict ----"
if ! grep -q 'Probe PCI driver: mlx5_pci' "$log"; then
	echo "EAL did not probe DPDK's mlx5 PCI driver on $addr (see the log above)"
	exit 1
fi
if grep -qE 'Failed to load driver vdpa_mlx5|cannot be used' "$log"; then
	# The mlx5 failure just before the driver gave up names the step (and the command) that failed.
	last=$(sed -n '/Failed to load driver vdpa_mlx5/q;p' "$log" |
		grep -E '^mlx5_(vdpa|common)' | grep -viE 'netlink|devlink' |
		grep -iE 'fail|error|cannot|not enough|syndrome|unsupported|invalid' | tail -3)
	echo "DPDK's mlx5 vDPA probe failed on the emulator; last errors:"
	echo "${last:-none logged}"
	exit 1
fi
if [ "$rc" -ne 0 ]; then
	# 124: the timeout hit, e.g. device close hung in pthread_join on an event thread.
	echo "DPDK's mlx5 vDPA driver probed $addr, but testpmd did not exit cleanly (status $rc)"
	exit 1
fi
echo "DPDK's mlx5 vDPA driver probed $addr on the emulator, and closed it at exit"
exit 0
