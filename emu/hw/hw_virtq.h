/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emulated hardware's virtq engine: what the NIC does with a RDY virtq, on split or packed
 * rings. TX queues (odd index) gather each available descriptor chain into a frame, strip the
 * virtio-net header and hand the frame on; RX queues (even index) scatter a frame, behind a
 * virtio-net header, into the next available chain (or, with MRG_RXBUF, as many chains as it
 * takes). Guest memory is reached only through the DMA ops, and a hostile ring moves the queue
 * to an error state with the PRM's counter for it, never touching anything map() did not return.
 *
 * Not thread-safe: one engine thread (or a test) drives a queue at a time.
 */
#ifndef EMU_HW_VIRTQ_H
#define EMU_HW_VIRTQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Guest memory as the device sees it (in production: through the virtq's memory key). */
struct hw_dma_ops {
	/*
	 * The host address of [addr, addr + len) when all of it is mapped contiguously with the
	 * right to read (write = false) or write it; NULL otherwise.
	 */
	void *(*map)(void *ctx, uint64_t addr, size_t len, bool write);
};

/* The ring layout (virtio 1.1, 2.6 and 2.7); the values are the PRM's virtio_q_type. */
enum hw_virtq_format {
	HW_VIRTQ_SPLIT = 0,
	HW_VIRTQ_PACKED = 1,
};

/* Packed rings' indices: the ring slot in bits 0-14, the wrap counter in bit 15. */
#define HW_VIRTQ_PACKED_WRAP 0x8000u

struct hw_virtq_config {
	uint16_t index;			/* odd: TX (guest to wire), even: RX */
	uint16_t size;			/* power of two; packed: at most 32768 */
	enum hw_virtq_format format;	/* zero: split */
	/*
	 * Guest addresses of the three ring parts. Split: descriptor table, available ring, used
	 * ring. Packed: descriptor ring, driver event suppression area, device event suppression
	 * area.
	 */
	uint64_t desc;
	uint64_t avail;
	uint64_t used;
	/*
	 * Where the device starts: hw_available_index and hw_used_index. Split: free-running
	 * 16-bit counters. Packed: slot | wrap counter (HW_VIRTQ_PACKED_WRAP), as vhost's
	 * rte_vhost_get_vring_base() reports them.
	 */
	uint16_t avail_idx;
	uint16_t used_idx;
	uint16_t hdr_len;		/* virtio-net header: 12 (VERSION_1 or MRG_RXBUF) or 10 */
	bool mrg_rxbuf;			/* MRG_RXBUF negotiated (needs hdr_len 12) */
	const struct hw_dma_ops *dma;
	void *dma_ctx;
	/*
	 * Called after chains were completed, and on every engine pass (the firmware reports
	 * completions to the driver as the queue's moderation allows): cheap when nothing changed.
	 */
	void (*notify)(void *ctx);
	/* Called once, when the engine puts the queue in error (an event for the driver). */
	void (*error)(void *ctx);
	void *notify_ctx;		/* for both hooks */
	/*
	 * Fault injection: the queue fails (a completion error) at its first TX poll or RX
	 * delivery from this CLOCK_MONOTONIC time on, in ns; 0 never.
	 */
	uint64_t fail_at_ns;
};

/* The emulator's clock: CLOCK_MONOTONIC in ns (fail_at_ns and the firmware's timings use it). */
static inline uint64_t
hw_clock_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* The PRM's virtio_q_counters. */
struct hw_virtq_counters {
	uint64_t received_desc;		/* chains taken from the available ring */
	uint64_t completed_desc;	/* chains returned in the used ring */
	uint32_t error_cqes;
	uint32_t bad_desc_errors;	/* descriptor or ring address not mapped, bad flags/index/id */
	uint32_t exceed_max_chain;	/* chain longer than the queue (a loop) */
	uint32_t invalid_buffer;	/* RX frame larger than its chain (MRG_RXBUF: the ring) */
};

struct hw_virtq;

/* Largest frame a queue carries (64 KiB TSO frame plus header room). */
#define HW_VIRTQ_MAX_FRAME (64u * 1024 + 64)

int hw_virtq_create(const struct hw_virtq_config *cfg, struct hw_virtq **q);
void hw_virtq_destroy(struct hw_virtq *q);

/* Receives a frame; it must copy what it keeps (the buffer is reused at once). */
typedef void (*hw_frame_out_t)(void *ctx, const uint8_t *frame, size_t len);

/*
 * TX: takes up to `budget` available chains, hands each frame (header stripped) to out(), and
 * returns them in the used ring. Returns the number of chains completed, or -EIO when the ring
 * is hostile (the queue is then in error and stays so), -ENOMEM when its first call finds no
 * memory for the queue's gather buffer (nothing taken: a later call tries again).
 */
int hw_virtq_tx_poll(struct hw_virtq *q, unsigned int budget, hw_frame_out_t out, void *ctx);

/*
 * RX: writes a virtio-net header and the frame into the next available chain; with MRG_RXBUF
 * into as many chains as the frame needs, num_buffers telling how many (1 otherwise).
 * 0 on success; -ENOBUFS when the frame is dropped: no chain (or, with MRG_RXBUF, too few)
 * available, nothing taken; or, without MRG_RXBUF, the chain too small, returned empty and
 * counted as invalid_buffer. -EIO when the ring is hostile (queue in error); -ENOMEM when its
 * first call finds no memory for the queue's chain list (the frame dropped, nothing taken).
 */
int hw_virtq_rx_push(struct hw_virtq *q, const uint8_t *frame, size_t len);

/* True when the guest made chains available that the device has not taken yet. */
bool hw_virtq_pending(const struct hw_virtq *q);
bool hw_virtq_failed(const struct hw_virtq *q);
uint16_t hw_virtq_index(const struct hw_virtq *q);
/* Signals completions through the queue's notify hook, if it has one. */
void hw_virtq_notify(const struct hw_virtq *q);
/* The device's positions, encoded as hw_virtq_config's avail_idx and used_idx. */
void hw_virtq_indices(const struct hw_virtq *q, uint16_t *avail_idx, uint16_t *used_idx);
void hw_virtq_get_counters(const struct hw_virtq *q, struct hw_virtq_counters *c);

#endif /* EMU_HW_VIRTQ_H */
