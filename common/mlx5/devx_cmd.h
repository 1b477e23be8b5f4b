/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The typed DevX command layer: the only code on the driver side that reads or writes PRM
 * mailboxes. Callers fill attribute structs; this layer encodes them, executes the command over
 * rdma-core's DevX API and judges its outcome once (prm_cmd_check: one log line with opcode,
 * status name and syndrome). Encoders and decoders are exported separately from execution so
 * tests can check mailboxes field by field without a device.
 *
 * Conventions: functions return 0 or a negative errno. Objects are plain structs owned by the
 * caller; a destroy function accepts a zeroed (never created) object and leaves it zeroed, so
 * teardown may run over half-done setup. Thread safety is the rdma-core context's: commands on
 * one context may run from several threads.
 */
#ifndef MLX5_DEVX_CMD_H
#define MLX5_DEVX_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ibv_context;
struct ibv_pd;
struct mlx5dv_devx_obj;
struct mlx5dv_devx_umem;

/* ---- Execution core ---- */

/* A firmware object created through DevX, and the id the firmware gave it. */
struct devx_obj {
	struct mlx5dv_devx_obj *obj;
	uint32_t id;
};

/*
 * Runs a command that creates no object (query, modify of a non-DevX resource, ...). Returns 0
 * when the firmware answered OK; otherwise the errno of the failure, logged once.
 */
int devx_cmd_exec(struct ibv_context *ctx, const void *in, size_t inlen, void *out,
		  size_t outlen);

/*
 * Creates an object; on success obj->obj is set and obj->id is left 0 for the caller to decode
 * from out (each object type returns its id in a different field).
 */
int devx_obj_create(struct ibv_context *ctx, const void *in, size_t inlen, void *out,
		    size_t outlen, struct devx_obj *obj);
/* Modify and query commands on an object created by devx_obj_create(). */
int devx_obj_modify(struct devx_obj *obj, const void *in, size_t inlen, void *out,
		    size_t outlen);
int devx_obj_query(struct devx_obj *obj, const void *in, size_t inlen, void *out,
		   size_t outlen);
/* Destroys the object if any and zeroes *obj; returns the firmware's verdict. */
int devx_obj_destroy(struct devx_obj *obj);

/* ---- HCA capabilities ---- */

/* HCA capability types (QUERY_HCA_CAP op_mod = type << 1 | current). */
enum devx_hca_cap_type {
	DEVX_HCA_CAP_GENERAL = 0x0,
	DEVX_HCA_CAP_VIRTIO_EMULATION = 0x13,
};

/* Bits of devx_hca_caps.general_obj_types. */
#define DEVX_GENERAL_OBJ_TYPES_VIRTIO_NET_Q (1ull << 13)
#define DEVX_GENERAL_OBJ_TYPES_VIRTIO_Q_COUNTERS (1ull << 28)

enum devx_virtq_type {
	DEVX_VIRTQ_TYPE_SPLIT = 0,
	DEVX_VIRTQ_TYPE_PACKED = 1,
};

enum devx_virtq_event_mode {
	DEVX_VIRTQ_EVENT_NO_MSIX = 0,
	DEVX_VIRTQ_EVENT_QP = 1,
	DEVX_VIRTQ_EVENT_MSIX = 2,
};

/*
 * virtio-net features in the device's 13-bit mask (caps device_features and a virtq's
 * queue_features): bit positions, not virtio feature numbers.
 */
enum devx_virtio_net_feature {
	DEVX_VIRTIO_NET_F_MRG_RXBUF = 2,
	DEVX_VIRTIO_NET_F_HOST_ECN = 4,
	DEVX_VIRTIO_NET_F_GUEST_ECN = 6,
	DEVX_VIRTIO_NET_F_GUEST_TSO6 = 7,
	DEVX_VIRTIO_NET_F_GUEST_TSO4 = 8,
	DEVX_VIRTIO_NET_F_GUEST_CSUM = 9,
	DEVX_VIRTIO_NET_F_CSUM = 10,
	DEVX_VIRTIO_NET_F_HOST_TSO6 = 11,
	DEVX_VIRTIO_NET_F_HOST_TSO4 = 12,
};

/* Size of a virtq umem for a ring of queue_size entries: a * queue_size + b bytes. */
struct devx_umem_param {
	uint32_t a;
	uint32_t b;
};

/* The virtio emulation capability page. */
struct devx_virtio_caps {
	uint32_t max_num_virtio_queues;
	uint16_t device_features;	/* devx_virtio_net_feature bits */
	uint8_t event_modes;		/* 1 << devx_virtq_event_mode, per mode supported */
	uint8_t queue_types;		/* 1 << devx_virtq_type, per type supported */
	bool virtio_version_1_0;
	bool desc_group_mkey;		/* desc_group_mkey_supported */
	bool freeze_to_rdy;		/* freeze_to_rdy_supported: SUSPEND -> RDY allowed */
	uint8_t log_doorbell_stride;
	uint8_t log_doorbell_bar_size;
	uint64_t doorbell_bar_offset;
	struct devx_umem_param umem[3];
};

struct devx_hca_caps {
	uint16_t vhca_id;
	uint64_t general_obj_types;	/* DEVX_GENERAL_OBJ_TYPES_* */
	uint8_t log_max_rqt_size;
	uint8_t log_max_klm_list_size;
	bool virtio_valid;		/* the virtio emulation page was queried */
	struct devx_virtio_caps virtio;
};

/*
 * Queries the general capabilities and, when general_obj_types offers virtio-net queues, the
 * virtio emulation page (current values). A function without it gets virtio_valid = false.
 */
int devx_query_hca_caps(struct ibv_context *ctx, struct devx_hca_caps *caps);

/* Encodes QUERY_HCA_CAP for `type` (current values); in is zeroed first. */
void devx_query_hca_cap_encode(void *in, size_t inlen, enum devx_hca_cap_type type);
/* Decodes QUERY_HCA_CAP outputs (whole out mailboxes) into caps. */
void devx_hca_caps_decode_general(const void *out, struct devx_hca_caps *caps);
void devx_hca_caps_decode_virtio(const void *out, struct devx_virtio_caps *vcaps);

/* ---- Protection domain ---- */

/* Allocates a PD through verbs and reads its PD number for DevX objects. */
int devx_pd_alloc(struct ibv_context *ctx, struct ibv_pd **pd, uint32_t *pdn);
/* Frees *pd if any and sets it to NULL. */
int devx_pd_free(struct ibv_pd **pd);

#endif /* MLX5_DEVX_CMD_H */
