/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers for the firmware tests: a function per test, commands built with the PRM layouts. */
#ifndef FW_TEST_H
#define FW_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "emu_fw.h"
#include "mlx5_emu.h"
#include "prm_cmd.h"

/* A fresh function (profile by name) and the uid-0 view of it. */
struct emu_fw *fwt_create(const char *profile);
/* Asserts no object is left, then destroys the function. */
void fwt_destroy_checked(struct emu_fw *fw);

/* Runs a command; returns its status, stores the syndrome. */
uint8_t fwt_exec(struct emu_fw *fw, const void *in, size_t inlen, void *out, size_t outlen,
		 uint32_t *syndrome);

/* Creators that must succeed; each returns the new object's number. */
uint32_t fwt_pd(struct emu_fw *fw);
uint32_t fwt_td(struct emu_fw *fw);
uint32_t fwt_umem(struct emu_fw *fw, void *buf, size_t size);
uint32_t fwt_mtt_mkey(struct emu_fw *fw, uint32_t pd, uint32_t umem, uint64_t start, uint64_t len,
		      int lw);

/* A QP state transition command (opcode) of qpn, with remote as the peer; returns its status. */
uint8_t fwt_qp_transition(struct emu_fw *fw, uint16_t opcode, uint32_t qpn, uint32_t remote);

/* Everything a virtq needs, created on `fw` with buffers owned by the struct. */
struct fwt_vq_res {
	uint32_t pd, mkey, counters, umem[3], umem_size[3], uar, cq, qp, tis, td;
	void *umem_buf[3];
	void *cq_buf;
	void *ring;
	uint32_t ring_umem;
	uint32_t cq_umem;	/* CQE ring, then its doorbell record */
};
void fwt_vq_res_create(struct emu_fw *fw, struct fwt_vq_res *r, uint32_t qsize);
void fwt_vq_res_destroy(struct emu_fw *fw, struct fwt_vq_res *r);

/* Fills a CREATE_GENERAL_OBJECT(VIRTIO_NET_Q) mailbox for queue `index` over `r`. */
void fwt_virtq_create_in(void *in, const struct fwt_vq_res *r, uint16_t index, uint32_t qsize,
			 uint8_t state);
/* CREATE/QUERY/MODIFY/DESTROY of general objects. */
uint8_t fwt_virtq_modify(struct emu_fw *fw, uint32_t id, uint64_t mask, uint8_t state,
			 uint32_t *syndrome);
uint8_t fwt_virtq_state(struct emu_fw *fw, uint32_t id);
uint8_t fwt_gen_destroy(struct emu_fw *fw, uint16_t type, uint32_t id, uint32_t *syndrome);
uint8_t fwt_destroy_by_id(struct emu_fw *fw, uint16_t opcode, uint32_t id, uint32_t *syndrome);

#endif /* FW_TEST_H */
