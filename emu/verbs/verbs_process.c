/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The process-wide instance behind ibv_get_device_list() (the one allowed singleton: that call
 * has no context argument), its device list, the ibdev folders and the fake PCI sysfs tree.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mlx5_log.h>

#include "emu_verbs.h"
#include "hw_nic.h"
#include "mlx5_emu_process.h"
#include "verbs_config.h"

#define LOG_ORIGIN "emu.verbs"

struct emu_process {
	unsigned int nfuncs;
	unsigned int open_contexts;
	bool report_at_exit;
	struct hw_nic *nic;	/* the functions' data plane: switch and engine thread */
	char root[192];		/* temporary folder holding the ibdev folders; fits ibdev_path */
	struct emu_function funcs[];
};

/* Protects emu_instance and its open_contexts count. */
static pthread_mutex_t emu_instance_lock = PTHREAD_MUTEX_INITIALIZER;
static struct emu_process *emu_instance;

static int
write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_MAX];
	size_t len = strlen(text);
	ssize_t n;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	n = write(fd, text, len);
	close(fd);
	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static int
make_dir(const char *path)
{
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static void
remove_tree(const char *path)
{
	if (path[0] != '\0')
		nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* <root>/mlx5_<i>/device/uevent, the file DPDK reads the PCI address from. */
static int
function_write_ibdev(struct emu_process *p, struct emu_function *fn)
{
	char dir[PATH_MAX], text[64];
	int ret;

	if (snprintf(fn->ibdev.ibdev_path, sizeof(fn->ibdev.ibdev_path), "%s/%s", p->root,
		     fn->ibdev.name) >= (int)sizeof(fn->ibdev.ibdev_path))
		return -ENAMETOOLONG;
	if (snprintf(fn->ibdev.dev_path, sizeof(fn->ibdev.dev_path), "%s/%s", p->root,
		     fn->ibdev.dev_name) >= (int)sizeof(fn->ibdev.dev_path))
		return -ENAMETOOLONG;
	ret = make_dir(fn->ibdev.ibdev_path);
	if (ret != 0)
		return ret;
	ret = make_dir(fn->ibdev.dev_path);
	if (ret != 0)
		return ret;
	if (snprintf(dir, sizeof(dir), "%s/device", fn->ibdev.ibdev_path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	ret = make_dir(dir);
	if (ret != 0)
		return ret;
	snprintf(text, sizeof(text), "DRIVER=mlx5_core\nPCI_SLOT_NAME=%s\n", fn->pci_addr);
	return write_file(dir, "uevent", text);
}

static void
process_free(struct emu_process *p)
{
	unsigned int i;

	for (i = 0; i < p->nfuncs; i++) {
		emu_steer_destroy(p->funcs[i].steer);
		emu_fw_destroy(p->funcs[i].fw);
	}
	/* After the functions: destroying them removes their queues from the NIC. */
	hw_nic_destroy(p->nic);
	remove_tree(p->root);
	free(p);
}


/* The NIC asks each function's flow rules (mlx5dv_dr_*) where a received frame goes. */
static int
classify_by_rules(void *steer, const uint8_t *frame, size_t len, uint32_t *tirn)
{
	return emu_steer_classify(steer, frame, len, tirn);
}

static int
process_create(struct emu_process **out)
{
	struct emu_verbs_config cfg;
	struct emu_process *p;
	const char *tmp;
	unsigned int i;
	int ret;

	ret = emu_verbs_config_load(&cfg);
	if (ret != 0)
		return ret;
	p = calloc(1, sizeof(*p) + cfg.nfuncs * sizeof(p->funcs[0]));
	if (p == NULL) {
		ret = -ENOMEM;
		goto err_cfg;
	}
	tmp = getenv("TMPDIR");
	if (tmp == NULL || tmp[0] == '\0')
		tmp = "/tmp";
	if (snprintf(p->root, sizeof(p->root), "%s/mlx5emu.XXXXXX", tmp) >= (int)sizeof(p->root)) {
		ret = -ENAMETOOLONG;
		p->root[0] = '\0';
		goto err_free;
	}
	if (mkdtemp(p->root) == NULL) {
		ret = -errno;
		p->root[0] = '\0';
		goto err_free;
	}
	for (i = 0; i < cfg.nfuncs; i++) {
		struct emu_function *fn = &p->funcs[i];

		fn->index = i;
		fn->ibdev.node_type = IBV_NODE_CA;
		fn->ibdev.transport_type = IBV_TRANSPORT_IB;
		snprintf(fn->ibdev.name, sizeof(fn->ibdev.name), "mlx5_%u", i);
		snprintf(fn->ibdev.dev_name, sizeof(fn->ibdev.dev_name), "uverbs%u", i);
		fn->pci_device_id = cfg.funcs[i].pci_device_id;
		snprintf(fn->pci_addr, sizeof(fn->pci_addr), "%s", cfg.funcs[i].pci_addr);
		ret = emu_fw_create(&cfg.funcs[i].params, &fn->fw);
		if (ret != 0)
			goto err_funcs;
		p->nfuncs = i + 1;
		ret = emu_verbs_config_apply(&cfg, i, fn->fw);
		if (ret != 0)
			goto err_funcs;
		ret = emu_steer_create(&fn->steer);
		if (ret != 0)
			goto err_funcs;
		ret = function_write_ibdev(p, fn);
		if (ret != 0)
			goto err_funcs;
	}
	{
		uint8_t (*macs)[6] = calloc(cfg.nfuncs, sizeof(*macs));

		for (i = 0; macs != NULL && i < cfg.nfuncs; i++)
			memcpy(macs[i], cfg.funcs[i].params.mac, 6);
		ret = macs != NULL ? hw_nic_create(cfg.nfuncs, (const uint8_t (*)[6])macs, &p->nic) :
				     -ENOMEM;
		free(macs);
		if (ret != 0)
			goto err_funcs;
		if (cfg.wire != NULL) {
			char err[256] = "";

			ret = hw_nic_set_uplink(p->nic, cfg.wire, err, sizeof(err));
			if (ret != 0) {
				MLX5_LOG(ERR, LOG_ORIGIN, "MLX5_EMU wire=%s", err);
				goto err_free;
			}
		}
		for (i = 0; i < cfg.nfuncs; i++) {
			emu_fw_attach_nic(p->funcs[i].fw, p->nic, i);
			hw_nic_set_classifier(p->nic, i, classify_by_rules, p->funcs[i].steer);
		}
	}
	p->report_at_exit = cfg.report_at_exit;
	emu_verbs_config_free(&cfg);
	*out = p;
	return 0;

err_funcs:
	MLX5_LOG(ERR, LOG_ORIGIN, "cannot create emulated function %u: %s", i, strerror(-ret));
err_free:
	process_free(p);
err_cfg:
	emu_verbs_config_free(&cfg);
	return ret;
}

/* Returns the instance, creating it if needed; called with emu_instance_lock held. */
static int
process_get_locked(struct emu_process **p)
{
	int ret;

	if (emu_instance == NULL) {
		ret = process_create(&emu_instance);
		if (ret != 0)
			return ret;
	}
	*p = emu_instance;
	return 0;
}

static struct emu_process *
process_get(void)
{
	struct emu_process *p = NULL;
	int ret;

	pthread_mutex_lock(&emu_instance_lock);
	ret = process_get_locked(&p);
	pthread_mutex_unlock(&emu_instance_lock);
	if (ret != 0)
		errno = -ret;
	return p;
}

int
emu_process_acquire(void)
{
	struct emu_process *p;
	int ret;

	pthread_mutex_lock(&emu_instance_lock);
	ret = process_get_locked(&p);
	if (ret == 0)
		p->open_contexts++;
	pthread_mutex_unlock(&emu_instance_lock);
	return ret;
}

void
emu_process_release(void)
{
	pthread_mutex_lock(&emu_instance_lock);
	emu_instance->open_contexts--;
	pthread_mutex_unlock(&emu_instance_lock);
}

EMU_EXPORT struct ibv_device **
ibv_get_device_list(int *num_devices)
{
	EMU_API_CALL();
	struct emu_process *p = process_get();
	struct ibv_device **list;
	unsigned int i;

	if (p == NULL)
		return NULL;
	list = calloc(p->nfuncs + 1, sizeof(*list));
	if (list == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = 0; i < p->nfuncs; i++)
		list[i] = &p->funcs[i].ibdev;
	if (num_devices != NULL)
		*num_devices = (int)p->nfuncs;
	return list;
}

EMU_EXPORT void
ibv_free_device_list(struct ibv_device **list)
{
	EMU_API_CALL();
	/* The devices belong to the instance; only the array is the caller's. */
	free(list);
}

static struct emu_function *
process_function(unsigned int i)
{
	struct emu_process *p = process_get();

	if (p == NULL || i >= p->nfuncs)
		return NULL;
	return &p->funcs[i];
}

EMU_EXPORT int
mlx5_emu_process_nfuncs(void)
{
	struct emu_process *p = process_get();

	return p != NULL ? (int)p->nfuncs : -errno;
}

EMU_EXPORT struct emu_fw *
mlx5_emu_process_fw(unsigned int i)
{
	struct emu_function *fn = process_function(i);

	return fn != NULL ? fn->fw : NULL;
}

EMU_EXPORT struct emu_steer *
mlx5_emu_process_steer(unsigned int i)
{
	struct emu_function *fn = process_function(i);

	return fn != NULL ? fn->steer : NULL;
}

EMU_EXPORT const char *
mlx5_emu_process_pci_addr(unsigned int i)
{
	struct emu_function *fn = process_function(i);

	return fn != NULL ? fn->pci_addr : NULL;
}

EMU_EXPORT uint16_t
mlx5_emu_process_pci_device_id(unsigned int i)
{
	struct emu_function *fn = process_function(i);

	return fn != NULL ? fn->pci_device_id : 0;
}

static int
sysfs_write_function(const char *dir, const struct emu_function *fn)
{
	char dev[PATH_MAX], link[PATH_MAX], text[256];
	size_t off = 0;
	unsigned int i;
	int ret;

	if (snprintf(dev, sizeof(dev), "%s/%s", dir, fn->pci_addr) >= (int)sizeof(dev))
		return -ENAMETOOLONG;
	ret = make_dir(dev);
	if (ret != 0)
		return ret;
	snprintf(text, sizeof(text), "0x%04x\n", fn->pci_device_id);
	ret = write_file(dev, "vendor", "0x15b3\n");
	if (ret == 0)
		ret = write_file(dev, "device", text);
	if (ret == 0)
		ret = write_file(dev, "subsystem_vendor", "0x15b3\n");
	if (ret == 0)
		ret = write_file(dev, "subsystem_device", text);
	if (ret == 0)
		ret = write_file(dev, "class", "0x020000\n");
	if (ret == 0)
		ret = write_file(dev, "numa_node", "0\n");
	if (ret == 0)
		ret = write_file(dev, "roce_enable", "0\n");
	if (ret != 0)
		return ret;
	snprintf(text, sizeof(text), "DRIVER=mlx5_core\nPCI_ID=15B3:%04X\nPCI_SLOT_NAME=%s\n",
		 fn->pci_device_id, fn->pci_addr);
	ret = write_file(dev, "uevent", text);
	if (ret != 0)
		return ret;
	{
		/* EAL's scan fails unless all 13 resource lines are there, empty or not. */
		char res[13 * 60];

		for (i = 0; i < 13; i++)
			off += (size_t)snprintf(res + off, sizeof(res) - off,
						"0x%016x 0x%016x 0x%016x\n", 0, 0, 0);
		ret = write_file(dev, "resource", res);
		if (ret != 0)
			return ret;
	}
	if (snprintf(link, sizeof(link), "%s/driver", dev) >= (int)sizeof(link))
		return -ENAMETOOLONG;
	if (unlink(link) != 0 && errno != ENOENT)
		return -errno;
	if (symlink("../mlx5_core", link) != 0)
		return -errno;
	return 0;
}

EMU_EXPORT int
mlx5_emu_process_write_pci_sysfs(const char *dir)
{
	char drv[PATH_MAX];
	struct emu_process *p;
	unsigned int i;
	int ret;

	if (dir == NULL)
		return -EINVAL;
	p = process_get();
	if (p == NULL)
		return -errno;
	if (snprintf(drv, sizeof(drv), "%s/mlx5_core", dir) >= (int)sizeof(drv))
		return -ENAMETOOLONG;
	ret = make_dir(drv);
	if (ret != 0)
		return ret;
	for (i = 0; i < p->nfuncs; i++) {
		ret = sysfs_write_function(dir, &p->funcs[i]);
		if (ret != 0)
			return ret;
	}
	return 0;
}

EMU_EXPORT int
mlx5_emu_process_reset(void)
{
	struct emu_process *p;

	pthread_mutex_lock(&emu_instance_lock);
	p = emu_instance;
	if (p != NULL && p->open_contexts != 0) {
		pthread_mutex_unlock(&emu_instance_lock);
		return -EBUSY;
	}
	emu_instance = NULL;
	pthread_mutex_unlock(&emu_instance_lock);
	if (p != NULL)
		process_free(p);
	return 0;
}

/*
 * At exit: the report if asked for, the data plane's engine thread stopped (a thread still
 * running at exit is not a clean end), and no temporary files left behind (ibdev folders).
 */
__attribute__((destructor)) static void
process_exit(void)
{
	pthread_mutex_lock(&emu_instance_lock);
	if (emu_instance != NULL) {
		/* Before stdio's flush at exit: the trace's watcher writes its file. */
		for (unsigned int i = 0; i < emu_instance->nfuncs; i++)
			emu_fw_trace_stop(emu_instance->funcs[i].fw);
		for (unsigned int i = 0; emu_instance->report_at_exit && i < emu_instance->nfuncs; i++)
			emu_fw_report_live(emu_instance->funcs[i].fw, emu_instance->funcs[i].ibdev.name);
		if (emu_instance->report_at_exit) {
			struct eswitch_uplink_stats us;

			hw_nic_uplink_stats(emu_instance->nic, &us);
			fprintf(stderr, "mlx5emu: uplink: %" PRIu64 " frames sent, %" PRIu64
				" dropped, %" PRIu64 " received, %" PRIu64 " links up\n",
				us.tx_frames, us.tx_dropped, us.rx_frames, us.links_up);
			emu_api_report(stderr);
		}
		hw_nic_stop(emu_instance->nic);
		remove_tree(emu_instance->root);
	}
	pthread_mutex_unlock(&emu_instance_lock);
}
