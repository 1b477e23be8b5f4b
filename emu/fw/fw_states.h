/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's state machines as pure functions, so that tests can walk their whole transition
 * tables without creating objects.
 */
#ifndef EMU_FW_STATES_H
#define EMU_FW_STATES_H

#include <stdbool.h>
#include <stdint.h>

#include "prm_cq_qp.h"
#include "prm_virtq.h"

/*
 * The QP state a transition command leads to. Returns 0 and sets *to when `opcode` is allowed
 * from `from`, -1 otherwise (the firmware answers BAD_QP_STATE).
 */
int fw_qp_next_state(uint16_t opcode, enum prm_qp_state from, enum prm_qp_state *to);

/*
 * Whether a MODIFY of a virtq's state from `from` to `to` is allowed: INIT->RDY, RDY->SUSPEND,
 * SUSPEND->RDY only when the function can resume suspended queues (freeze_to_rdy_supported);
 * nothing leaves ERR and nothing enters ERR or INIT by command.
 */
bool fw_virtq_state_change_ok(enum prm_virtq_state from, enum prm_virtq_state to,
			      bool freeze_to_rdy);

/*
 * The modify_field_select bits a virtq accepts in `state` (besides STATE): everything in INIT
 * and SUSPEND; in RDY only the dirty-log and moderation parameters, which drivers change on live
 * queues when migration starts; nothing in ERR.
 */
uint64_t fw_virtq_modifiable(enum prm_virtq_state state);

#endif /* EMU_FW_STATES_H */
