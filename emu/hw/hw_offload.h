/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Transmit offloads the device performs on what the driver's virtio-net header asks for
 * (virtio 1.x, 5.1.6.2): the checksum of a partially summed packet (NEEDS_CSUM) and TCP
 * segmentation (GSO TCPv4/TCPv6) into frames of gso_size payload bytes, each with correct IP
 * lengths, IPv4 id and header checksum, TCP sequence number, flags and checksum. Received frames
 * always arrive whole and fully checksummed, so the RX header stays empty.
 */
#ifndef EMU_HW_OFFLOAD_H
#define EMU_HW_OFFLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "hw_virtq.h"

/* Fields of the virtio-net header (the first 10 bytes, little-endian in virtio 1.x). */
#define VNET_HDR_F_NEEDS_CSUM 1
#define VNET_HDR_GSO_NONE 0
#define VNET_HDR_GSO_TCPV4 1
#define VNET_HDR_GSO_TCPV6 4
#define VNET_HDR_GSO_ECN 0x80

/*
 * Applies the offloads `hdr` asks for to `frame` (len bytes, changed in place) and hands the
 * resulting frame(s) to out(). Returns how many frames went out, or -EINVAL when the header
 * asks for something the device refuses (checksum outside the frame, another GSO type, headers
 * it cannot parse, a segment size of 0): the frame is then dropped.
 */
int hw_offload_tx(const uint8_t hdr[10], uint8_t *frame, size_t len, hw_frame_out_t out,
		  void *ctx);

/* The Internet checksum's 16-bit ones' complement sum of n bytes added to sum (not folded). */
uint32_t hw_csum_add(uint32_t sum, const uint8_t *p, size_t n);
/* Folds a sum to 16 bits and complements it: the value a checksum field holds. */
uint16_t hw_csum_fold(uint32_t sum);

#endif /* EMU_HW_OFFLOAD_H */
