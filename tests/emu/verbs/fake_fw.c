/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <stdio.h>

#include "emu_fw.h"
#include "fake_fw.h"
#include "prm_cmd.h"
#include "verbs_config.h"

#define FAKE_BAR_PAGES 64
#define FAKE_VAR_FIRST 32	/* VAR pages follow the UAR pages in the BAR */
#define FAKE_MAX_SUBS 64
#define FAKE_MAX_LOG 256
#define FAKE_NULL_MKEY 0x1ff00

struct fake_sub {
	const struct emu_fw_event_sink *sink;
	uint16_t obj_type, event_type;
	uint32_t obj_id;
	uint64_t cookie;
};

struct emu_fw {
	/* Protects every field below but bar_fd and vhca_id. */
	pthread_mutex_t lock;
	int bar_fd;
	uint16_t vhca_id;
	uint32_t next_id;
	uint32_t next_uid;
	unsigned int nuar, nvar;
	unsigned int running, max_running;
	unsigned int delay_us;
	int last_uid[0x1000];
	uint16_t destroyed[FAKE_MAX_LOG];
	size_t ndestroyed;
	uint32_t busy_umem;
	struct fake_sub subs[FAKE_MAX_SUBS];
	unsigned int nsubs;
};

static uint16_t
rd16(const void *p, size_t off)
{
	const uint8_t *b = (const uint8_t *)p + off;

	return (uint16_t)(b[0] << 8 | b[1]);
}

static void
wr16(void *p, size_t off, uint16_t v)
{
	uint8_t *b = (uint8_t *)p + off;

	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static void
wr32(void *p, size_t off, uint32_t v)
{
	uint8_t *b = (uint8_t *)p + off;

	b[0] = (uint8_t)(v >> 24);
	b[1] = (uint8_t)(v >> 16);
	b[2] = (uint8_t)(v >> 8);
	b[3] = (uint8_t)v;
}

int
emu_fw_create(const struct emu_fw_params *params, struct emu_fw **out)
{
	struct emu_fw *fw = calloc(1, sizeof(*fw));

	if (fw == NULL)
		return -ENOMEM;
	fw->bar_fd = memfd_create("fake_bar", MFD_CLOEXEC);
	if (fw->bar_fd < 0 || ftruncate(fw->bar_fd, FAKE_BAR_PAGES * 4096) != 0) {
		if (fw->bar_fd >= 0)
			close(fw->bar_fd);
		free(fw);
		return -errno;
	}
	pthread_mutex_init(&fw->lock, NULL);
	fw->vhca_id = params->vhca_id;
	fw->next_id = 0x10;
	fw->next_uid = 1;
	fw->busy_umem = UINT32_MAX;
	memset(fw->last_uid, 0xff, sizeof(fw->last_uid));
	*out = fw;
	return 0;
}

void
emu_fw_destroy(struct emu_fw *fw)
{
	close(fw->bar_fd);
	pthread_mutex_destroy(&fw->lock);
	free(fw);
}

static uint32_t
fake_new_id(struct emu_fw *fw)
{
	uint32_t id;

	pthread_mutex_lock(&fw->lock);
	id = fw->next_id++;
	pthread_mutex_unlock(&fw->lock);
	return id;
}

int
emu_fw_cmd(struct emu_fw *fw, uint16_t uid, const void *in, size_t inlen, void *out,
	   size_t outlen)
{
	uint16_t op;

	if (inlen < 8 || outlen < 8)
		return -EINVAL;
	op = rd16(in, 0);
	pthread_mutex_lock(&fw->lock);
	if (op < 0x1000)
		fw->last_uid[op] = uid;
	fw->running++;
	if (fw->running > fw->max_running)
		fw->max_running = fw->running;
	pthread_mutex_unlock(&fw->lock);
	if (fw->delay_us != 0)
		usleep(fw->delay_us);
	memset(out, 0, outlen);
	switch (op) {
	case PRM_CMD_QUERY_HCA_CAP:
		if (outlen >= 24)
			wr16(out, 22, fw->vhca_id);
		break;
	case PRM_CMD_QUERY_SPECIAL_CONTEXTS:
		if (outlen >= 20)
			wr32(out, 16, FAKE_NULL_MKEY);
		break;
	case PRM_CMD_CREATE_UCTX:
		pthread_mutex_lock(&fw->lock);
		if (outlen >= 12)
			wr16(out, 10, (uint16_t)fw->next_uid++);
		pthread_mutex_unlock(&fw->lock);
		break;
	case PRM_CMD_ALLOC_PD:
	case PRM_CMD_ALLOC_TRANSPORT_DOMAIN:
	case PRM_CMD_CREATE_TIS:
	case PRM_CMD_CREATE_TIR:
	case PRM_CMD_CREATE_GENERAL_OBJECT:
		if (outlen >= 12)
			wr32(out, 8, fake_new_id(fw));
		break;
	case PRM_CMD_DESTROY_UCTX:
	case PRM_CMD_DEALLOC_PD:
	case PRM_CMD_DEALLOC_TRANSPORT_DOMAIN:
	case PRM_CMD_DESTROY_TIS:
	case PRM_CMD_DESTROY_TIR:
	case PRM_CMD_DESTROY_GENERAL_OBJECT:
		pthread_mutex_lock(&fw->lock);
		if (fw->ndestroyed < FAKE_MAX_LOG)
			fw->destroyed[fw->ndestroyed++] = op;
		pthread_mutex_unlock(&fw->lock);
		break;
	default:
		((uint8_t *)out)[0] = PRM_STATUS_BAD_OP;
		wr32(out, 4, 0x00c0ffee);
		break;
	}
	pthread_mutex_lock(&fw->lock);
	fw->running--;
	pthread_mutex_unlock(&fw->lock);
	return 0;
}

int
emu_fw_destroy_cmd(const void *create_in, const void *create_out, void *destroy_in, size_t *len)
{
	uint16_t op = rd16(create_in, 0), dop;

	switch (op) {
	case PRM_CMD_CREATE_UCTX:
		dop = PRM_CMD_DESTROY_UCTX;
		break;
	case PRM_CMD_ALLOC_PD:
		dop = PRM_CMD_DEALLOC_PD;
		break;
	case PRM_CMD_ALLOC_TRANSPORT_DOMAIN:
		dop = PRM_CMD_DEALLOC_TRANSPORT_DOMAIN;
		break;
	case PRM_CMD_CREATE_TIS:
		dop = PRM_CMD_DESTROY_TIS;
		break;
	case PRM_CMD_CREATE_TIR:
		dop = PRM_CMD_DESTROY_TIR;
		break;
	case PRM_CMD_CREATE_GENERAL_OBJECT:
		dop = PRM_CMD_DESTROY_GENERAL_OBJECT;
		break;
	default:
		return -EOPNOTSUPP;
	}
	if (*len < 16)
		return -ENOSPC;
	memset(destroy_in, 0, 16);
	wr16(destroy_in, 0, dop);
	if (op == PRM_CMD_CREATE_GENERAL_OBJECT)
		memcpy((uint8_t *)destroy_in + 4, (const uint8_t *)create_in + 4, 4);
	memcpy((uint8_t *)destroy_in + 8, (const uint8_t *)create_out + 8, 4);
	*len = 16;
	return 0;
}

int
emu_fw_umem_reg(struct emu_fw *fw, uint16_t uid, void *addr, size_t size, uint32_t access,
		uint32_t *umem_id)
{
	(void)uid;
	(void)access;
	if (addr == NULL || size == 0)
		return -EINVAL;
	*umem_id = fake_new_id(fw);
	return 0;
}

int
emu_fw_umem_dereg(struct emu_fw *fw, uint32_t umem_id)
{
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	if (umem_id == fw->busy_umem)
		ret = -EBUSY;
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int
emu_fw_mr_reg(struct emu_fw *fw, uint32_t pdn, void *addr, size_t len, uint64_t iova,
	      uint32_t access, uint32_t *lkey)
{
	(void)pdn;
	(void)addr;
	(void)len;
	(void)iova;
	(void)access;
	*lkey = fake_new_id(fw) << 8;
	return 0;
}

int
emu_fw_mr_dereg(struct emu_fw *fw, uint32_t lkey)
{
	(void)fw;
	(void)lkey;
	return 0;
}

int
emu_fw_bar_fd(const struct emu_fw *fw)
{
	return fw->bar_fd;
}

int
emu_fw_uar_alloc(struct emu_fw *fw, uint32_t *page_id, uint64_t *bar_off)
{
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	if (fw->nuar >= FAKE_VAR_FIRST) {
		ret = -ENOMEM;
	} else {
		*page_id = fw->nuar;
		*bar_off = 4096ull * fw->nuar++;
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int
emu_fw_uar_free(struct emu_fw *fw, uint32_t page_id)
{
	(void)fw;
	(void)page_id;
	return 0;
}

int
emu_fw_var_alloc(struct emu_fw *fw, uint32_t *page_id, uint32_t *length, uint64_t *bar_off)
{
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	if (FAKE_VAR_FIRST + fw->nvar >= FAKE_BAR_PAGES) {
		ret = -ENOMEM;
	} else {
		*page_id = fw->nvar;
		*length = 4096;
		*bar_off = 4096ull * (FAKE_VAR_FIRST + fw->nvar++);
	}
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

int
emu_fw_var_free(struct emu_fw *fw, uint32_t page_id)
{
	(void)fw;
	(void)page_id;
	return 0;
}

int
emu_fw_query_eqn(struct emu_fw *fw, uint32_t vector, uint32_t *eqn)
{
	(void)fw;
	if (vector != 0)
		return -EINVAL;
	*eqn = 7;
	return 0;
}

/* The fake has no data plane. */
void
emu_fw_attach_nic(struct emu_fw *fw, struct hw_nic *nic, unsigned int port)
{
	(void)fw;
	(void)nic;
	(void)port;
}

/* The fake has no doorbells or CQs to trace. */
void
emu_fw_trace_stop(struct emu_fw *fw)
{
	(void)fw;
}

/* The fake keeps no object store: it reports that it is a fake. */
void
emu_fw_report_live(struct emu_fw *fw, const char *label)
{
	(void)fw;
	fprintf(stderr, "mlx5emu: %s: fake firmware, no object count\n", label);
}

int
emu_fw_subscribe(struct emu_fw *fw, const struct emu_fw_event_sink *sink, uint16_t obj_type,
		 uint32_t obj_id, uint16_t event_type, uint64_t cookie)
{
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	if (fw->nsubs >= FAKE_MAX_SUBS)
		ret = -ENOSPC;
	else
		fw->subs[fw->nsubs++] = (struct fake_sub){ sink, obj_type, event_type, obj_id,
							   cookie };
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

void
emu_fw_unsubscribe_all(struct emu_fw *fw, const struct emu_fw_event_sink *sink)
{
	unsigned int i;

	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nsubs;) {
		if (fw->subs[i].sink == sink)
			fw->subs[i] = fw->subs[--fw->nsubs];
		else
			i++;
	}
	pthread_mutex_unlock(&fw->lock);
}

void
fake_fw_set_cmd_delay_us(struct emu_fw *fw, unsigned int us)
{
	fw->delay_us = us;
}

unsigned int
fake_fw_max_parallel(struct emu_fw *fw)
{
	unsigned int n;

	pthread_mutex_lock(&fw->lock);
	n = fw->max_running;
	pthread_mutex_unlock(&fw->lock);
	return n;
}

int
fake_fw_last_uid(struct emu_fw *fw, uint16_t opcode)
{
	int uid;

	pthread_mutex_lock(&fw->lock);
	uid = opcode < 0x1000 ? fw->last_uid[opcode] : -1;
	pthread_mutex_unlock(&fw->lock);
	return uid;
}

size_t
fake_fw_destroyed(struct emu_fw *fw, uint16_t *opcodes, size_t max)
{
	size_t n;

	pthread_mutex_lock(&fw->lock);
	n = fw->ndestroyed < max ? fw->ndestroyed : max;
	memcpy(opcodes, fw->destroyed, n * sizeof(*opcodes));
	pthread_mutex_unlock(&fw->lock);
	return n;
}

void
fake_fw_umem_busy(struct emu_fw *fw, uint32_t umem_id, int busy)
{
	pthread_mutex_lock(&fw->lock);
	fw->busy_umem = busy ? umem_id : UINT32_MAX;
	pthread_mutex_unlock(&fw->lock);
}

unsigned int
fake_fw_raise(struct emu_fw *fw, uint16_t obj_type, uint32_t obj_id, uint16_t event_type,
	      const void *data, size_t len)
{
	struct fake_sub hits[FAKE_MAX_SUBS];
	unsigned int i, n = 0;

	/* Like the real firmware: deliver outside the lock, sinks must not call back. */
	pthread_mutex_lock(&fw->lock);
	for (i = 0; i < fw->nsubs; i++)
		if (fw->subs[i].obj_type == obj_type && fw->subs[i].obj_id == obj_id &&
		    fw->subs[i].event_type == event_type)
			hits[n++] = fw->subs[i];
	pthread_mutex_unlock(&fw->lock);
	for (i = 0; i < n; i++)
		hits[i].sink->deliver(hits[i].sink->ctx, event_type, hits[i].cookie, data, len);
	return n;
}

unsigned int
fake_fw_subscriptions(struct emu_fw *fw)
{
	unsigned int n;

	pthread_mutex_lock(&fw->lock);
	n = fw->nsubs;
	pthread_mutex_unlock(&fw->lock);
	return n;
}

/* The fake's configuration: two ConnectX-6 Dx VFs; MLX5_EMU is the real firmware's business. */
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

		f->params.vhca_id = (uint16_t)(i + 1);
		f->params.mtu = 1500;
		f->params.mac[0] = 0x02;
		f->params.mac[5] = (uint8_t)i;
		f->pci_device_id = 0x101e;
		snprintf(f->pci_addr, sizeof(f->pci_addr), "0000:ee:00.%u", i);
	}
	return 0;
}

int
emu_verbs_config_apply(const struct emu_verbs_config *cfg, unsigned int i, struct emu_fw *fw)
{
	(void)cfg;
	(void)i;
	(void)fw;
	return 0;
}

void
emu_verbs_config_free(struct emu_verbs_config *cfg)
{
	free(cfg->funcs);
	cfg->funcs = NULL;
}
