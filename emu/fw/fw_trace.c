/* SPDX-License-Identifier: BSD-3-Clause */
/* The notification trace (see fw_trace.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>

#include "fw_internal.h"
#include "fw_trace.h"
#include "hw_virtq.h"

#define WATCH_IDLE_NS 1000000	/* no VAR page to watch: look again 1 ms later */
#define WATCH_POLL_NS 2000	/* between scans of the doorbells */
#define WATCH_QUIET_SCANS 10000	/* scans without a doorbell before scanning every 1 ms */

_Static_assert(FW_BAR_PAGES <= 64, "var_pages has a bit per BAR page");

void
fw_trace_record(struct fw_trace *t, enum fw_trace_kind kind, uint32_t arg)
{
	struct fw_trace_record r;

	if (t->out == NULL)
		return;
	r = (struct fw_trace_record){ .t_ns = hw_clock_ns(), .arg = arg, .kind = (uint16_t)kind,
				      .function = t->function };
	fwrite(&r, sizeof(r), 1, t->out);
}

void
fw_trace_command(struct fw_trace *t, uint64_t issued_ns, uint64_t done_ns, uint16_t opcode,
		 uint16_t obj_type, uint8_t status, uint64_t slot_wait_ns)
{
	uint64_t wait_us = slot_wait_ns / 1000;
	struct fw_trace_record r[2] = {
		{ .t_ns = done_ns, .arg = opcode | (uint32_t)obj_type << 16, .kind = FW_TRACE_CMD,
		  .function = t->function },
		{ .t_ns = issued_ns,
		  .arg = (uint32_t)status << 24 | (uint32_t)(wait_us > 0xffffff ? 0xffffff : wait_us),
		  .kind = FW_TRACE_CMD_ISSUED, .function = t->function },
	};

	if (t->out != NULL)
		fwrite(r, sizeof(r[0]), 2, t->out);	/* one call: the pair stays adjacent */
}

static uint32_t *
doorbell_word(struct fw_trace *t, unsigned int page)
{
	return (uint32_t *)(void *)(t->bar + (size_t)page * FW_PAGE_SIZE);
}

static void *
watch_main(void *arg)
{
	struct fw_trace *t = arg;
	uint64_t scans = 0, quiet = 0, first_ns = hw_clock_ns();

	/* Its short sleeps end on time, not up to 50 µs later. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		uint64_t pages = __atomic_load_n(&t->var_pages, __ATOMIC_ACQUIRE);
		bool seen = false;

		if (pages == 0) {
			nanosleep(&(struct timespec){ .tv_nsec = WATCH_IDLE_NS }, NULL);
			continue;
		}
		scans++;
		for (unsigned int p = 0; pages != 0; p++, pages >>= 1) {
			uint32_t *w = doorbell_word(t, p);
			uint32_t v;

			if (!(pages & 1) || __atomic_load_n(w, __ATOMIC_RELAXED) == FW_TRACE_DB_IDLE)
				continue;
			/* Exchange: a doorbell written between a load and a store is not lost. */
			v = __atomic_exchange_n(w, FW_TRACE_DB_IDLE, __ATOMIC_RELAXED);
			fw_trace_record(t, FW_TRACE_DOORBELL, v);
			seen = true;
		}
		/*
		 * A sleeping watcher is woken ahead of busy threads, where a spinning one would
		 * queue behind them; after a doorbell it looks again at once (a burst). Long
		 * without one, it slows down to leave the CPU to what is measured.
		 */
		quiet = seen ? 0 : quiet + 1;
		if (!seen)
			nanosleep(&(struct timespec){ .tv_nsec = quiet > WATCH_QUIET_SCANS ?
						      WATCH_IDLE_NS : WATCH_POLL_NS }, NULL);
	}
	if (scans != 0)
		fw_trace_record(t, FW_TRACE_WATCH_PERIOD,
				(uint32_t)((hw_clock_ns() - first_ns) / scans));
	return NULL;
}

int
fw_trace_open(struct fw_trace *t, const char *path, uint16_t function)
{
	*t = (struct fw_trace){ .function = function };
	t->out = fopen(path, "we");
	return t->out == NULL ? -errno : 0;
}

int
fw_trace_start(struct fw_trace *t, const char *path, uint16_t function, int bar_fd,
	       size_t bar_size)
{
	void *bar;
	int ret;

	bar = mmap(NULL, bar_size, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	if (bar == MAP_FAILED)
		return -errno;
	ret = fw_trace_open(t, path, function);
	t->bar = bar;
	t->bar_size = bar_size;
	if (ret != 0)
		goto unmap;
	ret = -pthread_create(&t->watcher, NULL, watch_main, t);
	if (ret != 0)
		goto close_out;
	pthread_setname_np(t->watcher, "mlx5emu-trace");
	t->running = true;
	return 0;

close_out:
	fclose(t->out);
	t->out = NULL;
unmap:
	munmap(t->bar, bar_size);
	t->bar = NULL;
	return ret;
}

void
fw_trace_stop(struct fw_trace *t)
{
	if (t->running) {
		__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
		pthread_join(t->watcher, NULL);
		t->running = false;
	}
	if (t->out != NULL)
		fclose(t->out);
	t->out = NULL;
	if (t->bar != NULL)
		munmap(t->bar, t->bar_size);
	t->bar = NULL;
}

void
fw_trace_watch_var(struct fw_trace *t, uint32_t page, bool on)
{
	if (t->bar == NULL || page >= FW_BAR_PAGES)
		return;
	if (on) {
		/* Before the bit: the watcher never takes the page's initial zero for a doorbell. */
		__atomic_store_n(doorbell_word(t, page), FW_TRACE_DB_IDLE, __ATOMIC_RELAXED);
		__atomic_fetch_or(&t->var_pages, 1ull << page, __ATOMIC_RELEASE);
	} else {
		__atomic_fetch_and(&t->var_pages, ~(1ull << page), __ATOMIC_RELEASE);
	}
}
