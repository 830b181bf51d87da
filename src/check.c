// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm check` (see check.h). check_build() turns facts into items and does no I/O;
 * check_kvm_probe() and check_cgroup_probe() gather what the facts of sched/host do not
 * cover; check_report() runs the lot for the CLI. The wording of a fix names the kernel
 * option, sysctl, capability or command that gets the feature, because the reader of this
 * report is at a shell on the host, about to change it.
 */
#include "check.h"

#include "../config/cpulist.h"
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

_Static_assert(CHECK_BUS_LOCK_EXIT == KVM_BUS_LOCK_DETECTION_EXIT, "bus-lock exit bit is KVM's");

/* One report being built; scratch takes the items that no longer fit after an ENOMEM. */
struct ctx {
	struct check_list *list;
	const struct cfg *cfg;
	const struct host_facts *h;
	const struct check_kvm *k;
	const struct check_cgroup_access *cg;
	int err;
	struct check_item scratch;
};

static struct check_item *item(struct ctx *c, enum check_level level, const char *name)
{
	struct check_list *l = c->list;
	struct check_item *it = &c->scratch;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		struct check_item *items = realloc(l->items, cap * sizeof(*items));

		if (!items) {
			c->err = -ENOMEM;
			goto fill;
		}
		l->items = items;
		l->cap = cap;
	}
	it = &l->items[l->n++];
fill:
	memset(it, 0, sizeof(*it));
	it->level = level;
	snprintf(it->name, sizeof(it->name), "%s", name);
	return it;
}

__attribute__((format(printf, 3, 4))) static void put(char *dst, size_t len, const char *fmt,
						      ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(dst, len, fmt, ap);
	va_end(ap);
}

#define FOUND(it, ...) put((it)->found, sizeof((it)->found), __VA_ARGS__)
#define FIX(it, ...) put((it)->fix, sizeof((it)->fix), __VA_ARGS__)

/* The level of a requested feature the host cannot give: the config's strict decides. */
static enum check_level wanted(const struct ctx *c)
{
	return c->cfg->vm.strict ? CHECK_FAIL : CHECK_WARN;
}

static const char *bytes_str(uint64_t b, char *buf, size_t len)
{
	if (b == (uint64_t)RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else if (b >= (1ull << 30) && !(b & ((1ull << 30) - 1)))
		snprintf(buf, len, "%llu GiB", (unsigned long long)(b >> 30));
	else if (b >= (1ull << 20))
		snprintf(buf, len, "%llu MiB", (unsigned long long)(b >> 20));
	else
		snprintf(buf, len, "%llu KiB", (unsigned long long)(b >> 10));
	return buf;
}

static const char *huge_name(uint64_t size_kb, char *buf, size_t len)
{
	if (size_kb >= (1u << 20) && !(size_kb & ((1u << 20) - 1)))
		put(buf, len, "%lluG", (unsigned long long)(size_kb >> 20));
	else if (size_kb >= 1024 && !(size_kb & 1023))
		put(buf, len, "%lluM", (unsigned long long)(size_kb >> 10));
	else
		put(buf, len, "%lluK", (unsigned long long)size_kb);
	return buf;
}

static const char *list_str(const cpu_set_t *set, char *buf, size_t len)
{
	if (!CPU_COUNT(set))
		snprintf(buf, len, "none");
	else if (cpulist_format(set, buf, len) < 0)
		snprintf(buf, len, "(%d CPUs)", CPU_COUNT(set));
	return buf;
}

/* The CPUs the config pins vCPUs to explicitly; empty when all are auto or no config. */
static void cfg_vcpu_cpus(const struct cfg *cfg, cpu_set_t *set)
{
	CPU_ZERO(set);
	for (unsigned i = 0; cfg && i < cfg->vm.vcpus; i++)
		if (!cfg->vcpu[i].cpus_auto)
			CPU_OR(set, set, &cfg->vcpu[i].cpus);
}

/*
 * The CPUs to name in a kernel command-line example: the config's vCPU CPUs, else every
 * online CPU but the first (left for housekeeping), else a placeholder.
 */
static const char *example_cpus(const struct ctx *c, char *buf, size_t len)
{
	cpu_set_t set;

	cfg_vcpu_cpus(c->cfg, &set);
	if (!CPU_COUNT(&set) && c->h->cpus_known && CPU_COUNT(&c->h->online) > 1) {
		set = c->h->online;
		for (int i = 0; i < CPU_SETSIZE; i++) {
			if (CPU_ISSET(i, &set)) {
				CPU_CLR(i, &set);
				break;
			}
		}
	}
	if (!CPU_COUNT(&set) || cpulist_format(&set, buf, len) < 0)
		snprintf(buf, len, "<cpus>");
	return buf;
}

/* ---- KVM ------------------------------------------------------------------------------ */

static void kvm_open_item(struct ctx *c)
{
	const struct check_kvm *k = c->k;
	struct check_item *it;

	if (!k->err) {
		it = item(c, CHECK_OK, "kvm");
		FOUND(it, "%s opens, KVM API version %d", k->path, k->api_version);
		return;
	}
	it = item(c, CHECK_FAIL, "kvm");
	switch (-k->err) {
	case ENOENT:
		FOUND(it, "%s: %s", k->path, strerror(-k->err));
		FIX(it, "load KVM (modprobe kvm_intel or modprobe kvm_amd) and enable VT-x/AMD-V"
			" in the firmware");
		break;
	case EACCES:
	case EPERM:
		FOUND(it, "%s: %s", k->path, strerror(-k->err));
		FIX(it, "run as root or give this user the device's group (usually kvm):"
			" usermod -aG kvm $USER, then log in again");
		break;
	case ENOTSUP:
		if (k->caps_known && k->api_version != KVM_API_VERSION) {
			FOUND(it, "%s: KVM API version %d, rtvmm needs %d", k->path,
			      k->api_version, KVM_API_VERSION);
			FIX(it, "a host kernel with a standard KVM");
		} else {
			FOUND(it, "%s opens but lacks a capability rtvmm requires (see below and"
				  " the message above)", k->path);
			FIX(it, "a newer host kernel with KVM for this CPU");
		}
		break;
	default:
		FOUND(it, "%s: %s", k->path, strerror(-k->err));
		FIX(it, "check that %s is the KVM device (character device 10:232)", k->path);
	}
}

static void kvm_items(struct ctx *c)
{
	const struct check_kvm *k = c->k;
	struct check_item *it;
	char bits[64], miss[64];

	kvm_open_item(c);
	if (!k->caps_known)
		return;

	/* which KVM: only hardware virtualization boots a stock Linux kernel */
	if (host_kvm_is_hardware(c->h)) {
		it = item(c, CHECK_OK, "kvm-virtualization");
		FOUND(it, "%s: hardware virtualization; Linux guests and the probe run",
		      c->h->kvm_module);
	} else {
		it = item(c, CHECK_WARN, "kvm-virtualization");
		if (c->h->kvm_module[0])
			FOUND(it, "%s: software virtualization; the built-in probe runs, a stock"
				  " Linux kernel does not boot", c->h->kvm_module);
		else
			FOUND(it, "no kvm_intel or kvm_amd module: Linux guests may not boot");
		FIX(it, "a host with VT-x or AMD-V enabled in firmware and kvm_intel or kvm_amd"
			" loaded (docs/testing.md describes a QEMU test host for Linux guests)");
	}

	it = item(c, k->irqchip ? CHECK_OK : CHECK_FAIL, "kvm-irqchip");
	FOUND(it, "KVM_CAP_IRQCHIP %s", k->irqchip ? "present" : "absent");
	if (!k->irqchip)
		FIX(it, "a host kernel whose KVM has the in-kernel irqchip (every x86 KVM has)");

	it = item(c, k->immediate_exit ? CHECK_OK : CHECK_FAIL, "kvm-immediate-exit");
	FOUND(it, "KVM_CAP_IMMEDIATE_EXIT %s", k->immediate_exit ? "present" : "absent");
	if (!k->immediate_exit)
		FIX(it, "Linux 4.11 or newer (kicking a vCPU without races needs it)");

	it = item(c, k->halt_poll ? CHECK_OK : CHECK_WARN, "kvm-halt-poll");
	if (k->halt_poll) {
		FOUND(it, "KVM_CAP_HALT_POLL present: halt polling can be set per VM");
	} else {
		FOUND(it, "KVM_CAP_HALT_POLL absent: [sched] halt_poll_ns cannot be applied; only"
			  " the host-wide kvm.halt_poll_ns module parameter counts");
		FIX(it, "Linux 5.8 or newer, or set /sys/module/kvm/parameters/halt_poll_ns");
	}

	cfg_disable_exits_format(k->disable_exits, bits, sizeof(bits));
	cfg_disable_exits_format(~k->disable_exits & (CFG_EXIT_HLT | CFG_EXIT_PAUSE), miss,
				 sizeof(miss));
	it = item(c,
		  (k->disable_exits & (CFG_EXIT_HLT | CFG_EXIT_PAUSE)) ==
				  (CFG_EXIT_HLT | CFG_EXIT_PAUSE) ?
			  CHECK_OK :
			  CHECK_WARN,
		  "kvm-disable-exits");
	FOUND(it, "KVM_CAP_X86_DISABLE_EXITS: %s%s", bits,
	      k->disable_exits & CFG_EXIT_MWAIT ? "" :
						  " (mwait stays intercepted: the host does not"
						  " let guests use MWAIT)");
	if (it->level != CHECK_OK)
		FIX(it, "%s exits cannot be disabled: Linux 5.x or newer (hlt, pause) on VT-x or"
			" AMD-V; [sched] disable_exits must not ask for them", miss);

	it = item(c, k->bus_lock & CHECK_BUS_LOCK_EXIT ? CHECK_OK : CHECK_WARN,
		  "kvm-bus-lock-exit");
	if (k->bus_lock & CHECK_BUS_LOCK_EXIT) {
		FOUND(it, "KVM_CAP_X86_BUS_LOCK_EXIT present: guest bus locks can be rate-limited");
	} else {
		FOUND(it, "KVM_CAP_X86_BUS_LOCK_EXIT absent: a guest's split locks cannot be"
			  " counted or rate-limited ([sched] bus_lock_ratelimit)");
		FIX(it, "a CPU with bus-lock detection (Intel since Tremont/Sapphire Rapids,"
			" AMD Zen 5) and a kernel whose KVM exposes it (Intel: Linux 5.12+)");
	}

	it = item(c, k->tsc_deadline ? CHECK_OK : CHECK_WARN, "kvm-tsc-deadline");
	if (k->tsc_deadline) {
		FOUND(it, "KVM_CAP_TSC_DEADLINE_TIMER present: guests get the TSC-deadline timer");
	} else {
		FOUND(it, "KVM_CAP_TSC_DEADLINE_TIMER absent: guest timers use the slower LAPIC"
			  " one-shot mode; the probe's wake mode cannot run");
		FIX(it, "a host CPU with the tsc_deadline_timer flag (/proc/cpuinfo)");
	}
}

/* ---- permissions and the scheduler ------------------------------------------------------ */

static void perm_items(struct ctx *c)
{
	const struct host_facts *h = c->h;
	bool nice = host_has_cap(h, HOST_CAP_SYS_NICE), ipc = host_has_cap(h, HOST_CAP_IPC_LOCK);
	struct check_item *it;
	char mem[32];

	if (nice || h->rtprio.rlim_cur > 0) {
		it = item(c, CHECK_OK, "rt-permission");
		if (nice)
			FOUND(it, "euid %d with CAP_SYS_NICE: SCHED_RR/FIFO priorities 1-99",
			      (int)h->euid);
		else
			FOUND(it, "euid %d, RLIMIT_RTPRIO %llu: SCHED_RR/FIFO up to priority %llu",
			      (int)h->euid, (unsigned long long)h->rtprio.rlim_cur,
			      (unsigned long long)(h->rtprio.rlim_cur > 99 ? 99 :
									 h->rtprio.rlim_cur));
	} else {
		it = item(c, CHECK_WARN, "rt-permission");
		FOUND(it, "euid %d without CAP_SYS_NICE, RLIMIT_RTPRIO 0: SCHED_RR/FIFO will be"
			  " refused (EPERM)%s", (int)h->euid,
		      h->cap_known ? "" : " (CapEff unreadable)");
		FIX(it, "run as root, grant CAP_SYS_NICE (setcap cap_sys_nice+ep rtvmm,"
			" AmbientCapabilities=CAP_SYS_NICE), or raise RLIMIT_RTPRIO (ulimit -r 99,"
			" LimitRTPRIO=99, rtprio in /etc/security/limits.conf)");
	}

	bytes_str(h->memlock.rlim_cur, mem, sizeof(mem));
	if (ipc || h->memlock.rlim_cur == RLIM_INFINITY) {
		it = item(c, CHECK_OK, "memlock");
		FOUND(it, "RLIMIT_MEMLOCK %s%s: guest RAM can be locked", mem,
		      ipc ? ", CAP_IPC_LOCK" : "");
	} else {
		it = item(c, CHECK_WARN, "memlock");
		FOUND(it, "RLIMIT_MEMLOCK %s without CAP_IPC_LOCK: [memory] lock works only for"
			  " guests up to %s", mem, mem);
		FIX(it, "ulimit -l unlimited, LimitMEMLOCK=infinity in the unit, memlock in"
			" /etc/security/limits.conf, or run as root");
	}
}

static void throttle_item(struct ctx *c)
{
	int64_t rt = c->h->rt_runtime_us, period = c->h->rt_period_us;
	struct check_item *it;

	if (rt == -1) {
		it = item(c, CHECK_OK, "rt-throttling");
		FOUND(it, "kernel.sched_rt_runtime_us = -1: RT threads are never throttled");
		return;
	}
	if (rt != HOST_UNKNOWN && period != HOST_UNKNOWN && period > 0 && rt >= period) {
		it = item(c, CHECK_OK, "rt-throttling");
		FOUND(it, "kernel.sched_rt_runtime_us = %lld of a %lld us period: RT threads may"
			  " use the whole period", (long long)rt, (long long)period);
		return;
	}
	it = item(c, CHECK_WARN, "rt-throttling");
	if (rt == HOST_UNKNOWN || period == HOST_UNKNOWN || period <= 0 || rt < 0)
		FOUND(it, "kernel.sched_rt_runtime_us / sched_rt_period_us unreadable: RT"
			  " throttling unknown");
	else
		FOUND(it, "kernel.sched_rt_runtime_us = %lld of %lld: a busy RT vCPU is stopped"
			  " for %lld ms of every second", (long long)rt, (long long)period,
		      (long long)((period - rt) * 1000 / period));
	FIX(it, "sysctl kernel.sched_rt_runtime_us=-1 (persist in /etc/sysctl.d/); caveat: a"
		" runaway RT thread can then starve its CPU for good, so keep housekeeping CPUs"
		" free of RT busy loops");
}

static void sched_items(struct ctx *c)
{
	const struct host_facts *h = c->h;
	struct check_item *it;

	it = item(c, h->uclamp ? CHECK_OK : CHECK_WARN, "uclamp");
	if (h->uclamp) {
		FOUND(it, "sched_util_clamp_min present (CONFIG_UCLAMP_TASK)");
	} else {
		FOUND(it, "no kernel.sched_util_clamp_min: the kernel lacks CONFIG_UCLAMP_TASK;"
			  " [sched] boost_uclamp has no effect");
		FIX(it, "a kernel built with CONFIG_UCLAMP_TASK=y (with the schedutil governor),"
			" or use the performance governor instead");
	}

	if (h->core_sched == 0) {
		it = item(c, CHECK_OK, "core-scheduling");
		FOUND(it, "prctl(PR_SCHED_CORE) works (CONFIG_SCHED_CORE)");
	} else if (h->core_sched == -EOPNOTSUPP && h->smt_active != 1) {
		it = item(c, CHECK_OK, "core-scheduling");
		FOUND(it, "not available, and not needed: SMT is not active");
	} else {
		it = item(c, CHECK_WARN, "core-scheduling");
		if (h->core_sched == -EOPNOTSUPP)
			FOUND(it, "prctl(PR_SCHED_CORE) unsupported: the kernel lacks"
				  " CONFIG_SCHED_CORE; an SMT sibling may run any task next to"
				  " a vCPU");
		else
			FOUND(it, "prctl(PR_SCHED_CORE) failed: %s", strerror(-h->core_sched));
		FIX(it, "a kernel built with CONFIG_SCHED_CORE=y, or turn SMT off"
			" (echo off > /sys/devices/system/cpu/smt/control, or nosmt)");
	}

	if (h->smt_active == 1 && h->core_sched != 0) {
		it = item(c, CHECK_WARN, "smt");
		FOUND(it, "SMT active (control: %s): a vCPU shares its core with a sibling thread",
		      h->smt_control[0] ? h->smt_control : "?");
		FIX(it, "echo off > /sys/devices/system/cpu/smt/control (nosmt at boot), or"
			" isolate both siblings of each vCPU CPU and leave the other one idle");
	} else {
		it = item(c, CHECK_OK, "smt");
		if (h->smt_active == 1)
			FOUND(it, "SMT active (control: %s); core scheduling keeps siblings apart",
			      h->smt_control[0] ? h->smt_control : "?");
		else if (h->smt_active == 0)
			FOUND(it, "SMT not active (control: %s)",
			      h->smt_control[0] ? h->smt_control : "?");
		else
			FOUND(it, "no SMT control in sysfs: no SMT");
	}
}

/* ---- cgroups ----------------------------------------------------------------------------- */

static bool cgroup_usable(const struct host_facts *h)
{
	return host_cgroup_v1_find(h, "cpu") || host_cgroup_v1_find(h, "cpuset") ||
	       host_cgroup_v2_has(h, "cpu") || host_cgroup_v2_has(h, "cpuset");
}

static void cgroup_items(struct ctx *c)
{
	const struct host_facts *h = c->h;
	const struct host_cgroup_v1 *cpu = host_cgroup_v1_find(h, "cpu");
	struct check_item *it;
	char v1[320] = "", v2[320];
	size_t n = 0;

	for (unsigned i = 0; i < h->n_v1 && n < sizeof(v1); i++) {
		const struct host_cgroup_v1 *g = &h->v1[i];
		bool show = g == cpu || g == host_cgroup_v1_find(h, "cpuset");

		if (!g->controllers[0])
			continue;
		n += (size_t)snprintf(v1 + n, sizeof(v1) - n, "%s%s%s%s", n ? ", " : "",
				      g->controllers, show ? " at " : "", show ? g->mount : "");
	}
	if (h->v2_mount[0])
		put(v2, sizeof(v2), "%s, controllers: %s", h->v2_mount,
		    h->v2_controllers[0] ? h->v2_controllers : "none");
	else
		snprintf(v2, sizeof(v2), "not mounted");

	it = item(c, cgroup_usable(h) ? CHECK_OK : CHECK_WARN, "cgroups");
	FOUND(it, "v1: %s; v2: %s", n ? v1 : "none", v2);
	if (it->level != CHECK_OK)
		FIX(it, "enable the cpuset and cpu controllers: on cgroup v2, echo '+cpuset +cpu'"
			" > <mount>/cgroup.subtree_control; on v1, mount -t cgroup -o cpuset"
			" cpuset /sys/fs/cgroup/cpuset");

	if (!cpu) {
		it = item(c, CHECK_OK, "rt-group-sched");
		FOUND(it, "no cgroup v1 cpu hierarchy: RT threads need no cgroup budget");
	} else if (!h->rt_group_sched) {
		it = item(c, CHECK_OK, "rt-group-sched");
		FOUND(it, "off (no cpu.rt_runtime_us in %s): RT threads need no cgroup budget",
		      cpu->mount);
	} else if (h->self_rt_runtime_us == 0 && strcmp(h->self_cpu_cgroup, "/")) {
		it = item(c, CHECK_WARN, "rt-group-sched");
		FOUND(it, "on, and rtvmm's cpu cgroup %s has cpu.rt_runtime_us = 0: SCHED_RR/FIFO"
			  " fail with EPERM there", h->self_cpu_cgroup);
		FIX(it, "give it a budget (echo 950000 > %s%s/cpu.rt_runtime_us, parents first),"
			" start rtvmm in the root cpu cgroup, or set [sched] cgroup",
		    cpu->mount, h->self_cpu_cgroup);
	} else {
		it = item(c, CHECK_OK, "rt-group-sched");
		FOUND(it, "on (cpu.rt_runtime_us in %s): an RT thread may only join a cpu cgroup"
			  " with cpu.rt_runtime_us > 0", cpu->mount);
	}
}

/* ---- memory ------------------------------------------------------------------------------ */

static void memory_items(struct ctx *c)
{
	const struct host_facts *h = c->h;
	struct check_item *it;
	char buf[320], name[16], nodes[128];
	size_t n = 0;
	bool reserved = false;

	it = item(c, CHECK_OK, "numa");
	if (h->numa_known)
		FOUND(it, "%d node%s online: %s", CPU_COUNT(&h->numa_nodes),
		      CPU_COUNT(&h->numa_nodes) == 1 ? "" : "s",
		      list_str(&h->numa_nodes, nodes, sizeof(nodes)));
	else
		FOUND(it, "no NUMA information in sysfs: one node");

	buf[0] = 0;
	for (unsigned i = 0; i < h->n_huge && n < sizeof(buf); i++) {
		const struct host_hugepages *p = &h->huge[i];

		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s: %lld reserved, %lld free",
				      n ? "; " : "", huge_name(p->size_kb, name, sizeof(name)),
				      (long long)(p->nr == HOST_UNKNOWN ? 0 : p->nr),
				      (long long)(p->free == HOST_UNKNOWN ? 0 : p->free));
		reserved |= p->nr > 0;
	}
	it = item(c, reserved ? CHECK_OK : CHECK_WARN, "hugepages");
	if (!h->n_huge)
		FOUND(it, "no hugepage pools: the kernel lacks CONFIG_HUGETLBFS");
	else
		FOUND(it, "%s", buf);
	if (!reserved) {
		uint64_t mib = c->cfg ? c->cfg->vm.memory_bytes >> 20 : 512;

		FIX(it, "reserve 2M pages now: echo %llu > /sys/kernel/mm/hugepages/"
			"hugepages-2048kB/nr_hugepages (for %llu MiB of guest RAM); 1G pages at"
			" boot: default_hugepagesz=1G hugepagesz=1G hugepages=N",
		    (unsigned long long)((mib + 1) / 2), (unsigned long long)mib);
	}

	if (!h->thp[0]) {
		it = item(c, CHECK_OK, "thp");
		FOUND(it, "no transparent hugepages in this kernel");
	} else if (!strcmp(h->thp, "always")) {
		it = item(c, CHECK_WARN, "thp");
		FOUND(it, "transparent_hugepage = always: khugepaged and compaction at page-fault"
			  " time can stall any thread");
		FIX(it, "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled"
			" (transparent_hugepage=madvise at boot)");
	} else {
		it = item(c, CHECK_OK, "thp");
		FOUND(it, "transparent_hugepage = %s", h->thp);
	}
}

/* ---- CPU isolation and split-lock detection ---------------------------------------------- */

static void cpu_items(struct ctx *c)
{
	const struct host_facts *h = c->h;
	struct check_item *it;
	char ex[256], set[256];

	example_cpus(c, ex, sizeof(ex));

	if (CPU_COUNT(&h->isolated)) {
		it = item(c, CHECK_OK, "isolcpus");
		FOUND(it, "CPUs %s isolated from load balancing%s%s%s",
		      list_str(&h->isolated, set, sizeof(set)),
		      h->isolcpus_arg[0] ? " (isolcpus=" : "", h->isolcpus_arg,
		      h->isolcpus_arg[0] ? ")" : "");
	} else {
		it = item(c, CHECK_WARN, "isolcpus");
		FOUND(it, "no isolated CPUs: the scheduler may put any task on a vCPU's CPU");
		FIX(it, "boot with isolcpus=domain,managed_irq,%s nohz_full=%s rcu_nocbs=%s"
			" (GRUB_CMDLINE_LINUX in /etc/default/grub, update-grub, reboot)",
		    ex, ex, ex);
	}

	if (h->nohz_full_supported && CPU_COUNT(&h->nohz_full)) {
		it = item(c, CHECK_OK, "nohz_full");
		FOUND(it, "tick stopped on CPUs %s while one task runs",
		      list_str(&h->nohz_full, set, sizeof(set)));
	} else if (h->nohz_full_supported) {
		it = item(c, CHECK_WARN, "nohz_full");
		FOUND(it, "not set: the scheduler tick interrupts every CPU up to HZ times a"
			  " second");
		FIX(it, "boot with nohz_full=%s", ex);
	} else {
		it = item(c, CHECK_WARN, "nohz_full");
		FOUND(it, "the kernel lacks CONFIG_NO_HZ_FULL: the tick interrupts every CPU");
		FIX(it, "a kernel built with CONFIG_NO_HZ_FULL=y, booted with nohz_full=%s", ex);
	}

	if (h->rcu_nocbs_given && h->rcu_nocbs_arg[0]) {
		it = item(c, CHECK_OK, "rcu_nocbs");
		FOUND(it, "RCU callbacks offloaded from CPUs %s (rcu_nocbs=%s)", h->rcu_nocbs_arg,
		      h->rcu_nocbs_arg);
	} else if (h->nohz_full_supported && CPU_COUNT(&h->nohz_full)) {
		it = item(c, CHECK_OK, "rcu_nocbs");
		FOUND(it, "implied by nohz_full for CPUs %s",
		      list_str(&h->nohz_full, set, sizeof(set)));
	} else {
		it = item(c, CHECK_WARN, "rcu_nocbs");
		FOUND(it, "%s: RCU callbacks run on every CPU",
		      h->rcu_nocbs_given ? "rcu_nocbs without a CPU list" : "not set");
		FIX(it, "boot with rcu_nocbs=%s (and rcu_nocb_poll to keep the wakeups off them)",
		    ex);
	}

	it = item(c, CHECK_OK, "split-lock");
	if (h->split_lock_flag)
		FOUND(it, "the CPU detects split locks; split_lock_detect=%s",
		      h->split_lock_arg[0] ? h->split_lock_arg : "warn (default)");
	else
		FOUND(it, "the CPU reports no split-lock detection (no split_lock_detect flag)%s%s",
		      h->split_lock_arg[0] ? "; split_lock_detect=" : "", h->split_lock_arg);
}

/* ---- the configuration ------------------------------------------------------------------- */

static bool any_rt(const struct cfg *cfg, bool in_cgroup_only)
{
	for (unsigned i = 0; i < cfg->vm.vcpus; i++) {
		const struct cfg_thread_sched *s = &cfg->vcpu[i].sched;

		if (s->policy != CFG_POLICY_OTHER && (!in_cgroup_only || s->cgroup[0]))
			return true;
	}
	return false;
}

static void cfg_policy_item(struct ctx *c)
{
	const struct cfg *cfg = c->cfg;
	const struct host_facts *h = c->h;
	struct check_item *it;
	unsigned n_rt = 0, n_home = 0, rr = 0, fifo = 0;
	int prio = 0;
	bool nice = host_has_cap(h, HOST_CAP_SYS_NICE);
	char pol[16];

	for (unsigned i = 0; i < cfg->vm.vcpus; i++) {
		const struct cfg_thread_sched *s = &cfg->vcpu[i].sched;

		if (s->policy == CFG_POLICY_OTHER)
			continue;
		n_rt++;
		n_home += !s->cgroup[0];
		rr += s->policy == CFG_POLICY_RR;
		fifo += s->policy == CFG_POLICY_FIFO;
		if (s->rt_priority > prio)
			prio = s->rt_priority;
	}
	if (!n_rt) {
		it = item(c, CHECK_OK, "[sched] policy");
		FOUND(it, "SCHED_OTHER on every vCPU: no RT permission needed");
		return;
	}
	snprintf(pol, sizeof(pol), "%s", rr && fifo ? "rr/fifo" : rr ? "rr" : "fifo");
	if (!nice && h->rtprio.rlim_cur < (rlim_t)prio) {
		it = item(c, wanted(c), "[sched] policy");
		FOUND(it, "%s priority %d on %u vCPU%s refused: no CAP_SYS_NICE,"
			  " RLIMIT_RTPRIO %llu",
		      pol, prio, n_rt, n_rt == 1 ? "" : "s",
		      (unsigned long long)h->rtprio.rlim_cur);
		FIX(it, "run as root, grant CAP_SYS_NICE, or raise RLIMIT_RTPRIO to %d (ulimit -r"
			" %d, LimitRTPRIO=%d, '@group - rtprio %d' in /etc/security/limits.conf)",
		    prio, prio, prio, prio);
		return;
	}
	if (n_home && h->rt_group_sched && h->self_rt_runtime_us == 0 &&
	    strcmp(h->self_cpu_cgroup, "/")) {
		it = item(c, wanted(c), "[sched] policy");
		FOUND(it, "%s priority %d: refused in rtvmm's cpu cgroup %s, whose"
			  " cpu.rt_runtime_us is 0", pol, prio, h->self_cpu_cgroup);
		FIX(it, "give that cgroup an RT budget (cpu.rt_runtime_us), start rtvmm from the"
			" root cpu cgroup, or set [sched] cgroup");
		return;
	}
	it = item(c, CHECK_OK, "[sched] policy");
	if (nice)
		FOUND(it, "%s priority %d on %u vCPU%s: allowed (CAP_SYS_NICE)", pol, prio, n_rt,
		      n_rt == 1 ? "" : "s");
	else
		FOUND(it, "%s priority %d on %u vCPU%s: allowed (RLIMIT_RTPRIO %llu)", pol, prio,
		      n_rt, n_rt == 1 ? "" : "s", (unsigned long long)h->rtprio.rlim_cur);
}

static void cfg_sched_items(struct ctx *c)
{
	const struct cfg *cfg = c->cfg;
	const struct host_facts *h = c->h;
	struct check_item *it;
	bool boost = false, core = false, cgroup = false;
	const char *core_mode = "off", *cg_name = "";

	for (unsigned i = 0; i < cfg->vm.vcpus; i++) {
		const struct cfg_thread_sched *s = &cfg->vcpu[i].sched;

		boost |= s->boost_uclamp;
		if (s->core_scheduling != CFG_CORE_SCHED_OFF) {
			core = true;
			core_mode = cfg_core_sched_name(s->core_scheduling);
		}
		if (s->cgroup[0] && !cgroup) {
			cgroup = true;
			cg_name = s->cgroup;
		}
	}

	cfg_policy_item(c);

	if (boost) {
		it = item(c, h->uclamp ? CHECK_OK : wanted(c), "[sched] boost_uclamp");
		if (h->uclamp) {
			FOUND(it, "uclamp available");
		} else {
			FOUND(it, "requested, but the kernel has no uclamp (CONFIG_UCLAMP_TASK)");
			FIX(it, "a kernel with CONFIG_UCLAMP_TASK=y, or boost_uclamp = false"
				" and the performance cpufreq governor");
		}
	}

	if (core) {
		it = item(c, h->core_sched == 0 ? CHECK_OK : wanted(c), "[sched] core_scheduling");
		if (h->core_sched == 0) {
			FOUND(it, "%s cookies available", core_mode);
		} else {
			FOUND(it, "%s requested, but prctl(PR_SCHED_CORE) is %s%s", core_mode,
			      h->core_sched == -EOPNOTSUPP ? "unsupported (CONFIG_SCHED_CORE)" :
							     strerror(-h->core_sched),
			      h->smt_active == 1 ? "" : "; without SMT it would change nothing");
			FIX(it, "a kernel with CONFIG_SCHED_CORE=y, or core_scheduling = off%s",
			    h->smt_active == 1 ? " and SMT off" : "");
		}
	}

	if (cgroup) {
		bool v1cpu = host_cgroup_v1_find(h, "cpu") != NULL;

		if (!cgroup_usable(h)) {
			it = item(c, wanted(c), "[sched] cgroup");
			FOUND(it, "%s requested, but no cpu or cpuset controller is mounted",
			      cg_name);
			FIX(it, "mount the cpuset/cpu controllers (see the cgroups line), or"
				" cgroup = (empty)");
		} else if (c->cg && c->cg->checked && c->cg->err) {
			it = item(c, wanted(c), "[sched] cgroup");
			FOUND(it, "%s cannot be created or joined: %s", cg_name, c->cg->msg);
			FIX(it, "run as root, or delegate that subtree to this user (chown it)");
		} else if (v1cpu && h->rt_group_sched && any_rt(cfg, true) &&
			   c->h->rt_runtime_us != -1 && c->h->rt_period_us > 0 &&
			   cfg->sched.cgroup_rt_runtime_us &&
			   (int64_t)cfg->sched.cgroup_rt_runtime_us < c->h->rt_period_us) {
			it = item(c, CHECK_WARN, "[sched] cgroup");
			FOUND(it, "%s: RT vCPUs in it get cpu.rt_runtime_us = %u of every %lld us;"
				  " a busy vCPU is throttled for the rest", cg_name,
			      cfg->sched.cgroup_rt_runtime_us, (long long)c->h->rt_period_us);
			FIX(it, "sysctl kernel.sched_rt_runtime_us=-1 (no RT throttling at all), or"
				" raise [sched] cgroup_rt_runtime_us within the parent's budget");
		} else {
			it = item(c, CHECK_OK, "[sched] cgroup");
			FOUND(it, "%s: controllers available%s", cg_name,
			      c->cg && c->cg->checked ? ", can be created" : "");
		}
	}
}

static void cfg_kvm_items(struct ctx *c)
{
	const struct cfg *cfg = c->cfg;
	const struct check_kvm *k = c->k;
	struct check_item *it;

	if (!k->caps_known)
		return;
	if (cfg->sched.bus_lock_ratelimit) {
		bool ok = k->bus_lock & CHECK_BUS_LOCK_EXIT;

		it = item(c, ok ? CHECK_OK : wanted(c), "[sched] bus_lock_ratelimit");
		FOUND(it, "%u bus locks/s %s", cfg->sched.bus_lock_ratelimit,
		      ok ? "can be enforced" :
			   "requested, but KVM has no bus-lock exit (KVM_CAP_X86_BUS_LOCK_EXIT)");
		if (!ok)
			FIX(it, "bus_lock_ratelimit = 0, or a host with bus-lock detection (see"
				" kvm-bus-lock-exit)");
	}
	if (cfg->sched.halt_poll_ns != CFG_HALT_POLL_DEFAULT) {
		it = item(c, k->halt_poll ? CHECK_OK : wanted(c), "[sched] halt_poll_ns");
		FOUND(it, "%lld ns %s", (long long)cfg->sched.halt_poll_ns,
		      k->halt_poll ? "can be set (KVM_CAP_HALT_POLL)" :
				     "requested, but KVM lacks KVM_CAP_HALT_POLL");
		if (!k->halt_poll)
			FIX(it, "leave halt_poll_ns empty and set /sys/module/kvm/parameters/"
				"halt_poll_ns, or Linux 5.8+");
	}
	if (cfg->sched.disable_exits) {
		unsigned missing = cfg->sched.disable_exits & ~k->disable_exits;
		char want[64], miss[64];

		cfg_disable_exits_format(cfg->sched.disable_exits, want, sizeof(want));
		cfg_disable_exits_format(missing, miss, sizeof(miss));
		it = item(c, missing ? wanted(c) : CHECK_OK, "[sched] disable_exits");
		if (!missing) {
			FOUND(it, "%s can be disabled", want);
		} else {
			FOUND(it, "%s requested, but KVM cannot disable %s exits", want, miss);
			FIX(it, "drop %s from disable_exits%s", miss,
			    missing & CFG_EXIT_MWAIT ? " (mwait needs a host whose CPUs let guests"
						       " use MWAIT)" : "");
		}
	}
}

static void cfg_memory_items(struct ctx *c)
{
	const struct cfg *cfg = c->cfg;
	const struct host_facts *h = c->h;
	struct check_item *it;
	char buf[64], name[16];

	if (cfg->memory.numa_node >= 0) {
		int node = cfg->memory.numa_node;
		bool ok = h->numa_known ? node < CPU_SETSIZE && CPU_ISSET(node, &h->numa_nodes) :
					  node == 0;

		it = item(c, ok ? CHECK_OK : wanted(c), "[memory] numa_node");
		if (ok) {
			FOUND(it, "node %d online", node);
		} else {
			FOUND(it, "node %d requested, but the online nodes are %s", node,
			      h->numa_known ? list_str(&h->numa_nodes, buf, sizeof(buf)) : "0");
			FIX(it, "numa_node = auto, or one of the online nodes");
		}
	}

	if (cfg->memory.hugepages == CFG_HUGEPAGES_2M ||
	    cfg->memory.hugepages == CFG_HUGEPAGES_1G) {
		uint64_t kb = cfg->memory.hugepages == CFG_HUGEPAGES_2M ? 2048 : 1048576;
		uint64_t need = (cfg->vm.memory_bytes + kb * 1024 - 1) / (kb * 1024);
		const struct host_hugepages *p = host_hugepages_find(h, kb);
		int64_t nr = p && p->nr > 0 ? p->nr : 0;
		/* pages promised to other mappings are counted free but cannot be had */
		int64_t avail = p && p->free > p->resv ? p->free - p->resv : 0;

		huge_name(kb, name, sizeof(name));
		if (!nr) {
			it = item(c, CHECK_FAIL, "[memory] hugepages");
			FOUND(it, "%s pages: %s; the guest needs %llu", name,
			      p ? "none reserved" : "not supported by this kernel/CPU",
			      (unsigned long long)need);
		} else if ((uint64_t)avail < need) {
			it = item(c, wanted(c), "[memory] hugepages");
			FOUND(it, "%s pages: %lld reserved, %lld free; the guest needs %llu", name,
			      (long long)nr, (long long)avail, (unsigned long long)need);
		} else {
			it = item(c, CHECK_OK, "[memory] hugepages");
			FOUND(it, "%s pages: %lld free of %lld reserved; the guest needs %llu",
			      name, (long long)avail, (long long)nr, (unsigned long long)need);
		}
		if (it->level != CHECK_OK && kb == 2048)
			FIX(it, "echo %llu > /sys/kernel/mm/hugepages/hugepages-2048kB/"
				"nr_hugepages",
			    (unsigned long long)(nr + (int64_t)need - avail));
		else if (it->level != CHECK_OK)
			FIX(it, "boot with default_hugepagesz=1G hugepagesz=1G hugepages=%llu (1G"
				" pages are reliably reserved only at boot)",
			    (unsigned long long)(nr + (int64_t)need - avail));
	} else if (cfg->memory.hugepages == CFG_HUGEPAGES_THP) {
		bool ok = h->thp[0] && strcmp(h->thp, "never");

		it = item(c, ok ? CHECK_OK : wanted(c), "[memory] hugepages");
		if (ok) {
			FOUND(it, "thp: transparent_hugepage = %s honours MADV_HUGEPAGE", h->thp);
		} else {
			FOUND(it, "thp requested, but transparent hugepages are %s",
			      h->thp[0] ? "disabled (never)" : "not in this kernel");
			FIX(it, "echo madvise > /sys/kernel/mm/transparent_hugepage/enabled, or"
				" hugepages = 2M");
		}
	}

	if (cfg->memory.lock) {
		bool ok = host_has_cap(h, HOST_CAP_IPC_LOCK) ||
			  h->memlock.rlim_cur == RLIM_INFINITY ||
			  (uint64_t)h->memlock.rlim_cur >= cfg->vm.memory_bytes;
		char mem[32];

		it = item(c, ok ? CHECK_OK : wanted(c), "[memory] lock");
		bytes_str(cfg->vm.memory_bytes, buf, sizeof(buf));
		bytes_str(h->memlock.rlim_cur, mem, sizeof(mem));
		if (ok) {
			FOUND(it, "%s can be locked (%s)", buf,
			      host_has_cap(h, HOST_CAP_IPC_LOCK) ? "CAP_IPC_LOCK" :
								   "RLIMIT_MEMLOCK");
		} else {
			FOUND(it, "%s to lock, but RLIMIT_MEMLOCK is %s and there is no"
				  " CAP_IPC_LOCK", buf, mem);
			FIX(it, "ulimit -l unlimited, LimitMEMLOCK=infinity, run as root, or"
				" lock = false");
		}
	}
}

static void cfg_cpu_items(struct ctx *c)
{
	const struct cfg *cfg = c->cfg;
	const struct host_facts *h = c->h;
	struct check_item *it;
	cpu_set_t used, bad, notiso;
	char a[256], b[256], ex[256];
	int first_bad = -1;
	const char *who = "";
	char whobuf[32];

	cfg_vcpu_cpus(cfg, &used);
	if (!CPU_COUNT(&used) && !cfg->sched.emulator_cpus_set)
		return;
	if (!h->cpus_known) {
		it = item(c, CHECK_WARN, "[vcpu] cpus");
		FOUND(it, "online CPUs unknown (no /sys/devices/system/cpu/online)");
		FIX(it, "mount sysfs at /sys");
		return;
	}
	CPU_ZERO(&bad);
	for (unsigned i = 0; i < cfg->vm.vcpus + 1; i++) {
		const cpu_set_t *s = i < cfg->vm.vcpus ? &cfg->vcpu[i].cpus :
							 &cfg->sched.emulator_cpus;
		bool set = i < cfg->vm.vcpus ? !cfg->vcpu[i].cpus_auto :
					       cfg->sched.emulator_cpus_set;

		for (int cpu = 0; set && cpu < CPU_SETSIZE; cpu++) {
			if (!CPU_ISSET(cpu, s) || CPU_ISSET(cpu, &h->online))
				continue;
			CPU_SET(cpu, &bad);
			if (first_bad < 0) {
				first_bad = cpu;
				if (i < cfg->vm.vcpus)
					snprintf(whobuf, sizeof(whobuf), "[vcpu.%u] cpus", i);
				else
					snprintf(whobuf, sizeof(whobuf), "[sched] emulator_cpus");
				who = whobuf;
			}
		}
	}
	if (first_bad >= 0) {
		it = item(c, CHECK_FAIL, "[vcpu] cpus");
		FOUND(it, "%s: CPU %d %s (online: %s); not online: %s", who, first_bad,
		      CPU_ISSET(first_bad, &h->present) ? "is offline" : "does not exist",
		      list_str(&h->online, a, sizeof(a)), list_str(&bad, b, sizeof(b)));
		if (CPU_ISSET(first_bad, &h->present))
			FIX(it, "echo 1 > /sys/devices/system/cpu/cpu%d/online, or pick online"
				" CPUs",
			    first_bad);
		else
			FIX(it, "pick CPUs from %s", a);
	} else {
		cpu_set_t all = used;

		if (cfg->sched.emulator_cpus_set)
			CPU_OR(&all, &all, &cfg->sched.emulator_cpus);
		it = item(c, CHECK_OK, "[vcpu] cpus");
		FOUND(it, "CPUs %s online", list_str(&all, a, sizeof(a)));
	}

	/* isolating CPUs that cannot be used anyway is no advice */
	if (!CPU_COUNT(&used) || first_bad >= 0)
		return;
	CPU_XOR(&notiso, &used, &h->isolated);
	CPU_AND(&notiso, &notiso, &used);
	if (CPU_COUNT(&notiso)) {
		it = item(c, CHECK_WARN, "[vcpu] isolation");
		FOUND(it, "vCPU CPUs %s not isolated (isolated: %s)",
		      list_str(&notiso, a, sizeof(a)), list_str(&h->isolated, b, sizeof(b)));
		list_str(&used, ex, sizeof(ex));
		FIX(it, "boot with isolcpus=domain,managed_irq,%s nohz_full=%s rcu_nocbs=%s%s", ex,
		    ex, ex,
		    CPU_EQUAL(&used, &h->online) ?
			    "; these are all the online CPUs: leave one (CPU 0) for housekeeping"
			    " and the emulator threads" :
			    "");
	} else {
		it = item(c, CHECK_OK, "[vcpu] isolation");
		FOUND(it, "vCPU CPUs %s isolated", list_str(&used, a, sizeof(a)));
	}
}

int check_build(const struct cfg *cfg, const struct host_facts *host,
		const struct check_kvm *kvm, const struct check_cgroup_access *cg,
		struct check_list *list)
{
	struct ctx c = { .list = list, .cfg = cfg, .h = host, .k = kvm, .cg = cg };

	kvm_items(&c);
	perm_items(&c);
	throttle_item(&c);
	sched_items(&c);
	cgroup_items(&c);
	memory_items(&c);
	cpu_items(&c);
	if (cfg) {
		cfg_sched_items(&c);
		cfg_kvm_items(&c);
		cfg_memory_items(&c);
		cfg_cpu_items(&c);
	}
	return c.err;
}

const struct check_item *check_find(const struct check_list *list, const char *name)
{
	for (size_t i = 0; i < list->n; i++)
		if (!strcmp(list->items[i].name, name))
			return &list->items[i];
	return NULL;
}

size_t check_count(const struct check_list *list, enum check_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < list->n; i++)
		n += list->items[i].level == level;
	return n;
}

int check_exit_status(const struct check_list *list)
{
	return check_count(list, CHECK_FAIL) ? 1 : 0;
}

int check_print(const struct check_list *list, FILE *out)
{
	static const char *const names[] = { "OK", "WARN", "FAIL" };

	for (size_t i = 0; i < list->n; i++) {
		const struct check_item *it = &list->items[i];

		fprintf(out, "%-4s  %-27s %s", names[it->level], it->name, it->found);
		if (it->level != CHECK_OK && it->fix[0])
			fprintf(out, " -- fix: %s", it->fix);
		fputc('\n', out);
	}
	fprintf(out, "check: %zu OK, %zu WARN, %zu FAIL\n", check_count(list, CHECK_OK),
		check_count(list, CHECK_WARN), check_count(list, CHECK_FAIL));
	return check_exit_status(list);
}

void check_list_fini(struct check_list *list)
{
	if (!list)
		return;
	free(list->items);
	list->items = NULL;
	list->n = list->cap = 0;
}

/* ---- probes ------------------------------------------------------------------------------ */

static void kvm_read_caps(struct check_kvm *kvm, const struct kvm_sys *sys)
{
	kvm->api_version = kvm_ioctl(sys->fd, KVM_GET_API_VERSION, NULL);
	kvm->irqchip = kvm_sys_cap(sys, KVM_CAP_IRQCHIP);
	kvm->immediate_exit = kvm_sys_cap(sys, KVM_CAP_IMMEDIATE_EXIT);
	kvm->halt_poll = kvm_sys_cap(sys, KVM_CAP_HALT_POLL);
	kvm->disable_exits = (unsigned)kvm_sys_cap(sys, KVM_CAP_X86_DISABLE_EXITS);
	kvm->bus_lock = (unsigned)kvm_sys_cap(sys, KVM_CAP_X86_BUS_LOCK_EXIT);
	kvm->tsc_deadline = kvm_sys_cap(sys, KVM_CAP_TSC_DEADLINE_TIMER);
	kvm->caps_known = kvm->api_version >= 0;
}

void check_kvm_probe(struct check_kvm *kvm, const char *path)
{
	struct kvm_sys sys = { .fd = -1 };

	memset(kvm, 0, sizeof(*kvm));
	snprintf(kvm->path, sizeof(kvm->path), "%s", path);
	kvm->err = kvm_sys_open(&sys, path);
	if (!kvm->err) {
		kvm_read_caps(kvm, &sys);
		kvm_sys_close(&sys);
		return;
	}
	if (kvm->err != -ENOTSUP)
		return;
	/* it opened but failed rtvmm's requirements: read the caps to say which one */
	sys.fd = open(path, O_RDWR | O_CLOEXEC);
	if (sys.fd < 0)
		return;
	kvm_read_caps(kvm, &sys);
	kvm_sys_close(&sys);
}

void check_cgroup_probe(const struct cfg *cfg, const struct host_facts *host,
			struct check_cgroup_access *acc)
{
	const char *roots[3];
	size_t n = 0;
	const struct host_cgroup_v1 *g;

	memset(acc, 0, sizeof(*acc));
	if ((g = host_cgroup_v1_find(host, "cpu")))
		roots[n++] = g->mount;
	if ((g = host_cgroup_v1_find(host, "cpuset")) && (!n || strcmp(g->mount, roots[0])))
		roots[n++] = g->mount;
	if (!n && host->v2_mount[0])
		roots[n++] = host->v2_mount;
	if (!n)
		return;
	for (unsigned i = 0; i < cfg->vm.vcpus && !acc->err; i++) {
		const char *cg = cfg->vcpu[i].sched.cgroup;
		bool seen = false;

		if (!cg[0])
			continue;
		for (unsigned j = 0; j < i && !seen; j++)
			seen = !strcmp(cfg->vcpu[j].sched.cgroup, cg);
		for (size_t r = 0; r < n && !seen && !acc->err; r++) {
			acc->checked = true;
			acc->err = host_cgroup_can_create(roots[r], cg, acc->msg, sizeof(acc->msg));
		}
	}
}

int check_report(const struct cfg *cfg_or_null, const struct check_env *env, FILE *out)
{
	const char *sys_root = env && env->sys_root ? env->sys_root : "/sys";
	const char *proc_root = env && env->proc_root ? env->proc_root : "/proc";
	const char *kvm_path = env && env->kvm_path ? env->kvm_path : "/dev/kvm";
	struct check_list list = { 0 };
	struct check_cgroup_access cg = { 0 };
	struct check_kvm kvm;
	struct host_facts *host = malloc(sizeof(*host));
	int ret;

	if (!host) {
		fprintf(out, "check: out of memory\n");
		return 1;
	}
	host_facts_init(host);
	ret = host_read(host, sys_root, proc_root);
	if (!ret)
		ret = host_probe_process(host);
	if (ret) {
		fprintf(out, "check: reading the host under %s and %s: %s\n", sys_root, proc_root,
			strerror(-ret));
		free(host);
		return 1;
	}
	check_kvm_probe(&kvm, kvm_path);
	if (cfg_or_null)
		check_cgroup_probe(cfg_or_null, host, &cg);
	ret = check_build(cfg_or_null, host, &kvm, &cg, &list);
	if (ret) {
		fprintf(out, "check: building the report: %s\n", strerror(-ret));
		ret = 1;
	} else {
		ret = check_print(&list, out);
	}
	check_list_fini(&list);
	free(host);
	return ret;
}
