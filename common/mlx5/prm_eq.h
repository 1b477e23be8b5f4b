/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event queue entries: what an event channel reports. vDPA drivers subscribe to completion events
 * of their CQs and to object-change events of their virtqs (a queue that went to ERR). Layout and
 * event numbers follow the kernel's mlx5_ifc.h and device.h.
 */
#ifndef MLX5_PRM_EQ_H
#define MLX5_PRM_EQ_H

#include <stdint.h>

#include "prm_bits.h"

enum prm_event_type {
	PRM_EVENT_TYPE_COMP = 0x00,
	PRM_EVENT_TYPE_CQ_ERROR = 0x04,
	PRM_EVENT_TYPE_OBJECT_CHANGE = 0x27,
};

/* Event data of a completion event. */
struct prm_comp_event_bits {
	uint8_t reserved_at_0[0xc0];

	uint8_t reserved_at_c0[0x8];
	uint8_t cq_number[0x18];
};
PRM_ASSERT_SIZE(comp_event, 28);

/* Event data of a CQ error event: the CQ is in error and writes no more CQEs. */
struct prm_cq_error_event_bits {
	uint8_t reserved_at_0[0x8];
	uint8_t cqn[0x18];

	uint8_t reserved_at_20[0x20];

	uint8_t reserved_at_40[0x18];
	uint8_t syndrome[0x8];

	uint8_t reserved_at_60[0x80];
};
PRM_ASSERT_SIZE(cq_error_event, 28);

/* cq_error_event.syndrome */
enum prm_cq_error_syndrome {
	PRM_CQ_ERROR_OVERRUN = 0x1,
	PRM_CQ_ERROR_ACCESS_VIOLATION = 0x2,
};

/* Event data of an object-change event: which general object changed. */
struct prm_affiliated_event_header_bits {
	uint8_t reserved_at_0[0x10];
	uint8_t obj_type[0x10];

	uint8_t obj_id[0x20];

	uint8_t reserved_at_40[0xa0];
};
PRM_ASSERT_SIZE(affiliated_event_header, 28);

/* A 64-byte event queue entry. */
struct prm_eqe_bits {
	uint8_t reserved_at_0[0x8];
	uint8_t event_type[0x8];
	uint8_t reserved_at_10[0x8];
	uint8_t event_sub_type[0x8];

	uint8_t reserved_at_20[0xe0];

	uint8_t event_data[0xe0];	/* prm_comp_event or prm_affiliated_event_header */

	uint8_t reserved_at_1e0[0x10];
	uint8_t signature[0x8];
	uint8_t reserved_at_1f8[0x7];
	uint8_t owner[0x1];
};
PRM_ASSERT_SIZE(eqe, 64);

#endif /* MLX5_PRM_EQ_H */
