// SPDX-License-Identifier: Apache-2.0
/*
 * Host scheduling of one thread, by tid: what it should get (a plan, decided from the
 * configuration by sched/plan) and the thin layer of syscalls that applies it, one step
 * at a time so the caller can apply the failure policy between steps. Called from the
 * thread being placed (a vCPU thread sets itself up before its first KVM_RUN) or from
 * the main thread for the emulator threads. No KVM headers here.
 *
 * Every step returns 0, -EOPNOTSUPP when this host's kernel cannot do it at all (the
 * message says which kernel option or hardware is missing), or another -errno (the
 * message says which permission or limit is missing). The caller decides whether that
 * is a warning or stops the start ([vm] strict).
 */
#ifndef RTVMM_SCHED_THREAD_H
#define RTVMM_SCHED_THREAD_H

#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Which SMT-sibling isolation a thread gets (prctl PR_SCHED_CORE). */
enum sched_core_mode {
	SCHED_CORE_OFF,	 /* no cookie: siblings may run any task */
	SCHED_CORE_OWN,	 /* a cookie of its own: siblings run only its own tasks or idle */
	SCHED_CORE_SHARED, /* the cookie of its sched_core_group (one per VM) */
};

struct sched_thread_plan {
	bool boost_uclamp;	/* util_min = 1024: the CPU frequency stays at its maximum */
	enum sched_core_mode core;
	bool pin;		/* false: leave the affinity alone */
	cpu_set_t cpus;
	int policy;		/* SCHED_OTHER, SCHED_RR or SCHED_FIFO */
	int rt_priority;	/* 1..99 for RR/FIFO */
	bool delay_rt;		/* stay SCHED_OTHER until sched_thread_make_rt() */
};

/*
 * One core-scheduling cookie shared by a set of threads (a VM's vCPUs). The first
 * thread to join creates it; the others copy it from that thread. Threads that never
 * join (the VMM's main and helper threads) stay outside it.
 */
struct sched_core_group {
	pthread_mutex_t lock;	/* protects the fields below */
	pid_t owner;		/* tid of the thread that holds the cookie; 0: none yet */
	int status;		/* the creator's result, returned to later joiners on failure */
	char error[512];	/* and its reason, which they report too */
};

void sched_core_group_init(struct sched_core_group *group);
void sched_core_group_fini(struct sched_core_group *group);

/* Step 1: util_min boost through sched_setattr, keeping policy and parameters. */
int sched_thread_boost(pid_t tid, char *err, size_t errlen);

/*
 * Step 2: the calling thread gets a cookie of its own (group NULL) or joins `group`'s.
 * Acts on the calling thread only, because cookies are copied "from" a thread to self.
 */
int sched_thread_core(struct sched_core_group *group, char *err, size_t errlen);

/* Step 4: pins `tid` to the plan's CPUs (nothing when !plan->pin). */
int sched_thread_pin(pid_t tid, const struct sched_thread_plan *plan, char *err, size_t errlen);

/*
 * Step 5 (or the make-rt command): switches `tid` to the plan's RT policy, raising
 * RLIMIT_RTPRIO first when its soft limit is below the priority. Nothing for SCHED_OTHER.
 */
int sched_thread_make_rt(pid_t tid, const struct sched_thread_plan *plan, char *err,
			 size_t errlen);

/* What the kernel says a thread has now, for reports. */
struct sched_thread_now {
	int policy;		/* SCHED_OTHER, SCHED_RR, SCHED_FIFO; -1 when unreadable */
	int priority;		/* RT priority; 0 for SCHED_OTHER or unreadable */
	bool affinity_known;
	cpu_set_t affinity;	/* empty when not known */
};

/* Reads the policy, priority and affinity of `tid` (0: the caller). Any thread. */
void sched_thread_read(pid_t tid, struct sched_thread_now *now);

/* "SCHED_RR" and so on, for messages. */
const char *sched_policy_name(int policy);

/* The calling thread's id. */
pid_t sched_gettid(void);

#endif
