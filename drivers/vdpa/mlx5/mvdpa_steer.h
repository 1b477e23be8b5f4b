/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX steering of a configured device. The function's flow rules (NIC RX root table) send every
 * frame to one of seven TIRs by traffic type (IPv4/IPv6 x TCP/UDP/other, and non-IP); each TIR
 * hashes the fields that type has (Toeplitz) over one RQT, which lists the enabled RX virtqs.
 * Without these, a function's RX virtqs receive nothing.
 */
#ifndef MVDPA_STEER_H
#define MVDPA_STEER_H

#include <stdint.h>

#include <infiniband/mlx5dv.h>

#include "devx_cmd.h"

enum mvdpa_steer_type {
	MVDPA_STEER_TCP4,
	MVDPA_STEER_UDP4,
	MVDPA_STEER_TCP6,
	MVDPA_STEER_UDP6,
	MVDPA_STEER_IP4,
	MVDPA_STEER_IP6,
	MVDPA_STEER_L2,
	MVDPA_STEER_TYPES
};

/* Matchers by mask shape: IP version and protocol, IP version, nothing. */
#define MVDPA_STEER_MATCHERS 3

struct mvdpa_steer {
	struct devx_obj rqt;
	uint32_t rqt_size;		/* entries, a power of two */
	struct devx_obj tir[MVDPA_STEER_TYPES];
	struct mlx5dv_dr_domain *domain;
	struct mlx5dv_dr_table *table;
	struct mlx5dv_dr_matcher *matcher[MVDPA_STEER_MATCHERS];
	struct mlx5dv_dr_action *action[MVDPA_STEER_TYPES];
	struct mlx5dv_dr_rule *rule[MVDPA_STEER_TYPES];
};

/*
 * The RQT's entries: `size` slots filled round-robin with the n RX virtq ids, so a hash spreads
 * evenly over them. Pure.
 */
void mvdpa_steer_fill(uint32_t *entries, uint32_t size, const uint32_t *rxq, uint32_t n);

/*
 * Builds the steering over the n (>= 1) RX virtqs `rxq` (virtq object ids); the RQT is sized
 * for log_max_rqt_size; the TIRs are created on the calling thread and up to `workers`
 * configuration workers. 0 or a negative errno, with nothing left on failure.
 */
int mvdpa_steer_create(struct mvdpa_steer *s, struct ibv_context *ctx, uint32_t td,
		       uint8_t log_max_rqt_size, const uint32_t *rxq, uint32_t n,
		       uint32_t workers);
/* Points the RQT at another set of RX virtqs (n >= 1): MODIFY_RQT, rules untouched. */
int mvdpa_steer_update(struct mvdpa_steer *s, const uint32_t *rxq, uint32_t n);
/*
 * Destroys whatever exists, rules first, the TIRs on the calling thread and up to `workers`
 * configuration workers; safe on a zeroed or partly built struct.
 */
void mvdpa_steer_destroy(struct mvdpa_steer *s, uint32_t workers);

#endif /* MVDPA_STEER_H */
