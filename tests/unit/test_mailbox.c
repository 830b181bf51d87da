// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/mailbox: the vCPU state machine allows exactly the documented
 * transitions (created -> ready/exited/failed; ready -> running/paused/exited/failed;
 * running -> paused/exited/failed; paused -> running/exited/failed; exited and failed
 * final) and a refused move leaves the state alone; the mailbox delivers queued messages
 * in order up to its capacity, treats the run state as latest-wins and never refuses
 * it, keeps the lock-free `pending` hint right, fails queued replies on close, wakes a
 * vCPU blocked in mailbox_take(), and keeps each producer's order under contention.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/mailbox.h"

#include <errno.h>
#include <string.h>
#include <time.h>

static void test_vcpu_state_allowed_table(void **state)
{
	/* allowed[from][to], written from the graph in mailbox.h / mailbox.c */
	static const bool allowed[VCPU_STATE_COUNT][VCPU_STATE_COUNT] = {
		[VCPU_CREATED] = { [VCPU_READY] = true, [VCPU_EXITED] = true,
				   [VCPU_FAILED] = true },
		[VCPU_READY] = { [VCPU_RUNNING] = true, [VCPU_PAUSED] = true,
				 [VCPU_EXITED] = true, [VCPU_FAILED] = true },
		[VCPU_RUNNING] = { [VCPU_PAUSED] = true, [VCPU_EXITED] = true,
				   [VCPU_FAILED] = true },
		[VCPU_PAUSED] = { [VCPU_RUNNING] = true, [VCPU_EXITED] = true,
				  [VCPU_FAILED] = true },
		[VCPU_EXITED] = { 0 },
		[VCPU_FAILED] = { 0 },
	};

	(void)state;
	for (int from = 0; from < VCPU_STATE_COUNT; from++) {
		for (int to = 0; to < VCPU_STATE_COUNT; to++) {
			bool got = vcpu_state_allowed(from, to);

			if (got != allowed[from][to])
				fail_msg("%s -> %s: allowed %d, want %d", vcpu_state_name(from),
					 vcpu_state_name(to), got, allowed[from][to]);
		}
		/* nothing leads to a state that does not exist */
		assert_false(vcpu_state_allowed(from, VCPU_STATE_COUNT));
		assert_false(vcpu_state_allowed(from, (enum vcpu_state)-1));
	}
}

static void test_vcpu_state_move_every_pair(void **state)
{
	(void)state;
	for (int from = 0; from < VCPU_STATE_COUNT; from++) {
		for (int to = 0; to < VCPU_STATE_COUNT; to++) {
			_Atomic int s = from;
			int ret = vcpu_state_move(&s, to);

			if (vcpu_state_allowed(from, to)) {
				assert_int_equal(ret, 0);
				assert_int_equal(atomic_load(&s), to);
			} else {
				assert_int_equal(ret, -EPERM);
				assert_int_equal(atomic_load(&s), from);
			}
		}
	}
}

static void test_vcpu_state_move_lifecycle(void **state)
{
	_Atomic int s = VCPU_CREATED;

	(void)state;
	assert_int_equal(vcpu_state_move(&s, VCPU_RUNNING), -EPERM);	/* must be ready first */
	assert_int_equal(atomic_load(&s), VCPU_CREATED);
	assert_int_equal(vcpu_state_move(&s, VCPU_READY), 0);
	assert_int_equal(vcpu_state_move(&s, VCPU_RUNNING), 0);
	assert_int_equal(vcpu_state_move(&s, VCPU_RUNNING), -EPERM);
	assert_int_equal(vcpu_state_move(&s, VCPU_PAUSED), 0);
	assert_int_equal(vcpu_state_move(&s, VCPU_PAUSED), -EPERM);
	assert_int_equal(vcpu_state_move(&s, VCPU_RUNNING), 0);
	assert_int_equal(vcpu_state_move(&s, VCPU_EXITED), 0);
	/* final: not even a failure is recorded afterwards */
	assert_int_equal(vcpu_state_move(&s, VCPU_FAILED), -EPERM);
	assert_int_equal(vcpu_state_move(&s, VCPU_RUNNING), -EPERM);
	assert_int_equal(atomic_load(&s), VCPU_EXITED);
	/* out-of-range targets are refused */
	s = VCPU_RUNNING;
	assert_int_equal(vcpu_state_move(&s, VCPU_STATE_COUNT), -EPERM);
	assert_int_equal(atomic_load(&s), VCPU_RUNNING);
}

static void test_vcpu_state_name(void **state)
{
	(void)state;
	assert_string_equal(vcpu_state_name(VCPU_CREATED), "created");
	assert_string_equal(vcpu_state_name(VCPU_READY), "ready");
	assert_string_equal(vcpu_state_name(VCPU_RUNNING), "running");
	assert_string_equal(vcpu_state_name(VCPU_PAUSED), "paused");
	assert_string_equal(vcpu_state_name(VCPU_EXITED), "exited");
	assert_string_equal(vcpu_state_name(VCPU_FAILED), "failed");
	assert_string_equal(vcpu_state_name(VCPU_STATE_COUNT), "invalid");
	assert_string_equal(vcpu_state_name((enum vcpu_state)-1), "invalid");
}

static struct vcpu_msg throttle_msg(uint32_t us)
{
	struct vcpu_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = VCPU_MSG_THROTTLE;
	m.throttle_us = us;
	return m;
}

/* Queues MAILBOX_CAPACITY throttle messages carrying 0, 1, 2, ... */
static void fill_queue(struct mailbox *mb)
{
	for (uint32_t i = 0; i < MAILBOX_CAPACITY; i++) {
		struct vcpu_msg m = throttle_msg(i);

		assert_int_equal(mailbox_post(mb, &m), 0);
	}
}

static struct vcpu_msg run_state_msg(enum vcpu_run_state rs)
{
	struct vcpu_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = VCPU_MSG_RUN_STATE;
	m.run_state = rs;
	return m;
}

static int setup_mailbox(void **state)
{
	static struct mailbox mb;

	if (mailbox_init(&mb))
		return -1;
	*state = &mb;
	return 0;
}

static int teardown_mailbox(void **state)
{
	mailbox_fini(*state);
	return 0;
}

static void test_mailbox_post_take_fifo(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	enum vcpu_run_state rs = RUN_STATE_PAUSED;

	for (uint32_t i = 0; i < 10; i++) {
		struct vcpu_msg m = throttle_msg(100 + i);

		assert_int_equal(mailbox_post(mb, &m), 0);
	}
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 10);
	assert_int_equal(rs, RUN_STATE_NONE);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(out[i].kind, VCPU_MSG_THROTTLE);
		assert_int_equal(out[i].throttle_us, 100 + i);
	}
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
}

static void test_mailbox_take_at_most_max(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	enum vcpu_run_state rs;

	for (uint32_t i = 0; i < 5; i++) {
		struct vcpu_msg m = throttle_msg(i);

		assert_int_equal(mailbox_post(mb, &m), 0);
	}
	memset(out, 0xee, sizeof(out));
	assert_int_equal(mailbox_take(mb, &rs, out, 2, false), 2);
	assert_int_equal(out[0].throttle_us, 0);
	assert_int_equal(out[1].throttle_us, 1);
	assert_int_equal(out[2].throttle_us, 0xeeeeeeee);	/* not written */
	assert_true(atomic_load(&mb->pending));	/* three left */
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 3);
	assert_int_equal(out[0].throttle_us, 2);
	assert_int_equal(out[2].throttle_us, 4);
	assert_false(atomic_load(&mb->pending));
}

static void test_mailbox_capacity(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m;
	enum vcpu_run_state rs;

	fill_queue(mb);
	m = throttle_msg(999);
	assert_int_equal(mailbox_post(mb, &m), -EAGAIN);
	assert_int_equal(mailbox_post(mb, &m), -EAGAIN);

	/* room for exactly one after taking one; order survives the ring wrapping */
	assert_int_equal(mailbox_take(mb, &rs, out, 1, false), 1);
	assert_int_equal(out[0].throttle_us, 0);
	m = throttle_msg(MAILBOX_CAPACITY);
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(mailbox_post(mb, &m), -EAGAIN);
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), MAILBOX_CAPACITY);
	for (uint32_t i = 0; i < MAILBOX_CAPACITY; i++)
		assert_int_equal(out[i].throttle_us, i + 1);
}

static void test_mailbox_run_state_latest_wins(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m;
	enum vcpu_run_state rs;

	m = run_state_msg(RUN_STATE_RUNNING);
	assert_int_equal(mailbox_post(mb, &m), 0);
	m = run_state_msg(RUN_STATE_PAUSED);
	assert_int_equal(mailbox_post(mb, &m), 0);
	m = run_state_msg(RUN_STATE_EXITING);
	assert_int_equal(mailbox_post(mb, &m), 0);
	/* not queued as messages: only the latest request is seen */
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
	assert_int_equal(rs, RUN_STATE_EXITING);
	/* taken once */
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
	assert_int_equal(rs, RUN_STATE_NONE);
}

static void test_mailbox_run_state_never_refused_when_full(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m;
	enum vcpu_run_state rs;

	fill_queue(mb);
	m = throttle_msg(0);
	assert_int_equal(mailbox_post(mb, &m), -EAGAIN);
	m = run_state_msg(RUN_STATE_PAUSED);
	assert_int_equal(mailbox_post(mb, &m), 0);
	m = run_state_msg(RUN_STATE_EXITING);
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), MAILBOX_CAPACITY);
	assert_int_equal(rs, RUN_STATE_EXITING);
	/* the queued messages were not disturbed by the run-state posts */
	for (uint32_t i = 0; i < MAILBOX_CAPACITY; i++) {
		assert_int_equal(out[i].kind, VCPU_MSG_THROTTLE);
		assert_int_equal(out[i].throttle_us, i);
	}
}

static void test_mailbox_run_state_reply_completed_at_post(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_reply reply;
	struct vcpu_msg m = run_state_msg(RUN_STATE_PAUSED);

	assert_int_equal(sem_init(&reply.done, 0, 0), 0);
	reply.result = 12345;
	m.reply = &reply;
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(sem_trywait(&reply.done), 0);
	assert_int_equal(reply.result, 0);
	sem_destroy(&reply.done);
}

static void test_mailbox_pending_flag(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m;
	enum vcpu_run_state rs;

	assert_false(atomic_load(&mb->pending));
	m = throttle_msg(1);
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_true(atomic_load(&mb->pending));
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 1);
	assert_false(atomic_load(&mb->pending));

	/* a run-state request alone is something to take too */
	m = run_state_msg(RUN_STATE_PAUSED);
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_true(atomic_load(&mb->pending));
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
	assert_int_equal(rs, RUN_STATE_PAUSED);
	assert_false(atomic_load(&mb->pending));

	/* it stays set while anything is left, and clears with the last one */
	fill_queue(mb);
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY - 1, false),
			 MAILBOX_CAPACITY - 1);
	assert_true(atomic_load(&mb->pending));
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 1);
	assert_false(atomic_load(&mb->pending));
}

static void test_mailbox_take_nowait_empty(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	enum vcpu_run_state rs = RUN_STATE_EXITING;

	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
	assert_int_equal(rs, RUN_STATE_NONE);
	assert_false(atomic_load(&mb->pending));
}

static void test_mailbox_close_fails_queued_replies(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_reply replies[3];
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m;
	enum vcpu_run_state rs;

	for (int i = 0; i < 3; i++) {
		assert_int_equal(sem_init(&replies[i].done, 0, 0), 0);
		replies[i].result = 12345;
		memset(&m, 0, sizeof(m));
		m.kind = VCPU_MSG_GET_STATE;
		m.reply = &replies[i];
		assert_int_equal(mailbox_post(mb, &m), 0);
		m = throttle_msg(7);	/* one without a reply in between */
		assert_int_equal(mailbox_post(mb, &m), 0);
	}
	mailbox_close(mb);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(sem_trywait(&replies[i].done), 0);
		assert_int_equal(replies[i].result, -ESRCH);
		/* completed exactly once */
		assert_int_equal(sem_trywait(&replies[i].done), -1);
		assert_int_equal(errno, EAGAIN);
		sem_destroy(&replies[i].done);
	}
	assert_false(atomic_load(&mb->pending));
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);

	/* every later post is refused, a run-state request included */
	m = throttle_msg(1);
	assert_int_equal(mailbox_post(mb, &m), -ESRCH);
	m = run_state_msg(RUN_STATE_EXITING);
	assert_int_equal(mailbox_post(mb, &m), -ESRCH);
	assert_false(atomic_load(&mb->pending));
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
	assert_int_equal(rs, RUN_STATE_NONE);
}

static void test_mailbox_close_spares_taken_replies(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_reply reply;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m;
	enum vcpu_run_state rs;

	assert_int_equal(sem_init(&reply.done, 0, 0), 0);
	memset(&m, 0, sizeof(m));
	m.kind = VCPU_MSG_GET_STATE;
	m.reply = &reply;
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 1);
	assert_ptr_equal(out[0].reply, &reply);
	/* the vCPU owns it now: close must not complete it behind its back */
	mailbox_close(mb);
	assert_int_equal(sem_trywait(&reply.done), -1);
	assert_int_equal(errno, EAGAIN);
	vcpu_reply_complete(out[0].reply, 0);
	assert_int_equal(sem_trywait(&reply.done), 0);
	assert_int_equal(reply.result, 0);
	sem_destroy(&reply.done);
}

static void test_vcpu_reply_complete(void **state)
{
	struct vcpu_reply reply;

	(void)state;
	assert_int_equal(sem_init(&reply.done, 0, 0), 0);
	reply.result = 0;
	assert_int_equal(sem_trywait(&reply.done), -1);
	vcpu_reply_complete(&reply, -EINVAL);
	assert_int_equal(reply.result, -EINVAL);
	assert_int_equal(sem_trywait(&reply.done), 0);
	assert_int_equal(sem_trywait(&reply.done), -1);
	sem_destroy(&reply.done);
}

struct taker {
	struct mailbox *mb;
	_Atomic bool returned;
	unsigned n;
	enum vcpu_run_state rs;
	struct vcpu_msg out[MAILBOX_CAPACITY];
};

static void *taker_thread(void *arg)
{
	struct taker *t = arg;

	t->n = mailbox_take(t->mb, &t->rs, t->out, MAILBOX_CAPACITY, true);
	atomic_store(&t->returned, true);
	return NULL;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void test_mailbox_take_wait_blocks_until_post(void **state)
{
	struct mailbox *mb = *state;
	struct taker t = { .mb = mb };
	struct vcpu_msg m = throttle_msg(77);
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, taker_thread, &t), 0);
	sleep_ms(100);
	assert_false(atomic_load(&t.returned));	/* nothing posted: still waiting */
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(atomic_load(&t.returned));
	assert_int_equal(t.n, 1);
	assert_int_equal(t.out[0].throttle_us, 77);
	assert_int_equal(t.rs, RUN_STATE_NONE);
}

static void test_mailbox_take_wait_woken_by_run_state(void **state)
{
	struct mailbox *mb = *state;
	struct taker t = { .mb = mb };
	struct vcpu_msg m = run_state_msg(RUN_STATE_EXITING);
	pthread_t th;

	assert_int_equal(pthread_create(&th, NULL, taker_thread, &t), 0);
	sleep_ms(100);
	assert_false(atomic_load(&t.returned));
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(t.n, 0);
	assert_int_equal(t.rs, RUN_STATE_EXITING);
}

static void test_mailbox_take_wait_returns_at_once_when_queued(void **state)
{
	struct mailbox *mb = *state;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	struct vcpu_msg m = throttle_msg(5);
	enum vcpu_run_state rs;

	/* posted before the take: no wakeup is lost */
	assert_int_equal(mailbox_post(mb, &m), 0);
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, true), 1);
	assert_int_equal(out[0].throttle_us, 5);
}

enum { STRESS_PER_PRODUCER = 10000, STRESS_PRODUCERS = 2 };

struct producer {
	struct mailbox *mb;
	uint32_t id;
	unsigned retries;
	int err;
};

static void *producer_thread(void *arg)
{
	struct producer *p = arg;

	for (uint32_t seq = 0; seq < STRESS_PER_PRODUCER; seq++) {
		struct vcpu_msg m = throttle_msg(p->id << 24 | seq);
		int ret;

		while ((ret = mailbox_post(p->mb, &m)) == -EAGAIN) {
			p->retries++;
			sched_yield();
		}
		if (ret) {
			p->err = ret;
			break;
		}
	}
	return NULL;
}

static void test_mailbox_stress_two_producers(void **state)
{
	struct mailbox *mb = *state;
	struct producer prod[STRESS_PRODUCERS];
	pthread_t th[STRESS_PRODUCERS];
	uint32_t next[STRESS_PRODUCERS] = { 0 };
	unsigned total = 0, takes = 0;
	struct vcpu_msg out[MAILBOX_CAPACITY];
	enum vcpu_run_state rs;

	for (uint32_t i = 0; i < STRESS_PRODUCERS; i++) {
		prod[i] = (struct producer){ .mb = mb, .id = i + 1 };
		assert_int_equal(pthread_create(&th[i], NULL, producer_thread, &prod[i]), 0);
	}
	while (total < STRESS_PRODUCERS * STRESS_PER_PRODUCER) {
		unsigned n = mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, true);

		takes++;
		assert_true(n > 0);	/* woken only when something was posted */
		assert_true(n <= MAILBOX_CAPACITY);
		assert_int_equal(rs, RUN_STATE_NONE);
		for (unsigned k = 0; k < n; k++) {
			uint32_t id = out[k].throttle_us >> 24, seq = out[k].throttle_us & 0xffffff;

			assert_int_equal(out[k].kind, VCPU_MSG_THROTTLE);
			assert_true(id >= 1 && id <= STRESS_PRODUCERS);
			if (seq != next[id - 1])
				fail_msg("producer %u: got message %u, want %u", id, seq,
					 next[id - 1]);
			next[id - 1]++;
		}
		total += n;
	}
	for (uint32_t i = 0; i < STRESS_PRODUCERS; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(prod[i].err, 0);
		assert_int_equal(next[i], STRESS_PER_PRODUCER);
	}
	assert_int_equal(total, STRESS_PRODUCERS * STRESS_PER_PRODUCER);
	/* nothing extra, and the hint agrees */
	assert_int_equal(mailbox_take(mb, &rs, out, MAILBOX_CAPACITY, false), 0);
	assert_false(atomic_load(&mb->pending));
	print_message("stress: %u takes, %u + %u retries on a full queue\n", takes,
		      prod[0].retries, prod[1].retries);
}

#define mb_test(f) cmocka_unit_test_setup_teardown(f, setup_mailbox, teardown_mailbox)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_state_allowed_table),
		cmocka_unit_test(test_vcpu_state_move_every_pair),
		cmocka_unit_test(test_vcpu_state_move_lifecycle),
		cmocka_unit_test(test_vcpu_state_name),
		cmocka_unit_test(test_vcpu_reply_complete),
		mb_test(test_mailbox_post_take_fifo),
		mb_test(test_mailbox_take_at_most_max),
		mb_test(test_mailbox_capacity),
		mb_test(test_mailbox_run_state_latest_wins),
		mb_test(test_mailbox_run_state_never_refused_when_full),
		mb_test(test_mailbox_run_state_reply_completed_at_post),
		mb_test(test_mailbox_pending_flag),
		mb_test(test_mailbox_take_nowait_empty),
		mb_test(test_mailbox_close_fails_queued_replies),
		mb_test(test_mailbox_close_spares_taken_replies),
		mb_test(test_mailbox_take_wait_blocks_until_post),
		mb_test(test_mailbox_take_wait_woken_by_run_state),
		mb_test(test_mailbox_take_wait_returns_at_once_when_queued),
		mb_test(test_mailbox_stress_two_producers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
