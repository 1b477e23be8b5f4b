/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The notification channel's data path: a CQ, the driver's QP with its receive queue and the
 * firmware's QP, connected through commands as drivers do; reports driven with chosen times.
 * Checks the CQEs written (contents, place, owner bit), arming by the doorbell record, receive
 * WQE credits, overrun (CQ error event, nothing written) and moderation; and the notification
 * trace (fw_trace.h) of CQEs, events and doorbells, polled or trapped.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "fw_internal.h"
#include "fw_notify.h"
#include "fw_test.h"
#include "hw_virtq.h"
#include "prm_cq_qp.h"
#include "prm_eq.h"
#include "prm_virtq.h"

#define LOG_SIZE 2			/* 4 entries */
#define ENTRIES (1u << LOG_SIZE)
#define GUARD 256			/* bytes around the CQ memory that nothing may touch */
#define CANARY 0xa5

struct seen {
	unsigned int comp, errors;
	uint32_t cqn, error_cqn, syndrome;
};

/* One channel: CQ memory (CQEs then doorbell record) inside guards, driver QP memory likewise. */
struct chan {
	struct emu_fw *fw;
	uint8_t *cq_mem;		/* GUARD | CQEs | dbr (8) | GUARD */
	uint8_t *qp_mem;		/* GUARD | dbr (8) | GUARD */
	uint32_t pd, uar, cq_umem, qp_umem, cq, drv_qp, fw_qp;
	struct fw_notify n;
	struct seen seen;
	struct emu_fw_event_sink sink;
	bool keep_posted;		/* every receive WQE consumed is posted again, as drivers do */
};

static void
record(void *ctx, uint16_t type, uint64_t cookie, const void *data, size_t len)
{
	struct seen *s = ctx;

	(void)cookie;
	assert_int_equal(len, 28);
	if (type == PRM_EVENT_TYPE_COMP) {
		s->comp++;
		s->cqn = (uint32_t)PRM_GET(comp_event, data, cq_number);
	} else {
		assert_int_equal(type, PRM_EVENT_TYPE_CQ_ERROR);
		s->errors++;
		s->error_cqn = (uint32_t)PRM_GET(cq_error_event, data, cqn);
		s->syndrome = (uint32_t)PRM_GET(cq_error_event, data, syndrome);
	}
}

static uint8_t *cqe(struct chan *c, unsigned int i) { return c->cq_mem + GUARD + 64 * i; }
static uint8_t *cq_dbr(struct chan *c) { return c->cq_mem + GUARD + 64 * ENTRIES; }
static uint8_t *qp_dbr(struct chan *c) { return c->qp_mem + GUARD; }

static uint32_t
qp_create(struct chan *c, bool driver)
{
	uint8_t in[PRM_SIZE(create_qp_in)] = { 0 }, out[PRM_SIZE(create_qp_out)];
	void *qpc = PRM_ADDR(create_qp_in, in, qpc);

	PRM_SET(create_qp_in, in, opcode, PRM_CMD_CREATE_QP);
	PRM_SET(qpc, qpc, st, PRM_QP_ST_RC);
	PRM_SET(qpc, qpc, pd, c->pd);
	PRM_SET(qpc, qpc, no_sq, 1);
	if (driver) {
		PRM_SET(qpc, qpc, uar_page, c->uar);
		PRM_SET(qpc, qpc, cqn_rcv, c->cq);
		PRM_SET(qpc, qpc, rq_type, PRM_QP_RQ_TYPE_REGULAR);
		PRM_SET(qpc, qpc, log_rq_size, LOG_SIZE);
		PRM_SET(qpc, qpc, dbr_umem_valid, 1);
		PRM_SET(qpc, qpc, dbr_umem_id, c->qp_umem);
		PRM_SET(qpc, qpc, dbr_addr, 0);	/* the umem is the record */
	} else {
		PRM_SET(qpc, qpc, rq_type, PRM_QP_RQ_TYPE_ZERO_LEN);
	}
	assert_int_equal(fwt_exec(c->fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(create_qp_out, out, qpn);
}

static void
qp_cmd(struct chan *c, uint16_t opcode, uint32_t qpn, uint32_t remote)
{
	assert_int_equal(fwt_qp_transition(c->fw, opcode, qpn, remote), PRM_STATUS_OK);
}

/* A channel; connected: the two QPs RTR/RTS and the notify target attached to the FW QP. */
static void
chan_create(struct chan *c, bool collapsed, bool overrun_ignore, bool connected)
{
	uint8_t in[PRM_SIZE(create_cq_in)] = { 0 }, out[PRM_SIZE(create_cq_out)];
	void *cqc = PRM_ADDR(create_cq_in, in, cq_context);
	size_t cq_len = 64 * ENTRIES + 8;
	uint32_t eqn;
	uint64_t off;

	memset(c, 0, sizeof(*c));
	c->fw = fwt_create("cx6dx");
	c->cq_mem = malloc(2 * GUARD + cq_len);
	c->qp_mem = malloc(2 * GUARD + 8);
	assert_non_null(c->cq_mem);
	assert_non_null(c->qp_mem);
	memset(c->cq_mem, CANARY, 2 * GUARD + cq_len);
	memset(c->qp_mem, CANARY, 2 * GUARD + 8);
	memset(c->cq_mem + GUARD, 0, cq_len);
	memset(qp_dbr(c), 0, 8);
	for (unsigned int i = 0; i < ENTRIES; i++) {
		PRM_SET(cqe64, cqe(c, i), opcode, PRM_CQE_OPCODE_INVALID);
		PRM_SET(cqe64, cqe(c, i), owner, 1);
	}
	c->pd = fwt_pd(c->fw);
	/* Registered: the CQ's own bytes and the QP's doorbell record, not the guards. */
	c->cq_umem = fwt_umem(c->fw, c->cq_mem + GUARD, cq_len);
	c->qp_umem = fwt_umem(c->fw, qp_dbr(c), 8);
	assert_int_equal(emu_fw_uar_alloc(c->fw, &c->uar, &off), 0);
	assert_int_equal(emu_fw_query_eqn(c->fw, 0, &eqn), 0);
	PRM_SET(create_cq_in, in, opcode, PRM_CMD_CREATE_CQ);
	PRM_SET(create_cq_in, in, cq_umem_id, c->cq_umem);
	PRM_SET(cqc, cqc, log_cq_size, LOG_SIZE);
	PRM_SET(cqc, cqc, uar_page, c->uar);
	PRM_SET(cqc, cqc, c_eqn, eqn);
	PRM_SET(cqc, cqc, cc, collapsed);
	PRM_SET(cqc, cqc, oi, overrun_ignore);
	PRM_SET(cqc, cqc, dbr_umem_id, c->cq_umem);
	PRM_SET(cqc, cqc, dbr_addr, 64 * ENTRIES);
	assert_int_equal(fwt_exec(c->fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	c->cq = (uint32_t)PRM_GET(create_cq_out, out, cqn);
	c->sink = (struct emu_fw_event_sink){ .deliver = record, .ctx = &c->seen };
	assert_int_equal(emu_fw_subscribe(c->fw, &c->sink, PRM_CMD_CREATE_CQ, c->cq,
					  PRM_EVENT_TYPE_COMP, 1), 0);
	assert_int_equal(emu_fw_subscribe(c->fw, &c->sink, PRM_CMD_CREATE_CQ, c->cq,
					  PRM_EVENT_TYPE_CQ_ERROR, 2), 0);
	c->drv_qp = qp_create(c, true);
	c->fw_qp = qp_create(c, false);
	if (connected) {
		qp_cmd(c, PRM_CMD_RST2INIT_QP, c->fw_qp, 0);
		qp_cmd(c, PRM_CMD_INIT2RTR_QP, c->fw_qp, c->drv_qp);
		qp_cmd(c, PRM_CMD_RTR2RTS_QP, c->fw_qp, 0);
		qp_cmd(c, PRM_CMD_RST2INIT_QP, c->drv_qp, 0);
		qp_cmd(c, PRM_CMD_INIT2RTR_QP, c->drv_qp, c->fw_qp);
	}
	pthread_mutex_lock(&c->fw->lock);
	fw_qp_notify_attach(c->fw, c->fw_qp, &c->n);
	pthread_mutex_unlock(&c->fw->lock);
	fw_notify_set_moderation(&c->n, &(struct fw_moderation){ 0 });
}

static void
chan_destroy(struct chan *c)
{
	fw_qp_notify_detach(&c->n);
	for (size_t i = 0; i < GUARD; i++) {
		assert_int_equal(c->cq_mem[i], CANARY);
		assert_int_equal(c->cq_mem[GUARD + 64 * ENTRIES + 8 + i], CANARY);
		assert_int_equal(c->qp_mem[i], CANARY);
		assert_int_equal(c->qp_mem[GUARD + 8 + i], CANARY);
	}
	emu_fw_unsubscribe_all(c->fw, &c->sink);
	assert_int_equal(fwt_destroy_by_id(c->fw, PRM_CMD_DESTROY_QP, c->fw_qp, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(c->fw, PRM_CMD_DESTROY_QP, c->drv_qp, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(c->fw, PRM_CMD_DESTROY_CQ, c->cq, NULL), 0);
	assert_int_equal(emu_fw_umem_dereg(c->fw, c->cq_umem), 0);
	assert_int_equal(emu_fw_umem_dereg(c->fw, c->qp_umem), 0);
	assert_int_equal(emu_fw_uar_free(c->fw, c->uar), 0);
	assert_int_equal(fwt_destroy_by_id(c->fw, PRM_CMD_DEALLOC_PD, c->pd, NULL), 0);
	fwt_destroy_checked(c->fw);
	free(c->cq_mem);
	free(c->qp_mem);
}

/* What a driver writes: receive WQEs posted, consumer index, arm request. */
static void
post(struct chan *c, uint16_t posted)
{
	PRM_SET(qp_doorbell_record, qp_dbr(c), rcv_counter, posted);
}

static void
set_ci(struct chan *c, uint32_t ci)
{
	PRM_SET(cq_doorbell_record, cq_dbr(c), update_ci, ci);
}

static void
arm(struct chan *c, uint32_t sn, uint32_t cmd, uint32_t ci)
{
	PRM_SET(cq_doorbell_record, cq_dbr(c), arm_sn, sn);
	PRM_SET(cq_doorbell_record, cq_dbr(c), arm_cmd, cmd);
	PRM_SET(cq_doorbell_record, cq_dbr(c), arm_ci, ci);
}

/* `done` completions in all by now (ns), reported as moderation allows. */
static void
complete(struct chan *c, uint64_t done, uint64_t now)
{
	fw_notify_update(c->fw, &c->n, done, now, false);
	if (c->keep_posted)	/* one WQE per CQE */
		post(c, (uint16_t)(c->fw->notify_stats.cqes + ENTRIES));
}

static void
assert_cqe(struct chan *c, unsigned int i, uint16_t wqe_counter, unsigned int owner)
{
	assert_int_equal(PRM_GET(cqe64, cqe(c, i), wqe_counter), wqe_counter);
	assert_int_equal(PRM_GET(cqe64, cqe(c, i), opcode), PRM_CQE_OPCODE_RESP_SEND);
	assert_int_equal(PRM_GET(cqe64, cqe(c, i), owner), owner);
	assert_int_equal(PRM_GET(cqe64, cqe(c, i), qpn), c->drv_qp);
}

static void
cqes_go_round_the_ring_with_the_owner_bit_and_wqe_counter(void **state)
{
	struct chan c;

	(void)state;
	chan_create(&c, false, true, true);
	c.keep_posted = true;
	post(&c, ENTRIES);
	for (unsigned int k = 0; k < ENTRIES + 1; k++)
		complete(&c, k + 1, 1000 * k);
	for (unsigned int i = 1; i < ENTRIES; i++)
		assert_cqe(&c, i, (uint16_t)i, 0);
	assert_cqe(&c, 0, ENTRIES, 1);	/* second pass over entry 0 */
	assert_int_equal(c.fw->notify_stats.cqes, ENTRIES + 1);
	chan_destroy(&c);
}

static void
a_collapsed_cq_writes_every_cqe_to_entry_0(void **state)
{
	struct chan c;

	(void)state;
	chan_create(&c, true, false, true);
	c.keep_posted = true;
	post(&c, ENTRIES);
	for (unsigned int k = 0; k < 3; k++) {
		complete(&c, k + 1, 1000 * k);
		set_ci(&c, k + 1);
		assert_int_equal(PRM_GET(cqe64, cqe(&c, 0), wqe_counter), k);
	}
	assert_int_equal(PRM_GET(cqe64, cqe(&c, 1), opcode), PRM_CQE_OPCODE_INVALID);
	chan_destroy(&c);
}

static void
one_event_per_arm_and_a_late_arm_fires_at_once(void **state)
{
	struct chan c;

	(void)state;
	chan_create(&c, true, true, true);
	c.keep_posted = true;
	post(&c, ENTRIES);
	/* A zeroed doorbell record is an arm with sequence number 0 for CQE index 0. */
	complete(&c, 1, 0);
	assert_int_equal(c.seen.comp, 1);
	assert_int_equal(c.seen.cqn, c.cq);
	complete(&c, 2, 1000);
	assert_int_equal(c.seen.comp, 1);	/* the arm was used up */
	arm(&c, 0, PRM_CQ_ARM_ALL, 2);		/* a stale sequence number */
	complete(&c, 3, 2000);
	assert_int_equal(c.seen.comp, 1);
	arm(&c, 1, PRM_CQ_ARM_SOLICITED, 3);	/* these CQEs are not solicited */
	complete(&c, 4, 3000);
	assert_int_equal(c.seen.comp, 1);
	arm(&c, 1, PRM_CQ_ARM_ALL, 4);		/* for the next CQE */
	complete(&c, 4, 4000);
	assert_int_equal(c.seen.comp, 1);
	complete(&c, 5, 5000);
	assert_int_equal(c.seen.comp, 2);
	complete(&c, 6, 6000);
	assert_int_equal(c.seen.comp, 2);
	arm(&c, 2, PRM_CQ_ARM_ALL, 5);		/* behind the CQEs written: fires without one */
	complete(&c, 6, 7000);
	assert_int_equal(c.seen.comp, 3);
	complete(&c, 6, 8000);
	assert_int_equal(c.seen.comp, 3);
	/*
	 * An arm counting one event more than raised: the arm before it was overwritten before
	 * the hardware read it; its event comes now, and this arm is live.
	 */
	arm(&c, 0, PRM_CQ_ARM_ALL, 6);
	complete(&c, 6, 9000);
	assert_int_equal(c.seen.comp, 4);
	complete(&c, 7, 10000);
	assert_int_equal(c.seen.comp, 5);
	assert_int_equal(c.fw->notify_stats.events, 5);
	chan_destroy(&c);
}

static void
a_report_waits_for_a_posted_receive_wqe(void **state)
{
	struct chan c;

	(void)state;
	chan_create(&c, true, true, true);
	complete(&c, 1, 0);
	assert_int_equal(c.fw->notify_stats.cqes, 0);
	assert_int_equal(c.fw->notify_stats.rnr_waits, 1);
	assert_int_equal(PRM_GET(cqe64, cqe(&c, 0), opcode), PRM_CQE_OPCODE_INVALID);
	post(&c, 1);
	complete(&c, 2, 1000);		/* both completions in one report */
	assert_int_equal(c.fw->notify_stats.cqes, 1);
	assert_int_equal(PRM_GET(cqe64, cqe(&c, 0), wqe_counter), 0);
	complete(&c, 3, 2000);		/* the one WQE is used */
	assert_int_equal(c.fw->notify_stats.cqes, 1);
	post(&c, 2);
	complete(&c, 3, 3000);		/* the held report goes out without a new completion */
	assert_int_equal(c.fw->notify_stats.cqes, 2);
	assert_int_equal(PRM_GET(cqe64, cqe(&c, 0), wqe_counter), 1);
	/* A QP reset starts its receive queue over. */
	qp_cmd(&c, PRM_CMD_2RST_QP, c.drv_qp, 0);
	post(&c, 4);
	complete(&c, 4, 4000);
	assert_int_equal(PRM_GET(cqe64, cqe(&c, 0), wqe_counter), 0);
	chan_destroy(&c);
}

static void
a_full_cq_without_overrun_ignore_goes_to_error_and_writes_nothing(void **state)
{
	uint8_t before[64 * ENTRIES];
	struct chan c;

	(void)state;
	chan_create(&c, false, false, true);
	c.keep_posted = true;
	post(&c, ENTRIES);
	for (unsigned int k = 0; k < ENTRIES; k++)
		complete(&c, k + 1, 1000 * k);
	assert_int_equal(c.seen.errors, 0);
	memcpy(before, cqe(&c, 0), sizeof(before));
	complete(&c, ENTRIES + 1, 10000);	/* the consumer index is still 0: no room */
	assert_int_equal(c.seen.errors, 1);
	assert_int_equal(c.seen.error_cqn, c.cq);
	assert_int_equal(c.seen.syndrome, PRM_CQ_ERROR_OVERRUN);
	set_ci(&c, ENTRIES);		/* too late: the CQ stays in error */
	complete(&c, ENTRIES + 2, 11000);
	assert_memory_equal(before, cqe(&c, 0), sizeof(before));
	assert_int_equal(c.seen.errors, 1);
	assert_int_equal(c.fw->notify_stats.cqes, ENTRIES);
	assert_int_equal(c.fw->notify_stats.cq_errors, 1);
	assert_int_equal(c.fw->notify_stats.dropped, 2);
	chan_destroy(&c);
}

static void
a_consumed_cq_has_room_again(void **state)
{
	struct chan c;

	(void)state;
	chan_create(&c, false, false, true);
	c.keep_posted = true;
	post(&c, ENTRIES);
	for (unsigned int k = 0; k < 3 * ENTRIES; k++) {
		complete(&c, k + 1, 1000 * k);
		set_ci(&c, k + 1);
	}
	assert_int_equal(c.seen.errors, 0);
	assert_int_equal(c.fw->notify_stats.cqes, 3 * ENTRIES);
	chan_destroy(&c);
}

static void
an_unconnected_event_qp_drops_reports(void **state)
{
	struct chan c;

	(void)state;
	chan_create(&c, true, true, false);
	assert_null(c.n.cq);
	c.keep_posted = true;
	post(&c, ENTRIES);
	complete(&c, 1, 0);
	assert_int_equal(c.fw->notify_stats.cqes, 0);
	assert_int_equal(c.fw->notify_stats.dropped, 1);
	assert_int_equal(c.seen.comp, 0);
	chan_destroy(&c);
}

static void
moderation_holds_reports_for_the_period_or_the_count(void **state)
{
	struct chan c;
	const uint64_t us = 1000;

	(void)state;
	chan_create(&c, true, true, true);
	c.keep_posted = true;
	post(&c, ENTRIES);
	fw_notify_set_moderation(&c.n, &(struct fw_moderation){
		.mode = PRM_VIRTQ_PERIOD_MODE_FROM_FIRST, .period_us = 100, .max_count = 8 });
	complete(&c, 1, 0);
	complete(&c, 2, 50 * us);
	complete(&c, 2, 99 * us);
	assert_int_equal(c.fw->notify_stats.cqes, 0);
	complete(&c, 2, 100 * us);		/* 100 us after the first */
	assert_int_equal(c.fw->notify_stats.cqes, 1);
	complete(&c, 9, 110 * us);		/* 7 pending: under the count */
	assert_int_equal(c.fw->notify_stats.cqes, 1);
	complete(&c, 10, 111 * us);		/* 8: at once */
	assert_int_equal(c.fw->notify_stats.cqes, 2);
	/* From the last completion: each one restarts the period. */
	fw_notify_set_moderation(&c.n, &(struct fw_moderation){
		.mode = PRM_VIRTQ_PERIOD_MODE_FROM_LAST, .period_us = 100 });
	complete(&c, 11, 200 * us);
	complete(&c, 12, 290 * us);
	complete(&c, 12, 350 * us);
	assert_int_equal(c.fw->notify_stats.cqes, 2);
	complete(&c, 12, 390 * us);
	assert_int_equal(c.fw->notify_stats.cqes, 3);
	/* A stopping queue reports what is held. */
	complete(&c, 13, 400 * us);
	fw_notify_update(c.fw, &c.n, 13, 401 * us, true);
	assert_int_equal(c.fw->notify_stats.cqes, 4);
	chan_destroy(&c);
}

static void
moderation_due_table(void **state)
{
	static const struct {
		struct fw_moderation m;
		uint32_t pending;
		uint64_t first, last, now;
		bool due;
	} rows[] = {
		{ { 0, 0, 0 }, 0, 0, 0, 0, false },		/* nothing pending */
		{ { 0, 0, 0 }, 1, 0, 0, 0, true },		/* no moderation */
		{ { 1, 0, 16 }, 1, 0, 0, 0, true },		/* a count without a period */
		{ { 1, 10, 0 }, 5, 0, 5000, 9999, false },
		{ { 1, 10, 0 }, 5, 0, 5000, 10000, true },
		{ { 0, 10, 0 }, 5, 0, 5000, 10000, true },	/* default: from the first */
		{ { 2, 10, 0 }, 5, 0, 5000, 14999, false },
		{ { 2, 10, 0 }, 5, 0, 5000, 15000, true },
		{ { 2, 10, 4 }, 4, 0, 5000, 5000, true },	/* the count */
		{ { 2, 10, 4 }, 3, 0, 5000, 5000, false },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		assert_int_equal(fw_moderation_due(&rows[i].m, rows[i].pending, rows[i].first,
						   rows[i].last, rows[i].now), rows[i].due);
}

static void
doorbell_records_must_be_dword_aligned(void **state)
{
	struct chan c;
	uint8_t in[PRM_SIZE(create_cq_in)] = { 0 }, out[16];
	void *cqc = PRM_ADDR(create_cq_in, in, cq_context);
	uint32_t eqn, synd;

	(void)state;
	chan_create(&c, true, true, true);
	assert_int_equal(emu_fw_query_eqn(c.fw, 0, &eqn), 0);
	PRM_SET(create_cq_in, in, opcode, PRM_CMD_CREATE_CQ);
	PRM_SET(create_cq_in, in, cq_umem_id, c.cq_umem);
	PRM_SET(cqc, cqc, log_cq_size, 0);
	PRM_SET(cqc, cqc, uar_page, c.uar);
	PRM_SET(cqc, cqc, c_eqn, eqn);
	PRM_SET(cqc, cqc, dbr_umem_id, c.cq_umem);
	PRM_SET(cqc, cqc, dbr_addr, 64 * ENTRIES - 6);	/* inside the umem, not aligned */
	assert_int_equal(fwt_exec(c.fw, in, sizeof(in), out, sizeof(out), &synd),
			 PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_BAD_FIELD);
	chan_destroy(&c);
}

/* The trace file's records, read back after the trace stopped; their count in n. */
static struct fw_trace_record *
trace_read(const char *path, size_t *n)
{
	struct fw_trace_record *r = calloc(64, sizeof(*r));
	FILE *f = fopen(path, "r");

	assert_non_null(r);
	assert_non_null(f);
	*n = fread(r, sizeof(*r), 64, f);
	fclose(f);
	unlink(path);
	return r;
}

static void
the_trace_stamps_each_cqe_and_event_in_order(void **state)
{
	char path[] = "/tmp/fw-trace-XXXXXX";
	int fd = mkstemp(path);
	struct fw_trace_record *r;
	uint64_t t0;
	struct chan c;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	chan_create(&c, true, true, true);
	assert_int_equal(emu_fw_trace_start(c.fw, path, 5, false), 0);
	c.keep_posted = true;
	post(&c, ENTRIES);
	t0 = hw_clock_ns();
	complete(&c, 1, 0);		/* armed (a zeroed doorbell record): a CQE and its event */
	complete(&c, 2, 1000);		/* the arm was used up: a CQE only */
	emu_fw_trace_stop(c.fw);
	r = trace_read(path, &n);
	assert_int_equal(n, 3);		/* no VAR page: the watcher never scanned */
	assert_int_equal(r[0].kind, FW_TRACE_CQE);
	assert_int_equal(r[1].kind, FW_TRACE_EVENT);
	assert_int_equal(r[2].kind, FW_TRACE_CQE);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(r[i].arg, c.cq);
		assert_int_equal(r[i].function, 5);
		assert_true(r[i].t_ns >= (i ? r[i - 1].t_ns : t0));
	}
	assert_true(r[2].t_ns <= hw_clock_ns());
	free(r);
	chan_destroy(&c);
}

/* Waits (5 s at most) until the watcher took the doorbell word back to its sentinel. */
static void
wait_doorbell_seen(volatile uint32_t *db)
{
	for (int i = 0; i < 5000 && *db != FW_TRACE_DB_IDLE; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 1000000 }, NULL);
	assert_int_equal(*db, FW_TRACE_DB_IDLE);
}

/* A function tracing into a new file at `path` (a mkstemp template), with one VAR page. */
static struct emu_fw *
traced_with_var_page(char *path, uint16_t function, bool trap, uint32_t *page, uint32_t *len,
		     uint64_t *off)
{
	int fd = mkstemp(path);
	struct emu_fw *fw = fwt_create("cx6dx");

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(emu_fw_trace_start(fw, path, function, trap), 0);
	assert_int_equal(emu_fw_var_alloc(fw, page, len, off), 0);
	return fw;
}

static void
the_trace_stamps_doorbells_written_to_a_var_page_but_not_its_initial_zero(void **state)
{
	char path[] = "/tmp/fw-trace-XXXXXX";
	uint32_t page, len;
	uint64_t off, t0, t1;
	struct emu_fw *fw = traced_with_var_page(path, 2, false, &page, &len, &off);
	struct fw_trace_record *r;
	volatile uint32_t *db;
	uint8_t *bar;
	size_t n;

	(void)state;
	bar = mmap(NULL, off + len, PROT_READ | PROT_WRITE, MAP_SHARED, emu_fw_bar_fd(fw), 0);
	assert_true(bar != MAP_FAILED);
	db = (volatile uint32_t *)(void *)(bar + off);
	nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);	/* a few scans */
	t0 = hw_clock_ns();
	*db = 5;
	wait_doorbell_seen(db);
	*db = 0;
	wait_doorbell_seen(db);
	t1 = hw_clock_ns();
	assert_int_equal(emu_fw_var_free(fw, page), 0);
	*db = 9;			/* no longer a VAR page: not watched */
	nanosleep(&(struct timespec){ .tv_nsec = 20000000 }, NULL);
	emu_fw_trace_stop(fw);
	munmap(bar, off + len);
	r = trace_read(path, &n);
	assert_int_equal(n, 3);
	assert_int_equal(r[0].kind, FW_TRACE_DOORBELL);
	assert_int_equal(r[0].arg, 5);
	assert_int_equal(r[1].kind, FW_TRACE_DOORBELL);
	assert_int_equal(r[1].arg, 0);
	assert_int_equal(r[0].function, 2);
	assert_true(r[0].t_ns >= t0 && r[0].t_ns <= r[1].t_ns && r[1].t_ns <= t1);
	assert_int_equal(r[2].kind, FW_TRACE_WATCH_PERIOD);
	assert_true(r[2].arg > 0);
	free(r);
	fwt_destroy_checked(fw);
}

/* Waits (2 s at most) until the trace's watcher has `n` doorbell words trapped. */
static void
wait_traps_armed(struct emu_fw *fw, unsigned int n)
{
	for (int i = 0; i < 200 && __atomic_load_n(&fw->trace.traps_armed, __ATOMIC_ACQUIRE) != n; i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	assert_int_equal(__atomic_load_n(&fw->trace.traps_armed, __ATOMIC_ACQUIRE), n);
}

/* The driver's mapping write-trapped (fw_doorbell_trap.h): every write stamped, none after the free. */
static void
a_trapping_trace_stamps_every_write_of_the_drivers_doorbell_mapping(void **state)
{
	char path[] = "/tmp/fw-trace-XXXXXX";
	uint32_t page, len;
	uint64_t off, t0, t1;
	struct emu_fw *fw = traced_with_var_page(path, 3, true, &page, &len, &off);
	struct fw_trace_record *r;
	volatile uint32_t *db;
	void *map;
	size_t n;

	(void)state;
	/* As a driver maps it: the VAR page alone, at its offset. */
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, emu_fw_bar_fd(fw), (off_t)off);
	assert_true(map != MAP_FAILED);
	db = map;
	wait_traps_armed(fw, 1);
	t0 = hw_clock_ns();
	*db = 5;
	*db = 6;		/* back to back: the poller would see one, a trap sees both */
	*db = 6;
	t1 = hw_clock_ns();
	assert_int_equal(emu_fw_var_free(fw, page), 0);
	wait_traps_armed(fw, 0);
	*db = 9;		/* no longer a VAR page: not trapped */
	emu_fw_trace_stop(fw);
	munmap(map, len);
	r = trace_read(path, &n);
	assert_int_equal(n, 5);
	assert_int_equal(r[0].kind, FW_TRACE_TRAP_DELAY);
	assert_true(r[0].arg > 0);
	assert_int_equal(r[1].kind, FW_TRACE_TRAP_COST);
	assert_true(r[1].arg > 0);
	for (size_t i = 2; i < 5; i++) {
		assert_int_equal(r[i].kind, FW_TRACE_DOORBELL_TRAPPED);
		assert_int_equal(r[i].arg, page);
		assert_int_equal(r[i].function, 3);
		assert_true(r[i].t_ns >= (i > 2 ? r[i - 1].t_ns : t0) && r[i].t_ns <= t1);
	}
	free(r);
	fwt_destroy_checked(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cqes_go_round_the_ring_with_the_owner_bit_and_wqe_counter),
		cmocka_unit_test(a_collapsed_cq_writes_every_cqe_to_entry_0),
		cmocka_unit_test(one_event_per_arm_and_a_late_arm_fires_at_once),
		cmocka_unit_test(a_report_waits_for_a_posted_receive_wqe),
		cmocka_unit_test(a_full_cq_without_overrun_ignore_goes_to_error_and_writes_nothing),
		cmocka_unit_test(a_consumed_cq_has_room_again),
		cmocka_unit_test(an_unconnected_event_qp_drops_reports),
		cmocka_unit_test(moderation_holds_reports_for_the_period_or_the_count),
		cmocka_unit_test(moderation_due_table),
		cmocka_unit_test(doorbell_records_must_be_dword_aligned),
		cmocka_unit_test(the_trace_stamps_each_cqe_and_event_in_order),
		cmocka_unit_test(the_trace_stamps_doorbells_written_to_a_var_page_but_not_its_initial_zero),
		cmocka_unit_test(a_trapping_trace_stamps_every_write_of_the_drivers_doorbell_mapping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
