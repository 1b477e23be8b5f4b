/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sysfs lookups of the PCI and auxiliary front-ends, on fake trees in a temporary folder:
 * uevent first, the device link as fallback, SF -> ibv device through infiniband/.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mvdpa_sysfs.h"

struct tree {
	char root[256];	/* short, so paths built from it fit PATH_MAX */
};

static void
mk(const char *root, const char *rel)
{
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	assert_int_equal(mkdir(p, 0755), 0);
}

static void
put(const char *root, const char *rel, const char *text)
{
	char p[PATH_MAX];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int
tree_up(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	snprintf(t->root, sizeof(t->root), "%s/mvdpa_sysfs_XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (mkdtemp(t->root) == NULL) {
		free(t);
		return -1;
	}
	*state = t;
	return 0;
}

static int
tree_down(void **state)
{
	struct tree *t = *state;
	char cmd[PATH_MAX + 16];
	int ret;

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", t->root);
	ret = system(cmd);
	free(t);
	return ret == 0 ? 0 : -1;
}

static void
pci_slot_comes_from_uevent(void **state)
{
	struct tree *t = *state;
	char ibdev[PATH_MAX];
	char slot[32];

	mk(t->root, "mlx5_0");
	mk(t->root, "mlx5_0/device");
	put(t->root, "mlx5_0/device/uevent",
	    "DRIVER=mlx5_core\nPCI_CLASS=20000\nPCI_SLOT_NAME=0000:ee:00.2\nMODALIAS=pci:x\n");
	snprintf(ibdev, sizeof(ibdev), "%s/mlx5_0", t->root);
	assert_int_equal(mvdpa_sysfs_pci_slot(ibdev, slot, sizeof(slot)), 0);
	assert_string_equal(slot, "0000:ee:00.2");
	assert_int_equal(mvdpa_sysfs_pci_slot(ibdev, slot, 8), -ENAMETOOLONG);
}

static void
pci_slot_falls_back_to_the_device_link(void **state)
{
	struct tree *t = *state;
	char ibdev[PATH_MAX];
	char target[PATH_MAX];
	char link[PATH_MAX];
	char slot[32];

	mk(t->root, "0000:03:00.1");
	mk(t->root, "mlx5_1");
	snprintf(target, sizeof(target), "%s/0000:03:00.1", t->root);
	snprintf(link, sizeof(link), "%s/mlx5_1/device", t->root);
	assert_int_equal(symlink(target, link), 0);
	snprintf(ibdev, sizeof(ibdev), "%s/mlx5_1", t->root);
	assert_int_equal(mvdpa_sysfs_pci_slot(ibdev, slot, sizeof(slot)), 0);
	assert_string_equal(slot, "0000:03:00.1");
}

static void
pci_slot_of_a_device_without_sysfs_is_enoent(void **state)
{
	struct tree *t = *state;
	char ibdev[PATH_MAX];
	char slot[32];

	mk(t->root, "mlx5_2");
	snprintf(ibdev, sizeof(ibdev), "%s/mlx5_2", t->root);
	assert_int_equal(mvdpa_sysfs_pci_slot(ibdev, slot, sizeof(slot)), -ENOENT);
	/* a uevent without the slot line, and a device folder that is no link: no answer */
	mk(t->root, "mlx5_2/device");
	put(t->root, "mlx5_2/device/uevent", "DRIVER=mlx5_core\n");
	assert_int_equal(mvdpa_sysfs_pci_slot(ibdev, slot, sizeof(slot)), -ENOENT);
}

static void
sf_resolves_to_the_ibv_device_under_infiniband(void **state)
{
	struct tree *t = *state;
	char name[64];

	mk(t->root, "mlx5_core.sf.2");
	mk(t->root, "mlx5_core.sf.2/infiniband");
	mk(t->root, "mlx5_core.sf.2/infiniband/mlx5_5");
	assert_int_equal(mvdpa_sysfs_aux_ibdev(t->root, "mlx5_core.sf.2", name, sizeof(name)), 0);
	assert_string_equal(name, "mlx5_5");
	assert_int_equal(mvdpa_sysfs_aux_ibdev(t->root, "mlx5_core.sf.2", name, 4),
			 -ENAMETOOLONG);
	assert_int_equal(mvdpa_sysfs_aux_ibdev(t->root, "mlx5_core.sf.3", name, sizeof(name)),
			 -ENOENT);
	mk(t->root, "mlx5_core.sf.4");
	mk(t->root, "mlx5_core.sf.4/infiniband");
	assert_int_equal(mvdpa_sysfs_aux_ibdev(t->root, "mlx5_core.sf.4", name, sizeof(name)),
			 -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(pci_slot_comes_from_uevent, tree_up, tree_down),
		cmocka_unit_test_setup_teardown(pci_slot_falls_back_to_the_device_link, tree_up,
						tree_down),
		cmocka_unit_test_setup_teardown(pci_slot_of_a_device_without_sysfs_is_enoent,
						tree_up, tree_down),
		cmocka_unit_test_setup_teardown(sf_resolves_to_the_ibv_device_under_infiniband,
						tree_up, tree_down),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
