// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/ratelimit, the VM-wide bus-lock limiter: exact delays for worked
 * examples (so a budget or a boundary off by one fails), the queue of excess locks, the
 * long-run rate, the clock cases (idle gap, thread skew, a stepped clock) and 4 threads
 * hammering one limiter. All times are injected; nothing here sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sched/ratelimit.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>

#define MS 1000000ull
#define SEC 1000000000ull
/* An arbitrary, unaligned start: slices begin at the first take, not at multiples of 0. */
#define T0 (1000 * SEC + 123)

static void init_ok(struct ratelimit *rl, uint32_t rate, uint32_t slice_ms)
{
	char err[128] = "";

	if (ratelimit_init(rl, rate, slice_ms, err, sizeof(err)))
		fail_msg("ratelimit_init(%u, %u): %s", rate, slice_ms, err);
}

/* Takes @n locks at @now, each of which must be free. */
static void take_free(struct ratelimit *rl, uint64_t now, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		uint64_t d = ratelimit_take(rl, now);

		if (d)
			fail_msg("take %u of %u at %llu: delay %llu, expected 0", i + 1, n,
				 (unsigned long long)now, (unsigned long long)d);
	}
}

static void test_ratelimit_budget_free_then_waits_to_slice_end(void **state)
{
	struct ratelimit rl;

	(void)state;
	/* rate 5/s, 1000 ms slices: budget 5. The slice is [T0, T0 + 1 s). */
	init_ok(&rl, 5, 1000);
	assert_int_equal(rl.budget, 5);
	assert_int_equal(ratelimit_take(&rl, T0), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 100 * MS), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 200 * MS), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 300 * MS), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 400 * MS), 0);
	/* The 6th, at T0 + 600 ms, waits to the slice end T0 + 1 s: 400 ms. */
	assert_int_equal(ratelimit_take(&rl, T0 + 600 * MS), 400 * MS);
	/* The 7th, 1 ns before the end, shares that next slice: waits 1 ns. */
	assert_int_equal(ratelimit_take(&rl, T0 + SEC - 1), 1);
	ratelimit_fini(&rl);
}

static void test_ratelimit_refills_at_slice_boundary(void **state)
{
	struct ratelimit rl;

	(void)state;
	/* rate 3/s: budget 3. Three free at T0; at exactly T0 + 1 s a new slice holds 3 more. */
	init_ok(&rl, 3, 1000);
	take_free(&rl, T0, 3);
	take_free(&rl, T0 + SEC, 3);
	/* 4th in the slice [T0 + 1 s, T0 + 2 s) waits a whole slice. */
	assert_int_equal(ratelimit_take(&rl, T0 + SEC), SEC);
	ratelimit_fini(&rl);

	/*
	 * Three free at T0; one at T0 + 1 s - 1 ns is still in the first slice: it waits 1 ns
	 * and is the first lock of the second slice, so at T0 + 1 s only 2 are free, and the
	 * next waits to T0 + 2 s.
	 */
	init_ok(&rl, 3, 1000);
	take_free(&rl, T0, 3);
	assert_int_equal(ratelimit_take(&rl, T0 + SEC - 1), 1);
	take_free(&rl, T0 + SEC, 2);
	assert_int_equal(ratelimit_take(&rl, T0 + SEC + 5), SEC - 5);
	ratelimit_fini(&rl);
}

static void test_ratelimit_slice_ms_not_1000(void **state)
{
	struct ratelimit rl;

	(void)state;
	/* rate 1000/s, 10 ms slices: budget 1000 * 10 / 1000 = 10. Slice [T0, T0 + 10 ms). */
	init_ok(&rl, 1000, 10);
	assert_int_equal(rl.budget, 10);
	assert_int_equal(rl.slice_ns, 10 * MS);
	take_free(&rl, T0, 10);
	/* 11th at T0 + 3 ms waits to T0 + 10 ms: 7 ms. */
	assert_int_equal(ratelimit_take(&rl, T0 + 3 * MS), 7 * MS);
	/* At T0 + 10 ms: 9 free (the 11th counts there), the 10th waits to T0 + 20 ms. */
	take_free(&rl, T0 + 10 * MS, 9);
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * MS), 10 * MS);
	ratelimit_fini(&rl);

	/* The budget rounds down: 150/s in 10 ms is 1.5 -> 1; 199 -> 1; 200 -> 2. */
	init_ok(&rl, 150, 10);
	assert_int_equal(rl.budget, 1);
	ratelimit_fini(&rl);
	init_ok(&rl, 199, 10);
	assert_int_equal(rl.budget, 1);
	ratelimit_fini(&rl);
	init_ok(&rl, 200, 10);
	assert_int_equal(rl.budget, 2);
	take_free(&rl, T0, 2);
	assert_int_equal(ratelimit_take(&rl, T0), 10 * MS);
	ratelimit_fini(&rl);
}

static void test_ratelimit_budget_rounds_up_to_one(void **state)
{
	struct ratelimit rl;

	(void)state;
	/* rate 50/s in 10 ms slices is 0.5 per slice: budget 1, i.e. 100/s in effect. */
	init_ok(&rl, 50, 10);
	assert_int_equal(rl.budget, 1);
	assert_int_equal(ratelimit_take(&rl, T0), 0);
	assert_int_equal(ratelimit_take(&rl, T0), 10 * MS);
	assert_int_equal(ratelimit_take(&rl, T0), 20 * MS);
	ratelimit_fini(&rl);

	/* rate 1/s in 1 ms slices (0.001 per slice): budget 1. */
	init_ok(&rl, 1, 1);
	assert_int_equal(rl.budget, 1);
	assert_int_equal(ratelimit_take(&rl, T0), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 1), MS - 1);
	ratelimit_fini(&rl);
}

static void test_ratelimit_burst_queues_at_rate(void **state)
{
	struct ratelimit rl;
	uint64_t last = 0;

	(void)state;
	/*
	 * rate 100/s, 100 ms slices: budget 10. 50 locks at T0 fill the slices starting at
	 * T0, +100, +200, +300 and +400 ms: lock i waits (i / 10) * 100 ms, so delays step up
	 * once per 10 locks. The 50 locks are released over [T0, T0 + 500 ms): 50 / 0.5 s =
	 * 100/s, the configured rate.
	 */
	init_ok(&rl, 100, 100);
	for (unsigned i = 0; i < 50; i++) {
		uint64_t d = ratelimit_take(&rl, T0);

		if (d != (i / 10) * 100 * MS)
			fail_msg("lock %u: delay %llu, expected %llu", i, (unsigned long long)d,
				 (i / 10) * 100 * MS);
		assert_true(d >= last);
		last = d;
	}
	assert_int_equal(last, 400 * MS);
	assert_int_equal(50 * SEC / (last + rl.slice_ns), 100);

	/* The 51st, 1 ns before the queue drains, goes into a 6th slice at T0 + 500 ms. */
	assert_int_equal(ratelimit_take(&rl, T0 + 500 * MS - 1), 1);
	/* That slice has 9 left; then T0 + 600 ms. */
	take_free(&rl, T0 + 500 * MS, 9);
	assert_int_equal(ratelimit_take(&rl, T0 + 500 * MS), 100 * MS);
	ratelimit_fini(&rl);
}

/*
 * vCPUs that sleep as told: 3 simulated vCPUs, each taking a lock 1 us after it resumes,
 * over 10 simulated seconds at 1000/s in 10 ms slices. Each lock is released (lock time +
 * delay) at the earliest the limiter allows; exactly 1000 of them fall in each second.
 */
static void test_ratelimit_sleeping_vcpus_hold_rate(void **state)
{
	enum { VCPUS = 3 };
	uint64_t next[VCPUS], per_sec[10] = { 0 };
	struct ratelimit rl;

	(void)state;
	init_ok(&rl, 1000, 10);
	for (unsigned v = 0; v < VCPUS; v++)
		next[v] = T0 + v;
	for (;;) {
		unsigned v = 0;

		for (unsigned i = 1; i < VCPUS; i++)
			if (next[i] < next[v])
				v = i;
		if (next[v] >= T0 + 10 * SEC)
			break;
		uint64_t release = next[v] + ratelimit_take(&rl, next[v]);

		if (release < T0 + 10 * SEC)
			per_sec[(release - T0) / SEC]++;
		next[v] = release + 1000;
	}
	for (unsigned s = 0; s < 10; s++)
		if (per_sec[s] != 1000)
			fail_msg("second %u: %llu locks, expected 1000", s,
				 (unsigned long long)per_sec[s]);
	ratelimit_fini(&rl);
}

static void test_ratelimit_unlimited(void **state)
{
	struct ratelimit rl;

	(void)state;
	init_ok(&rl, 0, 1000);
	assert_int_equal(rl.budget, 0);
	for (unsigned i = 0; i < 100000; i++)
		assert_int_equal(ratelimit_take(&rl, T0), 0);
	assert_int_equal(ratelimit_take(&rl, 0), 0);
	assert_int_equal(ratelimit_take(&rl, UINT64_MAX), 0);
	ratelimit_fini(&rl);
}

static void test_ratelimit_idle_gap(void **state)
{
	const uint64_t gap = 1000000000ull * SEC;	/* ~31.7 years */
	struct ratelimit rl;

	(void)state;
	/*
	 * Budget 2. Two free at T0, a third queued to T0 + 1 s. After a gap of ~31 years the
	 * old slices are forgotten in one step: a fresh slice starts at the new time with a
	 * full budget of 2 (not 31 years' worth: no catch-up burst), and the 3rd waits 1 s.
	 */
	init_ok(&rl, 2, 1000);
	take_free(&rl, T0, 2);
	assert_int_equal(ratelimit_take(&rl, T0), SEC);
	take_free(&rl, T0 + gap, 2);
	assert_int_equal(ratelimit_take(&rl, T0 + gap + 1), SEC - 1);
	ratelimit_fini(&rl);

	/* A gap of exactly one slice after the queue's last slice also refills. */
	init_ok(&rl, 2, 1000);
	take_free(&rl, T0, 2);
	assert_int_equal(ratelimit_take(&rl, T0), SEC);	/* slice [T0 + 1 s, T0 + 2 s) */
	take_free(&rl, T0 + 2 * SEC, 2);
	assert_int_equal(ratelimit_take(&rl, T0 + 2 * SEC), SEC);
	ratelimit_fini(&rl);
}

static void test_ratelimit_clock_skew_between_threads(void **state)
{
	struct ratelimit rl;

	(void)state;
	/*
	 * Budget 2, slice 1 s. One thread takes at T0 + 10 s; others read the clock earlier
	 * but take later (1 ms, 2 ms, then 1 s - 1 ns behind). That is no time passing: the
	 * second is free, the third is queued to T0 + 11 s and waits from its own clock:
	 * 1 s + 2 ms. Had the skew restarted the limiter, the third would have been free.
	 */
	init_ok(&rl, 2, 1000);
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * SEC), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * SEC - 1 * MS), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * SEC - 2 * MS), SEC + 2 * MS);
	assert_int_equal(ratelimit_take(&rl, T0 + 9 * SEC + 1), 2 * SEC - 1);
	/* Queued: the next slice T0 + 12 s. */
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * SEC), 2 * SEC);
	ratelimit_fini(&rl);
}

static void test_ratelimit_clock_stepped_back(void **state)
{
	struct ratelimit rl;

	(void)state;
	/*
	 * Budget 2, slice 1 s. At T0 + 100 s: 2 free and 3 queued (1 s, 1 s, 2 s). Then the
	 * clock reads 5 s: 95 s back. The limiter restarts at 5 s: 2 free, the next waits
	 * exactly 1 s, not the 97 s that the old queue would mean from the new clock.
	 */
	init_ok(&rl, 2, 1000);
	take_free(&rl, T0 + 100 * SEC, 2);
	assert_int_equal(ratelimit_take(&rl, T0 + 100 * SEC), SEC);
	assert_int_equal(ratelimit_take(&rl, T0 + 100 * SEC), SEC);
	assert_int_equal(ratelimit_take(&rl, T0 + 100 * SEC), 2 * SEC);
	take_free(&rl, 5 * SEC, 2);
	assert_int_equal(ratelimit_take(&rl, 5 * SEC), SEC);
	/* And to 0, the smallest clock value. */
	take_free(&rl, 0, 2);
	assert_int_equal(ratelimit_take(&rl, 0), SEC);
	ratelimit_fini(&rl);

	/* Exactly one slice back is a step (restart: free); one slice minus 1 ns is skew. */
	init_ok(&rl, 1, 1000);
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * SEC), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 9 * SEC), 0);
	ratelimit_fini(&rl);
	init_ok(&rl, 1, 1000);
	assert_int_equal(ratelimit_take(&rl, T0 + 10 * SEC), 0);
	assert_int_equal(ratelimit_take(&rl, T0 + 9 * SEC + 1), 2 * SEC - 1);
	ratelimit_fini(&rl);
}

static void test_ratelimit_init_validates_slice(void **state)
{
	struct ratelimit rl;
	char err[128] = "";

	(void)state;
	assert_int_equal(ratelimit_init(&rl, 1000, 0, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "slice 0 ms"));
	assert_non_null(strstr(err, "1..60000"));
	err[0] = 0;
	assert_int_equal(ratelimit_init(&rl, 1000, RATELIMIT_SLICE_MS_MAX + 1, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "60001"));
	/* The largest values: no overflow in rate * slice_ms. */
	init_ok(&rl, UINT32_MAX, RATELIMIT_SLICE_MS_MAX);
	assert_int_equal(rl.budget, (uint64_t)UINT32_MAX * 60);
	assert_int_equal(rl.slice_ns, 60 * SEC);
	ratelimit_fini(&rl);
	init_ok(&rl, 1000, RATELIMIT_SLICE_MS_DEFAULT);
	assert_int_equal(rl.budget, 1000);
	ratelimit_fini(&rl);
}

/* 20000 each rather than 1000: enough overlap that a missing lock fails every run. */
enum { THREADS = 4, TAKES = 20000 };

struct taker {
	struct ratelimit *rl;
	pthread_barrier_t *start;
	uint64_t delay[TAKES];
};

static void *taker_main(void *arg)
{
	struct taker *t = arg;

	pthread_barrier_wait(t->start);
	for (unsigned i = 0; i < TAKES; i++)
		t->delay[i] = ratelimit_take(t->rl, T0);
	return NULL;
}

static void test_ratelimit_threads_share_budget(void **state)
{
	static struct taker takers[THREADS];
	unsigned per_slice[THREADS * TAKES / 100] = { 0 };
	pthread_t tids[THREADS];
	pthread_barrier_t start;
	struct ratelimit rl;
	unsigned free_takes = 0;

	(void)state;
	/*
	 * Budget 100 (rate 100/s, 1 s slices). 4 threads x 20000 takes at the same T0: 80000
	 * locks in one global order, so lock k waits (k / 100) s. Whatever the interleaving:
	 * exactly 100 are free, exactly 100 wait k s for each k in 0..799, and each thread's
	 * own delays never decrease (its takes come later in the global order).
	 */
	init_ok(&rl, 100, 1000);
	assert_int_equal(pthread_barrier_init(&start, NULL, THREADS), 0);
	for (unsigned i = 0; i < THREADS; i++) {
		takers[i].rl = &rl;
		takers[i].start = &start;
		assert_int_equal(pthread_create(&tids[i], NULL, taker_main, &takers[i]), 0);
	}
	for (unsigned i = 0; i < THREADS; i++)
		assert_int_equal(pthread_join(tids[i], NULL), 0);
	pthread_barrier_destroy(&start);

	for (unsigned i = 0; i < THREADS; i++) {
		for (unsigned j = 0; j < TAKES; j++) {
			uint64_t d = takers[i].delay[j];

			if (d % SEC || d / SEC >= THREADS * TAKES / 100)
				fail_msg("thread %u take %u: delay %llu is not a slice start", i, j,
					 (unsigned long long)d);
			per_slice[d / SEC]++;
			free_takes += d == 0;
			if (j)
				assert_true(d >= takers[i].delay[j - 1]);
		}
	}
	assert_int_equal(free_takes, 100);
	for (unsigned k = 0; k < THREADS * TAKES / 100; k++)
		if (per_slice[k] != 100)
			fail_msg("slice %u holds %u locks, expected 100", k, per_slice[k]);
	/* The queue ends with slice 799 full: the next lock goes to slice 800. */
	assert_int_equal(ratelimit_take(&rl, T0), THREADS * TAKES / 100 * SEC);
	ratelimit_fini(&rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_budget_free_then_waits_to_slice_end),
		cmocka_unit_test(test_ratelimit_refills_at_slice_boundary),
		cmocka_unit_test(test_ratelimit_slice_ms_not_1000),
		cmocka_unit_test(test_ratelimit_budget_rounds_up_to_one),
		cmocka_unit_test(test_ratelimit_burst_queues_at_rate),
		cmocka_unit_test(test_ratelimit_sleeping_vcpus_hold_rate),
		cmocka_unit_test(test_ratelimit_unlimited),
		cmocka_unit_test(test_ratelimit_idle_gap),
		cmocka_unit_test(test_ratelimit_clock_skew_between_threads),
		cmocka_unit_test(test_ratelimit_clock_stepped_back),
		cmocka_unit_test(test_ratelimit_init_validates_slice),
		cmocka_unit_test(test_ratelimit_threads_share_budget),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
