/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated NIC's data plane: one port per function, switched by destination MAC like the
 * legacy SR-IOV embedded switch (unicast to the port owning the MAC, broadcast and multicast to
 * every other port), and one engine thread that moves frames from the ports' TX queues to the
 * destination ports' RX queues. The thread polls with bounded back-off, so an idle NIC costs
 * almost no CPU. RSS over several RX queues and the uplink are not here yet: a port receives on
 * its first RX queue.
 */
#ifndef EMU_HW_NIC_H
#define EMU_HW_NIC_H

#include <stdbool.h>
#include <stdint.h>

#include "hw_virtq.h"

struct hw_nic;

struct hw_nic_port_stats {
	uint64_t tx_frames;	/* taken from the port's TX queues */
	uint64_t rx_frames;	/* delivered into its RX queues */
	uint64_t rx_dropped;	/* no RX queue or no buffer */
};

/* A NIC of nports ports, port i with MAC macs[i]; its engine thread starts with the first queue. */
int hw_nic_create(unsigned int nports, const uint8_t (*macs)[6], struct hw_nic **nic);
/* Stops the engine thread (joined) for good; frames stop moving. Idempotent. */
void hw_nic_stop(struct hw_nic *nic);
/* Stops the engine thread and frees the NIC; its queues must have been removed. */
void hw_nic_destroy(struct hw_nic *nic);

/*
 * Attaches a running queue to a port (TX if its index is odd). After hw_nic_remove_queue()
 * returns, the engine no longer touches it. Both may be called from any thread.
 */
int hw_nic_add_queue(struct hw_nic *nic, unsigned int port, struct hw_virtq *q);
void hw_nic_remove_queue(struct hw_nic *nic, unsigned int port, struct hw_virtq *q);

/* Consistent snapshots of a queue's indices and counters while the engine may be running. */
void hw_nic_queue_state(struct hw_nic *nic, const struct hw_virtq *q, uint16_t *avail_idx,
			uint16_t *used_idx, struct hw_virtq_counters *c, bool *failed);
void hw_nic_port_stats(struct hw_nic *nic, unsigned int port, struct hw_nic_port_stats *s);

#endif /* EMU_HW_NIC_H */
