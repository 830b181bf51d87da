// SPDX-License-Identifier: Apache-2.0
/*
 * The jitter probe's TSC reading, calibration and histogram arithmetic, shared by the
 * guest (which records) and the host (the unit tests and the native baseline).
 * Freestanding: no libc.
 */
#ifndef RTVMM_PROBE_HIST_H
#define RTVMM_PROBE_HIST_H

#include "abi.h"

static inline uint64_t probe_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * The noise loop's own period: the shortest of PROBE_CALIBRATION_LOOPS back-to-back TSC
 * reads. Reading the TSC may trap on some hosts (several microseconds a read), so only
 * the excess over this period counts as a gap.
 */
static inline uint64_t probe_calibrate(void)
{
	uint64_t prev = probe_rdtsc(), min = ~0ULL;

	for (int i = 0; i < PROBE_CALIBRATION_LOOPS; i++) {
		uint64_t now = probe_rdtsc();

		if (now - prev < min)
			min = now - prev;
		prev = now;
	}
	return min;
}

/*
 * Cycles to microseconds is a multiply and a shift with a factor the host computes
 * once: a division in the loop would lengthen every gap it measures (on some hosts a
 * guest DIV costs a microsecond).
 */
#define PROBE_US_SHIFT 32

/*
 * The factor for probe_cycles_to_us(); tsc_khz must be non-zero. Host side. Rounded up:
 * rounded down, a gap of exactly N microseconds would land in bucket N - 1.
 */
static inline uint64_t probe_us_mult(uint32_t tsc_khz)
{
	return ((1000ULL << PROBE_US_SHIFT) + tsc_khz - 1) / tsc_khz;
}

/* Cycles to whole microseconds, rounded down; saturates far beyond any histogram. */
static inline uint64_t probe_cycles_to_us(uint64_t cycles, uint64_t us_mult)
{
	if (cycles >> 40)
		return ~0ULL;
	return cycles * us_mult >> PROBE_US_SHIFT;
}

/* Enters one latency into the histogram and its count, sum, minimum and maximum. */
static inline void probe_hist_add(struct probe_record *r, uint64_t latency, uint64_t us_mult)
{
	uint64_t us = probe_cycles_to_us(latency, us_mult);

	if (us < PROBE_HIST_BUCKETS)
		r->hist[us]++;
	else
		r->overflows++;
	if (r->counted == 0 || latency < r->min_cycles)
		r->min_cycles = latency;
	if (latency > r->max_cycles)
		r->max_cycles = latency;
	r->counted++;
	r->sum_cycles += latency;
}

/*
 * Noise mode: accounts one loop iteration that took `delta` cycles. Returns 1 when it
 * counted as a gap: delta exceeds the calibrated period by more than threshold_cycles.
 */
static inline int probe_account(struct probe_record *r, uint64_t delta, uint64_t threshold_cycles,
				uint64_t us_mult)
{
	uint64_t excess;

	if (delta <= r->period_cycles + threshold_cycles)
		return 0;
	excess = delta - r->period_cycles;
	probe_hist_add(r, excess, us_mult);
	r->gaps++;
	r->lost_cycles += excess;
	return 1;
}

/*
 * Wake mode: accounts one wake-up at TSC `now` for the timer armed at `deadline`, and
 * returns the deadline to arm next: the first one of the period grid after `now`.
 * interval_cycles must not be 0. The division runs only for a wake-up that missed a
 * whole period, after its lateness is taken, so it lengthens no measured latency.
 */
static inline uint64_t probe_wake_account(struct probe_record *r, uint64_t deadline, uint64_t now,
					  uint64_t interval_cycles, uint64_t threshold_cycles,
					  uint64_t us_mult)
{
	/* the timer never fires before its deadline (SDM 10.5.4.1); if it did, count 0 */
	uint64_t late = now > deadline ? now - deadline : 0, skipped;

	probe_hist_add(r, late, us_mult);
	if (late > threshold_cycles) {
		r->gaps++;
		r->lost_cycles += late;
	}
	if (late < interval_cycles)
		return deadline + interval_cycles;
	/* deadline + skipped * interval <= now < deadline + (skipped + 1) * interval */
	skipped = late / interval_cycles;
	r->missed += skipped;
	return deadline + (skipped + 1) * interval_cycles;
}

#endif
