/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device contexts: open/close, the per-context uid and resource list, the one place where
 * commands are sent on a context's behalf, and the device/port queries.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <mlx5_log.h>

#include "emu_verbs.h"
#include "verbs_prm.h"

#define LOG_ORIGIN "emu.verbs"

void
emu_res_add(struct emu_context *ctx, struct emu_res *res)
{
	pthread_mutex_lock(&ctx->lock);
	res->next = &ctx->res_head;
	res->prev = ctx->res_head.prev;
	ctx->res_head.prev->next = res;
	ctx->res_head.prev = res;
	pthread_mutex_unlock(&ctx->lock);
}

void
emu_res_del(struct emu_context *ctx, struct emu_res *res)
{
	pthread_mutex_lock(&ctx->lock);
	res->prev->next = res->next;
	res->next->prev = res->prev;
	res->next = res->prev = res;
	pthread_mutex_unlock(&ctx->lock);
}

int
emu_ctx_cmd(struct emu_context *ctx, const void *in, size_t inlen, void *out, size_t outlen)
{
	int ret;

	if (in == NULL || out == NULL)
		return -EINVAL;
	ret = emu_fw_cmd(ctx->fn->fw, ctx->uid, in, inlen, out, outlen);
	if (ret != 0)
		return ret;
	/* The kernel answers -EREMOTEIO for a firmware error and still copies the output back. */
	if (PRM_GET(cmd_out_hdr, out, status) != PRM_STATUS_OK)
		return -EREMOTEIO;
	return 0;
}

int
emu_kobj_create(struct emu_context *ctx, struct emu_kobj *obj, const void *in, size_t inlen,
		void *out, size_t outlen)
{
	uint8_t probe_out[sizeof(obj->destroy_in)] = {0};
	size_t len = sizeof(obj->destroy_in);
	int ret;

	if (inlen < PRM_SIZE(cmd_in_hdr) || outlen < PRM_SIZE(create_obj_out))
		return -EINVAL;
	/* Like the kernel, refuse a command that creates nothing we could destroy later. */
	if (emu_fw_destroy_cmd(in, probe_out, obj->destroy_in, &len) == -EOPNOTSUPP)
		return -EINVAL;
	ret = emu_ctx_cmd(ctx, in, inlen, out, outlen);
	if (ret != 0)
		return ret;
	len = sizeof(obj->destroy_in);
	ret = emu_fw_destroy_cmd(in, out, obj->destroy_in, &len);
	if (ret != 0) {
		MLX5_LOG(ERR, LOG_ORIGIN, "no destroy command for opcode 0x%x: %d",
			 (unsigned int)PRM_GET(cmd_in_hdr, in, opcode), ret);
		return ret;
	}
	obj->ctx = ctx;
	obj->destroy_len = len;
	obj->create_opcode = (uint16_t)PRM_GET(cmd_in_hdr, in, opcode);
	if (obj->create_opcode == PRM_CMD_CREATE_GENERAL_OBJECT) {
		obj->obj_type = (uint16_t)PRM_GET(general_obj_in_cmd_hdr, in, obj_type);
		obj->id = (uint32_t)PRM_GET(create_obj_out, out, obj_id);
	} else {
		obj->obj_type = obj->create_opcode;
		obj->id = (uint32_t)PRM_GET(create_obj_out, out, obj_id) & 0xffffff;
	}
	emu_res_add(ctx, &obj->res);
	return 0;
}

int
emu_kobj_destroy(struct emu_kobj *obj)
{
	uint8_t out[PRM_SIZE(cmd_out_hdr) + 8] = {0};
	int ret;

	ret = emu_ctx_cmd(obj->ctx, obj->destroy_in, obj->destroy_len, out, sizeof(out));
	if (ret != 0) {
		prm_cmd_check(LOG_ORIGIN, obj->destroy_in, out);
		return ret;
	}
	emu_res_del(obj->ctx, &obj->res);
	return 0;
}

/* DevX contexts get their own uid, so the firmware can tell their objects apart. */
static int
ctx_create_uctx(struct emu_context *ctx)
{
	uint8_t in[PRM_SIZE(create_uctx_in)] = {0};
	uint8_t out[PRM_SIZE(create_uctx_out)] = {0};
	size_t len = sizeof(ctx->uctx_destroy_in);
	int ret;

	PRM_SET(create_uctx_in, in, opcode, PRM_CMD_CREATE_UCTX);
	ret = emu_fw_cmd(ctx->fn->fw, 0, in, sizeof(in), out, sizeof(out));
	if (ret != 0)
		return ret;
	if (PRM_GET(cmd_out_hdr, out, status) == PRM_STATUS_BAD_OP)
		return 0;	/* a firmware without user contexts: uid 0 for all */
	if (PRM_GET(cmd_out_hdr, out, status) != PRM_STATUS_OK)
		return prm_cmd_check(LOG_ORIGIN, in, out);
	if (emu_fw_destroy_cmd(in, out, ctx->uctx_destroy_in, &len) != 0)
		return 0;	/* not destroyable: the firmware frees it with the function */
	ctx->uctx_destroy_len = len;
	ctx->has_uctx = true;
	ctx->uid = (uint16_t)PRM_GET(create_uctx_out, out, uid);
	return 0;
}

/*
 * The kernel hands every user context the device's special keys it queried itself (at the
 * context's allocation, or once at device init in newer kernels), so ibv_alloc_null_mr issues
 * no command. rdma-core's null MR is the dump-fill key; the emulator's is the null key, whose
 * accesses fault, the stricter of the two for a guest address outside every region.
 */
static int
ctx_query_special_keys(struct emu_context *ctx)
{
	uint8_t in[PRM_SIZE(query_special_contexts_in)] = {0};
	uint8_t out[PRM_SIZE(query_special_contexts_out)] = {0};
	int ret;

	PRM_SET(query_special_contexts_in, in, opcode, PRM_CMD_QUERY_SPECIAL_CONTEXTS);
	ret = emu_fw_cmd(ctx->fn->fw, 0, in, sizeof(in), out, sizeof(out));
	if (ret != 0)
		return ret;
	if (PRM_GET(cmd_out_hdr, out, status) != PRM_STATUS_OK)
		return prm_cmd_check(LOG_ORIGIN, in, out);
	ctx->null_mkey = (uint32_t)PRM_GET(query_special_contexts_out, out, null_mkey);
	return 0;
}

static void
ctx_destroy_uctx(struct emu_context *ctx)
{
	uint8_t out[16] = {0};

	if (!ctx->has_uctx)
		return;
	if (emu_fw_cmd(ctx->fn->fw, 0, ctx->uctx_destroy_in, ctx->uctx_destroy_len, out,
		       sizeof(out)) == 0)
		prm_cmd_check(LOG_ORIGIN, ctx->uctx_destroy_in, out);
}

static struct ibv_context *
ctx_open(struct ibv_device *device, bool devx)
{
	struct emu_context *ctx;
	int ret;

	if (device == NULL) {
		errno = EINVAL;
		return NULL;
	}
	ret = emu_process_acquire();
	if (ret != 0)
		goto err;
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL) {
		ret = -ENOMEM;
		goto err_release;
	}
	ctx->fn = ibdev_to_function(device);
	ctx->devx = devx;
	ctx->res_head.next = ctx->res_head.prev = &ctx->res_head;
	ret = -pthread_mutex_init(&ctx->lock, NULL);
	if (ret != 0)
		goto err_free;
	ctx->vctx.context.cmd_fd = fcntl(emu_fw_bar_fd(ctx->fn->fw), F_DUPFD_CLOEXEC, 3);
	if (ctx->vctx.context.cmd_fd < 0) {
		ret = -errno;
		goto err_lock;
	}
	/* No asynchronous device events are ever raised: a quiet but real fd. */
	ctx->vctx.context.async_fd = eventfd(0, EFD_CLOEXEC);
	if (ctx->vctx.context.async_fd < 0) {
		ret = -errno;
		goto err_cmd_fd;
	}
	if (devx) {
		ret = ctx_create_uctx(ctx);
		if (ret != 0)
			goto err_async_fd;
	}
	ret = ctx_query_special_keys(ctx);
	if (ret != 0)
		goto err_uctx;
	ctx->vctx.context.device = device;
	ctx->vctx.context.num_comp_vectors = 1;
	ret = -pthread_mutex_init(&ctx->vctx.context.mutex, NULL);
	if (ret != 0)
		goto err_uctx;
	ctx->vctx.context.abi_compat = __VERBS_ABI_IS_EXTENDED;
	ctx->vctx.sz = sizeof(ctx->vctx);
	emu_vctx_fill_ops(&ctx->vctx);
	return &ctx->vctx.context;

err_uctx:
	ctx_destroy_uctx(ctx);
err_async_fd:
	close(ctx->vctx.context.async_fd);
err_cmd_fd:
	close(ctx->vctx.context.cmd_fd);
err_lock:
	pthread_mutex_destroy(&ctx->lock);
err_free:
	free(ctx);
err_release:
	emu_process_release();
err:
	errno = -ret;
	return NULL;
}

EMU_EXPORT struct ibv_context *
ibv_open_device(struct ibv_device *device)
{
	EMU_API_CALL();
	return ctx_open(device, false);
}

EMU_EXPORT struct ibv_context *
mlx5dv_open_device(struct ibv_device *device, struct mlx5dv_context_attr *attr)
{
	EMU_API_CALL();
	bool devx = false;

	if (attr != NULL) {
		if ((attr->flags & ~(uint32_t)MLX5DV_CONTEXT_FLAGS_DEVX) != 0 ||
		    attr->comp_mask != 0) {
			errno = EOPNOTSUPP;
			return NULL;
		}
		devx = attr->flags & MLX5DV_CONTEXT_FLAGS_DEVX;
	}
	return ctx_open(device, devx);
}

EMU_EXPORT int
ibv_close_device(struct ibv_context *context)
{
	EMU_API_CALL();
	struct emu_context *ctx;
	struct emu_res *res;

	if (context == NULL)
		return EINVAL;
	ctx = ibctx_to_emu(context);
	/* Workers first: a command still running may belong to an object released below. */
	emu_async_stop(ctx);
	for (;;) {
		pthread_mutex_lock(&ctx->lock);
		res = ctx->res_head.prev;
		if (res != &ctx->res_head) {
			res->prev->next = res->next;
			res->next->prev = res->prev;
			res->next = res->prev = res;
		}
		pthread_mutex_unlock(&ctx->lock);
		if (res == &ctx->res_head)
			break;
		res->release(res);
	}
	ctx_destroy_uctx(ctx);
	close(context->async_fd);
	close(context->cmd_fd);
	pthread_mutex_destroy(&context->mutex);
	pthread_mutex_destroy(&ctx->lock);
	free(ctx);
	emu_process_release();
	return 0;
}

EMU_EXPORT bool
mlx5dv_is_supported(struct ibv_device *device)
{
	EMU_API_CALL();
	return device != NULL;
}

EMU_EXPORT const char *
ibv_get_device_name(struct ibv_device *device)
{
	EMU_API_CALL();
	return device != NULL ? device->name : NULL;
}

static void
ctx_fill_device_attr(struct emu_context *ctx, struct ibv_device_attr *attr)
{
	/* A GUID in Mellanox's range, unique per emulated function. */
	uint64_t guid = 0x98039b0300000000ULL | ctx->fn->index;

	memset(attr, 0, sizeof(*attr));
	snprintf(attr->fw_ver, sizeof(attr->fw_ver), "22.35.1012");
	attr->node_guid = guid;
	attr->sys_image_guid = guid;
	attr->max_mr_size = UINT64_MAX;
	attr->page_size_cap = 0xfffff000;
	attr->vendor_id = 0x02c9;	/* Mellanox's IEEE OUI, as the real device reports */
	attr->vendor_part_id = ctx->fn->pci_device_id;
	attr->max_qp = 1 << 17;
	attr->max_qp_wr = 1 << 15;
	attr->max_sge = 30;
	attr->max_cq = 1 << 24;
	attr->max_cqe = (1 << 22) - 1;
	attr->max_mr = 1 << 24;
	attr->max_pd = 1 << 24;
	attr->max_srq = 1 << 23;
	attr->max_srq_wr = (1 << 15) - 1;
	attr->max_srq_sge = 31;
	attr->max_pkeys = 1;
	attr->phys_port_cnt = 1;
	attr->atomic_cap = IBV_ATOMIC_HCA;
}

EMU_EXPORT int
ibv_query_device(struct ibv_context *context, struct ibv_device_attr *device_attr)
{
	EMU_API_CALL();
	if (context == NULL || device_attr == NULL)
		return EINVAL;
	ctx_fill_device_attr(ibctx_to_emu(context), device_attr);
	return 0;
}

static int
ctx_query_device_ex(struct ibv_context *context, const struct ibv_query_device_ex_input *input,
		    struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct ibv_device_attr_ex full;

	if (input != NULL && input->comp_mask != 0)
		return EINVAL;
	if (attr_size < sizeof(attr->orig_attr))
		return EINVAL;
	memset(&full, 0, sizeof(full));
	ctx_fill_device_attr(ibctx_to_emu(context), &full.orig_attr);
	memcpy(attr, &full, attr_size < sizeof(full) ? attr_size : sizeof(full));
	return 0;
}

static void
ctx_fill_port_attr(struct emu_context *ctx, struct ibv_port_attr *attr)
{
	(void)ctx;
	memset(attr, 0, sizeof(*attr));
	attr->state = IBV_PORT_ACTIVE;
	attr->max_mtu = IBV_MTU_4096;
	attr->active_mtu = IBV_MTU_1024;
	attr->gid_tbl_len = 256;
	attr->port_cap_flags = IBV_PORT_CM_SUP;
	attr->max_msg_sz = 1 << 30;
	attr->pkey_tbl_len = 1;
	attr->active_width = 2;		/* 4x */
	attr->active_speed = 64;	/* 50 Gb/s per lane: a 200G port */
	attr->phys_state = 5;		/* LinkUp */
	attr->link_layer = IBV_LINK_LAYER_ETHERNET;
}

static int
ctx_query_port(struct ibv_context *context, uint8_t port_num, struct ibv_port_attr *port_attr,
	       size_t port_attr_len)
{
	struct ibv_port_attr full;

	if (port_num != 1 || port_attr == NULL)
		return EINVAL;
	ctx_fill_port_attr(ibctx_to_emu(context), &full);
	memcpy(port_attr, &full,
	       port_attr_len < sizeof(full) ? port_attr_len : sizeof(full));
	return 0;
}

/* The ABI-compatible entry for callers built without the inline query_port path. */
#undef ibv_query_port
EMU_EXPORT int
ibv_query_port(struct ibv_context *context, uint8_t port_num,
	       struct _compat_ibv_port_attr *port_attr)
{
	EMU_API_CALL();
	if (context == NULL)
		return EINVAL;
	/* The compat struct is the current one up to `flags`, without the later fields. */
	return ctx_query_port(context, port_num, (struct ibv_port_attr *)port_attr,
			      offsetof(struct ibv_port_attr, port_cap_flags2));
}

EMU_EXPORT const char *
ibv_port_state_str(enum ibv_port_state port_state)
{
	EMU_API_CALL();
	static const char *const names[] = {
		[IBV_PORT_NOP] = "PORT_NOP",
		[IBV_PORT_DOWN] = "PORT_DOWN",
		[IBV_PORT_INIT] = "PORT_INIT",
		[IBV_PORT_ARMED] = "PORT_ARMED",
		[IBV_PORT_ACTIVE] = "PORT_ACTIVE",
		[IBV_PORT_ACTIVE_DEFER] = "PORT_ACTIVE_DEFER",
	};

	if ((unsigned int)port_state >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[port_state];
}

EMU_EXPORT int
mlx5dv_query_device(struct ibv_context *ctx_in, struct mlx5dv_context *attrs_out)
{
	EMU_API_CALL();
	if (ctx_in == NULL || attrs_out == NULL)
		return EINVAL;
	/* Only the base fields; comp_mask bits the caller asked for are cleared as unsupported. */
	attrs_out->version = 0;
	attrs_out->flags = MLX5DV_CONTEXT_FLAGS_CQE_V1;
	attrs_out->comp_mask = 0;
	return 0;
}

EMU_EXPORT int
mlx5dv_set_context_attr(struct ibv_context *context, enum mlx5dv_set_ctx_attr_type type,
			void *attr)
{
	EMU_API_CALL();
	(void)attr;
	if (context == NULL)
		return EINVAL;
	/* Buffer allocators only matter for queues libmlx5 would allocate; DevX users bring their own. */
	if (type == MLX5DV_CTX_ATTR_BUF_ALLOCATORS)
		return 0;
	return EOPNOTSUPP;
}

EMU_EXPORT int
ibv_get_async_event(struct ibv_context *context, struct ibv_async_event *event)
{
	EMU_API_CALL();
	uint64_t v;

	if (context == NULL || event == NULL) {
		errno = EINVAL;
		return -1;
	}
	/* Blocks (or EAGAIN when the caller made the fd non-blocking): no event is ever raised. */
	if (read(context->async_fd, &v, sizeof(v)) < 0)
		return -1;
	errno = EIO;
	return -1;
}

EMU_EXPORT void
ibv_ack_async_event(struct ibv_async_event *event)
{
	EMU_API_CALL();
	(void)event;
}

EMU_EXPORT int
ibv_fork_init(void)
{
	EMU_API_CALL();
	return 0;
}

EMU_EXPORT enum ibv_fork_status
ibv_is_fork_initialized(void)
{
	EMU_API_CALL();
	return IBV_FORK_UNNEEDED;
}

/* Defined in verbs_objects.c. */
struct ibv_mr *emu_alloc_null_mr(struct ibv_pd *pd);

/* rdma-core's inline ibv_query_port(), ibv_alloc_null_mr() and ibv_query_device_ex() land here. */
static int
op_query_port(struct ibv_context *context, uint8_t port_num, struct ibv_port_attr *port_attr,
	      size_t port_attr_len)
{
	EMU_API_CALL_AS("ibv_query_port");
	return ctx_query_port(context, port_num, port_attr, port_attr_len);
}

static struct ibv_mr *
op_alloc_null_mr(struct ibv_pd *pd)
{
	EMU_API_CALL_AS("ibv_alloc_null_mr");
	return emu_alloc_null_mr(pd);
}

static int
op_query_device_ex(struct ibv_context *context, const struct ibv_query_device_ex_input *input,
		   struct ibv_device_attr_ex *attr, size_t attr_size)
{
	EMU_API_CALL_AS("ibv_query_device_ex");
	return ctx_query_device_ex(context, input, attr, attr_size);
}

void
emu_vctx_fill_ops(struct verbs_context *vctx)
{
	vctx->query_port = op_query_port;
	vctx->alloc_null_mr = op_alloc_null_mr;
	vctx->query_device_ex = op_query_device_ex;
}
