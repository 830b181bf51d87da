// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/host: the facts read from sysfs/procfs trees built in temp
 * folders (an RT-tuned host, a host like the development VM, an empty tree), the
 * command-line and CapEff parsers, the cgroup permission check (as nobody when run as
 * root) and the core-scheduling probe's errno mapping through a wrapped prctl.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sched/host.h"
#include "temp_tree.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- prctl fake: only PR_SCHED_CORE is faked, the rest goes to libc ---- */

static int fake_prctl_errno = -1; /* -1: pass through; 0: succeed; >0: fail with it */

int __real_prctl(int option, ...);
int __wrap_prctl(int option, ...);
int __wrap_prctl(int option, ...)
{
	unsigned long a[4];
	va_list ap;

	va_start(ap, option);
	for (int i = 0; i < 4; i++)
		a[i] = va_arg(ap, unsigned long);
	va_end(ap);
	if (option != PR_SCHED_CORE || fake_prctl_errno < 0)
		return __real_prctl(option, a[0], a[1], a[2], a[3]);
	if (fake_prctl_errno == 0) {
		*(unsigned long *)a[3] = 0;
		return 0;
	}
	errno = fake_prctl_errno;
	return -1;
}

/* ---- temp trees ---- */

struct tree {
	char root[64];
	char sys[96], proc[96], cg[96];
};

static void tree_init(struct tree *t)
{
	tree_make(t->root, sizeof(t->root), "test-host");
	snprintf(t->sys, sizeof(t->sys), "%s/sys", t->root);
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->root);
	snprintf(t->cg, sizeof(t->cg), "%s/cg", t->root);
	assert_int_equal(mkdir(t->sys, 0755), 0);
	assert_int_equal(mkdir(t->proc, 0755), 0);
	assert_int_equal(mkdir(t->cg, 0755), 0);
}

/* An RT-tuned host: isolated CPUs 2-7, no RT throttling, hugepages, uclamp. */
static void tree_ideal(struct tree *t)
{
	char mounts[1024];

	tree_put(t->proc, "self/status", "Name:\tx\nCapInh:\t0000000000000000\n"
					 "CapEff:\t000001ffffffffff\nCapBnd:\t0\n");
	tree_put(t->proc, "sys/kernel/sched_rt_runtime_us", "-1\n");
	tree_put(t->proc, "sys/kernel/sched_rt_period_us", "1000000\n");
	tree_put(t->proc, "sys/kernel/sched_util_clamp_min", "1024\n");
	tree_put(t->sys, "devices/system/cpu/smt/active", "0\n");
	tree_put(t->sys, "devices/system/cpu/smt/control", "off\n");
	tree_put(t->sys, "module/kvm_amd/parameters/npt", "Y\n");
	snprintf(mounts, sizeof(mounts),
		 "sysfs /sys sysfs rw,nosuid 0 0\n"
		 "cgroup %s/cpu cgroup rw,nosuid,nodev,noexec,relatime,cpu,cpuacct 0 0\n"
		 "cgroup %s/cpuset cgroup rw,relatime,cpuset,clone_children 0 0\n"
		 "cgroup2 %s/unified cgroup2 rw,nosuid,nsdelegate 0 0\n",
		 t->cg, t->cg, t->cg);
	tree_put(t->proc, "self/mounts", mounts);
	tree_put(t->proc, "self/cgroup", "3:cpuset:/\n2:cpu,cpuacct:/rt\n0::/\n");
	tree_put(t->cg, "cpu/cpu.rt_runtime_us", "950000\n");
	tree_put(t->cg, "cpu/rt/cpu.rt_runtime_us", "900000\n");
	tree_put(t->cg, "cpuset/cpuset.cpus", "0-7\n");
	tree_put(t->cg, "unified/cgroup.controllers", "cpuset cpu io memory pids\n");
	tree_put(t->sys, "devices/system/node/online", "0-1\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "500\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/resv_hugepages", "10\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "2\n");
	tree_put(t->sys, "kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	tree_put(t->sys, "devices/system/cpu/online", "0-7\n");
	tree_put(t->sys, "devices/system/cpu/present", "0-7\n");
	tree_put(t->sys, "devices/system/cpu/isolated", "2-7\n");
	tree_put(t->sys, "devices/system/cpu/nohz_full", "2-7\n");
	tree_put(t->proc, "cmdline",
		 "BOOT_IMAGE=/vmlinuz root=/dev/sda1 isolcpus=domain,managed_irq,2-7 "
		 "nohz_full=2-7 rcu_nocbs=2-7 split_lock_detect=fatal quiet -- rcu_nocbs=0\n");
	tree_put(t->proc, "cpuinfo", "processor\t: 0\nflags\t\t: fpu vme split_lock_detect"
				     " tsc_deadline_timer\n\nprocessor\t: 1\nflags\t\t: fpu\n");
}

/* The development VM: RT throttling on, nothing isolated, no uclamp, 2 CPUs. */
static void tree_devhost(struct tree *t)
{
	char mounts[2048];

	tree_put(t->proc, "self/status", "Name:\tx\nCapEff:\t000001fffeffffff\n");
	tree_put(t->proc, "sys/kernel/sched_rt_runtime_us", "950000\n");
	tree_put(t->proc, "sys/kernel/sched_rt_period_us", "1000000\n");
	tree_put(t->sys, "devices/system/cpu/smt/active", "0\n");
	tree_put(t->sys, "devices/system/cpu/smt/control", "notsupported\n");
	snprintf(mounts, sizeof(mounts),
		 "tmpfs %s tmpfs rw,relatime,mode=755 0 0\n"
		 "cgroup %s/cpu cgroup rw,relatime,cpu 0 0\n"
		 "cgroup %s/cpuacct cgroup rw,relatime,cpuacct 0 0\n"
		 "cgroup %s/cpuset cgroup rw,relatime,cpuset 0 0\n"
		 "cgroup %s/memory cgroup rw,relatime,memory 0 0\n"
		 "cgroup %s/systemd cgroup rw,relatime,name=systemd 0 0\n"
		 "cgroup2 %s/unified cgroup2 rw,relatime 0 0\n",
		 t->cg, t->cg, t->cg, t->cg, t->cg, t->cg, t->cg);
	tree_put(t->proc, "self/mounts", mounts);
	tree_put(t->proc, "self/cgroup", "9:name=systemd:/\n4:memory:/x\n1:cpu:/\n0::/\n");
	tree_put(t->cg, "cpu/cpu.rt_runtime_us", "950000\n");
	tree_put(t->cg, "unified/cgroup.controllers", "\n");
	tree_put(t->sys, "devices/system/node/online", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	tree_put(t->sys, "devices/system/cpu/online", "0-1\n");
	tree_put(t->sys, "devices/system/cpu/present", "0-1\n");
	tree_put(t->sys, "devices/system/cpu/isolated", "\n");
	tree_put(t->proc, "cmdline", "console=ttyS0 quiet panic=1 -- --init-arg\n");
	tree_put(t->proc, "cpuinfo", "processor\t: 0\nflags\t\t: fpu vme tsc\n");
}

static void read_tree(const struct tree *t, struct host_facts *f)
{
	host_facts_init(f);
	assert_int_equal(host_read(f, t->sys, t->proc), 0);
}

/* ---- tests ---- */

static void test_host_read_ideal_tree(void **state)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	const struct host_hugepages *h2, *h1g;
	const struct host_cgroup_v1 *cpu, *cpuset;
	struct tree t;
	char want[PATH_MAX];

	(void)state;
	tree_init(&t);
	tree_ideal(&t);
	read_tree(&t, f);

	assert_true(f->cap_known);
	assert_true(host_has_cap(f, HOST_CAP_SYS_NICE));
	assert_true(host_has_cap(f, HOST_CAP_IPC_LOCK));
	assert_int_equal(f->rt_runtime_us, -1);
	assert_int_equal(f->rt_period_us, 1000000);
	assert_true(f->uclamp);
	assert_int_equal(f->smt_active, 0);
	assert_string_equal(f->smt_control, "off");

	assert_int_equal(f->n_v1, 2);
	cpu = host_cgroup_v1_find(f, "cpu");
	cpuset = host_cgroup_v1_find(f, "cpuset");
	assert_non_null(cpu);
	assert_non_null(cpuset);
	assert_string_equal(cpu->controllers, "cpu,cpuacct");
	assert_string_equal(cpuset->controllers, "cpuset");
	snprintf(want, sizeof(want), "%s/cpu", t.cg);
	assert_string_equal(cpu->mount, want);
	assert_ptr_equal(host_cgroup_v1_find(f, "cpuacct"), cpu);
	assert_null(host_cgroup_v1_find(f, "memory"));
	snprintf(want, sizeof(want), "%s/unified", t.cg);
	assert_string_equal(f->v2_mount, want);
	assert_true(host_cgroup_v2_has(f, "cpu"));
	assert_true(host_cgroup_v2_has(f, "cpuset"));
	assert_false(host_cgroup_v2_has(f, "hugetlb"));
	assert_true(f->rt_group_sched);
	assert_string_equal(f->self_cpu_cgroup, "/rt");
	assert_int_equal(f->self_rt_runtime_us, 900000);

	assert_true(f->numa_known);
	assert_int_equal(CPU_COUNT(&f->numa_nodes), 2);
	assert_int_equal(f->n_huge, 2);
	assert_int_equal(f->huge[0].size_kb, 2048); /* sorted ascending */
	h2 = host_hugepages_find(f, 2048);
	h1g = host_hugepages_find(f, 1048576);
	assert_non_null(h2);
	assert_non_null(h1g);
	assert_int_equal(h2->nr, 512);
	assert_int_equal(h2->free, 500);
	assert_int_equal(h2->resv, 10);
	assert_int_equal(h1g->resv, 0); /* no file: nothing promised */
	assert_int_equal(h1g->nr, 2);
	assert_null(host_hugepages_find(f, 64));
	assert_string_equal(f->thp, "madvise");
	assert_string_equal(f->kvm_module, "kvm_amd");
	assert_true(host_kvm_is_hardware(f));

	assert_true(f->cpus_known);
	assert_int_equal(CPU_COUNT(&f->online), 8);
	assert_int_equal(CPU_COUNT(&f->isolated), 6);
	assert_false(CPU_ISSET(1, &f->isolated));
	assert_true(CPU_ISSET(2, &f->isolated));
	assert_true(f->nohz_full_supported);
	assert_int_equal(CPU_COUNT(&f->nohz_full), 6);
	assert_string_equal(f->isolcpus_arg, "domain,managed_irq,2-7");
	assert_string_equal(f->nohz_full_arg, "2-7");
	/* the rcu_nocbs=0 after "--" is init's, not the kernel's */
	assert_true(f->rcu_nocbs_given);
	assert_string_equal(f->rcu_nocbs_arg, "2-7");
	assert_string_equal(f->split_lock_arg, "fatal");
	assert_true(f->split_lock_flag);

	tree_remove(t.root);
	free(f);
}

static void test_host_read_devhost_tree(void **state)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	struct tree t;

	(void)state;
	tree_init(&t);
	tree_devhost(&t);
	read_tree(&t, f);

	assert_true(host_has_cap(f, HOST_CAP_SYS_NICE));
	assert_false(host_has_cap(f, 24)); /* CAP_SYS_RESOURCE is the cleared bit */
	assert_int_equal(f->rt_runtime_us, 950000);
	assert_false(f->uclamp);
	assert_string_equal(f->smt_control, "notsupported");
	/* five hierarchies, the named systemd one without controllers */
	assert_int_equal(f->n_v1, 5);
	assert_string_equal(f->v1[4].controllers, "");
	assert_non_null(host_cgroup_v1_find(f, "memory"));
	assert_null(host_cgroup_v1_find(f, "systemd"));
	assert_string_equal(f->v2_controllers, "");
	assert_false(host_cgroup_v2_has(f, "cpu"));
	assert_true(f->rt_group_sched);
	assert_string_equal(f->self_cpu_cgroup, "/");
	assert_int_equal(f->self_rt_runtime_us, 950000);
	assert_int_equal(CPU_COUNT(&f->numa_nodes), 1);
	assert_int_equal(host_hugepages_find(f, 2048)->nr, 0);
	assert_int_equal(CPU_COUNT(&f->online), 2);
	assert_int_equal(CPU_COUNT(&f->isolated), 0);
	assert_false(f->nohz_full_supported);
	assert_false(f->rcu_nocbs_given);
	assert_string_equal(f->isolcpus_arg, "");
	assert_false(f->split_lock_flag);

	tree_remove(t.root);
	free(f);
}

static void test_host_read_empty_tree_means_absent(void **state)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	struct tree t;

	(void)state;
	tree_init(&t);
	read_tree(&t, f);
	assert_false(f->cap_known);
	assert_false(host_has_cap(f, HOST_CAP_SYS_NICE));
	assert_true(f->rt_runtime_us == HOST_UNKNOWN);
	assert_false(f->uclamp);
	assert_int_equal(f->smt_active, -1);
	assert_string_equal(f->smt_control, "");
	assert_int_equal(f->n_v1, 0);
	assert_string_equal(f->v2_mount, "");
	assert_false(f->rt_group_sched);
	assert_false(f->numa_known);
	assert_int_equal(f->n_huge, 0);
	assert_string_equal(f->thp, "");
	assert_string_equal(f->kvm_module, "");
	assert_false(host_kvm_is_hardware(f));
	assert_false(f->cpus_known);
	assert_false(f->nohz_full_supported);
	assert_false(f->split_lock_flag);
	tree_remove(t.root);
	free(f);
}

static void test_host_nohz_full_null_is_empty(void **state)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	struct tree t;

	(void)state;
	tree_init(&t);
	/* what a CONFIG_NO_HZ_FULL kernel booted without nohz_full= prints */
	tree_put(t.sys, "devices/system/cpu/nohz_full", "(null)\n");
	tree_put(t.sys, "kernel/mm/transparent_hugepage/enabled", "[always] madvise never\n");
	tree_put(t.sys, "devices/system/cpu/smt/active", "1\n");
	read_tree(&t, f);
	assert_true(f->nohz_full_supported);
	assert_int_equal(CPU_COUNT(&f->nohz_full), 0);
	assert_string_equal(f->thp, "always");
	assert_int_equal(f->smt_active, 1);
	tree_remove(t.root);
	free(f);
}

static void test_host_mount_point_escapes(void **state)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	char mounts[512], want[PATH_MAX];
	struct tree t;

	(void)state;
	tree_init(&t);
	snprintf(mounts, sizeof(mounts), "cgroup %s/my\\040cpu cgroup rw,cpu 0 0\n", t.cg);
	tree_put(t.proc, "self/mounts", mounts);
	tree_put(t.cg, "my cpu/cpu.rt_runtime_us", "950000\n");
	read_tree(&t, f);
	snprintf(want, sizeof(want), "%s/my cpu", t.cg);
	assert_non_null(host_cgroup_v1_find(f, "cpu"));
	assert_string_equal(host_cgroup_v1_find(f, "cpu")->mount, want);
	assert_true(f->rt_group_sched);
	tree_remove(t.root);
	free(f);
}

static void test_host_cmdline_arg_rules(void **state)
{
	char v[64];

	(void)state;
	assert_int_equal(host_cmdline_arg("a=1 isolcpus=2-3 b", "isolcpus", v, sizeof(v)), 1);
	assert_string_equal(v, "2-3");
	/* the last occurrence wins */
	assert_int_equal(host_cmdline_arg("nohz_full=1 nohz_full=2-3", "nohz_full", v, 64), 1);
	assert_string_equal(v, "2-3");
	/* a longer or shorter name is another parameter */
	assert_int_equal(host_cmdline_arg("nohz_full=2 rcu_nocbs_poll", "nohz", v, 64), 0);
	assert_int_equal(host_cmdline_arg("rcu_nocb_poll", "rcu_nocbs", v, sizeof(v)), 0);
	/* a bare key is found with an empty value */
	assert_int_equal(host_cmdline_arg("quiet rcu_nocbs splash", "rcu_nocbs", v, 64), 1);
	assert_string_equal(v, "");
	/* after "--" the words belong to init */
	assert_int_equal(host_cmdline_arg("quiet -- isolcpus=1", "isolcpus", v, 64), 0);
	assert_string_equal(v, "");
	/* "--x" is not the separator */
	assert_int_equal(host_cmdline_arg("--x isolcpus=1", "isolcpus", v, 64), 1);
	/* quotes may hold blanks and are stripped */
	assert_int_equal(host_cmdline_arg("x=\"a b\" y=2", "x", v, sizeof(v)), 1);
	assert_string_equal(v, "a b");
	assert_int_equal(host_cmdline_arg("y=\"a b\" x=2", "x", v, sizeof(v)), 1);
	assert_string_equal(v, "2");
	/* a value longer than the buffer is cut, not overflowed */
	assert_int_equal(host_cmdline_arg("k=0123456789", "k", v, 5), 1);
	assert_string_equal(v, "0123");
	assert_int_equal(host_cmdline_arg("", "k", v, sizeof(v)), 0);
}

static void test_host_parse_capeff(void **state)
{
	uint64_t caps = 0;

	(void)state;
	assert_int_equal(host_parse_capeff("Name:\tx\nCapPrm:\t1\nCapEff:\t0000000000800000\n",
					   &caps), 0);
	assert_true(caps == (1ull << HOST_CAP_SYS_NICE));
	assert_int_equal(host_parse_capeff("CapEff:\t000001ffffffffff", &caps), 0);
	assert_true(caps == 0x1ffffffffffull);
	assert_int_equal(host_parse_capeff("Name:\tx\nCapPrm:\t1\n", &caps), -ENOENT);
	assert_int_equal(host_parse_capeff("CapEff:\tzz\n", &caps), -ENOENT);
	assert_int_equal(host_parse_capeff("", &caps), -ENOENT);
}

static void test_host_core_sched_probe_maps_errno(void **state)
{
	(void)state;
	fake_prctl_errno = 0;
	assert_int_equal(host_core_sched_probe(), 0);
	fake_prctl_errno = EINVAL; /* no CONFIG_SCHED_CORE */
	assert_int_equal(host_core_sched_probe(), -EOPNOTSUPP);
	fake_prctl_errno = ENODEV; /* no SMT */
	assert_int_equal(host_core_sched_probe(), -EOPNOTSUPP);
	fake_prctl_errno = EPERM;
	assert_int_equal(host_core_sched_probe(), -EPERM);
	fake_prctl_errno = -1;
}

static void test_host_probe_process_fills_limits(void **state)
{
	struct host_facts *f = calloc(1, sizeof(*f));
	struct rlimit rl;

	(void)state;
	host_facts_init(f);
	fake_prctl_errno = EINVAL;
	assert_int_equal(host_probe_process(f), 0);
	fake_prctl_errno = -1;
	assert_int_equal(f->euid, geteuid());
	assert_int_equal(f->core_sched, -EOPNOTSUPP);
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	assert_true(f->memlock.rlim_cur == rl.rlim_cur);
	assert_int_equal(getrlimit(RLIMIT_RTPRIO, &rl), 0);
	assert_true(f->rtprio.rlim_cur == rl.rlim_cur);
	free(f);
}

/* The permission checks, run by the current user (root: as nobody, in a child). */
static int cgroup_checks(const char *mount)
{
	char err[256];
	int ret;

	/* a mkdir in the root-owned mount is refused, and the message names it */
	ret = host_cgroup_can_create(mount, "rtvmm/g", err, sizeof(err));
	if (ret != -EACCES || !strstr(err, mount))
		return 1;
	/* under a folder we own, a nested cgroup can be created */
	if (host_cgroup_can_create(mount, "mine/a/b", err, sizeof(err)) != 0)
		return 2;
	/* an existing cgroup is joined through its process list */
	if (host_cgroup_can_create(mount, "mine/ro", err, sizeof(err)) != -EACCES ||
	    !strstr(err, "cgroup.procs"))
		return 3;
	return 0;
}

static void test_host_cgroup_can_create(void **state)
{
	char mount[200], mine[256], ro[300];
	uid_t uid = geteuid() == 0 ? 65534 : geteuid();
	struct tree t;
	pid_t pid;
	int status;

	(void)state;
	tree_init(&t);
	snprintf(mount, sizeof(mount), "%s/cpu", t.cg);
	snprintf(mine, sizeof(mine), "%s/mine", mount);
	snprintf(ro, sizeof(ro), "%s/ro", mine);
	tree_put(t.cg, "cpu/mine/ro/cgroup.procs", "");
	chmod(mine, 0755);
	if (geteuid() == 0) {
		assert_int_equal(chown(mine, uid, uid), 0);
		chmod(mount, 0755);
	} else {
		chmod(mount, 0555);
	}
	{
		char procs[400];

		snprintf(procs, sizeof(procs), "%s/cgroup.procs", ro);
		chmod(procs, 0444);
		chmod(ro, 0555);
	}
	if (geteuid() == 0) {
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			if (setgid(uid) || setuid(uid))
				_exit(10);
			_exit(cgroup_checks(mount));
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	} else {
		assert_int_equal(cgroup_checks(mount), 0);
	}
	chmod(mount, 0755);
	chmod(ro, 0755);
	tree_remove(t.root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_host_read_ideal_tree),
		cmocka_unit_test(test_host_read_devhost_tree),
		cmocka_unit_test(test_host_read_empty_tree_means_absent),
		cmocka_unit_test(test_host_nohz_full_null_is_empty),
		cmocka_unit_test(test_host_mount_point_escapes),
		cmocka_unit_test(test_host_cmdline_arg_rules),
		cmocka_unit_test(test_host_parse_capeff),
		cmocka_unit_test(test_host_core_sched_probe_maps_errno),
		cmocka_unit_test(test_host_probe_process_fills_limits),
		cmocka_unit_test(test_host_cgroup_can_create),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
