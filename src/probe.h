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

struct probe_summary {
	double period_ns;	/* the probe loop's own period */
	uint64_t samples;
	uint64_t gaps;
	double seconds;		/* measured time */
	double gaps_per_s;
	double lost_pct;	/* share of the measured time lost to gaps */
	double max_us;		/* largest gap (excess over the period) */
	bool done;		/* the vCPU finished its measurement */
};

/* Pure: the figures of one record. */
void probe_summarize(const struct probe_record *r, uint32_t tsc_khz, struct probe_summary *s);

/* The record of vCPU `id` in guest memory, or NULL. */
const struct probe_record *probe_record_of(const struct vm *vm, unsigned id);

/* Prints one line per vCPU. */
void probe_print(const struct vm *vm, FILE *out);

#endif
