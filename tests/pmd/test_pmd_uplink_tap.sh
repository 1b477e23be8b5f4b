#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# The emulated NIC's TAP uplink end to end: the vDPA app serves one emulated function whose NIC's
# uplink is a TAP interface (MLX5_EMU wire=tap:<if>); a DPDK virtio-user front-end (testpmd)
# sends 4 bursts of 32 frames to a MAC no function owns, which the switch sends to the uplink:
# the host reads exactly those 128 frames from the TAP. The host then injects frames on the TAP:
# 100 to the function's MAC and 10 broadcast reach the front-end (exactly 110, also the RX queue's
# completed_desc), 20 to an unknown MAC reach nobody. Then bad wire= values stop the app with a
# message naming the key. Needs root (or CAP_NET_ADMIN and CAP_NET_RAW): without, it fails.
# Usage: test_pmd_uplink_tap.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
tap="mvup$e2e_id"
tap=${tap:0:15}
fn_mac=02:00:00:00:00:00

e2e_tap "$tap"; check "TAP interface $tap up without IPv6" $?
[ "$e2e_fails" -eq 0 ] || { e2e_finish; exit; }

MLX5_EMU="functions=1,report=exit,wire=tap:$tap" LD_PRELOAD="$san$emu" timeout "$(e2e_t 120)" "$app" \
	-l 0-1 --no-huge -m 512 --no-pci --no-telemetry --file-prefix uplink-$e2e_id -d "$pmd" \
	--vdev vdpa_mlx5x0,ibdev=mlx5_0 --log-level=lib.vhost.config:warning \
	--log-level=pmd.vdpa.mlx5x:debug \
	-- --iface "$tmp/sock" --stats-interval 1 </dev/null >"$tmp/app.log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock0"

python3 "$here/tap_frames.py" count "$tap" "$tmp/stop" >"$tmp/host.txt" 2>&1 &
cpid=$!
e2e_bg
e2e_wait_for 10 grep -q ready "$tmp/host.txt"
kernel_rx_is() { [ "$(cat "/sys/class/net/$tap/statistics/rx_packets")" -eq "$1" ]; }
app_rx_is() { [ "$(e2e_stat "$tmp/app.log" vdpa_mlx5x0 0 completed_desc)" = "$1" ]; }
# testpmd: rxonly forwarding that starts with 4 bursts of 32 generated frames (tx_first) to an
# address no function owns; once the TAP has them, the host injects; once the RX queue completed
# what the host sent, stop prints the port's totals.
{
	echo "start tx_first 4"
	e2e_wait_for 30 kernel_rx_is 128
	# The NIC drops what comes in until the PMD steered the RX queue.
	e2e_wait_for 30 grep -q "RX steering over 1 queue" "$tmp/app.log"
	python3 "$here/tap_frames.py" inject "$tap" "$fn_mac" 100 >"$tmp/inject.txt" 2>&1
	python3 "$here/tap_frames.py" inject "$tap" ff:ff:ff:ff:ff:ff 10 >>"$tmp/inject.txt" 2>&1
	python3 "$here/tap_frames.py" inject "$tap" 02:00:00:00:77:77 20 >>"$tmp/inject.txt" 2>&1
	e2e_wait_for 30 app_rx_is 110
	sleep "$(e2e_t 1)"
	echo stop
	echo quit
} | timeout "$(e2e_t 90)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix uplink-tp-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,mac=$fn_mac" \
	-- -i --forward-mode=rxonly --eth-peer=0,02:aa:bb:cc:dd:ee --total-num-mbufs=8192 \
	>"$tmp/testpmd.log" 2>&1
check "testpmd exit status 0" $?
touch "$tmp/stop"
wait "$cpid"; check "host's TAP reader exit status 0" $?
kernel_rx=$(cat "/sys/class/net/$tap/statistics/rx_packets")
sleep "$(e2e_t 1.5)"	# one more stats line after the front-end left
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?

total=$(sed -n 's/^total //p' "$tmp/host.txt")
from_fe=$(sed -n "s/^$fn_mac 0800 //p" "$tmp/host.txt")
[ "${from_fe:-0}" -eq 128 ] && [ "${total:-0}" -eq 128 ]
check "host read exactly the 128 frames the front-end sent, nothing else (${from_fe:-0} of ${total:-?})" $?
[ "$kernel_rx" -eq 128 ]; check "the TAP's kernel counter: 128 frames received ($kernel_rx)" $?
[ "$(grep -c '^injected' "$tmp/inject.txt")" -eq 3 ]; check "host injected 130 frames" $?
stats() {	# RX-packets / TX-packets of testpmd's closing forward statistics
	awk -v k="$1" '/Forward statistics for port 0/ {p = 1} p && $0 ~ k {
		for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }' "$tmp/testpmd.log"
}
rx=$(stats RX-packets:)
tx=$(stats TX-packets:)
[ "${tx:-0}" -eq 128 ]; check "front-end sent 128 frames (${tx:-none})" $?
[ "${rx:-0}" -eq 110 ]
check "front-end received exactly the 100 unicast and 10 broadcast frames from the host (${rx:-none})" $?
n=$(e2e_stat "$tmp/app.log" vdpa_mlx5x0 0 completed_desc)
[ "${n:-0}" -eq 110 ]; check "RX queue completed 110 descriptors (${n:-none})" $?
n=$(e2e_stat "$tmp/app.log" vdpa_mlx5x0 1 completed_desc)
[ "${n:-0}" -eq 128 ]; check "TX queue completed 128 descriptors (${n:-none})" $?
# The emulator's report at exit: the NIC's side of the uplink.
grep -q "mlx5emu: uplink: 128 frames sent, 0 dropped, 130 received" "$tmp/app.log"; st=$?
check "the uplink's counters: '$(grep -o 'mlx5emu: uplink: .*' "$tmp/app.log")'" $st
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app.log"; check "no firmware object left" $?
# The app closed the TAP: the interface is there (persistent) but has no carrier.
ip link show "$tap" | grep -q NO-CARRIER; check "the app let go of the TAP at exit" $?

# Bad values: the app stops, the emulator's message names the key and what is wrong.
bad=("tap:an-interface-name-too-long:interface name must be 1..15"
     "pcap:$tmp/no/such/folder.pcap:cannot write $tmp/no/such/folder.pcap"
     "ethernet:expected loopback, tap:<ifname>")
for b in "${bad[@]}"; do
	case $b in
	tap:*) spec=${b%%:interface*} ;;
	pcap:*) spec=${b%%:cannot*} ;;
	*) spec=ethernet ;;
	esac
	says=${b#"$spec:"}
	MLX5_EMU="functions=1" LD_PRELOAD="$san$emu" timeout "$(e2e_t 30)" "$app" -l 0-1 --no-huge -m 512 \
		--no-pci --no-telemetry --file-prefix uplink-bad-$e2e_id -d "$pmd" \
		--vdev vdpa_mlx5x0,ibdev=mlx5_0 -- --iface "$tmp/bad" --duration 1 --emu-wire "$spec" \
		</dev/null >"$tmp/bad.log" 2>&1
	rc=$?
	[ "$rc" -ne 0 ] && grep -qF "MLX5_EMU wire=$spec: $says" "$tmp/bad.log"; st=$?
	check "wire=$spec refused: exit status $rc, '$(grep -m1 -o 'MLX5_EMU wire=.*' "$tmp/bad.log")'" $st
done
e2e_finish "$tmp/app.log" "$tmp/testpmd.log" "$tmp/host.txt" "$tmp/bad.log"
