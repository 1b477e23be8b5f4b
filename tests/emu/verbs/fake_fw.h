/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake firmware behind emu/fw/emu_fw.h, for testing the verbs layer alone: it knows a handful
 * of commands (user contexts, PD, transport domain, TIR, HCA caps, special contexts), records
 * what the verbs layer sends (uids, destroy order, concurrency) and lets a test raise events and
 * pin umems. One fake per emulated function; all state is per instance. It also implements
 * emu/verbs/verbs_config.h: two ConnectX-6 Dx VFs at 0000:ee:00.0 and 0000:ee:00.1.
 */
#ifndef FAKE_FW_H
#define FAKE_FW_H

#include <stddef.h>
#include <stdint.h>

struct emu_fw;

/* Every command this long at least, so concurrent commands overlap measurably. */
void fake_fw_set_cmd_delay_us(struct emu_fw *fw, unsigned int us);
/* Most commands that ran at the same time since creation. */
unsigned int fake_fw_max_parallel(struct emu_fw *fw);
/* uid the last command with this opcode carried; -1 when none ran. */
int fake_fw_last_uid(struct emu_fw *fw, uint16_t opcode);
/* Opcodes of the destroy commands executed, oldest first; returns how many (up to max). */
size_t fake_fw_destroyed(struct emu_fw *fw, uint16_t *opcodes, size_t max);
/* Makes emu_fw_umem_dereg answer -EBUSY for this umem while `busy`. */
void fake_fw_umem_busy(struct emu_fw *fw, uint32_t umem_id, int busy);
/* Delivers an event to every sink subscribed to (obj_type, obj_id, event_type). Returns count. */
unsigned int fake_fw_raise(struct emu_fw *fw, uint16_t obj_type, uint32_t obj_id,
			   uint16_t event_type, const void *data, size_t len);
/* Number of live subscriptions. */
unsigned int fake_fw_subscriptions(struct emu_fw *fw);

#endif /* FAKE_FW_H */
