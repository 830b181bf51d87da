// SPDX-License-Identifier: Apache-2.0
/*
 * Flat payload loader (see payload.h).
 */
#include "payload.h"

#include "longmode.h"

#include "../guest/abi.h"
#include "../log.h"
#include "../probe.h"
#include "../vm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The built-in probe, embedded by src/guest/probe_blob.S. */
extern const uint8_t probe_blob_start[], probe_blob_end[];

static int load_file(struct vm *vm, const char *path)
{
	uint8_t *dst = vm->mem + GUEST_PAYLOAD_ADDR;
	struct stat st;
	ssize_t n;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		log_err("[boot] payload = %s: %s", path, strerror(-ret));
		goto out;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0 || (uint64_t)st.st_size > GUEST_PAYLOAD_MAX) {
		log_err("[boot] payload = %s: expected a flat binary of 1 to %llu bytes, found %s"
			" of %lld bytes", path, GUEST_PAYLOAD_MAX,
			S_ISREG(st.st_mode) ? "a file" : "something that is not a file",
			(long long)st.st_size);
		ret = -EINVAL;
		goto out;
	}
	for (off_t done = 0; done < st.st_size; done += n) {
		n = read(fd, dst + done, (size_t)(st.st_size - done));
		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			log_err("[boot] payload = %s: read: %s", path, strerror(-ret));
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static int set_entry(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = GUEST_PAYLOAD_ADDR,
		.rdi = vcpu->id,
		.rsi = GUEST_INFO_ADDR,
		.rsp = GUEST_STACKS_ADDR + (vcpu->id + 1) * GUEST_STACK_SIZE,
		.rflags = 0x2,	/* bit 1 is reserved and always set; IF clear */
	};
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	int ret;

	ret = kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs);
	if (ret >= 0) {
		longmode_sregs(&sregs);
		ret = kvm_ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
	}
	if (ret >= 0)
		ret = kvm_ioctl(vcpu->fd, KVM_SET_REGS, &regs);
	/* with an in-kernel LAPIC, vCPUs other than 0 would wait for a startup IPI */
	if (ret >= 0)
		ret = kvm_ioctl(vcpu->fd, KVM_SET_MP_STATE, &mp);
	if (ret < 0)
		log_err("vcpu%u: setting the long-mode entry state: %s", vcpu->id, strerror(-ret));
	return ret < 0 ? ret : 0;
}

int payload_load(struct vm *vm)
{
	const struct cfg *cfg = vm->cfg;
	uint64_t need = GUEST_STACKS_ADDR + vm->nr_vcpus * GUEST_STACK_SIZE;
	struct guest_info *info;
	int ret;

	if (cfg->boot.payload == CFG_PAYLOAD_PROBE)
		need = probe_memory_bytes(vm->nr_vcpus);
	if (vm->mem_bytes < need || vm->nr_vcpus > GUEST_MAX_VCPUS) {
		log_err("[vm] memory = %lluK is too small for this payload on %u vCPUs: it needs at"
			" least %lluK (payloads support up to %d vCPUs)",
			(unsigned long long)vm->mem_bytes >> 10, vm->nr_vcpus,
			(unsigned long long)(need + 1023) >> 10, GUEST_MAX_VCPUS);
		return -EINVAL;
	}
	if (cfg->boot.payload == CFG_PAYLOAD_PROBE) {
		memcpy(vm->mem + GUEST_PAYLOAD_ADDR, probe_blob_start,
		       (size_t)(probe_blob_end - probe_blob_start));
	} else {
		ret = load_file(vm, cfg->boot.payload_path);
		if (ret)
			return ret;
	}
	longmode_build_tables(vm->mem);
	info = (struct guest_info *)(vm->mem + GUEST_INFO_ADDR);
	*info = (struct guest_info){
		.magic = GUEST_INFO_MAGIC,
		.nr_vcpus = vm->nr_vcpus,
		.tsc_khz = vm->tsc_khz,
		.mem_bytes = vm->mem_bytes,
	};
	if (cfg->boot.payload == CFG_PAYLOAD_PROBE)
		probe_prepare(info, cfg, vm->tsc_khz);
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		ret = set_entry(vm->vcpus[i]);
		if (ret)
			return ret;
	}
	return 0;
}
