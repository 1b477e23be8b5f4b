/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Inside the emulated firmware: the function's state, the object store and the command context
 * shared by the command handlers (fw_*.c). Only the handlers decode and encode mailboxes.
 */
#ifndef EMU_FW_INTERNAL_H
#define EMU_FW_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "emu_fw.h"
#include "fw_notify.h"
#include "fw_trace.h"
#include "mlx5_emu.h"
#include "prm_cmd.h"

/* The capabilities a profile fixes; fw_caps.c turns them into QUERY_HCA_CAP pages. */
struct emu_fw_profile {
	const char *name;
	uint16_t pci_device_id;
	uint32_t max_virtio_queues;
	uint32_t umem_param_a[3];
	uint32_t umem_param_b[3];
	uint8_t virtq_event_modes;	/* PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_EVENT_MODE_*) */
	uint8_t virtq_types;		/* PRM_VIRTQ_CAP_BIT(PRM_VIRTQ_TYPE_*) */
	uint16_t device_features;	/* PRM_VIRTQ_FEATURE_* bits */
	bool freeze_to_rdy;
	bool desc_group_mkey;
	bool modify_ext;		/* vnet_modify_ext, virtio_net_q_addr_modify */
	uint8_t log_max_rqt_size;
	uint8_t log_max_klm_list_size;
	uint8_t log_max_qp;
	uint8_t log_max_cq;
	uint8_t log_max_cq_sz;
	uint8_t log_max_qp_sz;
	uint32_t max_emulated_devices;
	uint32_t eq_vectors;		/* completion EQs */
};

/* Every live object starts with this; the kind's own struct embeds it first. */
struct fw_obj {
	struct fw_obj *next;		/* hash chain */
	enum emu_obj_kind kind;
	uint32_t id;
	uint16_t uid;
	unsigned int refs;		/* references held by other objects */
	void (*release)(struct emu_fw *fw, struct fw_obj *obj);	/* drops this object's refs */
};

#define FW_HASH_BUCKETS 256
#define FW_MAX_OPCODE 0x1000
#define FW_MAX_OBJ_TYPE 0x100
#define FW_MAX_SUBSCRIPTIONS 4096
#define FW_PAGE_SIZE 4096u
#define FW_BAR_PAGES 64			/* UAR + VAR pages in the BAR memfd */
#define FW_SLOTS_MAX 1024u		/* the cost model's parallel command slots */

struct fw_subscription {
	const struct emu_fw_event_sink *sink;
	uint16_t obj_type;
	uint32_t obj_id;
	uint16_t event_type;
	uint64_t cookie;
};

struct fw_fault {
	struct emu_fault_spec spec;
	uint32_t seen;
	bool fired;
};

struct emu_fw {
	const struct emu_fw_profile *profile;
	struct emu_fw_params params;

	/* Protects everything below except the cost model's slots. */
	pthread_mutex_t lock;
	struct fw_obj *buckets[FW_HASH_BUCKETS];
	uint32_t next_id[EMU_OBJ_KIND_COUNT];
	unsigned int live[EMU_OBJ_KIND_COUNT];
	uint64_t cmd_count[FW_MAX_OPCODE];
	uint64_t gen_obj_count[4][FW_MAX_OBJ_TYPE];	/* create/modify/query/destroy */
	struct fw_fault faults[EMU_CONFIG_MAX_FAULTS];
	unsigned int nfaults;
	struct emu_virtq_error_spec virtq_error;	/* armed run-time virtq failures */
	/*
	 * Protects subs/nsubs. Not fw->lock: the data plane raises completion events from its
	 * engine thread, which must never wait for fw->lock (the firmware waits for the engine
	 * while holding it).
	 */
	pthread_mutex_t subs_lock;
	struct fw_subscription *subs;
	unsigned int nsubs;
	struct fw_notify_stats notify_stats;	/* engine thread and commands, atomics */
	uint8_t vport_mac[6];
	uint16_t vport_mtu;
	uint8_t bar_used[FW_BAR_PAGES];	/* 0 free, else EMU_OBJ_UAR / EMU_OBJ_VAR */
	int bar_fd;
	struct fw_trace trace;		/* MLX5_EMU trace: off unless started */
	struct fw_trace cmd_trace;	/* MLX5_EMU cmdtrace: off unless started */

	/* The data plane this function's RDY virtqs run on (NULL: commands only). */
	struct hw_nic *nic;
	unsigned int nic_port;

	/* Cost model (fw_slot_take): when each slot frees, on the firmware's clock (slot_lock). */
	enum emu_cost_model cost;
	unsigned int slots;
	pthread_mutex_t slot_lock;
	uint64_t slot_free_ns[FW_SLOTS_MAX];
	/*
	 * Bring-up timing for the exit report (fw->lock): commands executed and their modelled
	 * firmware time (whatever the cost model), and the last command that set a virtq RDY: when
	 * it completed (CLOCK_MONOTONIC) and the two totals at that moment.
	 */
	uint64_t executed;
	uint64_t modelled_ns;
	uint64_t rdy_sets;
	uint64_t rdy_last_ns;
	uint64_t rdy_executed;
	uint64_t rdy_modelled_ns;
	uint64_t dirty_pages;		/* atomic: bits its queues set in dirty logs (fw_dirty.c) */
};

/* One command being executed. Handlers return a PRM status and set `syndrome` on failure. */
struct fw_cmd {
	struct emu_fw *fw;
	uint16_t uid;
	const void *in;
	size_t inlen;
	void *out;
	size_t outlen;
	uint32_t syndrome;
};

static inline uint8_t
fw_fail(struct fw_cmd *c, uint8_t status, uint32_t syndrome)
{
	c->syndrome = syndrome;
	return status;
}

/* Object store (fw_store.c); all with fw->lock held. */
int fw_obj_insert(struct emu_fw *fw, struct fw_obj *obj, enum emu_obj_kind kind, uint16_t uid);
/* Finds a live object of `kind` usable by `uid`; on failure returns NULL and sets c's syndrome. */
struct fw_obj *fw_obj_lookup(struct fw_cmd *c, enum emu_obj_kind kind, uint32_t id,
			     uint8_t *status);
struct fw_obj *fw_obj_find(struct emu_fw *fw, enum emu_obj_kind kind, uint32_t id);
/* Destroys one object: RESOURCE_BUSY while referenced; releases its refs and frees it. */
uint8_t fw_obj_destroy(struct fw_cmd *c, enum emu_obj_kind kind, uint32_t id);
void fw_obj_unlink_free(struct emu_fw *fw, struct fw_obj *obj);
void fw_obj_destroy_all(struct emu_fw *fw);
bool fw_uid_has_objects(struct emu_fw *fw, uint16_t uid);
static inline void fw_obj_get(struct fw_obj *o) { o->refs++; }
static inline void fw_obj_put(struct fw_obj *o) { if (o) o->refs--; }

/* Handlers, grouped by file. */
/*
 * The cost model (fw_core.c): a command takes the slot that frees first for its latency
 * (fw_slot_take returns, once the command has it, the ns it waited for it), executes, and
 * completes when the latency is over (fw_slot_give sleeps until then); the slot is free again
 * at that deadline, not when the command's thread is back. Nothing to do with cost=zero.
 */
struct fw_slot {
	uint64_t deadline_ns;	/* the command's completion; 0 when it holds no slot */
};
uint64_t fw_slot_take(struct emu_fw *fw, uint64_t ns, struct fw_slot *slot);
void fw_slot_give(struct emu_fw *fw, const struct fw_slot *slot);
/* How much sooner than its deadline a command's thread asks to be woken (0 until measured). */
uint64_t fw_timer_late_ns(void);
/* A memory key's latency, by its translation octwords. */
uint64_t fw_mkey_cost_ns(uint64_t octwords);
/* A command completed now (MLX5_EMU cmdtrace): recorded if the command trace is on. */
void fw_trace_cmd_done(struct emu_fw *fw, uint64_t issued_ns, uint64_t slot_wait_ns, uint16_t opcode,
		       uint16_t obj_type, uint8_t status);

uint8_t fw_query_hca_cap(struct fw_cmd *c);			/* fw_caps.c */
uint8_t fw_alloc_pd(struct fw_cmd *c);				/* fw_res.c */
uint8_t fw_dealloc_pd(struct fw_cmd *c);
uint8_t fw_alloc_td(struct fw_cmd *c);
uint8_t fw_dealloc_td(struct fw_cmd *c);
uint8_t fw_create_uctx(struct fw_cmd *c);
uint8_t fw_destroy_uctx(struct fw_cmd *c);
uint8_t fw_alloc_uar_cmd(struct fw_cmd *c);
uint8_t fw_dealloc_uar_cmd(struct fw_cmd *c);
uint8_t fw_query_vport_state(struct fw_cmd *c);
uint8_t fw_query_nic_vport_context(struct fw_cmd *c);
uint8_t fw_modify_nic_vport_context(struct fw_cmd *c);
uint8_t fw_create_tis(struct fw_cmd *c);
uint8_t fw_destroy_tis(struct fw_cmd *c);
uint8_t fw_create_tir(struct fw_cmd *c);
uint8_t fw_destroy_tir(struct fw_cmd *c);
uint8_t fw_create_rqt(struct fw_cmd *c);
uint8_t fw_modify_rqt(struct fw_cmd *c);
uint8_t fw_destroy_rqt(struct fw_cmd *c);
uint8_t fw_create_mkey(struct fw_cmd *c);			/* fw_mem.c */
uint8_t fw_destroy_mkey(struct fw_cmd *c);
uint8_t fw_query_special_contexts(struct fw_cmd *c);
uint8_t fw_create_cq(struct fw_cmd *c);				/* fw_cq_qp.c */
uint8_t fw_destroy_cq(struct fw_cmd *c);
uint8_t fw_create_qp(struct fw_cmd *c);
uint8_t fw_destroy_qp(struct fw_cmd *c);
uint8_t fw_qp_transition(struct fw_cmd *c);
uint8_t fw_query_qp(struct fw_cmd *c);
uint8_t fw_general_obj(struct fw_cmd *c);			/* fw_virtq.c */

/* Events (fw_core.c): delivers to the subscribers of (obj_type, obj_id, event_type). Any lock. */
void fw_raise_event(struct emu_fw *fw, uint16_t obj_type, uint32_t obj_id, uint16_t event_type,
		    const void *data, size_t len);

/* Completion EQ numbers start here (emu_fw_query_eqn). */
#define FW_FIRST_EQN 0x20

/* BAR pages (fw_core.c), with fw->lock held. */
bool fw_uar_valid(struct emu_fw *fw, uint32_t page);

/* The special null mkey: reads as zeros, writes are dropped, as the PRM defines it. */
#define FW_NULL_MKEY 0x00000100u

/* Kinds' payloads that other files need. */
struct fw_umem {
	struct fw_obj obj;
	uint8_t *addr;
	size_t size;
	uint32_t access;
};

struct fw_virtq;	/* fw_virtq.c */

/*
 * A memory key flattened into guest-address segments backed by host memory, for the data path:
 * it reads it without the firmware's lock. Valid while the key is referenced (a referenced key,
 * and what it points to, cannot be destroyed).
 */
struct fw_dma_seg {
	uint64_t start;
	uint64_t len;
	uint8_t *host;
	bool writable;
};

struct fw_dma_map {
	unsigned int n;
	struct fw_dma_seg *segs;	/* sorted by start */
};

/*
 * Where the reports of a virtq with event QP fw_qpn go: its peer QP's receive queue and CQ,
 * the peer referenced until fw_qp_notify_detach (n->cq NULL when there is none). fw->lock held.
 */
void fw_qp_notify_attach(struct emu_fw *fw, uint32_t fw_qpn, struct fw_notify *n);
void fw_qp_notify_detach(struct fw_notify *n);

/* Flattens key into map (fw->lock held); 0 or a negative errno. */
int fw_mkey_flatten(struct emu_fw *fw, uint32_t key, struct fw_dma_map *map);
void fw_dma_map_free(struct fw_dma_map *map);
/* hw_dma_ops.map over a flattened key. */
void *fw_dma_map_lookup(void *map, uint64_t addr, size_t len, bool write);

#endif /* EMU_FW_INTERNAL_H */
