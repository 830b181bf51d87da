// SPDX-License-Identifier: Apache-2.0
/*
 * Host facts that decide how well an RT guest can run here: permissions for RT policies
 * and locked memory, RT throttling, uclamp and core-scheduling support, SMT, cgroup
 * hierarchies, NUMA nodes, hugepages, THP, CPU isolation and split-lock detection.
 * Reading them is a thin layer over files under a sysfs and a procfs root (parameters,
 * so tests use temp trees) plus a few syscall probes; judging them is the caller's job
 * (src/check). No KVM here. Used by the main thread before a VM starts (`rtvmm check`,
 * pre-flight); nothing is cached between calls.
 */
#ifndef RTVMM_SCHED_HOST_H
#define RTVMM_SCHED_HOST_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Capability bits of CapEff (linux/capability.h). */
#define HOST_CAP_IPC_LOCK 14
#define HOST_CAP_SYS_NICE 23

/* A number the host did not tell (file missing or unreadable). */
#define HOST_UNKNOWN INT64_MIN

#define HOST_MAX_CGROUP_V1 16
#define HOST_MAX_HUGEPAGE_SIZES 8

/* One mounted cgroup v1 hierarchy. */
struct host_cgroup_v1 {
	char mount[512];	/* mount point as listed in the mounts file */
	char controllers[128];	/* "cpu,cpuacct"; "" for a named hierarchy (name=systemd) */
};

/* One hugepage size from <sys>/kernel/mm/hugepages/hugepages-<N>kB. */
struct host_hugepages {
	uint64_t size_kb;
	int64_t nr;		/* nr_hugepages: reserved in the pool; HOST_UNKNOWN if unreadable */
	int64_t free;		/* free_hugepages; HOST_UNKNOWN if unreadable */
	int64_t resv;		/* resv_hugepages: free but promised to a mapping; 0 if unknown */
};

struct host_facts {
	/* The process: filled by host_probe_process() except cap_eff (<proc>/self/status). */
	uid_t euid;
	bool cap_known;		/* false: no CapEff line could be read */
	uint64_t cap_eff;	/* effective capability mask */
	struct rlimit rtprio;	/* RLIMIT_RTPRIO */
	struct rlimit memlock;	/* RLIMIT_MEMLOCK, bytes */
	int core_sched;		/* host_core_sched_probe(): 0, -EOPNOTSUPP or another -errno */

	/* The scheduler. */
	int64_t rt_runtime_us;	/* kernel.sched_rt_runtime_us; -1 = no throttling */
	int64_t rt_period_us;	/* kernel.sched_rt_period_us */
	bool uclamp;		/* <proc>/sys/kernel/sched_util_clamp_min exists */
	int smt_active;		/* <sys>/devices/system/cpu/smt/active: 1, 0, -1 = no file */
	char smt_control[32];	/* on, off, forceoff, notsupported, notimplemented; "" = no file */

	/* Cgroups, from the mounts file. */
	struct host_cgroup_v1 v1[HOST_MAX_CGROUP_V1];
	unsigned n_v1;
	char v2_mount[512];	 /* first cgroup2 mount; "" = none */
	char v2_controllers[256]; /* its cgroup.controllers, blank-separated; "" = none */
	bool rt_group_sched;	 /* cpu.rt_runtime_us exists at the v1 cpu hierarchy's root */
	char self_cpu_cgroup[512]; /* this process's v1 cpu cgroup ("/..."); "" = unknown */
	int64_t self_rt_runtime_us; /* its cpu.rt_runtime_us; HOST_UNKNOWN when not readable */

	/* Memory. */
	bool numa_known;	/* false: no <sys>/devices/system/node/online */
	cpu_set_t numa_nodes;	/* online nodes (a node bitmap in a cpu_set_t) */
	struct host_hugepages huge[HOST_MAX_HUGEPAGE_SIZES]; /* ascending size */
	unsigned n_huge;
	char thp[16];		/* always, madvise or never; "" = no THP */

	/* CPUs. */
	bool cpus_known;	/* false: <sys>/devices/system/cpu/online unreadable */
	cpu_set_t online;
	cpu_set_t present;	/* CPUs that exist (online or not); = online when no file */
	cpu_set_t isolated;	/* <sys>/devices/system/cpu/isolated (isolcpus domain) */
	bool nohz_full_supported; /* <sys>/devices/system/cpu/nohz_full exists */
	cpu_set_t nohz_full;
	/* Kernel command-line values (after "key="); "" = not given. */
	char isolcpus_arg[256];
	char nohz_full_arg[256];
	char rcu_nocbs_arg[256];
	bool rcu_nocbs_given;	/* "rcu_nocbs" present, possibly without a value */
	char split_lock_arg[32];
	bool split_lock_flag;	/* "split_lock_detect" in <proc>/cpuinfo flags */

	/* KVM: the vendor module loaded (<sys>/module/NAME); "" = none found. */
	char kvm_module[16];	/* kvm_intel, kvm_amd or kvm_pvm (software, no VT-x/AMD-V) */
};

/*
 * Whether this host's KVM runs guests with hardware virtualization (kvm_intel,
 * kvm_amd). kvm_pvm virtualizes in software: small guests run, a stock Linux kernel
 * does not boot.
 */
bool host_kvm_is_hardware(const struct host_facts *f);

/*
 * Reads a CPU list file such as <root>/devices/system/cpu/online into *set (empty for
 * an empty file). Returns 0, -errno, or -EINVAL when it is not a CPU list.
 */
int host_read_cpulist(const char *root, const char *rel, cpu_set_t *set);

/* Set every fact to "unknown / absent". */
void host_facts_init(struct host_facts *f);

/*
 * Fill the file-based facts from @sys_root (normally "/sys") and @proc_root ("/proc"):
 * everything but the process probes. A missing file is a fact (feature absent), not an
 * error. The mounts file is <proc_root>/self/mounts; cgroup files are read under the
 * mount points it lists, as written there. Returns 0, or -ENAMETOOLONG when a root is
 * too long to build paths from. Main thread (or any; no shared state).
 */
int host_read(struct host_facts *f, const char *sys_root, const char *proc_root);

/*
 * Fill the process facts that come from syscalls: euid, RLIMIT_RTPRIO, RLIMIT_MEMLOCK
 * and the core-scheduling probe. Returns 0 or -errno from getrlimit. Any thread.
 */
int host_probe_process(struct host_facts *f);

/*
 * Whether the kernel has core scheduling (CONFIG_SCHED_CORE): asks for the calling
 * thread's cookie with prctl(PR_SCHED_CORE, PR_SCHED_CORE_GET). Returns 0 when supported,
 * -EOPNOTSUPP when absent (EINVAL/ENODEV/EOPNOTSUPP), another -errno otherwise.
 */
int host_core_sched_probe(void);

/* Whether CapEff holds capability bit @cap (false when CapEff was not read). */
bool host_has_cap(const struct host_facts *f, int cap);

/* The hugepage pool of @size_kb, or NULL when the kernel has no such size. */
const struct host_hugepages *host_hugepages_find(const struct host_facts *f, uint64_t size_kb);

/* The v1 hierarchy that has @controller ("cpu", "cpuset"), or NULL. */
const struct host_cgroup_v1 *host_cgroup_v1_find(const struct host_facts *f,
						  const char *controller);

/* Whether the v2 hierarchy enables @controller in its root (cgroup.controllers). */
bool host_cgroup_v2_has(const struct host_facts *f, const char *controller);

/*
 * Find kernel parameter @key in command line @cmdline (parameters after a lone "--" go
 * to init and are ignored; the last occurrence wins, as for most kernel parameters).
 * Copies the value after '=' into @val ("" for a bare "key"). Returns 1 when found, 0
 * when not. Pure.
 */
int host_cmdline_arg(const char *cmdline, const char *key, char *val, size_t len);

/*
 * Parse the CapEff line of a /proc/PID/status text into @caps. Returns 0 or -ENOENT when
 * the text has no CapEff line. Pure.
 */
int host_parse_capeff(const char *status, uint64_t *caps);

/*
 * Whether this process may create cgroup @rel (relative, may be nested) under hierarchy
 * mount @mount: the deepest directory of @mount/@rel that exists must be writable (for a
 * cgroup that exists already, its cgroup.procs/tasks must be). Returns 0 when so,
 * -EACCES/-EROFS/... from access(2) otherwise, with @err naming the directory.
 */
int host_cgroup_can_create(const char *mount, const char *rel, char *err, size_t errlen);

#endif
