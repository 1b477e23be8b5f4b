/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <prm_bits.h>
#include <prm_net.h>

#include "emu_steer.h"

/* Exported by libmlx5emu.so for the emulated hardware and tests (MLX5EMU_1.0). */
#define STEER_EXPORT __attribute__((visibility("default")))

_Static_assert(PRM_SIZE(fte_match_set_lyr_2_4) == EMU_STEER_OUTER_LEN,
	       "outer_headers is the first part of fte_match_param");

struct emu_steer_rule {
	struct emu_steer_rule *next;
	struct emu_steer_matcher *matcher;
	uint32_t tirn;
	uint8_t value[EMU_STEER_MATCH_LEN];	/* already masked */
};

struct emu_steer_matcher {
	struct emu_steer_matcher *next;
	struct emu_steer_rule *rules;	/* oldest first */
	uint16_t priority;
	uint8_t criteria;
	bool evaluable;		/* only outer headers are masked */
	uint8_t mask[EMU_STEER_MATCH_LEN];
};

struct emu_steer {
	/* Protects the matcher list and every rule list: written by dr_* calls, read by classify. */
	pthread_rwlock_t lock;
	struct emu_steer_matcher *matchers;	/* by priority, then age */
	unsigned int nrules;
};

int
emu_steer_create(struct emu_steer **steer)
{
	struct emu_steer *st = calloc(1, sizeof(*st));
	int ret;

	if (st == NULL)
		return -ENOMEM;
	ret = pthread_rwlock_init(&st->lock, NULL);
	if (ret != 0) {
		free(st);
		return -ret;
	}
	*steer = st;
	return 0;
}

void
emu_steer_destroy(struct emu_steer *steer)
{
	struct emu_steer_matcher *m, *mnext;
	struct emu_steer_rule *r, *rnext;

	if (steer == NULL)
		return;
	for (m = steer->matchers; m != NULL; m = mnext) {
		mnext = m->next;
		for (r = m->rules; r != NULL; r = rnext) {
			rnext = r->next;
			free(r);
		}
		free(m);
	}
	pthread_rwlock_destroy(&steer->lock);
	free(steer);
}

/* Copies a caller's match buffer into a full-size one; bytes past what we model must be zero. */
static int
steer_copy_param(uint8_t *dst, const void *src, size_t len)
{
	const uint8_t *s = src;
	size_t i;

	memset(dst, 0, EMU_STEER_MATCH_LEN);
	if (len > EMU_STEER_MATCH_LEN) {
		for (i = EMU_STEER_MATCH_LEN; i < len; i++)
			if (s[i] != 0)
				return -EINVAL;
		len = EMU_STEER_MATCH_LEN;
	}
	if (len > 0 && src == NULL)
		return -EINVAL;
	if (len > 0)
		memcpy(dst, src, len);
	return 0;
}

static bool
steer_only_outer(const uint8_t *mask, uint8_t criteria)
{
	size_t i;

	if ((criteria & ~PRM_MATCH_CRITERIA_OUTER) == 0)
		return true;
	for (i = EMU_STEER_OUTER_LEN; i < EMU_STEER_MATCH_LEN; i++)
		if (mask[i] != 0)
			return false;
	return true;
}

int
emu_steer_matcher_add(struct emu_steer *steer, uint16_t priority, uint8_t criteria,
		      const void *mask, size_t len, struct emu_steer_matcher **matcher)
{
	struct emu_steer_matcher *m, **pos;
	int ret;

	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return -ENOMEM;
	ret = steer_copy_param(m->mask, mask, len);
	if (ret != 0) {
		free(m);
		return ret;
	}
	/* A disabled criterion does not take part in the match, whatever its mask says. */
	if (!(criteria & PRM_MATCH_CRITERIA_OUTER))
		memset(m->mask, 0, EMU_STEER_OUTER_LEN);
	m->priority = priority;
	m->criteria = criteria;
	m->evaluable = steer_only_outer(m->mask, criteria);
	pthread_rwlock_wrlock(&steer->lock);
	for (pos = &steer->matchers; *pos != NULL && (*pos)->priority <= priority;
	     pos = &(*pos)->next)
		;
	m->next = *pos;
	*pos = m;
	pthread_rwlock_unlock(&steer->lock);
	*matcher = m;
	return 0;
}

int
emu_steer_matcher_del(struct emu_steer *steer, struct emu_steer_matcher *matcher)
{
	struct emu_steer_matcher **pos;
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&steer->lock);
	for (pos = &steer->matchers; *pos != NULL; pos = &(*pos)->next) {
		if (*pos != matcher)
			continue;
		if (matcher->rules != NULL) {
			ret = -EBUSY;
			break;
		}
		*pos = matcher->next;
		ret = 0;
		break;
	}
	pthread_rwlock_unlock(&steer->lock);
	if (ret == 0)
		free(matcher);
	return ret;
}

int
emu_steer_rule_add(struct emu_steer *steer, struct emu_steer_matcher *matcher,
		   const void *value, size_t len, uint32_t tirn, struct emu_steer_rule **rule)
{
	struct emu_steer_rule *r, **pos;
	size_t i;
	int ret;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -ENOMEM;
	ret = steer_copy_param(r->value, value, len);
	if (ret != 0) {
		free(r);
		return ret;
	}
	for (i = 0; i < EMU_STEER_MATCH_LEN; i++)
		r->value[i] &= matcher->mask[i];
	r->matcher = matcher;
	r->tirn = tirn;
	pthread_rwlock_wrlock(&steer->lock);
	for (pos = &matcher->rules; *pos != NULL; pos = &(*pos)->next)
		;
	*pos = r;
	steer->nrules++;
	pthread_rwlock_unlock(&steer->lock);
	*rule = r;
	return 0;
}

void
emu_steer_rule_del(struct emu_steer *steer, struct emu_steer_rule *rule)
{
	struct emu_steer_rule **pos;

	pthread_rwlock_wrlock(&steer->lock);
	for (pos = &rule->matcher->rules; *pos != NULL; pos = &(*pos)->next) {
		if (*pos == rule) {
			*pos = rule->next;
			steer->nrules--;
			break;
		}
	}
	pthread_rwlock_unlock(&steer->lock);
	free(rule);
}

STEER_EXPORT unsigned int
emu_steer_rule_count(struct emu_steer *steer)
{
	unsigned int n;

	pthread_rwlock_rdlock(&steer->lock);
	n = steer->nrules;
	pthread_rwlock_unlock(&steer->lock);
	return n;
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

#define ETH_HLEN 14
#define VLAN_HLEN 4
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_QINQ 0x88a8
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define IPPROTO_TCP_NUM 6
#define IPPROTO_UDP_NUM 17

static void
steer_parse_l4(const uint8_t *l4, size_t len, uint8_t proto, uint8_t *hdr)
{
	if (proto == IPPROTO_TCP_NUM && len >= 20) {
		PRM_SET(fte_match_set_lyr_2_4, hdr, tcp_sport, rd16(l4));
		PRM_SET(fte_match_set_lyr_2_4, hdr, tcp_dport, rd16(l4 + 2));
		PRM_SET(fte_match_set_lyr_2_4, hdr, tcp_flags, rd16(l4 + 12) & 0x1ff);
	} else if (proto == IPPROTO_UDP_NUM && len >= 8) {
		PRM_SET(fte_match_set_lyr_2_4, hdr, udp_sport, rd16(l4));
		PRM_SET(fte_match_set_lyr_2_4, hdr, udp_dport, rd16(l4 + 2));
	}
}

static void
steer_parse_ipv4(const uint8_t *ip, size_t len, uint8_t *hdr)
{
	size_t ihl;
	bool frag;

	if (len < 20 || (ip[0] >> 4) != 4)
		return;
	ihl = (size_t)(ip[0] & 0xf) * 4;
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_version, 4);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ipv4_ihl, ip[0] & 0xf);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_dscp, ip[1] >> 2);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_ecn, ip[1] & 0x3);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_ttl_hoplimit, ip[8]);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_protocol, ip[9]);
	/* IPv4 addresses sit in the last dword of the 128-bit address fields. */
	memcpy((uint8_t *)PRM_ADDR(fte_match_set_lyr_2_4, hdr, src_ipv4_src_ipv6) + 12, ip + 12, 4);
	memcpy((uint8_t *)PRM_ADDR(fte_match_set_lyr_2_4, hdr, dst_ipv4_dst_ipv6) + 12, ip + 16, 4);
	/* More-fragments flag or a non-zero offset. */
	frag = (rd16(ip + 6) & 0x3fff) != 0;
	PRM_SET(fte_match_set_lyr_2_4, hdr, frag, frag);
	/* Only the first fragment carries the L4 header. */
	if ((rd16(ip + 6) & 0x1fff) == 0 && ihl >= 20 && ihl <= len)
		steer_parse_l4(ip + ihl, len - ihl, ip[9], hdr);
}

static void
steer_parse_ipv6(const uint8_t *ip, size_t len, uint8_t *hdr)
{
	uint8_t tclass;

	if (len < 40 || (ip[0] >> 4) != 6)
		return;
	tclass = (uint8_t)((ip[0] & 0xf) << 4 | ip[1] >> 4);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_version, 6);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_dscp, tclass >> 2);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_ecn, tclass & 0x3);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_protocol, ip[6]);
	PRM_SET(fte_match_set_lyr_2_4, hdr, ip_ttl_hoplimit, ip[7]);
	memcpy(PRM_ADDR(fte_match_set_lyr_2_4, hdr, src_ipv4_src_ipv6), ip + 8, 16);
	memcpy(PRM_ADDR(fte_match_set_lyr_2_4, hdr, dst_ipv4_dst_ipv6), ip + 24, 16);
	steer_parse_l4(ip + 40, len - 40, ip[6], hdr);
}

STEER_EXPORT int
emu_steer_parse(const void *frame, size_t len, uint8_t *param)
{
	const uint8_t *f = frame;
	uint8_t *hdr = param;	/* outer_headers is the first member of fte_match_param */
	size_t off = ETH_HLEN;
	uint16_t etype;

	memset(param, 0, EMU_STEER_MATCH_LEN);
	if (len < ETH_HLEN)
		return -EINVAL;
	memcpy(PRM_ADDR(fte_match_set_lyr_2_4, hdr, dmac_47_16), f, 6);
	memcpy(PRM_ADDR(fte_match_set_lyr_2_4, hdr, smac_47_16), f + 6, 6);
	etype = rd16(f + 12);
	if ((etype == ETHERTYPE_VLAN || etype == ETHERTYPE_QINQ) && len >= ETH_HLEN + VLAN_HLEN) {
		uint16_t tci = rd16(f + 14);

		if (etype == ETHERTYPE_VLAN)
			PRM_SET(fte_match_set_lyr_2_4, hdr, cvlan_tag, 1);
		else
			PRM_SET(fte_match_set_lyr_2_4, hdr, svlan_tag, 1);
		PRM_SET(fte_match_set_lyr_2_4, hdr, first_prio, tci >> 13);
		PRM_SET(fte_match_set_lyr_2_4, hdr, first_cfi, (tci >> 12) & 1);
		PRM_SET(fte_match_set_lyr_2_4, hdr, first_vid, tci & 0xfff);
		etype = rd16(f + 16);
		off += VLAN_HLEN;
	}
	PRM_SET(fte_match_set_lyr_2_4, hdr, ethertype, etype);
	if (etype == ETHERTYPE_IPV4)
		steer_parse_ipv4(f + off, len - off, hdr);
	else if (etype == ETHERTYPE_IPV6)
		steer_parse_ipv6(f + off, len - off, hdr);
	return 0;
}

static bool
steer_rule_matches(const struct emu_steer_rule *r, const uint8_t *param)
{
	const uint8_t *mask = r->matcher->mask;
	size_t i;

	for (i = 0; i < EMU_STEER_OUTER_LEN; i++)
		if ((param[i] & mask[i]) != r->value[i])
			return false;
	return true;
}

STEER_EXPORT int
emu_steer_classify(struct emu_steer *steer, const void *frame, size_t len, uint32_t *tirn)
{
	uint8_t param[EMU_STEER_MATCH_LEN];
	const struct emu_steer_matcher *m;
	const struct emu_steer_rule *r;
	int ret;

	ret = emu_steer_parse(frame, len, param);
	if (ret != 0)
		return ret;
	ret = -ENOENT;
	pthread_rwlock_rdlock(&steer->lock);
	for (m = steer->matchers; m != NULL && ret != 0; m = m->next) {
		if (!m->evaluable)
			continue;
		for (r = m->rules; r != NULL; r = r->next) {
			if (steer_rule_matches(r, param)) {
				*tirn = r->tirn;
				ret = 0;
				break;
			}
		}
	}
	pthread_rwlock_unlock(&steer->lock);
	return ret;
}
