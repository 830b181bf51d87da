// SPDX-License-Identifier: Apache-2.0
/*
 * Direct 64-bit entry: a GDT with a flat 64-bit code and a flat data descriptor, identity
 * page tables for the low 4 GiB, and the special registers that turn long mode on. The
 * flat payloads use the addresses and selectors of guest/abi.h; the Linux loader places
 * the same tables with the selectors its boot protocol names. Pure functions over
 * buffers, so the layout is unit-tested without KVM.
 */
#ifndef RTVMM_BOOT_LONGMODE_H
#define RTVMM_BOOT_LONGMODE_H

#include <linux/kvm.h>
#include <stdint.h>

/* Selectors of the GDT built by longmode_build_tables(). */
#define LONGMODE_CS 0x08
#define LONGMODE_DS 0x10

/* Where the tables go and which selectors the two descriptors get. */
struct longmode_layout {
	uint64_t gdt_gpa;	/* GDT: entry 0 up to the higher selector's entry */
	uint64_t pml4_gpa;	/* PML4, PDPT and 4 PDs: 6 pages, 4 KiB-aligned */
	uint16_t cs, ds;	/* selectors: distinct non-zero multiples of 8 */
};

/*
 * Writes the GDT (null descriptors everywhere but at `cs` and `ds`) and page tables that
 * identity-map the low 4 GiB with 2 MiB pages, at the layout's addresses. `mem` is
 * guest-physical address 0 and must cover both. Writes nothing else.
 */
void longmode_build(uint8_t *mem, const struct longmode_layout *layout);

/* Sets segments, GDT, CR0/CR3/CR4 and EFER in `sregs` for 64-bit mode on those tables. */
void longmode_set_sregs(struct kvm_sregs *sregs, const struct longmode_layout *layout);

/* The flat payloads' tables: GUEST_GDT_ADDR, GUEST_PML4_ADDR, LONGMODE_CS/DS. */
void longmode_build_tables(uint8_t *mem);
void longmode_sregs(struct kvm_sregs *sregs);

#endif
