/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit offloads as a receiver sees their result: every frame out of a TSO packet carries
 * valid IPv4 and TCP checksums (verified here with a sum of the test's own), the right lengths,
 * IPv4 ids and sequence numbers, the payload in order, FIN/PSH only on the last segment and
 * CWR only on the first; a NEEDS_CSUM packet gets the checksum its pseudo-header seed implies.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hw_offload.h"

#define MAX_OUT 80

struct capture {
	int n;
	size_t len[MAX_OUT];
	uint8_t data[MAX_OUT][2048];
};

static void
capture(void *ctx, const uint8_t *frame, size_t len)
{
	struct capture *c = ctx;

	assert_true(c->n < MAX_OUT && len <= sizeof(c->data[0]));
	memcpy(c->data[c->n], frame, len);
	c->len[c->n++] = len;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* The test's own ones' complement sum, 16 bits at a time, folded. */
static uint16_t
sum16(const uint8_t *p, size_t n, uint32_t seed)
{
	uint32_t s = seed;

	for (size_t i = 0; i < n; i++)
		s += i % 2 ? p[i] : (uint32_t)p[i] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* A checksum field is right when the sum over what it covers is all ones. */
static void
assert_l4_checksum_valid(const uint8_t *f, size_t l3, size_t l4, size_t len, bool v6,
			 uint8_t proto)
{
	uint32_t seed = proto + (uint32_t)(len - l4);

	seed += v6 ? sum16(f + l3 + 8, 32, 0) : sum16(f + l3 + 12, 8, 0);
	assert_int_equal(sum16(f + l4, len - l4, seed), 0xffff);
}

/* Ethernet + IPv4 (or IPv6) + TCP with 12 bytes of options, payload bytes i & 0xff. */
static size_t
tcp_packet(uint8_t *f, bool v6, size_t payload, uint8_t flags)
{
	size_t l3 = 14, l4 = v6 ? 54 : 34, hl = 32, len = l4 + hl + payload;

	memset(f, 0, l4 + hl);
	memset(f, 0x02, 12);
	f[12] = v6 ? 0x86 : 0x08;
	f[13] = v6 ? 0xdd : 0x00;
	if (v6) {
		f[l3] = 0x60;
		f[l3 + 6] = 6;
		f[l3 + 7] = 64;
		f[l3 + 8] = 0xfe;
		f[l3 + 23] = 1;
		f[l3 + 24] = 0xfe;
		f[l3 + 39] = 2;
	} else {
		f[l3] = 0x45;
		f[l3 + 4] = 0x12;	/* id 0x1234 */
		f[l3 + 5] = 0x34;
		f[l3 + 8] = 64;
		f[l3 + 9] = 6;
		memcpy(f + l3 + 12, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	}
	f[l4 + 4] = 0xff;	/* sequence 0xfffff000: wraps within the packet */
	f[l4 + 5] = 0xff;
	f[l4 + 6] = 0xf0;
	f[l4 + 12] = (uint8_t)(hl / 4) << 4;
	f[l4 + 13] = flags;
	for (size_t i = 0; i < payload; i++)
		f[l4 + hl + i] = (uint8_t)i;
	return len;
}

static void
check_segments(bool v6)
{
	static uint8_t frame[8000];
	static struct capture c;
	const size_t l3 = 14, l4 = v6 ? 54 : 34, hl = 32, payload = 4000, mss = 1400;
	uint8_t hdr[10] = { VNET_HDR_F_NEEDS_CSUM,
			    v6 ? VNET_HDR_GSO_TCPV6 : VNET_HDR_GSO_TCPV4 };
	size_t len = tcp_packet(frame, v6, payload, 0x80 | 0x10 | 0x08 | 0x01);
	size_t seen = 0;

	hdr[4] = mss & 0xff;
	hdr[5] = mss >> 8;
	memset(&c, 0, sizeof(c));
	assert_int_equal(hw_offload_tx(hdr, frame, len, capture, &c), 3);
	assert_int_equal(c.n, 3);
	for (int i = 0; i < c.n; i++) {
		const uint8_t *s = c.data[i];
		size_t chunk = i < 2 ? mss : payload - 2 * mss;
		uint8_t flags = s[l4 + 13];

		assert_int_equal(c.len[i], l4 + hl + chunk);
		if (v6) {
			assert_int_equal(rd16(s + l3 + 4), hl + chunk);
		} else {
			assert_int_equal(rd16(s + l3 + 2), 20 + hl + chunk);
			assert_int_equal(rd16(s + l3 + 4), 0x1234 + i);
			assert_int_equal(sum16(s + l3, 20, 0), 0xffff);
		}
		assert_int_equal(rd32(s + l4 + 4), (uint32_t)(0xfffff000u + seen));
		assert_int_equal(!!(flags & 0x01), i == 2);	/* FIN */
		assert_int_equal(!!(flags & 0x08), i == 2);	/* PSH */
		assert_int_equal(!!(flags & 0x80), i == 0);	/* CWR */
		assert_true(flags & 0x10);			/* ACK everywhere */
		for (size_t k = 0; k < chunk; k++)
			assert_int_equal(s[l4 + hl + k], (uint8_t)(seen + k));
		assert_l4_checksum_valid(s, l3, l4, c.len[i], v6, 6);
		seen += chunk;
	}
	assert_int_equal(seen, payload);
}

static void
tso_over_ipv4_gives_valid_segments(void **state)
{
	(void)state;
	check_segments(false);
}

static void
tso_over_ipv6_gives_valid_segments(void **state)
{
	(void)state;
	check_segments(true);
}

static void
needs_csum_completes_the_pseudo_header_sum(void **state)
{
	static uint8_t f[256];
	struct capture *c = test_malloc(sizeof(*c));
	const size_t l3 = 14, l4 = 34, len = l4 + 8 + 37;
	uint8_t hdr[10] = { VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_NONE };
	uint16_t seed;

	(void)state;
	/* UDP over IPv4, 37 payload bytes (odd), the seed as a Linux driver writes it. */
	memset(f, 0, sizeof(f));
	f[12] = 0x08;
	f[l3] = 0x45;
	f[l3 + 9] = 17;
	memcpy(f + l3 + 12, "\x0a\x00\x00\x01\x0a\x00\x00\x02", 8);
	f[l4 + 5] = (uint8_t)(len - l4);
	for (size_t i = l4 + 8; i < len; i++)
		f[i] = (uint8_t)(i * 7);
	seed = sum16(f + l3 + 12, 8, 17 + (uint32_t)(len - l4));
	f[l4 + 6] = (uint8_t)(seed >> 8);
	f[l4 + 7] = (uint8_t)seed;
	hdr[6] = (uint8_t)l4;		/* csum_start */
	hdr[8] = 6;			/* csum_offset: the UDP checksum */
	memset(c, 0, sizeof(*c));
	assert_int_equal(hw_offload_tx(hdr, f, len, capture, c), 1);
	assert_int_equal(c->len[0], len);
	assert_l4_checksum_valid(c->data[0], l3, l4, len, false, 17);
	test_free(c);
}

static void
requests_the_device_refuses_drop_the_frame(void **state)
{
	static uint8_t f[2048];
	struct capture *c = test_malloc(sizeof(*c));
	uint8_t hdr[10] = { VNET_HDR_F_NEEDS_CSUM, VNET_HDR_GSO_NONE, 0, 0, 0, 0, 250, 0, 6, 0 };
	size_t len = tcp_packet(f, false, 100, 0x10);

	(void)state;
	memset(c, 0, sizeof(*c));
	assert_int_equal(hw_offload_tx(hdr, f, 200, capture, c), -EINVAL);	/* past the end */
	memset(hdr, 0, sizeof(hdr));
	hdr[1] = 3;								/* UFO */
	assert_int_equal(hw_offload_tx(hdr, f, len, capture, c), -EINVAL);
	hdr[1] = VNET_HDR_GSO_TCPV4;						/* mss 0 */
	assert_int_equal(hw_offload_tx(hdr, f, len, capture, c), -EINVAL);
	hdr[4] = 100;
	assert_int_equal(hw_offload_tx(hdr, f, 40, capture, c), -EINVAL);	/* truncated */
	hdr[1] = VNET_HDR_GSO_TCPV6;						/* not IPv6 */
	assert_int_equal(hw_offload_tx(hdr, f, len, capture, c), -EINVAL);
	assert_int_equal(c->n, 0);
	test_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tso_over_ipv4_gives_valid_segments),
		cmocka_unit_test(tso_over_ipv6_gives_valid_segments),
		cmocka_unit_test(needs_csum_completes_the_pseudo_header_sum),
		cmocka_unit_test(requests_the_device_refuses_drop_the_frame),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
