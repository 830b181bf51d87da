// SPDX-License-Identifier: Apache-2.0
/*
 * The built-in jitter probe: freestanding code that runs on every vCPU of the guest.
 * Noise mode spins on RDTSC with no exiting instruction and records every moment the
 * vCPU was kept from running into its struct probe_record, which the VMM reads from
 * guest memory after the run. vCPU 0 ends the VM once all vCPUs are done.
 */
#include "abi.h"
#include "probe_hist.h"

void probe_main(uint32_t cpu, struct guest_info *info);

/* The entry: RSP is a 16-byte aligned stack top, so a call keeps the C ABI's alignment. */
__asm__(".section .text.start, \"ax\"\n"
	".global _start\n"
	"_start:\n"
	"	call probe_main\n"
	"1:	cli\n"
	"	hlt\n"
	"	jmp 1b\n"
	".previous\n");

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t value)
{
	__asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port));
}

/*
 * The loop's own period: the shortest iteration seen. Reading the TSC may trap on
 * some hosts (several microseconds a read), so only the excess over this counts.
 */
static uint64_t calibrate(void)
{
	uint64_t prev = rdtsc(), min = ~0ULL;

	for (int i = 0; i < PROBE_CALIBRATION_LOOPS; i++) {
		uint64_t now = rdtsc();

		if (now - prev < min)
			min = now - prev;
		prev = now;
	}
	return min;
}

static void noise(struct probe_record *r, const struct guest_info *info)
{
	/* volatile: the VMM reads samples while the guest runs, as a progress counter */
	volatile uint64_t *samples = &r->samples;
	uint64_t start, end, prev, now = 0, n = 0;

	r->period_cycles = calibrate();
	start = prev = rdtsc();
	end = start + info->duration_cycles;
	do {
		now = rdtsc();
		probe_account(r, now - prev, info->threshold_cycles, info->us_mult);
		prev = now;
		*samples = ++n;
	} while (now < end);
	r->elapsed_cycles = now - start;
}

void probe_main(uint32_t cpu, struct guest_info *info)
{
	struct probe_record *r =
		(struct probe_record *)(info->records_addr + cpu * info->record_stride);

	noise(r, info);
	r->done = 1;
	__atomic_fetch_add(&info->done_count, 1, __ATOMIC_RELEASE);
	if (cpu != 0)
		return;
	while (__atomic_load_n(&info->done_count, __ATOMIC_ACQUIRE) < info->nr_vcpus)
		__asm__ volatile("pause");
	outb(PORT_DEBUG_EXIT, 0);
}
