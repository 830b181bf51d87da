// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the jitter probe's arithmetic, shared by guest and host
 * (src/guest/probe_hist.h) and the host side (src/probe): cycles to microseconds
 * against worked examples and an exact 128-bit reference, saturation of huge values,
 * gap accounting (threshold relative to the period, histogram bucket, overflow bucket,
 * lost/max/min/count/sum bookkeeping over a sequence), wake-up accounting (every
 * wake-up's lateness in the histogram, the threshold deciding only the gaps, missed
 * periods and the next deadline re-aligned to the period grid, a simulated run whose
 * wake-ups and missed periods add up to the run's periods), the summary figures of a
 * hand-made record, the exit statuses' explanations, the probe parameters written into
 * the info page, and the guest memory the records need.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/guest/probe_hist.h"
#include "../../src/probe.h"
#include "../../config/config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* floor(cycles * 1000 / tsc_khz), computed exactly. */
static uint64_t exact_us(uint64_t cycles, uint32_t tsc_khz)
{
	return (uint64_t)((unsigned __int128)cycles * 1000 / tsc_khz);
}

static void assert_near(double got, double want, double tol, const char *what)
{
	if (fabs(got - want) > tol)
		fail_msg("%s: got %.9g, want %.9g (+-%g)", what, got, want, tol);
}

/*
 * Records are ~80 KB: the fixture allocates two zeroed ones on the heap, freed by the
 * teardown even when a test fails half-way. The second stays zero for comparisons.
 */
static int setup_records(void **state)
{
	*state = calloc(2, sizeof(struct probe_record));
	return *state ? 0 : -1;
}

static int teardown_free(void **state)
{
	free(*state);
	return 0;
}

static struct probe_record *record_of(void **state, uint64_t period_cycles)
{
	struct probe_record *r = *state;

	r->period_cycles = period_cycles;
	return r;
}

static void test_probe_us_mult_close_to_exact_factor(void **state)
{
	static const uint32_t khz[] = { 1000000, 2000000, 2596138, 3000000, 3999999, 5000000 };

	(void)state;
	for (size_t i = 0; i < sizeof(khz) / sizeof(khz[0]); i++) {
		uint64_t mult = probe_us_mult(khz[i]);
		/* mult * khz is 1000 << 32 up to the rounding of one division */
		unsigned __int128 prod = (unsigned __int128)mult * khz[i];
		unsigned __int128 want = (unsigned __int128)1000 << PROBE_US_SHIFT;
		unsigned __int128 diff = prod > want ? prod - want : want - prod;

		assert_true(diff < khz[i]);
	}
	/* a faster TSC means fewer microseconds per cycle */
	assert_true(probe_us_mult(3000000) < probe_us_mult(2000000));
}

/*
 * The worked examples of a 2 GHz TSC: 2000 cycles are 1 us exactly. Fails while
 * probe_us_mult() rounds the factor down: 2000 * floor(2^32 / 2000) < 2^32.
 */
static void test_probe_cycles_to_us_2ghz_worked_examples(void **state)
{
	uint64_t mult = probe_us_mult(2000000);

	(void)state;
	assert_int_equal(probe_cycles_to_us(0, mult), 0);
	assert_int_equal(probe_cycles_to_us(1999, mult), 0);
	assert_int_equal(probe_cycles_to_us(2000, mult), 1);
	assert_int_equal(probe_cycles_to_us(3999, mult), 1);
	assert_int_equal(probe_cycles_to_us(4000, mult), 2);
	assert_int_equal(probe_cycles_to_us(2000000, mult), 1000);
	assert_int_equal(probe_cycles_to_us(20000000, mult), 10000);
}

/*
 * The fixed-point factor is off by less than one unit in 2^32, so the result may be off
 * by less than 1 us per 2^32 cycles (1.6 s at 2.6 GHz), plus the final rounding: within
 * 1 us over the histogram's whole range, and a tiny relative error beyond it.
 */
static void assert_us_close(uint64_t cycles, uint32_t khz)
{
	uint64_t got = probe_cycles_to_us(cycles, probe_us_mult(khz));
	uint64_t want = exact_us(cycles, khz), tol = (cycles >> PROBE_US_SHIFT) + 1;

	if (got > want + tol || got + tol < want)
		fail_msg("%llu cycles at %u kHz: %llu us, exact %llu (+-%llu)",
			 (unsigned long long)cycles, khz, (unsigned long long)got,
			 (unsigned long long)want, (unsigned long long)tol);
}

static void test_probe_cycles_to_us_odd_khz_within_1us(void **state)
{
	static const uint64_t cycles[] = {
		0, 1, 2595, 2596, 2597, 5192, 2596138, 2596139, 25961380, 25961379,
		123456789, 1000000000, 2596138000ULL, (1ULL << 32) - 1,
	};
	const uint32_t khz = 2596138;
	uint64_t mult = probe_us_mult(khz);

	(void)state;
	for (size_t i = 0; i < sizeof(cycles) / sizeof(cycles[0]); i++) {
		assert_true(cycles[i] >> PROBE_US_SHIFT == 0);	/* so: within 1 us */
		assert_us_close(cycles[i], khz);
	}
	/* a millisecond of cycles is about 1000 us, 10 ms the end of the histogram */
	assert_in_range(probe_cycles_to_us(khz, mult), 999, 1000);
	assert_in_range(probe_cycles_to_us(10ULL * khz, mult), 9999, 10000);
	/* large values stay proportionate */
	assert_us_close(1ULL << 36, khz);
	assert_us_close(1ULL << 39, khz);
}

static void test_probe_cycles_to_us_sweep_monotonic_within_1us(void **state)
{
	static const uint32_t khz[] = { 1000000, 1999999, 2000000, 2596138, 3400000 };

	(void)state;
	for (size_t k = 0; k < sizeof(khz) / sizeof(khz[0]); k++) {
		uint64_t mult = probe_us_mult(khz[k]), prev = 0;

		/* cycle counts up to the histogram's end (10 ms) and a bit beyond */
		for (uint64_t c = 0; c <= (uint64_t)khz[k] * 11; c += 1 + c / 4096) {
			uint64_t got = probe_cycles_to_us(c, mult);

			assert_true(got >= prev);
			assert_us_close(c, khz[k]);
			prev = got;
		}
	}
}

static void test_probe_cycles_to_us_saturates(void **state)
{
	static const uint32_t khz[] = { 1000000, 2000000, 2596138, 5000000 };

	(void)state;
	for (size_t k = 0; k < sizeof(khz) / sizeof(khz[0]); k++) {
		uint64_t mult = probe_us_mult(khz[k]);

		/* just below the cut-off the product does not overflow */
		assert_us_close((1ULL << 40) - 1, khz[k]);
		assert_true(probe_cycles_to_us((1ULL << 40) - 1, mult) < UINT64_MAX);
		assert_int_equal(probe_cycles_to_us(1ULL << 40, mult), UINT64_MAX);
		assert_int_equal(probe_cycles_to_us(1ULL << 63, mult), UINT64_MAX);
		assert_int_equal(probe_cycles_to_us(UINT64_MAX, mult), UINT64_MAX);
	}
}

static void test_probe_account_threshold_relative_to_period(void **state)
{
	const uint64_t mult = probe_us_mult(2000000), period = 1000, threshold = 400;
	struct probe_record *r = record_of(state, period);
	struct probe_record *zero = r + 1;

	zero->period_cycles = period;
	/* shorter than the period, the period, up to period + threshold: not a gap */
	assert_int_equal(probe_account(r, 0, threshold, mult), 0);
	assert_int_equal(probe_account(r, 999, threshold, mult), 0);
	assert_int_equal(probe_account(r, 1000, threshold, mult), 0);
	assert_int_equal(probe_account(r, 1399, threshold, mult), 0);
	assert_int_equal(probe_account(r, 1400, threshold, mult), 0);
	assert_memory_equal(r, zero, sizeof(*r));	/* nothing recorded */

	/* one cycle more is a gap, and its excess is over the period, not the threshold */
	assert_int_equal(probe_account(r, 1401, threshold, mult), 1);
	assert_int_equal(r->gaps, 1);
	assert_int_equal(r->lost_cycles, 401);
	assert_int_equal(r->max_cycles, 401);
	assert_int_equal(r->min_cycles, 401);
	assert_int_equal(r->hist[0], 1);

	/* with no threshold any excess at all counts */
	memset(r, 0, sizeof(*r));
	r->period_cycles = period;
	assert_int_equal(probe_account(r, 1000, 0, mult), 0);
	assert_int_equal(probe_account(r, 1001, 0, mult), 1);
	assert_int_equal(r->lost_cycles, 1);
	assert_int_equal(r->min_cycles, 1);
}

static void test_probe_account_bucket_index(void **state)
{
	const uint64_t mult = probe_us_mult(2000000), period = 1000;
	struct probe_record *r = record_of(state, period);

	/* excess in cycles at 2 GHz: 2000 per us; pick mid-bucket values */
	assert_int_equal(probe_account(r, period + 500, 0, mult), 1);		/* 0.25 us */
	assert_int_equal(probe_account(r, period + 2500, 0, mult), 1);		/* 1.25 us */
	assert_int_equal(probe_account(r, period + 3999, 0, mult), 1);		/* 1.9995 us */
	assert_int_equal(probe_account(r, period + 2000 * 17 + 1000, 0, mult), 1);	/* 17.5 */
	assert_int_equal(probe_account(r, period + 2000ULL * 9999 + 1000, 0, mult), 1);
	assert_int_equal(r->hist[0], 1);
	assert_int_equal(r->hist[1], 2);
	assert_int_equal(r->hist[17], 1);
	assert_int_equal(r->hist[PROBE_HIST_BUCKETS - 1], 1);
	assert_int_equal(r->overflows, 0);
	assert_int_equal(r->gaps, 5);

	/* the first microsecond past the last bucket goes to the overflow count */
	assert_int_equal(probe_account(r, period + 2000ULL * PROBE_HIST_BUCKETS + 1000, 0, mult),
			 1);
	assert_int_equal(r->overflows, 1);
	assert_int_equal(r->hist[PROBE_HIST_BUCKETS - 1], 1);
	/* as does a gap past the conversion's saturation */
	assert_int_equal(probe_account(r, period + (1ULL << 45), 0, mult), 1);
	assert_int_equal(r->overflows, 2);
	assert_int_equal(r->max_cycles, 1ULL << 45);
	assert_int_equal(r->gaps, 7);
}

/*
 * A gap of exactly N microseconds belongs in bucket N. Fails while probe_us_mult()
 * rounds down: an excess of 10000 cycles at 2 GHz (5 us) lands in bucket 4.
 */
static void test_probe_account_bucket_exact_microseconds(void **state)
{
	const uint64_t mult = probe_us_mult(2000000), period = 1000;
	struct probe_record *r = record_of(state, period);

	assert_int_equal(probe_account(r, period + 2000 * 5, 0, mult), 1);
	assert_int_equal(r->hist[4], 0);
	assert_int_equal(r->hist[5], 1);
	assert_int_equal(probe_account(r, period + 2000ULL * PROBE_HIST_BUCKETS, 0, mult), 1);
	assert_int_equal(r->hist[PROBE_HIST_BUCKETS - 1], 0);
	assert_int_equal(r->overflows, 1);
}

static void test_probe_account_bookkeeping_sequence(void **state)
{
	static const struct {
		uint64_t delta;
		int gap;
	} seq[] = {
		{ 900, 0 },
		{ 1400, 0 },
		{ 1401, 1 },			/* excess 401: bucket 0 */
		{ 6000, 1 },			/* excess 5000: 2.5 us, bucket 2 */
		{ 1200, 0 },
		{ 4001, 1 },			/* excess 3001: 1.5 us, bucket 1 */
		{ 40001000, 1 },		/* excess 40e6: 20000 us, overflow */
		{ 1450, 1 },			/* excess 450: bucket 0, new minimum */
		{ 0, 0 },
	};
	const uint64_t mult = probe_us_mult(2000000);
	struct probe_record *r = record_of(state, 1000);
	uint64_t hist_sum = 0;

	r->samples = 77;
	r->elapsed_cycles = 88;
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++)
		assert_int_equal(probe_account(r, seq[i].delta, 400, mult), seq[i].gap);
	assert_int_equal(r->gaps, 5);
	assert_int_equal(r->lost_cycles, 401 + 5000 + 3001 + 40000000 + 450);
	assert_int_equal(r->max_cycles, 40000000);
	assert_int_equal(r->min_cycles, 401);
	assert_int_equal(r->hist[0], 2);
	assert_int_equal(r->hist[1], 1);
	assert_int_equal(r->hist[2], 1);
	assert_int_equal(r->overflows, 1);
	for (unsigned b = 0; b < PROBE_HIST_BUCKETS; b++)
		hist_sum += r->hist[b];
	assert_int_equal(hist_sum + r->overflows, r->gaps);
	/* noise mode enters only gaps: the mode-independent count and sum agree */
	assert_int_equal(r->counted, r->gaps);
	assert_int_equal(r->sum_cycles, r->lost_cycles);
	/* the guest's own counters are not the accounting's business */
	assert_int_equal(r->period_cycles, 1000);
	assert_int_equal(r->samples, 77);
	assert_int_equal(r->elapsed_cycles, 88);
	assert_int_equal(r->done, 0);
	assert_int_equal(r->missed, 0);
}

static void test_probe_account_min_tracks_smallest(void **state)
{
	const uint64_t mult = probe_us_mult(2000000);
	struct probe_record *r = record_of(state, 100);

	assert_int_equal(probe_account(r, 100 + 5000, 10, mult), 1);
	assert_int_equal(r->min_cycles, 5000);
	assert_int_equal(probe_account(r, 100 + 9000, 10, mult), 1);
	assert_int_equal(r->min_cycles, 5000);	/* a larger one does not replace it */
	assert_int_equal(r->max_cycles, 9000);
	assert_int_equal(probe_account(r, 100 + 11, 10, mult), 1);
	assert_int_equal(r->min_cycles, 11);
	assert_int_equal(r->max_cycles, 9000);
	/* a non-gap never touches it */
	assert_int_equal(probe_account(r, 100 + 10, 10, mult), 0);
	assert_int_equal(r->min_cycles, 11);
}

/* hist[] sum plus overflows: every latency entered, once. */
static uint64_t entered(const struct probe_record *r)
{
	uint64_t n = r->overflows;

	for (unsigned b = 0; b < PROBE_HIST_BUCKETS; b++)
		n += r->hist[b];
	return n;
}

/*
 * At 2 GHz, interval 1 ms (2e6 cycles), threshold 5 us (10000 cycles): every wake-up is
 * entered whatever its lateness; only those above the threshold are gaps.
 */
static void test_probe_wake_account_every_wakeup_entered(void **state)
{
	const uint64_t mult = probe_us_mult(2000000), iv = 2000000, thr = 10000;
	struct probe_record *r = record_of(state, iv);
	uint64_t d = 1000000000ULL;

	/* 3 us late: bucket 3, not a gap; next deadline one interval on */
	assert_int_equal(probe_wake_account(r, d, d + 6000, iv, thr, mult), d + iv);
	assert_int_equal(r->hist[3], 1);
	assert_int_equal(r->counted, 1);
	assert_int_equal(r->gaps, 0);
	assert_int_equal(r->lost_cycles, 0);
	assert_int_equal(r->min_cycles, 6000);
	assert_int_equal(r->max_cycles, 6000);
	d += iv;
	/* exactly at the threshold: still not a gap */
	assert_int_equal(probe_wake_account(r, d, d + thr, iv, thr, mult), d + iv);
	assert_int_equal(r->hist[5], 1);
	assert_int_equal(r->gaps, 0);
	d += iv;
	/* one cycle above: a gap, and its whole lateness is lost, not the excess */
	assert_int_equal(probe_wake_account(r, d, d + thr + 1, iv, thr, mult), d + iv);
	assert_int_equal(r->hist[5], 2);
	assert_int_equal(r->gaps, 1);
	assert_int_equal(r->lost_cycles, thr + 1);
	d += iv;
	/* right on time: latency 0 is a real minimum, bucket 0 */
	assert_int_equal(probe_wake_account(r, d, d, iv, thr, mult), d + iv);
	assert_int_equal(r->hist[0], 1);
	assert_int_equal(r->min_cycles, 0);
	d += iv;
	/* 999.5 us late: the last bucket before a missed period */
	assert_int_equal(probe_wake_account(r, d, d + 1999000, iv, thr, mult), d + iv);
	assert_int_equal(r->hist[999], 1);
	assert_int_equal(r->max_cycles, 1999000);

	assert_int_equal(r->counted, 5);
	assert_int_equal(entered(r), 5);
	assert_int_equal(r->sum_cycles, 6000 + thr + thr + 1 + 0 + 1999000);
	assert_int_equal(r->gaps, 2);
	assert_int_equal(r->lost_cycles, thr + 1 + 1999000);
	assert_int_equal(r->missed, 0);
	assert_int_equal(r->overflows, 0);
	/* the loop's counters are not the accounting's business */
	assert_int_equal(r->samples, 0);
	assert_int_equal(r->period_cycles, iv);
	assert_int_equal(r->done, 0);
}

/* A timer that fired early would be counted on time, never as a huge unsigned lateness. */
static void test_probe_wake_account_early_counts_zero(void **state)
{
	const uint64_t mult = probe_us_mult(2000000), iv = 2000000;
	struct probe_record *r = record_of(state, iv);

	assert_int_equal(probe_wake_account(r, 5000000, 4999000, iv, 0, mult), 7000000);
	assert_int_equal(r->hist[0], 1);
	assert_int_equal(r->sum_cycles, 0);
	assert_int_equal(r->max_cycles, 0);
	assert_int_equal(r->overflows, 0);
	assert_int_equal(r->gaps, 0);
	assert_int_equal(r->missed, 0);
}

/*
 * A wake-up at or past the next deadline skips the periods in between; the next
 * deadline is the first grid point after the wake-up, never one already past.
 */
static void test_probe_wake_account_missed_periods_realign(void **state)
{
	static const struct {
		uint64_t late;		/* in cycles */
		uint64_t missed;	/* periods skipped */
	} cases[] = {
		{ 0, 0 },
		{ 999, 0 },
		{ 1000, 1 },		/* the next deadline is due right now: missed */
		{ 1001, 1 },
		{ 1999, 1 },
		{ 2000, 2 },
		{ 3700, 3 },
		{ 1000000, 1000 },
		{ 1000000 + 999, 1000 },
	};
	const uint64_t mult = probe_us_mult(2000000), iv = 1000, d = 123456789;
	struct probe_record *r = record_of(state, iv);
	uint64_t total = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t now = d + cases[i].late, before = r->missed;
		uint64_t next = probe_wake_account(r, d, now, iv, 0, mult);

		assert_int_equal(r->missed - before, cases[i].missed);
		/* on the grid, after now, and no grid point skipped after now */
		assert_int_equal((next - d) % iv, 0);
		assert_true(next > now);
		assert_true(next - iv <= now);
		assert_int_equal(next, d + (cases[i].missed + 1) * iv);
		total += cases[i].missed;
	}
	assert_int_equal(r->missed, total);
	/* each wake-up is still one latency, however many periods it skipped */
	assert_int_equal(r->counted, sizeof(cases) / sizeof(cases[0]));
}

/* A stall of seconds: an overflow, the full lateness kept, the periods counted. */
static void test_probe_wake_account_long_stall(void **state)
{
	const uint64_t mult = probe_us_mult(2596138), iv = 25961;	/* 10 us */
	const uint64_t late = 3ULL * 2596138000ULL;			/* 3 s */
	struct probe_record *r = record_of(state, iv);
	uint64_t d = 1ULL << 40, next;

	next = probe_wake_account(r, d, d + late, iv, 12980, mult);
	assert_int_equal(r->overflows, 1);
	assert_int_equal(entered(r), 1);
	assert_int_equal(r->max_cycles, late);
	assert_int_equal(r->sum_cycles, late);
	assert_int_equal(r->gaps, 1);
	assert_int_equal(r->missed, late / iv);
	assert_true(next > d + late && next <= d + late + iv);
}

/*
 * The guest's loop, simulated: from `start`, arm start + interval, wake `late[i % n]`
 * after each deadline, until the deadline passes the end. Wake-ups plus missed
 * periods cover the run's periods exactly, whatever the lateness.
 */
static void test_probe_wake_account_simulated_run_adds_up(void **state)
{
	static const uint64_t late[] = { 300, 50, 2500, 999, 1000, 40, 7, 12345, 0, 610 };
	const uint64_t mult = probe_us_mult(2000000), iv = 1000, start = 777;
	const uint64_t duration = 10000000, periods = duration / iv;
	struct probe_record *r = record_of(state, iv);
	uint64_t deadline, end = start + duration, n = 0, sum = 0, max = 0;

	for (deadline = start + iv; deadline <= end; n++) {
		uint64_t l = late[n % (sizeof(late) / sizeof(late[0]))];

		sum += l;
		max = l > max ? l : max;
		deadline = probe_wake_account(r, deadline, deadline + l, iv, 500, mult);
	}
	assert_true(r->missed > 0);
	assert_int_equal(n + r->missed, periods);
	assert_int_equal(r->counted, n);
	assert_int_equal(entered(r), n);
	assert_int_equal(r->sum_cycles, sum);
	assert_int_equal(r->max_cycles, max);
	assert_int_equal(r->min_cycles, 0);
}

static void test_probe_summarize_hand_record(void **state)
{
	struct probe_record *r = record_of(state, 200);
	struct probe_summary s;

	r->samples = 123456;
	r->gaps = 50;
	r->elapsed_cycles = 4000000000ULL;	/* 2 s at 2 GHz */
	r->lost_cycles = 40000000;		/* 20 ms: 1 % */
	r->max_cycles = 30000;			/* 15 us */
	r->min_cycles = 2001;			/* 1.0005 us */
	r->counted = 50;
	r->sum_cycles = 50000000;		/* 25 ms: 500 us on average */
	r->missed = 7;
	r->done = 1;
	memset(&s, 0xa5, sizeof(s));
	probe_summarize(r, 2000000, &s);
	assert_near(s.period_ns, 100, 1e-9, "period_ns");
	assert_int_equal(s.samples, 123456);
	assert_int_equal(s.gaps, 50);
	assert_near(s.seconds, 2, 1e-12, "seconds");
	assert_near(s.gaps_per_s, 25, 1e-9, "gaps_per_s");
	assert_near(s.lost_pct, 1, 1e-12, "lost_pct");
	assert_near(s.max_us, 15, 1e-12, "max_us");
	assert_near(s.min_us, 1.0005, 1e-12, "min_us");
	assert_near(s.avg_us, 500, 1e-9, "avg_us");
	assert_int_equal(s.missed, 7);
	assert_true(s.done);

	/* an odd TSC frequency */
	probe_summarize(r, 2596138, &s);
	assert_near(s.period_ns, 200 * 1e6 / 2596138, 1e-9, "period_ns");
	assert_near(s.seconds, 4e9 / 2596138e3, 1e-12, "seconds");
	assert_near(s.gaps_per_s, 50 / (4e9 / 2596138e3), 1e-9, "gaps_per_s");
	assert_near(s.lost_pct, 1, 1e-12, "lost_pct");	/* a ratio: frequency-free */
	assert_near(s.max_us, 30000 * 1e3 / 2596138, 1e-9, "max_us");
}

static void test_probe_summarize_unfinished_and_empty(void **state)
{
	struct probe_record *r = record_of(state, 0);
	struct probe_summary s;

	/* nothing measured yet: no division by zero, all figures zero */
	probe_summarize(r, 2000000, &s);
	assert_near(s.seconds, 0, 0, "seconds");
	assert_near(s.gaps_per_s, 0, 0, "gaps_per_s");
	assert_near(s.lost_pct, 0, 0, "lost_pct");
	assert_near(s.max_us, 0, 0, "max_us");
	assert_near(s.min_us, 0, 0, "min_us");
	assert_near(s.avg_us, 0, 0, "avg_us");
	assert_false(s.done);
	assert_false(isnan(s.gaps_per_s) || isnan(s.lost_pct) || isnan(s.avg_us));

	/* only exactly 1 means done: a torn or garbage record is not */
	r->done = 2;
	probe_summarize(r, 2000000, &s);
	assert_false(s.done);
	r->done = 1;
	probe_summarize(r, 2000000, &s);
	assert_true(s.done);
}

static void test_probe_exit_reason_names_each_status(void **state)
{
	char buf[256];
	const char *why;

	(void)state;
	assert_null(probe_exit_reason(PROBE_EXIT_OK, buf, sizeof(buf)));
	why = probe_exit_reason(PROBE_EXIT_NO_TSC_DEADLINE, buf, sizeof(buf));
	assert_ptr_equal(why, buf);
	assert_non_null(strstr(why, "this host's KVM lacks the TSC-deadline timer"));
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_NO_APIC, buf, sizeof(buf)), "APIC"));
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_BAD_INFO, buf, sizeof(buf)),
			       "parameters"));
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_UNEXPECTED_IRQ, buf, sizeof(buf)),
			       "interrupt"));
	/* exceptions by number and, where it has one, by mnemonic */
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_FAULT + 13, buf, sizeof(buf)),
			       "exception 13 (#GP) (status 77)"));
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_FAULT, buf, sizeof(buf)),
			       "exception 0 (#DE)"));
	why = probe_exit_reason(PROBE_EXIT_FAULT + 9, buf, sizeof(buf));
	assert_non_null(strstr(why, "exception 9 (status 73)"));
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_FAULT + 31, buf, sizeof(buf)),
			       "exception 31 "));
	/* statuses the probe never writes are still explained, not mistaken for faults */
	assert_non_null(strstr(probe_exit_reason(PROBE_EXIT_FAULT + 32, buf, sizeof(buf)),
			       "never writes"));
	assert_non_null(strstr(probe_exit_reason(1, buf, sizeof(buf)), "status 1,"));
	/* a short buffer is truncated, never overrun */
	memset(buf, 'x', sizeof(buf));
	why = probe_exit_reason(PROBE_EXIT_FAULT + 14, buf, 8);
	assert_int_equal(strlen(why), 7);
	assert_int_equal(buf[8], 'x');
}

static void test_probe_memory_bytes_per_vcpu(void **state)
{
	(void)state;
	assert_int_equal(PROBE_RECORD_STRIDE % 4096, 0);
	assert_true(PROBE_RECORD_STRIDE >= sizeof(struct probe_record));
	assert_true(PROBE_RECORD_STRIDE < sizeof(struct probe_record) + 4096);
	/* the records start above every vCPU's stack */
	assert_true(GUEST_STACKS_ADDR + GUEST_MAX_VCPUS * GUEST_STACK_SIZE <= GUEST_RECORDS_ADDR);

	assert_int_equal(probe_memory_bytes(0), GUEST_RECORDS_ADDR);
	assert_int_equal(probe_memory_bytes(1), GUEST_RECORDS_ADDR + PROBE_RECORD_STRIDE);
	for (unsigned n = 1; n <= GUEST_MAX_VCPUS; n++)
		assert_int_equal(probe_memory_bytes(n) - probe_memory_bytes(n - 1),
				 PROBE_RECORD_STRIDE);
	assert_int_equal(probe_memory_bytes(GUEST_MAX_VCPUS),
			 GUEST_RECORDS_ADDR + (uint64_t)GUEST_MAX_VCPUS * PROBE_RECORD_STRIDE);
}

/* struct cfg is large (CFG_MAX_VCPUS slots): on the heap, freed by the teardown. */
static int setup_cfg(void **state)
{
	*state = calloc(1, sizeof(struct cfg));
	return *state ? 0 : -1;
}

static void test_probe_prepare_converts_to_cycles(void **state)
{
	struct cfg *cfg = *state;
	struct guest_info info;
	const uint32_t khz = 2596138;

	memset(&info, 0, sizeof(info));
	info.magic = GUEST_INFO_MAGIC;
	info.nr_vcpus = 3;
	info.done_count = 99;
	cfg->probe.mode = CFG_PROBE_WAKE;
	cfg->probe.threshold_us = 20;
	cfg->probe.duration_s = 86400;
	cfg->probe.interval_us = 100;
	probe_prepare(&info, cfg, khz);
	assert_int_equal(info.mode, PROBE_MODE_WAKE);
	assert_int_equal(info.hist_buckets, PROBE_HIST_BUCKETS);
	assert_int_equal(info.threshold_cycles, 20ULL * khz / 1000);
	assert_int_equal(info.duration_cycles, 86400ULL * khz * 1000);	/* no 32-bit overflow */
	assert_int_equal(info.interval_cycles, 100ULL * khz / 1000);
	assert_int_equal(info.us_mult, probe_us_mult(khz));
	assert_int_equal(info.records_addr, GUEST_RECORDS_ADDR);
	assert_int_equal(info.record_stride, PROBE_RECORD_STRIDE);
	assert_int_equal(info.done_count, 0);
	/* the fields that are not the probe's are left alone */
	assert_int_equal(info.magic, GUEST_INFO_MAGIC);
	assert_int_equal(info.nr_vcpus, 3);

	/* the threshold converts back to itself in microseconds, give or take one */
	assert_in_range(probe_cycles_to_us(info.threshold_cycles, info.us_mult), 19, 20);

	cfg->probe.mode = CFG_PROBE_NOISE;
	cfg->probe.threshold_us = 1000000;
	probe_prepare(&info, cfg, 5000000);
	assert_int_equal(info.mode, PROBE_MODE_NOISE);
	assert_int_equal(info.threshold_cycles, 5000000000ULL);	/* no 32-bit overflow */
}

#define record_test(f) cmocka_unit_test_setup_teardown(f, setup_records, teardown_free)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_us_mult_close_to_exact_factor),
		cmocka_unit_test(test_probe_cycles_to_us_2ghz_worked_examples),
		cmocka_unit_test(test_probe_cycles_to_us_odd_khz_within_1us),
		cmocka_unit_test(test_probe_cycles_to_us_sweep_monotonic_within_1us),
		cmocka_unit_test(test_probe_cycles_to_us_saturates),
		record_test(test_probe_account_threshold_relative_to_period),
		record_test(test_probe_account_bucket_index),
		record_test(test_probe_account_bucket_exact_microseconds),
		record_test(test_probe_account_bookkeeping_sequence),
		record_test(test_probe_account_min_tracks_smallest),
		record_test(test_probe_wake_account_every_wakeup_entered),
		record_test(test_probe_wake_account_early_counts_zero),
		record_test(test_probe_wake_account_missed_periods_realign),
		record_test(test_probe_wake_account_long_stall),
		record_test(test_probe_wake_account_simulated_run_adds_up),
		record_test(test_probe_summarize_hand_record),
		record_test(test_probe_summarize_unfinished_and_empty),
		cmocka_unit_test(test_probe_exit_reason_names_each_status),
		cmocka_unit_test(test_probe_memory_bytes_per_vcpu),
		cmocka_unit_test_setup_teardown(test_probe_prepare_converts_to_cycles, setup_cfg,
						teardown_free),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
