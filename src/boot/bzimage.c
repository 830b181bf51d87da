// SPDX-License-Identifier: Apache-2.0
/*
 * The Linux/x86 boot protocol as pure functions (see bzimage.h). Offsets and field
 * meanings are those of Documentation/arch/x86/boot.rst ("The Real-Mode Kernel
 * Header", "64-bit Boot Protocol") and zero-page.rst; the structs are the kernel's UAPI
 * <asm/bootparam.h>.
 */
#include "bzimage.h"

#include "../vm.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define OFF_SETUP_HEADER	0x1f1
#define OFF_BOOT_FLAG		0x1fe
#define OFF_JUMP		0x200
#define OFF_HEADER_MAGIC	0x202
#define HDRS_MAGIC		0x53726448	/* "HdrS" */
#define BOOT_FLAG		0xaa55
#define SETUP_HEADER_END	(OFF_SETUP_HEADER + sizeof(struct setup_header))
#define PAGE_BYTES		4096ULL

/* The setup heap end the 16-bit protocol suggests; unused by the 64-bit entry. */
#define HEAP_END_PTR		0xfe00

_Static_assert(sizeof(struct boot_params) == 4096, "the zero page is one page");
_Static_assert(offsetof(struct boot_params, hdr) == OFF_SETUP_HEADER, "setup header at 0x1f1");

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* "12 MiB", "63.6 MiB", "4.0 KiB", "100 bytes": sizes as people read them. */
static const char *fmt_size(char *buf, size_t len, uint64_t bytes)
{
	if (bytes >= (1ULL << 20) && bytes % (1ULL << 20) == 0)
		snprintf(buf, len, "%llu MiB", (unsigned long long)(bytes >> 20));
	else if (bytes >= (1ULL << 20))
		snprintf(buf, len, "%.1f MiB", (double)bytes / (1 << 20));
	else if (bytes >= 1024)
		snprintf(buf, len, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	return buf;
}

int bzimage_parse(const void *buf, size_t len, struct bzimage_info *out, char *err,
		  size_t errlen)
{
	const uint8_t *b = buf;
	struct setup_header h;
	uint64_t claimed;

	if (len < OFF_HEADER_MAGIC) {
		snprintf(err, errlen, "not a Linux bzImage (%zu bytes: too short for a boot "
			 "sector with a boot flag at offset 0x1fe)", len);
		return -EINVAL;
	}
	if (get16(b + OFF_BOOT_FLAG) != BOOT_FLAG) {
		snprintf(err, errlen, "not a Linux bzImage (boot flag at offset 0x1fe is 0x%04x, "
			 "expected 0xaa55)", get16(b + OFF_BOOT_FLAG));
		return -EINVAL;
	}
	if (len < OFF_HEADER_MAGIC + 4 || get32(b + OFF_HEADER_MAGIC) != HDRS_MAGIC) {
		snprintf(err, errlen, "not a Linux bzImage (no HdrS magic at offset 0x202)");
		return -EINVAL;
	}
	if (len < SETUP_HEADER_END) {
		snprintf(err, errlen, "truncated: the setup header ends at offset 0x%zx, the file "
			 "has %zu bytes", SETUP_HEADER_END, len);
		return -EINVAL;
	}
	memcpy(&h, b + OFF_SETUP_HEADER, sizeof(h));
	if (h.version < BZIMAGE_MIN_VERSION) {
		snprintf(err, errlen, "boot protocol %u.%02u is too old: booting through the "
			 "64-bit entry point needs %u.%02u or later (Linux 3.8+)", h.version >> 8,
			 h.version & 0xff, BZIMAGE_MIN_VERSION >> 8, BZIMAGE_MIN_VERSION & 0xff);
		return -EINVAL;
	}
	if (!(h.xloadflags & XLF_KERNEL_64)) {
		snprintf(err, errlen, "no 64-bit entry point (xloadflags 0x%x lacks "
			 "XLF_KERNEL_64): a 32-bit kernel cannot be booted", h.xloadflags);
		return -EINVAL;
	}
	if (!(h.loadflags & LOADED_HIGH)) {
		snprintf(err, errlen, "a zImage, not a bzImage (loadflags 0x%x lacks LOADED_HIGH)",
			 h.loadflags);
		return -EINVAL;
	}

	*out = (struct bzimage_info){
		.version = h.version,
		/* boot.rst: "if this field is 0, the real value is 4" */
		.setup_sects = h.setup_sects ? h.setup_sects : 4,
		/* the jump at 0x200 skips the header: its offset byte gives the header's end */
		.header_end = OFF_HEADER_MAGIC + b[OFF_JUMP + 1],
		.loadflags = h.loadflags,
		.xloadflags = h.xloadflags,
		.initrd_addr_max = h.initrd_addr_max,
		.cmdline_size = h.cmdline_size,
		.kernel_alignment = h.kernel_alignment,
		.relocatable = h.relocatable_kernel != 0,
		.pref_address = h.pref_address,
		.init_size = h.init_size,
	};
	out->kernel_offset = (size_t)(out->setup_sects + 1) * 512;
	if (len < out->kernel_offset) {
		snprintf(err, errlen, "truncated: header says %zu bytes of setup, file has %zu",
			 out->kernel_offset, len);
		return -EINVAL;
	}
	out->kernel_bytes = len - out->kernel_offset;
	claimed = (uint64_t)h.syssize * 16;
	if (out->kernel_bytes == 0 || out->kernel_bytes < claimed) {
		snprintf(err, errlen, "truncated: header says %zu bytes of setup and %llu of "
			 "kernel (syssize 0x%x), file has %zu", out->kernel_offset,
			 (unsigned long long)claimed, h.syssize, len);
		return -EINVAL;
	}
	if (out->relocatable &&
	    (!out->kernel_alignment || (out->kernel_alignment & (out->kernel_alignment - 1)))) {
		snprintf(err, errlen, "kernel_alignment 0x%x is not a power of two",
			 out->kernel_alignment);
		return -EINVAL;
	}
	if (!out->cmdline_size) {
		snprintf(err, errlen, "cmdline_size is 0: the kernel accepts no command line");
		return -EINVAL;
	}
	return 0;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

int bzimage_place(const struct bzimage_info *info, uint64_t mem_bytes, size_t cmdline_len,
		  uint64_t initrd_bytes, struct bzimage_layout *out, char *err, size_t errlen)
{
	uint64_t low_end = mem_bytes < VM_LOW_MEM_LIMIT ? mem_bytes : VM_LOW_MEM_LIMIT;
	uint64_t align = info->relocatable ? info->kernel_alignment : 1;
	uint64_t load = BZIMAGE_HIGH_ADDR, start, end;
	char a[32], b[32];

	memset(out, 0, sizeof(*out));
	if (cmdline_len > info->cmdline_size ||
	    BZIMAGE_CMDLINE_ADDR + cmdline_len + 1 > BZIMAGE_EBDA_ADDR) {
		uint64_t room = BZIMAGE_EBDA_ADDR - BZIMAGE_CMDLINE_ADDR - 1;
		uint64_t most = info->cmdline_size < room ? info->cmdline_size : room;

		snprintf(err, errlen, "%zu characters; this kernel accepts at most %llu "
			 "(cmdline_size %u%s)", cmdline_len, (unsigned long long)most,
			 info->cmdline_size, info->cmdline_size > room ?
			 ", but only that many fit below the EBDA" : "");
		return -E2BIG;
	}
	out->zero_page = BZIMAGE_ZERO_PAGE_ADDR;
	out->cmdline = BZIMAGE_CMDLINE_ADDR;

	/*
	 * Loading at pref_address spares the kernel a move: a non-relocatable kernel runs
	 * there anyway, and the 64-bit decompressor (compressed/head_64.S) never runs a
	 * relocatable one below LOAD_PHYSICAL_ADDR, which is what pref_address holds.
	 */
	if (info->pref_address >= BZIMAGE_HIGH_ADDR && info->pref_address < low_end &&
	    info->pref_address % align == 0)
		load = info->pref_address;
	if (info->relocatable)
		start = align_up(load, align);
	else
		start = info->pref_address ? info->pref_address : load;
	if (start < info->pref_address)
		start = info->pref_address;
	/* the header is data from a file: below 1 MiB are rtvmm's boot tables, and past
	 * 4 GiB the arithmetic below could wrap */
	if (start < BZIMAGE_HIGH_ADDR || start >= BZIMAGE_4G) {
		snprintf(err, errlen, "it runs at 0x%llx (pref_address 0x%llx), outside guest RAM "
			 "from 1 MiB to 0x%llx ([vm] memory = %s)", (unsigned long long)start,
			 (unsigned long long)info->pref_address, (unsigned long long)low_end,
			 fmt_size(b, sizeof(b), mem_bytes));
		return -EFBIG;
	}
	end = start + info->init_size;	/* start < 4 GiB: no overflow */
	if (end < load + info->kernel_bytes)
		end = load + info->kernel_bytes;
	if (end > low_end) {
		snprintf(err, errlen, "needs guest RAM up to 0x%llx (it runs at 0x%llx and needs "
			 "init_size = %s from there), but RAM below 3 GiB ends at 0x%llx "
			 "([vm] memory = %s)", (unsigned long long)end, (unsigned long long)start,
			 fmt_size(a, sizeof(a), info->init_size), (unsigned long long)low_end,
			 fmt_size(b, sizeof(b), mem_bytes));
		return -EFBIG;
	}
	out->kernel = load;
	out->kernel_end = end;

	if (initrd_bytes) {
		uint64_t max = (uint64_t)info->initrd_addr_max + 1;
		uint64_t top = (max < low_end ? max : low_end) & ~(PAGE_BYTES - 1);
		uint64_t free = top > end ? top - end : 0;
		char limit[80];

		if (initrd_bytes > top || ((top - initrd_bytes) & ~(PAGE_BYTES - 1)) < end) {
			if (max < low_end)
				snprintf(limit, sizeof(limit), "initrd_addr_max (0x%x)",
					 info->initrd_addr_max);
			else
				snprintf(limit, sizeof(limit),
					 "the end of RAM below 3 GiB (0x%llx)",
					 (unsigned long long)low_end);
			snprintf(err, errlen, "%s does not fit: only %s of guest RAM is free "
				 "between the kernel (up to 0x%llx) and %s",
				 fmt_size(a, sizeof(a), initrd_bytes), fmt_size(b, sizeof(b), free),
				 (unsigned long long)end, limit);
			return -ENOSPC;
		}
		out->initrd = (top - initrd_bytes) & ~(PAGE_BYTES - 1);
		out->initrd_bytes = initrd_bytes;
	}
	return 0;
}

/* Appends an entry; -ENOSPC when `out` is full. */
static int e820_add(struct boot_e820_entry *out, unsigned *n, unsigned max, uint64_t addr,
		    uint64_t size, uint32_t type)
{
	if (!size)
		return 0;
	if (*n >= max)
		return -ENOSPC;
	out[*n].addr = addr;
	out[*n].size = size;
	out[*n].type = type;
	(*n)++;
	return 0;
}

int bzimage_e820(uint64_t mem_bytes, const struct bzimage_range *reserved, unsigned nr_reserved,
		 struct boot_e820_entry *out, unsigned max)
{
	uint64_t low_end = mem_bytes < VM_LOW_MEM_LIMIT ? mem_bytes : VM_LOW_MEM_LIMIT;
	unsigned n = 0, kept = 0;
	int ret;

	for (unsigned i = 0; i < nr_reserved; i++) {
		const struct bzimage_range *r = &reserved[i];

		if (!r->size || r->addr + r->size < r->addr)
			return -EINVAL;
		for (unsigned j = 0; j < i; j++)
			if (r->addr < reserved[j].addr + reserved[j].size &&
			    reserved[j].addr < r->addr + r->size)
				return -EINVAL;
	}

	ret = e820_add(out, &n, max, 0, low_end < BZIMAGE_EBDA_ADDR ? low_end : BZIMAGE_EBDA_ADDR,
		       BZIMAGE_E820_RAM);
	if (!ret && low_end > BZIMAGE_HIGH_ADDR)
		ret = e820_add(out, &n, max, BZIMAGE_HIGH_ADDR, low_end - BZIMAGE_HIGH_ADDR,
			       BZIMAGE_E820_RAM);
	if (!ret)
		ret = e820_add(out, &n, max, BZIMAGE_4G, mem_bytes - low_end, BZIMAGE_E820_RAM);
	if (ret)
		return ret;

	/* cut each reserved range out of the RAM it covers: at most one split per entry */
	for (unsigned i = 0; i < nr_reserved; i++) {
		uint64_t ra = reserved[i].addr, rend = ra + reserved[i].size;
		unsigned ram = n;

		for (unsigned j = 0; j < ram; j++) {
			uint64_t a = out[j].addr, end = a + out[j].size;

			if (out[j].type != BZIMAGE_E820_RAM || rend <= a || end <= ra)
				continue;
			out[j].size = ra > a ? ra - a : 0;
			if (end > rend && (ret = e820_add(out, &n, max, rend, end - rend,
							  BZIMAGE_E820_RAM)))
				return ret;
		}
		ret = e820_add(out, &n, max, ra, reserved[i].size, reserved[i].type);
		if (ret)
			return ret;
	}

	/* drop RAM entries a reserved range swallowed whole, then sort by address */
	for (unsigned i = 0; i < n; i++)
		if (out[i].size)
			out[kept++] = out[i];
	n = kept;
	for (unsigned i = 1; i < n; i++) {
		struct boot_e820_entry e = out[i];
		unsigned j = i;

		for (; j > 0 && out[j - 1].addr > e.addr; j--)
			out[j] = out[j - 1];
		out[j] = e;
	}
	return (int)n;
}

int bzimage_fill_params(struct boot_params *bp, const void *image,
			const struct bzimage_info *info, const struct bzimage_layout *layout,
			uint64_t acpi_rsdp, const struct boot_e820_entry *e820, unsigned nr_e820)
{
	size_t end = info->header_end < SETUP_HEADER_END ? info->header_end : SETUP_HEADER_END;
	struct setup_header *h = &bp->hdr;

	if (nr_e820 > E820_MAX_ENTRIES_ZEROPAGE)
		return -EINVAL;
	/* boot.rst, 64-bit protocol: a zeroed page, then the header as the image has it */
	memset(bp, 0, sizeof(*bp));
	memcpy((uint8_t *)bp + OFF_SETUP_HEADER, (const uint8_t *)image + OFF_SETUP_HEADER,
	       end - OFF_SETUP_HEADER);

	h->type_of_loader = 0xff;	/* no assigned boot loader ID: no extended ID either */
	h->ext_loader_ver = 0;
	h->ext_loader_type = 0;
	h->loadflags |= LOADED_HIGH | CAN_USE_HEAP;
	h->heap_end_ptr = HEAP_END_PTR;
	h->code32_start = (uint32_t)layout->kernel;
	h->cmd_line_ptr = (uint32_t)layout->cmdline;
	bp->ext_cmd_line_ptr = (uint32_t)(layout->cmdline >> 32);
	h->ramdisk_image = (uint32_t)layout->initrd;
	bp->ext_ramdisk_image = (uint32_t)(layout->initrd >> 32);
	h->ramdisk_size = (uint32_t)layout->initrd_bytes;
	bp->ext_ramdisk_size = (uint32_t)(layout->initrd_bytes >> 32);
	h->setup_data = 0;
	/* zero-page.rst: acpi_rsdp_addr, read by kernels of protocol 2.14 and later */
	if (acpi_rsdp && info->version >= 0x020e)
		bp->acpi_rsdp_addr = acpi_rsdp;
	bp->e820_entries = (uint8_t)nr_e820;
	if (nr_e820)
		memcpy(bp->e820_table, e820, nr_e820 * sizeof(*e820));
	return 0;
}
