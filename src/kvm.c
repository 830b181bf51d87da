// SPDX-License-Identifier: Apache-2.0
/*
 * /dev/kvm: open, version and capability checks. The capability list is the contract
 * between rtvmm and the host kernel: a host that lacks one of these cannot run any VM.
 */
#include "kvm.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

int kvm_ioctl(int fd, unsigned long request, void *arg)
{
	int ret = ioctl(fd, request, arg);

	return ret < 0 ? -errno : ret;
}

int kvm_sys_cap(const struct kvm_sys *sys, int cap)
{
	int ret = kvm_ioctl(sys->fd, KVM_CHECK_EXTENSION, (void *)(long)cap);

	return ret < 0 ? 0 : ret;
}

static void explain_open_failure(const char *path, int err)
{
	struct stat st;

	if (err == ENOENT) {
		log_err("%s: %s (load the KVM module: 'modprobe kvm_intel' or 'modprobe kvm_amd',"
			" and enable VT-x/AMD-V in the firmware)", path, strerror(err));
		return;
	}
	if ((err == EACCES || err == EPERM) && stat(path, &st) == 0) {
		struct group *gr = getgrgid(st.st_gid);

		log_err("%s: %s (owned by group '%s' with mode %03o: add this user to that group,"
			" e.g. 'usermod -aG %s $USER', or run as root)", path, strerror(err),
			gr ? gr->gr_name : "?", st.st_mode & 0777, gr ? gr->gr_name : "kvm");
		return;
	}
	log_err("%s: %s", path, strerror(err));
}

int kvm_sys_open(struct kvm_sys *sys, const char *path)
{
	static const struct {
		int cap;
		const char *name;
	} required[] = {
		{ KVM_CAP_USER_MEMORY, "KVM_CAP_USER_MEMORY" },
		{ KVM_CAP_IMMEDIATE_EXIT, "KVM_CAP_IMMEDIATE_EXIT" },
		{ KVM_CAP_EXT_CPUID, "KVM_CAP_EXT_CPUID" },
		{ KVM_CAP_GET_TSC_KHZ, "KVM_CAP_GET_TSC_KHZ" },
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
	};
	int ret;

	sys->fd = open(path, O_RDWR | O_CLOEXEC);
	if (sys->fd < 0) {
		ret = -errno;
		explain_open_failure(path, -ret);
		return ret;
	}
	ret = kvm_ioctl(sys->fd, KVM_GET_API_VERSION, NULL);
	if (ret < 0) {
		log_err("%s: not a KVM device (KVM_GET_API_VERSION: %s)", path, strerror(-ret));
		ret = -ENOTSUP;
		goto err_close;
	}
	if (ret != KVM_API_VERSION) {
		log_err("%s: KVM API version %d, expected %d", path, ret, KVM_API_VERSION);
		ret = -ENOTSUP;
		goto err_close;
	}
	for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		if (!kvm_sys_cap(sys, required[i].cap)) {
			log_err("%s: the host kernel lacks %s, which rtvmm needs", path,
				required[i].name);
			ret = -ENOTSUP;
			goto err_close;
		}
	}
	ret = kvm_ioctl(sys->fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	if (ret <= 0) {
		log_err("%s: KVM_GET_VCPU_MMAP_SIZE: %s", path, strerror(ret ? -ret : EINVAL));
		ret = ret ? ret : -EINVAL;
		goto err_close;
	}
	sys->run_size = (size_t)ret;
	sys->max_vcpus = (unsigned)kvm_sys_cap(sys, KVM_CAP_MAX_VCPUS);
	if (!sys->max_vcpus)
		sys->max_vcpus = (unsigned)kvm_sys_cap(sys, KVM_CAP_NR_VCPUS);
	return 0;

err_close:
	close(sys->fd);
	sys->fd = -1;
	return ret;
}

void kvm_sys_close(struct kvm_sys *sys)
{
	if (sys && sys->fd >= 0) {
		close(sys->fd);
		sys->fd = -1;
	}
}
