// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/taskstat: each /proc parser against text shaped like the
 * kernel's (including a command name with spaces and parentheses), a thread read from
 * a fake /proc tree with and without the SCHED_DEBUG file, the delta arithmetic, and
 * one read of this test's own thread from the real /proc.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sched/taskstat.h"
#include "temp_tree.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#define STATUS "Name:\trtvmm-vcpu0\nState:\tR (running)\nvoluntary_ctxt_switches:\t17\n" \
	       "nonvoluntary_ctxt_switches:\t4\n"
/* exit_signal is field 38 (17), processor field 39 (3) */
#define STAT "4242 (a b) c)) R 1 1 1 0 -1 4194304 125 0 0 0 0 0 0 0 20 0 1 0 622908 " \
	     "3133440 382 18446744073709551615 1 2 3 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n"
#define SCHED "rtvmm-vcpu0 (4243, #threads: 3)\n---------\nse.exec_start    :   1.5\n" \
	      "se.nr_migrations                             :                    9\n"

static void test_schedstat(void **state)
{
	struct task_stat ts = { 0 };

	(void)state;
	assert_int_equal(taskstat_parse_schedstat("207658434 21889276 889\n", &ts), 0);
	assert_int_equal(ts.run_ns, 207658434);
	assert_int_equal(ts.wait_ns, 21889276);
	assert_int_equal(ts.timeslices, 889);
	assert_int_equal(taskstat_parse_schedstat("12 x\n", &ts), -EINVAL);
	assert_int_equal(taskstat_parse_schedstat("", &ts), -EINVAL);
}

static void test_status(void **state)
{
	struct task_stat ts = { 0 };

	(void)state;
	assert_int_equal(taskstat_parse_status(STATUS, &ts), 0);
	assert_int_equal(ts.voluntary, 17);
	assert_int_equal(ts.involuntary, 4);
	/* "voluntary" must not match inside "nonvoluntary" */
	assert_int_equal(taskstat_parse_status("nonvoluntary_ctxt_switches:\t4\n", &ts), -EINVAL);
}

static void test_stat_processor_after_odd_name(void **state)
{
	struct task_stat ts = { .last_cpu = -1 };

	(void)state;
	assert_int_equal(taskstat_parse_stat(STAT, &ts), 0);
	assert_int_equal(ts.last_cpu, 3);
	assert_int_equal(taskstat_parse_stat("4242 (x) R 1 2 3\n", &ts), -EINVAL);
	assert_int_equal(taskstat_parse_stat("no parenthesis", &ts), -EINVAL);
}

static void test_sched_migrations(void **state)
{
	struct task_stat ts = { 0 };

	(void)state;
	assert_int_equal(taskstat_parse_sched(SCHED, &ts), 0);
	assert_int_equal(ts.migrations, 9);
	assert_int_equal(taskstat_parse_sched("se.exec_start : 1\n", &ts), -ENOENT);
}

static void test_read_fake_proc(void **state)
{
	struct task_stat ts;
	char root[64];

	(void)state;
	tree_make(root, sizeof(root), "taskstat");
	tree_put(root, "7/task/8/schedstat", "100 20 3\n");
	tree_put(root, "7/task/8/status", STATUS);
	tree_put(root, "7/task/8/stat", STAT);
	/* no "sched": a kernel without SCHED_DEBUG */
	assert_int_equal(taskstat_read(root, 7, 8, &ts), 0);
	assert_int_equal(ts.run_ns, 100);
	assert_int_equal(ts.wait_ns, 20);
	assert_int_equal(ts.involuntary, 4);
	assert_int_equal(ts.last_cpu, 3);
	assert_true(ts.migrations == TASKSTAT_UNKNOWN);

	tree_put(root, "7/task/8/sched", SCHED);
	assert_int_equal(taskstat_read(root, 7, 8, &ts), 0);
	assert_int_equal(ts.migrations, 9);

	assert_int_equal(taskstat_read(root, 7, 9, &ts), -ENOENT);

	/* a thread that ended while it was read leaves an empty file */
	{
		char path[128], buf[64];

		tree_put(root, "7/task/8/empty", "");
		snprintf(path, sizeof(path), "%s/7/task/8/empty", root);
		assert_int_equal(taskstat_read_text(path, buf, sizeof(buf)), -EIO);
		snprintf(path, sizeof(path), "%s/7/task/8/schedstat", root);
		assert_int_equal(taskstat_read_text(path, buf, sizeof(buf)), 0);
		assert_string_equal(buf, "100 20 3\n");
	}
	tree_remove(root);
}

static void test_delta(void **state)
{
	struct task_stat a = { 100, 20, 3, 5, 1, TASKSTAT_UNKNOWN, 0 };
	struct task_stat b = { 150, 50, 7, 5, 4, 2, 1 };
	struct task_stat d;

	(void)state;
	taskstat_delta(&a, &b, &d);
	assert_int_equal(d.run_ns, 50);
	assert_int_equal(d.wait_ns, 30);
	assert_int_equal(d.timeslices, 4);
	assert_int_equal(d.voluntary, 0);
	assert_int_equal(d.involuntary, 3);
	assert_true(d.migrations == TASKSTAT_UNKNOWN);
	assert_int_equal(d.last_cpu, 1);
}

static void test_read_own_thread(void **state)
{
	struct task_stat ts;

	(void)state;
	assert_int_equal(taskstat_read("/proc", getpid(), gettid(), &ts), 0);
	assert_true(ts.timeslices != TASKSTAT_UNKNOWN && ts.timeslices > 0);
	assert_true(ts.voluntary != TASKSTAT_UNKNOWN);
	assert_true(ts.last_cpu >= 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_schedstat),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_stat_processor_after_odd_name),
		cmocka_unit_test(test_sched_migrations),
		cmocka_unit_test(test_read_fake_proc),
		cmocka_unit_test(test_delta),
		cmocka_unit_test(test_read_own_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
