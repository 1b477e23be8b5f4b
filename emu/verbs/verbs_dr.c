/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Direct rules (mlx5dv_dr_*): domains, tables, matchers, rules and TIR destinations, kept in the
 * function's steering store (emu_steer.h). Only the NIC RX domain's root table (level 0) decides
 * where received frames go; other tables and domains are accepted and tracked but, without jump
 * actions, no frame reaches them. An object in use (a domain with tables, a table with matchers,
 * a matcher with rules, an action used by rules) refuses destruction with EBUSY, as rdma-core does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "emu_verbs.h"
#include "verbs_prm.h"

struct mlx5dv_dr_domain {
	struct emu_res res;
	struct emu_context *ctx;
	enum mlx5dv_dr_domain_type type;
	unsigned int refs;	/* tables; atomic */
};

struct mlx5dv_dr_table {
	struct emu_res res;
	struct mlx5dv_dr_domain *dmn;
	uint32_t level;
	unsigned int refs;	/* matchers; atomic */
};

struct mlx5dv_dr_matcher {
	struct emu_res res;
	struct mlx5dv_dr_table *tbl;
	struct emu_steer_matcher *sm;	/* NULL outside the NIC RX root table */
	unsigned int refs;	/* rules; atomic */
};

enum dr_action_kind {
	DR_ACTION_DEST_TIR,
};

struct mlx5dv_dr_action {
	struct emu_res res;
	struct emu_context *ctx;
	enum dr_action_kind kind;
	uint32_t tirn;
	unsigned int refs;	/* rules; atomic */
};

struct mlx5dv_dr_rule {
	struct emu_res res;
	struct mlx5dv_dr_matcher *matcher;
	struct emu_steer_rule *sr;	/* NULL when the matcher is not in the store */
	struct mlx5dv_dr_action *action;
};

static unsigned int
ref_get(unsigned int *refs)
{
	return __atomic_add_fetch(refs, 1, __ATOMIC_ACQ_REL);
}

static void
ref_put(unsigned int *refs)
{
	__atomic_sub_fetch(refs, 1, __ATOMIC_ACQ_REL);
}

/* Claims an object for destruction: fails while anything holds a reference to it. */
static bool
ref_claim(unsigned int *refs)
{
	unsigned int zero = 0;

	return __atomic_compare_exchange_n(refs, &zero, UINT32_MAX, false, __ATOMIC_ACQ_REL,
					   __ATOMIC_ACQUIRE);
}

static void
dr_domain_free(struct emu_res *res)
{
	free(emu_container_of(res, struct mlx5dv_dr_domain, res));
}

EMU_EXPORT struct mlx5dv_dr_domain *
mlx5dv_dr_domain_create(struct ibv_context *ctx, enum mlx5dv_dr_domain_type type)
{
	EMU_API_CALL();
	struct mlx5dv_dr_domain *dmn;
	struct emu_context *ectx;

	if (ctx == NULL || (type != MLX5DV_DR_DOMAIN_TYPE_NIC_RX &&
			    type != MLX5DV_DR_DOMAIN_TYPE_NIC_TX &&
			    type != MLX5DV_DR_DOMAIN_TYPE_FDB)) {
		errno = EINVAL;
		return NULL;
	}
	ectx = ibctx_to_emu(ctx);
	if (!ectx->devx) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	dmn = calloc(1, sizeof(*dmn));
	if (dmn == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	dmn->ctx = ectx;
	dmn->type = type;
	dmn->res.release = dr_domain_free;
	emu_res_add(ectx, &dmn->res);
	return dmn;
}

EMU_EXPORT int
mlx5dv_dr_domain_destroy(struct mlx5dv_dr_domain *dmn)
{
	EMU_API_CALL();
	if (dmn == NULL)
		return EINVAL;
	if (!ref_claim(&dmn->refs))
		return EBUSY;
	emu_res_del(dmn->ctx, &dmn->res);
	free(dmn);
	return 0;
}

EMU_EXPORT int
mlx5dv_dr_domain_sync(struct mlx5dv_dr_domain *dmn, uint32_t flags)
{
	EMU_API_CALL();
	(void)flags;
	/* Rules take effect when created: there is never anything to flush. */
	return dmn == NULL ? EINVAL : 0;
}

EMU_EXPORT void
mlx5dv_dr_domain_set_reclaim_device_memory(struct mlx5dv_dr_domain *dmn, bool enable)
{
	EMU_API_CALL();
	(void)dmn;
	(void)enable;
}

EMU_EXPORT void
mlx5dv_dr_domain_allow_duplicate_rules(struct mlx5dv_dr_domain *dmn, bool allow)
{
	EMU_API_CALL();
	/* Duplicates are always allowed: the older rule wins, as in hardware. */
	(void)dmn;
	(void)allow;
}

static void
dr_table_release(struct emu_res *res)
{
	struct mlx5dv_dr_table *tbl = emu_container_of(res, struct mlx5dv_dr_table, res);

	ref_put(&tbl->dmn->refs);
	free(tbl);
}

EMU_EXPORT struct mlx5dv_dr_table *
mlx5dv_dr_table_create(struct mlx5dv_dr_domain *dmn, uint32_t level)
{
	EMU_API_CALL();
	struct mlx5dv_dr_table *tbl;

	if (dmn == NULL) {
		errno = EINVAL;
		return NULL;
	}
	tbl = calloc(1, sizeof(*tbl));
	if (tbl == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	ref_get(&dmn->refs);
	tbl->dmn = dmn;
	tbl->level = level;
	tbl->res.release = dr_table_release;
	emu_res_add(dmn->ctx, &tbl->res);
	return tbl;
}

EMU_EXPORT int
mlx5dv_dr_table_destroy(struct mlx5dv_dr_table *tbl)
{
	EMU_API_CALL();
	if (tbl == NULL)
		return EINVAL;
	if (!ref_claim(&tbl->refs))
		return EBUSY;
	emu_res_del(tbl->dmn->ctx, &tbl->res);
	dr_table_release(&tbl->res);
	return 0;
}

static struct emu_steer *
dr_matcher_store(struct mlx5dv_dr_matcher *m)
{
	return m->tbl->dmn->ctx->fn->steer;
}

static void
dr_matcher_release(struct emu_res *res)
{
	struct mlx5dv_dr_matcher *m = emu_container_of(res, struct mlx5dv_dr_matcher, res);

	if (m->sm != NULL)
		emu_steer_matcher_del(dr_matcher_store(m), m->sm);
	ref_put(&m->tbl->refs);
	free(m);
}

EMU_EXPORT struct mlx5dv_dr_matcher *
mlx5dv_dr_matcher_create(struct mlx5dv_dr_table *table, uint16_t priority,
			 uint8_t match_criteria_enable, struct mlx5dv_flow_match_parameters *mask)
{
	EMU_API_CALL();
	struct mlx5dv_dr_matcher *m;
	int ret;

	if (table == NULL) {
		errno = EINVAL;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	m->tbl = table;
	if (table->dmn->type == MLX5DV_DR_DOMAIN_TYPE_NIC_RX && table->level == 0) {
		ret = emu_steer_matcher_add(dr_matcher_store(m), priority, match_criteria_enable,
					    mask != NULL ? mask->match_buf : NULL,
					    mask != NULL ? mask->match_sz : 0, &m->sm);
		if (ret != 0) {
			free(m);
			errno = -ret;
			return NULL;
		}
	}
	ref_get(&table->refs);
	m->res.release = dr_matcher_release;
	emu_res_add(table->dmn->ctx, &m->res);
	return m;
}

EMU_EXPORT int
mlx5dv_dr_matcher_destroy(struct mlx5dv_dr_matcher *matcher)
{
	EMU_API_CALL();
	if (matcher == NULL)
		return EINVAL;
	if (!ref_claim(&matcher->refs))
		return EBUSY;
	emu_res_del(matcher->tbl->dmn->ctx, &matcher->res);
	dr_matcher_release(&matcher->res);
	return 0;
}

static void
dr_action_free(struct emu_res *res)
{
	free(emu_container_of(res, struct mlx5dv_dr_action, res));
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_dest_devx_tir(struct mlx5dv_devx_obj *devx_obj)
{
	EMU_API_CALL();
	struct emu_kobj *kobj = devx_obj != NULL ? &devx_obj->kobj : NULL;
	struct mlx5dv_dr_action *a;

	if (devx_obj == NULL || kobj->create_opcode != PRM_CMD_CREATE_TIR) {
		errno = EINVAL;
		return NULL;
	}
	a = calloc(1, sizeof(*a));
	if (a == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	a->ctx = kobj->ctx;
	a->kind = DR_ACTION_DEST_TIR;
	a->tirn = kobj->id;
	a->res.release = dr_action_free;
	emu_res_add(a->ctx, &a->res);
	return a;
}

EMU_EXPORT int
mlx5dv_dr_action_destroy(struct mlx5dv_dr_action *action)
{
	EMU_API_CALL();
	if (action == NULL)
		return EINVAL;
	if (!ref_claim(&action->refs))
		return EBUSY;
	emu_res_del(action->ctx, &action->res);
	free(action);
	return 0;
}

static void
dr_rule_release(struct emu_res *res)
{
	struct mlx5dv_dr_rule *r = emu_container_of(res, struct mlx5dv_dr_rule, res);

	if (r->sr != NULL)
		emu_steer_rule_del(dr_matcher_store(r->matcher), r->sr);
	ref_put(&r->action->refs);
	ref_put(&r->matcher->refs);
	free(r);
}

EMU_EXPORT struct mlx5dv_dr_rule *
mlx5dv_dr_rule_create(struct mlx5dv_dr_matcher *matcher, struct mlx5dv_flow_match_parameters *value,
		      size_t num_actions, struct mlx5dv_dr_action *actions[])
{
	EMU_API_CALL();
	struct mlx5dv_dr_rule *r;
	int ret;

	if (matcher == NULL || actions == NULL || num_actions == 0 || actions[0] == NULL) {
		errno = EINVAL;
		return NULL;
	}
	/* One destination is all a TIR rule needs; action lists are not modelled. */
	if (num_actions != 1) {
		errno = EOPNOTSUPP;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	r->matcher = matcher;
	r->action = actions[0];
	if (matcher->sm != NULL) {
		ret = emu_steer_rule_add(dr_matcher_store(matcher), matcher->sm,
					 value != NULL ? value->match_buf : NULL,
					 value != NULL ? value->match_sz : 0, actions[0]->tirn,
					 &r->sr);
		if (ret != 0) {
			free(r);
			errno = -ret;
			return NULL;
		}
	}
	ref_get(&matcher->refs);
	ref_get(&actions[0]->refs);
	r->res.release = dr_rule_release;
	emu_res_add(matcher->tbl->dmn->ctx, &r->res);
	return r;
}

EMU_EXPORT int
mlx5dv_dr_rule_destroy(struct mlx5dv_dr_rule *rule)
{
	EMU_API_CALL();
	if (rule == NULL)
		return EINVAL;
	emu_res_del(rule->matcher->tbl->dmn->ctx, &rule->res);
	dr_rule_release(&rule->res);
	return 0;
}
