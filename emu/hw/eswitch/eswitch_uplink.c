/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "eswitch_uplink.h"

/* Largest frame on the wire: a 64 KiB TSO frame with headers, as the virtq engine carries. */
#define UPLINK_MAX_FRAME (64u * 1024 + 64)
/* How often a connecting UNIX link retries while its peer is not there. */
#define RECONNECT_MS 100

/* The pcap file format (tcpdump's): microsecond timestamps, Ethernet link type. */
#define PCAP_MAGIC 0xa1b2c3d4u
#define PCAP_LINKTYPE_ETHERNET 1

struct pcap_file_header {
	uint32_t magic;
	uint16_t version_major;
	uint16_t version_minor;
	int32_t thiszone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_record_header {
	uint32_t ts_sec;
	uint32_t ts_usec;
	uint32_t incl_len;
	uint32_t orig_len;
};

enum uplink_kind {
	UPLINK_LOOPBACK,
	UPLINK_TAP,
	UPLINK_PCAP,
	UPLINK_UNIX_LISTEN,
	UPLINK_UNIX_CONNECT,
};

struct eswitch_uplink {
	enum uplink_kind kind;
	eswitch_uplink_rx_t rx;
	void *rx_ctx;
	/*
	 * Protects link_fd and stats: the UNIX link's receive thread replaces the connected peer
	 * while the switch sends on it.
	 */
	pthread_mutex_t lock;
	int link_fd;		/* frames go out here: the TAP, the pcap file, the peer; -1: none */
	int listen_fd;		/* unix:listen */
	int stop_fd;		/* eventfd: destroy wakes the receive thread with it */
	bool thread_started;
	pthread_t thread;
	uint8_t *buf;		/* the receive thread's frame buffer */
	struct sockaddr_un addr;	/* the UNIX link's socket */
	struct eswitch_uplink_stats stats;
};

static int
fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen != 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

static int
tap_open(struct eswitch_uplink *u, const char *spec, const char *ifname, char *err, size_t errlen)
{
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	int ret;

	if (ifname[0] == '\0' || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') != NULL)
		return fail(err, errlen, -EINVAL, "%s: interface name must be 1..%d characters",
			    spec, IFNAMSIZ - 1);
	u->link_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (u->link_fd < 0)
		return fail(err, errlen, -errno, "%s: cannot open /dev/net/tun: %s", spec,
			    strerror(errno));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(u->link_fd, TUNSETIFF, &ifr) == 0)
		return 0;
	ret = -errno;
	close(u->link_fd);
	u->link_fd = -1;
	if (ret == -EPERM)
		return fail(err, errlen, ret, "%s: cannot attach to or create TAP interface %s: %s "
			    "(creating one needs CAP_NET_ADMIN; or create it beforehand: "
			    "ip tuntap add %s mode tap user <user>)", spec, ifname, strerror(-ret),
			    ifname);
	if (ret == -EBUSY)
		return fail(err, errlen, ret, "%s: TAP interface %s is in use by another process",
			    spec, ifname);
	return fail(err, errlen, ret, "%s: cannot attach to TAP interface %s: %s (is it a TAP?)",
		    spec, ifname, strerror(-ret));
}

static int
pcap_open(struct eswitch_uplink *u, const char *spec, const char *path, char *err,
	  size_t errlen)
{
	const struct pcap_file_header h = {
		.magic = PCAP_MAGIC, .version_major = 2, .version_minor = 4,
		.snaplen = UPLINK_MAX_FRAME, .linktype = PCAP_LINKTYPE_ETHERNET,
	};
	int ret;

	if (path[0] == '\0')
		return fail(err, errlen, -EINVAL, "%s: expected pcap:<file>", spec);
	u->link_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (u->link_fd < 0)
		return fail(err, errlen, -errno, "%s: cannot write %s: %s", spec, path,
			    strerror(errno));
	if (write(u->link_fd, &h, sizeof(h)) == (ssize_t)sizeof(h))
		return 0;
	ret = errno != 0 ? -errno : -EIO;
	close(u->link_fd);
	u->link_fd = -1;
	return fail(err, errlen, ret, "%s: cannot write %s: %s", spec, path, strerror(-ret));
}

static int
unix_socket(void)
{
	return socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
}

/* The connecting side: 0 when connected, else a negative errno (the peer is not there yet). */
static int
unix_connect(struct eswitch_uplink *u)
{
	int fd = unix_socket();

	if (fd < 0)
		return -errno;
	if (connect(fd, (const struct sockaddr *)&u->addr, sizeof(u->addr)) != 0) {
		int ret = -errno;

		close(fd);
		return ret;
	}
	pthread_mutex_lock(&u->lock);
	u->link_fd = fd;
	u->stats.links_up++;
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static int
unix_open(struct eswitch_uplink *u, const char *spec, const char *path, bool listening,
	  char *err, size_t errlen)
{
	struct stat st;
	char dir[sizeof(u->addr.sun_path)];
	char *slash;
	int ret;

	if (path[0] == '\0' || strlen(path) >= sizeof(u->addr.sun_path))
		return fail(err, errlen, -EINVAL, "%s: socket path must be 1..%zu characters", spec,
			    sizeof(u->addr.sun_path) - 1);
	u->addr.sun_family = AF_UNIX;
	strcpy(u->addr.sun_path, path);
	strcpy(dir, path);
	slash = strrchr(dir, '/');
	if (slash != NULL) {
		*slash = '\0';
		if (dir[0] != '\0' && (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)))
			return fail(err, errlen, -ENOENT, "%s: no such folder %s", spec, dir);
	}
	if (!listening) {
		ret = unix_connect(u);
		/* The listener may come later (or restart): the receive thread keeps trying. */
		if (ret == 0 || ret == -ENOENT || ret == -ECONNREFUSED)
			return 0;
		return fail(err, errlen, ret, "%s: cannot connect: %s", spec, strerror(-ret));
	}
	/* A socket file left by an earlier listener that is gone; anything else is not ours. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return fail(err, errlen, -EEXIST, "%s: %s exists and is not a socket", spec,
				    path);
		unlink(path);
	}
	u->listen_fd = unix_socket();
	if (u->listen_fd < 0)
		return fail(err, errlen, -errno, "%s: socket: %s", spec, strerror(errno));
	if (bind(u->listen_fd, (const struct sockaddr *)&u->addr, sizeof(u->addr)) != 0 ||
	    listen(u->listen_fd, 1) != 0) {
		ret = -errno;
		close(u->listen_fd);
		u->listen_fd = -1;
		return fail(err, errlen, ret, "%s: cannot listen on %s: %s", spec, path,
			    strerror(-ret));
	}
	return 0;
}

/* Closes the link (the peer left, or the TAP failed); the next peer takes its place. */
static void
link_down(struct eswitch_uplink *u)
{
	pthread_mutex_lock(&u->lock);
	close(u->link_fd);
	u->link_fd = -1;
	pthread_mutex_unlock(&u->lock);
}

static void
link_receive(struct eswitch_uplink *u)
{
	ssize_t n;

	if (u->kind == UPLINK_TAP)
		n = read(u->link_fd, u->buf, UPLINK_MAX_FRAME);
	else
		/* MSG_TRUNC: the real length, so an oversized message is seen and dropped. */
		n = recv(u->link_fd, u->buf, UPLINK_MAX_FRAME, MSG_TRUNC | MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The peer closed, or the TAP went away (interface deleted). */
		link_down(u);
		return;
	}
	if ((size_t)n > UPLINK_MAX_FRAME)
		return;
	pthread_mutex_lock(&u->lock);
	u->stats.rx_frames++;
	pthread_mutex_unlock(&u->lock);
	u->rx(u->rx_ctx, u->buf, (size_t)n);
}

/*
 * The receive thread: blocks in poll() on the stop eventfd, the link and (listening) the
 * listening socket, so an idle link costs nothing; only a connecting UNIX link without its
 * peer wakes, every RECONNECT_MS, to try again.
 */
static void *
receive_main(void *arg)
{
	struct eswitch_uplink *u = arg;

	for (;;) {
		struct pollfd pfd[3] = { { .fd = u->stop_fd, .events = POLLIN } };
		nfds_t n = 1;
		int link_at = -1, listen_at = -1, timeout = -1;

		/* link_fd changes only on this thread: reading it without the lock is safe. */
		if (u->link_fd < 0 && u->kind == UPLINK_UNIX_CONNECT && unix_connect(u) != 0)
			timeout = RECONNECT_MS;
		if (u->link_fd >= 0) {
			link_at = (int)n;
			pfd[n++] = (struct pollfd){ .fd = u->link_fd, .events = POLLIN };
		}
		if (u->listen_fd >= 0) {
			listen_at = (int)n;
			pfd[n++] = (struct pollfd){ .fd = u->listen_fd, .events = POLLIN };
		}
		if (u->link_fd < 0 && u->kind == UPLINK_TAP)
			break;	/* the TAP failed: nothing more will come */
		if (poll(pfd, n, timeout) < 0 && errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			break;
		if (link_at >= 0 && pfd[link_at].revents != 0)
			link_receive(u);
		if (listen_at >= 0 && (pfd[listen_at].revents & POLLIN)) {
			int fd = accept4(u->listen_fd, NULL, NULL, SOCK_CLOEXEC);

			/* A new peer replaces the old one: it reconnected, the old link is stale. */
			if (fd >= 0) {
				pthread_mutex_lock(&u->lock);
				if (u->link_fd >= 0)
					close(u->link_fd);
				u->link_fd = fd;
				u->stats.links_up++;
				pthread_mutex_unlock(&u->lock);
			}
		}
	}
	return NULL;
}

static const struct {
	const char *prefix;
	enum uplink_kind kind;
} uplink_kinds[] = {
	{ "tap:", UPLINK_TAP },
	{ "pcap:", UPLINK_PCAP },
	{ "unix:listen:", UPLINK_UNIX_LISTEN },
	{ "unix:connect:", UPLINK_UNIX_CONNECT },
};

int
eswitch_uplink_create(const char *spec, eswitch_uplink_rx_t rx, void *ctx,
		      struct eswitch_uplink **out, char *err, size_t errlen)
{
	struct eswitch_uplink *u;
	const char *arg = NULL;
	int ret;

	if (spec == NULL || rx == NULL || out == NULL)
		return -EINVAL;
	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return -ENOMEM;
	u->rx = rx;
	u->rx_ctx = ctx;
	u->link_fd = -1;
	u->listen_fd = -1;
	u->stop_fd = -1;
	pthread_mutex_init(&u->lock, NULL);
	if (strcmp(spec, "loopback") == 0) {
		u->kind = UPLINK_LOOPBACK;
	} else {
		for (size_t i = 0; i < sizeof(uplink_kinds) / sizeof(uplink_kinds[0]); i++)
			if (strncmp(spec, uplink_kinds[i].prefix, strlen(uplink_kinds[i].prefix)) == 0) {
				u->kind = uplink_kinds[i].kind;
				arg = spec + strlen(uplink_kinds[i].prefix);
			}
		if (arg == NULL) {
			ret = fail(err, errlen, -EINVAL, "%s: expected loopback, tap:<ifname>, "
				   "pcap:<file>, unix:listen:<path> or unix:connect:<path>", spec);
			goto err_free;
		}
	}
	switch (u->kind) {
	case UPLINK_TAP:
		ret = tap_open(u, spec, arg, err, errlen);
		break;
	case UPLINK_PCAP:
		ret = pcap_open(u, spec, arg, err, errlen);
		break;
	case UPLINK_UNIX_LISTEN:
	case UPLINK_UNIX_CONNECT:
		ret = unix_open(u, spec, arg, u->kind == UPLINK_UNIX_LISTEN, err, errlen);
		break;
	default:
		ret = 0;
		break;
	}
	if (ret != 0)
		goto err_free;
	if (u->kind == UPLINK_TAP || u->kind == UPLINK_UNIX_LISTEN ||
	    u->kind == UPLINK_UNIX_CONNECT) {
		u->buf = malloc(UPLINK_MAX_FRAME);
		u->stop_fd = eventfd(0, EFD_CLOEXEC);
		if (u->buf == NULL || u->stop_fd < 0) {
			ret = fail(err, errlen, -ENOMEM, "%s: out of memory", spec);
			goto err_close;
		}
		ret = -pthread_create(&u->thread, NULL, receive_main, u);
		if (ret != 0) {
			fail(err, errlen, ret, "%s: cannot start its thread: %s", spec,
			     strerror(-ret));
			goto err_close;
		}
		u->thread_started = true;
	}
	*out = u;
	return 0;

err_close:
	eswitch_uplink_destroy(u);
	return ret;
err_free:
	pthread_mutex_destroy(&u->lock);
	free(u);
	return ret;
}

void
eswitch_uplink_destroy(struct eswitch_uplink *u)
{
	if (u == NULL)
		return;
	if (u->thread_started) {
		uint64_t one = 1;

		if (write(u->stop_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			abort();	/* an eventfd write of 1 cannot fail: the thread would hang */
		pthread_join(u->thread, NULL);
	}
	if (u->link_fd >= 0)
		close(u->link_fd);
	if (u->listen_fd >= 0) {
		close(u->listen_fd);
		unlink(u->addr.sun_path);
	}
	if (u->stop_fd >= 0)
		close(u->stop_fd);
	free(u->buf);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

static int
pcap_append(int fd, const uint8_t *frame, size_t len)
{
	struct timeval now;
	struct pcap_record_header h;
	struct iovec iov[2];

	gettimeofday(&now, NULL);
	h = (struct pcap_record_header){
		.ts_sec = (uint32_t)now.tv_sec, .ts_usec = (uint32_t)now.tv_usec,
		.incl_len = (uint32_t)len, .orig_len = (uint32_t)len,
	};
	iov[0] = (struct iovec){ .iov_base = &h, .iov_len = sizeof(h) };
	iov[1] = (struct iovec){ .iov_base = (void *)(uintptr_t)frame, .iov_len = len };
	return writev(fd, iov, 2) == (ssize_t)(sizeof(h) + len) ? 0 : -EIO;
}

void
eswitch_uplink_send(struct eswitch_uplink *u, const uint8_t *frame, size_t len)
{
	int ret = -ENOTCONN;

	pthread_mutex_lock(&u->lock);
	if (u->link_fd >= 0 && len <= UPLINK_MAX_FRAME) {
		switch (u->kind) {
		case UPLINK_TAP:
			ret = write(u->link_fd, frame, len) == (ssize_t)len ? 0 : -EIO;
			break;
		case UPLINK_PCAP:
			ret = pcap_append(u->link_fd, frame, len);
			break;
		default:
			ret = send(u->link_fd, frame, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
			      (ssize_t)len ? 0 : -EIO;
			break;
		}
	}
	if (ret == 0)
		u->stats.tx_frames++;
	else
		u->stats.tx_dropped++;
	pthread_mutex_unlock(&u->lock);
}

void
eswitch_uplink_get_stats(struct eswitch_uplink *u, struct eswitch_uplink_stats *s)
{
	pthread_mutex_lock(&u->lock);
	*s = u->stats;
	pthread_mutex_unlock(&u->lock);
}
