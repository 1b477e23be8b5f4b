#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# A vring disabled and enabled again while the device runs (a VMM does it when the guest changes
# its queue count): the scripted front-end (bench/vu_frontend.c) toggles TX vring 1 three
# times. On a function that can resume suspended queues (profile bf3, freeze_to_rdy) the queue
# is suspended and resumed in place, one MODIFY each, and never re-created; on one that cannot
# (cx6dx) it is destroyed and re-created each time. Either way nothing is left at exit.
# Usage: test_pmd_vring_toggle.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <vu-frontend>
set -u
app="$1"
pmd="$2"
emu="$3"
frontend="$4"
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

# profile, virtqs created (2 at bring-up + re-creations), virtq modifies (each toggle's
# suspend, and resume where it is in place; both queues' suspend at close), in-place resumes
for expect in "bf3 2 8 3" "cx6dx 5 5 0"; do
	set -- $expect
	profile=$1
	log=$tmp/$profile.log
	rm -f "$tmp/sock0"
	MLX5_EMU="functions=1,profile=$profile,report=exit" LD_PRELOAD="$san$emu" timeout "$(e2e_t 60)" \
		"$app" -l 0-1 --no-huge -m 256 --no-pci --no-telemetry \
		--file-prefix toggle-$e2e_id -d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0 \
		--log-level=pmd.vdpa.mlx5x:debug -- --iface "$tmp/sock" </dev/null >"$log" 2>&1 &
	apid=$!
	e2e_bg
	e2e_wait_sockets 10 "$tmp/sock0"
	# vhost's event thread picks the listening socket up at its next poll, up to 1 s later.
	sleep "$(e2e_t 1.2)"
	timeout "$(e2e_t 30)" "$frontend" "$tmp/sock0" 1 1 1 1:3 >"$tmp/fe-$profile.log" 2>&1
	check "$profile: front-end exit status 0" $?
	kill -TERM "$apid"
	wait "$apid"; check "$profile: app exit status 0" $?
	cmds=$(grep "mlx5emu: mlx5_0: commands:" "$log" | tr ' ' '\n')
	created=$(sed -n 's/^CREATE_GENERAL_OBJECT=.*\/0xd=\([0-9]*\).*/\1/p' <<<"$cmds")
	modified=$(sed -n 's/^MODIFY_GENERAL_OBJECT=.*\/0xd=\([0-9]*\).*/\1/p' <<<"$cmds")
	resumed=$(grep -c "virtq 1 resumed in place" "$log")
	[ "${created:-0}" -eq "$2" ] && [ "${modified:-0}" -eq "$3" ]
	check "$profile: virtqs created ${created:-0} (want $2), modified ${modified:-0} (want $3)" $?
	[ "$resumed" -eq "$4" ]; check "$profile: resumed in place $resumed times (want $4)" $?
	grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"
	check "$profile: no firmware object left" $?
done
e2e_finish "$tmp"/*.log
