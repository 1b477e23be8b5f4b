/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Doorbell stamps by write protection, for the notification trace (fw_trace.h,
 * trace_doorbells=trap). The page of the driver's own mapping of a doorbell word is made
 * read-only. A write to it faults; the fault's handler stamps the write (CLOCK_MONOTONIC) when
 * it is to the word, makes the page writable and lets the writing instruction run alone (the
 * trap flag); the single step's trap makes the page read-only again. So every write to the
 * word is stamped, a fixed delay after the write began (measured by fw_doorbell_trap_calibrate),
 * the writer pays two signals and two mprotect calls per write (its page's other words too),
 * and nothing runs while no write comes. The driver's mapping is in this process (the emulator
 * is the driver's rdma-core), so it needs no privilege and no debug register: hardware
 * breakpoints, which it replaced, do not fire in some virtual machines.
 *
 * Limits: a write another thread makes to the same page while one write is single-stepped (a
 * few µs) is not stamped; both PMDs write a queue's doorbell from one thread at a time. The
 * process's threads must not block SIGSEGV or SIGTRAP: the kernel kills a process whose
 * fault signal is blocked. Faults and traps that are not an armed page's go to the handlers
 * that were installed before the first trap (the default: the process ends as it would have).
 */
#ifndef EMU_FW_DOORBELL_TRAP_H
#define EMU_FW_DOORBELL_TRAP_H

#include <stdbool.h>
#include <stdint.h>

#define FW_DOORBELL_TRAPS 64		/* armed at once in a process */

struct fw_doorbell_trap {
	uintptr_t addr;			/* the watched word; 0: not armed */
	unsigned int slot;		/* its place in the process's table */
};

/*
 * Write-protects the page of the 4-byte word at `addr` (a mapping the caller knows is
 * readable and writable) and stamps every write to the word from now on. 0 or -errno (-EBUSY:
 * the page is armed already, or all FW_DOORBELL_TRAPS are).
 */
int fw_doorbell_trap_arm(struct fw_doorbell_trap *trap, uintptr_t addr);
/*
 * Disarms; tolerates a trap never armed. `mapped`: the page is still the mapping armed, made
 * writable again; else (the driver unmapped it) its address is left alone, as another mapping
 * may be there now.
 */
void fw_doorbell_trap_disarm(struct fw_doorbell_trap *trap, bool mapped);
/*
 * Takes the writes stamped since the last call: at most `max` stamps (ns) into `stamps`, in
 * time order. Returns their count; adds those that did not fit the trap's buffer to *lost.
 */
unsigned int fw_doorbell_trap_take(struct fw_doorbell_trap *trap, uint64_t *stamps,
				   unsigned int max, uint64_t *lost);
/*
 * Measures what a trap adds, on a page of its own: the median time from the start of a write to
 * its stamp (*delay_ns) and the mean time a trapped write costs its writer (*cost_ns). 0 or
 * -errno (-EIO: a write went unstamped).
 */
int fw_doorbell_trap_calibrate(uint64_t *delay_ns, uint64_t *cost_ns);

#endif /* EMU_FW_DOORBELL_TRAP_H */
