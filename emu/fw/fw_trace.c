/* SPDX-License-Identifier: BSD-3-Clause */
/* The notification trace (see fw_trace.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "fw_internal.h"
#include "fw_trace.h"
#include "hw_virtq.h"

#define WATCH_IDLE_NS 1000000	/* no VAR page to watch: look again 1 ms later */
#define WATCH_POLL_NS 2000	/* between scans of the doorbells */
#define WATCH_QUIET_SCANS 10000	/* scans without a doorbell before scanning every 1 ms */
#define TRAP_TICK_NS 10000000	/* trap: the watcher takes the stamps this often */
#define TRAP_LOOK_NS 1000000	/* trap: it looks for a new VAR page's mapping this often */
#define TRAP_LOOK_FOR_NS 1000000000ull	/* trap: for at most this long after the page came */
#define TRAP_STAMPS 4096	/* trap: stamps taken from one trap at once */

_Static_assert(FW_BAR_PAGES <= 64, "var_pages has a bit per BAR page");

static void
trace_write(struct fw_trace *t, uint64_t t_ns, enum fw_trace_kind kind, uint32_t arg)
{
	struct fw_trace_record r = { .t_ns = t_ns, .arg = arg, .kind = (uint16_t)kind,
				     .function = t->function };

	fwrite(&r, sizeof(r), 1, t->out);
}

void
fw_trace_record(struct fw_trace *t, enum fw_trace_kind kind, uint32_t arg)
{
	if (t->out != NULL)
		trace_write(t, hw_clock_ns(), kind, arg);
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
poll_main(void *arg)
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

/*
 * The driver's mappings of the doorbell words of the BAR pages in `pages` (its mmaps of the BAR
 * memfd, not the watcher's own): up to `max` addresses into addr[], their pages into page[].
 */
static unsigned int
driver_doorbells(const struct fw_trace *t, uint64_t pages,
		 uintptr_t *addr, uint32_t *page, unsigned int max)
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[4096];
	unsigned int n = 0;

	if (maps == NULL)
		return 0;
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long start, end, off, ino;
		unsigned int maj, min;

		if (sscanf(line, "%lx-%lx %*s %lx %x:%x %lu", &start, &end, &off, &maj, &min,
			   &ino) != 6 || ino != t->bar_ino || makedev(maj, min) != t->bar_dev ||
		    start == (uintptr_t)t->bar)
			continue;
		for (uint32_t p = 0; p < FW_BAR_PAGES && n < max; p++) {
			uint64_t pos = (uint64_t)p * FW_PAGE_SIZE;

			if ((pages >> p & 1) && pos >= off && pos - off < end - start) {
				addr[n] = start + (uintptr_t)(pos - off);
				page[n++] = p;
			}
		}
	}
	fclose(maps);
	return n;
}

/* Records the stamps of every trap since the last take, each trap's in time order. */
static void
trap_take(struct fw_trace *t)
{
	uint64_t stamps[TRAP_STAMPS];

	for (unsigned int i = 0; i < t->ntraps; i++) {
		unsigned int n = fw_doorbell_trap_take(&t->traps[i], stamps, TRAP_STAMPS,
						       &t->trap_lost);

		for (unsigned int k = 0; k < n; k++)
			trace_write(t, stamps[k], FW_TRACE_DOORBELL_TRAPPED, t->trap_page[i]);
	}
}

/*
 * Traps exactly the driver's mappings of the doorbells of `pages` (as far as traps go): disarms
 * the others, making a page that is still mapped writable again. True when every page in
 * `pages` has one.
 */
static bool
trap_follow_maps(struct fw_trace *t, uint64_t pages)
{
	uintptr_t addr[2 * FW_BAR_PAGES];
	uint32_t page[2 * FW_BAR_PAGES];
	uint64_t armed_pages = 0, trapped = 0;
	unsigned int n, i = 0;

	for (i = 0; i < t->ntraps; i++)
		armed_pages |= 1ull << t->trap_page[i];
	n = driver_doorbells(t, pages | armed_pages, addr, page, 2 * FW_BAR_PAGES);
	trap_take(t);
	i = 0;
	while (i < t->ntraps) {
		bool mapped = false;

		for (unsigned int k = 0; k < n; k++)
			mapped |= addr[k] == t->traps[i].addr && page[k] == t->trap_page[i];
		if (mapped && (pages >> t->trap_page[i] & 1)) {
			i++;
			continue;
		}
		fw_doorbell_trap_disarm(&t->traps[i], mapped);
		t->ntraps--;
		t->traps[i] = t->traps[t->ntraps];
		t->trap_page[i] = t->trap_page[t->ntraps];
	}
	for (unsigned int k = 0; k < n && t->ntraps < FW_TRACE_TRAPS; k++) {
		bool armed = false;

		if (!(pages >> page[k] & 1))
			continue;
		for (i = 0; i < t->ntraps; i++)
			armed |= addr[k] == t->traps[i].addr;
		/* A failure (every trap of the process taken) leaves that doorbell unstamped. */
		if (!armed && fw_doorbell_trap_arm(&t->traps[t->ntraps], addr[k]) == 0)
			t->trap_page[t->ntraps++] = page[k];
	}
	__atomic_store_n(&t->traps_armed, t->ntraps, __ATOMIC_RELEASE);
	for (i = 0; i < t->ntraps; i++)
		trapped |= 1ull << t->trap_page[i];
	return (pages & ~trapped) == 0;
}

static void
trap_wake(struct fw_trace *t)
{
	pthread_mutex_lock(&t->wake_lock);
	pthread_cond_broadcast(&t->wake);
	pthread_mutex_unlock(&t->wake_lock);
}

/* Sleeps ns, or less when a VAR page comes or goes meanwhile (the watcher looks at once). */
static void
trap_sleep(struct fw_trace *t, uint32_t seen_changes, uint64_t ns)
{
	uint64_t until = hw_clock_ns() + ns;
	struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u),
			       .tv_nsec = (long)(until % 1000000000u) };

	pthread_mutex_lock(&t->wake_lock);
	while (__atomic_load_n(&t->var_changes, __ATOMIC_ACQUIRE) == seen_changes &&
	       !__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE) &&
	       pthread_cond_timedwait(&t->wake, &t->wake_lock, &ts) == 0)
		;
	pthread_mutex_unlock(&t->wake_lock);
}

static void *
trap_main(void *arg)
{
	struct fw_trace *t = arg;
	uint64_t look_until = 0;
	uint32_t seen_changes = 0;

	while (!__atomic_load_n(&t->stop, __ATOMIC_ACQUIRE)) {
		uint32_t changes = __atomic_load_n(&t->var_changes, __ATOMIC_ACQUIRE);

		/*
		 * A driver maps a VAR page after allocating it: look until it did. Only then, as
		 * reading the maps of a large process takes a millisecond in the kernel, where
		 * it holds up the threads being measured on that CPU.
		 */
		if (changes != seen_changes) {
			seen_changes = changes;
			look_until = hw_clock_ns() + TRAP_LOOK_FOR_NS;
		}
		if (look_until != 0) {
			if (trap_follow_maps(t, __atomic_load_n(&t->var_pages, __ATOMIC_ACQUIRE)) ||
			    hw_clock_ns() > look_until)
				look_until = 0;
		} else {
			trap_take(t);
		}
		trap_sleep(t, seen_changes, look_until ? TRAP_LOOK_NS : TRAP_TICK_NS);
	}
	trap_follow_maps(t, 0);		/* takes the last stamps, disarms all */
	if (t->trap_lost != 0)
		fw_trace_record(t, FW_TRACE_TRAP_LOST,
				(uint32_t)(t->trap_lost > UINT32_MAX ? UINT32_MAX : t->trap_lost));
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
	       size_t bar_size, bool trap)
{
	uint64_t trap_delay_ns = 0, trap_cost_ns = 0;
	struct stat st;
	void *bar;
	int ret;

	/* Before the file: a trap that cannot work fails the start, not the run. */
	if (trap) {
		ret = fw_doorbell_trap_calibrate(&trap_delay_ns, &trap_cost_ns);
		if (ret != 0)
			return ret;
	}
	if (fstat(bar_fd, &st) != 0)
		return -errno;
	bar = mmap(NULL, bar_size, PROT_READ | PROT_WRITE, MAP_SHARED, bar_fd, 0);
	if (bar == MAP_FAILED)
		return -errno;
	ret = fw_trace_open(t, path, function);
	t->bar = bar;
	t->bar_size = bar_size;
	t->bar_dev = st.st_dev;
	t->bar_ino = st.st_ino;
	t->trap = trap;
	if (ret != 0)
		goto unmap;
	if (trap) {
		pthread_condattr_t attr;

		fw_trace_record(t, FW_TRACE_TRAP_DELAY, (uint32_t)trap_delay_ns);
		fw_trace_record(t, FW_TRACE_TRAP_COST, (uint32_t)trap_cost_ns);
		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);	/* hw_clock_ns's */
		pthread_cond_init(&t->wake, &attr);
		pthread_condattr_destroy(&attr);
		pthread_mutex_init(&t->wake_lock, NULL);
	}
	ret = -pthread_create(&t->watcher, NULL, trap ? trap_main : poll_main, t);
	if (ret != 0)
		goto close_out;
	pthread_setname_np(t->watcher, "mlx5emu-trace");
	t->running = true;
	return 0;

close_out:
	if (trap) {
		pthread_cond_destroy(&t->wake);
		pthread_mutex_destroy(&t->wake_lock);
	}
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
		if (t->trap)
			trap_wake(t);
		pthread_join(t->watcher, NULL);
		t->running = false;
		if (t->trap) {
			pthread_cond_destroy(&t->wake);
			pthread_mutex_destroy(&t->wake_lock);
		}
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
		/* Before the bit: the poller never takes the page's initial zero for a doorbell. */
		if (!t->trap)
			__atomic_store_n(doorbell_word(t, page), FW_TRACE_DB_IDLE, __ATOMIC_RELAXED);
		__atomic_fetch_or(&t->var_pages, 1ull << page, __ATOMIC_RELEASE);
	} else {
		__atomic_fetch_and(&t->var_pages, ~(1ull << page), __ATOMIC_RELEASE);
	}
	__atomic_fetch_add(&t->var_changes, 1, __ATOMIC_RELEASE);
	if (t->running && t->trap)
		trap_wake(t);
}
