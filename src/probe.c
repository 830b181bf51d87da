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
	s->min_us = r->counted ? r->min_cycles * 1e3 / khz : 0;
	s->avg_us = r->counted ? r->sum_cycles * 1e3 / khz / r->counted : 0;
	s->max_us = r->max_cycles * 1e3 / khz;
	s->missed = r->missed;
	s->done = r->done == 1;
}

const struct probe_record *probe_record_of(const struct vm *vm, unsigned id)
{
	return vm_gpa_to_hva(vm, GUEST_RECORDS_ADDR + (uint64_t)id * PROBE_RECORD_STRIDE,
			     sizeof(struct probe_record));
}

void probe_print(const struct vm *vm, FILE *out)
{
	fprintf(out, "%-6s %10s %12s %8s %9s %8s %9s %9s %10s %8s\n", "vcpu", "period_ns",
		"samples", "gaps", "gaps/s", "lost_%", "min_us", "avg_us", "max_us", "missed");
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct probe_record *r = probe_record_of(vm, i);
		struct probe_summary s;

		if (!r)
			continue;
		probe_summarize(r, vm->tsc_khz, &s);
		fprintf(out,
			"vcpu%-2u %10.0f %12llu %8llu %9.1f %8.3f %9.1f %9.1f %10.1f %8llu%s\n", i,
			s.period_ns, (unsigned long long)s.samples, (unsigned long long)s.gaps,
			s.gaps_per_s, s.lost_pct, s.min_us, s.avg_us, s.max_us,
			(unsigned long long)s.missed, s.done ? "" : "  (incomplete)");
	}
}

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", NULL, "#TS", "#NP",
	"#SS", "#GP", "#PF", NULL, "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
};

const char *probe_exit_reason(int status, char *buf, size_t len)
{
	switch (status) {
	case PROBE_EXIT_OK:
		return NULL;
	case PROBE_EXIT_BAD_INFO:
		snprintf(buf, len, "the guest found its parameters invalid (status %d): rtvmm "
			 "and its built-in probe disagree about guest/abi.h", status);
		break;
	case PROBE_EXIT_NO_APIC:
		snprintf(buf, len, "the guest has no local APIC (status %d): wake mode needs "
			 "KVM's in-kernel irqchip", status);
		break;
	case PROBE_EXIT_NO_TSC_DEADLINE:
		snprintf(buf, len, "this host's KVM lacks the TSC-deadline timer (status %d, "
			 "KVM_CAP_TSC_DEADLINE_TIMER): wake mode cannot run here; use [probe] "
			 "mode = noise", status);
		break;
	case PROBE_EXIT_UNEXPECTED_IRQ:
		snprintf(buf, len, "the guest took an interrupt on a vector it does not use "
			 "(status %d)", status);
		break;
	default:
		if (status >= PROBE_EXIT_FAULT && status < PROBE_EXIT_FAULT + 32) {
			const char *name = exception_names[status - PROBE_EXIT_FAULT];

			snprintf(buf, len, "the guest took exception %d%s%s%s (status %d): a bug "
				 "in the probe or in KVM", status - PROBE_EXIT_FAULT,
				 name ? " (" : "", name ? name : "", name ? ")" : "", status);
		} else {
			snprintf(buf, len, "the guest ended with status %d, which the probe "
				 "never writes", status);
		}
		break;
	}
	return buf;
}
