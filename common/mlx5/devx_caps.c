/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devx_cmd.h"
#include "prm_caps.h"
#include "prm_cmd.h"

void
devx_query_hca_cap_encode(void *in, size_t inlen, enum devx_hca_cap_type type)
{
	memset(in, 0, inlen);
	PRM_SET(query_hca_cap_in, in, opcode, PRM_CMD_QUERY_HCA_CAP);
	/* bit 0 of op_mod selects the current values, not the maximum ones */
	PRM_SET(query_hca_cap_in, in, op_mod, (unsigned int)type << 1 | 1);
}

void
devx_hca_caps_decode_general(const void *out, struct devx_hca_caps *caps)
{
	const void *cap = PRM_ADDR(query_hca_cap_out, out, capability);

	caps->vhca_id = (uint16_t)PRM_GET(cmd_hca_cap, cap, vhca_id);
	caps->general_obj_types = PRM_GET(cmd_hca_cap, cap, general_obj_types);
	caps->log_max_rqt_size = (uint8_t)PRM_GET(cmd_hca_cap, cap, log_max_rqt_size);
	caps->log_max_klm_list_size = (uint8_t)PRM_GET(cmd_hca_cap, cap, log_max_klm_list_size);
}

void
devx_hca_caps_decode_virtio(const void *out, struct devx_virtio_caps *v)
{
	const void *cap = PRM_ADDR(query_hca_cap_out, out, capability);

	v->virtio_version_1_0 = PRM_GET(virtio_emulation_cap, cap, virtio_version_1_0);
	v->device_features = (uint16_t)PRM_GET(virtio_emulation_cap, cap,
					       device_features_bits_mask);
	v->event_modes = (uint8_t)PRM_GET(virtio_emulation_cap, cap, event_mode);
	v->queue_types = (uint8_t)PRM_GET(virtio_emulation_cap, cap, virtio_queue_type);
	v->log_doorbell_stride = (uint8_t)PRM_GET(virtio_emulation_cap, cap, log_doorbell_stride);
	v->log_doorbell_bar_size = (uint8_t)PRM_GET(virtio_emulation_cap, cap,
						    log_doorbell_bar_size);
	v->doorbell_bar_offset = PRM_GET(virtio_emulation_cap, cap, doorbell_bar_offset);
	v->max_num_virtio_queues = (uint32_t)PRM_GET(virtio_emulation_cap, cap,
						     max_num_virtio_queues);
	v->desc_group_mkey = PRM_GET(virtio_emulation_cap, cap, desc_group_mkey_supported);
	v->freeze_to_rdy = PRM_GET(virtio_emulation_cap, cap, freeze_to_rdy_supported);
	v->modify_ext = PRM_GET(virtio_emulation_cap, cap, vnet_modify_ext);
	v->modify_addr = PRM_GET(virtio_emulation_cap, cap, virtio_net_q_addr_modify);
	v->modify_index = PRM_GET(virtio_emulation_cap, cap, virtio_q_index_modify);
	v->umem[0].a = (uint32_t)PRM_GET(virtio_emulation_cap, cap, umem_1_buffer_param_a);
	v->umem[0].b = (uint32_t)PRM_GET(virtio_emulation_cap, cap, umem_1_buffer_param_b);
	v->umem[1].a = (uint32_t)PRM_GET(virtio_emulation_cap, cap, umem_2_buffer_param_a);
	v->umem[1].b = (uint32_t)PRM_GET(virtio_emulation_cap, cap, umem_2_buffer_param_b);
	v->umem[2].a = (uint32_t)PRM_GET(virtio_emulation_cap, cap, umem_3_buffer_param_a);
	v->umem[2].b = (uint32_t)PRM_GET(virtio_emulation_cap, cap, umem_3_buffer_param_b);
}

int
devx_query_hca_caps(struct ibv_context *ctx, struct devx_hca_caps *caps)
{
	uint8_t in[PRM_SIZE(query_hca_cap_in)];
	void *out;
	int ret;

	/* 4 KiB of capability page: too big for the stack of a vhost thread */
	out = calloc(1, PRM_SIZE(query_hca_cap_out));
	if (out == NULL)
		return -ENOMEM;
	memset(caps, 0, sizeof(*caps));
	devx_query_hca_cap_encode(in, sizeof(in), DEVX_HCA_CAP_GENERAL);
	ret = devx_cmd_exec(ctx, in, sizeof(in), out, PRM_SIZE(query_hca_cap_out));
	if (ret != 0)
		goto free_out;
	devx_hca_caps_decode_general(out, caps);
	if (!(caps->general_obj_types & DEVX_GENERAL_OBJ_TYPES_VIRTIO_NET_Q))
		goto free_out;	/* no virtio emulation: the page does not exist */
	devx_query_hca_cap_encode(in, sizeof(in), DEVX_HCA_CAP_VIRTIO_EMULATION);
	ret = devx_cmd_exec(ctx, in, sizeof(in), out, PRM_SIZE(query_hca_cap_out));
	if (ret != 0)
		goto free_out;
	devx_hca_caps_decode_virtio(out, &caps->virtio);
	caps->virtio_valid = true;
free_out:
	free(out);
	return ret;
}
