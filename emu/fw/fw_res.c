/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Plain resources and the receive side: user contexts, PDs, transport domains, TIS, TIR, RQT,
 * the vport state and the NIC vport context.
 */
#include <stdlib.h>
#include <string.h>

#include "fw_internal.h"
#include "hw_nic.h"
#include "prm_mem.h"
#include "prm_net.h"
#include "prm_virtq.h"

/* A resource that holds nothing but its id. */
struct fw_plain {
	struct fw_obj obj;
};

static uint8_t
create_plain(struct fw_cmd *c, enum emu_obj_kind kind, uint32_t *id)
{
	struct fw_plain *p = calloc(1, sizeof(*p));

	if (p == NULL || fw_obj_insert(c->fw, &p->obj, kind, c->uid) < 0) {
		free(p);
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	}
	*id = p->obj.id;
	return PRM_STATUS_OK;
}

uint8_t
fw_alloc_pd(struct fw_cmd *c)
{
	uint32_t id;
	uint8_t st = create_plain(c, EMU_OBJ_PD, &id);

	if (st == PRM_STATUS_OK)
		PRM_SET(alloc_pd_out, c->out, pd, id);
	return st;
}

uint8_t
fw_dealloc_pd(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_PD, (uint32_t)PRM_GET(dealloc_pd_in, c->in, pd));
}

uint8_t
fw_alloc_td(struct fw_cmd *c)
{
	uint32_t id;
	uint8_t st = create_plain(c, EMU_OBJ_TD, &id);

	if (st == PRM_STATUS_OK)
		PRM_SET(alloc_transport_domain_out, c->out, transport_domain, id);
	return st;
}

uint8_t
fw_dealloc_td(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_TD,
			      (uint32_t)PRM_GET(dealloc_transport_domain_in, c->in, transport_domain));
}

uint8_t
fw_create_uctx(struct fw_cmd *c)
{
	uint32_t id;
	uint8_t st;

	if (c->uid != 0)	/* only the kernel creates user contexts */
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_UID);
	st = create_plain(c, EMU_OBJ_UCTX, &id);
	if (st == PRM_STATUS_OK)
		PRM_SET(create_uctx_out, c->out, uid, id);
	return st;
}

uint8_t
fw_destroy_uctx(struct fw_cmd *c)
{
	uint16_t uid = (uint16_t)PRM_GET(destroy_uctx_in, c->in, uid);

	if (fw_uid_has_objects(c->fw, uid))
		return fw_fail(c, PRM_STATUS_RESOURCE_BUSY, EMU_SYND_IN_USE);
	return fw_obj_destroy(c, EMU_OBJ_UCTX, uid);
}

uint8_t
fw_query_vport_state(struct fw_cmd *c)
{
	if (PRM_GET(query_vport_state_in, c->in, other_vport))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	PRM_SET(query_vport_state_out, c->out, state, PRM_VPORT_STATE_UP);
	PRM_SET(query_vport_state_out, c->out, admin_state, PRM_VPORT_STATE_UP);
	return PRM_STATUS_OK;
}

static void
mac_to_layout(const uint8_t mac[6], void *layout)
{
	PRM_SET(mac_address_layout, layout, mac_addr_47_32, ((uint32_t)mac[0] << 8) | mac[1]);
	PRM_SET(mac_address_layout, layout, mac_addr_31_0,
		((uint32_t)mac[2] << 24) | ((uint32_t)mac[3] << 16) | ((uint32_t)mac[4] << 8) | mac[5]);
}

static void
layout_to_mac(const void *layout, uint8_t mac[6])
{
	uint32_t hi = (uint32_t)PRM_GET(mac_address_layout, layout, mac_addr_47_32);
	uint32_t lo = (uint32_t)PRM_GET(mac_address_layout, layout, mac_addr_31_0);

	mac[0] = (uint8_t)(hi >> 8);
	mac[1] = (uint8_t)hi;
	mac[2] = (uint8_t)(lo >> 24);
	mac[3] = (uint8_t)(lo >> 16);
	mac[4] = (uint8_t)(lo >> 8);
	mac[5] = (uint8_t)lo;
}

uint8_t
fw_query_nic_vport_context(struct fw_cmd *c)
{
	void *ctx = PRM_ADDR(query_nic_vport_context_out, c->out, nic_vport_context);

	if (PRM_GET(query_nic_vport_context_in, c->in, other_vport))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	PRM_SET(nic_vport_context, ctx, mtu, c->fw->vport_mtu);
	mac_to_layout(c->fw->vport_mac, PRM_ADDR(nic_vport_context, ctx, permanent_address));
	return PRM_STATUS_OK;
}

uint8_t
fw_modify_nic_vport_context(struct fw_cmd *c)
{
	const void *sel = PRM_ADDR(modify_nic_vport_context_in, c->in, field_select);
	const void *ctx = PRM_ADDR(modify_nic_vport_context_in, c->in, nic_vport_context);

	if (PRM_GET(modify_nic_vport_context_in, c->in, other_vport))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	if (PRM_GET(modify_nic_vport_field_select, sel, mtu)) {
		uint16_t mtu = (uint16_t)PRM_GET(nic_vport_context, ctx, mtu);

		if (mtu < 68 || mtu > 9978)
			return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
		c->fw->vport_mtu = mtu;
	}
	if (PRM_GET(modify_nic_vport_field_select, sel, permanent_address))
		layout_to_mac(PRM_ADDR(nic_vport_context, ctx, permanent_address), c->fw->vport_mac);
	return PRM_STATUS_OK;
}

/* ---- TIS ---- */

struct fw_tis {
	struct fw_obj obj;
	struct fw_obj *td;
};

static void
tis_release(struct emu_fw *fw, struct fw_obj *obj)
{
	(void)fw;
	fw_obj_put(((struct fw_tis *)obj)->td);
}

uint8_t
fw_create_tis(struct fw_cmd *c)
{
	const void *ctx = PRM_ADDR(create_tis_in, c->in, ctx);
	uint8_t st = PRM_STATUS_OK;
	struct fw_obj *td = fw_obj_lookup(c, EMU_OBJ_TD,
					  (uint32_t)PRM_GET(tisc, ctx, transport_domain), &st);
	struct fw_tis *t;

	if (td == NULL)
		return st;
	t = calloc(1, sizeof(*t));
	if (t == NULL || fw_obj_insert(c->fw, &t->obj, EMU_OBJ_TIS, c->uid) < 0) {
		free(t);
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	}
	t->td = td;
	fw_obj_get(td);
	t->obj.release = tis_release;
	PRM_SET(create_tis_out, c->out, tisn, t->obj.id);
	return PRM_STATUS_OK;
}

uint8_t
fw_destroy_tis(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_TIS, (uint32_t)PRM_GET(destroy_tis_in, c->in, tisn));
}

/* ---- RQT: the indirection table, over virtio-net queues ---- */

struct fw_rqt {
	struct fw_obj obj;
	uint32_t max_size;
	uint32_t actual_size;
	struct fw_obj **entries;
};

static void
rqt_drop_entries(struct fw_rqt *r)
{
	for (uint32_t i = 0; i < r->actual_size; i++)
		fw_obj_put(r->entries[i]);
	free(r->entries);
	r->entries = NULL;
	r->actual_size = 0;
}

static void
rqt_release(struct emu_fw *fw, struct fw_obj *obj)
{
	if (fw->nic != NULL)
		hw_nic_del_rqt(fw->nic, fw->nic_port, obj->id);
	rqt_drop_entries((struct fw_rqt *)obj);
}

/* The data plane's copy of the table: queue ids in table order. */
static uint8_t
rqt_mirror(struct fw_cmd *c, const struct fw_rqt *r)
{
	uint32_t *ids;
	int ret;

	if (c->fw->nic == NULL)
		return PRM_STATUS_OK;
	ids = malloc(r->actual_size * sizeof(*ids));
	if (ids == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	for (uint32_t i = 0; i < r->actual_size; i++)
		ids[i] = r->entries[i]->id;
	ret = hw_nic_set_rqt(c->fw->nic, c->fw->nic_port, r->obj.id, ids, r->actual_size);
	free(ids);
	return ret == 0 ? PRM_STATUS_OK :
			  fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
}

/* Reads and checks an rqt context; on success *entries holds referenced queues. */
static uint8_t
rqt_parse(struct fw_cmd *c, const void *rqtc, size_t room, uint32_t max_size,
	  struct fw_obj ***entries, uint32_t *actual)
{
	uint32_t n = (uint32_t)PRM_GET(rqtc, rqtc, rqt_actual_size);
	const uint8_t *list = (const uint8_t *)rqtc + PRM_BYTE_OFF(rqtc, rq_num);
	struct fw_obj **e;
	uint8_t st = PRM_STATUS_OK;

	if (PRM_GET(rqtc, rqtc, list_q_type) != PRM_RQT_LIST_Q_TYPE_VIRTIO_NET_Q)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	if (n == 0 || n > max_size)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_LIMIT);
	if (PRM_BYTE_OFF(rqtc, rq_num) + (size_t)n * PRM_SIZE(rq_num) > room)
		return fw_fail(c, PRM_STATUS_BAD_INPUT_LEN, EMU_SYND_INLEN);
	e = calloc(n, sizeof(*e));
	if (e == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	for (uint32_t i = 0; i < n; i++) {
		uint32_t q = (uint32_t)PRM_GET(rq_num, list + i * PRM_SIZE(rq_num), rq_num);

		e[i] = fw_obj_lookup(c, EMU_OBJ_VIRTQ, q, &st);
		if (e[i] == NULL) {
			while (i--)
				fw_obj_put(e[i]);
			free(e);
			return st;
		}
		fw_obj_get(e[i]);
	}
	*entries = e;
	*actual = n;
	return PRM_STATUS_OK;
}

uint8_t
fw_create_rqt(struct fw_cmd *c)
{
	const void *rqtc = PRM_ADDR(create_rqt_in, c->in, rqt_context);
	uint32_t max_size = (uint32_t)PRM_GET(rqtc, rqtc, rqt_max_size);
	struct fw_rqt *r;
	uint8_t st;

	if (max_size == 0 || max_size > (1u << c->fw->profile->log_max_rqt_size))
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_LIMIT);
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	st = rqt_parse(c, rqtc, c->inlen - PRM_BYTE_OFF(create_rqt_in, rqt_context), max_size,
		       &r->entries, &r->actual_size);
	if (st != PRM_STATUS_OK) {
		free(r);
		return st;
	}
	if (fw_obj_insert(c->fw, &r->obj, EMU_OBJ_RQT, c->uid) < 0) {
		rqt_drop_entries(r);
		free(r);
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	}
	r->max_size = max_size;
	r->obj.release = rqt_release;
	st = rqt_mirror(c, r);
	if (st != PRM_STATUS_OK) {
		fw_obj_unlink_free(c->fw, &r->obj);
		return st;
	}
	PRM_SET(create_rqt_out, c->out, rqtn, r->obj.id);
	return PRM_STATUS_OK;
}

uint8_t
fw_modify_rqt(struct fw_cmd *c)
{
	const void *rqtc = PRM_ADDR(modify_rqt_in, c->in, rqt_context);
	uint8_t st = PRM_STATUS_OK;
	struct fw_obj *o = fw_obj_lookup(c, EMU_OBJ_RQT,
					 (uint32_t)PRM_GET(modify_rqt_in, c->in, rqtn), &st);
	struct fw_rqt *r = (struct fw_rqt *)o;
	struct fw_obj **entries;
	uint32_t n;

	if (o == NULL)
		return st;
	if (!(PRM_GET(modify_rqt_in, c->in, modify_bitmask) & PRM_RQT_MODIFY_RQN_LIST))
		return PRM_STATUS_OK;
	st = rqt_parse(c, rqtc, c->inlen - PRM_BYTE_OFF(modify_rqt_in, rqt_context), r->max_size,
		       &entries, &n);
	if (st != PRM_STATUS_OK)
		return st;
	rqt_drop_entries(r);
	r->entries = entries;
	r->actual_size = n;
	return rqt_mirror(c, r);
}

uint8_t
fw_destroy_rqt(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_RQT, (uint32_t)PRM_GET(destroy_rqt_in, c->in, rqtn));
}

/* ---- TIR ---- */

struct fw_tir {
	struct fw_obj obj;
	struct fw_obj *td;
	struct fw_obj *rqt;
	uint8_t ctx[PRM_SIZE(tirc)];	/* hash function, key and fields, as created */
};

static void
tir_release(struct emu_fw *fw, struct fw_obj *obj)
{
	struct fw_tir *t = (struct fw_tir *)obj;

	if (fw->nic != NULL)
		hw_nic_del_tir(fw->nic, fw->nic_port, obj->id);
	fw_obj_put(t->td);
	fw_obj_put(t->rqt);
}

/* What the data plane needs of a TIR context: its hash function, fields and key. */
static void
tir_rss_conf(const void *ctx, struct hw_rss_conf *rss)
{
	const void *sel = PRM_ADDR(tirc, ctx, rx_hash_field_selector_outer);
	uint32_t f = (uint32_t)PRM_GET(rx_hash_field_select, sel, selected_fields);

	memset(rss, 0, sizeof(*rss));
	switch (PRM_GET(tirc, ctx, rx_hash_fn)) {
	case PRM_RX_HASH_FN_TOEPLITZ:
		rss->fn = HW_RSS_FN_TOEPLITZ;
		break;
	case PRM_RX_HASH_FN_INVERTED_XOR8:
		rss->fn = HW_RSS_FN_XOR8;
		break;
	default:
		rss->fn = HW_RSS_FN_NONE;
	}
	rss->ipv6 = PRM_GET(rx_hash_field_select, sel, l3_prot_type) == PRM_RX_HASH_L3_IPV6;
	rss->udp = PRM_GET(rx_hash_field_select, sel, l4_prot_type) == PRM_RX_HASH_L4_UDP;
	rss->symmetric = PRM_GET(tirc, ctx, rx_hash_symmetric) != 0;
	rss->fields = (f & PRM_RX_HASH_FIELD_SRC_IP ? HW_RSS_SRC_IP : 0) |
		      (f & PRM_RX_HASH_FIELD_DST_IP ? HW_RSS_DST_IP : 0) |
		      (f & PRM_RX_HASH_FIELD_L4_SPORT ? HW_RSS_SRC_PORT : 0) |
		      (f & PRM_RX_HASH_FIELD_L4_DPORT ? HW_RSS_DST_PORT : 0);
	memcpy(rss->key, PRM_ADDR(tirc, ctx, rx_hash_toeplitz_key), HW_RSS_KEY_LEN);
}

uint8_t
fw_create_tir(struct fw_cmd *c)
{
	const void *ctx = PRM_ADDR(create_tir_in, c->in, ctx);
	uint8_t st = PRM_STATUS_OK;
	struct fw_obj *td, *rqt = NULL;
	struct fw_tir *t;

	td = fw_obj_lookup(c, EMU_OBJ_TD, (uint32_t)PRM_GET(tirc, ctx, transport_domain), &st);
	if (td == NULL)
		return st;
	if (PRM_GET(tirc, ctx, disp_type) != PRM_TIR_DISP_INDIRECT)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);	/* no RQs here */
	rqt = fw_obj_lookup(c, EMU_OBJ_RQT, (uint32_t)PRM_GET(tirc, ctx, indirect_table), &st);
	if (rqt == NULL)
		return st;
	if (PRM_GET(tirc, ctx, rx_hash_fn) > PRM_RX_HASH_FN_TOEPLITZ)
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_FIELD);
	t = calloc(1, sizeof(*t));
	if (t == NULL || fw_obj_insert(c->fw, &t->obj, EMU_OBJ_TIR, c->uid) < 0) {
		free(t);
		return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
	}
	memcpy(t->ctx, ctx, sizeof(t->ctx));
	t->td = td;
	t->rqt = rqt;
	fw_obj_get(td);
	fw_obj_get(rqt);
	t->obj.release = tir_release;
	if (c->fw->nic != NULL) {
		struct hw_rss_conf rss;

		tir_rss_conf(ctx, &rss);
		if (hw_nic_set_tir(c->fw->nic, c->fw->nic_port, t->obj.id, rqt->id, &rss) != 0) {
			fw_obj_unlink_free(c->fw, &t->obj);
			return fw_fail(c, PRM_STATUS_NO_RESOURCES, EMU_SYND_NO_RESOURCES);
		}
	}
	PRM_SET(create_tir_out, c->out, tirn, t->obj.id);
	return PRM_STATUS_OK;
}

uint8_t
fw_destroy_tir(struct fw_cmd *c)
{
	return fw_obj_destroy(c, EMU_OBJ_TIR, (uint32_t)PRM_GET(destroy_tir_in, c->in, tirn));
}
