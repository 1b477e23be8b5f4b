/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Private objects of the emulator's rdma-core API (libmlx5emu.so). Every public rdma-core object
 * handed to the caller is embedded in one of these; `x_to_y()` helpers recover the wrapper.
 *
 * What the kernel does for a real process is done here: it owns the per-context user id (uid) of
 * DevX commands, records how to destroy every object, and destroys whatever is left when the
 * context is closed (in reverse order of creation, so dependents go first).
 */
#ifndef EMU_VERBS_H
#define EMU_VERBS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <infiniband/verbs.h>
#include <infiniband/mlx5dv.h>

#include "emu_fw.h"
#include "emu_steer.h"

#define EMU_EXPORT __attribute__((visibility("default")))

/* Calls of one rdma-core entry point (verbs_api_calls.c); one static counter per entry point. */
struct emu_api_counter {
	const char *name;
	uint64_t calls;
	bool unsupported;	/* an entry point the emulator refuses (verbs_unsupported.c) */
	bool linked;
	struct emu_api_counter *next;
};

void emu_api_count(struct emu_api_counter *c);
void emu_api_report(FILE *out);

/* First statement of every entry point; `api` names one reached through a function table. */
#define EMU_API_COUNT(api, refused) do { \
		static struct emu_api_counter api_counter_ = { \
			.name = (api), .unsupported = (refused) }; \
		emu_api_count(&api_counter_); \
	} while (0)
#define EMU_API_CALL_AS(api) EMU_API_COUNT(api, false)
#define EMU_API_CALL() EMU_API_COUNT(__func__, false)
#define EMU_API_CALL_UNSUPPORTED() EMU_API_COUNT(__func__, true)

#define emu_container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* One emulated PCI function, alive as long as the process instance. */
struct emu_function {
	struct ibv_device ibdev;	/* what ibv_get_device_list hands out */
	struct emu_fw *fw;
	struct emu_steer *steer;	/* NIC RX root table, shared by the function's contexts */
	unsigned int index;
	uint16_t pci_device_id;
	char pci_addr[32];		/* dddd:bb:dd.f */
};

static inline struct emu_function *
ibdev_to_function(struct ibv_device *dev)
{
	return emu_container_of(dev, struct emu_function, ibdev);
}

/* Something a context owns and destroys on close if the caller did not. */
struct emu_res {
	struct emu_res *prev, *next;
	/* Destroys the object when its context closes; the object is unlinked already. */
	void (*release)(struct emu_res *res);
};

struct emu_async;

struct emu_context {
	struct emu_function *fn;
	uint16_t uid;		/* DevX user context, 0 when opened without DevX */
	bool devx;
	bool has_uctx;		/* uid came from CREATE_UCTX and must be destroyed */
	uint8_t uctx_destroy_in[16];
	size_t uctx_destroy_len;
	uint32_t null_mkey;	/* QUERY_SPECIAL_CONTEXTS at open, as the kernel's user context */
	/* Protects the resource list and the lazily created async workers. */
	pthread_mutex_t lock;
	struct emu_res res_head;	/* circular list, newest last */
	struct emu_async *async;
	struct verbs_context vctx;	/* its ibv_context is what the caller holds */
};

static inline struct emu_context *
ibctx_to_emu(struct ibv_context *ctx)
{
	struct verbs_context *v = emu_container_of(ctx, struct verbs_context, context);

	return emu_container_of(v, struct emu_context, vctx);
}

void emu_res_add(struct emu_context *ctx, struct emu_res *res);
void emu_res_del(struct emu_context *ctx, struct emu_res *res);

/*
 * Runs a command the way the kernel would for this context (uid stamped by the firmware call).
 * Returns 0 when the firmware answered OK, -EREMOTEIO when it answered with an error status (the
 * output then holds status and syndrome, as the kernel copies it back), another negative errno
 * when the command could not run.
 */
int emu_ctx_cmd(struct emu_context *ctx, const void *in, size_t inlen, void *out, size_t outlen);

/* The largest destroy mailbox we record for an object. */
#define EMU_DESTROY_MAX 64

/* A firmware object created on the caller's behalf (DevX object, PD, ...). */
struct emu_kobj {
	struct emu_res res;
	struct emu_context *ctx;
	uint16_t create_opcode;
	uint16_t obj_type;	/* general object type, or the create opcode for other objects */
	uint32_t id;		/* the number the create answered */
	size_t destroy_len;
	uint8_t destroy_in[EMU_DESTROY_MAX];
};

/* struct mlx5dv_devx_obj is opaque in rdma-core's headers: ours is the recorded firmware object. */
struct mlx5dv_devx_obj {
	struct emu_kobj kobj;
};

/*
 * Executes a create command and records its destroy command. -EINVAL when the opcode creates
 * nothing the firmware knows how to destroy.
 */
int emu_kobj_create(struct emu_context *ctx, struct emu_kobj *obj, const void *in, size_t inlen,
		    void *out, size_t outlen);
/* Sends the recorded destroy command; on success the object is unlinked (not freed). */
int emu_kobj_destroy(struct emu_kobj *obj);

/* Context-level pieces implemented in the other files of this folder. */
void emu_async_stop(struct emu_context *ctx);
void emu_vctx_fill_ops(struct verbs_context *vctx);

/* Process instance (the one allowed singleton). */
int emu_process_acquire(void);
void emu_process_release(void);

#endif /* EMU_VERBS_H */
