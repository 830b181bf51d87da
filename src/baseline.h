// SPDX-License-Identifier: Apache-2.0
/*
 * The host-native baseline of `rtvmm jitter --baseline`: one host thread per vCPU
 * (rtvmm-baseN), placed like that vCPU (uclamp boost, core-scheduling cookie, CPUs,
 * policy and priority from the plan; not its cgroup), running the probe's loop natively
 * for the same time. Noise mode spins on RDTSC and accounts every iteration with the
 * guest's own probe_account(); wake mode sleeps with clock_nanosleep(TIMER_ABSTIME) to
 * each period's deadline and records how late it woke (in nanoseconds). The result is
 * one struct probe_record per thread, read like the guest's. The main thread creates,
 * starts, polls and joins; each measuring thread writes only its own record.
 */
#ifndef RTVMM_BASELINE_H
#define RTVMM_BASELINE_H

#include "guest/abi.h"

#include "../sched/taskstat.h"
#include "../sched/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

struct baseline_thread {
	struct baseline *b;
	unsigned id;
	pthread_t thread;
	bool started;
	struct sched_thread_plan plan;
	struct probe_record *record;	/* heap; final once the thread is joined */
	_Atomic uint64_t progress;	/* samples so far, updated now and then */
	_Atomic bool done;
	int setup_ret;			/* 0, or the pinning error that stopped it */
	char setup_err[512];		/* warnings or the error of its setup */
	bool have_sched;
	struct task_stat sched;		/* scheduler accounting over the measurement */
};

struct baseline {
	bool wake;
	double tsc_khz;			/* units of the records' cycles (1000000: ns) */
	uint64_t duration_ns;
	uint32_t threshold_us;
	uint32_t interval_us;
	unsigned nr;
	struct baseline_thread *t;
	pthread_mutex_t lock;		/* protects ready and decided */
	pthread_cond_t changed;
	unsigned ready;			/* threads that finished their setup, well or not */
	bool decided;			/* the main thread has said go (or stop: go false) */
	bool go;
	struct sched_core_group core_group;	/* core_scheduling = vm */
};

/*
 * Prepares `nr` threads with the placements `plans` (copied). Duration in milliseconds
 * (the CLI gives seconds; tests use less). Calibrates the TSC for noise mode (~50 ms).
 * Returns 0 or -errno. Main thread.
 */
int baseline_create(struct baseline **out, const struct sched_thread_plan *plans, unsigned nr,
		    bool wake, uint64_t duration_ms, uint32_t threshold_us, uint32_t interval_us);

/*
 * Starts the threads and waits until each has placed itself; then they measure
 * together. Returns 0, or the first pinning error (-errno, logged) after every thread
 * was told to stop. Setup steps the host cannot do (uclamp, core scheduling, RT) are
 * warnings, as in a VM without [vm] strict. Main thread.
 */
int baseline_start(struct baseline *b);

/* Samples so far over all threads, and whether every thread is done. Any thread. */
uint64_t baseline_progress(struct baseline *b, bool *all_done);

/* Joins every started thread. Main thread. */
void baseline_join(struct baseline *b);

/* Frees; accepts NULL and a baseline whose threads are joined or never started. */
void baseline_destroy(struct baseline *b);

/* The TSC frequency measured against CLOCK_MONOTONIC_RAW over `ms` milliseconds. */
double baseline_tsc_khz(unsigned ms);

#endif
