/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX steering rule store of one emulated function: what mlx5dv_dr_* programs into the NIC RX root
 * flow table, and the classifier the emulated hardware calls for each received frame.
 *
 * Rules live in matchers. A matcher has a priority (lower value is looked at first), a
 * match_criteria_enable bitmap and a mask; a rule has a value and a destination TIR. Masks and
 * values are `fte_match_param` buffers in PRM layout (outer headers first), exactly as
 * mlx5dv_dr_matcher_create / mlx5dv_dr_rule_create receive them.
 *
 * Classification turns the frame into an fte_match_param of its outer headers (L2: MACs,
 * ethertype, first VLAN; L3: IPv4/IPv6 version, protocol, addresses, DSCP/ECN, TTL, fragment;
 * L4: TCP/UDP ports, TCP flags) and returns the TIR of the first rule whose masked value equals
 * the masked frame. Only the outer-headers criterion (bit 0) is evaluated: a matcher enabling any
 * other criterion with a non-zero mask there never matches, since the parser does not produce
 * those fields. Among matchers of equal priority, the older one wins; within a matcher, the older
 * rule wins.
 *
 * Thread safety: every function may be called from any thread; classification runs in parallel
 * with itself and is serialized against changes.
 */
#ifndef EMU_STEER_H
#define EMU_STEER_H

#include <stddef.h>
#include <stdint.h>

/* Size of the fte_match_param this store understands (outer, misc, inner, misc2, misc3). */
#define EMU_STEER_MATCH_LEN 320
/* Size of the outer_headers part (fte_match_set_lyr_2_4). */
#define EMU_STEER_OUTER_LEN 64

struct emu_steer;
struct emu_steer_matcher;
struct emu_steer_rule;

int emu_steer_create(struct emu_steer **steer);
/* Frees the store with every matcher and rule still in it. */
void emu_steer_destroy(struct emu_steer *steer);

/*
 * Adds a matcher. `mask` holds `len` bytes of fte_match_param (shorter than EMU_STEER_MATCH_LEN
 * is zero-extended, bytes beyond it must be zero: -EINVAL otherwise).
 */
int emu_steer_matcher_add(struct emu_steer *steer, uint16_t priority, uint8_t criteria,
			  const void *mask, size_t len, struct emu_steer_matcher **matcher);
/* -EBUSY (and nothing changes) while the matcher holds rules. */
int emu_steer_matcher_del(struct emu_steer *steer, struct emu_steer_matcher *matcher);

/* Adds a rule steering matching frames to TIR `tirn`; `value` as the matcher's mask. */
int emu_steer_rule_add(struct emu_steer *steer, struct emu_steer_matcher *matcher,
		       const void *value, size_t len, uint32_t tirn, struct emu_steer_rule **rule);
void emu_steer_rule_del(struct emu_steer *steer, struct emu_steer_rule *rule);

/* Number of rules in the store. */
unsigned int emu_steer_rule_count(struct emu_steer *steer);

/*
 * Fills `param` (EMU_STEER_MATCH_LEN bytes) with the frame's outer headers as the NIC's parser
 * sees them. Returns 0, or -EINVAL for a frame shorter than an Ethernet header.
 */
int emu_steer_parse(const void *frame, size_t len, uint8_t *param);

/*
 * The TIR a received frame goes to: 0 and *tirn, -ENOENT when no rule matches (the frame is
 * dropped), -EINVAL for a runt frame.
 */
int emu_steer_classify(struct emu_steer *steer, const void *frame, size_t len, uint32_t *tirn);

#endif /* EMU_STEER_H */
