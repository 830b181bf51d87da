// SPDX-License-Identifier: Apache-2.0
/*
 * Histogram arithmetic of the jitter probe, shared by the guest (which records) and
 * the host (the unit tests and the native baseline). Freestanding: no libc.
 */
#ifndef RTVMM_PROBE_HIST_H
#define RTVMM_PROBE_HIST_H

#include "abi.h"

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

/*
 * Accounts one loop iteration that took `delta` cycles. Returns 1 when it counted as
 * a gap: delta exceeds the calibrated period by more than threshold_cycles.
 */
static inline int probe_account(struct probe_record *r, uint64_t delta, uint64_t threshold_cycles,
				uint64_t us_mult)
{
	uint64_t excess, us;

	if (delta <= r->period_cycles + threshold_cycles)
		return 0;
	excess = delta - r->period_cycles;
	us = probe_cycles_to_us(excess, us_mult);
	if (us < PROBE_HIST_BUCKETS)
		r->hist[us]++;
	else
		r->overflows++;
	r->gaps++;
	r->lost_cycles += excess;
	if (excess > r->max_cycles)
		r->max_cycles = excess;
	if (r->min_cycles == 0 || excess < r->min_cycles)
		r->min_cycles = excess;
	return 1;
}

#endif
