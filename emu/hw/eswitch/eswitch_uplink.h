/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated NIC's uplink: where the embedded switch sends what no function owns, and where
 * frames from outside the NIC come in. A backend is chosen by a spec string (the MLX5_EMU key
 * `wire`, docs/emulator.md):
 *   loopback                 no wire: frames to the uplink are counted and dropped
 *   tap:<ifname>             a Linux TAP interface (created if missing, which needs CAP_NET_ADMIN)
 *   pcap:<file>              every frame sent to the uplink appended to a pcap file (a sink)
 *   unix:listen:<path>       a UNIX SOCK_SEQPACKET link to another process's NIC, one frame per
 *   unix:connect:<path>      message; one side listens, the other connects, either may reconnect
 * TAP and UNIX links have one receive thread each, blocked in poll() while nothing arrives.
 */
#ifndef EMU_HW_ESWITCH_UPLINK_H
#define EMU_HW_ESWITCH_UPLINK_H

#include <stddef.h>
#include <stdint.h>

struct eswitch_uplink;

struct eswitch_uplink_stats {
	uint64_t tx_frames;	/* handed to the wire (written to the TAP, socket or file) */
	uint64_t tx_dropped;	/* no wire (loopback, link down) or the wire refused them */
	uint64_t rx_frames;	/* received from the wire and handed to rx() */
	uint64_t links_up;	/* a UNIX link's peers connected or accepted so far */
};

/* A frame from the wire, called on the uplink's receive thread; it must copy what it keeps. */
typedef void (*eswitch_uplink_rx_t)(void *ctx, const uint8_t *frame, size_t len);

/*
 * Opens the backend `spec` names. 0, or a negative errno with a message in err that names the
 * spec and says what went wrong (unknown backend, no such file or interface, no permission).
 */
int eswitch_uplink_create(const char *spec, eswitch_uplink_rx_t rx, void *ctx,
			  struct eswitch_uplink **uplink, char *err, size_t errlen);
/* Stops the receive thread (joined) and closes every fd. Must not be called from rx(). */
void eswitch_uplink_destroy(struct eswitch_uplink *uplink);

/*
 * Sends one frame to the wire without blocking (a full wire drops it, counted). Called by one
 * thread at a time (the switch's engine, under its lock); thread-safe against the receive thread.
 */
void eswitch_uplink_send(struct eswitch_uplink *uplink, const uint8_t *frame, size_t len);

void eswitch_uplink_get_stats(struct eswitch_uplink *uplink, struct eswitch_uplink_stats *s);

#endif /* EMU_HW_ESWITCH_UPLINK_H */
