// SPDX-License-Identifier: Apache-2.0
/*
 * Bus-lock rate limiter (see ratelimit.h): slice arithmetic under one short mutex. Set up
 * and torn down by the main thread; ratelimit_take() runs in every vCPU thread's hot path.
 */
#include "ratelimit.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define NSEC_PER_MSEC 1000000ull

int ratelimit_init(struct ratelimit *rl, uint32_t rate, uint32_t slice_ms, char *err,
		   size_t errlen)
{
	pthread_mutexattr_t attr;
	int ret;

	if (slice_ms < 1 || slice_ms > RATELIMIT_SLICE_MS_MAX) {
		snprintf(err, errlen, "bus-lock rate-limit slice %u ms: expected 1..%u ms",
			 slice_ms, RATELIMIT_SLICE_MS_MAX);
		return -EINVAL;
	}
	memset(rl, 0, sizeof(*rl));
	/* No overflow: at most (2^32 - 1) * 60000 < 2^48. */
	rl->budget = (uint64_t)rate * slice_ms / 1000;
	if (rate && !rl->budget)
		rl->budget = 1;
	rl->slice_ns = slice_ms * NSEC_PER_MSEC;

	/*
	 * vCPU threads may run SCHED_FIFO/RR at different priorities: priority inheritance
	 * keeps a lower-priority holder from being preempted while a higher one waits.
	 */
	ret = -pthread_mutexattr_init(&attr);
	if (!ret)
		ret = -pthread_mutexattr_setprotocol(&attr, PTHREAD_PRIO_INHERIT);
	if (!ret)
		ret = -pthread_mutex_init(&rl->lock, &attr);
	pthread_mutexattr_destroy(&attr);
	if (ret)
		snprintf(err, errlen, "bus-lock rate limiter mutex: %s", strerror(-ret));
	return ret;
}

void ratelimit_fini(struct ratelimit *rl)
{
	pthread_mutex_destroy(&rl->lock);
}

uint64_t ratelimit_take(struct ratelimit *rl, uint64_t now_ns)
{
	uint64_t now, delay = 0;

	if (!rl->budget)
		return 0;

	pthread_mutex_lock(&rl->lock);
	now = now_ns;
	/*
	 * Earlier than the latest time seen by less than a slice: another vCPU thread read
	 * the clock later but took the lock first, so no time has passed. By a slice or more:
	 * the clock was stepped back; forget the slice and the queue rather than make the
	 * caller wait for the distance of the step.
	 */
	if (now < rl->last_now_ns) {
		if (rl->last_now_ns - now < rl->slice_ns)
			now = rl->last_now_ns;
		else
			rl->used = 0;
	}
	rl->last_now_ns = now;

	/*
	 * The latest slice has ended (or there is none): a fresh one starts now, however long
	 * ago the old one ended, so an idle gap neither loops nor builds up a burst allowance.
	 */
	if (!rl->used || (now >= rl->slice_start_ns && now - rl->slice_start_ns >= rl->slice_ns)) {
		rl->slice_start_ns = now;
		rl->used = 0;
	}
	/* Full: this lock is the first one counted in the next slice, queued behind it. */
	if (rl->used == rl->budget) {
		rl->slice_start_ns += rl->slice_ns;
		rl->used = 0;
	}
	rl->used++;
	/* From the caller's own clock: it sleeps until that slice begins. */
	if (rl->slice_start_ns > now)
		delay = rl->slice_start_ns - now_ns;
	pthread_mutex_unlock(&rl->lock);
	return delay;
}
