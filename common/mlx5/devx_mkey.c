/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Memory keys: direct (MTT over a registered umem) and indirect (KLM list over other keys, with
 * the null mkey filling holes).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "devx_cmd.h"
#include "prm_cmd.h"
#include "prm_mem.h"

/*
 * The low byte of a key is chosen by its creator (the index comes from the firmware). Any value
 * works; a fixed one makes keys of this layer recognizable in traces.
 */
#define MKEY_VARIANT 0x5d

_Static_assert((int)DEVX_MKEY_MTT == (int)PRM_MKC_ACCESS_MODE_MTT, "access mode");
_Static_assert((int)DEVX_MKEY_KLM == (int)PRM_MKC_ACCESS_MODE_KLMS, "access mode");
_Static_assert(DEVX_KLM_MAX_BYTES <= PRM_KLM_MAX_ENTRY_SIZE, "KLM entries within what hardware takes");

/* The translation entries follow the fixed part of the input. */
#define ENTRIES_OFF PRM_SIZE(create_mkey_in)

/* A translation unit is 64 bytes: four 16-byte KLM entries. */
#define KLM_ALIGN 4u

static uint32_t
klm_padded(uint32_t n)
{
	return (n + KLM_ALIGN - 1) / KLM_ALIGN * KLM_ALIGN;
}

size_t
devx_mkey_create_in_size(const struct devx_mkey_attr *attr)
{
	size_t n = attr->mode == DEVX_MKEY_KLM ? klm_padded(attr->klm_num) : 0;

	return ENTRIES_OFF + n * PRM_SIZE(klm);
}

static int
check_klm(const struct devx_mkey_attr *attr)
{
	uint64_t sum = 0;

	if (attr->klm_num == 0 || attr->klm == NULL)
		return -EINVAL;
	for (uint32_t i = 0; i < attr->klm_num; i++) {
		if (attr->klm[i].byte_count == 0 ||
		    attr->klm[i].byte_count > DEVX_KLM_MAX_BYTES)
			return -EINVAL;
		sum += attr->klm[i].byte_count;
	}
	return sum == attr->len ? 0 : -EINVAL;
}

/*
 * Appends len bytes of key starting at addr as entries of at most DEVX_KLM_MAX_BYTES; addresses
 * advance through key's space unless it is the null mkey, which has none.
 */
static uint32_t
klm_append(struct devx_klm *out, uint32_t max, uint32_t used, uint32_t key, uint64_t addr,
	   uint64_t len, bool advance)
{
	while (len > 0) {
		uint64_t chunk = len < DEVX_KLM_MAX_BYTES ? len : DEVX_KLM_MAX_BYTES;

		if (out != NULL && used < max)
			out[used] = (struct devx_klm){
				.mkey = key, .byte_count = (uint32_t)chunk, .addr = addr,
			};
		used++;
		if (advance)
			addr += chunk;
		len -= chunk;
	}
	return used;
}

int
devx_klm_build(const struct devx_mem_range *r, uint32_t n, uint32_t null_mkey,
	       struct devx_klm *out, uint32_t max)
{
	uint32_t used = 0;

	if (n == 0)
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].len == 0 || r[i].addr + r[i].len < r[i].addr)
			return -EINVAL;
		if (i > 0 && r[i].addr < r[i - 1].addr + r[i - 1].len)
			return -EINVAL;	/* unsorted or overlapping */
		if (i > 0 && r[i].addr > r[i - 1].addr + r[i - 1].len) {
			uint64_t hole = r[i - 1].addr + r[i - 1].len;

			used = klm_append(out, max, used, null_mkey, 0, r[i].addr - hole, false);
		}
		used = klm_append(out, max, used, r[i].mkey, r[i].mkey_addr, r[i].len, true);
		if (used > INT32_MAX / 2)
			return -EINVAL;
	}
	return (int)used;
}

int
devx_mkey_create_encode(void *in, const struct devx_mkey_attr *attr)
{
	void *mkc = PRM_ADDR(create_mkey_in, in, memory_key_mkey_entry);
	uint8_t *klm = (uint8_t *)in + ENTRIES_OFF;
	uint64_t octwords;

	if (attr->len == 0)
		return -EINVAL;
	if (attr->mode == DEVX_MKEY_KLM && check_klm(attr) != 0)
		return -EINVAL;
	if (attr->mode != DEVX_MKEY_KLM && attr->mode != DEVX_MKEY_MTT)
		return -EINVAL;
	memset(in, 0, devx_mkey_create_in_size(attr));
	PRM_SET(create_mkey_in, in, opcode, PRM_CMD_CREATE_MKEY);
	PRM_SET(mkc, mkc, access_mode_1_0, attr->mode);
	PRM_SET(mkc, mkc, lr, 1);
	PRM_SET(mkc, mkc, lw, 1);
	PRM_SET(mkc, mkc, rr, attr->remote_rw);
	PRM_SET(mkc, mkc, rw, attr->remote_rw);
	/* not bound to a QP */
	PRM_SET(mkc, mkc, qpn, 0xffffff);
	PRM_SET(mkc, mkc, mkey_7_0, MKEY_VARIANT);
	PRM_SET(mkc, mkc, pd, attr->pdn);
	PRM_SET(mkc, mkc, start_addr, attr->addr);
	PRM_SET(mkc, mkc, len, attr->len);
	if (attr->mode == DEVX_MKEY_KLM) {
		for (uint32_t i = 0; i < attr->klm_num; i++, klm += PRM_SIZE(klm)) {
			PRM_SET(klm, klm, byte_count, attr->klm[i].byte_count);
			PRM_SET(klm, klm, mkey, attr->klm[i].mkey);
			PRM_SET(klm, klm, address, attr->klm[i].addr);
		}
		/* the padding entries stay zero */
		PRM_SET(mkc, mkc, translations_octword_size, klm_padded(attr->klm_num));
		PRM_SET(create_mkey_in, in, translations_octword_actual_size, attr->klm_num);
		return 0;
	}
	/* one MTT entry per page of the umem range, counted in octwords */
	octwords = ((attr->len + (1ull << attr->log_page_size) - 1) >> attr->log_page_size);
	octwords = (octwords + PRM_MTT_PER_OCTWORD - 1) / PRM_MTT_PER_OCTWORD;
	PRM_SET(mkc, mkc, log_page_size, attr->log_page_size);
	PRM_SET(mkc, mkc, translations_octword_size, octwords);
	PRM_SET(create_mkey_in, in, translations_octword_actual_size, octwords);
	PRM_SET(create_mkey_in, in, mkey_umem_valid, 1);
	PRM_SET(create_mkey_in, in, mkey_umem_id, attr->umem_id);
	PRM_SET(create_mkey_in, in, mkey_umem_offset, attr->umem_offset);
	return 0;
}

int
devx_mkey_create(struct ibv_context *ctx, const struct devx_mkey_attr *attr,
		 struct devx_obj *mkey)
{
	uint8_t out[PRM_SIZE(create_mkey_out)];
	size_t inlen = devx_mkey_create_in_size(attr);
	void *in;
	int ret;

	in = malloc(inlen);
	if (in == NULL)
		return -ENOMEM;
	ret = devx_mkey_create_encode(in, attr);
	if (ret == 0)
		ret = devx_obj_create(ctx, in, inlen, out, sizeof(out), mkey);
	if (ret == 0)
		mkey->id = (uint32_t)PRM_GET(create_mkey_out, out, mkey_index) << 8 | MKEY_VARIANT;
	free(in);
	return ret;
}
