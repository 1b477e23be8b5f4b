/* SPDX-License-Identifier: BSD-3-Clause */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mvdpa_sysfs.h"

static int
copy_name(char *dst, size_t len, const char *src)
{
	if (strlen(src) >= len)
		return -ENAMETOOLONG;
	memcpy(dst, src, strlen(src) + 1);
	return 0;
}

static int
slot_from_uevent(const char *ibdev_path, char *slot, size_t len)
{
	static const char key[] = "PCI_SLOT_NAME=";
	char path[PATH_MAX];
	char line[256];
	int ret = -ENOENT;
	FILE *f;

	if (snprintf(path, sizeof(path), "%s/device/uevent", ibdev_path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	f = fopen(path, "r");
	if (f == NULL)
		return -ENOENT;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, key, sizeof(key) - 1) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		ret = line[sizeof(key) - 1] != '\0' ?
		      copy_name(slot, len, line + sizeof(key) - 1) : -ENOENT;
		break;
	}
	fclose(f);
	return ret;
}

int
mvdpa_sysfs_pci_slot(const char *ibdev_path, char *slot, size_t len)
{
	char path[PATH_MAX];
	char real[PATH_MAX];
	const char *base;
	struct stat st;
	int ret;

	ret = slot_from_uevent(ibdev_path, slot, len);
	if (ret != -ENOENT)
		return ret;
	if (snprintf(path, sizeof(path), "%s/device", ibdev_path) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	/* sysfs makes it a link to the parent device's folder, named after its address */
	if (lstat(path, &st) != 0 || !S_ISLNK(st.st_mode) || realpath(path, real) == NULL)
		return -ENOENT;
	base = strrchr(real, '/');
	base = base != NULL ? base + 1 : real;
	return base[0] ? copy_name(slot, len, base) : -ENOENT;
}

int
mvdpa_sysfs_aux_ibdev(const char *aux_devices, const char *aux_name, char *name, size_t len)
{
	char path[PATH_MAX];
	struct dirent *de;
	int ret = -ENOENT;
	DIR *dir;

	if (snprintf(path, sizeof(path), "%s/%s/infiniband", aux_devices, aux_name) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	dir = opendir(path);
	if (dir == NULL)
		return -ENOENT;
	while ((de = readdir(dir)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		ret = copy_name(name, len, de->d_name);
		break;
	}
	closedir(dir);
	return ret;
}
