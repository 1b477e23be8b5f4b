/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz target: the PMD's devargs parser (mvdpa_devargs_parse), the first thing that reads a
 * string an operator (or a management layer) controls. An input is [n_cpus:1][errlen:1][args...]:
 * the rest is the devargs string (cut at its first NUL). The error buffer is exactly errlen bytes
 * on the heap, so ASan sees any write past it. Besides not crashing, a parse must keep its
 * contract: on success every value lies in its documented range, on failure err holds a
 * NUL-terminated reason; either way the outcome is the same when parsed twice.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_target.h"
#include "mvdpa_devargs.h"

/* Aborts (a crash for libFuzzer and the replay) when a parse broke its contract. */
static void
check_result(int ret, const struct mvdpa_devargs *da, unsigned int n_cpus, const char *err,
	     size_t errlen)
{
	if (ret != 0 && ret != -EINVAL)
		abort();
	if (errlen > 0 && memchr(err, '\0', errlen) == NULL)
		abort();
	if (ret != 0) {
		if (errlen > 1 && err[0] == '\0')
			abort();	/* a failure always says why */
		return;
	}
	if (da->ibdev[sizeof(da->ibdev) - 1] != '\0' ||
	    (unsigned int)da->event_mode > MVDPA_EVENT_MODE_INTERRUPT ||
	    da->event_us > MVDPA_EVENT_US_MAX ||
	    (da->event_mode == MVDPA_EVENT_MODE_DYNAMIC_TIMER && da->event_us == 0) ||
	    da->event_core < -1 || (da->event_core >= 0 && (unsigned int)da->event_core >= n_cpus) ||
	    da->max_conf_threads > MVDPA_MAX_CONF_THREADS ||
	    (unsigned int)da->hw_latency_mode > MVDPA_HW_LATENCY_FROM_LAST ||
	    da->hw_max_latency_us > MVDPA_HW_MAX_LATENCY_US_MAX ||
	    da->queue_size > MVDPA_QUEUE_SIZE_MAX || da->queues > MVDPA_QUEUES_MAX ||
	    (da->queue_size == 0) != (da->queues == 0))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mvdpa_devargs da, again;
	unsigned int n_cpus;
	size_t errlen;
	char *args, *err;
	int ret;

	if (size < 2)
		return 0;
	n_cpus = data[0];
	errlen = data[1];
	args = malloc(size - 1);
	err = malloc(errlen > 0 ? errlen : 1);
	if (args == NULL || err == NULL)
		goto out;
	memcpy(args, data + 2, size - 2);
	args[size - 2] = '\0';
	ret = mvdpa_devargs_parse(args, n_cpus, &da, err, errlen);
	check_result(ret, &da, n_cpus, err, errlen);
	if (mvdpa_devargs_parse(args, n_cpus, &again, err, errlen) != ret ||
	    (ret == 0 && memcmp(&da, &again, sizeof(da)) != 0))
		abort();
out:
	free(args);
	free(err);
	return 0;
}
