/* SPDX-License-Identifier: BSD-3-Clause */
/* The command interface: dispatch, lengths, caps pages, ownership, faults, statistics, config. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "fw_internal.h"
#include "fw_test.h"
#include "fw_trace.h"
#include "hw_virtq.h"
#include "prm_caps.h"
#include "prm_eq.h"
#include "prm_mem.h"
#include "prm_net.h"
#include "prm_virtq.h"

static void
unknown_opcode_answers_bad_op(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t in[16] = { 0 }, out[16];
	uint32_t synd;

	(void)state;
	PRM_SET(cmd_in_hdr, in, opcode, 0x7ff);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd), PRM_STATUS_BAD_OP);
	assert_int_equal(synd, EMU_SYND_BAD_OPCODE);
	assert_int_equal(emu_fw_cmd_count(fw, 0x7ff), 1);
	fwt_destroy_checked(fw);
}

static void
short_mailboxes_are_refused_with_length_statuses(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t in[PRM_SIZE(create_mkey_in)] = { 0 }, out[PRM_SIZE(create_mkey_out)];
	uint32_t synd;

	(void)state;
	assert_int_equal(emu_fw_cmd(fw, 0, in, 4, out, sizeof(out)), -EINVAL);
	assert_int_equal(emu_fw_cmd(fw, 0, in, sizeof(in), out, 4), -EINVAL);
	PRM_SET(cmd_in_hdr, in, opcode, PRM_CMD_CREATE_MKEY);
	assert_int_equal(fwt_exec(fw, in, 64, out, sizeof(out), &synd), PRM_STATUS_BAD_INPUT_LEN);
	assert_int_equal(synd, EMU_SYND_INLEN);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, 8, &synd), PRM_STATUS_BAD_OUTPUT_LEN);
	assert_int_equal(synd, EMU_SYND_OUTLEN);
	fwt_destroy_checked(fw);
}

static void
caps_pages_follow_each_profile(void **state)
{
	static const struct {
		const char *profile;
		uint32_t max_queues;
		int freeze_to_rdy, desc_group, msix;
	} table[] = {
		{ "cx6dx", 256, 0, 0, 0 },
		{ "bf2", 256, 0, 0, 0 },
		{ "bf3", 1024, 1, 1, 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct emu_fw *fw = fwt_create(table[i].profile);
		uint8_t in[PRM_SIZE(query_hca_cap_in)] = { 0 }, out[PRM_SIZE(query_hca_cap_out)];
		void *cap = PRM_ADDR(query_hca_cap_out, out, capability);
		uint64_t types;

		PRM_SET(query_hca_cap_in, in, opcode, PRM_CMD_QUERY_HCA_CAP);
		PRM_SET(query_hca_cap_in, in, op_mod, PRM_HCA_CAP_OP_MOD(PRM_HCA_CAP_GENERAL_DEVICE, 1));
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), 0);
		types = PRM_GET(cmd_hca_cap, cap, general_obj_types);
		assert_true(types & PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_NET_Q));
		assert_true(types & PRM_GENERAL_OBJ_TYPES_CAP(PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS));
		assert_int_equal(PRM_GET(cmd_hca_cap, cap, vhca_id), 3);

		PRM_SET(query_hca_cap_in, in, op_mod, PRM_HCA_CAP_OP_MOD(PRM_HCA_CAP_VDPA_EMULATION, 1));
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), 0);
		assert_int_equal(PRM_GET(virtio_emulation_cap, cap, max_num_virtio_queues),
				 table[i].max_queues);
		assert_int_equal(PRM_GET(virtio_emulation_cap, cap, freeze_to_rdy_supported),
				 table[i].freeze_to_rdy);
		assert_int_equal(PRM_GET(virtio_emulation_cap, cap, desc_group_mkey_supported),
				 table[i].desc_group);
		assert_int_equal(!!(PRM_GET(virtio_emulation_cap, cap, event_mode) &
				    PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_MSIX)), table[i].msix);
		assert_true(PRM_GET(virtio_emulation_cap, cap, virtio_queue_type) &
			    PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_SPLIT));
		assert_int_equal(PRM_GET(virtio_emulation_cap, cap, umem_1_buffer_param_a), 128);

		PRM_SET(query_hca_cap_in, in, op_mod, PRM_HCA_CAP_OP_MOD(0x3f, 1));
		assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL),
				 PRM_STATUS_BAD_PARAM);
		fwt_destroy_checked(fw);
	}
}

static void
pd_destroyed_twice_is_a_bad_resource(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint32_t pd = fwt_pd(fw), synd;

	(void)state;
	assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_PD), 1);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DEALLOC_PD, pd, &synd), PRM_STATUS_OK);
	assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DEALLOC_PD, pd, &synd), PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(synd, EMU_SYND_NO_OBJECT);
	fwt_destroy_checked(fw);
}

static void
objects_belong_to_their_uid(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t in[16] = { 0 }, out[16];
	uint32_t pd;

	(void)state;
	PRM_SET(alloc_pd_in, in, opcode, PRM_CMD_ALLOC_PD);
	assert_int_equal(emu_fw_cmd(fw, 5, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(PRM_GET(cmd_out_hdr, out, status), 0);
	pd = (uint32_t)PRM_GET(alloc_pd_out, out, pd);
	memset(in, 0, sizeof(in));
	PRM_SET(dealloc_pd_in, in, opcode, PRM_CMD_DEALLOC_PD);
	PRM_SET(dealloc_pd_in, in, pd, pd);
	assert_int_equal(emu_fw_cmd(fw, 6, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(PRM_GET(cmd_out_hdr, out, status), PRM_STATUS_BAD_RESOURCE);
	assert_int_equal(PRM_GET(cmd_out_hdr, out, syndrome), EMU_SYND_UID);
	assert_int_equal(emu_fw_cmd(fw, 5, in, sizeof(in), out, sizeof(out)), 0);
	assert_int_equal(PRM_GET(cmd_out_hdr, out, status), PRM_STATUS_OK);
	fwt_destroy_checked(fw);
}

static void
nth_command_fault_fires_once_with_its_status(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	const struct emu_fault_spec spec = {
		.opcode = PRM_CMD_ALLOC_PD, .obj_type = 0xffff, .nth = 2,
		.status = PRM_STATUS_NO_RESOURCES, .syndrome = 0x1234,
	};
	uint8_t in[16] = { 0 }, out[16];
	uint32_t synd, pds[2];

	(void)state;
	assert_int_equal(emu_fw_fault_add(fw, &spec), 0);
	pds[0] = fwt_pd(fw);
	PRM_SET(alloc_pd_in, in, opcode, PRM_CMD_ALLOC_PD);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd),
			 PRM_STATUS_NO_RESOURCES);
	assert_int_equal(synd, 0x1234);
	assert_int_equal(PRM_GET(alloc_pd_out, out, pd), 0);	/* a failed command answers nothing */
	pds[1] = fwt_pd(fw);	/* fired once: the third succeeds */
	assert_int_equal(emu_fw_cmd_count(fw, PRM_CMD_ALLOC_PD), 3);
	assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_PD), 2);
	for (int i = 0; i < 2; i++)
		assert_int_equal(fwt_destroy_by_id(fw, PRM_CMD_DEALLOC_PD, pds[i], NULL), 0);
	fwt_destroy_checked(fw);
}

static void
general_object_fault_matches_its_type_only(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	const struct emu_fault_spec spec = {
		.opcode = PRM_CMD_CREATE_GENERAL_OBJECT, .obj_type = PRM_OBJ_TYPE_VIRTIO_NET_Q,
		.nth = 1, .status = PRM_STATUS_BAD_PARAM,
	};
	uint8_t in[PRM_SIZE(create_virtio_q_counters_in)] = { 0 }, out[16];
	uint32_t synd;

	(void)state;
	assert_int_equal(emu_fw_fault_add(fw, &spec), 0);
	PRM_SET(general_obj_in_cmd_hdr, in, opcode, PRM_CMD_CREATE_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_OK);
	assert_int_equal(fwt_gen_destroy(fw, PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS,
					 (uint32_t)PRM_GET(general_obj_out_cmd_hdr, out, obj_id), NULL), 0);
	PRM_SET(general_obj_in_cmd_hdr, in, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	/* The fault fires before the (too short) virtq mailbox is even looked at. */
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), &synd), PRM_STATUS_BAD_PARAM);
	assert_int_equal(synd, EMU_SYND_INJECTED);
	assert_int_equal(emu_fw_general_obj_cmd_count(fw, PRM_CMD_CREATE_GENERAL_OBJECT,
						      PRM_OBJ_TYPE_VIRTIO_Q_COUNTERS), 1);
	assert_int_equal(emu_fw_general_obj_cmd_count(fw, PRM_CMD_CREATE_GENERAL_OBJECT,
						      PRM_OBJ_TYPE_VIRTIO_NET_Q), 1);
	fwt_destroy_checked(fw);
}

static void
destroy_command_matches_the_create(void **state)
{
	uint8_t cin[PRM_SIZE(create_tis_in)] = { 0 }, cout[16] = { 0 }, din[16];
	size_t len = sizeof(din);

	(void)state;
	PRM_SET(create_tis_in, cin, opcode, PRM_CMD_CREATE_TIS);
	PRM_SET(create_tis_in, cin, uid, 7);
	PRM_SET(create_tis_out, cout, tisn, 0x1234);
	assert_int_equal(emu_fw_destroy_cmd(cin, cout, din, &len), 0);
	assert_int_equal(len, 16);
	assert_int_equal(PRM_GET(destroy_tis_in, din, opcode), PRM_CMD_DESTROY_TIS);
	assert_int_equal(PRM_GET(destroy_tis_in, din, uid), 7);
	assert_int_equal(PRM_GET(destroy_tis_in, din, tisn), 0x1234);

	memset(cin, 0, sizeof(cin));
	PRM_SET(general_obj_in_cmd_hdr, cin, opcode, PRM_CMD_CREATE_GENERAL_OBJECT);
	PRM_SET(general_obj_in_cmd_hdr, cin, obj_type, PRM_OBJ_TYPE_VIRTIO_NET_Q);
	PRM_SET(general_obj_out_cmd_hdr, cout, obj_id, 0xabcdef01);
	len = sizeof(din);
	assert_int_equal(emu_fw_destroy_cmd(cin, cout, din, &len), 0);
	assert_int_equal(PRM_GET(general_obj_in_cmd_hdr, din, opcode), PRM_CMD_DESTROY_GENERAL_OBJECT);
	assert_int_equal(PRM_GET(general_obj_in_cmd_hdr, din, obj_type), PRM_OBJ_TYPE_VIRTIO_NET_Q);
	assert_int_equal(PRM_GET(general_obj_in_cmd_hdr, din, obj_id), 0xabcdef01);

	PRM_SET(cmd_in_hdr, cin, opcode, PRM_CMD_QUERY_HCA_CAP);
	len = sizeof(din);
	assert_int_equal(emu_fw_destroy_cmd(cin, cout, din, &len), -EOPNOTSUPP);
}

static void
bar_pages_are_handed_out_once(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint32_t uar, var, len;
	uint64_t uoff, voff;

	(void)state;
	assert_true(emu_fw_bar_fd(fw) >= 0);
	assert_int_equal(emu_fw_uar_alloc(fw, &uar, &uoff), 0);
	assert_int_equal(emu_fw_var_alloc(fw, &var, &len, &voff), 0);
	assert_int_not_equal(uoff, voff);
	assert_int_equal(len, 4096);
	assert_int_equal(emu_fw_live_objects(fw, EMU_OBJ_VAR), 1);
	assert_int_equal(emu_fw_var_free(fw, var), 0);
	assert_int_equal(emu_fw_var_free(fw, var), -ENOENT);
	assert_int_equal(emu_fw_uar_free(fw, uar), 0);
	fwt_destroy_checked(fw);
}

static void
config_strings_parse_or_name_the_bad_key(void **state)
{
	static const struct {
		const char *text;
		int ok;
		const char *err_has;
	} table[] = {
		{ "", 1, NULL },
		{ "functions=4,profile=bf3,cost=calibrated,slots=8", 1, NULL },
		{ "mac1=02:aa:bb:cc:dd:ee,mtu=9000,wire=tap:emu0", 1, NULL },
		{ "fault=0xa00/0xd:2:0x3:0xbeef,fault=0x200:1:0x5", 1, NULL },
		{ "functions=0", 0, "functions=0" },
		{ "functions=300", 0, "functions" },
		{ "profile=cx5", 0, "profile=cx5" },
		{ "mac0=zz:00:00:00:00:00", 0, "mac0" },
		{ "mtu=20", 0, "mtu=20" },
		{ "cost=free", 0, "cost=free" },
		{ "fault=0xa00:0:3", 0, "fault" },
		{ "color=blue", 0, "unknown key 'color'" },
		{ "functions", 0, "key=value" },
		{ "report=exit", 1, NULL },
		{ "report=always", 0, "report=always" },
		{ "virtq_error=0:2500", 1, NULL },
		{ "virtq_error=3:10:2", 1, NULL },
		{ "virtq_error=0", 0, "virtq_error=0" },
		{ "virtq_error=0:10:0", 0, "virtq_error" },
		{ "virtq_error=70000:10", 0, "virtq_error" },
		{ "virtq_error=1:2:3x", 0, "virtq_error" },
		{ "trace=/tmp/relay/trace", 1, NULL },
		{ "trace=", 0, "trace" },
		{ "cmdtrace=/tmp/cmds", 1, NULL },
		{ "cmdtrace=", 0, "cmdtrace" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct emu_config cfg;
		char err[256] = "";
		int ret = emu_config_parse(table[i].text, &cfg, err, sizeof(err));

		if (table[i].ok) {
			assert_int_equal(ret, 0);
		} else {
			assert_int_equal(ret, -EINVAL);
			assert_non_null(strstr(err, table[i].err_has));
		}
	}
}

static void
config_values_land_in_the_struct(void **state)
{
	struct emu_config cfg;
	char err[128];

	(void)state;
	assert_int_equal(emu_config_parse("functions=3,profile=bf2,mac2=02:11:22:33:44:55,"
					  "fault=0xa01/0xd:4:0x9:0x77,cost=calibrated,slots=4,"
					  "virtq_error=2:750:3,trace=/run/t,cmdtrace=/run/c",
					  &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.trace, "/run/t");
	assert_string_equal(cfg.cmdtrace, "/run/c");
	assert_int_equal(cfg.functions, 3);
	assert_string_equal(emu_fw_profile_name(cfg.profile), "bf2");
	assert_int_equal(cfg.macs[2][1], 0x11);
	assert_int_equal(cfg.macs[0][5], 0);	/* default 02:00:00:00:00:<i> */
	assert_int_equal(cfg.macs[1][5], 1);
	assert_int_equal(cfg.nfaults, 1);
	assert_int_equal(cfg.faults[0].opcode, 0xa01);
	assert_int_equal(cfg.faults[0].obj_type, 0xd);
	assert_int_equal(cfg.faults[0].nth, 4);
	assert_int_equal(cfg.faults[0].status, 9);
	assert_int_equal(cfg.faults[0].syndrome, 0x77);
	assert_int_equal(cfg.cost, EMU_COST_CALIBRATED);
	assert_int_equal(cfg.slots, 4);
	assert_int_equal(cfg.virtq_error.queue_index, 2);
	assert_int_equal(cfg.virtq_error.after_ms, 750);
	assert_int_equal(cfg.virtq_error.times, 3);
}

/*
 * The command trace: each command as a completion record followed by its issue record, with
 * the opcode, the status and, under the calibrated model, its modelled time between (less the
 * host's timer lateness, which its thread's wake-up makes up).
 */
static void
the_command_trace_records_each_command_with_its_time_and_status(void **state)
{
	char path[] = "/tmp/fw-cmdtrace-XXXXXX";
	int fd = mkstemp(path);
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t in[PRM_SIZE(alloc_pd_in)] = { 0 }, out[PRM_SIZE(alloc_pd_out)];
	struct fw_trace_record r[8];
	uint64_t t0 = hw_clock_ns();
	FILE *f;
	size_t n;

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(emu_fw_set_cost(fw, EMU_COST_CALIBRATED, 1), 0);
	assert_int_equal(emu_fw_cmd_trace_start(fw, path, 3), 0);
	fwt_pd(fw);					/* ALLOC_PD: OK */
	PRM_SET(alloc_pd_in, in, opcode, 0x7ff);	/* no such command: BAD_OP */
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, sizeof(out), NULL), PRM_STATUS_BAD_OP);
	emu_fw_trace_stop(fw);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(r, sizeof(r[0]), 8, f);
	fclose(f);
	unlink(path);
	assert_int_equal(n, 4);
	assert_int_equal(r[0].kind, FW_TRACE_CMD);
	assert_int_equal(r[0].arg, PRM_CMD_ALLOC_PD);
	assert_int_equal(r[1].kind, FW_TRACE_CMD_ISSUED);
	assert_int_equal(r[1].arg >> 24, PRM_STATUS_OK);
	assert_true(r[1].t_ns >= t0);
	/* ALLOC_PD's calibrated cost is 0.3 ms (emu/fw/fw_core.c's command table). */
	assert_true(r[0].t_ns - r[1].t_ns >= 300000 - fw_timer_late_ns());
	assert_int_equal(r[2].kind, FW_TRACE_CMD);
	assert_int_equal(r[2].arg, 0x7ff);
	assert_int_equal(r[3].arg >> 24, PRM_STATUS_BAD_OP);
	assert_true(r[3].t_ns >= r[0].t_ns && r[2].t_ns >= r[3].t_ns);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(r[i].function, 3);
	emu_fw_destroy(fw);	/* with its PD */
}

/*
 * The cost model's slots are booked on the firmware's clock: a command that finds every slot
 * busy takes the one that frees first from the moment it frees, whether or not the thread of
 * the command in it is back yet (here it never is before the next takes its place).
 */
static void
a_command_behind_busy_slots_starts_when_the_first_frees(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	struct fw_slot a, b, c, d;
	uint64_t t0, wait;

	(void)state;
	assert_int_equal(emu_fw_set_cost(fw, EMU_COST_CALIBRATED, 2), 0);
	t0 = hw_clock_ns();
	/* Latencies of tens of ms: the takes below come well within them, even under valgrind. */
	assert_int_equal(fw_slot_take(fw, 30000000, &a), 0);
	assert_int_equal(fw_slot_take(fw, 10000000, &b), 0);
	assert_true(a.deadline_ns >= t0 + 30000000 && b.deadline_ns >= t0 + 10000000);
	/* Both busy: c goes into b's slot at b's end, d into c's, which frees before a's. */
	wait = fw_slot_take(fw, 10000000, &c);
	assert_int_equal(c.deadline_ns, b.deadline_ns + 10000000);
	assert_true(wait > 0 && hw_clock_ns() + fw_timer_late_ns() >= b.deadline_ns);
	fw_slot_take(fw, 5000000, &d);
	assert_int_equal(d.deadline_ns, c.deadline_ns + 5000000);
	fw_slot_give(fw, &a);
	fw_slot_give(fw, &b);
	fw_slot_give(fw, &c);
	fw_slot_give(fw, &d);
	assert_true(hw_clock_ns() + fw_timer_late_ns() >= d.deadline_ns);
	fwt_destroy_checked(fw);
}

static void
nic_vport_context_reports_and_changes_mac_and_mtu(void **state)
{
	struct emu_fw *fw = fwt_create("cx6dx");
	uint8_t in[PRM_SIZE(modify_nic_vport_context_in)] = { 0 };
	uint8_t out[PRM_SIZE(query_nic_vport_context_out)];
	void *ctx = PRM_ADDR(query_nic_vport_context_out, out, nic_vport_context);
	void *mctx = PRM_ADDR(modify_nic_vport_context_in, in, nic_vport_context);

	(void)state;
	PRM_SET(query_nic_vport_context_in, in, opcode, PRM_CMD_QUERY_NIC_VPORT_CONTEXT);
	assert_int_equal(fwt_exec(fw, in, PRM_SIZE(query_nic_vport_context_in), out, sizeof(out),
				  NULL), 0);
	assert_int_equal(PRM_GET(nic_vport_context, ctx, mtu), 1500);
	assert_int_equal(PRM_GET(mac_address_layout, PRM_ADDR(nic_vport_context, ctx, permanent_address),
				 mac_addr_31_0), 3);
	memset(in, 0, sizeof(in));
	PRM_SET(modify_nic_vport_context_in, in, opcode, PRM_CMD_MODIFY_NIC_VPORT_CONTEXT);
	PRM_SET(modify_nic_vport_field_select, PRM_ADDR(modify_nic_vport_context_in, in, field_select),
		mtu, 1);
	PRM_SET(nic_vport_context, mctx, mtu, 9000);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, 16, NULL), 0);
	PRM_SET(nic_vport_context, mctx, mtu, 10);
	assert_int_equal(fwt_exec(fw, in, sizeof(in), out, 16, NULL), PRM_STATUS_BAD_PARAM);
	memset(in, 0, sizeof(in));
	PRM_SET(query_nic_vport_context_in, in, opcode, PRM_CMD_QUERY_NIC_VPORT_CONTEXT);
	assert_int_equal(fwt_exec(fw, in, PRM_SIZE(query_nic_vport_context_in), out, sizeof(out),
				  NULL), 0);
	assert_int_equal(PRM_GET(nic_vport_context, ctx, mtu), 9000);
	fwt_destroy_checked(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(unknown_opcode_answers_bad_op),
		cmocka_unit_test(short_mailboxes_are_refused_with_length_statuses),
		cmocka_unit_test(caps_pages_follow_each_profile),
		cmocka_unit_test(pd_destroyed_twice_is_a_bad_resource),
		cmocka_unit_test(objects_belong_to_their_uid),
		cmocka_unit_test(nth_command_fault_fires_once_with_its_status),
		cmocka_unit_test(general_object_fault_matches_its_type_only),
		cmocka_unit_test(destroy_command_matches_the_create),
		cmocka_unit_test(bar_pages_are_handed_out_once),
		cmocka_unit_test(config_strings_parse_or_name_the_bad_key),
		cmocka_unit_test(config_values_land_in_the_struct),
		cmocka_unit_test(the_command_trace_records_each_command_with_its_time_and_status),
		cmocka_unit_test(a_command_behind_busy_slots_starts_when_the_first_frees),
		cmocka_unit_test(nic_vport_context_reports_and_changes_mac_and_mtu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
