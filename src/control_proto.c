// SPDX-License-Identifier: Apache-2.0
/*
 * The control protocol without sockets (see control_proto.h): line framing, request
 * parsing and reply building. Pure; any thread.
 */
#include "control_proto.h"

#include "../config/cpulist.h"
#include "../sched/plan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void control_framer_init(struct control_framer *f)
{
	f->len = 0;
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	}
	return true;
}

int control_framer_feed(struct control_framer *f, const char *data, size_t len,
			control_line_fn fn, void *ctx)
{
	while (len) {
		const char *nl = memchr(data, '\n', len);
		size_t take = nl ? (size_t)(nl - data) : len;
		size_t line_len;
		int ret;

		/* refused before it is buffered: a peer cannot make us hold more than a line */
		if (take > CONTROL_LINE_MAX - f->len)
			return -EMSGSIZE;
		memcpy(f->buf + f->len, data, take);
		f->len += take;
		if (!nl)
			break;
		data = nl + 1;
		len -= take + 1;
		line_len = f->len;
		f->len = 0;
		if (line_len && f->buf[line_len - 1] == '\r')
			line_len--;
		if (blank(f->buf, line_len))
			continue;
		ret = fn(ctx, f->buf, line_len);
		if (ret)
			return ret;
	}
	return 0;
}

static const char *const arg_names[CONTROL_ARG_COUNT] = {
	[CONTROL_ARG_VCPU] = "vcpu",
	[CONTROL_ARG_US] = "us",
	[CONTROL_ARG_CPUS] = "cpus",
};

static const struct control_cmd_spec specs[CONTROL_CMD_COUNT] = {
	[CONTROL_STATE] = { "state", 0, { 0 }, false },
	[CONTROL_STATS] = { "stats", 0, { 0 }, false },
	[CONTROL_PAUSE] = { "pause", 0, { 0 }, false },
	[CONTROL_RESUME] = { "resume", 0, { 0 }, false },
	[CONTROL_STOP] = { "stop", 0, { 0 }, false },
	[CONTROL_MAKE_RT] = { "make-rt", 1, { CONTROL_ARG_VCPU }, true },
	[CONTROL_THROTTLE] = { "throttle", 2, { CONTROL_ARG_VCPU, CONTROL_ARG_US }, false },
	[CONTROL_SET_AFFINITY] = { "set-affinity", 2, { CONTROL_ARG_VCPU, CONTROL_ARG_CPUS },
				   false },
};

const struct control_cmd_spec *control_cmd_find(const char *name, enum control_cmd *cmd)
{
	for (int i = 0; i < CONTROL_CMD_COUNT; i++) {
		if (strcmp(name, specs[i].name) == 0) {
			if (cmd)
				*cmd = (enum control_cmd)i;
			return &specs[i];
		}
	}
	return NULL;
}

const char *control_cmd_names(void)
{
	return "state, stats, pause, resume, stop, make-rt, throttle, set-affinity";
}

const char *control_arg_name(enum control_arg arg)
{
	return (unsigned)arg < CONTROL_ARG_COUNT ? arg_names[arg] : "?";
}

/* "an array", "a string", ... for messages about what a value was instead. */
static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
		return "true";
	case JSON_FALSE:
		return "false";
	default:
		return "null";
	}
}

static int bad(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int int_arg(const char *cmd, const char *key, const json_t *v, long long min,
		   long long max, long long *out, char *err, size_t errlen)
{
	long long n;

	if (!json_is_integer(v))
		return bad(err, errlen, "%s: \"%s\" must be an integer, not %s", cmd, key,
			   json_kind(v));
	n = json_integer_value(v);
	if (n < min || n > max)
		return bad(err, errlen, "%s: \"%s\" = %lld is out of range (%lld..%lld)", cmd,
			   key, n, min, max);
	*out = n;
	return 0;
}

static int parse_arg(const char *cmd, enum control_arg arg, const json_t *v,
		     struct control_req *req, char *err, size_t errlen)
{
	long long n;
	int ret;

	switch (arg) {
	case CONTROL_ARG_VCPU:
		ret = int_arg(cmd, "vcpu", v, 0, CONTROL_VCPU_MAX, &n, err, errlen);
		if (!ret)
			req->vcpu = (int)n;
		return ret;
	case CONTROL_ARG_US:
		ret = int_arg(cmd, "us", v, 1, CONTROL_THROTTLE_MAX_US, &n, err, errlen);
		if (!ret)
			req->us = (uint32_t)n;
		return ret;
	case CONTROL_ARG_CPUS:
		if (!json_is_string(v))
			return bad(err, errlen, "%s: \"cpus\" must be a CPU list string like "
				   "\"2-3\", not %s", cmd, json_kind(v));
		ret = cpulist_parse(json_string_value(v), &req->cpus);
		if (ret == -ERANGE)
			return bad(err, errlen, "%s: \"cpus\" = \"%.64s\": a CPU number is too "
				   "large (at most %d)", cmd, json_string_value(v),
				   CPU_SETSIZE - 1);
		if (ret)
			return bad(err, errlen, "%s: \"cpus\" = \"%.64s\" is not a CPU list "
				   "(like 2, 2-3 or 0,2-3)", cmd, json_string_value(v));
		return 0;
	default:
		return bad(err, errlen, "%s: unknown argument", cmd);
	}
}

/* "vcpu, us" for the arguments a command takes. */
static void arg_list(const struct control_cmd_spec *spec, char *buf, size_t len)
{
	int n = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < spec->nr_args && n >= 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - (size_t)n, "%s\"%s\"", i ? ", " : "",
			      arg_names[spec->args[i]]);
}

int control_parse_json(const json_t *obj, struct control_req *req, char *err, size_t errlen)
{
	const struct control_cmd_spec *spec;
	const json_t *cmd_v, *v;
	const char *name, *key;
	char args[64];

	memset(req, 0, sizeof(*req));
	req->vcpu = -1;
	if (!json_is_object(obj))
		return bad(err, errlen, "a request must be a JSON object, not %s", json_kind(obj));
	cmd_v = json_object_get(obj, "cmd");
	if (!cmd_v)
		return bad(err, errlen, "the request has no \"cmd\" (one of: %s)",
			   control_cmd_names());
	if (!json_is_string(cmd_v))
		return bad(err, errlen, "\"cmd\" must be a string, not %s", json_kind(cmd_v));
	name = json_string_value(cmd_v);
	spec = control_cmd_find(name, &req->cmd);
	if (!spec)
		return bad(err, errlen, "unknown command \"%.64s\" (one of: %s)", name,
			   control_cmd_names());
	arg_list(spec, args, sizeof(args));
	/* every key must be one the command takes: a typo must not be silently ignored */
	json_object_foreach((json_t *)obj, key, v) {
		bool known = strcmp(key, "cmd") == 0;

		for (unsigned i = 0; i < spec->nr_args && !known; i++)
			known = strcmp(key, arg_names[spec->args[i]]) == 0;
		if (!known)
			return bad(err, errlen, "%s: unknown argument \"%.64s\" (%s%s)", name, key,
				   spec->nr_args ? "it takes " : "it takes no arguments",
				   args);
	}
	for (unsigned i = 0; i < spec->nr_args; i++) {
		enum control_arg arg = spec->args[i];
		int ret;

		v = json_object_get(obj, arg_names[arg]);
		if (!v) {
			if (spec->optional)
				continue;
			return bad(err, errlen, "%s: missing \"%s\" (it takes %s)", name,
				   arg_names[arg], args);
		}
		ret = parse_arg(name, arg, v, req, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

int control_parse(const char *line, size_t len, struct control_req *req, char *err,
		  size_t errlen)
{
	json_error_t jerr;
	json_t *obj;
	int ret;

	memset(req, 0, sizeof(*req));
	req->vcpu = -1;
	/* jansson would say "\u0000 is not allowed"; name the real problem */
	if (memchr(line, 0, len))
		return bad(err, errlen, "the request contains a NUL byte");
	/* any value, so that a string or a number is named as such, not as "not JSON" */
	obj = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (!obj)
		return bad(err, errlen, "not JSON: %s (column %d)", jerr.text, jerr.column);
	ret = control_parse_json(obj, req, err, errlen);
	json_decref(obj);
	return ret;
}

int control_check_vcpu(int vcpu, unsigned nr_vcpus, char *err, size_t errlen)
{
	if (vcpu >= 0 && (unsigned)vcpu < nr_vcpus)
		return 0;
	return bad(err, errlen, "vcpu %d does not exist: this VM has %u vCPU%s (0..%u)", vcpu,
		   nr_vcpus, nr_vcpus == 1 ? "" : "s", nr_vcpus ? nr_vcpus - 1 : 0);
}

int control_check_cpus(const cpu_set_t *want, const cpu_set_t *online, char *err,
		       size_t errlen)
{
	char missing[256], have[256];
	cpu_set_t out;

	CPU_ZERO(&out);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, want) && !CPU_ISSET(cpu, online))
			CPU_SET(cpu, &out);
	}
	if (!CPU_COUNT(&out))
		return 0;
	if (cpulist_format(&out, missing, sizeof(missing)) < 0)
		snprintf(missing, sizeof(missing), "(many)");
	if (cpulist_format(online, have, sizeof(have)) < 0)
		snprintf(have, sizeof(have), "(many)");
	return bad(err, errlen, "CPU %s does not exist on this host (online: %s)", missing, have);
}

const char *control_vm_state(const enum vcpu_state *states, unsigned n, bool ending)
{
	unsigned running = 0, paused = 0;

	if (ending)
		return "ending";
	for (unsigned i = 0; i < n; i++) {
		running += states[i] == VCPU_RUNNING;
		paused += states[i] == VCPU_PAUSED;
	}
	if (n && running == n)
		return "running";
	if (n && paused == n)
		return "paused";
	return "mixed";
}

/*
 * Sets o[key] = v, stealing v. A NULL v (a failed allocation) marks the object bad, so
 * that one check at the end covers every allocation of a reply.
 */
static void put(json_t *o, const char *key, json_t *v, bool *failed)
{
	if (!v || json_object_set_new(o, key, v))
		*failed = true;
}

static void append(json_t *a, json_t *v, bool *failed)
{
	if (!v || json_array_append_new(a, v))
		*failed = true;
}

/* An unsigned counter, or null when the kernel does not provide it. */
static json_t *counter(uint64_t v)
{
	return v == TASKSTAT_UNKNOWN ? json_null() : json_integer((json_int_t)v);
}

/* Drops `o` when any part of it failed: a reply is complete or not sent. */
static json_t *finish(json_t *o, bool failed)
{
	if (failed) {
		json_decref(o);
		return NULL;
	}
	return o;
}

json_t *control_reply_ok(void)
{
	json_t *o = json_object();
	bool failed = !o;

	if (o)
		put(o, "ok", json_true(), &failed);
	return finish(o, failed);
}

json_t *control_reply_error(const char *fmt, ...)
{
	json_t *o = json_object();
	bool failed = !o;
	char msg[1024];
	va_list ap;

	if (!o)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	put(o, "ok", json_false(), &failed);
	put(o, "error", json_string(msg), &failed);
	return finish(o, failed);
}

static json_t *policy_json(int policy)
{
	return policy < 0 ? json_null() : json_string(plan_policy_name(policy));
}

static json_t *affinity_json(bool known, const cpu_set_t *set)
{
	char buf[1024];

	if (!known || cpulist_format(set, buf, sizeof(buf)) < 0)
		return json_null();
	return json_string(buf);
}

static json_t *vcpu_state_json(const struct control_vcpu_state *s)
{
	json_t *o = json_object();
	bool failed = !o;

	if (!o)
		return NULL;
	put(o, "id", json_integer(s->id), &failed);
	put(o, "state", json_string(vcpu_state_name(s->state)), &failed);
	put(o, "tid", s->tid > 0 ? json_integer(s->tid) : json_null(), &failed);
	put(o, "cpu", s->last_cpu >= 0 ? json_integer(s->last_cpu) : json_null(), &failed);
	put(o, "policy", policy_json(s->policy), &failed);
	put(o, "priority", s->policy < 0 ? json_null() : json_integer(s->priority), &failed);
	put(o, "affinity", affinity_json(s->affinity_known, &s->affinity), &failed);
	put(o, "cgroup", s->cgroup ? json_string(s->cgroup) : json_null(), &failed);
	return finish(o, failed);
}

json_t *control_reply_state(const char *name, const char *vm_state,
			    const struct control_vcpu_state *v, unsigned n)
{
	json_t *o = json_object(), *a = json_array();
	bool failed = !o || !a;

	for (unsigned i = 0; i < n && a; i++)
		append(a, vcpu_state_json(&v[i]), &failed);
	if (!o) {
		json_decref(a);
		return NULL;
	}
	put(o, "ok", json_true(), &failed);
	put(o, "name", json_string(name), &failed);
	put(o, "state", json_string(vm_state), &failed);
	put(o, "vcpus", a, &failed);
	return finish(o, failed);
}

static json_t *host_json(const struct control_vcpu_stats *s)
{
	const struct task_stat *t = &s->host;
	json_t *o;
	bool failed;

	if (!s->host_known)
		return json_null();
	o = json_object();
	failed = !o;
	if (!o)
		return NULL;
	put(o, "run_ns", counter(t->run_ns), &failed);
	put(o, "wait_ns", counter(t->wait_ns), &failed);
	put(o, "timeslices", counter(t->timeslices), &failed);
	put(o, "voluntary_switches", counter(t->voluntary), &failed);
	put(o, "involuntary_switches", counter(t->involuntary), &failed);
	put(o, "migrations", counter(t->migrations), &failed);
	put(o, "last_cpu", t->last_cpu >= 0 ? json_integer(t->last_cpu) : json_null(), &failed);
	return finish(o, failed);
}

static json_t *vcpu_stats_json(const struct control_vcpu_stats *s)
{
	json_t *o = json_object(), *exits = json_object();
	bool failed = !o || !exits;
	uint64_t total = 0;

	if (!o || !exits) {
		json_decref(o);
		json_decref(exits);
		return NULL;
	}
	for (int k = 0; k < EXIT_KIND_COUNT; k++) {
		total += s->exits[k];
		put(exits, exit_kind_name(k), json_integer((json_int_t)s->exits[k]), &failed);
	}
	put(o, "id", json_integer(s->id), &failed);
	put(o, "exits_total", json_integer((json_int_t)total), &failed);
	put(o, "exits", exits, &failed);
	put(o, "kvm_run_ns", json_integer((json_int_t)s->kvm_run_ns), &failed);
	put(o, "io_unclaimed", json_integer((json_int_t)s->io_unclaimed), &failed);
	put(o, "mmio_unclaimed", json_integer((json_int_t)s->mmio_unclaimed), &failed);
	put(o, "bus_locks", json_integer((json_int_t)s->bus_locks), &failed);
	put(o, "bus_lock_sleep_ns", json_integer((json_int_t)s->bus_lock_sleep_ns), &failed);
	put(o, "throttle_ns", json_integer((json_int_t)s->throttle_ns), &failed);
	put(o, "host", host_json(s), &failed);
	return finish(o, failed);
}

json_t *control_reply_stats(uint64_t time_ns, const struct control_vcpu_stats *v, unsigned n)
{
	json_t *o = json_object(), *a = json_array();
	bool failed = !o || !a;

	for (unsigned i = 0; i < n && a; i++)
		append(a, vcpu_stats_json(&v[i]), &failed);
	if (!o) {
		json_decref(a);
		return NULL;
	}
	put(o, "ok", json_true(), &failed);
	put(o, "time_ns", json_integer((json_int_t)time_ns), &failed);
	put(o, "vcpus", a, &failed);
	return finish(o, failed);
}

json_t *control_reply_run_state(const char *error, const char *vm_state,
				const enum vcpu_state *states, unsigned n)
{
	json_t *o = json_object(), *a = json_array();
	bool failed = !o || !a;

	for (unsigned i = 0; i < n && a; i++) {
		json_t *v = json_object();

		if (v) {
			put(v, "id", json_integer(i), &failed);
			put(v, "state", json_string(vcpu_state_name(states[i])), &failed);
		}
		append(a, v, &failed);
	}
	if (!o) {
		json_decref(a);
		return NULL;
	}
	put(o, "ok", error ? json_false() : json_true(), &failed);
	if (error)
		put(o, "error", json_string(error), &failed);
	put(o, "state", json_string(vm_state), &failed);
	put(o, "vcpus", a, &failed);
	return finish(o, failed);
}

static const char *result_error(const struct control_vcpu_result *r)
{
	return r->error && r->error[0] ? r->error : strerror(-r->result);
}

static json_t *result_json(enum control_cmd cmd, const struct control_vcpu_result *r)
{
	json_t *o = json_object();
	bool failed = !o;

	if (!o)
		return NULL;
	put(o, "id", json_integer(r->now.id), &failed);
	put(o, "ok", json_boolean(!r->result), &failed);
	if (r->result)
		put(o, "error", json_string(result_error(r)), &failed);
	if (cmd == CONTROL_SET_AFFINITY) {
		put(o, "affinity", affinity_json(r->now.affinity_known, &r->now.affinity),
		    &failed);
	} else {
		put(o, "policy", policy_json(r->now.policy), &failed);
		put(o, "priority", r->now.policy < 0 ? json_null() :
			json_integer(r->now.priority), &failed);
	}
	return finish(o, failed);
}

json_t *control_reply_results(enum control_cmd cmd, const struct control_vcpu_result *r,
			      unsigned n)
{
	json_t *o = json_object(), *a = json_array();
	bool failed = !o || !a;
	int first = -1;
	unsigned nr_failed = 0;

	for (unsigned i = 0; i < n && a; i++) {
		append(a, result_json(cmd, &r[i]), &failed);
		if (r[i].result) {
			nr_failed++;
			if (first < 0)
				first = (int)i;
		}
	}
	if (!o) {
		json_decref(a);
		return NULL;
	}
	put(o, "ok", json_boolean(!nr_failed), &failed);
	if (nr_failed) {
		char msg[768];

		snprintf(msg, sizeof(msg), "vcpu%u: %s", r[first].now.id, result_error(&r[first]));
		if (nr_failed > 1)
			snprintf(msg + strlen(msg), sizeof(msg) - strlen(msg),
				 " (and %u more vCPU%s failed)", nr_failed - 1,
				 nr_failed > 2 ? "s" : "");
		put(o, "error", json_string(msg), &failed);
	}
	put(o, "vcpus", a, &failed);
	return finish(o, failed);
}

char *control_reply_dump(const json_t *reply, size_t *len)
{
	/* compact: jansson escapes control characters in strings, so this is one line */
	char *s = json_dumps(reply, JSON_COMPACT | JSON_PRESERVE_ORDER), *line;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	line = realloc(s, n + 2);
	if (!line) {
		free(s);
		return NULL;
	}
	line[n] = '\n';
	line[n + 1] = 0;
	*len = n + 1;
	return line;
}
