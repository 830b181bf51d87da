// SPDX-License-Identifier: Apache-2.0
/*
 * cgroup placement (see cgroup.h). Preparation and cleanup run on the VM's main thread
 * and record what they created in struct cg_vm; attach runs in the vCPU threads and only
 * reads struct cg_host. The kernel's rules this follows: cgroup v1 cpuset children start
 * with empty cpus/mems and refuse tasks until filled; with RT group scheduling an RT task
 * may only sit in a cgroup with cpu.rt_runtime_us > 0, and the children's runtime/period
 * ratios add up to at most their parent's (Documentation/scheduler/sched-rt-group.rst);
 * on cgroup v2 the threads of one process can be spread only inside a threaded subtree
 * (Documentation/admin-guide/cgroup-v2.rst, "Threads").
 */
#include "cgroup.h"

#include "../config/cpulist.h"

#include <libcgroup.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mntent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PERM_HINT "; needs root or delegation of this cgroup subtree" \
		  " (v2: write access to cgroup.procs of the common ancestor)"

/* How long cleanup waits for exited threads to leave a cgroup (rmdir says EBUSY). */
#define RMDIR_TRIES 200
#define RMDIR_WAIT_NS 1000000L

__attribute__((format(printf, 3, 4)))
static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (!len)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* Append to a message already in @buf (a hint after an error, one more info item). */
__attribute__((format(printf, 3, 4)))
static void add(char *buf, size_t len, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (!len)
		return;
	used = strnlen(buf, len);
	if (used >= len - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* One "cgroup REL: ..." item for the caller's log line, "; "-separated. */
__attribute__((format(printf, 4, 5)))
static void add_info(char *info, size_t len, const char *rel, const char *fmt, ...)
{
	char item[PATH_MAX + 256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(item, sizeof(item), fmt, ap);
	va_end(ap);
	add(info, len, "%scgroup %s: %s", len && info[0] ? "; " : "", rel, item);
}

/* "@a/@b", or @a alone when @b is empty. */
static int join(char *out, size_t len, const char *a, const char *b)
{
	int n = b[0] ? snprintf(out, len, "%s/%s", a, b) : snprintf(out, len, "%s", a);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

static int join_err(char *out, size_t len, const char *a, const char *b, char *err,
		    size_t errlen)
{
	int ret = join(out, len, a, b);

	if (ret)
		say(err, errlen, "path %s/%s: longer than %zu bytes", a, b, len - 1);
	return ret;
}

static int write_file(const char *path, const char *val, char *err, size_t errlen)
{
	size_t n = strlen(val);
	ssize_t w;
	int fd, ret;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	w = write(fd, val, n);
	if (w < 0) {
		ret = -errno;
		close(fd);
		errno = -ret;
		goto fail;
	}
	if (close(fd) < 0)
		goto fail;
	if ((size_t)w != n) {
		say(err, errlen, "write '%s' to %s: short write (%zd of %zu bytes)", val, path, w,
		    n);
		return -EIO;
	}
	return 0;
fail:
	ret = -errno;
	say(err, errlen, "write '%s' to %s: %s%s", val, path, strerror(-ret),
	    ret == -EACCES || ret == -EPERM ? PERM_HINT : "");
	return ret;
}

/* Read a small control file, trailing whitespace removed. Returns its length or -errno. */
static int read_file(const char *path, char *buf, size_t len)
{
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	ret = -errno;
	close(fd);
	if (n < 0)
		return ret;
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = 0;
	return (int)n;
}

static int read_file_err(const char *path, char *buf, size_t len, char *err, size_t errlen)
{
	int ret = read_file(path, buf, len);

	if (ret < 0)
		say(err, errlen, "read %s: %s%s", path, strerror(-ret),
		    ret == -EACCES || ret == -EPERM ? PERM_HINT : "");
	return ret;
}

static bool has_token(const char *list, const char *tok)
{
	size_t n = strlen(tok);

	for (const char *p = list; (p = strstr(p, tok)); p += n) {
		/* "+cpuset" is what a test tree holds after rtvmm wrote it. */
		if ((p == list || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '+') &&
		    (p[n] == 0 || p[n] == ' ' || p[n] == '\n'))
			return true;
	}
	return false;
}

/*
 * Copy the configured path without leading/trailing slashes; refuse empty, "." and ".."
 * components (the path must stay below the cgroup root).
 */
static int norm_path(const char *in, char *out, size_t len, char *err, size_t errlen)
{
	size_t n;

	while (*in == '/')
		in++;
	n = strlen(in);
	while (n && in[n - 1] == '/')
		n--;
	if (n >= len) {
		say(err, errlen, "cgroup path '%s': longer than %zu bytes", in, len - 1);
		return -ENAMETOOLONG;
	}
	memcpy(out, in, n);
	out[n] = 0;
	for (const char *c = out; n && c <= out + n;) {
		size_t l = strcspn(c, "/");

		if (l == 0 || (l == 1 && c[0] == '.') || (l == 2 && c[0] == '.' && c[1] == '.')) {
			say(err, errlen,
			    "cgroup path '%s': empty, '.' or '..' component; expected a path "
			    "below the cgroup root such as rtvmm/rt-guest", in);
			return -EINVAL;
		}
		c += l + 1;
	}
	return 0;
}

/* Length of the first @depth + 1 components of normalized @rel (number of components: -1). */
static size_t prefix_len(const char *rel, int depth)
{
	size_t i = 0;

	for (;; i++) {
		if (rel[i] == 0 || (rel[i] == '/' && depth-- == 0))
			return i;
	}
}

static int depth_of(const char *rel)
{
	int d = 1;

	for (const char *c = rel; *c; c++)
		d += *c == '/';
	return d;
}

/* The directory of cgroup @rel's first @depth + 1 components below @root (-1: @root). */
static int dir_at(char *out, size_t len, const char *root, const char *rel, int depth)
{
	char pre[PATH_MAX];
	size_t n = depth < 0 ? 0 : prefix_len(rel, depth);

	memcpy(pre, rel, n);
	pre[n] = 0;
	return join(out, len, root, pre);
}

/* ---- what a VM created -------------------------------------------------------------- */

void cg_vm_init(struct cg_vm *vm, pid_t pid)
{
	memset(vm, 0, sizeof(*vm));
	vm->pid = pid ? pid : getpid();
}

static bool vm_created(const struct cg_vm *vm, const char *dir)
{
	for (size_t i = 0; i < vm->n_created; i++) {
		if (!strcmp(vm->created[i], dir))
			return true;
	}
	return false;
}

static int vm_record(struct cg_vm *vm, const char *dir, char *err, size_t errlen)
{
	char *copy = strdup(dir);

	if (copy && vm->n_created == vm->cap_created) {
		size_t cap = vm->cap_created ? 2 * vm->cap_created : 8;
		char **n = realloc(vm->created, cap * sizeof(*n));

		if (!n) {
			free(copy);
			copy = NULL;
		} else {
			vm->created = n;
			vm->cap_created = cap;
		}
	}
	if (!copy) {
		say(err, errlen, "record cgroup %s: out of memory", dir);
		return -ENOMEM;
	}
	vm->created[vm->n_created++] = copy;
	return 0;
}

/*
 * mkdir each directory of @rel below @root; record the ones made. With @copy_cpuset, a
 * new directory gets its parent's cpuset.cpus and cpuset.mems before anything else
 * happens (a v1 cpuset child starts empty).
 */
static int make_dirs(struct cg_vm *vm, const char *root, const char *rel, bool copy_cpuset,
		     char *err, size_t errlen)
{
	static const char *const inherit[] = { "cpuset.cpus", "cpuset.mems" };
	char dir[PATH_MAX], parent[PATH_MAX], file[PATH_MAX], val[4096];
	struct stat st;
	int ret;

	for (int d = 0; d < depth_of(rel); d++) {
		if (dir_at(dir, sizeof(dir), root, rel, d) ||
		    dir_at(parent, sizeof(parent), root, rel, d - 1)) {
			say(err, errlen, "cgroup %s/%s: path too long", root, rel);
			return -ENAMETOOLONG;
		}
		if (mkdir(dir, 0755) < 0) {
			ret = -errno;
			if (ret == -EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				continue;
			say(err, errlen, "create cgroup %s: %s%s", dir, strerror(-ret),
			    ret == -EACCES || ret == -EPERM ? PERM_HINT :
			    ret == -EEXIST ? " (exists and is not a directory)" : "");
			return ret;
		}
		ret = vm_record(vm, dir, err, errlen);
		if (ret)
			return ret;
		for (size_t i = 0; copy_cpuset && i < 2; i++) {
			ret = join_err(file, sizeof(file), parent, inherit[i], err, errlen);
			if (ret)
				return ret;
			ret = read_file_err(file, val, sizeof(val), err, errlen);
			if (ret < 0)
				return ret;
			ret = join_err(file, sizeof(file), dir, inherit[i], err, errlen);
			if (ret)
				return ret;
			ret = write_file(file, val, err, errlen);
			if (ret)
				return ret;
		}
	}
	return 0;
}

static bool has_subdirs(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *e;
	struct stat st;
	bool found = false;
	DIR *d = opendir(dir);

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (e->d_type == DT_DIR)
			found = true;
		else if (e->d_type == DT_UNKNOWN && !join(path, sizeof(path), dir, e->d_name) &&
			 stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			found = true;
	}
	closedir(d);
	return found;
}

/*
 * rmdir a cgroup rtvmm created. A joined thread may still be leaving the cgroup for a
 * moment (pthread_join returns before the kernel's exit path drops it from its cgroup), so
 * EBUSY is retried briefly; a cgroup that holds child cgroups of others stays.
 */
static int remove_dir(const char *dir, char *err, size_t errlen)
{
	const struct timespec wait = { 0, RMDIR_WAIT_NS };
	int ret = 0;

	for (int i = 0; i < RMDIR_TRIES; i++) {
		if (rmdir(dir) == 0)
			return 0;
		ret = -errno;
		if (ret == -ENOENT)
			return 0;
		if (ret != -EBUSY && ret != -ENOTEMPTY)
			break;
		if (has_subdirs(dir))
			return 0;
		if (ret == -ENOTEMPTY)
			break;
		nanosleep(&wait, NULL);
	}
	say(err, errlen, "remove cgroup %s: %s%s", dir, strerror(-ret),
	    ret == -EACCES || ret == -EPERM ? PERM_HINT :
	    ret == -EBUSY ? " (threads are still in it)" : "");
	return ret;
}

int cg_vm_cleanup(struct cg_vm *vm, char *err, size_t errlen)
{
	char file[PATH_MAX], msg[PATH_MAX + 256], pid[32];
	int ret = 0, r;

	/* The process first: on v2 it holds the parent busy until it leaves. */
	if (vm->v2_moved) {
		snprintf(pid, sizeof(pid), "%d", (int)vm->pid);
		r = join_err(file, sizeof(file), vm->v2_orig, "cgroup.procs", msg, sizeof(msg));
		if (!r)
			r = write_file(file, pid, msg, sizeof(msg));
		if (r && !ret) {
			ret = r;
			say(err, errlen, "move the process back: %s", msg);
		}
		vm->v2_moved = false;
	}
	for (size_t i = vm->n_created; i-- > 0;) {
		r = remove_dir(vm->created[i], msg, sizeof(msg));
		if (r && !ret) {
			ret = r;
			say(err, errlen, "%s", msg);
		}
		free(vm->created[i]);
	}
	free(vm->created);
	vm->created = NULL;
	vm->n_created = vm->cap_created = 0;
	return ret;
}

/* ---- host detection ------------------------------------------------------------------ */

int cg_host_from_mounts(struct cg_host *h, const char *mounts_file, const char *cpuset_mnt,
			const char *cpu_mnt, char *err, size_t errlen)
{
	char buf[4096], file[PATH_MAX], ctl[1024];
	struct mntent ent;
	FILE *f;

	memset(h, 0, sizeof(*h));
	snprintf(h->proc, sizeof(h->proc), "/proc");
	f = setmntent(mounts_file, "re");
	if (!f) {
		int ret = -errno;

		say(err, errlen, "read %s: %s", mounts_file, strerror(-ret));
		return ret;
	}
	while (getmntent_r(f, &ent, buf, sizeof(buf))) {
		bool v1 = !strcmp(ent.mnt_type, "cgroup");

		if (v1 && cpuset_mnt && !strcmp(ent.mnt_dir, cpuset_mnt))
			snprintf(h->v1_cpuset, sizeof(h->v1_cpuset), "%s", ent.mnt_dir);
		if (v1 && cpu_mnt && !strcmp(ent.mnt_dir, cpu_mnt))
			snprintf(h->v1_cpu, sizeof(h->v1_cpu), "%s", ent.mnt_dir);
		if (!h->v2[0] && !strcmp(ent.mnt_type, "cgroup2"))
			snprintf(h->v2, sizeof(h->v2), "%s", ent.mnt_dir);
	}
	endmntent(f);

	if (h->v1_cpu[0] && !join(file, sizeof(file), h->v1_cpu, "cpu.rt_runtime_us"))
		h->rt_group_sched = access(file, F_OK) == 0;
	if (h->v2[0] && !join(file, sizeof(file), h->v2, "cgroup.controllers") &&
	    read_file(file, ctl, sizeof(ctl)) >= 0)
		h->v2_cpuset = has_token(ctl, "cpuset");

	if (h->v1_cpuset[0] || h->v1_cpu[0]) {
		h->mode = CG_MODE_V1;
	} else if (h->v2[0]) {
		h->mode = CG_MODE_V2;
	} else {
		h->mode = CG_MODE_NONE;
		say(err, errlen,
		    "no cgroup hierarchy: no v1 cpuset or cpu hierarchy and no cgroup2 mount in "
		    "%s; mount one, or leave [sched] cgroup empty", mounts_file);
		return -EOPNOTSUPP;
	}
	return 0;
}

int cg_host_detect(struct cg_host *h, char *err, size_t errlen)
{
	char *cpuset = NULL, *cpu = NULL;
	int lib = cgroup_init(), ret;

	if (lib == 0) {
		if (cgroup_get_subsys_mount_point("cpuset", &cpuset)) {
			free(cpuset);
			cpuset = NULL;
		}
		if (cgroup_get_subsys_mount_point("cpu", &cpu)) {
			free(cpu);
			cpu = NULL;
		}
	}
	ret = cg_host_from_mounts(h, "/proc/self/mounts", cpuset, cpu, err, errlen);
	if (ret == -EOPNOTSUPP && lib)
		add(err, errlen, " (libcgroup: %s)", cgroup_strerror(lib));
	free(cpuset);
	free(cpu);
	return ret;
}

/* ---- RT group scheduling (v1 cpu) ----------------------------------------------------- */

/*
 * Bandwidth ratios in fixed point. The kernel compares children against their parent with
 * runtime/period << 20, rounded down (kernel/sched: to_ratio, BW_SHIFT).
 */
#define BW_SHIFT 20
#define FINE_SHIFT 40

static unsigned __int128 bw_ratio(struct cg_rt_bw bw, int shift)
{
	if (bw.runtime_us < 0)
		return (unsigned __int128)1 << shift;
	if (!bw.period_us)
		return 0;
	return ((unsigned __int128)bw.runtime_us << shift) / bw.period_us;
}

uint64_t cg_rt_room_us(struct cg_rt_bw parent, const struct cg_rt_bw *siblings, size_t n,
		       uint64_t period_us)
{
	unsigned __int128 total = bw_ratio(parent, BW_SHIFT), fine = bw_ratio(parent, FINE_SHIFT);
	unsigned __int128 used = 0, used_fine = 0, exact, kmax;

	for (size_t i = 0; i < n; i++) {
		used += bw_ratio(siblings[i], BW_SHIFT);
		used_fine += bw_ratio(siblings[i], FINE_SHIFT);
	}
	if (used >= total || used_fine >= fine || !period_us)
		return 0;
	/*
	 * What is left, to the nearest microsecond (950000 - 100000 gives 850000, not a
	 * rounding artefact), but never more than the kernel's rounded-down check accepts:
	 * the largest r with (r << 20) / period <= total - used.
	 */
	exact = ((fine - used_fine) * period_us + ((unsigned __int128)1 << (FINE_SHIFT - 1))) >>
		FINE_SHIFT;
	kmax = ((total - used + 1) * period_us - 1) >> BW_SHIFT;
	if (exact > kmax)
		exact = kmax;
	return exact < period_us ? (uint64_t)exact : period_us;
}

static int read_bw(const char *dir, struct cg_rt_bw *bw, bool need_runtime, char *err,
		   size_t errlen)
{
	char file[PATH_MAX], val[64], *end;
	int ret;

	bw->runtime_us = 0;
	bw->period_us = CG_RT_PERIOD_DEFAULT_US;
	ret = join_err(file, sizeof(file), dir, "cpu.rt_period_us", err, errlen);
	if (ret)
		return ret;
	if (read_file(file, val, sizeof(val)) > 0) {
		unsigned long long p = strtoull(val, &end, 10);

		if (!*end && p)
			bw->period_us = p;
	}
	ret = join_err(file, sizeof(file), dir, "cpu.rt_runtime_us", err, errlen);
	if (ret)
		return ret;
	ret = read_file(file, val, sizeof(val));
	if (ret == -ENOENT && !need_runtime)
		return 0;
	if (ret < 0)
		return read_file_err(file, val, sizeof(val), err, errlen);
	errno = 0;
	bw->runtime_us = strtoll(val, &end, 10);
	if (errno || end == val || *end) {
		say(err, errlen, "read %s: '%s' is not a number of microseconds", file, val);
		return -EINVAL;
	}
	return 0;
}

/* The bandwidth held by @parent's child cgroups other than @self. */
static int sibling_bw(const char *parent, const char *self, struct cg_rt_bw **out, size_t *n,
		      char *err, size_t errlen)
{
	char dir[PATH_MAX];
	struct cg_rt_bw *bw = NULL, *grown;
	struct dirent *e;
	size_t cap = 0;
	struct stat st;
	int ret = 0;
	DIR *d;

	*n = 0;
	d = opendir(parent);
	if (!d) {
		ret = -errno;
		say(err, errlen, "list %s: %s", parent, strerror(-ret));
		return ret;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (join(dir, sizeof(dir), parent, e->d_name) || !strcmp(dir, self))
			continue;
		if (e->d_type != DT_DIR &&
		    (e->d_type != DT_UNKNOWN || stat(dir, &st) || !S_ISDIR(st.st_mode)))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 8;
			grown = realloc(bw, cap * sizeof(*bw));
			if (!grown) {
				say(err, errlen, "list %s: out of memory", parent);
				ret = -ENOMEM;
				break;
			}
			bw = grown;
		}
		ret = read_bw(dir, &bw[*n], false, err, errlen);
		if (ret)
			break;
		(*n)++;
	}
	closedir(d);
	if (ret) {
		free(bw);
		return ret;
	}
	*out = bw;
	return 0;
}

/*
 * Give the cgroups of @rel in the cpu hierarchy the RT budget an RT thread needs to enter
 * the leaf: those rtvmm created get it (intermediate: all their parent has free; leaf:
 * @budget, or also all that is free when @budget is 0), pre-existing ones must already
 * have one.
 */
static int set_rt_budget(const struct cg_vm *vm, const char *root, const char *rel,
			 uint32_t budget, char *info, size_t infolen, char *err, size_t errlen)
{
	char dir[PATH_MAX], parent[PATH_MAX], file[PATH_MAX], pfile[PATH_MAX], val[32];
	struct cg_rt_bw pbw, own, *sib = NULL;
	int depth = depth_of(rel), ret;
	uint64_t room, want;
	size_t nsib;

	for (int d = 0; d < depth; d++) {
		bool leaf = d == depth - 1;
		const char *name;

		if (dir_at(dir, sizeof(dir), root, rel, d) ||
		    dir_at(parent, sizeof(parent), root, rel, d - 1) ||
		    join(file, sizeof(file), dir, "cpu.rt_runtime_us") ||
		    join(pfile, sizeof(pfile), parent, "cpu.rt_runtime_us")) {
			say(err, errlen, "cgroup %s/%s: path too long", root, rel);
			return -ENAMETOOLONG;
		}
		name = dir + strlen(root) + 1;
		if (!vm_created(vm, dir)) {
			ret = read_bw(dir, &own, true, err, errlen);
			if (ret)
				return ret;
			if (own.runtime_us > 0 && leaf)
				add_info(info, infolen, rel,
					 "cpu.rt_runtime_us = %" PRId64 " (pre-existing; RT group "
					 "scheduling)", own.runtime_us);
			if (own.runtime_us != 0)
				continue;
			if (leaf)
				say(err, errlen,
				    "%s is 0: RT vCPUs cannot join cgroup %s (RT group "
				    "scheduling); write at least %u to it", file, rel,
				    budget ? budget : CG_RT_PERIOD_DEFAULT_US / 20);
			else
				say(err, errlen,
				    "%s is 0: the cgroups below it need RT budget for RT vCPUs (RT "
				    "group scheduling); write at least %u to it", file,
				    budget ? budget : CG_RT_PERIOD_DEFAULT_US / 20);
			return -EINVAL;
		}
		ret = read_bw(parent, &pbw, true, err, errlen);
		if (ret)
			return ret;
		ret = read_bw(dir, &own, false, err, errlen);
		if (ret)
			return ret;
		ret = sibling_bw(parent, dir, &sib, &nsib, err, errlen);
		if (ret)
			return ret;
		room = cg_rt_room_us(pbw, sib, nsib, own.period_us);
		free(sib);
		if (room < (budget ? budget : 1)) {
			say(err, errlen,
			    "cgroup %s needs cpu.rt_runtime_us >= %u for RT vCPUs, but %s (%" PRId64
			    " per %" PRIu64 " us, less its other children) leaves %" PRIu64
			    ": raise %s or lower [sched] cgroup_rt_runtime_us", name,
			    budget ? budget : 1, pfile,
			    pbw.runtime_us, pbw.period_us, room, pfile);
			return -ENOSPC;
		}
		want = leaf && budget ? budget : room;
		snprintf(val, sizeof(val), "%" PRIu64, want);
		ret = write_file(file, val, err, errlen);
		if (ret) {
			if (ret == -EINVAL || ret == -EBUSY)
				add(err, errlen,
				    " (RT bandwidth: the parent %s allows %" PRIu64 ")", pfile,
				    room);
			return ret;
		}
		add_info(info, infolen, name, "cpu.rt_runtime_us = %s (RT group scheduling)", val);
	}
	return 0;
}

/* ---- preparation ---------------------------------------------------------------------- */

static int prepare_v1(struct cg_vm *vm, const struct cg_host *h, const char *rel,
		      const cpu_set_t *cpus, int mem_node, bool rt, uint32_t budget, char *info,
		      size_t infolen, char *err, size_t errlen)
{
	char leaf[PATH_MAX], parent[PATH_MAX], file[PATH_MAX], pval[4096], val[4096];
	int ret;

	if (h->v1_cpuset[0]) {
		ret = make_dirs(vm, h->v1_cpuset, rel, true, err, errlen);
		if (ret)
			return ret;
		if (dir_at(leaf, sizeof(leaf), h->v1_cpuset, rel, depth_of(rel) - 1) ||
		    dir_at(parent, sizeof(parent), h->v1_cpuset, rel, depth_of(rel) - 2)) {
			say(err, errlen, "cgroup %s/%s: path too long", h->v1_cpuset, rel);
			return -ENAMETOOLONG;
		}

		/* The leaf's CPUs, then its memory node; the parent's when not given. */
		ret = join_err(file, sizeof(file), parent, "cpuset.cpus", err, errlen);
		if (ret)
			return ret;
		ret = read_file_err(file, pval, sizeof(pval), err, errlen);
		if (ret < 0)
			return ret;
		if (cpus && CPU_COUNT(cpus))
			cpulist_format(cpus, val, sizeof(val));
		else
			snprintf(val, sizeof(val), "%s", pval);
		ret = join_err(file, sizeof(file), leaf, "cpuset.cpus", err, errlen);
		if (ret)
			return ret;
		ret = write_file(file, val, err, errlen);
		if (ret) {
			if (ret == -EINVAL)
				add(err, errlen, " (must be online CPUs within the parent's "
				    "cpuset.cpus '%s')", pval);
			return ret;
		}

		ret = join_err(file, sizeof(file), parent, "cpuset.mems", err, errlen);
		if (ret)
			return ret;
		ret = read_file_err(file, pval, sizeof(pval), err, errlen);
		if (ret < 0)
			return ret;
		if (mem_node >= 0)
			snprintf(val, sizeof(val), "%d", mem_node);
		else
			snprintf(val, sizeof(val), "%s", pval);
		ret = join_err(file, sizeof(file), leaf, "cpuset.mems", err, errlen);
		if (ret)
			return ret;
		ret = write_file(file, val, err, errlen);
		if (ret) {
			if (ret == -EINVAL)
				add(err, errlen, " (must be memory nodes within the parent's "
				    "cpuset.mems '%s')", pval);
			return ret;
		}
	}
	if (h->v1_cpu[0] && strcmp(h->v1_cpu, h->v1_cpuset)) {
		ret = make_dirs(vm, h->v1_cpu, rel, false, err, errlen);
		if (ret)
			return ret;
	}
	if (rt && h->v1_cpu[0] && h->rt_group_sched)
		return set_rt_budget(vm, h->v1_cpu, rel, budget, info, infolen, err, errlen);
	return 0;
}

/* The process's v2 cgroup from <proc>/<pid>/cgroup ("0::/path"), as a directory. */
static int v2_current(const struct cg_host *h, pid_t pid, char *out, size_t len, char *err,
		      size_t errlen)
{
	char file[PATH_MAX], line[PATH_MAX + 16];
	FILE *f;
	int ret = -ENOENT;

	ret = snprintf(file, sizeof(file), "%s/%d/cgroup", h->proc, (int)pid);
	if (ret < 0 || (size_t)ret >= sizeof(file)) {
		say(err, errlen, "%s/%d/cgroup: path too long", h->proc, (int)pid);
		return -ENAMETOOLONG;
	}
	ret = -ENOENT;
	f = fopen(file, "re");
	if (!f) {
		ret = -errno;
		say(err, errlen, "read %s: %s", file, strerror(-ret));
		return ret;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		if (strncmp(line, "0::/", 4))
			continue;
		ret = join(out, len, h->v2, line + 4);
		if (ret)
			say(err, errlen, "cgroup %s%s: path too long", h->v2, line + 3);
		break;
	}
	fclose(f);
	if (ret == -ENOENT)
		say(err, errlen, "%s has no cgroup v2 line ('0::/...'): is cgroup2 mounted?", file);
	return ret;
}

static int prepare_v2(struct cg_vm *vm, const struct cg_host *h, const char *rel,
		      const cpu_set_t *cpus, int mem_node, char *info, size_t infolen, char *err,
		      size_t errlen)
{
	char leaf[PATH_MAX], parent[PATH_MAX], dir[PATH_MAX], file[PATH_MAX], val[4096];
	char orig[PATH_MAX];
	int depth = depth_of(rel), ret;

	if (dir_at(leaf, sizeof(leaf), h->v2, rel, depth - 1) ||
	    dir_at(parent, sizeof(parent), h->v2, rel, depth - 2)) {
		say(err, errlen, "cgroup %s/%s: path too long", h->v2, rel);
		return -ENAMETOOLONG;
	}
	if (vm->v2_moved && strcmp(vm->v2_parent, parent)) {
		say(err, errlen,
		    "cgroup %s: the process already sits in %s for another cgroup; on cgroup v2 "
		    "the threads of one process can only be spread inside one threaded subtree, "
		    "so all cgroups of a process must share one parent", rel, vm->v2_parent);
		return -EINVAL;
	}
	ret = make_dirs(vm, h->v2, rel, false, err, errlen);
	if (ret)
		return ret;

	/* cpuset must be enabled in every ancestor for the leaf to have it. */
	for (int d = -1; h->v2_cpuset && d < depth - 1; d++) {
		if (dir_at(dir, sizeof(dir), h->v2, rel, d) ||
		    join(file, sizeof(file), dir, "cgroup.subtree_control")) {
			say(err, errlen, "cgroup %s/%s: path too long", h->v2, rel);
			return -ENAMETOOLONG;
		}
		if (read_file(file, val, sizeof(val)) >= 0 && has_token(val, "cpuset"))
			continue;
		ret = write_file(file, "+cpuset", err, errlen);
		if (ret)
			return ret;
	}

	ret = join_err(file, sizeof(file), leaf, "cgroup.type", err, errlen);
	if (ret)
		return ret;
	if (read_file(file, val, sizeof(val)) < 0 || strcmp(val, "threaded")) {
		ret = write_file(file, "threaded", err, errlen);
		if (ret) {
			if (ret == -EOPNOTSUPP || ret == -EBUSY)
				add(err, errlen,
				    " (%s cannot root a threaded subtree: it must have no "
				    "domain controllers such as memory or io in "
				    "cgroup.subtree_control, and %s no child cgroups that are not "
				    "threaded)", parent, leaf);
			return ret;
		}
	}

	if (h->v2_cpuset) {
		if (cpus && CPU_COUNT(cpus)) {
			cpulist_format(cpus, val, sizeof(val));
			ret = join_err(file, sizeof(file), leaf, "cpuset.cpus", err, errlen);
			if (!ret)
				ret = write_file(file, val, err, errlen);
			if (ret)
				return ret;
		}
		/* Without a binding cpuset.mems stays empty, which on v2 means the parent's. */
		if (mem_node >= 0) {
			snprintf(val, sizeof(val), "%d", mem_node);
			ret = join_err(file, sizeof(file), leaf, "cpuset.mems", err, errlen);
			if (!ret)
				ret = write_file(file, val, err, errlen);
			if (ret)
				return ret;
		}
	} else {
		add_info(info, infolen, rel,
			 "cgroup v2 offers no cpuset controller (%s/cgroup.controllers): the vCPU "
			 "threads are placed, but their CPU limits are not enforced by the cgroup",
			 h->v2);
	}

	if (vm->v2_moved)
		return 0;
	ret = v2_current(h, vm->pid, orig, sizeof(orig), err, errlen);
	if (ret)
		return ret;
	ret = join_err(file, sizeof(file), parent, "cgroup.procs", err, errlen);
	if (ret)
		return ret;
	snprintf(val, sizeof(val), "%d", (int)vm->pid);
	ret = write_file(file, val, err, errlen);
	if (ret) {
		if (ret == -EOPNOTSUPP || ret == -EBUSY)
			add(err, errlen,
			    " (the process joins the parent of the threaded cgroup %s)", rel);
		return ret;
	}
	snprintf(vm->v2_parent, sizeof(vm->v2_parent), "%s", parent);
	snprintf(vm->v2_orig, sizeof(vm->v2_orig), "%s", orig);
	vm->v2_moved = true;
	return 0;
}

int cg_prepare(struct cg_vm *vm, const struct cg_host *h, const char *path, const cpu_set_t *cpus,
	       int mem_node, bool rt, uint32_t rt_runtime_us, char *info, size_t infolen, char *err,
	       size_t errlen)
{
	char rel[PATH_MAX];
	int ret;

	if (infolen)
		info[0] = 0;
	ret = norm_path(path, rel, sizeof(rel), err, errlen);
	if (ret || !rel[0])
		return ret;
	if (rt_runtime_us > CG_RT_PERIOD_DEFAULT_US) {
		say(err, errlen,
		    "cgroup %s: cgroup_rt_runtime_us = %u is longer than the %u us period",
		    rel, rt_runtime_us, CG_RT_PERIOD_DEFAULT_US);
		return -EINVAL;
	}
	switch (h->mode) {
	case CG_MODE_V1:
		return prepare_v1(vm, h, rel, cpus, mem_node, rt, rt_runtime_us, info, infolen,
				  err, errlen);
	case CG_MODE_V2:
		return prepare_v2(vm, h, rel, cpus, mem_node, info, infolen, err, errlen);
	default:
		say(err, errlen, "cgroup %s: no cgroup hierarchy on this host (v1 cpuset/cpu or "
		    "cgroup2); leave [sched] cgroup empty", rel);
		return -EOPNOTSUPP;
	}
}

/* ---- attach and query ------------------------------------------------------------------ */

static int attach_one(const char *root, const char *rel, const char *ctl, const char *tid,
		      char *err, size_t errlen)
{
	char file[PATH_MAX], dir[PATH_MAX];
	int ret = join_err(dir, sizeof(dir), root, rel, err, errlen);

	if (!ret)
		ret = join_err(file, sizeof(file), dir, ctl, err, errlen);
	if (!ret)
		ret = write_file(file, tid, err, errlen);
	if (ret == -ENOENT)
		add(err, errlen, " (no such cgroup: cg_prepare() creates it)");
	else if (ret == -ENOSPC)
		add(err, errlen, " (the cgroup's cpuset.cpus or cpuset.mems is empty)");
	else if (ret == -EINVAL && !strcmp(ctl, "tasks"))
		add(err, errlen, " (an RT thread needs cpu.rt_runtime_us > 0 in its cgroup)");
	else if (ret == -EOPNOTSUPP)
		add(err, errlen, " (the cgroup must be threaded and the process in its parent: "
		    "cg_prepare() does both)");
	return ret;
}

int cg_attach_thread(const struct cg_host *h, const char *path, pid_t tid, char *err,
		     size_t errlen)
{
	char rel[PATH_MAX], id[32];
	int ret = norm_path(path, rel, sizeof(rel), err, errlen);

	if (ret || !rel[0])
		return ret;
	snprintf(id, sizeof(id), "%d", (int)tid);
	switch (h->mode) {
	case CG_MODE_V1:
		if (h->v1_cpuset[0]) {
			ret = attach_one(h->v1_cpuset, rel, "tasks", id, err, errlen);
			if (ret)
				return ret;
		}
		if (h->v1_cpu[0] && strcmp(h->v1_cpu, h->v1_cpuset))
			ret = attach_one(h->v1_cpu, rel, "tasks", id, err, errlen);
		return ret;
	case CG_MODE_V2:
		return attach_one(h->v2, rel, "cgroup.threads", id, err, errlen);
	default:
		say(err, errlen, "cgroup %s: no cgroup hierarchy on this host", rel);
		return -EOPNOTSUPP;
	}
}

int cg_effective_cpus(const struct cg_host *h, const char *path, cpu_set_t *out, char *err,
		      size_t errlen)
{
	char rel[PATH_MAX], dir[PATH_MAX], file[PATH_MAX], val[4096];
	const char *root;
	int ret;

	CPU_ZERO(out);
	ret = norm_path(path, rel, sizeof(rel), err, errlen);
	if (ret)
		return ret;
	if (h->mode == CG_MODE_V1 && h->v1_cpuset[0]) {
		root = h->v1_cpuset;
	} else if (h->mode == CG_MODE_V2 && h->v2_cpuset) {
		root = h->v2;
	} else {
		say(err, errlen, "cgroup %s: no cpuset controller on this host", rel);
		return -EOPNOTSUPP;
	}
	ret = join_err(dir, sizeof(dir), root, rel, err, errlen);
	if (ret)
		return ret;
	ret = join_err(file, sizeof(file), dir,
		       h->mode == CG_MODE_V1 ? "cpuset.effective_cpus" : "cpuset.cpus.effective",
		       err, errlen);
	if (ret)
		return ret;
	ret = read_file(file, val, sizeof(val));
	/* cpuset.effective_cpus is missing on old v1 kernels: cpuset.cpus is what applies. */
	if (ret == -ENOENT && h->mode == CG_MODE_V1) {
		ret = join_err(file, sizeof(file), dir, "cpuset.cpus", err, errlen);
		if (ret)
			return ret;
		ret = read_file(file, val, sizeof(val));
	}
	if (ret < 0)
		return read_file_err(file, val, sizeof(val), err, errlen);
	if (!val[0])
		return 0;
	ret = cpulist_parse(val, out);
	if (ret)
		say(err, errlen, "read %s: '%s' is not a CPU list", file, val);
	return ret;
}
