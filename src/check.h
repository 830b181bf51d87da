// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm check`: the host report for RT guests. Combines the host facts of sched/host,
 * the KVM capabilities of /dev/kvm and, optionally, a finalized configuration into a
 * list of items, each OK, WARN or FAIL with what was found and, when not OK, the fix.
 * Building the list is a pure function of those inputs (tests pass fake facts and fake
 * capabilities); probing and printing are separate. Main thread only, before any VM.
 */
#ifndef RTVMM_CHECK_H
#define RTVMM_CHECK_H

#include "../config/config.h"
#include "../sched/host.h"

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum check_level { CHECK_OK, CHECK_WARN, CHECK_FAIL };

struct check_item {
	enum check_level level;
	char name[40];	 /* "rt-throttling", "[memory] hugepages", ... */
	char found[512]; /* what the host has, in words */
	char fix[512];	 /* how to get what is missing; "" when OK */
};

struct check_list {
	struct check_item *items;
	size_t n, cap;
};

/* What /dev/kvm offers. Values are KVM_CHECK_EXTENSION results (0 = absent). */
struct check_kvm {
	char path[256];	  /* the device, for messages */
	int err;	  /* kvm_sys_open(): 0 or -errno */
	bool caps_known;  /* the fields below were read (also when err is -ENOTSUP) */
	int api_version;  /* KVM_GET_API_VERSION */
	int irqchip;	  /* KVM_CAP_IRQCHIP */
	int immediate_exit; /* KVM_CAP_IMMEDIATE_EXIT */
	int halt_poll;	  /* KVM_CAP_HALT_POLL */
	unsigned disable_exits; /* KVM_CAP_X86_DISABLE_EXITS: CFG_EXIT_* (KVM's bits) */
	unsigned bus_lock;	/* KVM_CAP_X86_BUS_LOCK_EXIT: KVM_BUS_LOCK_DETECTION_* bits */
	int tsc_deadline; /* KVM_CAP_TSC_DEADLINE_TIMER */
};

/* KVM_BUS_LOCK_DETECTION_EXIT, the bit of check_kvm.bus_lock that rate limiting needs. */
#define CHECK_BUS_LOCK_EXIT (1u << 1)

/*
 * Whether this process can create or join the cgroups the config names, decided by the
 * I/O in check_cgroup_probe() so check_build() stays pure.
 */
struct check_cgroup_access {
	bool checked;	/* false: the config names no cgroup, or no hierarchy to put it in */
	int err;	/* 0, or -errno of the first cgroup that cannot be created/joined */
	char msg[PATH_MAX + 128]; /* with err: which directory, and why */
};

/* Where check_report() looks; NULL members take the defaults in brackets. */
struct check_env {
	const char *sys_root;  /* ["/sys"] */
	const char *proc_root; /* ["/proc"] */
	const char *kvm_path;  /* ["/dev/kvm"] */
};

/*
 * Open @path with kvm_sys_open() (which logs why when it fails) and read the API version
 * and the capabilities the report shows into @kvm. When the device opens but lacks a
 * capability rtvmm requires, the capabilities are still read so the report can name it.
 */
void check_kvm_probe(struct check_kvm *kvm, const char *path);

/*
 * Whether every cgroup the config's vCPUs name can be created or joined in the
 * hierarchies rtvmm would use (v1 cpu and cpuset, else v2). Fills @acc.
 */
void check_cgroup_probe(const struct cfg *cfg, const struct host_facts *host,
			struct check_cgroup_access *acc);

/*
 * Build the report: host items (KVM, permissions, scheduler, cgroups, memory, CPU
 * isolation, split-lock detection), then, with @cfg (after cfg_finalize; NULL for none),
 * one item per requested feature. A feature the host cannot give is FAIL with [vm]
 * strict and WARN without, except what always stops a start (no /dev/kvm, a vCPU or
 * emulator CPU that is not online, no hugepages of the requested size reserved): FAIL.
 * @cg may be NULL (treated as unchecked). Appends to @list. Returns 0 or -ENOMEM. Pure.
 */
int check_build(const struct cfg *cfg, const struct host_facts *host,
		const struct check_kvm *kvm, const struct check_cgroup_access *cg,
		struct check_list *list);

/* The item called @name, or NULL. */
const struct check_item *check_find(const struct check_list *list, const char *name);

/* Count of items at @level. */
size_t check_count(const struct check_list *list, enum check_level level);

/* 0 when no item is FAIL, 1 otherwise: the exit status of `rtvmm check`. */
int check_exit_status(const struct check_list *list);

/*
 * Print one line per item ("WARN  name  found; fix: ...") and a summary line
 * ("check: 12 OK, 4 WARN, 0 FAIL") to @out. Returns check_exit_status().
 */
int check_print(const struct check_list *list, FILE *out);

void check_list_fini(struct check_list *list);

/*
 * `rtvmm check [CONFIG]`: read the host under @env (NULL: the real roots), probe
 * /dev/kvm, build and print the report for @cfg_or_null to @out. Returns the exit
 * status: 0 when nothing required fails, 1 otherwise (also when the report could not be
 * built, e.g. out of memory, after saying so on @out). Main thread.
 */
int check_report(const struct cfg *cfg_or_null, const struct check_env *env, FILE *out);

#endif
