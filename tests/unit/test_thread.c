// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/thread: each placement step issues exactly the syscall the kernel
 * documents, and each way the host can refuse maps to the right answer: -EOPNOTSUPP
 * with the kernel option to enable, or the errno with the permission or limit to fix.
 * The syscalls are faked with -Wl,--wrap (see WRAP_test_thread in the Makefile).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sched/thread.h"

#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What the fakes saw and what they answer; reset by setup(). */
static struct {
	int fail_errno; /* 0: the faked call succeeds */
	unsigned calls;
	long nr;
	pid_t pid;
	uint32_t attr_size;
	uint64_t attr_flags;
	uint32_t util_min;
	int prctl_args[4];
	int policy, priority;
	struct rlimit rtprio;	/* what getrlimit reports */
	unsigned setrlimit_calls;
	struct rlimit set_to;
} fake;

static int setup(void **state)
{
	(void)state;
	memset(&fake, 0, sizeof(fake));
	fake.rtprio.rlim_cur = fake.rtprio.rlim_max = RLIM_INFINITY;
	return 0;
}

long __wrap_syscall(long nr, ...);
long __wrap_syscall(long nr, ...)
{
	va_list ap;

	va_start(ap, nr);
	fake.calls++;
	fake.nr = nr;
	if (nr == SYS_sched_setattr) {
		const uint8_t *attr;

		fake.pid = va_arg(ap, pid_t);
		attr = va_arg(ap, const uint8_t *);
		/* offsets of the kernel's struct sched_attr */
		memcpy(&fake.attr_size, attr + 0, 4);
		memcpy(&fake.attr_flags, attr + 8, 8);
		memcpy(&fake.util_min, attr + 48, 4);
	}
	va_end(ap);
	if (fake.fail_errno) {
		errno = fake.fail_errno;
		return -1;
	}
	return 0;
}

int __wrap_prctl(int option, ...);
int __wrap_prctl(int option, ...)
{
	va_list ap;

	va_start(ap, option);
	fake.calls++;
	fake.prctl_args[0] = option;
	for (int i = 1; i < 4; i++)
		fake.prctl_args[i] = (int)va_arg(ap, unsigned long);
	va_end(ap);
	if (fake.fail_errno) {
		errno = fake.fail_errno;
		return -1;
	}
	return 0;
}

int __wrap_sched_setscheduler(pid_t pid, int policy, const struct sched_param *sp);
int __wrap_sched_setscheduler(pid_t pid, int policy, const struct sched_param *sp)
{
	fake.calls++;
	fake.pid = pid;
	fake.policy = policy;
	fake.priority = sp->sched_priority;
	if (fake.fail_errno) {
		errno = fake.fail_errno;
		return -1;
	}
	return 0;
}

int __wrap_getrlimit(int resource, struct rlimit *rl);
int __wrap_getrlimit(int resource, struct rlimit *rl)
{
	assert_int_equal(resource, RLIMIT_RTPRIO);
	*rl = fake.rtprio;
	return 0;
}

int __wrap_setrlimit(int resource, const struct rlimit *rl);
int __wrap_setrlimit(int resource, const struct rlimit *rl)
{
	assert_int_equal(resource, RLIMIT_RTPRIO);
	fake.setrlimit_calls++;
	fake.set_to = *rl;
	return 0;
}

int __wrap_sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set);
int __wrap_sched_setaffinity(pid_t pid, size_t size, const cpu_set_t *set)
{
	(void)size;
	(void)set;
	fake.calls++;
	fake.pid = pid;
	if (fake.fail_errno) {
		errno = fake.fail_errno;
		return -1;
	}
	return 0;
}

static void test_boost_sets_util_min_keeping_policy(void **state)
{
	char err[256] = "";

	(void)state;
	assert_int_equal(sched_thread_boost(1234, err, sizeof(err)), 0);
	assert_int_equal(fake.nr, SYS_sched_setattr);
	assert_int_equal(fake.pid, 1234);
	assert_int_equal(fake.attr_size, 56);
	/* KEEP_POLICY | KEEP_PARAMS | RESET_ON_FORK | UTIL_CLAMP_MIN */
	assert_int_equal(fake.attr_flags, 0x08 | 0x10 | 0x01 | 0x20);
	assert_int_equal(fake.util_min, 1024);
	assert_string_equal(err, "");
}

static void test_boost_unsupported_names_kernel_option(void **state)
{
	static const int errs[] = { EINVAL, EOPNOTSUPP, ENOSYS };
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		fake.fail_errno = errs[i];
		assert_int_equal(sched_thread_boost(0, err, sizeof(err)), -EOPNOTSUPP);
		assert_non_null(strstr(err, "CONFIG_UCLAMP_TASK"));
	}
}

static void test_boost_eperm_names_capability(void **state)
{
	char err[256];

	(void)state;
	fake.fail_errno = EPERM;
	assert_int_equal(sched_thread_boost(0, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "CAP_SYS_NICE"));
}

static void test_core_own_cookie_created_for_self(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(sched_thread_core(NULL, err, sizeof(err)), 0);
	assert_int_equal(fake.prctl_args[0], PR_SCHED_CORE);
	assert_int_equal(fake.prctl_args[1], 1);	/* PR_SCHED_CORE_CREATE */
	assert_int_equal(fake.prctl_args[2], 0);	/* this thread */
	assert_int_equal(fake.prctl_args[3], 0);	/* PIDTYPE_PID: only this thread */
}

static void test_core_group_first_creates_then_others_share(void **state)
{
	struct sched_core_group group;
	char err[256];

	(void)state;
	sched_core_group_init(&group);
	assert_int_equal(sched_thread_core(&group, err, sizeof(err)), 0);
	assert_int_equal(fake.prctl_args[1], 1);
	assert_int_equal(group.owner, sched_gettid());
	assert_int_equal(sched_thread_core(&group, err, sizeof(err)), 0);
	assert_int_equal(fake.prctl_args[1], 3);	/* PR_SCHED_CORE_SHARE_FROM */
	assert_int_equal(fake.prctl_args[2], sched_gettid());
	assert_int_equal(fake.calls, 2);
	sched_core_group_fini(&group);
}

static void test_core_missing_kernel_support(void **state)
{
	struct sched_core_group group;
	char err[256];

	(void)state;
	fake.fail_errno = EINVAL;
	assert_int_equal(sched_thread_core(NULL, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "CONFIG_SCHED_CORE"));
	fake.fail_errno = ENODEV;
	assert_int_equal(sched_thread_core(NULL, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "no SMT"));

	/* a failed creator: later joiners get its answer without another syscall */
	sched_core_group_init(&group);
	fake.fail_errno = EINVAL;
	fake.calls = 0;
	assert_int_equal(sched_thread_core(&group, err, sizeof(err)), -EOPNOTSUPP);
	fake.fail_errno = 0;
	err[0] = 0;
	assert_int_equal(sched_thread_core(&group, err, sizeof(err)), -EOPNOTSUPP);
	assert_int_equal(fake.calls, 1);
	assert_non_null(strstr(err, "CONFIG_SCHED_CORE")); /* the creator's reason */
	sched_core_group_fini(&group);
}

static const struct sched_thread_plan rr7 = {
	.policy = SCHED_RR,
	.rt_priority = 7,
};

static void test_make_rt_sets_policy_with_reset_on_fork(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(sched_thread_make_rt(42, &rr7, err, sizeof(err)), 0);
	assert_int_equal(fake.pid, 42);
	assert_int_equal(fake.policy, SCHED_RR | SCHED_RESET_ON_FORK);
	assert_int_equal(fake.priority, 7);
	assert_int_equal(fake.setrlimit_calls, 0); /* the limit was already high enough */
}

static void test_make_rt_other_is_nothing(void **state)
{
	struct sched_thread_plan other = { .policy = SCHED_OTHER };
	char err[256];

	(void)state;
	assert_int_equal(sched_thread_make_rt(42, &other, err, sizeof(err)), 0);
	assert_int_equal(fake.calls, 0);
}

static void test_make_rt_raises_rtprio_soft_limit(void **state)
{
	char err[256];

	(void)state;
	fake.rtprio.rlim_cur = 0;
	fake.rtprio.rlim_max = 50;
	assert_int_equal(sched_thread_make_rt(0, &rr7, err, sizeof(err)), 0);
	assert_int_equal(fake.setrlimit_calls, 1);
	assert_int_equal(fake.set_to.rlim_cur, 7);
	assert_int_equal(fake.set_to.rlim_max, 50);

	/* a hard limit below the priority is raised too (works with CAP_SYS_RESOURCE) */
	fake.rtprio.rlim_max = 3;
	assert_int_equal(sched_thread_make_rt(0, &rr7, err, sizeof(err)), 0);
	assert_int_equal(fake.set_to.rlim_max, 7);
}

/* Without CAP_SYS_NICE and with RLIMIT_RTPRIO 0, EPERM names the limit and the fixes. */
static int eperm_without_permission(void)
{
	struct sched_thread_plan fifo = { .policy = SCHED_FIFO, .rt_priority = 80 };
	char err[512];

	fake.fail_errno = EPERM;
	fake.rtprio.rlim_cur = fake.rtprio.rlim_max = 0;
	if (sched_thread_make_rt(0, &fifo, err, sizeof(err)) != -EPERM)
		return 1;
	return !(strstr(err, "SCHED_FIFO priority 80") && strstr(err, "RLIMIT_RTPRIO is 0") &&
		 strstr(err, "CAP_SYS_NICE is missing") && strstr(err, "LimitRTPRIO=80"));
}

static void test_make_rt_eperm_explains_limit_and_capability(void **state)
{
	pid_t pid;
	int status;

	(void)state;
	if (geteuid() != 0) {
		assert_int_equal(eperm_without_permission(), 0);
		return;
	}
	/* root has CAP_SYS_NICE: check the message as an unprivileged user */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(setuid(65534) ? 2 : eperm_without_permission());
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_make_rt_eperm_with_permission_blames_cgroup_budget(void **state)
{
	struct sched_thread_plan rr = { .policy = SCHED_RR, .rt_priority = 10 };
	char err[512];

	(void)state;
	fake.fail_errno = EPERM;
	fake.rtprio.rlim_cur = fake.rtprio.rlim_max = 99;	/* permitted by the limit */
	assert_int_equal(sched_thread_make_rt(0, &rr, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "no RT budget"));
	assert_non_null(strstr(err, "cpu.rt_runtime_us > 0"));
	assert_null(strstr(err, "CAP_SYS_NICE is missing"));
}

static void test_pin_failure_names_cpus(void **state)
{
	struct sched_thread_plan plan = { .pin = true };
	char err[512];

	(void)state;
	CPU_ZERO(&plan.cpus);
	CPU_SET(5, &plan.cpus);
	CPU_SET(6, &plan.cpus);
	fake.fail_errno = EINVAL;
	assert_int_equal(sched_thread_pin(9, &plan, err, sizeof(err)), -EINVAL);
	assert_int_equal(fake.pid, 9);
	assert_non_null(strstr(err, "pin to cpus 5-6"));
	assert_non_null(strstr(err, "online CPUs"));

	plan.pin = false;
	fake.calls = 0;
	assert_int_equal(sched_thread_pin(9, &plan, err, sizeof(err)), 0);
	assert_int_equal(fake.calls, 0);
}

/* The getters are not faked: this test thread reads itself, and a thread that is gone. */
static void test_read_reports_what_the_kernel_has(void **state)
{
	struct sched_thread_now now;
	cpu_set_t want;

	(void)state;
	sched_thread_read(0, &now);
	assert_int_equal(now.policy, SCHED_OTHER);
	assert_int_equal(now.priority, 0);
	assert_true(now.affinity_known);
	assert_int_equal(sched_getaffinity(0, sizeof(want), &want), 0);
	assert_true(CPU_EQUAL(&now.affinity, &want));
	assert_string_equal(sched_policy_name(now.policy), "SCHED_OTHER");

	/* no such thread: nothing is made up, and the name says so */
	sched_thread_read(0x3fffffff, &now);
	assert_int_equal(now.policy, -1);
	assert_false(now.affinity_known);
	assert_int_equal(CPU_COUNT(&now.affinity), 0);
	assert_string_equal(sched_policy_name(now.policy), "an unknown policy");
	assert_string_equal(sched_policy_name(SCHED_FIFO), "SCHED_FIFO");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_boost_sets_util_min_keeping_policy, setup),
		cmocka_unit_test_setup(test_boost_unsupported_names_kernel_option, setup),
		cmocka_unit_test_setup(test_boost_eperm_names_capability, setup),
		cmocka_unit_test_setup(test_core_own_cookie_created_for_self, setup),
		cmocka_unit_test_setup(test_core_group_first_creates_then_others_share, setup),
		cmocka_unit_test_setup(test_core_missing_kernel_support, setup),
		cmocka_unit_test_setup(test_make_rt_sets_policy_with_reset_on_fork, setup),
		cmocka_unit_test_setup(test_make_rt_other_is_nothing, setup),
		cmocka_unit_test_setup(test_make_rt_raises_rtprio_soft_limit, setup),
		cmocka_unit_test_setup(test_make_rt_eperm_explains_limit_and_capability, setup),
		cmocka_unit_test_setup(test_make_rt_eperm_with_permission_blames_cgroup_budget,
				       setup),
		cmocka_unit_test_setup(test_pin_failure_names_cpus, setup),
		cmocka_unit_test(test_read_reports_what_the_kernel_has),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
