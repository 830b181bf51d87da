// SPDX-License-Identifier: Apache-2.0
/*
 * Host facts (see host.h): small readers of sysfs/procfs files under given roots, a
 * mounts-file reader for the cgroup hierarchies, and the syscall probes. Every reader
 * treats a missing file as "feature absent" because that is what the kernel means by it
 * (sched_util_clamp_min exists only with CONFIG_UCLAMP_TASK, nohz_full only with
 * CONFIG_NO_HZ_FULL, ...). Judging the facts is src/check's job.
 */
#include "host.h"

#include "../config/cpulist.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PR_SCHED_CORE
#define PR_SCHED_CORE 62
#define PR_SCHED_CORE_GET 0
#endif
#ifndef PR_SCHED_CORE_SCOPE_THREAD
#define PR_SCHED_CORE_SCOPE_THREAD 0 /* PIDTYPE_PID */
#endif

#define N_ELEMS(a) (sizeof(a) / sizeof((a)[0]))

/* Controllers a v1 mount can carry; everything else in its options is a mount option. */
static const char *const v1_controllers[] = {
	"cpu",	   "cpuacct", "cpuset",	 "memory",  "devices", "freezer", "net_cls", "blkio",
	"perf_event", "net_prio", "hugetlb", "pids", "rdma",    "misc",	   "debug",
};

void host_facts_init(struct host_facts *f)
{
	memset(f, 0, sizeof(*f));
	f->euid = (uid_t)-1;
	f->rtprio.rlim_cur = f->rtprio.rlim_max = 0;
	f->memlock.rlim_cur = f->memlock.rlim_max = 0;
	f->core_sched = -EOPNOTSUPP;
	f->rt_runtime_us = HOST_UNKNOWN;
	f->rt_period_us = HOST_UNKNOWN;
	f->smt_active = -1;
	f->self_rt_runtime_us = HOST_UNKNOWN;
}

static int join(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s%s", a, b);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Reads a small file whole, without its trailing newlines. Returns 0 or -errno. */
static int read_text(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	size_t n;

	buf[0] = 0;
	if (!f)
		return -errno;
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = 0;
	return 0;
}

static int read_under(const char *root, const char *rel, char *buf, size_t len)
{
	char path[PATH_MAX];

	if (join(path, sizeof(path), root, rel))
		return -ENAMETOOLONG;
	return read_text(path, buf, len);
}

static int64_t parse_i64(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || (*end && !isspace((unsigned char)*end)))
		return HOST_UNKNOWN;
	return v;
}

static int64_t read_i64_under(const char *root, const char *rel)
{
	char buf[64];

	return read_under(root, rel, buf, sizeof(buf)) ? HOST_UNKNOWN : parse_i64(buf);
}

/*
 * Reads a CPU (or node) list file into @set. An empty file, or "(null)" (what the kernel
 * prints for a mask it never allocated, e.g. nohz_full without the parameter), is an
 * empty set. Returns 0 or -errno when the file is missing or unparsable.
 */
int host_read_cpulist(const char *root, const char *rel, cpu_set_t *set)
{
	char buf[1024];
	int ret = read_under(root, rel, buf, sizeof(buf));

	CPU_ZERO(set);
	if (ret)
		return ret;
	if (!buf[0] || !strcmp(buf, "(null)"))
		return 0;
	return cpulist_parse(buf, set);
}

static bool path_exists(const char *root, const char *rel)
{
	char path[PATH_MAX];
	struct stat st;

	return !join(path, sizeof(path), root, rel) && stat(path, &st) == 0;
}

int host_parse_capeff(const char *status, uint64_t *caps)
{
	const char *p = status;

	while (p && *p) {
		if (!strncmp(p, "CapEff:", 7)) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(p + 7, &end, 16);
			if (errno || end == p + 7)
				return -ENOENT;
			*caps = v;
			return 0;
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return -ENOENT;
}

int host_cmdline_arg(const char *cmdline, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	const char *p = cmdline;
	int found = 0;

	if (len)
		val[0] = 0;
	while (*p) {
		const char *tok, *end;
		bool quoted = false;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		tok = p;
		/* the kernel allows blanks inside double quotes: key="a b" */
		for (end = p; *end && (quoted || !isspace((unsigned char)*end)); end++)
			if (*end == '"')
				quoted = !quoted;
		p = end;
		if (end - tok == 2 && !strncmp(tok, "--", 2))
			break;
		if ((size_t)(end - tok) < klen || strncmp(tok, key, klen))
			continue;
		if (tok + klen == end) {
			found = 1;
			if (len)
				val[0] = 0;
		} else if (tok[klen] == '=') {
			const char *v = tok + klen + 1;
			size_t n = (size_t)(end - v);

			if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
				v++;
				n -= 2;
			}
			found = 1;
			if (len) {
				if (n >= len)
					n = len - 1;
				memcpy(val, v, n);
				val[n] = 0;
			}
		}
	}
	return found;
}

/* Undoes the octal escapes (\040 for a blank) the kernel writes into mounts fields. */
static void unescape_mount(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = 0;
}

static bool list_has(const char *list, const char *sep, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, sep);

		if (n == wl && !strncmp(p, word, wl))
			return true;
		p += n;
		p += strspn(p, sep);
	}
	return false;
}

static void add_v1(struct host_facts *f, const char *mount, const char *opts)
{
	struct host_cgroup_v1 *h;
	size_t n = 0;

	if (f->n_v1 >= HOST_MAX_CGROUP_V1 || strlen(mount) >= sizeof(h->mount))
		return;
	h = &f->v1[f->n_v1++];
	snprintf(h->mount, sizeof(h->mount), "%s", mount);
	h->controllers[0] = 0;
	for (size_t i = 0; i < N_ELEMS(v1_controllers); i++) {
		if (!list_has(opts, ",", v1_controllers[i]))
			continue;
		n += (size_t)snprintf(h->controllers + n, sizeof(h->controllers) - n, "%s%s",
				      n ? "," : "", v1_controllers[i]);
		if (n >= sizeof(h->controllers))
			break;
	}
}

static void read_mounts(struct host_facts *f, const char *proc_root)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *m;

	if (join(path, sizeof(path), proc_root, "/self/mounts"))
		return;
	m = fopen(path, "re");
	if (!m)
		return;
	while (getline(&line, &cap, m) > 0) {
		char *save, *src, *mnt, *type, *opts;

		src = strtok_r(line, " \t\n", &save);
		mnt = strtok_r(NULL, " \t\n", &save);
		type = strtok_r(NULL, " \t\n", &save);
		opts = strtok_r(NULL, " \t\n", &save);
		if (!src || !mnt || !type || !opts)
			continue;
		unescape_mount(mnt);
		if (!strcmp(type, "cgroup"))
			add_v1(f, mnt, opts);
		else if (!strcmp(type, "cgroup2") && !f->v2_mount[0] &&
			 strlen(mnt) < sizeof(f->v2_mount))
			snprintf(f->v2_mount, sizeof(f->v2_mount), "%s", mnt);
	}
	free(line);
	fclose(m);
}

/* This process's cgroup in the v1 hierarchy that has @controller, from <proc>/self/cgroup. */
static void read_self_cgroup(const char *proc_root, const char *controller, char *out,
			     size_t len)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	FILE *f;

	out[0] = 0;
	if (join(path, sizeof(path), proc_root, "/self/cgroup"))
		return;
	f = fopen(path, "re");
	if (!f)
		return;
	while (getline(&line, &cap, f) > 0) {
		char *ctrls = strchr(line, ':'), *cg;

		if (!ctrls || !(cg = strchr(++ctrls, ':')))
			continue;
		*cg++ = 0;
		cg[strcspn(cg, "\n")] = 0;
		if (list_has(ctrls, ",", controller) && strlen(cg) < len) {
			snprintf(out, len, "%s", cg);
			break;
		}
	}
	free(line);
	fclose(f);
}

static void read_cgroups(struct host_facts *f, const char *proc_root)
{
	const struct host_cgroup_v1 *cpu;
	char rel[1200];

	read_mounts(f, proc_root);
	if (f->v2_mount[0] &&
	    read_under(f->v2_mount, "/cgroup.controllers", f->v2_controllers,
		       sizeof(f->v2_controllers)))
		f->v2_controllers[0] = 0;
	cpu = host_cgroup_v1_find(f, "cpu");
	if (!cpu)
		return;
	/* CONFIG_RT_GROUP_SCHED adds the RT budget files to every cpu cgroup, the root too */
	f->rt_group_sched = path_exists(cpu->mount, "/cpu.rt_runtime_us");
	read_self_cgroup(proc_root, "cpu", f->self_cpu_cgroup, sizeof(f->self_cpu_cgroup));
	if (f->rt_group_sched && f->self_cpu_cgroup[0]) {
		snprintf(rel, sizeof(rel), "%s/cpu.rt_runtime_us",
			 strcmp(f->self_cpu_cgroup, "/") ? f->self_cpu_cgroup : "");
		f->self_rt_runtime_us = read_i64_under(cpu->mount, rel);
	}
}

static int cmp_huge(const void *a, const void *b)
{
	const struct host_hugepages *x = a, *y = b;

	return x->size_kb < y->size_kb ? -1 : x->size_kb > y->size_kb;
}

static void read_hugepages(struct host_facts *f, const char *sys_root)
{
	char dir[PATH_MAX], rel[320];
	struct dirent *de;
	DIR *d;

	if (join(dir, sizeof(dir), sys_root, "/kernel/mm/hugepages"))
		return;
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d)) && f->n_huge < HOST_MAX_HUGEPAGE_SIZES) {
		struct host_hugepages *h = &f->huge[f->n_huge];
		unsigned long long kb;
		char tail[4];

		if (sscanf(de->d_name, "hugepages-%llu%3s", &kb, tail) != 2 || strcmp(tail, "kB"))
			continue;
		h->size_kb = kb;
		snprintf(rel, sizeof(rel), "/%s/nr_hugepages", de->d_name);
		h->nr = read_i64_under(dir, rel);
		snprintf(rel, sizeof(rel), "/%s/free_hugepages", de->d_name);
		h->free = read_i64_under(dir, rel);
		snprintf(rel, sizeof(rel), "/%s/resv_hugepages", de->d_name);
		h->resv = read_i64_under(dir, rel);
		if (h->resv == HOST_UNKNOWN)
			h->resv = 0;
		f->n_huge++;
	}
	closedir(d);
	qsort(f->huge, f->n_huge, sizeof(f->huge[0]), cmp_huge);
}

/* The bracketed word of a sysfs choice file: "always [madvise] never" -> "madvise". */
static void read_choice(const char *root, const char *rel, char *out, size_t len)
{
	char buf[256], *open, *close;

	out[0] = 0;
	if (read_under(root, rel, buf, sizeof(buf)))
		return;
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close || (size_t)(close - open - 1) >= len)
		return;
	*close = 0;
	snprintf(out, len, "%s", open + 1);
}

/* Whether the first "flags" line of cpuinfo has @flag. */
static bool cpuinfo_has_flag(const char *proc_root, const char *flag)
{
	char path[PATH_MAX], *line = NULL;
	size_t cap = 0;
	bool found = false;
	FILE *f;

	if (join(path, sizeof(path), proc_root, "/cpuinfo") || !(f = fopen(path, "re")))
		return false;
	while (getline(&line, &cap, f) > 0) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "flags", 5) || !colon)
			continue;
		found = list_has(colon + 1, " \t\n", flag);
		break;
	}
	free(line);
	fclose(f);
	return found;
}

static void read_cmdline(struct host_facts *f, const char *proc_root)
{
	char cmdline[8192];

	if (read_under(proc_root, "/cmdline", cmdline, sizeof(cmdline)))
		return;
	host_cmdline_arg(cmdline, "isolcpus", f->isolcpus_arg, sizeof(f->isolcpus_arg));
	host_cmdline_arg(cmdline, "nohz_full", f->nohz_full_arg, sizeof(f->nohz_full_arg));
	f->rcu_nocbs_given = host_cmdline_arg(cmdline, "rcu_nocbs", f->rcu_nocbs_arg,
					      sizeof(f->rcu_nocbs_arg));
	host_cmdline_arg(cmdline, "split_lock_detect", f->split_lock_arg,
			 sizeof(f->split_lock_arg));
}

/* KVM's vendor modules, hardware first: a host has one of them. */
static const char *const kvm_modules[] = { "kvm_intel", "kvm_amd", "kvm_pvm" };

int host_read(struct host_facts *f, const char *sys_root, const char *proc_root)
{
	char buf[8192];
	int64_t smt;

	if (strlen(sys_root) > PATH_MAX / 2 || strlen(proc_root) > PATH_MAX / 2)
		return -ENAMETOOLONG;

	if (!read_under(proc_root, "/self/status", buf, sizeof(buf)))
		f->cap_known = host_parse_capeff(buf, &f->cap_eff) == 0;

	f->rt_runtime_us = read_i64_under(proc_root, "/sys/kernel/sched_rt_runtime_us");
	f->rt_period_us = read_i64_under(proc_root, "/sys/kernel/sched_rt_period_us");
	f->uclamp = path_exists(proc_root, "/sys/kernel/sched_util_clamp_min");
	smt = read_i64_under(sys_root, "/devices/system/cpu/smt/active");
	f->smt_active = smt == 0 || smt == 1 ? (int)smt : -1;
	if (read_under(sys_root, "/devices/system/cpu/smt/control", f->smt_control,
		       sizeof(f->smt_control)))
		f->smt_control[0] = 0;

	read_cgroups(f, proc_root);

	f->numa_known = host_read_cpulist(sys_root, "/devices/system/node/online",
					&f->numa_nodes) == 0;
	read_hugepages(f, sys_root);
	read_choice(sys_root, "/kernel/mm/transparent_hugepage/enabled", f->thp, sizeof(f->thp));

	f->cpus_known = host_read_cpulist(sys_root, "/devices/system/cpu/online", &f->online) == 0;
	if (host_read_cpulist(sys_root, "/devices/system/cpu/present", &f->present))
		f->present = f->online;
	host_read_cpulist(sys_root, "/devices/system/cpu/isolated", &f->isolated);
	f->nohz_full_supported = host_read_cpulist(sys_root, "/devices/system/cpu/nohz_full",
						 &f->nohz_full) == 0;
	read_cmdline(f, proc_root);
	f->split_lock_flag = cpuinfo_has_flag(proc_root, "split_lock_detect");
	for (size_t i = 0; i < sizeof(kvm_modules) / sizeof(kvm_modules[0]); i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "/module/%s", kvm_modules[i]);
		if (path_exists(sys_root, rel)) {
			snprintf(f->kvm_module, sizeof(f->kvm_module), "%s", kvm_modules[i]);
			break;
		}
	}
	return 0;
}

bool host_kvm_is_hardware(const struct host_facts *f)
{
	return !strcmp(f->kvm_module, "kvm_intel") || !strcmp(f->kvm_module, "kvm_amd");
}

int host_core_sched_probe(void)
{
	unsigned long cookie = 0;

	if (prctl(PR_SCHED_CORE, PR_SCHED_CORE_GET, 0, PR_SCHED_CORE_SCOPE_THREAD, &cookie) == 0)
		return 0;
	/* EINVAL: a kernel without CONFIG_SCHED_CORE; ENODEV: one without SMT */
	if (errno == EINVAL || errno == ENODEV || errno == EOPNOTSUPP)
		return -EOPNOTSUPP;
	return -errno;
}

int host_probe_process(struct host_facts *f)
{
	f->euid = geteuid();
	f->core_sched = host_core_sched_probe();
	if (getrlimit(RLIMIT_RTPRIO, &f->rtprio) || getrlimit(RLIMIT_MEMLOCK, &f->memlock))
		return -errno;
	return 0;
}

bool host_has_cap(const struct host_facts *f, int cap)
{
	return f->cap_known && cap >= 0 && cap < 64 && (f->cap_eff >> cap) & 1;
}

const struct host_hugepages *host_hugepages_find(const struct host_facts *f, uint64_t size_kb)
{
	for (unsigned i = 0; i < f->n_huge; i++)
		if (f->huge[i].size_kb == size_kb)
			return &f->huge[i];
	return NULL;
}

const struct host_cgroup_v1 *host_cgroup_v1_find(const struct host_facts *f,
						  const char *controller)
{
	for (unsigned i = 0; i < f->n_v1; i++)
		if (list_has(f->v1[i].controllers, ",", controller))
			return &f->v1[i];
	return NULL;
}

bool host_cgroup_v2_has(const struct host_facts *f, const char *controller)
{
	return f->v2_mount[0] && list_has(f->v2_controllers, " \t", controller);
}

int host_cgroup_can_create(const char *mount, const char *rel, char *err, size_t errlen)
{
	char path[PATH_MAX], file[PATH_MAX + 16];
	size_t base = strlen(mount);
	struct stat st;
	const char *what = path;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s", mount, rel);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "cgroup path %s/%s is too long", mount, rel);
		return -ENAMETOOLONG;
	}
	if (stat(path, &st) == 0) {
		/* it exists: joining it is a write to its process list (v2, else v1 tasks) */
		snprintf(file, sizeof(file), "%s/cgroup.procs", path);
		if (stat(file, &st) != 0)
			snprintf(file, sizeof(file), "%s/tasks", path);
		what = file;
	} else {
		/* creating it is a mkdir in the deepest ancestor that exists */
		char *slash;

		while ((slash = strrchr(path, '/')) && (size_t)(slash - path) >= base) {
			*slash = 0;
			if (stat(path, &st) == 0)
				break;
		}
	}
	if (access(what, W_OK) == 0)
		return 0;
	n = -errno;
	snprintf(err, errlen, "%s is not writable: %s", what, strerror(-n));
	return n;
}
