/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion queues and queue pairs. vDPA drivers use them as the notification channel of a
 * virtq in QP event mode: the firmware's QP reports completions to the driver's RC QP, whose CQ
 * raises completion events. The QP state machine is a pure function (fw_qp_next_state).
 */
#include <stdlib.h>

#include "fw_internal.h"
#include "fw_notify.h"
#include "fw_states.h"
#include "prm_cq_qp.h"

struct fw_cq {
	struct fw_obj obj;
	uint8_t log_size;
	uint8_t cqe_size;	/* bytes */
	uint32_t eqn;
	uint32_t uar;
	struct fw_obj *buf;	/* umem of the CQE ring */
	uint64_t buf_off;
	struct fw_obj *dbr;	/* umem of the doorbell record */
	uint64_t dbr_off;
	struct fw_cq_hw hw;	/* where the hardware writes CQEs */
	bool hw_ready;
};

struct fw_qp {
	struct fw_obj obj;
	enum prm_qp_state state;
	uint32_t remote_qpn;
	struct fw_obj *pd;
	struct fw_obj *cq_rcv;
	struct fw_obj *cq_snd;
	struct fw_obj *wq;	/* umem of the work queues, when any */
	struct fw_obj *dbr;
	uint8_t log_rq_size;
	bool no_sq;
	struct fw_rq_hw rq;	/* with a receive queue and a doorbell record: rq.dbr set */
};

static void
cq_release(struct emu_fw *fw, struct fw_obj *obj)
{
	struct fw_cq *cq = (struct fw_cq *)obj;

	(void)fw;
	if (cq->hw_ready)
		fw_cq_hw_fini(&cq->hw);
	fw_obj_put(cq->buf);
	fw_obj_put(cq->dbr);
}

/* Takes a reference on the umem `id` if [off, off + need) lies inside it. */
static struct fw_obj *
umem_range(struct fw_cmd *c, uint32_t id, uint64_t off, uint64_t need, uint8_t *st)
{
	struct fw_obj *o = fw_obj_lookup(c, EMU_OBJ_UMEM, id, st);
	struct fw_umem *u = (struct fw_umem *)o;

	if (o == NULL)
		return NULL;
	if (off > u->size || need > u->size - off) {
		*st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_RANGE);
		return NULL;
	}
	fw_obj_get(o);
	return o;
}

/*
 * The host address of a doorbell record (8 bytes at off in umem o): dword-aligned, so that its
 * dwords, which the driver writes while the hardware reads, are read whole.
 */
static uint8_t *
dbr_host(struct fw_cmd *c, struct fw_obj *o, uint64_t off, uint8_t *st)
{
	uint8_t *p = ((struct fw_umem *)o)->addr + off;

	if ((uintptr_t)p % 4 != 0) {
		*st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		return NULL;
	}
	return p;
}

uint8_t
fw_create_cq(struct fw_cmd *c)
{
	const void *cqc = PRM_ADDR(create_cq_in, c->in, cq_context);
	const struct emu_fw_profile *p = c->fw->profile;
	struct fw_cq *cq;
	uint8_t st = PRM_STATUS_OK;
	uint32_t eqn = (uint32_t)PRM_GET(cqc, cqc, c_eqn);
	unsigned int cqe_sz = (unsigned int)PRM_GET(cqc, cqc, cqe_sz);

	cq = calloc(1, sizeof(*cq));
	if (cq == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	cq->obj.release = cq_release;
	cq->log_size = (uint8_t)PRM_GET(cqc, cqc, log_cq_size);
	cq->uar = (uint32_t)PRM_GET(cqc, cqc, uar_page);
	cq->eqn = eqn;
	if (cq->log_size > p->log_max_cq_sz) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_LIMIT);
		goto free_cq;
	}
	if (cqe_sz > PRM_CQE_SIZE_128) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		goto free_cq;
	}
	cq->cqe_size = cqe_sz == PRM_CQE_SIZE_64 ? 64 : 128;
	if (eqn < FW_FIRST_EQN || eqn >= FW_FIRST_EQN + p->eq_vectors || !fw_uar_valid(c->fw, cq->uar)) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		goto free_cq;
	}
	/* The kernel marks umem-backed queues valid; an id is enough to name the umem here. */
	cq->buf_off = PRM_GET(create_cq_in, c->in, cq_umem_offset);
	cq->buf = umem_range(c, (uint32_t)PRM_GET(create_cq_in, c->in, cq_umem_id), cq->buf_off,
			     (uint64_t)cq->cqe_size << cq->log_size, &st);
	if (cq->buf == NULL)
		goto free_cq;
	cq->dbr_off = PRM_GET(cqc, cqc, dbr_addr);
	cq->dbr = umem_range(c, (uint32_t)PRM_GET(cqc, cqc, dbr_umem_id), cq->dbr_off, 8, &st);
	if (cq->dbr == NULL)
		goto free_cq;
	cq->hw.buf = ((struct fw_umem *)cq->buf)->addr + cq->buf_off;
	cq->hw.dbr = dbr_host(c, cq->dbr, cq->dbr_off, &st);
	if (cq->hw.dbr == NULL)
		goto free_cq;
	/* CQEs are written a dword at a time too. */
	if ((uintptr_t)cq->hw.buf % 4 != 0) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		goto free_cq;
	}
	cq->hw.log_size = cq->log_size;
	cq->hw.cqe_size = cq->cqe_size;
	cq->hw.collapsed = PRM_GET(cqc, cqc, cc);
	cq->hw.overrun_ignore = PRM_GET(cqc, cqc, oi);
	if (fw_cq_hw_init(&cq->hw, 0) < 0) {
		st = fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
		goto free_cq;
	}
	cq->hw_ready = true;
	if (fw_obj_insert(c->fw, &cq->obj, EMU_OBJ_CQ, c->uid) < 0) {
		st = fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
		goto free_cq;
	}
	cq->hw.cqn = cq->obj.id;
	PRM_SET(create_cq_out, c->out, cqn, cq->obj.id);
	return PRM_STATUS_OK;

free_cq:
	cq_release(c->fw, &cq->obj);
	free(cq);
	return st;
}

uint8_t
fw_destroy_cq(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_CQ, (uint32_t)PRM_GET(destroy_cq_in, c->in, cqn));
}

static void
qp_release(struct emu_fw *fw, struct fw_obj *obj)
{
	struct fw_qp *qp = (struct fw_qp *)obj;

	(void)fw;
	fw_obj_put(qp->pd);
	fw_obj_put(qp->cq_rcv);
	fw_obj_put(qp->cq_snd);
	fw_obj_put(qp->wq);
	fw_obj_put(qp->dbr);
}

static struct fw_obj *
optional_ref(struct fw_cmd *c, enum emu_obj_kind kind, uint32_t id, uint8_t *st, bool *failed)
{
	struct fw_obj *o;

	if (id == 0)
		return NULL;
	o = fw_obj_lookup(c, kind, id, st);
	if (o == NULL)
		*failed = true;
	else
		fw_obj_get(o);
	return o;
}

uint8_t
fw_create_qp(struct fw_cmd *c)
{
	const void *qpc = PRM_ADDR(create_qp_in, c->in, qpc);
	struct fw_qp *qp;
	uint8_t st = PRM_STATUS_OK;
	bool failed = false;

	qp = calloc(1, sizeof(*qp));
	if (qp == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	qp->obj.release = qp_release;
	qp->state = PRM_QP_STATE_RST;
	qp->log_rq_size = (uint8_t)PRM_GET(qpc, qpc, log_rq_size);
	qp->no_sq = PRM_GET(qpc, qpc, no_sq);
	if (PRM_GET(qpc, qpc, st) != PRM_QP_ST_RC || qp->log_rq_size > c->fw->profile->log_max_qp_sz) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		goto free_qp;
	}
	qp->pd = fw_obj_lookup(c, EMU_OBJ_PD, (uint32_t)PRM_GET(qpc, qpc, pd), &st);
	if (qp->pd == NULL)
		goto free_qp;
	fw_obj_get(qp->pd);
	qp->cq_rcv = optional_ref(c, EMU_OBJ_CQ, (uint32_t)PRM_GET(qpc, qpc, cqn_rcv), &st, &failed);
	qp->cq_snd = optional_ref(c, EMU_OBJ_CQ, (uint32_t)PRM_GET(qpc, qpc, cqn_snd), &st, &failed);
	qp->wq = optional_ref(c, EMU_OBJ_UMEM, (uint32_t)PRM_GET(create_qp_in, c->in, wq_umem_id),
			      &st, &failed);
	qp->dbr = optional_ref(c, EMU_OBJ_UMEM, (uint32_t)PRM_GET(qpc, qpc, dbr_umem_id), &st,
			       &failed);
	if (failed)
		goto free_qp;
	/* The driver's end of a channel: a receive queue whose posted WQEs the hardware counts. */
	if (qp->dbr != NULL && qp->cq_rcv != NULL &&
	    PRM_GET(qpc, qpc, rq_type) == PRM_QP_RQ_TYPE_REGULAR) {
		uint64_t off = PRM_GET(qpc, qpc, dbr_addr);
		struct fw_umem *u = (struct fw_umem *)qp->dbr;

		if (off > u->size || u->size - off < PRM_SIZE(qp_doorbell_record)) {
			st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UMEM_RANGE);
			goto free_qp;
		}
		qp->rq.dbr = dbr_host(c, qp->dbr, off, &st);
		if (qp->rq.dbr == NULL)
			goto free_qp;
		qp->rq.size = 1u << qp->log_rq_size;
	}
	if (PRM_GET(qpc, qpc, uar_page) && !fw_uar_valid(c->fw, (uint32_t)PRM_GET(qpc, qpc, uar_page))) {
		st = fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		goto free_qp;
	}
	if (fw_obj_insert(c->fw, &qp->obj, EMU_OBJ_QP, c->uid) < 0) {
		st = fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
		goto free_qp;
	}
	PRM_SET(create_qp_out, c->out, qpn, qp->obj.id);
	return PRM_STATUS_OK;

free_qp:
	qp_release(c->fw, &qp->obj);
	free(qp);
	return st;
}

uint8_t
fw_destroy_qp(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_QP, (uint32_t)PRM_GET(destroy_qp_in, c->in, qpn));
}

int
fw_qp_next_state(uint16_t opcode, enum prm_qp_state from, enum prm_qp_state *to)
{
	switch (opcode) {
	case PRM_CMD_RST2INIT_QP:
		*to = PRM_QP_STATE_INIT;
		return from == PRM_QP_STATE_RST ? 0 : -1;
	case PRM_CMD_INIT2INIT_QP:
		*to = PRM_QP_STATE_INIT;
		return from == PRM_QP_STATE_INIT ? 0 : -1;
	case PRM_CMD_INIT2RTR_QP:
		*to = PRM_QP_STATE_RTR;
		return from == PRM_QP_STATE_INIT ? 0 : -1;
	case PRM_CMD_RTR2RTS_QP:
		*to = PRM_QP_STATE_RTS;
		return from == PRM_QP_STATE_RTR ? 0 : -1;
	case PRM_CMD_RTS2RTS_QP:
		*to = PRM_QP_STATE_RTS;
		return from == PRM_QP_STATE_RTS ? 0 : -1;
	case PRM_CMD_2RST_QP:
		*to = PRM_QP_STATE_RST;
		return 0;
	case PRM_CMD_2ERR_QP:
		*to = PRM_QP_STATE_ERR;
		return 0;
	default:
		return -1;
	}
}

uint8_t
fw_qp_transition(struct fw_cmd *c)
{
	uint16_t opcode = (uint16_t)PRM_GET(cmd_in_hdr, c->in, opcode);
	uint8_t st = PRM_STATUS_OK;
	/* Every transition command names the QP in the same place (bits 0x48..0x5f). */
	struct fw_obj *o = fw_obj_lookup(c, EMU_OBJ_QP, (uint32_t)PRM_GET(qp_2rst_in, c->in, qpn), &st);
	struct fw_qp *qp = (struct fw_qp *)o;
	enum prm_qp_state to;

	if (o == NULL)
		return st;
	if (fw_qp_next_state(opcode, qp->state, &to) < 0)
		return fw_fail(c, PRM_STATUS_BAD_QP_STATE, EMU_SYND_BAD_QP_STATE);
	if (opcode == PRM_CMD_INIT2RTR_QP) {
		const void *qpc = PRM_ADDR(init2rtr_qp_in, c->in, qpc);
		uint32_t remote = (uint32_t)PRM_GET(qpc, qpc, remote_qpn);

		/* The notification channel connects two QPs of the same function. */
		if (fw_obj_lookup(c, EMU_OBJ_QP, remote, &st) == NULL)
			return st;
		qp->remote_qpn = remote;
	}
	if (to == PRM_QP_STATE_RST && qp->rq.dbr != NULL)
		fw_rq_hw_reset(&((struct fw_cq *)qp->cq_rcv)->hw, &qp->rq);
	qp->state = to;
	return PRM_STATUS_OK;
}

uint8_t
fw_query_qp(struct fw_cmd *c)
{
	uint8_t st = PRM_STATUS_OK;
	struct fw_obj *o = fw_obj_lookup(c, EMU_OBJ_QP, (uint32_t)PRM_GET(query_qp_in, c->in, qpn), &st);
	struct fw_qp *qp = (struct fw_qp *)o;
	void *qpc = PRM_ADDR(query_qp_out, c->out, qpc);

	if (o == NULL)
		return st;
	PRM_SET(qpc, qpc, state, qp->state);
	PRM_SET(qpc, qpc, st, PRM_QP_ST_RC);
	PRM_SET(qpc, qpc, pd, qp->pd->id);
	PRM_SET(qpc, qpc, remote_qpn, qp->remote_qpn);
	PRM_SET(qpc, qpc, log_rq_size, qp->log_rq_size);
	PRM_SET(qpc, qpc, no_sq, qp->no_sq);
	if (qp->cq_rcv)
		PRM_SET(qpc, qpc, cqn_rcv, qp->cq_rcv->id);
	if (qp->cq_snd)
		PRM_SET(qpc, qpc, cqn_snd, qp->cq_snd->id);
	return PRM_STATUS_OK;
}

void
fw_qp_notify_attach(struct emu_fw *fw, uint32_t fw_qpn, struct fw_notify *n)
{
	struct fw_qp *qp = (struct fw_qp *)fw_obj_find(fw, EMU_OBJ_QP, fw_qpn);
	struct fw_qp *peer;

	n->pinned = NULL;
	n->cq = NULL;
	n->rq = NULL;
	if (qp == NULL || qp->remote_qpn == 0)
		return;
	peer = (struct fw_qp *)fw_obj_find(fw, EMU_OBJ_QP, qp->remote_qpn);
	if (peer == NULL || peer->rq.dbr == NULL)
		return;
	fw_obj_get(&peer->obj);
	n->pinned = &peer->obj;
	n->cq = &((struct fw_cq *)peer->cq_rcv)->hw;
	n->rq = &peer->rq;
	n->qpn = peer->obj.id;
}

void
fw_qp_notify_detach(struct fw_notify *n)
{
	fw_obj_put(n->pinned);
	n->pinned = NULL;
	n->cq = NULL;
	n->rq = NULL;
}
