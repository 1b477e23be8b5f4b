/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The guest side of the notification relay benchmark (bench/relay.sh). Run by the scripted
 * front-end (bench/vu_frontend.c, vu-frontend --run) once the device is up, with the guest
 * memory and the vrings' eventfds inherited (VU_* variables), or alone for the eventfd reference:
 *
 *   relay-load kick RATE SECONDS OUT       writes vring 0's kickfd RATE times a second
 *   relay-load complete RATE SECONDS OUT   posts RATE one-frame chains a second on vring 1 (TX)
 *                                          and waits on its callfd
 *   relay-load eventfd COUNT OUT [SENDER_CPU ECHO_CPU]
 *                                          COUNT round trips between two processes over two
 *                                          eventfds (each side blocked in poll, as the relays),
 *                                          each process on its CPU when given
 *
 * RATE is offered: a write or post is made at its scheduled time or as soon after as the
 * previous ones allow (ring full, CPU); what was achieved is in OUT. OUT holds records laid out
 * as the emulator's trace (emu/fw/fw_trace.h): CLOCK_MONOTONIC ns, an argument and a kind, so
 * that bench/relay.py reads both with one parser. Before a kick or complete run, one chain is
 * posted and its callfd awaited (10 s at most): the device is up and its completion path works;
 * the window starts 50 ms later.
 *
 * With RELAY_CPU_PID and RELAY_CPU_OUT set, the CPU time of every thread of process
 * RELAY_CPU_PID (the back-end) is written to RELAY_CPU_OUT at the window's start and end, one
 * line per thread: `start|end <t_ns> <tid> <utime+stime ticks> <schedstat run ns> <comm>`.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* sched_setaffinity */
#endif
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum load_kind {
	LOAD_KICK = 16,			/* a kickfd write; arg: the vring */
	LOAD_POST = 17,			/* a chain made available; arg: its avail index */
	LOAD_CALL = 18,			/* the callfd read; arg: the count it held */
	LOAD_START = 19,		/* the measured window; arg: the offered rate */
	LOAD_END = 20,
	LOAD_ROUND_TRIP = 21,		/* eventfd reference; arg: the round trip in ns */
};

struct load_record {
	uint64_t t_ns;
	uint32_t arg;
	uint16_t kind;
	uint16_t function;
};

/* The split ring of a vring as vu_frontend.c lays it out (desc, avail +4 KiB, used +8 KiB). */
struct ring {
	volatile uint8_t *desc;
	volatile uint16_t *avail;	/* flags, idx, ring[] */
	volatile uint16_t *used;	/* flags, idx, then {u32 id, u32 len}[] */
	uint16_t size;
	uint16_t avail_idx;
};

struct load {
	struct load_record *rec;
	size_t nrec, cap;
	uint8_t *mem;			/* guest memory, at guest address 0 */
	struct ring tx;
	int kickfd, callfd;		/* vring 0's kick, vring 1's call */
};

#define FRAME_GPA 0x800000u		/* frame buffers: one of FRAME_STRIDE per ring slot */
#define FRAME_STRIDE 128u
#define FRAME_LEN (12u + 60u)		/* virtio-net header (VERSION_1) and a minimal frame */

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appends one line per thread of process pid: its CPU time so far (see the top comment). */
static void
cpu_snapshot(const char *label)
{
	const char *pid = getenv("RELAY_CPU_PID"), *path = getenv("RELAY_CPU_OUT");
	char dir[64], file[400], buf[1024], comm[64];
	struct dirent *e;
	FILE *out;
	DIR *d;

	if (pid == NULL || path == NULL)
		return;
	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	d = opendir(dir);
	out = fopen(path, "ae");
	if (d == NULL || out == NULL) {
		fprintf(stderr, "relay-load: cannot sample %s into %s\n", dir, path);
		exit(1);
	}
	while ((e = readdir(d)) != NULL) {
		unsigned long long ticks = 0, run_ns = 0, ut, st;
		const char *close_paren;
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(file, sizeof(file), "%s/%s/stat", dir, e->d_name);
		f = fopen(file, "re");
		if (f == NULL)
			continue;	/* the thread ended meanwhile */
		buf[0] = '\0';
		if (fgets(buf, sizeof(buf), f) == NULL)
			buf[0] = '\0';
		fclose(f);
		/* comm may hold spaces: the fields after it start past the last ')'. */
		close_paren = strrchr(buf, ')');
		if (close_paren == NULL || sscanf(close_paren + 2,
				"%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
			continue;
		ticks = ut + st;
		snprintf(comm, sizeof(comm), "%.*s", (int)(close_paren - strchr(buf, '(') - 1),
			 strchr(buf, '(') + 1);
		for (char *c = comm; *c; c++)
			if (*c == ' ')
				*c = '_';
		snprintf(file, sizeof(file), "%s/%s/schedstat", dir, e->d_name);
		f = fopen(file, "re");
		if (f != NULL) {
			if (fscanf(f, "%llu", &run_ns) != 1)
				run_ns = 0;
			fclose(f);
		}
		fprintf(out, "%s %" PRIu64 " %s %llu %llu %s\n", label, now_ns(), e->d_name, ticks,
			run_ns, comm);
	}
	closedir(d);
	fclose(out);
}

static void
record(struct load *l, enum load_kind kind, uint32_t arg, uint64_t t)
{
	if (l->nrec == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1u << 16;
		struct load_record *r = realloc(l->rec, cap * sizeof(*r));

		if (r == NULL) {
			fprintf(stderr, "relay-load: out of memory for records\n");
			exit(1);
		}
		l->rec = r;
		l->cap = cap;
	}
	l->rec[l->nrec++] = (struct load_record){ .t_ns = t, .arg = arg, .kind = (uint16_t)kind };
}

static int
write_records(const struct load *l, const char *path)
{
	FILE *f = fopen(path, "we");

	if (f == NULL || fwrite(l->rec, sizeof(*l->rec), l->nrec, f) != l->nrec) {
		perror(path);
		if (f != NULL)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

static long
env_long(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL) {
		fprintf(stderr, "relay-load: %s not set (run through vu-frontend --run)\n",
			name);
		exit(2);
	}
	return strtol(v, NULL, 0);
}

/* The n-th number of a comma-separated list variable. */
static long
env_list(const char *name, int n)
{
	const char *v = getenv(name);

	for (int i = 0; v != NULL && i < n; i++) {
		v = strchr(v, ',');
		if (v != NULL)
			v++;
	}
	if (v == NULL) {
		fprintf(stderr, "relay-load: %s has no entry %d\n", name, n);
		exit(2);
	}
	return strtol(v, NULL, 0);
}

static void
attach(struct load *l)
{
	size_t size = (size_t)env_long("VU_MEM_SIZE");
	uint64_t base = (uint64_t)env_long("VU_RINGS_GPA") + (uint64_t)env_long("VU_RING_STRIDE");

	l->mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, (int)env_long("VU_MEM_FD"), 0);
	if (l->mem == MAP_FAILED) {
		perror("relay-load: guest memory");
		exit(1);
	}
	l->tx = (struct ring){ .desc = l->mem + base, .avail = (uint16_t *)(l->mem + base + 0x1000),
			       .used = (uint16_t *)(l->mem + base + 0x2000),
			       .size = (uint16_t)env_long("VU_QUEUE_SIZE") };
	l->kickfd = (int)env_list("VU_KICK_FDS", 0);
	l->callfd = (int)env_list("VU_CALL_FDS", 1);
}

/* Makes one chain of one frame available on the TX ring; false when the ring is full. */
static bool
post(struct load *l)
{
	struct ring *r = &l->tx;
	uint16_t used = __atomic_load_n(&r->used[1], __ATOMIC_ACQUIRE);
	uint16_t slot = r->avail_idx & (r->size - 1);
	volatile uint8_t *d = r->desc + 16u * slot;
	uint64_t addr = FRAME_GPA + (uint64_t)FRAME_STRIDE * slot;
	uint8_t *frame = l->mem + addr;

	if ((uint16_t)(r->avail_idx - used) >= r->size)
		return false;
	memset(frame, 0, FRAME_LEN);
	/* A unicast frame to a locally administered address nobody has. */
	memcpy(frame + 12, "\x02\x00\x00\x00\x00\x99\x02\x00\x00\x00\x00\x01\x08\x00", 14);
	memcpy((void *)d, &addr, 8);
	*(volatile uint32_t *)(d + 8) = FRAME_LEN;
	*(volatile uint16_t *)(d + 12) = 0;	/* flags: one device-readable buffer */
	*(volatile uint16_t *)(d + 14) = 0;
	r->avail[2 + slot] = slot;
	r->avail_idx++;
	/* Release: the device that sees the new index sees the descriptor and the frame. */
	__atomic_store_n(&r->avail[1], r->avail_idx, __ATOMIC_RELEASE);
	return true;
}

/* Waits up to timeout_ns for the callfd; records and clears it. True if it was readable. */
static bool
wait_call(struct load *l, uint64_t timeout_ns)
{
	struct pollfd pfd = { .fd = l->callfd, .events = POLLIN };
	struct timespec ts = { .tv_sec = (time_t)(timeout_ns / 1000000000u),
			       .tv_nsec = (long)(timeout_ns % 1000000000u) };
	eventfd_t v;

	if (ppoll(&pfd, 1, &ts, NULL) <= 0 || !(pfd.revents & POLLIN))
		return false;
	record(l, LOAD_CALL, 0, now_ns());
	if (eventfd_read(l->callfd, &v) == 0)
		l->rec[l->nrec - 1].arg = (uint32_t)v;
	return true;
}

/*
 * One chain through the device and its completion relayed: the path works. Then 50 ms more:
 * a PMD may map its doorbell page at each configuration, and the emulator's doorbell trap
 * (trace_doorbells=trap) follows a new mapping within milliseconds.
 */
static void
check_ready(struct load *l)
{
	eventfd_t v;

	eventfd_read(l->callfd, &v);	/* whatever the bring-up left */
	if (!post(l) || !wait_call(l, 10000000000u)) {
		fprintf(stderr, "relay-load: no completion on vring 1's callfd within 10 s\n");
		exit(1);
	}
	l->nrec = 0;
	nanosleep(&(struct timespec){ .tv_nsec = 50000000 }, NULL);
}

static void
run(struct load *l, bool kicks, uint64_t rate, double seconds)
{
	uint64_t period = rate ? 1000000000u / rate : 0, start = now_ns();
	uint64_t end = start + (uint64_t)(seconds * 1e9), next = start;

	cpu_snapshot("start");
	start = now_ns();
	end = start + (uint64_t)(seconds * 1e9);
	next = start;
	record(l, LOAD_START, (uint32_t)rate, start);
	for (uint64_t t = start; t < end; t = now_ns()) {
		if (rate != 0 && t >= next) {
			if (kicks) {
				record(l, LOAD_KICK, 0, t);
				eventfd_write(l->kickfd, 1);
			} else if (post(l)) {
				record(l, LOAD_POST, l->tx.avail_idx, t);
			}
			next += period;
			/* Behind by more than a second's worth: offered is not achievable. */
			if (t > next + 1000000000u)
				next = t;
			if (!kicks)
				wait_call(l, 0);
			continue;
		}
		/* Until the next scheduled write: completions are relayed meanwhile. */
		if (kicks) {
			uint64_t until = rate ? next : end;
			struct timespec ts = { .tv_sec = (time_t)(until / 1000000000u),
					       .tv_nsec = (long)(until % 1000000000u) };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		} else {
			wait_call(l, (rate ? next : end) - t);
		}
	}
	record(l, LOAD_END, (uint32_t)rate, now_ns());
	cpu_snapshot("end");
}

/* The calling process on CPU `cpu` only (-1: left as it is). */
static int
pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Round trips over two eventfds between two processes, each blocked in poll(), the sender on
 * sender_cpu and the echo on echo_cpu (-1: anywhere).
 */
static int
eventfd_reference(struct load *l, long count, int sender_cpu, int echo_cpu)
{
	int ping = eventfd(0, EFD_NONBLOCK), pong = eventfd(0, EFD_NONBLOCK);
	struct pollfd pfd = { .events = POLLIN };
	eventfd_t v;
	pid_t child;
	int status;

	if (ping < 0 || pong < 0)
		return -1;
	child = fork();
	if (child < 0)
		return -1;
	if (child == 0) {
		if (pin(echo_cpu) != 0)
			_exit(1);
		pfd.fd = ping;
		for (long i = 0; i < count; i++) {
			if (poll(&pfd, 1, 10000) <= 0)
				_exit(1);
			eventfd_read(ping, &v);
			eventfd_write(pong, 1);
		}
		_exit(0);
	}
	if (pin(sender_cpu) != 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		return -1;
	}
	pfd.fd = pong;
	for (long i = 0; i < count; i++) {
		uint64_t t0 = now_ns(), t1;

		eventfd_write(ping, 1);
		if (poll(&pfd, 1, 10000) <= 0)
			break;
		t1 = now_ns();
		eventfd_read(pong, &v);
		record(l, LOAD_ROUND_TRIP, (uint32_t)(t1 - t0), t1);
		/* Both sides asleep again before the next one, as between relayed notifications. */
		nanosleep(&(struct timespec){ .tv_nsec = 100000 }, NULL);
	}
	waitpid(child, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct load l = { 0 };

	bool eventfd_mode = argc > 1 && strcmp(argv[1], "eventfd") == 0;

	if (eventfd_mode ? argc != 4 && argc != 6 : argc != 5) {
		fprintf(stderr, "usage: relay-load kick|complete RATE SECONDS OUT | "
			"relay-load eventfd COUNT OUT [SENDER_CPU ECHO_CPU]\n");
		return 2;
	}
	/* Timed waits end on time, not up to 50 µs later. */
	prctl(PR_SET_TIMERSLACK, 1UL);
	if (eventfd_mode) {
		if (eventfd_reference(&l, strtol(argv[2], NULL, 0),
				      argc == 6 ? atoi(argv[4]) : -1,
				      argc == 6 ? atoi(argv[5]) : -1) < 0) {
			fprintf(stderr, "relay-load: eventfd round trips failed\n");
			return 1;
		}
		return write_records(&l, argv[3]) == 0 ? 0 : 1;
	}
	if (strcmp(argv[1], "kick") != 0 && strcmp(argv[1], "complete") != 0) {
		fprintf(stderr, "relay-load: unknown mode %s\n", argv[1]);
		return 2;
	}
	attach(&l);
	check_ready(&l);
	run(&l, strcmp(argv[1], "kick") == 0, strtoull(argv[2], NULL, 0), strtod(argv[3], NULL));
	return write_records(&l, argv[4]) == 0 ? 0 : 1;
}
