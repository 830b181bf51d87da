// SPDX-License-Identifier: Apache-2.0
/*
 * Thread placement syscalls (see thread.h). The order affinity -> policy matters: an RT
 * thread should already sit on its own CPU when it starts to preempt others.
 */
#include "thread.h"

#include "../config/cpulist.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

pid_t sched_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static void online_cpus(char *buf, size_t len)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");

	if (!f || !fgets(buf, (int)len, f))
		snprintf(buf, len, "?");
	buf[strcspn(buf, "\n")] = 0;
	if (f)
		fclose(f);
}

int sched_thread_pin(pid_t tid, const struct sched_thread_plan *plan, char *err, size_t errlen)
{
	char want[256], online[256];

	if (!plan->pin || sched_setaffinity(tid, sizeof(plan->cpus), &plan->cpus) == 0)
		return 0;
	int ret = -errno;

	cpulist_format(&plan->cpus, want, sizeof(want));
	online_cpus(online, sizeof(online));
	snprintf(err, errlen, "pin to cpus %s: %s (online CPUs: %s)", want, strerror(-ret),
		 online);
	return ret;
}

static const char *policy_name(int policy)
{
	return policy == SCHED_FIFO ? "SCHED_FIFO" : policy == SCHED_RR ? "SCHED_RR" :
							     "SCHED_OTHER";
}

int sched_thread_make_rt(pid_t tid, const struct sched_thread_plan *plan, char *err,
			 size_t errlen)
{
	struct sched_param sp = { .sched_priority = plan->rt_priority };
	struct rlimit rl;
	int ret;

	if (plan->policy == SCHED_OTHER)
		return 0;
	if (sched_setscheduler(tid, plan->policy | SCHED_RESET_ON_FORK, &sp) == 0)
		return 0;
	ret = -errno;
	if (ret == -EPERM && getrlimit(RLIMIT_RTPRIO, &rl) == 0) {
		snprintf(err, errlen,
			 "%s priority %d: %s (RLIMIT_RTPRIO is %llu: run as root, grant"
			 " CAP_SYS_NICE, or raise it with 'ulimit -r %d' / LimitRTPRIO=%d)",
			 policy_name(plan->policy), plan->rt_priority, strerror(-ret),
			 (unsigned long long)rl.rlim_cur, plan->rt_priority, plan->rt_priority);
	} else {
		snprintf(err, errlen, "%s priority %d: %s", policy_name(plan->policy),
			 plan->rt_priority, strerror(-ret));
	}
	return ret;
}
