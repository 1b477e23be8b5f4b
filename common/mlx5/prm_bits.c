/* SPDX-License-Identifier: BSD-3-Clause */
#include "prm_bits.h"

/*
 * Both accessors walk the bytes the field covers, most significant first, so a field may start
 * and end anywhere and a 64-bit field may span nine bytes. Mailboxes are control-path data, so a
 * byte loop is cheap enough and has no alignment or endianness assumptions.
 */

uint64_t
prm_get_bits(const void *base, size_t bit_off, size_t width)
{
	const uint8_t *p = base;
	size_t first = bit_off / 8;
	size_t last = (bit_off + width - 1) / 8;
	uint64_t v = 0;

	for (size_t i = first; i <= last; i++) {
		unsigned int hi = i == first ? bit_off % 8 : 0;	/* PRM numbering, 0 = MSB */
		unsigned int lo = i == last ? (bit_off + width - 1) % 8 : 7;
		unsigned int n = lo - hi + 1;

		v = (v << n) | ((p[i] >> (7 - lo)) & ((1u << n) - 1));
	}
	return v;
}

void
prm_set_bits(void *base, size_t bit_off, size_t width, uint64_t value)
{
	uint8_t *p = base;
	size_t first = bit_off / 8;
	size_t last = (bit_off + width - 1) / 8;

	for (size_t i = last + 1; i-- > first;) {
		unsigned int hi = i == first ? bit_off % 8 : 0;
		unsigned int lo = i == last ? (bit_off + width - 1) % 8 : 7;
		unsigned int n = lo - hi + 1;
		uint8_t mask = (uint8_t)(((1u << n) - 1) << (7 - lo));

		p[i] = (uint8_t)((p[i] & ~mask) | ((value << (7 - lo)) & mask));
		value >>= n;
	}
}
