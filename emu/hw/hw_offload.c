/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "hw_offload.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_VLAN 0x8100
#define PROTO_TCP 6
#define UDP_CHECK_OFFSET 6
#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80
#define MAX_HEADERS 256		/* Ethernet + VLAN + IPv4 options or IPv6 + TCP options */

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t
le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t
hw_csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
	uint64_t s = sum;

	for (; n > 1; p += 2, n -= 2)
		s += get16(p);
	if (n)
		s += (uint32_t)p[0] << 8;
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t
hw_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Where a TCP packet's headers are: the L3 and L4 offsets and the length of all headers. */
struct tcp_headers {
	size_t l3, l4, len;
	bool v6;
};

static int
parse_tcp(const uint8_t *f, size_t len, bool v6, struct tcp_headers *h)
{
	size_t off = 14;
	uint16_t type;

	if (len < 14)
		return -EINVAL;
	type = get16(f + 12);
	if (type == ETH_P_VLAN) {
		if (len < 18)
			return -EINVAL;
		type = get16(f + 16);
		off = 18;
	}
	h->l3 = off;
	h->v6 = v6;
	if (!v6) {
		if (type != ETH_P_IPV4 || len < off + 20 || (f[off] >> 4) != 4 ||
		    f[off + 9] != PROTO_TCP)
			return -EINVAL;
		h->l4 = off + (size_t)(f[off] & 0xf) * 4;
	} else {
		/* Extension headers are not followed: TCP must come first. */
		if (type != ETH_P_IPV6 || len < off + 40 || (f[off] >> 4) != 6 ||
		    f[off + 6] != PROTO_TCP)
			return -EINVAL;
		h->l4 = off + 40;
	}
	if (h->l4 < off + 20 || len < h->l4 + 20)
		return -EINVAL;
	h->len = h->l4 + (size_t)(f[h->l4 + 12] >> 4) * 4;
	if (h->len < h->l4 + 20 || h->len > len || h->len > MAX_HEADERS)
		return -EINVAL;
	return 0;
}

/* TCP checksum of the segment at f (headers as parsed, then payload up to len). */
static void
tcp_checksum(uint8_t *f, size_t len, const struct tcp_headers *h)
{
	uint8_t pseudo[4];
	uint32_t sum;

	put16(f + h->l4 + 16, 0);
	if (h->v6)
		sum = hw_csum_add(0, f + h->l3 + 8, 32);
	else
		sum = hw_csum_add(0, f + h->l3 + 12, 8);
	put16(pseudo, PROTO_TCP);
	put16(pseudo + 2, (uint16_t)(len - h->l4));
	sum = hw_csum_add(sum, pseudo, 4);
	sum = hw_csum_add(sum, f + h->l4, len - h->l4);
	put16(f + h->l4 + 16, hw_csum_fold(sum));
}

static int
segment_tcp(const uint8_t *hdr, uint8_t *frame, size_t len, bool v6, hw_frame_out_t out,
	    void *ctx)
{
	uint16_t mss = le16(hdr + 4);
	uint8_t headers[MAX_HEADERS];
	struct tcp_headers h;
	size_t payload, nseg;
	uint32_t seq;
	uint16_t id;
	uint8_t flags;

	if (mss == 0 || parse_tcp(frame, len, v6, &h) < 0)
		return -EINVAL;
	payload = len - h.len;
	nseg = payload == 0 ? 1 : (payload + mss - 1) / mss;
	memcpy(headers, frame, h.len);
	seq = (uint32_t)get16(headers + h.l4 + 4) << 16 | get16(headers + h.l4 + 6);
	id = get16(headers + h.l3 + 4);
	flags = headers[h.l4 + 13];
	/*
	 * Segment i is built in place just before its payload: headers are copied over payload
	 * bytes of segment i - 1, which has gone out already.
	 */
	for (size_t i = 0; i < nseg; i++) {
		size_t chunk = payload - i * mss < mss ? payload - i * mss : mss;
		uint8_t *seg = frame + i * mss;
		size_t seg_len = h.len + chunk;
		uint32_t s = seq + (uint32_t)(i * mss);

		memcpy(seg, headers, h.len);
		if (v6) {
			put16(seg + h.l3 + 4, (uint16_t)(seg_len - h.l4));
		} else {
			put16(seg + h.l3 + 2, (uint16_t)(seg_len - h.l3));
			put16(seg + h.l3 + 4, (uint16_t)(id + i));
			put16(seg + h.l3 + 10, 0);
			put16(seg + h.l3 + 10, hw_csum_fold(hw_csum_add(0, seg + h.l3, h.l4 - h.l3)));
		}
		put16(seg + h.l4 + 4, (uint16_t)(s >> 16));
		put16(seg + h.l4 + 6, (uint16_t)s);
		seg[h.l4 + 13] = (uint8_t)(flags & ~(i + 1 < nseg ? TCP_FIN | TCP_PSH : 0) &
					   ~(i > 0 ? TCP_CWR : 0));
		tcp_checksum(seg, seg_len, &h);
		out(ctx, seg, seg_len);
	}
	return (int)nseg;
}

int
hw_offload_tx(const uint8_t hdr[10], uint8_t *frame, size_t len, hw_frame_out_t out, void *ctx)
{
	uint8_t gso = hdr[1] & (uint8_t)~VNET_HDR_GSO_ECN;

	if (gso == VNET_HDR_GSO_TCPV4 || gso == VNET_HDR_GSO_TCPV6)
		return segment_tcp(hdr, frame, len, gso == VNET_HDR_GSO_TCPV6, out, ctx);
	if (gso != VNET_HDR_GSO_NONE)
		return -EINVAL;
	if (hdr[0] & VNET_HDR_F_NEEDS_CSUM) {
		size_t start = le16(hdr + 6), at = start + le16(hdr + 8);
		uint16_t csum;

		if (start >= len || at + 2 > len)
			return -EINVAL;
		/* The field holds the driver's pseudo-header sum, summed along with the rest. */
		csum = hw_csum_fold(hw_csum_add(0, frame + start, len - start));
		if (csum == 0 && le16(hdr + 8) == UDP_CHECK_OFFSET)
			csum = 0xffff;	/* 0 means "no checksum" in UDP */
		put16(frame + at, csum);
	}
	out(ctx, frame, len);
	return 1;
}
