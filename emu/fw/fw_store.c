/* SPDX-License-Identifier: BSD-3-Clause */
/* The object store: live objects by (kind, id), their owners (uid) and references. */
#include <errno.h>
#include <stdlib.h>

#include "fw_internal.h"

/* First id of each kind, so that ids of different kinds rarely coincide (helps debugging). */
static const uint32_t first_id[EMU_OBJ_KIND_COUNT] = {
	[EMU_OBJ_UCTX] = 0x1, [EMU_OBJ_PD] = 0x1, [EMU_OBJ_TD] = 0x1,
	[EMU_OBJ_UMEM] = 0x1, [EMU_OBJ_MKEY] = 0x2, [EMU_OBJ_UAR] = 0x1,
	[EMU_OBJ_VAR] = 0x1, [EMU_OBJ_CQ] = 0x400, [EMU_OBJ_QP] = 0x100,
	[EMU_OBJ_TIS] = 0x10, [EMU_OBJ_TIR] = 0x20, [EMU_OBJ_RQT] = 0x30,
	[EMU_OBJ_VIRTQ] = 0x1000, [EMU_OBJ_VIRTQ_COUNTERS] = 0x2000,
};

/* Id limits: 16 bits for uids, 24 for everything the PRM numbers in 24-bit fields. */
static uint32_t
max_id(enum emu_obj_kind kind)
{
	switch (kind) {
	case EMU_OBJ_UCTX:
		return 0xffff;
	case EMU_OBJ_VIRTQ:
	case EMU_OBJ_VIRTQ_COUNTERS:
	case EMU_OBJ_UMEM:
		return 0xffffffff;
	default:
		return 0xffffff;
	}
}

static unsigned int
bucket(enum emu_obj_kind kind, uint32_t id)
{
	return (id * 2654435761u ^ (uint32_t)kind) % FW_HASH_BUCKETS;
}

struct fw_obj *
fw_obj_find(struct emu_fw *fw, enum emu_obj_kind kind, uint32_t id)
{
	for (struct fw_obj *o = fw->buckets[bucket(kind, id)]; o; o = o->next)
		if (o->kind == kind && o->id == id)
			return o;
	return NULL;
}

int
fw_obj_insert(struct emu_fw *fw, struct fw_obj *obj, enum emu_obj_kind kind, uint16_t uid)
{
	uint32_t id = fw->next_id[kind] ? fw->next_id[kind] : first_id[kind];
	uint32_t tries = 0;

	/* Ids are reused only after wrapping, and never while alive. */
	while (fw_obj_find(fw, kind, id)) {
		if (++tries > 1024)
			return -ENOSPC;
		id = id >= max_id(kind) ? first_id[kind] : id + 1;
	}
	obj->kind = kind;
	obj->id = id;
	obj->uid = uid;
	obj->refs = 0;
	fw->next_id[kind] = id >= max_id(kind) ? first_id[kind] : id + 1;
	obj->next = fw->buckets[bucket(kind, id)];
	fw->buckets[bucket(kind, id)] = obj;
	fw->live[kind]++;
	return 0;
}

struct fw_obj *
fw_obj_lookup(struct fw_cmd *c, enum emu_obj_kind kind, uint32_t id, uint8_t *status)
{
	struct fw_obj *o = fw_obj_find(c->fw, kind, id);

	if (o == NULL) {
		*status = fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_NO_OBJECT);
		return NULL;
	}
	/* uid 0 is the kernel's: it reaches every object; a user reaches only its own. */
	if (c->uid != 0 && o->uid != c->uid) {
		*status = fw_fail(c, PRM_STATUS_BAD_RESOURCE, EMU_SYND_UID);
		return NULL;
	}
	return o;
}

void
fw_obj_unlink_free(struct emu_fw *fw, struct fw_obj *obj)
{
	struct fw_obj **pp = &fw->buckets[bucket(obj->kind, obj->id)];

	while (*pp != obj)
		pp = &(*pp)->next;
	*pp = obj->next;
	fw->live[obj->kind]--;
	if (obj->release)
		obj->release(fw, obj);
	free(obj);
}

uint8_t
fw_obj_destroy(struct fw_cmd *c, enum emu_obj_kind kind, uint32_t id)
{
	uint8_t status = PRM_STATUS_OK;
	struct fw_obj *o = fw_obj_lookup(c, kind, id, &status);

	if (o == NULL)
		return status;
	if (o->refs)
		return fw_fail(c, PRM_STATUS_RESOURCE_BUSY, EMU_SYND_IN_USE);
	fw_obj_unlink_free(c->fw, o);
	return PRM_STATUS_OK;
}

bool
fw_uid_has_objects(struct emu_fw *fw, uint16_t uid)
{
	for (unsigned int b = 0; b < FW_HASH_BUCKETS; b++)
		for (struct fw_obj *o = fw->buckets[b]; o; o = o->next)
			if (o->uid == uid && o->kind != EMU_OBJ_UCTX)
				return true;
	return false;
}

/*
 * A function reset: destroys everything, users before what they use. Repeated passes free the
 * objects nobody references until none is left; a reference cycle cannot exist because objects
 * only reference older ones.
 */
void
fw_obj_destroy_all(struct emu_fw *fw)
{
	bool progress = true;

	while (progress) {
		progress = false;
		for (unsigned int b = 0; b < FW_HASH_BUCKETS; b++) {
			struct fw_obj *o = fw->buckets[b];

			while (o) {
				struct fw_obj *next = o->next;

				if (o->refs == 0) {
					fw_obj_unlink_free(fw, o);
					progress = true;
				}
				o = next;
			}
		}
	}
}
