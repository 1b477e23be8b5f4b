#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Two processes' emulated NICs joined by their uplinks over a UNIX socket: app A (function MAC
# 02:00:00:00:00:0a, wire=unix:listen:<path>) and app B (02:00:00:00:00:0b, wire=unix:connect:
# <path>, started first: it waits for the listener), each with a DPDK virtio-user front-end
# (testpmd, rxonly; tx_first sends bursts of 32 when forwarding starts). A's front-end sends 4
# bursts to B's MAC, then B's 2 bursts to A's: B receives exactly 128, A exactly 64, and each RX
# queue completed as many.
# Usage: test_pmd_uplink_unix.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"
declare -A mac=([a]=02:00:00:00:00:0a [b]=02:00:00:00:00:0b)
declare -A wire=([a]="unix:listen:$tmp/link" [b]="unix:connect:$tmp/link")
declare -A peer=([a]=b [b]=a)
declare -A bursts=([a]=4 [b]=2)

declare -A apid tpid
for s in b a; do
	MLX5_EMU="functions=1,report=exit,mac0=${mac[$s]},wire=${wire[$s]}" LD_PRELOAD="$san$emu" \
		timeout "$(e2e_t 120)" "$app" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix link$s-$e2e_id -d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0 \
		--log-level=lib.vhost.config:warning \
		-- --iface "$tmp/sock$s" --stats-interval 1 </dev/null >"$tmp/app$s.log" 2>&1 &
	apid[$s]=$!
	e2e_bg
done
for s in a b; do
	e2e_wait_for 10 test -S "$tmp/sock${s}0"
	check "app $s serves its vhost-user socket" $?
done

# The receiver must be forwarding before frames come: its RX ring holds fewer than a burst train.
forwarding() { grep -q "rxonly packet forwarding" "$tmp/testpmd$1.log"; }
received() { [ "$(e2e_stat "$tmp/app$1.log" vdpa_mlx5x0 0 completed_desc)" = "$2" ]; }
# testpmd: tx_first sends bursts of 32 generated frames to --eth-peer when forwarding starts.
run_testpmd() {
	timeout "$(e2e_t 90)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
		--file-prefix linktp$1-$e2e_id \
		--vdev "net_virtio_user0,path=$tmp/sock${1}0,mac=${mac[$1]}" \
		-- -i --forward-mode=rxonly --eth-peer=0,${mac[${peer[$1]}]} --total-num-mbufs=8192 \
		>"$tmp/testpmd$1.log" 2>&1
}
# B forwards first; A sends its 128 to B; then B sends its 64 to A, which forwards by then.
{
	echo start
	e2e_wait_for 60 received b 128
	echo stop
	echo "start tx_first ${bursts[b]}"
	e2e_wait_for 30 received a 64
	sleep "$(e2e_t 1)"
	echo stop
	echo quit
} | run_testpmd b &
tpid[b]=$!
e2e_bg
{
	e2e_wait_for 60 forwarding b
	echo "start tx_first ${bursts[a]}"
	e2e_wait_for 60 received a 64
	sleep "$(e2e_t 1)"
	echo stop
	echo quit
} | run_testpmd a &
tpid[a]=$!
e2e_bg
for s in a b; do
	wait "${tpid[$s]}"; check "testpmd $s exit status 0" $?
done
sleep "$(e2e_t 1.5)"	# one more stats line after the front-ends left
for s in a b; do
	kill -TERM "${apid[$s]}"
	wait "${apid[$s]}"; check "app $s exit status 0" $?
done

stat() {	# testpmd log, RX-packets: or TX-packets: summed over the forward statistics of each stop
	awk -v k="$2" '/Forward statistics for port 0/ {p = 1} p && $0 ~ k {
		for (i = 1; i < NF; i++) if ($i == k) { n += $(i + 1); p = 0 } } END { print n + 0 }' "$1"
}
for s in a b; do
	p=${peer[$s]}
	tx=$(stat "$tmp/testpmd$s.log" TX-packets:)
	rx=$(stat "$tmp/testpmd$s.log" RX-packets:)
	[ "${tx:-0}" -eq $((32 * ${bursts[$s]})) ]
	check "front-end $s sent $((32 * ${bursts[$s]})) frames (${tx:-none})" $?
	[ "${rx:-0}" -eq $((32 * ${bursts[$p]})) ]
	check "front-end $s received exactly the $((32 * ${bursts[$p]})) frames of $p (${rx:-none})" $?
	n=$(e2e_stat "$tmp/app$s.log" vdpa_mlx5x0 0 completed_desc)
	[ "${n:-0}" -eq $((32 * ${bursts[$p]})) ]
	check "app $s's RX queue completed ${n:-none} descriptors" $?
	line="mlx5emu: uplink: $((32 * ${bursts[$s]})) frames sent, 0 dropped, $((32 * ${bursts[$p]})) received"
	grep -q "$line" "$tmp/app$s.log"; st=$?
	check "app $s's uplink counters: '$(grep -o 'mlx5emu: uplink: .*' "$tmp/app$s.log")'" $st
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/app$s.log"
	check "app $s: no firmware object left" $?
done
[ ! -e "$tmp/link" ]; check "the listener removed its socket file at exit" $?
e2e_finish "$tmp"/app*.log "$tmp"/testpmd*.log
