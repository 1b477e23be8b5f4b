#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Devices removed while front-ends pass traffic, with pre-created queue resources (devarg
# queues=1) on every device: what is left must be exactly what was there before.
# 1. The interactive app on three emulated functions. Device 2, never used, is detached first:
#    the fds it held are those of an idle device. Device 0 gets a sending front-end (testpmd
#    txonly); the app's fds are counted; device 1 gets a receiving one; once frames arrive,
#    `detach vdpa_mlx5x1` (hot-unplug: the port closed, then rte_dev_remove) while they flow.
#    The emulator must hold no firmware object of functions 1 and 2 while the app runs, the app
#    as many fds as before device 1's front-end came less its socket and an idle device's, and
#    no thread of the PMD for it. Then `quit` while device 0's front-end still sends: the app
#    exits 0 with no firmware object left.
# 2. SIGINT to the non-interactive app while a sender and a receiver are connected and pass
#    traffic: it exits 0, both configurations closed, no firmware object left.
# Usage: test_device_detach.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <emu_probe.so>
set -u
app="$1"
pmd="$2"
emu="$3"
probe="$4"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
. "$(dirname "$0")/robust-lib.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
pre=queues=1,queue_size=256
log=$tmp/app.log

# Live firmware objects of function $1 other than user contexts (the emulator keeps those until
# the function is reset; the PMD closed its context when none of its objects is left).
objects() {
	PYTHONPATH="$(dirname "$0")" python3 - "$tmp/probe" "$1" <<'EOF'
import sys, types
from vhost_hostile import App
app = App(types.SimpleNamespace(app_pid=0, probe=sys.argv[1], sock=None, peer_sock=None,
                                peer_function=0))
for line in app.objects().splitlines():
    words = line.split()
    if words[0] == "mlx5_" + sys.argv[2]:
        print(sum(int(w.split("=")[1]) for w in words[2:] if not w.startswith("uctx=")))
EOF
}
fds() { ls "/proc/$app_pid/fd" | wc -l; }
pmd_threads() { cat /proc/"$app_pid"/task/*/comm 2>/dev/null | grep -c "^mvdpa-"; }
no_objects() { [ "$(objects "$1")" = 0 ]; }
fds_are() { [ "$(fds)" -eq "$1" ]; }
# The app's answer to a command ($1) written to its stdin, once it appears in its log ($2).
cmd() { echo "$1" >&5; e2e_wait_for 30 grep -q "$2" "$log"; }
rx_frames() { cmd "stats vdpa_mlx5x1 0" "^vdpa_mlx5x1 q0: " &&
	[ "$(e2e_stat "$log" vdpa_mlx5x1 0 completed_desc)" -gt 0 ]; }

# front_end PREFIX SOCKET FIFO LOG FORWARDING...: a testpmd virtio-user front-end in the
# background, its commands from FIFO (it quits when that closes); $! is its timeout's PID.
front_end() {
	timeout 60 "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix "$1-$e2e_id" --vdev "net_virtio_user0,path=$2,queues=1" \
		-- "${@:5}" --total-num-mbufs=4096 <"$3" >"$4" 2>&1 &
}
# sender PREFIX LOG: to device 1's MAC on sock0; receiver PREFIX LOG: on sock1.
sender() {
	front_end "$1" "$tmp/sock0" "$tmp/tx.in" "$2" --forward-mode=txonly \
		--eth-peer=0,02:00:00:00:00:01
}
receiver() { front_end "$1" "$tmp/sock1" "$tmp/rx.in" "$2" --forward-mode=rxonly; }

# ---- 1: detach while passing traffic, then quit ----
mkfifo "$tmp/app.in" "$tmp/rx.in" "$tmp/tx.in"
MLX5_EMU="functions=3,report=exit" LD_PRELOAD="$san$emu" timeout 120 \
	env MLX5_EMU_PROBE="$tmp/probe" LD_PRELOAD="$san$emu $probe" \
	"$app" -l 0-1 --no-huge -m 1024 --no-pci --no-telemetry --file-prefix detach-$e2e_id \
	-d "$pmd" --vdev "vdpa_mlx5x0,ibdev=mlx5_0,$pre" --vdev "vdpa_mlx5x1,ibdev=mlx5_1,$pre" \
	--vdev "vdpa_mlx5x2,ibdev=mlx5_2,$pre" \
	--log-level=pmd.vdpa.mlx5x:info --log-level=lib.vhost.config:warning \
	-- --interactive <"$tmp/app.in" >"$log" 2>&1 &
apid=$!
e2e_bg
exec 5>"$tmp/app.in"
e2e_wait_for 30 test -S "$tmp/probe"
app_pid=$(pgrep -P "$apid" | head -1)
precreated() { [ "$(grep -c "pre-created the resources of 2 virtqs of 256 entries" "$log")" -eq 3 ]; }
e2e_wait_for 60 precreated; check "the three devices pre-created their queues' resources" $?
e2e_wait_for 10 grep -q "^vdpa>" "$log"

fd_idle3=$(fds)
cmd "detach vdpa_mlx5x2" "detached vdpa_mlx5x2"
check "an idle device is detached" $?
e2e_wait_for 10 no_objects 2; st=$?
check "no firmware object of the idle device left ($(objects 2))" $st
idle_fds=$((fd_idle3 - $(fds)))
[ "$idle_fds" -gt 0 ]; check "the idle device's fds are closed ($idle_fds)" $?

echo "create $tmp/sock0 vdpa_mlx5x0" >&5
echo "create $tmp/sock1 vdpa_mlx5x1" >&5
e2e_wait_for 10 test -S "$tmp/sock1"; check "ports created on devices 0 and 1" $?
sender dettx "$tmp/tx.log"
tpid=$!
e2e_bg
exec 4>"$tmp/tx.in"
e2e_wait_for 30 grep -q "new port $tmp/sock0" "$log"
check "the sender's device is configured" $?
sleep 1	# its rings settle (vring states after the configuration)
before=$(fds)
before_threads=$(pmd_threads)
receiver detrx "$tmp/rx.log"
rpid=$!
e2e_bg
exec 3>"$tmp/rx.in"
e2e_wait_for 30 rx_frames; check "frames reach the receiving device" $?
busy_threads=$(pmd_threads)

cmd "detach vdpa_mlx5x1" "detached vdpa_mlx5x1"; check "the receiving device is detached under traffic" $?
grep -q "vid [0-9]*: closed; [1-9][0-9]* completion events relayed" "$log"
check "its configuration was closed (front-end disconnected first)" $?
e2e_wait_for 10 no_objects 1; st=$?
check "no firmware object of the detached device left ($(objects 1))" $st
want=$((before - idle_fds - 1))	# its socket's listening fd too
e2e_wait_for 10 fds_are "$want"; st=$?
check "the app holds the fds it held before the receiver came, less the device's (now $(fds), want $want)" $st
# Its event thread (which also relays its kicks).
[ "$(pmd_threads)" -eq "$before_threads" ] && [ "$busy_threads" -eq $((before_threads + 1)) ]; st=$?
check "the detached device's PMD threads are gone ($busy_threads while configured, now $(pmd_threads) = $before_threads)" $st
[ "$(objects 0)" -gt 0 ] && kill -0 "$tpid"
check "the sending device is still configured and its front-end runs" $?

echo quit >&5
exec 5>&-
wait "$apid"; check "quit with a front-end connected: app exit status 0" $?
exec 4>&- 3>&-
wait "$tpid"; wait "$rpid"
n=$(grep -c "vid [0-9]*: closed" "$log")
[ "$n" -eq 2 ]; check "both configurations closed ($n)" $?
for f in 0 1 2; do
	grep -q "mlx5emu: mlx5_$f: 0 live firmware objects" "$log"
	check "mlx5_$f: no firmware object left at exit" $?
done

# ---- 2: SIGINT while passing traffic ----
rm -f "$tmp/probe"
robust_app_start "$app" "$pmd" "$emu" "$probe" 2 60 --stats-interval 1
log=$tmp/app.log
# robust_app_start's devices have no pre-created resources: this run checks the signal path.
receiver sigrx "$tmp/rx2.log"
rpid=$!
e2e_bg
exec 3>"$tmp/rx.in"
sender sigtx "$tmp/tx2.log"
tpid=$!
e2e_bg
exec 4>"$tmp/tx.in"
passing() { [ "$(e2e_stat "$log" vdpa_mlx5x1 0 completed_desc)" -gt 0 ] 2>/dev/null; }
e2e_wait_for 30 passing; check "SIGINT run: frames pass" $?
kill -INT "$app_pid"
wait "$apid"; check "SIGINT with front-ends passing traffic: app exit status 0" $?
n=$(grep -c "vid [0-9]*: closed" "$log")
[ "$n" -eq 2 ]; check "SIGINT: both configurations closed ($n)" $?
for f in 0 1; do
	grep -q "mlx5emu: mlx5_$f: 0 live firmware objects" "$log"
	check "SIGINT: mlx5_$f: no firmware object left at exit" $?
done
exec 4>&- 3>&-
wait "$tpid"; wait "$rpid"
e2e_finish "$tmp/app.log" "$tmp/rx.log" "$tmp/tx.log"
