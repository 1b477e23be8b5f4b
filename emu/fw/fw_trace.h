/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The notification trace, for benchmarks (MLX5_EMU trace=<path>, docs/emulator.md): when a
 * doorbell was written and when a CQE was written or a completion event raised, stamped with
 * CLOCK_MONOTONIC, so that a front-end in another process can time the driver's relays
 * against the device.
 *
 * The command trace (MLX5_EMU cmdtrace=<path>) uses the same records for the firmware commands:
 * where a driver's time goes between its commands, and which of the firmware's slots stay idle
 * (bench/fw_timeline.py). It has no watcher.
 *
 * Doorbells are memory in this model (the VAR page), so they are stamped one of two ways:
 * - poll (the default): a watcher thread polls the first doorbell word of every VAR page of the
 *   function (where both PMDs write a queue index to kick it), records a value written there and
 *   puts back a sentinel (FW_TRACE_DB_IDLE). While a VAR page exists it scans, sleeps 2 µs (with
 *   a timer slack of 1 ns) and scans again, at once after a doorbell; after 10000 scans without
 *   one, every 1 ms until the next. Several writes between two scans are seen as one, and a
 *   doorbell is stamped up to one scan period late (the mean period is the trace's last record;
 *   the first doorbell after a quiet time up to 1 ms late). While doorbells come it costs a good
 *   part of a CPU.
 * - trap (trace_doorbells=trap): the driver's own mapping of each doorbell word is write-trapped
 *   (fw_doorbell_trap.h), which stamps every write, the trap's delay after it; the watcher finds
 *   the driver's mappings of a new VAR page in /proc/self/maps (woken by the page's allocation,
 *   then looking every 1 ms until one is there, for at most 1 s) and takes the stamps every
 *   10 ms. The trace starts with the trap's calibration (FW_TRACE_TRAP_DELAY,
 *   FW_TRACE_TRAP_COST).
 * Tracing is for benchmarks only.
 *
 * The file holds fixed records (struct fw_trace_record, little-endian), buffered and flushed at
 * fw_trace_stop() or process exit. Records of the watcher and the engine thread interleave
 * (stdio locks the stream per record).
 */
#ifndef EMU_FW_TRACE_H
#define EMU_FW_TRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "fw_doorbell_trap.h"

#define FW_TRACE_DB_IDLE 0xffffffffu	/* what the watcher leaves in a doorbell word it read */
#define FW_TRACE_TRAPS FW_DOORBELL_TRAPS	/* doorbell words trapped at once */

enum fw_trace_kind {
	FW_TRACE_DOORBELL = 1,		/* arg: the value written (a queue index) */
	FW_TRACE_CQE = 2,		/* arg: the CQ's number */
	FW_TRACE_EVENT = 3,		/* arg: the CQ's number (a completion event) */
	FW_TRACE_WATCH_PERIOD = 4,	/* at stop; arg: the watcher's mean scan period, ns */
	/*
	 * A firmware command, as two adjacent records: FW_TRACE_CMD stamped when it completed,
	 * arg = opcode | general object type << 16; then FW_TRACE_CMD_ISSUED stamped when the
	 * driver issued it, arg = status << 24 | µs it waited for a free slot (at most 0xffffff).
	 */
	FW_TRACE_CMD = 5,
	FW_TRACE_CMD_ISSUED = 6,
	/* trap: a write to the first doorbell word of a VAR page; arg: the BAR page */
	FW_TRACE_DOORBELL_TRAPPED = 7,
	FW_TRACE_TRAP_DELAY = 8,	/* trap, first: arg: median ns from a write to its stamp */
	FW_TRACE_TRAP_COST = 9,		/* trap, second: arg: ns a trapped write costs its writer */
	FW_TRACE_TRAP_LOST = 10,	/* trap, at stop when not 0: arg: writes not stamped */
};

struct fw_trace_record {
	uint64_t t_ns;			/* CLOCK_MONOTONIC */
	uint32_t arg;
	uint16_t kind;			/* enum fw_trace_kind */
	uint16_t function;		/* the function's index in the process */
};

struct fw_trace {
	FILE *out;			/* NULL: tracing off (every call is then a no-op) */
	uint16_t function;
	uint8_t *bar;			/* the function's BAR, mapped for the watcher */
	size_t bar_size;
	dev_t bar_dev;			/* the BAR memfd's, to find the driver's maps of it */
	ino_t bar_ino;
	uint64_t var_pages;		/* atomic: bit i set while BAR page i is a watched VAR page */
	uint32_t var_changes;		/* atomic: bumped when a VAR page comes or goes */
	pthread_mutex_t wake_lock;	/* trap: the watcher's sleep ends at a VAR change */
	pthread_cond_t wake;
	bool trap;			/* doorbells stamped by traps, not polled */
	bool stop;			/* atomic: the watcher returns */
	bool running;
	pthread_t watcher;
	/* trap: the watcher's own; trap_page[i] is the BAR page of traps[i] */
	struct fw_doorbell_trap traps[FW_TRACE_TRAPS];
	uint32_t trap_page[FW_TRACE_TRAPS];
	unsigned int ntraps;
	unsigned int traps_armed;	/* atomic: ntraps as the watcher last published it (tests) */
	uint64_t trap_lost;
};

/*
 * Starts tracing function `function` into `path` (created or truncated); bar_fd / bar_size is
 * the function's BAR memfd; `trap`: doorbells stamped by traps (see above), else polled.
 * 0 or -errno.
 */
int fw_trace_start(struct fw_trace *t, const char *path, uint16_t function, int bar_fd,
		   size_t bar_size, bool trap);
/* Starts a command trace into `path` (created or truncated): a file, no watcher. 0 or -errno. */
int fw_trace_open(struct fw_trace *t, const char *path, uint16_t function);
/* Stops the watcher and flushes and closes the file; tolerates a trace never started. */
void fw_trace_stop(struct fw_trace *t);
void fw_trace_record(struct fw_trace *t, enum fw_trace_kind kind, uint32_t arg);
/* One command (see FW_TRACE_CMD), both records written at once. */
void fw_trace_command(struct fw_trace *t, uint64_t issued_ns, uint64_t done_ns, uint16_t opcode,
		      uint16_t obj_type, uint8_t status, uint64_t slot_wait_ns);
/* BAR page `page` became a VAR page (on) or stopped being one. Under the BAR's allocation lock. */
void fw_trace_watch_var(struct fw_trace *t, uint32_t page, bool on);

#endif /* EMU_FW_TRACE_H */
