// SPDX-License-Identifier: Apache-2.0
/*
 * Guest RAM mapping, NUMA binding, prefault, locking and the placement report (see
 * numa.h). The order inside numa_mem_map() matters: every decision that can refuse
 * (size, node, free hugepages, THP mode) runs before mmap, and the memory policy is set
 * before the first page exists, because MPOL_BIND only steers allocations made after
 * it; moving pages later is slower and can fail. Used by the main thread only.
 */
#include "numa.h"

#include "../config/cpulist.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <numa.h>
#include <numaif.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MAP_HUGE_SHIFT
#define MAP_HUGE_SHIFT 26
#endif
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define SZ_2M (2ULL << 20)
#define SZ_1G (1ULL << 30)
#define ULONG_BITS (sizeof(unsigned long) * CHAR_BIT)

/* move_pages() batch: small enough for the stack, large enough to keep syscalls few. */
#define WHERE_BATCH 256

static const char *root_or_sys(const char *root)
{
	return root ? root : "/sys";
}

/* "64 MiB", "1 GiB", "1536 KiB" or "1000 bytes": exact, the largest unit that divides. */
static const char *fmt_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const unit[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	unsigned u = 0;

	while (u + 1 < sizeof(unit) / sizeof(unit[0]) && bytes && !(bytes & 1023)) {
		bytes >>= 10;
		u++;
	}
	snprintf(buf, len, "%" PRIu64 " %s", bytes, unit[u]);
	return buf;
}

size_t numa_hugetlb_bytes(enum cfg_hugepages hugepages)
{
	switch (hugepages) {
	case CFG_HUGEPAGES_2M:
		return SZ_2M;
	case CFG_HUGEPAGES_1G:
		return SZ_1G;
	default:
		return 0;
	}
}

size_t numa_page_bytes(enum cfg_hugepages hugepages)
{
	size_t huge = numa_hugetlb_bytes(hugepages);
	long base = sysconf(_SC_PAGESIZE);

	return huge ? huge : base > 0 ? (size_t)base : 4096;
}

static const char *page_name(enum cfg_hugepages hugepages)
{
	switch (hugepages) {
	case CFG_HUGEPAGES_2M:
		return "2M hugepage";
	case CFG_HUGEPAGES_1G:
		return "1G hugepage";
	default:
		return "page";
	}
}

int numa_size_check(size_t bytes, enum cfg_hugepages hugepages, char *err, size_t errlen)
{
	size_t page = numa_page_bytes(hugepages);
	size_t below = bytes / page * page;
	char a[32], b[32], c[32];

	if (bytes && bytes % page == 0)
		return 0;
	if (!below) {
		snprintf(err, errlen,
			 "guest RAM of %zu bytes is smaller than one %s (%zu bytes): use at least"
			 " %s",
			 bytes, page_name(hugepages), page, fmt_size(page, a, sizeof(a)));
		return -EINVAL;
	}
	snprintf(err, errlen,
		 "guest RAM of %zu bytes (%s) is not a multiple of the %s size (%zu bytes): use %s"
		 " or %s",
		 bytes, fmt_size(bytes, a, sizeof(a)), page_name(hugepages), page,
		 fmt_size(below, b, sizeof(b)), fmt_size(below + page, c, sizeof(c)));
	return -EINVAL;
}

int numa_hugetlb_path(char *buf, size_t len, const char *sysfs_root, int node,
		      enum cfg_hugepages hugepages, const char *file)
{
	size_t huge_kb = numa_hugetlb_bytes(hugepages) >> 10;
	int n;

	if (!huge_kb || !file)
		return -EINVAL;
	if (node >= 0)
		n = snprintf(buf, len, "%s/devices/system/node/node%d/hugepages/hugepages-%zukB/%s",
			     root_or_sys(sysfs_root), node, huge_kb, file);
	else
		n = snprintf(buf, len, "%s/kernel/mm/hugepages/hugepages-%zukB/%s",
			     root_or_sys(sysfs_root), huge_kb, file);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return n;
}

int numa_hugetlb_check(size_t bytes, const struct numa_mem_req *req, long free_pages,
		       long nr_pages, char *err, size_t errlen)
{
	size_t huge = numa_hugetlb_bytes(req->hugepages);
	char free_path[PATH_MAX], nr_path[PATH_MAX], where[32] = "", size[32];
	long needed, target;
	int node = req->node >= 0 ? req->node : -1;
	int n;

	if (!huge)
		return 0;
	needed = (long)((bytes + huge - 1) / huge);
	if (free_pages >= needed)
		return 0;
	if (free_pages < 0)
		free_pages = 0;
	/* nr_hugepages is the pool size: to get `needed` free, grow it by the shortfall */
	target = nr_pages >= 0 ? nr_pages + needed - free_pages : needed;
	if (node >= 0)
		snprintf(where, sizeof(where), " on node %d", node);
	if (numa_hugetlb_path(free_path, sizeof(free_path), req->sysfs_root, node, req->hugepages,
			      "free_hugepages") < 0 ||
	    numa_hugetlb_path(nr_path, sizeof(nr_path), req->sysfs_root, node, req->hugepages,
			      "nr_hugepages") < 0) {
		snprintf(err, errlen, "%s: sysfs path too long", page_name(req->hugepages));
		return -ENAMETOOLONG;
	}
	n = snprintf(err, errlen,
		     "%s guest RAM needs %ld %ss%s, %ld free (%s); reserve them with"
		     " 'echo %ld > %s'",
		     fmt_size(bytes, size, sizeof(size)), needed, page_name(req->hugepages), where,
		     free_pages, free_path, target, nr_path);
	if (req->hugepages == CFG_HUGEPAGES_1G && n >= 0 && (size_t)n < errlen) {
		/* 1G pages need 1G of contiguous free memory: after boot that rarely exists */
		if (node >= 0)
			snprintf(err + n, errlen - (size_t)n,
				 " or, more reliably, at boot with the kernel options"
				 " 'hugepagesz=1G hugepages=%d:%ld' (Linux 5.16+)",
				 node, target);
		else
			snprintf(err + n, errlen - (size_t)n,
				 " or, more reliably, at boot with the kernel options"
				 " 'hugepagesz=1G hugepages=%ld'",
				 target);
	}
	return -ENOMEM;
}

int numa_thp_check(const char *enabled, const char *path, char *err, size_t errlen)
{
	const char *open, *close;

	if (!enabled) {
		snprintf(err, errlen,
			 "transparent hugepages: %s does not exist (kernel without"
			 " CONFIG_TRANSPARENT_HUGEPAGE); use hugepages = 2M or off",
			 path);
		return -EOPNOTSUPP;
	}
	open = strchr(enabled, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close) {
		snprintf(err, errlen,
			 "transparent hugepages: cannot find the active mode in %s ('%s')", path,
			 enabled);
		return -EOPNOTSUPP;
	}
	if (close - open - 1 == 6 && !strncmp(open + 1, "always", 6))
		return 0;
	if (close - open - 1 == 7 && !strncmp(open + 1, "madvise", 7))
		return 0;
	snprintf(err, errlen,
		 "transparent hugepages are disabled: %s is [%.*s]; enable them with"
		 " 'echo madvise > %s', or use hugepages = 2M or off",
		 path, (int)(close - open - 1), open + 1, path);
	return -EOPNOTSUPP;
}

/* A node list from sysfs ("0-1\n") into @set; false when absent or not a list. */
static bool parse_nodes(const char *list, cpu_set_t *set)
{
	char buf[4096];
	size_t n;

	if (!list)
		return false;
	snprintf(buf, sizeof(buf), "%s", list);
	n = strlen(buf);
	while (n && isspace((unsigned char)buf[n - 1]))
		buf[--n] = 0;
	return cpulist_parse(buf, set) == 0;
}

int numa_node_check(int node, const char *online, const char *has_memory, bool kernel_numa,
		    char *err, size_t errlen)
{
	cpu_set_t on, mem;
	char list[256];

	if (node < 0)
		return 0;
	if (node > CFG_MAX_NUMA_NODE) {
		snprintf(err, errlen, "NUMA node %d: out of range, expected 0..%d", node,
			 CFG_MAX_NUMA_NODE);
		return -EINVAL;
	}
	if (!kernel_numa) {
		/* no NUMA API: the kernel treats all memory as node 0, nothing to bind */
		if (node == 0)
			return 0;
		snprintf(err, errlen,
			 "NUMA node %d: this kernel has no NUMA support (numa_available() < 0), so"
			 " only node 0 exists; use numa_node = 0 or none",
			 node);
		return -EINVAL;
	}
	if (parse_nodes(online, &on) && !CPU_ISSET(node, &on)) {
		cpulist_format(&on, list, sizeof(list));
		snprintf(err, errlen, "NUMA node %d does not exist on this host (online nodes: %s)",
			 node, list);
		return -EINVAL;
	}
	if (parse_nodes(has_memory, &mem) && !CPU_ISSET(node, &mem)) {
		cpulist_format(&mem, list, sizeof(list));
		snprintf(err, errlen,
			 "NUMA node %d has no memory (a CPU-only node); nodes with memory: %s",
			 node, list);
		return -EINVAL;
	}
	return 1;
}

/* snprintf that appends at *pos and remembers that something did not fit. */
static void append(char *buf, size_t len, size_t *pos, bool *full, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void append(char *buf, size_t len, size_t *pos, bool *full, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*full || !len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - *pos) {
		*full = true;
		*pos = len - 1;
		return;
	}
	*pos += (size_t)n;
}

/* Share of @count in @of as "37%", never rounding a partial share to 0% or 100%. */
static const char *pct(uint64_t count, uint64_t of, char *buf, size_t len)
{
	unsigned p = of && count <= of ? (unsigned)(count * 100 / of) : 100;

	if (count && !p)
		snprintf(buf, len, "<1%%");
	else
		snprintf(buf, len, "%u%%", p == 100 && count < of ? 99 : p);
	return buf;
}

int numa_mem_report_format(const struct numa_mem_report *rep, char *buf, size_t len)
{
	const char *sep = "";
	size_t pos = 0, of = rep->sampled_pages;
	bool full = false;
	char p[16], sz[32];

	if (len)
		buf[0] = 0;
	if (!of)
		append(buf, len, &pos, &full, "no pages sampled");
	for (int node = 0; node < NUMA_REPORT_NODES; node++) {
		if (!rep->on_node[node])
			continue;
		append(buf, len, &pos, &full, "%snode %d: %s (%" PRIu32 " of %zu sampled pages)",
		       sep, node, pct(rep->on_node[node], of, p, sizeof(p)), rep->on_node[node],
		       of);
		sep = ", ";
	}
	if (rep->other_node) {
		append(buf, len, &pos, &full, "%snodes > %d: %s (%" PRIu32 " of %zu sampled pages)",
		       sep, NUMA_REPORT_NODES - 1, pct(rep->other_node, of, p, sizeof(p)),
		       rep->other_node, of);
		sep = ", ";
	}
	if (rep->not_present) {
		append(buf, len, &pos, &full,
		       "%snot present: %s (%" PRIu32 " of %zu sampled pages)", sep,
		       pct(rep->not_present, of, p, sizeof(p)), rep->not_present, of);
		sep = ", ";
	}
	if (rep->failed)
		append(buf, len, &pos, &full,
		       "%sunknown: %s (%" PRIu32 " of %zu sampled pages: %s)", sep,
		       pct(rep->failed, of, p, sizeof(p)), rep->failed, of,
		       strerror(-rep->first_error));
	if (of && of < rep->total_pages)
		append(buf, len, &pos, &full, "; %zu of %zu pages of %s sampled, evenly spaced", of,
		       rep->total_pages, fmt_size(rep->page_bytes, sz, sizeof(sz)));
	if (rep->smaps.found)
		append(buf, len, &pos, &full,
		       "; smaps: KernelPageSize %" PRIu64 " KiB, Rss %" PRIu64
		       " KiB, AnonHugePages %" PRIu64 " KiB, Hugetlb %" PRIu64
		       " KiB, Locked %" PRIu64 " KiB",
		       rep->smaps.kernel_page_kb, rep->smaps.rss_kb, rep->smaps.anon_huge_kb,
		       rep->smaps.hugetlb_kb, rep->smaps.locked_kb);
	return full ? -ENOSPC : (int)pos;
}

/* "Name:   123 kB" -> 123 when @line starts with @name; else false. */
static bool smaps_field(const char *line, const char *name, uint64_t *kb)
{
	size_t n = strlen(name);
	unsigned long long v;

	if (strncmp(line, name, n) || line[n] != ':')
		return false;
	if (sscanf(line + n + 1, " %llu kB", &v) != 1)
		return false;
	*kb = v;
	return true;
}

int numa_smaps_parse(FILE *f, uintptr_t start, uintptr_t end, struct numa_smaps *out)
{
	char *line = NULL;
	size_t cap = 0;
	bool inside = false, have_page_size = false;
	uint64_t kb;

	memset(out, 0, sizeof(*out));
	while (getline(&line, &cap, f) >= 0) {
		uintptr_t lo, hi;

		/* VMA headers are "lo-hi perms ..."; no field name is "hex-hex" */
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " ", &lo, &hi) == 2) {
			inside = lo < end && hi > start;
			if (inside)
				out->vmas++;
			continue;
		}
		if (!inside)
			continue;
		if (smaps_field(line, "KernelPageSize", &kb)) {
			if (!have_page_size)
				out->kernel_page_kb = kb;
			have_page_size = true;
		} else if (smaps_field(line, "Rss", &kb)) {
			out->rss_kb += kb;
		} else if (smaps_field(line, "AnonHugePages", &kb)) {
			out->anon_huge_kb += kb;
		} else if (smaps_field(line, "Private_Hugetlb", &kb) ||
			   smaps_field(line, "Shared_Hugetlb", &kb)) {
			out->hugetlb_kb += kb;
		} else if (smaps_field(line, "Locked", &kb)) {
			out->locked_kb += kb;
		}
	}
	free(line);
	if (ferror(f))
		return -EIO;
	out->found = out->vmas > 0;
	return 0;
}

/* --- the thin layer: files and syscalls ---------------------------------------------- */

/* Reads a small sysfs file into @buf without its trailing newline. 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	int ret = 0;

	if (!f)
		return -errno;
	if (!fgets(buf, (int)len, f))
		ret = ferror(f) ? -EIO : -ENODATA;
	fclose(f);
	if (!ret)
		buf[strcspn(buf, "\n")] = 0;
	return ret;
}

static int read_long(const char *path, long *val)
{
	char buf[64], *end;
	int ret = read_text(path, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*val = strtol(buf, &end, 10);
	if (errno || end == buf)
		return -EINVAL;
	return 0;
}

/* numa_node_check() with the node lists read from @root. */
static int node_check(const struct numa_mem_req *req, char *err, size_t errlen)
{
	char path[PATH_MAX], online[4096], mem[4096];
	const char *root = root_or_sys(req->sysfs_root);
	bool have_online, have_mem;

	if (req->node < 0)
		return 0;
	snprintf(path, sizeof(path), "%s/devices/system/node/online", root);
	have_online = read_text(path, online, sizeof(online)) == 0;
	snprintf(path, sizeof(path), "%s/devices/system/node/has_memory", root);
	have_mem = read_text(path, mem, sizeof(mem)) == 0;
	return numa_node_check(req->node, have_online ? online : NULL, have_mem ? mem : NULL,
			       numa_available() >= 0, err, errlen);
}

/* Reads the pool (the node's when @node >= 0) and applies numa_hugetlb_check(). */
static int hugetlb_pool_check(size_t bytes, const struct numa_mem_req *req, int node,
			      char *err, size_t errlen)
{
	struct numa_mem_req pool = *req;
	char path[PATH_MAX];
	long free_pages, nr_pages = -1, resv = 0;
	int ret;

	pool.node = node;
	ret = numa_hugetlb_path(path, sizeof(path), req->sysfs_root, node, req->hugepages,
				"free_hugepages");
	if (ret < 0) {
		snprintf(err, errlen, "%s: sysfs path too long", page_name(req->hugepages));
		return ret;
	}
	ret = read_long(path, &free_pages);
	if (ret == -ENOENT) {
		snprintf(err, errlen,
			 "this host has no %ss: %s does not exist%s", page_name(req->hugepages),
			 path,
			 req->hugepages == CFG_HUGEPAGES_1G ?
				 " (1G pages need the CPU flag pdpe1gb and a kernel with"
				 " CONFIG_HUGETLB_PAGE)" :
				 " (kernel without CONFIG_HUGETLB_PAGE?)");
		return -EOPNOTSUPP;
	}
	if (ret) {
		snprintf(err, errlen, "%ss: read %s: %s", page_name(req->hugepages), path,
			 strerror(-ret));
		return ret;
	}
	/*
	 * Only the global pool has resv_hugepages: pages other mappings (another VM) have
	 * reserved are still counted free until faulted in, so they are not free for us.
	 */
	if (node < 0 && numa_hugetlb_path(path, sizeof(path), req->sysfs_root, -1,
					  req->hugepages, "resv_hugepages") >= 0 &&
	    read_long(path, &resv) == 0 && resv > 0)
		free_pages = free_pages > resv ? free_pages - resv : 0;
	if (numa_hugetlb_path(path, sizeof(path), req->sysfs_root, node, req->hugepages,
			      "nr_hugepages") >= 0 &&
	    read_long(path, &nr_pages))
		nr_pages = -1;
	return numa_hugetlb_check(bytes, &pool, free_pages, nr_pages, err, errlen);
}

static int thp_check(const struct numa_mem_req *req, char *err, size_t errlen)
{
	char path[PATH_MAX], text[256];
	int ret;

	snprintf(path, sizeof(path), "%s/kernel/mm/transparent_hugepage/enabled",
		 root_or_sys(req->sysfs_root));
	ret = read_text(path, text, sizeof(text));
	if (ret && ret != -ENOENT) {
		snprintf(err, errlen, "transparent hugepages: read %s: %s", path, strerror(-ret));
		return ret;
	}
	return numa_thp_check(ret ? NULL : text, path, err, errlen);
}

/*
 * Anonymous mmap whose start is aligned to @align: a THP can only back a 2 MiB-aligned
 * 2 MiB block, and KVM maps guest memory with large pages only where host addresses and
 * guest addresses are aligned alike. Maps more and trims, so munmap(mem, bytes) undoes it.
 */
static void *mmap_aligned(size_t bytes, size_t align, int flags)
{
	size_t extra = align > 1 ? align : 0;
	uint8_t *raw = mmap(NULL, bytes + extra, PROT_READ | PROT_WRITE, flags, -1, 0);
	uintptr_t start;

	if (raw == MAP_FAILED || !extra)
		return raw;
	start = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
	if (start > (uintptr_t)raw)
		munmap(raw, start - (uintptr_t)raw);
	if ((uintptr_t)raw + bytes + extra > start + bytes)
		munmap((void *)(start + bytes), (uintptr_t)raw + bytes + extra - start - bytes);
	return (void *)start;
}

static int bind_node(void *mem, size_t bytes, int node, char *err, size_t errlen)
{
	unsigned long mask[CFG_MAX_NUMA_NODE / ULONG_BITS + 1] = { 0 };
	char size[32];
	int ret;

	mask[(unsigned)node / ULONG_BITS] |= 1UL << ((unsigned)node % ULONG_BITS);
	/* maxnode counts one past the highest bit: the kernel drops the last one */
	if (mbind(mem, bytes, MPOL_BIND, mask, (unsigned long)node + 2,
		  MPOL_MF_STRICT | MPOL_MF_MOVE) == 0)
		return 0;
	ret = -errno;
	snprintf(err, errlen, "bind %s of guest RAM to NUMA node %d: mbind(MPOL_BIND): %s",
		 fmt_size(bytes, size, sizeof(size)), node, strerror(-ret));
	return ret;
}

int numa_mem_map(void **out, size_t bytes, const struct numa_mem_req *req, char *err,
		 size_t errlen)
{
	size_t huge = numa_hugetlb_bytes(req->hugepages);
	int flags = MAP_PRIVATE | MAP_ANONYMOUS;
	char size[32];
	void *mem;
	int bind, ret;

	*out = NULL;
	ret = numa_size_check(bytes, req->hugepages, err, errlen);
	if (ret)
		return ret;
	bind = node_check(req, err, errlen);
	if (bind < 0)
		return bind;
	if (huge) {
		/* bound: only the node's pool counts; mmap's reservation looks at all nodes */
		ret = hugetlb_pool_check(bytes, req, bind ? req->node : -1, err, errlen);
		if (ret)
			return ret;
		/*
		 * No MAP_NORESERVE here: the reservation at mmap time turns a short pool into
		 * an error now instead of a SIGBUS when the guest touches the page.
		 */
		flags |= MAP_HUGETLB | (int)(__builtin_ctzll(huge) << MAP_HUGE_SHIFT);
	} else {
		if (req->hugepages == CFG_HUGEPAGES_THP) {
			ret = thp_check(req, err, errlen);
			if (ret)
				return ret;
		}
		/* as before: memory is committed by prefault/lock, or lazily by the guest */
		flags |= MAP_NORESERVE;
	}
	mem = huge ? mmap(NULL, bytes, PROT_READ | PROT_WRITE, flags, -1, 0) :
		     mmap_aligned(bytes, bytes >= SZ_2M ? SZ_2M : 0, flags);
	if (mem == MAP_FAILED) {
		ret = -errno;
		if (huge)
			snprintf(err, errlen,
				 "mmap %s of guest RAM in %ss: %s (the pool looked large enough;"
				 " another process may have taken the pages)",
				 fmt_size(bytes, size, sizeof(size)), page_name(req->hugepages),
				 strerror(-ret));
		else
			snprintf(err, errlen, "mmap %s of guest RAM: %s",
				 fmt_size(bytes, size, sizeof(size)), strerror(-ret));
		return ret;
	}
	if (req->hugepages == CFG_HUGEPAGES_THP && madvise(mem, bytes, MADV_HUGEPAGE)) {
		ret = -errno;
		snprintf(err, errlen, "transparent hugepages: madvise(MADV_HUGEPAGE): %s",
			 strerror(-ret));
		munmap(mem, bytes);
		return ret == -EINVAL ? -EOPNOTSUPP : ret;
	}
	if (bind) {
		ret = bind_node(mem, bytes, req->node, err, errlen);
		if (ret) {
			munmap(mem, bytes);
			return ret;
		}
	}
	*out = mem;
	return 0;
}

int numa_mem_prefault(void *mem, size_t bytes, const struct numa_mem_req *req, char *err,
		      size_t errlen)
{
	size_t step = numa_page_bytes(req->hugepages);
	char size[32], where[32] = "";
	int ret;

	if (madvise(mem, bytes, MADV_POPULATE_WRITE) == 0)
		return 0;
	ret = -errno;
	if (ret == -EINVAL) {
		/*
		 * Kernels before 5.14 do not know the advice: touch each page instead, reading
		 * and writing back so content survives. A short hugetlb pool raises SIGBUS
		 * here, which the pool check before mmap is there to prevent.
		 */
		for (size_t off = 0; off < bytes; off += step) {
			volatile uint8_t *p = (volatile uint8_t *)mem + off;

			*p = *p;
		}
		return 0;
	}
	if (req->node >= 0)
		snprintf(where, sizeof(where), " on NUMA node %d", req->node);
	fmt_size(bytes, size, sizeof(size));
	if (numa_hugetlb_bytes(req->hugepages) && (ret == -EFAULT || ret == -ENOMEM)) {
		snprintf(err, errlen,
			 "prefault %s of guest RAM: %s (the %s pool%s ran out while faulting in)",
			 size, strerror(-ret), page_name(req->hugepages), where);
		return -ENOMEM;
	}
	snprintf(err, errlen, "prefault %s of guest RAM%s: madvise(MADV_POPULATE_WRITE): %s%s",
		 size, where, strerror(-ret),
		 ret == -ENOMEM ? " (not enough free memory there)" : "");
	return ret;
}

int numa_mem_lock(void *mem, size_t bytes, char *err, size_t errlen)
{
	struct rlimit rl;
	char size[32], limit[48];
	int ret;

	/*
	 * The raw syscall: the sanitizer runtimes turn mlock() into a no-op that returns 0,
	 * and the sanitizer build must lock (and report failures) like the real one.
	 */
	if (syscall(SYS_mlock, mem, bytes) == 0)
		return 0;
	ret = -errno;
	fmt_size(bytes, size, sizeof(size));
	if ((ret != -ENOMEM && ret != -EPERM) || getrlimit(RLIMIT_MEMLOCK, &rl)) {
		snprintf(err, errlen, "mlock %s of guest RAM: %s", size, strerror(-ret));
		return ret;
	}
	if (rl.rlim_cur == RLIM_INFINITY) {
		snprintf(err, errlen,
			 "mlock %s of guest RAM: %s (RLIMIT_MEMLOCK is unlimited: the host is short"
			 " of memory)",
			 size, strerror(-ret));
		return ret;
	}
	snprintf(limit, sizeof(limit), "%llu KiB", (unsigned long long)rl.rlim_cur >> 10);
	snprintf(err, errlen,
		 "mlock %s of guest RAM: %s (RLIMIT_MEMLOCK is %s, %zu KiB needed: raise it with"
		 " LimitMEMLOCK=infinity in the service unit or 'ulimit -l unlimited', or run as"
		 " root / with CAP_IPC_LOCK)",
		 size, strerror(-ret), limit, bytes >> 10);
	return ret;
}

int numa_mem_where(const void *mem, size_t bytes, size_t page_bytes,
		   struct numa_mem_report *rep)
{
	void *pages[WHERE_BATCH];
	int status[WHERE_BATCH];
	size_t total, sampled;

	memset(rep, 0, sizeof(*rep));
	if (!mem || !bytes || !page_bytes || bytes % page_bytes || (uintptr_t)mem % page_bytes)
		return -EINVAL;
	total = bytes / page_bytes;
	sampled = total < NUMA_WHERE_MAX_SAMPLES ? total : NUMA_WHERE_MAX_SAMPLES;
	rep->page_bytes = page_bytes;
	rep->total_pages = total;
	rep->sampled_pages = sampled;
	rep->stride_pages = total / sampled;

	for (size_t i = 0; i < sampled; i += WHERE_BATCH) {
		size_t n = sampled - i < WHERE_BATCH ? sampled - i : WHERE_BATCH;

		for (size_t j = 0; j < n; j++) {
			/* evenly spaced: page k of `sampled` sits at k * total / sampled */
			uint64_t page = (uint64_t)(i + j) * total / sampled;

			pages[j] = (uint8_t *)mem + page * page_bytes;
		}
		/* no target nodes: the kernel only reports each page's node in status */
		if (move_pages(0, n, pages, NULL, status, 0)) {
			int ret = -errno;

			memset(rep, 0, sizeof(*rep));
			return ret == -ENOSYS ? -EOPNOTSUPP : ret;
		}
		for (size_t j = 0; j < n; j++) {
			if (status[j] >= NUMA_REPORT_NODES) {
				rep->other_node++;
			} else if (status[j] >= 0) {
				rep->on_node[status[j]]++;
			} else if (status[j] == -ENOENT) {
				rep->not_present++;
			} else {
				rep->failed++;
				if (!rep->first_error)
					rep->first_error = status[j];
			}
		}
	}
	return 0;
}

int numa_mem_pagesize(const void *mem, size_t bytes, const char *proc_root,
		      struct numa_mem_report *rep)
{
	char path[PATH_MAX];
	FILE *f;
	int ret;

	snprintf(path, sizeof(path), "%s/self/smaps", proc_root ? proc_root : "/proc");
	f = fopen(path, "re");
	if (!f)
		return -errno;
	ret = numa_smaps_parse(f, (uintptr_t)mem, (uintptr_t)mem + bytes, &rep->smaps);
	fclose(f);
	return ret;
}

void numa_mem_unmap(void *mem, size_t bytes)
{
	if (mem)
		munmap(mem, bytes);
}
