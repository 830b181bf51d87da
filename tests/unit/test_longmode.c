// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/boot/longmode: the GDT and page tables longmode_build_tables()
 * writes into a buffer standing for guest memory are decoded bit by bit as the CPU
 * would (Intel SDM vol. 3, 3.4.5 segment descriptors, 4.5 4-level paging): a 64-bit
 * code segment (L=1, D=0, present, DPL 0), a flat data segment, and tables whose walk
 * gives the identity for the low 4 GiB and nothing above; nothing outside the GDT and
 * tables is touched. longmode_sregs() must turn long mode on (CR0.PE|PG, CR4.PAE,
 * EFER.LME|LMA, CR3) with segment registers matching those descriptors. The same
 * tables at other addresses with other selectors (the Linux boot protocol's __BOOT_CS
 * 0x10 and __BOOT_DS 0x18) must put the descriptors at those selectors, null entries
 * below them, and a GDT limit that covers both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/boot/longmode.h"
#include "../../src/guest/abi.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Guest memory for the tests: the tables end below GUEST_INFO_ADDR (0x8000). */
#define MEM_BYTES 0x10000

#define PTE_P	(1ULL << 0)
#define PTE_W	(1ULL << 1)
#define PTE_U	(1ULL << 2)
#define PTE_PS	(1ULL << 7)
#define PTE_NX	(1ULL << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ULL

static int setup_mem(void **state)
{
	uint8_t *mem = calloc(1, MEM_BYTES);

	if (!mem)
		return -1;
	longmode_build_tables(mem);
	*state = mem;
	return 0;
}

static int teardown_mem(void **state)
{
	free(*state);
	return 0;
}

static uint64_t load64(const uint8_t *mem, uint64_t gpa)
{
	uint64_t v;

	assert_true(gpa + 8 <= MEM_BYTES);
	memcpy(&v, mem + gpa, sizeof(v));
	return v;
}

/* The fields of a code/data segment descriptor (SDM vol. 3, figure 3-8). */
struct desc {
	uint32_t base, limit;
	unsigned type, s, dpl, p, avl, l, db, g;
};

static struct desc decode_desc(uint64_t d)
{
	return (struct desc){
		.limit = (uint32_t)(d & 0xffff) | (uint32_t)((d >> 48) & 0xf) << 16,
		.base = (uint32_t)((d >> 16) & 0xffffff) | (uint32_t)((d >> 56) & 0xff) << 24,
		.type = (d >> 40) & 0xf,
		.s = (d >> 44) & 1,
		.dpl = (d >> 45) & 3,
		.p = (d >> 47) & 1,
		.avl = (d >> 52) & 1,
		.l = (d >> 53) & 1,
		.db = (d >> 54) & 1,
		.g = (d >> 55) & 1,
	};
}

static void test_longmode_gdt_null_descriptor(void **state)
{
	const uint8_t *mem = *state;

	assert_int_equal(load64(mem, GUEST_GDT_ADDR), 0);
}

static void test_longmode_gdt_code_descriptor_64bit(void **state)
{
	const uint8_t *mem = *state;
	struct desc c = decode_desc(load64(mem, GUEST_GDT_ADDR + LONGMODE_CS));

	assert_int_equal(c.p, 1);
	assert_int_equal(c.dpl, 0);
	assert_int_equal(c.s, 1);		/* code/data, not system */
	assert_true(c.type & 0x8);		/* code */
	assert_true(c.type & 0x2);		/* readable */
	assert_false(c.type & 0x4);		/* not conforming */
	assert_int_equal(c.l, 1);		/* 64-bit */
	assert_int_equal(c.db, 0);		/* must be 0 with L=1 */
	assert_int_equal(c.g, 1);
	assert_int_equal(c.base, 0);
	assert_int_equal(c.limit, 0xfffff);
}

static void test_longmode_gdt_data_descriptor(void **state)
{
	const uint8_t *mem = *state;
	struct desc d = decode_desc(load64(mem, GUEST_GDT_ADDR + LONGMODE_DS));

	assert_int_equal(d.p, 1);
	assert_int_equal(d.dpl, 0);
	assert_int_equal(d.s, 1);
	assert_false(d.type & 0x8);		/* data */
	assert_true(d.type & 0x2);		/* writable */
	assert_false(d.type & 0x4);		/* expand-up */
	assert_int_equal(d.l, 0);
	assert_int_equal(d.db, 1);		/* 32-bit stack segment for SS */
	assert_int_equal(d.g, 1);
	assert_int_equal(d.base, 0);
	assert_int_equal(d.limit, 0xfffff);	/* flat 4 GiB */
}

static void test_longmode_pml4_points_to_pdpt(void **state)
{
	const uint8_t *mem = *state;
	uint64_t e = load64(mem, GUEST_PML4_ADDR);

	assert_int_equal(e & PTE_ADDR_MASK, GUEST_PML4_ADDR + 0x1000);
	assert_true(e & PTE_P);
	assert_true(e & PTE_W);
	assert_false(e & PTE_PS);	/* reserved in a PML4E */
	assert_false(e & PTE_NX);
	/* only the first 512 GiB are mapped */
	for (unsigned i = 1; i < 512; i++)
		assert_int_equal(load64(mem, GUEST_PML4_ADDR + 8 * i), 0);
}

static void test_longmode_pdpt_points_to_four_pds(void **state)
{
	const uint8_t *mem = *state;
	const uint64_t pdpt = GUEST_PML4_ADDR + 0x1000;

	for (unsigned i = 0; i < 4; i++) {
		uint64_t e = load64(mem, pdpt + 8 * i);

		assert_int_equal(e & PTE_ADDR_MASK, GUEST_PML4_ADDR + 0x2000 + i * 0x1000);
		assert_true(e & PTE_P);
		assert_true(e & PTE_W);
		assert_false(e & PTE_PS);	/* not a 1 GiB page: points to a PD */
	}
	for (unsigned i = 4; i < 512; i++)
		assert_int_equal(load64(mem, pdpt + 8 * i), 0);
}

static void test_longmode_pd_identity_2mib_pages(void **state)
{
	static const unsigned idx[] = { 0, 1, 2, 511, 512, 1023, 1536, 2039, 2047 };
	const uint8_t *mem = *state;
	const uint64_t pd = GUEST_PML4_ADDR + 0x2000;

	for (size_t k = 0; k < sizeof(idx) / sizeof(idx[0]); k++) {
		uint64_t e = load64(mem, pd + 8ULL * idx[k]);

		assert_int_equal(e & PTE_ADDR_MASK, (uint64_t)idx[k] << 21);
		assert_true(e & PTE_P);
		assert_true(e & PTE_W);
		assert_true(e & PTE_PS);
		assert_false(e & PTE_NX);
		/* bits 20:13 of a 2 MiB PDE are reserved (PAT is bit 12) */
		assert_int_equal(e & 0x1fe000ULL, 0);
	}
	/* and all 2048 of them, in order */
	for (uint64_t i = 0; i < 2048; i++)
		assert_int_equal(load64(mem, pd + 8 * i), (i << 21) | PTE_P | PTE_W | PTE_PS);
}

/*
 * Walks the 4-level tables as the MMU does for a 2 MiB mapping. Returns the physical
 * address, or UINT64_MAX when a level is not present.
 */
static uint64_t walk(const uint8_t *mem, uint64_t cr3, uint64_t va)
{
	uint64_t e = load64(mem, (cr3 & PTE_ADDR_MASK) + 8 * ((va >> 39) & 511));

	if (!(e & PTE_P))
		return UINT64_MAX;
	e = load64(mem, (e & PTE_ADDR_MASK) + 8 * ((va >> 30) & 511));
	if (!(e & PTE_P))
		return UINT64_MAX;
	assert_false(e & PTE_PS);
	e = load64(mem, (e & PTE_ADDR_MASK) + 8 * ((va >> 21) & 511));
	if (!(e & PTE_P))
		return UINT64_MAX;
	assert_true(e & PTE_PS);
	return (e & 0x000fffffffe00000ULL) | (va & 0x1fffff);
}

static void test_longmode_walk_gives_identity(void **state)
{
	static const uint64_t addrs[] = {
		0x0, GUEST_GDT_ADDR, GUEST_INFO_ADDR, 0x100000, 0x1fffff, 0x200000, 0x600008,
		0x40000000, 0x7fffffff, 0xc0000000, 0xfec00000, 0xfee00000, 0xfee000f0,
		0xffffffff,
	};
	const uint8_t *mem = *state;

	for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++)
		assert_int_equal(walk(mem, GUEST_PML4_ADDR, addrs[i]), addrs[i]);
}

static void test_longmode_walk_nothing_above_4gib(void **state)
{
	const uint8_t *mem = *state;

	assert_int_equal(walk(mem, GUEST_PML4_ADDR, 0x100000000ULL), UINT64_MAX);
	assert_int_equal(walk(mem, GUEST_PML4_ADDR, 0x7fffffffffULL), UINT64_MAX);
	assert_int_equal(walk(mem, GUEST_PML4_ADDR, 0x8000000000ULL), UINT64_MAX);
}

static void test_longmode_tables_below_info_page(void **state)
{
	(void)state;
	/* GDT, then PML4, PDPT and 4 PDs, all under the info page and the payload */
	assert_true(GUEST_GDT_ADDR + 3 * 8 <= GUEST_PML4_ADDR);
	assert_true(GUEST_PML4_ADDR + 6 * 0x1000 <= GUEST_INFO_ADDR);
	assert_int_equal(GUEST_PML4_ADDR % 0x1000, 0);
}

static void test_longmode_build_overwrites_dirty_memory_only_in_place(void **state)
{
	uint8_t *mem = malloc(MEM_BYTES);
	uint8_t *clean = *state;

	assert_non_null(mem);
	/* memory that is not zero, as after a reset: every table byte must still be set */
	memset(mem, 0xaa, MEM_BYTES);
	longmode_build_tables(mem);
	assert_memory_equal(mem + GUEST_GDT_ADDR, clean + GUEST_GDT_ADDR, 3 * 8);
	assert_memory_equal(mem + GUEST_PML4_ADDR, clean + GUEST_PML4_ADDR, 6 * 0x1000);
	/* and nothing else is written */
	for (uint64_t a = 0; a < MEM_BYTES; a++) {
		bool table = (a >= GUEST_GDT_ADDR && a < GUEST_GDT_ADDR + 3 * 8) ||
			     (a >= GUEST_PML4_ADDR && a < GUEST_PML4_ADDR + 6 * 0x1000);

		if (!table && mem[a] != 0xaa) {
			free(mem);
			fail_msg("byte at 0x%llx written", (unsigned long long)a);
		}
	}
	free(mem);
}

static void assert_seg_matches_desc(const struct kvm_segment *seg, const uint8_t *mem)
{
	struct desc d = decode_desc(load64(mem, GUEST_GDT_ADDR + seg->selector));

	assert_int_equal(seg->selector & 7, 0);	/* GDT, RPL 0 */
	assert_int_equal(seg->base, d.base);
	assert_int_equal(seg->limit, d.g ? (uint64_t)d.limit << 12 | 0xfff : d.limit);
	assert_int_equal(seg->type & 0xe, d.type & 0xe);	/* ignoring "accessed" */
	assert_int_equal(seg->present, d.p);
	assert_int_equal(seg->dpl, d.dpl);
	assert_int_equal(seg->s, d.s);
	assert_int_equal(seg->l, d.l);
	assert_int_equal(seg->db, d.db);
	assert_int_equal(seg->g, d.g);
}

static void test_longmode_sregs_control_registers(void **state)
{
	struct kvm_sregs s;

	(void)state;
	memset(&s, 0, sizeof(s));
	longmode_sregs(&s);
	assert_true(s.cr0 & (1ULL << 0));	/* PE */
	assert_true(s.cr0 & (1ULL << 31));	/* PG */
	assert_false(s.cr0 & (1ULL << 29));	/* NW */
	assert_false(s.cr0 & (1ULL << 30));	/* CD */
	assert_true(s.cr4 & (1ULL << 5));	/* PAE */
	assert_false(s.cr4 & (1ULL << 12));	/* LA57: 4-level tables, not 5 */
	assert_true(s.efer & (1ULL << 8));	/* LME */
	assert_true(s.efer & (1ULL << 10));	/* LMA */
	assert_int_equal(s.cr3, GUEST_PML4_ADDR);
}

static void test_longmode_sregs_segments(void **state)
{
	const uint8_t *mem = *state;
	struct kvm_sregs s;
	const struct kvm_segment *data[] = { &s.ds, &s.es, &s.fs, &s.gs, &s.ss };

	memset(&s, 0, sizeof(s));
	longmode_sregs(&s);
	assert_int_equal(s.cs.selector, LONGMODE_CS);
	assert_int_equal(LONGMODE_CS, 0x08);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.cs.db, 0);
	assert_int_equal(s.cs.present, 1);
	assert_int_equal(s.cs.dpl, 0);
	assert_int_equal(s.cs.s, 1);
	assert_true(s.cs.type & 0x8);	/* code */
	assert_seg_matches_desc(&s.cs, mem);

	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		assert_int_equal(data[i]->selector, LONGMODE_DS);
		assert_int_equal(data[i]->present, 1);
		assert_int_equal(data[i]->l, 0);
		assert_false(data[i]->type & 0x8);	/* data */
		assert_true(data[i]->type & 0x2);	/* writable: SS needs it */
		assert_seg_matches_desc(data[i], mem);
	}
	assert_int_equal(LONGMODE_DS, 0x10);
}

static void test_longmode_sregs_gdt(void **state)
{
	struct kvm_sregs s;

	(void)state;
	memset(&s, 0, sizeof(s));
	longmode_sregs(&s);
	assert_int_equal(s.gdt.base, GUEST_GDT_ADDR);
	assert_int_equal(s.gdt.limit, 3 * 8 - 1);
	/* both selectors fall inside the limit */
	assert_true(LONGMODE_CS + 7 <= s.gdt.limit);
	assert_true(LONGMODE_DS + 7 <= s.gdt.limit);
}

/* The Linux 64-bit boot protocol's selectors, tables placed elsewhere. */
static const struct longmode_layout linux_like = {
	.gdt_gpa = 0x9000, .pml4_gpa = 0xa000, .cs = 0x10, .ds = 0x18,
};

static void test_longmode_other_selectors_gdt(void **state)
{
	uint8_t *mem = malloc(MEM_BYTES);
	struct desc c, d;

	(void)state;
	assert_non_null(mem);
	memset(mem, 0xaa, MEM_BYTES);
	longmode_build(mem, &linux_like);
	/* entries 0 and 1 are null, whatever was in memory */
	assert_int_equal(load64(mem, 0x9000), 0);
	assert_int_equal(load64(mem, 0x9008), 0);
	c = decode_desc(load64(mem, 0x9000 + 0x10));
	d = decode_desc(load64(mem, 0x9000 + 0x18));
	assert_true(c.p && c.l && !c.db && (c.type & 0x8) && (c.type & 0x2));
	assert_int_equal(c.limit, 0xfffff);
	assert_true(d.p && !d.l && !(d.type & 0x8) && (d.type & 0x2));
	assert_int_equal(d.base, 0);
	assert_int_equal(d.limit, 0xfffff);
	/* nothing past the GDT's 4 entries, nor the payload's addresses */
	assert_int_equal(mem[0x9000 + 0x20], 0xaa);
	assert_int_equal(mem[GUEST_GDT_ADDR], 0xaa);
	assert_int_equal(mem[GUEST_PML4_ADDR], 0xaa);
	assert_int_equal(walk(mem, 0xa000, 0xfee00000), 0xfee00000);
	assert_int_equal(walk(mem, 0xa000, 0x1000000), 0x1000000);
	free(mem);
}

static void test_longmode_other_selectors_sregs(void **state)
{
	uint8_t *mem = calloc(1, MEM_BYTES);
	struct kvm_sregs s;
	const struct kvm_segment *data[] = { &s.ds, &s.es, &s.fs, &s.gs, &s.ss };

	(void)state;
	assert_non_null(mem);
	longmode_build(mem, &linux_like);
	memset(&s, 0, sizeof(s));
	longmode_set_sregs(&s, &linux_like);
	assert_int_equal(s.cs.selector, 0x10);
	assert_int_equal(s.gdt.base, 0x9000);
	assert_int_equal(s.gdt.limit, 4 * 8 - 1);
	assert_int_equal(s.cr3, 0xa000);
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		assert_int_equal(data[i]->selector, 0x18);
	/* decode against the GDT at its own address */
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++) {
		struct desc d = decode_desc(load64(mem, 0x9000 + data[i]->selector));

		assert_int_equal(data[i]->db, d.db);
		assert_int_equal(data[i]->l, d.l);
	}
	assert_int_equal(decode_desc(load64(mem, 0x9000 + s.cs.selector)).l, s.cs.l);
	free(mem);
}

#define mem_test(f) cmocka_unit_test_setup_teardown(f, setup_mem, teardown_mem)

int main(void)
{
	const struct CMUnitTest tests[] = {
		mem_test(test_longmode_gdt_null_descriptor),
		mem_test(test_longmode_gdt_code_descriptor_64bit),
		mem_test(test_longmode_gdt_data_descriptor),
		mem_test(test_longmode_pml4_points_to_pdpt),
		mem_test(test_longmode_pdpt_points_to_four_pds),
		mem_test(test_longmode_pd_identity_2mib_pages),
		mem_test(test_longmode_walk_gives_identity),
		mem_test(test_longmode_walk_nothing_above_4gib),
		cmocka_unit_test(test_longmode_tables_below_info_page),
		mem_test(test_longmode_build_overwrites_dirty_memory_only_in_place),
		cmocka_unit_test(test_longmode_sregs_control_registers),
		mem_test(test_longmode_sregs_segments),
		cmocka_unit_test(test_longmode_sregs_gdt),
		cmocka_unit_test(test_longmode_other_selectors_gdt),
		cmocka_unit_test(test_longmode_other_selectors_sregs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
