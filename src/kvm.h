// SPDX-License-Identifier: Apache-2.0
/*
 * The KVM system handle (/dev/kvm) and the one ioctl wrapper every KVM call goes
 * through. Used by the main thread to create VMs and vCPUs; kvm_ioctl() is safe from
 * any thread.
 */
#ifndef RTVMM_KVM_H
#define RTVMM_KVM_H

#include <stdbool.h>
#include <stddef.h>

struct kvm_sys {
	int fd;			/* /dev/kvm, -1 when closed */
	size_t run_size;	/* bytes to mmap for each vCPU's struct kvm_run */
	unsigned max_vcpus;	/* KVM_CAP_MAX_VCPUS */
};

/* ioctl(2) returning the result (>= 0) or -errno. Any thread. */
int kvm_ioctl(int fd, unsigned long request, void *arg);

/*
 * Opens /dev/kvm, checks the API version and the capabilities rtvmm cannot work
 * without. Logs a message naming the cause and the fix on failure.
 * Returns 0 or -errno. Main thread.
 */
int kvm_sys_open(struct kvm_sys *sys, const char *path);
void kvm_sys_close(struct kvm_sys *sys);

/* KVM_CHECK_EXTENSION on the system fd: the capability's value, 0 when absent. */
int kvm_sys_cap(const struct kvm_sys *sys, int cap);

#endif
