// SPDX-License-Identifier: Apache-2.0
/*
 * The built-in jitter probe: freestanding code that runs on every vCPU of the guest and
 * records into its struct probe_record, which the VMM reads from guest memory after the
 * run. Noise mode spins on RDTSC with no exiting instruction and records every moment
 * the vCPU was kept from running. Wake mode arms the local APIC's TSC-deadline timer
 * once per interval, halts, and records how late each timer interrupt arrives. vCPU 0
 * ends the VM once all vCPUs are done; an exception, an interrupt the probe does not
 * expect or a missing CPU feature ends it at once with a status from abi.h.
 */
#include "abi.h"
#include "probe_hist.h"

void probe_main(uint32_t cpu, struct guest_info *info);
void probe_fail(uint32_t status) __attribute__((noreturn));

#define STR_(x) #x
#define STR(x) STR_(x)

/* The entry: RSP is a 16-byte aligned stack top, so a call keeps the C ABI's alignment. */
__asm__(".section .text.start, \"ax\"\n"
	".global _start\n"
	"_start:\n"
	"	call probe_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".previous\n");

/*
 * Exception stubs: one per vector 0-31, each ending the VM with PROBE_EXIT_FAULT + its
 * vector. None returns, so whether the CPU pushed an error code does not matter. The
 * stubs' addresses go into probe_fault_stubs[] for the IDT.
 */
__asm__(".text\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
	"28,29,30,31\n"
	"probe_fault_\\v:\n"
	"	movl $(" STR(PROBE_EXIT_FAULT) " + \\v), %edi\n"
	"	jmp probe_fail\n"
	".endr\n"
	"probe_unexpected_irq:\n"
	"	movl $" STR(PROBE_EXIT_UNEXPECTED_IRQ) ", %edi\n"
	"	jmp probe_fail\n"
	/* a spurious interrupt is not acknowledged with an EOI (SDM 10.9) */
	"probe_spurious_irq:\n"
	"	iretq\n"
	".section .rodata\n"
	".balign 8\n"
	"probe_fault_stubs:\n"
	".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
	"28,29,30,31\n"
	"	.quad probe_fault_\\v\n"
	".endr\n"
	"probe_irq_stubs:\n"
	"	.quad probe_unexpected_irq, probe_spurious_irq\n"
	".previous\n");

extern const uint64_t probe_fault_stubs[32];
extern const uint64_t probe_irq_stubs[2];	/* unexpected, spurious */

#define MSR_IA32_APIC_BASE	0x1b
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_IA32_GS_BASE	0xc0000101
#define APIC_BASE_EXTD		(1ULL << 10)	/* x2APIC mode */
#define APIC_BASE_EN		(1ULL << 11)

/* Local APIC registers: xAPIC MMIO offsets; the x2APIC MSR is 0x800 + offset / 16. */
#define XAPIC_MMIO		0xfee00000ULL	/* inside the 4 GiB identity map */
#define APIC_EOI		0xb0
#define APIC_SVR		0xf0
#define APIC_LVT_TIMER		0x320
#define APIC_LVT_LINT0		0x350
#define APIC_SVR_ENABLE		(1u << 8)
#define APIC_LVT_MASKED		(1u << 16)
#define APIC_LVT_TSC_DEADLINE	(2u << 17)	/* timer mode, bits 18:17 */

#define CPUID_1_EDX_APIC	(1u << 9)
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

#define GATE_INTERRUPT_64	0x8e	/* present, DPL 0, 64-bit interrupt gate */
#define LONGMODE_CS		0x08	/* the loader's GDT (src/boot/longmode.h) */

struct idt_gate {
	uint16_t offset_low;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_high;
	uint32_t reserved;
};

/*
 * The probe's static data lives in .bss, which the flat binary does not carry and
 * nothing clears: guest RAM starts zeroed (a fresh mapping), which is all it needs.
 *
 * One IDT for all vCPUs, built by the first to arrive: 0 = not yet, 1 = being built,
 * 2 = ready (release/acquire pair with its readers in idt_load()).
 */
static struct idt_gate idt[256] __attribute__((aligned(16)));
static uint32_t idt_state;

/*
 * Per-vCPU state of wake mode that the timer handler reaches through GS. A cache line
 * each: the vCPUs write theirs on every wake-up.
 */
struct wake_cpu {
	struct wake_cpu *self;	/* at GS:0, so the handler gets a plain pointer */
	uint64_t woke_tsc;	/* written by the timer handler */
	uint32_t woke;		/* 1 once the handler ran for the armed deadline */
	uint32_t x2apic;	/* the EOI goes to an MSR, not to MMIO */
} __attribute__((aligned(64)));

static struct wake_cpu wake_cpus[GUEST_MAX_VCPUS];

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

static inline void cpuid(uint32_t leaf, uint32_t *a, uint32_t *b, uint32_t *c, uint32_t *d)
{
	__asm__ volatile("cpuid" : "=a"(*a), "=b"(*b), "=c"(*c), "=d"(*d) : "a"(leaf), "c"(0));
}

static inline void apic_write(const struct wake_cpu *self, uint32_t reg, uint32_t value)
{
	if (self->x2apic)
		wrmsr(0x800 + reg / 16, value);
	else
		*(volatile uint32_t *)(XAPIC_MMIO + reg) = value;
}

/* Ends the VM with `status`; called by the exception and unexpected-interrupt stubs. */
void probe_fail(uint32_t status)
{
	outb(PORT_DEBUG_EXIT, (uint8_t)status);
	for (;;)
		__asm__ volatile("cli; hlt");
}

static void idt_set(unsigned vector, uint64_t handler)
{
	idt[vector] = (struct idt_gate){
		.offset_low = (uint16_t)handler,
		.selector = LONGMODE_CS,
		.type = GATE_INTERRUPT_64,
		.offset_mid = (uint16_t)(handler >> 16),
		.offset_high = (uint32_t)(handler >> 32),
	};
}

/*
 * The timer interrupt. It takes the TSC before anything else, so the lateness it
 * reports is the host's and the delivery's, not the handler's; the accounting runs in
 * the wake loop once this returns. The interrupt gate keeps IF clear meanwhile.
 */
__attribute__((interrupt)) static void timer_isr(void *frame)
{
	uint64_t now = probe_rdtsc();
	struct wake_cpu *self;

	(void)frame;
	__asm__("movq %%gs:0, %0" : "=r"(self));
	self->woke_tsc = now;
	self->woke = 1;
	if (self->x2apic)
		wrmsr(0x800 + APIC_EOI / 16, 0);
	else
		*(volatile uint32_t *)(XAPIC_MMIO + APIC_EOI) = 0;
}

static void idt_build(void)
{
	for (unsigned v = 0; v < 256; v++)
		idt_set(v, v < 32 ? probe_fault_stubs[v] : probe_irq_stubs[0]);
	idt_set(PROBE_TIMER_VECTOR, (uint64_t)timer_isr);
	idt_set(PROBE_SPURIOUS_VECTOR, probe_irq_stubs[1]);
}

static void idt_load(void)
{
	struct __attribute__((packed)) {
		uint16_t limit;
		uint64_t base;
	} idtr = { sizeof(idt) - 1, (uint64_t)idt };
	uint32_t empty = 0;

	if (__atomic_compare_exchange_n(&idt_state, &empty, 1, 0, __ATOMIC_ACQUIRE,
					__ATOMIC_ACQUIRE)) {
		idt_build();
		__atomic_store_n(&idt_state, 2, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&idt_state, __ATOMIC_ACQUIRE) != 2)
			__asm__ volatile("pause");
	}
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

static void noise(struct probe_record *r, const struct guest_info *info)
{
	/* volatile: the VMM reads samples while the guest runs, as a progress counter */
	volatile uint64_t *samples = &r->samples;
	uint64_t start, end, prev, now = 0, n = 0;

	r->period_cycles = probe_calibrate();
	start = prev = probe_rdtsc();
	end = start + info->duration_cycles;
	do {
		now = probe_rdtsc();
		probe_account(r, now - prev, info->threshold_cycles, info->us_mult);
		prev = now;
		*samples = ++n;
	} while (now < end);
	r->elapsed_cycles = now - start;
}

/*
 * Enables this vCPU's local APIC with its timer in TSC-deadline mode, in x2APIC mode
 * where CPUID offers it (KVM always does) and in xAPIC mode otherwise. Ends the VM if
 * the APIC or the TSC-deadline timer is missing.
 */
static void apic_setup(struct wake_cpu *self)
{
	uint32_t a, b, c, d;

	cpuid(1, &a, &b, &c, &d);
	if (!(d & CPUID_1_EDX_APIC))
		probe_fail(PROBE_EXIT_NO_APIC);
	if (!(c & CPUID_1_ECX_TSC_DEADLINE))
		probe_fail(PROBE_EXIT_NO_TSC_DEADLINE);
	if (c & CPUID_1_ECX_X2APIC) {
		uint64_t base = rdmsr(MSR_IA32_APIC_BASE);

		/* from xAPIC mode (the reset state, EN set) to x2APIC is a legal transition */
		wrmsr(MSR_IA32_APIC_BASE, base | APIC_BASE_EN | APIC_BASE_EXTD);
		self->x2apic = 1;
	}
	self->self = self;
	wrmsr(MSR_IA32_GS_BASE, (uint64_t)self);
	apic_write(self, APIC_SVR, APIC_SVR_ENABLE | PROBE_SPURIOUS_VECTOR);
	/* vCPU 0's LINT0 is wired to the PIC; only the timer is to wake the probe */
	apic_write(self, APIC_LVT_LINT0, APIC_LVT_MASKED);
	apic_write(self, APIC_LVT_TIMER, APIC_LVT_TSC_DEADLINE | PROBE_TIMER_VECTOR);
	/*
	 * SDM 10.5.4.1: an MMIO write to the LVT is not ordered with a later WRMSR to
	 * IA32_TSC_DEADLINE without MFENCE, and a deadline written first would be lost.
	 * In x2APIC mode the CPU orders the two WRMSRs itself.
	 */
	if (!self->x2apic)
		__asm__ volatile("mfence" : : : "memory");
}

static void wake(uint32_t cpu, struct probe_record *r, const struct guest_info *info)
{
	volatile uint64_t *samples = &r->samples;
	struct wake_cpu *self = &wake_cpus[cpu];
	volatile uint32_t *woke = &self->woke;
	const uint64_t interval = info->interval_cycles;
	uint64_t start, end, deadline, now = 0, n = 0;

	if (interval == 0)
		probe_fail(PROBE_EXIT_BAD_INFO);
	apic_setup(self);
	r->period_cycles = interval;
	start = now = probe_rdtsc();
	end = start + info->duration_cycles;
	for (deadline = start + interval; deadline <= end;) {
		*woke = 0;
		wrmsr(MSR_IA32_TSC_DEADLINE, deadline);
		/*
		 * Interrupts stay off until STI, whose one-instruction shadow reaches over
		 * HLT: a timer that fired since the WRMSR is taken once HLT has begun, and
		 * ends it, never between STI and HLT, where it would leave HLT waiting for
		 * an interrupt that already came. Anything else that ends HLT without the
		 * timer (an NMI) goes round again.
		 */
		while (!*woke)
			__asm__ volatile("sti; hlt; cli" : : : "memory");
		now = self->woke_tsc;
		deadline = probe_wake_account(r, deadline, now, interval, info->threshold_cycles,
					      info->us_mult);
		*samples = ++n;
	}
	r->elapsed_cycles = now - start;
}

void probe_main(uint32_t cpu, struct guest_info *info)
{
	struct probe_record *r =
		(struct probe_record *)(info->records_addr + cpu * info->record_stride);

	idt_load();
	if (info->mode == PROBE_MODE_WAKE)
		wake(cpu, r, info);
	else if (info->mode == PROBE_MODE_NOISE)
		noise(r, info);
	else
		probe_fail(PROBE_EXIT_BAD_INFO);
	r->done = 1;
	__atomic_fetch_add(&info->done_count, 1, __ATOMIC_RELEASE);
	if (cpu != 0)
		return;
	while (__atomic_load_n(&info->done_count, __ATOMIC_ACQUIRE) < info->nr_vcpus)
		__asm__ volatile("pause");
	outb(PORT_DEBUG_EXIT, PROBE_EXIT_OK);
}
