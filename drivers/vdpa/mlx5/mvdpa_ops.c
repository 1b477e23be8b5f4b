/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The vDPA ops: what the device offers (features, queues, protocol features) and the ops table
 * registered with the vhost library.
 *
 * Features offered, and why:
 * - the offloads the virtio emulation caps list (device_features), mapped to virtio bits;
 * - VERSION_1 when the caps say the queues speak virtio 1.0;
 * - MQ when more than one queue pair is possible. CTRL_VQ is not offered: there is no control
 *   queue in the hardware, and both vhost-user front-ends (QEMU, virtio-user) emulate it and
 *   add the bit themselves;
 * - RING_PACKED only when the caps offer packed queues;
 * - LOG_ALL: the hardware virtq logs dirty pages into a bitmap (live migration);
 * - VHOST_USER_F_PROTOCOL_FEATURES, so protocol features are negotiated.
 * Not offered: ACCESS_PLATFORM (with it, QEMU sends I/O virtual addresses and expects IOTLB
 * messages to be served, while the hardware reads rings through a fixed guest-memory mkey built
 * from the memory table); MTU and STATUS (not reported by the device yet).
 */
#include <errno.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include <rte_vhost.h>

#include "mvdpa.h"

struct feature_map {
	uint8_t devx_bit;	/* enum devx_virtio_net_feature */
	uint8_t virtio_bit;
};

static const struct feature_map offload_map[] = {
	{ DEVX_VIRTIO_NET_F_MRG_RXBUF, VIRTIO_NET_F_MRG_RXBUF },
	{ DEVX_VIRTIO_NET_F_HOST_ECN, VIRTIO_NET_F_HOST_ECN },
	{ DEVX_VIRTIO_NET_F_GUEST_ECN, VIRTIO_NET_F_GUEST_ECN },
	{ DEVX_VIRTIO_NET_F_GUEST_TSO6, VIRTIO_NET_F_GUEST_TSO6 },
	{ DEVX_VIRTIO_NET_F_GUEST_TSO4, VIRTIO_NET_F_GUEST_TSO4 },
	{ DEVX_VIRTIO_NET_F_GUEST_CSUM, VIRTIO_NET_F_GUEST_CSUM },
	{ DEVX_VIRTIO_NET_F_CSUM, VIRTIO_NET_F_CSUM },
	{ DEVX_VIRTIO_NET_F_HOST_TSO6, VIRTIO_NET_F_HOST_TSO6 },
	{ DEVX_VIRTIO_NET_F_HOST_TSO4, VIRTIO_NET_F_HOST_TSO4 },
};

uint32_t
mvdpa_queue_pairs_from_caps(const struct devx_hca_caps *caps)
{
	uint32_t pairs = caps->virtio.max_num_virtio_queues / 2;

	/* RSS spreads over the RX queues through an RQT: one entry per queue pair */
	if (caps->log_max_rqt_size < 32 && pairs > (1u << caps->log_max_rqt_size))
		pairs = 1u << caps->log_max_rqt_size;
	return RTE_MIN(pairs, MVDPA_MAX_QUEUE_PAIRS);
}

uint64_t
mvdpa_features_from_caps(const struct devx_hca_caps *caps, uint32_t queue_pairs)
{
	const struct devx_virtio_caps *vc = &caps->virtio;
	uint64_t f = 1ull << VHOST_USER_F_PROTOCOL_FEATURES | 1ull << VHOST_F_LOG_ALL;

	for (size_t i = 0; i < RTE_DIM(offload_map); i++)
		if (vc->device_features & (1u << offload_map[i].devx_bit))
			f |= 1ull << offload_map[i].virtio_bit;
	if (vc->virtio_version_1_0)
		f |= 1ull << VIRTIO_F_VERSION_1;
	if (queue_pairs > 1)
		f |= 1ull << VIRTIO_NET_F_MQ;
	if (vc->queue_types & (1u << DEVX_VIRTQ_TYPE_PACKED))
		f |= 1ull << VIRTIO_F_RING_PACKED;
	return f;
}

uint64_t
mvdpa_protocol_features(void)
{
	/*
	 * BACKEND_REQ + SEND_FD + HOST_NOTIFIER let the front-end map the doorbell page so guest
	 * kicks reach the hardware directly; LOG_SHMFD carries the dirty log; REPLY_ACK is what
	 * QEMU expects together with backend requests.
	 */
	return 1ull << VHOST_USER_PROTOCOL_F_MQ |
	       1ull << VHOST_USER_PROTOCOL_F_LOG_SHMFD |
	       1ull << VHOST_USER_PROTOCOL_F_REPLY_ACK |
	       1ull << VHOST_USER_PROTOCOL_F_SLAVE_REQ |
	       1ull << VHOST_USER_PROTOCOL_F_SLAVE_SEND_FD |
	       1ull << VHOST_USER_PROTOCOL_F_HOST_NOTIFIER |
	       1ull << VHOST_USER_PROTOCOL_F_STATUS;
}

int
mvdpa_caps_check(const struct devx_hca_caps *caps, char *err, size_t errlen)
{
	const struct devx_virtio_caps *vc = &caps->virtio;

	if (!(caps->general_obj_types & DEVX_GENERAL_OBJ_TYPES_VIRTIO_NET_Q) ||
	    !caps->virtio_valid) {
		snprintf(err, errlen, "no virtio emulation capability (general object types 0x%"
			 PRIx64 " lack VIRTIO_NET_Q)", caps->general_obj_types);
		return -ENOTSUP;
	}
	if (!(vc->queue_types & (1u << DEVX_VIRTQ_TYPE_SPLIT))) {
		snprintf(err, errlen, "split virtqueues not supported (queue types 0x%x)",
			 vc->queue_types);
		return -ENOTSUP;
	}
	if (!(vc->event_modes & (1u << DEVX_VIRTQ_EVENT_QP))) {
		snprintf(err, errlen, "QP event mode not supported (event modes 0x%x)",
			 vc->event_modes);
		return -ENOTSUP;
	}
	if (vc->max_num_virtio_queues < 2) {
		snprintf(err, errlen, "%u virtio queues, a queue pair needs 2",
			 vc->max_num_virtio_queues);
		return -ENOTSUP;
	}
	return 0;
}

static int
mvdpa_get_queue_num(struct rte_vdpa_device *vdev, uint32_t *queue_num)
{
	*queue_num = mvdpa_from_vdpa(vdev)->queue_pairs;
	return 0;
}

static int
mvdpa_get_features(struct rte_vdpa_device *vdev, uint64_t *features)
{
	*features = mvdpa_from_vdpa(vdev)->features;
	return 0;
}

static int
mvdpa_get_protocol_features(struct rte_vdpa_device *vdev, uint64_t *features)
{
	(void)vdev;
	*features = mvdpa_protocol_features();
	return 0;
}

static int
mvdpa_get_dev_type(struct rte_vdpa_device *vdev, uint32_t *type)
{
	(void)vdev;
	*type = RTE_VHOST_VDPA_DEVICE_TYPE_NET;
	return 0;
}

/*
 * Device configuration (virtqs, guest memory keys, notifications, statistics) is the next
 * piece of work (issue 5, second part); until then these ops refuse honestly.
 */
static int
not_yet(int vid, const char *op)
{
	struct rte_vdpa_device *vdev = rte_vhost_get_vdpa_device(vid);

	MVDPA_LOG(ERR, "%s: %s is not implemented yet\n",
		  vdev != NULL ? vdev->device->name : "?", op);
	return -ENOTSUP;
}

static int
mvdpa_dev_conf(int vid)
{
	return not_yet(vid, "dev_conf");
}

static int
mvdpa_dev_close(int vid)
{
	return not_yet(vid, "dev_close");
}

static int
mvdpa_set_vring_state(int vid, int vring, int state)
{
	(void)vring;
	(void)state;
	return not_yet(vid, "set_vring_state");
}

static int
mvdpa_set_features(int vid)
{
	return not_yet(vid, "set_features");
}

static int
mvdpa_migration_done(int vid)
{
	return not_yet(vid, "migration_done");
}

static int
mvdpa_get_vfio_device_fd(int vid)
{
	return not_yet(vid, "get_vfio_device_fd (doorbell page fd)");
}

static int
mvdpa_get_notify_area(int vid, int qid, uint64_t *offset, uint64_t *size)
{
	(void)qid;
	(void)offset;
	(void)size;
	return not_yet(vid, "get_notify_area");
}

static int
mvdpa_get_stats_names(struct rte_vdpa_device *vdev, struct rte_vdpa_stat_name *names,
		      unsigned int size)
{
	(void)names;
	(void)size;
	MVDPA_LOG(ERR, "%s: get_stats_names is not implemented yet\n", vdev->device->name);
	return -ENOTSUP;
}

static int
mvdpa_get_stats(struct rte_vdpa_device *vdev, int qid, struct rte_vdpa_stat *stats,
		unsigned int n)
{
	(void)qid;
	(void)stats;
	(void)n;
	MVDPA_LOG(ERR, "%s: get_stats is not implemented yet\n", vdev->device->name);
	return -ENOTSUP;
}

static int
mvdpa_reset_stats(struct rte_vdpa_device *vdev, int qid)
{
	(void)qid;
	MVDPA_LOG(ERR, "%s: reset_stats is not implemented yet\n", vdev->device->name);
	return -ENOTSUP;
}

/*
 * Not set: get_vfio_group_fd (no VFIO: the doorbell page comes from the rdma-core context),
 * dev_cleanup (nothing outlives dev_close), get_config/set_config (virtio-blk only).
 */
const struct rte_vdpa_dev_ops mvdpa_ops_template = {
	.get_queue_num = mvdpa_get_queue_num,
	.get_features = mvdpa_get_features,
	.get_protocol_features = mvdpa_get_protocol_features,
	.dev_conf = mvdpa_dev_conf,
	.dev_close = mvdpa_dev_close,
	.set_vring_state = mvdpa_set_vring_state,
	.set_features = mvdpa_set_features,
	.migration_done = mvdpa_migration_done,
	.get_vfio_device_fd = mvdpa_get_vfio_device_fd,
	.get_notify_area = mvdpa_get_notify_area,
	.get_stats_names = mvdpa_get_stats_names,
	.get_stats = mvdpa_get_stats,
	.reset_stats = mvdpa_reset_stats,
	.get_dev_type = mvdpa_get_dev_type,
};
