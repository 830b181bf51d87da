// SPDX-License-Identifier: Apache-2.0
/*
 * cgroup placement of vCPU threads (DESIGN.md, vCPU thread step 3). This module owns the
 * detection of the host's cgroup layout (v1 cpuset/cpu hierarchies through libcgroup, a
 * cgroup2 mount through the mount table), the directories rtvmm creates for a VM (and
 * only those: it removes exactly what it made), their cpuset and RT budget, and the move
 * of a thread into its cgroup. Preparation and cleanup run on the VM's main thread;
 * cg_attach_thread() runs in each vCPU thread, concurrently, and touches no shared
 * mutable state. Every file-system root (the mounts, /proc) lives in struct cg_host, so
 * tests fill one by hand to point at a temp tree.
 *
 * Control files are opened with O_WRONLY | O_CREAT | O_TRUNC: on cgroupfs they always
 * exist (O_CREAT is a no-op there, and the kernel refuses to create new files), and the
 * same code then writes plain files in a test tree.
 */
#ifndef RTVMM_SCHED_CGROUP_H
#define RTVMM_SCHED_CGROUP_H

#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The period the kernel gives a new v1 cpu cgroup (cpu.rt_period_us). */
#define CG_RT_PERIOD_DEFAULT_US 1000000u

enum cg_mode {
	CG_MODE_NONE,	/* no usable hierarchy: placement is impossible */
	CG_MODE_V1,	/* a v1 cpuset and/or cpu hierarchy is mounted: used, even beside v2 */
	CG_MODE_V2,	/* only the unified hierarchy */
};

/* The host's cgroup layout: detected once, read-only afterwards (any thread may read it). */
struct cg_host {
	enum cg_mode mode;
	char v1_cpuset[PATH_MAX];	/* v1 cpuset mount point; "" = not mounted */
	char v1_cpu[PATH_MAX];		/* v1 cpu mount point; "" = not mounted; may equal
					 * v1_cpuset when both controllers share a mount */
	char v2[PATH_MAX];		/* cgroup2 mount point; "" = not mounted */
	char proc[PATH_MAX];		/* procfs root, "/proc" (for <proc>/<pid>/cgroup) */
	bool rt_group_sched;		/* v1 cpu has cpu.rt_runtime_us: RT threads need budget */
	bool v2_cpuset;			/* the v2 root's cgroup.controllers lists cpuset */
};

/*
 * What rtvmm did to the cgroup trees for one VM, so cleanup undoes exactly that. Owned by
 * the VM (embedded, cg_vm_init/cg_vm_cleanup); used by the main thread only.
 */
struct cg_vm {
	pid_t pid;		/* the process moved on v2 (cgroup.procs) */
	char **created;		/* absolute directories rtvmm made, in creation order */
	size_t n_created, cap_created;
	bool v2_moved;		/* pid was moved into v2_parent; v2_orig is where it came from */
	char v2_parent[PATH_MAX];
	char v2_orig[PATH_MAX];
};

/* The bandwidth of one v1 cpu cgroup: cpu.rt_runtime_us (-1 = unlimited) per period. */
struct cg_rt_bw {
	int64_t runtime_us;
	uint64_t period_us;
};

/*
 * Detect the host's cgroups: libcgroup (cgroup_init, cgroup_get_subsys_mount_point) for
 * the v1 cpuset and cpu hierarchies, /proc/self/mounts for a cgroup2 mount, then the rule
 * of cg_host_from_mounts(). Call on the main thread (libcgroup initialises itself here).
 * Returns 0, or -EOPNOTSUPP with @err when no usable hierarchy is mounted (the struct is
 * still filled, mode CG_MODE_NONE: the caller decides whether that is fatal).
 */
int cg_host_detect(struct cg_host *h, char *err, size_t errlen);

/*
 * The detection rule over given inputs: @cpuset_mnt and @cpu_mnt are libcgroup's answers
 * (NULL = not mounted); each counts as v1 only if @mounts_file lists it with type
 * "cgroup" (libcgroup 2 also reports v2 controllers, at the cgroup2 mount). The first
 * "cgroup2" entry of @mounts_file is the v2 root. Mode: v1 when a v1 cpuset or cpu
 * hierarchy exists, else v2 when mounted, else none. rt_group_sched and v2_cpuset are read
 * from the trees found; proc is set to "/proc". Returns 0, -EOPNOTSUPP (mode none) or
 * another -errno when @mounts_file cannot be read, with @err. Any thread.
 */
int cg_host_from_mounts(struct cg_host *h, const char *mounts_file, const char *cpuset_mnt,
			const char *cpu_mnt, char *err, size_t errlen);

/*
 * Start tracking a VM's cgroup changes. @pid is the process moved on v2 (0 = getpid()).
 * Nothing is allocated yet; cg_vm_cleanup() is always safe afterwards.
 */
void cg_vm_init(struct cg_vm *vm, pid_t pid);

/*
 * Undo a VM's changes: on v2, move the process back to the cgroup it was in before
 * cg_prepare() moved it; then remove the directories rtvmm created, deepest first.
 * A created directory that meanwhile holds cgroups of others (another VM sharing
 * "rtvmm/") is left in place without error. Frees the list; safe to call twice. Call on
 * the main thread after every vCPU thread of the VM has been joined. Returns 0 or the
 * first -errno, with @err naming the path (the rest is still attempted).
 * The v2 move is process-wide: with several VMs in one process, clean them up in the
 * reverse order of their cg_prepare() calls so each puts the process back where it found it.
 */
int cg_vm_cleanup(struct cg_vm *vm, char *err, size_t errlen);

/*
 * Make the cgroup @path (relative to the cgroup root, "a/b"; "" = stay put: returns 0 and
 * does nothing) ready for the vCPU threads that will join it. Call once per distinct path,
 * with @cpus the union of the CPUs of the vCPUs placed in it (NULL or empty = the parent's
 * CPUs), @mem_node the guest memory's NUMA node (-1 = no binding: the parent's mems), @rt
 * true when any of those vCPUs is or will become (delay_rt) SCHED_RR/FIFO, and
 * @rt_runtime_us the RT budget per period for the leaf (0 = all the parent has free).
 *
 * v1: mkdir the path in the cpuset and cpu hierarchies; each directory created in cpuset
 * first gets its parent's cpuset.cpus/mems (a v1 child starts empty and refuses tasks),
 * then the leaf gets @cpus/@mem_node. With RT group scheduling and @rt, each directory
 * rtvmm created gets cpu.rt_runtime_us: intermediate ones as much as their parent still
 * has free (so several VMs can share them), the leaf @rt_runtime_us; a pre-existing one on
 * the path must already have a budget.
 * v2: the path is made "threaded" (cgroup.type) and the process joins its parent
 * (cgroup.procs; remembered for cleanup). All cgroups of one process must share that
 * parent. +cpuset is enabled in cgroup.subtree_control from the root down to the parent
 * when the root offers cpuset, then the leaf gets cpuset.cpus/mems; without it the
 * placement still happens and @info says the CPU limits are not enforced by the cgroup.
 *
 * @info receives what the caller should log ("" when nothing): the RT budgets written,
 * notes. Returns 0 or -errno with @err naming the file, the value and the fix; -EOPNOTSUPP
 * when the host has no cgroups; -EINVAL for a malformed path or budget. Directories made
 * before a failure stay recorded in @vm, so cg_vm_cleanup() removes them. Main thread,
 * before the vCPU threads start.
 */
int cg_prepare(struct cg_vm *vm, const struct cg_host *h, const char *path, const cpu_set_t *cpus,
	       int mem_node, bool rt, uint32_t rt_runtime_us, char *info, size_t infolen, char *err,
	       size_t errlen);

/*
 * Move thread @tid into @path ("" = do nothing): v1 writes it to `tasks` in the cpuset
 * and cpu hierarchies, v2 to cgroup.threads. Reads only @h and @path, so vCPU threads call
 * it concurrently, each for itself, after cg_prepare() for that path. Returns 0 or -errno
 * with @err (EACCES/EPERM explain the delegation needed).
 */
int cg_attach_thread(const struct cg_host *h, const char *path, pid_t tid, char *err,
		     size_t errlen);

/*
 * The effective CPUs of cgroup @path ("" = the root): v1 cpuset.effective_cpus (or
 * cpuset.cpus on kernels without it), v2 cpuset.cpus.effective. For refusing an affinity
 * the cgroup would override. Returns 0; -EOPNOTSUPP when there is no cpuset controller
 * (nothing to check against); other -errno with @err. Any thread.
 */
int cg_effective_cpus(const struct cg_host *h, const char *path, cpu_set_t *out, char *err,
		      size_t errlen);

/*
 * The largest cpu.rt_runtime_us a cgroup with period @period_us can get under a parent
 * with bandwidth @parent whose other children hold @siblings (@n of them), by the kernel's
 * rule that the children's runtime/period ratios add up to at most the parent's (a
 * runtime of -1 counts as the whole period). Pure; 0 when nothing is left.
 */
uint64_t cg_rt_room_us(struct cg_rt_bw parent, const struct cg_rt_bw *siblings, size_t n,
		       uint64_t period_us);

#endif
