// SPDX-License-Identifier: Apache-2.0
/*
 * Long-mode entry state (see longmode.h). Facts from the Intel SDM vol. 3, 2.5 and 4.5:
 * long mode needs CR0.PE|PG, CR4.PAE and EFER.LME (LMA is then set by the CPU; KVM
 * wants it set too), and a 64-bit code segment (L=1, D=0).
 */
#include "longmode.h"

#include "../guest/abi.h"

#include <string.h>

#define PTE_PRESENT	(1ULL << 0)
#define PTE_WRITE	(1ULL << 1)
#define PTE_HUGE	(1ULL << 7)

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

static const struct longmode_layout payload_layout = {
	.gdt_gpa = GUEST_GDT_ADDR,
	.pml4_gpa = GUEST_PML4_ADDR,
	.cs = LONGMODE_CS,
	.ds = LONGMODE_DS,
};

void longmode_build(uint8_t *mem, const struct longmode_layout *l)
{
	uint64_t *gdt = (uint64_t *)(mem + l->gdt_gpa);
	uint64_t *pml4 = (uint64_t *)(mem + l->pml4_gpa);
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;
	unsigned top = (l->cs > l->ds ? l->cs : l->ds) / 8;

	/* unused entries below the higher selector are null: loading them faults */
	memset(gdt, 0, (top + 1) * 8);
	gdt[l->cs / 8] = 0x00af9b000000ffffULL;	/* code: present, DPL 0, exec/read, L=1, G=1 */
	gdt[l->ds / 8] = 0x00cf93000000ffffULL;	/* data: present, DPL 0, read/write, D/B=1, G=1 */

	memset(pml4, 0, 6 * 4096);
	pml4[0] = (l->pml4_gpa + 0x1000) | PTE_PRESENT | PTE_WRITE;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (l->pml4_gpa + 0x2000 + i * 0x1000) | PTE_PRESENT | PTE_WRITE;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
}

void longmode_set_sregs(struct kvm_sregs *s, const struct longmode_layout *l)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = l->cs, .type = 11,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;
	unsigned top = l->cs > l->ds ? l->cs : l->ds;

	data.selector = l->ds;
	data.type = 3;
	data.db = 1;
	data.l = 0;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->gdt.base = l->gdt_gpa;
	s->gdt.limit = (uint16_t)(top + 8 - 1);
	s->cr3 = l->pml4_gpa;
	s->cr4 = CR4_PAE;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->efer = EFER_LME | EFER_LMA;
}

void longmode_build_tables(uint8_t *mem)
{
	longmode_build(mem, &payload_layout);
}

void longmode_sregs(struct kvm_sregs *s)
{
	longmode_set_sregs(s, &payload_layout);
}
