/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "verbs_config.h"

int
emu_verbs_config_load(struct emu_verbs_config *cfg)
{
	unsigned int i;

	memset(cfg, 0, sizeof(*cfg));
	cfg->nfuncs = 2;
	cfg->funcs = calloc(cfg->nfuncs, sizeof(cfg->funcs[0]));
	if (cfg->funcs == NULL)
		return -ENOMEM;
	for (i = 0; i < cfg->nfuncs; i++) {
		struct emu_verbs_func_config *f = &cfg->funcs[i];

		f->params.vhca_id = (uint16_t)i;
		f->params.mtu = 1500;
		f->params.mac[0] = 0x02;
		f->params.mac[5] = (uint8_t)i;
		f->pci_device_id = 0x101e;
		snprintf(f->pci_addr, sizeof(f->pci_addr), "0000:ee:%02x.%x", i / 8, i % 8);
	}
	return 0;
}

void
emu_verbs_config_free(struct emu_verbs_config *cfg)
{
	free(cfg->funcs);
	cfg->funcs = NULL;
}
