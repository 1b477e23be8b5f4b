/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: random command sequences into the emulated firmware's command interpreter. An
 * input is a sequence of records [uid:1][opcode selector:2][inlen:2][outlen:2][mailbox bytes];
 * selectors with the top bit set pick one of the implemented opcodes (so that most inputs reach a
 * handler), others are raw opcodes. Each input runs on a fresh function with two registered umems,
 * so creates can reference memory; destroying the function must free everything (LeakSanitizer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "emu_fw.h"
#include "fuzz_fw_cmd.h"
#include "mlx5_emu.h"
#include "prm_bits.h"
#include "prm_cmd.h"

static const uint16_t opcodes[] = {
	PRM_CMD_QUERY_HCA_CAP, PRM_CMD_ALLOC_PD, PRM_CMD_DEALLOC_PD, PRM_CMD_ALLOC_TRANSPORT_DOMAIN,
	PRM_CMD_DEALLOC_TRANSPORT_DOMAIN, PRM_CMD_CREATE_UCTX, PRM_CMD_DESTROY_UCTX,
	PRM_CMD_ALLOC_UAR, PRM_CMD_DEALLOC_UAR, PRM_CMD_CREATE_MKEY, PRM_CMD_DESTROY_MKEY,
	PRM_CMD_QUERY_SPECIAL_CONTEXTS, PRM_CMD_CREATE_CQ, PRM_CMD_DESTROY_CQ, PRM_CMD_CREATE_QP,
	PRM_CMD_DESTROY_QP, PRM_CMD_RST2INIT_QP, PRM_CMD_INIT2RTR_QP, PRM_CMD_RTR2RTS_QP,
	PRM_CMD_2RST_QP, PRM_CMD_2ERR_QP, PRM_CMD_QUERY_QP, PRM_CMD_QUERY_VPORT_STATE,
	PRM_CMD_QUERY_NIC_VPORT_CONTEXT, PRM_CMD_MODIFY_NIC_VPORT_CONTEXT, PRM_CMD_CREATE_TIS,
	PRM_CMD_DESTROY_TIS, PRM_CMD_CREATE_TIR, PRM_CMD_DESTROY_TIR, PRM_CMD_CREATE_RQT,
	PRM_CMD_MODIFY_RQT, PRM_CMD_DESTROY_RQT, PRM_CMD_CREATE_GENERAL_OBJECT,
	PRM_CMD_MODIFY_GENERAL_OBJECT, PRM_CMD_QUERY_GENERAL_OBJECT,
	PRM_CMD_DESTROY_GENERAL_OBJECT,
};

#define MAX_MAILBOX 4200

int
fuzz_fw_cmd_one(const uint8_t *data, size_t size)
{
	static const struct emu_fw_params params = { .vhca_id = 1, .mtu = 1500 };
	uint8_t *mem = calloc(1, 1 << 16);
	uint8_t *in = calloc(1, MAX_MAILBOX), *out = calloc(1, MAX_MAILBOX);
	struct emu_fw *fw = NULL;
	uint32_t umem;

	if (mem == NULL || in == NULL || out == NULL || emu_fw_create(&params, &fw) < 0)
		goto free_bufs;
	emu_fw_umem_reg(fw, 0, mem, 1 << 15, 7, &umem);
	emu_fw_umem_reg(fw, 0, mem + (1 << 15), 1 << 15, 7, &umem);
	while (size >= 7) {
		uint16_t uid = data[0] & 3;	/* a few uids, so ownership checks are reached */
		uint16_t sel = (uint16_t)(data[1] << 8 | data[2]);
		size_t inlen = (size_t)(data[3] << 8 | data[4]) % MAX_MAILBOX;
		size_t outlen = (size_t)(data[5] << 8 | data[6]) % MAX_MAILBOX;
		size_t take;

		data += 7;
		size -= 7;
		take = inlen < size ? inlen : size;
		memset(in, 0, MAX_MAILBOX);
		memcpy(in, data, take);
		data += take;
		size -= take;
		if (inlen >= 2)
			PRM_SET(cmd_in_hdr, in, opcode, (sel & 0x8000) ?
				opcodes[(sel & 0x7fff) % (sizeof(opcodes) / sizeof(opcodes[0]))] : sel);
		emu_fw_cmd(fw, uid, in, inlen, out, outlen);
	}
	emu_fw_destroy(fw);
free_bufs:
	free(in);
	free(out);
	free(mem);
	return 0;
}

#ifdef FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_fw_cmd_one(data, size);
}
#endif
