/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the PMD offers for given capabilities: the caps check that refuses functions unable to
 * serve vDPA, the number of queue pairs, the virtio-net features and protocol features.
 */
#include <errno.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <rte_vhost.h>

#include "mvdpa.h"

#define BIT(n) (1ull << (n))

/* A ConnectX-6 Dx VF as the kernel driver sees it: split queues, QP and MSI-X events. */
static void
good_caps(struct devx_hca_caps *c)
{
	memset(c, 0, sizeof(*c));
	c->general_obj_types = DEVX_GENERAL_OBJ_TYPES_VIRTIO_NET_Q |
			       DEVX_GENERAL_OBJ_TYPES_VIRTIO_Q_COUNTERS;
	c->log_max_rqt_size = 8;
	c->virtio_valid = true;
	c->virtio.max_num_virtio_queues = 256;
	c->virtio.queue_types = 1u << DEVX_VIRTQ_TYPE_SPLIT;
	c->virtio.event_modes = 1u << DEVX_VIRTQ_EVENT_QP | 1u << DEVX_VIRTQ_EVENT_MSIX;
	c->virtio.virtio_version_1_0 = true;
}

struct refuse_case {
	const char *name;
	void (*spoil)(struct devx_hca_caps *c);
	const char *msg;
};

static void
no_virtio_obj(struct devx_hca_caps *c)
{
	c->general_obj_types = 0;
}

static void
no_virtio_page(struct devx_hca_caps *c)
{
	c->virtio_valid = false;
}

static void
packed_only(struct devx_hca_caps *c)
{
	c->virtio.queue_types = 1u << DEVX_VIRTQ_TYPE_PACKED;
}

static void
msix_only(struct devx_hca_caps *c)
{
	c->virtio.event_modes = 1u << DEVX_VIRTQ_EVENT_MSIX;
}

static void
one_queue(struct devx_hca_caps *c)
{
	c->virtio.max_num_virtio_queues = 1;
}

static const struct refuse_case refuse_cases[] = {
	{ "no VIRTIO_NET_Q object type", no_virtio_obj, "no virtio emulation capability" },
	{ "virtio page not read", no_virtio_page, "no virtio emulation capability" },
	{ "packed queues only", packed_only, "split virtqueues not supported (queue types 0x2)" },
	{ "no QP event mode", msix_only, "QP event mode not supported (event modes 0x4)" },
	{ "a single queue", one_queue, "1 virtio queues, a queue pair needs 2" },
};

static void
caps_check_refuses_functions_that_cannot_serve_vdpa(void **state)
{
	struct devx_hca_caps c;
	char err[256];

	(void)state;
	good_caps(&c);
	assert_int_equal(mvdpa_caps_check(&c, err, sizeof(err)), 0);
	for (size_t i = 0; i < sizeof(refuse_cases) / sizeof(refuse_cases[0]); i++) {
		good_caps(&c);
		refuse_cases[i].spoil(&c);
		err[0] = '\0';
		if (mvdpa_caps_check(&c, err, sizeof(err)) != -ENOTSUP)
			fail_msg("%s: accepted", refuse_cases[i].name);
		if (strstr(err, refuse_cases[i].msg) == NULL)
			fail_msg("%s: '%s' lacks '%s'", refuse_cases[i].name, err,
				 refuse_cases[i].msg);
	}
}

static void
queue_pairs_are_bounded_by_queues_rqt_and_vhost(void **state)
{
	static const struct {
		uint32_t queues;
		uint8_t log_rqt;
		uint32_t pairs;
	} cases[] = {
		{ 2, 8, 1 },
		{ 3, 8, 1 },
		{ 16, 8, 8 },
		{ 16, 2, 4 },	/* RQT of 4 entries */
		{ 16, 0, 1 },
		{ 1024, 10, 128 },	/* vhost-user's limit */
		{ 256, 31, 128 },
	};
	struct devx_hca_caps c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		good_caps(&c);
		c.virtio.max_num_virtio_queues = cases[i].queues;
		c.log_max_rqt_size = cases[i].log_rqt;
		if (mvdpa_queue_pairs_from_caps(&c) != cases[i].pairs)
			fail_msg("%u queues, log rqt %u: %u pairs, expected %u", cases[i].queues,
				 cases[i].log_rqt, mvdpa_queue_pairs_from_caps(&c), cases[i].pairs);
	}
}

/* Each device feature bit, alone, turns on exactly its virtio feature. */
static void
each_device_feature_bit_maps_to_its_virtio_feature(void **state)
{
	static const struct {
		unsigned int devx;
		unsigned int virtio;
	} map[] = {
		{ 2, VIRTIO_NET_F_MRG_RXBUF }, { 4, VIRTIO_NET_F_HOST_ECN },
		{ 6, VIRTIO_NET_F_GUEST_ECN }, { 7, VIRTIO_NET_F_GUEST_TSO6 },
		{ 8, VIRTIO_NET_F_GUEST_TSO4 }, { 9, VIRTIO_NET_F_GUEST_CSUM },
		{ 10, VIRTIO_NET_F_CSUM }, { 11, VIRTIO_NET_F_HOST_TSO6 },
		{ 12, VIRTIO_NET_F_HOST_TSO4 },
	};
	struct devx_hca_caps c;
	uint64_t base;

	(void)state;
	good_caps(&c);
	base = mvdpa_features_from_caps(&c, 1);
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		c.virtio.device_features = (uint16_t)(1u << map[i].devx);
		assert_true((mvdpa_features_from_caps(&c, 1) ^ base) == BIT(map[i].virtio));
	}
	/* reserved positions of the mask offer nothing */
	c.virtio.device_features = 1u << 0 | 1u << 1 | 1u << 3 | 1u << 5;
	assert_true(mvdpa_features_from_caps(&c, 1) == base);
}

static void
features_follow_caps_and_queue_pairs(void **state)
{
	struct devx_hca_caps c;
	uint64_t f;

	(void)state;
	good_caps(&c);
	f = mvdpa_features_from_caps(&c, 1);
	assert_true(f & BIT(VIRTIO_F_VERSION_1));
	assert_true(f & BIT(VHOST_USER_F_PROTOCOL_FEATURES));
	assert_true(f & BIT(VHOST_F_LOG_ALL));
	assert_false(f & BIT(VIRTIO_NET_F_MQ));
	assert_false(f & BIT(VIRTIO_F_RING_PACKED));
	assert_false(f & BIT(VIRTIO_F_ACCESS_PLATFORM));
	assert_false(f & BIT(VIRTIO_NET_F_CTRL_VQ));

	assert_true(mvdpa_features_from_caps(&c, 2) & BIT(VIRTIO_NET_F_MQ));
	c.virtio.queue_types |= 1u << DEVX_VIRTQ_TYPE_PACKED;
	assert_true(mvdpa_features_from_caps(&c, 1) & BIT(VIRTIO_F_RING_PACKED));
	c.virtio.virtio_version_1_0 = false;
	assert_false(mvdpa_features_from_caps(&c, 1) & BIT(VIRTIO_F_VERSION_1));
}

static void
protocol_features_allow_host_notifier_and_dirty_log(void **state)
{
	uint64_t p = mvdpa_protocol_features();

	(void)state;
	assert_true(p & BIT(VHOST_USER_PROTOCOL_F_MQ));
	assert_true(p & BIT(VHOST_USER_PROTOCOL_F_LOG_SHMFD));
	assert_true(p & BIT(VHOST_USER_PROTOCOL_F_HOST_NOTIFIER));
	assert_true(p & BIT(VHOST_USER_PROTOCOL_F_SLAVE_REQ));
	assert_true(p & BIT(VHOST_USER_PROTOCOL_F_SLAVE_SEND_FD));
	assert_false(p & BIT(VHOST_USER_PROTOCOL_F_NET_MTU));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(caps_check_refuses_functions_that_cannot_serve_vdpa),
		cmocka_unit_test(queue_pairs_are_bounded_by_queues_rqt_and_vhost),
		cmocka_unit_test(each_device_feature_bit_maps_to_its_virtio_feature),
		cmocka_unit_test(features_follow_caps_and_queue_pairs),
		cmocka_unit_test(protocol_features_allow_host_notifier_and_dirty_log),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
