// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/boot/cpu's builders: the FPU control words of a reset CPU and
 * nothing else set; the MSR list (IA32_MISC_ENABLE keeps every bit KVM reported and
 * adds fast strings; MTRRdefType enables MTRRs with write-back default and leaves the
 * fixed ranges off); and the LAPIC's LVT0/LVT1 delivery modes set to ExtINT/NMI with
 * their mask, trigger and vector bits and every other register untouched.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/boot/cpu.h"

#include <string.h>

static void test_cpu_fpu_reset(void **state)
{
	struct kvm_fpu fpu, zero;

	(void)state;
	memset(&fpu, 0xff, sizeof(fpu));
	cpu_fpu_reset(&fpu);
	assert_int_equal(fpu.fcw, 0x37f);
	assert_int_equal(fpu.mxcsr, 0x1f80);
	/* everything else is the reset value 0 (empty tag word, no pending exception) */
	fpu.fcw = 0;
	fpu.mxcsr = 0;
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&fpu, &zero, sizeof(fpu));
}

static void test_cpu_boot_msrs(void **state)
{
	/* KVM's reset value: BTS (bit 11) and PEBS (bit 12) unavailable */
	const uint64_t kvm_reset = (1ULL << 11) | (1ULL << 12);
	struct kvm_msr_entry e[CPU_BOOT_MSRS + 1];

	(void)state;
	memset(e, 0xee, sizeof(e));
	cpu_boot_msrs(e, kvm_reset);
	assert_int_equal(e[0].index, 0x1a0);
	assert_int_equal(e[0].data, kvm_reset | 1);
	assert_int_equal(e[0].reserved, 0);
	assert_int_equal(e[1].index, 0x2ff);
	assert_int_equal(e[1].data & 0xff, 6);		/* default type write-back */
	assert_true(e[1].data & (1ULL << 11));		/* E: MTRRs on */
	assert_false(e[1].data & (1ULL << 10));	/* FE off: low 1 MiB not made UC */
	assert_int_equal(e[1].data & ~0xcffULL, 0);
	/* nothing past the list is written */
	assert_int_equal(e[CPU_BOOT_MSRS].index, 0xeeeeeeee);
	/* fast strings already on: unchanged */
	cpu_boot_msrs(e, 1);
	assert_int_equal(e[0].data, 1);
}

static uint32_t reg(const struct kvm_lapic_state *l, unsigned off)
{
	uint32_t v;

	memcpy(&v, &l->regs[off], sizeof(v));
	return v;
}

static void test_cpu_lapic_lint(void **state)
{
	struct kvm_lapic_state l, before;
	uint32_t masked_fixed = 0x00010000 | 0x8000 | 0x30;	/* masked, level, vector 0x30 */

	(void)state;
	for (size_t i = 0; i < sizeof(l.regs); i++)
		l.regs[i] = (char)(i * 13);
	memcpy(&l.regs[0x350], &masked_fixed, 4);
	memcpy(&l.regs[0x360], &masked_fixed, 4);
	before = l;
	cpu_lapic_lint(&l);
	assert_int_equal((reg(&l, 0x350) >> 8) & 7, 7);	/* ExtINT */
	assert_int_equal((reg(&l, 0x360) >> 8) & 7, 4);	/* NMI */
	assert_int_equal(reg(&l, 0x350) & ~0x700u, masked_fixed);
	assert_int_equal(reg(&l, 0x360) & ~0x700u, masked_fixed);
	/* no other register changes */
	for (size_t i = 0; i < sizeof(l.regs); i++)
		if ((i < 0x350 || i >= 0x354) && (i < 0x360 || i >= 0x364))
			assert_int_equal(l.regs[i], before.regs[i]);
	/* a delivery mode already set is replaced, not ORed */
	memset(&l.regs[0x350], 0xff, 4);
	cpu_lapic_lint(&l);
	assert_int_equal(reg(&l, 0x350), 0xffffffffu);
	l.regs[0x351] = 0x04;	/* NMI in LVT0 */
	cpu_lapic_lint(&l);
	assert_int_equal((reg(&l, 0x350) >> 8) & 7, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpu_fpu_reset),
		cmocka_unit_test(test_cpu_boot_msrs),
		cmocka_unit_test(test_cpu_lapic_lint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
