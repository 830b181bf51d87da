// SPDX-License-Identifier: Apache-2.0
/*
 * Guest CPUID (see cpuid.h). The APIC ID of vCPU N is N; leaf 1 and the x2APIC
 * topology leaves (0xB, 0x1F) must agree with it, or Linux mis-numbers its CPUs.
 */
#include "cpuid.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CPUID_MAX_ENTRIES 256

int cpuid_get_supported(const struct kvm_sys *sys, struct kvm_cpuid2 **out)
{
	struct kvm_cpuid2 *cpuid;
	int ret;

	cpuid = calloc(1, sizeof(*cpuid) + CPUID_MAX_ENTRIES * sizeof(cpuid->entries[0]));
	if (!cpuid)
		return -ENOMEM;
	cpuid->nent = CPUID_MAX_ENTRIES;
	ret = kvm_ioctl(sys->fd, KVM_GET_SUPPORTED_CPUID, cpuid);
	if (ret < 0) {
		log_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(-ret));
		free(cpuid);
		return ret;
	}
	*out = cpuid;
	return 0;
}

/* Bits needed to number `n` distinct IDs. */
static unsigned id_bits(unsigned n)
{
	unsigned bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

void cpuid_fixup(struct kvm_cpuid2 *cpuid, unsigned id, unsigned nr_vcpus)
{
	for (unsigned i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		switch (e->function) {
		case 1:
			/* EBX[31:24] initial APIC ID, EBX[23:16] logical processors per package */
			e->ebx = (e->ebx & 0x0000ffffu) | (id & 0xffu) << 24 |
				 ((nr_vcpus > 255 ? 255 : nr_vcpus) & 0xffu) << 16;
			/* HTT: the package field above is valid */
			if (nr_vcpus > 1)
				e->edx |= 1u << 28;
			break;
		case 0xb:
		case 0x1f:
			/* one thread per core, all cores in one package */
			e->edx = id;
			if (e->index == 0) {
				e->eax = 0;
				e->ebx = 1;
				e->ecx = 1u << 8 | 0;	/* level type SMT */
			} else if (e->index == 1) {
				e->eax = id_bits(nr_vcpus);
				e->ebx = nr_vcpus;
				e->ecx = 2u << 8 | 1;	/* level type core */
			} else {
				e->eax = e->ebx = 0;
				e->ecx = e->index;	/* level type invalid ends the list */
			}
			break;
		default:
			break;
		}
	}
}

void cpuid_set_tsc_deadline(struct kvm_cpuid2 *cpuid)
{
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= 1u << 24;
}
