/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capability profiles and QUERY_HCA_CAP. Values are plausible for each device family (public
 * documentation and driver sources name the capabilities, not their values on every firmware);
 * docs/emulator.md lists them. Profiles differ where the families do: BlueField-3 resumes
 * suspended queues (freeze_to_rdy), has descriptor-group mkeys and MSI-X event mode.
 */
#include <string.h>

#include "fw_internal.h"
#include "prm_caps.h"
#include "prm_virtq.h"

#define VDPA_FEATURES \
	((1u << PRM_VIRTQ_FEATURE_MRG_RXBUF) | (1u << PRM_VIRTQ_FEATURE_HOST_ECN) | \
	 (1u << PRM_VIRTQ_FEATURE_GUEST_ECN) | (1u << PRM_VIRTQ_FEATURE_GUEST_TSO6) | \
	 (1u << PRM_VIRTQ_FEATURE_GUEST_TSO4) | (1u << PRM_VIRTQ_FEATURE_GUEST_CSUM) | \
	 (1u << PRM_VIRTQ_FEATURE_CSUM) | (1u << PRM_VIRTQ_FEATURE_HOST_TSO6) | \
	 (1u << PRM_VIRTQ_FEATURE_HOST_TSO4))

static const struct emu_fw_profile profiles[] = {
	{
		.name = "cx6dx",	/* ConnectX-6 Dx virtual function */
		.pci_device_id = 0x101e,
		.max_virtio_queues = 256,
		.umem_param_a = { 128, 128, 16 },
		.umem_param_b = { 4096, 4096, 4096 },
		.virtq_event_modes = PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_NO_MSIX) |
				     PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_QP),
		.virtq_types = PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_SPLIT) |
			       PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_PACKED),
		.device_features = VDPA_FEATURES,
		.log_max_rqt_size = 8,
		.log_max_klm_list_size = 16,
		.log_max_qp = 16, .log_max_cq = 16, .log_max_cq_sz = 22, .log_max_qp_sz = 15,
		.max_emulated_devices = 1,
		.eq_vectors = 8,
	},
	{
		.name = "bf2",		/* BlueField-2 function */
		.pci_device_id = 0xa2d6,
		.max_virtio_queues = 256,
		.umem_param_a = { 128, 128, 16 },
		.umem_param_b = { 4096, 4096, 4096 },
		.virtq_event_modes = PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_NO_MSIX) |
				     PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_QP),
		.virtq_types = PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_SPLIT) |
			       PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_PACKED),
		.device_features = VDPA_FEATURES,
		.modify_ext = true,
		.log_max_rqt_size = 9,
		.log_max_klm_list_size = 16,
		.log_max_qp = 17, .log_max_cq = 17, .log_max_cq_sz = 22, .log_max_qp_sz = 15,
		.max_emulated_devices = 16,
		.eq_vectors = 8,
	},
	{
		.name = "bf3",		/* BlueField-3 function */
		.pci_device_id = 0xa2dc,
		.max_virtio_queues = 1024,
		.umem_param_a = { 128, 128, 16 },
		.umem_param_b = { 4096, 4096, 4096 },
		.virtq_event_modes = PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_NO_MSIX) |
				     PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_QP) |
				     PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_MSIX),
		.virtq_types = PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_SPLIT) |
			       PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_PACKED),
		.device_features = VDPA_FEATURES,
		.freeze_to_rdy = true,
		.desc_group_mkey = true,
		.modify_ext = true,
		.log_max_rqt_size = 10,
		.log_max_klm_list_size = 17,
		.log_max_qp = 18, .log_max_cq = 18, .log_max_cq_sz = 22, .log_max_qp_sz = 15,
		.max_emulated_devices = 32,
		.eq_vectors = 16,
	},
};

const struct emu_fw_profile *
emu_fw_profile_find(const char *name)
{
	for (size_t i = 0; i < sizeof(profiles) / sizeof(profiles[0]); i++)
		if (name && strcmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const char *
emu_fw_profile_name(const struct emu_fw_profile *profile)
{
	return profile ? profile->name : "none";
}

static void
general_caps(const struct emu_fw *fw, void *cap)
{
	const struct emu_fw_profile *p = fw->profile;
	uint64_t obj_types = PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_NET_Q) |
			     PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS);

	PRM_SET(cmd_hca_cap, cap, vhca_id, fw->params.vhca_id);
	PRM_SET(cmd_hca_cap, cap, log_max_qp_sz, p->log_max_qp_sz);
	PRM_SET(cmd_hca_cap, cap, log_max_qp, p->log_max_qp);
	PRM_SET(cmd_hca_cap, cap, log_max_cq_sz, p->log_max_cq_sz);
	PRM_SET(cmd_hca_cap, cap, log_max_cq, p->log_max_cq);
	PRM_SET(cmd_hca_cap, cap, log_max_eq, 6);
	PRM_SET(cmd_hca_cap, cap, log_max_eq_sz, 22);
	PRM_SET(cmd_hca_cap, cap, log_max_mkey, 24);
	PRM_SET(cmd_hca_cap, cap, log_max_mrw_sz, 64);
	PRM_SET(cmd_hca_cap, cap, log_max_klm_list_size, p->log_max_klm_list_size);
	PRM_SET(cmd_hca_cap, cap, log_max_pd, 24);
	PRM_SET(cmd_hca_cap, cap, log_max_transport_domain, 20);
	PRM_SET(cmd_hca_cap, cap, log_max_tis, 16);
	PRM_SET(cmd_hca_cap, cap, log_max_tir, 16);
	PRM_SET(cmd_hca_cap, cap, log_max_rq, 16);
	PRM_SET(cmd_hca_cap, cap, log_max_sq, 16);
	PRM_SET(cmd_hca_cap, cap, log_max_rqt_size, p->log_max_rqt_size);
	PRM_SET(cmd_hca_cap, cap, log_max_wq_sz, 15);
	PRM_SET(cmd_hca_cap, cap, eth_net_offloads, 1);
	PRM_SET(cmd_hca_cap, cap, nic_flow_table, 1);
	PRM_SET(cmd_hca_cap, cap, num_ports, 1);
	PRM_SET(cmd_hca_cap, cap, cqe_version, 1);
	PRM_SET(cmd_hca_cap, cap, general_obj_types, obj_types);
}

static void
virtio_caps(const struct emu_fw *fw, void *cap)
{
	const struct emu_fw_profile *p = fw->profile;

	PRM_SET(virtio_emulation_cap, cap, virtio_version_1_0, 1);
	PRM_SET(virtio_emulation_cap, cap, device_features_bits_mask, p->device_features);
	PRM_SET(virtio_emulation_cap, cap, event_mode, p->virtq_event_modes);
	PRM_SET(virtio_emulation_cap, cap, virtio_queue_type, p->virtq_types);
	PRM_SET(virtio_emulation_cap, cap, vnet_modify_ext, p->modify_ext);
	PRM_SET(virtio_emulation_cap, cap, virtio_net_q_addr_modify, p->modify_ext);
	PRM_SET(virtio_emulation_cap, cap, virtio_q_index_modify, p->modify_ext);
	/* One 4 KiB doorbell page: VAR pages live in the BAR memfd (emu_fw_var_alloc). */
	PRM_SET(virtio_emulation_cap, cap, log_doorbell_stride, 2);
	PRM_SET(virtio_emulation_cap, cap, log_doorbell_bar_size, 12);
	PRM_SET(virtio_emulation_cap, cap, doorbell_bar_offset, 0);
	PRM_SET(virtio_emulation_cap, cap, max_emulated_devices, p->max_emulated_devices);
	PRM_SET(virtio_emulation_cap, cap, max_num_virtio_queues, p->max_virtio_queues);
	PRM_SET(virtio_emulation_cap, cap, desc_group_mkey_supported, p->desc_group_mkey);
	PRM_SET(virtio_emulation_cap, cap, freeze_to_rdy_supported, p->freeze_to_rdy);
	PRM_SET(virtio_emulation_cap, cap, umem_1_buffer_param_a, p->umem_param_a[0]);
	PRM_SET(virtio_emulation_cap, cap, umem_1_buffer_param_b, p->umem_param_b[0]);
	PRM_SET(virtio_emulation_cap, cap, umem_2_buffer_param_a, p->umem_param_a[1]);
	PRM_SET(virtio_emulation_cap, cap, umem_2_buffer_param_b, p->umem_param_b[1]);
	PRM_SET(virtio_emulation_cap, cap, umem_3_buffer_param_a, p->umem_param_a[2]);
	PRM_SET(virtio_emulation_cap, cap, umem_3_buffer_param_b, p->umem_param_b[2]);
}

/* Pages a function without the feature still answers, all zeros, as hardware does. */
static bool
zero_page(unsigned int type)
{
	switch (type) {
	case PRM_HCA_CAP_ETHERNET_OFFLOAD:
	case PRM_HCA_CAP_ROCE:
	case PRM_HCA_CAP_NIC_FLOW_TABLE:
	case PRM_HCA_CAP_ESW_FLOW_TABLE:
	case PRM_HCA_CAP_ESW:
	case PRM_HCA_CAP_QOS:
	case PRM_HCA_CAP_CRYPTO:
	case PRM_HCA_CAP_WQE_BASED_FLOW_TABLE:
	case PRM_HCA_CAP_PARSE_GRAPH_NODE:
	case PRM_HCA_CAP_GENERAL_DEVICE_2:
		return true;
	default:
		return false;
	}
}

uint8_t
fw_query_hca_cap(struct fw_cmd *c)
{
	unsigned int op_mod = (unsigned int)PRM_GET(query_hca_cap_in, c->in, op_mod);
	unsigned int type = op_mod >> 1;
	void *cap = (uint8_t *)c->out + PRM_BIT_OFF(query_hca_cap_out, capability) / 8;
	size_t room = c->outlen - PRM_BIT_OFF(query_hca_cap_out, capability) / 8;

	/* Answer as much of the page as the caller has room for; the mailbox is zeroed. */
	if (type == PRM_HCA_CAP_GENERAL_DEVICE) {
		uint8_t page[PRM_SIZE(cmd_hca_cap)] = { 0 };

		general_caps(c->fw, page);
		memcpy(cap, page, room < sizeof(page) ? room : sizeof(page));
	} else if (type == PRM_HCA_CAP_VDPA_EMULATION) {
		uint8_t page[PRM_SIZE(virtio_emulation_cap)] = { 0 };

		virtio_caps(c->fw, page);
		memcpy(cap, page, room < sizeof(page) ? room : sizeof(page));
	} else if (type == PRM_HCA_CAP_ETHERNET_OFFLOAD) {
		uint8_t page[PRM_SIZE(per_protocol_networking_offload_caps)] = { 0 };

		PRM_SET(per_protocol_networking_offload_caps, page, csum_cap, 1);
		PRM_SET(per_protocol_networking_offload_caps, page, lro_cap, 0);
		memcpy(cap, page, room < sizeof(page) ? room : sizeof(page));
	} else if (!zero_page(type)) {
		return fw_fail(c, PRM_STATUS_BAD_PARAM, EMU_SYND_BAD_OP_MOD);
	}
	return PRM_STATUS_OK;
}
