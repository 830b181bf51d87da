// SPDX-License-Identifier: Apache-2.0
/*
 * Guest CPUID: what KVM supports on this host, fixed up per vCPU so that each sees its
 * own APIC ID and a topology consistent with the VM's vCPU count. Main thread.
 */
#ifndef RTVMM_CPUID_H
#define RTVMM_CPUID_H

#include "kvm.h"

#include <linux/kvm.h>

/* KVM_GET_SUPPORTED_CPUID into a new buffer (free() it). Returns 0 or -errno. */
int cpuid_get_supported(const struct kvm_sys *sys, struct kvm_cpuid2 **out);

/* Rewrites the per-vCPU fields for vCPU `id` of `nr_vcpus`. Pure; call once per vCPU. */
void cpuid_fixup(struct kvm_cpuid2 *cpuid, unsigned id, unsigned nr_vcpus);

/*
 * Sets CPUID.1:ECX.TSC_DEADLINE[bit 24]. KVM leaves it out of KVM_GET_SUPPORTED_CPUID on
 * older kernels because it depends on the in-kernel LAPIC; call this when
 * KVM_CAP_TSC_DEADLINE_TIMER says the in-kernel LAPIC has it. Pure.
 */
void cpuid_set_tsc_deadline(struct kvm_cpuid2 *cpuid);

#endif
