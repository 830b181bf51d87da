// SPDX-License-Identifier: Apache-2.0
/*
 * The vCPU state machine and the per-vCPU mailbox of control messages.
 *
 * Any thread posts (the main thread, the control server); only the owning vCPU thread
 * takes. The requested run state is latest-wins and can never be refused, so a stop
 * always gets through; other messages queue in order up to MAILBOX_CAPACITY. Posting
 * does not wake a vCPU inside KVM_RUN: the caller kicks it afterwards (vcpu_kick).
 */
#ifndef RTVMM_MAILBOX_H
#define RTVMM_MAILBOX_H

#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

enum vcpu_state {
	VCPU_CREATED,	/* fd exists, thread not yet set up */
	VCPU_READY,	/* thread set up, waiting at the start barrier */
	VCPU_RUNNING,
	VCPU_PAUSED,
	VCPU_EXITED,
	VCPU_FAILED,
	VCPU_STATE_COUNT
};

/* Whether the state machine allows from -> to. */
bool vcpu_state_allowed(enum vcpu_state from, enum vcpu_state to);
const char *vcpu_state_name(enum vcpu_state state);

/*
 * Moves *state to `to` if allowed. Returns 0, or -EPERM for a refused transition
 * (the state is unchanged). Any thread.
 */
int vcpu_state_move(_Atomic int *state, enum vcpu_state to);

enum vcpu_run_state { RUN_STATE_NONE, RUN_STATE_RUNNING, RUN_STATE_PAUSED, RUN_STATE_EXITING };

enum vcpu_msg_kind {
	VCPU_MSG_RUN_STATE,	/* arg: run_state */
	VCPU_MSG_MAKE_RT,	/* switch to the configured RT policy now */
	VCPU_MSG_THROTTLE,	/* arg: throttle_us; spin outside the guest that long */
	VCPU_MSG_GET_STATE,	/* reply.state filled */
	VCPU_MSG_SET_AFFINITY,	/* arg: cpus */
};

/* What a vCPU reports about itself (GET_STATE). */
struct vcpu_snapshot {
	enum vcpu_state state;
	pid_t tid;
	int last_cpu;		/* CPU the thread last ran on; -1 unknown */
	int policy;		/* SCHED_OTHER, SCHED_RR, SCHED_FIFO */
	int priority;		/* RT priority; 0 for SCHED_OTHER */
	cpu_set_t affinity;
};

/* Owned by the sender, completed by the vCPU thread (or by mailbox_close). */
struct vcpu_reply {
	sem_t done;
	int result;		/* 0 or -errno */
	char error[512];	/* with a failed result: why, for the requester to show */
	struct vcpu_snapshot snapshot;
};

struct vcpu_msg {
	enum vcpu_msg_kind kind;
	union {
		enum vcpu_run_state run_state;
		uint32_t throttle_us;
		cpu_set_t cpus;
	};
	struct vcpu_reply *reply;	/* NULL: no reply wanted */
};

#define MAILBOX_CAPACITY 16

struct mailbox {
	/* a hint read lock-free by the run loop after every exit: anything to take? */
	_Atomic bool pending;
	pthread_mutex_t lock;	/* protects every field below */
	pthread_cond_t posted;	/* signalled on every post; a paused vCPU waits on it */
	enum vcpu_run_state run_state;	/* latest requested; RUN_STATE_NONE = no change */
	struct vcpu_msg queue[MAILBOX_CAPACITY];
	unsigned head, count;
	bool closed;		/* the vCPU thread is gone: posts fail with -ESRCH */
};

int mailbox_init(struct mailbox *mb);
void mailbox_fini(struct mailbox *mb);

/* Posts a message. Returns 0, -EAGAIN when the queue is full, -ESRCH when closed. */
int mailbox_post(struct mailbox *mb, const struct vcpu_msg *msg);

/*
 * Takes the requested run state (RUN_STATE_NONE if unchanged) and up to `max` queued
 * messages. With `wait`, blocks until something was posted. Returns the message count.
 * vCPU thread only.
 */
unsigned mailbox_take(struct mailbox *mb, enum vcpu_run_state *run_state, struct vcpu_msg *out,
		      unsigned max, bool wait);

/* Refuses further posts and fails every queued reply with -ESRCH. vCPU thread, at exit. */
void mailbox_close(struct mailbox *mb);

/* Completes a reply: the sender's wait returns. */
void vcpu_reply_complete(struct vcpu_reply *reply, int result);

#endif
