/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TIR's hash against the verification suite of Microsoft's RSS specification ("Verifying
 * the RSS hash calculation"): its key, and for each flow the IPv4/IPv6 hash without and with
 * the TCP ports. Frames are built here and parsed by the emulated hardware. Then the NIC's RX
 * steering: flow rule -> TIR -> RQT entry -> queue, each frame landing where the published
 * hash says.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hw_nic.h"
#include "hw_rss.h"

static const uint8_t ms_key[HW_RSS_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

struct flow {
	const char *dst, *src;
	uint16_t dport, sport;
	uint32_t ip_hash, tcp_hash;
};

static const struct flow v4_flows[] = {
	{ "161.142.100.80", "66.9.149.187", 1766, 2794, 0x323e8fc2, 0x51ccc178 },
	{ "65.69.140.83", "199.92.111.2", 4739, 14230, 0xd718262a, 0xc626b0ea },
	{ "12.22.207.184", "24.19.198.95", 38024, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ "209.142.163.6", "38.27.205.30", 2217, 48228, 0x82989176, 0xafc7327f },
	{ "202.188.127.2", "153.39.163.191", 1303, 44251, 0x5d1809c5, 0x10e828a2 },
};

static const struct flow v6_flows[] = {
	{ "3ffe:2501:200:3::1", "3ffe:2501:200:1fff::7", 1766, 2794, 0x2cc18cd5, 0x40207d3d },
	{ "ff02::1", "3ffe:501:8::260:97ff:fe40:efab", 4739, 14230, 0x0f0c461c, 0xdde51bbf },
	{ "fe80::200:f8ff:fe21:67cf", "3ffe:1900:4545:3:200:f8ff:fe21:67cf", 38024, 44251,
	  0x4b61e985, 0x02d1feef },
};

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An Ethernet frame carrying TCP (or UDP) between the flow's addresses; returns its length. */
static size_t
build_frame(uint8_t *f, const struct flow *fl, bool v6, uint8_t proto, bool vlan)
{
	size_t off = 14, l4;

	memset(f, 0, 128);
	memset(f, 0x02, 12);
	if (vlan) {
		put16(f + 12, 0x8100);
		put16(f + 14, 7);
		off = 18;
	}
	put16(f + off - 2, v6 ? 0x86dd : 0x0800);
	if (v6) {
		f[off] = 0x60;
		put16(f + off + 4, 20);
		f[off + 6] = proto;
		f[off + 7] = 64;
		assert_int_equal(inet_pton(AF_INET6, fl->src, f + off + 8), 1);
		assert_int_equal(inet_pton(AF_INET6, fl->dst, f + off + 24), 1);
		l4 = off + 40;
	} else {
		f[off] = 0x45;
		put16(f + off + 2, 40);
		f[off + 8] = 64;
		f[off + 9] = proto;
		assert_int_equal(inet_pton(AF_INET, fl->src, f + off + 12), 1);
		assert_int_equal(inet_pton(AF_INET, fl->dst, f + off + 16), 1);
		l4 = off + 20;
	}
	put16(f + l4, fl->sport);
	put16(f + l4 + 2, fl->dport);
	return l4 + 20;
}

static struct hw_rss_conf
conf_of(bool v6, uint32_t fields)
{
	struct hw_rss_conf c = { .fn = HW_RSS_FN_TOEPLITZ, .ipv6 = v6, .fields = fields };

	memcpy(c.key, ms_key, sizeof(ms_key));
	return c;
}

static void
check_flows(const struct flow *flows, size_t n, bool v6, bool vlan)
{
	const uint32_t ips = HW_RSS_SRC_IP | HW_RSS_DST_IP;
	const uint32_t all = ips | HW_RSS_SRC_PORT | HW_RSS_DST_PORT;
	uint8_t f[128];

	for (size_t i = 0; i < n; i++) {
		size_t len = build_frame(f, &flows[i], v6, 6, vlan);
		struct hw_rss_conf ip = conf_of(v6, ips), tcp = conf_of(v6, all);

		assert_int_equal(hw_rss_frame_hash(&ip, f, len), flows[i].ip_hash);
		assert_int_equal(hw_rss_frame_hash(&tcp, f, len), flows[i].tcp_hash);
	}
}

static void
ipv4_matches_the_microsoft_verification_suite(void **state)
{
	(void)state;
	check_flows(v4_flows, sizeof(v4_flows) / sizeof(v4_flows[0]), false, false);
	check_flows(v4_flows, sizeof(v4_flows) / sizeof(v4_flows[0]), false, true);
}

static void
ipv6_matches_the_microsoft_verification_suite(void **state)
{
	(void)state;
	check_flows(v6_flows, sizeof(v6_flows) / sizeof(v6_flows[0]), true, false);
}

static void
frames_without_the_selected_headers_hash_to_zero(void **state)
{
	const uint32_t all = HW_RSS_SRC_IP | HW_RSS_DST_IP | HW_RSS_SRC_PORT | HW_RSS_DST_PORT;
	struct hw_rss_conf udp4 = conf_of(false, all), tcp6 = conf_of(true, all);
	uint8_t f[128];
	size_t len;

	(void)state;
	udp4.udp = true;
	len = build_frame(f, &v4_flows[0], false, 6, false);
	assert_int_equal(hw_rss_frame_hash(&udp4, f, len), 0);	/* TCP under a UDP TIR */
	assert_int_equal(hw_rss_frame_hash(&tcp6, f, len), 0);	/* IPv4 under an IPv6 TIR */
	len = build_frame(f, &v4_flows[0], false, 17, false);
	assert_int_not_equal(hw_rss_frame_hash(&udp4, f, len), 0);
	put16(f + 14 + 6, 0x2000);				/* more fragments */
	assert_int_equal(hw_rss_frame_hash(&udp4, f, len), 0);
	assert_int_equal(hw_rss_frame_hash(&udp4, f, 30), 0);	/* truncated */
	udp4.fn = HW_RSS_FN_NONE;
	len = build_frame(f, &v4_flows[0], false, 17, false);
	assert_int_equal(hw_rss_frame_hash(&udp4, f, len), 0);
}

static void
symmetric_hash_is_the_same_both_ways(void **state)
{
	const uint32_t all = HW_RSS_SRC_IP | HW_RSS_DST_IP | HW_RSS_SRC_PORT | HW_RSS_DST_PORT;
	struct hw_rss_conf c = conf_of(false, all);
	struct flow back = { v4_flows[1].src, v4_flows[1].dst, v4_flows[1].sport,
			     v4_flows[1].dport, 0, 0 };
	uint8_t f[128], g[128];
	size_t lf = build_frame(f, &v4_flows[1], false, 6, false);
	size_t lg = build_frame(g, &back, false, 6, false);

	(void)state;
	assert_int_not_equal(hw_rss_frame_hash(&c, f, lf), hw_rss_frame_hash(&c, g, lg));
	c.symmetric = true;
	assert_int_equal(hw_rss_frame_hash(&c, f, lf), hw_rss_frame_hash(&c, g, lg));
}

static void
entry_is_the_hash_modulo_the_table(void **state)
{
	(void)state;
	assert_int_equal(hw_rss_entry(0x51ccc178, 8), 0);
	assert_int_equal(hw_rss_entry(0xc626b0ea, 8), 2);
	assert_int_equal(hw_rss_entry(0x5c2b394a, 512), 0x14a);
	assert_int_equal(hw_rss_entry(7, 3), 1);
	assert_int_equal(hw_rss_entry(7, 0), 0);
}

/* ---- the NIC's steering ---- */

#define TIR_TCP4 7
#define RQT_N 9
#define QID0 100

/* The port's flow rules, as a stub: TCP over IPv4 to TIR_TCP4, anything else dropped. */
static int
tcp4_only(void *ctx, const uint8_t *frame, size_t len, uint32_t *tirn)
{
	(void)ctx;
	if (len < 34 || frame[12] != 0x08 || frame[13] != 0x00 || frame[23] != 6)
		return -1;
	*tirn = TIR_TCP4;
	return 0;
}

static void *
no_memory(void *ctx, uint64_t addr, size_t len, bool write)
{
	(void)ctx; (void)addr; (void)len; (void)write;
	return NULL;
}

static const struct hw_dma_ops no_dma = { .map = no_memory };

struct nic_fixture {
	struct hw_nic *nic;
	struct hw_virtq *rxq[4];
};

/* One port with four RX queues (firmware ids QID0..QID0+3) that never see a frame here. */
static int
nic_setup(void **state)
{
	static const uint8_t mac[1][6] = { { 2, 0, 0, 0, 0, 1 } };
	struct nic_fixture *f = calloc(1, sizeof(*f));

	if (f == NULL || hw_nic_create(1, mac, &f->nic) != 0)
		return -1;
	for (uint16_t i = 0; i < 4; i++) {
		struct hw_virtq_config cfg = {
			.index = (uint16_t)(2 * i), .size = 8, .desc = 0x1000, .avail = 0x2000,
			.used = 0x3000, .hdr_len = 12, .dma = &no_dma,
		};

		if (hw_virtq_create(&cfg, &f->rxq[i]) != 0 ||
		    hw_nic_add_queue(f->nic, 0, QID0 + i, f->rxq[i]) != 0)
			return -1;
	}
	*state = f;
	return 0;
}

static int
nic_teardown(void **state)
{
	struct nic_fixture *f = *state;

	for (int i = 0; i < 4; i++) {
		hw_nic_remove_queue(f->nic, 0, f->rxq[i]);
		hw_virtq_destroy(f->rxq[i]);
	}
	hw_nic_destroy(f->nic);
	free(f);
	return 0;
}

static void
frames_land_on_the_queue_the_published_hash_selects(void **state)
{
	struct nic_fixture *f = *state;
	const uint32_t all = HW_RSS_SRC_IP | HW_RSS_DST_IP | HW_RSS_SRC_PORT | HW_RSS_DST_PORT;
	struct hw_rss_conf tcp = conf_of(false, all);
	const uint32_t table[4] = { QID0, QID0 + 1, QID0 + 2, QID0 + 3 };
	const uint32_t reversed[4] = { QID0 + 3, QID0 + 2, QID0 + 1, QID0 };
	uint8_t frame[128];
	uint32_t id;
	size_t len;

	hw_nic_set_classifier(f->nic, 0, tcp4_only, NULL);
	assert_int_equal(hw_nic_set_rqt(f->nic, 0, RQT_N, table, 4), 0);
	assert_int_equal(hw_nic_set_tir(f->nic, 0, TIR_TCP4, RQT_N, &tcp), 0);
	for (size_t i = 0; i < sizeof(v4_flows) / sizeof(v4_flows[0]); i++) {
		len = build_frame(frame, &v4_flows[i], false, 6, false);
		assert_int_equal(hw_nic_steer_queue(f->nic, 0, frame, len, &id), 0);
		assert_int_equal(id, QID0 + v4_flows[i].tcp_hash % 4);
	}
	/* The driver moves the RQT: the same flows follow it. */
	assert_int_equal(hw_nic_set_rqt(f->nic, 0, RQT_N, reversed, 4), 0);
	for (size_t i = 0; i < sizeof(v4_flows) / sizeof(v4_flows[0]); i++) {
		len = build_frame(frame, &v4_flows[i], false, 6, false);
		assert_int_equal(hw_nic_steer_queue(f->nic, 0, frame, len, &id), 0);
		assert_int_equal(id, QID0 + 3 - v4_flows[i].tcp_hash % 4);
	}
	/* No rule for UDP: dropped. */
	len = build_frame(frame, &v4_flows[0], false, 17, false);
	assert_int_equal(hw_nic_steer_queue(f->nic, 0, frame, len, &id), -ENOENT);
	/* A queue that stopped running: the frames its entry takes are dropped. */
	len = build_frame(frame, &v4_flows[0], false, 6, false);
	assert_int_equal(hw_nic_steer_queue(f->nic, 0, frame, len, &id), 0);
	hw_nic_remove_queue(f->nic, 0, f->rxq[id - QID0]);
	assert_int_equal(hw_nic_steer_queue(f->nic, 0, frame, len, &id), -ENOENT);
	assert_int_equal(hw_nic_add_queue(f->nic, 0, id, f->rxq[id - QID0]), 0);
	/* The TIR destroyed: nothing reaches the RQT. */
	hw_nic_del_tir(f->nic, 0, TIR_TCP4);
	assert_int_equal(hw_nic_steer_queue(f->nic, 0, frame, len, &id), -ENOENT);
	hw_nic_del_rqt(f->nic, 0, RQT_N);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv4_matches_the_microsoft_verification_suite),
		cmocka_unit_test(ipv6_matches_the_microsoft_verification_suite),
		cmocka_unit_test(frames_without_the_selected_headers_hash_to_zero),
		cmocka_unit_test(symmetric_hash_is_the_same_both_ways),
		cmocka_unit_test(entry_is_the_hash_modulo_the_table),
		cmocka_unit_test_setup_teardown(frames_land_on_the_queue_the_published_hash_selects,
						nic_setup, nic_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
