/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Receive-side scaling as a TIR does it: the hash of a received frame over the header fields the
 * TIR selects (Toeplitz with the TIR's key, or none), and the RQT entry it picks. The fields
 * enter the hash in the order of Microsoft's RSS specification, which mlx5 follows: source
 * address, destination address, source port, destination port.
 */
#ifndef EMU_HW_RSS_H
#define EMU_HW_RSS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HW_RSS_KEY_LEN 40

enum hw_rss_fn {
	HW_RSS_FN_NONE,		/* every frame to the first RQT entry */
	HW_RSS_FN_XOR8,		/* inverted XOR of the input bytes */
	HW_RSS_FN_TOEPLITZ,
};

/* Which header fields a TIR hashes (its outer rx_hash_field_selector). */
enum hw_rss_field {
	HW_RSS_SRC_IP = 1u << 0,
	HW_RSS_DST_IP = 1u << 1,
	HW_RSS_SRC_PORT = 1u << 2,
	HW_RSS_DST_PORT = 1u << 3,
};

struct hw_rss_conf {
	enum hw_rss_fn fn;
	bool ipv6;		/* the selector's L3 type: addresses are IPv6 ones */
	bool udp;		/* the selector's L4 type: ports are UDP ones (else TCP) */
	bool symmetric;		/* both directions of a flow hash alike */
	uint32_t fields;	/* enum hw_rss_field bits */
	uint8_t key[HW_RSS_KEY_LEN];
};

/* Toeplitz hash of `len` bytes; the key must hold at least len + 4 bytes. */
uint32_t hw_rss_toeplitz(const uint8_t *key, const uint8_t *in, size_t len);

/*
 * The hash of a frame (Ethernet, optionally one VLAN tag) under `conf`. A frame without the
 * selected L3/L4 headers (another protocol, a fragment, truncated) hashes as no input: 0.
 */
uint32_t hw_rss_frame_hash(const struct hw_rss_conf *conf, const uint8_t *frame, size_t len);

/* The RQT entry a hash selects among n (its low bits when n is a power of two). */
static inline uint32_t
hw_rss_entry(uint32_t hash, uint32_t n)
{
	return n == 0 ? 0 : hash % n;
}

#endif /* EMU_HW_RSS_H */
