// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/check: the report built from host facts read out of temp trees
 * (an RT-tuned host: all OK; a host like the development VM: the expected WARNs), fake
 * KVM capabilities, and configurations whose requests the host can or cannot give, with
 * [vm] strict deciding WARN or FAIL except where a start always fails. The printed form
 * and the exit status are checked on a temp tree, and once on the real host's /dev/kvm.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/check.h"
#include "temp_tree.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- temp trees (as in test_host) ---- */

struct tree {
	char root[64];
	char sys[96], proc[96], cg[96];
};

static void tree_init(struct tree *t)
{
	tree_make(t->root, sizeof(t->root), "test-check");
	snprintf(t->sys, sizeof(t->sys), "%s/sys", t->root);
	snprintf(t->proc, sizeof(t->proc), "%s/proc", t->root);
	snprintf(t->cg, sizeof(t->cg), "%s/cg", t->root);
	assert_int_equal(mkdir(t->sys, 0755), 0);
	assert_int_equal(mkdir(t->proc, 0755), 0);
	assert_int_equal(mkdir(t->cg, 0755), 0);
}

static void put_mounts(const struct tree *t, bool v2_controllers)
{
	char mounts[1024];

	snprintf(mounts, sizeof(mounts),
		 "cgroup %s/cpu cgroup rw,relatime,cpu 0 0\n"
		 "cgroup %s/cpuset cgroup rw,relatime,cpuset 0 0\n"
		 "cgroup %s/systemd cgroup rw,relatime,name=systemd 0 0\n"
		 "cgroup2 %s/unified cgroup2 rw,relatime 0 0\n",
		 t->cg, t->cg, t->cg, t->cg);
	tree_put(t->proc, "self/mounts", mounts);
	tree_put(t->proc, "self/cgroup", "3:cpuset:/\n1:cpu:/\n0::/\n");
	tree_put(t->cg, "cpu/cpu.rt_runtime_us", "950000\n");
	tree_put(t->cg, "unified/cgroup.controllers", v2_controllers ? "cpu cpuset\n" : "\n");
}

/* An RT-tuned host, 8 CPUs with 2-7 isolated; root with every capability. */
static void tree_ideal(struct tree *t)
{
	tree_init(t);
	tree_put(t->proc, "self/status", "CapEff:\t000001ffffffffff\n");
	tree_put(t->proc, "sys/kernel/sched_rt_runtime_us", "-1\n");
	tree_put(t->proc, "sys/kernel/sched_rt_period_us", "1000000\n");
	tree_put(t->proc, "sys/kernel/sched_util_clamp_min", "1024\n");
	tree_put(t->sys, "devices/system/cpu/smt/active", "1\n");
	tree_put(t->sys, "devices/system/cpu/smt/control", "on\n");
	put_mounts(t, true);
	tree_put(t->sys, "devices/system/node/online", "0-1\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "512\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "500\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "2\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "2\n");
	tree_put(t->sys, "kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	tree_put(t->sys, "devices/system/cpu/online", "0-7\n");
	tree_put(t->sys, "module/kvm_intel/parameters/ept", "Y\n");
	tree_put(t->sys, "devices/system/cpu/present", "0-7\n");
	tree_put(t->sys, "devices/system/cpu/isolated", "2-7\n");
	tree_put(t->sys, "devices/system/cpu/nohz_full", "2-7\n");
	tree_put(t->proc, "cmdline",
		 "isolcpus=domain,managed_irq,2-7 nohz_full=2-7 rcu_nocbs=2-7\n");
	tree_put(t->proc, "cpuinfo", "flags\t\t: fpu split_lock_detect\n");
}

/* Like the development VM: 2 CPUs, RT throttling, no uclamp, no isolation, no hugepages. */
static void tree_devhost(struct tree *t)
{
	tree_init(t);
	tree_put(t->proc, "self/status", "CapEff:\t000001fffeffffff\n");
	tree_put(t->proc, "sys/kernel/sched_rt_runtime_us", "950000\n");
	tree_put(t->proc, "sys/kernel/sched_rt_period_us", "1000000\n");
	tree_put(t->sys, "devices/system/cpu/smt/active", "0\n");
	tree_put(t->sys, "module/kvm_pvm/parameters/x", "\n");
	tree_put(t->sys, "devices/system/cpu/smt/control", "notsupported\n");
	put_mounts(t, false);
	tree_put(t->sys, "devices/system/node/online", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/hugepages/hugepages-1048576kB/free_hugepages", "0\n");
	tree_put(t->sys, "kernel/mm/transparent_hugepage/enabled", "always [madvise] never\n");
	tree_put(t->sys, "devices/system/cpu/online", "0-1\n");
	tree_put(t->sys, "devices/system/cpu/present", "0-1\n");
	tree_put(t->sys, "devices/system/cpu/isolated", "\n");
	tree_put(t->proc, "cmdline", "console=ttyS0 quiet -- --init\n");
	tree_put(t->proc, "cpuinfo", "flags\t\t: fpu tsc\n");
}

/* ---- fixtures ---- */

struct fx {
	struct tree t;
	struct host_facts host;
	struct check_kvm kvm;
	struct check_cgroup_access cg;
	struct check_list list;
	struct cfg *cfg;
};

static struct fx *fx_new(bool ideal)
{
	struct fx *x = calloc(1, sizeof(*x));

	assert_non_null(x);
	if (ideal)
		tree_ideal(&x->t);
	else
		tree_devhost(&x->t);
	host_facts_init(&x->host);
	assert_int_equal(host_read(&x->host, x->t.sys, x->t.proc), 0);
	/* the process facts, as host_probe_process() would give them */
	x->host.euid = 0;
	x->host.core_sched = ideal ? 0 : -EOPNOTSUPP;
	x->host.rtprio.rlim_cur = x->host.rtprio.rlim_max = 0;
	x->host.memlock.rlim_cur = x->host.memlock.rlim_max = 8 << 20;

	snprintf(x->kvm.path, sizeof(x->kvm.path), "/dev/kvm");
	x->kvm.caps_known = true;
	x->kvm.api_version = 12;
	x->kvm.irqchip = x->kvm.immediate_exit = x->kvm.halt_poll = x->kvm.tsc_deadline = 1;
	/* the development host: hlt, pause and cstate but no mwait, no bus-lock exit */
	x->kvm.disable_exits = ideal ? CFG_EXIT_MWAIT | CFG_EXIT_HLT | CFG_EXIT_PAUSE |
					       CFG_EXIT_CSTATE :
				       CFG_EXIT_HLT | CFG_EXIT_PAUSE | CFG_EXIT_CSTATE;
	x->kvm.bus_lock = ideal ? 3 : 0;
	return x;
}

static void fx_free(struct fx *x)
{
	tree_remove(x->t.root);
	check_list_fini(&x->list);
	free(x->cfg);
	free(x);
}

/* Parse @ini (plus "[boot] payload = probe" when it has no [boot]) into x->cfg. */
static void fx_cfg(struct fx *x, const char *ini)
{
	struct cfg_error err;
	char text[4096];

	free(x->cfg);
	x->cfg = calloc(1, sizeof(*x->cfg));
	assert_non_null(x->cfg);
	snprintf(text, sizeof(text), "%s%s",
		 strstr(ini, "[boot]") ? "" : "[boot]\npayload = probe\n", ini);
	cfg_init(x->cfg);
	if (cfg_parse_string(x->cfg, text, "t.ini", NULL, &err) || cfg_finalize(x->cfg, &err))
		fail_msg("config: %s", err.msg);
}

/* One more key after the file, as --set would; the keys used are not per-vCPU. */
static void fx_set(struct fx *x, const char *assignment)
{
	struct cfg_error err;

	if (cfg_set(x->cfg, assignment, &err))
		fail_msg("--set %s: %s", assignment, err.msg);
}

static void fx_build(struct fx *x)
{
	check_list_fini(&x->list);
	assert_int_equal(check_build(x->cfg, &x->host, &x->kvm, &x->cg, &x->list), 0);
}

/* Names of the items at @level, comma-joined in report order. */
static const char *names_at(const struct check_list *l, enum check_level level, char *buf,
			    size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	for (size_t i = 0; i < l->n; i++)
		if (l->items[i].level == level)
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "," : "",
					      l->items[i].name);
	return buf;
}

static const struct check_item *must_find(const struct fx *x, const char *name)
{
	const struct check_item *it = check_find(&x->list, name);

	if (!it)
		fail_msg("no item '%s' in the report", name);
	return it;
}

static void assert_level(const struct fx *x, const char *name, enum check_level level)
{
	const struct check_item *it = must_find(x, name);

	if (it->level != level)
		fail_msg("%s: level %d, expected %d (%s)", name, it->level, level, it->found);
	if (level != CHECK_OK && !it->fix[0])
		fail_msg("%s: not OK but no fix", name);
}

static const char *ideal_ini =
	"[vm]\nmemory = 512M\nvcpus = 2\nstrict = true\n"
	"[memory]\nnuma_node = 1\nhugepages = 2M\nlock = true\n"
	"[sched]\npolicy = fifo\nrt_priority = 50\nboost_uclamp = true\ncore_scheduling = vcpu\n"
	"cgroup = rtvmm/t\nbus_lock_ratelimit = 1000\nhalt_poll_ns = 200000\n"
	"disable_exits = hlt,pause\nemulator_cpus = 0\n"
	"[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 3\n";

/* Like config/default.ini and probe.ini: RR 6, uclamp and core scheduling, vCPUs on CPUs 0 and 1. */
static const char *plain_ini =
	"[vm]\nmemory = 64M\nvcpus = 2\n"
	"[sched]\npolicy = rr\nrt_priority = 6\n"
	"[vcpu.0]\ncpus = 0\n[vcpu.1]\ncpus = 1\n";

/* ---- tests ---- */

static void test_check_ideal_host_all_ok(void **state)
{
	struct fx *x = fx_new(true);
	char buf[1024];

	(void)state;
	fx_build(x);
	assert_string_equal(names_at(&x->list, CHECK_WARN, buf, sizeof(buf)), "");
	assert_string_equal(names_at(&x->list, CHECK_FAIL, buf, sizeof(buf)), "");
	assert_true(x->list.n >= 22);
	assert_int_equal(check_exit_status(&x->list), 0);

	/* a strict config asking for everything: every request can be delivered */
	fx_cfg(x, ideal_ini);
	x->cg.checked = true;
	fx_build(x);
	assert_string_equal(names_at(&x->list, CHECK_WARN, buf, sizeof(buf)), "");
	assert_string_equal(names_at(&x->list, CHECK_FAIL, buf, sizeof(buf)), "");
	assert_level(x, "[sched] policy", CHECK_OK);
	assert_level(x, "[sched] cgroup", CHECK_OK);
	assert_level(x, "[memory] hugepages", CHECK_OK);
	assert_level(x, "[vcpu] isolation", CHECK_OK);
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->found, "needs 256"));
	assert_int_equal(check_exit_status(&x->list), 0);
	fx_free(x);
}

static void test_check_devhost_expected_warnings(void **state)
{
	struct fx *x = fx_new(false);
	char buf[1024];

	(void)state;
	fx_build(x);
	assert_string_equal(names_at(&x->list, CHECK_WARN, buf, sizeof(buf)),
			    "kvm-virtualization,kvm-bus-lock-exit,rt-throttling,uclamp,hugepages,"
			    "isolcpus,nohz_full,rcu_nocbs");
	assert_string_equal(names_at(&x->list, CHECK_FAIL, buf, sizeof(buf)), "");
	assert_int_equal(check_exit_status(&x->list), 0);
	/* what the lines say */
	assert_non_null(strstr(must_find(x, "rt-throttling")->found, "50 ms of every second"));
	assert_non_null(strstr(must_find(x, "rt-throttling")->fix,
			       "sysctl kernel.sched_rt_runtime_us=-1"));
	assert_non_null(strstr(must_find(x, "isolcpus")->fix,
			       "isolcpus=domain,managed_irq,1 nohz_full=1 rcu_nocbs=1"));
	assert_non_null(strstr(must_find(x, "nohz_full")->found, "CONFIG_NO_HZ_FULL"));
	assert_non_null(strstr(must_find(x, "kvm-disable-exits")->found, "hlt,pause,cstate"));
	assert_non_null(strstr(must_find(x, "core-scheduling")->found, "not needed"));
	assert_non_null(strstr(must_find(x, "cgroups")->found, "controllers: none"));
	assert_non_null(strstr(must_find(x, "rt-group-sched")->found, "on ("));
	assert_non_null(strstr(must_find(x, "uclamp")->fix, "CONFIG_UCLAMP_TASK"));
	fx_free(x);
}

static void test_check_strict_decides_warn_or_fail(void **state)
{
	struct fx *x = fx_new(false);
	char buf[1024];

	(void)state;
	fx_cfg(x, plain_ini);
	fx_build(x);
	/* uclamp and core scheduling are requested (defaults) and missing; CPUs 0-1 not isolated */
	assert_string_equal(names_at(&x->list, CHECK_FAIL, buf, sizeof(buf)), "");
	assert_level(x, "[sched] boost_uclamp", CHECK_WARN);
	assert_level(x, "[sched] core_scheduling", CHECK_WARN);
	assert_level(x, "[sched] policy", CHECK_OK);
	assert_level(x, "[memory] lock", CHECK_OK);
	assert_level(x, "[vcpu] cpus", CHECK_OK);
	assert_level(x, "[vcpu] isolation", CHECK_WARN);
	assert_int_equal(check_exit_status(&x->list), 0);

	fx_set(x, "vm.strict=true");
	fx_build(x);
	assert_string_equal(names_at(&x->list, CHECK_FAIL, buf, sizeof(buf)),
			    "[sched] boost_uclamp,[sched] core_scheduling");
	/* isolation is advice, never a failure; here it would take every CPU */
	assert_level(x, "[vcpu] isolation", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[vcpu] isolation")->fix, "leave one (CPU 0)"));
	assert_int_equal(check_exit_status(&x->list), 1);

	/* features not asked for are not judged */
	fx_cfg(x, "[vm]\nstrict = true\n[sched]\nboost_uclamp = false\ncore_scheduling = off\n"
		  "policy = other\n");
	fx_build(x);
	assert_null(check_find(&x->list, "[sched] boost_uclamp"));
	assert_null(check_find(&x->list, "[sched] core_scheduling"));
	assert_null(check_find(&x->list, "[vcpu] cpus"));
	assert_int_equal(check_exit_status(&x->list), 0);
	fx_free(x);
}

static void test_check_missing_hugepages_fail(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	fx_cfg(x, "[memory]\nhugepages = 2M\n");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_FAIL);
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->found, "none reserved"));
	/* 512M of 2M pages */
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->fix,
			       "echo 256 > /sys/kernel/mm/hugepages/hugepages-2048kB/"
			       "nr_hugepages"));
	assert_int_equal(check_exit_status(&x->list), 1);

	/* a size the kernel does not have at all */
	x->host.n_huge = 1;
	fx_cfg(x, "[memory]\nhugepages = 1G\n");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_FAIL);
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->found, "not supported"));
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->fix, "hugepagesz=1G"));
	fx_free(x);
}

static void test_check_too_few_hugepages_by_strict(void **state)
{
	struct fx *x = fx_new(true);

	(void)state;
	/* 2G needs 1024 pages of 2M; 500 free of 512 reserved */
	fx_cfg(x, "[vm]\nmemory = 2G\n[memory]\nhugepages = 2M\n");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->fix, "echo 1036 >"));
	/* 1000 free would do, unless 100 of them are promised to another mapping */
	fx_cfg(x, "[vm]\nmemory = 1000M\n[memory]\nhugepages = 2M\n");
	x->host.huge[0].free = 500;
	x->host.huge[0].resv = 0;
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_OK);
	x->host.huge[0].resv = 100;
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[memory] hugepages")->found, "400 free"));
	fx_cfg(x, "[vm]\nmemory = 2G\n[memory]\nhugepages = 2M\n");
	x->host.huge[0].resv = 0;
	fx_set(x, "vm.strict=true");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_FAIL);

	fx_cfg(x, "[vm]\nmemory = 1G\n[memory]\nhugepages = 1G\n");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_OK);

	/* thp needs THP not "never" */
	fx_cfg(x, "[memory]\nhugepages = thp\n");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_OK);
	snprintf(x->host.thp, sizeof(x->host.thp), "never");
	fx_build(x);
	assert_level(x, "[memory] hugepages", CHECK_WARN);
	fx_free(x);
}

static void test_check_nonexistent_cpu_fails(void **state)
{
	struct fx *x = fx_new(false);
	const struct check_item *it;

	(void)state;
	fx_cfg(x, "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 1\n[vcpu.1]\ncpus = 5\n");
	fx_build(x);
	assert_level(x, "[vcpu] cpus", CHECK_FAIL);
	it = must_find(x, "[vcpu] cpus");
	assert_non_null(strstr(it->found, "[vcpu.1] cpus: CPU 5 does not exist (online: 0-1)"));
	assert_non_null(strstr(it->fix, "pick CPUs from 0-1"));
	assert_int_equal(check_exit_status(&x->list), 1);

	/* present but offline: the fix brings it online */
	CPU_SET(5, &x->host.present);
	fx_build(x);
	it = must_find(x, "[vcpu] cpus");
	assert_int_equal(it->level, CHECK_FAIL);
	assert_non_null(strstr(it->found, "CPU 5 is offline"));
	assert_non_null(strstr(it->fix, "echo 1 > /sys/devices/system/cpu/cpu5/online"));
	/* no isolation advice for CPUs that cannot be used */
	assert_null(check_find(&x->list, "[vcpu] isolation"));

	/* the emulator CPUs are checked too */
	fx_cfg(x, "[sched]\nemulator_cpus = 3\n");
	fx_build(x);
	assert_level(x, "[vcpu] cpus", CHECK_FAIL);
	assert_non_null(strstr(must_find(x, "[vcpu] cpus")->found, "[sched] emulator_cpus"));
	fx_free(x);
}

static void test_check_bus_lock_ratelimit_needs_exit(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	fx_cfg(x, "[sched]\nbus_lock_ratelimit = 1000\n");
	fx_build(x);
	assert_level(x, "[sched] bus_lock_ratelimit", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[sched] bus_lock_ratelimit")->found,
			       "KVM_CAP_X86_BUS_LOCK_EXIT"));
	assert_int_equal(check_exit_status(&x->list), 0);
	fx_set(x, "vm.strict=true");
	fx_build(x);
	assert_level(x, "[sched] bus_lock_ratelimit", CHECK_FAIL);
	assert_int_equal(check_exit_status(&x->list), 1);

	/* off-detection alone is not enough; the exit bit is */
	x->kvm.bus_lock = 1;
	fx_build(x);
	assert_level(x, "[sched] bus_lock_ratelimit", CHECK_FAIL);
	x->kvm.bus_lock = CHECK_BUS_LOCK_EXIT | 1;
	fx_build(x);
	assert_level(x, "[sched] bus_lock_ratelimit", CHECK_OK);
	assert_level(x, "kvm-bus-lock-exit", CHECK_OK);

	fx_set(x, "sched.bus_lock_ratelimit=0");
	fx_build(x);
	assert_null(check_find(&x->list, "[sched] bus_lock_ratelimit"));
	fx_free(x);
}

static void test_check_kvm_caps_requested(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	fx_cfg(x, "[sched]\nhalt_poll_ns = 100000\ndisable_exits = hlt,pause,mwait\n");
	fx_build(x);
	assert_level(x, "[sched] halt_poll_ns", CHECK_OK);
	assert_level(x, "[sched] disable_exits", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[sched] disable_exits")->found,
			       "cannot disable mwait exits"));
	x->kvm.halt_poll = 0;
	x->kvm.disable_exits = CFG_EXIT_PAUSE;
	fx_build(x);
	assert_level(x, "[sched] halt_poll_ns", CHECK_WARN);
	assert_level(x, "kvm-halt-poll", CHECK_WARN);
	assert_level(x, "kvm-disable-exits", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[sched] disable_exits")->found,
			       "cannot disable hlt,mwait exits"));
	fx_free(x);
}

static void test_check_missing_kvm_fails(void **state)
{
	struct fx *x = fx_new(true);

	(void)state;
	memset(&x->kvm, 0, sizeof(x->kvm));
	snprintf(x->kvm.path, sizeof(x->kvm.path), "/dev/kvm");
	x->kvm.err = -ENOENT;
	fx_cfg(x, "[sched]\nhalt_poll_ns = 100000\n");
	fx_build(x);
	assert_level(x, "kvm", CHECK_FAIL);
	assert_non_null(strstr(must_find(x, "kvm")->fix, "modprobe kvm_intel"));
	/* capabilities of a device that is not there are not reported */
	assert_null(check_find(&x->list, "kvm-irqchip"));
	assert_null(check_find(&x->list, "[sched] halt_poll_ns"));
	assert_int_equal(check_exit_status(&x->list), 1);

	x->kvm.err = -EACCES;
	fx_build(x);
	assert_non_null(strstr(must_find(x, "kvm")->fix, "usermod -aG kvm"));

	/* opened but lacking a required capability: the caps say which */
	x->kvm.err = -ENOTSUP;
	x->kvm.caps_known = true;
	x->kvm.api_version = 12;
	x->kvm.irqchip = 1;
	fx_build(x);
	assert_level(x, "kvm", CHECK_FAIL);
	assert_level(x, "kvm-immediate-exit", CHECK_FAIL);
	assert_level(x, "kvm-irqchip", CHECK_OK);
	fx_free(x);
}

static void test_check_kvm_virtualization(void **state)
{
	struct fx *x = fx_new(true);

	(void)state;
	fx_build(x);
	assert_level(x, "kvm-virtualization", CHECK_OK);
	assert_non_null(strstr(must_find(x, "kvm-virtualization")->found, "kvm_intel"));

	strcpy(x->host.kvm_module, "kvm_pvm");
	fx_build(x);
	assert_level(x, "kvm-virtualization", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "kvm-virtualization")->found, "does not boot"));
	assert_non_null(strstr(must_find(x, "kvm-virtualization")->fix, "VT-x or AMD-V"));
	assert_int_equal(check_exit_status(&x->list), 0);
	fx_free(x);
}

static void test_check_rt_permission(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	x->host.cap_eff &= ~(1ull << HOST_CAP_SYS_NICE);
	x->host.euid = 1000;
	fx_cfg(x, "[sched]\npolicy = fifo\nrt_priority = 6\n");
	fx_build(x);
	assert_level(x, "rt-permission", CHECK_WARN);
	assert_level(x, "[sched] policy", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[sched] policy")->fix, "LimitRTPRIO=6"));

	x->host.rtprio.rlim_cur = 5;
	fx_build(x);
	assert_level(x, "rt-permission", CHECK_OK);
	assert_level(x, "[sched] policy", CHECK_WARN);
	x->host.rtprio.rlim_cur = 6;
	fx_build(x);
	assert_level(x, "[sched] policy", CHECK_OK);
	assert_non_null(strstr(must_find(x, "[sched] policy")->found, "RLIMIT_RTPRIO 6"));

	/* the highest priority of any vCPU counts */
	fx_cfg(x, "[vm]\nvcpus = 2\n[sched]\npolicy = fifo\nrt_priority = 6\n"
		  "[vcpu.1]\nrt_priority = 7\n");
	fx_build(x);
	assert_level(x, "[sched] policy", CHECK_WARN);
	fx_free(x);
}

static void test_check_memlock(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	x->host.cap_eff &= ~(1ull << HOST_CAP_IPC_LOCK);
	fx_cfg(x, "[vm]\nmemory = 64M\n[memory]\nlock = true\n");
	fx_build(x);
	assert_level(x, "memlock", CHECK_WARN);
	assert_level(x, "[memory] lock", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[memory] lock")->found, "RLIMIT_MEMLOCK is 8 MiB"));
	/* a guest that fits in the limit */
	fx_set(x, "vm.memory=8M");
	fx_build(x);
	assert_level(x, "[memory] lock", CHECK_OK);
	x->host.memlock.rlim_cur = RLIM_INFINITY;
	fx_set(x, "vm.memory=1G");
	fx_build(x);
	assert_level(x, "memlock", CHECK_OK);
	assert_level(x, "[memory] lock", CHECK_OK);
	fx_free(x);
}

static void test_check_rt_group_budgets(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	/* rtvmm started in a cpu cgroup without RT budget */
	snprintf(x->host.self_cpu_cgroup, sizeof(x->host.self_cpu_cgroup), "/user.slice");
	x->host.self_rt_runtime_us = 0;
	fx_cfg(x, "[sched]\npolicy = rr\n");
	fx_build(x);
	assert_level(x, "rt-group-sched", CHECK_WARN);
	assert_level(x, "[sched] policy", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[sched] policy")->found, "/user.slice"));

	/* vCPUs in their own cgroup: its budget counts, and a small one throttles */
	fx_cfg(x, "[sched]\npolicy = rr\ncgroup = rtvmm/g\ncgroup_rt_runtime_us = 50000\n");
	x->cg.checked = true;
	fx_build(x);
	assert_level(x, "[sched] policy", CHECK_OK);
	assert_level(x, "[sched] cgroup", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[sched] cgroup")->found, "50000 of every 1000000"));
	fx_set(x, "vm.strict=true");
	fx_build(x);
	assert_level(x, "[sched] cgroup", CHECK_WARN);
	/* 0 (the default): the cgroup gets all its parent has free, so nothing to warn */
	fx_set(x, "sched.cgroup_rt_runtime_us=0");
	fx_build(x);
	assert_level(x, "[sched] cgroup", CHECK_OK);
	/* without RT throttling the budget does not bite */
	fx_set(x, "sched.cgroup_rt_runtime_us=50000");
	x->host.rt_runtime_us = -1;
	fx_build(x);
	assert_level(x, "[sched] cgroup", CHECK_OK);
	/* no permission to create it */
	x->cg.err = -EACCES;
	snprintf(x->cg.msg, sizeof(x->cg.msg), "/sys/fs/cgroup/cpu is not writable");
	fx_build(x);
	assert_level(x, "[sched] cgroup", CHECK_FAIL);
	assert_non_null(strstr(must_find(x, "[sched] cgroup")->found, "not writable"));
	fx_free(x);
}

static void test_check_numa_node(void **state)
{
	struct fx *x = fx_new(false);

	(void)state;
	fx_cfg(x, "[memory]\nnuma_node = 1\n");
	fx_build(x);
	assert_level(x, "[memory] numa_node", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "[memory] numa_node")->found, "online nodes are 0"));
	fx_cfg(x, "[memory]\nnuma_node = 0\n");
	fx_build(x);
	assert_level(x, "[memory] numa_node", CHECK_OK);
	fx_free(x);
}

static void test_check_throttle_and_smt_lines(void **state)
{
	struct fx *x = fx_new(true);

	(void)state;
	x->host.rt_runtime_us = 900000;
	x->host.core_sched = -EOPNOTSUPP;
	fx_build(x);
	assert_level(x, "rt-throttling", CHECK_WARN);
	assert_non_null(strstr(must_find(x, "rt-throttling")->found, "100 ms of every second"));
	/* SMT on without core scheduling: both say so */
	assert_level(x, "smt", CHECK_WARN);
	assert_level(x, "core-scheduling", CHECK_WARN);
	x->host.rt_runtime_us = 1000000;
	snprintf(x->host.thp, sizeof(x->host.thp), "always");
	fx_build(x);
	assert_level(x, "rt-throttling", CHECK_OK);
	assert_level(x, "thp", CHECK_WARN);
	fx_free(x);
}

/* Splits the printed report into lines and checks each one's shape. */
static void test_check_print_format(void **state)
{
	struct fx *x = fx_new(false);
	char *out = NULL, *line, *save, last[128] = "", want[128];
	size_t len = 0, lines = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	fx_build(x);
	assert_int_equal(check_print(&x->list, f), 0);
	fclose(f);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		snprintf(last, sizeof(last), "%s", line);
		if (!strncmp(line, "check:", 6))
			continue;
		lines++;
		if (!strncmp(line, "OK    ", 6))
			assert_null(strstr(line, " -- fix: "));
		else if (!strncmp(line, "WARN  ", 6) || !strncmp(line, "FAIL  ", 6))
			assert_non_null(strstr(line, " -- fix: "));
		else
			fail_msg("bad line: %s", line);
	}
	assert_int_equal(lines, x->list.n);
	snprintf(want, sizeof(want), "check: %zu OK, 8 WARN, 0 FAIL", x->list.n - 8);
	assert_string_equal(last, want);
	free(out);
	fx_free(x);
}

/* check_report() on a temp tree with no KVM device: prints, and fails. */
static void test_check_report_temp_tree(void **state)
{
	struct fx *x = fx_new(false);
	struct check_env env = { x->t.sys, x->t.proc, "/nonexistent/kvm" };
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
	int ret;

	(void)state;
	fx_cfg(x, "[memory]\nhugepages = 2M\n");
	/* kvm_sys_open logs its own message to stderr; keep the test output clean */
	assert_true(saved >= 0 && null >= 0);
	dup2(null, STDERR_FILENO);
	ret = check_report(x->cfg, &env, f);
	dup2(saved, STDERR_FILENO);
	close(saved);
	close(null);
	fclose(f);
	assert_int_equal(ret, 1);
	assert_non_null(strstr(out, "FAIL  kvm "));
	assert_non_null(strstr(out, "/nonexistent/kvm: No such file or directory"));
	assert_non_null(strstr(out, "FAIL  [memory] hugepages "));
	assert_non_null(strstr(out, "WARN  rt-throttling "));
	assert_non_null(strstr(out, "\ncheck: "));
	free(out);
	fx_free(x);
}

/* The real host: the report runs and has a line for /dev/kvm. */
static void test_check_report_real_host(void **state)
{
	char *out = NULL, *line, *save;
	size_t len = 0;
	FILE *f;
	int ret;
	bool kvm_line = false, any_fail = false;

	(void)state;
	if (access("/dev/kvm", F_OK)) {
		skip(); /* no /dev/kvm on this host */
		return;
	}
	f = open_memstream(&out, &len);
	ret = check_report(NULL, NULL, f);
	fclose(f);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char level[8], name[48];

		if (sscanf(line, "%7s %47s", level, name) != 2)
			continue;
		any_fail |= !strcmp(level, "FAIL");
		if (!strcmp(name, "kvm")) {
			kvm_line = true;
			assert_non_null(strstr(line, "/dev/kvm"));
		}
	}
	assert_true(kvm_line);
	assert_int_equal(ret, any_fail ? 1 : 0);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_ideal_host_all_ok),
		cmocka_unit_test(test_check_devhost_expected_warnings),
		cmocka_unit_test(test_check_strict_decides_warn_or_fail),
		cmocka_unit_test(test_check_missing_hugepages_fail),
		cmocka_unit_test(test_check_too_few_hugepages_by_strict),
		cmocka_unit_test(test_check_nonexistent_cpu_fails),
		cmocka_unit_test(test_check_bus_lock_ratelimit_needs_exit),
		cmocka_unit_test(test_check_kvm_caps_requested),
		cmocka_unit_test(test_check_missing_kvm_fails),
		cmocka_unit_test(test_check_kvm_virtualization),
		cmocka_unit_test(test_check_rt_permission),
		cmocka_unit_test(test_check_memlock),
		cmocka_unit_test(test_check_rt_group_budgets),
		cmocka_unit_test(test_check_numa_node),
		cmocka_unit_test(test_check_throttle_and_smt_lines),
		cmocka_unit_test(test_check_print_format),
		cmocka_unit_test(test_check_report_temp_tree),
		cmocka_unit_test(test_check_report_real_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
