/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mechanism behind every PRM layout in this folder.
 *
 * A layout is a struct that is never instantiated: each member is an array of uint8_t whose
 * length is the field's width in bits, so offsetof() gives the bit offset and sizeof() the width,
 * exactly as the PRM numbers them (bit 0 is the most significant bit of byte 0; fields are
 * big-endian and packed MSB-first). Layouts are written as
 *
 *	struct prm_foo_bits {
 *		uint8_t opcode[0x10];
 *		uint8_t reserved_at_10[0x10];
 *
 *		uint8_t ...
 *	};
 *
 * with a blank line between dwords and `reserved_at_<bit offset>` for the gaps, so each line can be
 * checked against the PRM. Only the command layer (common/mlx5/devx_*) and the emulator's command
 * decoders read or write mailboxes, and only through the accessors below.
 */
#ifndef MLX5_PRM_BITS_H
#define MLX5_PRM_BITS_H

#include <stddef.h>
#include <stdint.h>

/* Bit offset and width of a field; usable in constant expressions. */
#define PRM_BIT_OFF(typ, fld) (offsetof(struct prm_##typ##_bits, fld))
#define PRM_BIT_SZ(typ, fld) (sizeof(((struct prm_##typ##_bits *)0)->fld))

/* Size of a whole layout in bytes, for mailbox buffers. */
#define PRM_SIZE(typ) (sizeof(struct prm_##typ##_bits) / 8)
#define PRM_SIZE_DW(typ) (PRM_SIZE(typ) / 4)

/* Byte offset of a byte-aligned field (sub-struct, array); a misaligned one fails to compile. */
#define PRM_BYTE_OFF(typ, fld) \
	(PRM_BIT_OFF(typ, fld) / 8 + 0 * sizeof(char[PRM_BIT_OFF(typ, fld) % 8 == 0 ? 1 : -1]))
#define PRM_ADDR(typ, p, fld) ((void *)((uint8_t *)(p) + PRM_BYTE_OFF(typ, fld)))

/* Read or write one field of any width up to 64 bits, at any bit offset. */
#define PRM_GET(typ, p, fld) \
	prm_get_bits((p), PRM_BIT_OFF(typ, fld), \
		     PRM_BIT_SZ(typ, fld) + 0 * sizeof(char[PRM_BIT_SZ(typ, fld) <= 64 ? 1 : -1]))
#define PRM_SET(typ, p, fld, v) \
	prm_set_bits((p), PRM_BIT_OFF(typ, fld), \
		     PRM_BIT_SZ(typ, fld) + 0 * sizeof(char[PRM_BIT_SZ(typ, fld) <= 64 ? 1 : -1]), \
		     (uint64_t)(v))

/* Checks a layout's total size against the PRM's, at compile time. */
#define PRM_ASSERT_SIZE(typ, bytes) \
	_Static_assert(sizeof(struct prm_##typ##_bits) == (bytes) * 8, \
		       "PRM layout prm_" #typ " is not " #bytes " bytes")

/*
 * Returns the big-endian bit field [bit_off, bit_off + width) of the buffer at base.
 * width is 1..64.
 */
uint64_t prm_get_bits(const void *base, size_t bit_off, size_t width);

/*
 * Stores the low `width` bits of value into the field; the bits around it are left as they were.
 * Bits of value above width are ignored.
 */
void prm_set_bits(void *base, size_t bit_off, size_t width, uint64_t value);

#endif /* MLX5_PRM_BITS_H */
