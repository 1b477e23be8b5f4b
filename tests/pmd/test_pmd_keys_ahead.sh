#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Guest-memory keys built ahead of dev_conf, from SET_MEM_TABLE on: vhost's message hook
# returns only once every chunk key's command is out, so that a front-end sending everything at
# once (the scripted one) does not keep the chunks' workers off the CPU until DRIVER_OK (on a
# machine where they share vhost's CPU). max_conf_threads=15 with pre-created queue resources
# cuts 1 GiB into 16 chunks; under the calibrated cost each chunk key takes about 0.9 ms. On each
# of three connections (the third's memory table in 8 regions of 128 MiB, 2 chunks each): the 16
# chunk keys issued after vhost read SET_MEM_TABLE and before it read the next message (bench's
# conn_clock records the messages, the emulator's command trace the commands, one clock),
# dev_conf took the keys built ahead and logged them with its summary (after the virtqs), and
# nothing is left at exit. (With one yield of vhost's CPU instead, 2 of 4 runs here had only 4
# and 7 of the first table's chunks out in time.)
# Usage: test_pmd_keys_ahead.sh <vdpa-app> <our PMD .so> <libmlx5emu.so> <vu-frontend>
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
e2e_start_traced_app "$app" "$pmd" "$emu" "$clock" keys "" \
	max_conf_threads=15,queues=1,queue_size=256
apid=$e2e_app_pid
i=0
for regions in 1 1 8; do
	i=$((i + 1))
	VU_REGIONS=$regions timeout "$(e2e_t 30)" "$frontend" "$tmp/sock0" 1 1 0.3 \
		>"$tmp/fe$i.log" 2>&1
	check "front-end $i (a memory table of $regions regions): exit status 0" $?
done
kill -TERM "$apid"
wait "$apid"; check "app exit status 0" $?

n=$(grep -c "guest-memory keys built ahead, while vhost took the vrings" "$log")
[ "$n" -eq 3 ]; check "dev_conf took the keys built ahead on every connection ($n of 3)" $?
grep -q "8 memory regions in 16 keys under key" "$log"
check "the third connection's 8 regions in 16 chunk keys" $?
# Logged with dev_conf's summary, once the virtqs are out: not between the key and them.
n=$(grep "vdpa_mlx5x: " "$log" | grep -B1 "memory regions in [0-9]* keys under key" |
	grep -c "vid [0-9]*: configured [0-9]* of [0-9]* queues")
[ "$n" -eq 3 ]; check "the keys logged after the queues were configured ($n of 3)" $?
# Per memory table: the CREATE_MKEYs issued between vhost reading it and reading the next
# message, out of those issued before the table's first virtq (the chunks' and the indirect).
out=$(PYTHONPATH="$bench" python3 - "$log" "$tmp/cmds.0" <<'EOF'
import sys

import fw_timeline
import switchover

app = open(sys.argv[1], errors="replace").read()
recvs = [(req, t) for way, req, t, _, _ in switchover.parse_log(app)[0] if way == "recv"]
names = fw_timeline.opcode_names()
cmds = sorted(fw_timeline.read_commands(sys.argv[2]), key=lambda c: c["issued_ns"])
for k, (req, t_table) in enumerate(recvs):
    if req != switchover.SET_MEM_TABLE or k + 1 == len(recvs):
        continue
    t_next = recvs[k + 1][1]
    after = [c for c in cmds if c["issued_ns"] > t_table]
    virtq = next((i for i, c in enumerate(after) if c["obj_type"] == switchover.VIRTQ_OBJ and
                  names.get(c["opcode"]) == "CREATE_GENERAL_OBJECT"), len(after))
    keys = [c for c in after[:virtq] if names.get(c["opcode"]) == "CREATE_MKEY"]
    early = [c for c in keys if c["issued_ns"] < t_next]
    print("%d/%d" % (len(early), len(keys)))
EOF
)
check "the memory tables' keys traced (${out:-none})" $?
out=$(echo $out)
[ "$out" = "16/17 16/17 16/17" ]
check "each table's 16 chunk keys out before vhost read the next message, of 17 keys ($out)" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$log"; check "no firmware object left" $?
e2e_finish "$log"
