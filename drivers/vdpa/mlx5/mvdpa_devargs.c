/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_kvargs.h>

#include "mvdpa_devargs.h"

enum devarg_kind {
	DEVARG_UINT,	/* integer stored into a field of `size` bytes */
	DEVARG_CPU,	/* integer below n_cpus, stored as int */
	DEVARG_IBDEV,	/* ibv device name */
	DEVARG_CLASS,	/* must be "vdpa" */
};

struct devarg_desc {
	const char *key;
	enum devarg_kind kind;
	uint32_t min;
	uint32_t max;
	size_t offset;	/* in struct mvdpa_devargs */
	size_t size;
};

#define UINT_ARG(k, fld, lo, hi) { \
	.key = k, .kind = DEVARG_UINT, .min = (lo), .max = (hi), \
	.offset = offsetof(struct mvdpa_devargs, fld), \
	.size = sizeof(((struct mvdpa_devargs *)0)->fld) }

static const struct devarg_desc devarg_descs[] = {
	{ .key = "class", .kind = DEVARG_CLASS },
	{ .key = "event_core", .kind = DEVARG_CPU },
	UINT_ARG("event_mode", event_mode, 0, MVDPA_EVENT_MODE_INTERRUPT),
	UINT_ARG("event_us", event_us, 0, MVDPA_EVENT_US_MAX),
	UINT_ARG("hw_latency_mode", hw_latency_mode, 0, MVDPA_HW_LATENCY_FROM_LAST),
	UINT_ARG("hw_max_latency_us", hw_max_latency_us, 0, MVDPA_HW_MAX_LATENCY_US_MAX),
	UINT_ARG("hw_max_pending_comp", hw_max_pending_comp, 0, MVDPA_HW_MAX_PENDING_COMP_MAX),
	{ .key = "ibdev", .kind = DEVARG_IBDEV },
	UINT_ARG("max_conf_threads", max_conf_threads, 0, MVDPA_MAX_CONF_THREADS),
	UINT_ARG("no_traffic_time", no_traffic_time, 0, UINT32_MAX),
	UINT_ARG("queue_size", queue_size, 0, MVDPA_QUEUE_SIZE_MAX),
	UINT_ARG("queues", queues, 0, MVDPA_QUEUES_MAX),
};

#define N_DESCS (sizeof(devarg_descs) / sizeof(devarg_descs[0]))

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

void
mvdpa_devargs_default(struct mvdpa_devargs *da)
{
	memset(da, 0, sizeof(*da));
	da->event_mode = MVDPA_DEFAULT_EVENT_MODE;
	da->no_traffic_time = MVDPA_DEFAULT_NO_TRAFFIC_TIME;
	da->event_core = -1;
	da->hw_latency_mode = MVDPA_HW_LATENCY_DEFAULT;
}

/*
 * strtoul() alone accepts leading blanks, a sign (and negates "-1" into ULONG_MAX) and
 * trailing garbage; a devarg value must be digits only.
 */
static int
parse_uint(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -EINVAL;
	*v = x;
	return 0;
}

static void
store(struct mvdpa_devargs *da, const struct devarg_desc *d, uint64_t v)
{
	uint8_t *p = (uint8_t *)da + d->offset;

	switch (d->size) {
	case sizeof(uint16_t): {
		uint16_t x = (uint16_t)v;

		memcpy(p, &x, sizeof(x));
		break;
	}
	default: {
		uint32_t x = (uint32_t)v;

		/* enums are int-sized: fine for the small ranges they are given */
		memcpy(p, &x, sizeof(x));
		break;
	}
	}
}

static int
apply(struct mvdpa_devargs *da, const struct devarg_desc *d, const char *val,
      unsigned int n_cpus, char *err, size_t errlen)
{
	uint64_t v;

	if (val == NULL)
		return fail(err, errlen, "devarg %s needs a value (%s=...)", d->key, d->key);
	switch (d->kind) {
	case DEVARG_CLASS:
		if (strcmp(val, "vdpa") != 0)
			return fail(err, errlen,
				    "devarg class=%s: this driver only serves class=vdpa", val);
		da->class_vdpa = true;
		return 0;
	case DEVARG_IBDEV:
		if (val[0] == '\0' || strlen(val) >= sizeof(da->ibdev))
			return fail(err, errlen, "devarg ibdev=%s: expected an ibv device name "
				    "of 1..%zu characters", val, sizeof(da->ibdev) - 1);
		snprintf(da->ibdev, sizeof(da->ibdev), "%s", val);
		return 0;
	case DEVARG_CPU:
		if (n_cpus == 0)
			return fail(err, errlen, "devarg event_core=%s: no CPU is available", val);
		if (parse_uint(val, &v) != 0 || v >= n_cpus)
			return fail(err, errlen,
				    "devarg event_core=%s: expected a CPU number in 0..%u", val,
				    n_cpus - 1);
		da->event_core = (int)v;
		return 0;
	case DEVARG_UINT:
		if (parse_uint(val, &v) != 0 || v < d->min || v > d->max)
			return fail(err, errlen, "devarg %s=%s: expected an integer in %u..%u",
				    d->key, val, d->min, d->max);
		store(da, d, v);
		return 0;
	}
	return fail(err, errlen, "devarg %s: internal error", d->key);
}

static const struct devarg_desc *
find_desc(const char *key)
{
	for (size_t i = 0; i < N_DESCS; i++)
		if (strcmp(devarg_descs[i].key, key) == 0)
			return &devarg_descs[i];
	return NULL;
}

static int
check_key_list(const struct rte_kvargs *kv, char *err, size_t errlen)
{
	char known[256];
	size_t off = 0;

	for (unsigned int i = 0; i < kv->count; i++) {
		const char *key = kv->pairs[i].key;

		if (find_desc(key) == NULL) {
			for (size_t j = 0; j < N_DESCS && off < sizeof(known); j++)
				off += (size_t)snprintf(known + off, sizeof(known) - off, "%s%s",
							j ? ", " : "", devarg_descs[j].key);
			return fail(err, errlen, "unknown devarg '%s' (known: %s)", key, known);
		}
		for (unsigned int j = 0; j < i; j++)
			if (strcmp(kv->pairs[j].key, key) == 0)
				return fail(err, errlen, "devarg %s given more than once", key);
	}
	return 0;
}

int
mvdpa_devargs_parse(const char *args, unsigned int n_cpus, struct mvdpa_devargs *da,
		    char *err, size_t errlen)
{
	struct rte_kvargs *kv;
	int ret;

	if (errlen > 0)
		err[0] = '\0';
	mvdpa_devargs_default(da);
	if (args == NULL || args[0] == '\0')
		return 0;
	kv = rte_kvargs_parse(args, NULL);
	if (kv == NULL)
		return fail(err, errlen,
			    "devargs '%s' are not a list of at most %d key=value pairs", args,
			    RTE_KVARGS_MAX);
	ret = check_key_list(kv, err, errlen);
	for (unsigned int i = 0; ret == 0 && i < kv->count; i++)
		ret = apply(da, find_desc(kv->pairs[i].key), kv->pairs[i].value, n_cpus, err,
			    errlen);
	rte_kvargs_free(kv);
	if (ret != 0)
		return ret;
	if ((da->queue_size == 0) != (da->queues == 0))
		return fail(err, errlen,
			    "devargs queue_size=%u and queues=%u: pre-created queues need both "
			    "(or neither)", da->queue_size, da->queues);
	if (da->event_mode == MVDPA_EVENT_MODE_DYNAMIC_TIMER && da->event_us == 0)
		da->event_us = MVDPA_DEFAULT_DYNAMIC_TIMER_STEP_US;
	return 0;
}
