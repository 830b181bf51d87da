// SPDX-License-Identifier: Apache-2.0
/*
 * The vCPU thread: places itself on the host (sched/), reports its tid, waits at the
 * start barrier, then runs the guest. The run loop drains the mailbox whenever a kick
 * made KVM_RUN return or the vCPU is not running, and dispatches exits through the
 * pure exit_decode(). Nothing in the loop allocates, logs or takes a lock shared with
 * other vCPUs, except on the rare exits that end the VM.
 */
#include "vcpu.h"

#include "clock.h"
#include "log.h"
#include "vm.h"

#include <errno.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The kvm_run of the vCPU this thread runs, for the kick handler; NULL elsewhere. */
static _Thread_local struct kvm_run *volatile tls_run;

static void kick_handler(int sig)
{
	struct kvm_run *run = tls_run;

	(void)sig;
	if (run)
		run->immediate_exit = 1;
}

int vcpu_kick_signal(void)
{
	return SIGRTMIN;
}

int vcpu_signal_init(void)
{
	struct sigaction sa = { .sa_handler = kick_handler };

	/* no SA_RESTART: KVM_RUN must return EINTR */
	sigemptyset(&sa.sa_mask);
	return sigaction(vcpu_kick_signal(), &sa, NULL) ? -errno : 0;
}

int vcpu_create(struct vcpu **out, struct vm *vm, unsigned id)
{
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));
	void *run;
	int ret;

	if (!vcpu)
		return -ENOMEM;
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = -1;
	snprintf(vcpu->name, sizeof(vcpu->name), "rtvmm-vcpu%u", id);
	atomic_init(&vcpu->state, VCPU_CREATED);
	ret = mailbox_init(&vcpu->mailbox);
	if (ret)
		goto err_free;
	ret = kvm_ioctl(vm->fd, KVM_CREATE_VCPU, (void *)(unsigned long)id);
	if (ret < 0) {
		log_err("vcpu%u: KVM_CREATE_VCPU: %s", id, strerror(-ret));
		goto err_mailbox;
	}
	vcpu->fd = ret;
	run = mmap(NULL, vm->kvm.run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED) {
		ret = -errno;
		log_err("vcpu%u: mmap kvm_run: %s", id, strerror(-ret));
		goto err_close;
	}
	vcpu->run = run;
	*out = vcpu;
	return 0;

err_close:
	close(vcpu->fd);
err_mailbox:
	mailbox_fini(&vcpu->mailbox);
err_free:
	free(vcpu);
	return ret;
}

void vcpu_destroy(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	if (vcpu->run)
		munmap(vcpu->run, vcpu->vm->kvm.run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	mailbox_fini(&vcpu->mailbox);
	free(vcpu);
}

void vcpu_kick(struct vcpu *vcpu)
{
	if (vcpu->thread_started)
		pthread_kill(vcpu->thread, vcpu_kick_signal());
}

int vcpu_post(struct vcpu *vcpu, const struct vcpu_msg *msg)
{
	int ret = mailbox_post(&vcpu->mailbox, msg);

	if (!ret)
		vcpu_kick(vcpu);
	return ret;
}

int vcpu_call(struct vcpu *vcpu, struct vcpu_msg *msg, struct vcpu_reply *reply)
{
	int ret;

	sem_init(&reply->done, 0, 0);
	reply->result = 0;
	reply->error[0] = 0;
	msg->reply = reply;
	ret = vcpu_post(vcpu, msg);
	/* once posted, the vCPU thread or mailbox_close() always completes the reply */
	while (!ret && sem_wait(&reply->done) < 0 && errno == EINTR)
		;
	sem_destroy(&reply->done);
	return ret ? ret : reply->result;
}

/*
 * Places the thread on the host before it first enters the guest, in the order of
 * DESIGN.md: each step is bounded by the ones before it (the cgroup's cpuset would
 * override an earlier affinity; an RT thread must already sit on its own CPU).
 * A feature the host lacks is a warning or, with [vm] strict, stops the start.
 */
static int vcpu_setup(struct vcpu *vcpu)
{
	const struct sched_thread_plan *plan = &vcpu->plan;
	pid_t tid = atomic_load(&vcpu->tid);
	struct vm *vm = vcpu->vm;
	char err[768] = "";
	int ret;

	if (plan->boost_uclamp) {
		ret = sched_thread_boost(tid, err, sizeof(err));
		if (ret && (ret = vm_feature_failed(vm, VM_FEAT_UCLAMP, ret,
						    "[sched] boost_uclamp: %s", err)))
			return ret;
	}
	if (plan->core != SCHED_CORE_OFF) {
		ret = sched_thread_core(plan->core == SCHED_CORE_SHARED ? &vm->core_group : NULL,
					err, sizeof(err));
		if (ret && (ret = vm_feature_failed(vm, VM_FEAT_CORE_SCHED, ret,
						    "[sched] core_scheduling: %s", err)))
			return ret;
	}
	if (vm->plan->vcpu[vcpu->id].cgroup[0]) {
		ret = vm_cgroup_attach(vm, vcpu->id, tid, err, sizeof(err));
		vcpu->in_cgroup = vm->cg_active && !ret;
		if (ret && (ret = vm_feature_failed(vm, VM_FEAT_CGROUP, ret,
						    "vcpu%u: [sched] cgroup: %s", vcpu->id, err)))
			return ret;
	}
	/* the pinning is the point of the VM: never a warning */
	ret = vm_cgroup_check_cpus(vm, vcpu->id, plan, err, sizeof(err));
	if (!ret)
		ret = sched_thread_pin(tid, plan, err, sizeof(err));
	if (ret) {
		log_err("vcpu%u: %s", vcpu->id, err);
		return ret;
	}
	if (plan->delay_rt)
		return 0;
	ret = sched_thread_make_rt(tid, plan, err, sizeof(err));
	if (ret)
		return vm_feature_failed(vm, VM_FEAT_RT, ret, "vcpu%u: [sched] policy: %s",
					 vcpu->id, err);
	return 0;
}

static void vcpu_snapshot(struct vcpu *vcpu, struct vcpu_snapshot *s)
{
	struct sched_thread_now now;

	sched_thread_read(0, &now);
	s->state = atomic_load(&vcpu->state);
	s->tid = atomic_load(&vcpu->tid);
	s->last_cpu = sched_getcpu();
	s->policy = now.policy;
	s->priority = now.priority;
	s->affinity = now.affinity;
}

/* Spins outside the guest: the host takes this time from the vCPU on purpose. */
static void vcpu_throttle(struct vcpu *vcpu, uint32_t us)
{
	uint64_t start = clock_mono_ns(), end = start + (uint64_t)us * 1000, now;

	do
		now = clock_mono_ns();
	while (now < end);
	vcpu_stat_add(&vcpu->stats.throttle_ns, now - start);
}

static void vcpu_handle_msg(struct vcpu *vcpu, struct vcpu_msg *msg)
{
	char err[512] = "";
	int ret = 0;

	switch (msg->kind) {
	case VCPU_MSG_RUN_STATE:
		break;	/* taken by mailbox_take() */
	case VCPU_MSG_MAKE_RT: {
		struct sched_thread_plan rt = vcpu->plan;

		rt.delay_rt = false;
		ret = sched_thread_make_rt(atomic_load(&vcpu->tid), &rt, err, sizeof(err));
		if (ret)
			log_warn("vcpu%u: make-rt: %s", vcpu->id, err);
		break;
	}
	case VCPU_MSG_THROTTLE:
		vcpu_throttle(vcpu, msg->throttle_us);
		break;
	case VCPU_MSG_GET_STATE:
		if (msg->reply)
			vcpu_snapshot(vcpu, &msg->reply->snapshot);
		break;
	case VCPU_MSG_SET_AFFINITY: {
		struct sched_thread_plan pin = vcpu->plan;

		pin.pin = true;
		pin.cpus = msg->cpus;
		ret = vm_cgroup_check_cpus(vcpu->vm, vcpu->id, &pin, err, sizeof(err));
		if (!ret)
			ret = sched_thread_pin(0, &pin, err, sizeof(err));
		if (!ret)
			vcpu->plan.cpus = msg->cpus;
		break;
	}
	}
	if (msg->reply) {
		if (ret)
			snprintf(msg->reply->error, sizeof(msg->reply->error), "%s", err);
		vcpu_reply_complete(msg->reply, ret);
	}
}

/*
 * Takes and handles what was posted; with `wait`, blocks until something is. Returns
 * false when the vCPU must exit.
 */
static bool vcpu_drain(struct vcpu *vcpu, bool *paused, bool wait)
{
	struct vcpu_msg msgs[MAILBOX_CAPACITY];
	enum vcpu_run_state rs;
	unsigned n;

	n = mailbox_take(&vcpu->mailbox, &rs, msgs, MAILBOX_CAPACITY, wait);
	for (unsigned i = 0; i < n; i++)
		vcpu_handle_msg(vcpu, &msgs[i]);
	switch (rs) {
	case RUN_STATE_EXITING:
		return false;
	case RUN_STATE_PAUSED:
		if (vcpu_state_move(&vcpu->state, VCPU_PAUSED) == 0)
			*paused = true;
		break;
	case RUN_STATE_RUNNING:
		if (vcpu_state_move(&vcpu->state, VCPU_RUNNING) == 0)
			*paused = false;
		break;
	case RUN_STATE_NONE:
		break;
	}
	return true;
}

static void vcpu_handle_io(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool is_write = run->io.direction == KVM_EXIT_IO_OUT;

	/* a string instruction (rep outs/ins) delivers `count` items in one exit */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size) {
		if (!bus_access(&vcpu->vm->io_bus, run->io.port, data, run->io.size, is_write))
			vcpu_stat_add(&vcpu->stats.io_unclaimed, 1);
	}
}

static void vcpu_handle_mmio(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	unsigned len = run->mmio.len <= sizeof(run->mmio.data) ? run->mmio.len : 8;

	if (!bus_access(&vcpu->vm->mmio_bus, run->mmio.phys_addr, run->mmio.data, len,
			run->mmio.is_write))
		vcpu_stat_add(&vcpu->stats.mmio_unclaimed, 1);
}

/*
 * A bus lock the guest took (KVM_EXIT_X86_BUS_LOCK, or the flag on any exit) is charged
 * to the VM-wide limiter; over budget, this vCPU sleeps before it re-enters the guest.
 * A kick (stop, pause, any message) cuts the sleep short: control wins over the penalty.
 */
static void vcpu_bus_lock(struct vcpu *vcpu, uint64_t now)
{
	uint64_t delay = ratelimit_take(&vcpu->vm->bus_lock_limit, now);
	struct timespec until;

	vcpu_stat_add(&vcpu->stats.bus_locks, 1);
	if (!delay)
		return;
	until.tv_sec = (time_t)((now + delay) / 1000000000ULL);
	until.tv_nsec = (long)((now + delay) % 1000000000ULL);
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) == EINTR &&
	       !atomic_load_explicit(&vcpu->mailbox.pending, memory_order_acquire))
		;
	vcpu_stat_add(&vcpu->stats.bus_lock_sleep_ns, clock_mono_ns() - now);
}

static void vcpu_end_vm(struct vcpu *vcpu, const struct exit_info *e)
{
	static const enum vm_end end_of[] = {
		[EXIT_ACT_POWEROFF] = VM_END_POWEROFF,
		[EXIT_ACT_RESET] = VM_END_RESET,
		[EXIT_ACT_CRASH] = VM_END_CRASHED,
		[EXIT_ACT_FAIL] = VM_END_FAILED,
	};
	char why[200];

	exit_describe(vcpu->run, e, why, sizeof(why));
	vm_end(vcpu->vm, end_of[e->action], 0, "vcpu%u: %s", vcpu->id, why);
}

static void vcpu_run_loop(struct vcpu *vcpu)
{
	struct kvm_run *run = vcpu->run;
	bool paused = false, idle = false;	/* idle: halted or the VM is ending */

	vcpu_state_move(&vcpu->state, VCPU_RUNNING);
	for (;;) {
		uint64_t t0, t1;
		int ret;

		if (paused || idle ||
		    atomic_load_explicit(&vcpu->mailbox.pending, memory_order_acquire)) {
			bool was_paused = paused;

			if (!vcpu_drain(vcpu, &paused, paused || idle))
				break;
			if (was_paused && !paused)
				idle = false;	/* resume also wakes a halted vCPU */
			if (paused || idle)
				continue;
		}
		t0 = clock_mono_ns();
		ret = ioctl(vcpu->fd, KVM_RUN, 0);
		t1 = clock_mono_ns();
		vcpu_stat_add(&vcpu->stats.run_ns, t1 - t0);
		if (ret < 0) {
			int err = errno;

			if (err == EINTR || err == EAGAIN) {
				/* cleared before the mailbox is read: a later kick sets it again */
				run->immediate_exit = 0;
				vcpu_stat_add(&vcpu->stats.exits[EXIT_KIND_INTR], 1);
				continue;
			}
			vm_end(vcpu->vm, VM_END_FAILED, 0, "vcpu%u: KVM_RUN: %s", vcpu->id,
			       strerror(err));
			vcpu_state_move(&vcpu->state, VCPU_FAILED);
			idle = true;
			continue;
		}

		struct exit_info e = exit_decode(run);

		vcpu_stat_add(&vcpu->stats.exits[e.kind], 1);
		if (e.bus_lock)
			vcpu_bus_lock(vcpu, t1);
		switch (e.action) {
		case EXIT_ACT_RESUME:
			break;
		case EXIT_ACT_IO:
			vcpu_handle_io(vcpu);
			break;
		case EXIT_ACT_MMIO:
			vcpu_handle_mmio(vcpu);
			break;
		case EXIT_ACT_HALT:
			idle = true;	/* no in-kernel irqchip: only a message wakes it */
			break;
		case EXIT_ACT_FAIL:
			vcpu_end_vm(vcpu, &e);
			vcpu_state_move(&vcpu->state, VCPU_FAILED);
			idle = true;
			break;
		default:
			vcpu_end_vm(vcpu, &e);
			idle = true;
			break;
		}
	}
	vcpu_state_move(&vcpu->state, VCPU_EXITED);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *vcpu = arg;
	sigset_t kick;
	int ret;

	tls_run = vcpu->run;
	pthread_setname_np(pthread_self(), vcpu->name);
	atomic_store(&vcpu->tid, sched_gettid());
	sigemptyset(&kick);
	sigaddset(&kick, vcpu_kick_signal());
	pthread_sigmask(SIG_UNBLOCK, &kick, NULL);

	ret = vcpu_setup(vcpu);
	vcpu_state_move(&vcpu->state, ret ? VCPU_FAILED : VCPU_READY);
	log_dbg("vcpu%u: thread %s tid %d %s", vcpu->id, vcpu->name, (int)atomic_load(&vcpu->tid),
		ret ? "failed setup" : "ready");
	if (vm_start_report(vcpu->vm))
		vcpu_run_loop(vcpu);
	else
		vcpu_state_move(&vcpu->state, VCPU_EXITED);
	mailbox_close(&vcpu->mailbox);
	pthread_sigmask(SIG_BLOCK, &kick, NULL);
	tls_run = NULL;
	return NULL;
}

int vcpu_start(struct vcpu *vcpu)
{
	int ret = pthread_create(&vcpu->thread, NULL, vcpu_thread, vcpu);

	if (ret) {
		log_err("vcpu%u: pthread_create: %s", vcpu->id, strerror(ret));
		return -ret;
	}
	vcpu->thread_started = true;
	return 0;
}

void vcpu_join(struct vcpu *vcpu)
{
	if (vcpu->thread_started) {
		pthread_join(vcpu->thread, NULL);
		vcpu->thread_started = false;
	}
}
