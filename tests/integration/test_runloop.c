// SPDX-License-Identifier: Apache-2.0
/*
 * The vCPU run loop on the real /dev/kvm, driven in-process through the mailbox: pause
 * and resume (the probe's progress counter stops and continues), get-state, throttle,
 * delayed RT switched on by make-rt, re-pinning a running vCPU, refused transitions
 * after exit, and two VMs in one process. Skips when /dev/kvm is not usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "../../config/config.h"
#include "../../src/boot/payload.h"
#include "../../src/probe.h"
#include "../../src/run.h"
#include "../../src/vm.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct fixture {
	struct cfg *cfg;
	struct plan *plan;
	struct vm *vm;
};

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

static bool kvm_usable(void)
{
	return access("/dev/kvm", R_OK | W_OK) == 0;
}

/* Starts a probe VM from INI text; fails the test on any error. */
static struct vm *start_vm(struct fixture *f, const char *ini)
{
	struct cfg_error err;

	f->cfg = malloc(sizeof(*f->cfg));
	assert_non_null(f->cfg);
	cfg_init(f->cfg);
	if (cfg_parse_string(f->cfg, ini, "test.ini", ".", &err) || cfg_finalize(f->cfg, &err))
		fail_msg("config: %s", err.msg);
	assert_int_equal(run_plan_build(f->cfg, &f->plan), 0);
	assert_int_equal(vm_create(&f->vm, f->cfg, f->plan), 0);
	assert_int_equal(payload_load(f->vm), 0);
	assert_int_equal(vm_start(f->vm), 0);
	return f->vm;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (f->vm) {
		vm_end(f->vm, VM_END_STOPPED, 0, "test done");
		vm_stop(f->vm);
		vm_destroy(f->vm);
	}
	free(f->plan);
	free(f->cfg);
	free(f);
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	sigset_t kick;

	if (!kvm_usable()) {
		free(f);
		return -1;
	}
	/* as in rtvmm's main thread: only vCPU threads take the kick signal */
	sigemptyset(&kick);
	sigaddset(&kick, vcpu_kick_signal());
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	assert_int_equal(vcpu_signal_init(), 0);
	*state = f;
	return 0;
}

#define PROBE_VM(vcpus, extra)                                                            \
	"[vm]\nvcpus = " #vcpus "\nmemory = 16M\n[boot]\npayload = probe\n"             \
	"[probe]\nduration = 60\nthreshold_us = 1000\n" extra

static uint64_t samples(struct vm *vm, unsigned id)
{
	return *(volatile const uint64_t *)&probe_record_of(vm, id)->samples;
}

static void wait_state(struct vcpu *vcpu, enum vcpu_state want)
{
	for (int i = 0; i < 500 && atomic_load(&vcpu->state) != (int)want; i++)
		sleep_ms(10);
	assert_string_equal(vcpu_state_name(atomic_load(&vcpu->state)), vcpu_state_name(want));
}

static void wait_progress(struct vm *vm, unsigned id)
{
	uint64_t before = samples(vm, id);

	for (int i = 0; i < 500 && samples(vm, id) == before; i++)
		sleep_ms(10);
	assert_true(samples(vm, id) > before);
}

static int get_state(struct vcpu *vcpu, struct vcpu_snapshot *out)
{
	struct vcpu_msg msg = { .kind = VCPU_MSG_GET_STATE };
	struct vcpu_reply reply;
	int ret = vcpu_call(vcpu, &msg, &reply);

	*out = reply.snapshot;
	return ret;
}

static void test_runloop_pause_stops_progress_and_resume_continues(void **state)
{
	struct fixture *f = *state;
	struct vm *vm = start_vm(f, PROBE_VM(2, "[sched]\npolicy = other\n"));
	struct vcpu_msg pause = { .kind = VCPU_MSG_RUN_STATE, .run_state = RUN_STATE_PAUSED };
	struct vcpu_msg resume = { .kind = VCPU_MSG_RUN_STATE, .run_state = RUN_STATE_RUNNING };
	uint64_t frozen[2];

	wait_progress(vm, 0);
	wait_progress(vm, 1);
	assert_int_equal(vm_broadcast(vm, &pause), 0);
	for (unsigned i = 0; i < 2; i++) {
		wait_state(vm->vcpus[i], VCPU_PAUSED);
		frozen[i] = samples(vm, i);
	}
	sleep_ms(300);
	for (unsigned i = 0; i < 2; i++)
		assert_int_equal(samples(vm, i), frozen[i]);

	assert_int_equal(vm_broadcast(vm, &resume), 0);
	for (unsigned i = 0; i < 2; i++) {
		wait_state(vm->vcpus[i], VCPU_RUNNING);
		wait_progress(vm, i);
	}
}

static void test_runloop_get_state_reports_thread(void **state)
{
	struct fixture *f = *state;
	struct vm *vm = start_vm(f, PROBE_VM(1, "[sched]\npolicy = other\n"));
	struct vcpu_snapshot s;

	wait_progress(vm, 0);
	assert_int_equal(get_state(vm->vcpus[0], &s), 0);
	assert_int_equal(s.state, VCPU_RUNNING);
	assert_true(s.tid > 0);
	assert_int_equal(s.tid, atomic_load(&vm->vcpus[0]->tid));
	assert_int_not_equal(s.tid, getpid());
	assert_int_equal(s.policy, SCHED_OTHER);
	assert_true(s.last_cpu >= 0);
	assert_true(CPU_COUNT(&s.affinity) >= 1);
}

static void test_runloop_throttle_takes_time_outside_guest(void **state)
{
	struct fixture *f = *state;
	struct vm *vm = start_vm(f, PROBE_VM(1, "[sched]\npolicy = other\n"));
	struct vcpu_msg msg = { .kind = VCPU_MSG_THROTTLE, .throttle_us = 30000 };
	struct vcpu_reply reply;

	wait_progress(vm, 0);
	assert_int_equal(atomic_load(&vm->vcpus[0]->stats.throttle_ns), 0);
	assert_int_equal(vcpu_call(vm->vcpus[0], &msg, &reply), 0);
	assert_true(atomic_load(&vm->vcpus[0]->stats.throttle_ns) >= 30000000ULL);
	wait_progress(vm, 0);	/* and the guest runs again afterwards */
}

static void test_runloop_make_rt_switches_delayed_policy(void **state)
{
	struct fixture *f = *state;
	struct vcpu_msg make_rt = { .kind = VCPU_MSG_MAKE_RT };
	struct vcpu_reply reply;
	struct vcpu_snapshot s;
	struct vm *vm;

	if (geteuid() != 0)
		skip();	/* SCHED_RR needs root or RLIMIT_RTPRIO */
	vm = start_vm(f, PROBE_VM(1, "[sched]\npolicy = rr\nrt_priority = 5\ndelay_rt = true\n"));
	wait_progress(vm, 0);
	assert_int_equal(get_state(vm->vcpus[0], &s), 0);
	assert_int_equal(s.policy, SCHED_OTHER);
	assert_int_equal(vcpu_call(vm->vcpus[0], &make_rt, &reply), 0);
	assert_int_equal(get_state(vm->vcpus[0], &s), 0);
	assert_int_equal(s.policy, SCHED_RR);
	assert_int_equal(s.priority, 5);
}

static void test_runloop_set_affinity_repins_running_vcpu(void **state)
{
	struct fixture *f = *state;
	struct vcpu_msg msg = { .kind = VCPU_MSG_SET_AFFINITY };
	struct vcpu_reply reply;
	struct vcpu_snapshot s;
	struct vm *vm;
	int last = sysconf(_SC_NPROCESSORS_ONLN) - 1;

	vm = start_vm(f, PROBE_VM(1, "[sched]\npolicy = other\n[vcpu.0]\ncpus = 0\n"));
	wait_progress(vm, 0);
	CPU_ZERO(&msg.cpus);
	CPU_SET(last, &msg.cpus);
	assert_int_equal(vcpu_call(vm->vcpus[0], &msg, &reply), 0);
	assert_int_equal(get_state(vm->vcpus[0], &s), 0);
	assert_int_equal(CPU_COUNT(&s.affinity), 1);
	assert_true(CPU_ISSET(last, &s.affinity));
	assert_int_equal(s.last_cpu, last);

	CPU_ZERO(&msg.cpus);
	CPU_SET(1000, &msg.cpus);	/* no such CPU: refused, the old pinning stays */
	assert_int_equal(vcpu_call(vm->vcpus[0], &msg, &reply), -EINVAL);
	assert_int_equal(get_state(vm->vcpus[0], &s), 0);
	assert_true(CPU_ISSET(last, &s.affinity));
}

/* A re-pin outside the vCPU's cgroup cpuset is refused, naming the cpuset. */
static void test_runloop_set_affinity_outside_cgroup_cpuset(void **state)
{
	struct fixture *f = *state;
	struct vcpu_msg msg = { .kind = VCPU_MSG_SET_AFFINITY };
	struct vcpu_reply reply;
	struct vcpu_snapshot s;
	char ini[512];
	struct vm *vm;

	if (geteuid() != 0 || access("/sys/fs/cgroup/cpuset/cpuset.cpus", F_OK) ||
	    sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		printf("skip: needs root, a v1 cpuset hierarchy and 2 CPUs\n");
		skip();
	}
	snprintf(ini, sizeof(ini), PROBE_VM(1, "[sched]\npolicy = other\ncgroup = rtvmm-rl-%d/vm\n"
					      "[vcpu.0]\ncpus = 0\n"), (int)getpid());
	vm = start_vm(f, ini);
	wait_progress(vm, 0);
	CPU_ZERO(&msg.cpus);
	CPU_SET(1, &msg.cpus);	/* the cgroup's cpuset is the vCPU's CPU 0 only */
	assert_int_equal(vcpu_call(vm->vcpus[0], &msg, &reply), -EINVAL);
	assert_non_null(strstr(reply.error, "pin to cpus 1: not in the cpuset of cgroup"));
	assert_non_null(strstr(reply.error, "(it allows 0)"));
	assert_int_equal(get_state(vm->vcpus[0], &s), 0);
	assert_true(CPU_ISSET(0, &s.affinity));
	assert_int_equal(CPU_COUNT(&s.affinity), 1);
}

static void test_runloop_exited_vcpu_refuses_messages_and_transitions(void **state)
{
	struct fixture *f = *state;
	struct vm *vm = start_vm(f, PROBE_VM(2, "[sched]\npolicy = other\n"));
	struct vcpu_msg msg = { .kind = VCPU_MSG_GET_STATE };

	wait_progress(vm, 0);
	vm_end(vm, VM_END_STOPPED, 0, "test");
	vm_stop(vm);
	for (unsigned i = 0; i < 2; i++) {
		assert_int_equal(atomic_load(&vm->vcpus[i]->state), VCPU_EXITED);
		assert_int_equal(vcpu_state_move(&vm->vcpus[i]->state, VCPU_RUNNING), -EPERM);
		assert_int_equal(mailbox_post(&vm->vcpus[i]->mailbox, &msg), -ESRCH);
	}
	assert_int_equal(atomic_load(&vm->end), VM_END_STOPPED);
	assert_int_equal(vm_exit_code(VM_END_STOPPED, 0), 0);
}

static void test_runloop_two_vms_in_one_process(void **state)
{
	struct fixture *f = *state;
	struct fixture *other = calloc(1, sizeof(*other));
	void *other_state = other;
	struct vm *a, *b;

	a = start_vm(f, PROBE_VM(1, "[sched]\npolicy = other\n"));
	b = start_vm(other, PROBE_VM(1, "[sched]\npolicy = other\n"));
	assert_ptr_not_equal(a, b);
	wait_progress(a, 0);
	wait_progress(b, 0);
	vm_end(b, VM_END_STOPPED, 0, "stop b");
	vm_stop(b);
	assert_int_equal(atomic_load(&b->vcpus[0]->state), VCPU_EXITED);
	wait_progress(a, 0);	/* stopping b left a running */
	assert_int_equal(atomic_load(&a->end), VM_END_NONE);
	teardown(&other_state);
}

/* What run_vm_hooks() called, in order, and what each call could see. */
struct hook_log {
	char order[64];		/* one letter per call: s(tarted) t(ick) e(nding) d(one) */
	unsigned ticks;
	bool alive_at_ending;	/* the vCPU thread still existed in ending() */
	uint64_t samples_at_end;
	enum vm_end end;
};

static void log_call(struct hook_log *l, char c)
{
	size_t n = strlen(l->order);

	if (n + 1 < sizeof(l->order) && (c != 't' || (n && l->order[n - 1] != 't'))) {
		l->order[n] = c;
		l->order[n + 1] = '\0';
	}
}

static void h_started(void *ctx, struct vm *vm)
{
	(void)vm;
	log_call(ctx, 's');
}

static void h_tick(void *ctx, struct vm *vm)
{
	struct hook_log *l = ctx;

	(void)vm;
	l->ticks++;
	log_call(l, 't');
}

static void h_ending(void *ctx, struct vm *vm)
{
	struct hook_log *l = ctx;
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)atomic_load(&vm->vcpus[0]->tid));
	l->alive_at_ending = access(path, F_OK) == 0;
	log_call(l, 'e');
}

static void h_ended(void *ctx, struct vm *vm, enum vm_end end)
{
	struct hook_log *l = ctx;

	l->samples_at_end = probe_record_of(vm, 0)->samples;
	l->end = end;
	log_call(l, 'd');
}

/* run_vm_hooks(): started, ticks while the probe runs, ending with the threads alive,
 * then ended with the records still mapped; the exit code of a clean run. */
static void test_runloop_hooks_called_in_order(void **state)
{
	struct fixture *f = *state;
	struct hook_log l = { .order = "" };
	struct run_hooks hooks = { .ctx = &l, .tick_ms = 100, .started = h_started, .tick = h_tick,
				  .ending = h_ending, .ended = h_ended };
	struct cfg_error err;

	f->cfg = malloc(sizeof(*f->cfg));
	assert_non_null(f->cfg);
	cfg_init(f->cfg);
	if (cfg_parse_string(f->cfg, PROBE_VM(1, "[sched]\npolicy = other\n"), "test.ini", ".",
			     &err) || cfg_set(f->cfg, "probe.duration=1", &err) ||
	    cfg_finalize(f->cfg, &err))
		fail_msg("config: %s", err.msg);
	assert_int_equal(run_vm_hooks(f->cfg, &hooks), 0);
	assert_string_equal(l.order, "sted");
	assert_true(l.ticks >= 3);	/* 100 ms ticks over a 1 s run, with room for load */
	assert_true(l.alive_at_ending);
	assert_true(l.samples_at_end > 0);
	assert_int_equal(l.end, VM_END_POWEROFF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_runloop_pause_stops_progress_and_resume_continues,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runloop_get_state_reports_thread, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_runloop_throttle_takes_time_outside_guest,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runloop_make_rt_switches_delayed_policy,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runloop_set_affinity_repins_running_vcpu,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_runloop_set_affinity_outside_cgroup_cpuset,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_runloop_exited_vcpu_refuses_messages_and_transitions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_runloop_two_vms_in_one_process, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_runloop_hooks_called_in_order, setup,
						teardown),
	};

	if (!kvm_usable()) {
		printf("skip: /dev/kvm is missing or not accessible\n");
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
