/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion queue and the RC queue-pair couple that carries a virtq's completion events in QP
 * event mode: the firmware's QP (no receive queue) sends to the driver's QP, whose CQ the PMD
 * polls or arms.
 */
#include <errno.h>
#include <string.h>

#include "devx_cmd.h"
#include "prm_cmd.h"
#include "prm_cq_qp.h"

/* Values of qpc fields the layout header has no names for (PRM). */
#define QP_PM_MIGRATED 0x3
#define QP_RQ_REGULAR 0x0
#define QP_RQ_ZERO_LEN 0x3
#define QP_MTU_256 0x1
#define QP_LOG_MSG_MAX 30
#define QP_ACK_TIMEOUT 16	/* 4.096 us * 2^16: the RC default */
#define QP_RETRY_MAX 7
/* log_rq_stride counts 16-byte units above the minimum of 16 bytes */
#define QP_RQ_STRIDE_BASE 4

void
devx_cq_create_encode(void *in, const struct devx_cq_attr *attr)
{
	void *cqc = PRM_ADDR(create_cq_in, in, cq_context);

	memset(in, 0, PRM_SIZE(create_cq_in));
	PRM_SET(create_cq_in, in, opcode, PRM_CMD_CREATE_CQ);
	PRM_SET(create_cq_in, in, cq_umem_valid, 1);
	PRM_SET(create_cq_in, in, cq_umem_id, attr->umem_id);
	PRM_SET(create_cq_in, in, cq_umem_offset, attr->umem_offset);
	PRM_SET(cqc, cqc, dbr_umem_valid, 1);
	PRM_SET(cqc, cqc, dbr_umem_id, attr->db_umem_id);
	PRM_SET(cqc, cqc, dbr_addr, attr->db_offset);
	PRM_SET(cqc, cqc, cqe_sz, PRM_CQE_SIZE_64);
	PRM_SET(cqc, cqc, oi, attr->overrun_ignore);
	PRM_SET(cqc, cqc, cc, attr->collapsed);
	PRM_SET(cqc, cqc, log_cq_size, attr->log_size);
	PRM_SET(cqc, cqc, uar_page, attr->uar_page);
	PRM_SET(cqc, cqc, c_eqn, attr->eqn);
	PRM_SET(cqc, cqc, log_page_size, attr->log_page_size);
}

int
devx_cq_create(struct ibv_context *ctx, const struct devx_cq_attr *attr, struct devx_obj *cq)
{
	uint8_t in[PRM_SIZE(create_cq_in)];
	uint8_t out[PRM_SIZE(create_cq_out)];
	int ret;

	devx_cq_create_encode(in, attr);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), cq);
	if (ret == 0)
		cq->id = (uint32_t)PRM_GET(create_cq_out, out, cqn);
	return ret;
}

void
devx_qp_create_encode(void *in, const struct devx_qp_attr *attr)
{
	void *qpc = PRM_ADDR(create_qp_in, in, qpc);

	memset(in, 0, PRM_SIZE(create_qp_in));
	PRM_SET(create_qp_in, in, opcode, PRM_CMD_CREATE_QP);
	PRM_SET(qpc, qpc, st, PRM_QP_ST_RC);
	PRM_SET(qpc, qpc, pm_state, QP_PM_MIGRATED);
	PRM_SET(qpc, qpc, pd, attr->pdn);
	PRM_SET(qpc, qpc, no_sq, 1);
	if (attr->fw) {
		PRM_SET(qpc, qpc, rq_type, QP_RQ_ZERO_LEN);
		return;
	}
	PRM_SET(qpc, qpc, uar_page, attr->uar_page);
	PRM_SET(qpc, qpc, cqn_rcv, attr->cqn);
	PRM_SET(qpc, qpc, rq_type, QP_RQ_REGULAR);
	PRM_SET(qpc, qpc, log_rq_size, attr->log_rq_size);
	PRM_SET(qpc, qpc, log_rq_stride, attr->log_rq_stride - QP_RQ_STRIDE_BASE);
	PRM_SET(qpc, qpc, log_page_size, attr->log_page_size);
	PRM_SET(qpc, qpc, dbr_umem_valid, 1);
	PRM_SET(qpc, qpc, dbr_umem_id, attr->db_umem_id);
	PRM_SET(qpc, qpc, dbr_addr, attr->db_offset);
	PRM_SET(create_qp_in, in, wq_umem_valid, 1);
	PRM_SET(create_qp_in, in, wq_umem_id, attr->wq_umem_id);
	PRM_SET(create_qp_in, in, wq_umem_offset, attr->wq_umem_offset);
}

int
devx_qp_create(struct ibv_context *ctx, const struct devx_qp_attr *attr, struct devx_obj *qp)
{
	uint8_t in[PRM_SIZE(create_qp_in)];
	uint8_t out[PRM_SIZE(create_qp_out)];
	int ret;

	if (!attr->fw && attr->log_rq_stride < QP_RQ_STRIDE_BASE)
		return -EINVAL;
	devx_qp_create_encode(in, attr);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), qp);
	if (ret == 0)
		qp->id = (uint32_t)PRM_GET(create_qp_out, out, qpn);
	return ret;
}

/*
 * The four transition inputs share their layout up to the QP context (opcode, qpn, opt_param_
 * mask, qpc), so one layout encodes them; 2RST carries no context.
 */
size_t
devx_qp_modify_encode(void *in, size_t inlen, uint32_t qpn, enum devx_qp_transition t,
		      uint32_t remote_qpn)
{
	void *qpc = PRM_ADDR(rst2init_qp_in, in, qpc);
	void *ads = PRM_ADDR(qpc, qpc, primary_address_path);

	memset(in, 0, inlen);
	switch (t) {
	case DEVX_QP_RST2INIT:
		PRM_SET(rst2init_qp_in, in, opcode, PRM_CMD_RST2INIT_QP);
		PRM_SET(rst2init_qp_in, in, qpn, qpn);
		PRM_SET(ads, ads, vhca_port_num, 1);
		PRM_SET(qpc, qpc, rre, 1);
		PRM_SET(qpc, qpc, rwe, 1);
		PRM_SET(qpc, qpc, pm_state, QP_PM_MIGRATED);
		return PRM_SIZE(rst2init_qp_in);
	case DEVX_QP_INIT2RTR:
		PRM_SET(rst2init_qp_in, in, opcode, PRM_CMD_INIT2RTR_QP);
		PRM_SET(rst2init_qp_in, in, qpn, qpn);
		/* the pair lives on one function: force loopback, no address resolution */
		PRM_SET(ads, ads, fl, 1);
		PRM_SET(ads, ads, vhca_port_num, 1);
		PRM_SET(qpc, qpc, mtu, QP_MTU_256);
		PRM_SET(qpc, qpc, log_msg_max, QP_LOG_MSG_MAX);
		PRM_SET(qpc, qpc, remote_qpn, remote_qpn);
		return PRM_SIZE(rst2init_qp_in);
	case DEVX_QP_RTR2RTS:
		PRM_SET(rst2init_qp_in, in, opcode, PRM_CMD_RTR2RTS_QP);
		PRM_SET(rst2init_qp_in, in, qpn, qpn);
		PRM_SET(ads, ads, ack_timeout, QP_ACK_TIMEOUT);
		PRM_SET(qpc, qpc, retry_count, QP_RETRY_MAX);
		PRM_SET(qpc, qpc, rnr_retry, QP_RETRY_MAX);
		return PRM_SIZE(rst2init_qp_in);
	case DEVX_QP_2RST:
		PRM_SET(qp_2rst_in, in, opcode, PRM_CMD_2RST_QP);
		PRM_SET(qp_2rst_in, in, qpn, qpn);
		return PRM_SIZE(qp_2rst_in);
	}
	return 0;
}

int
devx_qp_modify(struct devx_obj *qp, enum devx_qp_transition t, uint32_t remote_qpn)
{
	uint8_t in[PRM_SIZE(rst2init_qp_in)];
	uint8_t out[PRM_SIZE(rst2init_qp_out)];
	size_t inlen;

	inlen = devx_qp_modify_encode(in, sizeof(in), qp->id, t, remote_qpn);
	if (inlen == 0)
		return -EINVAL;
	return devx_obj_modify(qp, in, inlen, out, sizeof(out));
}
