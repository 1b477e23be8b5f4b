/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The firmware of one emulated mlx5 function: what the verbs layer (emu/verbs/) calls for every
 * operation that, on a real system, goes through the kernel driver to the device's command
 * interface. This header is the contract between emu/verbs/ and emu/fw/.
 *
 * Conventions: functions return 0 or a negative errno. Command execution reports the firmware's
 * verdict in the output mailbox (status, syndrome), exactly as the hardware does; its return value
 * is about the call itself. All functions are thread-safe: commands from several threads run in
 * parallel up to the cost model's number of command slots.
 */
#ifndef EMU_FW_H
#define EMU_FW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct emu_fw;
struct emu_fw_profile;	/* caps profile (ConnectX-6 Dx VF, BlueField-2, BlueField-3), see profiles */

/* Identity and configuration of a function, fixed at creation. */
struct emu_fw_params {
	const struct emu_fw_profile *profile;
	uint16_t vhca_id;
	uint8_t mac[6];
	uint16_t mtu;
};

int emu_fw_create(const struct emu_fw_params *params, struct emu_fw **fw);
/* Destroys every object still alive (as a function reset does) and frees the firmware. */
void emu_fw_destroy(struct emu_fw *fw);

/*
 * Executes one command. `in`/`out` are PRM mailboxes (common/mlx5/prm_*.h); `uid` is the user
 * context the kernel would stamp into the command (0 for none). The output's status and syndrome
 * are always written when outlen >= 8. Returns 0 when the firmware answered (check the status),
 * -EINVAL when the mailbox cannot carry a command at all (inlen or outlen < 8).
 */
int emu_fw_cmd(struct emu_fw *fw, uint16_t uid, const void *in, size_t inlen,
	       void *out, size_t outlen);

/*
 * The destroy command matching a successful create (what the kernel records for a DevX object so
 * that it can destroy it later, e.g. CREATE_CQ -> DESTROY_CQ with the cqn from create_out).
 * Writes it into destroy_in (of size *len on entry, bytes used on return). -EOPNOTSUPP for an
 * opcode that creates nothing.
 */
int emu_fw_destroy_cmd(const void *create_in, const void *create_out,
		       void *destroy_in, size_t *len);

/*
 * User memory (mlx5dv_devx_umem_reg): host memory [addr, addr+size) becomes a umem the device
 * may DMA to, with IBV_ACCESS_* flags. The memory must stay valid until deregistered.
 */
int emu_fw_umem_reg(struct emu_fw *fw, uint16_t uid, void *addr, size_t size, uint32_t access,
		    uint32_t *umem_id);
/* -EBUSY (and nothing changes) while an mkey or queue still uses the umem. */
int emu_fw_umem_dereg(struct emu_fw *fw, uint32_t umem_id);

/*
 * Memory region (ibv_reg_mr / ibv_reg_mr_iova2): an MTT mkey over host memory, addressed by iova.
 * ibv_alloc_null_mr's key comes from QUERY_SPECIAL_CONTEXTS instead.
 */
int emu_fw_mr_reg(struct emu_fw *fw, uint32_t pdn, void *addr, size_t len, uint64_t iova,
		  uint32_t access, uint32_t *lkey);
int emu_fw_mr_dereg(struct emu_fw *fw, uint32_t lkey);

/*
 * The function's BAR: one memfd holding its UAR pages and VAR (virtio doorbell) pages, mappable by
 * offset like the real cmd_fd. The verbs layer hands it out as the context's cmd_fd.
 */
int emu_fw_bar_fd(const struct emu_fw *fw);
/* UAR (mlx5dv_devx_alloc_uar): index for commands and the page's offset in the BAR. */
int emu_fw_uar_alloc(struct emu_fw *fw, uint32_t *page_id, uint64_t *bar_off);
int emu_fw_uar_free(struct emu_fw *fw, uint32_t page_id);
/* VAR (mlx5dv_alloc_var): the virtq doorbell page; writing a queue index to it kicks the queue. */
int emu_fw_var_alloc(struct emu_fw *fw, uint32_t *page_id, uint32_t *length, uint64_t *bar_off);
int emu_fw_var_free(struct emu_fw *fw, uint32_t page_id);

/*
 * The notification trace (MLX5_EMU trace=<path>, fw_trace.h): from now on, doorbells written to
 * the function's VAR pages, CQEs written and completion events raised are recorded with their
 * CLOCK_MONOTONIC time into `path`, as function `function`; doorbells seen by a write trap
 * when `trap_doorbells`, else by polling (fw_trace.h). Stop flushes the file; destroy
 * stops it too. 0 or -errno.
 */
int emu_fw_trace_start(struct emu_fw *fw, const char *path, uint16_t function,
		       bool trap_doorbells);
/*
 * The command trace (MLX5_EMU cmdtrace=<path>, fw_trace.h): from now on every firmware command
 * is recorded with the time it was issued and completed. 0 or -errno. emu_fw_trace_stop stops
 * (flushes) both traces.
 */
int emu_fw_cmd_trace_start(struct emu_fw *fw, const char *path, uint16_t function);
void emu_fw_trace_stop(struct emu_fw *fw);

/* Completion EQ number for an interrupt vector (mlx5dv_devx_query_eqn). */
int emu_fw_query_eqn(struct emu_fw *fw, uint32_t vector, uint32_t *eqn);

/*
 * Events (mlx5dv_devx_subscribe_devx_event): the firmware calls sink->deliver for each event of a
 * subscribed type on the object (obj_type/obj_id from its create; both 0 for unaffiliated events).
 * `data` is the EQE's event data (PRM layout), `len` its size. deliver may run on any firmware or
 * hardware thread and must not call back into the firmware.
 */
struct emu_fw_event_sink {
	void (*deliver)(void *ctx, uint16_t event_type, uint64_t cookie, const void *data,
			size_t len);
	void *ctx;
};
int emu_fw_subscribe(struct emu_fw *fw, const struct emu_fw_event_sink *sink, uint16_t obj_type,
		     uint32_t obj_id, uint16_t event_type, uint64_t cookie);
/* Removes every subscription of this sink (channel destroyed). */
void emu_fw_unsubscribe_all(struct emu_fw *fw, const struct emu_fw_event_sink *sink);

struct hw_nic;

/*
 * Connects the function to port `port` of the emulated NIC's data plane (emu/hw/hw_nic.h):
 * from then on its virtqs move frames while RDY. Without it queues take commands only. The NIC
 * must outlive the function.
 */
void emu_fw_attach_nic(struct emu_fw *fw, struct hw_nic *nic, unsigned int port);

/*
 * Writes lines to stderr, each starting with `label`: the live objects of each kind (leak
 * reports), the commands executed per opcode (and general object type), bring-up timing, and
 * the pages its queues marked in dirty logs (live migration).
 */
void emu_fw_report_live(struct emu_fw *fw, const char *label);

/*
 * DMA through a memory key, for the emulated hardware: the host address of [addr, addr + len)
 * under `mkey` (indirect KLM -> direct MTT/MR -> umem or registered memory), checking bounds and
 * local read/write rights. *contig is how many bytes from addr are contiguous in host memory
 * (<= len); callers loop for the rest. -EFAULT when the range is not covered (including the null
 * mkey's holes), -EACCES when the key forbids the access, -ENOENT for an unknown key.
 */
int emu_fw_mkey_translate(struct emu_fw *fw, uint32_t mkey, uint64_t addr, size_t len,
			  int write, void **host, size_t *contig);

#endif /* EMU_FW_H */
