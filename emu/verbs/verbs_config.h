/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the process instance needs from the MLX5_EMU configuration: how many functions, and for
 * each its firmware parameters and PCI identity. libmlx5emu.so implements this over the
 * firmware's parser (verbs_config.c, emu/include/mlx5_emu.h); the verbs layer's tests link a fake
 * firmware that implements it too (tests/emu/verbs/fake_fw.c).
 */
#ifndef EMU_VERBS_CONFIG_H
#define EMU_VERBS_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "emu_fw.h"

struct emu_verbs_func_config {
	struct emu_fw_params params;
	uint16_t pci_device_id;
	char pci_addr[32];	/* dddd:bb:dd.f */
};

struct emu_verbs_config {
	unsigned int nfuncs;
	struct emu_verbs_func_config *funcs;
	void *priv;		/* parser state the params point into */
	bool report_at_exit;	/* MLX5_EMU report=exit */
	const char *wire;	/* MLX5_EMU wire: the uplink's backend; NULL: none */
};

/* Reads MLX5_EMU (docs/emulator.md). 0, or a negative errno after logging what is wrong. */
int emu_verbs_config_load(struct emu_verbs_config *cfg);
/* Configures function i's new firmware beyond its creation parameters (cost model, faults). */
int emu_verbs_config_apply(const struct emu_verbs_config *cfg, unsigned int i, struct emu_fw *fw);
/* Releases what load allocated; safe on a zeroed or failed config. */
void emu_verbs_config_free(struct emu_verbs_config *cfg);

#endif /* EMU_VERBS_CONFIG_H */
