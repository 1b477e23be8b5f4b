/* SPDX-License-Identifier: BSD-3-Clause */
/* Doorbell stamps by write protection (see fw_doorbell_trap.h). */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include "fw_doorbell_trap.h"
#include "hw_virtq.h"

#define STAMPS 4096			/* per trap: ~0.4 M writes/s between two 10 ms takes */
#define STEPPERS 64			/* threads single-stepping a trapped write at once */
#define RETRY_NS 1000000000ull		/* a fault that raced its page's disarm is retried */
#define CALIBRATION_WRITES 64
#define X86_TRAP_FLAG 0x100ull		/* EFLAGS.TF: a debug trap after the next instruction */

/* A trapped page. Handlers read `page` to find theirs, and change the rest under `lock`. */
struct trap_slot {
	uintptr_t page;			/* atomic: the page armed or last armed; 0: free */
	uintptr_t word;
	int lock;			/* atomic: a spin lock (handlers cannot sleep on a mutex) */
	bool armed;
	unsigned int stepping;		/* writes being single-stepped: the page is writable */
	uint64_t disarmed_ns;
	uint64_t head;			/* atomic: stamps written (under lock) */
	uint64_t tail;			/* atomic: stamps taken (the taker) */
	uint64_t lost;			/* atomic: writes that found the stamps full */
	uint64_t stamps[STAMPS];
};

static struct trap_slot slots[FW_DOORBELL_TRAPS];
static struct {
	pid_t tid;			/* atomic: 0 free */
	unsigned int slot;
} steppers[STEPPERS];
static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;	/* arm and disarm */
static uintptr_t page_size;
static struct sigaction old_segv, old_trap;

static void
slot_lock(struct trap_slot *s)
{
	while (__atomic_exchange_n(&s->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();		/* the holder may be preempted on this CPU */
}

static void
slot_unlock(struct trap_slot *s)
{
	__atomic_store_n(&s->lock, 0, __ATOMIC_RELEASE);
}

static struct trap_slot *
slot_of(uintptr_t page)
{
	if (page == 0)
		return NULL;		/* a free slot's */
	for (unsigned int i = 0; i < FW_DOORBELL_TRAPS; i++)
		if (__atomic_load_n(&slots[i].page, __ATOMIC_ACQUIRE) == page)
			return &slots[i];
	return NULL;
}

/* Under the slot's lock, so a trap's stamps are in time order. */
static void
stamp(struct trap_slot *s, uint64_t t_ns)
{
	uint64_t head = s->head;

	if (head - __atomic_load_n(&s->tail, __ATOMIC_ACQUIRE) >= STAMPS) {
		__atomic_fetch_add(&s->lost, 1, __ATOMIC_RELAXED);
		return;
	}
	s->stamps[head % STAMPS] = t_ns;
	__atomic_store_n(&s->head, head + 1, __ATOMIC_RELEASE);
}

/* A signal that is not a trap's: to the handler before ours, as if we were not there. */
static void
chain(int sig, siginfo_t *si, void *ctx, const struct sigaction *old)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };

	/* sa_handler and sa_sigaction share their place: SIG_DFL whatever the flags say. */
	if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
		if (old->sa_flags & SA_SIGINFO)
			old->sa_sigaction(sig, si, ctx);
		else
			old->sa_handler(sig);
		return;
	}
	/* The default action: a fault comes again on return, a trap or a sent signal is raised. */
	sigaction(sig, &dfl, NULL);
	if (sig != SIGSEGV || si->si_code <= 0)
		raise(sig);
}

static void
step_begin(pid_t tid, unsigned int slot)
{
	for (;;) {
		for (unsigned int i = 0; i < STEPPERS; i++) {
			pid_t free_tid = 0;

			if (__atomic_compare_exchange_n(&steppers[i].tid, &free_tid, tid, false,
							__ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
				steppers[i].slot = slot;	/* read by this thread only */
				return;
			}
		}
		sched_yield();
	}
}

/* The slot this thread is single-stepping a write to, or -1. */
static int
step_end(pid_t tid)
{
	for (unsigned int i = 0; i < STEPPERS; i++) {
		if (__atomic_load_n(&steppers[i].tid, __ATOMIC_RELAXED) == tid) {
			int slot = (int)steppers[i].slot;

			__atomic_store_n(&steppers[i].tid, 0, __ATOMIC_RELEASE);
			return slot;
		}
	}
	return -1;
}

#if defined(__x86_64__)
static void
set_trap_flag(void *ctx, bool on)
{
	greg_t *efl = &((ucontext_t *)ctx)->uc_mcontext.gregs[REG_EFL];

	*efl = on ? (greg_t)((uint64_t)*efl | X86_TRAP_FLAG) :
		    (greg_t)((uint64_t)*efl & ~X86_TRAP_FLAG);
}

static void
on_fault(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr, page = addr & ~(page_size - 1);
	struct trap_slot *s = si->si_code == SEGV_ACCERR ? slot_of(page) : NULL;
	bool recent;

	if (s == NULL) {
		chain(sig, si, ctx, &old_segv);
		return;
	}
	slot_lock(s);
	if (!s->armed) {
		/* Faulted before the disarm made the page writable: the write goes through now. */
		recent = hw_clock_ns() - s->disarmed_ns < RETRY_NS;
		slot_unlock(s);
		if (!recent)
			chain(sig, si, ctx, &old_segv);
		return;
	}
	if (addr - s->word < sizeof(uint32_t))
		stamp(s, hw_clock_ns());
	if (s->stepping++ == 0)
		mprotect((void *)page, page_size, PROT_READ | PROT_WRITE);
	slot_unlock(s);
	step_begin(gettid(), (unsigned int)(s - slots));
	set_trap_flag(ctx, true);
}

static void
on_step(int sig, siginfo_t *si, void *ctx)
{
	int slot = step_end(gettid());
	struct trap_slot *s;

	if (slot < 0) {
		chain(sig, si, ctx, &old_trap);
		return;
	}
	s = &slots[slot];
	slot_lock(s);
	if (--s->stepping == 0 && s->armed)
		mprotect((void *)s->page, page_size, PROT_READ);
	slot_unlock(s);
	set_trap_flag(ctx, false);
}

/* Ours as `sig`'s handler, the one found there kept in *old for other signals. 0 or -errno. */
static int
take_signal(int sig, void (*handler)(int, siginfo_t *, void *), struct sigaction *old)
{
	struct sigaction sa = { .sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK,
				.sa_sigaction = handler }, cur;

	if (sigaction(sig, NULL, &cur) != 0)
		return -errno;
	if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == handler)
		return 0;
	sigemptyset(&sa.sa_mask);
	return sigaction(sig, &sa, old) == 0 ? 0 : -errno;
}

/* At each arm, under slots_lock: a handler installed after ours (a test harness's) is chained. */
static int
handlers_install(void)
{
	int ret = take_signal(SIGSEGV, on_fault, &old_segv);

	return ret != 0 ? ret : take_signal(SIGTRAP, on_step, &old_trap);
}
#else
static int
handlers_install(void)
{
	return -EOPNOTSUPP;	/* single-stepping from a signal handler is x86's */
}
#endif

int
fw_doorbell_trap_arm(struct fw_doorbell_trap *trap, uintptr_t addr)
{
	struct trap_slot *s = NULL;
	uintptr_t page;
	int ret = 0;

	*trap = (struct fw_doorbell_trap){ 0 };
	pthread_mutex_lock(&slots_lock);
	page_size = (uintptr_t)sysconf(_SC_PAGESIZE);	/* before the handlers, which use it */
	ret = handlers_install();
	if (ret != 0)
		goto out;
	page = addr & ~(page_size - 1);
	/* Its own page's slot when it had one (a late fault still finds it), else a free one. */
	s = slot_of(page);
	if (s == NULL) {
		uint64_t now = hw_clock_ns();

		for (unsigned int i = 0; i < FW_DOORBELL_TRAPS && s == NULL; i++) {
			slot_lock(&slots[i]);
			if (!slots[i].armed && (slots[i].page == 0 ||
						now - slots[i].disarmed_ns >= RETRY_NS))
				s = &slots[i];
			slot_unlock(&slots[i]);
		}
	}
	if (s == NULL) {
		ret = -EBUSY;
		goto out;
	}
	slot_lock(s);
	if (s->armed) {
		ret = -EBUSY;
	} else {
		s->word = addr;
		s->stepping = 0;
		s->lost = 0;
		__atomic_store_n(&s->tail, s->head, __ATOMIC_RELEASE);
		__atomic_store_n(&s->page, page, __ATOMIC_RELEASE);
		if (mprotect((void *)page, page_size, PROT_READ) == 0) {
			s->armed = true;
		} else {
			ret = -errno;
			__atomic_store_n(&s->page, 0, __ATOMIC_RELEASE);
		}
	}
	slot_unlock(s);
	if (ret == 0)
		*trap = (struct fw_doorbell_trap){ .addr = addr, .slot = (unsigned int)(s - slots) };
out:
	pthread_mutex_unlock(&slots_lock);
	return ret;
}

void
fw_doorbell_trap_disarm(struct fw_doorbell_trap *trap, bool mapped)
{
	struct trap_slot *s = &slots[trap->slot];

	if (trap->addr == 0)
		return;
	pthread_mutex_lock(&slots_lock);
	slot_lock(s);
	s->armed = false;
	s->disarmed_ns = hw_clock_ns();
	if (mapped)
		mprotect((void *)s->page, page_size, PROT_READ | PROT_WRITE);
	slot_unlock(s);
	pthread_mutex_unlock(&slots_lock);
	*trap = (struct fw_doorbell_trap){ 0 };
}

unsigned int
fw_doorbell_trap_take(struct fw_doorbell_trap *trap, uint64_t *stamps, unsigned int max,
		      uint64_t *lost)
{
	struct trap_slot *s = &slots[trap->slot];
	uint64_t head, tail;
	unsigned int n = 0;

	if (trap->addr == 0)
		return 0;
	head = __atomic_load_n(&s->head, __ATOMIC_ACQUIRE);
	for (tail = s->tail; tail < head && n < max; tail++)
		stamps[n++] = s->stamps[tail % STAMPS];
	__atomic_store_n(&s->tail, tail, __ATOMIC_RELEASE);
	*lost += __atomic_exchange_n(&s->lost, 0, __ATOMIC_RELAXED);
	return n;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int
fw_doorbell_trap_calibrate(uint64_t *delay_ns, uint64_t *cost_ns)
{
	uint64_t before[CALIBRATION_WRITES], stamps[CALIBRATION_WRITES], delays[CALIBRATION_WRITES];
	size_t len = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t lost = 0, t0, t1;
	struct fw_doorbell_trap trap;
	volatile uint32_t *word;
	unsigned int n;
	int ret;

	word = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (word == MAP_FAILED)
		return -errno;
	*word = 0;			/* its page exists: no page allocation in the first write */
	ret = fw_doorbell_trap_arm(&trap, (uintptr_t)word);
	if (ret != 0)
		goto unmap;
	t0 = hw_clock_ns();
	for (unsigned int i = 0; i < CALIBRATION_WRITES; i++) {
		before[i] = hw_clock_ns();
		*word = i;
	}
	t1 = hw_clock_ns();
	n = fw_doorbell_trap_take(&trap, stamps, CALIBRATION_WRITES, &lost);
	fw_doorbell_trap_disarm(&trap, true);
	if (n != CALIBRATION_WRITES || lost != 0 || *word != CALIBRATION_WRITES - 1) {
		ret = -EIO;		/* a trap that misses a write, or loses it, is no stamp */
		goto unmap;
	}
	for (unsigned int i = 0; i < n; i++)
		delays[i] = stamps[i] >= before[i] ? stamps[i] - before[i] : 0;
	qsort(delays, n, sizeof(delays[0]), cmp_u64);
	*delay_ns = delays[n / 2];
	*cost_ns = (t1 - t0) / n;
unmap:
	munmap((void *)word, len);
	return ret;
}
