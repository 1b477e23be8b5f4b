#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Queue resources built ahead of dev_conf, from each vring's SET_VRING_NUM on. The scripted
# front-end (bench/vu_frontend.c) pauses between the vrings' set-up and DRIVER_OK, so the
# builds have time to finish whatever the machine's speed: dev_conf takes every queue's
# resources but one, whose build failed (the emulator fails the first CQ): that one dev_conf
# creates again, and the connection works. A front-end that leaves during the pause leaves no
# resources behind. One that does not pause gets its device configured, each queue's resources
# built once (ahead, or by dev_conf when no worker took the build in time).
# Usage: test_pmd_build_ahead.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <vu-frontend>
set -u
app="$1"
pmd="$2"
emu="$3"
frontend="$4"
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

log=$tmp/app.log
# Default devargs: one configuration worker, which builds the vrings one after another.
MLX5_EMU="functions=1,report=exit,fault=0x400:1:0x3:0xbad" LD_PRELOAD="$san$emu" timeout "$(e2e_t 90)" "$app" -l 0-1 \
	--no-huge -m 256 --no-pci --no-telemetry --file-prefix ahead-$e2e_id -d "$pmd" \
	--vdev vdpa_mlx5x0,ibdev=mlx5_0 --log-level=pmd.vdpa.mlx5x:info \
	-- --iface "$tmp/sock" </dev/null >"$log" 2>&1 &
apid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock0"
# vhost's event thread picks the listening socket up at its next poll, up to 1 s later.
sleep "$(e2e_t 1.2)"

# 4 queue pairs, 1 GiB, held 0.5 s after DRIVER_OK.
VU_PAUSE_BEFORE_ENABLE=$(e2e_t 0.5) timeout "$(e2e_t 30)" "$frontend" "$tmp/sock0" 4 1 0.5 \
	>"$tmp/fe-pause.log" 2>&1
check "pausing front-end: exit status 0" $?
grep -q "vid [0-9]*: configured 8 of 8 queues" "$log"; check "pausing front-end: 8 queues configured" $?
grep -q "the resources of 7 queues built ahead, while vhost took the vrings" "$log"
check "pausing front-end: every queue's resources built ahead but the failed one" $?
grep -q "BAD_PARAM (0x3), syndrome 0x00000bad" "$log"
check "pausing front-end: the failed CREATE_CQ logged with status and syndrome" $?
n=$(grep -c "building its resources ahead failed (Invalid argument): created again" "$log")
[ "$n" -eq 1 ]; check "pausing front-end: one failed build, its queue's resources created again ($n)" $?

# Leaves in the middle of its pause: no dev_conf, the builds are destroyed at dev_cleanup.
VU_PAUSE_BEFORE_ENABLE=30 timeout "$(e2e_t 3)" "$frontend" "$tmp/sock0" 4 1 0 >/dev/null 2>&1
[ $? -eq 124 ]; check "leaving front-end: stopped during its pause" $?
destroyed() { grep -q "the resources built ahead for 8 vrings destroyed: no configuration took them" "$log"; }
e2e_wait_for 10 destroyed; check "leaving front-end: the 8 vrings' resources destroyed" $?

timeout "$(e2e_t 30)" "$frontend" "$tmp/sock0" 4 1 0.5 >"$tmp/fe-burst.log" 2>&1
check "front-end without a pause: exit status 0" $?
n=$(grep -c "configured 8 of 8 queues" "$log")
[ "$n" -eq 2 ]; check "front-end without a pause: configured ($n of 2 connections)" $?

kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?
! grep -q "configuration failed" "$log"; check "no configuration failed" $?
# Each connection's 8 queues got one CQ and two QPs each, built ahead or not, never twice (the
# failed CQ is one more command, its build's QPs were cancelled or undone).
cmds=$(grep "mlx5emu: mlx5_0: commands:" "$log" | tr ' ' '\n')
cq=$(sed -n 's/^CREATE_CQ=//p' <<<"$cmds")
dcq=$(sed -n 's/^DESTROY_CQ=//p' <<<"$cmds")
[ "${cq:-0}" -eq 25 ] && [ "${dcq:-0}" -eq 24 ]
check "one CQ per queue and connection (CREATE_CQ=${cq:-0} of 24 + 1 failed, DESTROY_CQ=${dcq:-0} of 24)" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"; check "no firmware object left" $?
e2e_finish "$log"
