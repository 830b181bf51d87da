// SPDX-License-Identifier: Apache-2.0
/*
 * A vCPU: its KVM fd and kvm_run mapping, its thread (rtvmm-vcpuN), its mailbox and its
 * counters. The VM creates and owns vCPUs; the vCPU thread owns the run loop. Other
 * threads talk to a vCPU only through vcpu_post()/vcpu_call() and read its counters.
 */
#ifndef RTVMM_VCPU_H
#define RTVMM_VCPU_H

#include "exit.h"
#include "mailbox.h"

#include "../sched/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

struct vm;

/* Written only by the vCPU thread (relaxed stores), read by anyone. */
struct vcpu_stats {
	_Atomic uint64_t exits[EXIT_KIND_COUNT];
	_Atomic uint64_t run_ns;		/* time spent inside KVM_RUN */
	_Atomic uint64_t io_unclaimed;		/* port accesses no device decodes */
	_Atomic uint64_t mmio_unclaimed;	/* MMIO accesses no device decodes */
	_Atomic uint64_t bus_locks;
	_Atomic uint64_t bus_lock_sleep_ns;	/* time slept for [sched] bus_lock_ratelimit */
	_Atomic uint64_t throttle_ns;		/* time spent throttled outside the guest */
};

struct vcpu {
	struct vm *vm;
	unsigned id;
	int fd;				/* -1 when closed */
	struct kvm_run *run;		/* NULL when unmapped */
	pthread_t thread;
	bool thread_started;
	_Atomic pid_t tid;		/* 0 until the thread reports it */
	_Atomic int state;		/* enum vcpu_state */
	struct mailbox mailbox;
	struct vcpu_stats stats;
	struct sched_thread_plan plan;
	bool in_cgroup;			/* joined its cgroup (written during setup only) */
	char name[16];			/* "rtvmm-vcpuN" */
};

/* Creates vCPU `id` of `vm` (fd, kvm_run, mailbox). Returns 0 or -errno. Main thread. */
int vcpu_create(struct vcpu **out, struct vm *vm, unsigned id);
/* Frees a vCPU whose thread is joined or never started. Accepts NULL. */
void vcpu_destroy(struct vcpu *vcpu);

/* Starts the vCPU thread. Returns 0 or -errno. Main thread. */
int vcpu_start(struct vcpu *vcpu);
/* Joins the thread; call after RUN_STATE_EXITING was posted and kicked. */
void vcpu_join(struct vcpu *vcpu);

/* Makes a running KVM_RUN return so the thread drains its mailbox. Any thread. */
void vcpu_kick(struct vcpu *vcpu);
/* Posts a message and kicks. Returns 0 or -errno from mailbox_post. Any thread. */
int vcpu_post(struct vcpu *vcpu, const struct vcpu_msg *msg);
/*
 * Posts a message with a reply, kicks, and waits until the vCPU completes it (a live
 * vCPU drains its mailbox at its next exit; one that ends fails the reply with -ESRCH).
 * Returns the reply's result or a posting error. Any thread but the vCPU's own.
 */
int vcpu_call(struct vcpu *vcpu, struct vcpu_msg *msg, struct vcpu_reply *reply);

/* Installs the kick signal's handler. Once per process, before vCPU threads start. */
int vcpu_signal_init(void);
/* The signal used to kick vCPU threads; block it everywhere but in vCPU threads. */
int vcpu_kick_signal(void);

static inline void vcpu_stat_add(_Atomic uint64_t *counter, uint64_t n)
{
	/* one writer: a plain load and store, no locked instruction in the hot path */
	atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

#endif
