/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NIC objects around the virtqs: transport domain and TIS (send side), RQT and TIR (receive
 * steering), and the vport queries (link state, MTU, MAC).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devx_cmd.h"
#include "prm_cmd.h"
#include "prm_mem.h"
#include "prm_net.h"

#define SAME_AS_PRM(devx, prm) _Static_assert((int)(devx) == (int)(prm), #devx " is " #prm)
SAME_AS_PRM(DEVX_RQT_LIST_RQ, PRM_RQT_LIST_Q_TYPE_RQ);
SAME_AS_PRM(DEVX_RQT_LIST_VIRTIO_NET_Q, PRM_RQT_LIST_Q_TYPE_VIRTIO_NET_Q);
SAME_AS_PRM(DEVX_RX_HASH_SRC_IP, PRM_RX_HASH_FIELD_SRC_IP);
SAME_AS_PRM(DEVX_RX_HASH_DST_IP, PRM_RX_HASH_FIELD_DST_IP);
SAME_AS_PRM(DEVX_RX_HASH_L4_SPORT, PRM_RX_HASH_FIELD_L4_SPORT);
SAME_AS_PRM(DEVX_RX_HASH_L4_DPORT, PRM_RX_HASH_FIELD_L4_DPORT);
SAME_AS_PRM(DEVX_RX_HASH_IPV6, PRM_RX_HASH_L3_IPV6);
SAME_AS_PRM(DEVX_RX_HASH_UDP, PRM_RX_HASH_L4_UDP);
SAME_AS_PRM(DEVX_VPORT_UP, PRM_VPORT_STATE_UP);
_Static_assert(DEVX_TOEPLITZ_KEY_LEN * 8 == PRM_BIT_SZ(tirc, rx_hash_toeplitz_key), "key size");

void
devx_td_alloc_encode(void *in)
{
	memset(in, 0, PRM_SIZE(alloc_transport_domain_in));
	PRM_SET(alloc_transport_domain_in, in, opcode, PRM_CMD_ALLOC_TRANSPORT_DOMAIN);
}

int
devx_td_alloc(struct ibv_context *ctx, struct devx_obj *td)
{
	uint8_t in[PRM_SIZE(alloc_transport_domain_in)];
	uint8_t out[PRM_SIZE(alloc_transport_domain_out)];
	int ret;

	devx_td_alloc_encode(in);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), td);
	if (ret == 0)
		td->id = (uint32_t)PRM_GET(alloc_transport_domain_out, out, transport_domain);
	return ret;
}

void
devx_tis_create_encode(void *in, const struct devx_tis_attr *attr)
{
	void *tisc = PRM_ADDR(create_tis_in, in, ctx);

	memset(in, 0, PRM_SIZE(create_tis_in));
	PRM_SET(create_tis_in, in, opcode, PRM_CMD_CREATE_TIS);
	PRM_SET(tisc, tisc, prio, attr->prio);
	PRM_SET(tisc, tisc, transport_domain, attr->transport_domain);
}

int
devx_tis_create(struct ibv_context *ctx, const struct devx_tis_attr *attr, struct devx_obj *tis)
{
	uint8_t in[PRM_SIZE(create_tis_in)];
	uint8_t out[PRM_SIZE(create_tis_out)];
	int ret;

	devx_tis_create_encode(in, attr);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), tis);
	if (ret == 0)
		tis->id = (uint32_t)PRM_GET(create_tis_out, out, tisn);
	return ret;
}

/* The RQT context sits at a different offset in create and modify inputs. */
static size_t
rqtc_offset(bool modify)
{
	return modify ? PRM_BYTE_OFF(modify_rqt_in, rqt_context) :
			PRM_BYTE_OFF(create_rqt_in, rqt_context);
}

size_t
devx_rqt_in_size(const struct devx_rqt_attr *attr, bool modify)
{
	return rqtc_offset(modify) + PRM_BYTE_OFF(rqtc, rq_num) +
	       attr->n * PRM_SIZE(rq_num);
}

static void
encode_rqtc(void *rqtc, const struct devx_rqt_attr *attr, bool with_max)
{
	uint8_t *entry = (uint8_t *)rqtc + PRM_BYTE_OFF(rqtc, rq_num);

	PRM_SET(rqtc, rqtc, list_q_type, attr->type);
	if (with_max)
		PRM_SET(rqtc, rqtc, rqt_max_size, attr->max_size);
	PRM_SET(rqtc, rqtc, rqt_actual_size, attr->n);
	for (uint32_t i = 0; i < attr->n; i++, entry += PRM_SIZE(rq_num))
		PRM_SET(rq_num, entry, rq_num, attr->list[i]);
}

void
devx_rqt_create_encode(void *in, const struct devx_rqt_attr *attr)
{
	memset(in, 0, devx_rqt_in_size(attr, false));
	PRM_SET(create_rqt_in, in, opcode, PRM_CMD_CREATE_RQT);
	encode_rqtc((uint8_t *)in + rqtc_offset(false), attr, true);
}

void
devx_rqt_modify_encode(void *in, uint32_t rqtn, const struct devx_rqt_attr *attr)
{
	memset(in, 0, devx_rqt_in_size(attr, true));
	PRM_SET(modify_rqt_in, in, opcode, PRM_CMD_MODIFY_RQT);
	PRM_SET(modify_rqt_in, in, rqtn, rqtn);
	PRM_SET(modify_rqt_in, in, modify_bitmask, PRM_RQT_MODIFY_RQN_LIST);
	encode_rqtc((uint8_t *)in + rqtc_offset(true), attr, false);
}

int
devx_rqt_create(struct ibv_context *ctx, const struct devx_rqt_attr *attr, struct devx_obj *rqt)
{
	uint8_t out[PRM_SIZE(create_rqt_out)];
	size_t inlen = devx_rqt_in_size(attr, false);
	void *in;
	int ret;

	if (attr->n == 0 || attr->n > attr->max_size)
		return -EINVAL;
	in = malloc(inlen);
	if (in == NULL)
		return -ENOMEM;
	devx_rqt_create_encode(in, attr);
	ret = devx_obj_create(ctx, in, inlen, out, sizeof(out), rqt);
	if (ret == 0)
		rqt->id = (uint32_t)PRM_GET(create_rqt_out, out, rqtn);
	free(in);
	return ret;
}

int
devx_rqt_modify(struct devx_obj *rqt, const struct devx_rqt_attr *attr)
{
	uint8_t out[PRM_SIZE(modify_rqt_out)];
	size_t inlen = devx_rqt_in_size(attr, true);
	void *in;
	int ret;

	if (attr->n == 0)
		return -EINVAL;
	in = malloc(inlen);
	if (in == NULL)
		return -ENOMEM;
	devx_rqt_modify_encode(in, rqt->id, attr);
	ret = devx_obj_modify(rqt, in, inlen, out, sizeof(out));
	free(in);
	return ret;
}

void
devx_tir_create_encode(void *in, const struct devx_tir_attr *attr)
{
	void *tirc = PRM_ADDR(create_tir_in, in, ctx);
	void *sel = PRM_ADDR(tirc, tirc, rx_hash_field_selector_outer);

	memset(in, 0, PRM_SIZE(create_tir_in));
	PRM_SET(create_tir_in, in, opcode, PRM_CMD_CREATE_TIR);
	PRM_SET(tirc, tirc, disp_type, PRM_TIR_DISP_INDIRECT);
	PRM_SET(tirc, tirc, indirect_table, attr->rqtn);
	PRM_SET(tirc, tirc, transport_domain, attr->transport_domain);
	PRM_SET(tirc, tirc, rx_hash_fn, PRM_RX_HASH_FN_TOEPLITZ);
	PRM_SET(tirc, tirc, rx_hash_symmetric, attr->symmetric);
	/* the key is a byte string, most significant byte first, as the PRM stores it */
	memcpy(PRM_ADDR(tirc, tirc, rx_hash_toeplitz_key), attr->toeplitz_key,
	       DEVX_TOEPLITZ_KEY_LEN);
	PRM_SET(rx_hash_field_select, sel, l3_prot_type, attr->l3);
	PRM_SET(rx_hash_field_select, sel, l4_prot_type, attr->l4);
	PRM_SET(rx_hash_field_select, sel, selected_fields, attr->fields);
}

int
devx_tir_create(struct ibv_context *ctx, const struct devx_tir_attr *attr, struct devx_obj *tir)
{
	uint8_t in[PRM_SIZE(create_tir_in)];
	uint8_t out[PRM_SIZE(create_tir_out)];
	int ret;

	devx_tir_create_encode(in, attr);
	ret = devx_obj_create(ctx, in, sizeof(in), out, sizeof(out), tir);
	if (ret == 0)
		tir->id = (uint32_t)PRM_GET(create_tir_out, out, tirn);
	return ret;
}

void
devx_query_vport_state_encode(void *in)
{
	memset(in, 0, PRM_SIZE(query_vport_state_in));
	PRM_SET(query_vport_state_in, in, opcode, PRM_CMD_QUERY_VPORT_STATE);
}

enum devx_vport_state
devx_query_vport_state_decode(const void *out)
{
	return PRM_GET(query_vport_state_out, out, state) == DEVX_VPORT_UP ? DEVX_VPORT_UP :
									     DEVX_VPORT_DOWN;
}

int
devx_query_vport_state(struct ibv_context *ctx, enum devx_vport_state *state)
{
	uint8_t in[PRM_SIZE(query_vport_state_in)];
	uint8_t out[PRM_SIZE(query_vport_state_out)];
	int ret;

	devx_query_vport_state_encode(in);
	ret = devx_cmd_exec(ctx, in, sizeof(in), out, sizeof(out));
	if (ret == 0)
		*state = devx_query_vport_state_decode(out);
	return ret;
}

void
devx_query_nic_vport_context_encode(void *in)
{
	memset(in, 0, PRM_SIZE(query_nic_vport_context_in));
	PRM_SET(query_nic_vport_context_in, in, opcode, PRM_CMD_QUERY_NIC_VPORT_CONTEXT);
}

void
devx_query_nic_vport_context_decode(const void *out, struct devx_nic_vport *v)
{
	const void *nvc = PRM_ADDR(query_nic_vport_context_out, out, nic_vport_context);
	const void *mac = PRM_ADDR(nic_vport_context, nvc, permanent_address);
	uint64_t hi = PRM_GET(mac_address_layout, mac, mac_addr_47_32);
	uint64_t lo = PRM_GET(mac_address_layout, mac, mac_addr_31_0);
	uint64_t m = hi << 32 | lo;

	v->mtu = (uint16_t)PRM_GET(nic_vport_context, nvc, mtu);
	for (int i = 0; i < 6; i++)
		v->mac[i] = (uint8_t)(m >> (8 * (5 - i)));
}

int
devx_query_nic_vport_context(struct ibv_context *ctx, struct devx_nic_vport *v)
{
	uint8_t in[PRM_SIZE(query_nic_vport_context_in)];
	void *out;
	int ret;

	/* the context carries address lists: large for a stack buffer */
	out = calloc(1, PRM_SIZE(query_nic_vport_context_out));
	if (out == NULL)
		return -ENOMEM;
	devx_query_nic_vport_context_encode(in);
	ret = devx_cmd_exec(ctx, in, sizeof(in), out, PRM_SIZE(query_nic_vport_context_out));
	if (ret == 0)
		devx_query_nic_vport_context_decode(out, v);
	free(out);
	return ret;
}
