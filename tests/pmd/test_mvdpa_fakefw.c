/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PMD's probe path through the emulator's rdma-core layer (emu/verbs) over the verbs layer's
 * fake firmware (tests/emu/verbs/fake_fw.c), until the real emulated firmware exists. This file
 * wraps the firmware's command entry (-Wl,--wrap=emu_fw_cmd) to answer QUERY_HCA_CAP from a caps
 * profile per function and to count live firmware objects:
 *   function 0 (mlx5_0, 0000:ee:00.0): virtio emulation, 32 queues, RQT of 8, split + packed;
 *   function 1 (mlx5_1): no virtio emulation.
 * Checked: the vdev and PCI front-ends probe, offer what the caps allow, and removal returns the
 * firmware to the objects it had before; a function without virtio caps is refused with a reason.
 */
#include <errno.h>
#include <linux/vhost.h>
#include <linux/virtio_config.h>
#include <linux/virtio_net.h>
#include <pthread.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_dev.h>
#include <rte_eal.h>
#include <rte_log.h>
#include <rte_vdpa.h>
#include <rte_vhost.h>

#include "mlx5_emu_process.h"
#include "prm_caps.h"
#include "prm_cmd.h"
#include "prm_virtq.h"

#define BIT(n) (1ull << (n))
#define NFUNCS 2

/* Firmware objects alive per function, as counted by the wrapper, and a fault switch. */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;	/* protects live, fail_caps */
static int live[NFUNCS];
static bool fail_caps;	/* QUERY_HCA_CAP answers BAD_PARAM */

int __real_emu_fw_cmd(struct emu_fw *fw, uint16_t uid, const void *in, size_t inlen,
		      void *out, size_t outlen);
int __wrap_emu_fw_cmd(struct emu_fw *fw, uint16_t uid, const void *in, size_t inlen,
		      void *out, size_t outlen);

static int
func_of(struct emu_fw *fw)
{
	for (int i = 0; i < NFUNCS; i++)
		if (mlx5_emu_process_fw((unsigned int)i) == fw)
			return i;
	return -1;
}

/*
 * The capability pages of the profile: function 0 can do vDPA, function 1 cannot; func -1 has
 * no page at all (the command fails).
 */
static void
answer_caps(int func, uint16_t op_mod, void *out, size_t outlen)
{
	void *cap = PRM_ADDR(query_hca_cap_out, out, capability);

	memset(out, 0, outlen);
	if (outlen < PRM_SIZE(query_hca_cap_out)) {
		PRM_SET(cmd_out_hdr, out, status, PRM_STATUS_BAD_OUTPUT_LEN);
		return;
	}
	if (op_mod == PRM_HCA_CAP_OP_MOD(PRM_HCA_CAP_GENERAL_DEVICE, 1) && func >= 0) {
		PRM_SET(cmd_hca_cap, cap, vhca_id, func);
		PRM_SET(cmd_hca_cap, cap, log_max_rqt_size, 3);
		if (func == 0)
			PRM_SET(cmd_hca_cap, cap, general_obj_types,
				PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_NET_Q) |
				PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS));
		return;
	}
	if (op_mod == PRM_HCA_CAP_OP_MOD(PRM_HCA_CAP_VDPA_EMULATION, 1) && func == 0) {
		PRM_SET(virtio_emulation_cap, cap, virtio_version_1_0, 1);
		PRM_SET(virtio_emulation_cap, cap, device_features_bits_mask,
			1u << PRM_VIRTQ_FEATURE_CSUM | 1u << PRM_VIRTQ_FEATURE_GUEST_CSUM |
			1u << PRM_VIRTQ_FEATURE_HOST_TSO4 | 1u << PRM_VIRTQ_FEATURE_MRG_RXBUF);
		PRM_SET(virtio_emulation_cap, cap, event_mode,
			PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_QP) |
			PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_MSIX));
		PRM_SET(virtio_emulation_cap, cap, virtio_queue_type,
			PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_SPLIT) |
			PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_PACKED));
		PRM_SET(virtio_emulation_cap, cap, max_num_virtio_queues, 32);
		PRM_SET(virtio_emulation_cap, cap, umem_1_buffer_param_a, 128);
		PRM_SET(virtio_emulation_cap, cap, umem_1_buffer_param_b, 4096);
		return;
	}
	/* a page the function does not have */
	PRM_SET(cmd_out_hdr, out, status, PRM_STATUS_BAD_PARAM);
	PRM_SET(cmd_out_hdr, out, syndrome, 0x0dead);
}

static int
live_delta(uint16_t op)
{
	switch (op) {
	case PRM_CMD_CREATE_UCTX:
	case PRM_CMD_ALLOC_PD:
	case PRM_CMD_ALLOC_TRANSPORT_DOMAIN:
	case PRM_CMD_CREATE_TIR:
	case PRM_CMD_CREATE_GENERAL_OBJECT:
		return 1;
	case PRM_CMD_DESTROY_UCTX:
	case PRM_CMD_DEALLOC_PD:
	case PRM_CMD_DEALLOC_TRANSPORT_DOMAIN:
	case PRM_CMD_DESTROY_TIR:
	case PRM_CMD_DESTROY_GENERAL_OBJECT:
		return -1;
	default:
		return 0;
	}
}

int
__wrap_emu_fw_cmd(struct emu_fw *fw, uint16_t uid, const void *in, size_t inlen, void *out,
		  size_t outlen)
{
	uint16_t op = inlen >= 8 ? (uint16_t)PRM_GET(cmd_in_hdr, in, opcode) : 0;
	int func = func_of(fw);
	int ret;

	if (op == PRM_CMD_QUERY_HCA_CAP && func >= 0) {
		bool fail;

		pthread_mutex_lock(&live_lock);
		fail = fail_caps;
		pthread_mutex_unlock(&live_lock);
		answer_caps(fail ? -1 : func, (uint16_t)PRM_GET(cmd_in_hdr, in, op_mod), out,
			    outlen);
		return 0;
	}
	ret = __real_emu_fw_cmd(fw, uid, in, inlen, out, outlen);
	if (ret == 0 && func >= 0 && PRM_GET(cmd_out_hdr, out, status) == PRM_STATUS_OK) {
		pthread_mutex_lock(&live_lock);
		live[func] += live_delta(op);
		pthread_mutex_unlock(&live_lock);
	}
	return ret;
}

static int
live_objects(int func)
{
	int n;

	pthread_mutex_lock(&live_lock);
	n = live[func];
	pthread_mutex_unlock(&live_lock);
	return n;
}

static FILE *log_file;
static char sysfs_dir[] = "/tmp/mvdpa_fakefw_XXXXXX";
/*
 * With the PCI bus: EAL scans the emulator's fake PCI tree. Without: --no-pci, which keeps DPDK's
 * PCI scan (whose reads of the fake tree valgrind flags inside librte_bus_pci) out of the run.
 */
static bool with_pci;

static void
read_log(char *buf, size_t len)
{
	size_t n;

	fflush(log_file);
	rewind(log_file);
	n = fread(buf, 1, len - 1, log_file);
	buf[n] = '\0';
	rewind(log_file);
	if (ftruncate(fileno(log_file), 0) != 0)
		fail_msg("cannot truncate the log file");
}

static int
eal_up(void **state)
{
	char *argv[] = {
		"test", "-l", "0", "--no-huge", "-m", "64", "--no-shconf",
		"--log-level", "pmd.vdpa.mlx5x:debug", "--no-pci",
	};
	int argc = sizeof(argv) / sizeof(argv[0]) - (with_pci ? 1 : 0);

	(void)state;
	if (mkdtemp(sysfs_dir) == NULL || mlx5_emu_process_write_pci_sysfs(sysfs_dir) != 0)
		return -1;
	/* EAL's PCI scan sees the emulated functions */
	setenv("SYSFS_PCI_DEVICES", sysfs_dir, 1);
	log_file = tmpfile();
	if (log_file == NULL || rte_openlog_stream(log_file) != 0)
		return -1;
	return rte_eal_init(argc, argv) < 0 ? -1 : 0;
}

static int
eal_down(void **state)
{
	char cmd[64];

	(void)state;
	rte_eal_cleanup();
	rte_openlog_stream(NULL);
	fclose(log_file);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sysfs_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* What function 0's caps allow, written out by hand from the profile above. */
static const uint64_t expected_features =
	BIT(VIRTIO_NET_F_CSUM) | BIT(VIRTIO_NET_F_GUEST_CSUM) | BIT(VIRTIO_NET_F_HOST_TSO4) |
	BIT(VIRTIO_NET_F_MRG_RXBUF) | BIT(VIRTIO_F_VERSION_1) | BIT(VIRTIO_NET_F_MQ) |
	BIT(VIRTIO_F_RING_PACKED) | BIT(VHOST_F_LOG_ALL) | BIT(VHOST_USER_F_PROTOCOL_FEATURES);
#define EXPECTED_QUEUE_PAIRS 8	/* 32 queues / 2, within an RQT of 2^3 */

/* Probes `devargs`, checks what the device offers, removes it; objects return to the baseline. */
static void
probe_check_remove(const char *devargs, const char *name)
{
	int before = live_objects(0);
	struct rte_vdpa_device *vdev;
	uint64_t features = 0;
	uint32_t queues = 0;

	assert_int_equal(rte_dev_probe(devargs), 0);
	vdev = rte_vdpa_find_device_by_name(name);
	assert_non_null(vdev);
	assert_true(live_objects(0) > before);	/* user context and PD at least */
	assert_int_equal(rte_vdpa_get_queue_num(vdev, &queues), 0);
	assert_int_equal(queues, EXPECTED_QUEUE_PAIRS);
	assert_int_equal(rte_vdpa_get_features(vdev, &features), 0);
	if (features != expected_features)
		fail_msg("features 0x%llx, expected 0x%llx", (unsigned long long)features,
			 (unsigned long long)expected_features);
	assert_int_equal(rte_vdpa_get_protocol_features(vdev, &features), 0);
	assert_true(features & BIT(VHOST_USER_PROTOCOL_F_HOST_NOTIFIER));
	assert_int_equal(rte_dev_remove(rte_vdpa_get_rte_device(vdev)), 0);
	assert_null(rte_vdpa_find_device_by_name(name));
	assert_int_equal(live_objects(0), before);
}

static void
vdev_front_end_offers_what_the_caps_allow_and_removes_cleanly(void **state)
{
	(void)state;
	probe_check_remove("vdpa_mlx5x0,ibdev=mlx5_0,event_mode=2", "vdpa_mlx5x0");
	/* the same function again: nothing was left behind that would get in the way */
	probe_check_remove("vdpa_mlx5x0,ibdev=mlx5_0", "vdpa_mlx5x0");
}

static void
pci_front_end_finds_the_ibv_device_of_its_address(void **state)
{
	(void)state;
	probe_check_remove("0000:ee:00.0,class=vdpa", "0000:ee:00.0");
}

static void
function_without_virtio_caps_is_refused_with_the_reason(void **state)
{
	int before = live_objects(1);
	char log[8192];

	(void)state;
	read_log(log, sizeof(log));
	assert_true(rte_dev_probe("vdpa_mlx5x1,ibdev=mlx5_1") < 0);
	read_log(log, sizeof(log));
	if (strstr(log, "ibv device mlx5_1 cannot serve vDPA: no virtio emulation capability") ==
	    NULL)
		fail_msg("log lacks the reason:\n%s", log);
	assert_null(rte_vdpa_find_device_by_name("vdpa_mlx5x1"));
	assert_int_equal(live_objects(1), before);
}

static void
queues_devarg_beyond_the_function_is_refused(void **state)
{
	int before = live_objects(0);
	char log[8192];

	(void)state;
	read_log(log, sizeof(log));
	assert_true(rte_dev_probe("vdpa_mlx5x2,ibdev=mlx5_0,queues=9,queue_size=256") < 0);
	read_log(log, sizeof(log));
	if (strstr(log, "devarg queues=9 exceeds the 8 queue pairs of mlx5_0") == NULL)
		fail_msg("log lacks the reason:\n%s", log);
	assert_null(rte_vdpa_find_device_by_name("vdpa_mlx5x2"));
	assert_int_equal(live_objects(0), before);
}

static void
firmware_failure_reaches_the_pmd_log_with_opcode_status_and_syndrome(void **state)
{
	char log[8192];

	(void)state;
	read_log(log, sizeof(log));
	pthread_mutex_lock(&live_lock);
	fail_caps = true;
	pthread_mutex_unlock(&live_lock);
	assert_true(rte_dev_probe("vdpa_mlx5x3,ibdev=mlx5_0") < 0);
	pthread_mutex_lock(&live_lock);
	fail_caps = false;
	pthread_mutex_unlock(&live_lock);
	read_log(log, sizeof(log));
	/* common/mlx5's one status check, through the PMD's sink into its rte_log type */
	if (strstr(log, "vdpa_mlx5x: devx: command QUERY_HCA_CAP (0x100) op_mod 0x1 failed: "
			"status BAD_PARAM (0x3), syndrome 0x0000dead") == NULL)
		fail_msg("log lacks the firmware failure:\n%s", log);
	if (strstr(log, "vdpa_mlx5x3: cannot query the capabilities of mlx5_0") == NULL)
		fail_msg("log lacks the probe failure:\n%s", log);
	assert_null(rte_vdpa_find_device_by_name("vdpa_mlx5x3"));
}

/* Usage: test_mvdpa_fakefw vdev|pci (the front-end under test) */
int
main(int argc, char **argv)
{
	const struct CMUnitTest pci_tests[] = {
		cmocka_unit_test(pci_front_end_finds_the_ibv_device_of_its_address),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vdev_front_end_offers_what_the_caps_allow_and_removes_cleanly),
		cmocka_unit_test(function_without_virtio_caps_is_refused_with_the_reason),
		cmocka_unit_test(queues_devarg_beyond_the_function_is_refused),
		cmocka_unit_test(
			firmware_failure_reaches_the_pmd_log_with_opcode_status_and_syndrome),
	};

	if (argc != 2 || (strcmp(argv[1], "vdev") != 0 && strcmp(argv[1], "pci") != 0)) {
		fprintf(stderr, "usage: %s vdev|pci\n", argv[0]);
		return 2;
	}
	with_pci = strcmp(argv[1], "pci") == 0;
	if (with_pci)
		return cmocka_run_group_tests(pci_tests, eal_up, eal_down);
	return cmocka_run_group_tests(tests, eal_up, eal_down);
}
