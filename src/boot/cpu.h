// SPDX-License-Identifier: Apache-2.0
/*
 * The CPU state a Linux guest expects from firmware on every vCPU, beyond what KVM's
 * reset gives: x87/SSE control words, fast strings and write-back MTRRs, and the local
 * APIC's LINT0/LINT1 wired as on a PC (virtual-wire ExtINT from the PIC, NMI). Pure
 * builders for each piece, and cpu_init() that applies them. Main thread, before the
 * vCPU threads start.
 */
#ifndef RTVMM_BOOT_CPU_H
#define RTVMM_BOOT_CPU_H

#include <linux/kvm.h>
#include <stdint.h>

struct vcpu;

#define CPU_MSR_MISC_ENABLE		0x1a0
#define CPU_MISC_ENABLE_FAST_STRING	(1ULL << 0)
#define CPU_MSR_MTRR_DEF_TYPE		0x2ff
#define CPU_MTRR_ENABLE			(1ULL << 11)
#define CPU_MTRR_TYPE_WB		6ULL

#define CPU_APIC_LVT0			0x350
#define CPU_APIC_LVT1			0x360
#define CPU_APIC_MODE_NMI		4u
#define CPU_APIC_MODE_EXTINT		7u

/* Number of MSRs cpu_boot_msrs() writes. */
#define CPU_BOOT_MSRS 2

/* The x87/SSE state after RESET/INIT: FCW 0x37f (all exceptions masked), MXCSR 0x1f80. */
void cpu_fpu_reset(struct kvm_fpu *fpu);

/*
 * The MSRs to set before entry: IA32_MISC_ENABLE = `misc_enable` (what KVM holds now)
 * with fast strings on, and IA32_MTRR_DEF_TYPE with MTRRs on and write-back default.
 */
void cpu_boot_msrs(struct kvm_msr_entry out[CPU_BOOT_MSRS], uint64_t misc_enable);

/* Sets LINT0 to ExtINT and LINT1 to NMI delivery, keeping their other bits. */
void cpu_lapic_lint(struct kvm_lapic_state *lapic);

/* Applies all three to a vCPU. Returns 0 or -errno (logged, naming the vCPU). */
int cpu_init(struct vcpu *vcpu);

#endif
