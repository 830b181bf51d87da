// SPDX-License-Identifier: Apache-2.0
/*
 * Host topology: which CPUs exist, which physical core, package and NUMA node each one
 * belongs to, and which are isolated (isolcpus=). Loaded once with hwloc, from this
 * machine, from an hwloc synthetic description ("pack:2 numa:1 core:8 pu:2") or from an
 * hwloc XML export, then held as a plain struct that the placement planner (sched/plan)
 * reads; nothing of hwloc escapes this module. The main thread loads it before any
 * other thread starts; afterwards it is read-only and any thread may read it.
 *
 * struct topo is about 22 KiB: allocate it (or embed it in a heap object), do not put it
 * on a vCPU thread's stack.
 */
#ifndef RTVMM_SCHED_TOPO_H
#define RTVMM_SCHED_TOPO_H

#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

/* CPU OS indexes must be below this, so that a cpu_set_t can name every CPU. */
#define TOPO_MAX_CPUS CPU_SETSIZE
#define TOPO_MAX_NODES 256

/* One logical CPU (hwloc PU). */
struct topo_cpu {
	int os;	       /* OS index: the number in /sys/devices/system/cpu/cpuN and cpulists */
	int core;      /* host-unique physical core id (hwloc logical index of the core) */
	int package;   /* hwloc logical index of the package (socket); -1 when unknown */
	int node;      /* OS index of the CPU's local NUMA node */
	bool isolated; /* listed in devices/system/cpu/isolated (or the given list) */
};

/* One NUMA node, with or without CPUs (memory-only nodes, e.g. CXL, have none). */
struct topo_node {
	int os;		  /* OS index, as in /sys/devices/system/node/nodeN */
	unsigned nr_cpus; /* CPUs whose local node this is; 0 for a memory-only node */
};

/*
 * The whole machine's online CPUs, including those outside rtvmm's own cpuset cgroup: a
 * vCPU thread joins its configured cgroup before it pins itself, so the CPUs it may use
 * are not those of the process that plans.
 */
struct topo {
	unsigned nr_cpus;
	struct topo_cpu cpu[TOPO_MAX_CPUS]; /* [0, nr_cpus), ascending OS index */
	unsigned nr_nodes;
	struct topo_node node[TOPO_MAX_NODES]; /* [0, nr_nodes), ascending OS index */
	unsigned nr_cores;		       /* core ids are 0..nr_cores-1, <= TOPO_MAX_CPUS */
};

/*
 * Load this machine's topology with hwloc (which reads the real /sys and /proc).
 * Isolated CPUs are read from <sysfs_root>/devices/system/cpu/isolated ("/sys" on a real
 * host, a temp tree in tests; a missing file means none); isolated CPUs that are not
 * online are ignored.
 * Returns 0; -ENOMEM; -EIO when hwloc cannot load the topology; -EINVAL when the host
 * has no CPU, a CPU number >= TOPO_MAX_CPUS or more than TOPO_MAX_NODES nodes, or the
 * isolated file cannot be parsed; -errno when it cannot be read. @err says why.
 * Main thread, before the vCPU threads exist (hwloc reads /proc and /sys).
 */
int topo_load_host(struct topo *t, const char *sysfs_root, char *err, size_t errlen);

/*
 * Build the topology from an hwloc synthetic description (see hwloc's "Synthetic
 * topologies": "numa:1 core:2 pu:1", "pack:2 numa:1 core:8 pu:2",
 * "core:2 pu:2(indexes=0,2,1,3)"); @isolated_cpulist (NULL or "" = none) marks CPUs as
 * isolated and must name existing CPUs. Touches nothing on the host: for tests and for
 * planning for another machine. Returns 0, -ENOMEM or -EINVAL (bad description or list,
 * too many CPUs or nodes) with @err. Any thread.
 */
int topo_load_synthetic(struct topo *t, const char *hwloc_synthetic_desc,
			const char *isolated_cpulist, char *err, size_t errlen);

/*
 * The same from an hwloc XML file (lstopo --of xml, or hwloc_topology_export_xml()),
 * e.g. one saved on the machine the VM will run on. Returns 0, -ENOMEM, -EINVAL or
 * -errno of the file (-ENOENT) with @err. Any thread.
 */
int topo_load_xml(struct topo *t, const char *xml_path, const char *isolated_cpulist, char *err,
		  size_t errlen);

/* The CPU with OS index @os, or NULL when the topology has none. Any thread. */
const struct topo_cpu *topo_cpu_by_os(const struct topo *t, int os);

/* The node with OS index @node, or NULL when the topology has none. Any thread. */
const struct topo_node *topo_node_by_os(const struct topo *t, int node);

/* Every CPU of the topology into @set. Any thread. */
void topo_all_cpus(const struct topo *t, cpu_set_t *set);

/*
 * The CPUs of the core that CPU @os belongs to (itself included: its SMT siblings and
 * itself) into @set. Returns how many, or -ENOENT when CPU @os does not exist (then @set
 * is empty). Any thread.
 */
int topo_core_cpus(const struct topo *t, int os, cpu_set_t *set);

/*
 * The CPUs whose local node is @node into @set. Returns how many (0 for a memory-only
 * node), or -ENOENT when the node does not exist (then @set is empty). Any thread.
 */
int topo_node_cpus(const struct topo *t, int node, cpu_set_t *set);

/*
 * The nodes of the topology as a list in the cpulist notation ("0-3") into @buf, for
 * messages. Returns the length or -ENOSPC. Any thread.
 */
int topo_format_nodes(const struct topo *t, char *buf, size_t len);

#endif
