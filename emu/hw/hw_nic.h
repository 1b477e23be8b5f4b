/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated NIC's data plane: one port per function, switched by destination MAC like the
 * legacy SR-IOV embedded switch (unicast to the port owning the MAC, broadcast and multicast to
 * every other port), and one engine thread that moves frames from the ports' TX queues to the
 * destination ports' RX queues. The thread sleeps while no queue is attached and polls with
 * bounded back-off while queues are idle, so an idle NIC costs almost no CPU. A port receives
 * through the steering the driver programmed: its flow rules (a classifier the rule store
 * provides) name a TIR, the TIR's hash picks an entry of its RQT, and the entry names a queue
 * by firmware id. The firmware mirrors its TIRs and RQTs here as they are created, changed and
 * destroyed. The switch has an uplink port too (eswitch/): unknown unicast from a function goes
 * to it, and group frames flood to it; what comes in from it goes to the function owning its
 * destination MAC, or floods to every function.
 */
#ifndef EMU_HW_NIC_H
#define EMU_HW_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "eswitch_uplink.h"
#include "hw_rss.h"
#include "hw_virtq.h"

struct hw_nic;

struct hw_nic_port_stats {
	uint64_t tx_frames;	/* taken from the port's TX queues */
	uint64_t rx_frames;	/* delivered into its RX queues */
	uint64_t rx_dropped;	/* no RX queue or no buffer */
};

/*
 * A NIC of nports ports, port i with MAC macs[i]; its engine thread starts with it and sleeps
 * while no queue is attached.
 */
int hw_nic_create(unsigned int nports, const uint8_t (*macs)[6], struct hw_nic **nic);
/*
 * Connects the uplink to the backend `spec` names (eswitch_uplink.h), replacing the one before;
 * without one, frames for the uplink are dropped. 0, or a negative errno and a message in err.
 */
int hw_nic_set_uplink(struct hw_nic *nic, const char *spec, char *err, size_t errlen);
/* Stops the engine and the uplink's threads (joined) for good; frames stop moving. Idempotent. */
void hw_nic_stop(struct hw_nic *nic);
/* Stops the engine thread and frees the NIC; its queues must have been removed. */
void hw_nic_destroy(struct hw_nic *nic);

/*
 * Attaches a running queue to a port (TX if its index is odd); `id` is its firmware object id,
 * which RQTs name. After hw_nic_remove_queue() returns, the engine no longer touches it. Both
 * may be called from any thread.
 */
int hw_nic_add_queue(struct hw_nic *nic, unsigned int port, uint32_t id, struct hw_virtq *q);
void hw_nic_remove_queue(struct hw_nic *nic, unsigned int port, struct hw_virtq *q);

/* Consistent snapshots of a queue's indices and counters while the engine may be running. */
void hw_nic_queue_state(struct hw_nic *nic, const struct hw_virtq *q, uint16_t *avail_idx,
			uint16_t *used_idx, struct hw_virtq_counters *c, bool *failed);
/*
 * The port's flow rules: 0 and the TIR a frame goes to, or non-zero to drop it. Called by the
 * engine thread with the NIC's lock held: it must not call back into the NIC or the firmware.
 * Without one, a port receives everything on its first RX queue (for the data plane's tests).
 */
typedef int (*hw_nic_classify_t)(void *ctx, const uint8_t *frame, size_t len, uint32_t *tirn);
void hw_nic_set_classifier(struct hw_nic *nic, unsigned int port, hw_nic_classify_t classify,
			   void *ctx);

/* Creates or replaces a TIR (its RSS and its RQT) or an RQT (queue ids in table order). */
int hw_nic_set_tir(struct hw_nic *nic, unsigned int port, uint32_t tirn, uint32_t rqtn,
		   const struct hw_rss_conf *rss);
void hw_nic_del_tir(struct hw_nic *nic, unsigned int port, uint32_t tirn);
int hw_nic_set_rqt(struct hw_nic *nic, unsigned int port, uint32_t rqtn, const uint32_t *qids,
		   uint32_t n);
void hw_nic_del_rqt(struct hw_nic *nic, unsigned int port, uint32_t rqtn);

/*
 * Where a frame received on `port` would land now: 0 and the queue's firmware id, or -ENOENT
 * when it would be dropped (no rule, TIR, RQT, or running queue). The engine's own decision.
 */
int hw_nic_steer_queue(struct hw_nic *nic, unsigned int port, const uint8_t *frame, size_t len,
		       uint32_t *id);

void hw_nic_port_stats(struct hw_nic *nic, unsigned int port, struct hw_nic_port_stats *s);
/* The uplink's counters; zeros without one. */
void hw_nic_uplink_stats(struct hw_nic *nic, struct eswitch_uplink_stats *s);

#endif /* EMU_HW_NIC_H */
