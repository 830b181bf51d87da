// SPDX-License-Identifier: Apache-2.0
/*
 * Thread placement syscalls (see thread.h). The vCPU thread calls them in the order of
 * DESIGN.md: uclamp, core cookie, cgroup (sched/cgroup), affinity, RT policy. An RT
 * thread should already sit on its own CPU when it starts to preempt others.
 */
#include "thread.h"

#include "../config/cpulist.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The kernel's struct sched_attr (include/uapi/linux/sched/types.h, size version 1).
 * glibc 2.36 has no sched_setattr(), and the UAPI header clashes with <sched.h>.
 */
struct sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

#define ATTR_RESET_ON_FORK 0x01
#define ATTR_KEEP_POLICY 0x08
#define ATTR_KEEP_PARAMS 0x10
#define ATTR_UTIL_CLAMP_MIN 0x20
#define UCLAMP_MAX_VALUE 1024

#ifndef PR_SCHED_CORE
#define PR_SCHED_CORE 62
#define PR_SCHED_CORE_CREATE 1
#define PR_SCHED_CORE_SHARE_FROM 3
#endif
#define CORE_SCOPE_THREAD 0 /* PIDTYPE_PID */

pid_t sched_gettid(void)
{
	return gettid();
}

void sched_thread_read(pid_t tid, struct sched_thread_now *now)
{
	struct sched_param sp = { 0 };
	int policy = sched_getscheduler(tid);

	now->policy = -1;
	now->priority = 0;
	if (policy >= 0 && sched_getparam(tid, &sp) == 0) {
		now->policy = policy & ~SCHED_RESET_ON_FORK;
		now->priority = sp.sched_priority;
	}
	CPU_ZERO(&now->affinity);
	now->affinity_known = sched_getaffinity(tid, sizeof(now->affinity), &now->affinity) == 0;
}

const char *sched_policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER:
		return "SCHED_OTHER";
	case SCHED_RR:
		return "SCHED_RR";
	case SCHED_FIFO:
		return "SCHED_FIFO";
	default:
		return "an unknown policy";
	}
}

static bool unsupported(int err)
{
	return err == -EINVAL || err == -ENODEV || err == -EOPNOTSUPP || err == -ENOSYS;
}

int sched_thread_boost(pid_t tid, char *err, size_t errlen)
{
	struct sched_attr attr = {
		.size = sizeof(attr),
		.sched_flags = ATTR_KEEP_POLICY | ATTR_KEEP_PARAMS | ATTR_RESET_ON_FORK |
			       ATTR_UTIL_CLAMP_MIN,
		.sched_util_min = UCLAMP_MAX_VALUE,
	};
	int ret;

	if (syscall(SYS_sched_setattr, tid, &attr, 0) == 0)
		return 0;
	ret = -errno;
	if (unsupported(ret)) {
		snprintf(err, errlen,
			 "sched_setattr(util_min %d): %s (the kernel lacks utilisation clamping: "
			 "build it with CONFIG_UCLAMP_TASK=y)", UCLAMP_MAX_VALUE, strerror(-ret));
		return -EOPNOTSUPP;
	}
	snprintf(err, errlen, "sched_setattr(util_min %d): %s%s",
		 UCLAMP_MAX_VALUE, strerror(-ret),
		 ret == -EPERM ? " (raising util_min needs CAP_SYS_NICE)" : "");
	return ret;
}

void sched_core_group_init(struct sched_core_group *group)
{
	pthread_mutex_init(&group->lock, NULL);
	group->owner = 0;
	group->status = 0;
	group->error[0] = 0;
}

void sched_core_group_fini(struct sched_core_group *group)
{
	pthread_mutex_destroy(&group->lock);
}

static int core_error(int ret, const char *what, char *err, size_t errlen)
{
	if (ret == -ENODEV) {
		snprintf(err, errlen, "PR_SCHED_CORE %s: %s (this host has no SMT, so there "
			 "are no siblings to isolate from)", what, strerror(-ret));
		return -EOPNOTSUPP;
	}
	if (unsupported(ret)) {
		snprintf(err, errlen, "PR_SCHED_CORE %s: %s (the kernel lacks core scheduling: "
			 "build it with CONFIG_SCHED_CORE=y)", what, strerror(-ret));
		return -EOPNOTSUPP;
	}
	snprintf(err, errlen, "PR_SCHED_CORE %s: %s%s", what, strerror(-ret),
		 ret == -EPERM ? " (needs the same user as the cookie's owner, or "
				 "CAP_SYS_ADMIN)" : "");
	return ret;
}

static int core_create(char *err, size_t errlen)
{
	if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_CREATE, 0, CORE_SCOPE_THREAD, 0) == 0)
		return 0;
	return core_error(-errno, "create a cookie", err, errlen);
}

int sched_thread_core(struct sched_core_group *group, char *err, size_t errlen)
{
	int ret;

	if (!group)
		return core_create(err, errlen);
	pthread_mutex_lock(&group->lock);
	if (!group->owner && !group->status) {
		ret = core_create(err, errlen);
		if (ret) {
			group->status = ret;
			snprintf(group->error, sizeof(group->error), "%s", err);
		} else {
			group->owner = gettid();
		}
	} else if (group->owner) {
		ret = 0;
		if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_SHARE_FROM, group->owner,
			  CORE_SCOPE_THREAD, 0)) {
			char what[64];

			snprintf(what, sizeof(what), "share the cookie of thread %d",
				 (int)group->owner);
			ret = core_error(-errno, what, err, errlen);
		}
	} else {
		/* the creator failed; the others fail the same way, for the same reason */
		ret = group->status;
		snprintf(err, errlen, "%s", group->error);
	}
	pthread_mutex_unlock(&group->lock);
	return ret;
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

/* An unprivileged thread may use RT priorities up to RLIMIT_RTPRIO: lift the soft limit. */
static void raise_rtprio(int priority)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_RTPRIO, &rl) || rl.rlim_cur >= (rlim_t)priority)
		return;
	rl.rlim_cur = (rlim_t)priority;
	if (rl.rlim_max < rl.rlim_cur)
		rl.rlim_max = rl.rlim_cur; /* allowed with CAP_SYS_RESOURCE only */
	setrlimit(RLIMIT_RTPRIO, &rl);
}

/* Whether this thread has CAP_SYS_NICE (bit 23 of CapEff in /proc/thread-self/status). */
static bool has_sys_nice(void)
{
	FILE *f = fopen("/proc/thread-self/status", "r");
	unsigned long long caps = 0;
	char line[256];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		found = sscanf(line, "CapEff: %llx", &caps) == 1;
	fclose(f);
	return caps & (1ULL << 23);
}

int sched_thread_make_rt(pid_t tid, const struct sched_thread_plan *plan, char *err,
			 size_t errlen)
{
	struct sched_param sp = { .sched_priority = plan->rt_priority };
	const char *name = sched_policy_name(plan->policy);
	struct rlimit rl;
	int ret;

	if (plan->policy == SCHED_OTHER)
		return 0;
	raise_rtprio(plan->rt_priority);
	if (sched_setscheduler(tid, plan->policy | SCHED_RESET_ON_FORK, &sp) == 0)
		return 0;
	ret = -errno;
	if (ret != -EPERM || getrlimit(RLIMIT_RTPRIO, &rl)) {
		snprintf(err, errlen, "%s priority %d: %s", name, plan->rt_priority,
			 strerror(-ret));
	} else if (has_sys_nice() || rl.rlim_cur >= (rlim_t)plan->rt_priority) {
		/* permitted, so the refusal comes from RT group scheduling */
		snprintf(err, errlen,
			 "%s priority %d: %s (the thread's cpu cgroup has no RT budget: with RT "
			 "group scheduling it needs cpu.rt_runtime_us > 0, see /proc/self/cgroup)",
			 name, plan->rt_priority, strerror(-ret));
	} else {
		snprintf(err, errlen,
			 "%s priority %d: %s (RLIMIT_RTPRIO is %llu and CAP_SYS_NICE is missing: "
			 "run as root, grant CAP_SYS_NICE, or raise the limit with 'ulimit -r %d'"
			 " / LimitRTPRIO=%d)",
			 name, plan->rt_priority, strerror(-ret), (unsigned long long)rl.rlim_cur,
			 plan->rt_priority, plan->rt_priority);
	}
	return ret;
}
