// SPDX-License-Identifier: Apache-2.0
/*
 * Firmware-like CPU state for Linux (see cpu.h). What is set, and why only this:
 * - FPU: KVM resets FCW/MXCSR the same way; setting them says the entry state does not
 *   depend on that.
 * - IA32_MISC_ENABLE.FAST_STRING: a BIOS turns it on; Linux drops ERMS ("enhanced REP
 *   MOVSB") when it is off, making every memcpy slower. KVM's reset value also says
 *   BTS/PEBS are unavailable: read it and add the bit, never overwrite.
 * - IA32_MTRR_DEF_TYPE: KVM resets MTRRs to disabled, which Linux (6.1 and earlier)
 *   reads as "MTRRs disabled by BIOS" and then turns PAT off too; write-back as the
 *   default type is what firmware sets for RAM.
 * - LINT0 ExtINT / LINT1 NMI: the PC's virtual-wire mode, so the PIC's interrupts (the
 *   PIT timer) reach the BSP before Linux sets up the IOAPIC, and NMIs are delivered.
 * Not set, though other VMMs do: IA32_TSC (KVM synchronizes the vCPUs' TSCs when it
 *   creates them; writing each one later can desynchronize them and make Linux mark the
 *   TSC unstable, which ruins RT timing), and the SYSENTER/SYSCALL MSRs (KVM resets them
 *   to 0 and Linux programs them before any use).
 */
#include "cpu.h"

#include "../kvm.h"
#include "../log.h"
#include "../vcpu.h"

#include <errno.h>
#include <string.h>

void cpu_fpu_reset(struct kvm_fpu *fpu)
{
	memset(fpu, 0, sizeof(*fpu));
	fpu->fcw = 0x37f;
	fpu->mxcsr = 0x1f80;
}

void cpu_boot_msrs(struct kvm_msr_entry out[CPU_BOOT_MSRS], uint64_t misc_enable)
{
	memset(out, 0, CPU_BOOT_MSRS * sizeof(*out));
	out[0].index = CPU_MSR_MISC_ENABLE;
	out[0].data = misc_enable | CPU_MISC_ENABLE_FAST_STRING;
	out[1].index = CPU_MSR_MTRR_DEF_TYPE;
	out[1].data = CPU_MTRR_ENABLE | CPU_MTRR_TYPE_WB;
}

static void set_delivery_mode(struct kvm_lapic_state *lapic, unsigned reg, uint32_t mode)
{
	uint32_t v;

	memcpy(&v, &lapic->regs[reg], sizeof(v));
	v = (v & ~0x700u) | mode << 8;	/* bits 10:8 of an LVT entry */
	memcpy(&lapic->regs[reg], &v, sizeof(v));
}

void cpu_lapic_lint(struct kvm_lapic_state *lapic)
{
	set_delivery_mode(lapic, CPU_APIC_LVT0, CPU_APIC_MODE_EXTINT);
	set_delivery_mode(lapic, CPU_APIC_LVT1, CPU_APIC_MODE_NMI);
}

int cpu_init(struct vcpu *vcpu)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry entries[CPU_BOOT_MSRS];
	} msrs = { .hdr.nmsrs = 1 };
	struct kvm_lapic_state lapic;
	struct kvm_fpu fpu;
	const char *what;
	int ret;

	cpu_fpu_reset(&fpu);
	what = "KVM_SET_FPU";
	ret = kvm_ioctl(vcpu->fd, KVM_SET_FPU, &fpu);
	if (ret < 0)
		goto err;

	what = "KVM_GET_MSRS (IA32_MISC_ENABLE)";
	msrs.entries[0].index = CPU_MSR_MISC_ENABLE;
	ret = kvm_ioctl(vcpu->fd, KVM_GET_MSRS, &msrs);
	if (ret != 1)
		goto err_count;
	cpu_boot_msrs(msrs.entries, msrs.entries[0].data);
	msrs.hdr.nmsrs = CPU_BOOT_MSRS;
	what = "KVM_SET_MSRS";
	ret = kvm_ioctl(vcpu->fd, KVM_SET_MSRS, &msrs);
	if (ret != CPU_BOOT_MSRS)
		goto err_count;

	what = "KVM_GET_LAPIC";
	ret = kvm_ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic);
	if (ret < 0)
		goto err;
	cpu_lapic_lint(&lapic);
	what = "KVM_SET_LAPIC";
	ret = kvm_ioctl(vcpu->fd, KVM_SET_LAPIC, &lapic);
	if (ret < 0)
		goto err;
	return 0;

err_count:
	/* KVM_{GET,SET}_MSRS return how many MSRs they handled: the next one was refused */
	if (ret >= 0) {
		log_err("vcpu%u: %s: KVM refused MSR 0x%x", vcpu->id, what,
			msrs.entries[ret].index);
		return -EIO;
	}
err:
	log_err("vcpu%u: %s: %s", vcpu->id, what, strerror(-ret));
	return ret;
}
