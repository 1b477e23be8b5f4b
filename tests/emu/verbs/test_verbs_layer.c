/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verbs layer over a fake firmware (fake_fw.c): what the kernel's part of the job looks like
 * from the firmware's side (uids, destroy order on close, concurrency of async commands) and event
 * delivery, which needs a firmware that raises events on demand.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <infiniband/verbs.h>
#include <infiniband/mlx5dv.h>

#include "emu_steer.h"
#include "fake_fw.h"
#include "mlx5_emu_process.h"
#include "prm_cmd.h"

#define EVENT_DATA_LEN 64	/* an EQE */

static void
put16(void *buf, size_t off, uint16_t v)
{
	uint8_t *p = (uint8_t *)buf + off;

	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint32_t
get32(const void *buf, size_t off)
{
	const uint8_t *p = (const uint8_t *)buf + off;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
setup(void **state)
{
	(void)state;
	return mlx5_emu_process_reset();
}

static int
teardown(void **state)
{
	(void)state;
	return mlx5_emu_process_reset();
}

static struct ibv_context *
open_ctx(unsigned int i, int devx)
{
	struct mlx5dv_context_attr attr = { .flags = devx ? MLX5DV_CONTEXT_FLAGS_DEVX : 0 };
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx;

	assert_non_null(list);
	ctx = mlx5dv_open_device(list[i], &attr);
	ibv_free_device_list(list);
	assert_non_null(ctx);
	return ctx;
}

static struct mlx5dv_devx_obj *
create_simple(struct ibv_context *ctx, uint16_t opcode, uint32_t *id)
{
	uint8_t in[64] = {0}, out[16] = {0};
	struct mlx5dv_devx_obj *obj;

	put16(in, 0, opcode);
	obj = mlx5dv_devx_obj_create(ctx, in, sizeof(in), out, sizeof(out));
	assert_non_null(obj);
	if (id != NULL)
		*id = get32(out, 8) & 0xffffff;
	return obj;
}

/* A general object of type `type` (general_obj_in_cmd_hdr.obj_type); answers its 32-bit id. */
static struct mlx5dv_devx_obj *
create_general(struct ibv_context *ctx, uint16_t type, uint32_t *id)
{
	uint8_t in[64] = {0}, out[16] = {0};
	struct mlx5dv_devx_obj *obj;

	put16(in, 0, PRM_CMD_CREATE_GENERAL_OBJECT);
	put16(in, 6, type);
	obj = mlx5dv_devx_obj_create(ctx, in, sizeof(in), out, sizeof(out));
	assert_non_null(obj);
	*id = get32(out, 8);
	return obj;
}

static int
readable(int fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, timeout_ms) == 1 && (pfd.revents & POLLIN);
}

static void
devx_commands_carry_their_contexts_uid(void **state)
{
	struct ibv_context *a = open_ctx(0, 1), *b = open_ctx(0, 1), *plain = open_ctx(0, 0);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct ibv_pd *pd;
	int uid_a, uid_b;

	(void)state;
	create_simple(a, PRM_CMD_ALLOC_PD, NULL);
	uid_a = fake_fw_last_uid(fw, PRM_CMD_ALLOC_PD);
	create_simple(b, PRM_CMD_ALLOC_PD, NULL);
	uid_b = fake_fw_last_uid(fw, PRM_CMD_ALLOC_PD);
	assert_true(uid_a > 0);
	assert_true(uid_b > 0);
	assert_int_not_equal(uid_a, uid_b);
	/* A context opened without DevX has no user context: uid 0, as the kernel does. */
	pd = ibv_alloc_pd(plain);
	assert_non_null(pd);
	assert_int_equal(fake_fw_last_uid(fw, PRM_CMD_ALLOC_PD), 0);
	assert_int_equal(ibv_close_device(plain), 0);
	assert_int_equal(ibv_close_device(b), 0);
	assert_int_equal(ibv_close_device(a), 0);
}

static void
close_destroys_what_is_left_newest_first_then_the_user_context(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	uint16_t ops[8];

	(void)state;
	create_simple(ctx, PRM_CMD_ALLOC_TRANSPORT_DOMAIN, NULL);
	create_simple(ctx, PRM_CMD_CREATE_TIR, NULL);
	assert_non_null(ibv_alloc_pd(ctx));
	assert_int_equal(fake_fw_destroyed(fw, ops, 8), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
	assert_int_equal(fake_fw_destroyed(fw, ops, 8), 4);
	assert_int_equal(ops[0], PRM_CMD_DEALLOC_PD);
	assert_int_equal(ops[1], PRM_CMD_DESTROY_TIR);
	assert_int_equal(ops[2], PRM_CMD_DEALLOC_TRANSPORT_DOMAIN);
	assert_int_equal(ops[3], PRM_CMD_DESTROY_UCTX);
}

static void
event_channel_delivers_cookie_and_event_data_of_subscribed_objects(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct mlx5dv_devx_event_channel *ch;
	struct mlx5dv_devx_obj *tir, *vq;
	uint8_t eqe[EVENT_DATA_LEN], buf[sizeof(uint64_t) + EVENT_DATA_LEN];
	struct mlx5dv_devx_async_event_hdr *ev = (void *)buf;
	uint16_t events[2] = { 0x13, 0x14 };
	uint32_t tirn, vq_id;
	size_t i;

	(void)state;
	tir = create_simple(ctx, PRM_CMD_CREATE_TIR, &tirn);
	vq = create_general(ctx, 0x000d, &vq_id);
	ch = mlx5dv_devx_create_event_channel(ctx, 0);
	assert_non_null(ch);
	assert_int_equal(mlx5dv_devx_subscribe_devx_event(ch, tir, sizeof(events), events, 0xc0),
			 0);
	assert_int_equal(mlx5dv_devx_subscribe_devx_event(ch, vq, sizeof(uint16_t), events, 0xc1),
			 0);
	assert_false(readable(ch->fd, 0));
	for (i = 0; i < sizeof(eqe); i++)
		eqe[i] = (uint8_t)i;
	/* Objects are named by their create opcode, general objects by their type. */
	assert_int_equal(fake_fw_raise(fw, PRM_CMD_CREATE_TIR, tirn, 0x14, eqe, sizeof(eqe)), 1);
	assert_int_equal(fake_fw_raise(fw, 0x000d, vq_id, 0x13, eqe, sizeof(eqe)), 1);
	assert_int_equal(fake_fw_raise(fw, 0x000d, vq_id, 0x14, eqe, sizeof(eqe)), 0);
	assert_true(readable(ch->fd, 1000));
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(ev->cookie, 0xc0);
	assert_memory_equal(ev->out_data, eqe, sizeof(eqe));
	/* Too small a buffer leaves the event queued. */
	errno = 0;
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(uint64_t)), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(buf)), (ssize_t)sizeof(buf));
	assert_int_equal(ev->cookie, 0xc1);
	assert_false(readable(ch->fd, 0));
	assert_int_equal(fake_fw_subscriptions(fw), 3);
	mlx5dv_devx_destroy_event_channel(ch);
	assert_int_equal(fake_fw_subscriptions(fw), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
channel_without_data_coalesces_pending_events_per_subscription(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct mlx5dv_devx_event_channel *ch;
	struct mlx5dv_devx_obj *cq1, *cq2;
	uint8_t eqe[EVENT_DATA_LEN] = {0}, buf[128];
	struct mlx5dv_devx_async_event_hdr *ev = (void *)buf;
	uint16_t comp = 0;
	uint32_t id1, id2;

	(void)state;
	cq1 = create_general(ctx, 0x0001, &id1);
	cq2 = create_general(ctx, 0x0001, &id2);
	ch = mlx5dv_devx_create_event_channel(ctx,
				MLX5DV_DEVX_CREATE_EVENT_CHANNEL_FLAGS_OMIT_EV_DATA);
	assert_non_null(ch);
	assert_int_equal(mlx5dv_devx_subscribe_devx_event(ch, cq1, sizeof(comp), &comp, 1), 0);
	assert_int_equal(mlx5dv_devx_subscribe_devx_event(ch, cq2, sizeof(comp), &comp, 2), 0);
	fake_fw_raise(fw, 0x0001, id1, 0, eqe, sizeof(eqe));
	fake_fw_raise(fw, 0x0001, id1, 0, eqe, sizeof(eqe));
	fake_fw_raise(fw, 0x0001, id2, 0, eqe, sizeof(eqe));
	assert_int_equal(fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK), 0);
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(buf)), (ssize_t)sizeof(uint64_t));
	assert_int_equal(ev->cookie, 1);
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(buf)), (ssize_t)sizeof(uint64_t));
	assert_int_equal(ev->cookie, 2);
	errno = 0;
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(buf)), -1);
	assert_int_equal(errno, EAGAIN);
	/* Once read, the next event of the same subscription is queued again. */
	fake_fw_raise(fw, 0x0001, id1, 0, eqe, sizeof(eqe));
	assert_int_equal(mlx5dv_devx_get_event(ch, ev, sizeof(buf)), (ssize_t)sizeof(uint64_t));
	mlx5dv_devx_destroy_event_channel(ch);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
full_channel_reports_overflow_once_then_continues(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct mlx5dv_devx_event_channel *ch;
	struct mlx5dv_devx_obj *obj;
	uint8_t eqe[EVENT_DATA_LEN] = {0}, buf[128];
	struct mlx5dv_devx_async_event_hdr *ev = (void *)buf;
	uint16_t type = 0x13;
	unsigned int i, got = 0, overflows = 0;
	uint32_t id;

	(void)state;
	obj = create_general(ctx, 0x000d, &id);
	ch = mlx5dv_devx_create_event_channel(ctx, 0);
	assert_non_null(ch);
	assert_int_equal(mlx5dv_devx_subscribe_devx_event(ch, obj, sizeof(type), &type, 9), 0);
	for (i = 0; i < 5000; i++)
		fake_fw_raise(fw, 0x000d, id, type, eqe, sizeof(eqe));
	assert_int_equal(fcntl(ch->fd, F_SETFL, fcntl(ch->fd, F_GETFL) | O_NONBLOCK), 0);
	for (;;) {
		errno = 0;
		if (mlx5dv_devx_get_event(ch, ev, sizeof(buf)) > 0) {
			got++;
			continue;
		}
		if (errno == EOVERFLOW) {
			overflows++;
			continue;
		}
		assert_int_equal(errno, EAGAIN);
		break;
	}
	assert_true(got > 0 && got < 5000);
	assert_int_equal(overflows, 1);
	fake_fw_raise(fw, 0x000d, id, type, eqe, sizeof(eqe));
	assert_true(mlx5dv_devx_get_event(ch, ev, sizeof(buf)) > 0);
	mlx5dv_devx_destroy_event_channel(ch);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
fd_subscription_signals_the_callers_eventfd(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct mlx5dv_devx_event_channel *ch;
	struct mlx5dv_devx_obj *obj;
	uint8_t eqe[EVENT_DATA_LEN] = {0};
	uint64_t v = 0;
	uint32_t id;
	int efd;

	(void)state;
	obj = create_general(ctx, 0x000d, &id);
	ch = mlx5dv_devx_create_event_channel(ctx, 0);
	assert_non_null(ch);
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
	assert_int_equal(mlx5dv_devx_subscribe_devx_event_fd(ch, efd, obj, 0x13), 0);
	assert_int_equal(fake_fw_raise(fw, 0x000d, id, 0x13, eqe, sizeof(eqe)), 1);
	assert_true(readable(efd, 1000));
	assert_int_equal(read(efd, &v, sizeof(v)), sizeof(v));
	assert_int_equal(v, 1);
	/* Not queued on the channel itself. */
	assert_false(readable(ch->fd, 0));
	/* Closing the context ends the subscription with the channel. */
	assert_int_equal(ibv_close_device(ctx), 0);
	assert_int_equal(fake_fw_subscriptions(fw), 0);
	close(efd);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
async_commands_run_in_parallel_on_worker_threads(void **state)
{
	enum { N = 8, DELAY_US = 50000 };
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct mlx5dv_devx_cmd_comp *comp;
	struct mlx5dv_devx_obj *obj;
	uint8_t in[16] = {0}, buf[64];
	struct mlx5dv_devx_async_cmd_hdr *resp = (void *)buf;
	unsigned int i;
	double t0, elapsed;

	(void)state;
	obj = create_simple(ctx, PRM_CMD_ALLOC_PD, NULL);
	comp = mlx5dv_devx_create_cmd_comp(ctx);
	assert_non_null(comp);
	put16(in, 0, PRM_CMD_QUERY_HCA_CAP);
	fake_fw_set_cmd_delay_us(fw, DELAY_US);
	t0 = now_s();
	for (i = 0; i < N; i++)
		assert_int_equal(mlx5dv_devx_obj_query_async(obj, in, sizeof(in), 32, i, comp), 0);
	for (i = 0; i < N; i++)
		assert_int_equal(mlx5dv_devx_get_async_cmd_comp(comp, resp, sizeof(buf)), 0);
	elapsed = now_s() - t0;
	fake_fw_set_cmd_delay_us(fw, 0);
	assert_true(fake_fw_max_parallel(fw) >= 2);
	assert_true(elapsed < N * DELAY_US / 1e6);
	mlx5dv_devx_destroy_cmd_comp(comp);
	assert_int_equal(ibv_close_device(ctx), 0);
}

static void
busy_umem_refuses_deregistration_and_stays_registered(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct emu_fw *fw = mlx5_emu_process_fw(0);
	struct mlx5dv_devx_umem *umem;
	static uint8_t mem[8192];

	(void)state;
	umem = mlx5dv_devx_umem_reg(ctx, mem, sizeof(mem), IBV_ACCESS_LOCAL_WRITE);
	assert_non_null(umem);
	fake_fw_umem_busy(fw, umem->umem_id, 1);
	assert_int_equal(mlx5dv_devx_umem_dereg(umem), EBUSY);
	fake_fw_umem_busy(fw, umem->umem_id, 0);
	assert_int_equal(mlx5dv_devx_umem_dereg(umem), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
}

/* CREATE_TIR over a transport domain (the fake does not check the dispatch); answers the tirn. */
static struct mlx5dv_devx_obj *
create_tir(struct ibv_context *ctx, struct mlx5dv_devx_obj **td, uint32_t *tirn)
{
	uint8_t tin[16] = {0}, tout[16] = {0}, in[272] = {0}, out[16] = {0};
	struct mlx5dv_devx_obj *tir;
	uint32_t tdn;

	put16(tin, 0, PRM_CMD_ALLOC_TRANSPORT_DOMAIN);
	*td = mlx5dv_devx_obj_create(ctx, tin, sizeof(tin), tout, sizeof(tout));
	assert_non_null(*td);
	tdn = get32(tout, 8) & 0xffffff;
	put16(in, 0, PRM_CMD_CREATE_TIR);
	/* ctx.transport_domain: 24 bits ending at byte 72 */
	in[69] = (uint8_t)(tdn >> 16);
	in[70] = (uint8_t)(tdn >> 8);
	in[71] = (uint8_t)tdn;
	tir = mlx5dv_devx_obj_create(ctx, in, sizeof(in), out, sizeof(out));
	assert_non_null(tir);
	*tirn = get32(out, 8) & 0xffffff;
	return tir;
}

static void
dr_rules_steer_frames_to_their_tir_in_the_functions_store(void **state)
{
	struct ibv_context *ctx = open_ctx(0, 1);
	struct {
		size_t match_sz;
		uint64_t buf[40];	/* 320 bytes of fte_match_param */
	} mask = { .match_sz = 320 }, value = { .match_sz = 320 };
	struct mlx5dv_dr_matcher *any, *udp;
	struct mlx5dv_dr_rule *r_any, *r_udp;
	struct mlx5dv_dr_action *a1, *a2;
	struct mlx5dv_devx_obj *td1, *td2, *tir1, *tir2;
	struct mlx5dv_dr_domain *dmn;
	struct mlx5dv_dr_table *tbl;
	struct emu_steer *st = mlx5_emu_process_steer(0);
	uint32_t tirn1, tirn2, got;
	uint8_t frame[64] = {0};

	(void)state;
	assert_non_null(st);
	tir1 = create_tir(ctx, &td1, &tirn1);
	tir2 = create_tir(ctx, &td2, &tirn2);
	dmn = mlx5dv_dr_domain_create(ctx, MLX5DV_DR_DOMAIN_TYPE_NIC_RX);
	assert_non_null(dmn);
	tbl = mlx5dv_dr_table_create(dmn, 0);
	assert_non_null(tbl);
	a1 = mlx5dv_dr_action_create_dest_devx_tir(tir1);
	a2 = mlx5dv_dr_action_create_dest_devx_tir(tir2);
	assert_non_null(a1);
	assert_non_null(a2);
	/* Only a TIR can be a TIR destination. */
	errno = 0;
	assert_null(mlx5dv_dr_action_create_dest_devx_tir(td1));
	assert_int_equal(errno, EINVAL);
	/* Catch-all at priority 7, IPv4/UDP at priority 5, as DPDK's vDPA steering does. */
	any = mlx5dv_dr_matcher_create(tbl, 7, 0, (void *)&mask);
	assert_non_null(any);
	((uint8_t *)mask.buf)[18] = 0xf << 1;	/* ip_version */
	((uint8_t *)mask.buf)[16] = 0xff;	/* ip_protocol */
	((uint8_t *)value.buf)[18] = 4 << 1;
	((uint8_t *)value.buf)[16] = 17;
	udp = mlx5dv_dr_matcher_create(tbl, 5, 1, (void *)&mask);
	assert_non_null(udp);
	r_any = mlx5dv_dr_rule_create(any, (void *)&value, 1, &a1);
	r_udp = mlx5dv_dr_rule_create(udp, (void *)&value, 1, &a2);
	assert_non_null(r_any);
	assert_non_null(r_udp);
	assert_int_equal(mlx5dv_dr_domain_sync(dmn, MLX5DV_DR_DOMAIN_SYNC_FLAGS_SW), 0);

	frame[12] = 0x08;		/* IPv4 */
	frame[14] = 0x45;
	frame[23] = 17;			/* UDP */
	assert_int_equal(emu_steer_classify(st, frame, sizeof(frame), &got), 0);
	assert_int_equal(got, tirn2);
	frame[23] = 6;			/* TCP falls to the catch-all */
	assert_int_equal(emu_steer_classify(st, frame, sizeof(frame), &got), 0);
	assert_int_equal(got, tirn1);

	/* Objects in use refuse to go, as in rdma-core. */
	assert_int_equal(mlx5dv_dr_matcher_destroy(udp), EBUSY);
	assert_int_equal(mlx5dv_dr_action_destroy(a2), EBUSY);
	assert_int_equal(mlx5dv_dr_table_destroy(tbl), EBUSY);
	assert_int_equal(mlx5dv_dr_domain_destroy(dmn), EBUSY);
	assert_int_equal(mlx5dv_dr_rule_destroy(r_udp), 0);
	frame[23] = 17;
	assert_int_equal(emu_steer_classify(st, frame, sizeof(frame), &got), 0);
	assert_int_equal(got, tirn1);
	assert_int_equal(mlx5dv_dr_matcher_destroy(udp), 0);
	assert_int_equal(mlx5dv_dr_action_destroy(a2), 0);
	/* The rest goes with the context; the store is empty afterwards. */
	assert_int_equal(emu_steer_rule_count(st), 1);
	assert_int_equal(mlx5dv_devx_obj_destroy(tir2), 0);
	assert_int_equal(mlx5dv_devx_obj_destroy(td2), 0);
	assert_int_equal(ibv_close_device(ctx), 0);
	assert_int_equal(emu_steer_rule_count(st), 0);
	assert_int_equal(emu_steer_classify(st, frame, sizeof(frame), &got), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(devx_commands_carry_their_contexts_uid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			close_destroys_what_is_left_newest_first_then_the_user_context, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			event_channel_delivers_cookie_and_event_data_of_subscribed_objects, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			channel_without_data_coalesces_pending_events_per_subscription, setup,
			teardown),
		cmocka_unit_test_setup_teardown(full_channel_reports_overflow_once_then_continues,
						setup, teardown),
		cmocka_unit_test_setup_teardown(fd_subscription_signals_the_callers_eventfd, setup,
						teardown),
		cmocka_unit_test_setup_teardown(async_commands_run_in_parallel_on_worker_threads,
						setup, teardown),
		cmocka_unit_test_setup_teardown(busy_umem_refuses_deregistration_and_stays_registered,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			dr_rules_steer_frames_to_their_tir_in_the_functions_store, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
