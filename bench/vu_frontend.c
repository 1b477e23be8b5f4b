/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal scripted vhost-user front-end for the benchmarks and tests/pmd/: connects to a
 * vhost-user socket and brings a virtio-net device up the way a VMM does (owner, features,
 * protocol features, the guest's memory table, then per vring call fd, size, base,
 * addresses, kick fd, then every vring enabled and DRIVER_OK), sends it all at once, stays
 * connected, and leaves. DPDK's virtio-user takes at most 8 queue pairs; this front-end takes any
 * number, any memory size (a sparse memfd: no guest page is touched), and spends no time between
 * messages, so the time measured is the back-end's: a request that has a reply is a blocking
 * sendmsg() and blocking recv()s of the reply's header and payload, nothing else in between.
 *
 *   vu-frontend SOCKET QUEUE_PAIRS MEM_GIB HOLD_SECONDS [VRING:TIMES | migrate] [--run CMD...]
 *
 * With VRING:TIMES, once the device is up, vring VRING is disabled and enabled again TIMES times
 * (0.3 s apart), as a VMM does when the guest changes its queue count (tests/pmd/).
 * VU_PAUSE_BEFORE_ENABLE=<seconds> in the environment: a pause between the vrings' set-up and
 * their enabling (and DRIVER_OK), where the back-end may work ahead (tests/pmd/).
 * VU_FIRST_BASE=<n>: vring i starts at index n + i (its base and its used ring's index; else
 * 0), so that each vring's base handed back by a stop is its own (tests/pmd/).
 * VU_REGIONS=<n> (1-8, default 1): the guest's memory in n regions, as QEMU sends a guest's RAM
 * cut around holes: slices of the one memfd (each its own fd in the message and mmap_offset),
 * in consecutive guest-physical and front-end address ranges, 2 MiB-aligned, the last taking
 * the rest. 8 is what a memory table holds (DPDK 22.11's vhost takes no more, nor the
 * one-region-at-a-time messages of CONFIGURE_MEM_SLOTS). Not with --run.
 * With --run, once the device is up CMD plays the guest (bench/relay_load.c): it inherits the
 * guest memory and the vrings' eventfds, named in VU_MEM_FD, VU_MEM_SIZE, VU_KICK_FDS and
 * VU_CALL_FDS (one per vring, comma-separated), VU_RINGS_GPA, VU_RING_STRIDE and VU_QUEUE_SIZE;
 * the front-end stays connected until it exits (then HOLD_SECONDS more) and exits with its status.
 * With migrate (bench/switchover.sh), once the device is up it plays both ends of a live
 * migration's switch-over: the source starts dirty logging as QEMU does when a migration begins
 * (SET_LOG_BASE with a log memfd, SET_FEATURES with LOG_ALL, every vring's addresses again with
 * its used ring logged), 0.2 s later stops the device as QEMU does, with GET_VRING_BASE on every
 * vring in turn (each reply awaited), and leaves; then, on a new connection, the destination
 * configures the device again as QEMU does there (memory table, then per vring size, the source's
 * base, addresses, kick and call fds, then every vring enabled and DRIVER_OK), and holds it.
 *
 * Messages are sent with sendmsg() and replies read with recv(), so that bench/conn_clock.c,
 * preloaded into the front-end, logs each message sent and only those. Exit status: 0; with
 * --run, CMD's (128 + the signal if one killed it); 1 on any failure (explained on stderr); 2 on
 * a bad command line.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* vhost-user requests (the vhost-user protocol specification's numbers). */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_SET_VRING_ENABLE = 18,
	VU_SET_STATUS = 39,
};

#define VU_VERSION 0x1u
#define F_PROTOCOL_FEATURES (1ull << 30)
#define WANTED_FEATURES ((1ull << 32) | (1ull << 22) | F_PROTOCOL_FEATURES) /* VERSION_1, MQ */
#define F_LOG_ALL (1ull << 26)	/* offered by the back-end, acked only while migrating */
#define PROTOCOL_MQ (1ull << 0)
#define PROTOCOL_LOG_SHMFD (1ull << 1)
#define PROTOCOL_STATUS (1ull << 16)
#define STATUS_DRIVER_OK 0x0fu	/* ACKNOWLEDGE | DRIVER | DRIVER_OK | FEATURES_OK */

#define QUEUE_SIZE 256u
#define RING_STRIDE 0x4000ull	/* desc 4 KiB, avail at +4 KiB, used at +8 KiB */
#define RING_AVAIL_OFFSET 0x1000ull
#define RING_USED_OFFSET 0x2000ull
/* DPDK's mlx5 vDPA PMD takes a ring at guest address 0 for a failure. */
#define RINGS_GPA 0x100000ull
/* The front-end's address of guest memory, as a VMM would send it. */
#define GUEST_VA 0x7e0000000000ull
#define VRING_F_LOG 0x1u	/* SET_VRING_ADDR: log the used ring's writes */
#define LOG_PAGE 4096ull	/* a dirty-log bit stands for one guest page */

/* A memory table's regions at most (VHOST_MEMORY_BASELINE_NREGIONS) and their alignment. */
#define MAX_REGIONS 8u
#define REGION_ALIGN (2ull << 20)

/* A message here carries at most a memory table: a fd and 32 bytes per region. */
#define MAX_MSG_FDS MAX_REGIONS
#define MAX_PAYLOAD (8u + 32u * MAX_REGIONS)

struct vu_header {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vu_log {
	uint64_t mmap_size;
	uint64_t mmap_offset;
};

struct vu_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region region[MAX_REGIONS];
};

_Static_assert(sizeof(struct vu_mem_table) <= MAX_PAYLOAD, "memory table payload");
_Static_assert(sizeof(struct vu_vring_addr) <= MAX_PAYLOAD, "ring address payload");

/* One connection to the back-end and the guest it describes. */
struct frontend {
	const char *path;
	int sock;
	uint64_t features;		/* acked, without LOG_ALL */
	bool can_log;			/* the back-end offers LOG_ALL and LOG_SHMFD */
	uint64_t protocol_features;
	int mem;		/* the guest memory's memfd */
	uint64_t mem_size;
	unsigned int nregions;	/* of the memory table, slices of mem */
	unsigned int nvrings;
	int *call;		/* per vring, of the last configuration; -1 when none */
	int *kick;
	double pause_before_enable;	/* seconds between the vrings' set-up and their enabling */
};

static int
vu_send_fds(struct frontend *fe, uint32_t request, const void *payload, uint32_t size,
	    const int *fds, unsigned int nfds)
{
	union {
		struct vu_header hdr;
		uint8_t bytes[sizeof(struct vu_header) + MAX_PAYLOAD];
	} msg = { .hdr = { .request = request, .flags = VU_VERSION, .size = size } };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int) * MAX_MSG_FDS)];
	} control;
	struct iovec iov = { .iov_base = msg.bytes, .iov_len = sizeof(msg.hdr) + size };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t sent;

	if (size > MAX_PAYLOAD || nfds > MAX_MSG_FDS)
		return -EMSGSIZE;
	if (size)
		memcpy(msg.bytes + sizeof(msg.hdr), payload, size);
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do
		sent = sendmsg(fe->sock, &mh, MSG_NOSIGNAL);
	while (sent < 0 && errno == EINTR);
	if (sent < 0) {
		int err = errno;

		fprintf(stderr, "vu-frontend: request %u: %s\n", request, strerror(err));
		return -err;
	}
	if ((size_t)sent != iov.iov_len) {
		fprintf(stderr, "vu-frontend: request %u: short send\n", request);
		return -EIO;
	}
	return 0;
}

static int
vu_send(struct frontend *fe, uint32_t request, const void *payload, uint32_t size, int fd)
{
	return vu_send_fds(fe, request, payload, size, &fd, fd >= 0 ? 1 : 0);
}

static int
recv_all(int sock, void *buf, size_t len)
{
	ssize_t got;

	do
		got = recv(sock, buf, len, MSG_WAITALL);
	while (got < 0 && errno == EINTR);
	if (got < 0)
		return -errno;
	return (size_t)got == len ? 0 : -ECONNRESET;
}

/* Reads the reply to request, whose payload must be size bytes, into payload. */
static int
vu_recv_reply(struct frontend *fe, uint32_t request, void *payload, uint32_t size)
{
	struct vu_header hdr;
	int ret;

	ret = recv_all(fe->sock, &hdr, sizeof(hdr));
	if (ret == 0 && (hdr.request != request || hdr.size != size)) {
		fprintf(stderr, "vu-frontend: unexpected reply %u (size %u) to request %u\n",
			hdr.request, hdr.size, request);
		return -EPROTO;
	}
	if (ret == 0 && size != 0)
		ret = recv_all(fe->sock, payload, size);
	if (ret < 0 && ret != -EPROTO)
		fprintf(stderr, "vu-frontend: reply to request %u: %s\n", request, strerror(-ret));
	return ret;
}

static int
vu_send_u64(struct frontend *fe, uint32_t request, uint64_t value, int fd)
{
	return vu_send(fe, request, &value, sizeof(value), fd);
}

static int
vu_get_u64(struct frontend *fe, uint32_t request, uint64_t *value)
{
	int ret = vu_send(fe, request, NULL, 0, -1);

	return ret < 0 ? ret : vu_recv_reply(fe, request, value, sizeof(*value));
}

static int
vu_send_vring_state(struct frontend *fe, uint32_t request, uint32_t index, uint32_t num)
{
	struct vu_vring_state state = { .index = index, .num = num };

	return vu_send(fe, request, &state, sizeof(state), -1);
}

/* The size of every memory region but the last, which takes the rest. */
static uint64_t
region_size(const struct frontend *fe)
{
	return fe->mem_size / fe->nregions / REGION_ALIGN * REGION_ALIGN;
}

/* Connects, negotiates features and sends the memory table. */
static int
frontend_connect(struct frontend *fe)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct vu_mem_table table = { .nregions = fe->nregions };
	uint64_t slice = region_size(fe), features, proto = 0;
	int fds[MAX_REGIONS], ret;

	for (unsigned int i = 0; i < fe->nregions; i++) {
		uint64_t gpa = i * slice;

		table.region[i] = (struct vu_mem_region){
			.guest_phys_addr = gpa, .userspace_addr = GUEST_VA + gpa, .mmap_offset = gpa,
			.memory_size = i + 1 < fe->nregions ? slice : fe->mem_size - gpa,
		};
		fds[i] = fe->mem;
	}

	if (strlen(fe->path) >= sizeof(addr.sun_path)) {
		fprintf(stderr, "vu-frontend: socket path too long: %s\n", fe->path);
		return -ENAMETOOLONG;
	}
	strcpy(addr.sun_path, fe->path);
	/* Not inherited by the guest of --run: the connection is the front-end's alone. */
	fe->sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fe->sock < 0 || connect(fe->sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		ret = -errno;
		fprintf(stderr, "vu-frontend: connecting to %s: %s\n", fe->path, strerror(-ret));
		return ret;
	}
	ret = vu_send(fe, VU_SET_OWNER, NULL, 0, -1);
	if (ret == 0)
		ret = vu_get_u64(fe, VU_GET_FEATURES, &features);
	if (ret < 0)
		return ret;
	fe->can_log = (features & F_LOG_ALL) != 0;
	features &= WANTED_FEATURES;
	if (features & F_PROTOCOL_FEATURES) {
		ret = vu_get_u64(fe, VU_GET_PROTOCOL_FEATURES, &proto);
		fe->can_log = fe->can_log && (proto & PROTOCOL_LOG_SHMFD);
		proto &= PROTOCOL_MQ | PROTOCOL_STATUS | PROTOCOL_LOG_SHMFD;
		if (ret == 0)
			ret = vu_send_u64(fe, VU_SET_PROTOCOL_FEATURES, proto, -1);
	}
	fe->protocol_features = proto;
	fe->features = features;
	if (ret == 0)
		ret = vu_send_u64(fe, VU_SET_FEATURES, features, -1);
	if (ret == 0)
		ret = vu_send_fds(fe, VU_SET_MEM_TABLE, &table,
				  (uint32_t)(offsetof(struct vu_mem_table, region) +
					     sizeof(table.region[0]) * fe->nregions), fds, fe->nregions);
	return ret;
}

static void
frontend_disconnect(struct frontend *fe)
{
	if (fe->sock >= 0)
		close(fe->sock);
	fe->sock = -1;
}

static void
close_eventfds(struct frontend *fe)
{
	for (unsigned int i = 0; i < fe->nvrings; i++) {
		if (fe->call[i] >= 0)
			close(fe->call[i]);
		if (fe->kick[i] >= 0)
			close(fe->kick[i]);
		fe->call[i] = fe->kick[i] = -1;
	}
}

static int
vu_set_vring_fd(struct frontend *fe, uint32_t request, uint32_t index, int fd)
{
	return vu_send_u64(fe, request, index, fd);
}

static void
sleep_seconds(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/*
 * Sets every vring up from the base given for it (with new eventfds), enables them all and
 * sets DRIVER_OK. A VMM bringing a device up sends the call fd first; QEMU starting a device
 * (as on a migration's destination) sends it last.
 */
static int
frontend_configure(struct frontend *fe, const uint32_t *bases, bool call_first)
{
	int ret = 0;

	close_eventfds(fe);
	for (unsigned int i = 0; i < fe->nvrings && ret == 0; i++) {
		uint64_t ring = GUEST_VA + RINGS_GPA + i * RING_STRIDE;
		struct vu_vring_addr addr = {
			.index = i, .desc = ring, .used = ring + RING_USED_OFFSET,
			.avail = ring + RING_AVAIL_OFFSET,
		};

		fe->call[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		fe->kick[i] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (fe->call[i] < 0 || fe->kick[i] < 0) {
			ret = -errno;
			fprintf(stderr, "vu-frontend: eventfd: %s\n", strerror(-ret));
			break;
		}
		if (call_first)
			ret = vu_set_vring_fd(fe, VU_SET_VRING_CALL, i, fe->call[i]);
		if (ret == 0)
			ret = vu_send_vring_state(fe, VU_SET_VRING_NUM, i, QUEUE_SIZE);
		if (ret == 0)
			ret = vu_send_vring_state(fe, VU_SET_VRING_BASE, i, bases[i]);
		if (ret == 0)
			ret = vu_send(fe, VU_SET_VRING_ADDR, &addr, sizeof(addr), -1);
		if (ret == 0)
			ret = vu_set_vring_fd(fe, VU_SET_VRING_KICK, i, fe->kick[i]);
		if (ret == 0 && !call_first)
			ret = vu_set_vring_fd(fe, VU_SET_VRING_CALL, i, fe->call[i]);
	}
	if (ret == 0 && fe->pause_before_enable > 0)
		sleep_seconds(fe->pause_before_enable);
	for (unsigned int i = 0; i < fe->nvrings && ret == 0; i++)
		ret = vu_send_vring_state(fe, VU_SET_VRING_ENABLE, i, 1);
	if (ret == 0 && (fe->protocol_features & PROTOCOL_STATUS))
		ret = vu_send_u64(fe, VU_SET_STATUS, STATUS_DRIVER_OK, -1);
	return ret;
}

/*
 * A migration's start as QEMU makes it (vhost_dev_set_log): the dirty log (a memfd of a bit per
 * guest page) handed over, LOG_ALL acked, and every vring's used ring logged.
 */
static int
frontend_start_logging(struct frontend *fe)
{
	struct vu_log log = { .mmap_size = (fe->mem_size / LOG_PAGE / 8 + 4095) & ~4095ull };
	int fd, ret;

	if (!fe->can_log) {
		fprintf(stderr, "vu-frontend: the back-end offers no dirty logging (LOG_ALL, "
			"LOG_SHMFD)\n");
		return -ENOTSUP;
	}
	fd = memfd_create("vu-frontend-log", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)log.mmap_size) < 0) {
		ret = -errno;
		fprintf(stderr, "vu-frontend: dirty log: %s\n", strerror(-ret));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	ret = vu_send(fe, VU_SET_LOG_BASE, &log, sizeof(log), fd);
	if (ret == 0)	/* the reply has no payload */
		ret = vu_recv_reply(fe, VU_SET_LOG_BASE, NULL, 0);
	close(fd);	/* the back-end mapped its own */
	if (ret == 0)
		ret = vu_send_u64(fe, VU_SET_FEATURES, fe->features | F_LOG_ALL, -1);
	for (unsigned int i = 0; i < fe->nvrings && ret == 0; i++) {
		uint64_t ring = GUEST_VA + RINGS_GPA + i * RING_STRIDE;
		struct vu_vring_addr addr = {
			.index = i, .flags = VRING_F_LOG, .desc = ring,
			.used = ring + RING_USED_OFFSET, .avail = ring + RING_AVAIL_OFFSET,
			.log = RINGS_GPA + i * RING_STRIDE + RING_USED_OFFSET,
		};

		ret = vu_send(fe, VU_SET_VRING_ADDR, &addr, sizeof(addr), -1);
	}
	return ret;
}

/* Stops the device as a migration's source does: GET_VRING_BASE on each vring in turn. */
static int
frontend_stop(struct frontend *fe, uint32_t *bases)
{
	for (unsigned int i = 0; i < fe->nvrings; i++) {
		struct vu_vring_state state;
		int ret = vu_send_vring_state(fe, VU_GET_VRING_BASE, i, 0);

		if (ret == 0)
			ret = vu_recv_reply(fe, VU_GET_VRING_BASE, &state, sizeof(state));
		if (ret < 0)
			return ret;
		if (state.index != i) {
			fprintf(stderr, "vu-frontend: GET_VRING_BASE reply for vring %u, asked %u\n",
				state.index, i);
			return -EPROTO;
		}
		bases[i] = state.num;
	}
	return 0;
}

static int
set_env_u64(const char *name, uint64_t value)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return setenv(name, buf, 1);
}

/* "a,b,c" of fds[0..n): at most 11 characters an fd. */
static int
set_env_fds(const char *name, const int *fds, unsigned int n)
{
	size_t len = (size_t)n * 12 + 1;
	char *buf = malloc(len), *p = buf;
	int ret;

	if (buf == NULL)
		return -1;
	buf[0] = '\0';
	for (unsigned int i = 0; i < n; i++)
		p += snprintf(p, len - (size_t)(p - buf), "%s%d", i ? "," : "", fds[i]);
	ret = setenv(name, buf, 1);
	free(buf);
	return ret;
}

/* In the child, before exec: the guest's view of the device, and its fds inherited. */
static int
guest_inherit(const struct frontend *fe)
{
	if (set_env_u64("VU_MEM_FD", (uint64_t)fe->mem) || set_env_u64("VU_MEM_SIZE", fe->mem_size) ||
	    set_env_fds("VU_KICK_FDS", fe->kick, fe->nvrings) ||
	    set_env_fds("VU_CALL_FDS", fe->call, fe->nvrings) ||
	    set_env_u64("VU_RINGS_GPA", RINGS_GPA) || set_env_u64("VU_RING_STRIDE", RING_STRIDE) ||
	    set_env_u64("VU_QUEUE_SIZE", QUEUE_SIZE))
		return -1;
	if (fcntl(fe->mem, F_SETFD, 0) < 0)
		return -1;
	for (unsigned int i = 0; i < fe->nvrings; i++)
		if (fcntl(fe->kick[i], F_SETFD, 0) < 0 || fcntl(fe->call[i], F_SETFD, 0) < 0)
			return -1;
	return 0;
}

/* Runs cmd as the guest and returns its exit status (128 + signal if killed), or -1. */
static int
run_guest(const struct frontend *fe, char **cmd)
{
	pid_t pid = fork();
	int status;

	if (pid < 0) {
		perror("vu-frontend: fork");
		return -1;
	}
	if (pid == 0) {
		if (guest_inherit(fe) < 0) {
			perror("vu-frontend: guest environment");
			_exit(127);
		}
		execvp(cmd[0], cmd);
		fprintf(stderr, "vu-frontend: %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("vu-frontend: waitpid");
			return -1;
		}
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Toggles vring off and on times times, 0.3 s apart, on the running device. */
static int
toggle_vring(struct frontend *fe, uint32_t vring, unsigned long times)
{
	int ret = 0;

	for (unsigned long n = 0; n < times && ret == 0; n++) {
		sleep_seconds(0.3);
		ret = vu_send_vring_state(fe, VU_SET_VRING_ENABLE, vring, 0);
		sleep_seconds(0.3);
		if (ret == 0)
			ret = vu_send_vring_state(fe, VU_SET_VRING_ENABLE, vring, 1);
	}
	return ret;
}

/* The source's stop, then the destination's start on a new connection. */
static int
migrate(struct frontend *fe, double hold, uint32_t *bases)
{
	int ret;

	sleep_seconds(hold);
	/* The pre-copy phase: the device logs what it writes while guest memory is sent. */
	ret = frontend_start_logging(fe);
	if (ret < 0)
		return ret;
	sleep_seconds(0.2);
	ret = frontend_stop(fe, bases);
	if (ret < 0)
		return ret;
	printf("source: vring bases");
	for (unsigned int i = 0; i < fe->nvrings; i++)
		printf(" %" PRIu32, bases[i]);
	printf("\n");
	fflush(stdout);
	frontend_disconnect(fe);
	/*
	 * The source's PMD may finish its clean-up after the last reply (DPDK's does, in a
	 * thread): let it, as the destination is another host.
	 */
	sleep_seconds(0.5);
	ret = frontend_connect(fe);
	return ret < 0 ? ret : frontend_configure(fe, bases, false);
}

static bool
parse_ulong(const char *s, unsigned long max, unsigned long *value)
{
	char *end;

	errno = 0;
	*value = strtoul(s, &end, 10);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-' && *value <= max;
}

static int
usage(void)
{
	fprintf(stderr, "usage: vu-frontend SOCKET QUEUE_PAIRS MEM_GIB HOLD_SECONDS "
		"[VRING:TIMES | migrate] [--run CMD...]\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct frontend fe = { .sock = -1, .mem = -1 };
	unsigned long qps, gib, toggle_vring_index = 0, toggle_times = 0;
	char **cmd = NULL, *end;
	const char *mode = "";
	uint32_t *bases = NULL;
	int nargs = argc, ret, rc = 1;
	double hold;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--run") == 0) {
			nargs = i;
			cmd = argv + i + 1;
			break;
		}
	}
	if (nargs < 5 || nargs > 6 || (cmd != NULL && cmd[0] == NULL))
		return usage();
	hold = strtod(argv[4], &end);
	if (!parse_ulong(argv[2], 0x8000, &qps) || qps == 0 || !parse_ulong(argv[3], 1 << 20, &gib) ||
	    *end != '\0' || end == argv[4] || !(hold >= 0))
		return usage();
	if (nargs == 6) {
		mode = argv[5];
		if (strcmp(mode, "migrate") != 0) {
			char *colon = strchr(mode, ':');

			if (colon == NULL)
				return usage();
			*colon = '\0';
			if (!parse_ulong(mode, 2 * qps - 1, &toggle_vring_index) ||
			    !parse_ulong(colon + 1, 1000000, &toggle_times))
				return usage();
		}
	}
	fe.path = argv[1];
	if (getenv("VU_PAUSE_BEFORE_ENABLE") != NULL) {
		fe.pause_before_enable = strtod(getenv("VU_PAUSE_BEFORE_ENABLE"), &end);
		if (*end != '\0' || !(fe.pause_before_enable >= 0))
			return usage();
	}
	fe.nvrings = (unsigned int)(2 * qps);
	fe.mem_size = (uint64_t)gib << 30;
	fe.nregions = 1;
	if (getenv("VU_REGIONS") != NULL) {
		unsigned long n;

		if (!parse_ulong(getenv("VU_REGIONS"), MAX_REGIONS, &n) || n == 0 ||
		    (n > 1 && cmd != NULL)) {
			fprintf(stderr, "vu-frontend: VU_REGIONS: 1 to %u (1 with --run)\n",
				MAX_REGIONS);
			return usage();
		}
		fe.nregions = (unsigned int)n;
	}
	/* The rings are in the first region. */
	if (RINGS_GPA + fe.nvrings * RING_STRIDE > region_size(&fe)) {
		fprintf(stderr, "vu-frontend: guest memory (its first region) too small for the "
			"rings\n");
		return 1;
	}
	fe.call = malloc(fe.nvrings * sizeof(*fe.call));
	fe.kick = malloc(fe.nvrings * sizeof(*fe.kick));
	bases = calloc(fe.nvrings, sizeof(*bases));
	if (fe.call == NULL || fe.kick == NULL || bases == NULL) {
		fprintf(stderr, "vu-frontend: out of memory\n");
		goto free_arrays;
	}
	for (unsigned int i = 0; i < fe.nvrings; i++)
		fe.call[i] = fe.kick[i] = -1;
	fe.mem = memfd_create("guest", MFD_CLOEXEC);
	if (fe.mem < 0 || ftruncate(fe.mem, (off_t)fe.mem_size) < 0) {
		perror("vu-frontend: guest memory");
		goto close_mem;
	}
	if (getenv("VU_FIRST_BASE") != NULL) {
		unsigned long first;

		if (!parse_ulong(getenv("VU_FIRST_BASE"), 0xffff, &first)) {
			rc = usage();
			goto close_mem;
		}
		/* The used ring's index too, as a guest left it: vhost starts from it. */
		for (unsigned int i = 0; i < fe.nvrings; i++) {
			uint16_t used_idx = (uint16_t)(first + i);

			bases[i] = used_idx;
			if (pwrite(fe.mem, &used_idx, sizeof(used_idx), (off_t)(RINGS_GPA +
				   i * RING_STRIDE + RING_USED_OFFSET + 2)) != sizeof(used_idx)) {
				perror("vu-frontend: guest memory");
				goto close_mem;
			}
		}
	}

	ret = frontend_connect(&fe);
	if (ret == 0)
		ret = frontend_configure(&fe, bases, true);
	if (ret == 0 && strcmp(mode, "migrate") == 0)
		ret = migrate(&fe, hold, bases);
	else if (ret == 0 && mode[0] != '\0')
		ret = toggle_vring(&fe, (uint32_t)toggle_vring_index, toggle_times);
	if (ret < 0)
		goto disconnect;
	rc = 0;
	if (cmd != NULL) {
		rc = run_guest(&fe, cmd);
		if (rc < 0)
			rc = 1;
	}
	sleep_seconds(hold);

disconnect:
	frontend_disconnect(&fe);
	close_eventfds(&fe);
close_mem:
	if (fe.mem >= 0)
		close(fe.mem);
free_arrays:
	free(bases);
	free(fe.kick);
	free(fe.call);
	return rc;
}
