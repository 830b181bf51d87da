// SPDX-License-Identifier: Apache-2.0
/*
 * Guest RAM placement: one anonymous mapping with the page size the configuration asks
 * for (4K, transparent hugepages, hugetlb 2M or 1G), bound to one NUMA node before any
 * page exists, then prefaulted and locked; and afterwards the proof of where the pages
 * really landed (move_pages) and whether they are huge (/proc/self/smaps). The main
 * thread calls all of it while it builds the VM, before vCPU threads start, and again
 * for `rtvmm check`/reports; nothing here keeps state between calls, so two VMs can use
 * it side by side. Decisions (page sizes, sysfs paths, "are there enough free
 * hugepages", node validity, report text) are pure functions over strings and numbers;
 * the syscalls and file reads are a thin layer on top. The sysfs root is a parameter.
 */
#ifndef RTVMM_SCHED_NUMA_H
#define RTVMM_SCHED_NUMA_H

#include "../config/config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* numa_mem_req.node when the range gets no memory policy (the kernel's default). */
#define NUMA_NODE_NONE (-1)

/* numa_mem_where() queries at most this many pages, evenly spaced over the range. */
#define NUMA_WHERE_MAX_SAMPLES 4096

/* Nodes numa_mem_report counts one by one; pages on higher nodes go to other_node. */
#define NUMA_REPORT_NODES (CFG_MAX_NUMA_NODE + 1)

/* How the guest RAM is mapped: [memory] of the configuration, with the node resolved. */
struct numa_mem_req {
	int node; /* 0..CFG_MAX_NUMA_NODE: strict MPOL_BIND; negative: no policy */
	enum cfg_hugepages hugepages;
	const char *sysfs_root; /* "/sys", or a test tree; NULL means "/sys" */
};

/* What /proc/self/smaps says about the VMAs that overlap a range (sizes in KiB). */
struct numa_smaps {
	bool found;		   /* false: no VMA overlaps the range, the fields are 0 */
	uint64_t kernel_page_kb;   /* KernelPageSize of the first VMA: 4, 2048, 1048576 */
	uint64_t rss_kb;	   /* Rss: 4K/THP pages present (hugetlb pages are not in it) */
	uint64_t anon_huge_kb;	   /* AnonHugePages: the part of rss_kb in THPs */
	uint64_t hugetlb_kb;	   /* Private_Hugetlb + Shared_Hugetlb */
	uint64_t locked_kb;	   /* Locked: mlocked 4K/THP pages */
	unsigned vmas;		   /* VMAs summed; > 1 when the kernel split or merged ours */
};

/* Where the pages of a range are, from a sample of them. */
struct numa_mem_report {
	size_t page_bytes;     /* the page size the range was sampled with */
	size_t total_pages;    /* pages in the range */
	size_t sampled_pages;  /* pages queried: min(total_pages, NUMA_WHERE_MAX_SAMPLES) */
	size_t stride_pages;   /* average distance between queried pages; 1 = every page */
	uint32_t on_node[NUMA_REPORT_NODES]; /* sampled pages per node */
	uint32_t other_node;   /* sampled pages on a node >= NUMA_REPORT_NODES */
	uint32_t not_present;  /* sampled pages not faulted in (-ENOENT) */
	uint32_t failed;       /* sampled pages the kernel could not tell (other -errno) */
	int first_error;       /* -errno of the first failed page; 0 = none */
	struct numa_smaps smaps; /* filled by numa_mem_pagesize(); found = false if not */
};

/* --- pure helpers -------------------------------------------------------------------- */

/*
 * Size in bytes of a hugetlb page for @hugepages: 2 MiB for CFG_HUGEPAGES_2M, 1 GiB for
 * CFG_HUGEPAGES_1G, 0 for OFF and THP (no hugetlb pages).
 */
size_t numa_hugetlb_bytes(enum cfg_hugepages hugepages);

/*
 * The granule of a mapping for @hugepages: the hugetlb page size, else the base page size
 * (THP can fall back to base pages anywhere). The guest RAM size must be a multiple of it,
 * and it is the page_bytes to give numa_mem_where().
 */
size_t numa_page_bytes(enum cfg_hugepages hugepages);

/*
 * Checks that @bytes is a non-zero multiple of numa_page_bytes(@hugepages). Returns 0, or
 * -EINVAL with @err giving the size, the page size and the two nearest valid sizes.
 */
int numa_size_check(size_t bytes, enum cfg_hugepages hugepages, char *err, size_t errlen);

/*
 * Writes to @buf the sysfs path of @file ("free_hugepages", "nr_hugepages", ...) for the
 * hugetlb pool of @hugepages (2M or 1G): the pool of @node
 * (<root>/devices/system/node/nodeN/hugepages/hugepages-2048kB/FILE) when @node >= 0,
 * else the global pool (<root>/kernel/mm/hugepages/hugepages-2048kB/FILE). @sysfs_root
 * NULL means "/sys". Returns the length, -EINVAL for OFF/THP, -ENAMETOOLONG when @buf
 * is too small.
 */
int numa_hugetlb_path(char *buf, size_t len, const char *sysfs_root, int node,
		      enum cfg_hugepages hugepages, const char *file);

/*
 * The "enough hugepages" decision for mapping @bytes with @req->hugepages on @req->node
 * (or anywhere): @free_pages are the pages that can still be handed out from that pool,
 * @nr_pages its current size (negative when unknown). Returns 0 when free_pages covers
 * the need, else -ENOMEM with @err giving needed vs free pages, the pool's free_hugepages
 * path, and how to grow it: `echo N > .../nr_hugepages` with N the new pool size, and for
 * 1G pages the kernel options (hugepagesz=1G hugepages=N, or hugepages=NODE:N).
 */
int numa_hugetlb_check(size_t bytes, const struct numa_mem_req *req, long free_pages,
		       long nr_pages, char *err, size_t errlen);

/*
 * The THP decision from the text of <sysfs>/kernel/mm/transparent_hugepage/enabled
 * (@enabled NULL: the file does not exist). Returns 0 when the active mode ([always] or
 * [madvise]) honours MADV_HUGEPAGE, else -EOPNOTSUPP with @err naming @path and the mode.
 */
int numa_thp_check(const char *enabled, const char *path, char *err, size_t errlen);

/*
 * Is @node usable for a strict binding? @online and @has_memory are the node lists
 * ("0-1,3") of <sysfs>/devices/system/node/{online,has_memory}, NULL when absent;
 * @kernel_numa is false when the kernel has no NUMA API (numa_available() < 0). Returns
 * 1 when the range should be bound, 0 when no binding is needed (@node < 0, or node 0 on
 * a kernel without NUMA, where all memory is node 0), or -EINVAL with @err saying which
 * nodes exist and which have memory.
 */
int numa_node_check(int node, const char *online, const char *has_memory, bool kernel_numa,
		    char *err, size_t errlen);

/*
 * Formats @rep as "node 0: 100% (4096 of 4096 sampled pages)", more nodes separated by
 * ", ", then the pages not present or failed, then "; sampled 1 page in S of T pages of
 * K KiB" when the range was sampled, then the smaps page size when known. Returns the
 * length, or -ENOSPC when it does not fit (@buf then holds a truncated string).
 */
int numa_mem_report_format(const struct numa_mem_report *rep, char *buf, size_t len);

/*
 * Parses /proc/PID/smaps text from @f and sums the VMAs that overlap [@start, @end)
 * into @out. Returns 0 (out->found says whether one overlapped) or -EIO on a read error.
 */
int numa_smaps_parse(FILE *f, uintptr_t start, uintptr_t end, struct numa_smaps *out);

/* --- doing ---------------------------------------------------------------------------- */

/*
 * Maps @bytes of private anonymous guest RAM as @req says and stores it in @out. Before
 * any page is touched: hugetlb pages of the requested size (MAP_HUGETLB) after checking
 * the pool's free pages (the node's pool when bound); THP: the mapping is aligned to
 * 2 MiB and advised MADV_HUGEPAGE; node >= 0: the whole range gets a strict MPOL_BIND
 * to that node. No page is faulted in: call numa_mem_prefault() and numa_mem_lock()
 * next. Returns 0, or -errno with @err, and then nothing stays mapped:
 * -EINVAL bad size or node that does not exist or has no memory; -ENOMEM not enough
 * free hugepages (or mmap failed); -EOPNOTSUPP THP disabled ([never]) or the hugetlb
 * page size is not supported by this host: the caller may warn and retry with
 * CFG_HUGEPAGES_OFF. Main thread.
 */
int numa_mem_map(void **out, size_t bytes, const struct numa_mem_req *req, char *err,
		 size_t errlen);

/*
 * Faults every page of [@mem, @mem + @bytes) in for writing (MADV_POPULATE_WRITE; on
 * kernels before 5.14 by touching each page, keeping its content), so that the memory
 * policy places them now and the guest never takes a host page fault for them. Returns
 * 0, or -errno with @err (-ENOMEM: the node or the hugetlb pool ran out). Main thread.
 */
int numa_mem_prefault(void *mem, size_t bytes, const struct numa_mem_req *req, char *err,
		      size_t errlen);

/*
 * mlock()s the range, so its pages are never swapped or migrated away by reclaim.
 * Returns 0, or -errno with @err; for -ENOMEM/-EPERM the message gives RLIMIT_MEMLOCK,
 * the amount needed and how to raise it (LimitMEMLOCK=, ulimit -l, root/CAP_IPC_LOCK).
 * The caller decides whether a failure is fatal ([vm] strict). Main thread.
 */
int numa_mem_lock(void *mem, size_t bytes, char *err, size_t errlen);

/*
 * Where the pages of [@mem, @mem + @bytes) are: move_pages() without target nodes over at
 * most NUMA_WHERE_MAX_SAMPLES pages spaced evenly by @page_bytes (the mapping's page
 * size, numa_page_bytes()). Fills @rep (smaps left empty). Returns 0; -EINVAL for a zero
 * or unaligned range; -EOPNOTSUPP when the kernel has no NUMA API (ENOSYS); else -errno.
 * Any thread of the process.
 */
int numa_mem_where(const void *mem, size_t bytes, size_t page_bytes,
		   struct numa_mem_report *rep);

/*
 * Fills @rep->smaps from <@proc_root>/self/smaps (NULL: "/proc") for the range: the
 * kernel page size and how much is in THPs, hugetlb pages, locked. Returns 0 (found may
 * still be false) or -errno when the file cannot be read. Any thread of the process.
 */
int numa_mem_pagesize(const void *mem, size_t bytes, const char *proc_root,
		      struct numa_mem_report *rep);

/* Unmaps guest RAM from numa_mem_map(); NULL is ignored. Main thread. */
void numa_mem_unmap(void *mem, size_t bytes);

#endif
