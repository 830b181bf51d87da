// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for sched/numa: the decisions (page sizes, sysfs paths, "enough hugepages",
 * node validity, THP mode, report text, smaps parsing) on fixed inputs and temp sysfs
 * trees, checking that each refusal names the file, the numbers and the fix; then real
 * mappings on this host: guest RAM bound to node 0 and prefaulted really sits on node 0
 * under an MPOL_BIND policy, THP really gives huge pages, a real hugetlb mapping (root
 * only: a few 2M pages are reserved for the test and the pool is restored), and mlock
 * succeeding as root and failing, in a child without CAP_IPC_LOCK, with the limit named.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../sched/numa.h"
#include "temp_tree.h"

#include <errno.h>
#include <limits.h>
#include <linux/capability.h>
#include <numaif.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MiB (1024UL * 1024)

/* Skips the current test, saying why (this cmocka has no skip_msg). */
#define SKIP(...)                                                                              \
	do {                                                                                   \
		print_message("skipped: " __VA_ARGS__);                                        \
		print_message("\n");                                                           \
		skip();                                                                        \
	} while (0)

#define assert_contains(haystack, needle)                                                      \
	do {                                                                                   \
		if (!strstr((haystack), (needle)))                                             \
			fail_msg("'%s' does not contain '%s'", (haystack), (needle));          \
	} while (0)

/* --- temp sysfs trees ------------------------------------------------------------------ */

static int tree_setup(void **state)
{
	static char root[64];

	tree_make(root, sizeof(root), "numa");
	*state = root;
	return 0;
}

static int tree_teardown(void **state)
{
	tree_remove(*state);
	return 0;
}

#define HP2M "kernel/mm/hugepages/hugepages-2048kB/"
#define NODE0_HP2M "devices/system/node/node0/hugepages/hugepages-2048kB/"

/* --- pure helpers ------------------------------------------------------------------------ */

static void test_page_sizes_per_mode(void **state)
{
	size_t base = (size_t)sysconf(_SC_PAGESIZE);

	(void)state;
	assert_int_equal(numa_hugetlb_bytes(CFG_HUGEPAGES_OFF), 0);
	assert_int_equal(numa_hugetlb_bytes(CFG_HUGEPAGES_THP), 0);
	assert_int_equal(numa_hugetlb_bytes(CFG_HUGEPAGES_2M), 2 * MiB);
	assert_int_equal(numa_hugetlb_bytes(CFG_HUGEPAGES_1G), 1024 * MiB);
	assert_int_equal(numa_page_bytes(CFG_HUGEPAGES_OFF), base);
	assert_int_equal(numa_page_bytes(CFG_HUGEPAGES_THP), base);
	assert_int_equal(numa_page_bytes(CFG_HUGEPAGES_2M), 2 * MiB);
	assert_int_equal(numa_page_bytes(CFG_HUGEPAGES_1G), 1024 * MiB);
}

static void test_size_check_names_sizes(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(numa_size_check(64 * MiB, CFG_HUGEPAGES_2M, err, sizeof(err)), 0);
	assert_int_equal(numa_size_check(12288, CFG_HUGEPAGES_OFF, err, sizeof(err)), 0);
	assert_int_equal(numa_size_check(3 * MiB, CFG_HUGEPAGES_2M, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "guest RAM of 3145728 bytes (3 MiB) is not a multiple of the 2M"
				 " hugepage size (2097152 bytes): use 2 MiB or 4 MiB");
	assert_int_equal(numa_size_check(1536 * MiB, CFG_HUGEPAGES_1G, err, sizeof(err)), -EINVAL);
	assert_contains(err, "1G hugepage size (1073741824 bytes): use 1 GiB or 2 GiB");
	assert_int_equal(numa_size_check(512 * MiB, CFG_HUGEPAGES_1G, err, sizeof(err)), -EINVAL);
	assert_contains(err, "smaller than one 1G hugepage (1073741824 bytes): use at least 1 GiB");
	assert_int_equal(numa_size_check(5000, CFG_HUGEPAGES_OFF, err, sizeof(err)), -EINVAL);
	assert_contains(err, "5000 bytes (5000 bytes) is not a multiple of the page size");
	assert_int_equal(numa_size_check(0, CFG_HUGEPAGES_OFF, err, sizeof(err)), -EINVAL);
}

static void test_hugetlb_path_global_and_node(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(numa_hugetlb_path(buf, sizeof(buf), "/x", -1, CFG_HUGEPAGES_2M,
					   "free_hugepages"),
			 (int)strlen("/x/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"));
	assert_string_equal(buf, "/x/kernel/mm/hugepages/hugepages-2048kB/free_hugepages");
	assert_true(numa_hugetlb_path(buf, sizeof(buf), "/x", 1, CFG_HUGEPAGES_1G,
				      "nr_hugepages") > 0);
	assert_string_equal(buf, "/x/devices/system/node/node1/hugepages/hugepages-1048576kB/"
				 "nr_hugepages");
	assert_true(numa_hugetlb_path(buf, sizeof(buf), NULL, -1, CFG_HUGEPAGES_2M,
				      "nr_hugepages") > 0);
	assert_string_equal(buf, "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
	assert_int_equal(numa_hugetlb_path(buf, sizeof(buf), "/x", -1, CFG_HUGEPAGES_THP, "f"),
			 -EINVAL);
	assert_int_equal(numa_hugetlb_path(buf, sizeof(buf), "/x", -1, CFG_HUGEPAGES_OFF, "f"),
			 -EINVAL);
	assert_int_equal(numa_hugetlb_path(buf, 20, "/x", -1, CFG_HUGEPAGES_2M, "nr_hugepages"),
			 -ENAMETOOLONG);
}

static void test_hugetlb_check_decides_and_explains(void **state)
{
	struct numa_mem_req req = { .node = -1, .hugepages = CFG_HUGEPAGES_2M, .sysfs_root = "/x" };
	char err[512];

	(void)state;
	/* 64 MiB = 32 pages of 2M; a partial page still needs a whole one */
	assert_int_equal(numa_hugetlb_check(64 * MiB, &req, 32, 32, err, sizeof(err)), 0);
	assert_int_equal(numa_hugetlb_check(64 * MiB, &req, 100, 100, err, sizeof(err)), 0);
	assert_int_equal(numa_hugetlb_check(63 * MiB, &req, 32, 32, err, sizeof(err)), 0);
	assert_int_equal(numa_hugetlb_check(65 * MiB, &req, 32, 32, err, sizeof(err)), -ENOMEM);

	assert_int_equal(numa_hugetlb_check(64 * MiB, &req, 31, 40, err, sizeof(err)), -ENOMEM);
	assert_string_equal(err, "64 MiB guest RAM needs 32 2M hugepages, 31 free"
				 " (/x/kernel/mm/hugepages/hugepages-2048kB/free_hugepages);"
				 " reserve them with 'echo 41 >"
				 " /x/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'");
	/* pool size unknown: ask for the need itself */
	assert_int_equal(numa_hugetlb_check(64 * MiB, &req, 0, -1, err, sizeof(err)), -ENOMEM);
	assert_contains(err, "'echo 32 > /x/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'");

	req.node = 1;
	assert_int_equal(numa_hugetlb_check(64 * MiB, &req, 2, 2, err, sizeof(err)), -ENOMEM);
	assert_contains(err, "needs 32 2M hugepages on node 1, 2 free (/x/devices/system/node/"
			     "node1/hugepages/hugepages-2048kB/free_hugepages)");
	assert_contains(err, "'echo 32 > /x/devices/system/node/node1/hugepages/hugepages-2048kB/"
			     "nr_hugepages'");

	req.hugepages = CFG_HUGEPAGES_1G;
	req.node = -1;
	assert_int_equal(numa_hugetlb_check(2048 * MiB, &req, 0, 0, err, sizeof(err)), -ENOMEM);
	assert_contains(err, "2 GiB guest RAM needs 2 1G hugepages, 0 free");
	assert_contains(err, "'echo 2 > /x/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages'");
	assert_contains(err, "'hugepagesz=1G hugepages=2'");
	req.node = 0;
	assert_int_equal(numa_hugetlb_check(2048 * MiB, &req, 1, 1, err, sizeof(err)), -ENOMEM);
	assert_contains(err, "'hugepagesz=1G hugepages=0:2'");

	req.hugepages = CFG_HUGEPAGES_THP;
	assert_int_equal(numa_hugetlb_check(64 * MiB, &req, 0, 0, err, sizeof(err)), 0);
}

static void test_thp_check_modes(void **state)
{
	const char *path = "/x/kernel/mm/transparent_hugepage/enabled";
	char err[512];

	(void)state;
	assert_int_equal(numa_thp_check("always [madvise] never", path, err, sizeof(err)), 0);
	assert_int_equal(numa_thp_check("[always] madvise never", path, err, sizeof(err)), 0);
	assert_int_equal(numa_thp_check("always madvise [never]", path, err, sizeof(err)),
			 -EOPNOTSUPP);
	assert_string_equal(err, "transparent hugepages are disabled: /x/kernel/mm/"
				 "transparent_hugepage/enabled is [never]; enable them with 'echo"
				 " madvise > /x/kernel/mm/transparent_hugepage/enabled', or use"
				 " hugepages = 2M or off");
	assert_int_equal(numa_thp_check(NULL, path, err, sizeof(err)), -EOPNOTSUPP);
	assert_contains(err, "/x/kernel/mm/transparent_hugepage/enabled does not exist");
	assert_int_equal(numa_thp_check("always madvise never", path, err, sizeof(err)),
			 -EOPNOTSUPP);
	assert_contains(err, "cannot find the active mode");
}

static void test_node_check_cases(void **state)
{
	char err[256];

	(void)state;
	assert_int_equal(numa_node_check(-1, "0", "0", true, err, sizeof(err)), 0);
	assert_int_equal(numa_node_check(0, "0\n", "0\n", true, err, sizeof(err)), 1);
	assert_int_equal(numa_node_check(3, "0-3\n", "0,3\n", true, err, sizeof(err)), 1);
	assert_int_equal(numa_node_check(7, "0\n", "0\n", true, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "NUMA node 7 does not exist on this host (online nodes: 0)");
	assert_int_equal(numa_node_check(1, "0-1\n", "0\n", true, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "NUMA node 1 has no memory (a CPU-only node); nodes with memory: 0");
	/* unknown lists: let the kernel judge */
	assert_int_equal(numa_node_check(2, NULL, NULL, true, err, sizeof(err)), 1);
	/* kernel without NUMA: node 0 is all memory and needs no binding, others do not exist */
	assert_int_equal(numa_node_check(0, NULL, NULL, false, err, sizeof(err)), 0);
	assert_int_equal(numa_node_check(1, NULL, NULL, false, err, sizeof(err)), -EINVAL);
	assert_contains(err, "NUMA node 1: this kernel has no NUMA support");
	assert_int_equal(numa_node_check(CFG_MAX_NUMA_NODE + 1, NULL, NULL, true, err, sizeof(err)),
			 -EINVAL);
	assert_contains(err, "out of range, expected 0..1023");
}

static void test_report_format_text(void **state)
{
	static struct numa_mem_report rep;
	char buf[512];

	(void)state;
	memset(&rep, 0, sizeof(rep));
	rep.page_bytes = 4096;
	rep.total_pages = rep.sampled_pages = 4096;
	rep.on_node[0] = 4096;
	assert_int_equal(numa_mem_report_format(&rep, buf, sizeof(buf)),
			 (int)strlen("node 0: 100% (4096 of 4096 sampled pages)"));
	assert_string_equal(buf, "node 0: 100% (4096 of 4096 sampled pages)");

	/* a partial share never rounds to 100% or 0% */
	rep.on_node[0] = 4094;
	rep.on_node[3] = 1;
	rep.not_present = 1;
	rep.total_pages = 16384;
	rep.stride_pages = 4;
	assert_true(numa_mem_report_format(&rep, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "node 0: 99% (4094 of 4096 sampled pages), node 3: <1% (1 of 4096"
				 " sampled pages), not present: <1% (1 of 4096 sampled pages);"
				 " 4096 of 16384 pages of 4 KiB sampled, evenly spaced");

	memset(&rep, 0, sizeof(rep));
	rep.page_bytes = 2 * MiB;
	rep.total_pages = rep.sampled_pages = 4;
	rep.on_node[1] = 2;
	rep.failed = 2;
	rep.first_error = -EFAULT;
	rep.smaps = (struct numa_smaps){ .found = true, .kernel_page_kb = 2048, .hugetlb_kb = 8192,
					 .vmas = 1 };
	assert_true(numa_mem_report_format(&rep, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "node 1: 50% (2 of 4 sampled pages), unknown: 50% (2 of 4 sampled"
				 " pages: Bad address); smaps: KernelPageSize 2048 KiB, Rss 0 KiB,"
				 " AnonHugePages 0 KiB, Hugetlb 8192 KiB, Locked 0 KiB");

	assert_int_equal(numa_mem_report_format(&rep, buf, 16), -ENOSPC);
	assert_int_equal(strlen(buf), 15);
	memset(&rep, 0, sizeof(rep));
	assert_true(numa_mem_report_format(&rep, buf, sizeof(buf)) > 0);
	assert_string_equal(buf, "no pages sampled");
}

static const char smaps_text[] =
	"7f0000000000-7f0000200000 rw-p 00000000 00:00 0 \n"
	"Size:               2048 kB\n"
	"KernelPageSize:        4 kB\n"
	"Rss:                2048 kB\n"
	"AnonHugePages:      2048 kB\n"
	"Locked:                0 kB\n"
	"VmFlags: rd wr mr mw me ac hg\n"
	"7f0000200000-7f0004200000 rw-p 00000000 00:00 0 \n"
	"Size:              65536 kB\n"
	"KernelPageSize:     2048 kB\n"
	"Rss:                   0 kB\n"
	"AnonHugePages:         0 kB\n"
	"Shared_Hugetlb:        0 kB\n"
	"Private_Hugetlb:   65536 kB\n"
	"Locked:            65536 kB\n"
	"VmFlags: rd wr mr mw me ht\n"
	"7f0005000000-7f0005001000 r--p 00000000 fd:01 1234   /usr/lib/a-b.so\n"
	"KernelPageSize:        4 kB\n"
	"Rss:                   4 kB\n";

static void test_smaps_parse_sums_overlapping_vmas(void **state)
{
	struct numa_smaps s;
	FILE *f;

	(void)state;
	f = fmemopen((void *)smaps_text, sizeof(smaps_text) - 1, "r");
	assert_non_null(f);
	assert_int_equal(numa_smaps_parse(f, 0x7f0000200000, 0x7f0004200000, &s), 0);
	assert_true(s.found);
	assert_int_equal(s.vmas, 1);
	assert_int_equal(s.kernel_page_kb, 2048);
	assert_int_equal(s.hugetlb_kb, 65536);
	assert_int_equal(s.locked_kb, 65536);
	assert_int_equal(s.rss_kb, 0);

	rewind(f);
	assert_int_equal(numa_smaps_parse(f, 0x7f0000100000, 0x7f0000300000, &s), 0);
	assert_int_equal(s.vmas, 2);
	assert_int_equal(s.kernel_page_kb, 4);
	assert_int_equal(s.anon_huge_kb, 2048);
	assert_int_equal(s.rss_kb, 2048);
	assert_int_equal(s.hugetlb_kb, 65536);

	rewind(f);
	assert_int_equal(numa_smaps_parse(f, 0x7f0004200000, 0x7f0005000000, &s), 0);
	assert_false(s.found);
	assert_int_equal(s.vmas, 0);
	fclose(f);
}

/* --- numa_mem_map() refusals on temp sysfs trees ------------------------------------------- */

static void test_mem_map_hugetlb_short_global_pool(void **state)
{
	const char *root = *state;
	struct numa_mem_req req = { .node = -1, .hugepages = CFG_HUGEPAGES_2M, .sysfs_root = root };
	char err[1024], want[PATH_MAX + 64];
	void *mem = (void *)1;

	tree_put(root, HP2M "free_hugepages", "3\n");
	tree_put(root, HP2M "nr_hugepages", "3\n");
	tree_put(root, HP2M "resv_hugepages", "0\n");
	assert_int_equal(numa_mem_map(&mem, 64 * MiB, &req, err, sizeof(err)), -ENOMEM);
	assert_null(mem);
	snprintf(want, sizeof(want), "needs 32 2M hugepages, 3 free (%s/" HP2M "free_hugepages)",
		 root);
	assert_contains(err, want);
	snprintf(want, sizeof(want), "'echo 32 > %s/" HP2M "nr_hugepages'", root);
	assert_contains(err, want);

	/* pages another mapping reserved are not free for this one */
	tree_put(root, HP2M "free_hugepages", "40\n");
	tree_put(root, HP2M "nr_hugepages", "40\n");
	tree_put(root, HP2M "resv_hugepages", "10\n");
	assert_int_equal(numa_mem_map(&mem, 64 * MiB, &req, err, sizeof(err)), -ENOMEM);
	assert_contains(err, "needs 32 2M hugepages, 30 free");
	assert_contains(err, "'echo 42 > ");
}

static void test_mem_map_hugetlb_short_node_pool(void **state)
{
	const char *root = *state;
	struct numa_mem_req req = { .node = 0, .hugepages = CFG_HUGEPAGES_2M, .sysfs_root = root };
	char err[1024], want[PATH_MAX + 64];
	void *mem = NULL;

	/* plenty in the global pool, but a bound mapping can only use node 0's pages */
	tree_put(root, HP2M "free_hugepages", "1000\n");
	tree_put(root, HP2M "nr_hugepages", "1000\n");
	tree_put(root, "devices/system/node/online", "0\n");
	tree_put(root, "devices/system/node/has_memory", "0\n");
	tree_put(root, NODE0_HP2M "free_hugepages", "2\n");
	tree_put(root, NODE0_HP2M "nr_hugepages", "5\n");
	assert_int_equal(numa_mem_map(&mem, 64 * MiB, &req, err, sizeof(err)), -ENOMEM);
	assert_null(mem);
	snprintf(want, sizeof(want),
		 "needs 32 2M hugepages on node 0, 2 free (%s/" NODE0_HP2M "free_hugepages)", root);
	assert_contains(err, want);
	snprintf(want, sizeof(want), "'echo 35 > %s/" NODE0_HP2M "nr_hugepages'", root);
	assert_contains(err, want);
}

static void test_mem_map_hugetlb_enough_reaches_mmap(void **state)
{
	const char *root = *state;
	struct numa_mem_req req = { .node = -1, .hugepages = CFG_HUGEPAGES_2M, .sysfs_root = root };
	char err[1024] = "";
	void *mem = NULL;
	int ret;

	/* the tree says 64 free: the check passes and the real kernel decides */
	tree_put(root, HP2M "free_hugepages", "64\n");
	tree_put(root, HP2M "nr_hugepages", "64\n");
	ret = numa_mem_map(&mem, 4 * MiB, &req, err, sizeof(err));
	if (ret == 0) {
		assert_non_null(mem);
		numa_mem_unmap(mem, 4 * MiB);
		return;
	}
	assert_int_equal(ret, -ENOMEM);
	assert_null(mem);
	assert_contains(err, "mmap 4 MiB of guest RAM in 2M hugepages: Cannot allocate memory");
}

static void test_mem_map_hugetlb_size_missing(void **state)
{
	const char *root = *state;
	struct numa_mem_req req = { .node = -1, .hugepages = CFG_HUGEPAGES_1G, .sysfs_root = root };
	char err[1024], want[PATH_MAX + 64];
	void *mem = NULL;

	tree_put(root, HP2M "free_hugepages", "1000\n");
	assert_int_equal(numa_mem_map(&mem, 1024 * MiB, &req, err, sizeof(err)), -EOPNOTSUPP);
	snprintf(want, sizeof(want),
		 "this host has no 1G hugepages: %s/kernel/mm/hugepages/hugepages-1048576kB/"
		 "free_hugepages does not exist",
		 root);
	assert_contains(err, want);
	/* the size is checked first */
	assert_int_equal(numa_mem_map(&mem, 3 * MiB, &req, err, sizeof(err)), -EINVAL);
	assert_contains(err, "smaller than one 1G hugepage");
	assert_null(mem);
}

static void test_mem_map_thp_never(void **state)
{
	const char *root = *state;
	struct numa_mem_req req = { .node = -1, .hugepages = CFG_HUGEPAGES_THP,
				    .sysfs_root = root };
	char err[1024], want[PATH_MAX + 64];
	void *mem = NULL;

	assert_int_equal(numa_mem_map(&mem, 4 * MiB, &req, err, sizeof(err)), -EOPNOTSUPP);
	assert_contains(err, "transparent_hugepage/enabled does not exist");
	tree_put(root, "kernel/mm/transparent_hugepage/enabled", "always madvise [never]\n");
	assert_int_equal(numa_mem_map(&mem, 4 * MiB, &req, err, sizeof(err)), -EOPNOTSUPP);
	snprintf(want, sizeof(want), "%s/kernel/mm/transparent_hugepage/enabled is [never]", root);
	assert_contains(err, want);
	assert_null(mem);
}

static void test_mem_map_memoryless_node(void **state)
{
	const char *root = *state;
	struct numa_mem_req req = { .node = 1, .hugepages = CFG_HUGEPAGES_OFF, .sysfs_root = root };
	char err[1024];
	void *mem = NULL;

	tree_put(root, "devices/system/node/online", "0-1\n");
	tree_put(root, "devices/system/node/has_memory", "0\n");
	assert_int_equal(numa_mem_map(&mem, 4 * MiB, &req, err, sizeof(err)), -EINVAL);
	assert_string_equal(err,
			    "NUMA node 1 has no memory (a CPU-only node); nodes with memory: 0");
	assert_null(mem);
}

/* --- real mappings on this host ---------------------------------------------------------- */

static void test_mem_map_node0_prefault_lands_on_node0(void **state)
{
	struct numa_mem_req req = { .node = 0, .sysfs_root = "/sys" };
	bool lock = geteuid() == 0;
	static struct numa_mem_report rep;
	unsigned long mask[16] = { 0 };
	char err[1024], text[512];
	size_t bytes = 64 * MiB;
	void *mem = NULL;
	int mode = -1;

	(void)state;
	assert_int_equal(numa_mem_map(&mem, bytes, &req, err, sizeof(err)), 0);
	assert_non_null(mem);
	/* the policy is on the range before any page exists */
	assert_int_equal(get_mempolicy(&mode, mask, sizeof(mask) * 8, mem, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_BIND);
	assert_int_equal(mask[0], 1);
	assert_int_equal(numa_mem_where(mem, bytes, 4096, &rep), 0);
	assert_int_equal(rep.not_present, 4096);

	assert_int_equal(numa_mem_prefault(mem, bytes, &req, err, sizeof(err)), 0);
	if (lock)
		assert_int_equal(numa_mem_lock(mem, bytes, err, sizeof(err)), 0);
	assert_int_equal(numa_mem_where(mem, bytes, 4096, &rep), 0);
	assert_int_equal(rep.total_pages, 16384);
	assert_int_equal(rep.sampled_pages, NUMA_WHERE_MAX_SAMPLES);
	assert_int_equal(rep.stride_pages, 4);
	assert_int_equal(rep.on_node[0], 4096);
	assert_int_equal(rep.not_present + rep.failed + rep.other_node, 0);
	assert_int_equal(numa_mem_pagesize(mem, bytes, NULL, &rep), 0);
	assert_true(rep.smaps.found);
	assert_int_equal(rep.smaps.rss_kb, bytes >> 10);
	if (lock)
		assert_int_equal(rep.smaps.locked_kb, bytes >> 10);
	assert_true(numa_mem_report_format(&rep, text, sizeof(text)) > 0);
	assert_contains(text, "node 0: 100% (4096 of 4096 sampled pages); 4096 of 16384 pages of"
			      " 4 KiB sampled, evenly spaced; smaps: KernelPageSize 4 KiB");
	print_message("placement: %s\n", text);
	numa_mem_unmap(mem, bytes);
	numa_mem_unmap(NULL, bytes);
}

static void test_mem_where_small_and_unaligned(void **state)
{
	struct numa_mem_req req = { .node = -1 };
	static struct numa_mem_report rep;
	char err[1024], text[256];
	void *mem = NULL;
	int mode = -1;

	(void)state;
	assert_int_equal(numa_mem_map(&mem, 64 * 1024, &req, err, sizeof(err)), 0);
	/* no node: the range keeps the default policy */
	assert_int_equal(get_mempolicy(&mode, NULL, 0, mem, MPOL_F_ADDR), 0);
	assert_int_equal(mode, MPOL_DEFAULT);
	assert_int_equal(numa_mem_where(mem, 64 * 1024, 4096, &rep), 0);
	assert_int_equal(rep.sampled_pages, 16);
	assert_int_equal(rep.not_present, 16);
	assert_true(numa_mem_report_format(&rep, text, sizeof(text)) > 0);
	assert_string_equal(text, "not present: 100% (16 of 16 sampled pages)");
	/* only the first 8 pages touched: exactly half is on a node */
	memset(mem, 1, 8 * 4096);
	assert_int_equal(numa_mem_where(mem, 64 * 1024, 4096, &rep), 0);
	assert_int_equal(rep.stride_pages, 1);
	assert_int_equal(rep.on_node[0], 8);
	assert_int_equal(rep.not_present, 8);
	assert_int_equal(numa_mem_where((char *)mem + 1, 4096, 4096, &rep), -EINVAL);
	assert_int_equal(numa_mem_where(mem, 5000, 4096, &rep), -EINVAL);
	assert_int_equal(numa_mem_where(mem, 0, 4096, &rep), -EINVAL);
	numa_mem_unmap(mem, 64 * 1024);
}

static void test_mem_map_nonexistent_node_fails(void **state)
{
	struct numa_mem_req req = { .node = 7, .sysfs_root = "/sys" };
	char err[1024];
	void *mem = (void *)1;

	(void)state;
	assert_int_equal(numa_mem_map(&mem, 4 * MiB, &req, err, sizeof(err)), -EINVAL);
	assert_null(mem);
	assert_contains(err, "NUMA node 7 does not exist on this host (online nodes: 0");
}

static void test_mem_map_thp_gives_huge_pages(void **state)
{
	struct numa_mem_req req = { .node = 0, .hugepages = CFG_HUGEPAGES_THP };
	static struct numa_mem_report rep;
	char err[1024], text[512];
	size_t bytes = 64 * MiB;
	void *mem = NULL;
	int ret;

	(void)state;
	ret = numa_mem_map(&mem, bytes, &req, err, sizeof(err));
	if (ret == -EOPNOTSUPP)
		SKIP("THP not usable on this host: %s", err);
	assert_int_equal(ret, 0);
	assert_int_equal((uintptr_t)mem % (2 * MiB), 0);
	assert_int_equal(numa_mem_prefault(mem, bytes, &req, err, sizeof(err)), 0);
	assert_int_equal(numa_mem_pagesize(mem, bytes, "/proc", &rep), 0);
	assert_true(rep.smaps.found);
	print_message("THP: %llu of %llu KiB in huge pages\n",
		      (unsigned long long)rep.smaps.anon_huge_kb,
		      (unsigned long long)rep.smaps.rss_kb);
	assert_true(rep.smaps.anon_huge_kb > 0);
	assert_int_equal(numa_mem_where(mem, bytes, 4096, &rep), 0);
	assert_int_equal(rep.on_node[0], rep.sampled_pages);
	assert_true(numa_mem_report_format(&rep, text, sizeof(text)) > 0);
	numa_mem_unmap(mem, bytes);
}

static void test_mem_map_hugetlb_host_pool_short(void **state)
{
	struct numa_mem_req req = { .node = -1, .hugepages = CFG_HUGEPAGES_2M };
	char err[1024];
	long free_pages = 0, resv = 0;
	void *mem = NULL;
	FILE *f;

	(void)state;
	f = fopen("/sys/" HP2M "free_hugepages", "r");
	if (!f)
		SKIP("no 2M hugetlb pool on this host");
	assert_int_equal(fscanf(f, "%ld", &free_pages), 1);
	fclose(f);
	f = fopen("/sys/" HP2M "resv_hugepages", "r");
	if (f) {
		assert_int_equal(fscanf(f, "%ld", &resv), 1);
		fclose(f);
	}
	/* ask for one page more than the host has free */
	size_t bytes = (size_t)(free_pages - resv + 1) * 2 * MiB;

	assert_int_equal(numa_mem_map(&mem, bytes, &req, err, sizeof(err)), -ENOMEM);
	assert_null(mem);
	assert_contains(err, "free (/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages);"
			     " reserve them with 'echo ");
	assert_contains(err, " > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages'");
}

/* The global 2M pool size before hugetlb_setup() grew it; -1 when untouched. */
static long saved_nr_hugepages = -1;

static int hugetlb_setup(void **state)
{
	(void)state;
	saved_nr_hugepages = -1;
	return 0;
}

static int hugetlb_teardown(void **state)
{
	FILE *f;

	(void)state;
	if (saved_nr_hugepages < 0)
		return 0;
	f = fopen("/sys/" HP2M "nr_hugepages", "w");
	if (!f)
		return -1;
	fprintf(f, "%ld\n", saved_nr_hugepages);
	saved_nr_hugepages = -1;
	return fclose(f) ? -1 : 0;
}

static void test_mem_map_hugetlb_real_mapping(void **state)
{
	struct numa_mem_req req = { .node = 0, .hugepages = CFG_HUGEPAGES_2M };
	static struct numa_mem_report rep;
	const size_t pages = 8, bytes = pages * 2 * MiB;
	char err[1024], text[512];
	long nr, free_pages;
	void *mem = NULL;
	FILE *f;

	(void)state;
	if (geteuid() != 0)
		SKIP("not root: cannot reserve 2M hugepages for a real hugetlb mapping");
	f = fopen("/sys/" HP2M "nr_hugepages", "r+");
	if (!f)
		SKIP("cannot open /sys/" HP2M "nr_hugepages: %s", strerror(errno));
	assert_int_equal(fscanf(f, "%ld", &nr), 1);
	saved_nr_hugepages = nr;
	rewind(f);
	fprintf(f, "%ld\n", nr + (long)pages);
	if (fclose(f))
		SKIP("cannot grow the 2M pool to %ld pages: %s", nr + (long)pages,
			 strerror(errno));
	f = fopen("/sys/" NODE0_HP2M "free_hugepages", "r");
	assert_non_null(f);
	assert_int_equal(fscanf(f, "%ld", &free_pages), 1);
	fclose(f);
	if (free_pages < (long)pages)
		SKIP("the kernel found only %ld free 2M pages on node 0 (memory fragmented)",
			 free_pages);

	assert_int_equal(numa_mem_map(&mem, bytes, &req, err, sizeof(err)), 0);
	assert_int_equal((uintptr_t)mem % (2 * MiB), 0);
	assert_int_equal(numa_mem_prefault(mem, bytes, &req, err, sizeof(err)), 0);
	assert_int_equal(numa_mem_lock(mem, bytes, err, sizeof(err)), 0);
	assert_int_equal(numa_mem_where(mem, bytes, 2 * MiB, &rep), 0);
	assert_int_equal(rep.sampled_pages, pages);
	assert_int_equal(rep.on_node[0], pages);
	assert_int_equal(numa_mem_pagesize(mem, bytes, NULL, &rep), 0);
	assert_int_equal(rep.smaps.kernel_page_kb, 2048);
	assert_int_equal(rep.smaps.hugetlb_kb, bytes >> 10);
	assert_true(numa_mem_report_format(&rep, text, sizeof(text)) > 0);
	assert_contains(text,
			"node 0: 100% (8 of 8 sampled pages); smaps: KernelPageSize 2048 KiB");
	print_message("hugetlb: %s\n", text);
	numa_mem_unmap(mem, bytes);
}

static void test_mem_lock_succeeds_as_root(void **state)
{
	static struct numa_mem_report rep;
	struct numa_mem_req req = { .node = -1 };
	char err[1024];
	void *mem = NULL;

	(void)state;
	if (geteuid() != 0)
		SKIP("not root: mlock of 8 MiB depends on RLIMIT_MEMLOCK");
	assert_int_equal(numa_mem_map(&mem, 8 * MiB, &req, err, sizeof(err)), 0);
	assert_int_equal(numa_mem_lock(mem, 8 * MiB, err, sizeof(err)), 0);
	assert_int_equal(numa_mem_pagesize(mem, 8 * MiB, NULL, &rep), 0);
	assert_int_equal(rep.smaps.locked_kb, 8192);
	numa_mem_unmap(mem, 8 * MiB);
}

/* In a child: RLIMIT_MEMLOCK 64 KiB and no CAP_IPC_LOCK, then lock 8 MiB. */
static void lock_child(int fd)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cap[2];
	struct rlimit rl = { 64 * 1024, 64 * 1024 };
	struct numa_mem_req req = { .node = -1 };
	char msg[1024] = "";
	void *mem = NULL;
	int ret;

	if (syscall(SYS_capget, &hdr, cap) == 0) {
		cap[CAP_TO_INDEX(CAP_IPC_LOCK)].effective &= ~CAP_TO_MASK(CAP_IPC_LOCK);
		syscall(SYS_capset, &hdr, cap);
	}
	if (setrlimit(RLIMIT_MEMLOCK, &rl)) {
		ret = 1;
		snprintf(msg, sizeof(msg), "setrlimit: %s", strerror(errno));
	} else if ((ret = numa_mem_map(&mem, 8 * MiB, &req, msg, sizeof(msg))) == 0) {
		ret = numa_mem_lock(mem, 8 * MiB, msg, sizeof(msg));
	}
	if (write(fd, &ret, sizeof(ret)) != sizeof(ret) || write(fd, msg, sizeof(msg)) < 0)
		_exit(2);
	_exit(0);
}

static void test_mem_lock_failure_names_rlimit(void **state)
{
	char msg[1024];
	int fds[2], ret = 0, status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		lock_child(fds[1]);
	}
	close(fds[1]);
	assert_int_equal(read(fds[0], &ret, sizeof(ret)), sizeof(ret));
	assert_int_equal(read(fds[0], msg, sizeof(msg)), sizeof(msg));
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	msg[sizeof(msg) - 1] = 0;
	if (ret != -ENOMEM && ret != -EPERM)
		fail_msg("lock under a 64 KiB RLIMIT_MEMLOCK returned %d: %s", ret, msg);
	assert_contains(msg, "mlock 8 MiB of guest RAM: ");
	assert_contains(msg, "(RLIMIT_MEMLOCK is 64 KiB, 8192 KiB needed: raise it with"
			     " LimitMEMLOCK=infinity in the service unit or 'ulimit -l unlimited',"
			     " or run as root / with CAP_IPC_LOCK)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_sizes_per_mode),
		cmocka_unit_test(test_size_check_names_sizes),
		cmocka_unit_test(test_hugetlb_path_global_and_node),
		cmocka_unit_test(test_hugetlb_check_decides_and_explains),
		cmocka_unit_test(test_thp_check_modes),
		cmocka_unit_test(test_node_check_cases),
		cmocka_unit_test(test_report_format_text),
		cmocka_unit_test(test_smaps_parse_sums_overlapping_vmas),
		cmocka_unit_test_setup_teardown(test_mem_map_hugetlb_short_global_pool, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_mem_map_hugetlb_short_node_pool, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_mem_map_hugetlb_enough_reaches_mmap,
						tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_mem_map_hugetlb_size_missing, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_mem_map_thp_never, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_mem_map_memoryless_node, tree_setup,
						tree_teardown),
		cmocka_unit_test(test_mem_map_node0_prefault_lands_on_node0),
		cmocka_unit_test(test_mem_where_small_and_unaligned),
		cmocka_unit_test(test_mem_map_nonexistent_node_fails),
		cmocka_unit_test(test_mem_map_thp_gives_huge_pages),
		cmocka_unit_test(test_mem_map_hugetlb_host_pool_short),
		cmocka_unit_test_setup_teardown(test_mem_map_hugetlb_real_mapping, hugetlb_setup,
						hugetlb_teardown),
		cmocka_unit_test(test_mem_lock_succeeds_as_root),
		cmocka_unit_test(test_mem_lock_failure_names_rlimit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
