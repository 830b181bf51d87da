// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the host-native baseline (src/baseline): the TSC calibration, a short
 * noise run and a short wake run of one real thread pinned to the CPU the test runs on
 * (SCHED_OTHER, so no privilege is needed), whose records must be consistent (samples,
 * elapsed time, every wake-up in the histogram, the thread's own scheduler accounting),
 * and a pinning that cannot work, which must stop every thread before it measures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/baseline.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sched_thread_plan plan_here(void)
{
	struct sched_thread_plan p = { .pin = true, .policy = SCHED_OTHER };
	int cpu = sched_getcpu();

	CPU_ZERO(&p.cpus);
	CPU_SET(cpu >= 0 ? cpu : 0, &p.cpus);
	return p;
}

/* Starts, waits for the end (at most 10 s) and joins. */
static void run(struct baseline *b)
{
	bool done = false;

	assert_int_equal(baseline_start(b), 0);
	for (int i = 0; i < 1000 && !done; i++) {
		struct timespec nap = { 0, 10 * 1000000L };

		baseline_progress(b, &done);
		nanosleep(&nap, NULL);
	}
	assert_true(done);
	baseline_join(b);
}

static uint64_t hist_total(const struct probe_record *r)
{
	uint64_t n = r->overflows;

	for (int i = 0; i < PROBE_HIST_BUCKETS; i++)
		n += r->hist[i];
	return n;
}

static void test_baseline_tsc_khz(void **state)
{
	double khz = baseline_tsc_khz(20);

	(void)state;
	/* any x86 TSC of this century: 100 MHz .. 10 GHz */
	assert_true(khz > 1e5 && khz < 1e7);
}

static void test_baseline_noise_run(void **state)
{
	struct sched_thread_plan p = plan_here();
	struct baseline *b;
	const struct probe_record *r;
	double seconds;
	bool done;

	(void)state;
	assert_int_equal(baseline_create(&b, &p, 1, false, 200, 5, 1000), 0);
	run(b);
	r = b->t[0].record;
	assert_int_equal(r->done, 1);
	assert_true(r->samples > 1000);
	assert_true(r->period_cycles > 0);
	seconds = r->elapsed_cycles / (b->tsc_khz * 1e3);
	assert_true(seconds >= 0.19 && seconds < 2.0);
	/* noise mode counts only gaps: the histogram holds exactly those */
	assert_int_equal(hist_total(r), r->gaps);
	assert_true(r->gaps == 0 || r->min_cycles <= r->max_cycles);
	assert_true(r->lost_cycles <= r->elapsed_cycles);
	assert_true(b->t[0].have_sched);
	/* it spun: some CPU time (how much depends on what else this machine runs) */
	assert_true(b->t[0].sched.run_ns != TASKSTAT_UNKNOWN && b->t[0].sched.run_ns > 0);
	assert_true(baseline_progress(b, &done) <= r->samples);
	baseline_destroy(b);
}

static void test_baseline_wake_run(void **state)
{
	struct sched_thread_plan p = plan_here();
	struct baseline *b;
	const struct probe_record *r;

	(void)state;
	assert_int_equal(baseline_create(&b, &p, 1, true, 200, 50, 2000), 0);
	assert_true(b->tsc_khz == 1e6);	/* wake records are kept in nanoseconds */
	run(b);
	r = b->t[0].record;
	assert_int_equal(r->done, 1);
	/* 100 deadlines in 200 ms: each one is a wake-up or a missed period */
	assert_true(r->samples >= 10 && r->samples + r->missed <= 100);
	assert_int_equal(hist_total(r), r->samples);
	assert_true(r->min_cycles <= r->max_cycles);
	assert_true(r->gaps <= r->samples);
	assert_int_equal(r->period_cycles, 2000 * 1000);
	assert_true(r->elapsed_cycles >= 150 * 1000000ULL);
	/* sleeping between wake-ups: voluntary switches */
	assert_true(b->t[0].have_sched);
	assert_true(b->t[0].sched.voluntary != TASKSTAT_UNKNOWN &&
		    b->t[0].sched.voluntary >= 5);
	baseline_destroy(b);
}

static void test_baseline_bad_pin_stops_everyone(void **state)
{
	struct sched_thread_plan p[2] = { plan_here(), plan_here() };
	struct baseline *b;

	(void)state;
	CPU_ZERO(&p[1].cpus);
	CPU_SET(CPU_SETSIZE - 1, &p[1].cpus);	/* no such CPU */
	assert_int_equal(baseline_create(&b, p, 2, false, 5000, 5, 1000), 0);
	assert_true(baseline_start(b) < 0);
	baseline_join(b);
	/* nobody measured: the 5 s were not spent */
	assert_int_equal(b->t[0].record->samples, 0);
	assert_int_equal(b->t[0].record->done, 0);
	assert_int_not_equal(b->t[1].setup_ret, 0);
	assert_true(b->t[1].setup_err[0] != '\0');
	baseline_destroy(b);
}

static void test_baseline_destroy_accepts_null_and_unstarted(void **state)
{
	struct sched_thread_plan p = plan_here();
	struct baseline *b;

	(void)state;
	baseline_destroy(NULL);
	assert_int_equal(baseline_create(&b, &p, 1, true, 1000, 5, 1000), 0);
	baseline_destroy(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_baseline_tsc_khz),
		cmocka_unit_test(test_baseline_noise_run),
		cmocka_unit_test(test_baseline_wake_run),
		cmocka_unit_test(test_baseline_bad_pin_stops_everyone),
		cmocka_unit_test(test_baseline_destroy_accepts_null_and_unstarted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
