/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Replays fuzz inputs through a target without libFuzzer (any compiler): every file named on the
 * command line, or in a folder named there, is one input. The default suite replays the targets'
 * committed seed corpora this way; a crash found by a long run is replayed the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_target.h"

static int
replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long len;
	int ret = -EIO;

	if (f == NULL)
		goto report;
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto close_file;
	data = malloc(len > 0 ? (size_t)len : 1);
	if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len)
		goto close_file;
	LLVMFuzzerTestOneInput(data, (size_t)len);
	ret = 0;
close_file:
	free(data);
	fclose(f);
report:
	if (ret != 0)
		fprintf(stderr, "%s: cannot read\n", path);
	return ret;
}

/* Replays a folder's regular files in name order, so a run is reproducible. */
static int
replay_folder(const char *dir, unsigned int *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, NULL, alphasort), ret = 0;

	if (n < 0) {
		fprintf(stderr, "%s: cannot list\n", dir);
		return -EIO;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		if (ret == 0 && snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) <
				(int)sizeof(path) && stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			ret = replay_file(path);
			(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return ret;
}

int
main(int argc, char **argv)
{
	unsigned int count = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s <input file or folder>...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;
		int ret;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			return 1;
		}
		if (S_ISDIR(st.st_mode)) {
			ret = replay_folder(argv[i], &count);
		} else {
			ret = replay_file(argv[i]);
			count++;
		}
		if (ret != 0)
			return 1;
	}
	/* An empty corpus would make the test pass without testing anything. */
	if (count == 0) {
		fprintf(stderr, "no input found\n");
		return 1;
	}
	printf("replayed %u inputs\n", count);
	return 0;
}
