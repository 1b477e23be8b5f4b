/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The notification channel's data path (see fw_notify.h): moderation, the peer's receive WQEs,
 * CQEs, arming and the events that follow. Doorbell records and CQEs are memory the driver
 * reads and writes at the same time: each dword is loaded or stored whole, and a CQE's last
 * dword (wqe_counter, op_own) is stored after the rest of it.
 */
#include <errno.h>
#include <string.h>

#include "fw_internal.h"
#include "fw_notify.h"
#include "prm_cq_qp.h"
#include "prm_eq.h"
#include "prm_virtq.h"

#define CQ_INDEX_MASK 0xffffffu		/* CQ indices are 24-bit counters */

/* The doorbell record's 8 bytes as they are now, each dword read at once. */
static void
load_dbr(const uint8_t *dbr, uint8_t copy[8])
{
	for (int i = 0; i < 2; i++) {
		/* Acquire: what the driver wrote before its doorbell record is visible after it. */
		uint32_t dw = __atomic_load_n((const uint32_t *)(const void *)(dbr + 4 * i),
					      __ATOMIC_ACQUIRE);

		memcpy(copy + 4 * i, &dw, 4);
	}
}

bool
fw_moderation_due(const struct fw_moderation *m, uint32_t pending, uint64_t first_ns,
		  uint64_t last_ns, uint64_t now_ns)
{
	uint64_t since;

	if (pending == 0)
		return false;
	/* Without a period nothing may wait: a count alone would hold a lone completion forever. */
	if (m->period_us == 0 || (m->max_count != 0 && pending >= m->max_count))
		return true;
	since = m->mode == PRM_VIRTQ_PERIOD_MODE_FROM_LAST ? last_ns : first_ns;
	return now_ns - since >= (uint64_t)m->period_us * 1000u;
}

int
fw_cq_hw_init(struct fw_cq_hw *cq, uint32_t cqn)
{
	int ret = pthread_mutex_init(&cq->lock, NULL);

	if (ret != 0)
		return -ret;
	cq->cqn = cqn;
	return 0;
}

void
fw_cq_hw_fini(struct fw_cq_hw *cq)
{
	pthread_mutex_destroy(&cq->lock);
}

void
fw_rq_hw_reset(struct fw_cq_hw *cq, struct fw_rq_hw *rq)
{
	pthread_mutex_lock(&cq->lock);
	rq->consumed = 0;
	pthread_mutex_unlock(&cq->lock);
}

static void
count(uint64_t *counter)
{
	__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
}

static void
raise_comp_locked(struct emu_fw *fw, struct fw_cq_hw *cq)
{
	uint8_t data[PRM_SIZE(comp_event)] = { 0 };

	cq->events++;
	count(&fw->notify_stats.events);
	fw_trace_record(&fw->trace, FW_TRACE_EVENT, cq->cqn);
	PRM_SET(comp_event, data, cq_number, cq->cqn);
	/* DevX names subscriptions to non-general objects by their create opcode. */
	fw_raise_event(fw, PRM_CMD_CREATE_CQ, cq->cqn, PRM_EVENT_TYPE_COMP, data, sizeof(data));
}

/* The completion event, if the driver armed the CQ for a CQE it now holds. cq->lock held. */
static void
check_arm_locked(struct emu_fw *fw, struct fw_cq_hw *cq)
{
	uint8_t dbr[PRM_SIZE(cq_doorbell_record)];
	uint32_t ahead;

	load_dbr(cq->dbr, dbr);
	if (PRM_GET(cq_doorbell_record, dbr, arm_sn) == ((cq->events + 1) & 3)) {
		/*
		 * The driver armed again, counting an event for an arm this model never saw: it
		 * reads arms from memory, so an arm overwritten before the next pass is lost,
		 * where the UAR doorbell would have raised its event. Raised now, late.
		 */
		raise_comp_locked(fw, cq);
	}
	if (PRM_GET(cq_doorbell_record, dbr, arm_sn) != (cq->events & 3))
		return;		/* not armed since the last event */
	/* The CQEs written here answer a peer's message: none is solicited. */
	if (PRM_GET(cq_doorbell_record, dbr, arm_cmd) != PRM_CQ_ARM_ALL)
		return;
	ahead = (cq->pi - (uint32_t)PRM_GET(cq_doorbell_record, dbr, arm_ci)) & CQ_INDEX_MASK;
	if (ahead == 0 || ahead > CQ_INDEX_MASK / 2)
		return;		/* no CQE at or past the armed index yet */
	raise_comp_locked(fw, cq);
}

void
fw_cq_hw_check_arm(struct emu_fw *fw, struct fw_cq_hw *cq)
{
	pthread_mutex_lock(&cq->lock);
	if (!cq->error)
		check_arm_locked(fw, cq);
	pthread_mutex_unlock(&cq->lock);
}

/* The CQ had no room: it goes to error and says so, once. cq->lock held. */
static void
overrun_locked(struct emu_fw *fw, struct fw_cq_hw *cq)
{
	uint8_t data[PRM_SIZE(cq_error_event)] = { 0 };

	cq->error = true;
	count(&fw->notify_stats.cq_errors);
	PRM_SET(cq_error_event, data, cqn, cq->cqn);
	PRM_SET(cq_error_event, data, syndrome, PRM_CQ_ERROR_OVERRUN);
	fw_raise_event(fw, PRM_CMD_CREATE_CQ, cq->cqn, PRM_EVENT_TYPE_CQ_ERROR, data, sizeof(data));
}

static void
write_cqe_locked(struct fw_cq_hw *cq, uint16_t wqe_counter, uint32_t qpn)
{
	uint32_t size = 1u << cq->log_size;
	uint32_t index = cq->collapsed ? 0 : cq->pi & (size - 1);
	uint8_t *entry = cq->buf + (size_t)index * cq->cqe_size + (cq->cqe_size - 64u);
	uint8_t cqe[PRM_SIZE(cqe64)] = { 0 };
	uint32_t last;

	PRM_SET(cqe64, cqe, qpn, qpn);
	PRM_SET(cqe64, cqe, wqe_counter, wqe_counter);
	PRM_SET(cqe64, cqe, opcode, PRM_CQE_OPCODE_RESP_SEND);
	PRM_SET(cqe64, cqe, owner, (cq->pi >> cq->log_size) & 1);
	memcpy(entry, cqe, sizeof(cqe) - 4);
	memcpy(&last, cqe + sizeof(cqe) - 4, 4);
	/* Release: the driver that sees the new wqe_counter / owner sees the whole CQE. */
	__atomic_store_n((uint32_t *)(void *)(entry + sizeof(cqe) - 4), last, __ATOMIC_RELEASE);
}

int
fw_cq_hw_receive(struct emu_fw *fw, struct fw_cq_hw *cq, struct fw_rq_hw *rq, uint32_t qpn)
{
	uint8_t qp_dbr[PRM_SIZE(qp_doorbell_record)], cq_dbr[PRM_SIZE(cq_doorbell_record)];
	uint16_t posted;
	uint32_t used;
	int ret = 0;

	pthread_mutex_lock(&cq->lock);
	if (cq->error) {
		ret = -EIO;
		goto unlock;
	}
	load_dbr(rq->dbr, qp_dbr);
	posted = (uint16_t)PRM_GET(qp_doorbell_record, qp_dbr, rcv_counter);
	/* An RC receiver without a posted WQE answers RNR: the sender retries later. */
	if ((uint16_t)(posted - rq->consumed) == 0 || (uint16_t)(posted - rq->consumed) > rq->size) {
		count(&fw->notify_stats.rnr_waits);
		ret = -EAGAIN;
		goto unlock;
	}
	load_dbr(cq->dbr, cq_dbr);
	used = (cq->pi - (uint32_t)PRM_GET(cq_doorbell_record, cq_dbr, update_ci)) & CQ_INDEX_MASK;
	if (!cq->overrun_ignore && used >= (1u << cq->log_size)) {
		overrun_locked(fw, cq);
		ret = -EIO;
		goto unlock;
	}
	write_cqe_locked(cq, rq->consumed, qpn);
	fw_trace_record(&fw->trace, FW_TRACE_CQE, cq->cqn);
	rq->consumed++;
	cq->pi = (cq->pi + 1) & CQ_INDEX_MASK;
	count(&fw->notify_stats.cqes);
	check_arm_locked(fw, cq);
unlock:
	pthread_mutex_unlock(&cq->lock);
	return ret;
}

/* mode 2 bits, period 12 bits, count 16 bits: one word the engine reads at once. */
void
fw_notify_set_moderation(struct fw_notify *n, const struct fw_moderation *m)
{
	uint32_t packed = (uint32_t)(m->mode & 3) << 28 | (uint32_t)(m->period_us & 0xfff) << 16 |
			  m->max_count;

	__atomic_store_n(&n->moderation, packed, __ATOMIC_RELAXED);
}

static struct fw_moderation
moderation(const struct fw_notify *n)
{
	uint32_t packed = __atomic_load_n(&n->moderation, __ATOMIC_RELAXED);

	return (struct fw_moderation){ .mode = (uint8_t)(packed >> 28),
				       .period_us = (uint16_t)(packed >> 16 & 0xfff),
				       .max_count = (uint16_t)packed };
}

void
fw_notify_update(struct emu_fw *fw, struct fw_notify *n, uint64_t completed, uint64_t now_ns,
		 bool force)
{
	struct fw_moderation m = moderation(n);
	int ret;

	if (completed != n->seen) {
		if (n->pending == 0)
			n->first_ns = now_ns;
		n->pending += (uint32_t)(completed - n->seen);
		n->last_ns = now_ns;
		n->seen = completed;
	}
	if (n->pending != 0 && (force || fw_moderation_due(&m, n->pending, n->first_ns,
							    n->last_ns, now_ns))) {
		if (n->cq == NULL) {
			count(&fw->notify_stats.dropped);
			n->pending = 0;
			return;
		}
		ret = fw_cq_hw_receive(fw, n->cq, n->rq, n->qpn);
		if (ret == -EIO)
			count(&fw->notify_stats.dropped);
		if (ret != -EAGAIN)
			n->pending = 0;
	}
	if (n->cq != NULL)
		fw_cq_hw_check_arm(fw, n->cq);
}
