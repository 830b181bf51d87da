// SPDX-License-Identifier: Apache-2.0
/*
 * The control protocol (docs/control.md), without sockets: the line framing of a
 * connection's input, a request line parsed into a struct control_req, and the reply
 * objects built from data the caller gathered. Pure functions over buffers and
 * structs; the control server (src/control.c) and the `rtvmm ctl` client (src/ctl.c)
 * both use them, and the unit tests and a fuzzer drive them with fabricated input. Any
 * thread; no shared state.
 */
#ifndef RTVMM_CONTROL_PROTO_H
#define RTVMM_CONTROL_PROTO_H

#include "exit.h"
#include "mailbox.h"

#include "../sched/taskstat.h"

#include <jansson.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Longest request line in bytes, without its newline; longer ones end the connection. */
#define CONTROL_LINE_MAX 4096
/* Largest `throttle` in µs: the vCPU spins outside the guest that long, at once. */
#define CONTROL_THROTTLE_MAX_US 1000000u
/* Highest vCPU index a request may name before the VM's own count is checked. */
#define CONTROL_VCPU_MAX 255

/*
 * Assembles request lines from whatever pieces the socket delivers. Holds at most one
 * incomplete line.
 */
struct control_framer {
	size_t len;			/* bytes of the incomplete line in buf */
	char buf[CONTROL_LINE_MAX];
};

/* Called once per complete line; a non-zero return stops the feed and is returned. */
typedef int (*control_line_fn)(void *ctx, const char *line, size_t len);

void control_framer_init(struct control_framer *f);

/*
 * Feeds `len` bytes received on a connection. Every complete line goes to `fn` in order,
 * without its "\n" or a "\r" before it; blank lines (only spaces, tabs, "\r") are
 * skipped. Returns 0, -EMSGSIZE as soon as a line grows past CONTROL_LINE_MAX (the lines
 * before it were delivered; the framer must not be fed again), or what `fn` returned.
 */
int control_framer_feed(struct control_framer *f, const char *data, size_t len,
			control_line_fn fn, void *ctx);

enum control_cmd {
	CONTROL_STATE,
	CONTROL_STATS,
	CONTROL_PAUSE,
	CONTROL_RESUME,
	CONTROL_STOP,
	CONTROL_MAKE_RT,
	CONTROL_THROTTLE,
	CONTROL_SET_AFFINITY,
	CONTROL_CMD_COUNT
};

/* The arguments a request can carry, by their JSON key. */
enum control_arg {
	CONTROL_ARG_VCPU,	/* "vcpu": integer 0..CONTROL_VCPU_MAX */
	CONTROL_ARG_US,		/* "us": integer 1..CONTROL_THROTTLE_MAX_US */
	CONTROL_ARG_CPUS,	/* "cpus": CPU list string, "2-3" */
	CONTROL_ARG_COUNT
};

/* Which arguments a command takes. */
struct control_cmd_spec {
	const char *name;		/* "set-affinity" */
	unsigned nr_args;
	enum control_arg args[2];	/* in the order `rtvmm ctl` takes them */
	bool optional;			/* the arguments may be left out (make-rt) */
};

/* The command called `name`, or NULL. */
const struct control_cmd_spec *control_cmd_find(const char *name, enum control_cmd *cmd);
/* "state, stats, pause, ..." for messages. */
const char *control_cmd_names(void);
const char *control_arg_name(enum control_arg arg);

struct control_req {
	enum control_cmd cmd;
	int vcpu;		/* the vCPU named; -1 when none was (make-rt: every vCPU) */
	uint32_t us;		/* throttle; 0 otherwise */
	cpu_set_t cpus;		/* set-affinity; empty otherwise */
};

/*
 * Parses one request line. Returns 0 with `req` filled, or -EINVAL with `err` naming the
 * problem: a NUL byte, not JSON, not an object, no "cmd" or not a string, an unknown
 * command, a missing, unknown or ill-typed argument, a value out of range, a CPU list
 * that does not parse. Only the syntax is checked: whether the VM has that vCPU and the
 * host those CPUs is control_check_vcpu()'s and control_check_cpus()'s to say.
 */
int control_parse(const char *line, size_t len, struct control_req *req, char *err,
		  size_t errlen);
/* The same for an already decoded request object (the client validates what it sends). */
int control_parse_json(const json_t *obj, struct control_req *req, char *err, size_t errlen);

/* 0, or -EINVAL with `err` when `vcpu` is not below `nr_vcpus`. */
int control_check_vcpu(int vcpu, unsigned nr_vcpus, char *err, size_t errlen);
/* 0, or -EINVAL with `err` naming the CPUs of `want` that are not in `online`. */
int control_check_cpus(const cpu_set_t *want, const cpu_set_t *online, char *err,
		       size_t errlen);

/* What `state` shows of one vCPU; gathered by the server, fabricated by tests. */
struct control_vcpu_state {
	unsigned id;
	enum vcpu_state state;
	pid_t tid;		/* 0: the thread has not reported it */
	int last_cpu;		/* -1: unknown */
	int policy;		/* SCHED_OTHER, SCHED_RR, SCHED_FIFO; -1: unknown */
	int priority;
	bool affinity_known;
	cpu_set_t affinity;
	const char *cgroup;	/* NULL: in no cgroup of its own */
};

/* What `stats` shows of one vCPU. */
struct control_vcpu_stats {
	unsigned id;
	uint64_t exits[EXIT_KIND_COUNT];
	uint64_t kvm_run_ns;	/* time inside KVM_RUN, counted when KVM_RUN returns */
	uint64_t io_unclaimed;
	uint64_t mmio_unclaimed;
	uint64_t bus_locks;
	uint64_t bus_lock_sleep_ns;
	uint64_t throttle_ns;
	bool host_known;	/* false: the thread's /proc files could not be read */
	struct task_stat host;
};

/* The outcome of make-rt or set-affinity on one vCPU. */
struct control_vcpu_result {
	int result;		/* 0 or -errno */
	const char *error;	/* why, with a failed result; NULL or "" for strerror */
	struct control_vcpu_state now;	/* policy, priority and affinity read back after */
};

/*
 * "running" when every vCPU runs, "paused" when every vCPU is paused, "ending" once the
 * VM is ending, "mixed" otherwise (a pause or resume under way, a vCPU that failed).
 */
const char *control_vm_state(const enum vcpu_state *states, unsigned n, bool ending);

/*
 * Replies. Each returns a new reference, or NULL when out of memory. Keys keep their
 * insertion order when dumped (control_reply_dump).
 */
json_t *control_reply_ok(void);
json_t *control_reply_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* state: {"ok", "name", "state", "vcpus": [{"id", "state", "tid", "cpu", ...}]} */
json_t *control_reply_state(const char *name, const char *vm_state,
			    const struct control_vcpu_state *v, unsigned n);
/* stats: {"ok", "time_ns", "vcpus": [{"id", "exits_total", "exits": {...}, ...}]} */
json_t *control_reply_stats(uint64_t time_ns, const struct control_vcpu_stats *v, unsigned n);
/*
 * pause and resume: {"ok", "state", "vcpus": [{"id", "state"}]}, and "error" with
 * `error` non-NULL (then "ok" is false).
 */
json_t *control_reply_run_state(const char *error, const char *vm_state,
				const enum vcpu_state *states, unsigned n);
/*
 * make-rt and set-affinity: {"ok", "vcpus": [{"id", "ok", "policy", "priority"} or
 * {"id", "ok", "affinity"}, with "error" where it failed]}; "ok" is false and "error"
 * names the first failure when any vCPU failed.
 */
json_t *control_reply_results(enum control_cmd cmd, const struct control_vcpu_result *r,
			      unsigned n);

/*
 * One reply line: compact JSON and "\n", NUL-terminated, malloc'd, length in *len.
 * NULL when out of memory. Does not drop the reference.
 */
char *control_reply_dump(const json_t *reply, size_t *len);

#endif
