// SPDX-License-Identifier: Apache-2.0
/*
 * The VM-wide bus-lock rate limiter ([sched] bus_lock_ratelimit, like QEMU's
 * bus-lock-ratelimit). One per VM, owned by the VM and shared by all its vCPU threads:
 * each bus lock KVM reports (KVM_EXIT_X86_BUS_LOCK, or the KVM_RUN_X86_BUS_LOCK flag on
 * any exit) is taken from it, and the answer is how long that vCPU must sleep. Time is
 * accounted in slices of slice_ms; each slice allows budget = rate * slice_ms / 1000 locks
 * (at least 1). Locks beyond the budget are queued into the following slices, each
 * waiting until the slice it is counted in begins, so the long-run rate never exceeds
 * `rate` (except when rounding the budget up to 1 lets more through: then it is one per
 * slice). The clock is an argument: the limiter never reads it, never sleeps, never
 * logs and never allocates; the vCPU thread sleeps (clock_nanosleep) outside it.
 */
#ifndef RTVMM_SCHED_RATELIMIT_H
#define RTVMM_SCHED_RATELIMIT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define RATELIMIT_SLICE_MS_DEFAULT 1000u
#define RATELIMIT_SLICE_MS_MAX 60000u

struct ratelimit {
	uint64_t budget;	/* locks per slice, >= 1; 0 = unlimited (immutable after init) */
	uint64_t slice_ns;	/* slice length (immutable after init) */
	pthread_mutex_t lock;	/* protects the three fields below */
	uint64_t slice_start_ns;	/* start of the latest slice with locks counted in it;
					 * later than now while excess locks are queued */
	uint64_t used;		/* locks counted in that slice, 1..budget; 0 = no slice yet */
	uint64_t last_now_ns;	/* latest now_ns seen, to tell thread skew from a clock step */
};

/*
 * Sets up @rl for @rate bus locks per second (0 = unlimited) accounted in slices of
 * @slice_ms milliseconds (1..RATELIMIT_SLICE_MS_MAX; RATELIMIT_SLICE_MS_DEFAULT is 1000).
 * The first slice begins at the first ratelimit_take(). Returns 0, -EINVAL for a bad
 * @slice_ms, or -errno from creating the mutex; on failure @err says why. Main thread,
 * before the vCPU threads start.
 */
int ratelimit_init(struct ratelimit *rl, uint32_t rate, uint32_t slice_ms, char *err,
		   size_t errlen);

/* Releases what ratelimit_init() set up. Main thread, after the vCPU threads have ended. */
void ratelimit_fini(struct ratelimit *rl);

/*
 * Counts one bus lock at @now_ns (CLOCK_MONOTONIC) and returns how many nanoseconds the
 * calling vCPU must sleep before it runs the guest again: 0 while the current slice has
 * budget left, otherwise the time until the slice the lock is queued into begins.
 * Clock behaviour: a slice that has ended, however long ago, is replaced by a fresh one
 * starting at @now_ns (an idle gap costs O(1) and gives a full budget, never a debt). A
 * @now_ns earlier than the latest one seen by less than one slice (two vCPU threads read
 * the clock, then take the lock in the other order) counts as that latest time. An
 * earlier @now_ns by a slice or more is a stepped clock: the limiter restarts at @now_ns
 * with a full budget and an empty queue, so a step can never turn into a huge delay.
 * Delays are otherwise bounded by the queue: with every vCPU sleeping before it runs
 * again, about vcpus / budget slices. No arithmetic wraps for clock values below 2^63 ns
 * (CLOCK_MONOTONIC counts from boot). Thread-safe: any vCPU thread, concurrently;
 * holds the limiter's mutex for a few comparisons and never allocates.
 */
uint64_t ratelimit_take(struct ratelimit *rl, uint64_t now_ns);

#endif
