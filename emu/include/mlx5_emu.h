/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated mlx5 function's public test and tool API: configuration (the MLX5_EMU environment
 * variable), introspection (live objects, commands issued), fault injection, and the syndromes the
 * emulated firmware answers with. The command interface itself is emu/fw/emu_fw.h.
 * Documented for users in docs/emulator.md.
 */
#ifndef MLX5_EMU_H
#define MLX5_EMU_H

#include <stddef.h>
#include <stdint.h>

struct emu_fw;
struct emu_fw_profile;

/* Exported by libmlx5emu.so (version node MLX5EMU_1.0) for tests and tools. */
#define MLX5_EMU_API __attribute__((visibility("default")))

/* ---- Syndromes: the 32-bit value next to every failed status (stable, documented). ---- */
enum emu_fw_syndrome {
	EMU_SYND_NONE = 0,
	EMU_SYND_BAD_OPCODE = 0x0e100001,	/* BAD_OP: opcode not implemented */
	EMU_SYND_BAD_OP_MOD = 0x0e100002,	/* BAD_PARAM: op_mod not valid for the opcode */
	EMU_SYND_BAD_OBJ_TYPE = 0x0e100003,	/* BAD_PARAM: general object type not supported */
	EMU_SYND_INLEN = 0x0e100004,		/* BAD_INPUT_LEN */
	EMU_SYND_OUTLEN = 0x0e100005,		/* BAD_OUTPUT_LEN */
	EMU_SYND_NO_OBJECT = 0x0e100010,	/* BAD_RESOURCE: id names no live object of the kind */
	EMU_SYND_UID = 0x0e100011,		/* BAD_RESOURCE: object belongs to another uid */
	EMU_SYND_IN_USE = 0x0e100012,		/* RESOURCE_BUSY: other objects still reference it */
	EMU_SYND_LIMIT = 0x0e100013,		/* EXCEED_LIM: a cap's limit (queues, sizes, ids) */
	EMU_SYND_BAD_STATE = 0x0e100020,	/* BAD_RES_STATE: transition not allowed */
	EMU_SYND_NOT_MODIFIABLE = 0x0e100021,	/* BAD_RES_STATE: field not modifiable in this state */
	EMU_SYND_BAD_MODIFY_BIT = 0x0e100022,	/* BAD_PARAM: modify_field_select bit unknown or not in caps */
	EMU_SYND_BAD_QP_STATE = 0x0e100023,	/* BAD_QP_STATE: QP transition from the wrong state */
	EMU_SYND_QUEUE_SIZE = 0x0e100030,	/* BAD_PARAM: queue size zero, not a power of two, too big */
	EMU_SYND_UMEM_SIZE = 0x0e100031,	/* BAD_PARAM: umem smaller than param_a * size + param_b */
	EMU_SYND_UMEM_RANGE = 0x0e100032,	/* BAD_PARAM: offset + size beyond the umem */
	EMU_SYND_QUEUE_TYPE = 0x0e100033,	/* BAD_PARAM: queue type / event mode not in caps */
	EMU_SYND_BAD_FIELD = 0x0e100034,	/* BAD_PARAM: other invalid field value */
	EMU_SYND_ACCESS_MODE = 0x0e100035,	/* BAD_PARAM: mkey access mode not supported */
	EMU_SYND_KLM = 0x0e100036,		/* BAD_PARAM: KLM list empty, too long or entry too big */
	EMU_SYND_RING_ALIGN = 0x0e100037,	/* BAD_PARAM: virtq ring address misaligned for virtio */
	EMU_SYND_NO_RESOURCES = 0x0e100040,	/* NO_RESOURCES: out of ids or memory */
	EMU_SYND_INJECTED = 0x0e1000ff,		/* default syndrome of an injected fault */
};

/* ---- Configuration ---- */
#define EMU_CONFIG_MAX_FUNCS 256
#define EMU_CONFIG_MAX_FAULTS 16

struct emu_fault_spec {
	uint16_t opcode;
	uint16_t obj_type;	/* general objects only; 0xffff: any */
	uint32_t nth;		/* fail the nth matching command (1-based) */
	uint8_t status;
	uint32_t syndrome;
};

/*
 * A virtq failing at run time, as on a completion error: the next `times` times a queue of index
 * queue_index goes RDY, it fails after_ms later, at its first TX poll or RX delivery from then on
 * (so under traffic), and the object-change event is raised to its subscribers.
 */
struct emu_virtq_error_spec {
	uint16_t queue_index;
	uint32_t after_ms;
	uint32_t times;		/* 0: none */
};

enum emu_cost_model {
	EMU_COST_ZERO,		/* commands complete at once (tests) */
	EMU_COST_CALIBRATED,	/* latencies from public hardware figures (benchmarks) */
};

struct emu_config {
	unsigned int functions;
	const struct emu_fw_profile *profile;
	uint8_t macs[EMU_CONFIG_MAX_FUNCS][6];
	uint16_t mtu;
	enum emu_cost_model cost;
	unsigned int slots;		/* parallel firmware command slots */
	unsigned int nfaults;
	struct emu_fault_spec faults[EMU_CONFIG_MAX_FAULTS];
	struct emu_virtq_error_spec virtq_error;
	char wire[256];			/* the uplink's backend (docs/emulator.md) */
	int report_at_exit;		/* print each function's live objects when the process exits */
	char trace[256];		/* notification trace: function i writes <trace>.<i> */
	char cmdtrace[256];		/* command trace: function i writes <cmdtrace>.<i> */
	int trace_doorbells_trap;	/* the trace stamps doorbells by write trap, not polling */
};

/*
 * Parses a configuration string: `key=value[,key=value...]`, or `@path` naming a file with one
 * key=value per line (# comments). NULL or "" gives the defaults (2 functions, cx6dx, zero cost).
 * Keys: functions, profile (cx6dx|bf2|bf3), mac<i> (aa:bb:cc:dd:ee:ff), mtu, cost (zero|calibrated),
 * slots, fault (<opcode>[/<obj_type>]:<nth>:<status>[:<syndrome>], repeatable),
 * virtq_error (<queue index>:<after ms>[:<times>], see emu_virtq_error_spec), wire,
 * report (exit: print every function's live firmware objects at process exit, for leak checks),
 * trace (<path>: function i records doorbells, CQEs and completion events with their time into
 * <path>.<i>, for benchmarks; emu/fw/fw_trace.h), trace_doorbells (poll|trap: how the trace
 * sees doorbells; trap needs root), cmdtrace (<path>: function i records every
 * firmware command with the time it was issued and completed into <path>.<i>).
 * Returns 0, or -EINVAL with a message naming the key in err.
 */
MLX5_EMU_API int emu_config_parse(const char *text, struct emu_config *cfg, char *err, size_t errlen);

/* Profiles: "cx6dx" (ConnectX-6 Dx VF), "bf2" (BlueField-2), "bf3" (BlueField-3). NULL if unknown. */
MLX5_EMU_API const struct emu_fw_profile *emu_fw_profile_find(const char *name);
MLX5_EMU_API const char *emu_fw_profile_name(const struct emu_fw_profile *profile);

/* ---- Introspection ---- */
enum emu_obj_kind {
	EMU_OBJ_UCTX,
	EMU_OBJ_PD,
	EMU_OBJ_TD,
	EMU_OBJ_UMEM,
	EMU_OBJ_MKEY,
	EMU_OBJ_UAR,
	EMU_OBJ_VAR,
	EMU_OBJ_CQ,
	EMU_OBJ_QP,
	EMU_OBJ_TIS,
	EMU_OBJ_TIR,
	EMU_OBJ_RQT,
	EMU_OBJ_VIRTQ,
	EMU_OBJ_VIRTQ_COUNTERS,
	EMU_OBJ_KIND_COUNT,
};

MLX5_EMU_API const char *emu_obj_kind_name(enum emu_obj_kind kind);
/* Live objects of one kind, and of all kinds. */
MLX5_EMU_API unsigned int emu_fw_live_objects(struct emu_fw *fw, enum emu_obj_kind kind);
MLX5_EMU_API unsigned int emu_fw_live_objects_total(struct emu_fw *fw);
/* Commands executed (successfully or not) per opcode, and per general object type. */
MLX5_EMU_API uint64_t emu_fw_cmd_count(struct emu_fw *fw, uint16_t opcode);
MLX5_EMU_API uint64_t emu_fw_general_obj_cmd_count(struct emu_fw *fw, uint16_t opcode, uint16_t obj_type);
/*
 * Commands executed so far (all opcodes) and their modelled firmware time in ns under the cost
 * model (counted under every model), as the exit report's timing line gives them.
 */
MLX5_EMU_API void emu_fw_totals(struct emu_fw *fw, uint64_t *executed, uint64_t *modelled_ns);

/* ---- Fault injection (deterministic) ---- */
/* Adds a rule; counting starts now. -ENOSPC when the table is full. */
MLX5_EMU_API int emu_fw_fault_add(struct emu_fw *fw, const struct emu_fault_spec *spec);
MLX5_EMU_API void emu_fw_fault_clear(struct emu_fw *fw);
/*
 * Moves a virtq to ERR with the given error_type, as the hardware does on a bad descriptor, and
 * raises the object-change event to its subscribers. -ENOENT for an unknown virtq.
 */
MLX5_EMU_API int emu_fw_fault_virtq_error(struct emu_fw *fw, uint32_t virtq_id, uint8_t error_type);
/* Arms (or, with times 0, disarms) the run-time failure of emu_virtq_error_spec. */
MLX5_EMU_API int emu_fw_fault_virtq_error_after(struct emu_fw *fw,
						const struct emu_virtq_error_spec *spec);

/* ---- Cost model ---- */
/* Replaces the function's cost model (at creation it is the profile's zero model). */
MLX5_EMU_API int emu_fw_set_cost(struct emu_fw *fw, enum emu_cost_model model, unsigned int slots);

#endif /* MLX5_EMU_H */
