/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Entry points DPDK's mlx5 common library imports (it binds every import at load time) but the
 * vDPA path never calls: Verbs queues, the old flow API, DR actions other than a TIR destination,
 * packet pacing, device import, dumps. They fail cleanly with EOPNOTSUPP (NULL, -1 or the errno,
 * as each function reports errors); objects they would take can never have come from here, so
 * destroy functions refuse with EINVAL.
 */
#include <errno.h>
#include <stdio.h>

#include "emu_verbs.h"

#define UNSUPPORTED_NULL() do { errno = EOPNOTSUPP; return NULL; } while (0)

EMU_EXPORT int
_mlx5dv_query_port(struct ibv_context *context, uint32_t port_num, struct mlx5dv_port *info,
		   size_t info_len)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)port_num; (void)info; (void)info_len;
	return EOPNOTSUPP;
}

EMU_EXPORT struct ibv_comp_channel *
ibv_create_comp_channel(struct ibv_context *context)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
ibv_destroy_comp_channel(struct ibv_comp_channel *channel)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)channel;
	return EINVAL;
}

EMU_EXPORT struct ibv_cq *
ibv_create_cq(struct ibv_context *context, int cqe, void *cq_context,
	      struct ibv_comp_channel *channel, int comp_vector)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)cqe; (void)cq_context; (void)channel; (void)comp_vector;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
ibv_destroy_cq(struct ibv_cq *cq)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)cq;
	return EINVAL;
}

EMU_EXPORT int
ibv_get_cq_event(struct ibv_comp_channel *channel, struct ibv_cq **cq, void **cq_context)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)channel; (void)cq; (void)cq_context;
	errno = EOPNOTSUPP;
	return -1;
}

EMU_EXPORT void
ibv_ack_cq_events(struct ibv_cq *cq, unsigned int nevents)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)cq; (void)nevents;
}

EMU_EXPORT struct ibv_qp *
ibv_create_qp(struct ibv_pd *pd, struct ibv_qp_init_attr *qp_init_attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)pd; (void)qp_init_attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
ibv_modify_qp(struct ibv_qp *qp, struct ibv_qp_attr *attr, int attr_mask)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)qp; (void)attr; (void)attr_mask;
	return EOPNOTSUPP;
}

EMU_EXPORT int
ibv_destroy_qp(struct ibv_qp *qp)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)qp;
	return EINVAL;
}

EMU_EXPORT struct ibv_context *
ibv_import_device(int cmd_fd)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)cmd_fd;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct ibv_pd *
ibv_import_pd(struct ibv_context *context, uint32_t pd_handle)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)pd_handle;
	UNSUPPORTED_NULL();
}

EMU_EXPORT void
ibv_unimport_pd(struct ibv_pd *pd)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)pd;
}

EMU_EXPORT struct ibv_cq_ex *
mlx5dv_create_cq(struct ibv_context *context, struct ibv_cq_init_attr_ex *cq_attr,
		 struct mlx5dv_cq_init_attr *mlx5_cq_attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)cq_attr; (void)mlx5_cq_attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct ibv_qp *
mlx5dv_create_qp(struct ibv_context *context, struct ibv_qp_init_attr_ex *qp_attr,
		 struct mlx5dv_qp_init_attr *mlx5_qp_attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)qp_attr; (void)mlx5_qp_attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct ibv_wq *
mlx5dv_create_wq(struct ibv_context *context, struct ibv_wq_init_attr *wq_init_attr,
		 struct mlx5dv_wq_init_attr *mlx5_wq_attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)wq_init_attr; (void)mlx5_wq_attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
mlx5dv_devx_qp_query(struct ibv_qp *qp, const void *in, size_t inlen, void *out, size_t outlen)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)qp; (void)in; (void)inlen; (void)out; (void)outlen;
	return EOPNOTSUPP;
}

EMU_EXPORT int
mlx5dv_devx_wq_query(struct ibv_wq *wq, const void *in, size_t inlen, void *out, size_t outlen)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)wq; (void)in; (void)inlen; (void)out; (void)outlen;
	return EOPNOTSUPP;
}

EMU_EXPORT struct mlx5dv_flow_matcher *
mlx5dv_create_flow_matcher(struct ibv_context *context,
			   struct mlx5dv_flow_matcher_attr *matcher_attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)matcher_attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
mlx5dv_destroy_flow_matcher(struct mlx5dv_flow_matcher *matcher)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)matcher;
	return EINVAL;
}

EMU_EXPORT struct ibv_flow *
mlx5dv_create_flow(struct mlx5dv_flow_matcher *matcher,
		   struct mlx5dv_flow_match_parameters *match_value, size_t num_actions,
		   struct mlx5dv_flow_action_attr actions_attr[])
{
	EMU_API_CALL_UNSUPPORTED();
	(void)matcher; (void)match_value; (void)num_actions; (void)actions_attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct ibv_flow_action *
mlx5dv_create_flow_action_modify_header(struct ibv_context *ctx, size_t actions_sz,
					uint64_t actions[], enum mlx5dv_flow_table_type ft_type)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)ctx; (void)actions_sz; (void)actions; (void)ft_type;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct ibv_flow_action *
mlx5dv_create_flow_action_packet_reformat(struct ibv_context *ctx, size_t data_sz, void *data,
		enum mlx5dv_flow_action_packet_reformat_type reformat_type,
		enum mlx5dv_flow_table_type ft_type)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)ctx; (void)data_sz; (void)data; (void)reformat_type; (void)ft_type;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_aso(struct mlx5dv_dr_domain *domain, struct mlx5dv_devx_obj *devx_obj,
			    uint32_t offset, uint32_t flags, uint8_t return_reg_c)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)domain; (void)devx_obj; (void)offset; (void)flags; (void)return_reg_c;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_default_miss(void)
{
	EMU_API_CALL_UNSUPPORTED();
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_dest_array(struct mlx5dv_dr_domain *domain, size_t num_dest,
				   struct mlx5dv_dr_action_dest_attr *dests[])
{
	EMU_API_CALL_UNSUPPORTED();
	(void)domain; (void)num_dest; (void)dests;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_dest_ib_port(struct mlx5dv_dr_domain *domain, uint32_t ib_port)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)domain; (void)ib_port;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_dest_ibv_qp(struct ibv_qp *ibqp)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)ibqp;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_dest_root_table(struct mlx5dv_dr_table *table, uint16_t priority)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)table; (void)priority;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_dest_table(struct mlx5dv_dr_table *table)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)table;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_drop(void)
{
	EMU_API_CALL_UNSUPPORTED();
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_flow_counter(struct mlx5dv_devx_obj *devx_obj, uint32_t offset)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)devx_obj; (void)offset;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_flow_meter(struct mlx5dv_dr_flow_meter_attr *attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
mlx5dv_dr_action_modify_flow_meter(struct mlx5dv_dr_action *action,
				   struct mlx5dv_dr_flow_meter_attr *attr,
				   __be64 modify_field_select)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)action; (void)attr; (void)modify_field_select;
	return EOPNOTSUPP;
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_flow_sampler(struct mlx5dv_dr_flow_sampler_attr *attr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)attr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_modify_header(struct mlx5dv_dr_domain *domain, uint32_t flags,
				      size_t actions_sz, __be64 actions[])
{
	EMU_API_CALL_UNSUPPORTED();
	(void)domain; (void)flags; (void)actions_sz; (void)actions;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_packet_reformat(struct mlx5dv_dr_domain *domain, uint32_t flags,
		enum mlx5dv_flow_action_packet_reformat_type reformat_type,
		size_t data_sz, void *data)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)domain; (void)flags; (void)reformat_type; (void)data_sz; (void)data;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_pop_vlan(void)
{
	EMU_API_CALL_UNSUPPORTED();
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_push_vlan(struct mlx5dv_dr_domain *domain, __be32 vlan_hdr)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)domain; (void)vlan_hdr;
	UNSUPPORTED_NULL();
}

EMU_EXPORT struct mlx5dv_dr_action *
mlx5dv_dr_action_create_tag(uint32_t tag_value)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)tag_value;
	UNSUPPORTED_NULL();
}

EMU_EXPORT int
mlx5dv_dump_dr_domain(FILE *fout, struct mlx5dv_dr_domain *domain)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)fout; (void)domain;
	return EOPNOTSUPP;
}

EMU_EXPORT int
mlx5dv_dump_dr_rule(FILE *fout, struct mlx5dv_dr_rule *rule)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)fout; (void)rule;
	return EOPNOTSUPP;
}

EMU_EXPORT struct mlx5dv_pp *
mlx5dv_pp_alloc(struct ibv_context *context, size_t pp_context_sz, const void *pp_context,
		uint32_t flags)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)context; (void)pp_context_sz; (void)pp_context; (void)flags;
	UNSUPPORTED_NULL();
}

EMU_EXPORT void
mlx5dv_pp_free(struct mlx5dv_pp *pp)
{
	EMU_API_CALL_UNSUPPORTED();
	(void)pp;
}
