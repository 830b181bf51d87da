// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/ctl, the `rtvmm ctl` client, without a socket: the request built
 * from each command line is one the server parses to the same command and arguments;
 * unknown commands, wrong argument counts, non-numbers and values the server would
 * refuse are usage errors here; the tables and result lines printed from fabricated
 * replies, and the exit code of an error reply or of something that is not a reply.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/ctl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Builds the request for a command line given as one string of words. */
static int request(const char *words, enum control_cmd *cmd, json_t **out, char *err,
		   size_t errlen)
{
	char buf[256], *argv[8], *save = NULL;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok_r(buf, " ", &save); w && argc < 8; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	return ctl_request(argc, argv, cmd, out, err, errlen);
}

static void test_ctl_request_round_trips_through_the_server_parser(void **state)
{
	static const struct {
		const char *words;
		const char *json;
	} ok[] = {
		{ "state", "{\"cmd\":\"state\"}" },
		{ "stats", "{\"cmd\":\"stats\"}" },
		{ "pause", "{\"cmd\":\"pause\"}" },
		{ "resume", "{\"cmd\":\"resume\"}" },
		{ "stop", "{\"cmd\":\"stop\"}" },
		{ "make-rt", "{\"cmd\":\"make-rt\"}" },
		{ "make-rt 1", "{\"cmd\":\"make-rt\",\"vcpu\":1}" },
		{ "throttle 1 500", "{\"cmd\":\"throttle\",\"vcpu\":1,\"us\":500}" },
		{ "set-affinity 0 2-3", "{\"cmd\":\"set-affinity\",\"vcpu\":0,\"cpus\":\"2-3\"}" },
	};
	enum control_cmd cmd;
	struct control_req req;
	char err[512], *line;
	size_t len;
	json_t *o;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		err[0] = 0;
		if (request(ok[i].words, &cmd, &o, err, sizeof(err)))
			fail_msg("%s: %s", ok[i].words, err);
		line = control_reply_dump(o, &len);
		assert_non_null(line);
		line[len - 1] = 0;
		assert_string_equal(line, ok[i].json);
		assert_int_equal(control_parse(line, len - 1, &req, err, sizeof(err)), 0);
		assert_int_equal(req.cmd, cmd);
		free(line);
		json_decref(o);
	}
}

static void test_ctl_request_usage_errors(void **state)
{
	static const struct {
		const char *words;
		const char *says;
	} bad[] = {
		{ "reboot", "unknown command 'reboot' (one of: state, stats," },
		{ "state now", "state takes 0 arguments, got 1" },
		{ "throttle 1", "throttle takes 2 arguments, got 1" },
		{ "throttle 1 2 3", "throttle takes 2 arguments, got 3" },
		{ "make-rt 0 1", "make-rt takes at most 1 argument, got 2" },
		{ "set-affinity 0", "set-affinity takes 2 arguments, got 1" },
		{ "throttle one 500", "throttle: vcpu must be a number, not 'one'" },
		{ "throttle 1 -5", "us must be a number, not '-5'" },
		{ "throttle 1 5us", "us must be a number, not '5us'" },
		{ "make-rt 99999999999999999999", "vcpu must be a number" },
		{ "make-rt 256", "\"vcpu\" = 256 is out of range (0..255)" },
		{ "throttle 0 0", "\"us\" = 0 is out of range (1..1000000)" },
		{ "throttle 0 2000000", "out of range" },
		{ "set-affinity 0 3-1", "\"3-1\" is not a CPU list" },
		{ "set-affinity 0 99999", "too large" },
	};
	enum control_cmd cmd;
	char err[512];
	json_t *o;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (request(bad[i].words, &cmd, &o, err, sizeof(err)) != -EINVAL)
			fail_msg("%s: accepted", bad[i].words);
		assert_null(o);
		if (!strstr(err, bad[i].says))
			fail_msg("%s: error '%s' does not say '%s'", bad[i].words, err,
				 bad[i].says);
	}
	assert_int_equal(ctl_request(0, NULL, &cmd, &o, err, sizeof(err)), -EINVAL);
}

/* Prints `reply_json` as the answer to `cmd`; returns the code, output in out/errout. */
static int print(enum control_cmd cmd, const char *reply_json, char *out, char *errout)
{
	json_t *reply = json_loads(reply_json, 0, NULL);
	FILE *o, *e;
	int code;

	/* fmemopen() leaves the buffer alone until something is written */
	memset(out, 0, 4096);
	memset(errout, 0, 1024);
	o = fmemopen(out, 4096, "w");
	e = fmemopen(errout, 1024, "w");
	assert_non_null(reply);
	assert_non_null(o);
	assert_non_null(e);
	code = ctl_print(cmd, reply, o, e);
	fclose(o);
	fclose(e);
	json_decref(reply);
	return code;
}

static void test_ctl_print_state_table(void **state)
{
	static char out[4096], errout[1024];

	(void)state;
	assert_int_equal(print(CONTROL_STATE,
			       "{\"ok\":true,\"name\":\"rt\",\"state\":\"running\",\"vcpus\":["
			       "{\"id\":0,\"state\":\"running\",\"tid\":4242,\"cpu\":3,"
			       "\"policy\":\"rr\",\"priority\":6,\"affinity\":\"2-3\","
			       "\"cgroup\":\"rtvmm/rt\"},"
			       "{\"id\":1,\"state\":\"paused\",\"tid\":null,\"cpu\":null,"
			       "\"policy\":null,\"priority\":null,\"affinity\":null,"
			       "\"cgroup\":null}]}", out, errout), 0);
	assert_non_null(strstr(out, "vm rt: running\n"));
	assert_non_null(strstr(out, "vcpu   state     tid"));
	assert_non_null(strstr(out, "\n0      running   4242      3     rr      6     2-3"
				    "           rtvmm/rt\n"));
	assert_non_null(strstr(out, "\n1      paused    -         -     -       -     -"
				    "             -\n"));
	assert_string_equal(errout, "");
}

static void test_ctl_print_stats_row_lists_the_exit_reasons_that_occurred(void **state)
{
	static char out[4096], errout[1024];

	(void)state;
	assert_int_equal(print(CONTROL_STATS,
			       "{\"ok\":true,\"time_ns\":1,\"vcpus\":[{\"id\":0,\"exits_total\":5,"
			       "\"exits\":{\"io\":3,\"mmio\":0,\"intr\":2},"
			       "\"kvm_run_ns\":1500000000,"
			       "\"io_unclaimed\":7,\"mmio_unclaimed\":1,\"bus_locks\":0,"
			       "\"bus_lock_sleep_ns\":0,\"throttle_ns\":500000,\"host\":{"
			       "\"run_ns\":2000000000,\"wait_ns\":1000000,\"timeslices\":30,"
			       "\"voluntary_switches\":4,\"involuntary_switches\":5,"
			       "\"migrations\":null,\"last_cpu\":1}}]}", out, errout), 0);
	assert_non_null(strstr(out, "kvm_run_s"));
	assert_non_null(strstr(out, "\n0              5     1.500     2.000     0.001       30"
				    "        4        5      -    1         0     0.000     0.001"
				    "       7/1  io 3, intr 2\n"));
}

static void test_ctl_print_results_and_errors(void **state)
{
	static char out[4096], errout[1024];

	(void)state;
	assert_int_equal(print(CONTROL_MAKE_RT,
			       "{\"ok\":false,\"error\":\"vcpu1: no permission\",\"vcpus\":["
			       "{\"id\":0,\"ok\":true,\"policy\":\"rr\",\"priority\":6},"
			       "{\"id\":1,\"ok\":false,\"error\":\"no permission\","
			       "\"policy\":\"other\",\"priority\":0}]}", out, errout), 1);
	assert_string_equal(out, "vcpu0: ok, rr priority 6\n"
				 "vcpu1: failed: no permission (now other priority 0)\n");
	assert_string_equal(errout, "rtvmm ctl: vcpu1: no permission\n");

	assert_int_equal(print(CONTROL_SET_AFFINITY,
			       "{\"ok\":true,\"vcpus\":[{\"id\":0,\"ok\":true,"
			       "\"affinity\":\"1\"}]}",
			       out, errout), 0);
	assert_string_equal(out, "vcpu0: ok, affinity 1\n");

	assert_int_equal(print(CONTROL_PAUSE,
			       "{\"ok\":true,\"state\":\"paused\",\"vcpus\":[{\"id\":0,"
			       "\"state\":\"paused\"}]}", out, errout), 0);
	assert_string_equal(out, "vm: paused\nvcpu0: paused\n");

	assert_int_equal(print(CONTROL_THROTTLE, "{\"ok\":true,\"vcpu\":1,\"us\":500}", out,
			       errout), 0);
	assert_string_equal(out, "vcpu1: throttle of 500 us queued\n");

	assert_int_equal(print(CONTROL_STATE, "{\"ok\":false,\"error\":\"not JSON: x\"}", out,
			       errout), 1);
	assert_string_equal(out, "");
	assert_string_equal(errout, "rtvmm ctl: not JSON: x\n");

	/* something else listening on the path */
	assert_int_equal(print(CONTROL_STATE, "{\"hello\":1}", out, errout), 1);
	assert_non_null(strstr(errout, "not an rtvmm control socket"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ctl_request_round_trips_through_the_server_parser),
		cmocka_unit_test(test_ctl_request_usage_errors),
		cmocka_unit_test(test_ctl_print_state_table),
		cmocka_unit_test(test_ctl_print_stats_row_lists_the_exit_reasons_that_occurred),
		cmocka_unit_test(test_ctl_print_results_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
