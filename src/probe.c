// SPDX-License-Identifier: Apache-2.0
/*
 * Probe, host side (see probe.h).
 */
#include "probe.h"

#include "guest/probe_hist.h"
#include "vm.h"

#include "../config/config.h"

uint64_t probe_memory_bytes(unsigned nr_vcpus)
{
	return GUEST_RECORDS_ADDR + (uint64_t)nr_vcpus * PROBE_RECORD_STRIDE;
}

void probe_prepare(struct guest_info *info, const struct cfg *cfg, uint32_t tsc_khz)
{
	info->mode = cfg->probe.mode == CFG_PROBE_WAKE ? PROBE_MODE_WAKE : PROBE_MODE_NOISE;
	info->hist_buckets = PROBE_HIST_BUCKETS;
	info->threshold_cycles = (uint64_t)cfg->probe.threshold_us * tsc_khz / 1000;
	info->duration_cycles = (uint64_t)cfg->probe.duration_s * tsc_khz * 1000;
	info->interval_cycles = (uint64_t)cfg->probe.interval_us * tsc_khz / 1000;
	info->us_mult = probe_us_mult(tsc_khz);
	info->records_addr = GUEST_RECORDS_ADDR;
	info->record_stride = PROBE_RECORD_STRIDE;
	info->done_count = 0;
}

void probe_summarize(const struct probe_record *r, uint32_t tsc_khz, struct probe_summary *s)
{
	double khz = tsc_khz ? tsc_khz : 1;

	s->period_ns = r->period_cycles * 1e6 / khz;
	s->samples = r->samples;
	s->gaps = r->gaps;
	s->seconds = r->elapsed_cycles / (khz * 1e3);
	s->gaps_per_s = s->seconds > 0 ? r->gaps / s->seconds : 0;
	s->lost_pct = r->elapsed_cycles ? 100.0 * r->lost_cycles / r->elapsed_cycles : 0;
	s->max_us = r->max_cycles * 1e3 / khz;
	s->done = r->done == 1;
}

const struct probe_record *probe_record_of(const struct vm *vm, unsigned id)
{
	return vm_gpa_to_hva(vm, GUEST_RECORDS_ADDR + (uint64_t)id * PROBE_RECORD_STRIDE,
			     sizeof(struct probe_record));
}

void probe_print(const struct vm *vm, FILE *out)
{
	fprintf(out, "%-6s %10s %12s %8s %9s %8s %10s\n", "vcpu", "period_ns", "samples", "gaps",
		"gaps/s", "lost_%", "max_us");
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct probe_record *r = probe_record_of(vm, i);
		struct probe_summary s;

		if (!r)
			continue;
		probe_summarize(r, vm->tsc_khz, &s);
		fprintf(out, "vcpu%-2u %10.0f %12llu %8llu %9.1f %8.3f %10.1f%s\n", i, s.period_ns,
			(unsigned long long)s.samples, (unsigned long long)s.gaps, s.gaps_per_s,
			s.lost_pct, s.max_us, s.done ? "" : "  (incomplete)");
	}
}
