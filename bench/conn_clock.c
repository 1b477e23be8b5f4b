/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Preloaded by bench/run into both ends of a vhost-user connection; records, with
 * CLOCK_MONOTONIC time (the clock of the emulator's timing report):
 * - in the back-end: each connection it accepts and each vhost-user message header it reads or
 *   writes (a reply), with the emulated firmware's totals then (commands executed, modelled
 *   time) when the emulator is loaded too;
 * - in the front-end: each message header it sends on a socket it connected.
 * So a device's bring-up is timed from the front-end's connection on, and the commands and
 * modelled firmware time of the bring-up are told apart from the probe's; a switch-over
 * (bench/switchover.sh) is timed between two messages and its firmware work is the difference of
 * the totals. It changes nothing it wraps.
 *
 * It costs the threads it times as little as it can: the records go to memory and reach stderr
 * when the buffer fills and at exit, not one write per message, and the wrapped functions and
 * the emulator's are looked up once.
 *
 * A preload library has no context to hang state on: the sockets it watches, the record buffer
 * and the looked-up functions are this file's global state.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_FD 4096
/* About 600 records a write; small, so that its resident pages do not grow with the records. */
#define RECORD_BYTES (64u << 10)

/* Sockets accepted or connected; set and cleared from the vhost socket thread of each end. */
static unsigned char watched[MAX_FD];

static struct {
	pthread_mutex_t lock;
	size_t len;
	char buf[RECORD_BYTES];
} records = { .lock = PTHREAD_MUTEX_INITIALIZER };

static struct {
	pthread_once_t once;
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*close)(int);
	void *(*emu_fw_of)(unsigned int);
	void (*emu_totals)(void *, uint64_t *, uint64_t *);
} fn = { .once = PTHREAD_ONCE_INIT };

static void
look_up(void)
{
	fn.accept = (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	fn.connect = (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	fn.recvmsg = (ssize_t (*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
	fn.sendmsg = (ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	fn.close = (int (*)(int))dlsym(RTLD_NEXT, "close");
	/* The emulator's public introspection (mlx5_emu.h, mlx5_emu_process.h), if it is loaded. */
	fn.emu_fw_of = (void *(*)(unsigned int))dlsym(RTLD_DEFAULT, "mlx5_emu_process_fw");
	fn.emu_totals = (void (*)(void *, uint64_t *, uint64_t *))dlsym(RTLD_DEFAULT,
									"emu_fw_totals");
}

static void
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, p, n);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* The records so far to stderr (records.lock held, or at exit). */
static void
flush_records(void)
{
	write_all(records.buf, records.len);
	records.len = 0;
}

static void __attribute__((destructor))
flush_at_exit(void)
{
	pthread_mutex_lock(&records.lock);
	flush_records();
	pthread_mutex_unlock(&records.lock);
}

static void __attribute__((format(printf, 1, 2)))
record(const char *format, ...)
{
	char line[160];
	va_list ap;
	int n;

	va_start(ap, format);
	n = vsnprintf(line, sizeof(line), format, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line)) {	/* cut, but still a line of its own */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	pthread_mutex_lock(&records.lock);
	if (records.len + (size_t)n > sizeof(records.buf))
		flush_records();
	memcpy(records.buf + records.len, line, (size_t)n);
	records.len += (size_t)n;
	pthread_mutex_unlock(&records.lock);
}

static unsigned long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* " fw_executed=N fw_modelled_ns=N" of function 0 when the emulator is loaded, else "". */
static const char *
emu_totals(char *buf, size_t len)
{
	uint64_t executed, modelled;
	void *fw;

	buf[0] = '\0';
	if (fn.emu_fw_of == NULL || fn.emu_totals == NULL || (fw = fn.emu_fw_of(0)) == NULL)
		return buf;
	fn.emu_totals(fw, &executed, &modelled);
	snprintf(buf, len, " fw_executed=%llu fw_modelled_ns=%llu", (unsigned long long)executed,
		 (unsigned long long)modelled);
	return buf;
}

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int ret;

	pthread_once(&fn.once, look_up);
	ret = fn.accept(fd, addr, len);
	if (ret >= 0 && ret < MAX_FD) {
		unsigned long long t = now_ns();
		char fw[64];

		watched[ret] = 1;
		record("conn_clock: accept fd=%d t_ns=%llu%s\n", ret, t, emu_totals(fw, sizeof(fw)));
	}
	return ret;
}

int
connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int ret;

	pthread_once(&fn.once, look_up);
	ret = fn.connect(fd, addr, len);
	if (ret == 0 && fd >= 0 && fd < MAX_FD && addr != NULL && addr->sa_family == AF_UNIX) {
		watched[fd] = 1;
		record("conn_clock: connect fd=%d t_ns=%llu\n", fd, now_ns());
	}
	return ret;
}

/* vhost-user messages start with a 12-byte header whose first word is the request. */
ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t ret;

	pthread_once(&fn.once, look_up);
	ret = fn.recvmsg(fd, msg, flags);
	if (fd < 0 || fd >= MAX_FD || !watched[fd])
		return ret;
	if (ret >= 4 && msg->msg_iovlen > 0 && msg->msg_iov[0].iov_len >= 4) {
		unsigned long long t = now_ns();
		char fw[64];

		record("conn_clock: recv fd=%d req=%u t_ns=%llu%s\n", fd,
		       *(const uint32_t *)msg->msg_iov[0].iov_base, t, emu_totals(fw, sizeof(fw)));
	} else if (ret == 0)
		watched[fd] = 0;
	return ret;
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	unsigned long long t = now_ns();
	char fw[64] = "";
	ssize_t ret;

	pthread_once(&fn.once, look_up);
	if (fd >= 0 && fd < MAX_FD && watched[fd])
		emu_totals(fw, sizeof(fw));	/* before the reply leaves, like t */
	ret = fn.sendmsg(fd, msg, flags);

	if (fd >= 0 && fd < MAX_FD && watched[fd] && ret >= 4 && msg->msg_iovlen > 0 &&
	    msg->msg_iov[0].iov_len >= 4)
		record("conn_clock: send fd=%d req=%u t_ns=%llu%s\n", fd,
		       *(const uint32_t *)msg->msg_iov[0].iov_base, t, fw);
	return ret;
}

int
close(int fd)
{
	pthread_once(&fn.once, look_up);
	if (fd >= 0 && fd < MAX_FD)
		watched[fd] = 0;
	return fn.close(fd);
}
