/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The notification channel's data path, what the hardware does for a virtq in QP event mode:
 * completions are moderated by the virtq's queue_period_* / queue_max_count fields; a report
 * is a message from the virtq's firmware QP to its peer (the driver's QP), which consumes one
 * posted receive WQE and writes a CQE into the peer's receive CQ; the CQ raises a completion
 * event only while the driver has it armed (doorbell record), then waits for the next arm.
 * A CQ without room (and without overrun_ignore) goes to error with a CQ error event.
 *
 * Threads: the engine thread reports (fw_notify_update); commands create, reset and destroy
 * (with fw->lock). Only memory inside the CQ's and QP's registered umems is touched.
 */
#ifndef EMU_FW_NOTIFY_H
#define EMU_FW_NOTIFY_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct emu_fw;
struct fw_obj;

/* The hardware side of a CQ. */
struct fw_cq_hw {
	/* Protects the CQ's state below and the receive counters of the QPs feeding it. */
	pthread_mutex_t lock;
	uint32_t cqn;
	uint8_t *buf;			/* CQE ring, inside its umem */
	uint8_t *dbr;			/* doorbell record (prm_cq_doorbell_record), inside its umem */
	uint8_t log_size;
	uint8_t cqe_size;		/* 64 or 128 bytes; the 64-byte CQE is the entry's last part */
	bool collapsed;			/* cqc.cc: every CQE goes to entry 0 */
	bool overrun_ignore;		/* cqc.oi */
	uint32_t pi;			/* CQEs written, 24 bits */
	uint32_t events;		/* completion events raised: the arm_sn an arm must carry */
	bool error;			/* overrun: writes no more CQEs */
};

/* The receive queue of a QP with one (the driver's end of the channel). */
struct fw_rq_hw {
	const uint8_t *dbr;		/* its QP's doorbell record (rcv_counter), inside its umem */
	uint32_t size;			/* receive WQEs */
	uint16_t consumed;		/* WQEs consumed: the next CQE's wqe_counter (its CQ's lock) */
};

/* Completion moderation of a virtq (virtio_q.queue_period_mode, _us, queue_max_count). */
struct fw_moderation {
	uint8_t mode;			/* PRM_VIRTQ_PERIOD_MODE_*; DEFAULT counts as FROM_FIRST */
	uint16_t period_us;		/* 0: every completion is reported at once */
	uint16_t max_count;		/* 0: no count limit */
};

/*
 * Whether `pending` unreported completions, the first at first_ns and the last at last_ns, are
 * to be reported at now_ns under m. Pure.
 */
bool fw_moderation_due(const struct fw_moderation *m, uint32_t pending, uint64_t first_ns,
		       uint64_t last_ns, uint64_t now_ns);

/* Where a running virtq's reports go, and its moderation state (engine thread). */
struct fw_notify {
	struct fw_obj *pinned;		/* the peer QP, referenced while the virtq runs */
	struct fw_cq_hw *cq;		/* NULL: no peer or no receive CQ, reports are dropped */
	struct fw_rq_hw *rq;
	uint32_t qpn;			/* the peer's number, in its CQEs */
	uint32_t moderation;		/* fw_moderation packed (atomic): MODIFY changes it */
	uint64_t seen;			/* completions counted so far */
	uint32_t pending;		/* not reported yet */
	uint64_t first_ns, last_ns;
};

/* Notification totals of a function, for its exit report (atomics). */
struct fw_notify_stats {
	uint64_t cqes;			/* CQEs written */
	uint64_t events;		/* completion events raised */
	uint64_t cq_errors;		/* CQ error events (overrun) */
	uint64_t rnr_waits;		/* reports held: no receive WQE posted */
	uint64_t dropped;		/* reports with nowhere to go (no peer CQ, CQ in error) */
};

/* Initializes cq's lock and number (its memory and flags are the caller's); 0 or -errno. */
int fw_cq_hw_init(struct fw_cq_hw *cq, uint32_t cqn);
void fw_cq_hw_fini(struct fw_cq_hw *cq);
/* QP reset: its receive queue starts over at WQE 0. Takes cq's lock. */
void fw_rq_hw_reset(struct fw_cq_hw *cq, struct fw_rq_hw *rq);

/*
 * One report to the peer: consumes a receive WQE and writes a CQE, raising the completion event
 * when armed. 0; -EAGAIN when no receive WQE is posted (nothing written: retry later); -EIO
 * when the CQ is in error (overrun: raised now, once). Engine thread or fw->lock.
 */
int fw_cq_hw_receive(struct emu_fw *fw, struct fw_cq_hw *cq, struct fw_rq_hw *rq, uint32_t qpn);
/* An arm written after the CQEs it asks about: raises the event now. */
void fw_cq_hw_check_arm(struct emu_fw *fw, struct fw_cq_hw *cq);

void fw_notify_set_moderation(struct fw_notify *n, const struct fw_moderation *m);
/*
 * The queue has completed `completed` chains in all at now_ns: counts the new ones, reports
 * when moderation says so (or when force), retries a report that waits for a receive WQE and
 * notices a late arm. Called after completions and on every engine pass.
 */
void fw_notify_update(struct emu_fw *fw, struct fw_notify *n, uint64_t completed, uint64_t now_ns,
		      bool force);

#endif /* EMU_FW_NOTIFY_H */
