// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/plan on hwloc synthetic topologies: automatic placement (whole
 * cores, no SMT siblings while cores remain, away from emulator CPUs and CPU 0, isolated
 * CPUs first, on the right node), its fallbacks and their warnings, explicit pinnings and
 * their warnings, the memory node, the errors, determinism, and both output formats.
 * Configurations are parsed from INI text exactly as a user writes them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../config/config.h"
#include "../../config/cpulist.h"
#include "../../sched/plan.h"
#include "../../sched/topo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fx {
	struct cfg cfg;
	struct topo topo;
	struct plan plan;
	char err[512];
};

static int setup_fx(void **state)
{
	*state = calloc(1, sizeof(struct fx));
	return *state ? 0 : -1;
}

static int teardown_fx(void **state)
{
	free(*state);
	return 0;
}

static void load_topo(struct fx *fx, const char *desc, const char *isolated)
{
	if (topo_load_synthetic(&fx->topo, desc, isolated, fx->err, sizeof(fx->err)))
		fail_msg("topology %s: %s", desc, fx->err);
}

/* Parse @ini (a probe payload is added) and finalize it into fx->cfg. */
static void load_cfg(struct fx *fx, const char *ini)
{
	char text[4096];
	struct cfg_error err;

	snprintf(text, sizeof(text), "[boot]\npayload = probe\n%s", ini);
	cfg_init(&fx->cfg);
	if (cfg_parse_string(&fx->cfg, text, "t.ini", NULL, &err) ||
	    cfg_finalize(&fx->cfg, &err))
		fail_msg("config: %s", err.msg);
}

/* Topology + config -> fx->plan, which must succeed. */
static struct plan *plan_ok(struct fx *fx, const char *desc, const char *isolated,
			    const char *ini)
{
	load_topo(fx, desc, isolated);
	load_cfg(fx, ini);
	fx->err[0] = '\0';
	if (plan_build(&fx->plan, &fx->cfg, &fx->topo, fx->err, sizeof(fx->err)))
		fail_msg("plan_build: %s", fx->err);
	return &fx->plan;
}

static int plan_err(struct fx *fx, const char *desc, const char *ini)
{
	load_topo(fx, desc, NULL);
	load_cfg(fx, ini);
	fx->err[0] = '\0';
	return plan_build(&fx->plan, &fx->cfg, &fx->topo, fx->err, sizeof(fx->err));
}

static void assert_cpus(const cpu_set_t *set, const char *list)
{
	char buf[256];

	assert_true(cpulist_format(set, buf, sizeof(buf)) >= 0);
	assert_string_equal(buf, list);
}

/* The CPU of each vCPU, "a,b,c" in vCPU order (each auto vCPU has exactly one). */
static const char *vcpu_cpus(const struct plan *p, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		char one[64];

		assert_true(cpulist_format(&p->vcpu[i].cpus, one, sizeof(one)) > 0);
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", one);
	}
	return buf;
}

static void assert_placement(const struct plan *p, const char *expected)
{
	char buf[512];

	assert_string_equal(vcpu_cpus(p, buf, sizeof(buf)), expected);
}

/* Index of the first warning containing @needle, or -1. */
static int find_warning(const struct plan *p, const char *needle)
{
	for (unsigned i = 0; i < p->nr_warnings; i++)
		if (strstr(p->warning[i], needle))
			return (int)i;
	return -1;
}

static void assert_warning(const struct plan *p, const char *needle)
{
	if (find_warning(p, needle) < 0) {
		for (unsigned i = 0; i < p->nr_warnings; i++)
			print_message("warning %u: %s\n", i, p->warning[i]);
		fail_msg("no warning contains '%s'", needle);
	}
}

static void assert_no_warnings(const struct plan *p)
{
	for (unsigned i = 0; i < p->nr_warnings; i++)
		print_message("warning %u: %s\n", i, p->warning[i]);
	assert_int_equal(p->nr_warnings, 0);
}

static void test_plan_auto_avoids_cpu0_on_two_cores(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:2 pu:1", NULL, "[vm]\nvcpus = 1\n");

	assert_placement(p, "1");
	assert_true(p->vcpu[0].cpus_auto);
	assert_int_equal(p->vcpu[0].core, 1);
	assert_int_equal(p->vcpu[0].node, 0);
	assert_no_warnings(p);

	/* Both CPUs taken: CPU 0 is used without a fallback warning (no better choice),
	 * but the unpinned emulator threads have no CPU free of RT vCPUs. */
	p = plan_ok(fx, "numa:1 core:2 pu:1", NULL, "[vm]\nvcpus = 2\n");
	assert_placement(p, "1 0");
	assert_int_equal(p->nr_warnings, 1);
	assert_warning(p, "[sched] emulator_cpus is unset and every CPU the emulator threads "
			  "may run on (0-1) has an RT vCPU");
}

static void test_plan_auto_distinct_cores_no_smt_siblings(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "pack:2 numa:1 core:8 pu:2", NULL, "[vm]\nvcpus = 7\n");

	/* Node 0 (tie on free cores: lowest id), one CPU per core, core 0 (CPU 0's) last. */
	assert_placement(p, "2 4 6 8 10 12 14");
	for (unsigned i = 0; i < 7; i++) {
		assert_int_equal(p->vcpu[i].node, 0);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(p->vcpu[i].core, p->vcpu[j].core);
	}
	assert_no_warnings(p);

	/* The eighth vCPU takes core 0, on CPU 0's sibling rather than CPU 0. */
	p = plan_ok(fx, "pack:2 numa:1 core:8 pu:2", NULL, "[vm]\nvcpus = 8\n");
	assert_placement(p, "2 4 6 8 10 12 14 1");
	assert_no_warnings(p);
}

static void test_plan_auto_smt_sibling_fallback(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:2 pu:2", NULL, "[vm]\nvcpus = 3\n");

	assert_placement(p, "2 1 3");
	assert_int_equal(p->vcpu[2].core, p->vcpu[0].core);
	assert_warning(p, "cpus = auto: vCPUs 2 share physical cores with other vCPUs (SMT "
			  "siblings): not enough free cores on node 0");
	assert_int_equal(find_warning(p, "overcommit"), -1);
}

static void test_plan_auto_overcommit_fallback(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:2 pu:2", NULL, "[vm]\nvcpus = 6\n");

	/* Whole cores, then siblings, then the least loaded CPUs, CPU 0 last each time. */
	assert_placement(p, "2 1 3 0 2 1");
	assert_warning(p, "vCPUs 2-3 share physical cores with other vCPUs");
	assert_warning(p, "cpus = auto: vCPUs 4-5 share CPUs with other vCPUs (overcommit, "
			  "they will preempt each other): more vCPUs than CPUs on node 0");
}

static void test_plan_auto_skips_emulator_cpus(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:1", NULL,
				 "[vm]\nvcpus = 2\n[sched]\nemulator_cpus = 1\n");

	assert_placement(p, "2 3");
	assert_true(p->emulator.pin);
	assert_cpus(&p->emulator.cpus, "1");
	assert_no_warnings(p);

	/* With SMT the emulator's whole core is avoided too. */
	p = plan_ok(fx, "numa:1 core:4 pu:2", NULL,
		    "[vm]\nvcpus = 3\n[sched]\nemulator_cpus = 2\n");
	assert_placement(p, "4 6 1");
	assert_no_warnings(p);

	/* Out of whole cores: the emulator's sibling before a vCPU's sibling, the emulator
	 * CPU itself only when nothing else is left. */
	p = plan_ok(fx, "numa:1 core:2 pu:2", NULL,
		    "[vm]\nvcpus = 4\n[sched]\nemulator_cpus = 2\n");
	assert_placement(p, "1 3 0 2");
	assert_warning(p, "cpus = auto: vCPUs 1 run on SMT siblings of emulator CPUs");
	assert_warning(p, "cpus = auto: vCPUs 2 share physical cores with other vCPUs");
	assert_warning(p, "cpus = auto: vCPUs 3 run on emulator CPUs");
}

static void test_plan_auto_prefers_isolated(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:1", "2-3", "[vm]\nvcpus = 3\n");

	assert_placement(p, "2 3 1");
	/* The unpinned emulator can still run on 0: no warning. */
	assert_no_warnings(p);

	p = plan_ok(fx, "numa:1 core:4 pu:2", "5,7", "[vm]\nvcpus = 2\n");
	assert_placement(p, "5 7");

	/* Isolation never beats a whole core: 7's sibling 6 is not taken before core 1. */
	p = plan_ok(fx, "numa:1 core:4 pu:2", "6-7", "[vm]\nvcpus = 2\n");
	assert_placement(p, "6 2");
}

static void test_plan_auto_stays_on_requested_node(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 3\n[memory]\nnuma_node = 2\n");

	assert_placement(p, "16 18 20");
	assert_int_equal(p->memory.node, 2);
	assert_int_equal(p->memory.source, PLAN_NUMA_CONFIG);
	assert_no_warnings(p);

	/* More vCPUs than cores on node 2: siblings on node 2, not cores elsewhere. */
	p = plan_ok(fx, "numa:4 core:4 pu:2", NULL, "[vm]\nvcpus = 5\n[memory]\nnuma_node = 2\n");
	assert_placement(p, "16 18 20 22 17");
	assert_warning(p, "vCPUs 4 share physical cores with other vCPUs (SMT siblings): not "
			  "enough free cores on node 2");
}

static void test_plan_numa_auto_picks_node_with_most_free_cores(void **state)
{
	struct fx *fx = *state;
	/* Emulator CPUs on nodes 0 and 1 cost each a core: nodes 2 and 3 tie, 2 wins. */
	struct plan *p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 2\n[sched]\nemulator_cpus = 0,10\n");

	assert_placement(p, "16 18");
	assert_int_equal(p->memory.node, 2);
	assert_int_equal(p->memory.source, PLAN_NUMA_AUTO);
	assert_int_equal(p->emulator.node, -1);
	assert_no_warnings(p);

	p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
		    "[vm]\nvcpus = 2\n[sched]\nemulator_cpus = 0-15,24\n");
	assert_placement(p, "16 18");
}

static void test_plan_numa_auto_memory_follows_vcpus(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 3\n[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 10\n"
				 "[vcpu.2]\ncpus = 12\n");

	/* Node 1 holds two of three vCPUs. */
	assert_int_equal(p->memory.node, 1);
	assert_warning(p, "[memory] numa_node = auto: the vCPUs span nodes 0-1; guest memory "
			  "goes to node 1 (most vCPUs) and vCPUs 0 reach it remotely");

	/* A tie goes to the lowest node. */
	p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
		    "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 26\n[vcpu.1]\ncpus = 10\n");
	assert_int_equal(p->memory.node, 1);
	assert_warning(p, "vCPUs 0 reach it remotely");

	/* All on one node: no warning. */
	p = plan_ok(fx, "numa:4 core:4 pu:2", NULL, "[vm]\nvcpus = 4\n");
	assert_int_equal(p->memory.node, 0);
	assert_no_warnings(p);
}

static void test_plan_numa_none(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 2\n[memory]\nnuma_node = none\n"
				 "[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 10\n");

	assert_int_equal(p->memory.node, -1);
	assert_int_equal(p->memory.source, PLAN_NUMA_NONE);
	assert_no_warnings(p);
}

static void test_plan_mixed_explicit_and_auto(void **state)
{
	struct fx *fx = *state;
	/* The auto vCPUs join the pinned one on node 1 and avoid its core (18, 19). */
	struct plan *p = plan_ok(fx, "pack:2 numa:1 core:8 pu:2", NULL,
				 "[vm]\nvcpus = 3\n[vcpu.0]\ncpus = 18\n");

	assert_placement(p, "18 16 20");
	assert_false(p->vcpu[0].cpus_auto);
	assert_true(p->vcpu[1].cpus_auto);
	assert_int_equal(p->memory.node, 1);
	assert_no_warnings(p);

	/* An auto vCPU before a pinned one still avoids the pinned CPU. */
	p = plan_ok(fx, "numa:1 core:3 pu:1", NULL, "[vm]\nvcpus = 2\n[vcpu.1]\ncpus = 1\n");
	assert_placement(p, "2 1");
	assert_no_warnings(p);

	/* Not enough room left on the pinned vCPU's node: the node with most free cores. */
	p = plan_ok(fx, "numa:2 core:2 pu:1", NULL, "[vm]\nvcpus = 3\n[vcpu.0]\ncpus = 1\n");
	assert_placement(p, "1 2 3");
	assert_warning(p, "the vCPUs span nodes 0-1");
}

static void test_plan_memory_only_node(void **state)
{
	struct fx *fx = *state;
	struct plan *p;

	/* hwloc's synthetic syntax has no CPU-less node: add one by hand. */
	load_topo(fx, "numa:1 core:4 pu:1", NULL);
	fx->topo.node[1].os = 1;
	fx->topo.node[1].nr_cpus = 0;
	fx->topo.nr_nodes = 2;
	load_cfg(fx, "[vm]\nvcpus = 1\n[memory]\nnuma_node = 1\n");
	assert_int_equal(plan_build(&fx->plan, &fx->cfg, &fx->topo, fx->err, sizeof(fx->err)),
			 0);
	p = &fx->plan;
	assert_placement(p, "1");
	assert_int_equal(p->memory.node, 1);
	assert_warning(p, "[memory] numa_node = 1: node 1 has no CPUs, so cpus = auto vCPUs are "
			  "placed on any node");
	assert_warning(p, "[memory] numa_node = 1: vCPUs 0 run on CPUs of other nodes");
}

static void test_plan_explicit_shared_cpu_warns(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:1", NULL,
				 "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 2-3\n");

	assert_int_equal(p->vcpu[1].core, -1);
	assert_int_equal(p->vcpu[1].node, 0);
	assert_int_equal(p->nr_warnings, 1);
	assert_warning(p, "[vcpu.0] cpus = 2 and [vcpu.1] cpus = 2-3 share CPU 2: the two vCPUs "
			  "take turns on it");
}

static void test_plan_explicit_smt_siblings_warns(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 3\n");

	assert_int_equal(p->vcpu[0].core, 1);
	assert_int_equal(p->nr_warnings, 1);
	assert_warning(p, "[vcpu.0] cpus = 2 and [vcpu.1] cpus = 3 are SMT siblings (CPUs 2 and "
			  "3, core 1): they compete for one physical core");

	/* Different cores: nothing to say. */
	p = plan_ok(fx, "numa:1 core:4 pu:2", NULL,
		    "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 4\n");
	assert_no_warnings(p);
}

static void test_plan_explicit_on_emulator_cpu_warns(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:1", NULL,
				 "[vm]\nvcpus = 1\n[sched]\nemulator_cpus = 1-2\n"
				 "[vcpu.0]\ncpus = 2-3\n");

	assert_int_equal(p->nr_warnings, 1);
	assert_warning(p, "[vcpu.0] cpus = 2-3 includes emulator CPU 2 ([sched] emulator_cpus = "
			  "1-2): the vCPU competes with the main and helper threads");
}

static void test_plan_explicit_outside_memory_node_warns(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:4 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 3\n[memory]\nnuma_node = 0\n"
				 "[vcpu.1]\ncpus = 9\n[vcpu.2]\ncpus = 7,10\n");

	assert_int_equal(p->vcpu[2].node, -1);
	assert_int_equal(p->nr_warnings, 1);
	assert_warning(p, "[memory] numa_node = 0: vCPUs 1-2 run on CPUs of other nodes and "
			  "reach guest memory remotely");
}

static void test_plan_explicit_cpu0_warns_only_with_free_cpus(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:1", NULL,
				 "[vm]\nvcpus = 1\n[vcpu.0]\ncpus = 0\n");

	assert_int_equal(p->nr_warnings, 1);
	assert_warning(p, "[vcpu.0] cpus = 0 includes CPU 0, which carries the kernel's "
			  "housekeeping work; CPUs 1-3 run no vCPU");

	/* Every CPU has a vCPU: CPU 0 was the only choice left. */
	p = plan_ok(fx, "numa:1 core:2 pu:1", NULL,
		    "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 0\n[vcpu.1]\ncpus = 1\n");
	assert_int_equal(find_warning(p, "CPU 0"), -1);

	/* An isolated CPU 0 is the user's deliberate choice. */
	p = plan_ok(fx, "numa:1 core:4 pu:1", "0", "[vm]\nvcpus = 1\n[vcpu.0]\ncpus = 0\n");
	assert_no_warnings(p);
}

static void test_plan_error_vcpu_cpu_missing(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(plan_err(fx, "numa:1 core:2 pu:1",
				  "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 0\n[vcpu.1]\ncpus = 5\n"),
			 -EINVAL);
	assert_string_equal(fx->err,
			    "[vcpu.1] cpus = 5: CPU 5 does not exist on this host (CPUs 0-1)");
	assert_int_equal(plan_err(fx, "numa:1 core:2 pu:1",
				  "[vm]\nvcpus = 1\n[vcpu.0]\ncpus = 1-3\n"),
			 -EINVAL);
	assert_string_equal(fx->err,
			    "[vcpu.0] cpus = 1-3: CPUs 2-3 do not exist on this host (CPUs 0-1)");
}

static void test_plan_error_emulator_cpu_missing(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(plan_err(fx, "numa:1 core:2 pu:1",
				  "[vm]\nvcpus = 1\n[sched]\nemulator_cpus = 1,4\n"),
			 -EINVAL);
	assert_string_equal(fx->err, "[sched] emulator_cpus = 1,4: CPU 4 does not exist on this "
				     "host (CPUs 0-1)");
}

static void test_plan_error_numa_node_missing(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(plan_err(fx, "numa:1 core:2 pu:1",
				  "[vm]\nvcpus = 1\n[memory]\nnuma_node = 3\n"),
			 -EINVAL);
	assert_string_equal(fx->err,
			    "[memory] numa_node = 3: node 3 does not exist on this host (nodes 0)");
	assert_int_equal(plan_err(fx, "numa:4 core:1 pu:1",
				  "[vm]\nvcpus = 1\n[memory]\nnuma_node = 4\n"),
			 -EINVAL);
	assert_string_equal(fx->err, "[memory] numa_node = 4: node 4 does not exist on this "
				     "host (nodes 0-3)");
}

static void test_plan_sched_fields(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:8 pu:1", NULL,
				 "[vm]\nvcpus = 5\n"
				 "[sched]\npolicy = rr\nrt_priority = 7\ndelay_rt = true\n"
				 "core_scheduling = vm\ncgroup = rtvmm/t\nboost_uclamp = false\n"
				 "[vcpu.0]\npolicy = other\n"
				 "[vcpu.1]\npolicy = fifo\nrt_priority = 50\ndelay_rt = false\n"
				 "core_scheduling = vcpu\nboost_uclamp = true\ncgroup =\n"
				 "[vcpu.3]\ncore_scheduling = off\n");
	const struct plan_vcpu *v = p->vcpu;

	assert_int_equal(v[0].policy, SCHED_OTHER);
	assert_int_equal(v[0].rt_priority, 0);
	assert_false(v[0].delay_rt);
	assert_int_equal(v[1].policy, SCHED_FIFO);
	assert_int_equal(v[1].rt_priority, 50);
	assert_false(v[1].delay_rt);
	assert_true(v[1].boost_uclamp);
	assert_string_equal(v[1].cgroup, "");
	assert_int_equal(v[2].policy, SCHED_RR);
	assert_int_equal(v[2].rt_priority, 7);
	assert_true(v[2].delay_rt);
	assert_false(v[2].boost_uclamp);
	assert_string_equal(v[2].cgroup, "rtvmm/t");
	/* One cookie for the vm-mode vCPUs (0, 2, 4), one of its own for 1, none for 3. */
	assert_int_equal(v[0].core_sched, CFG_CORE_SCHED_VM);
	assert_int_equal(v[0].core_sched_group, 0);
	assert_int_equal(v[1].core_sched, CFG_CORE_SCHED_VCPU);
	assert_int_equal(v[1].core_sched_group, 1);
	assert_int_equal(v[2].core_sched_group, 0);
	assert_int_equal(v[3].core_sched, CFG_CORE_SCHED_OFF);
	assert_int_equal(v[3].core_sched_group, -1);
	assert_int_equal(v[4].core_sched_group, 0);
	assert_string_equal(plan_policy_name(SCHED_FIFO), "fifo");
}

static void test_plan_emulator_unpinned(void **state)
{
	struct fx *fx = *state;
	/* SCHED_OTHER vCPUs leave room for the emulator threads: no warning. */
	struct plan *p = plan_ok(fx, "numa:1 core:2 pu:1", NULL,
				 "[vm]\nvcpus = 2\n[sched]\npolicy = other\n");

	assert_false(p->emulator.pin);
	assert_int_equal(CPU_COUNT(&p->emulator.cpus), 0);
	assert_int_equal(p->emulator.node, -1);
	assert_no_warnings(p);

	/* RT vCPUs on every non-isolated CPU (the isolated ones are not the emulator's). */
	p = plan_ok(fx, "numa:1 core:3 pu:1", "2",
		    "[vm]\nvcpus = 2\n[vcpu.0]\ncpus = 0\n[vcpu.1]\ncpus = 1\n");
	assert_warning(p, "every non-isolated CPU the emulator threads may run on (0-1) has an "
			  "RT vCPU");
}

static void test_plan_warnings_overflow(void **state)
{
	struct fx *fx = *state;
	char ini[2048];
	size_t off = (size_t)snprintf(ini, sizeof(ini), "[vm]\nvcpus = 16\n");
	struct plan *p;

	for (int i = 0; i < 16; i++)
		off += (size_t)snprintf(ini + off, sizeof(ini) - off, "[vcpu.%d]\ncpus = 1\n", i);
	p = plan_ok(fx, "numa:1 core:2 pu:1", NULL, ini);
	/* 120 pairs share CPU 1. */
	assert_int_equal(p->nr_warnings, PLAN_MAX_WARNINGS);
	assert_true(p->nr_dropped_warnings >= 120 - PLAN_MAX_WARNINGS);
}

static char *dump_json(const struct plan *p)
{
	json_t *j = plan_to_json(p);
	char *s;

	assert_non_null(j);
	s = json_dumps(j, JSON_SORT_KEYS);
	json_decref(j);
	assert_non_null(s);
	return s;
}

static char *dump_text(const struct plan *p)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	plan_print(p, f);
	fclose(f);
	return buf;
}

static void test_plan_deterministic(void **state)
{
	struct fx *fx = *state;
	static const char ini[] = "[vm]\nvcpus = 9\n[sched]\nemulator_cpus = 3\n"
				  "[vcpu.4]\ncpus = 20-21\n[vcpu.6]\ncpus = 8\n";
	char *json1, *json2, *text1, *text2;

	plan_ok(fx, "pack:2 numa:1 core:8 pu:2", "10-15", ini);
	json1 = dump_json(&fx->plan);
	text1 = dump_text(&fx->plan);
	/* Garbage in the output struct and a fresh config: same result. */
	memset(&fx->plan, 0xa5, sizeof(fx->plan));
	plan_ok(fx, "pack:2 numa:1 core:8 pu:2", "10-15", ini);
	json2 = dump_json(&fx->plan);
	text2 = dump_text(&fx->plan);
	assert_string_equal(json1, json2);
	assert_string_equal(text1, text2);
	free(json1);
	free(json2);
	free(text1);
	free(text2);
}

static void test_plan_json_fields(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:2", NULL,
				 "[vm]\nname = jv\nvcpus = 2\nmemory = 256M\n"
				 "[memory]\nhugepages = 2M\nprefault = false\n"
				 "[sched]\nemulator_cpus = 0\ncgroup = rtvmm/jv\n"
				 "[vcpu.0]\ncpus = 2-3\npolicy = other\n"
				 "[vcpu.1]\npolicy = fifo\nrt_priority = 9\n"
				 "core_scheduling = off\n");
	json_t *j = plan_to_json(p), *v0, *v1, *emu, *mem, *warn;

	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "name")), "jv");
	assert_int_equal(json_array_size(json_object_get(j, "vcpus")), 2);
	v0 = json_array_get(json_object_get(j, "vcpus"), 0);
	v1 = json_array_get(json_object_get(j, "vcpus"), 1);
	assert_int_equal(json_integer_value(json_object_get(v0, "vcpu")), 0);
	assert_string_equal(json_string_value(json_object_get(v0, "cpus")), "2-3");
	assert_true(json_is_false(json_object_get(v0, "cpus_auto")));
	assert_int_equal(json_integer_value(json_object_get(v0, "core")), 1);
	assert_int_equal(json_integer_value(json_object_get(v0, "node")), 0);
	assert_string_equal(json_string_value(json_object_get(v0, "cgroup")), "rtvmm/jv");
	assert_string_equal(json_string_value(json_object_get(v0, "policy")), "other");
	assert_int_equal(json_integer_value(json_object_get(v0, "rt_priority")), 0);
	assert_true(json_is_false(json_object_get(v0, "delay_rt")));
	assert_true(json_is_true(json_object_get(v0, "boost_uclamp")));
	assert_string_equal(json_string_value(json_object_get(v0, "core_scheduling")), "vcpu");
	assert_int_equal(json_integer_value(json_object_get(v0, "core_sched_group")), 0);
	assert_string_equal(json_string_value(json_object_get(v1, "cpus")), "4");
	assert_true(json_is_true(json_object_get(v1, "cpus_auto")));
	assert_string_equal(json_string_value(json_object_get(v1, "policy")), "fifo");
	assert_int_equal(json_integer_value(json_object_get(v1, "rt_priority")), 9);
	assert_string_equal(json_string_value(json_object_get(v1, "core_scheduling")), "off");
	assert_true(json_is_null(json_object_get(v1, "core_sched_group")));

	emu = json_object_get(j, "emulator");
	assert_true(json_is_true(json_object_get(emu, "pinned")));
	assert_string_equal(json_string_value(json_object_get(emu, "cpus")), "0");
	assert_int_equal(json_integer_value(json_object_get(emu, "node")), 0);

	mem = json_object_get(j, "memory");
	assert_int_equal(json_integer_value(json_object_get(mem, "node")), 0);
	assert_string_equal(json_string_value(json_object_get(mem, "source")), "auto");
	assert_int_equal(json_integer_value(json_object_get(mem, "bytes")), 256 << 20);
	assert_string_equal(json_string_value(json_object_get(mem, "hugepages")), "2M");
	assert_true(json_is_true(json_object_get(mem, "lock")));
	assert_true(json_is_false(json_object_get(mem, "prefault")));

	warn = json_object_get(j, "warnings");
	assert_true(json_is_array(warn));
	assert_int_equal(json_array_size(warn), p->nr_warnings);
	assert_int_equal(json_integer_value(json_object_get(j, "warnings_dropped")), 0);
	json_decref(j);

	/* Unpinned emulator, several cores, no memory policy: nulls and "". */
	p = plan_ok(fx, "numa:1 core:4 pu:1", NULL,
		    "[vm]\nvcpus = 1\n[memory]\nnuma_node = none\n[vcpu.0]\ncpus = 1-2\n");
	j = plan_to_json(p);
	assert_non_null(j);
	v0 = json_array_get(json_object_get(j, "vcpus"), 0);
	assert_true(json_is_null(json_object_get(v0, "core")));
	emu = json_object_get(j, "emulator");
	assert_true(json_is_false(json_object_get(emu, "pinned")));
	assert_string_equal(json_string_value(json_object_get(emu, "cpus")), "");
	assert_true(json_is_null(json_object_get(emu, "node")));
	mem = json_object_get(j, "memory");
	assert_true(json_is_null(json_object_get(mem, "node")));
	assert_string_equal(json_string_value(json_object_get(mem, "source")), "none");
	json_decref(j);
}

/* The whitespace-separated fields of the line of @text that starts with @first. */
static void assert_row(const char *text, const char *first, const char *const *fields,
		       size_t n)
{
	char line[1024], *save = NULL, *tok;
	const char *p = text;
	size_t len = strlen(first);

	while (p && strncmp(p, first, len))
		p = (p = strchr(p, '\n')) ? p + 1 : NULL;
	if (!p)
		fail_msg("no row starting with '%s' in:\n%s", first, text);
	snprintf(line, sizeof(line), "%.*s", (int)strcspn(p, "\n"), p);
	tok = strtok_r(line, " ", &save);
	for (size_t i = 0; i < n; i++, tok = strtok_r(NULL, " ", &save)) {
		if (!tok || strcmp(tok, fields[i]))
			fail_msg("row '%s': field %zu is '%s', expected '%s'", first, i,
				 tok ? tok : "(none)", fields[i]);
	}
	assert_null(tok);
}

static void test_plan_print_table(void **state)
{
	struct fx *fx = *state;
	struct plan *p = plan_ok(fx, "numa:1 core:4 pu:2", NULL,
				 "[vm]\nvcpus = 2\nmemory = 512M\n"
				 "[sched]\nemulator_cpus = 0\ncgroup = rtvmm/t\ndelay_rt = true\n"
				 "[vcpu.0]\ncpus = 2\n[vcpu.1]\ncpus = 3\npolicy = other\n");
	static const char *const vcpu0[] = { "vcpu0", "2",   "1",	   "0",	   "rtvmm/t",
					     "rr",    "(make-rt)", "6", "max", "vcpu" };
	static const char *const vcpu1[] = { "vcpu1", "3", "1", "0", "rtvmm/t", "other", "-",
					     "max",   "vcpu" };
	static const char *const emu[] = { "emulator", "0", "-", "0", "-",
					   "other",    "-", "-", "-" };
	char *text = dump_text(p);

	assert_true(strncmp(text, "thread", 6) == 0);
	assert_non_null(strstr(text, "host CPUs"));
	assert_row(text, "vcpu0 ", vcpu0, sizeof(vcpu0) / sizeof(vcpu0[0]));
	assert_row(text, "vcpu1 ", vcpu1, sizeof(vcpu1) / sizeof(vcpu1[0]));
	assert_row(text, "emulator ", emu, sizeof(emu) / sizeof(emu[0]));
	assert_non_null(strstr(text, "\nmemory: 512M on node 0 (numa_node = auto: the node of "
				     "the vCPUs' CPUs), hugepages off, lock on, prefault on\n"));
	assert_non_null(strstr(text, "\nwarning: [vcpu.0] cpus = 2 and [vcpu.1] cpus = 3 are SMT "
				     "siblings"));
	free(text);

	/* Auto vCPUs are marked, an unpinned emulator says so. */
	p = plan_ok(fx, "numa:1 core:4 pu:1", NULL, "[vm]\nvcpus = 1\n");
	text = dump_text(p);
	assert_non_null(strstr(text, "\nvcpu0      1 (auto)  "));
	assert_non_null(strstr(text, "\nemulator   unpinned  "));
	assert_non_null(strstr(text, "\nemulator: not pinned"));
	assert_null(strstr(text, "warning:"));
	free(text);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup_fx, teardown_fx)
	const struct CMUnitTest tests[] = {
		T(test_plan_auto_avoids_cpu0_on_two_cores),
		T(test_plan_auto_distinct_cores_no_smt_siblings),
		T(test_plan_auto_smt_sibling_fallback),
		T(test_plan_auto_overcommit_fallback),
		T(test_plan_auto_skips_emulator_cpus),
		T(test_plan_auto_prefers_isolated),
		T(test_plan_auto_stays_on_requested_node),
		T(test_plan_numa_auto_picks_node_with_most_free_cores),
		T(test_plan_numa_auto_memory_follows_vcpus),
		T(test_plan_numa_none),
		T(test_plan_mixed_explicit_and_auto),
		T(test_plan_memory_only_node),
		T(test_plan_explicit_shared_cpu_warns),
		T(test_plan_explicit_smt_siblings_warns),
		T(test_plan_explicit_on_emulator_cpu_warns),
		T(test_plan_explicit_outside_memory_node_warns),
		T(test_plan_explicit_cpu0_warns_only_with_free_cpus),
		T(test_plan_error_vcpu_cpu_missing),
		T(test_plan_error_emulator_cpu_missing),
		T(test_plan_error_numa_node_missing),
		T(test_plan_sched_fields),
		T(test_plan_emulator_unpinned),
		T(test_plan_warnings_overflow),
		T(test_plan_deterministic),
		T(test_plan_json_fields),
		T(test_plan_print_table),
	};
#undef T

	return cmocka_run_group_tests(tests, NULL, NULL);
}
