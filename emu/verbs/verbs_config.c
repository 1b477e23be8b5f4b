/* SPDX-License-Identifier: BSD-3-Clause */
/* MLX5_EMU, read with the firmware's parser, as the process instance needs it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mlx5_log.h>

#include "mlx5_emu.h"
#include "verbs_config.h"

#define LOG_ORIGIN "emu.verbs"

/* PCI device IDs of the profiles, as DPDK's mlx5 drivers match them. */
static const struct {
	const char *profile;
	uint16_t device_id;
} config_device_ids[] = {
	{ "cx6dx", 0x101e },	/* ConnectX-6 Dx VF */
	{ "bf2", 0xa2d6 },	/* BlueField-2 */
	{ "bf3", 0xa2dc },	/* BlueField-3 */
};

static uint16_t
config_device_id(const struct emu_fw_profile *profile)
{
	const char *name = emu_fw_profile_name(profile);
	size_t i;

	for (i = 0; name != NULL && i < sizeof(config_device_ids) / sizeof(config_device_ids[0]);
	     i++)
		if (strcmp(name, config_device_ids[i].profile) == 0)
			return config_device_ids[i].device_id;
	return 0x101e;
}

int
emu_verbs_config_load(struct emu_verbs_config *cfg)
{
	struct emu_config *ec;
	char err[256] = "";
	unsigned int i;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	/* struct emu_config holds every function's MAC: too big for a stack frame. */
	ec = calloc(1, sizeof(*ec));
	if (ec == NULL)
		return -ENOMEM;
	ret = emu_config_parse(getenv("MLX5_EMU"), ec, err, sizeof(err));
	if (ret != 0) {
		MLX5_LOG(ERR, LOG_ORIGIN, "MLX5_EMU: %s", err);
		free(ec);
		return ret;
	}
	cfg->funcs = calloc(ec->functions, sizeof(cfg->funcs[0]));
	if (cfg->funcs == NULL) {
		free(ec);
		return -ENOMEM;
	}
	cfg->nfuncs = ec->functions;
	cfg->priv = ec;
	cfg->report_at_exit = ec->report_at_exit != 0;
	cfg->wire = ec->wire;
	for (i = 0; i < ec->functions; i++) {
		struct emu_verbs_func_config *f = &cfg->funcs[i];

		f->params.profile = ec->profile;
		/* vhca_id 0 is the PF's on real systems; functions count from 1. */
		f->params.vhca_id = (uint16_t)(i + 1);
		memcpy(f->params.mac, ec->macs[i], sizeof(f->params.mac));
		f->params.mtu = ec->mtu;
		f->pci_device_id = config_device_id(ec->profile);
		snprintf(f->pci_addr, sizeof(f->pci_addr), "0000:ee:%02x.%x", (i / 8) & 0x1f, i % 8);
	}
	return 0;
}

/* Function i's traces into <base>.<i>, for each key that named a base path. */
static int
traces_start(struct emu_fw *fw, unsigned int i, const struct emu_config *ec)
{
	char path[sizeof(ec->trace) + 16];
	int ret;

	if (ec->trace[0] != '\0') {
		snprintf(path, sizeof(path), "%s.%u", ec->trace, i);
		ret = emu_fw_trace_start(fw, path, (uint16_t)i, ec->trace_doorbells_trap);
		if (ret != 0) {
			MLX5_LOG(ERR, LOG_ORIGIN, "MLX5_EMU trace: cannot start %s: %s%s", path,
				 strerror(-ret), ec->trace_doorbells_trap ?
				 " (trace_doorbells=trap: x86-64, SIGSEGV and SIGTRAP not blocked)" : "");
			return ret;
		}
	}
	if (ec->cmdtrace[0] != '\0') {
		snprintf(path, sizeof(path), "%s.%u", ec->cmdtrace, i);
		ret = emu_fw_cmd_trace_start(fw, path, (uint16_t)i);
		if (ret != 0) {
			MLX5_LOG(ERR, LOG_ORIGIN, "MLX5_EMU cmdtrace: cannot write %s: %s", path,
				 strerror(-ret));
			return ret;
		}
	}
	return 0;
}

int
emu_verbs_config_apply(const struct emu_verbs_config *cfg, unsigned int i, struct emu_fw *fw)
{
	const struct emu_config *ec = cfg->priv;
	unsigned int k;
	int ret;

	ret = emu_fw_set_cost(fw, ec->cost, ec->slots);
	if (ret != 0)
		return ret;
	ret = traces_start(fw, i, ec);
	if (ret != 0)
		return ret;
	for (k = 0; k < ec->nfaults; k++) {
		ret = emu_fw_fault_add(fw, &ec->faults[k]);
		if (ret != 0)
			return ret;
	}
	return emu_fw_fault_virtq_error_after(fw, &ec->virtq_error);
}

void
emu_verbs_config_free(struct emu_verbs_config *cfg)
{
	free(cfg->funcs);
	free(cfg->priv);
	cfg->funcs = NULL;
	cfg->priv = NULL;
}
