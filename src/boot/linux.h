// SPDX-License-Identifier: Apache-2.0
/*
 * Boots a Linux bzImage ([boot] kernel, initrd, cmdline) through the 64-bit boot
 * protocol (Documentation/arch/x86/boot.rst): reads the files, lets bzimage.c decide
 * and check, copies everything into guest RAM, builds the entry tables and the zero
 * page, gives every vCPU the CPU state Linux expects (cpu.h) and puts vCPU 0 at the
 * kernel's 64-bit entry point. The other vCPUs stay in KVM_MP_STATE_UNINITIALIZED
 * until the guest starts them with INIT/SIPI through the in-kernel LAPIC. Main thread,
 * after vm_create() and before vm_start().
 *
 * Guest-physical layout (low = min([vm] memory, VM_LOW_MEM_LIMIT = 3 GiB)):
 *
 *   0x00000000 - 0x00000fff  left zero: real-mode IVT and BIOS data area (no EBDA)
 *   0x00001000 - 0x0000101f  GDT: null, null, __BOOT_CS 0x10 (64-bit code),
 *                            __BOOT_DS 0x18 (flat data)
 *   0x00002000 - 0x00007fff  PML4, PDPT and 4 PDs identity-mapping 0 - 4 GiB with 2 MiB
 *                            pages: covers the zero page, command line, kernel + init_size
 *                            and initrd, which all lie below 3 GiB
 *   0x00008000 - 0x0000ffff  boot stack, RSP = 0x10000 at entry
 *   0x00010000 - 0x00010fff  zero page (struct boot_params), RSI at entry
 *   0x00020000 -             command line and its NUL (at most cmdline_size + 1 bytes)
 *   0x0009fc00 - 0x000fffff  not RAM in the e820 map (EBDA, VGA and BIOS areas)
 *   0x000e0000 - 0x000fffff  reserved in the e820 map for the ACPI tables
 *   pref_address (16 MiB)    protected-mode kernel (1 MiB if the kernel gives no aligned
 *                            pref_address); it decompresses within init_size from its
 *                            runtime start, and RIP = load address + 0x200 at entry
 *   top of low RAM           initrd, page-aligned, below initrd_addr_max + 1 and low,
 *                            above the kernel's init_size
 *   0xc0000000 - 0xffffffff  MMIO hole (KVM's TSS and identity page at 0xfffbc000)
 *   0x100000000 -            RAM beyond the first 3 GiB
 */
#ifndef RTVMM_BOOT_LINUX_H
#define RTVMM_BOOT_LINUX_H

#define LINUX_GDT_ADDR		0x1000ULL
#define LINUX_PML4_ADDR		0x2000ULL
#define LINUX_STACK_TOP		0x10000ULL
#define LINUX_RESET_VECTOR	0xffff0ULL	/* inside the ACPI region: a reset stub */
#define LINUX_BOOT_CS		0x10	/* boot.rst: __BOOT_CS */
#define LINUX_BOOT_DS		0x18	/* boot.rst: __BOOT_DS */

struct vm;

/*
 * Loads [boot] kernel (with initrd and cmdline) into `vm` and sets the vCPUs up to run
 * it. Returns 0; -ENOENT or -EACCES when a file cannot be opened; -EINVAL for any other
 * configuration or file error (not a bzImage, truncated, too old, does not fit in
 * [vm] memory, command line too long), each logged naming the key, the file and the
 * reason; or another -errno for a host failure.
 */
int linux_load(struct vm *vm);

#endif
