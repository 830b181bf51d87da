// SPDX-License-Identifier: Apache-2.0
/*
 * The host-native jitter baseline (see baseline.h).
 */
#include "baseline.h"

#include "clock.h"
#include "guest/probe_hist.h"
#include "log.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* How often a measuring thread publishes its progress: a store per 4096 samples. */
#define PROGRESS_MASK 0xfff

double baseline_tsc_khz(unsigned ms)
{
	struct timespec nap = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	uint64_t t0 = clock_ns(CLOCK_MONOTONIC_RAW), c0 = probe_rdtsc(), t1, c1;

	nanosleep(&nap, NULL);
	t1 = clock_ns(CLOCK_MONOTONIC_RAW);
	c1 = probe_rdtsc();
	return t1 > t0 ? (double)(c1 - c0) * 1e6 / (double)(t1 - t0) : 0;
}

static void measure_noise(struct baseline_thread *t)
{
	struct baseline *b = t->b;
	struct probe_record *r = t->record;
	uint64_t khz = (uint64_t)(b->tsc_khz + 0.5);
	uint64_t us_mult = probe_us_mult((uint32_t)khz);
	uint64_t threshold = (uint64_t)b->threshold_us * khz / 1000;
	uint64_t start, end, prev, now, n = 0;

	r->period_cycles = probe_calibrate();
	start = prev = probe_rdtsc();
	end = start + b->duration_ns / 1000 * khz / 1000;	/* no overflow up to a day */
	do {
		now = probe_rdtsc();
		probe_account(r, now - prev, threshold, us_mult);
		prev = now;
		if (!(++n & PROGRESS_MASK))
			atomic_store_explicit(&t->progress, n, memory_order_relaxed);
	} while (now < end);
	r->samples = n;
	r->elapsed_cycles = now - start;
}

/* Wake mode in nanoseconds, on the guest's period grid and with its accounting. */
static void measure_wake(struct baseline_thread *t)
{
	struct baseline *b = t->b;
	struct probe_record *r = t->record;
	uint64_t interval = (uint64_t)b->interval_us * 1000, us_mult = probe_us_mult(1000000);
	uint64_t threshold = (uint64_t)b->threshold_us * 1000;
	uint64_t start = clock_ns(CLOCK_MONOTONIC), end = start + b->duration_ns;
	uint64_t next = start + interval, now = start, n = 0;

	r->period_cycles = interval;
	while (next <= end) {
		struct timespec ts = { .tv_sec = (time_t)(next / 1000000000ULL),
				       .tv_nsec = (long)(next % 1000000000ULL) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		now = clock_ns(CLOCK_MONOTONIC);
		/* deadlines already past are missed, not served late one after another */
		next = probe_wake_account(r, next, now, interval, threshold, us_mult);
		atomic_store_explicit(&t->progress, ++n, memory_order_relaxed);
	}
	r->samples = n;
	r->elapsed_cycles = now - start;
}

/* Appends a setup warning to the thread's message. */
static void note(struct baseline_thread *t, const char *what, const char *err)
{
	size_t len = strlen(t->setup_err);

	snprintf(t->setup_err + len, sizeof(t->setup_err) - len, "%s%s: %s", len ? "; " : "",
		 what, err);
}

/* The vCPU's placement steps, in the VM's order, minus the cgroup. */
static void setup(struct baseline_thread *t)
{
	const struct sched_thread_plan *plan = &t->plan;
	pid_t tid = sched_gettid();
	char err[512];
	int ret;

	if (plan->boost_uclamp && sched_thread_boost(tid, err, sizeof(err)))
		note(t, "boost_uclamp", err);
	if (plan->core != SCHED_CORE_OFF &&
	    sched_thread_core(plan->core == SCHED_CORE_SHARED ? &t->b->core_group : NULL, err,
			      sizeof(err)))
		note(t, "core_scheduling", err);
	ret = sched_thread_pin(tid, plan, err, sizeof(err));
	if (ret) {
		t->setup_ret = ret;
		snprintf(t->setup_err, sizeof(t->setup_err), "%s", err);
		return;
	}
	if (sched_thread_make_rt(tid, plan, err, sizeof(err)))
		note(t, "policy", err);
}

static void *baseline_thread(void *arg)
{
	struct baseline_thread *t = arg;
	struct task_stat before, after;
	char name[16];
	bool ok;

	snprintf(name, sizeof(name), "rtvmm-base%u", t->id);
	pthread_setname_np(pthread_self(), name);
	setup(t);
	pthread_mutex_lock(&t->b->lock);
	t->b->ready++;
	pthread_cond_broadcast(&t->b->changed);
	while (!t->b->decided)
		pthread_cond_wait(&t->b->changed, &t->b->lock);
	ok = t->b->go;
	pthread_mutex_unlock(&t->b->lock);
	if (ok) {
		t->have_sched = taskstat_read("/proc", getpid(), sched_gettid(), &before) == 0;
		if (t->b->wake)
			measure_wake(t);
		else
			measure_noise(t);
		t->record->done = 1;
		if (t->have_sched &&
		    taskstat_read("/proc", getpid(), sched_gettid(), &after) == 0)
			taskstat_delta(&before, &after, &t->sched);
		else
			t->have_sched = false;
	}
	atomic_store(&t->done, true);
	return NULL;
}

int baseline_create(struct baseline **out, const struct sched_thread_plan *plans, unsigned nr,
		    bool wake, uint64_t duration_ms, uint32_t threshold_us, uint32_t interval_us)
{
	struct baseline *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (!b)
		return -ENOMEM;
	sched_core_group_init(&b->core_group);
	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->changed, NULL);
	b->wake = wake;
	b->duration_ns = duration_ms * 1000000ULL;
	b->threshold_us = threshold_us;
	b->interval_us = interval_us ? interval_us : 1000;
	b->nr = nr;
	b->t = calloc(nr ? nr : 1, sizeof(*b->t));
	if (!b->t)
		goto err;
	for (unsigned i = 0; i < nr; i++) {
		b->t[i].b = b;
		b->t[i].id = i;
		b->t[i].plan = plans[i];
		b->t[i].plan.delay_rt = false;
		b->t[i].record = calloc(1, sizeof(struct probe_record));
		if (!b->t[i].record)
			goto err;
	}
	b->tsc_khz = wake ? 1e6 : baseline_tsc_khz(50);
	if (!(b->tsc_khz > 0)) {
		log_err("baseline: cannot measure the TSC frequency");
		baseline_destroy(b);
		return -EIO;
	}
	*out = b;
	return 0;
err:
	baseline_destroy(b);
	return -ENOMEM;
}

int baseline_start(struct baseline *b)
{
	unsigned started = 0;
	int ret = 0;

	for (unsigned i = 0; i < b->nr; i++) {
		ret = -pthread_create(&b->t[i].thread, NULL, baseline_thread, &b->t[i]);
		if (ret) {
			log_err("baseline%u: cannot start a thread: %s", i, strerror(-ret));
			break;
		}
		b->t[i].started = true;
		started++;
	}
	pthread_mutex_lock(&b->lock);
	while (b->ready < started)
		pthread_cond_wait(&b->changed, &b->lock);
	pthread_mutex_unlock(&b->lock);
	for (unsigned i = 0; i < started; i++) {
		struct baseline_thread *t = &b->t[i];

		if (t->setup_ret && !ret) {
			log_err("baseline%u: %s", i, t->setup_err);
			ret = t->setup_ret;
		} else if (!t->setup_ret && t->setup_err[0]) {
			log_warn("baseline%u: %s", i, t->setup_err);
		}
	}
	/* all together or none: a thread that could not be pinned measures nothing */
	pthread_mutex_lock(&b->lock);
	b->decided = true;
	b->go = ret == 0;
	pthread_cond_broadcast(&b->changed);
	pthread_mutex_unlock(&b->lock);
	return ret;
}

uint64_t baseline_progress(struct baseline *b, bool *all_done)
{
	uint64_t n = 0;

	*all_done = true;
	for (unsigned i = 0; i < b->nr; i++) {
		n += atomic_load_explicit(&b->t[i].progress, memory_order_relaxed);
		*all_done &= !b->t[i].started || atomic_load(&b->t[i].done);
	}
	return n;
}

void baseline_join(struct baseline *b)
{
	for (unsigned i = 0; i < b->nr; i++) {
		if (b->t[i].started)
			pthread_join(b->t[i].thread, NULL);
		b->t[i].started = false;
	}
}

void baseline_destroy(struct baseline *b)
{
	if (!b)
		return;
	if (b->t) {
		baseline_join(b);
		for (unsigned i = 0; i < b->nr; i++)
			free(b->t[i].record);
	}
	pthread_cond_destroy(&b->changed);
	pthread_mutex_destroy(&b->lock);
	sched_core_group_fini(&b->core_group);
	free(b->t);
	free(b);
}
