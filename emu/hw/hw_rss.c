/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "hw_rss.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_VLAN 0x8100
#define IPPROTO_TCP_ 6
#define IPPROTO_UDP_ 17

uint32_t
hw_rss_toeplitz(const uint8_t *key, const uint8_t *in, size_t len)
{
	/* The 32-bit window of the key that lines up with the current input bit. */
	uint32_t window = (uint32_t)key[0] << 24 | (uint32_t)key[1] << 16 |
			  (uint32_t)key[2] << 8 | key[3];
	uint32_t hash = 0;

	for (size_t i = 0; i < len; i++) {
		for (int b = 7; b >= 0; b--) {
			if (in[i] >> b & 1)
				hash ^= window;
			window = window << 1 | (uint32_t)(key[i + 4] >> b & 1);
		}
	}
	return hash;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Swaps a and b (n bytes each) when b sorts first: both directions of a flow then agree. */
static void
order_pair(uint8_t *a, uint8_t *b, size_t n)
{
	uint8_t t[16];

	if (memcmp(a, b, n) <= 0)
		return;
	memcpy(t, a, n);
	memcpy(a, b, n);
	memcpy(b, t, n);
}

uint32_t
hw_rss_frame_hash(const struct hw_rss_conf *conf, const uint8_t *frame, size_t len)
{
	uint8_t src[16], dst[16], sport[2], dport[2], in[36];
	size_t off = 14, alen, l4 = 0, n = 0;
	uint16_t type;
	uint8_t proto;
	bool l4_ok;

	if (conf->fn == HW_RSS_FN_NONE || len < 14)
		return 0;
	type = be16(frame + 12);
	if (type == ETH_P_VLAN && len >= 18) {
		type = be16(frame + 16);
		off = 18;
	}
	if (!conf->ipv6 && type == ETH_P_IPV4 && len >= off + 20 && (frame[off] >> 4) == 4) {
		size_t ihl = (size_t)(frame[off] & 0xf) * 4;
		bool fragment = (be16(frame + off + 6) & 0x3fff) != 0;

		if (ihl < 20 || len < off + ihl)
			return 0;
		alen = 4;
		proto = frame[off + 9];
		memcpy(src, frame + off + 12, 4);
		memcpy(dst, frame + off + 16, 4);
		l4 = fragment ? 0 : off + ihl;
	} else if (conf->ipv6 && type == ETH_P_IPV6 && len >= off + 40 &&
		   (frame[off] >> 4) == 6) {
		alen = 16;
		proto = frame[off + 6];
		memcpy(src, frame + off + 8, 16);
		memcpy(dst, frame + off + 24, 16);
		l4 = off + 40;
	} else {
		return 0;
	}
	l4_ok = l4 != 0 && len >= l4 + 4 &&
		proto == (conf->udp ? IPPROTO_UDP_ : IPPROTO_TCP_);
	if ((conf->fields & (HW_RSS_SRC_PORT | HW_RSS_DST_PORT)) && !l4_ok)
		return 0;
	if (l4_ok) {
		memcpy(sport, frame + l4, 2);
		memcpy(dport, frame + l4 + 2, 2);
	}
	if (conf->symmetric) {
		order_pair(src, dst, alen);
		if (l4_ok)
			order_pair(sport, dport, 2);
	}
	if (conf->fields & HW_RSS_SRC_IP) {
		memcpy(in + n, src, alen);
		n += alen;
	}
	if (conf->fields & HW_RSS_DST_IP) {
		memcpy(in + n, dst, alen);
		n += alen;
	}
	if (conf->fields & HW_RSS_SRC_PORT) {
		memcpy(in + n, sport, 2);
		n += 2;
	}
	if (conf->fields & HW_RSS_DST_PORT) {
		memcpy(in + n, dport, 2);
		n += 2;
	}
	if (conf->fn == HW_RSS_FN_XOR8) {
		uint8_t x = 0;

		for (size_t i = 0; i < n; i++)
			x ^= in[i];
		return (uint8_t)~x;
	}
	return hw_rss_toeplitz(conf->key, in, n);
}
