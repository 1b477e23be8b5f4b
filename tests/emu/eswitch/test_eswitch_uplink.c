/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The embedded switch with an uplink: two functions, each a small in-test virtio guest with one
 * TX and one RX queue, on a NIC whose engine thread runs; the uplink is a UNIX link whose other
 * end is this test's socket (the "wire"), a pcap file, or a second NIC in this process.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "eswitch_uplink.h"
#include "hw_nic.h"
#include "hw_virtq.h"

#define GPA 0x100000ull		/* guest address of a port's memory */
#define MEM_SIZE 0x10000u
#define QSIZE 8u
#define BUF_SIZE 2048u
#define HDR 12u
#define ETHERTYPE 0x88b5	/* IEEE local experimental: nothing else sends it */

/* A ring's parts and buffers, as offsets in its guest's memory. */
struct ring {
	uint32_t desc, avail, used, bufs;
	uint16_t avail_idx;
};

/* One function's driver: TX queue 1 and RX queue 0 in one block of memory. */
struct guest {
	uint8_t mem[MEM_SIZE];
	struct ring tx, rx;
	struct hw_virtq *txq, *rxq;
};

static void *
guest_map(void *ctx, uint64_t addr, size_t len, bool write)
{
	struct guest *g = ctx;

	(void)write;
	if (addr < GPA || len > MEM_SIZE || addr - GPA > MEM_SIZE - len)
		return NULL;
	return g->mem + (addr - GPA);
}

static const struct hw_dma_ops guest_dma = { .map = guest_map };

static uint16_t
read16(const struct guest *g, uint32_t off)
{
	/* The engine thread writes the used ring; an acquiring load (not a fence: ThreadSanitizer
	 * builds refuse fences) orders what it published before. */
	return __atomic_load_n((const uint16_t *)(g->mem + off), __ATOMIC_ACQUIRE);
}

/* Offers buffer `slot` of the ring: device-readable `len` bytes (TX) or writable (RX). */
static void
post(struct guest *g, struct ring *r, uint16_t slot, uint32_t len, bool writable)
{
	uint64_t addr = GPA + r->bufs + slot * BUF_SIZE;
	uint16_t flags = writable ? 2 : 0, zero = 0;
	uint8_t *d = g->mem + r->desc + 16u * slot;

	memcpy(d, &addr, 8);
	memcpy(d + 8, &len, 4);
	memcpy(d + 12, &flags, 2);
	memcpy(d + 14, &zero, 2);
	memcpy(g->mem + r->avail + 4 + 2 * (r->avail_idx % QSIZE), &slot, 2);
	r->avail_idx++;
	/* The descriptor and ring entry before the index that publishes them. */
	__atomic_store_n((uint16_t *)(g->mem + r->avail + 2), r->avail_idx, __ATOMIC_RELEASE);
}

static struct hw_virtq *
ring_queue(struct guest *g, struct ring *r, uint16_t index)
{
	struct hw_virtq_config cfg = {
		.index = index, .size = QSIZE, .desc = GPA + r->desc, .avail = GPA + r->avail,
		.used = GPA + r->used, .hdr_len = HDR, .dma = &guest_dma, .dma_ctx = g,
	};
	struct hw_virtq *q = NULL;

	assert_int_equal(hw_virtq_create(&cfg, &q), 0);
	return q;
}

/* The guest of `port`, its RX ring full of empty buffers, both queues attached. */
static struct guest *
guest_attach(struct hw_nic *nic, unsigned int port)
{
	struct guest *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	g->tx = (struct ring){ .desc = 0x0, .avail = 0x1000, .used = 0x2000, .bufs = 0x4000 };
	g->rx = (struct ring){ .desc = 0x3000, .avail = 0x3400, .used = 0x3800, .bufs = 0x8000 };
	g->txq = ring_queue(g, &g->tx, 1);
	g->rxq = ring_queue(g, &g->rx, 0);
	for (uint16_t i = 0; i < QSIZE; i++)
		post(g, &g->rx, i, BUF_SIZE, true);
	assert_int_equal(hw_nic_add_queue(nic, port, 2 * port + 1, g->txq), 0);
	assert_int_equal(hw_nic_add_queue(nic, port, 2 * port, g->rxq), 0);
	return g;
}

static void
guest_detach(struct hw_nic *nic, unsigned int port, struct guest *g)
{
	hw_nic_remove_queue(nic, port, g->txq);
	hw_nic_remove_queue(nic, port, g->rxq);
	hw_virtq_destroy(g->txq);
	hw_virtq_destroy(g->rxq);
	free(g);
}

static const uint8_t mac_a[6] = { 2, 0, 0, 0, 0, 0xa };
static const uint8_t mac_b[6] = { 2, 0, 0, 0, 0, 0xb };
static const uint8_t mac_outside[6] = { 2, 0, 0, 0, 0, 0x99 };
static const uint8_t broadcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

/* A test frame: dst, src, ETHERTYPE, then `len - 14` bytes counting from `seq`. */
static size_t
make_frame(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint8_t seq, size_t len)
{
	memcpy(f, dst, 6);
	memcpy(f + 6, src, 6);
	f[12] = ETHERTYPE >> 8;
	f[13] = ETHERTYPE & 0xff;
	for (size_t i = 14; i < len; i++)
		f[i] = (uint8_t)(seq + i);
	return len;
}

static bool
wait_used(const struct guest *g, const struct ring *r, uint16_t n)
{
	for (int i = 0; i < 2000; i++) {
		if (read16(g, r->used + 2) == n)
			return true;
		usleep(1000);
	}
	return false;
}

/* The guest sends a frame and waits until its TX queue completed it. */
static void
guest_send(struct guest *g, const uint8_t *frame, size_t len)
{
	uint16_t slot = g->tx.avail_idx % QSIZE;

	memset(g->mem + g->tx.bufs + slot * BUF_SIZE, 0, HDR);
	memcpy(g->mem + g->tx.bufs + slot * BUF_SIZE + HDR, frame, len);
	post(g, &g->tx, slot, (uint32_t)(HDR + len), false);
	assert_true(wait_used(g, &g->tx, g->tx.avail_idx));
}

/* Frames the guest received so far (its RX used index; at most QSIZE in a test). */
static uint16_t
guest_received(const struct guest *g)
{
	return read16(g, g->rx.used + 2);
}

/* The n-th received frame (from 0) equals `frame`. */
static void
assert_received(const struct guest *g, uint16_t n, const uint8_t *frame, size_t len)
{
	uint32_t id, got;

	memcpy(&id, g->mem + g->rx.used + 4 + 8 * n, 4);
	memcpy(&got, g->mem + g->rx.used + 8 + 8 * n, 4);
	assert_int_equal(got, HDR + len);
	assert_memory_equal(g->mem + g->rx.bufs + id * BUF_SIZE + HDR, frame, len);
}

struct fixture {
	char dir[64];
	char path[128];
	struct hw_nic *nic;
	struct guest *a, *b;
	int wire;		/* the test's end of the UNIX link */
};

static struct hw_nic *
nic_of_two(const uint8_t *mac0, const uint8_t *mac1)
{
	uint8_t macs[2][6];
	struct hw_nic *nic = NULL;

	memcpy(macs[0], mac0, 6);
	memcpy(macs[1], mac1, 6);
	assert_int_equal(hw_nic_create(2, (const uint8_t (*)[6])macs, &nic), 0);
	return nic;
}

/* Waits until the NIC's uplink saw `n` links come up. */
static void
wait_links_up(struct hw_nic *nic, uint64_t n)
{
	struct eswitch_uplink_stats us;

	for (int i = 0; i < 2000; i++) {
		hw_nic_uplink_stats(nic, &us);
		if (us.links_up >= n)
			return;
		usleep(1000);
	}
	fail_msg("uplink: %lu links up, expected %lu", (unsigned long)us.links_up,
		 (unsigned long)n);
}

static int
wire_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	strcpy(sa.sun_path, path);
	assert_true(fd >= 0);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

/* Functions A (port 0) and B (port 1); the uplink listens on a UNIX socket the test joins. */
static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	strcpy(f->dir, "/tmp/eswitch_uplink.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "unix:listen:%s/wire", f->dir);
	f->nic = nic_of_two(mac_a, mac_b);
	assert_int_equal(hw_nic_set_uplink(f->nic, f->path, err, sizeof(err)), 0);
	f->wire = wire_connect(f->path + strlen("unix:listen:"));
	wait_links_up(f->nic, 1);
	f->a = guest_attach(f->nic, 0);
	f->b = guest_attach(f->nic, 1);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	struct stat st;

	guest_detach(f->nic, 0, f->a);
	guest_detach(f->nic, 1, f->b);
	hw_nic_destroy(f->nic);
	/* The listener removed its socket file. */
	assert_int_not_equal(stat(f->path + strlen("unix:listen:"), &st), 0);
	close(f->wire);
	assert_int_equal(rmdir(f->dir), 0);
	free(f);
	return 0;
}

/* The next frame on the wire within 2 s; its length, or -1. */
static ssize_t
wire_recv(int fd, uint8_t *buf, size_t len)
{
	struct timeval tv = { .tv_sec = 2 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return recv(fd, buf, len, 0);
}

static void
assert_wire_empty(int fd)
{
	uint8_t buf[64];

	assert_int_equal(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), -1);
	assert_int_equal(errno, EAGAIN);
}

static void
unknown_unicast_goes_to_the_uplink_only(void **state)
{
	struct fixture *f = *state;
	struct eswitch_uplink_stats us;
	struct hw_nic_port_stats ps;
	uint8_t frame[100], got[200];
	size_t len = make_frame(frame, mac_outside, mac_a, 1, 100);

	guest_send(f->a, frame, len);
	assert_int_equal(wire_recv(f->wire, got, sizeof(got)), (ssize_t)len);
	assert_memory_equal(got, frame, len);
	assert_int_equal(guest_received(f->b), 0);
	assert_int_equal(guest_received(f->a), 0);
	hw_nic_uplink_stats(f->nic, &us);
	assert_int_equal(us.tx_frames, 1);
	assert_int_equal(us.tx_dropped, 0);
	hw_nic_port_stats(f->nic, 0, &ps);
	assert_int_equal(ps.tx_frames, 1);
	assert_wire_empty(f->wire);
}

static void
known_unicast_stays_inside_the_nic(void **state)
{
	struct fixture *f = *state;
	uint8_t frame[80];
	size_t len = make_frame(frame, mac_b, mac_a, 2, 80);

	guest_send(f->a, frame, len);
	assert_true(wait_used(f->b, &f->b->rx, 1));
	assert_received(f->b, 0, frame, len);
	/* The switch decided under its lock before B's used index moved: nothing went out. */
	assert_wire_empty(f->wire);
	assert_int_equal(guest_received(f->a), 0);
}

static void
broadcast_floods_the_other_function_and_the_uplink(void **state)
{
	struct fixture *f = *state;
	uint8_t frame[64], got[200];
	size_t len = make_frame(frame, broadcast, mac_a, 3, 64);
	struct hw_nic_port_stats ps;

	frame[0] = 0x01;	/* a multicast address floods the same way */
	guest_send(f->a, frame, len);
	memcpy(frame, broadcast, 6);
	guest_send(f->a, frame, len);
	assert_true(wait_used(f->b, &f->b->rx, 2));
	assert_received(f->b, 1, frame, len);
	assert_int_equal(wire_recv(f->wire, got, sizeof(got)), (ssize_t)len);
	assert_int_equal(got[0], 0x01);
	assert_int_equal(wire_recv(f->wire, got, sizeof(got)), (ssize_t)len);
	assert_memory_equal(got, frame, len);
	/* Never back to the sender. */
	assert_int_equal(guest_received(f->a), 0);
	hw_nic_port_stats(f->nic, 0, &ps);
	assert_int_equal(ps.rx_frames + ps.rx_dropped, 0);
}

static void
frames_from_the_uplink_are_steered_by_destination_mac(void **state)
{
	struct fixture *f = *state;
	uint8_t to_b[70], to_all[60], to_nobody[60];
	struct eswitch_uplink_stats us;
	struct hw_nic_port_stats ps;

	make_frame(to_b, mac_b, mac_outside, 4, sizeof(to_b));
	make_frame(to_all, broadcast, mac_outside, 5, sizeof(to_all));
	make_frame(to_nobody, mac_outside, mac_outside, 6, sizeof(to_nobody));
	assert_int_equal(send(f->wire, to_b, sizeof(to_b), 0), (ssize_t)sizeof(to_b));
	assert_int_equal(send(f->wire, to_nobody, sizeof(to_nobody), 0), (ssize_t)sizeof(to_nobody));
	assert_int_equal(send(f->wire, to_all, sizeof(to_all), 0), (ssize_t)sizeof(to_all));
	assert_true(wait_used(f->b, &f->b->rx, 2));
	assert_true(wait_used(f->a, &f->a->rx, 1));
	assert_received(f->b, 0, to_b, sizeof(to_b));
	assert_received(f->b, 1, to_all, sizeof(to_all));
	assert_received(f->a, 0, to_all, sizeof(to_all));
	hw_nic_uplink_stats(f->nic, &us);
	assert_int_equal(us.rx_frames, 3);
	/* Unknown unicast from the wire goes nowhere, the wire's broadcast not back to it. */
	assert_int_equal(us.tx_frames, 0);
	assert_wire_empty(f->wire);
	hw_nic_port_stats(f->nic, 0, &ps);
	assert_int_equal(ps.rx_frames, 1);
	hw_nic_port_stats(f->nic, 1, &ps);
	assert_int_equal(ps.rx_frames, 2);
}

static void
a_reconnected_peer_replaces_the_old_one(void **state)
{
	struct fixture *f = *state;
	uint8_t frame[60], got[100];
	size_t len = sizeof(frame);
	int second = wire_connect(f->path + strlen("unix:listen:"));

	wait_links_up(f->nic, 2);
	make_frame(frame, mac_b, mac_outside, 7, len);
	assert_int_equal(send(second, frame, len, 0), (ssize_t)len);
	assert_true(wait_used(f->b, &f->b->rx, 1));
	make_frame(frame, mac_outside, mac_a, 8, len);
	guest_send(f->a, frame, len);
	assert_int_equal(wire_recv(second, got, sizeof(got)), (ssize_t)len);
	assert_memory_equal(got, frame, len);
	/* The old peer was closed by the NIC: it reads the end of the link. */
	assert_int_equal(wire_recv(f->wire, got, sizeof(got)), 0);
	close(second);
}

/* ---- pcap ---- */

static uint32_t
u32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static void
pcap_file_holds_exactly_the_frames_sent_to_the_uplink(void **state)
{
	char dir[] = "/tmp/eswitch_pcap.XXXXXX", path[64], spec[80], err[256];
	uint8_t f1[60], f2[1514], inside[60], file[4096];
	struct hw_nic *nic = nic_of_two(mac_a, mac_b);
	struct guest *a, *b;
	struct timeval t0, t1;
	ssize_t n;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/up.pcap", dir);
	snprintf(spec, sizeof(spec), "pcap:%s", path);
	assert_int_equal(hw_nic_set_uplink(nic, spec, err, sizeof(err)), 0);
	a = guest_attach(nic, 0);
	b = guest_attach(nic, 1);
	make_frame(f1, mac_outside, mac_a, 9, sizeof(f1));
	make_frame(f2, broadcast, mac_a, 10, sizeof(f2));
	make_frame(inside, mac_b, mac_a, 11, sizeof(inside));
	gettimeofday(&t0, NULL);
	guest_send(a, f1, sizeof(f1));
	guest_send(a, inside, sizeof(inside));	/* stays inside: not in the file */
	guest_send(a, f2, sizeof(f2));
	gettimeofday(&t1, NULL);
	guest_detach(nic, 0, a);
	guest_detach(nic, 1, b);
	hw_nic_destroy(nic);

	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	n = read(fd, file, sizeof(file));
	close(fd);
	assert_int_equal(n, 24 + 16 + sizeof(f1) + 16 + sizeof(f2));
	/* Global header: magic, version 2.4, zone 0, sigfigs 0, snaplen, LINKTYPE_ETHERNET. */
	assert_int_equal(u32_at(file), 0xa1b2c3d4);
	assert_int_equal(file[4] | file[5] << 8, 2);
	assert_int_equal(file[6] | file[7] << 8, 4);
	assert_int_equal(u32_at(file + 8), 0);
	assert_int_equal(u32_at(file + 12), 0);
	assert_true(u32_at(file + 16) >= 65535);
	assert_int_equal(u32_at(file + 20), 1);
	for (int i = 0, off = 24; i < 2; i++) {
		const uint8_t *frame = i == 0 ? f1 : f2;
		uint32_t len = i == 0 ? sizeof(f1) : sizeof(f2);
		uint64_t ts = (uint64_t)u32_at(file + off) * 1000000 + u32_at(file + off + 4);

		assert_true(ts >= (uint64_t)t0.tv_sec * 1000000 + (uint64_t)t0.tv_usec);
		assert_true(ts <= (uint64_t)t1.tv_sec * 1000000 + (uint64_t)t1.tv_usec);
		assert_int_equal(u32_at(file + off + 8), len);
		assert_int_equal(u32_at(file + off + 12), len);
		assert_memory_equal(file + off + 16, frame, len);
		off += 16 + (int)len;
	}
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- two NICs ---- */

static void
two_nics_joined_by_a_unix_link_exchange_frames(void **state)
{
	static const uint8_t mac_c[6] = { 2, 0, 0, 0, 1, 0xc }, mac_d[6] = { 2, 0, 0, 0, 1, 0xd };
	char dir[] = "/tmp/eswitch_link.XXXXXX", listen[80], connect[80], err[256];
	struct hw_nic *one = nic_of_two(mac_a, mac_b), *two = nic_of_two(mac_c, mac_d);
	struct guest *a, *b, *c, *d;
	uint8_t frame[200];
	struct eswitch_uplink_stats us;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(listen, sizeof(listen), "unix:listen:%s/link", dir);
	snprintf(connect, sizeof(connect), "unix:connect:%s/link", dir);
	/* The connecting side first: it keeps trying until the listener is there. */
	assert_int_equal(hw_nic_set_uplink(two, connect, err, sizeof(err)), 0);
	assert_int_equal(hw_nic_set_uplink(one, listen, err, sizeof(err)), 0);
	a = guest_attach(one, 0);
	b = guest_attach(one, 1);
	c = guest_attach(two, 0);
	d = guest_attach(two, 1);
	wait_links_up(one, 1);
	wait_links_up(two, 1);
	make_frame(frame, mac_a, mac_d, 12, sizeof(frame));
	guest_send(d, frame, sizeof(frame));
	assert_true(wait_used(a, &a->rx, 1));
	assert_received(a, 0, frame, sizeof(frame));
	/* A -> D, and a broadcast from B reaches C and D (and A, its own NIC). */
	make_frame(frame, mac_d, mac_a, 13, sizeof(frame));
	guest_send(a, frame, sizeof(frame));
	assert_true(wait_used(d, &d->rx, 1));
	assert_received(d, 0, frame, sizeof(frame));
	make_frame(frame, broadcast, mac_b, 14, 60);
	guest_send(b, frame, 60);
	assert_true(wait_used(c, &c->rx, 1));
	assert_true(wait_used(d, &d->rx, 2));
	assert_true(wait_used(a, &a->rx, 2));
	assert_received(c, 0, frame, 60);
	assert_received(d, 1, frame, 60);
	assert_int_equal(guest_received(b), 0);
	hw_nic_uplink_stats(one, &us);
	assert_int_equal(us.tx_frames, 2);
	assert_int_equal(us.rx_frames, 1);

	guest_detach(one, 0, a);
	guest_detach(one, 1, b);
	guest_detach(two, 0, c);
	guest_detach(two, 1, d);
	hw_nic_destroy(two);
	hw_nic_destroy(one);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- configuration errors and idle cost ---- */

static void
nothing(void *ctx, const uint8_t *frame, size_t len)
{
	(void)ctx; (void)frame; (void)len;
}

static void
bad_specs_fail_with_a_message_naming_them(void **state)
{
	static const struct {
		const char *spec;
		int ret;
		const char *says;
	} cases[] = {
		{ "ethernet", -EINVAL, "ethernet: expected loopback, tap:<ifname>" },
		{ "tap:", -EINVAL, "tap:: interface name must be" },
		{ "tap:a-name-longer-than-15", -EINVAL, "interface name must be 1..15" },
		{ "pcap:/nonexistent-folder/up.pcap", -ENOENT,
		  "pcap:/nonexistent-folder/up.pcap: cannot write /nonexistent-folder/up.pcap" },
		{ "unix:connect:/nonexistent-folder/s", -ENOENT, "no such folder /nonexistent-folder" },
		{ "unix:listen:/etc/hostname", -EEXIST, "/etc/hostname exists and is not a socket" },
		{ "unix:", -EINVAL, "expected loopback" },
	};
	struct eswitch_uplink *u = NULL;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(eswitch_uplink_create(cases[i].spec, nothing, NULL, &u, err,
						       sizeof(err)), cases[i].ret);
		if (strstr(err, cases[i].says) == NULL)
			fail_msg("%s: '%s' does not say '%s'", cases[i].spec, err, cases[i].says);
	}
}

static void
loopback_counts_and_drops(void **state)
{
	struct eswitch_uplink *u = NULL;
	struct eswitch_uplink_stats s;
	uint8_t frame[60];

	(void)state;
	assert_int_equal(eswitch_uplink_create("loopback", nothing, NULL, &u, NULL, 0), 0);
	eswitch_uplink_send(u, frame, make_frame(frame, mac_outside, mac_a, 0, 60));
	eswitch_uplink_get_stats(u, &s);
	assert_int_equal(s.tx_frames, 0);
	assert_int_equal(s.tx_dropped, 1);
	eswitch_uplink_destroy(u);
}

static double
cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Idle links block in poll(): a listener and a connector without peers use almost no CPU. */
static void
idle_links_do_not_burn_a_core(void **state)
{
	char dir[] = "/tmp/eswitch_idle.XXXXXX", spec[80];
	struct eswitch_uplink *listener = NULL, *connector = NULL;
	double used;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(spec, sizeof(spec), "unix:listen:%s/s", dir);
	assert_int_equal(eswitch_uplink_create(spec, nothing, NULL, &listener, NULL, 0), 0);
	snprintf(spec, sizeof(spec), "unix:connect:%s/nobody", dir);
	assert_int_equal(eswitch_uplink_create(spec, nothing, NULL, &connector, NULL, 0), 0);
	used = cpu_seconds();
	usleep(500000);
	used = cpu_seconds() - used;
	eswitch_uplink_destroy(connector);
	eswitch_uplink_destroy(listener);
	assert_int_equal(rmdir(dir), 0);
	/* Generous: a busy thread would use the whole 0.5 s. */
	if (used > 0.05)
		fail_msg("idle uplinks used %.3f s of CPU in 0.5 s", used);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(unknown_unicast_goes_to_the_uplink_only, setup,
						teardown),
		cmocka_unit_test_setup_teardown(known_unicast_stays_inside_the_nic, setup, teardown),
		cmocka_unit_test_setup_teardown(broadcast_floods_the_other_function_and_the_uplink,
						setup, teardown),
		cmocka_unit_test_setup_teardown(frames_from_the_uplink_are_steered_by_destination_mac,
						setup, teardown),
		cmocka_unit_test_setup_teardown(a_reconnected_peer_replaces_the_old_one, setup,
						teardown),
		cmocka_unit_test(pcap_file_holds_exactly_the_frames_sent_to_the_uplink),
		cmocka_unit_test(two_nics_joined_by_a_unix_link_exchange_frames),
		cmocka_unit_test(bad_specs_fail_with_a_message_naming_them),
		cmocka_unit_test(loopback_counts_and_drops),
		cmocka_unit_test(idle_links_do_not_burn_a_core),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
