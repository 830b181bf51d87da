// SPDX-License-Identifier: Apache-2.0
/*
 * Host scheduling of one thread, by tid: what it should get (a plan, decided from the
 * configuration elsewhere) and the thin layer of syscalls that applies it. Called from
 * the thread being placed (the vCPU thread applies its own plan before its first
 * KVM_RUN) or from the main thread for the emulator threads. No KVM headers here.
 */
#ifndef RTVMM_SCHED_THREAD_H
#define RTVMM_SCHED_THREAD_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sched_thread_plan {
	bool pin;		/* false: leave the affinity alone */
	cpu_set_t cpus;
	int policy;		/* SCHED_OTHER, SCHED_RR or SCHED_FIFO */
	int rt_priority;	/* 1..99 for RR/FIFO */
	bool delay_rt;		/* stay SCHED_OTHER until sched_thread_make_rt() */
};

/*
 * Pins `tid` to the plan's CPUs (nothing when !plan->pin). Returns 0 or -errno; on
 * failure `err` says what failed and why, without naming the thread, which the caller does.
 */
int sched_thread_pin(pid_t tid, const struct sched_thread_plan *plan, char *err, size_t errlen);

/* Switches `tid` to the plan's RT policy now (make-rt). Returns 0 or -errno with `err`. */
int sched_thread_make_rt(pid_t tid, const struct sched_thread_plan *plan, char *err,
			 size_t errlen);

/* The calling thread's id. */
pid_t sched_gettid(void);

#endif
