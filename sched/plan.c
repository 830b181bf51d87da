// SPDX-License-Identifier: Apache-2.0
/*
 * The placement planner (see plan.h): validation of the configured CPUs and node against
 * the topology, automatic placement, the memory node, warnings, and the two output
 * formats. Everything works on copies and locals; the only memory it allocates is the
 * JSON tree plan_to_json() returns.
 */
#include "plan.h"

#include "../config/cpulist.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Room for a CPU list in messages; longer lists are summarized as a count. */
#define LIST_LEN 160

/* Who uses which CPU and core so far: the state automatic placement decides from. */
struct usage {
	unsigned cpu_vcpus[TOPO_MAX_CPUS];  /* by CPU: vCPUs whose cpus include it */
	unsigned core_vcpus[TOPO_MAX_CPUS]; /* by core id: vCPUs with a CPU on that core */
	bool core_emu[TOPO_MAX_CPUS];	    /* by core id: the core has an emulator CPU */
	cpu_set_t emu;			    /* [sched] emulator_cpus, empty when unset */
	int cpu0_core;			    /* core of CPU 0, -1 when CPU 0 does not exist */
};

__attribute__((format(printf, 2, 3))) static void add_warning(struct plan *p, const char *fmt,
							      ...)
{
	va_list ap;

	if (p->nr_warnings == PLAN_MAX_WARNINGS) {
		p->nr_dropped_warnings++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(p->warning[p->nr_warnings++], PLAN_WARNING_LEN, fmt, ap);
	va_end(ap);
}

/* @set in the cpulist notation, or "N CPUs" when it does not fit. */
static const char *fmt_list(const cpu_set_t *set, char *buf, size_t len)
{
	if (cpulist_format(set, buf, len) < 0)
		snprintf(buf, len, "%d CPUs", CPU_COUNT(set));
	return buf;
}

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The single core (or node) of all CPUs of @set, -1 when they span several. */
static int single_core(const struct topo *t, const cpu_set_t *set)
{
	int core = -1;

	for (unsigned i = 0; i < t->nr_cpus; i++) {
		if (!CPU_ISSET(t->cpu[i].os, set))
			continue;
		if (core >= 0 && core != t->cpu[i].core)
			return -1;
		core = t->cpu[i].core;
	}
	return core;
}

static int single_node(const struct topo *t, const cpu_set_t *set)
{
	int node = -1;

	for (unsigned i = 0; i < t->nr_cpus; i++) {
		if (!CPU_ISSET(t->cpu[i].os, set))
			continue;
		if (node >= 0 && node != t->cpu[i].node)
			return -1;
		node = t->cpu[i].node;
	}
	return node;
}

/* Every CPU of @set must exist in @t; the message names @key and its value. */
static int check_cpus(const struct topo *t, const cpu_set_t *set, const char *key, char *err,
		      size_t errlen)
{
	char value[LIST_LEN], missing_s[LIST_LEN], all_s[LIST_LEN];
	cpu_set_t all, missing;
	int n;

	topo_all_cpus(t, &all);
	CPU_ZERO(&missing);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		if (CPU_ISSET(cpu, set) && !CPU_ISSET(cpu, &all))
			CPU_SET(cpu, &missing);
	n = CPU_COUNT(&missing);
	if (!n)
		return 0;
	snprintf(err, errlen, "%s = %s: %s %s %s not exist on this host (CPUs %s)", key,
		 fmt_list(set, value, sizeof(value)), plural(n, "CPU", "CPUs"),
		 fmt_list(&missing, missing_s, sizeof(missing_s)), plural(n, "does", "do"),
		 fmt_list(&all, all_s, sizeof(all_s)));
	return -EINVAL;
}

static int validate(const struct cfg *cfg, const struct topo *t, char *err, size_t errlen)
{
	char key[64], nodes[LIST_LEN];
	int ret;

	if (!t->nr_cpus) {
		snprintf(err, errlen, "host topology has no CPU");
		return -EINVAL;
	}
	if (cfg->memory.numa_node >= 0 && !topo_node_by_os(t, cfg->memory.numa_node)) {
		if (topo_format_nodes(t, nodes, sizeof(nodes)) < 0)
			snprintf(nodes, sizeof(nodes), "%u nodes", t->nr_nodes);
		snprintf(err, errlen, "[memory] numa_node = %d: node %d does not exist on this "
			 "host (nodes %s)", cfg->memory.numa_node, cfg->memory.numa_node, nodes);
		return -EINVAL;
	}
	if (cfg->sched.emulator_cpus_set) {
		ret = check_cpus(t, &cfg->sched.emulator_cpus, "[sched] emulator_cpus", err,
				 errlen);
		if (ret)
			return ret;
	}
	for (unsigned i = 0; i < cfg->vm.vcpus; i++) {
		if (cfg->vcpu[i].cpus_auto)
			continue;
		snprintf(key, sizeof(key), "[vcpu.%u] cpus", i);
		ret = check_cpus(t, &cfg->vcpu[i].cpus, key, err, errlen);
		if (ret)
			return ret;
	}
	return 0;
}

/* Record that a vCPU runs on @set: each CPU and each core it touches counts it once. */
static void use_cpus(const struct topo *t, struct usage *u, const cpu_set_t *set)
{
	cpu_set_t cores;

	CPU_ZERO(&cores);
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		const struct topo_cpu *c = &t->cpu[i];

		if (!CPU_ISSET(c->os, set))
			continue;
		u->cpu_vcpus[c->os]++;
		if (!CPU_ISSET(c->core, &cores)) {
			CPU_SET(c->core, &cores);
			u->core_vcpus[c->core]++;
		}
	}
}

static void usage_init(const struct cfg *cfg, const struct topo *t, struct usage *u)
{
	memset(u, 0, sizeof(*u));
	if (cfg->sched.emulator_cpus_set)
		u->emu = cfg->sched.emulator_cpus;
	u->cpu0_core = -1;
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		const struct topo_cpu *c = &t->cpu[i];

		if (CPU_ISSET(c->os, &u->emu))
			u->core_emu[c->core] = true;
		if (c->os == 0)
			u->cpu0_core = c->core;
	}
}

/* Cores of @node (-1: any node) with no vCPU and no emulator CPU on any of their CPUs. */
static unsigned free_cores(const struct topo *t, const struct usage *u, int node)
{
	cpu_set_t seen;
	unsigned n = 0;

	CPU_ZERO(&seen);
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		const struct topo_cpu *c = &t->cpu[i];

		if ((node >= 0 && c->node != node) || CPU_ISSET(c->core, &seen))
			continue;
		CPU_SET(c->core, &seen);
		if (!u->core_vcpus[c->core] && !u->core_emu[c->core])
			n++;
	}
	return n;
}

/*
 * The node the auto vCPUs go to (see plan_build() in plan.h). Staying with the explicitly
 * pinned vCPUs keeps the VM on one node, so its memory is local to all of them.
 */
static int auto_node(const struct cfg *cfg, const struct topo *t, const struct plan *p,
		     const struct usage *u, unsigned nr_auto)
{
	int best = -1;
	unsigned best_n = 0;

	if (cfg->memory.numa_node >= 0)
		return cfg->memory.numa_node;
	for (unsigned ni = 0; ni < t->nr_nodes; ni++) {
		unsigned n = 0;

		for (unsigned i = 0; i < p->nr_vcpus; i++)
			if (!p->vcpu[i].cpus_auto && p->vcpu[i].node == t->node[ni].os)
				n++;
		if (n > best_n) {
			best = t->node[ni].os;
			best_n = n;
		}
	}
	if (best >= 0 && free_cores(t, u, best) >= nr_auto)
		return best;
	best = -1;
	best_n = 0;
	for (unsigned ni = 0; ni < t->nr_nodes; ni++) {
		unsigned n;

		if (!t->node[ni].nr_cpus)
			continue;
		n = free_cores(t, u, t->node[ni].os);
		if (best < 0 || n > best_n) {
			best = t->node[ni].os;
			best_n = n;
		}
	}
	return best;
}

/* What made an automatically chosen CPU less than a whole free core: for the warnings. */
enum fallback {
	FB_NONE,
	FB_EMU_SIBLING, /* a free CPU whose core has an emulator CPU */
	FB_SIBLING,	/* a free CPU whose core already runs another vCPU */
	FB_EMULATOR,	/* an emulator CPU */
	FB_SHARED,	/* a CPU that already runs another vCPU */
	FB_COUNT,
};

#define NR_KEYS 7

/* Preference keys of CPU @c, lower is better, compared in order (see plan.h). */
static void cpu_keys(const struct usage *u, const struct topo_cpu *c, unsigned k[NR_KEYS])
{
	k[0] = u->cpu_vcpus[c->os];
	k[1] = !!CPU_ISSET(c->os, &u->emu);
	k[2] = u->core_vcpus[c->core];
	k[3] = u->core_emu[c->core];
	k[4] = !c->isolated;
	k[5] = c->os == 0;
	k[6] = c->core == u->cpu0_core;
}

/* <0 when keys @a are better than @b, 0 when equal, >0 when worse. */
static int cmp_keys(const unsigned a[NR_KEYS], const unsigned b[NR_KEYS])
{
	for (int j = 0; j < NR_KEYS; j++)
		if (a[j] != b[j])
			return a[j] < b[j] ? -1 : 1;
	return 0;
}

/* The best CPU on @node (-1: any) for the next auto vCPU; its fallback in @fb. */
static const struct topo_cpu *pick_cpu(const struct topo *t, const struct usage *u, int node,
				       enum fallback *fb)
{
	const struct topo_cpu *best = NULL;
	unsigned best_k[NR_KEYS] = { 0 }, k[NR_KEYS];

	/* t->cpu is in ascending OS order and only a strictly better CPU replaces the best,
	 * so among equals the lowest number wins. */
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		const struct topo_cpu *c = &t->cpu[i];

		if (node >= 0 && c->node != node)
			continue;
		cpu_keys(u, c, k);
		if (best && cmp_keys(k, best_k) >= 0)
			continue;
		best = c;
		memcpy(best_k, k, sizeof(k));
	}
	if (!best)
		return NULL;
	*fb = best_k[0] ? FB_SHARED :
	      best_k[1] ? FB_EMULATOR :
	      best_k[2] ? FB_SIBLING :
	      best_k[3] ? FB_EMU_SIBLING :
			  FB_NONE;
	return best;
}

static void warn_fallbacks(struct plan *p, const cpu_set_t fb_vcpus[FB_COUNT], const char *where)
{
	char list[LIST_LEN];

	if (CPU_COUNT(&fb_vcpus[FB_EMU_SIBLING]))
		add_warning(p, "cpus = auto: vCPUs %s run on SMT siblings of emulator CPUs: "
			    "no whole free core left %s",
			    fmt_list(&fb_vcpus[FB_EMU_SIBLING], list, sizeof(list)), where);
	if (CPU_COUNT(&fb_vcpus[FB_SIBLING]))
		add_warning(p, "cpus = auto: vCPUs %s share physical cores with other vCPUs "
			    "(SMT siblings): not enough free cores %s",
			    fmt_list(&fb_vcpus[FB_SIBLING], list, sizeof(list)), where);
	if (CPU_COUNT(&fb_vcpus[FB_EMULATOR]))
		add_warning(p, "cpus = auto: vCPUs %s run on emulator CPUs: no CPU without a "
			    "vCPU left %s", fmt_list(&fb_vcpus[FB_EMULATOR], list, sizeof(list)),
			    where);
	if (CPU_COUNT(&fb_vcpus[FB_SHARED]))
		add_warning(p, "cpus = auto: vCPUs %s share CPUs with other vCPUs (overcommit, "
			    "they will preempt each other): more vCPUs than CPUs %s",
			    fmt_list(&fb_vcpus[FB_SHARED], list, sizeof(list)), where);
}

static void place_auto(const struct cfg *cfg, const struct topo *t, struct plan *p,
		       struct usage *u)
{
	cpu_set_t fb_vcpus[FB_COUNT];
	unsigned nr_auto = 0;
	char where[64];
	int node;

	for (unsigned i = 0; i < p->nr_vcpus; i++)
		nr_auto += p->vcpu[i].cpus_auto;
	if (!nr_auto)
		return;
	node = auto_node(cfg, t, p, u, nr_auto);
	if (node >= 0 && !topo_node_by_os(t, node)->nr_cpus) {
		add_warning(p, "[memory] numa_node = %d: node %d has no CPUs, so cpus = auto "
			    "vCPUs are placed on any node", node, node);
		node = -1;
	}
	if (node >= 0)
		snprintf(where, sizeof(where), "on node %d", node);
	else
		snprintf(where, sizeof(where), "on this host");
	for (int f = 0; f < FB_COUNT; f++)
		CPU_ZERO(&fb_vcpus[f]);
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		struct plan_vcpu *v = &p->vcpu[i];
		enum fallback fb = FB_NONE;
		const struct topo_cpu *c;

		if (!v->cpus_auto)
			continue;
		/* Never NULL: the node has CPUs, or any node is allowed and t has CPUs. */
		c = pick_cpu(t, u, node, &fb);
		CPU_ZERO(&v->cpus);
		CPU_SET(c->os, &v->cpus);
		v->core = c->core;
		v->node = c->node;
		use_cpus(t, u, &v->cpus);
		CPU_SET(i, &fb_vcpus[fb]);
	}
	warn_fallbacks(p, fb_vcpus, where);
}

/* The cores (as core ids) that the CPUs of @set belong to. */
static void core_set(const struct topo *t, const cpu_set_t *set, cpu_set_t *cores)
{
	CPU_ZERO(cores);
	for (unsigned m = 0; m < t->nr_cpus; m++)
		if (CPU_ISSET(t->cpu[m].os, set))
			CPU_SET(t->cpu[m].core, cores);
}

/*
 * Whether vCPUs @i and @j (CPU sets @a and @b, no CPU in common) have CPUs on one core;
 * then a CPU of each in @x and @y. @cores_a is core_set() of @a, computed once per @i.
 */
static bool smt_siblings(const struct topo *t, const cpu_set_t *a, const cpu_set_t *cores_a,
			 const cpu_set_t *b, const struct topo_cpu **x, const struct topo_cpu **y)
{
	cpu_set_t cores_b, both;

	/* Compare core sets first; look for the CPUs for the message only on a hit. */
	core_set(t, b, &cores_b);
	CPU_AND(&both, cores_a, &cores_b);
	if (!CPU_COUNT(&both))
		return false;
	for (unsigned m = 0; m < t->nr_cpus; m++) {
		if (!CPU_ISSET(t->cpu[m].os, a) || !CPU_ISSET(t->cpu[m].core, &both))
			continue;
		for (unsigned n = 0; n < t->nr_cpus; n++) {
			if (t->cpu[n].core == t->cpu[m].core && CPU_ISSET(t->cpu[n].os, b)) {
				*x = &t->cpu[m];
				*y = &t->cpu[n];
				return true;
			}
		}
	}
	return false;
}

/* Warnings about explicitly pinned vCPUs (automatic placement reports its own). */
static void warn_explicit(const struct cfg *cfg, const struct topo *t, struct plan *p,
			  const struct usage *u)
{
	char a[LIST_LEN], b[LIST_LEN], c[LIST_LEN];
	cpu_set_t both, free_cpus, cores_i;

	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		const struct plan_vcpu *vi = &p->vcpu[i];

		if (vi->cpus_auto)
			continue;
		core_set(t, &vi->cpus, &cores_i);
		for (unsigned j = i + 1; j < p->nr_vcpus; j++) {
			const struct plan_vcpu *vj = &p->vcpu[j];
			const struct topo_cpu *x = NULL, *y = NULL;
			bool shared;

			if (vj->cpus_auto)
				continue;
			CPU_AND(&both, &vi->cpus, &vj->cpus);
			shared = CPU_COUNT(&both) > 0;
			if (!shared && !smt_siblings(t, &vi->cpus, &cores_i, &vj->cpus, &x, &y))
				continue;
			fmt_list(&vi->cpus, a, sizeof(a));
			fmt_list(&vj->cpus, b, sizeof(b));
			if (shared)
				add_warning(p, "[vcpu.%u] cpus = %s and [vcpu.%u] cpus = %s share "
					    "CPU %s: the two vCPUs take turns on it", i, a, j, b,
					    fmt_list(&both, c, sizeof(c)));
			else
				add_warning(p, "[vcpu.%u] cpus = %s and [vcpu.%u] cpus = %s are "
					    "SMT siblings (CPUs %d and %d, core %d): they compete "
					    "for one physical core", i, a, j, b, x->os, y->os,
					    x->core);
		}
	}

	/* CPUs carrying nothing: the alternative the CPU 0 warning can point to. */
	CPU_ZERO(&free_cpus);
	for (unsigned m = 0; m < t->nr_cpus; m++)
		if (!u->cpu_vcpus[t->cpu[m].os] && !CPU_ISSET(t->cpu[m].os, &u->emu))
			CPU_SET(t->cpu[m].os, &free_cpus);

	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		const struct plan_vcpu *v = &p->vcpu[i];
		const struct topo_cpu *cpu0 = topo_cpu_by_os(t, 0);

		if (v->cpus_auto)
			continue;
		CPU_AND(&both, &v->cpus, &u->emu);
		if (cfg->sched.emulator_cpus_set && CPU_COUNT(&both))
			add_warning(p, "[vcpu.%u] cpus = %s includes emulator CPU %s ([sched] "
				    "emulator_cpus = %s): the vCPU competes with the main and "
				    "helper threads", i, fmt_list(&v->cpus, a, sizeof(a)),
				    fmt_list(&both, b, sizeof(b)), fmt_list(&u->emu, c, sizeof(c)));
		/*
		 * CPU 0 runs housekeeping that cannot always be moved (timers, some IRQs,
		 * RCU callbacks). Only worth saying when the host has a CPU left that
		 * carries nothing: on a small host there is no better choice.
		 */
		if (CPU_ISSET(0, &v->cpus) && cpu0 && !cpu0->isolated && CPU_COUNT(&free_cpus))
			add_warning(p, "[vcpu.%u] cpus = %s includes CPU 0, which carries the "
				    "kernel's housekeeping work; CPUs %s run no vCPU", i,
				    fmt_list(&v->cpus, a, sizeof(a)),
				    fmt_list(&free_cpus, b, sizeof(b)));
	}
}

/* The vCPUs with a CPU outside @node, as a list of vCPU numbers in @out. */
static int vcpus_off_node(const struct topo *t, const struct plan *p, int node, cpu_set_t *out)
{
	CPU_ZERO(out);
	for (unsigned i = 0; i < p->nr_vcpus; i++)
		for (unsigned m = 0; m < t->nr_cpus; m++)
			if (CPU_ISSET(t->cpu[m].os, &p->vcpu[i].cpus) && t->cpu[m].node != node)
				CPU_SET(i, out);
	return CPU_COUNT(out);
}

static void plan_memory(const struct cfg *cfg, const struct topo *t, struct plan *p)
{
	struct plan_memory *m = &p->memory;
	unsigned count[TOPO_MAX_NODES] = { 0 }, spanned = 0, best_n = 0;
	char vlist[LIST_LEN], nlist[LIST_LEN];
	cpu_set_t off, nodes;

	m->bytes = cfg->vm.memory_bytes;
	m->hugepages = cfg->memory.hugepages;
	m->lock = cfg->memory.lock;
	m->prefault = cfg->memory.prefault;
	if (cfg->memory.numa_node == CFG_NUMA_NONE) {
		m->node = -1;
		m->source = PLAN_NUMA_NONE;
		return;
	}
	if (cfg->memory.numa_node >= 0) {
		m->node = cfg->memory.numa_node;
		m->source = PLAN_NUMA_CONFIG;
		if (vcpus_off_node(t, p, m->node, &off))
			add_warning(p, "[memory] numa_node = %d: vCPUs %s run on CPUs of other "
				    "nodes and reach guest memory remotely", m->node,
				    fmt_list(&off, vlist, sizeof(vlist)));
		return;
	}
	/* auto: a vCPU counts for every node it has a CPU on. */
	m->source = PLAN_NUMA_AUTO;
	m->node = -1;
	for (unsigned ni = 0; ni < t->nr_nodes; ni++) {
		cpu_set_t on_node;

		topo_node_cpus(t, t->node[ni].os, &on_node);
		for (unsigned i = 0; i < p->nr_vcpus; i++) {
			cpu_set_t both;

			CPU_AND(&both, &on_node, &p->vcpu[i].cpus);
			count[ni] += CPU_COUNT(&both) > 0;
		}
		if (count[ni])
			spanned++;
		/* Nodes are in ascending order: the lowest id wins ties. */
		if (count[ni] > best_n) {
			best_n = count[ni];
			m->node = t->node[ni].os;
		}
	}
	if (spanned > 1) {
		CPU_ZERO(&nodes);
		for (unsigned ni = 0; ni < t->nr_nodes; ni++)
			if (count[ni] && t->node[ni].os < CPU_SETSIZE)
				CPU_SET(t->node[ni].os, &nodes);
		vcpus_off_node(t, p, m->node, &off);
		add_warning(p, "[memory] numa_node = auto: the vCPUs span nodes %s; guest memory "
			    "goes to node %d (most vCPUs) and vCPUs %s reach it remotely",
			    fmt_list(&nodes, nlist, sizeof(nlist)), m->node,
			    fmt_list(&off, vlist, sizeof(vlist)));
	}
}

static void plan_emulator(const struct cfg *cfg, const struct topo *t, struct plan *p)
{
	struct plan_emulator *e = &p->emulator;
	cpu_set_t may_run, rt_taken;
	char list[LIST_LEN];
	bool any_isolated = false;

	if (cfg->sched.emulator_cpus_set) {
		e->pin = true;
		e->cpus = cfg->sched.emulator_cpus;
		e->node = single_node(t, &e->cpus);
		return;
	}
	e->pin = false;
	CPU_ZERO(&e->cpus);
	e->node = -1;

	/*
	 * Unpinned threads run where the default affinity lets them: the CPUs that are not
	 * isolated (all, when every CPU is). If an RT vCPU sits alone on each of those, the
	 * main thread only runs in the time RT throttling leaves.
	 */
	CPU_ZERO(&may_run);
	for (unsigned m = 0; m < t->nr_cpus; m++) {
		if (!t->cpu[m].isolated)
			CPU_SET(t->cpu[m].os, &may_run);
		any_isolated |= t->cpu[m].isolated;
	}
	if (!CPU_COUNT(&may_run))
		topo_all_cpus(t, &may_run);
	CPU_ZERO(&rt_taken);
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		const struct plan_vcpu *v = &p->vcpu[i];

		if (v->policy != SCHED_OTHER && CPU_COUNT(&v->cpus) == 1)
			CPU_OR(&rt_taken, &rt_taken, &v->cpus);
	}
	CPU_AND(&rt_taken, &rt_taken, &may_run);
	if (CPU_EQUAL(&rt_taken, &may_run))
		add_warning(p, "[sched] emulator_cpus is unset and every %sCPU the emulator "
			    "threads may run on (%s) has an RT vCPU: they only get the time RT "
			    "throttling leaves; set emulator_cpus to a CPU without a vCPU",
			    any_isolated ? "non-isolated " : "",
			    fmt_list(&may_run, list, sizeof(list)));
}

static int sched_policy(enum cfg_policy policy)
{
	switch (policy) {
	case CFG_POLICY_RR:
		return SCHED_RR;
	case CFG_POLICY_FIFO:
		return SCHED_FIFO;
	default:
		return SCHED_OTHER;
	}
}

static void plan_vcpu_sched(const struct cfg *cfg, struct plan *p)
{
	int vm_group = -1;

	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		const struct cfg_thread_sched *s = &cfg->vcpu[i].sched;
		struct plan_vcpu *v = &p->vcpu[i];

		snprintf(v->cgroup, sizeof(v->cgroup), "%s", s->cgroup);
		v->policy = sched_policy(s->policy);
		v->rt_priority = v->policy == SCHED_OTHER ? 0 : s->rt_priority;
		v->delay_rt = v->policy != SCHED_OTHER && s->delay_rt;
		v->boost_uclamp = s->boost_uclamp;
		v->core_sched = s->core_scheduling;
		switch (s->core_scheduling) {
		case CFG_CORE_SCHED_VCPU:
			v->core_sched_group = (int)i;
			break;
		case CFG_CORE_SCHED_VM:
			if (vm_group < 0)
				vm_group = (int)i;
			v->core_sched_group = vm_group;
			break;
		default:
			v->core_sched_group = -1;
			break;
		}
	}
}

int plan_build(struct plan *p, const struct cfg *cfg, const struct topo *t, char *err,
	       size_t errlen)
{
	struct usage u;
	int ret;

	memset(p, 0, sizeof(*p));
	ret = validate(cfg, t, err, errlen);
	if (ret)
		return ret;
	snprintf(p->name, sizeof(p->name), "%s", cfg->vm.name);
	p->nr_vcpus = cfg->vm.vcpus;
	plan_vcpu_sched(cfg, p);

	usage_init(cfg, t, &u);
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		struct plan_vcpu *v = &p->vcpu[i];

		v->cpus_auto = cfg->vcpu[i].cpus_auto;
		if (v->cpus_auto)
			continue;
		v->cpus = cfg->vcpu[i].cpus;
		v->core = single_core(t, &v->cpus);
		v->node = single_node(t, &v->cpus);
		use_cpus(t, &u, &v->cpus);
	}
	/* Explicit pins first, so the auto vCPUs see every CPU that is already taken. */
	warn_explicit(cfg, t, p, &u);
	place_auto(cfg, t, p, &u);
	plan_memory(cfg, t, p);
	plan_emulator(cfg, t, p);
	return 0;
}

const char *plan_policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER:
		return "other";
	case SCHED_RR:
		return "rr";
	case SCHED_FIFO:
		return "fifo";
	default:
		return "?";
	}
}

static const char *numa_source_name(enum plan_numa_source s)
{
	switch (s) {
	case PLAN_NUMA_NONE:
		return "none";
	case PLAN_NUMA_CONFIG:
		return "config";
	case PLAN_NUMA_AUTO:
		return "auto";
	}
	return "?";
}

/* Room for any CPU list: 1024 CPUs written one by one ("0,2,4,...") take under 5 KiB. */
#define FULL_LIST_LEN 8192

static void fmt_int(char *buf, size_t len, int v)
{
	if (v < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%d", v);
}

static void fmt_size(char *buf, size_t len, uint64_t bytes)
{
	static const char unit[] = "KMGT";
	int u = -1;

	while (u < 3 && bytes >= 1024 && bytes % 1024 == 0) {
		bytes /= 1024;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
	else
		snprintf(buf, len, "%llu%c", (unsigned long long)bytes, unit[u]);
}

static void vcpu_cpus_str(const struct plan_vcpu *v, char *buf, size_t len)
{
	fmt_list(&v->cpus, buf, len);
	if (v->cpus_auto)
		strncat(buf, " (auto)", len - strlen(buf) - 1);
}

static void emulator_cpus_str(const struct plan_emulator *e, char *buf, size_t len)
{
	if (e->pin)
		fmt_list(&e->cpus, buf, len);
	else
		snprintf(buf, len, "unpinned");
}

void plan_print(const struct plan *p, FILE *f)
{
	static const char *const hdr[] = { "thread", "host CPUs", "core", "node", "cgroup",
					   "policy", "prio", "uclamp", "core-sched" };
	char *cpus = malloc(FULL_LIST_LEN);
	char thread[16], core[16], node[16], prio[16], policy[32], size[32];
	int w_cpus = (int)strlen(hdr[1]), w_cg = (int)strlen(hdr[4]);

	if (!cpus) {
		fprintf(f, "(out of memory)\n");
		return;
	}
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		vcpu_cpus_str(&p->vcpu[i], cpus, FULL_LIST_LEN);
		if ((int)strlen(cpus) > w_cpus)
			w_cpus = (int)strlen(cpus);
		if ((int)strlen(p->vcpu[i].cgroup) > w_cg)
			w_cg = (int)strlen(p->vcpu[i].cgroup);
	}
	emulator_cpus_str(&p->emulator, cpus, FULL_LIST_LEN);
	if ((int)strlen(cpus) > w_cpus)
		w_cpus = (int)strlen(cpus);

	fprintf(f, "%-9s  %-*s  %-4s  %-4s  %-*s  %-12s  %-4s  %-6s  %s\n", hdr[0], w_cpus,
		hdr[1], hdr[2], hdr[3], w_cg, hdr[4], hdr[5], hdr[6], hdr[7], hdr[8]);
	for (unsigned i = 0; i < p->nr_vcpus; i++) {
		const struct plan_vcpu *v = &p->vcpu[i];

		snprintf(thread, sizeof(thread), "vcpu%u", i);
		vcpu_cpus_str(v, cpus, FULL_LIST_LEN);
		fmt_int(core, sizeof(core), v->core);
		fmt_int(node, sizeof(node), v->node);
		fmt_int(prio, sizeof(prio), v->policy == SCHED_OTHER ? -1 : v->rt_priority);
		snprintf(policy, sizeof(policy), "%s%s", plan_policy_name(v->policy),
			 v->delay_rt ? " (make-rt)" : "");
		fprintf(f, "%-9s  %-*s  %-4s  %-4s  %-*s  %-12s  %-4s  %-6s  %s\n", thread, w_cpus,
			cpus, core, node, w_cg, v->cgroup[0] ? v->cgroup : "-", policy, prio,
			v->boost_uclamp ? "max" : "-", cfg_core_sched_name(v->core_sched));
	}
	emulator_cpus_str(&p->emulator, cpus, FULL_LIST_LEN);
	fmt_int(node, sizeof(node), p->emulator.node);
	/* The emulator threads stay in rtvmm's cgroup with the default policy. */
	fprintf(f, "%-9s  %-*s  %-4s  %-4s  %-*s  %-12s  %-4s  %-6s  %s\n", "emulator", w_cpus,
		cpus, "-", node, w_cg, "-", "other", "-", "-", "-");

	fmt_size(size, sizeof(size), p->memory.bytes);
	switch (p->memory.source) {
	case PLAN_NUMA_NONE:
		fprintf(f, "memory: %s, no NUMA policy (numa_node = none)", size);
		break;
	case PLAN_NUMA_CONFIG:
		fprintf(f, "memory: %s on node %d (numa_node = %d)", size, p->memory.node,
			p->memory.node);
		break;
	case PLAN_NUMA_AUTO:
		fprintf(f, "memory: %s on node %d (numa_node = auto: the node of the vCPUs' CPUs)",
			size, p->memory.node);
		break;
	}
	fprintf(f, ", hugepages %s, lock %s, prefault %s\n",
		cfg_hugepages_name(p->memory.hugepages), p->memory.lock ? "on" : "off",
		p->memory.prefault ? "on" : "off");
	if (!p->emulator.pin)
		fprintf(f, "emulator: not pinned ([sched] emulator_cpus unset): keeps rtvmm's own "
			   "affinity\n");
	for (unsigned i = 0; i < p->nr_warnings; i++)
		fprintf(f, "warning: %s\n", p->warning[i]);
	if (p->nr_dropped_warnings)
		fprintf(f, "warning: %u more warnings not shown\n", p->nr_dropped_warnings);
	free(cpus);
}

/* An int, or null for the -1 that means "none" / "several". */
static json_t *json_int_or_null(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *json_cpus(const cpu_set_t *set, bool empty, char *buf)
{
	if (empty)
		return json_string("");
	if (cpulist_format(set, buf, FULL_LIST_LEN) < 0)
		return NULL;
	return json_string(buf);
}

json_t *plan_to_json(const struct plan *p)
{
	json_t *root = json_object(), *vcpus = json_array(), *warnings = json_array();
	json_t *emu = json_object(), *mem = json_object();
	char *buf = malloc(FULL_LIST_LEN);
	int bad = !root || !vcpus || !warnings || !emu || !mem || !buf;

	for (unsigned i = 0; !bad && i < p->nr_vcpus; i++) {
		const struct plan_vcpu *v = &p->vcpu[i];
		json_t *o = json_object();

		bad |= !o || json_array_append_new(vcpus, o);
		if (bad)
			break;
		bad |= json_object_set_new(o, "vcpu", json_integer(i));
		bad |= json_object_set_new(o, "cpus", json_cpus(&v->cpus, false, buf));
		bad |= json_object_set_new(o, "cpus_auto", json_boolean(v->cpus_auto));
		bad |= json_object_set_new(o, "core", json_int_or_null(v->core));
		bad |= json_object_set_new(o, "node", json_int_or_null(v->node));
		bad |= json_object_set_new(o, "cgroup", json_string(v->cgroup));
		bad |= json_object_set_new(o, "policy", json_string(plan_policy_name(v->policy)));
		bad |= json_object_set_new(o, "rt_priority", json_integer(v->rt_priority));
		bad |= json_object_set_new(o, "delay_rt", json_boolean(v->delay_rt));
		bad |= json_object_set_new(o, "boost_uclamp", json_boolean(v->boost_uclamp));
		bad |= json_object_set_new(o, "core_scheduling",
					   json_string(cfg_core_sched_name(v->core_sched)));
		bad |= json_object_set_new(o, "core_sched_group",
					   json_int_or_null(v->core_sched_group));
	}
	if (!bad) {
		bad |= json_object_set_new(emu, "pinned", json_boolean(p->emulator.pin));
		bad |= json_object_set_new(emu, "cpus", json_cpus(&p->emulator.cpus,
								  !p->emulator.pin, buf));
		bad |= json_object_set_new(emu, "node", json_int_or_null(p->emulator.node));
		bad |= json_object_set_new(mem, "node", json_int_or_null(p->memory.node));
		bad |= json_object_set_new(mem, "source",
					   json_string(numa_source_name(p->memory.source)));
		bad |= json_object_set_new(mem, "bytes", json_integer((json_int_t)p->memory.bytes));
		bad |= json_object_set_new(mem, "hugepages",
					   json_string(cfg_hugepages_name(p->memory.hugepages)));
		bad |= json_object_set_new(mem, "lock", json_boolean(p->memory.lock));
		bad |= json_object_set_new(mem, "prefault", json_boolean(p->memory.prefault));
	}
	for (unsigned i = 0; !bad && i < p->nr_warnings; i++)
		bad |= json_array_append_new(warnings, json_string(p->warning[i]));
	free(buf);
	if (!bad) {
		bad |= json_object_set_new(root, "name", json_string(p->name));
		bad |= json_object_set_new(root, "vcpus", vcpus);
		vcpus = NULL;
		bad |= json_object_set_new(root, "emulator", emu);
		emu = NULL;
		bad |= json_object_set_new(root, "memory", mem);
		mem = NULL;
		bad |= json_object_set_new(root, "warnings", warnings);
		warnings = NULL;
		bad |= json_object_set_new(root, "warnings_dropped",
					   json_integer(p->nr_dropped_warnings));
	}
	json_decref(vcpus);
	json_decref(emu);
	json_decref(mem);
	json_decref(warnings);
	if (bad) {
		json_decref(root);
		return NULL;
	}
	return root;
}
