/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * How many times each rdma-core entry point was called, process-wide. A driver loaded with
 * dlopen (an EAL plugin) cannot be traced with ltrace, and mlx5 drivers reach some entry points
 * through the verbs context's function table rather than a symbol; counting inside the
 * emulator sees both. Counters are static objects at their call sites, linked into one list on
 * their first call, so an entry point never called costs nothing and is not listed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_verbs.h"
#include "mlx5_emu_process.h"

static pthread_mutex_t api_list_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_api_counter *api_list;

void
emu_api_count(struct emu_api_counter *c)
{
	__atomic_fetch_add(&c->calls, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&c->linked, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&api_list_lock);
	if (!c->linked) {
		c->next = api_list;
		api_list = c;
		__atomic_store_n(&c->linked, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&api_list_lock);
}

EMU_EXPORT uint64_t
mlx5_emu_api_calls(const char *name)
{
	uint64_t calls = 0;

	pthread_mutex_lock(&api_list_lock);
	for (const struct emu_api_counter *c = api_list; c != NULL; c = c->next)
		if (strcmp(c->name, name) == 0)
			calls += __atomic_load_n(&c->calls, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&api_list_lock);
	return calls;
}

static int
counter_by_name(const void *a, const void *b)
{
	const struct emu_api_counter *x = *(const struct emu_api_counter *const *)a;
	const struct emu_api_counter *y = *(const struct emu_api_counter *const *)b;

	return strcmp(x->name, y->name);
}

void
emu_api_report(FILE *out)
{
	struct emu_api_counter **sorted;
	size_t n = 0, i = 0;

	pthread_mutex_lock(&api_list_lock);
	for (const struct emu_api_counter *c = api_list; c != NULL; c = c->next)
		n++;
	sorted = calloc(n ? n : 1, sizeof(*sorted));
	if (sorted == NULL) {
		pthread_mutex_unlock(&api_list_lock);
		return;
	}
	for (struct emu_api_counter *c = api_list; c != NULL; c = c->next)
		sorted[i++] = c;
	pthread_mutex_unlock(&api_list_lock);
	qsort(sorted, n, sizeof(*sorted), counter_by_name);
	fprintf(out, "mlx5emu: rdma-core API calls (%zu entry points):\n", n);
	for (i = 0; i < n; i++)
		fprintf(out, "mlx5emu:   %-40s %llu%s\n", sorted[i]->name,
			(unsigned long long)__atomic_load_n(&sorted[i]->calls, __ATOMIC_RELAXED),
			sorted[i]->unsupported ? " (unsupported: answered EOPNOTSUPP)" : "");
	free(sorted);
}
