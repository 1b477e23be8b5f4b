/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Doorbell stamps by hardware breakpoint, for the notification trace (fw_trace.h,
 * trace_doorbells=trap): a write breakpoint on the driver's mapping of a doorbell word, one perf
 * event per CPU (every thread of every process on that CPU; samples carry the writer's pid), each
 * write sampled into a ring buffer with its CLOCK_MONOTONIC time. Unlike polling the word, it
 * sees every write, costs nothing while none comes, and stamps a write when it happens plus the
 * trap's own delay (measured by fw_doorbell_trap_calibrate). The writer pays for the trap (about
 * 20 µs in a virtual machine). Needs perf_event_open of PERF_TYPE_BREAKPOINT system-wide: root,
 * CAP_PERFMON or perf_event_paranoid <= 0; at most 4 breakpoints per CPU on x86.
 */
#ifndef EMU_FW_DOORBELL_TRAP_H
#define EMU_FW_DOORBELL_TRAP_H

#include <stdint.h>

struct fw_doorbell_trap {
	uintptr_t addr;			/* the watched word; 0: not armed */
	unsigned int cpus;
	int *fd;			/* per CPU: the breakpoint event, -1 for an offline CPU */
	uint8_t **ring;			/* per CPU: its mapped ring buffer */
};

/* Arms a write breakpoint on the 4-byte word at `addr` on every online CPU. 0 or -errno. */
int fw_doorbell_trap_arm(struct fw_doorbell_trap *trap, uintptr_t addr);
/* Disarms and frees; tolerates a trap never armed. */
void fw_doorbell_trap_disarm(struct fw_doorbell_trap *trap);
/*
 * Takes the writes sampled since the last call: the stamps (ns) of writes by process `pid`, at
 * most `max` of them into `stamps`, in time order. Returns their count; adds the samples
 * the kernel dropped (ring full) and those past `max` to *lost.
 */
unsigned int fw_doorbell_trap_take(struct fw_doorbell_trap *trap, int pid, uint64_t *stamps,
				   unsigned int max, uint64_t *lost);
/*
 * Measures what a trap adds, on a word of its own: the median time from a write to its stamp
 * (*delay_ns) and the mean time a trapped write costs its writer (*cost_ns). 0 or -errno (the
 * breakpoints are not available).
 */
int fw_doorbell_trap_calibrate(uint64_t *delay_ns, uint64_t *cost_ns);

#endif /* EMU_FW_DOORBELL_TRAP_H */
