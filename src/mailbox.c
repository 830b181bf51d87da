// SPDX-License-Identifier: Apache-2.0
/*
 * vCPU state machine and mailbox (see mailbox.h).
 */
#include "mailbox.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/*
 * created -> ready -> running <-> paused -> exited; any live state -> failed;
 * created/ready -> exited when a start is aborted before the guest ran.
 */
bool vcpu_state_allowed(enum vcpu_state from, enum vcpu_state to)
{
	switch (from) {
	case VCPU_CREATED:
		return to == VCPU_READY || to == VCPU_EXITED || to == VCPU_FAILED;
	case VCPU_READY:
		return to == VCPU_RUNNING || to == VCPU_PAUSED || to == VCPU_EXITED ||
		       to == VCPU_FAILED;
	case VCPU_RUNNING:
		return to == VCPU_PAUSED || to == VCPU_EXITED || to == VCPU_FAILED;
	case VCPU_PAUSED:
		return to == VCPU_RUNNING || to == VCPU_EXITED || to == VCPU_FAILED;
	default:
		return false;	/* exited and failed are final */
	}
}

const char *vcpu_state_name(enum vcpu_state state)
{
	static const char *const names[VCPU_STATE_COUNT] = {
		"created", "ready", "running", "paused", "exited", "failed",
	};

	return (unsigned)state < VCPU_STATE_COUNT ? names[state] : "invalid";
}

int vcpu_state_move(_Atomic int *state, enum vcpu_state to)
{
	int from = atomic_load(state);

	do {
		if (!vcpu_state_allowed(from, to))
			return -EPERM;
	} while (!atomic_compare_exchange_weak(state, &from, (int)to));
	return 0;
}

int mailbox_init(struct mailbox *mb)
{
	int ret;

	memset(mb, 0, sizeof(*mb));
	ret = pthread_mutex_init(&mb->lock, NULL);
	if (ret)
		return -ret;
	ret = pthread_cond_init(&mb->posted, NULL);
	if (ret) {
		pthread_mutex_destroy(&mb->lock);
		return -ret;
	}
	return 0;
}

void mailbox_fini(struct mailbox *mb)
{
	pthread_cond_destroy(&mb->posted);
	pthread_mutex_destroy(&mb->lock);
}

int mailbox_post(struct mailbox *mb, const struct vcpu_msg *msg)
{
	int ret = 0;

	pthread_mutex_lock(&mb->lock);
	if (mb->closed) {
		ret = -ESRCH;
	} else if (msg->kind == VCPU_MSG_RUN_STATE) {
		mb->run_state = msg->run_state;
		if (msg->reply)
			vcpu_reply_complete(msg->reply, 0);
	} else if (mb->count == MAILBOX_CAPACITY) {
		ret = -EAGAIN;
	} else {
		mb->queue[(mb->head + mb->count++) % MAILBOX_CAPACITY] = *msg;
	}
	if (!ret) {
		/* release: the run loop's acquire load of `pending` sees the message */
		atomic_store_explicit(&mb->pending, true, memory_order_release);
		pthread_cond_signal(&mb->posted);
	}
	pthread_mutex_unlock(&mb->lock);
	return ret;
}

unsigned mailbox_take(struct mailbox *mb, enum vcpu_run_state *run_state, struct vcpu_msg *out,
		      unsigned max, bool wait)
{
	unsigned n = 0;

	pthread_mutex_lock(&mb->lock);
	while (wait && mb->run_state == RUN_STATE_NONE && mb->count == 0)
		pthread_cond_wait(&mb->posted, &mb->lock);
	*run_state = mb->run_state;
	mb->run_state = RUN_STATE_NONE;
	while (n < max && mb->count) {
		out[n++] = mb->queue[mb->head];
		mb->head = (mb->head + 1) % MAILBOX_CAPACITY;
		mb->count--;
	}
	atomic_store_explicit(&mb->pending, mb->count > 0, memory_order_relaxed);
	pthread_mutex_unlock(&mb->lock);
	return n;
}

void mailbox_close(struct mailbox *mb)
{
	pthread_mutex_lock(&mb->lock);
	mb->closed = true;
	while (mb->count) {
		struct vcpu_msg *m = &mb->queue[mb->head];

		if (m->reply) {
			snprintf(m->reply->error, sizeof(m->reply->error), "the vCPU has exited");
			vcpu_reply_complete(m->reply, -ESRCH);
		}
		mb->head = (mb->head + 1) % MAILBOX_CAPACITY;
		mb->count--;
	}
	atomic_store(&mb->pending, false);
	pthread_mutex_unlock(&mb->lock);
}

void vcpu_reply_complete(struct vcpu_reply *reply, int result)
{
	reply->result = result;
	sem_post(&reply->done);
}
