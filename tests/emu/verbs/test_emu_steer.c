/* SPDX-License-Identifier: BSD-3-Clause */
/* The RX steering store: frame parsing into fte_match_param and rule lookup by priority. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu_steer.h"

/* Byte offsets in fte_match_set_lyr_2_4 (kernel mlx5_ifc.h), for building masks and values. */
#define OFF_ETHERTYPE 6		/* 16 bits */
#define OFF_DMAC 8		/* 48 bits */
#define OFF_IP_PROTOCOL 16	/* 8 bits */
#define OFF_IP_VERSION_BYTE 18	/* ip_version: bits 0x93..0x96 -> byte 18, mask 0x1e */
#define OFF_TCP_DPORT 22
#define OFF_UDP_DPORT 30
#define OFF_DST_IP 48		/* 128 bits; IPv4 in the last 4 bytes */

struct frame {
	uint8_t b[128];
	size_t len;
};

static void
frame_eth(struct frame *f, const uint8_t dmac[6], uint16_t etype)
{
	static const uint8_t smac[6] = {0x02, 0, 0, 0, 0, 0x99};

	memset(f, 0, sizeof(*f));
	memcpy(f->b, dmac, 6);
	memcpy(f->b + 6, smac, 6);
	f->b[12] = (uint8_t)(etype >> 8);
	f->b[13] = (uint8_t)etype;
	f->len = 14;
}

static void
frame_ipv4(struct frame *f, uint8_t proto, const uint8_t dst[4], uint16_t dport)
{
	uint8_t *ip = f->b + f->len;
	uint8_t *l4 = ip + 20;

	ip[0] = 0x45;
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 10;
	ip[15] = 1;
	memcpy(ip + 16, dst, 4);
	l4[0] = 0x30;
	l4[1] = 0x39;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	f->len += 20 + 20;
}

static void
frame_ipv6(struct frame *f, uint8_t proto, uint16_t dport)
{
	uint8_t *ip = f->b + f->len;
	uint8_t *l4 = ip + 40;

	ip[0] = 0x60;
	ip[6] = proto;
	ip[7] = 64;
	ip[23] = 1;
	ip[39] = 2;
	l4[2] = (uint8_t)(dport >> 8);
	l4[3] = (uint8_t)dport;
	f->len += 40 + 20;
}

static const uint8_t mac_a[6] = {0x02, 0, 0, 0, 0, 0x0a};

static void
parse_extracts_outer_l2_l3_l4_fields(void **state)
{
	uint8_t p[EMU_STEER_MATCH_LEN];
	const uint8_t dst[4] = {192, 168, 1, 7};
	struct frame f;

	(void)state;
	frame_eth(&f, mac_a, 0x0800);
	frame_ipv4(&f, 6, dst, 8080);
	assert_int_equal(emu_steer_parse(f.b, f.len, p), 0);
	assert_memory_equal(p + OFF_DMAC, mac_a, 6);
	assert_int_equal(p[OFF_ETHERTYPE] << 8 | p[OFF_ETHERTYPE + 1], 0x0800);
	assert_int_equal(p[OFF_IP_PROTOCOL], 6);
	assert_int_equal((p[OFF_IP_VERSION_BYTE] >> 1) & 0xf, 4);
	assert_int_equal(p[OFF_TCP_DPORT] << 8 | p[OFF_TCP_DPORT + 1], 8080);
	assert_memory_equal(p + OFF_DST_IP + 12, dst, 4);

	frame_eth(&f, mac_a, 0x86dd);
	frame_ipv6(&f, 17, 53);
	assert_int_equal(emu_steer_parse(f.b, f.len, p), 0);
	assert_int_equal((p[OFF_IP_VERSION_BYTE] >> 1) & 0xf, 6);
	assert_int_equal(p[OFF_IP_PROTOCOL], 17);
	assert_int_equal(p[OFF_UDP_DPORT] << 8 | p[OFF_UDP_DPORT + 1], 53);
	assert_int_equal(p[OFF_DST_IP + 15], 2);

	assert_int_equal(emu_steer_parse(f.b, 13, p), -EINVAL);
}

/* A matcher on (ip_version, ip_protocol) as DPDK's vDPA RSS rules use it. */
struct rss_rule {
	uint16_t prio;
	uint8_t criteria;
	uint8_t ipv_mask, ipv;
	uint8_t proto_mask, proto;
	uint32_t tirn;
};

static void
rss_params(const struct rss_rule *r, uint8_t *mask, uint8_t *value)
{
	memset(mask, 0, EMU_STEER_MATCH_LEN);
	memset(value, 0, EMU_STEER_MATCH_LEN);
	mask[OFF_IP_VERSION_BYTE] = (uint8_t)(r->ipv_mask << 1);
	value[OFF_IP_VERSION_BYTE] = (uint8_t)(r->ipv << 1);
	mask[OFF_IP_PROTOCOL] = r->proto_mask;
	value[OFF_IP_PROTOCOL] = r->proto;
}

static void
classify_follows_priority_like_dpdk_vdpa_rss_table(void **state)
{
	/* The six rules of DPDK's vDPA RX steering: catch-all, L3 only, L3+L4 per protocol. */
	static const struct rss_rule rules[] = {
		{ 7, 0, 0, 0, 0, 0, 100 },
		{ 6, 1, 0xf, 4, 0, 0, 101 },
		{ 6, 1, 0xf, 6, 0, 0, 102 },
		{ 5, 1, 0xf, 4, 0xff, 17, 103 },
		{ 5, 1, 0xf, 4, 0xff, 6, 104 },
		{ 5, 1, 0xf, 6, 0xff, 17, 105 },
		{ 5, 1, 0xf, 6, 0xff, 6, 106 },
	};
	static const struct {
		uint16_t etype;
		int l3;		/* 0 none, 4, 6 */
		uint8_t proto;
		uint32_t tirn;
	} frames[] = {
		{ 0x0806, 0, 0, 100 },
		{ 0x0800, 4, 1, 101 },
		{ 0x86dd, 6, 58, 102 },
		{ 0x0800, 4, 17, 103 },
		{ 0x0800, 4, 6, 104 },
		{ 0x86dd, 6, 17, 105 },
		{ 0x86dd, 6, 6, 106 },
	};
	const uint8_t dst[4] = {10, 0, 0, 2};
	struct emu_steer_matcher *m[7];
	struct emu_steer_rule *r[7];
	uint8_t mask[EMU_STEER_MATCH_LEN], value[EMU_STEER_MATCH_LEN];
	struct emu_steer *st;
	struct frame f;
	uint32_t tirn;
	size_t i;

	(void)state;
	assert_int_equal(emu_steer_create(&st), 0);
	for (i = 0; i < 7; i++) {
		rss_params(&rules[i], mask, value);
		assert_int_equal(emu_steer_matcher_add(st, rules[i].prio, rules[i].criteria, mask,
						       sizeof(mask), &m[i]), 0);
		assert_int_equal(emu_steer_rule_add(st, m[i], value, sizeof(value), rules[i].tirn,
						    &r[i]), 0);
	}
	assert_int_equal(emu_steer_rule_count(st), 7);
	for (i = 0; i < sizeof(frames) / sizeof(frames[0]); i++) {
		frame_eth(&f, mac_a, frames[i].etype);
		if (frames[i].l3 == 4)
			frame_ipv4(&f, frames[i].proto, dst, 80);
		else if (frames[i].l3 == 6)
			frame_ipv6(&f, frames[i].proto, 80);
		else
			f.len = 60;
		assert_int_equal(emu_steer_classify(st, f.b, f.len, &tirn), 0);
		assert_int_equal(tirn, frames[i].tirn);
	}
	/* A matcher with rules cannot go; without the catch-all, ARP finds no rule. */
	assert_int_equal(emu_steer_matcher_del(st, m[0]), -EBUSY);
	emu_steer_rule_del(st, r[0]);
	assert_int_equal(emu_steer_matcher_del(st, m[0]), 0);
	frame_eth(&f, mac_a, 0x0806);
	f.len = 60;
	assert_int_equal(emu_steer_classify(st, f.b, f.len, &tirn), -ENOENT);
	emu_steer_destroy(st);
}

static void
disabled_criteria_and_unparsed_fields_behave_like_hardware(void **state)
{
	uint8_t mask[EMU_STEER_MATCH_LEN] = {0}, value[EMU_STEER_MATCH_LEN] = {0};
	struct emu_steer_matcher *m1, *m2;
	struct emu_steer_rule *r1, *r2;
	uint8_t big[EMU_STEER_MATCH_LEN + 8] = {0};
	struct emu_steer *st;
	struct frame f;
	uint32_t tirn;

	(void)state;
	assert_int_equal(emu_steer_create(&st), 0);
	/* Criteria 0: the outer mask is ignored, so the rule matches everything. */
	memset(mask, 0xff, EMU_STEER_OUTER_LEN);
	value[OFF_IP_PROTOCOL] = 99;
	assert_int_equal(emu_steer_matcher_add(st, 2, 0, mask, EMU_STEER_OUTER_LEN, &m1), 0);
	assert_int_equal(emu_steer_rule_add(st, m1, value, EMU_STEER_OUTER_LEN, 7, &r1), 0);
	/* A misc-parameters match (bit 1) the parser cannot evaluate never matches, even first. */
	memset(mask, 0, sizeof(mask));
	mask[EMU_STEER_OUTER_LEN] = 0xff;
	assert_int_equal(emu_steer_matcher_add(st, 0, 2, mask, sizeof(mask), &m2), 0);
	assert_int_equal(emu_steer_rule_add(st, m2, value, sizeof(value), 8, &r2), 0);
	frame_eth(&f, mac_a, 0x0800);
	frame_ipv4(&f, 6, (const uint8_t[4]){1, 2, 3, 4}, 22);
	assert_int_equal(emu_steer_classify(st, f.b, f.len, &tirn), 0);
	assert_int_equal(tirn, 7);
	/* Bytes beyond the modelled parameters must be zero. */
	big[EMU_STEER_MATCH_LEN + 1] = 1;
	assert_int_equal(emu_steer_matcher_add(st, 0, 1, big, sizeof(big), &m1), -EINVAL);
	emu_steer_destroy(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parse_extracts_outer_l2_l3_l4_fields),
		cmocka_unit_test(classify_follows_priority_like_dpdk_vdpa_rss_table),
		cmocka_unit_test(disabled_criteria_and_unparsed_fields_behave_like_hardware),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
