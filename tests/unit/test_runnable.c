// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/runnable: the stat parser (state, last CPU and a command name
 * with spaces and parentheses; malformed lines) and the scan over a fake /proc tree
 * (R threads counted on the CPUs asked about, sleeping threads, other CPUs and rtvmm's
 * own process left out, a process without a task folder skipped).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "temp_tree.h"

#include "../../sched/runnable.h"
#include "../../sched/taskstat.h"

#include <unistd.h>

/* A stat line with `comm`, `state` and last CPU `cpu` (field 39). */
static const char *stat_line(const char *comm, char state, int cpu)
{
	static char buf[512];
	int n = snprintf(buf, sizeof(buf), "42 (%s) %c", comm, state);

	/* fields 4..38 */
	for (int f = 4; f <= 38; f++)
		n += snprintf(buf + n, sizeof(buf) - (size_t)n, " %d", f);
	snprintf(buf + n, sizeof(buf) - (size_t)n, " %d 0 0 0 0 0\n", cpu);
	return buf;
}

static void test_runnable_parse_stat(void **state)
{
	char comm[16], st;
	int cpu;

	(void)state;
	assert_int_equal(taskstat_parse_stat_line(stat_line("stress-ng", 'R', 3), &st, &cpu, comm), 0);
	assert_int_equal(st, 'R');
	assert_int_equal(cpu, 3);
	assert_string_equal(comm, "stress-ng");
	assert_int_equal(taskstat_parse_stat_line(stat_line("a) (b c", 'S', 12), &st, &cpu, comm), 0);
	assert_int_equal(st, 'S');
	assert_int_equal(cpu, 12);
	assert_string_equal(comm, "a) (b c");
}

static void test_runnable_parse_stat_rejects_malformed(void **state)
{
	char comm[16], st;
	int cpu;

	(void)state;
	assert_int_equal(taskstat_parse_stat_line("", &st, &cpu, comm), -EINVAL);
	assert_int_equal(taskstat_parse_stat_line("42 (x R 1 2 3", &st, &cpu, comm), -EINVAL);
	assert_int_equal(taskstat_parse_stat_line("42 (x) R 1 2 3\n", &st, &cpu, comm), -EINVAL);
}

static void test_runnable_scan_counts_other_runnable_threads(void **state)
{
	struct runnable_seen *seen = malloc(sizeof(*seen));
	char root[64], line[600];
	cpu_set_t cpus;

	(void)state;
	assert_non_null(seen);
	tree_make(root, sizeof(root), "runnable");
	/* process 10: two threads runnable on CPU 2, one asleep there, one on CPU 3 */
	tree_put(root, "10/task/10/stat", stat_line("hog", 'R', 2));
	snprintf(line, sizeof(line), "%s", stat_line("hog worker", 'R', 2));
	tree_put(root, "10/task/11/stat", line);
	tree_put(root, "10/task/12/stat", stat_line("sleeper", 'S', 2));
	tree_put(root, "10/task/13/stat", stat_line("elsewhere", 'R', 3));
	/* process 20 is rtvmm itself: its vCPU threads are runnable, and not counted */
	tree_put(root, "20/task/21/stat", stat_line("rtvmm-vcpu0", 'R', 2));
	/* a process that ended between the two readdirs, and a non-process entry */
	tree_put(root, "30/status", "gone\n");
	tree_put(root, "self/task/1/stat", stat_line("self", 'R', 2));
	CPU_ZERO(&cpus);
	CPU_SET(2, &cpus);
	assert_int_equal(runnable_scan(root, 20, &cpus, seen), 0);
	assert_int_equal(seen->count[2], 2);
	assert_int_equal(seen->count[3], 0);
	assert_true(strcmp(seen->comm[2], "hog") == 0 || strcmp(seen->comm[2], "hog worker") == 0);
	CPU_SET(3, &cpus);
	assert_int_equal(runnable_scan(root, 20, &cpus, seen), 0);
	assert_int_equal(seen->count[3], 1);
	assert_string_equal(seen->comm[3], "elsewhere");
	tree_remove(root);
	assert_int_equal(runnable_scan(root, 20, &cpus, seen), -ENOENT);
	free(seen);
}

static void test_runnable_scan_real_proc(void **state)
{
	struct runnable_seen *seen = malloc(sizeof(*seen));
	cpu_set_t cpus;

	(void)state;
	assert_non_null(seen);
	CPU_ZERO(&cpus);
	CPU_SET(0, &cpus);
	/* this process is excluded; whatever else runs is counted, without error */
	assert_int_equal(runnable_scan("/proc", getpid(), &cpus, seen), 0);
	for (int c = 1; c < CPU_SETSIZE; c++)
		assert_int_equal(seen->count[c], 0);
	free(seen);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_runnable_parse_stat),
		cmocka_unit_test(test_runnable_parse_stat_rejects_malformed),
		cmocka_unit_test(test_runnable_scan_counts_other_runnable_threads),
		cmocka_unit_test(test_runnable_scan_real_proc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
