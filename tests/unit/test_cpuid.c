// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/cpuid: cpuid_fixup() on a fabricated struct kvm_cpuid2 (leaves 0,
 * 1, 0xB and 0x1F at indices 0..2, and others) must give vCPU N the APIC ID N in leaf 1
 * EBX[31:24] and in the x2APIC leaves' EDX, the vCPU count in leaf 1 EBX[23:16] with HTT
 * set when there is more than one, SMT/core level types with shift widths just wide
 * enough for the vCPU count, an invalid level at index 2, and leave every other leaf
 * and every other bit as KVM reported it. The buffer is reused for each vCPU in turn,
 * as vm.c does, so the fields must be overwritten, not merged. cpuid_set_tsc_deadline()
 * sets leaf 1 ECX bit 24 and nothing else.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/cpuid.h"

#include <stdlib.h>
#include <string.h>

#define HTT (1u << 28)

/* What a host might report, with garbage where the fixup must write. */
static const struct kvm_cpuid_entry2 host_entries[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x756e6547, .ecx = 0x6c65746e, .edx = 0x49656e69 },
	{ .function = 1, .eax = 0x000906ea, .ebx = 0xab100800, .ecx = 0xf7fa3223,
	  .edx = 0x0f8bfbff },
	{ .function = 4, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0x1c004121, .ebx = 0x01c0003f, .ecx = 0x3f, .edx = 0 },
	{ .function = 7, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX, .ebx = 0x029c6fbf,
	  .ecx = 0x40000000, .edx = 0xbc000400 },
	{ .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0xdeadbeef, .ebx = 0xdeadbeef, .ecx = 0xdeadbeef, .edx = 0xdeadbeef },
	{ .function = 0xb, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0xdeadbeef, .ebx = 0xdeadbeef, .ecx = 0xdeadbeef, .edx = 0xdeadbeef },
	{ .function = 0xb, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0xdeadbeef, .ebx = 0xdeadbeef, .ecx = 0xdeadbeef, .edx = 0xdeadbeef },
	{ .function = 0x1f, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0xcafef00d, .ebx = 0xcafef00d, .ecx = 0xcafef00d, .edx = 0xcafef00d },
	{ .function = 0x1f, .index = 1, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0xcafef00d, .ebx = 0xcafef00d, .ecx = 0xcafef00d, .edx = 0xcafef00d },
	{ .function = 0x1f, .index = 2, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX,
	  .eax = 0xcafef00d, .ebx = 0xcafef00d, .ecx = 0xcafef00d, .edx = 0xcafef00d },
	{ .function = 0x40000001, .eax = 0x01007afb },
	{ .function = 0x80000001, .ecx = 0x121, .edx = 0x2c100800 },
	{ .function = 0x80000008, .eax = 0x3027 },
};

#define NR_HOST (sizeof(host_entries) / sizeof(host_entries[0]))

/*
 * A copy of host_entries, followed by one leaf-1 entry past `nent` that the fixup must
 * not see. The fixture owns it, so a failing test does not leak it.
 */
static int setup_cpuid(void **state)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (NR_HOST + 1) * sizeof(c->entries[0]));

	if (!c)
		return -1;
	c->nent = NR_HOST;
	memcpy(c->entries, host_entries, sizeof(host_entries));
	c->entries[NR_HOST] = host_entries[1];
	*state = c;
	return 0;
}

static int teardown_cpuid(void **state)
{
	free(*state);
	return 0;
}

static struct kvm_cpuid_entry2 *find(struct kvm_cpuid2 *c, uint32_t function, uint32_t index)
{
	for (unsigned i = 0; i < c->nent; i++)
		if (c->entries[i].function == function && c->entries[i].index == index)
			return &c->entries[i];
	fail_msg("no leaf 0x%x index %u", function, index);
	return NULL;
}

static const struct kvm_cpuid_entry2 *host(uint32_t function, uint32_t index)
{
	for (size_t i = 0; i < NR_HOST; i++)
		if (host_entries[i].function == function && host_entries[i].index == index)
			return &host_entries[i];
	return NULL;
}

static void test_cpuid_leaf1_apic_id(void **state)
{
	static const unsigned ids[] = { 0, 1, 7 };
	struct kvm_cpuid2 *c = *state;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		const struct kvm_cpuid_entry2 *e;

		cpuid_fixup(c, ids[i], 8);
		e = find(c, 1, 0);
		assert_int_equal(e->ebx >> 24, ids[i]);
		assert_int_equal((e->ebx >> 16) & 0xff, 8);
		/* brand index and CLFLUSH size are KVM's */
		assert_int_equal(e->ebx & 0xffff, host(1, 0)->ebx & 0xffff);
	}
}

static void test_cpuid_leaf1_logical_count_and_htt(void **state)
{
	static const unsigned counts[] = { 2, 3, 8, 64, 255 };
	struct kvm_cpuid2 *c = *state;
	const struct kvm_cpuid_entry2 *h = host(1, 0);

	assert_false(h->edx & HTT);	/* the test's host leaves HTT clear */
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		const struct kvm_cpuid_entry2 *e;

		cpuid_fixup(c, 0, counts[i]);
		e = find(c, 1, 0);
		assert_int_equal((e->ebx >> 16) & 0xff, counts[i]);
		assert_true(e->edx & HTT);
		/* no other feature bit changes */
		assert_int_equal(e->edx & ~HTT, h->edx);
		assert_int_equal(e->eax, h->eax);
		assert_int_equal(e->ecx, h->ecx);
	}
}

static void test_cpuid_leaf1_single_vcpu(void **state)
{
	struct kvm_cpuid2 *c = *state;
	const struct kvm_cpuid_entry2 *e;

	cpuid_fixup(c, 0, 1);
	e = find(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 0);
	assert_int_equal((e->ebx >> 16) & 0xff, 1);
	/* one vCPU: HTT is not turned on */
	assert_int_equal(e->edx, host(1, 0)->edx);
}

static void test_cpuid_leaf1_count_saturates(void **state)
{
	struct kvm_cpuid2 *c = *state;
	const struct kvm_cpuid_entry2 *e;

	/* an 8-bit field: more than 255 vCPUs reads 255, not the count modulo 256 */
	cpuid_fixup(c, 255, 256);
	e = find(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 255);
	assert_int_equal((e->ebx >> 16) & 0xff, 255);
	assert_int_equal(e->ebx & 0xffff, host(1, 0)->ebx & 0xffff);
	assert_true(e->edx & HTT);
}

static void check_topology_leaf(struct kvm_cpuid2 *c, uint32_t leaf, unsigned id, unsigned nr,
				unsigned bits)
{
	const struct kvm_cpuid_entry2 *smt = find(c, leaf, 0);
	const struct kvm_cpuid_entry2 *core = find(c, leaf, 1);
	const struct kvm_cpuid_entry2 *end = find(c, leaf, 2);

	/* every index reports the vCPU's x2APIC ID */
	assert_int_equal(smt->edx, id);
	assert_int_equal(core->edx, id);
	assert_int_equal(end->edx, id);

	/* index 0: SMT level, one thread per core, no bits to shift */
	assert_int_equal(smt->eax & 0x1f, 0);
	assert_int_equal(smt->ebx & 0xffff, 1);
	assert_int_equal((smt->ecx >> 8) & 0xff, 1);	/* level type SMT */
	assert_int_equal(smt->ecx & 0xff, 0);		/* level number */

	/* index 1: core level, all vCPUs in one package */
	assert_int_equal(core->eax & 0x1f, bits);
	assert_int_equal(core->ebx & 0xffff, nr);
	assert_int_equal((core->ecx >> 8) & 0xff, 2);	/* level type core */
	assert_int_equal(core->ecx & 0xff, 1);

	/* index 2: level type invalid ends the enumeration */
	assert_int_equal(end->eax, 0);
	assert_int_equal(end->ebx, 0);
	assert_int_equal((end->ecx >> 8) & 0xff, 0);
	assert_int_equal(end->ecx & 0xff, 2);

	/* the flags saying the index matters are kept */
	assert_int_equal(smt->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
	assert_int_equal(end->flags, KVM_CPUID_FLAG_SIGNIFCANT_INDEX);
}

static void test_cpuid_leaf_b_topology(void **state)
{
	struct kvm_cpuid2 *c = *state;

	cpuid_fixup(c, 5, 8);
	check_topology_leaf(c, 0xb, 5, 8, 3);
	cpuid_fixup(c, 0, 1);
	check_topology_leaf(c, 0xb, 0, 1, 0);
}

static void test_cpuid_leaf_1f_topology(void **state)
{
	struct kvm_cpuid2 *c = *state;

	cpuid_fixup(c, 2, 3);
	check_topology_leaf(c, 0x1f, 2, 3, 2);
	cpuid_fixup(c, 8, 9);
	check_topology_leaf(c, 0x1f, 8, 9, 4);
}

static void test_cpuid_shift_width_per_count(void **state)
{
	static const struct {
		unsigned nr, bits;
	} cases[] = {
		{ 1, 0 },  { 2, 1 },  { 3, 2 },	  { 4, 2 },   { 5, 3 },	  { 8, 3 },
		{ 9, 4 },  { 16, 4 }, { 17, 5 },  { 64, 6 },  { 65, 7 },  { 128, 7 },
		{ 129, 8 }, { 255, 8 }, { 256, 8 }, { 257, 9 },
	};
	struct kvm_cpuid2 *c = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cpuid_fixup(c, 0, cases[i].nr);
		assert_int_equal(find(c, 0xb, 1)->eax, cases[i].bits);
		assert_int_equal(find(c, 0x1f, 1)->eax, cases[i].bits);
	}
}

static void test_cpuid_ids_consistent_for_every_vcpu(void **state)
{
	struct kvm_cpuid2 *c = *state;

	/* as vm.c does: one buffer, fixed up for each vCPU in turn */
	for (unsigned nr = 1; nr <= 40; nr++) {
		for (unsigned id = 0; id < nr; id++) {
			unsigned shift;

			cpuid_fixup(c, id, nr);
			shift = find(c, 0xb, 1)->eax & 0x1f;
			/* the package ID (x2APIC ID >> shift) is 0 for every vCPU ... */
			assert_int_equal(find(c, 0xb, 0)->edx >> shift, 0);
			/* ... and the shift is no wider than needed */
			if (shift)
				assert_true(1u << (shift - 1) < nr);
			assert_int_equal(find(c, 1, 0)->ebx >> 24, find(c, 0xb, 0)->edx);
			assert_int_equal(find(c, 0x1f, 1)->edx, id);
		}
	}
}

static void test_cpuid_fixup_overwrites_previous_vcpu(void **state)
{
	struct kvm_cpuid2 *c = *state;
	const struct kvm_cpuid_entry2 *e;

	cpuid_fixup(c, 0xff, 255);	/* all ones in the ID and count fields */
	cpuid_fixup(c, 2, 4);
	e = find(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 2);
	assert_int_equal((e->ebx >> 16) & 0xff, 4);
	assert_int_equal(find(c, 0xb, 0)->edx, 2);
	assert_int_equal(find(c, 0xb, 1)->eax, 2);
	assert_int_equal(find(c, 0xb, 1)->ebx, 4);
	assert_int_equal(find(c, 0x1f, 1)->edx, 2);
}

static void test_cpuid_other_leaves_untouched(void **state)
{
	struct kvm_cpuid2 *c = *state;

	cpuid_fixup(c, 3, 4);
	assert_int_equal(c->nent, NR_HOST);
	for (size_t i = 0; i < NR_HOST; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i], *h = &host_entries[i];

		/* no entry moves or changes its leaf, index or flags */
		assert_int_equal(e->function, h->function);
		assert_int_equal(e->index, h->index);
		assert_int_equal(e->flags, h->flags);
		if (h->function == 1 || h->function == 0xb || h->function == 0x1f)
			continue;
		assert_memory_equal(e, h, sizeof(*e));
	}
	/* the entry past nent is not read or written */
	assert_memory_equal(&c->entries[NR_HOST], &host_entries[1], sizeof(host_entries[1]));
}

static void test_cpuid_empty_table(void **state)
{
	struct kvm_cpuid2 *c = *state;

	c->nent = 0;
	cpuid_fixup(c, 1, 2);
	assert_memory_equal(c->entries, host_entries, sizeof(host_entries));
}

/* Only leaf 1's ECX bit 24 changes, in an entry without it, and in one that has it. */
static void test_cpuid_set_tsc_deadline_only_bit_24(void **state)
{
	struct kvm_cpuid2 *c = *state;
	struct kvm_cpuid_entry2 *leaf1 = find(c, 1, 0);
	const uint32_t ecx = host(1, 0)->ecx & ~(1u << 24);

	leaf1->ecx = ecx;
	cpuid_set_tsc_deadline(c);
	assert_int_equal(leaf1->ecx, ecx | 1u << 24);
	cpuid_set_tsc_deadline(c);
	assert_int_equal(leaf1->ecx, ecx | 1u << 24);
	leaf1->ecx = host(1, 0)->ecx;
	assert_memory_equal(c->entries, host_entries, sizeof(host_entries));
	/* the entry past nent is not written */
	assert_memory_equal(&c->entries[NR_HOST], &host_entries[1], sizeof(host_entries[1]));
}

#define cpuid_test(f) cmocka_unit_test_setup_teardown(f, setup_cpuid, teardown_cpuid)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cpuid_test(test_cpuid_leaf1_apic_id),
		cpuid_test(test_cpuid_leaf1_logical_count_and_htt),
		cpuid_test(test_cpuid_leaf1_single_vcpu),
		cpuid_test(test_cpuid_leaf1_count_saturates),
		cpuid_test(test_cpuid_leaf_b_topology),
		cpuid_test(test_cpuid_leaf_1f_topology),
		cpuid_test(test_cpuid_shift_width_per_count),
		cpuid_test(test_cpuid_ids_consistent_for_every_vcpu),
		cpuid_test(test_cpuid_fixup_overwrites_previous_vcpu),
		cpuid_test(test_cpuid_other_leaves_untouched),
		cpuid_test(test_cpuid_empty_table),
		cpuid_test(test_cpuid_set_tsc_deadline_only_bit_24),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
