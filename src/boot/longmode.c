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

void longmode_build_tables(uint8_t *mem)
{
	uint64_t *gdt = (uint64_t *)(mem + GUEST_GDT_ADDR);
	uint64_t *pml4 = (uint64_t *)(mem + GUEST_PML4_ADDR);
	uint64_t *pdpt = pml4 + 512;
	uint64_t *pd = pdpt + 512;

	gdt[0] = 0;
	gdt[1] = 0x00af9b000000ffffULL;	/* code: present, DPL 0, execute/read, L=1, G=1 */
	gdt[2] = 0x00cf93000000ffffULL;	/* data: present, DPL 0, read/write, D/B=1, G=1 */

	memset(pml4, 0, 6 * 4096);
	pml4[0] = (GUEST_PML4_ADDR + 0x1000) | PTE_PRESENT | PTE_WRITE;
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (GUEST_PML4_ADDR + 0x2000 + i * 0x1000) | PTE_PRESENT | PTE_WRITE;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | PTE_PRESENT | PTE_WRITE | PTE_HUGE;
}

void longmode_sregs(struct kvm_sregs *s)
{
	struct kvm_segment code = {
		.base = 0, .limit = 0xffffffff, .selector = LONGMODE_CS, .type = 11,
		.present = 1, .dpl = 0, .db = 0, .s = 1, .l = 1, .g = 1,
	};
	struct kvm_segment data = code;

	data.selector = LONGMODE_DS;
	data.type = 3;
	data.db = 1;
	data.l = 0;
	s->cs = code;
	s->ds = s->es = s->fs = s->gs = s->ss = data;
	s->gdt.base = GUEST_GDT_ADDR;
	s->gdt.limit = 3 * 8 - 1;
	s->cr3 = GUEST_PML4_ADDR;
	s->cr4 = CR4_PAE;
	s->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	s->efer = EFER_LME | EFER_LMA;
}
