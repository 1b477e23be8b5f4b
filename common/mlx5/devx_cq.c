/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's side of a notification CQ's data path: reading the CQE the hardware wrote, and
 * the doorbell records (consumer index, arm, posted receive WQEs) and the UAR doorbell it
 * writes. The hardware reads these while they change, so each dword is stored whole, in the
 * order the PRM wants (doorbell record before the UAR doorbell).
 */
#include <string.h>

#include "devx_cmd.h"
#include "prm_cq_qp.h"

static void
store_dword(void *dst, const uint8_t *src)
{
	uint32_t dw;

	memcpy(&dw, src, 4);
	/* Release: what the driver did before (consumed CQEs, posted WQEs) precedes it. */
	__atomic_store_n((uint32_t *)dst, dw, __ATOMIC_RELEASE);
}

void
devx_cqe_collapsed_init(void *cqe)
{
	uint8_t *last = (uint8_t *)cqe + PRM_SIZE(cqe64) - 4;
	uint8_t v[PRM_SIZE(cqe64)] = { 0 };

	/* wqe_counter one before the first receive WQE: no completion counted yet. */
	PRM_SET(cqe64, v, wqe_counter, 0xffff);
	PRM_SET(cqe64, v, opcode, PRM_CQE_OPCODE_INVALID);
	PRM_SET(cqe64, v, owner, 1);
	memcpy(cqe, v, sizeof(v) - 4);
	store_dword(last, v + sizeof(v) - 4);
}

uint16_t
devx_cqe_wqe_counter(const void *cqe, bool *error)
{
	uint8_t v[PRM_SIZE(cqe64)] = { 0 };
	/* Acquire: the CQE's other fields are read after the dword that publishes it. */
	uint32_t dw = __atomic_load_n((const uint32_t *)((const uint8_t *)cqe + sizeof(v) - 4),
				      __ATOMIC_ACQUIRE);
	unsigned int opcode;

	memcpy(v + sizeof(v) - 4, &dw, 4);
	opcode = (unsigned int)PRM_GET(cqe64, v, opcode);
	*error = opcode == PRM_CQE_OPCODE_REQ_ERR || opcode == PRM_CQE_OPCODE_RESP_ERR;
	return (uint16_t)PRM_GET(cqe64, v, wqe_counter);
}

void
devx_cq_set_ci(void *dbr, uint32_t ci)
{
	uint8_t v[PRM_SIZE(cq_doorbell_record)] = { 0 };

	PRM_SET(cq_doorbell_record, v, update_ci, ci);
	store_dword(dbr, v);
}

void
devx_cq_arm(void *dbr, void *uar_page, uint32_t cqn, uint32_t sn, uint32_t ci)
{
	uint8_t rec[PRM_SIZE(cq_doorbell_record)] = { 0 };
	uint8_t bell[PRM_SIZE(cq_uar_doorbell)] = { 0 };
	uint64_t qw;

	PRM_SET(cq_doorbell_record, rec, arm_sn, sn);
	PRM_SET(cq_doorbell_record, rec, arm_cmd, PRM_CQ_ARM_ALL);
	PRM_SET(cq_doorbell_record, rec, arm_ci, ci);
	store_dword((uint8_t *)dbr + 4, rec + 4);
	PRM_SET(cq_uar_doorbell, bell, arm_sn, sn);
	PRM_SET(cq_uar_doorbell, bell, arm_cmd, PRM_CQ_ARM_ALL);
	PRM_SET(cq_uar_doorbell, bell, arm_ci, ci);
	PRM_SET(cq_uar_doorbell, bell, cqn, cqn);
	memcpy(&qw, bell, sizeof(qw));
	/* One 64-bit store: the device takes the doorbell as a whole. */
	__atomic_store_n((uint64_t *)((uint8_t *)uar_page + PRM_UAR_CQ_DOORBELL_OFFSET), qw,
			 __ATOMIC_RELEASE);
}

void
devx_qp_post_recv(void *dbr, uint16_t counter)
{
	uint8_t v[PRM_SIZE(qp_doorbell_record)] = { 0 };

	PRM_SET(qp_doorbell_record, v, rcv_counter, counter);
	store_dword(dbr, v);
}
