/* SPDX-License-Identifier: BSD-3-Clause */
/* The doorbell trap of the notification trace: every write stamped, nothing else changed. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "fw_doorbell_trap.h"
#include "hw_virtq.h"

#define WRITES 200

static size_t
page_len(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

/* A page as a driver maps a doorbell: shared, readable and writable. */
static volatile uint32_t *
doorbell_page(void)
{
	void *p = mmap(NULL, page_len(), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

/* A doorbell page whose word *trap has armed. */
static volatile uint32_t *
armed_doorbell(struct fw_doorbell_trap *trap)
{
	volatile uint32_t *db = doorbell_page();

	assert_int_equal(fw_doorbell_trap_arm(trap, (uintptr_t)db), 0);
	return db;
}

/* Disarms *trap and unmaps its page. */
static void
doorbell_release(struct fw_doorbell_trap *trap, volatile uint32_t *db)
{
	fw_doorbell_trap_disarm(trap, true);
	munmap((void *)db, page_len());
}

/* The protection /proc/self/maps shows for the page at `p` ("rw-s", ...), or "" unmapped. */
static void
protection_of(const volatile void *p, char perms[5])
{
	FILE *maps = fopen("/proc/self/maps", "re");
	char line[4096];

	assert_non_null(maps);
	perms[0] = '\0';
	while (fgets(line, sizeof(line), maps) != NULL) {
		unsigned long start, end;
		char rwx[5];

		if (sscanf(line, "%lx-%lx %4s", &start, &end, rwx) == 3 &&
		    (uintptr_t)p >= start && (uintptr_t)p < end)
			memcpy(perms, rwx, 5);
	}
	fclose(maps);
}

static void
every_write_to_the_word_is_stamped_in_order_and_lands(void **state)
{
	volatile uint32_t *db;
	uint64_t before[WRITES + 1], stamps[WRITES + 1], lost = 0;
	struct fw_doorbell_trap trap;
	unsigned int n;

	(void)state;
	db = armed_doorbell(&trap);
	for (unsigned int i = 0; i < WRITES; i++) {
		before[i] = hw_clock_ns();
		db[0] = i;
		assert_int_equal(db[0], i);	/* reads do not trap, writes land */
	}
	before[WRITES] = hw_clock_ns();
	n = fw_doorbell_trap_take(&trap, stamps, WRITES + 1, &lost);
	assert_int_equal(n, WRITES);
	assert_int_equal(lost, 0);
	for (unsigned int i = 0; i < WRITES; i++)
		assert_true(stamps[i] >= before[i] && stamps[i] <= before[i + 1]);
	assert_int_equal(fw_doorbell_trap_take(&trap, stamps, WRITES, &lost), 0);
	doorbell_release(&trap, db);
}

static void
the_pages_other_words_land_unstamped(void **state)
{
	volatile uint32_t *db;
	struct fw_doorbell_trap trap;
	uint64_t stamps[4], lost = 0;

	(void)state;
	db = armed_doorbell(&trap);
	db[1] = 7;
	db[1023] = 8;
	assert_int_equal(db[1], 7);
	assert_int_equal(db[1023], 8);
	assert_int_equal(fw_doorbell_trap_take(&trap, stamps, 4, &lost), 0);
	assert_int_equal(lost, 0);
	doorbell_release(&trap, db);
}

static void
a_disarmed_page_is_writable_again(void **state)
{
	volatile uint32_t *db = doorbell_page();
	struct fw_doorbell_trap trap;
	char perms[5];

	(void)state;
	assert_int_equal(fw_doorbell_trap_arm(&trap, (uintptr_t)db), 0);
	protection_of(db, perms);
	assert_string_equal(perms, "r--s");
	fw_doorbell_trap_disarm(&trap, true);
	protection_of(db, perms);
	assert_string_equal(perms, "rw-s");
	db[0] = 3;
	assert_int_equal(db[0], 3);
	fw_doorbell_trap_disarm(&trap, true);	/* twice: a no-op */
	munmap((void *)db, page_len());
}

/* The driver unmapped the page and another mapping took its address: that one stays as it is. */
static void
an_unmapped_pages_address_is_left_alone(void **state)
{
	volatile uint32_t *db = doorbell_page();
	struct fw_doorbell_trap trap;
	char perms[5];
	void *other;

	(void)state;
	assert_int_equal(fw_doorbell_trap_arm(&trap, (uintptr_t)db), 0);
	other = mmap((void *)db, page_len(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
		     -1, 0);
	assert_ptr_equal(other, db);
	fw_doorbell_trap_disarm(&trap, false);
	protection_of(other, perms);
	assert_string_equal(perms, "r--p");
	munmap(other, page_len());
}

static void
a_page_is_armed_once_and_the_table_has_an_end(void **state)
{
	struct fw_doorbell_trap traps[FW_DOORBELL_TRAPS + 1];
	volatile uint32_t *pages[FW_DOORBELL_TRAPS + 1];
	struct fw_doorbell_trap again;

	(void)state;
	for (unsigned int i = 0; i <= FW_DOORBELL_TRAPS; i++)
		pages[i] = doorbell_page();
	for (unsigned int i = 0; i < FW_DOORBELL_TRAPS; i++)
		assert_int_equal(fw_doorbell_trap_arm(&traps[i], (uintptr_t)pages[i]), 0);
	assert_int_equal(fw_doorbell_trap_arm(&again, (uintptr_t)pages[0] + 8), -EBUSY);
	assert_int_equal(again.addr, 0);
	assert_int_equal(fw_doorbell_trap_arm(&traps[FW_DOORBELL_TRAPS],
					      (uintptr_t)pages[FW_DOORBELL_TRAPS]), -EBUSY);
	pages[FW_DOORBELL_TRAPS][0] = 1;	/* never armed: an ordinary page */
	for (unsigned int i = 0; i < FW_DOORBELL_TRAPS; i++) {
		fw_doorbell_trap_disarm(&traps[i], true);
		munmap((void *)pages[i], page_len());
	}
	munmap((void *)pages[FW_DOORBELL_TRAPS], page_len());
}

static void
writes_past_the_buffer_are_counted_lost(void **state)
{
	enum { TOO_MANY = 4096 + 10 };	/* fw_doorbell_trap.c's STAMPS and more */
	volatile uint32_t *db;
	static uint64_t stamps[TOO_MANY];
	struct fw_doorbell_trap trap;
	uint64_t lost = 0;

	(void)state;
	db = armed_doorbell(&trap);
	for (unsigned int i = 0; i < TOO_MANY; i++)
		db[0] = i;
	assert_int_equal(fw_doorbell_trap_take(&trap, stamps, TOO_MANY, &lost), 4096);
	assert_int_equal(lost, 10);
	assert_int_equal(db[0], TOO_MANY - 1);
	doorbell_release(&trap, db);
}

struct writer {
	volatile uint32_t *db;
	pthread_t thread;
};

static void *
write_all(void *arg)
{
	struct writer *w = arg;

	for (unsigned int i = 0; i < WRITES; i++)
		w->db[0] = i;
	return NULL;
}

static void
threads_writing_their_own_doorbells_are_each_stamped(void **state)
{
	struct fw_doorbell_trap traps[2];
	struct writer w[2];
	uint64_t stamps[WRITES + 1], lost = 0;

	(void)state;
	for (unsigned int i = 0; i < 2; i++)
		w[i].db = armed_doorbell(&traps[i]);
	for (unsigned int i = 0; i < 2; i++)
		assert_int_equal(pthread_create(&w[i].thread, NULL, write_all, &w[i]), 0);
	for (unsigned int i = 0; i < 2; i++)
		pthread_join(w[i].thread, NULL);
	for (unsigned int i = 0; i < 2; i++) {
		assert_int_equal(fw_doorbell_trap_take(&traps[i], stamps, WRITES + 1, &lost), WRITES);
		assert_int_equal(w[i].db[0], WRITES - 1);
		doorbell_release(&traps[i], w[i].db);
	}
	assert_int_equal(lost, 0);
}

static void
exit_42(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	(void)ctx;
	_exit(42);
}

/*
 * How a child ends that arms a trap and then (`what` 0) writes a read-only page or (1) raises
 * SIGTRAP, with the default action for both before the trap, or (`own_handler`) a handler that
 * exits with 42.
 */
static int
child_status(int what, bool own_handler)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		struct sigaction sa = { .sa_flags = SA_SIGINFO, .sa_sigaction = exit_42 };
		volatile uint32_t *db = doorbell_page(), *ro;
		struct fw_doorbell_trap trap;

		alarm(10);		/* a fault retried forever ends as SIGALRM, not a hang */
		if (!own_handler)
			sa.sa_handler = SIG_DFL;	/* not cmocka's nor a sanitizer's */
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGTRAP, &sa, NULL);
		if (fw_doorbell_trap_arm(&trap, (uintptr_t)db) != 0)
			_exit(3);
		db[0] = 1;
		ro = mmap(NULL, page_len(), PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (what)
			raise(SIGTRAP);
		else
			ro[0] = 1;
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
other_faults_and_traps_go_where_they_went_before(void **state)
{
	int status;

	(void)state;
	status = child_status(0, false);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGSEGV);
	status = child_status(1, false);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGTRAP);
	status = child_status(0, true);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 42);
	status = child_status(1, true);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 42);
}

static void
the_calibration_measures_a_delay_and_a_cost(void **state)
{
	uint64_t delay = 0, cost = 0;

	(void)state;
	assert_int_equal(fw_doorbell_trap_calibrate(&delay, &cost), 0);
	assert_true(delay > 0 && delay < 10000000);
	assert_true(cost >= delay / 2 && cost < 10000000);
	printf("# trap delay %.1f us, cost %.1f us per write\n", delay / 1e3, cost / 1e3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: a disarmed trap's slot stays its page's for a while (late faults). */
		cmocka_unit_test(a_page_is_armed_once_and_the_table_has_an_end),
		cmocka_unit_test(every_write_to_the_word_is_stamped_in_order_and_lands),
		cmocka_unit_test(the_pages_other_words_land_unstamped),
		cmocka_unit_test(a_disarmed_page_is_writable_again),
		cmocka_unit_test(an_unmapped_pages_address_is_left_alone),
		cmocka_unit_test(writes_past_the_buffer_are_counted_lost),
		cmocka_unit_test(threads_writing_their_own_doorbells_are_each_stamped),
		cmocka_unit_test(other_faults_and_traps_go_where_they_went_before),
		cmocka_unit_test(the_calibration_measures_a_delay_and_a_cost),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
