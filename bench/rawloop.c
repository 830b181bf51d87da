// SPDX-License-Identifier: Apache-2.0
/*
 * The baseline for `make bench`: the smallest KVM loop that can run a flat payload on
 * one vCPU — no threads, no mailbox, no counters, no bus. It reuses rtvmm's long-mode
 * tables for the entry state (not timed); everything after the first KVM_RUN is its own.
 * Usage: rawloop PAYLOAD.bin
 */
#include "../src/boot/longmode.h"
#include "../src/guest/abi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_BYTES (16ULL << 20)

static void die(const char *what)
{
	fprintf(stderr, "rawloop: %s: %s\n", what, strerror(errno));
	exit(1);
}

int main(int argc, char **argv)
{
	struct kvm_cpuid2 *cpuid;
	struct kvm_sregs sregs;
	struct kvm_regs regs = { .rip = GUEST_PAYLOAD_ADDR, .rsi = GUEST_INFO_ADDR,
				 .rsp = GUEST_STACKS_ADDR + GUEST_STACK_SIZE, .rflags = 2 };
	struct guest_info *info;
	struct kvm_run *run;
	uint8_t *mem;
	int kvm, vm, vcpu, fd, khz;
	ssize_t n;

	if (argc != 2) {
		fprintf(stderr, "usage: rawloop PAYLOAD.bin\n");
		return 2;
	}
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		die("/dev/kvm");
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0 || ioctl(vm, KVM_CREATE_IRQCHIP, 0) < 0)
		die("KVM_CREATE_VM");
	mem = mmap(NULL, MEM_BYTES, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct kvm_userspace_memory_region region = { .memory_size = MEM_BYTES,
						      .userspace_addr = (unsigned long)mem };
	if (mem == MAP_FAILED || ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die("guest memory");
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		die(argv[1]);
	n = read(fd, mem + GUEST_PAYLOAD_ADDR, GUEST_PAYLOAD_MAX);
	close(fd);
	if (n <= 0)
		die("read payload");
	longmode_build_tables(mem);

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run = mmap(NULL, (size_t)ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0), PROT_READ | PROT_WRITE,
		   MAP_SHARED, vcpu, 0);
	cpuid = calloc(1, sizeof(*cpuid) + 256 * sizeof(cpuid->entries[0]));
	cpuid->nent = 256;
	if (run == MAP_FAILED || ioctl(kvm, KVM_GET_SUPPORTED_CPUID, cpuid) < 0 ||
	    ioctl(vcpu, KVM_SET_CPUID2, cpuid) < 0)
		die("vCPU setup");
	khz = ioctl(vcpu, KVM_GET_TSC_KHZ, 0);
	info = (struct guest_info *)(mem + GUEST_INFO_ADDR);
	*info = (struct guest_info){ .magic = GUEST_INFO_MAGIC, .nr_vcpus = 1,
				     .tsc_khz = (uint32_t)khz, .mem_bytes = MEM_BYTES };
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		die("KVM_GET_SREGS");
	longmode_sregs(&sregs);
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0 || ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		die("entry state");

	for (;;) {
		if (ioctl(vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		if (run->exit_reason != KVM_EXIT_IO) {
			fprintf(stderr, "rawloop: exit reason %u\n", run->exit_reason);
			return 1;
		}
		uint8_t *data = (uint8_t *)run + run->io.data_offset;

		if (run->io.port == PORT_DEBUGCON)
			putchar(*data);
		else if (run->io.port == PORT_DEBUG_EXIT)
			return *data;
	}
}
