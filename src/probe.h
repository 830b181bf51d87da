// SPDX-License-Identifier: Apache-2.0
/*
 * The host side of the built-in jitter probe: its parameters in the guest info page,
 * the guest memory it needs, and the per-vCPU summary read from its records after the
 * run. The records are read only once every vCPU thread has been joined.
 */
#ifndef RTVMM_PROBE_H
#define RTVMM_PROBE_H

#include "guest/abi.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct cfg;
struct vm;

/* Guest RAM the probe needs on `nr_vcpus` vCPUs. */
uint64_t probe_memory_bytes(unsigned nr_vcpus);

/* Fills the probe fields of the info page from [probe]. */
void probe_prepare(struct guest_info *info, const struct cfg *cfg, uint32_t tsc_khz);

/* Latencies as struct probe_record defines them for each mode (guest/abi.h). */
struct probe_summary {
	double period_ns;	/* noise: the probe loop's own period; wake: the interval */
	uint64_t samples;	/* noise: loop iterations; wake: wake-ups */
	uint64_t gaps;		/* latencies above the threshold */
	double seconds;		/* measured time */
	double gaps_per_s;
	double lost_pct;	/* the gaps' latencies as a share of the measured time */
	double min_us;		/* smallest latency; 0 when none was counted */
	double avg_us;		/* mean latency; 0 when none was counted */
	double max_us;		/* largest latency */
	uint64_t missed;	/* wake: periods skipped by late wake-ups */
	bool done;		/* the vCPU finished its measurement */
};

/* Pure: the figures of one record. */
void probe_summarize(const struct probe_record *r, uint32_t tsc_khz, struct probe_summary *s);

/* The record of vCPU `id` in guest memory, or NULL. */
const struct probe_record *probe_record_of(const struct vm *vm, unsigned id);

/* Prints one line per vCPU. */
void probe_print(const struct vm *vm, FILE *out);

/*
 * Pure: why the probe ended the VM with debug-exit `status`, written into `buf`, or NULL
 * for PROBE_EXIT_OK. Any other status means the measurement is void.
 */
const char *probe_exit_reason(int status, char *buf, size_t len);

#endif
