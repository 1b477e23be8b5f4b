/* SPDX-License-Identifier: BSD-3-Clause */
/* Doorbell stamps by hardware breakpoint (see fw_doorbell_trap.h). */
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "fw_doorbell_trap.h"
#include "hw_virtq.h"

#define RING_DATA_PAGES 32		/* per CPU: ~5,000 samples between two takes */
#define CALIBRATION_WRITES 64

/* What PERF_SAMPLE_TID | PERF_SAMPLE_TIME makes of each write. */
struct trap_sample {
	struct perf_event_header header;
	uint32_t pid, tid;
	uint64_t time;
};

static size_t
ring_bytes(void)
{
	return (size_t)(1 + RING_DATA_PAGES) * (size_t)sysconf(_SC_PAGESIZE);
}

static int
open_breakpoint(uintptr_t addr, int cpu)
{
	struct perf_event_attr a;

	memset(&a, 0, sizeof(a));
	a.type = PERF_TYPE_BREAKPOINT;
	a.size = sizeof(a);
	a.bp_type = HW_BREAKPOINT_W;
	a.bp_addr = addr;
	a.bp_len = HW_BREAKPOINT_LEN_4;
	a.sample_period = 1;
	a.sample_type = PERF_SAMPLE_TID | PERF_SAMPLE_TIME;
	a.use_clockid = 1;
	a.clockid = CLOCK_MONOTONIC;	/* the clock of every other stamp in the trace */
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	/* The ring is read on a timer: no wake-up per write, which would cost the writer more. */
	a.watermark = 1;
	a.wakeup_watermark = (uint32_t)(RING_DATA_PAGES / 2 * sysconf(_SC_PAGESIZE));
	return (int)syscall(SYS_perf_event_open, &a, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

int
fw_doorbell_trap_arm(struct fw_doorbell_trap *trap, uintptr_t addr)
{
	long cpus = sysconf(_SC_NPROCESSORS_CONF);
	unsigned int armed = 0;
	int ret = 0;

	*trap = (struct fw_doorbell_trap){ 0 };
	if (cpus < 1)
		return -EINVAL;
	trap->fd = malloc((size_t)cpus * sizeof(*trap->fd));
	trap->ring = calloc((size_t)cpus, sizeof(*trap->ring));
	if (trap->fd == NULL || trap->ring == NULL) {
		ret = -ENOMEM;
		goto fail;
	}
	trap->cpus = (unsigned int)cpus;
	trap->addr = addr;
	for (unsigned int c = 0; c < trap->cpus; c++)
		trap->fd[c] = -1;
	for (unsigned int c = 0; c < trap->cpus; c++) {
		void *ring;

		trap->fd[c] = open_breakpoint(addr, (int)c);
		if (trap->fd[c] < 0) {
			/* An offline CPU runs no writer; anything else is the trap's failure. */
			if (errno == ENODEV)
				continue;
			ret = -errno;
			goto fail;
		}
		ring = mmap(NULL, ring_bytes(), PROT_READ | PROT_WRITE, MAP_SHARED, trap->fd[c], 0);
		if (ring == MAP_FAILED) {
			ret = -errno;
			goto fail;
		}
		trap->ring[c] = ring;
		armed++;
	}
	if (armed != 0)
		return 0;
	ret = -ENODEV;
fail:
	fw_doorbell_trap_disarm(trap);
	return ret;
}

void
fw_doorbell_trap_disarm(struct fw_doorbell_trap *trap)
{
	for (unsigned int c = 0; c < trap->cpus; c++) {
		if (trap->ring[c] != NULL)
			munmap(trap->ring[c], ring_bytes());
		if (trap->fd[c] >= 0)
			close(trap->fd[c]);
	}
	free(trap->fd);
	free(trap->ring);
	*trap = (struct fw_doorbell_trap){ 0 };
}

/* Copies `len` bytes at ring offset `pos` (wrapping) out of the data area. */
static void
ring_copy(const uint8_t *data, size_t data_len, uint64_t pos, void *out, size_t len)
{
	size_t at = (size_t)(pos % data_len), first = len < data_len - at ? len : data_len - at;

	memcpy(out, data + at, first);
	memcpy((uint8_t *)out + first, data, len - first);
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

unsigned int
fw_doorbell_trap_take(struct fw_doorbell_trap *trap, int pid, uint64_t *stamps, unsigned int max,
		      uint64_t *lost)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE), data_len = RING_DATA_PAGES * page;
	unsigned int n = 0;

	for (unsigned int c = 0; c < trap->cpus; c++) {
		struct perf_event_mmap_page *meta = (void *)trap->ring[c];
		const uint8_t *data = trap->ring[c] + page;
		uint64_t head, tail;

		if (meta == NULL)
			continue;
		head = __atomic_load_n(&meta->data_head, __ATOMIC_ACQUIRE);
		for (tail = meta->data_tail; tail < head;) {
			struct trap_sample s = { 0 };
			uint64_t lost_rec[2];

			ring_copy(data, data_len, tail, &s.header, sizeof(s.header));
			if (s.header.size < sizeof(s.header))
				break;		/* a torn record: never written by the kernel */
			if (s.header.type == PERF_RECORD_SAMPLE && s.header.size >= sizeof(s)) {
				ring_copy(data, data_len, tail, &s, sizeof(s));
				if ((int)s.pid == pid) {
					if (n < max)
						stamps[n++] = s.time;
					else
						(*lost)++;
				}
			} else if (s.header.type == PERF_RECORD_LOST &&
				   s.header.size >= sizeof(s.header) + sizeof(lost_rec)) {
				ring_copy(data, data_len, tail + sizeof(s.header), lost_rec,
					  sizeof(lost_rec));
				*lost += lost_rec[1];	/* id, count */
			}
			tail += s.header.size;
		}
		__atomic_store_n(&meta->data_tail, tail, __ATOMIC_RELEASE);
	}
	/* Each CPU's ring is in time order, the CPUs' are not in order of each other. */
	qsort(stamps, n, sizeof(stamps[0]), cmp_u64);
	return n;
}

int
fw_doorbell_trap_calibrate(uint64_t *delay_ns, uint64_t *cost_ns)
{
	static volatile uint32_t word;
	uint64_t before[CALIBRATION_WRITES], stamps[CALIBRATION_WRITES], delays[CALIBRATION_WRITES];
	uint64_t lost = 0, t0, t1;
	struct fw_doorbell_trap trap;
	unsigned int n;
	int ret;

	ret = fw_doorbell_trap_arm(&trap, (uintptr_t)&word);
	if (ret != 0)
		return ret;
	t0 = hw_clock_ns();
	for (unsigned int i = 0; i < CALIBRATION_WRITES; i++) {
		before[i] = hw_clock_ns();
		word = i;
	}
	t1 = hw_clock_ns();
	n = fw_doorbell_trap_take(&trap, getpid(), stamps, CALIBRATION_WRITES, &lost);
	fw_doorbell_trap_disarm(&trap);
	if (n != CALIBRATION_WRITES || lost != 0)
		return -EIO;		/* a breakpoint that does not see every write is no stamp */
	/* One thread wrote them, so the stamps' order is the writes' order. */
	for (unsigned int i = 0; i < n; i++)
		delays[i] = stamps[i] >= before[i] ? stamps[i] - before[i] : 0;
	qsort(delays, n, sizeof(delays[0]), cmp_u64);
	*delay_ns = delays[n / 2];
	*cost_ns = (t1 - t0) / n;
	return 0;
}
