// SPDX-License-Identifier: Apache-2.0
/*
 * The Linux loader on the real /dev/kvm, with a fabricated bzImage whose 64-bit entry
 * point is a few instructions that check what the boot protocol promises (CS is
 * __BOOT_CS, RSI points at a zero page with type_of_loader 0xff, three e820 entries
 * and a command line) and report through the debug ports. Before the start, the test
 * reads back what linux_load() left in KVM: vCPU 0 at the entry in long mode, the other
 * vCPUs still uninitialized (waiting for INIT/SIPI), the MSRs, LAPIC LINT pins and FPU
 * of cpu.c on every vCPU, the in-kernel PIT, and the kernel, zero page and command line
 * in guest memory. Skips when /dev/kvm is not usable. A real kernel cannot boot on
 * every KVM (kvm_pvm emulates too slowly); this checks everything up to its first
 * instruction.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../config/config.h"
#include "../../src/boot/bzimage.h"
#include "../../src/boot/cpu.h"
#include "../../src/boot/acpi.h"
#include "../../src/boot/linux.h"
#include "../../src/run.h"
#include "../../src/vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SETUP_BYTES	(5 * 512)
#define PM_BYTES	0x1000
#define PREF_ADDRESS	0x1000000
#define CMDLINE		"console=ttyS0 earlyprintk=serial"

/*
 * At the entry (protected-mode offset 0x200): checks CS, the zero page and the command
 * line, prints 'L' on the debug console and exits with 42, or exits with 7.
 */
static const uint8_t entry_code[] = {
	0x8c, 0xc8,				/* mov eax, cs */
	0x66, 0x83, 0xf8, 0x10,			/* cmp ax, 0x10 */
	0x75, 0x28,				/* jne fail */
	0x80, 0xbe, 0x10, 0x02, 0, 0, 0xff,	/* cmp byte [rsi + 0x210], 0xff */
	0x75, 0x1f,				/* jne fail */
	0x80, 0xbe, 0xe8, 0x01, 0, 0, 0x03,	/* cmp byte [rsi + 0x1e8], 3 */
	0x75, 0x16,				/* jne fail */
	0x8b, 0x86, 0x28, 0x02, 0, 0,		/* mov eax, [rsi + 0x228] */
	0x80, 0x38, 'c',			/* cmp byte [rax], 'c' */
	0x75, 0x0b,				/* jne fail */
	0xb0, 'L', 0xe6, 0xe9,			/* out 0xe9, 'L' */
	0xb0, 42, 0xe6, 0xf4,			/* out 0xf4, 42 */
	0xf4, 0xeb, 0xfd,			/* hlt; jmp back */
	0xb0, 7, 0xe6, 0xf4,			/* fail: out 0xf4, 7 */
	0xf4, 0xeb, 0xfd,			/* hlt; jmp back */
};

struct fixture {
	char kernel[64];
	struct cfg *cfg;
	struct plan *plan;
	struct vm *vm;
	uint8_t image[SETUP_BYTES + PM_BYTES];
};

static void put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));	/* x86: little-endian */
}

/* A protocol-2.15 bzImage (boot.rst's header offsets) running entry_code. */
static void make_image(uint8_t *b)
{
	uint64_t pref = PREF_ADDRESS;

	memset(b, 0, SETUP_BYTES + PM_BYTES);
	b[0x1f1] = 4;
	put32(b + 0x1f4, PM_BYTES / 16);
	b[0x1fe] = 0x55;
	b[0x1ff] = 0xaa;
	b[0x200] = 0xeb;
	b[0x201] = 0x6a;
	memcpy(b + 0x202, "HdrS", 4);
	b[0x206] = 0x0f;
	b[0x207] = 0x02;
	b[0x211] = LOADED_HIGH;
	put32(b + 0x22c, 0x7fffffff);
	put32(b + 0x230, 0x200000);
	b[0x234] = 1;
	b[0x236] = XLF_KERNEL_64;
	put32(b + 0x238, 2047);
	memcpy(b + 0x258, &pref, 8);
	put32(b + 0x260, 0x400000);	/* init_size: 4 MiB */
	memcpy(b + SETUP_BYTES + 0x200, entry_code, sizeof(entry_code));
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	sigset_t kick;
	FILE *out;
	int fd;

	if (!f)
		return -1;
	sigemptyset(&kick);
	sigaddset(&kick, vcpu_kick_signal());
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	vcpu_signal_init();
	make_image(f->image);
	snprintf(f->kernel, sizeof(f->kernel), "/tmp/rtvmm-bzimage-XXXXXX");
	fd = mkstemp(f->kernel);
	out = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (!out || fwrite(f->image, sizeof(f->image), 1, out) != 1 || fclose(out)) {
		free(f);
		return -1;
	}
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->vm) {
		vm_end(f->vm, VM_END_STOPPED, 0, "test done");
		vm_stop(f->vm);
		vm_destroy(f->vm);
	}
	unlink(f->kernel);
	free(f->plan);
	free(f->cfg);
	free(f);
	return 0;
}

/* Creates a 3-vCPU VM for the fabricated kernel and loads it. */
static void load(struct fixture *f)
{
	char ini[512];
	struct cfg_error err;

	snprintf(ini, sizeof(ini), "[vm]\nvcpus = 3\nmemory = 64M\n[boot]\nkernel = %s\n"
		 "cmdline = " CMDLINE "\n[sched]\npolicy = other\nboost_uclamp = false\n"
		 "core_scheduling = off\n[memory]\nnuma_node = none\nlock = false\n"
		 "[console]\nserial = null\n", f->kernel);
	f->cfg = malloc(sizeof(*f->cfg));
	assert_non_null(f->cfg);
	cfg_init(f->cfg);
	if (cfg_parse_string(f->cfg, ini, "test.ini", ".", &err) || cfg_finalize(f->cfg, &err))
		fail_msg("config: %s", err.msg);
	assert_int_equal(run_plan_build(f->cfg, &f->plan), 0);
	assert_int_equal(vm_create(&f->vm, f->cfg, f->plan), 0);
	assert_int_equal(linux_load(f->vm), 0);
}

static void test_linux_bsp_at_64bit_entry(void **state)
{
	struct fixture *f = *state;
	struct kvm_mp_state mp;
	struct kvm_sregs s;
	struct kvm_regs r;

	load(f);
	assert_int_equal(kvm_ioctl(f->vm->vcpus[0]->fd, KVM_GET_REGS, &r), 0);
	assert_int_equal(kvm_ioctl(f->vm->vcpus[0]->fd, KVM_GET_SREGS, &s), 0);
	assert_int_equal(r.rip, PREF_ADDRESS + 0x200);
	assert_int_equal(r.rsi, BZIMAGE_ZERO_PAGE_ADDR);
	assert_false(r.rflags & (1 << 9));	/* IF */
	assert_int_equal(s.cs.selector, LINUX_BOOT_CS);
	assert_int_equal(s.cs.l, 1);
	assert_int_equal(s.ds.selector, LINUX_BOOT_DS);
	assert_int_equal(s.ss.selector, LINUX_BOOT_DS);
	assert_true(s.efer & (1 << 10));	/* LMA */
	assert_true(s.cr0 & (1ULL << 31));	/* PG */
	assert_int_equal(s.cr3, LINUX_PML4_ADDR);
	assert_int_equal(s.gdt.base, LINUX_GDT_ADDR);
	assert_int_equal(kvm_ioctl(f->vm->vcpus[0]->fd, KVM_GET_MP_STATE, &mp), 0);
	assert_int_equal(mp.mp_state, KVM_MP_STATE_RUNNABLE);
}

static void test_linux_aps_wait_for_sipi(void **state)
{
	struct fixture *f = *state;
	struct kvm_mp_state mp;

	load(f);
	for (unsigned i = 1; i < f->vm->nr_vcpus; i++) {
		assert_int_equal(kvm_ioctl(f->vm->vcpus[i]->fd, KVM_GET_MP_STATE, &mp), 0);
		assert_int_equal(mp.mp_state, KVM_MP_STATE_UNINITIALIZED);
	}
}

static void test_linux_cpu_state_on_every_vcpu(void **state)
{
	struct fixture *f = *state;

	load(f);
	for (unsigned i = 0; i < f->vm->nr_vcpus; i++) {
		int fd = f->vm->vcpus[i]->fd;
		struct {
			struct kvm_msrs hdr;
			struct kvm_msr_entry e[2];
		} msrs = { .hdr.nmsrs = 2, .e = { { .index = CPU_MSR_MISC_ENABLE },
						  { .index = CPU_MSR_MTRR_DEF_TYPE } } };
		struct kvm_lapic_state lapic;
		struct kvm_fpu fpu;
		uint32_t lvt0, lvt1;

		assert_int_equal(kvm_ioctl(fd, KVM_GET_MSRS, &msrs), 2);
		assert_true(msrs.e[0].data & CPU_MISC_ENABLE_FAST_STRING);
		assert_int_equal(msrs.e[1].data, CPU_MTRR_ENABLE | CPU_MTRR_TYPE_WB);
		assert_int_equal(kvm_ioctl(fd, KVM_GET_LAPIC, &lapic), 0);
		memcpy(&lvt0, &lapic.regs[CPU_APIC_LVT0], 4);
		memcpy(&lvt1, &lapic.regs[CPU_APIC_LVT1], 4);
		assert_int_equal((lvt0 >> 8) & 7, CPU_APIC_MODE_EXTINT);
		assert_int_equal((lvt1 >> 8) & 7, CPU_APIC_MODE_NMI);
		assert_int_equal(kvm_ioctl(fd, KVM_GET_FPU, &fpu), 0);
		assert_int_equal(fpu.fcw, 0x37f);
		/* kvm_pvm reads MXCSR back as 0 whatever was set: nothing to check there */
		if (fpu.mxcsr)
			assert_int_equal(fpu.mxcsr, 0x1f80);
		else if (i == 0)
			print_message("note: KVM_GET_FPU reports MXCSR 0 on this host\n");
	}
}

static void test_linux_memory_and_pit(void **state)
{
	struct fixture *f = *state;
	struct kvm_pit_state2 pit;
	const struct boot_params *bp;

	load(f);
	assert_memory_equal(f->vm->mem + PREF_ADDRESS, f->image + SETUP_BYTES, PM_BYTES);
	bp = (const void *)(f->vm->mem + BZIMAGE_ZERO_PAGE_ADDR);
	assert_int_equal(bp->hdr.type_of_loader, 0xff);
	assert_int_equal(bp->hdr.cmd_line_ptr, BZIMAGE_CMDLINE_ADDR);
	assert_string_equal((const char *)f->vm->mem + BZIMAGE_CMDLINE_ADDR, CMDLINE);
	assert_int_equal(bp->e820_entries, 3);
	assert_int_equal(bp->e820_table[1].addr, ACPI_REGION_START);
	/* the RSDP is where a scan finds it, and the reset vector pulses the i8042 reset */
	assert_memory_equal(f->vm->mem + ACPI_REGION_START, "RSD PTR ", 8);
	assert_memory_equal(f->vm->mem + LINUX_RESET_VECTOR, "\xb0\xfe\xe6\x64", 4);
	/* the 8259 is masked: Linux never programs it in hardware-reduced mode */
	{
		struct kvm_irqchip ic = { .chip_id = KVM_IRQCHIP_PIC_MASTER };

		assert_int_equal(kvm_ioctl(f->vm->fd, KVM_GET_IRQCHIP, &ic), 0);
		assert_int_equal(ic.chip.pic.imr, 0xff);
	}
	assert_int_equal(bp->e820_table[2].addr + bp->e820_table[2].size, 64 << 20);
	/* a kernel VM has the in-kernel PIT */
	assert_int_equal(kvm_ioctl(f->vm->fd, KVM_GET_PIT2, &pit), 0);
}

static void test_linux_entry_code_sees_the_protocol(void **state)
{
	struct fixture *f = *state;

	load(f);
	assert_int_equal(vm_start(f->vm), 0);
	for (int i = 0; i < 500 && atomic_load(&f->vm->end) == VM_END_NONE; i++)
		usleep(10000);
	vm_stop(f->vm);
	/* 42: every check in entry_code passed; 7: one failed */
	assert_int_equal(atomic_load(&f->vm->end), VM_END_POWEROFF);
	assert_int_equal(f->vm->end_status, 42);
}

/*
 * The guest's ways to power off and reset, each replacing the entry code: they must
 * reach the devices on the bus and end the VM with the exit code DESIGN.md gives.
 */
static void test_linux_power_off_and_reset_paths(void **state)
{
	static const struct {
		const char *what;
		uint8_t code[16];
		enum vm_end end;
		int exit_code;
	} paths[] = {
		/* mov al, (S5 << 2) | SLP_EN; mov dx, 0x600; out dx, al */
		{ "ACPI S5", { 0xb0, 0x34, 0x66, 0xba, 0x00, 0x06, 0xee, 0xf4 }, VM_END_POWEROFF, 0 },
		/* mov al, 0x0f; mov dx, 0x602; out dx, al */
		{ "ACPI reset", { 0xb0, 0x0f, 0x66, 0xba, 0x02, 0x06, 0xee, 0xf4 }, VM_END_RESET, 3 },
		/* mov al, 0xfe; out 0x64, al */
		{ "i8042 reset", { 0xb0, 0xfe, 0xe6, 0x64, 0xf4 }, VM_END_RESET, 3 },
		/* mov eax, 0xffff0; jmp rax: the stub at the BIOS reset vector */
		{ "reset vector", { 0xb8, 0xf0, 0xff, 0x0f, 0x00, 0xff, 0xe0 }, VM_END_RESET, 3 },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		if (i) {	/* a fresh VM for each path */
			vm_destroy(f->vm);
			free(f->plan);
			free(f->cfg);
		}
		load(f);
		memcpy(f->vm->mem + PREF_ADDRESS + 0x200, paths[i].code, sizeof(paths[i].code));
		assert_int_equal(vm_start(f->vm), 0);
		for (int t = 0; t < 500 && atomic_load(&f->vm->end) == VM_END_NONE; t++)
			usleep(10000);
		vm_stop(f->vm);
		if (atomic_load(&f->vm->end) != (int)paths[i].end)
			fail_msg("%s: the VM ended as %d (%s), expected %d", paths[i].what,
				 atomic_load(&f->vm->end), f->vm->end_reason, paths[i].end);
		assert_int_equal(vm_exit_code(paths[i].end, f->vm->end_status), paths[i].exit_code);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_linux_power_off_and_reset_paths, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_linux_bsp_at_64bit_entry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_aps_wait_for_sipi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_cpu_state_on_every_vcpu, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_linux_memory_and_pit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_linux_entry_code_sees_the_protocol, setup,
						teardown),
	};

	if (access("/dev/kvm", R_OK | W_OK)) {
		printf("skip: /dev/kvm is missing or not accessible\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
