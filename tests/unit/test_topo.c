// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/topo: hwloc synthetic topologies (one node, SMT with two
 * packages, four NUMA nodes, Linux-style sibling numbering) must come out with the right
 * core, package and node for every CPU; isolated lists are applied or refused; an XML
 * export loads back the same; and the loader works on this machine and reads the
 * isolated file from a sysfs root that the test builds in a temp folder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../config/cpulist.h"
#include "../../sched/topo.h"
#include "temp_tree.h"

#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int setup_topo(void **state)
{
	*state = calloc(1, sizeof(struct topo));
	return *state ? 0 : -1;
}

static int teardown_topo(void **state)
{
	free(*state);
	return 0;
}

static void assert_set(const cpu_set_t *set, const char *list)
{
	char buf[256];

	assert_true(cpulist_format(set, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, list);
}

static void load_ok(struct topo *t, const char *desc, const char *isolated)
{
	char err[256] = "";

	if (topo_load_synthetic(t, desc, isolated, err, sizeof(err)))
		fail_msg("topo_load_synthetic(%s): %s", desc, err);
}

static void test_topo_synthetic_one_node_two_cores(void **state)
{
	struct topo *t = *state;

	load_ok(t, "numa:1 core:2 pu:1", NULL);
	assert_int_equal(t->nr_cpus, 2);
	assert_int_equal(t->nr_nodes, 1);
	assert_int_equal(t->nr_cores, 2);
	assert_int_equal(t->node[0].os, 0);
	assert_int_equal(t->node[0].nr_cpus, 2);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(t->cpu[i].os, i);
		assert_int_equal(t->cpu[i].core, i);
		assert_int_equal(t->cpu[i].node, 0);
		assert_int_equal(t->cpu[i].package, -1);
		assert_false(t->cpu[i].isolated);
	}
}

static void test_topo_synthetic_smt_two_packages(void **state)
{
	struct topo *t = *state;
	cpu_set_t set;

	load_ok(t, "pack:2 numa:1 core:8 pu:2", NULL);
	assert_int_equal(t->nr_cpus, 32);
	assert_int_equal(t->nr_cores, 16);
	assert_int_equal(t->nr_nodes, 2);
	assert_int_equal(t->node[1].os, 1);
	assert_int_equal(t->node[1].nr_cpus, 16);
	/* hwloc numbers synthetic PUs depth-first: siblings are adjacent. */
	assert_int_equal(t->cpu[4].core, t->cpu[5].core);
	assert_int_not_equal(t->cpu[5].core, t->cpu[6].core);
	assert_int_equal(t->cpu[15].package, 0);
	assert_int_equal(t->cpu[15].node, 0);
	assert_int_equal(t->cpu[16].package, 1);
	assert_int_equal(t->cpu[16].node, 1);
	assert_int_equal(topo_core_cpus(t, 5, &set), 2);
	assert_set(&set, "4-5");
	assert_int_equal(topo_node_cpus(t, 1, &set), 16);
	assert_set(&set, "16-31");
	topo_all_cpus(t, &set);
	assert_set(&set, "0-31");
}

static void test_topo_synthetic_four_nodes(void **state)
{
	struct topo *t = *state;
	char buf[32];
	cpu_set_t set;

	load_ok(t, "numa:4 core:4 pu:2", NULL);
	assert_int_equal(t->nr_cpus, 32);
	assert_int_equal(t->nr_nodes, 4);
	for (unsigned n = 0; n < 4; n++) {
		assert_int_equal(t->node[n].os, (int)n);
		assert_int_equal(t->node[n].nr_cpus, 8);
	}
	assert_int_equal(topo_cpu_by_os(t, 9)->node, 1);
	assert_int_equal(topo_cpu_by_os(t, 31)->node, 3);
	assert_int_equal(topo_node_cpus(t, 2, &set), 8);
	assert_set(&set, "16-23");
	assert_int_equal(topo_format_nodes(t, buf, sizeof(buf)), 3);
	assert_string_equal(buf, "0-3");
}

/* Linux numbers the second SMT thread of each core after all the first ones. */
static void test_topo_synthetic_linux_sibling_numbering(void **state)
{
	struct topo *t = *state;
	cpu_set_t set;

	load_ok(t, "core:2 pu:2(indexes=0,2,1,3)", NULL);
	assert_int_equal(t->nr_cpus, 4);
	/* Sorted by OS index whatever the hwloc order. */
	for (int i = 0; i < 4; i++)
		assert_int_equal(t->cpu[i].os, i);
	assert_int_equal(topo_core_cpus(t, 0, &set), 2);
	assert_set(&set, "0,2");
	assert_int_equal(topo_core_cpus(t, 3, &set), 2);
	assert_set(&set, "1,3");
}

static void test_topo_synthetic_isolated(void **state)
{
	struct topo *t = *state;
	char err[256] = "";

	load_ok(t, "numa:1 core:4 pu:1", "2-3");
	assert_false(t->cpu[0].isolated);
	assert_false(t->cpu[1].isolated);
	assert_true(t->cpu[2].isolated);
	assert_true(t->cpu[3].isolated);

	load_ok(t, "numa:1 core:4 pu:1", "");
	for (int i = 0; i < 4; i++)
		assert_false(t->cpu[i].isolated);

	assert_int_equal(topo_load_synthetic(t, "numa:1 core:4 pu:1", "7", err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err,
			    "isolated CPU list: CPU 7 does not exist in the topology (CPUs 0-3)");
	assert_int_equal(topo_load_synthetic(t, "numa:1 core:4 pu:1", "2-x", err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "'2-x'"));
}

static void test_topo_synthetic_bad_description(void **state)
{
	struct topo *t = *state;
	char err[256] = "";

	assert_int_equal(topo_load_synthetic(t, "pack:two core:x", NULL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "pack:two core:x"));
}

static void test_topo_lookup_missing(void **state)
{
	struct topo *t = *state;
	cpu_set_t set;

	load_ok(t, "numa:1 core:2 pu:1", NULL);
	assert_null(topo_cpu_by_os(t, 2));
	assert_null(topo_cpu_by_os(t, -1));
	assert_non_null(topo_cpu_by_os(t, 1));
	assert_null(topo_node_by_os(t, 1));
	assert_int_equal(topo_core_cpus(t, 7, &set), -ENOENT);
	assert_int_equal(CPU_COUNT(&set), 0);
	assert_int_equal(topo_node_cpus(t, 3, &set), -ENOENT);
	assert_int_equal(CPU_COUNT(&set), 0);
}

static void test_topo_xml_roundtrip(void **state)
{
	struct topo *t = *state, *again = calloc(1, sizeof(*again));
	char path[] = "/tmp/rtvmm-topo-XXXXXX";
	char err[256] = "";
	hwloc_topology_t ht;
	int fd = mkstemp(path);

	assert_non_null(again);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(hwloc_topology_init(&ht), 0);
	assert_int_equal(hwloc_topology_set_synthetic(ht, "pack:2 numa:1 core:2 pu:2"), 0);
	assert_int_equal(hwloc_topology_load(ht), 0);
	assert_int_equal(hwloc_topology_export_xml(ht, path, 0), 0);
	hwloc_topology_destroy(ht);

	load_ok(t, "pack:2 numa:1 core:2 pu:2", "5");
	if (topo_load_xml(again, path, "5", err, sizeof(err)))
		fail_msg("topo_load_xml: %s", err);
	assert_int_equal(again->nr_cpus, 8);
	assert_memory_equal(t, again, sizeof(*t));
	assert_true(again->cpu[5].isolated);
	unlink(path);
	free(again);

	assert_int_equal(topo_load_xml(t, "/nonexistent/topo.xml", NULL, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/topo.xml"));
}

/* Count of the entries in a sysfs "online" list, e.g. /sys/devices/system/node/online. */
static int count_list_file(const char *path)
{
	char buf[4096];
	cpu_set_t set;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\n")] = 0;
	return cpulist_parse(buf, &set) ? -1 : CPU_COUNT(&set);
}

static void test_topo_host_loads(void **state)
{
	struct topo *t = *state;
	char err[256] = "";
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	int nodes = count_list_file("/sys/devices/system/node/online");
	unsigned sum = 0;

	if (topo_load_host(t, "/sys", err, sizeof(err)))
		fail_msg("topo_load_host: %s", err);
	assert_int_equal(t->nr_cpus, online);
	if (nodes > 0)
		assert_int_equal(t->nr_nodes, nodes);
	for (unsigned n = 0; n < t->nr_nodes; n++)
		sum += t->node[n].nr_cpus;
	assert_int_equal(sum, t->nr_cpus);
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		assert_non_null(topo_node_by_os(t, t->cpu[i].node));
		assert_true(t->cpu[i].core >= 0 && t->cpu[i].core < (int)t->nr_cores);
		if (i)
			assert_true(t->cpu[i].os > t->cpu[i - 1].os);
	}
}

/* A sysfs root of our own with devices/system/cpu/isolated holding @content (NULL: no file). */
static void test_topo_host_isolated_from_sysfs_root(void **state)
{
	static const struct {
		const char *content; /* NULL: no file */
		int ret;
		bool last_isolated;
	} cases[] = {
		{ NULL, 0, false },
		{ "\n", 0, false },
		{ "LAST\n", 0, true },
		{ "LAST,9999\n", -EINVAL, false }, /* over CPU_SETSIZE */
		{ "LAST,1000\n", 0, true }, /* an offline/absent CPU is skipped */
		{ "garbage\n", -EINVAL, false },
	};
	struct topo *t = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char root[64], content[64] = "", err[256] = "";
		int last;
		int ret;

		tree_make(root, sizeof(root), "sysfs");
		/* The host's highest CPU stands for LAST; load once to learn it. */
		if (topo_load_host(t, "/sys", err, sizeof(err)))
			fail_msg("topo_load_host: %s", err);
		last = t->cpu[t->nr_cpus - 1].os;
		if (cases[i].content) {
			const char *rest = strncmp(cases[i].content, "LAST", 4) ?
						   cases[i].content :
						   cases[i].content + 4;

			if (rest != cases[i].content)
				snprintf(content, sizeof(content), "%d%s", last, rest);
			else
				snprintf(content, sizeof(content), "%s", rest);
		}
		if (cases[i].content)
			tree_put(root, "devices/system/cpu/isolated", content);
		ret = topo_load_host(t, root, err, sizeof(err));
		tree_remove(root);
		if (ret != cases[i].ret)
			fail_msg("case %zu (%s): %d: %s", i, content, ret, err);
		if (ret) {
			/* The message names the file it could not use. */
			assert_non_null(strstr(err, root));
			continue;
		}
		assert_int_equal(t->cpu[t->nr_cpus - 1].isolated, cases[i].last_isolated);
		for (unsigned c = 0; c + 1 < t->nr_cpus; c++)
			assert_false(t->cpu[c].isolated);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_topo_synthetic_one_node_two_cores,
						setup_topo, teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_synthetic_smt_two_packages, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_synthetic_four_nodes, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_synthetic_linux_sibling_numbering,
						setup_topo, teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_synthetic_isolated, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_synthetic_bad_description, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_lookup_missing, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_xml_roundtrip, setup_topo,
						teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_host_loads, setup_topo, teardown_topo),
		cmocka_unit_test_setup_teardown(test_topo_host_isolated_from_sysfs_root,
						setup_topo, teardown_topo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
