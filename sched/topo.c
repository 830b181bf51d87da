// SPDX-License-Identifier: Apache-2.0
/*
 * Host topology from hwloc (see topo.h). Every loader builds an hwloc topology, copies
 * what the planner needs into struct topo and destroys the hwloc object before it
 * returns, so no hwloc state outlives a call and nothing here is shared between VMs.
 */
#include "topo.h"

#include "../config/cpulist.h"

#include <errno.h>
#include <hwloc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest isolated-CPU list read from sysfs: "0,2,4,...,1022" fits with room to spare. */
#define ISOLATED_MAX 8192

/*
 * The lowest-numbered NUMA node among the memory children of an object. Memory-side
 * caches sit between an object and its nodes, so look through them.
 */
static int lowest_numa(hwloc_obj_t first)
{
	int best = -1;

	for (hwloc_obj_t m = first; m; m = m->next_sibling) {
		int os = -1;

		if (m->type == HWLOC_OBJ_NUMANODE && m->os_index != HWLOC_UNKNOWN_INDEX)
			os = (int)m->os_index;
		else if (m->type != HWLOC_OBJ_NUMANODE)
			os = lowest_numa(m->memory_first_child);
		if (os >= 0 && (best < 0 || os < best))
			best = os;
	}
	return best;
}

/*
 * The local node of a PU: the nodes attached to its nearest ancestor that has memory.
 * A PU's nodeset would also list farther nodes (a memory-only node attached to the
 * package or the machine), which is not where the kernel puts the CPU. With several
 * nodes at the nearest level (KNL flat mode: DDR and MCDRAM), the lowest id is the one
 * the kernel lists the CPU under.
 */
static int local_node(hwloc_obj_t pu)
{
	for (hwloc_obj_t o = pu; o; o = o->parent) {
		if (o->memory_arity) {
			int node = lowest_numa(o->memory_first_child);

			if (node >= 0)
				return node;
		}
	}
	return -1;
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct topo_cpu *x = a, *y = b;

	return (x->os > y->os) - (x->os < y->os);
}

static int cmp_node(const void *a, const void *b)
{
	const struct topo_node *x = a, *y = b;

	return (x->os > y->os) - (x->os < y->os);
}

static void all_cpus_str(const struct topo *t, char *buf, size_t len)
{
	cpu_set_t all;

	topo_all_cpus(t, &all);
	if (cpulist_format(&all, buf, len) < 0)
		snprintf(buf, len, "%u CPUs", t->nr_cpus);
}

static int copy_nodes(struct topo *t, hwloc_topology_t ht, char *err, size_t errlen)
{
	hwloc_obj_t o = NULL;

	while ((o = hwloc_get_next_obj_by_type(ht, HWLOC_OBJ_NUMANODE, o))) {
		if (t->nr_nodes == TOPO_MAX_NODES) {
			snprintf(err, errlen, "topology has more than %d NUMA nodes, the most "
				 "rtvmm handles", TOPO_MAX_NODES);
			return -EINVAL;
		}
		if (o->os_index == HWLOC_UNKNOWN_INDEX || o->os_index > INT_MAX) {
			snprintf(err, errlen, "topology has a NUMA node without an OS index");
			return -EINVAL;
		}
		t->node[t->nr_nodes++].os = (int)o->os_index;
	}
	qsort(t->node, t->nr_nodes, sizeof(t->node[0]), cmp_node);
	return 0;
}

static int copy_cpus(struct topo *t, hwloc_topology_t ht, char *err, size_t errlen)
{
	hwloc_obj_t o = NULL;
	unsigned nr_hw_cores = 0;

	while ((o = hwloc_get_next_obj_by_type(ht, HWLOC_OBJ_CORE, o)))
		nr_hw_cores++;
	t->nr_cores = nr_hw_cores;
	o = NULL;
	while ((o = hwloc_get_next_obj_by_type(ht, HWLOC_OBJ_PU, o))) {
		hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(ht, HWLOC_OBJ_CORE, o);
		hwloc_obj_t pkg = hwloc_get_ancestor_obj_by_type(ht, HWLOC_OBJ_PACKAGE, o);
		struct topo_cpu *c;

		if (o->os_index == HWLOC_UNKNOWN_INDEX || o->os_index >= TOPO_MAX_CPUS) {
			snprintf(err, errlen, "topology has CPU %d; rtvmm handles CPUs 0-%d",
				 (int)o->os_index, TOPO_MAX_CPUS - 1);
			return -EINVAL;
		}
		/* PU os indexes are unique, so this cannot overflow before the check above. */
		c = &t->cpu[t->nr_cpus++];
		c->os = (int)o->os_index;
		/* A PU without a core object (some virtual machines) is a core of its own. */
		c->core = core ? (int)core->logical_index : (int)t->nr_cores++;
		c->package = pkg ? (int)pkg->logical_index : -1;
		c->node = local_node(o);
		if (c->node < 0 && t->nr_nodes)
			c->node = t->node[0].os;
	}
	if (!t->nr_cpus) {
		snprintf(err, errlen, "topology has no CPU");
		return -EINVAL;
	}
	/* The planner indexes per-core state by core id and puts core ids in cpu_set_t. */
	if (t->nr_cores > TOPO_MAX_CPUS) {
		snprintf(err, errlen, "topology has %u cores; rtvmm handles %d", t->nr_cores,
			 TOPO_MAX_CPUS);
		return -EINVAL;
	}
	qsort(t->cpu, t->nr_cpus, sizeof(t->cpu[0]), cmp_cpu);
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		struct topo_node *n = (struct topo_node *)topo_node_by_os(t, t->cpu[i].node);

		if (n)
			n->nr_cpus++;
	}
	return 0;
}

/*
 * Mark the CPUs of @list isolated. @strict: a CPU that is not in the topology is an
 * error (a list given by hand); otherwise it is skipped (sysfs may list offline CPUs).
 */
static int mark_isolated(struct topo *t, const char *list, const char *source, bool strict,
			 char *err, size_t errlen)
{
	char all[256];
	cpu_set_t set;
	const char *p = list;
	int ret;

	if (!list)
		return 0;
	while (*p == ' ' || *p == '\t' || *p == '\n')
		p++;
	if (!*p)
		return 0;
	ret = cpulist_parse(p, &set);
	if (ret) {
		snprintf(err, errlen, "%s '%.64s': expected a CPU list such as 2-3 or 1,3", source,
			 p);
		return -EINVAL;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		struct topo_cpu *c;

		if (!CPU_ISSET(cpu, &set))
			continue;
		c = (struct topo_cpu *)topo_cpu_by_os(t, cpu);
		if (c) {
			c->isolated = true;
		} else if (strict) {
			all_cpus_str(t, all, sizeof(all));
			snprintf(err, errlen, "%s: CPU %d does not exist in the topology (CPUs %s)",
				 source, cpu, all);
			return -EINVAL;
		}
	}
	return 0;
}

/* Load @ht (set up by the caller), copy it into @t and destroy it in every case. */
static int load_and_copy(struct topo *t, hwloc_topology_t ht, const char *what, char *err,
			 size_t errlen)
{
	int ret;

	memset(t, 0, sizeof(*t));
	errno = 0;
	if (hwloc_topology_load(ht)) {
		ret = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: hwloc cannot load the topology: %s", what,
			 strerror(-ret));
		ret = ret == -ENOMEM ? -ENOMEM : -EIO;
		goto out;
	}
	ret = copy_nodes(t, ht, err, errlen);
	if (!ret)
		ret = copy_cpus(t, ht, err, errlen);
out:
	hwloc_topology_destroy(ht);
	return ret;
}

/*
 * A new hwloc topology that keeps CPUs outside this process's cpuset (see struct topo)
 * and skips I/O devices, which the planner does not look at.
 */
static int new_hwloc(hwloc_topology_t *ht, char *err, size_t errlen)
{
	if (hwloc_topology_init(ht)) {
		snprintf(err, errlen, "hwloc_topology_init: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (hwloc_topology_set_flags(*ht, HWLOC_TOPOLOGY_FLAG_INCLUDE_DISALLOWED) ||
	    hwloc_topology_set_io_types_filter(*ht, HWLOC_TYPE_FILTER_KEEP_NONE)) {
		snprintf(err, errlen, "hwloc: cannot configure the topology: %s", strerror(errno));
		hwloc_topology_destroy(*ht);
		return -EINVAL;
	}
	return 0;
}

/* Read the kernel's isolated CPU list; a missing file means no CPU is isolated. */
static int read_isolated(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	size_t n;
	FILE *f;
	int ret;

	buf[0] = '\0';
	f = fopen(path, "r");
	if (!f) {
		ret = -errno;
		if (ret == -ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	n = fread(buf, 1, len - 1, f);
	ret = ferror(f) ? -EIO : 0;
	fclose(f);
	/* cpulist_parse() takes blanks but not the line break the kernel ends with. */
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	buf[n] = '\0';
	if (ret)
		snprintf(err, errlen, "%s: read error", path);
	return ret;
}

int topo_load_host(struct topo *t, const char *sysfs_root, char *err, size_t errlen)
{
	char path[PATH_MAX], *isolated;
	hwloc_topology_t ht;
	int ret;

	if (snprintf(path, sizeof(path), "%s/devices/system/cpu/isolated", sysfs_root) >=
	    (int)sizeof(path)) {
		snprintf(err, errlen, "sysfs root '%.64s...': path too long", sysfs_root);
		return -ENAMETOOLONG;
	}
	isolated = malloc(ISOLATED_MAX);
	if (!isolated) {
		snprintf(err, errlen, "host topology: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	ret = read_isolated(path, isolated, ISOLATED_MAX, err, errlen);
	if (ret)
		goto out;
	ret = new_hwloc(&ht, err, errlen);
	if (ret)
		goto out;
	ret = load_and_copy(t, ht, "host topology", err, errlen);
	if (!ret)
		ret = mark_isolated(t, isolated, path, false, err, errlen);
out:
	free(isolated);
	return ret;
}

int topo_load_synthetic(struct topo *t, const char *hwloc_synthetic_desc,
			const char *isolated_cpulist, char *err, size_t errlen)
{
	hwloc_topology_t ht;
	int ret;

	ret = new_hwloc(&ht, err, errlen);
	if (ret)
		return ret;
	if (hwloc_topology_set_synthetic(ht, hwloc_synthetic_desc)) {
		snprintf(err, errlen, "synthetic topology '%.128s': hwloc refuses it (expected "
			 "e.g. 'pack:2 numa:1 core:8 pu:2')", hwloc_synthetic_desc);
		hwloc_topology_destroy(ht);
		return -EINVAL;
	}
	ret = load_and_copy(t, ht, "synthetic topology", err, errlen);
	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	return mark_isolated(t, isolated_cpulist, "isolated CPU list", true, err, errlen);
}

int topo_load_xml(struct topo *t, const char *xml_path, const char *isolated_cpulist, char *err,
		  size_t errlen)
{
	hwloc_topology_t ht;
	FILE *f;
	int ret;

	/* hwloc reports a missing file as a generic failure; say which errno it is. */
	f = fopen(xml_path, "r");
	if (!f) {
		ret = -errno;
		snprintf(err, errlen, "topology XML %s: %s", xml_path, strerror(-ret));
		return ret;
	}
	fclose(f);
	ret = new_hwloc(&ht, err, errlen);
	if (ret)
		return ret;
	if (hwloc_topology_set_xml(ht, xml_path)) {
		snprintf(err, errlen, "topology XML %s: hwloc cannot use it: %s", xml_path,
			 strerror(errno));
		hwloc_topology_destroy(ht);
		return -EINVAL;
	}
	ret = load_and_copy(t, ht, xml_path, err, errlen);
	if (ret)
		return ret == -ENOMEM ? ret : -EINVAL;
	return mark_isolated(t, isolated_cpulist, "isolated CPU list", true, err, errlen);
}

const struct topo_cpu *topo_cpu_by_os(const struct topo *t, int os)
{
	unsigned lo = 0, hi = t->nr_cpus;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (t->cpu[mid].os == os)
			return &t->cpu[mid];
		if (t->cpu[mid].os < os)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct topo_node *topo_node_by_os(const struct topo *t, int node)
{
	for (unsigned i = 0; i < t->nr_nodes; i++)
		if (t->node[i].os == node)
			return &t->node[i];
	return NULL;
}

void topo_all_cpus(const struct topo *t, cpu_set_t *set)
{
	CPU_ZERO(set);
	for (unsigned i = 0; i < t->nr_cpus; i++)
		CPU_SET(t->cpu[i].os, set);
}

int topo_core_cpus(const struct topo *t, int os, cpu_set_t *set)
{
	const struct topo_cpu *c = topo_cpu_by_os(t, os);
	int n = 0;

	CPU_ZERO(set);
	if (!c)
		return -ENOENT;
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		if (t->cpu[i].core == c->core) {
			CPU_SET(t->cpu[i].os, set);
			n++;
		}
	}
	return n;
}

int topo_node_cpus(const struct topo *t, int node, cpu_set_t *set)
{
	int n = 0;

	CPU_ZERO(set);
	if (!topo_node_by_os(t, node))
		return -ENOENT;
	for (unsigned i = 0; i < t->nr_cpus; i++) {
		if (t->cpu[i].node == node) {
			CPU_SET(t->cpu[i].os, set);
			n++;
		}
	}
	return n;
}

int topo_format_nodes(const struct topo *t, char *buf, size_t len)
{
	cpu_set_t set;

	/* Node ids are small integers: the cpulist notation reads well for them too. */
	CPU_ZERO(&set);
	for (unsigned i = 0; i < t->nr_nodes; i++)
		if (t->node[i].os < CPU_SETSIZE)
			CPU_SET(t->node[i].os, &set);
	return cpulist_format(&set, buf, len);
}
