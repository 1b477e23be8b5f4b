/* SPDX-License-Identifier: BSD-3-Clause */
/* The MLX5_EMU configuration: `key=value,...` or `@file` with one key=value per line. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fw_internal.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 0);
	if (errno || end == s || *end || *s == '-' || *v > max)
		return -1;
	return 0;
}

static int
parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		mac[i] = (uint8_t)b[i];
	}
	return 0;
}

/* <opcode>[/<obj_type>]:<nth>:<status>[:<syndrome>], numbers in C notation. */
static int
parse_fault(const char *s, struct emu_fault_spec *f)
{
	unsigned long op, type = 0xffff, nth, status, synd = 0;
	char buf[128], *fields[4] = { 0 }, *save = NULL, *slash;
	int n = 0;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (char *t = strtok_r(buf, ":", &save); t && n < 4; t = strtok_r(NULL, ":", &save))
		fields[n++] = t;
	if (n < 3 || strtok_r(NULL, ":", &save))
		return -1;
	slash = strchr(fields[0], '/');
	if (slash) {
		*slash = '\0';
		if (parse_uint(slash + 1, 0xfffe, &type))
			return -1;
	}
	if (parse_uint(fields[0], 0xffff, &op) || parse_uint(fields[1], UINT32_MAX, &nth) ||
	    nth == 0 || parse_uint(fields[2], 0xff, &status) || status == 0 ||
	    (fields[3] && parse_uint(fields[3], UINT32_MAX, &synd)))
		return -1;
	*f = (struct emu_fault_spec){
		.opcode = (uint16_t)op, .obj_type = (uint16_t)type, .nth = (uint32_t)nth,
		.status = (uint8_t)status, .syndrome = (uint32_t)synd,
	};
	return 0;
}

static int
apply(struct emu_config *cfg, const char *key, const char *val, char *err, size_t errlen)
{
	unsigned long v;

	if (strcmp(key, "functions") == 0) {
		if (parse_uint(val, EMU_CONFIG_MAX_FUNCS, &v) || v == 0)
			return fail(err, errlen, "functions=%s: expected 1..%d", val, EMU_CONFIG_MAX_FUNCS);
		cfg->functions = (unsigned int)v;
	} else if (strcmp(key, "profile") == 0) {
		cfg->profile = emu_fw_profile_find(val);
		if (cfg->profile == NULL)
			return fail(err, errlen, "profile=%s: expected cx6dx, bf2 or bf3", val);
	} else if (strncmp(key, "mac", 3) == 0) {
		if (parse_uint(key + 3, EMU_CONFIG_MAX_FUNCS - 1, &v))
			return fail(err, errlen, "%s: expected mac0..mac%d", key, EMU_CONFIG_MAX_FUNCS - 1);
		if (parse_mac(val, cfg->macs[v]))
			return fail(err, errlen, "%s=%s: expected aa:bb:cc:dd:ee:ff", key, val);
	} else if (strcmp(key, "mtu") == 0) {
		if (parse_uint(val, 9978, &v) || v < 68)
			return fail(err, errlen, "mtu=%s: expected 68..9978", val);
		cfg->mtu = (uint16_t)v;
	} else if (strcmp(key, "cost") == 0) {
		if (strcmp(val, "zero") == 0)
			cfg->cost = EMU_COST_ZERO;
		else if (strcmp(val, "calibrated") == 0)
			cfg->cost = EMU_COST_CALIBRATED;
		else
			return fail(err, errlen, "cost=%s: expected zero or calibrated", val);
	} else if (strcmp(key, "slots") == 0) {
		if (parse_uint(val, FW_SLOTS_MAX, &v) || v == 0)
			return fail(err, errlen, "slots=%s: expected 1..%u", val, FW_SLOTS_MAX);
		cfg->slots = (unsigned int)v;
	} else if (strcmp(key, "fault") == 0) {
		if (cfg->nfaults >= EMU_CONFIG_MAX_FAULTS)
			return fail(err, errlen, "fault: at most %d", EMU_CONFIG_MAX_FAULTS);
		if (parse_fault(val, &cfg->faults[cfg->nfaults]))
			return fail(err, errlen,
				    "fault=%s: expected <opcode>[/<obj_type>]:<nth>:<status>[:<syndrome>]",
				    val);
		cfg->nfaults++;
	} else if (strcmp(key, "virtq_error") == 0) {
		unsigned int q, ms, times = 1;
		int n = 0;

		if ((sscanf(val, "%u:%u%n:%u%n", &q, &ms, &n, &times, &n) < 2) || val[n] != '\0' ||
		    q > 0xffff || times == 0)
			return fail(err, errlen,
				    "virtq_error=%s: expected <queue index>:<after ms>[:<times>=1]", val);
		cfg->virtq_error = (struct emu_virtq_error_spec){
			.queue_index = (uint16_t)q, .after_ms = ms, .times = times };
	} else if (strcmp(key, "report") == 0) {
		if (strcmp(val, "exit") != 0)
			return fail(err, errlen, "report=%s: expected exit", val);
		cfg->report_at_exit = 1;
	} else if (strcmp(key, "wire") == 0) {
		if (strlen(val) >= sizeof(cfg->wire))
			return fail(err, errlen, "wire: longer than %zu", sizeof(cfg->wire) - 1);
		strcpy(cfg->wire, val);
	} else if (strcmp(key, "trace") == 0) {
		if (val[0] == '\0' || strlen(val) >= sizeof(cfg->trace))
			return fail(err, errlen, "trace: a path of 1 to %zu characters",
				    sizeof(cfg->trace) - 1);
		strcpy(cfg->trace, val);
	} else if (strcmp(key, "trace_doorbells") == 0) {
		if (strcmp(val, "poll") != 0 && strcmp(val, "trap") != 0)
			return fail(err, errlen, "trace_doorbells=%s: expected poll or trap", val);
		cfg->trace_doorbells_trap = strcmp(val, "trap") == 0;
	} else if (strcmp(key, "cmdtrace") == 0) {
		if (val[0] == '\0' || strlen(val) >= sizeof(cfg->cmdtrace))
			return fail(err, errlen, "cmdtrace: a path of 1 to %zu characters",
				    sizeof(cfg->cmdtrace) - 1);
		strcpy(cfg->cmdtrace, val);
	} else {
		return fail(err, errlen, "unknown key '%s' (functions, profile, mac<i>, mtu, cost, "
			    "slots, fault, virtq_error, wire, report, trace, trace_doorbells, cmdtrace)",
			    key);
	}
	return 0;
}

static int
parse_items(struct emu_config *cfg, char *text, const char *seps, char *err, size_t errlen)
{
	char *save = NULL;

	for (char *item = strtok_r(text, seps, &save); item; item = strtok_r(NULL, seps, &save)) {
		char *eq, *key = item;
		int ret;

		while (*key == ' ' || *key == '\t')
			key++;
		if (*key == '\0' || *key == '#')
			continue;
		eq = strchr(key, '=');
		if (eq == NULL)
			return fail(err, errlen, "'%s': expected key=value", key);
		*eq = '\0';
		ret = apply(cfg, key, eq + 1, err, errlen);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static char *
read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0;

	if (f == NULL) {
		fail(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	buf = calloc(1, 65537);
	if (buf)
		len = fread(buf, 1, 65536, f);
	fclose(f);
	if (buf && len == 65536) {
		free(buf);
		fail(err, errlen, "%s: larger than 64 KiB", path);
		return NULL;
	}
	return buf;
}

int
emu_config_parse(const char *text, struct emu_config *cfg, char *err, size_t errlen)
{
	char *copy;
	int ret;

	memset(cfg, 0, sizeof(*cfg));
	cfg->functions = 2;
	cfg->profile = emu_fw_profile_find("cx6dx");
	cfg->mtu = 1500;
	cfg->cost = EMU_COST_ZERO;
	cfg->slots = 16;
	strcpy(cfg->wire, "loopback");
	/* Locally administered, unicast: 02:00:00:00:<function>. */
	for (unsigned int i = 0; i < EMU_CONFIG_MAX_FUNCS; i++) {
		cfg->macs[i][0] = 0x02;
		cfg->macs[i][4] = (uint8_t)(i >> 8);
		cfg->macs[i][5] = (uint8_t)i;
	}
	if (text == NULL || *text == '\0')
		return 0;
	if (text[0] == '@') {
		copy = read_file(text + 1, err, errlen);
		if (copy == NULL)
			return -EINVAL;
		ret = parse_items(cfg, copy, "\n", err, errlen);
	} else {
		copy = strdup(text);
		if (copy == NULL)
			return -ENOMEM;
		ret = parse_items(cfg, copy, ",", err, errlen);
	}
	free(copy);
	return ret;
}
