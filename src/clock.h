// SPDX-License-Identifier: Apache-2.0
/*
 * Monotonic time for the whole VMM: the run loop's KVM_RUN accounting, the main loop's
 * ticks, the control server's and ctl's timeouts, the jitter tool's snapshots. Inline,
 * so the vCPU hot path pays only for clock_gettime (a vDSO call).
 */
#ifndef RTVMM_CLOCK_H
#define RTVMM_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC in nanoseconds and in milliseconds. */
static inline uint64_t clock_mono_ns(void)
{
	return clock_ns(CLOCK_MONOTONIC);
}

static inline uint64_t clock_mono_ms(void)
{
	return clock_mono_ns() / 1000000;
}

#endif
