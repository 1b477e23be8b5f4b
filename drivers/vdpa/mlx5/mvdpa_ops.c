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
#include <stdio.h>
#include <string.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>

#include <infiniband/mlx5dv.h>
#include <infiniband/verbs.h>
#include <rte_vhost.h>

#include "mvdpa.h"
#include "mvdpa_prealloc.h"

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

static struct mvdpa_dev *
dev_of_vid(int vid)
{
	struct rte_vdpa_device *vdev = rte_vhost_get_vdpa_device(vid);

	return vdev != NULL ? mvdpa_from_vdpa(vdev) : NULL;
}

/* ---- vhost's message hooks ---- */

/* The vhost-user requests the hooks act on, and the header every message starts with. */
#define VU_SET_MEM_TABLE 5u
#define VU_SET_LOG_BASE 6u
#define VU_SET_VRING_NUM 8u
#define VU_GET_VRING_BASE 11u
struct vu_msg_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};
struct vu_vring_state_msg {
	struct vu_msg_hdr hdr;
	uint32_t index;
	uint32_t num;
};

/*
 * A device stops at the first GET_VRING_BASE (vhost calls dev_close), and vhost answers each
 * vring's from the indices the PMD handed back: dev_close returns as soon as the asked vring's
 * queue stopped (dev->close_vring), the other queues stop meanwhile, and each later
 * GET_VRING_BASE waits for its own. Any other request waits for the whole stop first: vhost may
 * unmap guest memory or close fds for it.
 */
static void
stop_sync(int vid, const void *msg)
{
	const struct vu_vring_state_msg *m = msg;
	struct mvdpa_dev *dev = dev_of_vid(vid);

	if (dev == NULL)
		return;
	pthread_mutex_lock(&dev->conf_lock);
	dev->close_vring = -1;
	if (m->hdr.request == VU_GET_VRING_BASE && m->hdr.size >= 2 * sizeof(uint32_t) &&
	    dev->conf != NULL && dev->conf->vid == vid)
		dev->close_vring = (int)(m->index & INT32_MAX);
	else if (dev->kept != NULL && dev->kept->vid == vid)
		mvdpa_conf_stop_wait(dev->kept, m->hdr.request == VU_GET_VRING_BASE &&
				     m->hdr.size >= 2 * sizeof(uint32_t) ?
				     (int)(m->index & INT32_MAX) : -1);
	pthread_mutex_unlock(&dev->conf_lock);
}

/* After GET_VRING_BASE, whether or not vhost called dev_close for it. */
static void
stop_request_done(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);

	if (dev == NULL)
		return;
	pthread_mutex_lock(&dev->conf_lock);
	dev->close_vring = -1;
	pthread_mutex_unlock(&dev->conf_lock);
}

/* A memory table before dev_conf: its keys are built while vhost takes the rest. */
static void
mem_table_set(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);
	int ret;

	if (dev == NULL)
		return;
	pthread_mutex_lock(&dev->conf_lock);
	if (!dev->removing && dev->conf == NULL) {
		ret = mvdpa_conf_mem_early_start(dev, vid);
		if (ret < 0)
			MVDPA_LOG(WARNING, "vid %d: guest-memory keys not built ahead (%s): "
				  "dev_conf builds them\n", vid, strerror(-ret));
	}
	pthread_mutex_unlock(&dev->conf_lock);
}

static enum rte_vhost_msg_result
msg_before(int vid, void *msg)
{
	stop_sync(vid, msg);
	if (((const struct vu_msg_hdr *)msg)->request == VU_SET_LOG_BASE)
		mvdpa_migrate_log_base_hook(vid, true);
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

/* A vring's size before dev_conf: its queue's resources are built while vhost takes the rest. */
static void
vring_num_set(int vid, const struct vu_vring_state_msg *m)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);
	int ret;

	if (dev == NULL || m->hdr.size < 2 * sizeof(uint32_t))
		return;
	pthread_mutex_lock(&dev->conf_lock);
	if (!dev->removing && dev->conf == NULL) {
		ret = mvdpa_prealloc_vq_ahead(dev, vid, m->index, m->num);
		if (ret < 0)
			MVDPA_LOG(WARNING, "vid %d: vring %u: its queue's resources not built ahead "
				  "(%s): dev_conf builds them\n", vid, m->index, strerror(-ret));
	}
	pthread_mutex_unlock(&dev->conf_lock);
}

/* After vhost handled the message (it failed: not called). */
static enum rte_vhost_msg_result
msg_after(int vid, void *msg)
{
	switch (((const struct vu_msg_hdr *)msg)->request) {
	case VU_SET_VRING_NUM:
		vring_num_set(vid, msg);
		break;
	case VU_SET_LOG_BASE:
		mvdpa_migrate_log_base_hook(vid, false);
		break;
	case VU_SET_MEM_TABLE:
		mem_table_set(vid);
		break;
	case VU_GET_VRING_BASE:
		stop_request_done(vid);
		break;
	default:
		break;
	}
	return RTE_VHOST_MSG_RESULT_NOT_HANDLED;
}

static const struct rte_vhost_user_extern_ops msg_hooks = {
	.pre_msg_handle = msg_before,
	.post_msg_handle = msg_after,
};

/*
 * From the first op that names the vid (set_features: vhost calls it for every SET_FEATURES,
 * which comes before the memory table) on. vhost keeps one set of hooks per device: an
 * application's own are replaced.
 */
static void
msg_hooks_register(int vid)
{
	if (rte_vhost_extern_callback_register(vid, &msg_hooks, NULL) != 0)
		MVDPA_LOG(WARNING, "vid %d: no vhost message hooks: guest-memory keys and queue "
			  "resources are built at dev_conf, a new dirty log sent while logging is "
			  "not followed\n", vid);
}

static int
mvdpa_dev_conf(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);
	int ret;

	if (dev == NULL)
		return -ENODEV;
	pthread_mutex_lock(&dev->conf_lock);
	ret = dev->removing ? -ENODEV : mvdpa_conf_create(dev, vid);
	pthread_mutex_unlock(&dev->conf_lock);
	if (ret == 0)
		msg_hooks_register(vid);	/* a front-end that sent no SET_FEATURES */
	return ret;
}

static int
mvdpa_dev_close(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);

	if (dev == NULL)
		return -ENODEV;
	pthread_mutex_lock(&dev->conf_lock);
	mvdpa_conf_close(dev, dev->close_vring);
	dev->close_vring = -1;
	pthread_mutex_unlock(&dev->conf_lock);
	return 0;
}

/* The vhost device goes (disconnect, RESET_OWNER): queues kept over its last stop go too. */
static int
mvdpa_dev_cleanup(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);

	if (dev == NULL)
		return -ENODEV;
	pthread_mutex_lock(&dev->conf_lock);
	if (dev->kept != NULL && dev->kept->vid == vid)
		mvdpa_conf_kept_destroy(dev);
	mvdpa_conf_mem_early_discard(dev);	/* a table that never reached dev_conf */
	mvdpa_prealloc_ahead_discard(dev);	/* ... and vrings */
	pthread_mutex_unlock(&dev->conf_lock);
	return 0;
}

/*
 * Queues are created for every ring the front-end set up when the device is configured; a ring
 * enabled or disabled later is recorded but not yet acted on (issue 5, run-time queue changes).
 */
static int
mvdpa_set_vring_state(int vid, int vring, int state)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);
	int ret = 0;

	if (dev == NULL)
		return -ENODEV;
	if (vring < 0 || (unsigned int)vring >= 2 * MVDPA_MAX_QUEUE_PAIRS) {
		MVDPA_LOG(ERR, "vid %d: vring %d out of range\n", vid, vring);
		return -EINVAL;
	}
	MVDPA_LOG(DEBUG, "vid %d: vring %d %s\n", vid, vring, state ? "ready" : "not ready");
	/* conf_lock: removal may tear the configuration down from another thread. */
	pthread_mutex_lock(&dev->conf_lock);
	dev->vring_ready[vring] = state != 0;
	dev->vring_ready_known = true;
	if (dev->conf != NULL && dev->conf->vid == vid)
		ret = mvdpa_conf_vring_state(dev, (uint16_t)vring);
	pthread_mutex_unlock(&dev->conf_lock);
	return ret;
}

/*
 * LOG_ALL comes and goes during a live migration: the queues log the pages they write into
 * vhost's dirty log while it is negotiated (mvdpa_migrate.c).
 */
static int
mvdpa_set_features(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);
	int ret = 0;

	if (dev == NULL)
		return -ENODEV;
	msg_hooks_register(vid);
	pthread_mutex_lock(&dev->conf_lock);
	/* Without a configuration dev_conf will look at the features. */
	if (dev->conf != NULL && dev->conf->vid == vid)
		ret = mvdpa_migrate_log_sync(dev);
	pthread_mutex_unlock(&dev->conf_lock);
	return ret;
}

/*
 * The destination after a migration (vhost relays the front-end's RARP request): the queues
 * already run from the indices the source stopped at, which vhost handed over at configuration.
 */
static int
mvdpa_migration_done(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);
	const struct mvdpa_conf *c;

	if (dev == NULL)
		return 0;
	pthread_mutex_lock(&dev->conf_lock);
	c = dev->conf;
	for (uint32_t i = 0; c != NULL && c->vid == vid && i < c->nvqs; i++)
		if (c->vqs[i].prepared)
			MVDPA_LOG(INFO, "vid %d: migration done: virtq %u started at avail %u used "
				  "%u\n", vid, i, c->vqs[i].attr.hw_available_index,
				  c->vqs[i].attr.hw_used_index);
	pthread_mutex_unlock(&dev->conf_lock);
	return 0;
}

/* The host notifier: the front-end maps the doorbell page from the context's command fd. */
static int
mvdpa_get_vfio_device_fd(int vid)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);

	return dev != NULL ? dev->ctx->cmd_fd : -ENODEV;
}

/*
 * vhost calls it from rte_vhost_host_notifier_ctrl(), which dev_conf calls with conf_lock held:
 * the configuration is stable without taking it again.
 */
static int
mvdpa_get_notify_area(int vid, int qid, uint64_t *offset, uint64_t *size)
{
	struct mvdpa_dev *dev = dev_of_vid(vid);

	(void)qid;	/* one doorbell page for all queues: the queue index is what is written */
	if (dev == NULL || dev->conf == NULL || dev->conf->var == NULL)
		return -ENODEV;
	*offset = (uint64_t)dev->conf->var->mmap_off;
	*size = dev->conf->var->length;
	return 0;
}

static const char *const stats_names[] = {
	"received_desc", "completed_desc", "bad_desc_errors", "exceed_max_chain",
	"invalid_buffer", "error_cqes",
};

static void
counters_to_array(const struct devx_virtq_counters *c, uint64_t v[RTE_DIM(stats_names)])
{
	v[0] = c->received_desc;
	v[1] = c->completed_desc;
	v[2] = c->bad_desc_errors;
	v[3] = c->exceed_max_chain;
	v[4] = c->invalid_buffer;
	v[5] = c->error_cqes;
}

/* A queue's counters, less what earlier front-ends counted on pre-created ones. */
static int
queue_counters_since_lent(const struct mvdpa_vq *q, struct devx_virtq_counters *c)
{
	const struct devx_virtq_counters *z = &q->counters_zero;
	int ret = devx_virtq_counters_query((struct devx_obj *)&q->counters, c);

	if (ret < 0)
		return ret;
	c->received_desc -= z->received_desc;
	c->completed_desc -= z->completed_desc;
	c->bad_desc_errors -= z->bad_desc_errors;
	c->exceed_max_chain -= z->exceed_max_chain;
	c->invalid_buffer -= z->invalid_buffer;
	c->error_cqes -= z->error_cqes;
	return 0;
}

/*
 * The hardware counters of queue qid now, or -ENODEV when it has none. A stopped queue's (vring
 * not ready, or vhost stopping the device before dev_close) hold what it counted while it ran,
 * and so do the queues a dev_close kept suspended (their counters are carried only when they
 * are destroyed). The caller holds conf_lock; the configuration's lock keeps the queue from
 * being started, stopped or recovered meanwhile.
 */
static int
queue_counters(struct mvdpa_dev *dev, int qid, struct devx_virtq_counters *c)
{
	struct mvdpa_conf *conf = dev->conf != NULL ? dev->conf : dev->kept;
	int ret = -ENODEV;

	memset(c, 0, sizeof(*c));
	if (conf != NULL && conf == dev->kept)
		mvdpa_conf_stop_wait(conf, -1);	/* its queues may be stopping */
	if (conf == NULL || (uint32_t)qid >= conf->nvqs)
		return -ENODEV;
	pthread_mutex_lock(&conf->lock);
	if (conf->vqs[qid].counters.id != 0)
		ret = queue_counters_since_lent(&conf->vqs[qid], c);
	pthread_mutex_unlock(&conf->lock);
	return ret;
}

static void
counters_from_array(const uint64_t v[RTE_DIM(stats_names)], struct devx_virtq_counters *c)
{
	*c = (struct devx_virtq_counters){
		.received_desc = v[0], .completed_desc = v[1],
		.bad_desc_errors = (uint32_t)v[2], .exceed_max_chain = (uint32_t)v[3],
		.invalid_buffer = (uint32_t)v[4], .error_cqes = (uint32_t)v[5],
	};
}

void
mvdpa_stats_carry_queue(struct mvdpa_dev *dev, struct mvdpa_vq *q, uint32_t qid)
{
	struct devx_virtq_counters now;
	uint64_t n[RTE_DIM(stats_names)], carry[RTE_DIM(stats_names)], zero[RTE_DIM(stats_names)];

	if (qid >= RTE_DIM(dev->stats_carry) || q->counters.id == 0 ||
	    queue_counters_since_lent(q, &now) < 0)
		return;
	counters_to_array(&now, n);
	counters_to_array(&dev->stats_carry[qid], carry);
	counters_to_array(&q->counters_zero, zero);
	for (size_t i = 0; i < RTE_DIM(stats_names); i++) {
		carry[i] += n[i];
		zero[i] += n[i];	/* the counters' values now: a later carry adds only what follows */
	}
	counters_from_array(carry, &dev->stats_carry[qid]);
	counters_from_array(zero, &q->counters_zero);
}

static int
mvdpa_get_stats_names(struct rte_vdpa_device *vdev, struct rte_vdpa_stat_name *names,
		      unsigned int size)
{
	(void)vdev;
	for (unsigned int i = 0; names != NULL && i < size && i < RTE_DIM(stats_names); i++)
		snprintf(names[i].name, sizeof(names[i].name), "%s", stats_names[i]);
	return (int)RTE_DIM(stats_names);
}

static int
mvdpa_get_stats(struct rte_vdpa_device *vdev, int qid, struct rte_vdpa_stat *stats,
		unsigned int n)
{
	struct mvdpa_dev *dev = mvdpa_from_vdpa(vdev);
	struct devx_virtq_counters now;
	uint64_t v[RTE_DIM(stats_names)], carry[RTE_DIM(stats_names)], base[RTE_DIM(stats_names)];
	unsigned int count = RTE_MIN(n, (unsigned int)RTE_DIM(stats_names));

	if (qid < 0 || (unsigned int)qid >= RTE_DIM(dev->stats_carry) || stats == NULL)
		return -EINVAL;
	pthread_mutex_lock(&dev->conf_lock);
	queue_counters(dev, qid, &now);	/* a queue not running now counts as zero */
	counters_to_array(&now, v);
	counters_to_array(&dev->stats_carry[qid], carry);
	counters_to_array(&dev->stats_base[qid], base);
	pthread_mutex_unlock(&dev->conf_lock);
	for (unsigned int i = 0; i < count; i++)
		stats[i] = (struct rte_vdpa_stat){ .id = i, .value = carry[i] + v[i] - base[i] };
	return (int)count;
}

static int
mvdpa_reset_stats(struct rte_vdpa_device *vdev, int qid)
{
	struct mvdpa_dev *dev = mvdpa_from_vdpa(vdev);

	if (qid < 0 || (unsigned int)qid >= RTE_DIM(dev->stats_carry))
		return -EINVAL;
	pthread_mutex_lock(&dev->conf_lock);
	queue_counters(dev, qid, &dev->stats_base[qid]);
	memset(&dev->stats_carry[qid], 0, sizeof(dev->stats_carry[qid]));
	pthread_mutex_unlock(&dev->conf_lock);
	return 0;
}

/*
 * Not set: get_vfio_group_fd (no VFIO: the doorbell page comes from the rdma-core context),
 * get_config/set_config (virtio-blk only).
 */
const struct rte_vdpa_dev_ops mvdpa_ops_template = {
	.get_queue_num = mvdpa_get_queue_num,
	.get_features = mvdpa_get_features,
	.get_protocol_features = mvdpa_get_protocol_features,
	.dev_conf = mvdpa_dev_conf,
	.dev_close = mvdpa_dev_close,
	.dev_cleanup = mvdpa_dev_cleanup,
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
