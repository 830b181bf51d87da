// SPDX-License-Identifier: Apache-2.0
/*
 * The contract between rtvmm and the flat 64-bit payloads it boots directly (the
 * built-in probe and test guests): the guest-physical layout, the entry state, the
 * ports, and the info page. Included by VMM code and by freestanding guest code, so it
 * uses nothing beyond <stdint.h>.
 *
 * Entry state, identical on every vCPU: 64-bit long mode, paging on with the low
 * 4 GiB identity-mapped by 2 MiB pages, interrupts off, RIP = GUEST_PAYLOAD_ADDR,
 * RDI = vCPU index, RSI = GUEST_INFO_ADDR, RSP = top of that vCPU's 16-byte-aligned
 * stack. A payload ends the VM by writing its exit status to PORT_DEBUG_EXIT.
 */
#ifndef RTVMM_GUEST_ABI_H
#define RTVMM_GUEST_ABI_H

#ifdef __ASSEMBLER__
#define GUEST_U64(x) x
#else
#include <stdint.h>
#define GUEST_U64(x) x##ULL
#endif

#define GUEST_GDT_ADDR		GUEST_U64(0x1000)
#define GUEST_PML4_ADDR		GUEST_U64(0x2000)	/* PDPT at +0x1000, 4 PDs at +0x2000 */
#define GUEST_INFO_ADDR		GUEST_U64(0x8000)
#define GUEST_PAYLOAD_ADDR	GUEST_U64(0x100000)
#define GUEST_PAYLOAD_MAX	GUEST_U64(0x100000)
#define GUEST_STACKS_ADDR	GUEST_U64(0x200000)
#define GUEST_STACK_SIZE	GUEST_U64(0x4000)
#define GUEST_MAX_VCPUS		256
#define GUEST_RECORDS_ADDR	GUEST_U64(0x600000)	/* GUEST_STACKS_ADDR + 256 stacks */

#define PORT_DEBUGCON		0xe9	/* each byte written goes to the console */
#define PORT_DEBUG_EXIT		0xf4	/* the value written becomes rtvmm's exit status */

/* struct guest_info offsets for assembly payloads (checked below) */
#define GUEST_INFO_NR_VCPUS	8
#define GUEST_INFO_TSC_KHZ	12
#define GUEST_INFO_DONE_COUNT	80

/*
 * The probe's exit statuses on PORT_DEBUG_EXIT. 0: every vCPU finished its measurement.
 * Any other value ends the VM early; rtvmm names the cause (probe_exit_reason()) and
 * exits with status 1. Plain numbers outside the C-only part: assembly uses them too.
 */
#define PROBE_EXIT_OK			0
#define PROBE_EXIT_BAD_INFO		60	/* unknown mode, or a wake interval of 0 */
#define PROBE_EXIT_NO_APIC		61	/* CPUID.1:EDX.APIC[bit 9] clear */
#define PROBE_EXIT_NO_TSC_DEADLINE	62	/* CPUID.1:ECX.TSC_DEADLINE[bit 24] clear */
#define PROBE_EXIT_UNEXPECTED_IRQ	63	/* an interrupt on a vector it does not use */
#define PROBE_EXIT_FAULT		64	/* + vector: exception 0-31 (so 64-95) */

/* Wake mode's interrupt vectors (the probe's IDT covers all 256). */
#define PROBE_TIMER_VECTOR		0x20
#define PROBE_SPURIOUS_VECTOR		0xff

#ifndef __ASSEMBLER__

#define GUEST_INFO_MAGIC	0x45424f5250565452ULL	/* "RTVPROBE" */

enum probe_mode { PROBE_MODE_NOISE, PROBE_MODE_WAKE };

#define PROBE_HIST_BUCKETS	10000	/* 1 us each: latencies of 0 .. 9999 us, then overflow */
#define PROBE_CALIBRATION_LOOPS	4096

/* Filled by the VMM before the vCPUs start; the probe writes only done_count. */
struct guest_info {
	uint64_t magic;
	uint32_t nr_vcpus;
	uint32_t tsc_khz;		/* TSC ticks per millisecond */
	uint64_t mem_bytes;
	/* probe parameters */
	uint32_t mode;			/* enum probe_mode */
	uint32_t hist_buckets;
	uint64_t threshold_cycles;	/* a latency above this is a gap (see probe_record) */
	uint64_t duration_cycles;	/* measurement length per vCPU */
	uint64_t interval_cycles;	/* wake mode: timer period; must not be 0 */
	uint64_t records_addr;		/* struct probe_record of vCPU 0 */
	uint64_t record_stride;		/* bytes between two vCPUs' records */
	uint64_t us_mult;		/* cycles * us_mult >> 32 = microseconds */
	uint32_t done_count;		/* vCPUs that finished; atomically incremented */
	uint32_t reserved;
};

_Static_assert(__builtin_offsetof(struct guest_info, nr_vcpus) == GUEST_INFO_NR_VCPUS,
	       "GUEST_INFO_NR_VCPUS");
_Static_assert(__builtin_offsetof(struct guest_info, tsc_khz) == GUEST_INFO_TSC_KHZ,
	       "GUEST_INFO_TSC_KHZ");
_Static_assert(__builtin_offsetof(struct guest_info, done_count) == GUEST_INFO_DONE_COUNT,
	       "GUEST_INFO_DONE_COUNT");

/*
 * One vCPU's result, written only by that vCPU, read by the VMM after the run (and
 * `samples` while it runs). All times are in TSC cycles.
 *
 * A latency is one value entered into the histogram:
 * - noise mode: the excess of one loop iteration over the calibrated period. Only
 *   gaps are entered (an excess above threshold_cycles); the millions of ordinary
 *   iterations a second are only counted in `samples`.
 * - wake mode: the lateness of one wake-up, the TSC read first thing in the timer
 *   handler minus the deadline that was armed (0 should the interrupt come early).
 *   Every wake-up is entered, as cyclictest does; threshold_cycles only decides which
 *   of them also count as gaps. A wake-up at or past the following deadline makes the
 *   periods in between `missed`; the next deadline is then the first one of the
 *   period grid (start + k * interval) after the wake-up, so the loop never chases
 *   deadlines that have passed.
 * So in both modes: min/avg/max latency = min_cycles, sum_cycles / counted,
 * max_cycles, and counted = the histogram's sum plus overflows.
 */
struct probe_record {
	uint64_t period_cycles;		/* noise: the loop's own period, calibrated;
					 * wake: the timer interval */
	uint64_t samples;		/* noise: loop iterations; wake: wake-ups. Also the
					 * progress counter */
	uint64_t gaps;			/* latencies above the threshold */
	uint64_t lost_cycles;		/* sum of the latencies of those gaps */
	uint64_t max_cycles;		/* largest latency; 0 = none counted */
	uint64_t min_cycles;		/* smallest latency; meaningful when counted > 0 */
	uint64_t elapsed_cycles;	/* measurement time (wake: start to last wake-up) */
	uint64_t overflows;		/* latencies beyond the last bucket */
	uint64_t missed;		/* wake mode: periods skipped by late wake-ups */
	uint64_t done;			/* 1 once the record is final */
	uint64_t counted;		/* latencies entered (noise: = gaps; wake: = samples) */
	uint64_t sum_cycles;		/* sum of every latency entered (noise: = lost_cycles) */
	uint64_t hist[PROBE_HIST_BUCKETS];	/* latencies, 1 us per bucket */
};

#define PROBE_RECORD_STRIDE	((sizeof(struct probe_record) + 4095) & ~4095ULL)

#endif /* __ASSEMBLER__ */

#endif
