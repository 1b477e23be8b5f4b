/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Preloaded by bench/run into both ends of a vhost-user connection; prints to stderr, with
 * CLOCK_MONOTONIC time (the clock of the emulator's timing report):
 * - in the back-end: each connection it accepts, with the emulated firmware's command counts at
 *   that moment when the emulator is loaded too, and each vhost-user message header it reads or
 *   writes (a reply), with the firmware's totals then (commands executed, modelled time);
 * - in the front-end: each message header it sends on a socket it connected.
 * So a device's bring-up is timed from the front-end's connection on, and the commands and
 * modelled firmware time of the bring-up are told apart from the probe's; a switch-over
 * (bench/switchover.sh) is timed between two messages and its firmware work is the difference of
 * the totals. It changes nothing it wraps.
 *
 * A preload library has no context to hang state on: the set of sockets it watches is this
 * file's one piece of global state.
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>

#define MAX_FD 4096
#define MAX_OPCODE 0x1000

/* Sockets accepted or connected; set and cleared from the vhost socket thread of each end. */
static unsigned char watched[MAX_FD];

static unsigned long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/* The emulator's public introspection (mlx5_emu.h, mlx5_emu_process.h), if it is loaded. */
static void
print_emu_counts(void)
{
	void *(*fw_of)(unsigned int) = (void *(*)(unsigned int))dlsym(RTLD_DEFAULT,
								      "mlx5_emu_process_fw");
	uint64_t (*count)(void *, uint16_t) = (uint64_t (*)(void *, uint16_t))dlsym(RTLD_DEFAULT,
										"emu_fw_cmd_count");
	void *fw;

	if (fw_of == NULL || count == NULL || (fw = fw_of(0)) == NULL)
		return;
	fprintf(stderr, "conn_clock: emu function 0 commands before the connection:");
	for (unsigned int op = 0; op < MAX_OPCODE; op++) {
		uint64_t n = count(fw, (uint16_t)op);

		if (n)
			fprintf(stderr, " 0x%x=%llu", op, (unsigned long long)n);
	}
	fprintf(stderr, "\n");
}

/* " fw_executed=N fw_modelled_ns=N" of function 0 when the emulator is loaded, else "". */
static const char *
emu_totals(char *buf, size_t len)
{
	void *(*fw_of)(unsigned int) = (void *(*)(unsigned int))dlsym(RTLD_DEFAULT,
								      "mlx5_emu_process_fw");
	void (*totals)(void *, uint64_t *, uint64_t *) =
		(void (*)(void *, uint64_t *, uint64_t *))dlsym(RTLD_DEFAULT, "emu_fw_totals");
	uint64_t executed, modelled;
	void *fw;

	buf[0] = '\0';
	if (fw_of == NULL || totals == NULL || (fw = fw_of(0)) == NULL)
		return buf;
	totals(fw, &executed, &modelled);
	snprintf(buf, len, " fw_executed=%llu fw_modelled_ns=%llu", (unsigned long long)executed,
		 (unsigned long long)modelled);
	return buf;
}

int
accept(int fd, struct sockaddr *addr, socklen_t *len)
{
	int (*real)(int, struct sockaddr *, socklen_t *) =
		(int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	int ret = real(fd, addr, len);

	if (ret >= 0 && ret < MAX_FD) {
		unsigned long long t = now_ns();

		watched[ret] = 1;
		fprintf(stderr, "conn_clock: accept fd=%d t_ns=%llu\n", ret, t);
		print_emu_counts();
	}
	return ret;
}

int
connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	int (*real)(int, const struct sockaddr *, socklen_t) =
		(int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");
	int ret = real(fd, addr, len);

	if (ret == 0 && fd >= 0 && fd < MAX_FD && addr != NULL && addr->sa_family == AF_UNIX) {
		watched[fd] = 1;
		fprintf(stderr, "conn_clock: connect fd=%d t_ns=%llu\n", fd, now_ns());
	}
	return ret;
}

/* vhost-user messages start with a 12-byte header whose first word is the request. */
ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	ssize_t (*real)(int, struct msghdr *, int) =
		(ssize_t (*)(int, struct msghdr *, int))dlsym(RTLD_NEXT, "recvmsg");
	ssize_t ret = real(fd, msg, flags);

	if (fd < 0 || fd >= MAX_FD || !watched[fd])
		return ret;
	if (ret >= 4 && msg->msg_iovlen > 0 && msg->msg_iov[0].iov_len >= 4) {
		unsigned long long t = now_ns();
		char fw[64];

		fprintf(stderr, "conn_clock: recv fd=%d req=%u t_ns=%llu%s\n", fd,
			*(const uint32_t *)msg->msg_iov[0].iov_base, t, emu_totals(fw, sizeof(fw)));
	} else if (ret == 0)
		watched[fd] = 0;
	return ret;
}

ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	ssize_t (*real)(int, const struct msghdr *, int) =
		(ssize_t (*)(int, const struct msghdr *, int))dlsym(RTLD_NEXT, "sendmsg");
	unsigned long long t = now_ns();
	char fw[64] = "";
	ssize_t ret;

	if (fd >= 0 && fd < MAX_FD && watched[fd])
		emu_totals(fw, sizeof(fw));	/* before the reply leaves, like t */
	ret = real(fd, msg, flags);

	if (fd >= 0 && fd < MAX_FD && watched[fd] && ret >= 4 && msg->msg_iovlen > 0 &&
	    msg->msg_iov[0].iov_len >= 4)
		fprintf(stderr, "conn_clock: send fd=%d req=%u t_ns=%llu%s\n", fd,
			*(const uint32_t *)msg->msg_iov[0].iov_base, t, fw);
	return ret;
}

int
close(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "close");

	if (fd >= 0 && fd < MAX_FD)
		watched[fd] = 0;
	return real(fd);
}
