#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# dev_conf creates each queue's virtq as soon as its resources and the guest-memory key are
# there, while other queues' resources are still being built: the virtqs do not wait for the
# last queue. 16 queue pairs, 1 GiB, max_conf_threads=15, resources built ahead from each
# SET_VRING_NUM; the emulator's firmware runs 2 commands at once under the calibrated cost, so
# the 32 queues' resources (about 5 ms of firmware time each) take some 80 ms and outlast the
# scripted front-end's messages on any machine. From the emulator's command trace and the
# back-end's message times (bench's conn_clock, one clock): no virtq is created before vhost
# read DRIVER_OK, and the first is created before the last queue resource's command goes out.
# (Before, every virtq waited for every queue's resources.) Guest memory is cut into 8 chunk
# keys of 128 MiB, not 14: without pre-created queues the vrings' chains are a small guest's
# critical path, and the threads more chunks would take go to them.
# Usage: test_pmd_virtqs_overlap.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <vu-frontend>
#        <conn_clock.so> <bench dir>
set -u
app="$1"
pmd="$2"
emu="$3"
frontend="$4"
clock="$5"
bench="$6"
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

log=$tmp/app.log
e2e_start_traced_app "$app" "$pmd" "$emu" "$clock" overlap "slots=2" max_conf_threads=15
apid=$e2e_app_pid
timeout "$(e2e_t 30)" "$frontend" "$tmp/sock0" 16 1 "$(e2e_t 1)" >"$tmp/fe.log" 2>&1
check "front-end: exit status 0" $?
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?

grep -q "vid 0: configured 32 of 32 queues, 32 running" "$log"
check "32 of 32 queues configured and running" $?
# Without pre-created queue resources, a small guest's chunks are no smaller than 128 MiB: the
# vrings' chains, not the keys, are its critical path (mem_chunk_size).
grep -q "vid 0: 1 memory regions in 8 keys under key" "$log"
check "1 GiB cut into 8 chunk keys, not 14 (threads left for the vrings' chains)" $?
# The virtq CREATEs against DRIVER_OK (the last SET_STATUS vhost read before the first of them)
# and against the queue resources' commands (counters, CQ, QPs and their state changes).
out=$(PYTHONPATH="$bench" python3 - "$log" "$tmp/cmds.0" <<'EOF'
import sys

import fw_timeline
import switchover

SET_STATUS = 39
RESOURCES = ("CREATE_CQ", "CREATE_QP", "RST2INIT_QP", "INIT2RTR_QP", "RTR2RTS_QP")
COUNTERS_OBJ = 0x1c	# PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS

app = open(sys.argv[1], errors="replace").read()
names = fw_timeline.opcode_names()
cmds = sorted(fw_timeline.read_commands(sys.argv[2]), key=lambda c: c["issued_ns"])
virtqs = [c["issued_ns"] for c in cmds if names.get(c["opcode"]) == "CREATE_GENERAL_OBJECT" and
          c["obj_type"] == switchover.VIRTQ_OBJ]
resources = [c["issued_ns"] for c in cmds if names.get(c["opcode"]) in RESOURCES or
             (names.get(c["opcode"]) == "CREATE_GENERAL_OBJECT" and c["obj_type"] == COUNTERS_OBJ)]
statuses = [t for way, req, t, _, _ in switchover.parse_log(app)[0]
            if way == "recv" and req == SET_STATUS and virtqs and t < virtqs[0]]
if not virtqs or not resources or not statuses:
    sys.exit("traced: %d virtq CREATEs, %d resource commands, %d SET_STATUS before them" %
             (len(virtqs), len(resources), len(statuses)))
print("%d %d %.1f %.1f" % (len(virtqs), sum(t < resources[-1] for t in virtqs),
                           (virtqs[0] - statuses[-1]) / 1e6, (resources[-1] - virtqs[0]) / 1e6))
EOF
)
check "the commands traced (${out:-none})" $?
read -r nvirtqs early after_status before_last <<<"$out"
[ "${nvirtqs:-0}" -eq 32 ]; check "32 virtq CREATEs traced (${nvirtqs:-none})" $?
# after_status is vhost's DRIVER_OK to the first virtq CREATE, ms (negative: before it).
[ "${after_status:0:1}" != "-" ]
check "the first virtq CREATE after vhost read DRIVER_OK (${after_status:-none} ms after)" $?
[ "${early:-0}" -gt 0 ]
check "virtqs created before the last queue resource's command (${early:-0} of 32, the first ${before_last:-?} ms before it)" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"; check "no firmware object left" $?
e2e_finish "$log"
