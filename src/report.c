// SPDX-License-Identifier: Apache-2.0
/*
 * The jitter report (see report.h): figures, warnings, text, cyclictest and JSON.
 */
#include "report.h"

#include "../sched/host.h"
#include "../sched/thread.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const unsigned report_pct_per10k[REPORT_NR_PCT] = { 5000, 9900, 9990, 9999 };
const char *const report_pct_name[REPORT_NR_PCT] = { "p50", "p99", "p99.9", "p99.99" };

uint64_t report_hist_events(const struct report_hist *h)
{
	uint64_t n = h->overflows;

	for (size_t b = 0; b < h->nr_buckets; b++)
		n += h->bucket[b];
	return n;
}

/* ceil(n * per10k / 10000) without overflowing 64 bits for any n. */
static uint64_t rank_of(uint64_t n, unsigned per10k)
{
	uint64_t whole = n / 10000 * per10k;
	uint64_t part = (n % 10000) * per10k;

	return whole + part / 10000 + (part % 10000 != 0);
}

void report_percentile(const struct report_hist *h, unsigned per10k, struct report_pct *out)
{
	uint64_t n = report_hist_events(h), rank, cum = 0;

	*out = (struct report_pct){ 0 };
	if (!n)
		return;
	out->valid = true;
	rank = rank_of(n, per10k);
	if (rank == 0)
		rank = 1;
	for (size_t b = 0; b < h->nr_buckets; b++) {
		cum += h->bucket[b];
		if (cum >= rank) {
			out->us = b;
			return;
		}
	}
	out->overflow = true;
	out->us = h->nr_buckets;
}

bool report_ratio(double guest, double host, double *ratio)
{
	if (!(host > 0))
		return false;
	*ratio = guest / host;
	return true;
}

int report_side_from_record(struct report_side *s, const struct probe_record *r,
			    double tsc_khz)
{
	double khz = tsc_khz > 0 ? tsc_khz : 1;
	struct report_hist h;

	s->hist = malloc(sizeof(r->hist));
	if (!s->hist)
		return -ENOMEM;
	memcpy(s->hist, r->hist, sizeof(r->hist));
	s->present = true;
	s->nr_buckets = PROBE_HIST_BUCKETS;
	s->overflows = r->overflows;
	h = (struct report_hist){ s->hist, s->nr_buckets, s->overflows };
	s->events = report_hist_events(&h);
	s->samples = r->samples;
	s->gaps = r->gaps;
	s->missed = r->missed;
	s->seconds = r->elapsed_cycles / (khz * 1e3);
	s->period_ns = r->period_cycles * 1e6 / khz;
	s->gaps_per_s = s->seconds > 0 ? r->gaps / s->seconds : 0;
	s->lost_pct = r->elapsed_cycles ? 100.0 * r->lost_cycles / r->elapsed_cycles : 0;
	if (s->events) {
		s->min_us = r->min_cycles * 1e3 / khz;
		s->max_us = r->max_cycles * 1e3 / khz;
		s->avg_us = r->sum_cycles * 1e3 / khz / s->events;
	}
	for (int i = 0; i < REPORT_NR_PCT; i++)
		report_percentile(&h, report_pct_per10k[i], &s->pct[i]);
	s->done = r->done == 1;
	return 0;
}

void report_side_fini(struct report_side *s)
{
	free(s->hist);
	s->hist = NULL;
}

int report_init(struct report *r, unsigned nr_vcpus)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = calloc(nr_vcpus ? nr_vcpus : 1, sizeof(*r->vcpu));
	if (!r->vcpu)
		return -ENOMEM;
	r->nr_vcpus = nr_vcpus;
	return 0;
}

void report_fini(struct report *r)
{
	for (unsigned i = 0; r->vcpu && i < r->nr_vcpus; i++) {
		report_side_fini(&r->vcpu[i].guest);
		report_side_fini(&r->vcpu[i].host);
	}
	free(r->vcpu);
	r->vcpu = NULL;
}

void report_add_warning(struct report *r, const char *kind, int vcpu, const char *fmt, ...)
{
	struct report_warning *w;
	va_list ap;

	if (r->nr_warnings == REPORT_MAX_WARNINGS) {
		r->nr_dropped_warnings++;
		return;
	}
	w = &r->warning[r->nr_warnings++];
	snprintf(w->kind, sizeof(w->kind), "%s", kind);
	w->vcpu = vcpu;
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
}

/* The lowest CPU of `a` that is also in `b`, or -1. */
static int first_common(const cpu_set_t *a, const cpu_set_t *b)
{
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, a) && CPU_ISSET(c, b))
			return c;
	return -1;
}

static void warn_core(struct report *r, const struct report_warn_facts *f, unsigned i)
{
	const struct report_warn_vcpu *v = &f->vcpu[i];
	cpu_set_t siblings;
	int c;

	CPU_XOR(&siblings, &v->core, &v->cpus);
	CPU_AND(&siblings, &siblings, &v->core);
	if (f->emulator_pinned && (c = first_common(&f->emulator_cpus, &v->cpus)) >= 0) {
		report_add_warning(r, "emulator_cpu", (int)i,
				   "vcpu%u runs on CPU %d, which is also an emulator CPU "
				   "([sched] emulator_cpus): rtvmm's own threads take time from it",
				   i, c);
	} else if (f->emulator_pinned &&
		   (c = first_common(&f->emulator_cpus, &siblings)) >= 0) {
		report_add_warning(r, "emulator_core", (int)i,
				   "vcpu%u shares its core with emulator CPU %d (an SMT sibling): "
				   "rtvmm's own threads slow it down", i, c);
	}
	for (c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &siblings) || (f->emulator_pinned &&
						 CPU_ISSET(c, &f->emulator_cpus)))
			continue;
		for (unsigned j = 0; j < f->nr_vcpus; j++) {
			if (j != i && CPU_ISSET(c, &f->vcpu[j].cpus)) {
				report_add_warning(r, "smt_sibling", (int)i,
						   "vcpu%u shares its core with vcpu%u (SMT "
						   "sibling CPU %d): each slows the other down",
						   i, j, c);
				return;
			}
		}
		if (!CPU_ISSET(c, &f->isolated)) {
			report_add_warning(r, "smt_sibling", (int)i,
					   "vcpu%u shares its core with CPU %d (an SMT sibling) "
					   "that is not isolated: whatever the host runs there "
					   "slows it down", i, c);
			return;
		}
	}
}

void report_warn(struct report *r, const struct report_warn_facts *f)
{
	bool any_rt = false;

	for (unsigned i = 0; i < f->nr_vcpus; i++)
		any_rt |= f->vcpu[i].rt;
	if (any_rt && f->rt_runtime_us != -1 && f->rt_runtime_us != HOST_UNKNOWN)
		report_add_warning(r, "rt_throttling", -1,
				   "RT throttling is on (kernel.sched_rt_runtime_us = %" PRId64
				   " of %" PRId64 "): a spinning RT vCPU is stopped when it has "
				   "used its budget; 'sysctl kernel.sched_rt_runtime_us=-1' turns "
				   "it off (see docs/rt-host-tuning.md)",
				   f->rt_runtime_us,
				   f->rt_period_us == HOST_UNKNOWN ? (int64_t)1000000
								   : f->rt_period_us);
	if (!f->emulator_pinned && f->nr_vcpus)
		report_add_warning(r, "emulator_unpinned", -1,
				   "the emulator threads are not pinned ([sched] emulator_cpus): "
				   "rtvmm's main thread may run on a vCPU's CPU during the "
				   "measurement");
	for (unsigned i = 0; i < f->nr_vcpus; i++) {
		const struct report_warn_vcpu *v = &f->vcpu[i];

		warn_core(r, f, i);
		if (v->runnable)
			report_add_warning(r, "runnable_threads", (int)i,
					   "vcpu%u: %u other runnable thread%s seen on its CPU "
					   "(e.g. '%s'): they compete with the vCPU", i,
					   v->runnable, v->runnable == 1 ? "" : "s",
					   v->runnable_comm);
		if (!f->wake && v->probe_exits)
			report_add_warning(r, "probe_exits", (int)i,
					   "vcpu%u: probe exited %" PRIu64 " time%s - the figures "
					   "include exit cost", i, v->probe_exits,
					   v->probe_exits == 1 ? "" : "s");
		if (!v->done)
			report_add_warning(r, "incomplete", (int)i,
					   "vcpu%u did not finish its measurement: its figures "
					   "cover part of the run", i);
	}
	if (f->duration_s < REPORT_SHORT_RUN_S)
		report_add_warning(r, "short_run", -1,
				   "short run (%u s): tails are not representative; measure for "
				   "at least %d s, better 10 minutes or more", f->duration_s,
				   REPORT_SHORT_RUN_S);
}

/* --- text ------------------------------------------------------------------------- */

enum fmt { F_INT, F_DEC1, F_DEC3, F_PCT_US };

/* One cell: a figure or "-" when not known. */
static void cell(char *buf, size_t len, bool known, enum fmt fmt, double v, uint64_t u,
		 const struct report_pct *p)
{
	if (!known) {
		snprintf(buf, len, "-");
		return;
	}
	switch (fmt) {
	case F_INT:
		snprintf(buf, len, "%" PRIu64, u);
		break;
	case F_DEC1:
		snprintf(buf, len, "%.1f", v);
		break;
	case F_DEC3:
		snprintf(buf, len, "%.3f", v);
		break;
	case F_PCT_US:
		snprintf(buf, len, "%s%" PRIu64, p->overflow ? ">=" : "", p->us);
		break;
	}
}

static void row(FILE *out, const struct report *r, const char *label, char *g, char *h,
		bool ratio, double gv, double hv)
{
	double q;

	if (!r->baseline) {
		fprintf(out, "  %-26s %14s\n", label, g);
		return;
	}
	if (ratio && report_ratio(gv, hv, &q))
		fprintf(out, "  %-26s %14s %14s %12.2f\n", label, g, h, q);
	else
		fprintf(out, "  %-26s %14s %14s %12s\n", label, g, h, ratio ? "-" : "");
}

static bool sched_known(const struct report_side *s, uint64_t v)
{
	return s->present && s->have_sched && v != TASKSTAT_UNKNOWN;
}

static void print_exits(FILE *out, const struct report_side *s)
{
	bool first = true;

	fprintf(out, "  %-26s %14" PRIu64, "exits to rtvmm", s->exits_total);
	for (int k = 0; k < EXIT_KIND_COUNT; k++) {
		if (!s->exits[k])
			continue;
		fprintf(out, "%s%s %" PRIu64, first ? " (" : ", ", exit_kind_name(k), s->exits[k]);
		first = false;
	}
	fprintf(out, "%s\n", first ? "" : ")");
}

static void print_vcpu(FILE *out, const struct report *r, unsigned i)
{
	const struct report_vcpu *v = &r->vcpu[i];
	const struct report_side *g = &v->guest, *h = &v->host;
	char a[48], b[48];
	bool gl = g->present && g->events, hl = h->present && h->events;

#define ROW(label, fmt, field, ufield, lat, ratio)                                          \
	do {                                                                                \
		cell(a, sizeof(a), g->present && (!(lat) || gl), fmt, g->field, g->ufield, NULL); \
		cell(b, sizeof(b), h->present && (!(lat) || hl), fmt, h->field, h->ufield, NULL); \
		row(out, r, label, a, b, ratio, g->field, h->field);                        \
	} while (0)

	fprintf(out, "\nvcpu%u: cpus %s, %s", i, v->cpus, sched_policy_name(v->policy));
	if (v->policy != SCHED_OTHER)
		fprintf(out, " %d", v->rt_priority);
	fprintf(out, "%s\n", g->present && !g->done ? " (incomplete)" : "");
	if (r->baseline)
		fprintf(out, "  %-26s %14s %14s %12s\n", "", "guest", "host", "guest/host");
	ROW(r->wake ? "timer period (ns)" : "loop period (ns)", F_DEC1, period_ns, samples, false,
	    false);
	ROW(r->wake ? "wake-ups" : "samples", F_INT, seconds, samples, false, false);
	ROW(r->wake ? "late wake-ups" : "gaps", F_INT, seconds, gaps, false, false);
	ROW(r->wake ? "late wake-ups per second" : "gaps per second", F_DEC1, gaps_per_s,
	    gaps, false, false);
	ROW(r->wake ? "lateness / time (%)" : "time lost (%)", F_DEC3, lost_pct, gaps, false,
	    true);
	ROW("min (us)", F_DEC1, min_us, gaps, true, false);
	ROW("avg (us)", F_DEC1, avg_us, gaps, true, false);
	for (int p = 0; p < REPORT_NR_PCT; p++) {
		char label[32];

		snprintf(label, sizeof(label), "%s (us)", report_pct_name[p]);
		cell(a, sizeof(a), g->present && g->pct[p].valid, F_PCT_US, 0, 0, &g->pct[p]);
		cell(b, sizeof(b), h->present && h->pct[p].valid, F_PCT_US, 0, 0, &h->pct[p]);
		row(out, r, label, a, b, p == 1 && !g->pct[p].overflow && !h->pct[p].overflow,
		    (double)g->pct[p].us, (double)h->pct[p].us);
	}
	ROW("max (us)", F_DEC1, max_us, gaps, true, true);
	ROW("histogram overflows", F_INT, seconds, overflows, false, false);
	if (r->wake)
		ROW("missed periods", F_INT, seconds, missed, false, false);
	cell(a, sizeof(a), sched_known(g, g->sched.wait_ns), F_DEC3, g->sched.wait_ns / 1e6, 0,
	     NULL);
	cell(b, sizeof(b), sched_known(h, h->sched.wait_ns), F_DEC3, h->sched.wait_ns / 1e6, 0,
	     NULL);
	row(out, r, "host run delay (ms)", a, b, false, 0, 0);
	cell(a, sizeof(a), sched_known(g, g->sched.involuntary), F_INT, 0, g->sched.involuntary,
	     NULL);
	cell(b, sizeof(b), sched_known(h, h->sched.involuntary), F_INT, 0, h->sched.involuntary,
	     NULL);
	row(out, r, "involuntary switches", a, b, false, 0, 0);
	cell(a, sizeof(a), sched_known(g, g->sched.migrations), F_INT, 0, g->sched.migrations,
	     NULL);
	cell(b, sizeof(b), sched_known(h, h->sched.migrations), F_INT, 0, h->sched.migrations,
	     NULL);
	row(out, r, "migrations", a, b, false, 0, 0);
	if (g->present && g->have_exits)
		print_exits(out, g);
#undef ROW
}

void report_print(FILE *out, const struct report *r)
{
	fprintf(out, "jitter: %s mode, %u vCPU%s, %u s", r->wake ? "wake" : "noise", r->nr_vcpus,
		r->nr_vcpus == 1 ? "" : "s", r->duration_s);
	if (r->wake)
		fprintf(out, ", timer every %u us; percentiles over all wake-ups\n",
			r->interval_us);
	else
		fprintf(out, ", gaps above %u us; percentiles over those gaps\n", r->threshold_us);
	if (r->kernel_replaced)
		fprintf(out, "note: the config boots a kernel or a payload; the built-in probe ran "
			     "instead, with the config's topology, placement and scheduling\n");
	if (r->baseline)
		fprintf(out, "baseline: the same loop in host threads on the same CPUs with the "
			     "same policy, measured first.\n");
	if (r->baseline && !r->wake)
		fprintf(out, "note: each side's loop period differs (reading the TSC may trap in "
			     "the guest); compare gaps, not samples\n");
	for (unsigned i = 0; i < r->nr_vcpus; i++)
		print_vcpu(out, r, i);
	if (r->nr_warnings)
		fputc('\n', out);
	for (unsigned i = 0; i < r->nr_warnings; i++)
		fprintf(out, "warning: %s\n", r->warning[i].msg);
	if (r->nr_dropped_warnings)
		fprintf(out, "warning: %u more warnings not shown\n", r->nr_dropped_warnings);
}

/* --- cyclictest --------------------------------------------------------------------- */

int report_write_cyclictest(FILE *out, const struct report_cyc_col *cols, unsigned n,
			    size_t nr_buckets)
{
	fputs("# Histogram\n", out);
	for (size_t b = 0; b < nr_buckets; b++) {
		fprintf(out, "%06d ", (int)b);
		for (unsigned j = 0; j < n; j++)
			fprintf(out, "%s%06lu", j ? "\t" : "", (unsigned long)cols[j].bucket[b]);
		fputc('\n', out);
	}
	fputs("# Total:", out);
	for (unsigned j = 0; j < n; j++) {
		unsigned long long total = 0;

		for (size_t b = 0; b < nr_buckets; b++)
			total += cols[j].bucket[b];
		fprintf(out, " %09llu", total);
	}
	fputs("\n# Min Latencies:", out);
	for (unsigned j = 0; j < n; j++)
		fprintf(out, " %05lu", (unsigned long)cols[j].min_us);
	fputs("\n# Avg Latencies:", out);
	for (unsigned j = 0; j < n; j++)
		fprintf(out, " %05lu", (unsigned long)cols[j].avg_us);
	fputs("\n# Max Latencies:", out);
	for (unsigned j = 0; j < n; j++)
		fprintf(out, " %05lu", (unsigned long)cols[j].max_us);
	fputs("\n# Histogram Overflows:", out);
	for (unsigned j = 0; j < n; j++)
		fprintf(out, " %05lu", (unsigned long)cols[j].overflows);
	/* rt-tests lists the cycle numbers of overflows; the probe records none */
	fputs("\n# Histogram Overflow at cycle number:\n", out);
	for (unsigned j = 0; j < n; j++) {
		fprintf(out, "# Thread %u:", j);
		if (cols[j].overflows)
			fprintf(out, " # %05lu others", (unsigned long)cols[j].overflows);
		fputc('\n', out);
	}
	fputc('\n', out);
	return ferror(out) ? -EIO : 0;
}

int report_write_histogram(FILE *out, const struct report *r)
{
	static const uint64_t empty[PROBE_HIST_BUCKETS];
	struct report_cyc_col *cols = calloc(r->nr_vcpus ? r->nr_vcpus : 1, sizeof(*cols));
	int ret;

	if (!cols)
		return -ENOMEM;
	for (unsigned i = 0; i < r->nr_vcpus; i++) {
		const struct report_side *s = &r->vcpu[i].guest;

		cols[i].bucket = s->present ? s->hist : empty;
		cols[i].overflows = s->overflows;
		if (s->present && s->events) {
			cols[i].min_us = (uint64_t)s->min_us;
			cols[i].avg_us = (uint64_t)s->avg_us;
			cols[i].max_us = (uint64_t)s->max_us;
		}
	}
	ret = report_write_cyclictest(out, cols, r->nr_vcpus, PROBE_HIST_BUCKETS);
	free(cols);
	return ret;
}

/* --- JSON ----------------------------------------------------------------------------- */

/* jansson's json_object_set_new fails only on allocation; `ok` collects that. */
static void set(json_t *o, const char *key, json_t *v, bool *ok)
{
	if (!v || json_object_set_new(o, key, v))
		*ok = false;
}

static json_t *j_u64(uint64_t v)
{
	return json_integer(v > INT64_MAX ? INT64_MAX : (json_int_t)v);
}

static json_t *j_sched(const struct report_side *s, uint64_t v)
{
	return s->have_sched && v != TASKSTAT_UNKNOWN ? j_u64(v) : json_null();
}

static json_t *side_json(const struct report_side *s, const struct report_vcpu *v, bool guest)
{
	json_t *o = json_object(), *hist = json_object(), *pct = json_object();
	json_t *over = json_array(), *host = json_object(), *exits = json_object();
	bool ok = o && hist && pct && over && host && exits, lat = s->events > 0;
	char key[24];

	if (!ok)
		goto fail;
	for (size_t b = 0; b < s->nr_buckets; b++) {
		if (!s->hist[b])
			continue;
		snprintf(key, sizeof(key), "%zu", b);
		set(hist, key, j_u64(s->hist[b]), &ok);
	}
	/* rt-tests' names first, so tools that read cyclictest's JSON read these */
	set(o, "histogram", hist, &ok);
	hist = NULL;
	set(o, "cycles", j_u64(s->samples), &ok);
	set(o, "min", lat ? j_u64((uint64_t)s->min_us) : json_null(), &ok);
	set(o, "max", lat ? j_u64((uint64_t)s->max_us) : json_null(), &ok);
	set(o, "avg", lat ? json_real(s->avg_us) : json_null(), &ok);
	set(o, "cpu", s->have_sched && s->sched.last_cpu >= 0 ? json_integer(s->sched.last_cpu)
							       : json_null(), &ok);
	set(o, "node", v->node >= 0 ? json_integer(v->node) : json_null(), &ok);
	set(o, "cpus", json_string(v->cpus), &ok);
	set(o, "policy", json_string(sched_policy_name(v->policy)), &ok);
	set(o, "rt_priority", json_integer(v->rt_priority), &ok);
	set(o, "side", json_string(guest ? "guest" : "host"), &ok);
	set(o, "done", json_boolean(s->done), &ok);
	set(o, "seconds", json_real(s->seconds), &ok);
	set(o, "period_ns", json_real(s->period_ns), &ok);
	set(o, "samples", j_u64(s->samples), &ok);
	set(o, "events", j_u64(s->events), &ok);
	set(o, "gaps", j_u64(s->gaps), &ok);
	set(o, "gaps_per_s", json_real(s->gaps_per_s), &ok);
	set(o, "lost_pct", json_real(s->lost_pct), &ok);
	set(o, "overflows", j_u64(s->overflows), &ok);
	set(o, "missed", j_u64(s->missed), &ok);
	set(o, "min_us", lat ? json_real(s->min_us) : json_null(), &ok);
	set(o, "avg_us", lat ? json_real(s->avg_us) : json_null(), &ok);
	set(o, "max_us", lat ? json_real(s->max_us) : json_null(), &ok);
	for (int p = 0; p < REPORT_NR_PCT; p++) {
		set(pct, report_pct_name[p], s->pct[p].valid ? j_u64(s->pct[p].us) : json_null(),
		    &ok);
		if (s->pct[p].overflow && json_array_append_new(over,
								json_string(report_pct_name[p])))
			ok = false;
	}
	set(o, "percentiles_us", pct, &ok);
	pct = NULL;
	set(o, "percentiles_overflow", over, &ok);
	over = NULL;
	set(host, "run_delay_ns", j_sched(s, s->sched.wait_ns), &ok);
	set(host, "run_ns", j_sched(s, s->sched.run_ns), &ok);
	set(host, "involuntary_switches", j_sched(s, s->sched.involuntary), &ok);
	set(host, "voluntary_switches", j_sched(s, s->sched.voluntary), &ok);
	set(host, "migrations", j_sched(s, s->sched.migrations), &ok);
	set(o, "host", host, &ok);
	host = NULL;
	if (guest) {
		for (int k = 0; k < EXIT_KIND_COUNT; k++)
			set(exits, exit_kind_name(k), j_u64(s->exits[k]), &ok);
		set(o, "exits", exits, &ok);
		exits = NULL;
		set(o, "exits_total", j_u64(s->exits_total), &ok);
		set(o, "probe_exits", j_u64(s->probe_exits), &ok);
	}
	if (ok) {
		json_decref(exits);
		return o;
	}
fail:
	json_decref(o);
	json_decref(hist);
	json_decref(pct);
	json_decref(over);
	json_decref(host);
	json_decref(exits);
	return NULL;
}

static json_t *ratio_json(double g, double h)
{
	double q;

	return report_ratio(g, h, &q) ? json_real(q) : json_null();
}

static json_t *threads_json(const struct report *r, bool guest, bool *ok)
{
	json_t *t = json_object();
	char key[16];

	if (!t) {
		*ok = false;
		return NULL;
	}
	for (unsigned i = 0; i < r->nr_vcpus; i++) {
		const struct report_vcpu *v = &r->vcpu[i];

		snprintf(key, sizeof(key), "%u", i);
		set(t, key, side_json(guest ? &v->guest : &v->host, v, guest), ok);
	}
	return t;
}

json_t *report_to_json(const struct report *r)
{
	json_t *o = json_object(), *warn = json_array();
	bool ok = o && warn;

	if (!ok)
		goto fail;
	set(o, "file_version", json_integer(1), &ok);
	set(o, "tool", json_string("rtvmm jitter"), &ok);
	set(o, "version", json_string(r->version), &ok);
	set(o, "cmdline", json_string(r->cmdline), &ok);
	set(o, "config", json_string(r->config), &ok);
	set(o, "vm", json_string(r->vm), &ok);
	set(o, "kernel_replaced", json_boolean(r->kernel_replaced), &ok);
	set(o, "start_time", json_string(r->start_time), &ok);
	set(o, "end_time", json_string(r->end_time), &ok);
	set(o, "return_code", json_integer(r->return_code), &ok);
	set(o, "mode", json_string(r->wake ? "wake" : "noise"), &ok);
	set(o, "duration_s", json_integer(r->duration_s), &ok);
	set(o, "threshold_us", json_integer(r->threshold_us), &ok);
	set(o, "interval_us", json_integer(r->interval_us), &ok);
	set(o, "percentiles_over", json_string(r->wake ? "wakeups" : "gaps"), &ok);
	set(o, "hist_buckets", json_integer(PROBE_HIST_BUCKETS), &ok);
	set(o, "num_threads", json_integer(r->nr_vcpus), &ok);
	set(o, "thread", threads_json(r, true, &ok), &ok);
	if (r->baseline) {
		json_t *b = json_object(), *ratios = json_object();

		if (!b || !ratios) {
			json_decref(b);
			json_decref(ratios);
			goto fail;
		}
		set(b, "num_threads", json_integer(r->nr_vcpus), &ok);
		set(b, "thread", threads_json(r, false, &ok), &ok);
		set(o, "baseline", b, &ok);
		for (unsigned i = 0; i < r->nr_vcpus; i++) {
			const struct report_side *g = &r->vcpu[i].guest, *h = &r->vcpu[i].host;
			bool p99 = g->pct[1].valid && h->pct[1].valid && !g->pct[1].overflow &&
				   !h->pct[1].overflow;
			json_t *q = json_object();
			char key[16];

			snprintf(key, sizeof(key), "%u", i);
			if (!q) {
				ok = false;
				continue;
			}
			set(q, "max", g->events && h->events ? ratio_json(g->max_us, h->max_us)
							      : json_null(), &ok);
			set(q, "p99", p99 ? ratio_json((double)g->pct[1].us, (double)h->pct[1].us)
					  : json_null(), &ok);
			set(q, "lost", ratio_json(g->lost_pct, h->lost_pct), &ok);
			set(ratios, key, q, &ok);
		}
		set(o, "ratios", ratios, &ok);
	} else {
		set(o, "baseline", json_null(), &ok);
		set(o, "ratios", json_null(), &ok);
	}
	for (unsigned i = 0; i < r->nr_warnings; i++) {
		json_t *w = json_object();

		if (!w) {
			ok = false;
			break;
		}
		set(w, "kind", json_string(r->warning[i].kind), &ok);
		set(w, "vcpu", r->warning[i].vcpu >= 0 ? json_integer(r->warning[i].vcpu)
						       : json_null(), &ok);
		set(w, "message", json_string(r->warning[i].msg), &ok);
		if (json_array_append_new(warn, w))
			ok = false;
	}
	set(o, "warnings", warn, &ok);
	warn = NULL;
	if (ok)
		return o;
fail:
	json_decref(o);
	json_decref(warn);
	return NULL;
}
