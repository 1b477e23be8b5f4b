/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mvdpa.h"
#include "mvdpa_steer.h"
#include "mvdpa_workers.h"
#include "prm_bits.h"
#include "prm_net.h"

/* Enough slots for an even spread over up to 256 RX queues; the function may allow fewer. */
#define RQT_SIZE_MAX 512

/* A well-known key (Microsoft's RSS verification key): any fixed key spreads flows. */
static const uint8_t toeplitz_key[DEVX_TOEPLITZ_KEY_LEN] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

#define IP_FIELDS (DEVX_RX_HASH_SRC_IP | DEVX_RX_HASH_DST_IP)
#define L4_FIELDS (IP_FIELDS | DEVX_RX_HASH_L4_SPORT | DEVX_RX_HASH_L4_DPORT)

/* Per traffic type: what its rule matches (matcher, IP version, protocol) and its TIR hashes. */
static const struct {
	unsigned int matcher;		/* 0: version + protocol, 1: version, 2: everything */
	uint8_t ip_version;
	uint8_t ip_protocol;
	enum devx_rx_hash_l3 l3;
	enum devx_rx_hash_l4 l4;
	uint32_t fields;
} types[MVDPA_STEER_TYPES] = {
	[MVDPA_STEER_TCP4] = { 0, 4, 6, DEVX_RX_HASH_IPV4, DEVX_RX_HASH_TCP, L4_FIELDS },
	[MVDPA_STEER_UDP4] = { 0, 4, 17, DEVX_RX_HASH_IPV4, DEVX_RX_HASH_UDP, L4_FIELDS },
	[MVDPA_STEER_TCP6] = { 0, 6, 6, DEVX_RX_HASH_IPV6, DEVX_RX_HASH_TCP, L4_FIELDS },
	[MVDPA_STEER_UDP6] = { 0, 6, 17, DEVX_RX_HASH_IPV6, DEVX_RX_HASH_UDP, L4_FIELDS },
	[MVDPA_STEER_IP4] = { 1, 4, 0, DEVX_RX_HASH_IPV4, DEVX_RX_HASH_TCP, IP_FIELDS },
	[MVDPA_STEER_IP6] = { 1, 6, 0, DEVX_RX_HASH_IPV6, DEVX_RX_HASH_TCP, IP_FIELDS },
	[MVDPA_STEER_L2] = { 2, 0, 0, DEVX_RX_HASH_IPV4, DEVX_RX_HASH_TCP, 0 },
};

/* The more specific matcher is looked at first (lower priority value). */
static const uint16_t matcher_priority[MVDPA_STEER_MATCHERS] = { 0, 1, 2 };

void
mvdpa_steer_fill(uint32_t *entries, uint32_t size, const uint32_t *rxq, uint32_t n)
{
	for (uint32_t i = 0; i < size; i++)
		entries[i] = rxq[i % n];
}

static int
rqt_write(struct mvdpa_steer *s, struct ibv_context *ctx, const uint32_t *rxq, uint32_t n)
{
	uint32_t *entries = calloc(s->rqt_size, sizeof(*entries));
	struct devx_rqt_attr a = {
		.type = DEVX_RQT_LIST_VIRTIO_NET_Q, .max_size = s->rqt_size,
		.n = s->rqt_size, .list = entries,
	};
	int ret;

	if (entries == NULL)
		return -ENOMEM;
	mvdpa_steer_fill(entries, s->rqt_size, rxq, n);
	ret = ctx != NULL ? devx_rqt_create(ctx, &a, &s->rqt) : devx_rqt_modify(&s->rqt, &a);
	free(entries);
	return ret;
}

/* One outer-headers buffer (mask or value) with the IP version and protocol. */
static void
match_set(struct mlx5dv_flow_match_parameters *m, uint8_t version, uint8_t protocol)
{
	memset(m->match_buf, 0, m->match_sz);
	PRM_SET(fte_match_set_lyr_2_4, m->match_buf, ip_version, version);
	PRM_SET(fte_match_set_lyr_2_4, m->match_buf, ip_protocol, protocol);
}

static int
rules_create(struct mvdpa_steer *s, struct ibv_context *ctx)
{
	union {
		struct mlx5dv_flow_match_parameters p;
		uint8_t room[sizeof(struct mlx5dv_flow_match_parameters) +
			     PRM_SIZE(fte_match_set_lyr_2_4)];
	} m = { .p.match_sz = PRM_SIZE(fte_match_set_lyr_2_4) };

	s->domain = mlx5dv_dr_domain_create(ctx, MLX5DV_DR_DOMAIN_TYPE_NIC_RX);
	if (s->domain == NULL)
		return -errno ? -errno : -ENOTSUP;
	s->table = mlx5dv_dr_table_create(s->domain, 0);
	if (s->table == NULL)
		return -errno ? -errno : -ENOMEM;
	for (unsigned int i = 0; i < MVDPA_STEER_MATCHERS; i++) {
		match_set(&m.p, i < 2 ? 0xf : 0, i == 0 ? 0xff : 0);
		s->matcher[i] = mlx5dv_dr_matcher_create(s->table, matcher_priority[i],
							 i < 2 ? PRM_MATCH_CRITERIA_OUTER : 0,
							 &m.p);
		if (s->matcher[i] == NULL)
			return -errno ? -errno : -ENOMEM;
	}
	for (unsigned int t = 0; t < MVDPA_STEER_TYPES; t++) {
		s->action[t] = mlx5dv_dr_action_create_dest_devx_tir(s->tir[t].obj);
		if (s->action[t] == NULL)
			return -errno ? -errno : -ENOMEM;
		match_set(&m.p, types[t].ip_version, types[t].ip_protocol);
		s->rule[t] = mlx5dv_dr_rule_create(s->matcher[types[t].matcher], &m.p, 1,
						   &s->action[t]);
		if (s->rule[t] == NULL)
			return -errno ? -errno : -ENOMEM;
	}
	return 0;
}

struct tir_args {
	struct mvdpa_steer *s;
	struct ibv_context *ctx;
	uint32_t td;
};

static int
tir_create(void *ctx, uint32_t t)
{
	const struct tir_args *ta = ctx;
	struct devx_tir_attr a = {
		.transport_domain = ta->td, .rqtn = ta->s->rqt.id,
		.l3 = types[t].l3, .l4 = types[t].l4, .fields = types[t].fields,
	};

	memcpy(a.toeplitz_key, toeplitz_key, sizeof(a.toeplitz_key));
	return devx_tir_create(ta->ctx, &a, &ta->s->tir[t]);
}

int
mvdpa_steer_create(struct mvdpa_steer *s, struct ibv_context *ctx, uint32_t td,
		   uint8_t log_max_rqt_size, const uint32_t *rxq, uint32_t n, uint32_t workers)
{
	struct tir_args ta = { .s = s, .ctx = ctx, .td = td };
	int ret;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		return -EINVAL;
	s->rqt_size = RQT_SIZE_MAX;
	while (s->rqt_size > (1u << log_max_rqt_size))
		s->rqt_size >>= 1;
	ret = rqt_write(s, ctx, rxq, n);
	/* Independent of each other: the frames of a function wait for the last of them. */
	if (ret == 0)
		ret = mvdpa_parallel_for(MVDPA_STEER_TYPES, workers, tir_create, &ta);
	if (ret == 0)
		ret = rules_create(s, ctx);
	if (ret != 0) {
		MVDPA_LOG(ERR, "cannot build RX steering (RQT, TIRs, flow rules): %s\n",
			  strerror(-ret));
		mvdpa_steer_destroy(s, workers);
	}
	return ret;
}

int
mvdpa_steer_update(struct mvdpa_steer *s, const uint32_t *rxq, uint32_t n)
{
	if (n == 0)
		return -EINVAL;
	return rqt_write(s, NULL, rxq, n);
}

static int
tir_destroy(void *ctx, uint32_t t)
{
	struct mvdpa_steer *s = ctx;

	devx_obj_destroy(&s->tir[t]);
	return 0;
}

void
mvdpa_steer_destroy(struct mvdpa_steer *s, uint32_t workers)
{
	for (unsigned int t = 0; t < MVDPA_STEER_TYPES; t++) {
		if (s->rule[t] != NULL)
			mlx5dv_dr_rule_destroy(s->rule[t]);
		if (s->action[t] != NULL)
			mlx5dv_dr_action_destroy(s->action[t]);
	}
	for (unsigned int i = MVDPA_STEER_MATCHERS; i-- > 0;)
		if (s->matcher[i] != NULL)
			mlx5dv_dr_matcher_destroy(s->matcher[i]);
	if (s->table != NULL)
		mlx5dv_dr_table_destroy(s->table);
	if (s->domain != NULL)
		mlx5dv_dr_domain_destroy(s->domain);
	/* Nothing refers to them now; each refers to the RQT, which goes last. */
	mvdpa_parallel_for(MVDPA_STEER_TYPES, workers, tir_destroy, s);
	devx_obj_destroy(&s->rqt);
	memset(s, 0, sizeof(*s));
}
