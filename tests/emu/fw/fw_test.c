/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdlib.h>

#include "fw_test.h"
#include "prm_cq_qp.h"
#include "prm_mem.h"
#include "prm_net.h"
#include "prm_virtq.h"

struct emu_fw *
fwt_create(const char *profile)
{
	struct emu_fw_params p = { .profile = emu_fw_profile_find(profile), .vhca_id = 3,
				   .mac = { 2, 0, 0, 0, 0, 3 }, .mtu = 1500 };
	struct emu_fw *fw = NULL;

	assert_non_null(p.profile);
	assert_int_equal(emu_fw_create(&p, &fw), 0);
	return fw;
}

void
fwt_destroy_checked(struct emu_fw *fw)
{
	for (int k = 0; k < EMU_OBJ_KIND_COUNT; k++) {
		if (emu_fw_live_objects(fw, (enum emu_obj_kind)k))
			print_error("leaked %u %s\n", emu_fw_live_objects(fw, (enum emu_obj_kind)k),
				    emu_obj_kind_name((enum emu_obj_kind)k));
	}
	assert_int_equal(emu_fw_live_objects_total(fw), 0);
	emu_fw_destroy(fw);
}

uint8_t
fwt_exec(struct emu_fw *fw, const void *in, size_t inlen, void *out, size_t outlen,
	 uint32_t *syndrome)
{
	assert_int_equal(emu_fw_cmd(fw, 0, in, inlen, out, outlen), 0);
	if (syndrome)
		*syndrome = (uint32_t)PRM_GET(cmd_out_hdr, out, syndrome);
	return (uint8_t)PRM_GET(cmd_out_hdr, out, status);
}

uint32_t
fwt_pd(struct emu_fw *fw)
{
	uint8_t in[PRM_SIZE(alloc_pd_in)] = { 0 }, out[PRM_SIZE(alloc_pd_out)];

	PRM_SET(alloc_pd_in, in, opcode, PRM_CMD_ALLOC_PD);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(alloc_pd_out, out, pd);
}

uint32_t
fwt_td(struct emu_fw *fw)
{
	uint8_t in[PRM_SIZE(alloc_transport_domain_in)] = { 0 };
	uint8_t out[PRM_SIZE(alloc_transport_domain_out)];

	PRM_SET(alloc_transport_domain_in, in, opcode, PRM_CMD_ALLOC_TRANSPORT_DOMAIN);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(alloc_transport_domain_out, out, transport_domain);
}

uint32_t
fwt_umem(struct emu_fw *fw, void *buf, size_t size)
{
	uint32_t id = 0;

	assert_int_equal(emu_fw_umem_reg(fw, 0, buf, size, 7, &id), 0);
	return id;
}

uint32_t
fwt_mtt_mkey(struct emu_fw *fw, uint32_t pd, uint32_t umem, uint64_t start, uint64_t len, int lw)
{
	uint8_t in[PRM_SIZE(create_mkey_in)] = { 0 }, out[PRM_SIZE(create_mkey_out)];
	void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);

	PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
	PRM_SET(create_mkey_in, in, mkey_umem_valid, 1);
	PRM_SET(create_mkey_in, in, mkey_umem_id, umem);
	PRM_SET(mkc, mkc, access_mode_1_0, PRM_MKC_ACCESS_MODE_MTT);
	PRM_SET(mkc, mkc, lr, 1);
	PRM_SET(mkc, mkc, lw, lw);
	PRM_SET(mkc, mkc, pd, pd);
	PRM_SET(mkc, mkc, mkey_7_0, 0x42);
	PRM_SET(mkc, mkc, start_addr, start);
	PRM_SET(mkc, mkc, len, len);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(create_mkey_out, out, mkey_index) << 8 | 0x42;
}

static uint32_t
create_counters(struct emu_fw *fw)
{
	uint8_t in[PRM_SIZE(create_virtio_q_counters_in)] = { 0 };
	uint8_t out[PRM_SIZE(general_obj_out_cmd_hdr)];

	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_CREATE_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id);
}

void
fwt_vq_res_create(struct emu_fw *fw, struct fwt_vq_res *r, uint32_t qsize)
{
	static const uint32_t a[3] = { 128, 128, 16 }, b[3] = { 4096, 4096, 4096 };
	uint8_t cin[PRM_SIZE(create_cq_in)] = { 0 }, cout[PRM_SIZE(create_cq_out)];
	uint8_t qin[PRM_SIZE(create_qp_in)] = { 0 }, qout[PRM_SIZE(create_qp_out)];
	uint8_t tin[PRM_SIZE(create_tis_in)] = { 0 }, tout[PRM_SIZE(create_tis_out)];
	void *cqc = PRM_ADDR(create_cq_in, cin, cq_context);
	void *qpc = PRM_ADDR(create_qp_in, qin, qpc);
	uint32_t eqn;
	uint64_t off;

	memset(r, 0, sizeof(*r));
	r->pd = fwt_pd(fw);
	r->td = fwt_td(fw);
	r->ring = calloc(1, 1 << 20);
	assert_non_null(r->ring);
	r->ring_umem = fwt_umem(fw, r->ring, 1 << 20);
	r->mkey = fwt_mtt_mkey(fw, r->pd, r->ring_umem, 0x100000, 1 << 20, 1);
	r->counters = create_counters(fw);
	for (int i = 0; i < 3; i++) {
		r->umem_size[i] = a[i] * qsize + b[i];
		r->umem_buf[i] = calloc(1, r->umem_size[i]);
		r->umem[i] = fwt_umem(fw, r->umem_buf[i], r->umem_size[i]);
	}
	assert_int_equal(emu_fw_uar_alloc(fw, &r->uar, &off), 0);
	assert_int_equal(emu_fw_query_eqn(fw, 0, &eqn), 0);
	r->cq_buf = calloc(1, 64 * 16 + 64);
	r->cq_umem = fwt_umem(fw, r->cq_buf, 64 * 16 + 64);
	PRM_SET(create_cq_in, cin, opcode, PRM_CMD_CREATE_CQ);
	PRM_SET(create_cq_in, cin, cq_umem_id, r->cq_umem);
	PRM_SET(cqc, cqc, log_cq_size, 4);
	PRM_SET(cqc, cqc, uar_page, r->uar);
	PRM_SET(cqc, cqc, c_eqn, eqn);
	PRM_SET(cqc, cqc, dbr_umem_id, r->cq_umem);
	PRM_SET(cqc, cqc, dbr_addr, 64 * 16);
	assert_int_equal(fwt_exec(fw, cin, sizeof(cin), cout, sizeof(cout), NULL), PRM_STATUS_OK);
	r->cq = (uint32_t)PRM_GET(create_cq_out, cout, cqn);
	PRM_SET(create_qp_in, qin, opcode, PRM_CMD_CREATE_QP);
	PRM_SET(qpc, qpc, st, PRM_QP_ST_RC);
	PRM_SET(qpc, qpc, pd, r->pd);
	PRM_SET(qpc, qpc, cqn_rcv, r->cq);
	PRM_SET(qpc, qpc, no_sq, 1);
	assert_int_equal(fwt_exec(fw, qin, sizeof(qin), qout, sizeof(qout), NULL), PRM_STATUS_OK);
	r->qp = (uint32_t)PRM_GET(create_qp_out, qout, qpn);
	PRM_SET(create_tis_in, tin, opcode, PRM_CMD_CREATE_TIS);
	PRM_SET(tisc, PRM_ADDR(create_tis_in, tin, ctx), transport_domain, r->td);
	assert_int_equal(fwt_exec(fw, tin, sizeof(tin), tout, sizeof(tout), NULL), PRM_STATUS_OK);
	r->tis = (uint32_t)PRM_GET(create_tis_out, tout, tisn);
}

uint8_t
fwt_qp_transition(struct emu_fw *fw, uint16_t opcode, uint32_t qpn, uint32_t remote)
{
	uint8_t in[PRM_SIZE(init2rtr_qp_in)] = { 0 }, out[16];

	/* Every transition names the QP in the same place; INIT2RTR's context holds the peer. */
	PRM_SET(init2rtr_qp_in, in, opcode, opcode);
	PRM_SET(init2rtr_qp_in, in, qpn, qpn);
	PRM_SET(qpc, PRM_ADDR(init2rtr_qp_in, in, qpc), remote_qpn, remote);
	return fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL);
}

uint8_t
fwt_destroy_by_id(struct emu_fw *fw, uint16_t opcode, uint32_t id, uint32_t *syndrome)
{
	uint8_t in[16] = { 0 }, out[16];

	/* Every destroy-by-number command names its object in bits 0x48..0x5f. */
	PRM_SET(destroy_tis_in, in, opcode, opcode);
	PRM_SET(destroy_tis_in, in, tisn, id);
	return fwt_exec(fw, in, sizeof(in), out, sizeof(out), syndrome);
}

uint8_t
fwt_gen_destroy(struct emu_fw *fw, uint16_t type, uint32_t id, uint32_t *syndrome)
{
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)] = { 0 }, out[PRM_SIZE(general_obj_out_cmd_hdr)];

	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_DESTROY_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, type);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, id);
	return fwt_exec(fw, in, sizeof(in), out, sizeof(out), syndrome);
}

void
fwt_vq_res_destroy(struct emu_fw *fw, struct fwt_vq_res *r)
{
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_TIS, r->tis, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_QP, r->qp, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_CQ, r->cq, NULL), 0);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS, r->counters, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DESTROY_MKEY, r->mkey >> 8, NULL), 0);
	assert_int_equal(emu_fw_umem_dereg(fw, r->ring_umem), 0);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(emu_fw_umem_dereg(fw, r->umem[i]), 0);
		free(r->umem_buf[i]);
	}
	assert_int_equal(emu_fw_umem_dereg(fw, r->cq_umem), 0);
	assert_int_equal(emu_fw_uar_free(fw, r->uar), 0);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DEALLOC_TRANSPORT_DOMAIN, r->td, NULL), 0);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DEALLOC_PD, r->pd, NULL), 0);
	free(r->ring);
	free(r->cq_buf);
}

void
fwt_virtq_create_in(void *in, const struct fwt_vq_res *r, uint16_t index, uint32_t qsize,
		    uint8_t state)
{
	void *ctx = PRM_ADDR(create_virtio_net_q_in, in, obj_context);
	void *q = PRM_ADDR(virtio_net_q_object, ctx, virtio_q_context);

	memset(in, 0, PRM_SIZE(create_virtio_net_q_in));
	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_CREATE_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(virtio_net_q_object, ctx, state, state);
	if (index & 1)
		PRM_SET(virtio_net_q_object, ctx, tisn_or_qpn, r->tis);
	PRM_SET(virtio_q, q, queue_index, index);
	PRM_SET(virtio_q, q, queue_size, qsize);
	PRM_SET(virtio_q, q, event_mode, PRM_VIRTQ_EVENT_MODE_QP);
	PRM_SET(virtio_q, q, event_qpn_or_msix, r->qp);
	PRM_SET(virtio_q, q, virtio_version_1_0, 1);
	PRM_SET(virtio_q, q, desc_addr, 0x100000);
	PRM_SET(virtio_q, q, used_addr, 0x110000);
	PRM_SET(virtio_q, q, available_addr, 0x120000);
	PRM_SET(virtio_q, q, virtio_q_mkey, r->mkey);
	PRM_SET(virtio_q, q, pd, r->pd);
	PRM_SET(virtio_q, q, counter_set_id, r->counters);
	PRM_SET(virtio_q, q, umem_1_id, r->umem[0]);
	PRM_SET(virtio_q, q, umem_1_size, r->umem_size[0]);
	PRM_SET(virtio_q, q, umem_2_id, r->umem[1]);
	PRM_SET(virtio_q, q, umem_2_size, r->umem_size[1]);
	PRM_SET(virtio_q, q, umem_3_id, r->umem[2]);
	PRM_SET(virtio_q, q, umem_3_size, r->umem_size[2]);
}

uint8_t
fwt_virtq_modify(struct emu_fw *fw, uint32_t id, uint64_t mask, uint8_t state, uint32_t *syndrome)
{
	uint8_t in[PRM_SIZE(modify_virtio_net_q_in)] = { 0 };
	uint8_t out[PRM_SIZE(general_obj_out_cmd_hdr)];
	void *ctx = PRM_ADDR(modify_virtio_net_q_in, in, obj_context);

	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_MODIFY_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, id);
	PRM_SET(virtio_net_q_object, ctx, modify_field_select, mask);
	PRM_SET(virtio_net_q_object, ctx, state, state);
	return fwt_exec(fw, in, sizeof(in), out, sizeof(out), syndrome);
}

uint8_t
fwt_virtq_state(struct emu_fw *fw, uint32_t id)
{
	uint8_t in[PRM_SIZE(general_obj_in_cmd_hdr)] = { 0 }, out[PRM_SIZE(query_virtio_net_q_out)];

	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_QUERY_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_id, id);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	return (uint8_t)PRM_GET(virtio_net_q_object,
				PRM_ADDR(query_virtio_net_q_out, out, obj_context), state);
}
