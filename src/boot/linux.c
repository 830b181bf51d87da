// SPDX-License-Identifier: Apache-2.0
/*
 * Linux bzImage loader (see linux.h): the file reading and the KVM calls around the
 * pure decisions of bzimage.c, longmode.c and cpu.c.
 */
#include "linux.h"

#include "acpi.h"
#include "bzimage.h"
#include "cpu.h"
#include "longmode.h"

#include "../log.h"
#include "../vm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

_Static_assert(LINUX_PML4_ADDR + 6 * 0x1000 <= LINUX_STACK_TOP - 0x4000,
	       "page tables below the boot stack");
_Static_assert(LINUX_STACK_TOP <= BZIMAGE_ZERO_PAGE_ADDR, "boot stack below the zero page");
_Static_assert(BZIMAGE_ZERO_PAGE_ADDR + 0x1000 <= BZIMAGE_CMDLINE_ADDR,
	       "zero page below the command line");

static const struct longmode_layout linux_tables = {
	.gdt_gpa = LINUX_GDT_ADDR,
	.pml4_gpa = LINUX_PML4_ADDR,
	.cs = LINUX_BOOT_CS,
	.ds = LINUX_BOOT_DS,
};

/* A 64-bit kernel's entry point is 0x200 past the start of its protected-mode code. */
#define LINUX_ENTRY_OFFSET 0x200

/*
 * Opens [boot] `key` = `path` as a regular file. Returns the fd (size in *bytes), or
 * -ENOENT/-EACCES, -EINVAL for another path problem, or -errno, logged.
 */
static int open_file(const char *key, const char *path, uint64_t *bytes)
{
	struct stat st;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		ret = -errno;
		log_err("[boot] %s = %s: %s", key, path, strerror(-ret));
		if (fd >= 0)
			close(fd);
		/* a path that names no readable file is the configuration's fault */
		if (ret == -ENOTDIR || ret == -ELOOP || ret == -ENAMETOOLONG || ret == -EPERM)
			ret = -EINVAL;
		return ret;
	}
	if (!S_ISREG(st.st_mode)) {
		log_err("[boot] %s = %s: not a regular file (%s)", key, path,
			S_ISDIR(st.st_mode) ? "a directory" : "a device, pipe or socket");
		close(fd);
		return -EINVAL;
	}
	*bytes = (uint64_t)st.st_size;
	return fd;
}

static int read_full(int fd, void *dst, uint64_t len, const char *key, const char *path)
{
	uint8_t *p = dst;

	while (len) {
		ssize_t n = read(fd, p, len > (1U << 30) ? (1U << 30) : (size_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int ret = n < 0 ? -errno : -EIO;

			log_err("[boot] %s = %s: read: %s", key, path,
				n < 0 ? strerror(-ret) : "the file shrank while being read");
			return ret;
		}
		p += n;
		len -= (uint64_t)n;
	}
	return 0;
}

/* vCPU 0 at the 64-bit entry: boot.rst, "64-bit Boot Protocol". */
static int set_bsp_entry(struct vcpu *vcpu, const struct bzimage_layout *l)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = l->kernel + LINUX_ENTRY_OFFSET,
		.rsi = l->zero_page,
		.rsp = LINUX_STACK_TOP,
		.rflags = 0x2,	/* bit 1 is reserved and always set; IF clear */
	};
	int ret;

	ret = kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &sregs);
	if (ret >= 0) {
		longmode_set_sregs(&sregs, &linux_tables);
		ret = kvm_ioctl(vcpu->fd, KVM_SET_SREGS, &sregs);
	}
	if (ret >= 0)
		ret = kvm_ioctl(vcpu->fd, KVM_SET_REGS, &regs);
	if (ret < 0)
		log_err("vcpu%u: setting the Linux entry state: %s", vcpu->id, strerror(-ret));
	return ret < 0 ? ret : 0;
}

/* Reads and checks the bzImage. Returns 0 with *image (free() it) or -errno, logged. */
static int read_kernel(struct vm *vm, uint8_t **image, struct bzimage_info *info)
{
	const char *path = vm->cfg->boot.kernel;
	uint64_t bytes;
	char err[512];
	int fd, ret;

	fd = open_file("kernel", path, &bytes);
	if (fd < 0)
		return fd;
	/* the protected-mode kernel alone must fit: refuse before allocating its size */
	if (bytes > vm->mem_bytes) {
		log_err("[boot] kernel = %s: the file (%llu MiB) is larger than guest RAM "
			"([vm] memory = %llu MiB)", path, (unsigned long long)bytes >> 20,
			(unsigned long long)vm->mem_bytes >> 20);
		close(fd);
		return -EINVAL;
	}
	*image = malloc(bytes ? bytes : 1);
	ret = *image ? read_full(fd, *image, bytes, "kernel", path) : -ENOMEM;
	close(fd);
	if (!ret && (ret = bzimage_parse(*image, bytes, info, err, sizeof(err))))
		log_err("[boot] kernel = %s: %s", path, err);
	if (ret) {
		free(*image);
		*image = NULL;
	}
	return ret;
}

static int place(struct vm *vm, const struct bzimage_info *info, uint64_t initrd_bytes,
		 struct bzimage_layout *layout)
{
	const struct cfg *cfg = vm->cfg;
	char err[512];
	int ret;

	ret = bzimage_place(info, vm->mem_bytes, strlen(cfg->boot.cmdline), initrd_bytes,
			    layout, err, sizeof(err));
	if (ret == -EFBIG)
		log_err("[boot] kernel = %s: %s", cfg->boot.kernel, err);
	else if (ret == -ENOSPC)
		log_err("[boot] initrd = %s: %s", cfg->boot.initrd, err);
	else if (ret == -E2BIG)
		log_err("[boot] cmdline: %s", err);
	return ret ? -EINVAL : 0;
}

/*
 * With hardware-reduced ACPI and no EFI, Linux's default reboot ends in a jump to the
 * BIOS reset vector (F000:FFF0, real mode). There is no BIOS: this stub pulses the
 * i8042 reset line instead, so `reboot` ends the VM as a reset rather than executing
 * zeros forever. mov al, 0xfe; out 0x64, al; 1: hlt; jmp 1b
 */
static const uint8_t reset_stub[] = { 0xb0, 0xfe, 0xe6, 0x64, 0xf4, 0xeb, 0xfd };

int linux_load(struct vm *vm)
{
	const struct cfg *cfg = vm->cfg;
	const struct bzimage_range acpi = { ACPI_REGION_START,
					    ACPI_REGION_END - ACPI_REGION_START,
					    BZIMAGE_E820_RESERVED };
	const struct acpi_config acpi_cfg = {
		.nr_vcpus = vm->nr_vcpus,
		.lapic_addr = 0xfee00000,
		.ioapic_addr = 0xfec00000,
		.pm_port = ACPI_PM_PORT,
		.uart_irq = VM_COM1_IRQ,
		.rtc_century = RTC_CENTURY,
	};
	struct boot_e820_entry e820[E820_MAX_ENTRIES_ZEROPAGE];
	size_t cmdline_bytes = strlen(cfg->boot.cmdline) + 1;
	struct bzimage_layout layout;
	struct bzimage_info info;
	struct boot_params *bp;
	uint64_t initrd_bytes = 0, rsdp = 0;
	uint8_t *image = NULL;
	int ifd = -1, ret, n;

	ret = read_kernel(vm, &image, &info);
	if (ret)
		return ret;
	if (cfg->boot.initrd[0]) {
		ifd = open_file("initrd", cfg->boot.initrd, &initrd_bytes);
		if (ifd < 0) {
			ret = ifd;
			goto out;
		}
		if (!initrd_bytes) {
			log_err("[boot] initrd = %s: the file is empty", cfg->boot.initrd);
			ret = -EINVAL;
			goto out;
		}
	}
	ret = place(vm, &info, initrd_bytes, &layout);
	if (ret)
		goto out;

	/* bzimage_place() kept everything inside guest RAM below 3 GiB */
	memcpy(vm_gpa_to_hva(vm, layout.kernel, info.kernel_bytes), image + info.kernel_offset,
	       info.kernel_bytes);
	if (initrd_bytes) {
		ret = read_full(ifd, vm_gpa_to_hva(vm, layout.initrd, initrd_bytes), initrd_bytes,
				"initrd", cfg->boot.initrd);
		if (ret)
			goto out;
	}
	memcpy(vm_gpa_to_hva(vm, layout.cmdline, cmdline_bytes), cfg->boot.cmdline,
	       cmdline_bytes);
	longmode_build(vm->mem, &linux_tables);

	/* ACPI is how Debian's kernel finds the other vCPUs and powers off */
	ret = acpi_build(vm->mem, vm->mem_bytes, &acpi_cfg, &rsdp);
	if (ret) {
		log_err("ACPI tables for %u vCPUs: %s", vm->nr_vcpus, strerror(-ret));
		goto out;
	}
	/* after the tables, at the region's last 16 bytes: CFG_MAX_VCPUS' tables end far
	 * below them (acpi_build fills from the start and clears the rest) */
	memcpy(vm->mem + LINUX_RESET_VECTOR, reset_stub, sizeof(reset_stub));
	n = bzimage_e820(vm->mem_bytes, &acpi, 1, e820, E820_MAX_ENTRIES_ZEROPAGE);
	bp = vm_gpa_to_hva(vm, layout.zero_page, sizeof(*bp));
	ret = n < 0 ? n : bzimage_fill_params(bp, image, &info, &layout, rsdp, e820, (unsigned)n);
	if (ret) {
		log_err("zero page: %s", strerror(-ret));	/* a layout bug, not the user's */
		goto out;
	}

	for (unsigned i = 0; i < vm->nr_vcpus && !ret; i++)
		ret = cpu_init(vm->vcpus[i]);
	if (!ret)
		ret = set_bsp_entry(vm->vcpus[0], &layout);
	if (ret)
		goto out;
	log_info("[boot] kernel = %s: boot protocol %u.%02u, %zu KiB at 0x%llx, runs up to "
		 "0x%llx; initrd %llu KiB at 0x%llx; command line %zu characters",
		 cfg->boot.kernel, info.version >> 8, info.version & 0xff,
		 info.kernel_bytes >> 10, (unsigned long long)layout.kernel,
		 (unsigned long long)layout.kernel_end, (unsigned long long)initrd_bytes >> 10,
		 (unsigned long long)layout.initrd, cmdline_bytes - 1);
out:
	if (ifd >= 0)
		close(ifd);
	free(image);
	return ret;
}
