// SPDX-License-Identifier: Apache-2.0
/*
 * Guest CPUID (see cpuid.h). The APIC ID of vCPU N is N; leaf 1 and the x2APIC
 * topology leaves (0xB, 0x1F) must agree with it, or Linux mis-numbers its CPUs. The
 * topology is one thread per core, every vCPU a core of one package: the cache leaves
 * (4 on Intel, 0x8000001D on AMD) and AMD's core count (0x80000008) and core IDs
 * (0x8000001E) say the same, since KVM passes the host's values through. The
 * hypervisor leaves KVM reports (0x40000000: "KVMKVMKVM", 0x40000001: kvmclock and the
 * other PV features) are kept as they are.
 */
#include "cpuid.h"

#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CPUID_MAX_ENTRIES 256

#define CPUID_HYPERVISOR	(1u << 31)	/* leaf 1 ECX: running under a hypervisor */
#define VENDOR_AMD_EBX		0x68747541	/* "Auth" of "AuthenticAMD" */
#define VENDOR_HYGON_EBX	0x6f677948	/* "Hygo" of "HygonGenuine" */

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

/* Leaf 1 EBX, leaves 0xB/0x1F: the APIC ID and the x2APIC topology levels. */
static void fixup_apic_ids(struct kvm_cpuid_entry2 *e, unsigned id, unsigned nr_vcpus)
{
	switch (e->function) {
	case 1:
		/* EBX[31:24] initial APIC ID, EBX[23:16] logical processors per package */
		e->ebx = (e->ebx & 0x0000ffffu) | (id & 0xffu) << 24 |
			 ((nr_vcpus > 255 ? 255 : nr_vcpus) & 0xffu) << 16;
		/* HTT: the package field above is valid */
		if (nr_vcpus > 1)
			e->edx |= 1u << 28;
		/* Linux looks for the hypervisor leaves (kvmclock) only with this bit */
		e->ecx |= CPUID_HYPERVISOR;
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

/*
 * A deterministic cache leaf (4, 0x8000001D): EAX[25:14] is the number of logical
 * processors sharing the cache, minus one. L1 and L2 belong to one core (one thread),
 * L3 to the whole package. Linux derives its LLC IDs from it.
 */
static uint32_t cache_sharing(uint32_t eax, unsigned nr_vcpus)
{
	unsigned level = (eax >> 5) & 7;
	uint32_t sharing = level >= 3 ? (nr_vcpus > 4096 ? 4095 : nr_vcpus - 1) : 0;

	return (eax & ~(0xfffu << 14)) | sharing << 14;
}

static void fixup_topology(struct kvm_cpuid_entry2 *e, unsigned id, unsigned nr_vcpus,
			   bool amd)
{
	switch (e->function) {
	case 4:
		if (!(e->eax & 0x1f))
			break;	/* cache type 0: no more caches */
		e->eax = cache_sharing(e->eax, nr_vcpus);
		/* EAX[31:26]: cores per package, minus one */
		e->eax = (e->eax & 0x03ffffffu) | (nr_vcpus > 64 ? 63 : nr_vcpus - 1) << 26;
		break;
	case 0x8000001d:
		if (amd && (e->eax & 0x1f))
			e->eax = cache_sharing(e->eax, nr_vcpus);
		break;
	case 0x80000008:
		/* ECX[7:0] NC: cores - 1; ECX[15:12] ApicIdSize: core ID bits of the APIC ID */
		if (amd)
			e->ecx = (e->ecx & ~0xf0ffu) | (nr_vcpus > 256 ? 255 : nr_vcpus - 1) |
				 id_bits(nr_vcpus) << 12;
		break;
	case 0x8000001e:
		/*
		 * KVM reports zeros here, which with TOPOEXT would make every vCPU core 0:
		 * EAX extended APIC ID, EBX[7:0] core ID, EBX[15:8] threads per core - 1,
		 * ECX[7:0] node ID, ECX[10:8] nodes per package - 1.
		 */
		if (amd) {
			e->eax = id;
			e->ebx = (e->ebx & ~0xffffu) | (id & 0xffu);
			e->ecx &= ~0x7ffu;
		}
		break;
	default:
		break;
	}
}

void cpuid_fixup(struct kvm_cpuid2 *cpuid, unsigned id, unsigned nr_vcpus)
{
	bool amd = false;

	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 0)
			amd = cpuid->entries[i].ebx == VENDOR_AMD_EBX ||
			      cpuid->entries[i].ebx == VENDOR_HYGON_EBX;
	for (unsigned i = 0; i < cpuid->nent; i++) {
		fixup_apic_ids(&cpuid->entries[i], id, nr_vcpus);
		fixup_topology(&cpuid->entries[i], id, nr_vcpus, amd);
	}
}

void cpuid_set_tsc_deadline(struct kvm_cpuid2 *cpuid)
{
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1)
			cpuid->entries[i].ecx |= 1u << 24;
}
