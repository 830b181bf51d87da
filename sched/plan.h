// SPDX-License-Identifier: Apache-2.0
/*
 * The placement plan: from a finalized configuration and a host topology, decide for
 * every vCPU thread its host CPUs, cgroup, scheduling policy, priority, uclamp boost and
 * core-scheduling cookie; for the emulator threads (main and helpers) their CPUs; and
 * the NUMA node of guest memory. Automatic placement (cpus = auto) picks whole physical
 * cores on the VM's node, away from the emulator CPUs, CPU 0 and SMT siblings of other
 * vCPUs. The decision is a pure function: no syscalls, no logging; what deserves the
 * user's attention comes back as warnings, what cannot work as an error. `rtvmm plan`
 * prints the plan, the VM applies it. Built once by the main thread before the vCPU
 * threads start; read-only afterwards, so any thread may read it.
 *
 * struct plan is about 120 KiB (CFG_MAX_VCPUS vCPU slots and the warnings): allocate it
 * (malloc or inside a heap object), never on a thread's stack.
 */
#ifndef RTVMM_SCHED_PLAN_H
#define RTVMM_SCHED_PLAN_H

#include "../config/config.h"
#include "topo.h"

#include <jansson.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PLAN_MAX_WARNINGS 64
#define PLAN_WARNING_LEN 256

/* How the memory node was chosen. */
enum plan_numa_source {
	PLAN_NUMA_NONE,	  /* [memory] numa_node = none: no memory policy, node is -1 */
	PLAN_NUMA_CONFIG, /* [memory] numa_node = N */
	PLAN_NUMA_AUTO,	  /* auto: the node of the vCPUs' CPUs (most vCPUs, lowest id on ties) */
};

struct plan_vcpu {
	cpu_set_t cpus;	  /* host CPUs of the thread, never empty */
	bool cpus_auto;	  /* chosen by the planner (cpus = auto): exactly one CPU */
	int core;	  /* topo core id when all of cpus are on one core, else -1 */
	int node;	  /* NUMA node when all of cpus are on one node, else -1 */
	char cgroup[256]; /* relative to the cgroup root, no leading '/'; "" = stay put */
	int policy;	  /* SCHED_OTHER, SCHED_RR or SCHED_FIFO */
	int rt_priority;  /* 1..99 with SCHED_RR/SCHED_FIFO; 0 with SCHED_OTHER */
	bool delay_rt;	  /* RR/FIFO only from `make-rt` on; always false with SCHED_OTHER */
	bool boost_uclamp; /* util_min = max */
	enum cfg_core_sched core_sched;
	/*
	 * Threads with the same value share one core-scheduling cookie: -1 = no cookie
	 * (off); otherwise the lowest vCPU index in the group (core_sched = vcpu: the
	 * vCPU's own index; vm: the first vCPU with core_sched = vm).
	 */
	int core_sched_group;
};

/*
 * The emulator threads (main thread and helpers). With [sched] emulator_cpus set they
 * are pinned to it. Unset, they are left unpinned: they keep the affinity rtvmm was
 * started with (systemd CPUAffinity=, taskset), which on a host booted with isolcpus=
 * already excludes the isolated CPUs. The planner does not pin them to "the CPUs
 * without vCPUs" on its own: on a host shared by several VMs those are other VMs' CPUs.
 * It warns when every CPU they would run on is taken by an RT vCPU.
 */
struct plan_emulator {
	bool pin;	/* false: not pinned, cpus is empty */
	cpu_set_t cpus; /* with pin: [sched] emulator_cpus */
	int node;	/* NUMA node when pinned to CPUs of one node, else -1 */
};

struct plan_memory {
	int node; /* node guest RAM is bound to; -1 = no memory policy */
	enum plan_numa_source source;
	uint64_t bytes; /* [vm] memory */
	enum cfg_hugepages hugepages;
	bool lock;
	bool prefault;
};

struct plan {
	char name[64];	   /* [vm] name */
	unsigned nr_vcpus; /* [vm] vcpus; vcpu[0, nr_vcpus) are set */
	struct plan_vcpu vcpu[CFG_MAX_VCPUS];
	struct plan_emulator emulator;
	struct plan_memory memory;
	unsigned nr_warnings;	      /* stored in warning[], at most PLAN_MAX_WARNINGS */
	unsigned nr_dropped_warnings; /* warnings beyond PLAN_MAX_WARNINGS, not stored */
	char warning[PLAN_MAX_WARNINGS][PLAN_WARNING_LEN]; /* one sentence each, no "warning:" */
};

/*
 * Decide the placement of @cfg (after cfg_finalize()) on topology @t into @p (fully
 * overwritten). Deterministic: the same inputs give the same plan.
 *
 * Automatic placement gives each cpus = auto vCPU one CPU, in vCPU order, on the VM's
 * node: [memory] numa_node = N; otherwise the node where most explicitly pinned vCPUs
 * are if it still has enough free cores for the auto vCPUs, else the node with the most
 * free cores (lowest id on ties). Among that node's CPUs it prefers, in this order: a
 * CPU no vCPU uses, not an emulator CPU, on a core no other vCPU uses, on a core without
 * an emulator CPU, isolated, not CPU 0, not on CPU 0's core, then the lowest number.
 * So SMT siblings, emulator CPUs and shared CPUs are only used when whole cores run out,
 * each with a warning. A node without CPUs makes it use every CPU of the host (warned).
 *
 * Returns 0, or -EINVAL with @err naming the key when the configuration cannot be
 * placed on @t: a [vcpu.N] cpus or [sched] emulator_cpus CPU that @t lacks, a
 * [memory] numa_node that @t lacks. Warnings (SMT siblings, shared CPUs, vCPUs on
 * emulator CPUs or on a busy CPU 0, vCPUs outside the memory node, fallbacks of
 * automatic placement) are in @p->warning. Pure: any thread; uses about 12 KiB of stack.
 */
int plan_build(struct plan *p, const struct cfg *cfg, const struct topo *t, char *err,
	       size_t errlen);

/*
 * Print @p as a table for people: one row per vCPU and one for the emulator threads
 * (thread, host CPUs, core, node, cgroup, policy, priority, uclamp, core scheduling),
 * a memory line, then one "warning: ..." line per warning. Any thread.
 */
void plan_print(const struct plan *p, FILE *f);

/*
 * @p as JSON, for `rtvmm plan --json` and scripts. Field names are stable:
 *   { "name": str,
 *     "vcpus": [ { "vcpu": int, "cpus": cpulist str, "cpus_auto": bool,
 *                  "core": int|null, "node": int|null, "cgroup": str ("" = stay put),
 *                  "policy": "other"|"rr"|"fifo", "rt_priority": int (0 with other),
 *                  "delay_rt": bool, "boost_uclamp": bool,
 *                  "core_scheduling": "off"|"vcpu"|"vm", "core_sched_group": int|null } ],
 *     "emulator": { "pinned": bool, "cpus": cpulist str ("" when unpinned), "node": int|null },
 *     "memory": { "node": int|null, "source": "none"|"config"|"auto", "bytes": int,
 *                 "hugepages": "off"|"thp"|"2M"|"1G", "lock": bool, "prefault": bool },
 *     "warnings": [ str ], "warnings_dropped": int }
 * Returns a new reference (json_decref() it), or NULL when out of memory. Any thread.
 */
json_t *plan_to_json(const struct plan *p);

/* "other", "rr" or "fifo" for a SCHED_* policy; "?" for anything else. */
const char *plan_policy_name(int policy);

#endif
