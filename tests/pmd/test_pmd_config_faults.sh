#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# For every firmware command our PMD issues while configuring a device (taken from the
# emulator's report of a clean run), one run in which exactly that command fails once: the PMD
# logs the failed command with its status and syndrome, the front-end's connection fails, the
# next connection configures the device, and at exit no firmware object is left. The device
# configures its queues in parallel (max_conf_threads), so a failure on one worker must unwind
# what the others built. A queue's resources may be built ahead of dev_conf: when that fails,
# dev_conf builds them again and the connection works; a last run fails both.
# Usage: test_pmd_config_faults.sh <vdpa-app> <our PMD .so> <libmlx5emu.so>
set -u
app="$1"
pmd="$2"
emu="$3"
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

# One app run: $1 = extra MLX5_EMU items, $2 = log; the front-end connects twice.
run() {
	rm -f "$tmp/sock0"
	MLX5_EMU="functions=1,report=exit$1" LD_PRELOAD="$san$emu" timeout "$(e2e_t 60)" "$app" -l 0-1 \
		--no-huge -m 512 --no-pci --no-telemetry --file-prefix pmdflt-$e2e_id -d "$pmd" \
		--vdev vdpa_mlx5x0,ibdev=mlx5_0,max_conf_threads=3 --log-level=pmd.vdpa.mlx5x:info \
		-- --iface "$tmp/sock" </dev/null >"$2" 2>&1 &
	apid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock0"
	for n in 1 2; do
		sleep "$(e2e_t 0.7)" | timeout "$(e2e_t 20)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
			--file-prefix pmdfltvu-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
			-- -i --total-num-mbufs=2048 >"$tmp/vu$n.log" 2>&1
	done
	kill -TERM "$apid"
	wait "$apid"
}

# A clean run names the commands; only those issued after probing configure the device (the
# probe creates the PD and the device-wide transport domain and TIS: test_mvdpa_emu fails those;
# opening the device queries its special keys).
run "" "$tmp/clean.log"
cmds=$(sed -n 's/^mlx5emu: mlx5_0: commands: //p' "$tmp/clean.log")
ops=$(for c in $cmds; do echo "${c%%=*}"; done |
	grep -vE '^(QUERY_HCA_CAP|ALLOC_PD|ALLOC_TRANSPORT_DOMAIN|CREATE_TIS|CREATE_UCTX|QUERY_SPECIAL_CONTEXTS|DESTROY_.*|DEALLOC_.*|QUERY_GENERAL_OBJECT)$')
[ -n "$ops" ]; st=$?
check "configuration commands found in the clean run: $(echo $ops)" $st

declare -A opcode=(
	[ALLOC_TRANSPORT_DOMAIN]=0x816 [CREATE_MKEY]=0x200
	[CREATE_CQ]=0x400 [CREATE_QP]=0x500 [RST2INIT_QP]=0x502 [INIT2RTR_QP]=0x503
	[RTR2RTS_QP]=0x504 [CREATE_TIS]=0x912 [CREATE_GENERAL_OBJECT]=0xa00
	[MODIFY_GENERAL_OBJECT]=0xa01 [CREATE_VIRTQ]=0xa00/0xd [CREATE_VIRTQ_COUNTERS]=0xa00/0x1c
	[CREATE_TIR]=0x900 [CREATE_RQT]=0x916
)
# Issued by a queue's resources' build: ahead of dev_conf (from SET_VRING_NUM) or by it.
declare -A ahead=(
	[CREATE_CQ]=1 [CREATE_QP]=1 [RST2INIT_QP]=1 [INIT2RTR_QP]=1 [RTR2RTS_QP]=1
	[CREATE_VIRTQ_COUNTERS]=1
)
# General objects fail per type: the virtq and its counters.
ops=$(echo "$ops" | sed 's/^CREATE_GENERAL_OBJECT$/CREATE_VIRTQ\nCREATE_VIRTQ_COUNTERS/')
for op in $ops; do
	code=${opcode[$op]:-}
	if [ -z "$code" ]; then
		check "$op: no opcode known to this test (add it)" 1
		continue
	fi
	log=$tmp/$op.log
	run ",fault=$code:1:0x3:0xbad" "$log"
	configured=$(grep -c "configured [0-9]* of [0-9]* queues" "$log")
	if [ "$op" = MODIFY_GENERAL_OBJECT ]; then
		# Only dev_close modifies (suspend): the device works, the failure is logged at close.
		grep -q "did not suspend" "$log"; check "$op: failed suspend logged" $?
	elif [ -n "${ahead[$op]:-}" ]; then
		# Failed in a queue's build ahead (a worker took it before DRIVER_OK): dev_conf
		# creates its resources again and the connection works. Failed in dev_conf's own
		# build (it cancelled the build no worker had taken yet): the connection fails.
		grep -q "BAD_PARAM (0x3), syndrome 0x00000bad" "$log"
		check "$op: the failed command is logged with status and syndrome" $?
		if grep -q "building its resources ahead failed (Invalid argument): created again" "$log"; then
			! grep -q "configuration failed" "$log"
			check "$op: failed ahead, created again, no configuration failed" $?
			[ "$configured" -eq 2 ]; check "$op: both connections configure the device ($configured)" $?
		else
			grep -q "configuration failed" "$log"
			check "$op: failed in dev_conf, configuration reported failed" $?
		fi
	else
		grep -q "BAD_PARAM (0x3), syndrome 0x00000bad" "$log"
		check "$op: the failed command is logged with status and syndrome" $?
		grep -q "configuration failed" "$log"; check "$op: configuration reported failed" $?
	fi
	[ "$configured" -ge 1 ]; check "$op: a later connection configures the device" $?
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"; check "$op: no object left" $?
done

# dev_conf's own build fails too: the first three CQs fail, so whatever the threads' timing
# (which vrings are built ahead, which by dev_conf) the first configuration fails, unwinding
# what the other queue's worker built, and a later one configures the device. (A failed build
# ahead that dev_conf repeats with success: test_pmd_build_ahead.sh.)
log=$tmp/own_build.log
run ",fault=0x400:1:0x3:0xbad,fault=0x400:2:0x3:0xbad,fault=0x400:3:0x3:0xbad" "$log"
grep -q "configuration failed" "$log"; check "dev_conf's own build: configuration reported failed" $?
configured=$(grep -c "configured [0-9]* of [0-9]* queues" "$log")
[ "$configured" -ge 1 ]; check "dev_conf's own build: a later configuration succeeds ($configured)" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"
check "dev_conf's own build: no object left" $?

e2e_finish "$tmp"/*.log
