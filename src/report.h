// SPDX-License-Identifier: Apache-2.0
/*
 * The jitter report (`rtvmm jitter`): the figures of each measured thread (a vCPU in the
 * guest, and its host-native baseline thread), computed from a probe record; the
 * warnings that tell whether a measurement can be trusted; and the report's three
 * renderings: a text table, cyclictest's `-h` histogram format byte for byte, and JSON
 * (schema in docs/jitter.md). Everything here is pure: inputs are records, counters and
 * host facts gathered by src/jitter; outputs go to a FILE or a jansson object. Main
 * thread, after the measurement.
 */
#ifndef RTVMM_REPORT_H
#define RTVMM_REPORT_H

#include "exit.h"
#include "guest/abi.h"

#include "../sched/taskstat.h"

#include <jansson.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The percentiles reported, in parts per 10000: p50, p99, p99.9, p99.99. */
#define REPORT_NR_PCT 4
extern const unsigned report_pct_per10k[REPORT_NR_PCT];
extern const char *const report_pct_name[REPORT_NR_PCT];	/* "p50", ... "p99.99" */

#define REPORT_MAX_WARNINGS 64

/* A histogram of 1 us buckets: bucket[b] counts events of b to b + 1 us. */
struct report_hist {
	const uint64_t *bucket;
	size_t nr_buckets;
	uint64_t overflows;	/* events of nr_buckets us or more */
};

struct report_pct {
	bool valid;		/* false: the histogram holds no event */
	bool overflow;		/* beyond the last bucket: us = nr_buckets, a lower bound */
	uint64_t us;		/* the bucket's lower edge */
};

/* Events in the histogram, overflows included. */
uint64_t report_hist_events(const struct report_hist *h);

/*
 * The nearest-rank percentile `per10k` / 10000 (1..10000) of the histogram's events:
 * with N events (overflows included) and rank k = ceil(N * per10k / 10000), the lowest
 * bucket whose cumulative count reaches k. A rank among the overflows gives
 * overflow = true. No event gives valid = false.
 */
void report_percentile(const struct report_hist *h, unsigned per10k, struct report_pct *out);

/* `guest / host` into *ratio; false when host is zero (no ratio to speak of). */
bool report_ratio(double guest, double host, double *ratio);

/* One measured thread: a vCPU in the guest, or the host thread of its baseline. */
struct report_side {
	bool present;
	uint64_t *hist;		/* copy of the record's histogram (heap), nr_buckets long */
	size_t nr_buckets;
	uint64_t overflows;
	uint64_t samples;	/* loop iterations (noise) or wake-ups (wake) */
	uint64_t events;	/* what the histogram counts: gaps (noise), wake-ups (wake) */
	uint64_t gaps;		/* events above the threshold */
	uint64_t missed;	/* wake: periods missed entirely */
	double seconds;		/* measured time */
	double period_ns;	/* noise: the loop's own period; wake: the timer period */
	double gaps_per_s;
	double lost_pct;	/* the gaps' summed length (wake: lateness) over the measured time */
	double min_us, avg_us, max_us;	/* valid when events > 0 */
	struct report_pct pct[REPORT_NR_PCT];
	bool done;		/* the measurement ran to its end */
	/* host accounting over the measurement; TASKSTAT_UNKNOWN where not known */
	bool have_sched;
	struct task_stat sched;
	/* exits to rtvmm over the measurement (guest side only) */
	bool have_exits;
	uint64_t exits[EXIT_KIND_COUNT];
	uint64_t exits_total;
	uint64_t probe_exits;	/* noise: exits besides the final one (cost included) */
};

/*
 * Fills `s` from a record whose cycles tick at `tsc_khz` (1000000 for a record kept in
 * nanoseconds); the average is the record's sum_cycles over its events, in either mode.
 * Copies the histogram: returns 0 or -ENOMEM. The host accounting and exit fields are
 * left for the caller.
 */
int report_side_from_record(struct report_side *s, const struct probe_record *r,
			    double tsc_khz);
/* Frees the histogram copy; accepts a zeroed side. */
void report_side_fini(struct report_side *s);

struct report_vcpu {
	char cpus[64];		/* host CPUs, cpulist */
	int policy;		/* SCHED_* */
	int rt_priority;
	int node;		/* NUMA node of its CPUs; -1 when several or unknown */
	struct report_side guest;
	struct report_side host;	/* present with --baseline */
};

struct report_warning {
	char kind[24];		/* rt_throttling, smt_sibling, emulator_core, ... (docs) */
	int vcpu;		/* -1: the whole run */
	char msg[320];
};

struct report {
	char config[256];	/* the config file as given */
	char vm[64];
	char version[32];
	char cmdline[512];
	bool kernel_replaced;	/* the config boots a kernel/payload; the probe ran instead */
	bool wake;		/* wake mode; false: noise */
	unsigned duration_s;
	unsigned threshold_us;
	unsigned interval_us;
	char start_time[64];	/* RFC 2822 like rt-tests' JSON, "" = unknown */
	char end_time[64];
	int return_code;
	bool baseline;
	unsigned nr_vcpus;
	struct report_vcpu *vcpu;	/* nr_vcpus, owned */
	unsigned nr_warnings;
	unsigned nr_dropped_warnings;
	struct report_warning warning[REPORT_MAX_WARNINGS];
};

/* Allocates r->vcpu for `nr_vcpus`; returns 0 or -ENOMEM. */
int report_init(struct report *r, unsigned nr_vcpus);
/* Frees the vCPUs and their histograms. */
void report_fini(struct report *r);

/* Adds a warning (dropped and counted beyond REPORT_MAX_WARNINGS). */
void report_add_warning(struct report *r, const char *kind, int vcpu, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* What the warnings are decided from, per vCPU. */
struct report_warn_vcpu {
	cpu_set_t cpus;		/* where the vCPU thread runs */
	cpu_set_t core;		/* every CPU of the cores of `cpus`, SMT siblings included */
	bool rt;		/* SCHED_RR or SCHED_FIFO */
	bool done;
	uint64_t probe_exits;
	unsigned runnable;	/* most other runnable threads seen at once on `cpus` */
	char runnable_comm[16];	/* one of them */
};

struct report_warn_facts {
	int64_t rt_runtime_us;	/* kernel.sched_rt_runtime_us; -1 off; HOST_UNKNOWN */
	int64_t rt_period_us;
	cpu_set_t isolated;	/* isolcpus= */
	bool emulator_pinned;
	cpu_set_t emulator_cpus;
	unsigned duration_s;
	bool wake;
	unsigned nr_vcpus;
	const struct report_warn_vcpu *vcpu;
};

/* Minimum run for representative tails, in seconds. */
#define REPORT_SHORT_RUN_S 60

/*
 * Decides the warnings: RT throttling on with an RT vCPU; a vCPU whose core holds an
 * SMT sibling that another vCPU or the emulator threads use, or that is not isolated;
 * emulator threads on a vCPU's CPU or not pinned at all; other runnable threads seen on
 * a vCPU's CPU; the probe's own exits; a vCPU that did not finish; a short run.
 */
void report_warn(struct report *r, const struct report_warn_facts *f);

/* The text report (tables, warnings) for people. */
void report_print(FILE *out, const struct report *r);

/* One column of a cyclictest histogram file. */
struct report_cyc_col {
	const uint64_t *bucket;	/* nr_buckets long */
	uint64_t overflows;
	uint64_t min_us, avg_us, max_us;
};

/*
 * Writes cyclictest's `-h` output (rt-tests 2.4, Debian 12) for `n` columns of
 * `nr_buckets` rows: "# Histogram", one row per bucket, "# Total:", "# Min/Avg/Max
 * Latencies:", "# Histogram Overflows:", the overflow cycle list (none recorded: only
 * "# NNNNN others"), and an empty line. Returns 0 or -EIO.
 */
int report_write_cyclictest(FILE *out, const struct report_cyc_col *cols, unsigned n,
			    size_t nr_buckets);

/* The guest vCPUs' histograms in that format. Returns 0, -EIO or -ENOMEM. */
int report_write_histogram(FILE *out, const struct report *r);

/* The whole report as JSON (docs/jitter.md); NULL when out of memory. */
json_t *report_to_json(const struct report *r);

#endif
