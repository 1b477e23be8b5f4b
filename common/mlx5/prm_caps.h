/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * QUERY_HCA_CAP and the capability pages a vDPA driver reads. The general pages follow DPDK
 * 22.11's mlx5_prm.h (which lists every field its probe reads); the virtio emulation page follows
 * the kernel's mlx5_ifc_vdpa.h (256 bytes, 13-bit feature mask) with DPDK's extra modify bits.
 */
#ifndef MLX5_PRM_CAPS_H
#define MLX5_PRM_CAPS_H

#include <stdint.h>

#include "prm_bits.h"

struct prm_query_hca_cap_in_bits {
	uint8_t opcode[0x10];
	uint8_t uid[0x10];

	uint8_t reserved_at_20[0x10];
	uint8_t op_mod[0x10];

	uint8_t reserved_at_40[0x40];
};
PRM_ASSERT_SIZE(query_hca_cap_in, 16);

/* The page is one of the prm_*_cap(s) layouts below, chosen by op_mod. */
struct prm_query_hca_cap_out_bits {
	uint8_t status[0x8];
	uint8_t reserved_at_8[0x18];

	uint8_t syndrome[0x20];

	uint8_t reserved_at_40[0x40];

	uint8_t capability[0x8000];
};
PRM_ASSERT_SIZE(query_hca_cap_out, 4112);

/* op_mod of QUERY_HCA_CAP: (page type << 1) | current(1) or maximum(0) values. */
enum prm_hca_cap_type {
	PRM_HCA_CAP_GENERAL_DEVICE = 0x0,
	PRM_HCA_CAP_ETHERNET_OFFLOAD = 0x1,
	PRM_HCA_CAP_ROCE = 0x4,
	PRM_HCA_CAP_NIC_FLOW_TABLE = 0x7,
	PRM_HCA_CAP_ESW_FLOW_TABLE = 0x8,
	PRM_HCA_CAP_ESW = 0x9,
	PRM_HCA_CAP_QOS = 0xc,
	PRM_HCA_CAP_VDPA_EMULATION = 0x13,
	PRM_HCA_CAP_CRYPTO = 0x1a,
	PRM_HCA_CAP_WQE_BASED_FLOW_TABLE = 0x1b,
	PRM_HCA_CAP_PARSE_GRAPH_NODE = 0x1c,
	PRM_HCA_CAP_GENERAL_DEVICE_2 = 0x20,
};
#define PRM_HCA_CAP_OP_MOD(type, current) (((type) << 1) | ((current) ? 1 : 0))

/* Virtio emulation capabilities (page 0x13). */
struct prm_virtio_emulation_cap_bits {
	uint8_t desc_tunnel_offload_type[0x1];
	uint8_t eth_frame_offload_type[0x1];
	uint8_t virtio_version_1_0[0x1];
	uint8_t device_features_bits_mask[0xd];	/* PRM_VIRTQ_FEATURE_* positions */
	uint8_t event_mode[0x8];		/* PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_*) */
	uint8_t virtio_queue_type[0x8];		/* PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_*) */

	uint8_t max_tunnel_desc[0x10];
	uint8_t reserved_at_30[0x3];
	uint8_t log_doorbell_stride[0x5];
	uint8_t vnet_modify_ext[0x1];		/* DPDK: modify of fields beyond state */
	uint8_t virtio_net_q_addr_modify[0x1];	/* DPDK */
	uint8_t virtio_q_index_modify[0x1];	/* DPDK */
	uint8_t log_doorbell_bar_size[0x5];

	uint8_t doorbell_bar_offset[0x40];

	uint8_t max_emulated_devices[0x8];
	uint8_t max_num_virtio_queues[0x18];

	uint8_t reserved_at_a0[0x20];

	uint8_t reserved_at_c0[0x13];
	uint8_t desc_group_mkey_supported[0x1];
	uint8_t freeze_to_rdy_supported[0x1];
	uint8_t reserved_at_d5[0xb];

	uint8_t reserved_at_e0[0x20];

	uint8_t umem_1_buffer_param_a[0x20];

	uint8_t umem_1_buffer_param_b[0x20];

	uint8_t umem_2_buffer_param_a[0x20];

	uint8_t umem_2_buffer_param_b[0x20];

	uint8_t umem_3_buffer_param_a[0x20];

	uint8_t umem_3_buffer_param_b[0x20];

	uint8_t reserved_at_1c0[0x640];
};
PRM_ASSERT_SIZE(virtio_emulation_cap, 256);

struct prm_cmd_hca_cap_bits {
	uint8_t access_other_hca_roce[0x1];
	uint8_t alloc_flow_counter_pd[0x1];
	uint8_t flow_counter_access_aso[0x1];
	uint8_t reserved_at_3[0x5];
	uint8_t flow_access_aso_opc_mod[0x8];
	uint8_t reserved_at_10[0xf];
	uint8_t vhca_resource_manager[0x1];

	uint8_t hca_cap_2[0x1];
	uint8_t reserved_at_21[0xf];
	uint8_t vhca_id[0x10];

	uint8_t reserved_at_40[0x20];

	uint8_t reserved_at_60[0x3];
	uint8_t log_regexp_scatter_gather_size[0x5];
	uint8_t reserved_at_68[0x3];
	uint8_t log_dma_mmo_size[0x5];
	uint8_t reserved_at_70[0x3];
	uint8_t log_compress_mmo_size[0x5];
	uint8_t reserved_at_78[0x3];
	uint8_t log_decompress_mmo_size[0x5];

	uint8_t log_max_srq_sz[0x8];
	uint8_t log_max_qp_sz[0x8];
	uint8_t reserved_at_90[0x9];
	uint8_t wqe_index_ignore_cap[0x1];
	uint8_t dynamic_qp_allocation[0x1];
	uint8_t log_max_qp[0x5];

	uint8_t reserved_at_a0[0x4];
	uint8_t regexp_num_of_engines[0x4];
	uint8_t reserved_at_a8[0x1];
	uint8_t reg_c_preserve[0x1];
	uint8_t reserved_at_aa[0x1];
	uint8_t log_max_srq[0x5];
	uint8_t reserved_at_b0[0xb];
	uint8_t scatter_fcs_w_decap_disable[0x1];
	uint8_t reserved_at_bc[0x4];

	uint8_t reserved_at_c0[0x8];
	uint8_t log_max_cq_sz[0x8];
	uint8_t reserved_at_d0[0x2];
	uint8_t access_register_user[0x1];
	uint8_t reserved_at_d3[0x8];
	uint8_t log_max_cq[0x5];

	uint8_t log_max_eq_sz[0x8];
	uint8_t relaxed_ordering_write[0x1];
	uint8_t relaxed_ordering_read[0x1];
	uint8_t log_max_mkey[0x6];
	uint8_t reserved_at_f0[0x8];
	uint8_t dump_fill_mkey[0x1];
	uint8_t reserved_at_f9[0x3];
	uint8_t log_max_eq[0x4];

	uint8_t max_indirection[0x8];
	uint8_t fixed_buffer_size[0x1];
	uint8_t log_max_mrw_sz[0x7];
	uint8_t force_teardown[0x1];
	uint8_t reserved_at_111[0x1];
	uint8_t log_max_bsf_list_size[0x6];
	uint8_t umr_extended_translation_offset[0x1];
	uint8_t null_mkey[0x1];
	uint8_t log_max_klm_list_size[0x6];

	uint8_t non_wire_sq[0x1];
	uint8_t reserved_at_121[0x9];
	uint8_t log_max_ra_req_dc[0x6];
	uint8_t reserved_at_130[0x3];
	uint8_t log_max_static_sq_wq[0x5];
	uint8_t reserved_at_138[0x2];
	uint8_t log_max_ra_res_dc[0x6];

	uint8_t reserved_at_140[0xa];
	uint8_t log_max_ra_req_qp[0x6];
	uint8_t rtr2rts_qp_counters_set_id[0x1];
	uint8_t rts2rts_udp_sport[0x1];
	uint8_t rts2rts_lag_tx_port_affinity[0x1];
	uint8_t dma_mmo_sq[0x1];
	uint8_t compress_min_block_size[0x4];
	uint8_t compress_mmo_sq[0x1];
	uint8_t decompress_mmo_sq[0x1];
	uint8_t log_max_ra_res_qp[0x6];

	uint8_t end_pad[0x1];
	uint8_t cc_query_allowed[0x1];
	uint8_t cc_modify_allowed[0x1];
	uint8_t start_pad[0x1];
	uint8_t cache_line_128byte[0x1];
	uint8_t reserved_at_165[0xa];
	uint8_t qcam_reg[0x1];
	uint8_t gid_table_size[0x10];

	uint8_t out_of_seq_cnt[0x1];
	uint8_t vport_counters[0x1];
	uint8_t retransmission_q_counters[0x1];
	uint8_t debug[0x1];
	uint8_t modify_rq_counter_set_id[0x1];
	uint8_t rq_delay_drop[0x1];
	uint8_t max_qp_cnt[0xa];
	uint8_t pkey_table_size[0x10];

	uint8_t vport_group_manager[0x1];
	uint8_t vhca_group_manager[0x1];
	uint8_t ib_virt[0x1];
	uint8_t eth_virt[0x1];
	uint8_t vnic_env_queue_counters[0x1];
	uint8_t ets[0x1];
	uint8_t nic_flow_table[0x1];
	uint8_t eswitch_manager[0x1];
	uint8_t device_memory[0x1];
	uint8_t mcam_reg[0x1];
	uint8_t pcam_reg[0x1];
	uint8_t local_ca_ack_delay[0x5];
	uint8_t port_module_event[0x1];
	uint8_t enhanced_error_q_counters[0x1];
	uint8_t ports_check[0x1];
	uint8_t reserved_at_1b3[0x1];
	uint8_t disable_link_up[0x1];
	uint8_t beacon_led[0x1];
	uint8_t port_type[0x2];
	uint8_t num_ports[0x8];

	uint8_t reserved_at_1c0[0x1];
	uint8_t pps[0x1];
	uint8_t pps_modify[0x1];
	uint8_t log_max_msg[0x5];
	uint8_t reserved_at_1c8[0x4];
	uint8_t max_tc[0x4];
	uint8_t temp_warn_event[0x1];
	uint8_t dcbx[0x1];
	uint8_t general_notification_event[0x1];
	uint8_t reserved_at_1d3[0x2];
	uint8_t fpga[0x1];
	uint8_t rol_s[0x1];
	uint8_t rol_g[0x1];
	uint8_t reserved_at_1d8[0x1];
	uint8_t wol_s[0x1];
	uint8_t wol_g[0x1];
	uint8_t wol_a[0x1];
	uint8_t wol_b[0x1];
	uint8_t wol_m[0x1];
	uint8_t wol_u[0x1];
	uint8_t wol_p[0x1];

	uint8_t stat_rate_support[0x10];
	uint8_t reserved_at_1f0[0xb];
	uint8_t wqe_based_flow_table_update_cap[0x1];
	uint8_t cqe_version[0x4];

	uint8_t compact_address_vector[0x1];
	uint8_t striding_rq[0x1];
	uint8_t reserved_at_202[0x1];
	uint8_t ipoib_enhanced_offloads[0x1];
	uint8_t ipoib_basic_offloads[0x1];
	uint8_t reserved_at_205[0x1];
	uint8_t repeated_block_disabled[0x1];
	uint8_t umr_modify_entity_size_disabled[0x1];
	uint8_t umr_modify_atomic_disabled[0x1];
	uint8_t umr_indirect_mkey_disabled[0x1];
	uint8_t umr_fence[0x2];
	uint8_t reserved_at_20c[0x3];
	uint8_t drain_sigerr[0x1];
	uint8_t cmdif_checksum[0x2];
	uint8_t sigerr_cqe[0x1];
	uint8_t reserved_at_213[0x1];
	uint8_t wq_signature[0x1];
	uint8_t sctr_data_cqe[0x1];
	uint8_t reserved_at_216[0x1];
	uint8_t sho[0x1];
	uint8_t tph[0x1];
	uint8_t rf[0x1];
	uint8_t dct[0x1];
	uint8_t qos[0x1];
	uint8_t eth_net_offloads[0x1];
	uint8_t roce[0x1];
	uint8_t atomic[0x1];
	uint8_t reserved_at_21f[0x1];

	uint8_t cq_oi[0x1];
	uint8_t cq_resize[0x1];
	uint8_t cq_moderation[0x1];
	uint8_t reserved_at_223[0x3];
	uint8_t cq_eq_remap[0x1];
	uint8_t pg[0x1];
	uint8_t block_lb_mc[0x1];
	uint8_t reserved_at_229[0x1];
	uint8_t scqe_break_moderation[0x1];
	uint8_t cq_period_start_from_cqe[0x1];
	uint8_t cd[0x1];
	uint8_t reserved_at_22d[0x1];
	uint8_t apm[0x1];
	uint8_t vector_calc[0x1];
	uint8_t umr_ptr_rlky[0x1];
	uint8_t imaicl[0x1];
	uint8_t reserved_at_232[0x4];
	uint8_t qkv[0x1];
	uint8_t pkv[0x1];
	uint8_t set_deth_sqpn[0x1];
	uint8_t reserved_at_239[0x3];
	uint8_t xrc[0x1];
	uint8_t ud[0x1];
	uint8_t uc[0x1];
	uint8_t rc[0x1];

	uint8_t uar_4k[0x1];
	uint8_t reserved_at_241[0x8];
	uint8_t regexp_params[0x1];
	uint8_t uar_sz[0x6];
	uint8_t port_selection_cap[0x1];
	uint8_t reserved_at_251[0x7];
	uint8_t log_pg_sz[0x8];

	uint8_t bf[0x1];
	uint8_t driver_version[0x1];
	uint8_t pad_tx_eth_packet[0x1];
	uint8_t reserved_at_263[0x8];
	uint8_t log_bf_reg_size[0x5];
	uint8_t reserved_at_270[0xb];
	uint8_t lag_master[0x1];
	uint8_t num_lag_ports[0x4];

	uint8_t reserved_at_280[0x10];
	uint8_t max_wqe_sz_sq[0x10];

	uint8_t reserved_at_2a0[0xc];
	uint8_t regexp_mmo_sq[0x1];
	uint8_t regexp_version[0x3];
	uint8_t max_wqe_sz_rq[0x10];

	uint8_t max_flow_counter_31_16[0x10];
	uint8_t max_wqe_sz_sq_dc[0x10];

	uint8_t reserved_at_2e0[0x7];
	uint8_t max_qp_mcg[0x19];

	uint8_t reserved_at_300[0x10];
	uint8_t flow_counter_bulk_alloc[0x8];
	uint8_t log_max_mcg[0x8];

	uint8_t reserved_at_320[0x3];
	uint8_t log_max_transport_domain[0x5];
	uint8_t reserved_at_328[0x3];
	uint8_t log_max_pd[0x5];
	uint8_t reserved_at_330[0xb];
	uint8_t log_max_xrcd[0x5];

	uint8_t nic_receive_steering_discard[0x1];
	uint8_t receive_discard_vport_down[0x1];
	uint8_t transmit_discard_vport_down[0x1];
	uint8_t reserved_at_343[0x5];
	uint8_t log_max_flow_counter_bulk[0x8];
	uint8_t max_flow_counter_15_0[0x10];

	uint8_t modify_tis[0x1];
	uint8_t flow_counters_dump[0x1];
	uint8_t reserved_at_362[0x1];
	uint8_t log_max_rq[0x5];
	uint8_t reserved_at_368[0x3];
	uint8_t log_max_sq[0x5];
	uint8_t reserved_at_370[0x3];
	uint8_t log_max_tir[0x5];
	uint8_t reserved_at_378[0x3];
	uint8_t log_max_tis[0x5];

	uint8_t basic_cyclic_rcv_wqe[0x1];
	uint8_t reserved_at_381[0x1];
	uint8_t mem_rq_rmp[0x1];
	uint8_t log_max_rmp[0x5];
	uint8_t reserved_at_388[0x3];
	uint8_t log_max_rqt[0x5];
	uint8_t reserved_at_390[0x3];
	uint8_t log_max_rqt_size[0x5];
	uint8_t reserved_at_398[0x3];
	uint8_t log_max_tis_per_sq[0x5];

	uint8_t ext_stride_num_range[0x1];
	uint8_t reserved_at_3a1[0x2];
	uint8_t log_max_stride_sz_rq[0x5];
	uint8_t reserved_at_3a8[0x3];
	uint8_t log_min_stride_sz_rq[0x5];
	uint8_t reserved_at_3b0[0x3];
	uint8_t log_max_stride_sz_sq[0x5];
	uint8_t reserved_at_3b8[0x3];
	uint8_t log_min_stride_sz_sq[0x5];

	uint8_t hairpin[0x1];
	uint8_t reserved_at_3c1[0x2];
	uint8_t log_max_hairpin_queues[0x5];
	uint8_t reserved_at_3c8[0x3];
	uint8_t log_max_hairpin_wq_data_sz[0x5];
	uint8_t reserved_at_3d0[0x3];
	uint8_t log_max_hairpin_num_packets[0x5];
	uint8_t reserved_at_3d8[0x3];
	uint8_t log_max_wq_sz[0x5];

	uint8_t nic_vport_change_event[0x1];
	uint8_t disable_local_lb_uc[0x1];
	uint8_t disable_local_lb_mc[0x1];
	uint8_t log_min_hairpin_wq_data_sz[0x5];
	uint8_t reserved_at_3e8[0x3];
	uint8_t log_max_vlan_list[0x5];
	uint8_t reserved_at_3f0[0x1];
	uint8_t aes_xts_single_block_le_tweak[0x1];
	uint8_t aes_xts_multi_block_be_tweak[0x1];
	uint8_t log_max_current_mc_list[0x5];
	uint8_t reserved_at_3f8[0x3];
	uint8_t log_max_current_uc_list[0x5];

	uint8_t general_obj_types[0x40];

	uint8_t sq_ts_format[0x2];
	uint8_t rq_ts_format[0x2];
	uint8_t steering_format_version[0x4];
	uint8_t reserved_at_448[0x18];

	uint8_t reserved_at_460[0x8];
	uint8_t aes_xts[0x1];
	uint8_t crypto[0x1];
	uint8_t reserved_at_46a[0x6];
	uint8_t max_num_eqs[0x10];

	uint8_t reserved_at_480[0x3];
	uint8_t log_max_l2_table[0x5];
	uint8_t reserved_at_488[0x8];
	uint8_t log_uar_page_sz[0x10];

	uint8_t reserved_at_4a0[0x20];

	uint8_t device_frequency_mhz[0x20];

	uint8_t device_frequency_khz[0x20];

	uint8_t reserved_at_500[0x20];

	uint8_t num_of_uars_per_page[0x20];

	uint8_t flex_parser_protocols[0x20];

	uint8_t max_geneve_tlv_options[0x8];
	uint8_t reserved_at_568[0x3];
	uint8_t max_geneve_tlv_option_data_len[0x5];
	uint8_t reserved_at_570[0x49];
	uint8_t mini_cqe_resp_l3_l4_tag[0x1];
	uint8_t mini_cqe_resp_flow_tag[0x1];
	uint8_t enhanced_cqe_compression[0x1];
	uint8_t mini_cqe_resp_stride_index[0x1];
	uint8_t cqe_128_always[0x1];
	uint8_t cqe_compression_128[0x1];
	uint8_t cqe_compression[0x1];

	uint8_t cqe_compression_timeout[0x10];
	uint8_t cqe_compression_max_num[0x10];

	uint8_t reserved_at_5e0[0x8];
	uint8_t flex_parser_id_gtpu_dw_0[0x4];
	uint8_t reserved_at_5ec[0x4];
	uint8_t tag_matching[0x1];
	uint8_t rndv_offload_rc[0x1];
	uint8_t rndv_offload_dc[0x1];
	uint8_t log_tag_matching_list_sz[0x5];
	uint8_t reserved_at_5f8[0x3];
	uint8_t log_max_xrq[0x5];

	uint8_t affiliate_nic_vport_criteria[0x8];
	uint8_t native_port_num[0x8];
	uint8_t num_vhca_ports[0x8];
	uint8_t flex_parser_id_gtpu_teid[0x4];
	uint8_t reserved_at_61c[0x2];
	uint8_t sw_owner_id[0x1];
	uint8_t reserved_at_61f[0x6c];
	uint8_t wait_on_data[0x1];
	uint8_t wait_on_time[0x1];
	uint8_t reserved_at_68d[0x37];
	uint8_t flex_parser_id_geneve_opt_0[0x4];
	uint8_t flex_parser_id_icmp_dw1[0x4];
	uint8_t flex_parser_id_icmp_dw0[0x4];
	uint8_t flex_parser_id_icmpv6_dw1[0x4];
	uint8_t flex_parser_id_icmpv6_dw0[0x4];
	uint8_t flex_parser_id_outer_first_mpls_over_gre[0x4];
	uint8_t flex_parser_id_outer_first_mpls_over_udp_label[0x4];

	uint8_t reserved_at_6e0[0x20];

	uint8_t flex_parser_id_gtpu_dw_2[0x4];
	uint8_t flex_parser_id_gtpu_first_ext_dw_0[0x4];
	uint8_t reserved_at_708[0x40];
	uint8_t dma_mmo_qp[0x1];
	uint8_t regexp_mmo_qp[0x1];
	uint8_t compress_mmo_qp[0x1];
	uint8_t decompress_mmo_qp[0x1];
	uint8_t reserved_at_74c[0x14];

	uint8_t reserved_at_760[0x3];
	uint8_t log_max_num_header_modify_argument[0x5];
	uint8_t log_header_modify_argument_granularity_offset[0x4];
	uint8_t log_header_modify_argument_granularity[0x4];
	uint8_t reserved_at_770[0x3];
	uint8_t log_header_modify_argument_max_alloc[0x5];
	uint8_t reserved_at_778[0x8];

	uint8_t reserved_at_780[0x40];

	uint8_t match_definer_format_supported[0x40];
};
PRM_ASSERT_SIZE(cmd_hca_cap, 256);

struct prm_cmd_hca_cap_2_bits {
	uint8_t reserved_at_0[0x80];

	uint8_t reserved_at_80[0x3];
	uint8_t max_num_prog_sample_field[0x5];
	uint8_t reserved_at_88[0x3];
	uint8_t log_max_num_reserved_qpn[0x5];
	uint8_t reserved_at_90[0x3];
	uint8_t log_reserved_qpn_granularity[0x5];
	uint8_t reserved_at_98[0x3];
	uint8_t log_reserved_qpn_max_alloc[0x5];

	uint8_t max_reformat_insert_size[0x8];
	uint8_t max_reformat_insert_offset[0x8];
	uint8_t max_reformat_remove_size[0x8];
	uint8_t max_reformat_remove_offset[0x8];

	uint8_t reserved_at_c0[0x3];
	uint8_t log_min_stride_wqe_sz[0x5];
	uint8_t reserved_at_c8[0x3];
	uint8_t log_conn_track_granularity[0x5];
	uint8_t reserved_at_d0[0x3];
	uint8_t log_conn_track_max_alloc[0x5];
	uint8_t reserved_at_d8[0x3];
	uint8_t log_max_conn_track_offload[0x5];

	uint8_t reserved_at_e0[0x20];

	uint8_t reserved_at_100[0x60];

	uint8_t reserved_at_160[0x3];
	uint8_t hairpin_sq_wqe_bb_size[0x5];
	uint8_t hairpin_sq_wq_in_host_mem[0x1];
	uint8_t hairpin_data_buffer_locked[0x1];
	uint8_t reserved_at_16a[0x16];

	uint8_t reserved_at_180[0x20];

	uint8_t reserved_at_1a0[0xa];
	uint8_t format_select_dw_8_6_ext[0x1];
	uint8_t reserved_at_1ab[0x15];

	uint8_t general_obj_types_127_64[0x40];

	uint8_t reserved_at_200[0x53];
	uint8_t flow_counter_bulk_log_max_alloc[0x5];
	uint8_t reserved_at_258[0x3];
	uint8_t flow_counter_bulk_log_granularity[0x5];

	uint8_t reserved_at_260[0x20];

	uint8_t format_select_dw_gtpu_dw_0[0x8];
	uint8_t format_select_dw_gtpu_dw_1[0x8];
	uint8_t format_select_dw_gtpu_dw_2[0x8];
	uint8_t format_select_dw_gtpu_first_ext_dw_0[0x8];

	uint8_t reserved_at_2a0[0x560];
};
PRM_ASSERT_SIZE(cmd_hca_cap_2, 256);

struct prm_per_protocol_networking_offload_caps_bits {
	uint8_t csum_cap[0x1];
	uint8_t vlan_cap[0x1];
	uint8_t lro_cap[0x1];
	uint8_t lro_psh_flag[0x1];
	uint8_t lro_time_stamp[0x1];
	uint8_t lro_max_msg_sz_mode[0x2];
	uint8_t wqe_vlan_insert[0x1];
	uint8_t self_lb_en_modifiable[0x1];
	uint8_t self_lb_mc[0x1];
	uint8_t self_lb_uc[0x1];
	uint8_t max_lso_cap[0x5];
	uint8_t multi_pkt_send_wqe[0x2];
	uint8_t wqe_inline_mode[0x2];
	uint8_t rss_ind_tbl_cap[0x4];
	uint8_t reg_umr_sq[0x1];
	uint8_t scatter_fcs[0x1];
	uint8_t enhanced_multi_pkt_send_wqe[0x1];
	uint8_t tunnel_lso_const_out_ip_id[0x1];
	uint8_t tunnel_lro_gre[0x1];
	uint8_t tunnel_lro_vxlan[0x1];
	uint8_t tunnel_stateless_gre[0x1];
	uint8_t tunnel_stateless_vxlan[0x1];

	uint8_t swp[0x1];
	uint8_t swp_csum[0x1];
	uint8_t swp_lso[0x1];
	uint8_t reserved_at_23[0x8];
	uint8_t tunnel_stateless_gtp[0x1];
	uint8_t reserved_at_2c[0x4];
	uint8_t max_vxlan_udp_ports[0x8];
	uint8_t reserved_at_38[0x6];
	uint8_t max_geneve_opt_len[0x1];
	uint8_t tunnel_stateless_geneve_rx[0x1];

	uint8_t reserved_at_40[0x10];
	uint8_t lro_min_mss_size[0x10];

	uint8_t reserved_at_60[0x120];

	uint8_t lro_timer_supported_periods[0x80];

	uint8_t reserved_at_200[0x600];
};
PRM_ASSERT_SIZE(per_protocol_networking_offload_caps, 256);

struct prm_qos_cap_bits {
	uint8_t packet_pacing[0x1];
	uint8_t esw_scheduling[0x1];
	uint8_t esw_bw_share[0x1];
	uint8_t esw_rate_limit[0x1];
	uint8_t reserved_at_4[0x1];
	uint8_t packet_pacing_burst_bound[0x1];
	uint8_t packet_pacing_typical_size[0x1];
	uint8_t flow_meter_old[0x1];
	uint8_t reserved_at_8[0x8];
	uint8_t log_max_flow_meter[0x8];
	uint8_t flow_meter_reg_id[0x8];

	uint8_t wqe_rate_pp[0x1];
	uint8_t reserved_at_21[0x7];
	uint8_t flow_meter[0x1];
	uint8_t reserved_at_29[0x17];

	uint8_t packet_pacing_max_rate[0x20];

	uint8_t packet_pacing_min_rate[0x20];

	uint8_t reserved_at_80[0x10];
	uint8_t packet_pacing_rate_table_size[0x10];

	uint8_t esw_element_type[0x10];
	uint8_t esw_tsar_type[0x10];

	uint8_t reserved_at_c0[0x10];
	uint8_t max_qos_para_vport[0x10];

	uint8_t max_tsar_bw_share[0x20];

	uint8_t nic_element_type[0x10];
	uint8_t nic_tsar_type[0x10];

	uint8_t reserved_at_120[0x3];
	uint8_t log_meter_aso_granularity[0x5];
	uint8_t reserved_at_128[0x3];
	uint8_t log_meter_aso_max_alloc[0x5];
	uint8_t reserved_at_130[0x3];
	uint8_t log_max_num_meter_aso[0x5];
	uint8_t reserved_at_138[0x6b0];
};
PRM_ASSERT_SIZE(qos_cap, 253);

struct prm_flow_table_prop_layout_bits {
	uint8_t ft_support[0x1];
	uint8_t flow_tag[0x1];
	uint8_t flow_counter[0x1];
	uint8_t flow_modify_en[0x1];
	uint8_t modify_root[0x1];
	uint8_t identified_miss_table[0x1];
	uint8_t flow_table_modify[0x1];
	uint8_t reformat[0x1];
	uint8_t decap[0x1];
	uint8_t reset_root_to_default[0x1];
	uint8_t pop_vlan[0x1];
	uint8_t push_vlan[0x1];
	uint8_t fpga_vendor_acceleration[0x1];
	uint8_t pop_vlan_2[0x1];
	uint8_t push_vlan_2[0x1];
	uint8_t reformat_and_vlan_action[0x1];
	uint8_t modify_and_vlan_action[0x1];
	uint8_t sw_owner[0x1];
	uint8_t reformat_l3_tunnel_to_l2[0x1];
	uint8_t reformat_l2_to_l3_tunnel[0x1];
	uint8_t reformat_and_modify_action[0x1];
	uint8_t reserved_at_15[0x9];
	uint8_t sw_owner_v2[0x1];
	uint8_t reserved_at_1f[0x1];

	uint8_t reserved_at_20[0x2];
	uint8_t log_max_ft_size[0x6];
	uint8_t log_max_modify_header_context[0x8];
	uint8_t max_modify_header_actions[0x8];
	uint8_t max_ft_level[0x8];

	uint8_t reserved_at_40[0x8];
	uint8_t log_max_ft_sampler_num[0x8];
	uint8_t metadata_reg_b_width[0x8];
	uint8_t metadata_reg_a_width[0x8];

	uint8_t reserved_at_60[0xa];
	uint8_t reparse[0x1];
	uint8_t reserved_at_6b[0xd];
	uint8_t log_max_ft_num[0x8];

	uint8_t reserved_at_80[0x10];
	uint8_t log_max_flow_counter[0x8];
	uint8_t log_max_destination[0x8];

	uint8_t reserved_at_a0[0x18];
	uint8_t log_max_flow[0x8];

	uint8_t reserved_at_c0[0x140];
};
PRM_ASSERT_SIZE(flow_table_prop_layout, 64);

struct prm_ft_fields_support_bits {
	uint8_t outer_dmac[0x1];
	uint8_t outer_smac[0x1];
	uint8_t outer_ether_type[0x1];
	uint8_t reserved_at_3[0x1];
	uint8_t outer_first_prio[0x1];
	uint8_t outer_first_cfi[0x1];
	uint8_t outer_first_vid[0x1];
	uint8_t reserved_at_7[0x1];
	uint8_t outer_second_prio[0x1];
	uint8_t outer_second_cfi[0x1];
	uint8_t outer_second_vid[0x1];
	uint8_t reserved_at_b[0x1];
	uint8_t outer_sip[0x1];
	uint8_t outer_dip[0x1];
	uint8_t outer_frag[0x1];
	uint8_t outer_ip_protocol[0x1];
	uint8_t outer_ip_ecn[0x1];
	uint8_t outer_ip_dscp[0x1];
	uint8_t outer_udp_sport[0x1];
	uint8_t outer_udp_dport[0x1];
	uint8_t outer_tcp_sport[0x1];
	uint8_t outer_tcp_dport[0x1];
	uint8_t outer_tcp_flags[0x1];
	uint8_t outer_gre_protocol[0x1];
	uint8_t outer_gre_key[0x1];
	uint8_t outer_vxlan_vni[0x1];
	uint8_t reserved_at_1a[0x5];
	uint8_t source_eswitch_port[0x1];

	uint8_t inner_dmac[0x1];
	uint8_t inner_smac[0x1];
	uint8_t inner_ether_type[0x1];
	uint8_t reserved_at_23[0x1];
	uint8_t inner_first_prio[0x1];
	uint8_t inner_first_cfi[0x1];
	uint8_t inner_first_vid[0x1];
	uint8_t reserved_at_27[0x1];
	uint8_t inner_second_prio[0x1];
	uint8_t inner_second_cfi[0x1];
	uint8_t inner_second_vid[0x1];
	uint8_t reserved_at_2b[0x1];
	uint8_t inner_sip[0x1];
	uint8_t inner_dip[0x1];
	uint8_t inner_frag[0x1];
	uint8_t inner_ip_protocol[0x1];
	uint8_t inner_ip_ecn[0x1];
	uint8_t inner_ip_dscp[0x1];
	uint8_t inner_udp_sport[0x1];
	uint8_t inner_udp_dport[0x1];
	uint8_t inner_tcp_sport[0x1];
	uint8_t inner_tcp_dport[0x1];
	uint8_t inner_tcp_flags[0x1];
	uint8_t reserved_at_37[0x9];

	uint8_t reserved_at_40[0x20];

	uint8_t reserved_at_60[0x18];
	union {
		struct {
			uint8_t metadata_reg_c_7[0x1];
			uint8_t metadata_reg_c_6[0x1];
			uint8_t metadata_reg_c_5[0x1];
			uint8_t metadata_reg_c_4[0x1];
			uint8_t metadata_reg_c_3[0x1];
			uint8_t metadata_reg_c_2[0x1];
			uint8_t metadata_reg_c_1[0x1];
			uint8_t metadata_reg_c_0[0x1];
		};
		uint8_t metadata_reg_c_x[0x8];
	};

	uint8_t reserved_at_80[0x80];

	uint8_t reserved_at_100[0x80];

	uint8_t reserved_at_180[0x80];

	uint8_t reserved_at_200[0x80];

	uint8_t reserved_at_280[0x80];

	uint8_t reserved_at_300[0x100];
};
PRM_ASSERT_SIZE(ft_fields_support, 128);

struct prm_ft_fields_support_2_bits {
	uint8_t reserved_at_0[0xf];
	uint8_t tunnel_header_2_3[0x1];
	uint8_t tunnel_header_0_1[0x1];
	uint8_t macsec_syndrome[0x1];
	uint8_t macsec_tag[0x1];
	uint8_t outer_lrh_sl[0x1];
	uint8_t inner_ipv4_ihl[0x1];
	uint8_t outer_ipv4_ihl[0x1];
	uint8_t psp_syndrome[0x1];
	uint8_t inner_l3_ok[0x1];
	uint8_t inner_l4_ok[0x1];
	uint8_t outer_l3_ok[0x1];
	uint8_t outer_l4_ok[0x1];
	uint8_t psp_header[0x1];
	uint8_t inner_ipv4_checksum_ok[0x1];
	uint8_t inner_l4_checksum_ok[0x1];
	uint8_t outer_ipv4_checksum_ok[0x1];
	uint8_t outer_l4_checksum_ok[0x1];

	uint8_t reserved_at_20[0x60];
};
PRM_ASSERT_SIZE(ft_fields_support_2, 16);

struct prm_flow_table_nic_cap_bits {
	uint8_t reserved_at_0[0x200];

	struct prm_flow_table_prop_layout_bits flow_table_properties_nic_receive;

	struct prm_flow_table_prop_layout_bits flow_table_properties_nic_receive_rdma;

	struct prm_flow_table_prop_layout_bits flow_table_properties_nic_receive_sniffer;

	struct prm_flow_table_prop_layout_bits flow_table_properties_nic_transmit;

	struct prm_flow_table_prop_layout_bits flow_table_properties_nic_transmit_rdma;

	struct prm_flow_table_prop_layout_bits flow_table_properties_nic_transmit_sniffer;

	uint8_t reserved_at_e00[0x200];

	struct prm_ft_fields_support_bits ft_header_modify_nic_receive;

	struct prm_ft_fields_support_2_bits ft_field_support_2_nic_receive;

	uint8_t reserved_at_1480[0x780];

	struct prm_ft_fields_support_bits ft_header_modify_nic_transmit;

	uint8_t reserved_at_2000[0x6000];
};
PRM_ASSERT_SIZE(flow_table_nic_cap, 4096);

struct prm_flow_table_esw_cap_bits {
	uint8_t reserved_at_0[0x800];

	struct prm_ft_fields_support_bits ft_header_modify_esw_fdb;

	uint8_t reserved_at_c00[0x7400];
};
PRM_ASSERT_SIZE(flow_table_esw_cap, 4096);

struct prm_roce_caps_bits {
	uint8_t reserved_0[0x1e];
	uint8_t qp_ts_format[0x2];

	uint8_t reserved_at_20[0x7e0];
};
PRM_ASSERT_SIZE(roce_caps, 256);

struct prm_esw_cap_bits {
	uint8_t reserved_at_0[0x60];

	uint8_t esw_manager_vport_number_valid[0x1];
	uint8_t reserved_at_61[0xf];
	uint8_t esw_manager_vport_number[0x10];

	uint8_t reserved_at_80[0x780];
};
PRM_ASSERT_SIZE(esw_cap, 256);

#endif /* MLX5_PRM_CAPS_H */
