// SPDX-License-Identifier: Apache-2.0
/*
 * Direct 64-bit entry for flat payloads: the GDT and identity page tables placed at the
 * addresses of guest/abi.h, and the special registers that turn long mode on. Pure
 * functions over buffers, so the layout is unit-tested without KVM.
 */
#ifndef RTVMM_BOOT_LONGMODE_H
#define RTVMM_BOOT_LONGMODE_H

#include <linux/kvm.h>
#include <stdint.h>

/* Selectors of the GDT built by longmode_build_tables(). */
#define LONGMODE_CS 0x08
#define LONGMODE_DS 0x10

/*
 * Writes the GDT at GUEST_GDT_ADDR and page tables at GUEST_PML4_ADDR that identity-map
 * the low 4 GiB with 2 MiB pages. `mem` is guest-physical address 0 and must cover
 * GUEST_INFO_ADDR bytes.
 */
void longmode_build_tables(uint8_t *mem);

/* Sets segments, GDT, CR0/CR3/CR4 and EFER in `sregs` for 64-bit mode on those tables. */
void longmode_sregs(struct kvm_sregs *sregs);

#endif
