/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware's command interface: creation and reset of a function, the command dispatcher
 * (lengths, cost model, fault injection, statistics), the BAR with its UAR and VAR pages, events,
 * and the kernel-side operations (umem and MR registration) of emu_fw.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "fw_internal.h"
#include "hw_virtq.h"
#include "mlx5_log.h"
#include "prm_caps.h"
#include "prm_cq_qp.h"
#include "prm_mem.h"
#include "prm_net.h"
#include "prm_virtq.h"

#define LOG_ORIGIN "emu.fw"

struct cmd_desc {
	uint16_t opcode;
	uint8_t (*handler)(struct fw_cmd *c);
	size_t in_min;		/* bytes; 0: the handler checks */
	size_t out_min;
	uint32_t cost_us;	/* calibrated latency, see docs/emulator.md */
};

#define CMD(op, h, in, out, us) { PRM_CMD_##op, h, in, out, us }
static const struct cmd_desc commands[] = {
	CMD(QUERY_HCA_CAP, fw_query_hca_cap, PRM_SIZE(query_hca_cap_in), 16 + 256, 100),
	CMD(ALLOC_PD, fw_alloc_pd, PRM_SIZE(alloc_pd_in), PRM_SIZE(alloc_pd_out), 300),
	CMD(DEALLOC_PD, fw_dealloc_pd, PRM_SIZE(dealloc_pd_in), 8, 300),
	CMD(ALLOC_TRANSPORT_DOMAIN, fw_alloc_td, PRM_SIZE(alloc_transport_domain_in),
	    PRM_SIZE(alloc_transport_domain_out), 300),
	CMD(DEALLOC_TRANSPORT_DOMAIN, fw_dealloc_td, PRM_SIZE(dealloc_transport_domain_in), 8, 300),
	CMD(CREATE_UCTX, fw_create_uctx, 16, 16, 300),
	CMD(DESTROY_UCTX, fw_destroy_uctx, 16, 8, 300),
	CMD(ALLOC_UAR, fw_alloc_uar_cmd, PRM_SIZE(alloc_uar_in), PRM_SIZE(alloc_uar_out), 100),
	CMD(DEALLOC_UAR, fw_dealloc_uar_cmd, PRM_SIZE(dealloc_uar_in), 8, 100),
	CMD(CREATE_MKEY, fw_create_mkey, PRM_SIZE(create_mkey_in), PRM_SIZE(create_mkey_out), 500),
	CMD(DESTROY_MKEY, fw_destroy_mkey, PRM_SIZE(destroy_mkey_in), 8, 500),
	CMD(QUERY_SPECIAL_CONTEXTS, fw_query_special_contexts, PRM_SIZE(query_special_contexts_in),
	    PRM_SIZE(query_special_contexts_out), 100),
	CMD(CREATE_CQ, fw_create_cq, PRM_SIZE(create_cq_in), PRM_SIZE(create_cq_out), 500),
	CMD(DESTROY_CQ, fw_destroy_cq, PRM_SIZE(destroy_cq_in), 8, 500),
	CMD(CREATE_QP, fw_create_qp, PRM_SIZE(create_qp_in), PRM_SIZE(create_qp_out), 500),
	CMD(DESTROY_QP, fw_destroy_qp, PRM_SIZE(destroy_qp_in), 8, 500),
	CMD(RST2INIT_QP, fw_qp_transition, PRM_SIZE(rst2init_qp_in), 8, 500),
	CMD(INIT2RTR_QP, fw_qp_transition, PRM_SIZE(init2rtr_qp_in), 8, 500),
	CMD(RTR2RTS_QP, fw_qp_transition, PRM_SIZE(rtr2rts_qp_in), 8, 500),
	CMD(2RST_QP, fw_qp_transition, PRM_SIZE(qp_2rst_in), 8, 500),
	CMD(2ERR_QP, fw_qp_transition, PRM_SIZE(qp_2err_in), 8, 500),
	CMD(QUERY_QP, fw_query_qp, PRM_SIZE(query_qp_in), PRM_SIZE(query_qp_out), 300),
	CMD(QUERY_VPORT_STATE, fw_query_vport_state, PRM_SIZE(query_vport_state_in),
	    PRM_SIZE(query_vport_state_out), 100),
	CMD(QUERY_NIC_VPORT_CONTEXT, fw_query_nic_vport_context,
	    PRM_SIZE(query_nic_vport_context_in), PRM_SIZE(query_nic_vport_context_out), 100),
	CMD(MODIFY_NIC_VPORT_CONTEXT, fw_modify_nic_vport_context,
	    PRM_SIZE(modify_nic_vport_context_in), 8, 300),
	CMD(CREATE_TIS, fw_create_tis, PRM_SIZE(create_tis_in), PRM_SIZE(create_tis_out), 300),
	CMD(DESTROY_TIS, fw_destroy_tis, PRM_SIZE(destroy_tis_in), 8, 300),
	CMD(CREATE_TIR, fw_create_tir, PRM_SIZE(create_tir_in), PRM_SIZE(create_tir_out), 300),
	CMD(DESTROY_TIR, fw_destroy_tir, PRM_SIZE(destroy_tir_in), 8, 300),
	CMD(CREATE_RQT, fw_create_rqt, PRM_SIZE(create_rqt_in), PRM_SIZE(create_rqt_out), 300),
	CMD(MODIFY_RQT, fw_modify_rqt, PRM_SIZE(modify_rqt_in), 8, 300),
	CMD(DESTROY_RQT, fw_destroy_rqt, PRM_SIZE(destroy_rqt_in), 8, 300),
	CMD(CREATE_GENERAL_OBJECT, fw_general_obj, PRM_SIZE(general_obj_in_cmd_hdr),
	    PRM_SIZE(general_obj_out_cmd_hdr), 1000),
	CMD(MODIFY_GENERAL_OBJECT, fw_general_obj, PRM_SIZE(general_obj_in_cmd_hdr),
	    PRM_SIZE(general_obj_out_cmd_hdr), 1100),
	CMD(QUERY_GENERAL_OBJECT, fw_general_obj, PRM_SIZE(general_obj_in_cmd_hdr),
	    PRM_SIZE(general_obj_out_cmd_hdr), 1100),
	CMD(DESTROY_GENERAL_OBJECT, fw_general_obj, PRM_SIZE(general_obj_in_cmd_hdr),
	    PRM_SIZE(general_obj_out_cmd_hdr), 1000),
};
#undef CMD

/*
 * Cost per 16-byte translation octword of CREATE_MKEY (two 8-byte MTT entries, or one KLM
 * entry), on top of the command's latency.
 */
#define COST_NS_PER_MKEY_OCTWORD 50

static const struct cmd_desc *
find_command(uint16_t opcode)
{
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (commands[i].opcode == opcode)
			return &commands[i];
	return NULL;
}

int
emu_fw_create(const struct emu_fw_params *params, struct emu_fw **out)
{
	struct emu_fw *fw;
	int ret;

	if (params == NULL || out == NULL)
		return -EINVAL;
	fw = calloc(1, sizeof(*fw));
	if (fw == NULL)
		return -ENOMEM;
	fw->params = *params;
	fw->profile = params->profile ? params->profile : emu_fw_profile_find("cx6dx");
	memcpy(fw->vport_mac, params->mac, sizeof(fw->vport_mac));
	fw->vport_mtu = params->mtu ? params->mtu : 1500;
	fw->cost = EMU_COST_ZERO;
	fw->slots = 1;
	fw->bar_fd = memfd_create("mlx5emu-bar", MFD_CLOEXEC);
	if (fw->bar_fd < 0) {
		ret = -errno;
		goto free_fw;
	}
	if (ftruncate(fw->bar_fd, (off_t)FW_BAR_PAGES * FW_PAGE_SIZE) < 0) {
		ret = -errno;
		goto close_bar;
	}
	pthread_mutex_init(&fw->slot_lock, NULL);
	pthread_mutex_init(&fw->lock, NULL);
	pthread_mutex_init(&fw->subs_lock, NULL);
	*out = fw;
	return 0;

close_bar:
	close(fw->bar_fd);
free_fw:
	free(fw);
	return ret;
}

void
emu_fw_destroy(struct emu_fw *fw)
{
	if (fw == NULL)
		return;
	fw_trace_stop(&fw->trace);
	fw_trace_stop(&fw->cmd_trace);
	pthread_mutex_lock(&fw->lock);
	fw_obj_destroy_all(fw);
	pthread_mutex_unlock(&fw->lock);
	pthread_mutex_destroy(&fw->lock);
	pthread_mutex_destroy(&fw->subs_lock);
	pthread_mutex_destroy(&fw->slot_lock);
	close(fw->bar_fd);
	free(fw->subs);
	free(fw);
}

/* Sleeps until the emulator's clock reads deadline_ns, with a timer slack of 1 ns. */
static void
sleep_until(uint64_t deadline_ns)
{
	struct timespec ts = { .tv_sec = (time_t)(deadline_ns / 1000000000u),
			       .tv_nsec = (long)(deadline_ns % 1000000000u) };
	int slack = prctl(PR_GET_TIMERSLACK);

	if (slack > 1)
		prctl(PR_SET_TIMERSLACK, 1UL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
	if (slack > 1)
		prctl(PR_SET_TIMERSLACK, (unsigned long)slack);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * How late the host's timer wakes a sleeping thread on an idle CPU: the median of a few short
 * sleeps, measured once per process (25-40 µs in this project's virtual machines).
 */
#define TIMER_PROBES 15
#define TIMER_PROBE_NS 100000u
#define TIMER_LATE_MAX_NS 200000u
static uint64_t timer_late_ns;
static pthread_once_t timer_late_once = PTHREAD_ONCE_INIT;

static void
measure_timer_lateness(void)
{
	uint64_t late[TIMER_PROBES], start;

	for (unsigned int i = 0; i < TIMER_PROBES; i++) {
		start = hw_clock_ns();
		sleep_until(start + TIMER_PROBE_NS);
		late[i] = hw_clock_ns() - start - TIMER_PROBE_NS;
	}
	qsort(late, TIMER_PROBES, sizeof(late[0]), cmp_u64);
	timer_late_ns = late[TIMER_PROBES / 2] < TIMER_LATE_MAX_NS ? late[TIMER_PROBES / 2] :
			TIMER_LATE_MAX_NS;
}

int
emu_fw_set_cost(struct emu_fw *fw, enum emu_cost_model model, unsigned int slots)
{
	if (slots == 0 || slots > FW_SLOTS_MAX)
		return -EINVAL;
	pthread_mutex_lock(&fw->slot_lock);
	fw->cost = model;
	fw->slots = slots;
	pthread_mutex_unlock(&fw->slot_lock);
	if (model != EMU_COST_ZERO)
		pthread_once(&timer_late_once, measure_timer_lateness);
	return 0;
}

uint64_t
fw_timer_late_ns(void)
{
	return timer_late_ns;
}

/*
 * A command's place in the firmware's time: the slot that frees first, from when it frees (or
 * now), for the command's latency. Slots are booked on the firmware's clock: a command whose
 * thread wakes late for its completion (a busy CPU) does not hold the next one back, as it did
 * while a thread gave its slot back only once awake (a 16 queue pair bring-up at 16 GiB: slots
 * freed 43-66 µs late at the median, 0.26-0.38 ms at p90).
 */
uint64_t
fw_slot_take(struct emu_fw *fw, uint64_t ns, struct fw_slot *slot)
{
	uint64_t asked, start;
	unsigned int first = 0;

	slot->deadline_ns = 0;
	if (fw->cost == EMU_COST_ZERO)
		return 0;
	asked = hw_clock_ns();
	pthread_mutex_lock(&fw->slot_lock);
	for (unsigned int i = 1; i < fw->slots; i++)
		if (fw->slot_free_ns[i] < fw->slot_free_ns[first])
			first = i;
	start = fw->slot_free_ns[first] > asked ? fw->slot_free_ns[first] : asked;
	slot->deadline_ns = start + ns;
	fw->slot_free_ns[first] = slot->deadline_ns;
	pthread_mutex_unlock(&fw->slot_lock);
	/* A command executes when it has its slot, behind the ones before it. */
	if (start > asked)
		sleep_until(start - timer_late_ns);
	return start - asked;
}

void
fw_slot_give(struct emu_fw *fw, const struct fw_slot *slot)
{
	(void)fw;
	if (slot->deadline_ns == 0)
		return;
	/*
	 * The calibrated latencies are what drivers observed, their own wake-up included: a
	 * command's thread is woken for its completion, not the host's timer lateness after it.
	 */
	sleep_until(slot->deadline_ns - timer_late_ns);
}

void
fw_trace_cmd_done(struct emu_fw *fw, uint64_t issued_ns, uint64_t slot_wait_ns, uint16_t opcode,
		  uint16_t obj_type, uint8_t status)
{
	if (fw->cmd_trace.out != NULL)
		fw_trace_command(&fw->cmd_trace, issued_ns, hw_clock_ns(), opcode, obj_type, status,
				 slot_wait_ns);
}

uint64_t
fw_mkey_cost_ns(uint64_t octwords)
{
	return (uint64_t)find_command(PRM_CMD_CREATE_MKEY)->cost_us * 1000 +
	       octwords * COST_NS_PER_MKEY_OCTWORD;
}

static uint64_t
command_cost_ns(const struct cmd_desc *d, const void *in, size_t inlen)
{
	if (d->opcode == PRM_CMD_CREATE_MKEY && inlen >= PRM_SIZE(create_mkey_in))
		return fw_mkey_cost_ns(PRM_GET(create_mkey_in, in, translations_octword_actual_size));
	return (uint64_t)d->cost_us * 1000;
}

/* The nth command matching a rule fails with the rule's status; each rule fires once. */
static bool
fault_hit(struct emu_fw *fw, uint16_t opcode, uint16_t obj_type, struct fw_cmd *c,
	  uint8_t *status)
{
	for (unsigned int i = 0; i < fw->nfaults; i++) {
		struct fw_fault *f = &fw->faults[i];

		if (f->fired || f->spec.opcode != opcode)
			continue;
		if (f->spec.obj_type != 0xffff && f->spec.obj_type != obj_type)
			continue;
		if (++f->seen < f->spec.nth)
			continue;
		f->fired = true;
		*status = fw_fail(c, f->spec.status,
				  f->spec.syndrome ? f->spec.syndrome : EMU_SYND_INJECTED);
		return true;
	}
	return false;
}

/* Whether a command that executed set a virtq RDY (a CREATE in RDY or a MODIFY of the state). */
static bool
sets_virtq_rdy(uint16_t opcode, uint16_t obj_type, const void *in, size_t inlen, uint8_t status)
{
	const void *ctx;

	if (status != PRM_STATUS_OK || obj_type != PRM_OBJ_TYPE_VIRTIO_NET_Q)
		return false;
	if (opcode == PRM_CMD_CREATE_GENERAL_OBJECT && inlen >= PRM_SIZE(create_virtio_net_q_in)) {
		ctx = PRM_ADDR(create_virtio_net_q_in, in, obj_context);
	} else if (opcode == PRM_CMD_MODIFY_GENERAL_OBJECT &&
		   inlen >= PRM_SIZE(modify_virtio_net_q_in)) {
		ctx = PRM_ADDR(modify_virtio_net_q_in, in, obj_context);
		if (!(PRM_GET(virtio_net_q_object, ctx, modify_field_select) & PRM_VIRTQ_MODIFY_STATE))
			return false;
	} else {
		return false;
	}
	return PRM_GET(virtio_net_q_object, ctx, state) == PRM_VIRTQ_STATE_RDY;
}

/*
 * Bring-up timing (see struct emu_fw): a command that set a virtq RDY completed now, with the
 * totals as they were when it executed. Takes fw->lock.
 */
static void
note_rdy_completed(struct emu_fw *fw, uint64_t executed, uint64_t modelled_ns)
{
	uint64_t now = hw_clock_ns();

	pthread_mutex_lock(&fw->lock);
	fw->rdy_sets++;
	if (now >= fw->rdy_last_ns) {
		fw->rdy_last_ns = now;
		fw->rdy_executed = executed;
		fw->rdy_modelled_ns = modelled_ns;
	}
	pthread_mutex_unlock(&fw->lock);
}

static int
general_op_index(uint16_t opcode)
{
	return opcode - PRM_CMD_CREATE_GENERAL_OBJECT;	/* create, modify, query, destroy */
}

int
emu_fw_cmd(struct emu_fw *fw, uint16_t uid, const void *in, size_t inlen, void *out,
	   size_t outlen)
{
	struct fw_cmd c = {
		.fw = fw, .uid = uid, .in = in, .inlen = inlen, .out = out, .outlen = outlen,
	};
	const struct cmd_desc *d;
	uint16_t opcode, obj_type = 0;
	uint64_t cost_ns = 0, issued_ns = 0, slot_wait_ns = 0, executed, modelled_ns;
	struct fw_slot slot = { 0 };
	uint8_t status;
	bool rdy;

	if (fw == NULL || in == NULL || out == NULL || inlen < 8 || outlen < 8)
		return -EINVAL;
	memset(out, 0, outlen);
	opcode = (uint16_t)PRM_GET(cmd_in_hdr, in, opcode);
	d = find_command(opcode);
	if (d && (opcode >= PRM_CMD_CREATE_GENERAL_OBJECT &&
		  opcode <= PRM_CMD_DESTROY_GENERAL_OBJECT) && inlen >= 16)
		obj_type = (uint16_t)PRM_GET(general_obj_in_cmd_hdr, in, obj_type);

	if (fw->cmd_trace.out != NULL)
		issued_ns = hw_clock_ns();
	if (d) {
		cost_ns = command_cost_ns(d, in, inlen);
		slot_wait_ns = fw_slot_take(fw, cost_ns, &slot);
	}

	pthread_mutex_lock(&fw->lock);
	if (opcode < FW_MAX_OPCODE)
		fw->cmd_count[opcode]++;
	if (obj_type && obj_type < FW_MAX_OBJ_TYPE)
		fw->gen_obj_count[general_op_index(opcode)][obj_type]++;
	if (d == NULL)
		status = fw_fail(&c, PRM_STATUS_BAD_OP, EMU_SYND_BAD_OPCODE);
	else if (inlen < d->in_min)
		status = fw_fail(&c, PRM_STATUS_BAD_INPUT_LEN, EMU_SYND_INLEN);
	else if (outlen < d->out_min)
		status = fw_fail(&c, PRM_STATUS_BAD_OUTPUT_LEN, EMU_SYND_OUTLEN);
	else if (!fault_hit(fw, opcode, obj_type, &c, &status))
		status = d->handler(&c);
	executed = ++fw->executed;
	modelled_ns = fw->modelled_ns += cost_ns;
	rdy = sets_virtq_rdy(opcode, obj_type, in, inlen, status);
	pthread_mutex_unlock(&fw->lock);
	/* The command completes at the end of its latency, whatever its execution here took. */
	fw_slot_give(fw, &slot);
	if (rdy)
		note_rdy_completed(fw, executed, modelled_ns);
	fw_trace_cmd_done(fw, issued_ns, slot_wait_ns, opcode, obj_type, status);

	if (status != PRM_STATUS_OK) {
		/* Handlers may have written part of the answer; a failed command answers nothing. */
		memset(out, 0, outlen);
		mlx5_log(MLX5_LOG_DEBUG, LOG_ORIGIN, "%s (0x%x) obj_type 0x%x: %s, syndrome 0x%08x",
			 prm_opcode_name(opcode), opcode, obj_type, prm_status_name(status),
			 c.syndrome);
	}
	PRM_SET(cmd_out_hdr, out, status, status);
	PRM_SET(cmd_out_hdr, out, syndrome, status == PRM_STATUS_OK ? 0 : c.syndrome);
	return 0;
}

int
emu_fw_destroy_cmd(const void *create_in, const void *create_out, void *destroy_in, size_t *len)
{
	static const struct {
		uint16_t create, destroy;
	} pairs[] = {
		{ PRM_CMD_CREATE_MKEY, PRM_CMD_DESTROY_MKEY },
		{ PRM_CMD_CREATE_CQ, PRM_CMD_DESTROY_CQ },
		{ PRM_CMD_CREATE_QP, PRM_CMD_DESTROY_QP },
		{ PRM_CMD_CREATE_TIS, PRM_CMD_DESTROY_TIS },
		{ PRM_CMD_CREATE_TIR, PRM_CMD_DESTROY_TIR },
		{ PRM_CMD_CREATE_RQT, PRM_CMD_DESTROY_RQT },
		{ PRM_CMD_ALLOC_PD, PRM_CMD_DEALLOC_PD },
		{ PRM_CMD_ALLOC_TRANSPORT_DOMAIN, PRM_CMD_DEALLOC_TRANSPORT_DOMAIN },
		{ PRM_CMD_ALLOC_UAR, PRM_CMD_DEALLOC_UAR },
	};
	uint16_t opcode;

	if (create_in == NULL || create_out == NULL || destroy_in == NULL || len == NULL ||
	    *len < 16)
		return -EINVAL;
	opcode = (uint16_t)PRM_GET(cmd_in_hdr, create_in, opcode);
	memset(destroy_in, 0, 16);
	*len = 16;
	if (opcode == PRM_CMD_CREATE_UCTX) {
		PRM_SET(destroy_uctx_in, destroy_in, opcode, PRM_CMD_DESTROY_UCTX);
		PRM_SET(destroy_uctx_in, destroy_in, uid, PRM_GET(create_uctx_out, create_out, uid));
		return 0;
	}
	if (opcode == PRM_CMD_CREATE_GENERAL_OBJECT) {
		PRM_SET(general_obj_in_cmd_hdr, destroy_in, opcode, PRM_CMD_DESTROY_GENERAL_OBJECT);
		PRM_SET(general_obj_in_cmd_hdr, destroy_in, uid,
			PRM_GET(general_obj_in_cmd_hdr, create_in, uid));
		PRM_SET(general_obj_in_cmd_hdr, destroy_in, obj_type,
			PRM_GET(general_obj_in_cmd_hdr, create_in, obj_type));
		PRM_SET(general_obj_in_cmd_hdr, destroy_in, obj_id,
			PRM_GET(general_obj_out_cmd_hdr, create_out, obj_id));
		return 0;
	}
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (pairs[i].create != opcode)
			continue;
		/* Every destroy above names its object in bits 0x48..0x5f, as create answers it. */
		PRM_SET(destroy_tis_in, destroy_in, opcode, pairs[i].destroy);
		PRM_SET(destroy_tis_in, destroy_in, uid, PRM_GET(cmd_in_hdr, create_in, uid));
		PRM_SET(destroy_tis_in, destroy_in, tisn, PRM_GET(create_tis_out, create_out, tisn));
		return 0;
	}
	return -EOPNOTSUPP;
}

/* ---- BAR pages ---- */

int
emu_fw_bar_fd(const struct emu_fw *fw)
{
	return fw->bar_fd;
}

/* Page 0 is never handed out: a UAR index of 0 means "none" in several contexts. */
static int
bar_alloc_locked(struct emu_fw *fw, uint8_t kind, uint32_t *page)
{
	for (uint32_t i = 1; i < FW_BAR_PAGES; i++) {
		if (fw->bar_used[i])
			continue;
		fw->bar_used[i] = kind;
		fw->live[kind]++;
		*page = i;
		if (kind == EMU_OBJ_VAR)
			fw_trace_watch_var(&fw->trace, i, true);
		return 0;
	}
	return -ENOSPC;
}

static int
bar_free_locked(struct emu_fw *fw, uint8_t kind, uint32_t page)
{
	if (page >= FW_BAR_PAGES || fw->bar_used[page] != kind)
		return -ENOENT;
	if (kind == EMU_OBJ_VAR)
		fw_trace_watch_var(&fw->trace, page, false);
	fw->bar_used[page] = 0;
	fw->live[kind]--;
	return 0;
}

static int
bar_alloc(struct emu_fw *fw, uint8_t kind, uint32_t *page)
{
	int ret;

	pthread_mutex_lock(&fw->lock);
	ret = bar_alloc_locked(fw, kind, page);
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

static int
bar_free(struct emu_fw *fw, uint8_t kind, uint32_t page)
{
	int ret;

	pthread_mutex_lock(&fw->lock);
	ret = bar_free_locked(fw, kind, page);
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

uint8_t
fw_alloc_uar_cmd(struct fw_cmd *c)
{
	uint32_t page;

	if (bar_alloc_locked(c->fw, EMU_OBJ_UAR, &page) < 0)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	PRM_SET(alloc_uar_out, c->out, uar, page);
	return PRM_STATUS_OK;
}

uint8_t
fw_dealloc_uar_cmd(struct fw_cmd *c)
{
	if (bar_free_locked(c->fw, EMU_OBJ_UAR, (uint32_t)PRM_GET(dealloc_uar_in, c->in, uar)) < 0)
		return fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
	return PRM_STATUS_OK;
}

int
emu_fw_uar_alloc(struct emu_fw *fw, uint32_t *page_id, uint64_t *bar_off)
{
	uint32_t page;
	int ret = bar_alloc(fw, EMU_OBJ_UAR, &page);

	if (ret == 0) {
		*page_id = page;
		*bar_off = (uint64_t)page * FW_PAGE_SIZE;
	}
	return ret;
}

int
emu_fw_uar_free(struct emu_fw *fw, uint32_t page_id)
{
	return bar_free(fw, EMU_OBJ_UAR, page_id);
}

int
emu_fw_var_alloc(struct emu_fw *fw, uint32_t *page_id, uint32_t *length, uint64_t *bar_off)
{
	uint32_t page;
	int ret = bar_alloc(fw, EMU_OBJ_VAR, &page);

	if (ret == 0) {
		*page_id = page;
		*length = FW_PAGE_SIZE;
		*bar_off = (uint64_t)page * FW_PAGE_SIZE;
	}
	return ret;
}

int
emu_fw_var_free(struct emu_fw *fw, uint32_t page_id)
{
	return bar_free(fw, EMU_OBJ_VAR, page_id);
}

int
emu_fw_trace_start(struct emu_fw *fw, const char *path, uint16_t function, bool trap_doorbells)
{
	return fw_trace_start(&fw->trace, path, function, fw->bar_fd,
			      (size_t)FW_BAR_PAGES * FW_PAGE_SIZE, trap_doorbells);
}

void
emu_fw_trace_stop(struct emu_fw *fw)
{
	fw_trace_stop(&fw->trace);
	fw_trace_stop(&fw->cmd_trace);
}

int
emu_fw_cmd_trace_start(struct emu_fw *fw, const char *path, uint16_t function)
{
	return fw_trace_open(&fw->cmd_trace, path, function);
}

bool
fw_uar_valid(struct emu_fw *fw, uint32_t page)
{
	return page < FW_BAR_PAGES && fw->bar_used[page] == EMU_OBJ_UAR;
}

int
emu_fw_query_eqn(struct emu_fw *fw, uint32_t vector, uint32_t *eqn)
{
	if (vector >= fw->profile->eq_vectors)
		return -EINVAL;
	*eqn = FW_FIRST_EQN + vector;
	return 0;
}

/* ---- Registered memory ---- */

static void
umem_release(struct emu_fw *fw, struct fw_obj *obj)
{
	(void)fw;
	(void)obj;
}

int
emu_fw_umem_reg(struct emu_fw *fw, uint16_t uid, void *addr, size_t size, uint32_t access,
		uint32_t *umem_id)
{
	struct fw_umem *u;
	int ret;

	if (addr == NULL || size == 0 || umem_id == NULL)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->addr = addr;
	u->size = size;
	u->access = access;
	u->obj.release = umem_release;
	pthread_mutex_lock(&fw->lock);
	ret = fw_obj_insert(fw, &u->obj, EMU_OBJ_UMEM, uid);
	pthread_mutex_unlock(&fw->lock);
	if (ret < 0) {
		free(u);
		return ret;
	}
	*umem_id = u->obj.id;
	return 0;
}

int
emu_fw_umem_dereg(struct emu_fw *fw, uint32_t umem_id)
{
	struct fw_obj *o;
	int ret = 0;

	pthread_mutex_lock(&fw->lock);
	o = fw_obj_find(fw, EMU_OBJ_UMEM, umem_id);
	if (o == NULL)
		ret = -ENOENT;
	else if (o->refs)
		ret = -EBUSY;
	else
		fw_obj_unlink_free(fw, o);
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

/* ---- Events ---- */

int
emu_fw_subscribe(struct emu_fw *fw, const struct emu_fw_event_sink *sink, uint16_t obj_type,
		 uint32_t obj_id, uint16_t event_type, uint64_t cookie)
{
	struct fw_subscription *subs;
	int ret = 0;

	if (sink == NULL || sink->deliver == NULL)
		return -EINVAL;
	pthread_mutex_lock(&fw->subs_lock);
	if (fw->nsubs >= FW_MAX_SUBSCRIPTIONS) {
		ret = -ENOSPC;
		goto unlock;
	}
	subs = realloc(fw->subs, (fw->nsubs + 1) * sizeof(*subs));
	if (subs == NULL) {
		ret = -ENOMEM;
		goto unlock;
	}
	fw->subs = subs;
	fw->subs[fw->nsubs++] = (struct fw_subscription){
		.sink = sink, .obj_type = obj_type, .obj_id = obj_id,
		.event_type = event_type, .cookie = cookie,
	};
unlock:
	pthread_mutex_unlock(&fw->subs_lock);
	return ret;
}

void
emu_fw_unsubscribe_all(struct emu_fw *fw, const struct emu_fw_event_sink *sink)
{
	unsigned int kept = 0;

	pthread_mutex_lock(&fw->subs_lock);
	for (unsigned int i = 0; i < fw->nsubs; i++)
		if (fw->subs[i].sink != sink)
			fw->subs[kept++] = fw->subs[i];
	fw->nsubs = kept;
	pthread_mutex_unlock(&fw->subs_lock);
}

void
fw_raise_event(struct emu_fw *fw, uint16_t obj_type, uint32_t obj_id, uint16_t event_type,
	       const void *data, size_t len)
{
	pthread_mutex_lock(&fw->subs_lock);
	for (unsigned int i = 0; i < fw->nsubs; i++) {
		const struct fw_subscription *s = &fw->subs[i];

		if (s->event_type == event_type && s->obj_type == obj_type && s->obj_id == obj_id)
			s->sink->deliver(s->sink->ctx, event_type, s->cookie, data, len);
	}
	pthread_mutex_unlock(&fw->subs_lock);
}

/* ---- Introspection and faults ---- */

static const char *const kind_names[EMU_OBJ_KIND_COUNT] = {
	[EMU_OBJ_UCTX] = "uctx", [EMU_OBJ_PD] = "pd", [EMU_OBJ_TD] = "td",
	[EMU_OBJ_UMEM] = "umem", [EMU_OBJ_MKEY] = "mkey", [EMU_OBJ_UAR] = "uar",
	[EMU_OBJ_VAR] = "var", [EMU_OBJ_CQ] = "cq", [EMU_OBJ_QP] = "qp", [EMU_OBJ_TIS] = "tis",
	[EMU_OBJ_TIR] = "tir", [EMU_OBJ_RQT] = "rqt", [EMU_OBJ_VIRTQ] = "virtq",
	[EMU_OBJ_VIRTQ_COUNTERS] = "virtq_counters",
};

const char *
emu_obj_kind_name(enum emu_obj_kind kind)
{
	return kind < EMU_OBJ_KIND_COUNT ? kind_names[kind] : "unknown";
}

unsigned int
emu_fw_live_objects(struct emu_fw *fw, enum emu_obj_kind kind)
{
	unsigned int n;

	if (kind >= EMU_OBJ_KIND_COUNT)
		return 0;
	pthread_mutex_lock(&fw->lock);
	n = fw->live[kind];
	pthread_mutex_unlock(&fw->lock);
	return n;
}

unsigned int
emu_fw_live_objects_total(struct emu_fw *fw)
{
	unsigned int n = 0;

	for (int k = 0; k < EMU_OBJ_KIND_COUNT; k++)
		n += emu_fw_live_objects(fw, (enum emu_obj_kind)k);
	return n;
}

void
emu_fw_totals(struct emu_fw *fw, uint64_t *executed, uint64_t *modelled_ns)
{
	pthread_mutex_lock(&fw->lock);
	*executed = fw->executed;
	*modelled_ns = fw->modelled_ns;
	pthread_mutex_unlock(&fw->lock);
}

uint64_t
emu_fw_cmd_count(struct emu_fw *fw, uint16_t opcode)
{
	uint64_t n;

	if (opcode >= FW_MAX_OPCODE)
		return 0;
	pthread_mutex_lock(&fw->lock);
	n = fw->cmd_count[opcode];
	pthread_mutex_unlock(&fw->lock);
	return n;
}

uint64_t
emu_fw_general_obj_cmd_count(struct emu_fw *fw, uint16_t opcode, uint16_t obj_type)
{
	uint64_t n;

	if (opcode < PRM_CMD_CREATE_GENERAL_OBJECT || opcode > PRM_CMD_DESTROY_GENERAL_OBJECT ||
	    obj_type >= FW_MAX_OBJ_TYPE)
		return 0;
	pthread_mutex_lock(&fw->lock);
	n = fw->gen_obj_count[general_op_index(opcode)][obj_type];
	pthread_mutex_unlock(&fw->lock);
	return n;
}

void
emu_fw_attach_nic(struct emu_fw *fw, struct hw_nic *nic, unsigned int port)
{
	pthread_mutex_lock(&fw->lock);
	fw->nic = nic;
	fw->nic_port = port;
	pthread_mutex_unlock(&fw->lock);
}

void
emu_fw_report_live(struct emu_fw *fw, const char *label)
{
	char kinds[512] = "";
	size_t len = 0;

	for (int k = 0; k < EMU_OBJ_KIND_COUNT; k++) {
		unsigned int n = emu_fw_live_objects(fw, (enum emu_obj_kind)k);

		if (n && len < sizeof(kinds))
			len += (size_t)snprintf(kinds + len, sizeof(kinds) - len, " %s=%u",
						emu_obj_kind_name((enum emu_obj_kind)k), n);
	}
	fprintf(stderr, "mlx5emu: %s: %u live firmware objects%s%s\n", label,
		emu_fw_live_objects_total(fw), len ? ":" : "", kinds);

	/*
	 * Then the commands it executed: one line of NAME=count, general objects followed by
	 * /<obj_type>=count per type (no spaces inside an item, so scripts can split on them).
	 */
	fprintf(stderr, "mlx5emu: %s: commands:", label);
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		uint16_t op = commands[i].opcode;
		uint64_t n = emu_fw_cmd_count(fw, op);

		if (n == 0)
			continue;
		fprintf(stderr, " %s=%llu", prm_opcode_name(op), (unsigned long long)n);
		if (op < PRM_CMD_CREATE_GENERAL_OBJECT || op > PRM_CMD_DESTROY_GENERAL_OBJECT)
			continue;
		for (uint16_t t = 1; t < FW_MAX_OBJ_TYPE; t++) {
			uint64_t m = emu_fw_general_obj_cmd_count(fw, op, t);

			if (m)
				fprintf(stderr, "/0x%x=%llu", t, (unsigned long long)m);
		}
	}
	fprintf(stderr, "\n");

	/* The notification channels' data path (fw_notify.h): what drivers were told. */
	fprintf(stderr, "mlx5emu: %s: notify: cqes=%llu events=%llu cq_errors=%llu rnr_waits=%llu "
		"dropped=%llu\n", label,
		(unsigned long long)__atomic_load_n(&fw->notify_stats.cqes, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&fw->notify_stats.events, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&fw->notify_stats.cq_errors, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&fw->notify_stats.rnr_waits, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&fw->notify_stats.dropped, __ATOMIC_RELAXED));

	/* Bring-up timing, for benchmarks (bench/): key=value items, times in ns. */
	pthread_mutex_lock(&fw->lock);
	fprintf(stderr, "mlx5emu: %s: timing: executed=%llu modelled_ns=%llu rdy_sets=%llu "
		"last_rdy_monotonic_ns=%llu executed_at_last_rdy=%llu modelled_ns_at_last_rdy=%llu\n",
		label, (unsigned long long)fw->executed, (unsigned long long)fw->modelled_ns,
		(unsigned long long)fw->rdy_sets, (unsigned long long)fw->rdy_last_ns,
		(unsigned long long)fw->rdy_executed, (unsigned long long)fw->rdy_modelled_ns);
	pthread_mutex_unlock(&fw->lock);
	fprintf(stderr, "mlx5emu: %s: dirty log: pages_marked=%llu\n", label,
		(unsigned long long)__atomic_load_n(&fw->dirty_pages, __ATOMIC_RELAXED));
}

int
emu_fw_fault_add(struct emu_fw *fw, const struct emu_fault_spec *spec)
{
	int ret = 0;

	if (spec == NULL || spec->nth == 0 || spec->status == PRM_STATUS_OK)
		return -EINVAL;
	pthread_mutex_lock(&fw->lock);
	if (fw->nfaults >= EMU_CONFIG_MAX_FAULTS)
		ret = -ENOSPC;
	else
		fw->faults[fw->nfaults++] = (struct fw_fault){ .spec = *spec };
	pthread_mutex_unlock(&fw->lock);
	return ret;
}

void
emu_fw_fault_clear(struct emu_fw *fw)
{
	pthread_mutex_lock(&fw->lock);
	fw->nfaults = 0;
	pthread_mutex_unlock(&fw->lock);
}
