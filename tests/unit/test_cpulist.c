// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for config/cpulist: the lists users write for pinning must parse to exactly
 * the CPUs they name, bad lists must be refused (a silently wrong pinning is the worst
 * outcome), and formatting must give the kernel's canonical form back.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../config/cpulist.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* Parse @s and return its canonical form in @buf (or the error as "E<errno>"). */
static const char *roundtrip(const char *s, char *buf, size_t len)
{
	cpu_set_t set;
	int ret = cpulist_parse(s, &set);

	if (ret) {
		snprintf(buf, len, "E%d", -ret);
		assert_int_equal(CPU_COUNT(&set), 0);
		return buf;
	}
	assert_true(cpulist_format(&set, buf, len) >= 0);
	return buf;
}

static void test_cpulist_parse_valid(void **state)
{
	static const struct {
		const char *in, *canonical;
	} cases[] = {
		{ "2", "2" },
		{ "0", "0" },
		{ "1-3", "1-3" },
		{ "0,2-3", "0,2-3" },
		{ "0 , 2-3", "0,2-3" },
		{ " 5 ,\t7 ", "5,7" },
		{ "3,1,2", "1-3" },
		{ "1-3,2-5", "1-5" },
		{ "4-4", "4" },
		{ "0,1", "0-1" },
		{ "007", "7" },
		{ "1023", "1023" },
		{ "0-1023", "0-1023" },
		{ "1 - 3", "1-3" },
	};
	char buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(roundtrip(cases[i].in, buf, sizeof(buf)), cases[i].canonical);
}

static void test_cpulist_parse_sets_exact_cpus(void **state)
{
	cpu_set_t set;

	(void)state;
	assert_int_equal(cpulist_parse("0,2-3", &set), 0);
	assert_int_equal(CPU_COUNT(&set), 3);
	assert_true(CPU_ISSET(0, &set));
	assert_false(CPU_ISSET(1, &set));
	assert_true(CPU_ISSET(2, &set));
	assert_true(CPU_ISSET(3, &set));
}

static void test_cpulist_parse_invalid(void **state)
{
	static const struct {
		const char *in;
		int err;
	} cases[] = {
		{ "", -EINVAL },	 { " ", -EINVAL },	  { ",", -EINVAL },
		{ "1,", -EINVAL },	 { ",1", -EINVAL },	  { "1,,2", -EINVAL },
		{ "3-1", -EINVAL },	 { "a", -EINVAL },	  { "1a", -EINVAL },
		{ "1-", -EINVAL },	 { "-1", -EINVAL },	  { "1-3-5", -EINVAL },
		{ "0x1", -EINVAL },	 { "+1", -EINVAL },	  { "1 2", -EINVAL },
		{ "0-7:2", -EINVAL },	 { "auto", -EINVAL },	  { "1;2", -EINVAL },
		{ "1024", -ERANGE },	 { "0-1024", -ERANGE },	  { "1,5000", -ERANGE },
		{ "99999999999999999999", -ERANGE },
	};
	cpu_set_t set;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CPU_ZERO(&set);
		CPU_SET(9, &set);
		if (cpulist_parse(cases[i].in, &set) != cases[i].err)
			fail_msg("cpulist_parse(\"%s\") != %d", cases[i].in, cases[i].err);
		assert_int_equal(CPU_COUNT(&set), 0);
	}
	assert_int_equal(cpulist_parse(NULL, &set), -EINVAL);
}

static void test_cpulist_format_canonical(void **state)
{
	cpu_set_t set;
	char buf[64];

	(void)state;
	CPU_ZERO(&set);
	assert_int_equal(cpulist_format(&set, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	CPU_SET(0, &set);
	CPU_SET(2, &set);
	CPU_SET(3, &set);
	assert_int_equal(cpulist_format(&set, buf, sizeof(buf)), 5);
	assert_string_equal(buf, "0,2-3");
	CPU_ZERO(&set);
	CPU_SET(CPU_SETSIZE - 1, &set);
	CPU_SET(CPU_SETSIZE - 2, &set);
	assert_int_equal(cpulist_format(&set, buf, sizeof(buf)), 9);
	assert_string_equal(buf, "1022-1023");
}

static void test_cpulist_format_nospace(void **state)
{
	cpu_set_t set;
	char buf[8];

	(void)state;
	assert_int_equal(cpulist_parse("0,2-3", &set), 0);
	/* Exactly enough: 5 characters and the NUL. */
	assert_int_equal(cpulist_format(&set, buf, 6), 5);
	assert_int_equal(cpulist_format(&set, buf, 5), -ENOSPC);
	assert_string_equal(buf, "");
	assert_int_equal(cpulist_format(&set, buf, 0), -ENOSPC);
}

static void test_cpulist_format_roundtrip_every_pattern(void **state)
{
	char buf[256];

	(void)state;
	/* Every subset of CPUs 0..9: format, parse back, same set. */
	for (unsigned mask = 1; mask < 1024; mask++) {
		cpu_set_t a, b;

		CPU_ZERO(&a);
		for (unsigned cpu = 0; cpu < 10; cpu++)
			if (mask & (1u << cpu))
				CPU_SET(cpu, &a);
		assert_true(cpulist_format(&a, buf, sizeof(buf)) > 0);
		assert_int_equal(cpulist_parse(buf, &b), 0);
		assert_true(CPU_EQUAL(&a, &b));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cpulist_parse_valid),
		cmocka_unit_test(test_cpulist_parse_sets_exact_cpus),
		cmocka_unit_test(test_cpulist_parse_invalid),
		cmocka_unit_test(test_cpulist_format_canonical),
		cmocka_unit_test(test_cpulist_format_nospace),
		cmocka_unit_test(test_cpulist_format_roundtrip_every_pattern),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
