// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for the control socket: the protocol layer (src/control_proto) and the
 * listening socket of the server (src/control). Framing: a request split across three
 * reads is assembled, two in one read come out in order, a line over the limit is
 * refused before it is buffered, CRLF and blank lines, an embedded NUL. Parsing: every
 * command with its arguments, then malformed JSON, non-objects, missing or ill-typed
 * "cmd", unknown commands, missing, extra and ill-typed arguments, out-of-range and
 * overflowing numbers, bad CPU lists, duplicate keys. Replies for state, stats, pause,
 * make-rt and set-affinity from fabricated data, checked field by field with their JSON
 * types, and dumped as exactly one line. The socket: mode 0600, a stale file replaced,
 * a live server, a non-socket and a missing folder refused, the file removed on close
 * but only while it is still ours.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/control.h"
#include "../../src/control_proto.h"
#include "../../src/log.h"
#include "temp_tree.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/* --- framing -------------------------------------------------------------------------- */

struct lines {
	unsigned n;
	char line[8][CONTROL_LINE_MAX + 1];
	size_t len[8];
	int stop_after;		/* return -ENOBUFS after this many lines; 0 never */
};

static int collect(void *ctx, const char *line, size_t len)
{
	struct lines *l = ctx;

	assert_true(l->n < 8);
	assert_true(len <= CONTROL_LINE_MAX);
	memcpy(l->line[l->n], line, len);
	l->line[l->n][len] = 0;
	l->len[l->n] = len;
	l->n++;
	return l->stop_after && l->n == (unsigned)l->stop_after ? -ENOBUFS : 0;
}

static int feed(struct control_framer *f, struct lines *l, const char *s)
{
	return control_framer_feed(f, s, strlen(s), collect, l);
}

static void test_control_framer_request_split_across_three_reads(void **state)
{
	struct control_framer f;
	struct lines l = { 0 };

	(void)state;
	control_framer_init(&f);
	assert_int_equal(feed(&f, &l, "{\"cmd\":"), 0);
	assert_int_equal(feed(&f, &l, " \"sta"), 0);
	assert_int_equal(l.n, 0);
	assert_int_equal(feed(&f, &l, "te\"}\n"), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.line[0], "{\"cmd\": \"state\"}");
}

static void test_control_framer_two_requests_in_one_read_in_order(void **state)
{
	struct control_framer f;
	struct lines l = { 0 };

	(void)state;
	control_framer_init(&f);
	assert_int_equal(feed(&f, &l, "{\"cmd\":\"pause\"}\n{\"cmd\":\"stats\"}\n{\"cmd\""), 0);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.line[0], "{\"cmd\":\"pause\"}");
	assert_string_equal(l.line[1], "{\"cmd\":\"stats\"}");
	/* the tail waits for the rest of its line */
	assert_int_equal(feed(&f, &l, ":\"stop\"}\n"), 0);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.line[2], "{\"cmd\":\"stop\"}");
}

static void test_control_framer_crlf_and_blank_lines_ignored(void **state)
{
	struct control_framer f;
	struct lines l = { 0 };

	(void)state;
	control_framer_init(&f);
	assert_int_equal(feed(&f, &l, "\n\r\n  \t \n{\"cmd\":\"state\"}\r\n\n"), 0);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.line[0], "{\"cmd\":\"state\"}");
}

static void test_control_framer_line_at_limit_delivered_longer_refused(void **state)
{
	static char big[CONTROL_LINE_MAX + 8];
	struct control_framer f;
	struct lines l = { 0 };

	(void)state;
	/* exactly the limit, in two pieces: delivered */
	memset(big, 'x', CONTROL_LINE_MAX);
	big[CONTROL_LINE_MAX] = '\n';
	control_framer_init(&f);
	assert_int_equal(control_framer_feed(&f, big, 100, collect, &l), 0);
	assert_int_equal(control_framer_feed(&f, big + 100, CONTROL_LINE_MAX + 1 - 100, collect,
					     &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.len[0], CONTROL_LINE_MAX);

	/* one byte more is refused as soon as it arrives, with no newline in sight */
	control_framer_init(&f);
	l.n = 0;
	assert_int_equal(control_framer_feed(&f, big, CONTROL_LINE_MAX, collect, &l), 0);
	assert_int_equal(control_framer_feed(&f, "y", 1, collect, &l), -EMSGSIZE);
	assert_int_equal(l.n, 0);

	/* the lines before an oversized one in the same read are still delivered */
	control_framer_init(&f);
	memcpy(big, "{}\n", 3);
	memset(big + 3, 'z', CONTROL_LINE_MAX + 1);
	assert_int_equal(control_framer_feed(&f, big, 3 + CONTROL_LINE_MAX + 1, collect, &l),
			 -EMSGSIZE);
	assert_int_equal(l.n, 1);
	assert_string_equal(l.line[0], "{}");
}

static void test_control_framer_callback_stops_the_feed(void **state)
{
	struct control_framer f;
	struct lines l = { .stop_after = 1 };

	(void)state;
	control_framer_init(&f);
	assert_int_equal(feed(&f, &l, "a\nb\n"), -ENOBUFS);
	assert_int_equal(l.n, 1);
}

static void test_control_framer_embedded_nul_is_an_error_reply(void **state)
{
	static const char in[] = "{\"cmd\":\0\"state\"}\n";
	struct control_framer f;
	struct lines l = { 0 };
	struct control_req req;
	char err[256];

	(void)state;
	control_framer_init(&f);
	assert_int_equal(control_framer_feed(&f, in, sizeof(in) - 1, collect, &l), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.len[0], sizeof(in) - 2);
	assert_int_equal(control_parse(l.line[0], l.len[0], &req, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "NUL byte"));
}

/* --- parsing ---------------------------------------------------------------------------- */

static int parse(const char *s, struct control_req *req, char *err, size_t errlen)
{
	return control_parse(s, strlen(s), req, err, errlen);
}

static void test_control_parse_every_command(void **state)
{
	static const struct {
		const char *line;
		enum control_cmd cmd;
		int vcpu;
		uint32_t us;
	} ok[] = {
		{ "{\"cmd\":\"state\"}", CONTROL_STATE, -1, 0 },
		{ "{\"cmd\":\"stats\"}", CONTROL_STATS, -1, 0 },
		{ " { \"cmd\" : \"pause\" } ", CONTROL_PAUSE, -1, 0 },
		{ "{\"cmd\":\"resume\"}", CONTROL_RESUME, -1, 0 },
		{ "{\"cmd\":\"stop\"}", CONTROL_STOP, -1, 0 },
		{ "{\"cmd\":\"make-rt\"}", CONTROL_MAKE_RT, -1, 0 },
		{ "{\"cmd\":\"make-rt\",\"vcpu\":3}", CONTROL_MAKE_RT, 3, 0 },
		{ "{\"us\":500,\"cmd\":\"throttle\",\"vcpu\":1}", CONTROL_THROTTLE, 1, 500 },
		{ "{\"cmd\":\"throttle\",\"vcpu\":255,\"us\":1000000}", CONTROL_THROTTLE, 255,
		  1000000 },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"2-3\"}", CONTROL_SET_AFFINITY, 0,
		  0 },
	};
	struct control_req req;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err[0] = 0;
		if (parse(ok[i].line, &req, err, sizeof(err)))
			fail_msg("%s: %s", ok[i].line, err);
		assert_int_equal(req.cmd, ok[i].cmd);
		assert_int_equal(req.vcpu, ok[i].vcpu);
		assert_int_equal(req.us, ok[i].us);
	}
	assert_int_equal(parse("{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"0, 2-3\"}", &req,
			       err, sizeof(err)), 0);
	assert_int_equal(CPU_COUNT(&req.cpus), 3);
	assert_true(CPU_ISSET(0, &req.cpus) && CPU_ISSET(2, &req.cpus) && CPU_ISSET(3, &req.cpus));
}

static void test_control_parse_malformed_requests_name_the_problem(void **state)
{
	static const struct {
		const char *line;
		const char *says;	/* a part of the error message */
	} bad[] = {
		/* not JSON, or more than one value */
		{ "state", "not JSON" },
		{ "{\"cmd\":\"state\"", "not JSON" },
		{ "{\"cmd\":\"state\"} {}", "not JSON" },
		{ "{'cmd':'state'}", "not JSON" },
		/* not an object */
		{ "[\"state\"]", "must be a JSON object, not an array" },
		{ "\"state\"", "not a string" },
		{ "42", "not an integer" },
		{ "null", "not null" },
		/* cmd */
		{ "{}", "no \"cmd\"" },
		{ "{\"vcpu\":0}", "no \"cmd\"" },
		{ "{\"cmd\":1}", "\"cmd\" must be a string, not an integer" },
		{ "{\"cmd\":null}", "\"cmd\" must be a string, not null" },
		{ "{\"cmd\":\"reboot\"}", "unknown command \"reboot\" (one of: state," },
		{ "{\"cmd\":\"STATE\"}", "unknown command \"STATE\"" },
		{ "{\"cmd\":\"state\",\"cmd\":\"stop\"}", "duplicate" },
		/* missing and extra arguments */
		{ "{\"cmd\":\"throttle\",\"vcpu\":0}", "throttle: missing \"us\"" },
		{ "{\"cmd\":\"throttle\",\"us\":10}", "throttle: missing \"vcpu\"" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0}", "set-affinity: missing \"cpus\"" },
		{ "{\"cmd\":\"state\",\"vcpu\":0}",
		  "state: unknown argument \"vcpu\" (it takes no arguments)" },
		{ "{\"cmd\":\"throttle\",\"vcpu\":0,\"us\":5,\"usec\":5}",
		  "unknown argument \"usec\" (it takes \"vcpu\", \"us\")" },
		{ "{\"cmd\":\"make-rt\",\"cpus\":\"1\"}", "unknown argument \"cpus\"" },
		/* types */
		{ "{\"cmd\":\"make-rt\",\"vcpu\":\"0\"}",
		  "\"vcpu\" must be an integer, not a string" },
		{ "{\"cmd\":\"make-rt\",\"vcpu\":true}", "\"vcpu\" must be an integer, not true" },
		{ "{\"cmd\":\"make-rt\",\"vcpu\":null}", "\"vcpu\" must be an integer, not null" },
		{ "{\"cmd\":\"throttle\",\"vcpu\":0,\"us\":1.5}", "not a real number" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":3}",
		  "\"cpus\" must be a CPU list string like \"2-3\", not an integer" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":[2,3]}", "not an array" },
		/* ranges */
		{ "{\"cmd\":\"make-rt\",\"vcpu\":-1}", "\"vcpu\" = -1 is out of range (0..255)" },
		{ "{\"cmd\":\"make-rt\",\"vcpu\":256}", "\"vcpu\" = 256 is out of range" },
		{ "{\"cmd\":\"make-rt\",\"vcpu\":9223372036854775807}", "out of range" },
		{ "{\"cmd\":\"make-rt\",\"vcpu\":99999999999999999999}", "not JSON" },
		{ "{\"cmd\":\"throttle\",\"vcpu\":0,\"us\":0}",
		  "\"us\" = 0 is out of range (1..1000000)" },
		{ "{\"cmd\":\"throttle\",\"vcpu\":0,\"us\":-5}", "\"us\" = -5 is out of range" },
		{ "{\"cmd\":\"throttle\",\"vcpu\":0,\"us\":1000001}", "out of range" },
		{ "{\"cmd\":\"throttle\",\"vcpu\":0,\"us\":4294967296}", "out of range" },
		/* CPU lists */
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"\"}", "is not a CPU list" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"3-2\"}",
		  "\"3-2\" is not a CPU list" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"two\"}", "is not a CPU list" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"auto\"}", "is not a CPU list" },
		{ "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"5000\"}", "too large" },
	};
	struct control_req req;
	char err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (parse(bad[i].line, &req, err, sizeof(err)) != -EINVAL)
			fail_msg("%s: accepted", bad[i].line);
		if (!strstr(err, bad[i].says))
			fail_msg("%s: error '%s' does not say '%s'", bad[i].line, err, bad[i].says);
	}
}

static void test_control_check_vcpu_and_cpus(void **state)
{
	cpu_set_t online, want;
	char err[256];

	(void)state;
	assert_int_equal(control_check_vcpu(0, 2, err, sizeof(err)), 0);
	assert_int_equal(control_check_vcpu(1, 2, err, sizeof(err)), 0);
	assert_int_equal(control_check_vcpu(2, 2, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vcpu 2 does not exist: this VM has 2 vCPUs (0..1)");
	assert_int_equal(control_check_vcpu(-1, 1, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "vcpu -1 does not exist: this VM has 1 vCPU (0..0)");

	CPU_ZERO(&online);
	CPU_SET(0, &online);
	CPU_SET(1, &online);
	CPU_ZERO(&want);
	CPU_SET(1, &want);
	assert_int_equal(control_check_cpus(&want, &online, err, sizeof(err)), 0);
	CPU_SET(2, &want);
	CPU_SET(3, &want);
	assert_int_equal(control_check_cpus(&want, &online, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "CPU 2-3 does not exist on this host (online: 0-1)");
}

/* --- replies ---------------------------------------------------------------------------- */

static void test_control_vm_state(void **state)
{
	enum vcpu_state running[] = { VCPU_RUNNING, VCPU_RUNNING };
	enum vcpu_state paused[] = { VCPU_PAUSED, VCPU_PAUSED };
	enum vcpu_state half[] = { VCPU_PAUSED, VCPU_RUNNING };
	enum vcpu_state failed[] = { VCPU_RUNNING, VCPU_FAILED };

	(void)state;
	assert_string_equal(control_vm_state(running, 2, false), "running");
	assert_string_equal(control_vm_state(paused, 2, false), "paused");
	assert_string_equal(control_vm_state(half, 2, false), "mixed");
	assert_string_equal(control_vm_state(failed, 2, false), "mixed");
	assert_string_equal(control_vm_state(running, 2, true), "ending");
}

/* json_object_get() that fails the test when the key is missing. */
static json_t *get(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v)
		fail_msg("no \"%s\" in the reply", key);
	return v;
}

static void assert_int_field(const json_t *o, const char *key, long long want)
{
	json_t *v = get(o, key);

	if (!json_is_integer(v))
		fail_msg("\"%s\" is not an integer", key);
	assert_int_equal(json_integer_value(v), want);
}

static void assert_str_field(const json_t *o, const char *key, const char *want)
{
	json_t *v = get(o, key);

	if (!json_is_string(v))
		fail_msg("\"%s\" is not a string", key);
	assert_string_equal(json_string_value(v), want);
}

static void assert_null_field(const json_t *o, const char *key)
{
	if (!json_is_null(get(o, key)))
		fail_msg("\"%s\" is not null", key);
}

static void test_control_reply_state_fields_and_types(void **state)
{
	struct control_vcpu_state v[2];
	json_t *r, *a, *e;

	(void)state;
	memset(v, 0, sizeof(v));
	v[0] = (struct control_vcpu_state){ .id = 0, .state = VCPU_RUNNING, .tid = 4242,
					    .last_cpu = 3, .policy = SCHED_RR, .priority = 6,
					    .affinity_known = true, .cgroup = "rtvmm/vm" };
	CPU_ZERO(&v[0].affinity);
	CPU_SET(0, &v[0].affinity);
	CPU_SET(2, &v[0].affinity);
	CPU_SET(3, &v[0].affinity);
	/* a thread that reported nothing yet: everything unknown is null */
	v[1] = (struct control_vcpu_state){ .id = 1, .state = VCPU_PAUSED, .last_cpu = -1,
					    .policy = -1 };
	r = control_reply_state("rt-guest", "mixed", v, 2);
	assert_non_null(r);
	assert_true(json_is_true(get(r, "ok")));
	assert_str_field(r, "name", "rt-guest");
	assert_str_field(r, "state", "mixed");
	a = get(r, "vcpus");
	assert_true(json_is_array(a));
	assert_int_equal(json_array_size(a), 2);
	e = json_array_get(a, 0);
	assert_int_field(e, "id", 0);
	assert_str_field(e, "state", "running");
	assert_int_field(e, "tid", 4242);
	assert_int_field(e, "cpu", 3);
	assert_str_field(e, "policy", "rr");
	assert_int_field(e, "priority", 6);
	assert_str_field(e, "affinity", "0,2-3");
	assert_str_field(e, "cgroup", "rtvmm/vm");
	e = json_array_get(a, 1);
	assert_int_field(e, "id", 1);
	assert_str_field(e, "state", "paused");
	assert_null_field(e, "tid");
	assert_null_field(e, "cpu");
	assert_null_field(e, "policy");
	assert_null_field(e, "priority");
	assert_null_field(e, "affinity");
	assert_null_field(e, "cgroup");
	json_decref(r);
}

static void test_control_reply_stats_fields_and_types(void **state)
{
	struct control_vcpu_stats v[2];
	json_t *r, *e, *exits, *host;
	const char *key;
	json_t *val;

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].id = 0;
	v[0].exits[EXIT_KIND_IO] = 3;
	v[0].exits[EXIT_KIND_INTR] = 2;
	v[0].kvm_run_ns = 1500000000;
	v[0].io_unclaimed = 7;
	v[0].mmio_unclaimed = 1;
	v[0].bus_locks = 4;
	v[0].bus_lock_sleep_ns = 250;
	v[0].throttle_ns = 500000;
	v[0].host_known = true;
	v[0].host = (struct task_stat){ .run_ns = 10, .wait_ns = 20, .timeslices = 30,
					.voluntary = 40, .involuntary = 50,
					.migrations = TASKSTAT_UNKNOWN, .last_cpu = 1 };
	v[1].id = 1;
	r = control_reply_stats(123456789, v, 2);
	assert_non_null(r);
	assert_true(json_is_true(get(r, "ok")));
	assert_int_field(r, "time_ns", 123456789);
	assert_int_equal(json_array_size(get(r, "vcpus")), 2);
	e = json_array_get(get(r, "vcpus"), 0);
	assert_int_field(e, "id", 0);
	assert_int_field(e, "exits_total", 5);
	exits = get(e, "exits");
	assert_true(json_is_object(exits));
	/* every reason is there, so that a client can rely on the keys */
	assert_int_equal(json_object_size(exits), EXIT_KIND_COUNT);
	json_object_foreach(exits, key, val)
		assert_true(json_is_integer(val));
	assert_int_field(exits, "io", 3);
	assert_int_field(exits, "intr", 2);
	assert_int_field(exits, "hlt", 0);
	assert_int_field(e, "kvm_run_ns", 1500000000);
	assert_int_field(e, "io_unclaimed", 7);
	assert_int_field(e, "mmio_unclaimed", 1);
	assert_int_field(e, "bus_locks", 4);
	assert_int_field(e, "bus_lock_sleep_ns", 250);
	assert_int_field(e, "throttle_ns", 500000);
	host = get(e, "host");
	assert_int_field(host, "run_ns", 10);
	assert_int_field(host, "wait_ns", 20);
	assert_int_field(host, "timeslices", 30);
	assert_int_field(host, "voluntary_switches", 40);
	assert_int_field(host, "involuntary_switches", 50);
	assert_null_field(host, "migrations");
	assert_int_field(host, "last_cpu", 1);
	/* a thread whose /proc files could not be read */
	e = json_array_get(get(r, "vcpus"), 1);
	assert_int_field(e, "exits_total", 0);
	assert_null_field(e, "host");
	json_decref(r);
}

static void test_control_reply_run_state(void **state)
{
	enum vcpu_state s[] = { VCPU_PAUSED, VCPU_RUNNING };
	json_t *r;

	(void)state;
	r = control_reply_run_state(NULL, "paused", s, 1);
	assert_true(json_is_true(get(r, "ok")));
	assert_null(json_object_get(r, "error"));
	assert_str_field(r, "state", "paused");
	assert_str_field(json_array_get(get(r, "vcpus"), 0), "state", "paused");
	json_decref(r);

	r = control_reply_run_state("vcpu1 did not pause", "mixed", s, 2);
	assert_true(json_is_false(get(r, "ok")));
	assert_str_field(r, "error", "vcpu1 did not pause");
	assert_int_field(json_array_get(get(r, "vcpus"), 1), "id", 1);
	assert_str_field(json_array_get(get(r, "vcpus"), 1), "state", "running");
	json_decref(r);
}

static void test_control_reply_results_per_vcpu(void **state)
{
	struct control_vcpu_result r[3];
	json_t *o, *a;

	(void)state;
	memset(r, 0, sizeof(r));
	r[0].now = (struct control_vcpu_state){ .id = 0, .policy = SCHED_FIFO, .priority = 9 };
	r[1].result = -EPERM;
	r[1].error = "SCHED_RR priority 6: Operation not permitted (RLIMIT_RTPRIO is 0)";
	r[1].now = (struct control_vcpu_state){ .id = 1, .policy = SCHED_OTHER };
	r[2].result = -ESRCH;	/* no message: strerror */
	r[2].now = (struct control_vcpu_state){ .id = 2, .policy = -1 };
	o = control_reply_results(CONTROL_MAKE_RT, r, 3);
	assert_true(json_is_false(get(o, "ok")));
	assert_str_field(o, "error", "vcpu1: SCHED_RR priority 6: Operation not permitted "
			 "(RLIMIT_RTPRIO is 0) (and 1 more vCPU failed)");
	a = get(o, "vcpus");
	assert_int_equal(json_array_size(a), 3);
	assert_true(json_is_true(get(json_array_get(a, 0), "ok")));
	assert_null(json_object_get(json_array_get(a, 0), "error"));
	assert_str_field(json_array_get(a, 0), "policy", "fifo");
	assert_int_field(json_array_get(a, 0), "priority", 9);
	assert_true(json_is_false(get(json_array_get(a, 1), "ok")));
	assert_str_field(json_array_get(a, 1), "policy", "other");
	assert_str_field(json_array_get(a, 2), "error", strerror(ESRCH));
	assert_null_field(json_array_get(a, 2), "policy");
	json_decref(o);

	/* set-affinity shows the affinity, and a full success has no "error" */
	memset(r, 0, sizeof(r));
	r[0].now.id = 1;
	r[0].now.affinity_known = true;
	CPU_ZERO(&r[0].now.affinity);
	CPU_SET(1, &r[0].now.affinity);
	o = control_reply_results(CONTROL_SET_AFFINITY, r, 1);
	assert_true(json_is_true(get(o, "ok")));
	assert_null(json_object_get(o, "error"));
	assert_str_field(json_array_get(get(o, "vcpus"), 0), "affinity", "1");
	assert_null(json_object_get(json_array_get(get(o, "vcpus"), 0), "policy"));
	json_decref(o);
}

static void test_control_reply_dump_is_one_line(void **state)
{
	json_t *r = control_reply_error("two\nlines \"quoted\" %d", 7);
	json_t *back;
	size_t len;
	char *line;

	(void)state;
	line = control_reply_dump(r, &len);
	assert_non_null(line);
	assert_int_equal(strlen(line), len);
	assert_int_equal(line[len - 1], '\n');
	assert_null(memchr(line, '\n', len - 1));
	assert_string_equal(line, "{\"ok\":false,\"error\":\"two\\nlines \\\"quoted\\\" 7\"}\n");
	back = json_loads(line, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(back, "error")),
			    "two\nlines \"quoted\" 7");
	json_decref(back);
	json_decref(r);
	free(line);
}

/* --- the listening socket --------------------------------------------------------------- */

static char root[64];

static int setup_root(void **state)
{
	(void)state;
	tree_make(root, sizeof(root), "control");
	return 0;
}

static int teardown_root(void **state)
{
	(void)state;
	tree_remove(root);
	return 0;
}

/* A socket bound at `path`; listening or not (a stale file once it is closed). */
static int bind_at(const char *path, bool listening)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
	assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	if (listening)
		assert_int_equal(listen(fd, 1), 0);
	return fd;
}

static void test_control_open_mode_0600_and_removed_on_close(void **state)
{
	struct control *ctl;
	struct stat st;
	char path[128], err[512];
	mode_t old = umask(0);	/* the mode must not depend on the umask */

	(void)state;
	snprintf(path, sizeof(path), "%s/vm.sock", root);
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_true(control_fd(ctl) >= 0);
	control_close(ctl);
	assert_int_equal(stat(path, &st), -1);
	assert_int_equal(errno, ENOENT);
	control_close(NULL);
}

static void test_control_open_replaces_a_stale_socket(void **state)
{
	struct control *ctl;
	char path[128], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/stale.sock", root);
	close(bind_at(path, false));	/* as an rtvmm killed with SIGKILL leaves it */
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), 0);
	control_close(ctl);
	assert_int_equal(access(path, F_OK), -1);
}

static void test_control_open_refuses_a_live_vm(void **state)
{
	struct control *ctl = (void *)1;
	char path[128], err[512];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "%s/live.sock", root);
	fd = bind_at(path, true);
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), -EINVAL);
	assert_null(ctl);
	assert_non_null(strstr(err, "another VM is listening on it"));
	/* the live server's file is left alone */
	assert_int_equal(access(path, F_OK), 0);
	close(fd);
	unlink(path);
}

static void test_control_open_refuses_a_non_socket(void **state)
{
	struct control *ctl;
	char path[128], err[512];

	(void)state;
	tree_put(root, "notes.txt", "keep me\n");
	snprintf(path, sizeof(path), "%s/notes.txt", root);
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a socket"));
	assert_string_equal(tree_get(root, "notes.txt"), "keep me\n");
}

static void test_control_open_refuses_bad_paths(void **state)
{
	struct control *ctl;
	char path[256], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/nowhere/vm.sock", root);
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "/nowhere does not exist"));
	memset(path, 'a', 200);
	path[0] = '/';
	path[200] = 0;
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "1 to 107 characters"));
	assert_int_equal(control_open(&ctl, "", err, sizeof(err)), -EINVAL);
}

static void test_control_close_leaves_a_file_that_replaced_ours(void **state)
{
	struct control *ctl;
	char path[128], err[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/taken.sock", root);
	assert_int_equal(control_open(&ctl, path, err, sizeof(err)), 0);
	/* someone removed ours and put their own there: not ours to delete */
	assert_int_equal(unlink(path), 0);
	close(bind_at(path, false));
	control_close(ctl);
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_framer_request_split_across_three_reads),
		cmocka_unit_test(test_control_framer_two_requests_in_one_read_in_order),
		cmocka_unit_test(test_control_framer_crlf_and_blank_lines_ignored),
		cmocka_unit_test(test_control_framer_line_at_limit_delivered_longer_refused),
		cmocka_unit_test(test_control_framer_callback_stops_the_feed),
		cmocka_unit_test(test_control_framer_embedded_nul_is_an_error_reply),
		cmocka_unit_test(test_control_parse_every_command),
		cmocka_unit_test(test_control_parse_malformed_requests_name_the_problem),
		cmocka_unit_test(test_control_check_vcpu_and_cpus),
		cmocka_unit_test(test_control_vm_state),
		cmocka_unit_test(test_control_reply_state_fields_and_types),
		cmocka_unit_test(test_control_reply_stats_fields_and_types),
		cmocka_unit_test(test_control_reply_run_state),
		cmocka_unit_test(test_control_reply_results_per_vcpu),
		cmocka_unit_test(test_control_reply_dump_is_one_line),
		cmocka_unit_test_setup_teardown(test_control_open_mode_0600_and_removed_on_close,
						setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_control_open_replaces_a_stale_socket,
						setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_control_open_refuses_a_live_vm, setup_root,
						teardown_root),
		cmocka_unit_test_setup_teardown(test_control_open_refuses_a_non_socket,
						setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_control_open_refuses_bad_paths,
						setup_root, teardown_root),
		cmocka_unit_test_setup_teardown(test_control_close_leaves_a_file_that_replaced_ours,
						setup_root, teardown_root),
	};

	log_set_level(LOG_WARN);	/* "replaced the stale socket" is expected here */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
