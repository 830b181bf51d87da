// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/boot/bzimage: a synthetic bzImage built here (boot sector, setup
 * sectors, a setup header at 0x1f1 as boot.rst lays it out, a payload) must parse with
 * every field right, and each way a file can be wrong (too short, cut inside the setup
 * or the kernel, no boot flag, no "HdrS", protocol 2.10, no 64-bit entry, a zImage)
 * must be refused with a message that says so. The e820 map must be sorted, without
 * overlaps, with RAM where vm.c maps it (below 0x9fc00, 1 MiB .. 3 GiB, then from
 * 4 GiB) and reserved ranges cut out of it. Placement must put the kernel at
 * pref_address, the initrd page-aligned as high as initrd_addr_max and RAM allow above
 * the kernel's init_size, and refuse what does not fit with the numbers. The zero page
 * must carry the header as the image has it plus the loader's fields. Debian's own
 * /boot/vmlinuz-* is parsed too when this machine has one (RTVMM_TEST_BZIMAGE names
 * another).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/boot/bzimage.h"
#include "../../src/vm.h"

#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MIB (1ULL << 20)
#define GIB (1ULL << 30)

#define SETUP_SECTS	4
#define SETUP_BYTES	((SETUP_SECTS + 1) * 512)
#define PAYLOAD_BYTES	0x3000
#define IMAGE_BYTES	(SETUP_BYTES + PAYLOAD_BYTES)
#define INIT_SIZE	0x2000000	/* 32 MiB */
#define PREF_ADDRESS	0x1000000	/* 16 MiB */

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

/* A protocol-2.15 64-bit relocatable bzImage, offsets from boot.rst's header table. */
static uint8_t *make_image(void)
{
	uint8_t *b = malloc(IMAGE_BYTES);

	assert_non_null(b);
	for (size_t i = 0; i < IMAGE_BYTES; i++)
		b[i] = (uint8_t)(i * 7 + 3);	/* code-like noise everywhere else */
	b[0x1f1] = SETUP_SECTS;
	put16(b + 0x1f2, 0);				/* root_flags */
	put32(b + 0x1f4, PAYLOAD_BYTES / 16);		/* syssize */
	put16(b + 0x1fa, 0xffff);			/* vid_mode */
	put16(b + 0x1fe, 0xaa55);
	b[0x200] = 0xeb;				/* jmp to 0x202 + 0x6a */
	b[0x201] = 0x6a;
	memcpy(b + 0x202, "HdrS", 4);
	put16(b + 0x206, 0x020f);
	put32(b + 0x208, 0);				/* realmode_swtch */
	b[0x210] = 0;					/* type_of_loader */
	b[0x211] = LOADED_HIGH;
	put32(b + 0x214, 0x100000);			/* code32_start */
	put32(b + 0x218, 0);				/* ramdisk_image */
	put32(b + 0x21c, 0);
	put16(b + 0x224, 0);				/* heap_end_ptr */
	put32(b + 0x228, 0);				/* cmd_line_ptr */
	put32(b + 0x22c, 0x7fffffff);			/* initrd_addr_max */
	put32(b + 0x230, 0x200000);			/* kernel_alignment */
	b[0x234] = 1;					/* relocatable_kernel */
	b[0x235] = 21;					/* min_alignment */
	put16(b + 0x236, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	put32(b + 0x238, 2047);				/* cmdline_size */
	put32(b + 0x23c, 0);				/* hardware_subarch */
	put64(b + 0x240, 0);
	put32(b + 0x248, 0x1234);			/* payload_offset */
	put32(b + 0x24c, 0x2000);			/* payload_length */
	put64(b + 0x250, 0);				/* setup_data */
	put64(b + 0x258, PREF_ADDRESS);
	put32(b + 0x260, INIT_SIZE);
	put32(b + 0x264, 0x190);			/* handover_offset */
	put32(b + 0x268, 0x4000);			/* kernel_info_offset */
	return b;
}

static int setup_image(void **state)
{
	*state = make_image();
	return 0;
}

static int teardown_image(void **state)
{
	free(*state);
	return 0;
}

static void test_bzimage_parse_valid(void **state)
{
	struct bzimage_info info;
	char err[256] = "";

	assert_int_equal(bzimage_parse(*state, IMAGE_BYTES, &info, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(info.version, 0x020f);
	assert_int_equal(info.setup_sects, SETUP_SECTS);
	assert_int_equal(info.header_end, 0x26c);
	assert_int_equal(info.kernel_offset, SETUP_BYTES);
	assert_int_equal(info.kernel_bytes, PAYLOAD_BYTES);
	assert_int_equal(info.loadflags, LOADED_HIGH);
	assert_int_equal(info.xloadflags, XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G);
	assert_int_equal(info.initrd_addr_max, 0x7fffffff);
	assert_int_equal(info.cmdline_size, 2047);
	assert_int_equal(info.kernel_alignment, 0x200000);
	assert_true(info.relocatable);
	assert_int_equal(info.pref_address, PREF_ADDRESS);
	assert_int_equal(info.init_size, INIT_SIZE);
}

static void test_bzimage_parse_setup_sects_zero_means_four(void **state)
{
	uint8_t *b = *state;
	struct bzimage_info info;
	char err[256];

	b[0x1f1] = 0;
	assert_int_equal(bzimage_parse(b, IMAGE_BYTES, &info, err, sizeof(err)), 0);
	assert_int_equal(info.setup_sects, 4);
	assert_int_equal(info.kernel_offset, 5 * 512);
}

static void test_bzimage_parse_more_setup_sectors(void **state)
{
	uint8_t *b = *state;
	struct bzimage_info info;
	char err[256];

	/* 6 sectors: the kernel starts at 0xe00 and is 0x400 bytes shorter */
	b[0x1f1] = 6;
	put32(b + 0x1f4, (PAYLOAD_BYTES - 0x400) / 16);
	assert_int_equal(bzimage_parse(b, IMAGE_BYTES, &info, err, sizeof(err)), 0);
	assert_int_equal(info.kernel_offset, 7 * 512);
	assert_int_equal(info.kernel_bytes, IMAGE_BYTES - 7 * 512);
}

static void expect_refused(const void *b, size_t len, const char *want)
{
	struct bzimage_info info;
	char err[256] = "";

	assert_int_equal(bzimage_parse(b, len, &info, err, sizeof(err)), -EINVAL);
	if (!strstr(err, want))
		fail_msg("len %zu: message \"%s\" lacks \"%s\"", len, err, want);
}

static void test_bzimage_parse_truncated(void **state)
{
	const uint8_t *b = *state;
	char want[128];

	expect_refused(b, 0, "not a Linux bzImage (0 bytes");
	expect_refused(b, 0x100, "not a Linux bzImage (256 bytes");
	expect_refused(b, 0x204, "no HdrS magic at offset 0x202");
	expect_refused(b, 0x240, "truncated: the setup header ends at offset 0x26c, the file "
			   "has 576 bytes");
	expect_refused(b, 0x800, "truncated: header says 2560 bytes of setup, file has 2048");
	/* the whole setup but no kernel, then half the kernel syssize promises */
	snprintf(want, sizeof(want), "truncated: header says 2560 bytes of setup and %d of "
		 "kernel (syssize 0x%x), file has 2560", PAYLOAD_BYTES, PAYLOAD_BYTES / 16);
	expect_refused(b, SETUP_BYTES, want);
	snprintf(want, sizeof(want), "file has %d", SETUP_BYTES + PAYLOAD_BYTES / 2);
	expect_refused(b, SETUP_BYTES + PAYLOAD_BYTES / 2, want);
	expect_refused(b, IMAGE_BYTES - 1, "truncated");
}

static void test_bzimage_parse_wrong_boot_flag(void **state)
{
	uint8_t *b = *state;

	put16(b + 0x1fe, 0x55aa);
	expect_refused(b, IMAGE_BYTES, "not a Linux bzImage (boot flag at offset 0x1fe is "
			"0x55aa, expected 0xaa55)");
}

static void test_bzimage_parse_no_hdrs(void **state)
{
	uint8_t *b = *state;

	memcpy(b + 0x202, "HdrX", 4);
	expect_refused(b, IMAGE_BYTES, "not a Linux bzImage (no HdrS magic at offset 0x202)");
}

static void test_bzimage_parse_old_protocol(void **state)
{
	uint8_t *b = *state;
	struct bzimage_info info;
	char err[256];

	put16(b + 0x206, 0x020a);
	expect_refused(b, IMAGE_BYTES, "boot protocol 2.10 is too old");
	expect_refused(b, IMAGE_BYTES, "needs 2.12 or later");
	put16(b + 0x206, 0x020b);
	expect_refused(b, IMAGE_BYTES, "boot protocol 2.11 is too old");
	put16(b + 0x206, 0x020c);
	assert_int_equal(bzimage_parse(b, IMAGE_BYTES, &info, err, sizeof(err)), 0);
	assert_int_equal(info.version, 0x020c);
}

static void test_bzimage_parse_not_64bit(void **state)
{
	uint8_t *b = *state;

	put16(b + 0x236, XLF_CAN_BE_LOADED_ABOVE_4G);
	expect_refused(b, IMAGE_BYTES, "no 64-bit entry point (xloadflags 0x2 lacks "
			"XLF_KERNEL_64)");
}

static void test_bzimage_parse_zimage(void **state)
{
	uint8_t *b = *state;

	b[0x211] = 0;
	expect_refused(b, IMAGE_BYTES, "a zImage, not a bzImage");
}

static void test_bzimage_parse_bad_alignment(void **state)
{
	uint8_t *b = *state;

	put32(b + 0x230, 0x300000);
	expect_refused(b, IMAGE_BYTES, "kernel_alignment 0x300000 is not a power of two");
	put32(b + 0x230, 0);
	expect_refused(b, IMAGE_BYTES, "kernel_alignment 0x0");
}

static void test_bzimage_parse_elf_file(void **state)
{
	uint8_t elf[4096] = { 0x7f, 'E', 'L', 'F', 2, 1, 1 };

	(void)state;
	expect_refused(elf, sizeof(elf), "not a Linux bzImage (boot flag at offset 0x1fe is "
			"0x0000");
}

/* --- e820 ----------------------------------------------------------------------- */

static const struct bzimage_range acpi_area = { 0xe0000, 0x20000, BZIMAGE_E820_RESERVED };

/* Sorted, non-overlapping, and RAM exactly where vm.c maps it. */
static void check_e820_invariants(const struct boot_e820_entry *e, int n, uint64_t mem)
{
	uint64_t low = mem < VM_LOW_MEM_LIMIT ? mem : VM_LOW_MEM_LIMIT, ram = 0;

	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		assert_true(e[i].size > 0);
		if (i)
			assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
		if (e[i].type != BZIMAGE_E820_RAM)
			continue;
		ram += e[i].size;
		/* RAM entries lie inside guest RAM: below low, or in [4 GiB, 4 GiB + rest) */
		if (e[i].addr < BZIMAGE_4G)
			assert_true(e[i].addr + e[i].size <= low);
		else
			assert_true(e[i].addr + e[i].size <= BZIMAGE_4G + (mem - low));
		/* and never in the VGA/BIOS hole */
		assert_false(e[i].addr < 0x100000 && e[i].addr + e[i].size > 0x9fc00);
	}
	/* all of guest RAM but the 0x9fc00 .. 1 MiB hole is reported */
	assert_int_equal(ram, mem - (0x100000 - 0x9fc00));
}

static void test_bzimage_e820_64mib(void **state)
{
	struct boot_e820_entry e[16];
	int n = bzimage_e820(64 * MIB, &acpi_area, 1, e, 16);

	(void)state;
	assert_int_equal(n, 3);
	check_e820_invariants(e, n, 64 * MIB);
	assert_int_equal(e[0].addr, 0);
	assert_int_equal(e[0].size, 0x9fc00);
	assert_int_equal(e[0].type, BZIMAGE_E820_RAM);
	assert_int_equal(e[1].addr, 0xe0000);
	assert_int_equal(e[1].size, 0x20000);
	assert_int_equal(e[1].type, BZIMAGE_E820_RESERVED);
	assert_int_equal(e[2].addr, 0x100000);
	assert_int_equal(e[2].size, 63 * MIB);
	assert_int_equal(e[2].type, BZIMAGE_E820_RAM);
}

static void test_bzimage_e820_3gib_exactly(void **state)
{
	struct boot_e820_entry e[16];
	int n = bzimage_e820(3 * GIB, &acpi_area, 1, e, 16);

	(void)state;
	assert_int_equal(n, 3);
	check_e820_invariants(e, n, 3 * GIB);
	assert_int_equal(e[2].addr, 0x100000);
	assert_int_equal(e[2].addr + e[2].size, 3 * GIB);
}

static void test_bzimage_e820_5gib_hole(void **state)
{
	struct boot_e820_entry e[16];
	int n = bzimage_e820(5 * GIB, &acpi_area, 1, e, 16);

	(void)state;
	assert_int_equal(n, 4);
	check_e820_invariants(e, n, 5 * GIB);
	assert_int_equal(e[2].addr + e[2].size, 3 * GIB);
	/* the 2 GiB above the 3 GiB limit continue at 4 GiB; the hole is not RAM */
	assert_int_equal(e[3].addr, 4 * GIB);
	assert_int_equal(e[3].size, 2 * GIB);
	assert_int_equal(e[3].type, BZIMAGE_E820_RAM);
}

static void test_bzimage_e820_many_sizes(void **state)
{
	static const uint64_t sizes[] = { 2 * MIB, 16 * MIB, 3 * GIB - 4096, 3 * GIB + 4096,
					  4 * GIB, 64 * GIB };
	struct boot_e820_entry e[16];

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int n = bzimage_e820(sizes[i], &acpi_area, 1, e, 16);

		check_e820_invariants(e, n, sizes[i]);
		assert_int_equal(n, sizes[i] > 3 * GIB ? 4 : 3);
	}
}

static void test_bzimage_e820_reserved_splits_ram(void **state)
{
	const struct bzimage_range r[] = {
		{ 40 * MIB, MIB, BZIMAGE_E820_ACPI },	/* given out of order */
		{ 0xe0000, 0x20000, BZIMAGE_E820_RESERVED },
		{ 0x9f000, 0x1000, BZIMAGE_E820_RESERVED },	/* the end of low RAM */
	};
	struct boot_e820_entry e[16];
	int n = bzimage_e820(64 * MIB, r, 3, e, 16);

	(void)state;
	assert_int_equal(n, 6);
	for (int i = 1; i < n; i++)
		assert_true(e[i - 1].addr + e[i - 1].size <= e[i].addr);
	assert_int_equal(e[0].size, 0x9f000);
	assert_int_equal(e[1].addr, 0x9f000);
	assert_int_equal(e[1].type, BZIMAGE_E820_RESERVED);
	assert_int_equal(e[2].addr, 0xe0000);
	assert_int_equal(e[3].addr, MIB);
	assert_int_equal(e[3].size, 39 * MIB);
	assert_int_equal(e[4].addr, 40 * MIB);
	assert_int_equal(e[4].size, MIB);
	assert_int_equal(e[4].type, BZIMAGE_E820_ACPI);
	assert_int_equal(e[5].addr, 41 * MIB);
	assert_int_equal(e[5].size, 23 * MIB);
	assert_int_equal(e[5].type, BZIMAGE_E820_RAM);
}

static void test_bzimage_e820_reserved_swallows_ram(void **state)
{
	const struct bzimage_range r = { 0, 0x9fc00, BZIMAGE_E820_RESERVED };
	struct boot_e820_entry e[16];
	int n = bzimage_e820(16 * MIB, &r, 1, e, 16);

	(void)state;
	/* the low RAM entry is gone, not left with size 0 */
	assert_int_equal(n, 2);
	assert_int_equal(e[0].type, BZIMAGE_E820_RESERVED);
	assert_int_equal(e[1].addr, MIB);
}

static void test_bzimage_e820_errors(void **state)
{
	const struct bzimage_range overlap[] = {
		{ 0xe0000, 0x20000, BZIMAGE_E820_RESERVED },
		{ 0xf0000, 0x1000, BZIMAGE_E820_ACPI },
	};
	const struct bzimage_range empty = { 0xe0000, 0, BZIMAGE_E820_RESERVED };
	struct boot_e820_entry e[16];

	(void)state;
	assert_int_equal(bzimage_e820(64 * MIB, overlap, 2, e, 16), -EINVAL);
	assert_int_equal(bzimage_e820(64 * MIB, &empty, 1, e, 16), -EINVAL);
	assert_int_equal(bzimage_e820(64 * MIB, &acpi_area, 1, e, 2), -ENOSPC);
	assert_int_equal(bzimage_e820(64 * MIB, &acpi_area, 1, e, 3), 3);
}

/* --- placement ------------------------------------------------------------------ */

static struct bzimage_info parsed(void **state)
{
	struct bzimage_info info;
	char err[256];

	assert_int_equal(bzimage_parse(*state, IMAGE_BYTES, &info, err, sizeof(err)), 0);
	return info;
}

static void test_bzimage_place_kernel_and_initrd(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256];

	assert_int_equal(bzimage_place(&info, 256 * MIB, 100, 10 * MIB + 123, &l, err,
				       sizeof(err)), 0);
	assert_int_equal(l.zero_page, BZIMAGE_ZERO_PAGE_ADDR);
	assert_int_equal(l.cmdline, BZIMAGE_CMDLINE_ADDR);
	assert_int_equal(l.kernel, PREF_ADDRESS);
	assert_int_equal(l.kernel_end, PREF_ADDRESS + INIT_SIZE);
	/* as high as RAM allows, page-aligned, whole */
	assert_int_equal(l.initrd % 4096, 0);
	assert_true(l.initrd + l.initrd_bytes <= 256 * MIB);
	assert_true(l.initrd + l.initrd_bytes > 256 * MIB - 4096);
	assert_int_equal(l.initrd_bytes, 10 * MIB + 123);
	assert_true(l.initrd >= l.kernel_end);
	/* the fixed areas stay below the EBDA and clear of each other */
	assert_true(l.zero_page + 4096 <= l.cmdline);
	assert_true(l.cmdline + info.cmdline_size + 1 <= BZIMAGE_EBDA_ADDR);
}

static void test_bzimage_place_no_initrd(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256];

	assert_int_equal(bzimage_place(&info, 64 * MIB, 0, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.initrd, 0);
	assert_int_equal(l.initrd_bytes, 0);
}

static void test_bzimage_place_initrd_below_addr_max(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256];

	/* 3 GiB of low RAM, but this kernel takes an initrd only below 2 GiB */
	assert_int_equal(bzimage_place(&info, 5 * GIB, 0, 64 * MIB, &l, err, sizeof(err)), 0);
	assert_int_equal(l.initrd + l.initrd_bytes, 2 * GIB);
	/* one that may go anywhere below 4 GiB still stays in the RAM below 3 GiB */
	info.initrd_addr_max = 0xffffffff;
	assert_int_equal(bzimage_place(&info, 5 * GIB, 0, 64 * MIB, &l, err, sizeof(err)), 0);
	assert_int_equal(l.initrd + l.initrd_bytes, 3 * GIB);
}

static void test_bzimage_place_initrd_too_big(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256] = "";

	/* limited by initrd_addr_max: 2 GiB - 48 MiB are free above the kernel */
	assert_int_equal(bzimage_place(&info, 3 * GIB, 0, 2100 * MIB, &l, err, sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "2100 MiB does not fit: only 2000 MiB of guest RAM is free "
			    "between the kernel (up to 0x3000000) and initrd_addr_max "
			    "(0x7fffffff)");
	/* limited by RAM */
	assert_int_equal(bzimage_place(&info, 256 * MIB, 0, 300 * MIB, &l, err, sizeof(err)),
			 -ENOSPC);
	assert_string_equal(err, "300 MiB does not fit: only 208 MiB of guest RAM is free "
			    "between the kernel (up to 0x3000000) and the end of RAM below 3 GiB "
			    "(0x10000000)");
	/* one page too many */
	assert_int_equal(bzimage_place(&info, 256 * MIB, 0, 208 * MIB + 1, &l, err,
				       sizeof(err)), -ENOSPC);
	assert_int_equal(bzimage_place(&info, 256 * MIB, 0, 208 * MIB, &l, err, sizeof(err)),
			 0);
	assert_int_equal(l.initrd, 48 * MIB);
}

static void test_bzimage_place_kernel_too_big(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256] = "";

	assert_int_equal(bzimage_place(&info, 32 * MIB, 0, 0, &l, err, sizeof(err)), -EFBIG);
	assert_string_equal(err, "needs guest RAM up to 0x3000000 (it runs at 0x1000000 and "
			    "needs init_size = 32 MiB from there), but RAM below 3 GiB ends at "
			    "0x2000000 ([vm] memory = 32 MiB)");
	assert_int_equal(bzimage_place(&info, 48 * MIB, 0, 0, &l, err, sizeof(err)), 0);
	/* no room left for an initrd then */
	assert_int_equal(bzimage_place(&info, 48 * MIB, 0, 4096, &l, err, sizeof(err)),
			 -ENOSPC);
}

static void test_bzimage_place_cmdline_too_long(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256] = "";

	assert_int_equal(bzimage_place(&info, 64 * MIB, 2047, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(bzimage_place(&info, 64 * MIB, 2048, 0, &l, err, sizeof(err)), -E2BIG);
	assert_string_equal(err, "2048 characters; this kernel accepts at most 2047 "
			    "(cmdline_size 2047)");
	/* a kernel accepting more than fits below the EBDA is held to what fits */
	info.cmdline_size = 1 << 20;
	assert_int_equal(bzimage_place(&info, 64 * MIB, 600000, 0, &l, err, sizeof(err)),
			 -E2BIG);
	assert_non_null(strstr(err, "fit below the EBDA"));
}

static void test_bzimage_place_misaligned_pref_address(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256];

	/* relocatable: loaded at 1 MiB, but the decompressor runs it at pref_address */
	info.pref_address = 0x1100000;
	assert_int_equal(bzimage_place(&info, 128 * MIB, 0, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel, 0x100000);
	assert_int_equal(l.kernel_end, 0x1100000 + INIT_SIZE);
	/* not relocatable: it runs at pref_address, where it is loaded */
	info.relocatable = false;
	assert_int_equal(bzimage_place(&info, 128 * MIB, 0, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel, 0x1100000);
	assert_int_equal(l.kernel_end, 0x1100000 + INIT_SIZE);
}

/* pref_address comes from the file: it cannot put the kernel outside RAM above 1 MiB */
static void test_bzimage_place_pref_address_outside_ram(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256];

	/* relocatable: loaded at 1 MiB; a low pref_address is harmless, a huge one is
	 * where the decompressor would run it, past the end of RAM */
	info.pref_address = 0x2000;
	assert_int_equal(bzimage_place(&info, 128 * MIB, 0, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel, 0x100000);
	info.pref_address = 0xffffffffffe00000ULL;
	assert_int_equal(bzimage_place(&info, 128 * MIB, 0, 0, &l, err, sizeof(err)), -EFBIG);
	info.pref_address = 0x2000;
	/* not relocatable: it would run there, which is refused with the address */
	info.relocatable = false;
	assert_int_equal(bzimage_place(&info, 128 * MIB, 0, 0, &l, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "runs at 0x2000"));
	info.pref_address = 0xffffffffffe00000ULL;
	assert_int_equal(bzimage_place(&info, 128 * MIB, 0, 0, &l, err, sizeof(err)), -EFBIG);
	assert_non_null(strstr(err, "outside guest RAM from 1 MiB to 0x8000000"));
}

static void test_bzimage_place_no_pref_address(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	char err[256];

	info.pref_address = 0;
	assert_int_equal(bzimage_place(&info, 64 * MIB, 0, 0, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel, 0x100000);
	/* runtime start is 1 MiB aligned up to kernel_alignment */
	assert_int_equal(l.kernel_end, 0x200000 + INIT_SIZE);
}

/* --- boot_params ---------------------------------------------------------------- */

static void test_bzimage_fill_params(void **state)
{
	struct bzimage_info info = parsed(state);
	struct bzimage_layout l;
	struct boot_e820_entry e[16];
	struct boot_params *bp = malloc(sizeof(*bp));
	const uint8_t *image = *state;
	char err[256];
	int n;

	assert_non_null(bp);
	memset(bp, 0xa5, sizeof(*bp));	/* whatever was there must not survive */
	assert_int_equal(bzimage_place(&info, 256 * MIB, 20, 4 * MIB, &l, err, sizeof(err)), 0);
	n = bzimage_e820(256 * MIB, &acpi_area, 1, e, 16);
	assert_int_equal(bzimage_fill_params(bp, image, &info, &l, 0xe0000, e, (unsigned)n), 0);

	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_true(bp->hdr.loadflags & LOADED_HIGH);
	assert_true(bp->hdr.loadflags & CAN_USE_HEAP);
	assert_int_equal(bp->hdr.heap_end_ptr, 0xfe00);
	assert_int_equal(bp->hdr.cmd_line_ptr, BZIMAGE_CMDLINE_ADDR);
	assert_int_equal(bp->ext_cmd_line_ptr, 0);
	assert_int_equal(bp->hdr.ramdisk_image, l.initrd);
	assert_int_equal(bp->hdr.ramdisk_size, 4 * MIB);
	assert_int_equal(bp->ext_ramdisk_image, 0);
	assert_int_equal(bp->ext_ramdisk_size, 0);
	assert_int_equal(bp->hdr.code32_start, PREF_ADDRESS);
	assert_int_equal(bp->acpi_rsdp_addr, 0xe0000);
	assert_int_equal(bp->e820_entries, 3);
	assert_memory_equal(bp->e820_table, e, 3 * sizeof(e[0]));
	/* the kernel's own fields are as in the image */
	assert_int_equal(bp->hdr.version, 0x020f);
	assert_int_equal(bp->hdr.setup_sects, SETUP_SECTS);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	assert_int_equal(bp->hdr.header, 0x53726448);
	assert_int_equal(bp->hdr.init_size, INIT_SIZE);
	assert_int_equal(bp->hdr.pref_address, PREF_ADDRESS);
	assert_int_equal(bp->hdr.kernel_alignment, 0x200000);
	assert_int_equal(bp->hdr.cmdline_size, 2047);
	assert_int_equal(bp->hdr.vid_mode, 0xffff);
	assert_int_equal(bp->hdr.kernel_info_offset, 0x4000);
	assert_int_equal(bp->hdr.setup_data, 0);
	assert_int_equal(bp->hdr.ext_loader_type, 0);
	/* everything outside the header and the loader's fields is zero */
	bp->acpi_rsdp_addr = 0;
	bp->e820_entries = 0;
	for (size_t i = 0; i < offsetof(struct boot_params, hdr); i++)
		if (((uint8_t *)bp)[i])
			fail_msg("zero page byte 0x%zx is 0x%x", i, ((uint8_t *)bp)[i]);
	for (size_t i = offsetof(struct boot_params, e820_table) + 3 * sizeof(e[0]);
	     i < sizeof(*bp); i++)
		if (((uint8_t *)bp)[i])
			fail_msg("zero page byte 0x%zx is 0x%x", i, ((uint8_t *)bp)[i]);
	free(bp);
}

static void test_bzimage_fill_params_short_header(void **state)
{
	uint8_t *b = *state;
	struct boot_params *bp = malloc(sizeof(*bp));
	struct bzimage_info info;
	struct bzimage_layout l = { .cmdline = 5 * GIB + 0x1000, .initrd = 6 * GIB,
				    .initrd_bytes = 5 * GIB, .kernel = PREF_ADDRESS };
	char err[256];

	assert_non_null(bp);
	/* a 2.12 header ends at 0x264 (jump 0x62): the bytes after it are setup code */
	put16(b + 0x206, 0x020c);
	b[0x201] = 0x62;
	assert_int_equal(bzimage_parse(b, IMAGE_BYTES, &info, err, sizeof(err)), 0);
	assert_int_equal(info.header_end, 0x264);
	assert_int_equal(bzimage_fill_params(bp, b, &info, &l, 0xe0000, NULL, 0), 0);
	assert_int_equal(bp->hdr.handover_offset, 0);
	assert_int_equal(bp->hdr.kernel_info_offset, 0);
	assert_int_equal(bp->hdr.init_size, INIT_SIZE);
	/* before 2.14 the kernel does not read acpi_rsdp_addr: leave it zero */
	assert_int_equal(bp->acpi_rsdp_addr, 0);
	/* addresses above 4 GiB are split into the low and ext_ halves */
	assert_int_equal(bp->hdr.cmd_line_ptr, 0x40001000);
	assert_int_equal(bp->ext_cmd_line_ptr, 1);
	assert_int_equal(bp->hdr.ramdisk_image, 0x80000000);
	assert_int_equal(bp->ext_ramdisk_image, 1);
	assert_int_equal(bp->hdr.ramdisk_size, 0x40000000);
	assert_int_equal(bp->ext_ramdisk_size, 1);
	assert_int_equal(bp->e820_entries, 0);
	free(bp);
}

static void test_bzimage_fill_params_no_rsdp_and_too_many_e820(void **state)
{
	struct bzimage_info info = parsed(state);
	struct boot_params *bp = malloc(sizeof(*bp));
	struct boot_e820_entry e[E820_MAX_ENTRIES_ZEROPAGE + 1] = { 0 };
	struct bzimage_layout l = { .cmdline = BZIMAGE_CMDLINE_ADDR };

	assert_non_null(bp);
	assert_int_equal(bzimage_fill_params(bp, *state, &info, &l, 0, e, 1), 0);
	assert_int_equal(bp->acpi_rsdp_addr, 0);
	assert_int_equal(bp->hdr.ramdisk_image, 0);
	assert_int_equal(bp->hdr.ramdisk_size, 0);
	assert_int_equal(bzimage_fill_params(bp, *state, &info, &l, 0, e,
					     E820_MAX_ENTRIES_ZEROPAGE), 0);
	assert_int_equal(bp->e820_entries, E820_MAX_ENTRIES_ZEROPAGE);
	assert_int_equal(bzimage_fill_params(bp, *state, &info, &l, 0, e,
					     E820_MAX_ENTRIES_ZEROPAGE + 1), -EINVAL);
	free(bp);
}

/* --- a real kernel -------------------------------------------------------------- */

static void test_bzimage_real_kernel(void **state)
{
	const char *path = getenv("RTVMM_TEST_BZIMAGE");
	struct bzimage_info info;
	struct bzimage_layout l;
	struct boot_params *bp;
	glob_t g = { 0 };
	struct stat st;
	uint8_t *buf;
	char err[256] = "";
	FILE *f;

	(void)state;
	if (!path || !*path) {
		if (glob("/boot/vmlinuz*", 0, NULL, &g) || !g.gl_pathc) {
			globfree(&g);
			print_message("skip: no /boot/vmlinuz* on this machine and "
				      "RTVMM_TEST_BZIMAGE is not set\n");
			skip();
		}
		path = g.gl_pathv[0];
	}
	f = fopen(path, "rb");
	if (!f || fstat(fileno(f), &st)) {
		print_message("skip: %s cannot be read\n", path);
		if (f)
			fclose(f);
		globfree(&g);
		skip();
	}
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, f), (size_t)st.st_size);
	fclose(f);

	print_message("parsing %s\n", path);
	assert_int_equal(bzimage_parse(buf, (size_t)st.st_size, &info, err, sizeof(err)), 0);
	assert_true(info.version >= BZIMAGE_MIN_VERSION);
	assert_true(info.xloadflags & XLF_KERNEL_64);
	assert_int_equal(info.kernel_offset, (info.setup_sects + 1) * 512);
	assert_int_equal(info.kernel_offset + info.kernel_bytes, (size_t)st.st_size);
	assert_true(info.init_size > info.kernel_bytes);
	assert_true(info.cmdline_size >= 255);
	/* distribution kernels are relocatable and run at 16 MiB */
	assert_true(info.relocatable);
	assert_int_equal(info.pref_address % info.kernel_alignment, 0);

	/* it boots in 512 MiB with a 64 MiB initrd, and not in 32 MiB */
	assert_int_equal(bzimage_place(&info, 512 * MIB, 40, 64 * MIB, &l, err, sizeof(err)), 0);
	assert_int_equal(l.kernel, info.pref_address);
	assert_true(l.initrd >= l.kernel_end);
	assert_int_equal(bzimage_place(&info, 32 * MIB, 0, 0, &l, err, sizeof(err)), -EFBIG);
	print_message("32 MiB: %s\n", err);

	bp = malloc(sizeof(*bp));
	assert_non_null(bp);
	assert_int_equal(bzimage_fill_params(bp, buf, &info, &l, 0, NULL, 0), 0);
	assert_int_equal(bp->hdr.version, info.version);
	assert_int_equal(bp->hdr.init_size, info.init_size);
	assert_int_equal(bp->hdr.boot_flag, 0xaa55);
	free(bp);
	free(buf);
	globfree(&g);
}

#define image_test(f) cmocka_unit_test_setup_teardown(f, setup_image, teardown_image)

int main(void)
{
	const struct CMUnitTest tests[] = {
		image_test(test_bzimage_parse_valid),
		image_test(test_bzimage_parse_setup_sects_zero_means_four),
		image_test(test_bzimage_parse_more_setup_sectors),
		image_test(test_bzimage_parse_truncated),
		image_test(test_bzimage_parse_wrong_boot_flag),
		image_test(test_bzimage_parse_no_hdrs),
		image_test(test_bzimage_parse_old_protocol),
		image_test(test_bzimage_parse_not_64bit),
		image_test(test_bzimage_parse_zimage),
		image_test(test_bzimage_parse_bad_alignment),
		cmocka_unit_test(test_bzimage_parse_elf_file),
		cmocka_unit_test(test_bzimage_e820_64mib),
		cmocka_unit_test(test_bzimage_e820_3gib_exactly),
		cmocka_unit_test(test_bzimage_e820_5gib_hole),
		cmocka_unit_test(test_bzimage_e820_many_sizes),
		cmocka_unit_test(test_bzimage_e820_reserved_splits_ram),
		cmocka_unit_test(test_bzimage_e820_reserved_swallows_ram),
		cmocka_unit_test(test_bzimage_e820_errors),
		image_test(test_bzimage_place_kernel_and_initrd),
		image_test(test_bzimage_place_no_initrd),
		image_test(test_bzimage_place_initrd_below_addr_max),
		image_test(test_bzimage_place_initrd_too_big),
		image_test(test_bzimage_place_kernel_too_big),
		image_test(test_bzimage_place_cmdline_too_long),
		image_test(test_bzimage_place_misaligned_pref_address),
		image_test(test_bzimage_place_pref_address_outside_ram),
		image_test(test_bzimage_place_no_pref_address),
		image_test(test_bzimage_fill_params),
		image_test(test_bzimage_fill_params_short_header),
		image_test(test_bzimage_fill_params_no_rsdp_and_too_many_e820),
		cmocka_unit_test(test_bzimage_real_kernel),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
