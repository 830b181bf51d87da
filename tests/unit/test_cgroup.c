// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/cgroup: host detection from a mount table, and cgroup preparation,
 * attach and cleanup against temp trees laid out like cgroup v1 (cpuset/ and cpu/
 * hierarchies) and v2 (one unified tree). rmdir is wrapped so that removing a directory of
 * the temp tree first drops its regular files, as cgroupfs does with control files. Two
 * tests use the real host's cgroups as root and skip with a reason elsewhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sched/cgroup.h"
#include "temp_tree.h"
#include "../../sched/thread.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define FAKE_PID 4242

/* ---- rmdir that behaves like cgroupfs on a plain directory ---------------------------- */

int __real_rmdir(const char *path);
int __wrap_rmdir(const char *path);

/* A directory whose removal fails with EPERM (the tests' permission problem). */
static char rmdir_eperm[PATH_MAX];

int __wrap_rmdir(const char *path)
{
	char file[PATH_MAX * 2];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (rmdir_eperm[0] && !strcmp(path, rmdir_eperm)) {
		errno = EPERM;
		return -1;
	}
	d = opendir(path);
	if (!d)
		return __real_rmdir(path);
	/* cgroupfs refuses to remove a cgroup with children (EBUSY), keeping its files. */
	while ((e = readdir(d))) {
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..") && !lstat(file, &st) &&
		    S_ISDIR(st.st_mode)) {
			closedir(d);
			errno = EBUSY;
			return -1;
		}
	}
	rewinddir(d);
	while ((e = readdir(d))) {
		snprintf(file, sizeof(file), "%s/%s", path, e->d_name);
		if (!lstat(file, &st) && S_ISREG(st.st_mode))
			unlink(file);	/* fails on cgroupfs (control files): fine */
	}
	closedir(d);
	return __real_rmdir(path);
}

/* ---- temp trees ----------------------------------------------------------------------- */

struct fx {
	char root[128];
	struct cg_host h;
	struct cg_vm vm;
	char info[1024], err[1024];
};

static bool is_dir(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void mkdir_in(const char *root, const char *rel)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(mkdir(path, 0755), 0);
}

static struct fx *fx_new(void)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	assert_non_null(fx);
	tree_make(fx->root, sizeof(fx->root), "cgtest");
	snprintf(fx->h.proc, sizeof(fx->h.proc), "%s/proc", fx->root);
	cg_vm_init(&fx->vm, FAKE_PID);
	rmdir_eperm[0] = 0;
	return fx;
}

/* A v1 host: cpuset/ with CPUs 0-3 and node 0, cpu/ with RT group scheduling. */
static int setup_v1(void **state)
{
	struct fx *fx = fx_new();

	tree_put(fx->root, "cpuset/cpuset.cpus", "0-3\n");
	tree_put(fx->root, "cpuset/cpuset.mems", "0\n");
	tree_put(fx->root, "cpuset/tasks", "");
	tree_put(fx->root, "cpu/cpu.rt_runtime_us", "950000\n");
	tree_put(fx->root, "cpu/cpu.rt_period_us", "1000000\n");
	tree_put(fx->root, "cpu/tasks", "");
	fx->h.mode = CG_MODE_V1;
	snprintf(fx->h.v1_cpuset, sizeof(fx->h.v1_cpuset), "%s/cpuset", fx->root);
	snprintf(fx->h.v1_cpu, sizeof(fx->h.v1_cpu), "%s/cpu", fx->root);
	fx->h.rt_group_sched = true;
	*state = fx;
	return 0;
}

/* A v2 host offering cpuset; the process (FAKE_PID) sits in /user.slice/session. */
static int setup_v2(void **state)
{
	struct fx *fx = fx_new();

	tree_put(fx->root, "v2/cgroup.controllers", "cpuset cpu io memory\n");
	tree_put(fx->root, "v2/cgroup.subtree_control", "");
	tree_put(fx->root, "v2/cgroup.procs", "");
	tree_put(fx->root, "v2/user.slice/session/cgroup.procs", "4242\n");
	tree_put(fx->root, "proc/4242/cgroup", "0::/user.slice/session\n");
	fx->h.mode = CG_MODE_V2;
	snprintf(fx->h.v2, sizeof(fx->h.v2), "%s/v2", fx->root);
	fx->h.v2_cpuset = true;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char err[256];

	cg_vm_cleanup(&fx->vm, err, sizeof(err));
	rmdir_eperm[0] = 0;
	tree_remove(fx->root);
	free(fx);
	return 0;
}

static cpu_set_t cpus_of(const char *list)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	for (const char *c = list; *c; c++)
		if (*c >= '0' && *c <= '9')
			CPU_SET(*c - '0', &s);
	return s;
}

static int prepare(struct fx *fx, const char *path, const char *cpus, int node, bool rt,
		   uint32_t budget)
{
	cpu_set_t set = cpus_of(cpus ? cpus : "");

	fx->err[0] = 0;
	return cg_prepare(&fx->vm, &fx->h, path, cpus ? &set : NULL, node, rt, budget, fx->info,
			  sizeof(fx->info), fx->err, sizeof(fx->err));
}

/* ---- detection -------------------------------------------------------------------------- */

static void write_mounts(struct fx *fx, const char *lines)
{
	char content[4096];

	/* "@" stands for the temp root in @lines. */
	content[0] = 0;
	for (const char *c = lines; *c; c++) {
		if (*c == '@')
			strcat(content, fx->root);
		else
			strncat(content, c, 1);
	}
	tree_put(fx->root, "mounts", content);
}

static int from_mounts(struct fx *fx, const char *cpuset, const char *cpu)
{
	char mounts[PATH_MAX], a[PATH_MAX], b[PATH_MAX];

	snprintf(mounts, sizeof(mounts), "%s/mounts", fx->root);
	snprintf(a, sizeof(a), "%s/%s", fx->root, cpuset ? cpuset : "");
	snprintf(b, sizeof(b), "%s/%s", fx->root, cpu ? cpu : "");
	return cg_host_from_mounts(&fx->h, mounts, cpuset ? a : NULL, cpu ? b : NULL, fx->err,
				   sizeof(fx->err));
}

static void test_cg_detect_prefers_v1_beside_v2(void **state)
{
	struct fx *fx = *state;
	char want[PATH_MAX];

	tree_put(fx->root, "v2/cgroup.controllers", "\n");
	write_mounts(fx, "tmpfs /sys/fs/cgroup tmpfs rw 0 0\n"
			 "cgroup @/cpu cgroup rw,cpu 0 0\n"
			 "cgroup @/cpuset cgroup rw,cpuset 0 0\n"
			 "cgroup2 @/v2 cgroup2 rw 0 0\n");
	assert_int_equal(from_mounts(fx, "cpuset", "cpu"), 0);
	assert_int_equal(fx->h.mode, CG_MODE_V1);
	snprintf(want, sizeof(want), "%s/cpuset", fx->root);
	assert_string_equal(fx->h.v1_cpuset, want);
	snprintf(want, sizeof(want), "%s/cpu", fx->root);
	assert_string_equal(fx->h.v1_cpu, want);
	snprintf(want, sizeof(want), "%s/v2", fx->root);
	assert_string_equal(fx->h.v2, want);
	assert_true(fx->h.rt_group_sched);	/* cpu/cpu.rt_runtime_us exists */
	assert_false(fx->h.v2_cpuset);		/* empty cgroup.controllers */
	assert_string_equal(fx->h.proc, "/proc");
}

static void test_cg_detect_rt_group_sched_needs_rt_runtime_file(void **state)
{
	struct fx *fx = *state;
	char file[PATH_MAX];

	snprintf(file, sizeof(file), "%s/cpu/cpu.rt_runtime_us", fx->root);
	unlink(file);
	write_mounts(fx, "cgroup @/cpu cgroup rw,cpu 0 0\n");
	assert_int_equal(from_mounts(fx, NULL, "cpu"), 0);
	assert_int_equal(fx->h.mode, CG_MODE_V1);
	assert_string_equal(fx->h.v1_cpuset, "");
	assert_false(fx->h.rt_group_sched);
}

static void test_cg_detect_v2_only(void **state)
{
	struct fx *fx = *state;

	/* libcgroup 2 names the cgroup2 mount for cpuset: that is not a v1 hierarchy. */
	write_mounts(fx, "cgroup2 @/v2 cgroup2 rw,nsdelegate 0 0\n");
	assert_int_equal(from_mounts(fx, "v2", "v2"), 0);
	assert_int_equal(fx->h.mode, CG_MODE_V2);
	assert_string_equal(fx->h.v1_cpuset, "");
	assert_string_equal(fx->h.v1_cpu, "");
	assert_true(fx->h.v2_cpuset);
	assert_false(fx->h.rt_group_sched);
}

static void test_cg_detect_none(void **state)
{
	struct fx *fx = *state;
	char file[PATH_MAX];

	write_mounts(fx, "proc /proc proc rw 0 0\n");
	/* A libcgroup answer that the mount table does not back is not trusted. */
	assert_int_equal(from_mounts(fx, "cpuset", NULL), -EOPNOTSUPP);
	assert_int_equal(fx->h.mode, CG_MODE_NONE);
	assert_non_null(strstr(fx->err, "no cgroup hierarchy"));

	snprintf(file, sizeof(file), "%s/nonexistent", fx->root);
	assert_int_equal(cg_host_from_mounts(&fx->h, file, NULL, NULL, fx->err, sizeof(fx->err)),
			 -ENOENT);
	assert_non_null(strstr(fx->err, file));
}

/* ---- the RT bandwidth rule --------------------------------------------------------------- */

static void test_cg_rt_room_kernel_rule(void **state)
{
	struct cg_rt_bw root = { 950000, 1000000 };
	struct cg_rt_bw sib[] = { { 100000, 1000000 }, { 25000, 500000 } };

	(void)state;
	assert_int_equal(cg_rt_room_us(root, NULL, 0, 1000000), 950000);
	assert_int_equal(cg_rt_room_us(root, sib, 1, 1000000), 850000);
	/* 25 ms per 0.5 s is 5%, like 50 ms per 1 s. */
	assert_int_equal(cg_rt_room_us(root, sib, 2, 1000000), 800000);
	/* Half the period gets half the runtime. */
	assert_int_equal(cg_rt_room_us(root, sib, 2, 500000), 400000);
	/* Unlimited parent (sched_rt_runtime_us = -1): the whole period, never more. */
	assert_int_equal(cg_rt_room_us((struct cg_rt_bw){ -1, 1000000 }, NULL, 0, 1000000),
			 1000000);
	/* Nothing left. */
	assert_int_equal(cg_rt_room_us((struct cg_rt_bw){ 100000, 1000000 }, sib, 1, 1000000), 0);
	assert_int_equal(cg_rt_room_us((struct cg_rt_bw){ 0, 1000000 }, NULL, 0, 1000000), 0);
}

/* ---- cgroup v1 ---------------------------------------------------------------------------- */

static void test_cg_v1_prepare_creates_and_sets_cpuset(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(prepare(fx, "rtvmm/rt-guest", "23", 0, false, 0), 0);
	assert_string_equal(fx->info, "");
	/* The intermediate got its parent's cpuset, the leaf the vCPUs' CPUs and node. */
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/cpuset.cpus"), "0-3");
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/cpuset.mems"), "0");
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/rt-guest/cpuset.cpus"), "2-3");
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/rt-guest/cpuset.mems"), "0");
	assert_true(is_dir(fx->root, "cpu/rtvmm/rt-guest"));
	/* No RT vCPU: no budget written. */
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/rt-guest/cpu.rt_runtime_us"), "<missing>");
	assert_int_equal(fx->vm.n_created, 4);

	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_false(is_dir(fx->root, "cpuset/rtvmm"));
	assert_false(is_dir(fx->root, "cpu/rtvmm"));
	assert_true(is_dir(fx->root, "cpuset"));
	assert_true(is_dir(fx->root, "cpu"));
	assert_int_equal(fx->vm.n_created, 0);
}

static void test_cg_v1_prepare_unbound_takes_parent_cpuset(void **state)
{
	struct fx *fx = *state;

	tree_put(fx->root, "cpuset/cpuset.mems", "0-1\n");
	assert_int_equal(prepare(fx, "/solo/", NULL, -1, false, 0), 0);
	assert_string_equal(tree_get(fx->root, "cpuset/solo/cpuset.cpus"), "0-3");
	assert_string_equal(tree_get(fx->root, "cpuset/solo/cpuset.mems"), "0-1");
}

static void test_cg_v1_cleanup_keeps_preexisting_dirs(void **state)
{
	struct fx *fx = *state;

	/* An admin made "rtvmm" with its own cpuset: it stays, untouched. */
	tree_put(fx->root, "cpuset/rtvmm/cpuset.cpus", "1-3");
	tree_put(fx->root, "cpuset/rtvmm/cpuset.mems", "0");
	mkdir_in(fx->root, "cpu/rtvmm");
	assert_int_equal(prepare(fx, "rtvmm/vm1", NULL, -1, false, 0), 0);
	assert_int_equal(fx->vm.n_created, 2);
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/cpuset.cpus"), "1-3");
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/vm1/cpuset.cpus"), "1-3");

	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_false(is_dir(fx->root, "cpuset/rtvmm/vm1"));
	assert_false(is_dir(fx->root, "cpu/rtvmm/vm1"));
	assert_true(is_dir(fx->root, "cpu/rtvmm"));
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/cpuset.cpus"), "1-3");
}

static void test_cg_v1_rt_budget_chain(void **state)
{
	struct fx *fx = *state;

	/* Another cgroup below the root already holds 100 ms per second. */
	tree_put(fx->root, "cpu/other/cpu.rt_runtime_us", "100000\n");
	tree_put(fx->root, "cpu/other/cpu.rt_period_us", "1000000\n");
	assert_int_equal(prepare(fx, "rtvmm/x", "1", 0, true, 50000), 0);
	/* The intermediate takes what the root has left, the leaf its budget. */
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/cpu.rt_runtime_us"), "850000");
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/x/cpu.rt_runtime_us"), "50000");
	assert_string_equal(fx->info,
			    "cgroup rtvmm: cpu.rt_runtime_us = 850000 (RT group scheduling); "
			    "cgroup rtvmm/x: cpu.rt_runtime_us = 50000 (RT group scheduling)");
	/* The other cgroup is not touched. */
	assert_string_equal(tree_get(fx->root, "cpu/other/cpu.rt_runtime_us"), "100000\n");
}

static void test_cg_v1_rt_budget_zero_takes_all_free(void **state)
{
	struct fx *fx = *state;

	/* cgroup_rt_runtime_us = 0 (the default): a busy RT vCPU is not throttled more
	 * than the host already does, so the leaf gets everything its parent has free. */
	tree_put(fx->root, "cpu/other/cpu.rt_runtime_us", "100000\n");
	tree_put(fx->root, "cpu/other/cpu.rt_period_us", "1000000\n");
	assert_int_equal(prepare(fx, "rtvmm/x", "1", 0, true, 0), 0);
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/cpu.rt_runtime_us"), "850000");
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/x/cpu.rt_runtime_us"), "850000");
	/* nothing left: a second top-level cgroup cannot get any */
	assert_int_equal(prepare(fx, "rtvmm2/y", "1", 0, true, 0), -ENOSPC);
	assert_non_null(strstr(fx->err, "needs cpu.rt_runtime_us >= 1"));
}

static void test_cg_v1_rt_second_vm_shares_intermediate(void **state)
{
	struct fx *fx = *state;
	struct cg_vm vm2;

	assert_int_equal(prepare(fx, "rtvmm/a", "1", 0, true, 50000), 0);
	cg_vm_init(&vm2, FAKE_PID);
	assert_int_equal(cg_prepare(&vm2, &fx->h, "rtvmm/b", NULL, -1, true, 20000, fx->info,
				    sizeof(fx->info), fx->err, sizeof(fx->err)), 0);
	/* rtvmm belongs to the first VM: the second only budgets its own leaf. */
	assert_string_equal(fx->info,
			    "cgroup rtvmm/b: cpu.rt_runtime_us = 20000 (RT group scheduling)");
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/cpu.rt_runtime_us"), "950000");
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/b/cpu.rt_runtime_us"), "20000");
	assert_int_equal(vm2.n_created, 2);

	/* The first VM leaves first: its leaf goes, the shared rtvmm stays for vm2. */
	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_false(is_dir(fx->root, "cpu/rtvmm/a"));
	assert_true(is_dir(fx->root, "cpu/rtvmm/b"));
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/cpu.rt_runtime_us"), "950000");
	assert_int_equal(cg_vm_cleanup(&vm2, fx->err, sizeof(fx->err)), 0);
	assert_false(is_dir(fx->root, "cpu/rtvmm/b"));
	assert_true(is_dir(fx->root, "cpu/rtvmm"));
}

static void test_cg_v1_rt_preexisting_zero_budget_is_named(void **state)
{
	struct fx *fx = *state;
	char want[PATH_MAX + 64];

	tree_put(fx->root, "cpu/rtvmm/cpu.rt_runtime_us", "0\n");
	assert_int_equal(prepare(fx, "rtvmm/x", NULL, -1, true, 30000), -EINVAL);
	snprintf(want, sizeof(want), "%s/cpu/rtvmm/cpu.rt_runtime_us is 0", fx->root);
	assert_non_null(strstr(fx->err, want));
	assert_non_null(strstr(fx->err, "write at least 30000"));
	/* Nothing was written below it; cleanup still removes what was made. */
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/x/cpu.rt_runtime_us"), "<missing>");
	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_false(is_dir(fx->root, "cpu/rtvmm/x"));
	assert_true(is_dir(fx->root, "cpu/rtvmm"));
}

static void test_cg_v1_rt_preexisting_leaf(void **state)
{
	struct fx *fx = *state;

	tree_put(fx->root, "cpu/rt/cpu.rt_runtime_us", "0\n");
	mkdir_in(fx->root, "cpuset/rt");
	assert_int_equal(prepare(fx, "rt", NULL, -1, true, 0), -EINVAL);
	assert_non_null(strstr(fx->err, "RT vCPUs cannot join cgroup rt"));
	assert_non_null(strstr(fx->err, "write at least 50000"));

	tree_put(fx->root, "cpu/rt/cpu.rt_runtime_us", "20000\n");
	assert_int_equal(prepare(fx, "rt", NULL, -1, true, 0), 0);
	/* An admin's budget is used as it is, and said. */
	assert_string_equal(tree_get(fx->root, "cpu/rt/cpu.rt_runtime_us"), "20000\n");
	assert_string_equal(fx->info, "cgroup rt: cpu.rt_runtime_us = 20000 (pre-existing; "
				      "RT group scheduling)");
	/* Not RT: a leaf without budget is fine. */
	tree_put(fx->root, "cpu/rt/cpu.rt_runtime_us", "0\n");
	assert_int_equal(prepare(fx, "rt", NULL, -1, false, 0), 0);
}

static void test_cg_v1_rt_no_room_names_parent(void **state)
{
	struct fx *fx = *state;
	char want[PATH_MAX + 64];

	tree_put(fx->root, "cpu/hog/cpu.rt_runtime_us", "920000\n");
	assert_int_equal(prepare(fx, "rtvmm/x", NULL, -1, true, 50000), -ENOSPC);
	snprintf(want, sizeof(want), "but %s/cpu/cpu.rt_runtime_us (950000 per 1000000 us",
		 fx->root);
	assert_non_null(strstr(fx->err, want));
	assert_non_null(strstr(fx->err, "needs cpu.rt_runtime_us >= 50000"));
	assert_non_null(strstr(fx->err, "leaves 30000"));
}

static void test_cg_v1_rt_without_group_sched_writes_nothing(void **state)
{
	struct fx *fx = *state;

	fx->h.rt_group_sched = false;
	assert_int_equal(prepare(fx, "rtvmm/x", NULL, -1, true, 0), 0);
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/x/cpu.rt_runtime_us"), "<missing>");
	assert_string_equal(fx->info, "");
}

static void test_cg_v1_attach_writes_tasks(void **state)
{
	struct fx *fx = *state;
	char want[PATH_MAX + 64];

	assert_int_equal(prepare(fx, "rtvmm/x", "1", 0, false, 0), 0);
	assert_int_equal(cg_attach_thread(&fx->h, "rtvmm/x", 777, fx->err, sizeof(fx->err)), 0);
	assert_string_equal(tree_get(fx->root, "cpuset/rtvmm/x/tasks"), "777");
	assert_string_equal(tree_get(fx->root, "cpu/rtvmm/x/tasks"), "777");
	/* "" stays put. */
	assert_int_equal(cg_attach_thread(&fx->h, "", 778, fx->err, sizeof(fx->err)), 0);
	assert_string_equal(tree_get(fx->root, "cpuset/tasks"), "");

	assert_int_equal(cg_attach_thread(&fx->h, "nope", 777, fx->err, sizeof(fx->err)),
			 -ENOENT);
	snprintf(want, sizeof(want), "write '777' to %s/cpuset/nope/tasks: %s", fx->root,
		 strerror(ENOENT));
	assert_non_null(strstr(fx->err, want));
	assert_non_null(strstr(fx->err, "cg_prepare() creates it"));
}

static void test_cg_v1_comounted_cpu_cpuset_once(void **state)
{
	struct fx *fx = *state;

	snprintf(fx->h.v1_cpu, sizeof(fx->h.v1_cpu), "%s", fx->h.v1_cpuset);
	tree_put(fx->root, "cpuset/cpu.rt_runtime_us", "950000\n");
	assert_int_equal(prepare(fx, "x", "1", 0, true, 0), 0);
	assert_int_equal(fx->vm.n_created, 1);
	assert_string_equal(tree_get(fx->root, "cpuset/x/cpu.rt_runtime_us"), "950000");
	assert_int_equal(cg_attach_thread(&fx->h, "x", 9, fx->err, sizeof(fx->err)), 0);
	assert_string_equal(tree_get(fx->root, "cpuset/x/tasks"), "9");
}

static void test_cg_v1_effective_cpus(void **state)
{
	struct fx *fx = *state;
	cpu_set_t set;

	assert_int_equal(prepare(fx, "x", "12", 0, false, 0), 0);
	tree_put(fx->root, "cpuset/x/cpuset.effective_cpus", "1\n");
	assert_int_equal(cg_effective_cpus(&fx->h, "x", &set, fx->err, sizeof(fx->err)), 0);
	assert_int_equal(CPU_COUNT(&set), 1);
	assert_true(CPU_ISSET(1, &set));
	/* Without cpuset.effective_cpus, cpuset.cpus applies. */
	assert_int_equal(cg_effective_cpus(&fx->h, "", &set, fx->err, sizeof(fx->err)), 0);
	assert_int_equal(CPU_COUNT(&set), 4);
	fx->h.v1_cpuset[0] = 0;
	assert_int_equal(cg_effective_cpus(&fx->h, "x", &set, fx->err, sizeof(fx->err)),
			 -EOPNOTSUPP);
}

static void test_cg_prepare_rejects_bad_paths(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(prepare(fx, "../etc", NULL, -1, false, 0), -EINVAL);
	assert_non_null(strstr(fx->err, "'..'"));
	assert_int_equal(prepare(fx, "a//b", NULL, -1, false, 0), -EINVAL);
	assert_int_equal(prepare(fx, "a/./b", NULL, -1, false, 0), -EINVAL);
	assert_int_equal(prepare(fx, "a", NULL, -1, true, 1000001), -EINVAL);
	assert_non_null(strstr(fx->err, "1000001"));
	assert_int_equal(fx->vm.n_created, 0);
	/* "" and "/" stay put: nothing created. */
	assert_int_equal(prepare(fx, "", NULL, -1, true, 0), 0);
	assert_int_equal(prepare(fx, "/", NULL, -1, true, 0), 0);
	assert_int_equal(fx->vm.n_created, 0);
	fx->h.mode = CG_MODE_NONE;
	assert_int_equal(prepare(fx, "a", NULL, -1, false, 0), -EOPNOTSUPP);
}

static void test_cg_cleanup_error_names_dir_and_permission(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(prepare(fx, "rtvmm/x", NULL, -1, false, 0), 0);
	snprintf(rmdir_eperm, sizeof(rmdir_eperm), "%s/cpuset/rtvmm/x", fx->root);
	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), -EPERM);
	assert_non_null(strstr(fx->err, rmdir_eperm));
	assert_non_null(strstr(fx->err, "needs root or delegation of this cgroup subtree "
					"(v2: write access to cgroup.procs of the common "
					"ancestor)"));
	/* The rest was still removed; cgroupfs refuses the busy cpuset/rtvmm. */
	assert_false(is_dir(fx->root, "cpu/rtvmm"));
	assert_true(is_dir(fx->root, "cpuset/rtvmm/x"));
	assert_true(is_dir(fx->root, "cpuset/rtvmm"));
	/* The list was freed: a second cleanup has nothing to do. */
	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
}

static void test_cg_v1_write_error_names_file_and_value(void **state)
{
	struct fx *fx = *state;
	char want[PATH_MAX + 64];

	/* A directory where the leaf's cpuset.cpus should be: the write fails. */
	mkdir_in(fx->root, "cpuset/x");
	mkdir_in(fx->root, "cpuset/x/cpuset.cpus");
	assert_int_equal(prepare(fx, "x", "3", 0, false, 0), -EISDIR);
	snprintf(want, sizeof(want), "write '3' to %s/cpuset/x/cpuset.cpus: %s", fx->root,
		 strerror(EISDIR));
	assert_non_null(strstr(fx->err, want));
}

/* ---- cgroup v2 ---------------------------------------------------------------------------- */

static void test_cg_v2_threaded_subtree_and_process_move(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(prepare(fx, "rtvmm/rt-guest", "23", 0, true, 0), 0);
	assert_string_equal(fx->info, "");
	/* cpuset enabled from the root down to the parent, the leaf threaded and limited. */
	assert_string_equal(tree_get(fx->root, "v2/cgroup.subtree_control"), "+cpuset");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/cgroup.subtree_control"), "+cpuset");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/rt-guest/cgroup.subtree_control"),
			    "<missing>");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/rt-guest/cgroup.type"), "threaded");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/cgroup.type"), "<missing>");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/rt-guest/cpuset.cpus"), "2-3");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/rt-guest/cpuset.mems"), "0");
	/* The process joined the parent; no RT budget on v2. */
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/cgroup.procs"), "4242");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/rt-guest/cpu.rt_runtime_us"), "<missing>");

	assert_int_equal(cg_attach_thread(&fx->h, "rtvmm/rt-guest", 4243, fx->err,
					  sizeof(fx->err)), 0);
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/rt-guest/cgroup.threads"), "4243");

	/* Cleanup: back to /user.slice/session, created dirs gone, the others kept. */
	tree_put(fx->root, "v2/user.slice/session/cgroup.procs", "");
	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_string_equal(tree_get(fx->root, "v2/user.slice/session/cgroup.procs"), "4242");
	assert_false(is_dir(fx->root, "v2/rtvmm"));
	assert_true(is_dir(fx->root, "v2/user.slice/session"));
}

static void test_cg_v2_second_cgroup_same_parent(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(prepare(fx, "rtvmm/a", "1", -1, false, 0), 0);
	tree_put(fx->root, "v2/rtvmm/cgroup.procs", "");
	assert_int_equal(prepare(fx, "rtvmm/b", "2", -1, false, 0), 0);
	/* Moved once; the original is still the session, not rtvmm. */
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/cgroup.procs"), "");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/b/cgroup.type"), "threaded");
	/* No binding: cpuset.mems stays empty, which v2 reads as the parent's. */
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/b/cpuset.mems"), "<missing>");

	assert_int_equal(prepare(fx, "elsewhere/c", NULL, -1, false, 0), -EINVAL);
	assert_non_null(strstr(fx->err, "must share one parent"));
	assert_false(is_dir(fx->root, "v2/elsewhere"));

	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_string_equal(tree_get(fx->root, "v2/user.slice/session/cgroup.procs"), "4242");
	assert_false(is_dir(fx->root, "v2/rtvmm"));
}

static void test_cg_v2_existing_subtree_control_kept(void **state)
{
	struct fx *fx = *state;

	tree_put(fx->root, "v2/cgroup.subtree_control", "cpuset memory\n");
	tree_put(fx->root, "v2/rt/cgroup.type", "threaded\n");
	assert_int_equal(prepare(fx, "rt", NULL, -1, false, 0), 0);
	assert_string_equal(tree_get(fx->root, "v2/cgroup.subtree_control"), "cpuset memory\n");
	assert_string_equal(tree_get(fx->root, "v2/rt/cgroup.type"), "threaded\n");
	/* A one-level path: the process joins the root. */
	assert_string_equal(tree_get(fx->root, "v2/cgroup.procs"), "4242");
	assert_int_equal(fx->vm.n_created, 0);
	assert_int_equal(cg_vm_cleanup(&fx->vm, fx->err, sizeof(fx->err)), 0);
	assert_true(is_dir(fx->root, "v2/rt"));
}

static void test_cg_v2_without_cpuset_places_and_notes(void **state)
{
	struct fx *fx = *state;
	cpu_set_t set;

	fx->h.v2_cpuset = false;
	assert_int_equal(prepare(fx, "rtvmm/x", "1", 0, false, 0), 0);
	assert_non_null(strstr(fx->info, "cgroup rtvmm/x: cgroup v2 offers no cpuset"));
	assert_non_null(strstr(fx->info, "not enforced by the cgroup"));
	assert_string_equal(tree_get(fx->root, "v2/cgroup.subtree_control"), "");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/x/cpuset.cpus"), "<missing>");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/x/cgroup.type"), "threaded");
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/cgroup.procs"), "4242");
	assert_int_equal(cg_effective_cpus(&fx->h, "rtvmm/x", &set, fx->err, sizeof(fx->err)),
			 -EOPNOTSUPP);
}

static void test_cg_v2_effective_cpus(void **state)
{
	struct fx *fx = *state;
	cpu_set_t set;

	assert_int_equal(prepare(fx, "rtvmm/x", "123", 0, false, 0), 0);
	tree_put(fx->root, "v2/rtvmm/x/cpuset.cpus.effective", "1-2\n");
	assert_int_equal(cg_effective_cpus(&fx->h, "rtvmm/x", &set, fx->err, sizeof(fx->err)),
			 0);
	assert_int_equal(CPU_COUNT(&set), 2);
	assert_true(CPU_ISSET(1, &set) && CPU_ISSET(2, &set));
	assert_int_equal(cg_effective_cpus(&fx->h, "rtvmm/y", &set, fx->err, sizeof(fx->err)),
			 -ENOENT);
	assert_non_null(strstr(fx->err, "rtvmm/y/cpuset.cpus.effective"));
}

static void test_cg_v2_missing_proc_entry_is_an_error(void **state)
{
	struct fx *fx = *state;

	tree_put(fx->root, "proc/4242/cgroup", "1:cpu:/\n");
	assert_int_equal(prepare(fx, "rtvmm/x", NULL, -1, false, 0), -ENOENT);
	assert_non_null(strstr(fx->err, "no cgroup v2 line"));
	assert_false(fx->vm.v2_moved);
	assert_string_equal(tree_get(fx->root, "v2/rtvmm/cgroup.procs"), "<missing>");
}

/* ---- the real host (root) ----------------------------------------------------------------- */

struct helper {
	const struct cg_host *h;
	const char *path;
	pid_t tid;
	int attach, fifo;
	char err[512], cgroup[4096];
};

/* A vCPU thread in small: join the cgroup from inside, then try to become RT. */
static void *helper_main(void *arg)
{
	struct helper *hp = arg;
	struct sched_param sp = { .sched_priority = 1 }, other = { 0 };
	char file[64];
	FILE *f;
	size_t n = 0;

	hp->tid = sched_gettid();
	hp->attach = cg_attach_thread(hp->h, hp->path, hp->tid, hp->err, sizeof(hp->err));
	snprintf(file, sizeof(file), "/proc/self/task/%d/cgroup", (int)hp->tid);
	f = fopen(file, "r");
	if (f) {
		n = fread(hp->cgroup, 1, sizeof(hp->cgroup) - 1, f);
		fclose(f);
	}
	hp->cgroup[n] = 0;
	hp->fifo = sched_setscheduler(0, SCHED_FIFO, &sp) ? errno : 0;
	sched_setscheduler(0, SCHED_OTHER, &other);
	return NULL;
}

static void run_helper(struct helper *hp)
{
	pthread_t t;

	assert_int_equal(pthread_create(&t, NULL, helper_main, hp), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
}

static bool real_host(struct cg_host *h)
{
	char err[512];

	if (geteuid() != 0) {
		print_message("skipped: needs root to create cgroups\n");
		return false;
	}
	if (cg_host_detect(h, err, sizeof(err)) != 0) {
		print_message("skipped: %s\n", err);
		return false;
	}
	return true;
}

static void test_cg_real_v1_place_thread(void **state)
{
	struct cg_host h;
	struct cg_vm vm;
	struct helper a = { 0 }, b = { 0 };
	char path[64], pathb[64], line[128], dir[PATH_MAX + 64], info[512], err[512];
	cpu_set_t cpus;

	(void)state;
	if (!real_host(&h))
		skip();
	if (h.mode != CG_MODE_V1 || !h.v1_cpuset[0] || !h.v1_cpu[0]) {
		print_message("skipped: no v1 cpuset and cpu hierarchies on this host\n");
		skip();
	}
	print_message("v1 cpuset at %s, cpu at %s, RT group scheduling %s\n", h.v1_cpuset,
		      h.v1_cpu, h.rt_group_sched ? "on" : "off");
	if (access("/sys/fs/cgroup/cpu/cpu.rt_runtime_us", F_OK) == 0)
		assert_true(h.rt_group_sched);
	snprintf(path, sizeof(path), "rtvmm-test-%d/a", (int)getpid());
	snprintf(pathb, sizeof(pathb), "rtvmm-test-%d/b", (int)getpid());
	cg_vm_init(&vm, 0);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	assert_int_equal(cg_prepare(&vm, &h, path, &cpus, 0, true, 50000, info, sizeof(info), err,
				    sizeof(err)), 0);
	if (h.rt_group_sched)
		assert_non_null(strstr(info, "cpu.rt_runtime_us = 50000 (RT group scheduling)"));
	assert_int_equal(cg_prepare(&vm, &h, pathb, NULL, -1, false, 0, info, sizeof(info), err,
				    sizeof(err)), 0);
	assert_int_equal(cg_effective_cpus(&h, path, &cpus, err, sizeof(err)), 0);
	assert_int_equal(CPU_COUNT(&cpus), 1);
	assert_true(CPU_ISSET(0, &cpus));

	a.h = b.h = &h;
	a.path = path;
	b.path = pathb;
	run_helper(&a);
	run_helper(&b);
	assert_int_equal(a.attach, 0);
	snprintf(line, sizeof(line), ":cpuset:/%s\n", path);
	assert_non_null(strstr(a.cgroup, line));
	snprintf(line, sizeof(line), ":cpu:/%s\n", path);
	assert_non_null(strstr(a.cgroup, line));
	/* The budget lets a thread become RT in "a"; "b" had no RT vCPU and has none. */
	assert_int_equal(a.fifo, 0);
	assert_int_equal(b.attach, 0);
	if (h.rt_group_sched)
		assert_int_equal(b.fifo, EPERM);

	assert_int_equal(cg_vm_cleanup(&vm, err, sizeof(err)), 0);
	snprintf(dir, sizeof(dir), "%s/rtvmm-test-%d", h.v1_cpuset, (int)getpid());
	assert_int_equal(access(dir, F_OK), -1);
	snprintf(dir, sizeof(dir), "%s/rtvmm-test-%d", h.v1_cpu, (int)getpid());
	assert_int_equal(access(dir, F_OK), -1);
}

/* The threaded-subtree rule on the real kernel, in whatever cgroup2 hierarchy is mounted. */
static void test_cg_real_v2_threaded_place_thread(void **state)
{
	struct cg_host h;
	struct cg_vm vm;
	struct helper a = { 0 };
	char path[64], line[128], dir[PATH_MAX + 64], info[512], err[512], before[4096];
	FILE *f;
	size_t n;

	(void)state;
	if (!real_host(&h))
		skip();
	if (!h.v2[0]) {
		print_message("skipped: no cgroup2 mount on this host\n");
		skip();
	}
	f = fopen("/proc/self/cgroup", "r");
	assert_non_null(f);
	n = fread(before, 1, sizeof(before) - 1, f);
	before[n] = 0;
	fclose(f);

	h.mode = CG_MODE_V2;
	h.v2_cpuset = false;	/* keep the real controllers out of it */
	snprintf(path, sizeof(path), "rtvmm-test-%d/a", (int)getpid());
	cg_vm_init(&vm, 0);
	assert_int_equal(cg_prepare(&vm, &h, path, NULL, -1, false, 0, info, sizeof(info), err,
				    sizeof(err)), 0);
	a.h = &h;
	a.path = path;
	run_helper(&a);
	assert_int_equal(a.attach, 0);
	snprintf(line, sizeof(line), "0::/%s\n", path);
	assert_non_null(strstr(a.cgroup, line));

	assert_int_equal(cg_vm_cleanup(&vm, err, sizeof(err)), 0);
	f = fopen("/proc/self/cgroup", "r");
	assert_non_null(f);
	n = fread(dir, 1, sizeof(dir) - 1, f);
	dir[n] = 0;
	fclose(f);
	assert_string_equal(dir, before);
	snprintf(dir, sizeof(dir), "%s/rtvmm-test-%d", h.v2, (int)getpid());
	assert_int_equal(access(dir, F_OK), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define V1(t) cmocka_unit_test_setup_teardown(t, setup_v1, teardown)
#define V2(t) cmocka_unit_test_setup_teardown(t, setup_v2, teardown)
		V1(test_cg_detect_prefers_v1_beside_v2),
		V1(test_cg_detect_rt_group_sched_needs_rt_runtime_file),
		V2(test_cg_detect_v2_only),
		V1(test_cg_detect_none),
		cmocka_unit_test(test_cg_rt_room_kernel_rule),
		V1(test_cg_v1_prepare_creates_and_sets_cpuset),
		V1(test_cg_v1_prepare_unbound_takes_parent_cpuset),
		V1(test_cg_v1_cleanup_keeps_preexisting_dirs),
		V1(test_cg_v1_rt_budget_chain),
		V1(test_cg_v1_rt_budget_zero_takes_all_free),
		V1(test_cg_v1_rt_second_vm_shares_intermediate),
		V1(test_cg_v1_rt_preexisting_zero_budget_is_named),
		V1(test_cg_v1_rt_preexisting_leaf),
		V1(test_cg_v1_rt_no_room_names_parent),
		V1(test_cg_v1_rt_without_group_sched_writes_nothing),
		V1(test_cg_v1_attach_writes_tasks),
		V1(test_cg_v1_comounted_cpu_cpuset_once),
		V1(test_cg_v1_effective_cpus),
		V1(test_cg_prepare_rejects_bad_paths),
		V1(test_cg_cleanup_error_names_dir_and_permission),
		V1(test_cg_v1_write_error_names_file_and_value),
		V2(test_cg_v2_threaded_subtree_and_process_move),
		V2(test_cg_v2_second_cgroup_same_parent),
		V2(test_cg_v2_existing_subtree_control_kept),
		V2(test_cg_v2_without_cpuset_places_and_notes),
		V2(test_cg_v2_effective_cpus),
		V2(test_cg_v2_missing_proc_entry_is_an_error),
		cmocka_unit_test(test_cg_real_v1_place_thread),
		cmocka_unit_test(test_cg_real_v2_threaded_place_thread),
#undef V1
#undef V2
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
