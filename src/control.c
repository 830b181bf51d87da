// SPDX-License-Identifier: Apache-2.0
/*
 * The control server (see control.h): the listening socket and its clients, each with
 * an input framer and an output buffer, in an epoll set of their own that the main
 * loop waits on as one fd. Requests are parsed and replies built by control_proto; this
 * file does the sockets and carries requests out on the VM. Main thread only.
 *
 * No client can stall the VM: every socket is non-blocking, a client whose replies pile
 * up stops being read until it catches up and is dropped past CONTROL_OUT_MAX, and the
 * only waits are for the vCPUs themselves (a mailbox call, a bounded pause).
 */
#include "control.h"

#include "clock.h"
#include "control_proto.h"
#include "log.h"
#include "vm.h"

#include "../config/cpulist.h"
#include "../sched/host.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

/* The one folder rtvmm creates for a socket: the shipped configs put theirs there. */
#define CONTROL_RUN_DIR "/run/rtvmm"

struct control_client {
	struct control *ctl;
	int fd;
	bool dead;		/* disconnected in this dispatch; freed at its end */
	bool closing;		/* disconnect once the output is written */
	bool want_out;		/* waiting for EPOLLOUT, not reading meanwhile */
	char *out;		/* replies not yet written: [out_off, out_len) */
	size_t out_off, out_len, out_cap;
	struct control_framer in;
};

struct control {
	struct vm *vm;
	int listen_fd;		/* -1 when closed */
	int ep;			/* the listening socket (data.ptr NULL) and the clients */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	bool bound;		/* the socket file at `path` is ours: dev and ino say which */
	dev_t dev;
	ino_t ino;
	struct control_client *clients[CONTROL_MAX_CLIENTS];
};

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* The socket's folder must exist; /run/rtvmm is created, being rtvmm's own. */
static int control_folder(const char *path, char *err, size_t errlen)
{
	char copy[sizeof(((struct control *)0)->path)], *dir;
	struct stat st;

	snprintf(copy, sizeof(copy), "%s", path);
	dir = dirname(copy);
	if (stat(dir, &st) == 0)
		return S_ISDIR(st.st_mode) ? 0 : fail(err, errlen, -EINVAL, "%s is not a folder",
							  dir);
	if (errno != ENOENT)
		return fail(err, errlen, -EINVAL, "folder %s: %s", dir, strerror(errno));
	if (strcmp(dir, CONTROL_RUN_DIR))
		return fail(err, errlen, -EINVAL, "folder %s does not exist (rtvmm creates only "
			    CONTROL_RUN_DIR ")", dir);
	/* 0700: the sockets in it are the owner's alone anyway */
	if (mkdir(dir, 0700) && errno != EEXIST)
		return fail(err, errlen, -EINVAL, "cannot create folder %s: %s", dir,
			    strerror(errno));
	return 0;
}

/*
 * An existing socket file is either a live VM's (something accepts on it) or left over
 * from an rtvmm that did not get to remove it; only the second may be replaced.
 */
static int control_clear_stale(const char *path, const struct sockaddr_un *addr, char *err,
			       size_t errlen)
{
	struct stat st;
	int fd, ret;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		return fail(err, errlen, -EINVAL, "%s", strerror(errno));
	}
	if (!S_ISSOCK(st.st_mode))
		return fail(err, errlen, -EINVAL, "the path exists and is not a socket; not "
			    "replacing it");
	/* non-blocking: a live server with a full backlog must not hang this start */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	ret = connect(fd, (const struct sockaddr *)addr, sizeof(*addr)) ? -errno : 0;
	close(fd);
	if (ret == 0 || ret == -EAGAIN || ret == -EINPROGRESS)
		return fail(err, errlen, -EINVAL, "another VM is listening on it (a running "
			    "rtvmm; stop it or give this VM another [vm] control)");
	if (ret != -ECONNREFUSED)
		return fail(err, errlen, -EINVAL, "cannot tell whether a VM listens on it: %s",
			    strerror(-ret));
	if (unlink(path) && errno != ENOENT)
		return fail(err, errlen, -EINVAL, "cannot remove the stale socket: %s",
			    strerror(errno));
	log_info("control: replaced the stale socket %s", path);
	return 0;
}

static int control_listen(struct control *ctl, const struct sockaddr_un *addr, char *err,
			  size_t errlen)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	struct stat st;
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return fail(err, errlen, -errno, "socket: %s", strerror(errno));
	ctl->listen_fd = fd;
	/*
	 * bind() gives the file the socket inode's mode less the umask, so setting it here
	 * leaves no moment in which the file is more open; the umask is process-wide and
	 * not ours to change.
	 */
	if (fchmod(fd, 0600))
		return fail(err, errlen, -errno, "fchmod: %s", strerror(errno));
	if (bind(fd, (const struct sockaddr *)addr, sizeof(*addr))) {
		int e = errno;

		return fail(err, errlen, e == EADDRINUSE || e == EACCES || e == EROFS ?
			    -EINVAL : -e, "bind: %s", strerror(e));
	}
	if (stat(ctl->path, &st))
		return fail(err, errlen, -errno, "stat: %s", strerror(errno));
	ctl->bound = true;
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	/* a kernel that does not carry the mode over: correct it and say if that failed */
	if ((st.st_mode & 07777) != 0600 && chmod(ctl->path, 0600))
		return fail(err, errlen, -errno, "chmod 0600: %s", strerror(errno));
	if (listen(fd, 16))
		return fail(err, errlen, -errno, "listen: %s", strerror(errno));
	ctl->ep = epoll_create1(EPOLL_CLOEXEC);
	if (ctl->ep < 0)
		return fail(err, errlen, -errno, "epoll_create1: %s", strerror(errno));
	if (epoll_ctl(ctl->ep, EPOLL_CTL_ADD, fd, &ev))
		return fail(err, errlen, -errno, "epoll_ctl: %s", strerror(errno));
	return 0;
}

int control_open(struct control **out, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct control *ctl;
	int ret;

	*out = NULL;
	if (!path[0] || strlen(path) >= sizeof(addr.sun_path))
		return fail(err, errlen, -EINVAL, "a socket path must have 1 to %zu characters",
			    sizeof(addr.sun_path) - 1);
	ctl = calloc(1, sizeof(*ctl));
	if (!ctl)
		return fail(err, errlen, -ENOMEM, "out of memory");
	ctl->listen_fd = -1;
	ctl->ep = -1;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	memcpy(addr.sun_path, path, strlen(path));
	ret = control_folder(path, err, errlen);
	if (!ret)
		ret = control_clear_stale(path, &addr, err, errlen);
	if (!ret)
		ret = control_listen(ctl, &addr, err, errlen);
	if (ret) {
		control_close(ctl);
		return ret;
	}
	*out = ctl;
	return 0;
}

void control_set_vm(struct control *ctl, struct vm *vm)
{
	ctl->vm = vm;
}

int control_fd(const struct control *ctl)
{
	return ctl->ep;
}

/* --- clients ---------------------------------------------------------------------------- */

static void client_drop(struct control_client *c)
{
	if (c->dead)
		return;
	/* closing the only fd of the socket also takes it out of the epoll set */
	close(c->fd);
	c->fd = -1;
	c->dead = true;
}

static void client_free(struct control_client *c)
{
	if (!c)
		return;
	client_drop(c);
	free(c->out);
	free(c);
}

/* EPOLLIN while the client is read, EPOLLOUT while its replies wait for room. */
static void client_watch(struct control_client *c, bool want_out)
{
	struct epoll_event ev = { .events = want_out ? EPOLLOUT : EPOLLIN, .data.ptr = c };

	if (c->want_out == want_out)
		return;
	c->want_out = want_out;
	if (epoll_ctl(c->ctl->ep, EPOLL_CTL_MOD, c->fd, &ev))
		client_drop(c);
}

/* Writes what the socket takes now; the rest waits for EPOLLOUT. */
static void client_flush(struct control_client *c)
{
	while (!c->dead && c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			client_watch(c, true);
			return;
		}
		if (n < 0) {
			client_drop(c);	/* gone (EPIPE, ECONNRESET): nobody to answer */
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->dead)
		return;
	c->out_off = c->out_len = 0;
	if (c->closing)
		client_drop(c);
	else
		client_watch(c, false);
}

/*
 * Queues a reply (and drops the reference). Returns 0, or -ENOBUFS when the client was
 * dropped for not reading its replies or for lack of memory.
 */
static int client_queue(struct control_client *c, json_t *reply)
{
	size_t len = 0, need;
	char *line = reply ? control_reply_dump(reply, &len) : NULL;

	json_decref(reply);
	if (!line) {
		log_warn("control: out of memory for a reply; disconnecting the client");
		client_drop(c);
		return -ENOBUFS;
	}
	need = c->out_len - c->out_off + len;
	if (need > CONTROL_OUT_MAX) {
		log_warn("control: a client left %zu bytes of replies unread; disconnecting it",
			 c->out_len - c->out_off);
		free(line);
		client_drop(c);
		return -ENOBUFS;
	}
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + len > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 4096;
		char *p;

		while (cap < c->out_len + len)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			free(line);
			client_drop(c);
			return -ENOBUFS;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, line, len);
	c->out_len += len;
	free(line);
	return 0;
}

/* --- commands --------------------------------------------------------------------------- */

/* What the host says about a vCPU thread, read by tid: no message, so no guest exit. */
static void vcpu_read_state(struct vm *vm, unsigned id, struct control_vcpu_state *s)
{
	struct vcpu *vcpu = vm->vcpus[id];
	struct sched_thread_now now;
	struct task_stat ts;

	memset(s, 0, sizeof(*s));
	s->id = id;
	s->state = atomic_load(&vcpu->state);
	s->tid = atomic_load(&vcpu->tid);
	s->last_cpu = -1;
	s->policy = -1;
	s->cgroup = vcpu->in_cgroup ? vm->plan->vcpu[id].cgroup : NULL;
	/* an exited thread's tid may already name another thread */
	if (s->tid <= 0 || s->state == VCPU_EXITED)
		return;
	if (taskstat_read("/proc", getpid(), s->tid, &ts) == 0)
		s->last_cpu = ts.last_cpu;
	sched_thread_read(s->tid, &now);
	s->policy = now.policy;
	s->priority = now.priority;
	s->affinity_known = now.affinity_known;
	s->affinity = now.affinity;
}

static const char *vm_state_now(struct vm *vm, enum vcpu_state *states)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		states[i] = atomic_load(&vm->vcpus[i]->state);
	return control_vm_state(states, vm->nr_vcpus, atomic_load(&vm->end) != VM_END_NONE);
}

static json_t *cmd_state(struct control *ctl, const struct control_req *req)
{
	struct vm *vm = ctl->vm;
	struct control_vcpu_state *v = calloc(vm->nr_vcpus, sizeof(*v));
	enum vcpu_state *states = calloc(vm->nr_vcpus, sizeof(*states));
	json_t *reply = NULL;

	(void)req;
	if (v && states) {
		for (unsigned i = 0; i < vm->nr_vcpus; i++)
			vcpu_read_state(vm, i, &v[i]);
		reply = control_reply_state(vm->cfg->vm.name, vm_state_now(vm, states), v,
					    vm->nr_vcpus);
	}
	free(states);
	free(v);
	return reply;
}

static json_t *cmd_stats(struct control *ctl, const struct control_req *req)
{
	struct vm *vm = ctl->vm;
	struct control_vcpu_stats *v = calloc(vm->nr_vcpus, sizeof(*v));
	json_t *reply;

	(void)req;
	if (!v)
		return NULL;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *vcpu = vm->vcpus[i];
		const struct vcpu_stats *st = &vcpu->stats;
		pid_t tid = atomic_load(&vcpu->tid);

		v[i].id = i;
		for (int k = 0; k < EXIT_KIND_COUNT; k++)
			v[i].exits[k] = atomic_load(&st->exits[k]);
		v[i].kvm_run_ns = atomic_load(&st->run_ns);
		v[i].io_unclaimed = atomic_load(&st->io_unclaimed);
		v[i].mmio_unclaimed = atomic_load(&st->mmio_unclaimed);
		v[i].bus_locks = atomic_load(&st->bus_locks);
		v[i].bus_lock_sleep_ns = atomic_load(&st->bus_lock_sleep_ns);
		v[i].throttle_ns = atomic_load(&st->throttle_ns);
		v[i].host_known = tid > 0 && atomic_load(&vcpu->state) != VCPU_EXITED &&
				  taskstat_read("/proc", getpid(), tid, &v[i].host) == 0;
	}
	reply = control_reply_stats(clock_mono_ns(), v, vm->nr_vcpus);
	free(v);
	return reply;
}

/*
 * Asks every vCPU for a run state and waits, boundedly, until each has taken it: a vCPU
 * takes it at its next mailbox drain, which the kick brings at once unless it is busy
 * outside the guest (a throttle). Asking for the state a vCPU is already in changes
 * nothing, so both commands are idempotent.
 */
static json_t *set_run_state(struct control *ctl, enum vcpu_run_state rs, enum vcpu_state want)
{
	const char *verb = rs == RUN_STATE_PAUSED ? "pause" : "resume";
	struct vcpu_msg msg = { .kind = VCPU_MSG_RUN_STATE, .run_state = rs };
	struct timespec tick = { .tv_nsec = 1000000 };
	struct vm *vm = ctl->vm;
	uint64_t deadline = clock_mono_ns() + CONTROL_RUN_STATE_WAIT_MS * 1000000ULL;
	enum vcpu_state *states = calloc(vm->nr_vcpus, sizeof(*states));
	const char *vm_state;
	char error[256];
	json_t *reply;
	int late = -1;

	if (!states)
		return NULL;
	/* a vCPU that already exited refuses the post (-ESRCH); its state says so below */
	vm_broadcast(vm, &msg);
	for (;;) {
		late = -1;
		for (unsigned i = 0; i < vm->nr_vcpus && late < 0; i++) {
			enum vcpu_state s = atomic_load(&vm->vcpus[i]->state);

			if (s != want && s != VCPU_EXITED && s != VCPU_FAILED)
				late = (int)i;
		}
		if (late < 0 || clock_mono_ns() >= deadline)
			break;
		nanosleep(&tick, NULL);
	}
	vm_state = vm_state_now(vm, states);
	error[0] = 0;
	for (unsigned i = 0; i < vm->nr_vcpus && !error[0]; i++) {
		if (states[i] == want)
			continue;
		if ((int)i == late)
			snprintf(error, sizeof(error), "vcpu%u did not %s within %d ms (it is %s)",
				 i, verb, CONTROL_RUN_STATE_WAIT_MS, vcpu_state_name(states[i]));
		else
			snprintf(error, sizeof(error), "vcpu%u cannot %s: it is %s", i, verb,
				 vcpu_state_name(states[i]));
	}
	if (error[0])
		log_warn("control: %s: %s", verb, error);
	else
		log_info("control: %s: every vCPU is %s", verb, vcpu_state_name(want));
	reply = control_reply_run_state(error[0] ? error : NULL, vm_state, states, vm->nr_vcpus);
	free(states);
	return reply;
}

static json_t *cmd_pause(struct control *ctl, const struct control_req *req)
{
	(void)req;
	return set_run_state(ctl, RUN_STATE_PAUSED, VCPU_PAUSED);
}

static json_t *cmd_resume(struct control *ctl, const struct control_req *req)
{
	(void)req;
	return set_run_state(ctl, RUN_STATE_RUNNING, VCPU_RUNNING);
}

static json_t *cmd_stop(struct control *ctl, const struct control_req *req)
{
	json_t *reply = control_reply_ok();

	(void)req;
	/* the main loop ends after this dispatch; the reply is written before it does */
	vm_end(ctl->vm, VM_END_STOPPED, 0, "stopped by a control client");
	if (reply && json_object_set_new(reply, "state", json_string("ending"))) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}

/* Why a message could not reach a vCPU, when the vCPU itself did not say. */
static const char *post_error(int ret)
{
	switch (ret) {
	case -ESRCH:
		return "the vCPU has exited";
	case -EAGAIN:
		return "its mailbox is full; try again";
	default:
		return NULL;	/* strerror */
	}
}

/* A make-rt or set-affinity message to one vCPU, and what its thread has afterwards. */
static void vcpu_apply(struct vm *vm, unsigned id, struct vcpu_msg *msg,
		       struct control_vcpu_result *r, char *error, size_t errlen)
{
	struct vcpu_reply reply;
	int ret = vcpu_call(vm->vcpus[id], msg, &reply);

	error[0] = 0;
	if (ret)
		snprintf(error, errlen, "%s", reply.error[0] ? reply.error :
			 post_error(ret) ? post_error(ret) : strerror(-ret));
	r->result = ret;
	r->error = error;
	vcpu_read_state(vm, id, &r->now);
}

static json_t *cmd_make_rt(struct control *ctl, const struct control_req *req)
{
	struct vm *vm = ctl->vm;
	unsigned first = req->vcpu >= 0 ? (unsigned)req->vcpu : 0;
	unsigned n = req->vcpu >= 0 ? 1 : vm->nr_vcpus;
	struct control_vcpu_result *r = calloc(n, sizeof(*r));
	char (*errors)[sizeof(((struct vcpu_reply *)0)->error)] = calloc(n, sizeof(*errors));
	char why[256];
	json_t *reply = NULL;

	if (req->vcpu >= 0 && control_check_vcpu(req->vcpu, vm->nr_vcpus, why, sizeof(why))) {
		reply = control_reply_error("make-rt: %s", why);
		goto out;
	}
	if (!r || !errors)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		struct vcpu_msg msg = { .kind = VCPU_MSG_MAKE_RT };

		vcpu_apply(vm, first + i, &msg, &r[i], errors[i], sizeof(errors[i]));
		if (!r[i].result)
			log_info("control: make-rt: vcpu%u is %s priority %d", first + i,
				 sched_policy_name(r[i].now.policy), r[i].now.priority);
	}
	reply = control_reply_results(CONTROL_MAKE_RT, r, n);
out:
	free(errors);
	free(r);
	return reply;
}

static json_t *cmd_throttle(struct control *ctl, const struct control_req *req)
{
	struct vcpu_msg msg = { .kind = VCPU_MSG_THROTTLE, .throttle_us = req->us };
	struct vm *vm = ctl->vm;
	char why[256];
	json_t *reply;
	int ret;

	if (control_check_vcpu(req->vcpu, vm->nr_vcpus, why, sizeof(why)))
		return control_reply_error("throttle: %s", why);
	ret = vcpu_post(vm->vcpus[req->vcpu], &msg);
	if (ret)
		return control_reply_error("throttle: vcpu%d: %s", req->vcpu,
					   post_error(ret) ? post_error(ret) : strerror(-ret));
	log_info("control: throttle: vcpu%d for %u us", req->vcpu, req->us);
	reply = control_reply_ok();
	if (reply && (json_object_set_new(reply, "vcpu", json_integer(req->vcpu)) ||
		      json_object_set_new(reply, "us", json_integer(req->us)))) {
		json_decref(reply);
		return NULL;
	}
	return reply;
}

static json_t *cmd_set_affinity(struct control *ctl, const struct control_req *req)
{
	struct vcpu_msg msg = { .kind = VCPU_MSG_SET_AFFINITY, .cpus = req->cpus };
	struct vm *vm = ctl->vm;
	struct control_vcpu_result r;
	char why[512], error[sizeof(((struct vcpu_reply *)0)->error)], cpus[256];
	cpu_set_t online;

	if (control_check_vcpu(req->vcpu, vm->nr_vcpus, why, sizeof(why)))
		return control_reply_error("set-affinity: %s", why);
	/* when sysfs cannot say, the kernel will, on the pin */
	if (host_read_cpulist("/sys", "/devices/system/cpu/online", &online) == 0 &&
	    CPU_COUNT(&online) && control_check_cpus(&req->cpus, &online, why, sizeof(why)))
		return control_reply_error("set-affinity: %s", why);
	vcpu_apply(vm, (unsigned)req->vcpu, &msg, &r, error, sizeof(error));
	if (cpulist_format(&req->cpus, cpus, sizeof(cpus)) < 0)
		snprintf(cpus, sizeof(cpus), "(many)");
	if (r.result)
		log_warn("control: set-affinity: vcpu%d to cpus %s: %s", req->vcpu, cpus, error);
	else
		log_info("control: set-affinity: vcpu%d to cpus %s", req->vcpu, cpus);
	return control_reply_results(CONTROL_SET_AFFINITY, &r, 1);
}

static json_t *(*const commands[CONTROL_CMD_COUNT])(struct control *ctl,
						    const struct control_req *req) = {
	[CONTROL_STATE] = cmd_state,
	[CONTROL_STATS] = cmd_stats,
	[CONTROL_PAUSE] = cmd_pause,
	[CONTROL_RESUME] = cmd_resume,
	[CONTROL_STOP] = cmd_stop,
	[CONTROL_MAKE_RT] = cmd_make_rt,
	[CONTROL_THROTTLE] = cmd_throttle,
	[CONTROL_SET_AFFINITY] = cmd_set_affinity,
};

/* One request line of client `ctx`: parsed, carried out, answered. */
static int client_line(void *ctx, const char *line, size_t len)
{
	struct control_client *c = ctx;
	struct control_req req;
	char err[512];
	json_t *reply;

	if (control_parse(line, len, &req, err, sizeof(err)))
		reply = control_reply_error("%s", err);
	else
		reply = commands[req.cmd](c->ctl, &req);
	return client_queue(c, reply);
}

static void client_read(struct control_client *c)
{
	char buf[CONTROL_LINE_MAX];
	ssize_t n = recv(c->fd, buf, sizeof(buf), MSG_DONTWAIT);
	int ret;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (n <= 0) {
		/* gone, maybe mid-request: nothing to answer */
		client_drop(c);
		return;
	}
	ret = control_framer_feed(&c->in, buf, (size_t)n, client_line, c);
	if (ret == -EMSGSIZE && !client_queue(c, control_reply_error(
				"request longer than %d bytes; closing the connection",
				CONTROL_LINE_MAX)))
		c->closing = true;
	if (!c->dead)
		client_flush(c);
}

static void control_accept(struct control *ctl)
{
	static const char full[] = "{\"ok\":false,\"error\":\"too many control clients\"}\n";

	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct control_client *c;
		int slot = -1;
		int fd = accept4(ctl->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_dbg("control: accept: %s", strerror(errno));
			return;
		}
		for (int i = 0; i < CONTROL_MAX_CLIENTS && slot < 0; i++)
			if (!ctl->clients[i])
				slot = i;
		c = slot >= 0 ? calloc(1, sizeof(*c)) : NULL;
		if (!c) {
			if (send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
				log_dbg("control: refusing a client: %s", strerror(errno));
			close(fd);
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		control_framer_init(&c->in);
		ev.data.ptr = c;
		if (epoll_ctl(ctl->ep, EPOLL_CTL_ADD, fd, &ev)) {
			client_free(c);
			continue;
		}
		ctl->clients[slot] = c;
	}
}

int control_dispatch(struct control *ctl)
{
	struct epoll_event events[16];
	int n;

	if (!ctl->vm)
		return 0;
	n = epoll_wait(ctl->ep, events, 16, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (int i = 0; i < n; i++) {
		struct control_client *c = events[i].data.ptr;

		if (!c) {
			control_accept(ctl);
			continue;
		}
		if (c->dead)
			continue;
		if (c->want_out && (events[i].events & EPOLLOUT))
			client_flush(c);
		else if (c->want_out)
			client_drop(c);	/* an error or hang-up while replies wait */
		else
			client_read(c);
	}
	/* freed only now: a later event of this batch may still point at a dropped client */
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		if (ctl->clients[i] && ctl->clients[i]->dead) {
			client_free(ctl->clients[i]);
			ctl->clients[i] = NULL;
		}
	}
	return 0;
}

void control_close(struct control *ctl)
{
	struct stat st;

	if (!ctl)
		return;
	for (int i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		struct control_client *c = ctl->clients[i];

		if (!c)
			continue;
		/* one last try, without waiting: the reply to `stop` is usually here */
		if (!c->dead && c->out_off < c->out_len &&
		    send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_dbg("control: a reply was not delivered: %s", strerror(errno));
		client_free(c);
	}
	if (ctl->ep >= 0)
		close(ctl->ep);
	if (ctl->listen_fd >= 0)
		close(ctl->listen_fd);
	/* a later rtvmm may have replaced a file we thought stale: remove only our own */
	if (ctl->bound && stat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino && unlink(ctl->path))
		log_warn("control: cannot remove %s: %s", ctl->path, strerror(errno));
	free(ctl);
}
