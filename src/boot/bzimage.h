// SPDX-License-Identifier: Apache-2.0
/*
 * The Linux/x86 boot protocol (Documentation/arch/x86/boot.rst and zero-page.rst) as
 * pure functions over buffers: parse a bzImage's setup header, decide where the kernel,
 * initrd, command line and zero page go in guest RAM, build the e820 map, and fill
 * struct boot_params. No I/O and no KVM: linux.c reads the files and performs the
 * loading. Any thread; nothing here keeps state.
 */
#ifndef RTVMM_BOOT_BZIMAGE_H
#define RTVMM_BOOT_BZIMAGE_H

#include <asm/bootparam.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed guest-physical addresses below 1 MiB (see linux.h for the whole layout). */
#define BZIMAGE_ZERO_PAGE_ADDR	0x10000ULL	/* struct boot_params, 4 KiB */
#define BZIMAGE_CMDLINE_ADDR	0x20000ULL	/* NUL-terminated, up to the EBDA */
#define BZIMAGE_EBDA_ADDR	0x9fc00ULL	/* low RAM ends here in the e820 map */
#define BZIMAGE_HIGH_ADDR	0x100000ULL	/* 1 MiB: RAM resumes; default kernel address */
#define BZIMAGE_4G		(4ULL << 30)

/* The oldest boot protocol with the 64-bit entry point (xloadflags, Linux 3.8). */
#define BZIMAGE_MIN_VERSION	0x020c

/* e820 types (ACPI spec, "Address Range Types"); the UAPI header does not name them. */
#define BZIMAGE_E820_RAM	1
#define BZIMAGE_E820_RESERVED	2
#define BZIMAGE_E820_ACPI	3

/* What the setup header says, checked. */
struct bzimage_info {
	uint16_t version;		/* boot protocol, (major << 8) | minor */
	unsigned setup_sects;		/* 512-byte sectors of setup after the boot sector;
					 * a header's 0 already replaced by 4 */
	size_t header_end;		/* offset just past the setup header in the file */
	size_t kernel_offset;		/* protected-mode kernel: (setup_sects + 1) * 512 */
	size_t kernel_bytes;		/* from kernel_offset to the end of the file */
	uint8_t loadflags;
	uint16_t xloadflags;		/* XLF_*: XLF_KERNEL_64 is always set */
	uint32_t initrd_addr_max;	/* highest byte an initrd may occupy */
	uint32_t cmdline_size;		/* most command-line characters, NUL excluded */
	uint32_t kernel_alignment;	/* a power of two */
	bool relocatable;
	uint64_t pref_address;		/* where the kernel runs; 0 = not given */
	uint32_t init_size;		/* bytes from its runtime start it needs to boot */
};

/*
 * Checks `buf` (a whole bzImage file of `len` bytes) and fills `out`. Returns 0, or
 * -EINVAL with `err` saying what is wrong: not a bzImage (length, boot flag, "HdrS"),
 * truncated (the header claims more setup or kernel than the file holds), a boot
 * protocol older than 2.12, or no 64-bit entry point.
 */
int bzimage_parse(const void *buf, size_t len, struct bzimage_info *out, char *err,
		  size_t errlen);

/* Guest-physical addresses chosen by bzimage_place(). */
struct bzimage_layout {
	uint64_t zero_page;		/* struct boot_params */
	uint64_t cmdline;		/* the command line and its NUL */
	uint64_t kernel;		/* where the protected-mode kernel is copied */
	uint64_t kernel_end;		/* end of what the kernel uses while it boots:
					 * runtime start + init_size */
	uint64_t initrd;		/* 0 without an initrd */
	uint64_t initrd_bytes;
};

/*
 * Decides the layout for a kernel `info` in `mem_bytes` of guest RAM (mapped as vm.c
 * does: up to VM_LOW_MEM_LIMIT, the rest from 4 GiB), a command line of `cmdline_len`
 * characters and an initrd of `initrd_bytes` (0 = none). The kernel goes to pref_address
 * when it is aligned (1 MiB otherwise); the initrd as high as it can below
 * initrd_addr_max and the end of low RAM, above the kernel's runtime footprint,
 * page-aligned. Returns 0 or, with `err` giving the sizes and limits: -EFBIG when the
 * kernel does not fit, -ENOSPC when the initrd does not, -E2BIG when the command line
 * is longer than the kernel accepts.
 */
int bzimage_place(const struct bzimage_info *info, uint64_t mem_bytes, size_t cmdline_len,
		  uint64_t initrd_bytes, struct bzimage_layout *out, char *err, size_t errlen);

/* A guest-physical range with an e820 type, for bzimage_e820(). */
struct bzimage_range {
	uint64_t addr, size;
	uint32_t type;			/* BZIMAGE_E820_* */
};

/*
 * Writes the e820 map for `mem_bytes` of guest RAM: RAM [0, BZIMAGE_EBDA_ADDR), RAM from
 * 1 MiB to min(mem, VM_LOW_MEM_LIMIT), the rest of RAM from 4 GiB, and the `nr_reserved`
 * ranges `reserved` (which must not overlap each other) cut out of the RAM they cover.
 * Entries are sorted by address and do not overlap. Returns the number of entries,
 * -ENOSPC when more than `max` are needed, or -EINVAL for an empty or overlapping
 * reserved range.
 */
int bzimage_e820(uint64_t mem_bytes, const struct bzimage_range *reserved, unsigned nr_reserved,
		 struct boot_e820_entry *out, unsigned max);

/*
 * Fills the zero page for the 64-bit boot protocol: zeroes `bp`, copies the setup header
 * from `image` (the file `info` describes), then sets the loader's fields: type_of_loader,
 * loadflags (LOADED_HIGH, CAN_USE_HEAP), heap_end_ptr, code32_start, the command line and
 * initrd addresses of `layout` (with their ext_ high halves), acpi_rsdp_addr when
 * `acpi_rsdp` is non-zero and the protocol is 2.14 or later, and the e820 table.
 * Returns 0, or -EINVAL when `nr_e820` exceeds the zero page's table.
 */
int bzimage_fill_params(struct boot_params *bp, const void *image,
			const struct bzimage_info *info, const struct bzimage_layout *layout,
			uint64_t acpi_rsdp, const struct boot_e820_entry *e820, unsigned nr_e820);

#endif
