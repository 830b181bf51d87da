// SPDX-License-Identifier: Apache-2.0
/*
 * The main thread of a running VM: signals arrive through a signalfd, vCPU threads
 * report through the VM's eventfd, the serial console reads stdin, control clients come
 * through the control server's fd, and one epoll loop waits for all of them. Every signal
 * rtvmm handles is blocked before any thread starts, so only this loop (and, for the kick
 * signal, the vCPU threads that unblock it) ever sees them.
 */
#include "run.h"

#include "boot/linux.h"
#include "boot/payload.h"
#include "clock.h"
#include "control.h"
#include "log.h"
#include "probe.h"
#include "vm.h"

#include "../config/config.h"
#include "../config/cpulist.h"

#include <errno.h>
#include <jansson.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

static int block_signals(sigset_t *stop)
{
	sigset_t all;

	sigemptyset(stop);
	sigaddset(stop, SIGINT);
	sigaddset(stop, SIGTERM);
	sigaddset(stop, SIGHUP);
	all = *stop;
	sigaddset(&all, vcpu_kick_signal());
	signal(SIGPIPE, SIG_IGN);
	return -pthread_sigmask(SIG_BLOCK, &all, NULL);
}

/*
 * The serial console's input: stdin feeds the guest's UART. Bytes the UART cannot take
 * yet wait here, and stdin leaves the epoll set until the UART says it has room (on the
 * VM's eventfd), so a paste larger than the FIFO neither spins nor gets lost.
 */
struct serial_in {
	int fd;			/* -1: no input (none configured, or it ended) */
	bool polled;		/* fd is in the epoll set */
	bool file;		/* a regular file, which epoll refuses: always readable */
	uint8_t buf[512];
	size_t off, len;	/* buf[off, len) still waits for room in the UART */
};

static void serial_in_start(struct serial_in *in, struct vm *vm, int ep)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd = console_input_fd(&vm->console);

	in->fd = -1;
	if (!(vm->pc_devices & VM_DEV_UART) || fd < 0)
		return;
	/* a background job must not read the terminal: the kernel would stop it */
	if (isatty(fd) && tcgetpgrp(fd) != getpgrp()) {
		log_info("console: rtvmm runs in the background, the guest gets no input");
		return;
	}
	if (console_input_start(&vm->console)) {
		log_warn("console: cannot set up the terminal for input; the guest gets none");
		return;
	}
	in->fd = fd;
	ev.data.fd = fd;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0)
		in->polled = true;
	else
		in->file = errno == EPERM;
	if (!in->polled && !in->file)
		in->fd = -1;
	else if (isatty(fd))
		log_info("console: Ctrl-A x quits, Ctrl-A h for help");
}

static void serial_in_poll(struct serial_in *in, int ep, bool on)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = in->fd };

	if (in->file || in->polled == on)
		return;
	epoll_ctl(ep, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, in->fd, &ev);
	in->polled = on;
}

/* Offers the waiting bytes to the UART; stdin is polled again once all are taken. */
static void serial_in_flush(struct serial_in *in, struct vm *vm, int ep)
{
	if (in->fd < 0)
		return;
	in->off += uart_receive(&vm->uart, in->buf + in->off, in->len - in->off);
	if (in->off == in->len)
		in->off = in->len = 0;
	serial_in_poll(in, ep, in->off == in->len);
}

/* Whether the input is a file with bytes to read: then the loop must not block. */
static bool serial_in_ready(const struct serial_in *in)
{
	return in->fd >= 0 && in->file && in->off == in->len;
}

static void serial_in_read(struct serial_in *in, struct vm *vm, int ep)
{
	unsigned events = 0;
	ssize_t n;

	if (in->fd < 0 || in->off != in->len)
		return;
	n = console_input_read(&vm->console, in->buf, sizeof(in->buf), &events);
	if (n > 0) {
		in->off = 0;
		in->len = (size_t)n;
		serial_in_flush(in, vm, ep);
	}
	if (events & CONSOLE_EV_QUIT)
		vm_end(vm, VM_END_STOPPED, 0, "stopped from the console (Ctrl-A x)");
	if (n < 0 && n != -EAGAIN && n != -EINTR)
		events |= CONSOLE_EV_EOF;
	if (events & CONSOLE_EV_EOF) {
		/* the guest keeps running without input, as with a closed terminal */
		serial_in_poll(in, ep, false);
		in->fd = -1;
	}
}

/*
 * The epoll timeout until the next tick (-1: no ticks), and the tick itself when it
 * is due; `next` is the due time in CLOCK_MONOTONIC milliseconds.
 */
static int hooks_tick(const struct run_hooks *h, struct vm *vm, uint64_t *next)
{
	uint64_t now;

	if (!h || !h->tick || !h->tick_ms)
		return -1;
	now = clock_mono_ms();
	if (!*next) {
		*next = now + h->tick_ms;
	} else if (now >= *next) {
		h->tick(h->ctx, vm);
		/* no burst of ticks after a stall: the next one is a period from now */
		*next = now + h->tick_ms;
	}
	return (int)(*next - now);
}

/* Waits until the VM ends, a stop signal arrives or a control client stops it. */
static int event_loop(struct vm *vm, int sig_fd, struct control *ctl,
		      const struct run_hooks *hooks)
{
	uint64_t next_tick = 0;
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN };
	struct serial_in in = { .fd = -1 };

	int fds[3] = { sig_fd, vm->event_fd, ctl ? control_fd(ctl) : -1 };
	int err = ep < 0 ? errno : 0;

	/* without these the loop could never see the VM end: fail it rather than hang */
	for (int i = 0; !err && i < 3; i++) {
		ev.data.fd = fds[i];
		if (fds[i] >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev) < 0)
			err = errno;
	}
	if (err) {
		if (ep >= 0)
			close(ep);
		vm_end(vm, VM_END_FAILED, 0, "setting up the main loop: %s", strerror(err));
		return -err;
	}
	serial_in_start(&in, vm, ep);

	while (atomic_load(&vm->end) == VM_END_NONE) {
		struct epoll_event events[4];
		int timeout = hooks_tick(hooks, vm, &next_tick);
		int n = epoll_wait(ep, events, 4, serial_in_ready(&in) ? 0 : timeout);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			vm_end(vm, VM_END_FAILED, 0, "epoll_wait: %s", strerror(errno));
			break;
		}
		if (serial_in_ready(&in))
			serial_in_read(&in, vm, ep);
		for (int i = 0; i < n; i++) {
			if (events[i].data.fd == sig_fd) {
				struct signalfd_siginfo si;

				if (read(sig_fd, &si, sizeof(si)) == sizeof(si))
					vm_end(vm, VM_END_STOPPED, 0, "stopped by %s",
					       sigabbrev_np((int)si.ssi_signo) ?: "a signal");
			} else if (events[i].data.fd == in.fd) {
				serial_in_read(&in, vm, ep);
			} else if (ctl && events[i].data.fd == control_fd(ctl)) {
				int ret = control_dispatch(ctl);

				if (ret)
					log_dbg("control: %s", strerror(-ret));
			} else {
				uint64_t count;

				if (read(vm->event_fd, &count, sizeof(count)) < 0 &&
				    errno != EAGAIN)
					log_dbg("eventfd: %s", strerror(errno));
				serial_in_flush(&in, vm, ep);
			}
		}
	}
	close(ep);
	return 0;
}

static void print_exit_summary(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu_stats *st = &vm->vcpus[i]->stats;
		char line[512];
		uint64_t total = 0;
		int n = 0;

		for (int k = 0; k < EXIT_KIND_COUNT; k++) {
			uint64_t c = atomic_load(&st->exits[k]);

			total += c;
			if (c && n < (int)sizeof(line) - 40)
				n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s %llu",
					      n ? ", " : "", exit_kind_name(k),
					      (unsigned long long)c);
		}
		log_info("vcpu%u: %llu exits%s%s%s, %llu unclaimed port accesses, %llu "
			 "unclaimed MMIO accesses, %.3f s in KVM_RUN, %llu bus locks (%.3f s "
			 "slept for them)",
			 i, (unsigned long long)total, n ? " (" : "", n ? line : "",
			 n ? ")" : "", (unsigned long long)atomic_load(&st->io_unclaimed),
			 (unsigned long long)atomic_load(&st->mmio_unclaimed),
			 atomic_load(&st->run_ns) / 1e9,
			 (unsigned long long)atomic_load(&st->bus_locks),
			 atomic_load(&st->bus_lock_sleep_ns) / 1e9);
	}
}

int run_plan_build(const struct cfg *cfg, struct plan **out)
{
	struct plan *plan = malloc(sizeof(*plan));
	struct topo *topo = malloc(sizeof(*topo));
	char err[512];
	int ret = -ENOMEM;

	*out = NULL;
	if (!plan || !topo) {
		log_err("placement: out of memory");
		goto out;
	}
	ret = topo_load_host(topo, "/sys", err, sizeof(err));
	if (ret) {
		log_err("host topology: %s", err);
		ret = -EIO;	/* the host's fault, not the configuration's */
		goto out;
	}
	ret = plan_build(plan, cfg, topo, err, sizeof(err));
	if (ret) {
		log_err("%s", err);
		goto out;
	}
	*out = plan;
	plan = NULL;
out:
	free(topo);
	free(plan);
	return ret;
}

int run_plan(const struct cfg *cfg, bool json)
{
	struct plan *plan;
	json_t *j;
	int ret = run_plan_build(cfg, &plan);

	if (ret)
		return ret == -EINVAL ? 2 : 1;
	if (!json) {
		plan_print(plan, stdout);
	} else if ((j = plan_to_json(plan))) {
		ret = json_dumpf(j, stdout, JSON_INDENT(2)) ? -EIO : 0;
		putchar('\n');
		json_decref(j);
	} else {
		ret = -ENOMEM;
	}
	free(plan);
	return ret ? 1 : 0;
}

/*
 * The control socket, opened before the VM is created: a VM already listening on the
 * path stops this start before anything runs. NULL without [vm] control.
 */
static int open_control(const struct cfg *cfg, struct control **ctl)
{
	char err[512];
	int ret;

	*ctl = NULL;
	if (!cfg->vm.control[0])
		return 0;
	ret = control_open(ctl, cfg->vm.control, err, sizeof(err));
	if (ret)
		log_err("[vm] control = %s: %s", cfg->vm.control, err);
	return ret;
}

/* Main and helper threads go to [sched] emulator_cpus. */
static int pin_emulator(const struct plan *plan)
{
	struct sched_thread_plan emu = { .pin = true, .cpus = plan->emulator.cpus };
	char err[512];
	int ret;

	if (!plan->emulator.pin)
		return 0;
	ret = sched_thread_pin(0, &emu, err, sizeof(err));
	if (ret)
		log_err("[sched] emulator_cpus: %s", err);
	return ret;
}

/* What each vCPU thread actually got, read back from the kernel, for the log. */
static void log_placement(const struct vm *vm)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		pid_t tid = atomic_load(&vm->vcpus[i]->tid);
		struct sched_thread_now now;
		char cpus[256] = "?";

		sched_thread_read(tid, &now);
		if (now.affinity_known)
			cpulist_format(&now.affinity, cpus, sizeof(cpus));
		log_info("vcpu%u: thread %s tid %d, cpus %s, %s priority %d%s%s", i,
			 vm->vcpus[i]->name, (int)tid, cpus, sched_policy_name(now.policy),
			 now.priority, vm->vcpus[i]->in_cgroup ? ", cgroup " : "",
			 vm->vcpus[i]->in_cgroup ? vm->plan->vcpu[i].cgroup : "");
	}
}

static void report_end(const struct vm *vm, enum vm_end end)
{
	switch (end) {
	case VM_END_POWEROFF:
	case VM_END_STOPPED:
		log_info("%s", vm->end_reason);
		break;
	case VM_END_RESET:
		log_info("%s: exit code 3 (reset)", vm->end_reason);
		break;
	default:
		log_err("%s", vm->end_reason);
		break;
	}
}

int run_vm(const struct cfg *cfg)
{
	return run_vm_hooks(cfg, NULL);
}

int run_vm_hooks(const struct cfg *cfg, const struct run_hooks *hooks)
{
	struct control *ctl = NULL;
	struct plan *own_plan = NULL;
	const struct plan *plan = hooks ? hooks->plan : NULL;
	bool reboot;
	struct vm *vm = NULL;
	sigset_t stop;
	int sig_fd, ret, code;
	enum vm_end end;

	ret = block_signals(&stop);
	if (!ret)
		ret = vcpu_signal_init();
	if (ret) {
		log_err("signal setup: %s", strerror(-ret));
		return 1;
	}
	sig_fd = signalfd(-1, &stop, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0) {
		log_err("signalfd: %s", strerror(errno));
		return 1;
	}
	if (!plan) {
		ret = run_plan_build(cfg, &own_plan);
		plan = own_plan;
	}
	if (!ret)
		ret = open_control(cfg, &ctl);
	if (ret) {
		free(own_plan);
		close(sig_fd);
		return ret == -EINVAL ? 2 : 1;
	}
	for (unsigned i = 0; i < plan->nr_warnings; i++)
		log_warn("placement: %s", plan->warning[i]);
	if (plan->nr_dropped_warnings)
		log_warn("placement: %u more warnings (see rtvmm plan)", plan->nr_dropped_warnings);
boot:
	ret = vm_create(&vm, cfg, plan);
	if (ret) {
		code = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	/* config validation guarantees a kernel when there is no payload */
	ret = cfg->boot.payload == CFG_PAYLOAD_NONE ? linux_load(vm) : payload_load(vm);
	if (ret) {
		code = ret == -EINVAL || ret == -ENOENT || ret == -EACCES ? 2 : 1;
		goto out;
	}
	/* before the vCPU threads exist: they start from here and then place themselves */
	if (pin_emulator(plan)) {
		code = 2;
		goto out;
	}
	ret = vm_start(vm);
	if (ret) {
		log_err("start failed: %s", vm->end_reason);
		code = ret == -EINVAL ? 2 : 1;
		goto out;
	}
	log_info("%s: %u vCPUs running", cfg->vm.name, vm->nr_vcpus);
	log_placement(vm);
	if (ctl) {
		control_set_vm(ctl, vm);
		log_info("control socket: %s", cfg->vm.control);
	}
	if (hooks && hooks->started)
		hooks->started(hooks->ctx, vm);
	event_loop(vm, sig_fd, ctl, hooks);
	end = atomic_load(&vm->end);
	reboot = end == VM_END_RESET && cfg->vm.on_reset == CFG_ON_RESET_REBOOT;
	/* first: no client may reach a VM that is being taken down (a reboot keeps them:
	 * only this thread serves them, and it sets the next VM before it listens again) */
	if (!reboot) {
		control_close(ctl);
		ctl = NULL;
	}
	if (hooks && hooks->ending)
		hooks->ending(hooks->ctx, vm);
	vm_stop(vm);
	print_exit_summary(vm);
	if (reboot) {
		log_info("%s: rebooting in place ([vm] on_reset = reboot)", vm->end_reason);
		vm_destroy(vm);
		vm = NULL;
		goto boot;
	}
	if (hooks && hooks->ended)
		hooks->ended(hooks->ctx, vm, end);
	else if (cfg->boot.payload == CFG_PAYLOAD_PROBE)
		probe_print(vm, stdout);
	report_end(vm, end);
	code = vm_exit_code(end, vm->end_status);
	if (cfg->boot.payload == CFG_PAYLOAD_PROBE && end == VM_END_POWEROFF) {
		char why[256];
		const char *reason = probe_exit_reason(vm->end_status, why, sizeof(why));

		/* the probe's own status is not an exit code: a void measurement is a failure */
		if (reason) {
			log_err("probe: %s", reason);
			code = 1;
		}
	}
out:
	control_close(ctl);
	vm_destroy(vm);
	free(own_plan);
	close(sig_fd);
	return code;
}
