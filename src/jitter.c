// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm jitter` (see jitter.h): the config adjusted for the probe, the baseline, the VM
 * run through run_vm_hooks() with a progress line and scheduler snapshots, then the
 * report's gathering and its outputs. Main thread only.
 */
#include "jitter.h"

#include "baseline.h"
#include "clock.h"
#include "log.h"
#include "probe.h"
#include "report.h"
#include "run.h"
#include "vm.h"

#include "../config/config.h"
#include "../config/cpulist.h"
#include "../sched/host.h"
#include "../sched/plan.h"
#include "../sched/runnable.h"
#include "../sched/taskstat.h"
#include "../sched/topo.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef RTVMM_VERSION
#define RTVMM_VERSION "0.1.0"
#endif

extern char **environ;

#define PLOT_PACKAGE "gnuplot-nox"

/* One line on stderr: rewritten each second on a terminal, every 10 s otherwise. */
struct progress {
	bool tty;
	bool shown;		/* a \r line is on the terminal */
	const char *what;	/* "baseline", "guest" */
	uint64_t start_ms;
	uint64_t last_plain_ms;
	unsigned total_s;
};

struct vcpu_snap {
	bool have_sched;
	struct task_stat sched;
	uint64_t exits[EXIT_KIND_COUNT];
};

struct jitter {
	const struct jitter_opts *o;
	struct cfg *cfg;
	struct plan *plan;
	struct report report;
	struct progress progress;
	struct vcpu_snap *start, *end;	/* per vCPU */
	struct runnable_seen *seen;	/* one scan's result, reused */
	unsigned *runnable;		/* per vCPU: most other runnable threads seen at once */
	char (*runnable_comm)[16];
	cpu_set_t vcpu_cpus;		/* every vCPU CPU */
	unsigned ticks;
	uint64_t started_ms, ending_ms;	/* the measurement's bounds, CLOCK_MONOTONIC */
	bool measured;			/* the VM ran its measurement */
};

static void progress_begin(struct progress *p, const char *what, unsigned total_s)
{
	p->tty = isatty(STDERR_FILENO);
	p->shown = false;
	p->what = what;
	p->start_ms = p->last_plain_ms = clock_mono_ms();
	p->total_s = total_s;
}

static void progress_show(struct progress *p, uint64_t samples)
{
	uint64_t now = clock_mono_ms();
	unsigned elapsed = (unsigned)((now - p->start_ms) / 1000);
	unsigned left = elapsed < p->total_s ? p->total_s - elapsed : 0;

	if (p->tty) {
		fprintf(stderr, "\rjitter: %s %u/%u s, %u s left, %llu samples\033[K", p->what,
			elapsed, p->total_s, left, (unsigned long long)samples);
		p->shown = true;
	} else if (now - p->last_plain_ms >= 10000) {
		fprintf(stderr, "jitter: %s %u/%u s, %u s left, %llu samples\n", p->what, elapsed,
			p->total_s, left, (unsigned long long)samples);
		p->last_plain_ms = now;
	}
	fflush(stderr);
}

static void progress_end(struct progress *p)
{
	if (p->tty && p->shown)
		fputs("\r\033[K", stderr);
	p->shown = false;
}

static void time_string(char *buf, size_t len)
{
	time_t t = time(NULL);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(buf, len, "%a, %d %b %Y %H:%M:%S %z", &tm))
		buf[0] = '\0';
}

/* --- the config ------------------------------------------------------------------------ */

/*
 * The probe replaces whatever the config boots; its topology, placement and scheduling
 * stay. delay_rt waits for a guest to boot, which the probe does not: it runs RT at once.
 */
static void cfg_for_probe(struct jitter *j)
{
	const struct jitter_opts *o = j->o;
	struct cfg *cfg = j->cfg;
	bool delayed = false;

	j->report.kernel_replaced = cfg->boot.payload != CFG_PAYLOAD_PROBE;
	cfg->boot.payload = CFG_PAYLOAD_PROBE;
	cfg->boot.kernel[0] = cfg->boot.initrd[0] = cfg->boot.cmdline[0] = '\0';
	cfg->boot.payload_path[0] = '\0';
	cfg->sched.defaults.delay_rt = false;
	for (unsigned i = 0; i < cfg->vm.vcpus; i++) {
		delayed |= cfg->vcpu[i].sched.delay_rt &&
			   cfg->vcpu[i].sched.policy != CFG_POLICY_OTHER;
		cfg->vcpu[i].sched.delay_rt = false;
	}
	if (delayed)
		log_info("jitter: delay_rt is ignored: the probe runs with its RT policy from the "
			 "start");
	if (o->duration_s)
		cfg->probe.duration_s = o->duration_s;
	if (o->mode >= 0)
		cfg->probe.mode = (enum cfg_probe_mode)o->mode;
	if (o->threshold_us)
		cfg->probe.threshold_us = o->threshold_us;
	/* the probe's records live in guest RAM */
	if (cfg->vm.memory_bytes < probe_memory_bytes(cfg->vm.vcpus))
		cfg->vm.memory_bytes = (probe_memory_bytes(cfg->vm.vcpus) + (2 << 20) - 1) &
				       ~(uint64_t)((2 << 20) - 1);
}

/* An output file's folder must exist and be writable before a long measurement. */
static int check_output(const char *opt, const char *path)
{
	char dir[PATH_MAX];
	const char *slash;

	if (!path)
		return 0;
	slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) ? (int)(slash - path) : 1,
			 path);
	if (access(dir, W_OK)) {
		log_err("%s %s: cannot write in %s: %s", opt, path, dir, strerror(errno));
		return -errno;
	}
	return 0;
}

/* Whether `prog` is an executable in $PATH. */
static bool in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[PATH_MAX];

	for (const char *p = path ? path : "/usr/bin:/bin"; *p;) {
		size_t len = strcspn(p, ":");

		/* an empty element means the current folder */
		if (len)
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)len, p, prog);
		else
			snprintf(buf, sizeof(buf), "./%s", prog);
		if (access(buf, X_OK) == 0)
			return true;
		p += len;
		if (*p == ':')
			p++;
	}
	return false;
}

/* --- baseline ----------------------------------------------------------------------------- */

static void thread_plan_of(const struct plan_vcpu *p, struct sched_thread_plan *t)
{
	*t = (struct sched_thread_plan){
		.boost_uclamp = p->boost_uclamp,
		.core = p->core_sched == CFG_CORE_SCHED_OFF	? SCHED_CORE_OFF
			: p->core_sched == CFG_CORE_SCHED_VM	? SCHED_CORE_SHARED
								: SCHED_CORE_OWN,
		.pin = true,
		.cpus = p->cpus,
		.policy = p->policy,
		.rt_priority = p->rt_priority,
	};
}

static int run_baseline(struct jitter *j)
{
	const struct cfg *cfg = j->cfg;
	unsigned n = cfg->vm.vcpus;
	struct sched_thread_plan *plans = calloc(n, sizeof(*plans));
	struct baseline *b = NULL;
	bool wake = cfg->probe.mode == CFG_PROBE_WAKE, done = false;
	int ret = -ENOMEM;

	if (!plans)
		return ret;
	for (unsigned i = 0; i < n; i++)
		thread_plan_of(&j->plan->vcpu[i], &plans[i]);
	ret = baseline_create(&b, plans, n, wake, (uint64_t)cfg->probe.duration_s * 1000,
			      cfg->probe.threshold_us, cfg->probe.interval_us);
	free(plans);
	if (ret)
		return ret;
	log_info("jitter: baseline: %u host threads on the vCPUs' CPUs for %u s", n,
		 cfg->probe.duration_s);
	ret = baseline_start(b);
	progress_begin(&j->progress, "baseline", cfg->probe.duration_s);
	for (uint64_t shown = 0; !ret;) {
		struct timespec nap = { .tv_sec = 0, .tv_nsec = 200 * 1000000L };
		uint64_t samples = baseline_progress(b, &done);

		if (done)
			break;
		if (clock_mono_ms() - shown >= 1000) {
			progress_show(&j->progress, samples);
			shown = clock_mono_ms();
		}
		nanosleep(&nap, NULL);
	}
	baseline_join(b);
	progress_end(&j->progress);
	for (unsigned i = 0; !ret && i < n; i++) {
		struct report_side *s = &j->report.vcpu[i].host;

		ret = report_side_from_record(s, b->t[i].record, b->tsc_khz);
		s->have_sched = b->t[i].have_sched;
		s->sched = b->t[i].sched;
	}
	baseline_destroy(b);
	return ret;
}

/* --- hooks ----------------------------------------------------------------------------------- */

static void snap_vcpus(struct vm *vm, struct vcpu_snap *snap)
{
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct vcpu *v = vm->vcpus[i];

		snap[i].have_sched = taskstat_read("/proc", getpid(), atomic_load(&v->tid),
						   &snap[i].sched) == 0;
		for (int k = 0; k < EXIT_KIND_COUNT; k++)
			snap[i].exits[k] = atomic_load(&v->stats.exits[k]);
	}
}

static uint64_t guest_samples(const struct vm *vm)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct probe_record *r = probe_record_of(vm, i);

		/* written by the running guest: read it as the progress counter it is */
		if (r)
			n += *(const volatile uint64_t *)&r->samples;
	}
	return n;
}

static void scan_runnable(struct jitter *j)
{
	if (!j->seen || runnable_scan("/proc", getpid(), &j->vcpu_cpus, j->seen))
		return;
	for (unsigned i = 0; i < j->cfg->vm.vcpus; i++) {
		const cpu_set_t *cpus = &j->plan->vcpu[i].cpus;
		unsigned most = 0;
		int at = -1;

		for (int c = 0; c < CPU_SETSIZE; c++) {
			if (CPU_ISSET(c, cpus) && j->seen->count[c] > most) {
				most = j->seen->count[c];
				at = c;
			}
		}
		if (most > j->runnable[i]) {
			j->runnable[i] = most;
			snprintf(j->runnable_comm[i], sizeof(j->runnable_comm[i]), "%s",
				 j->seen->comm[at]);
		}
	}
}

static void hook_started(void *ctx, struct vm *vm)
{
	struct jitter *j = ctx;

	snap_vcpus(vm, j->start);
	j->started_ms = clock_mono_ms();
	time_string(j->report.start_time, sizeof(j->report.start_time));
	progress_begin(&j->progress, "guest", j->cfg->probe.duration_s);
}

static void hook_tick(void *ctx, struct vm *vm)
{
	struct jitter *j = ctx;

	j->ticks++;
	progress_show(&j->progress, guest_samples(vm));
	/* a few looks early, then one every 10 s: each scan costs a walk of /proc */
	if (j->ticks <= 3 || j->ticks % 10 == 0)
		scan_runnable(j);
}

static void hook_ending(void *ctx, struct vm *vm)
{
	struct jitter *j = ctx;

	snap_vcpus(vm, j->end);
	j->ending_ms = clock_mono_ms();
	time_string(j->report.end_time, sizeof(j->report.end_time));
	progress_end(&j->progress);
	j->measured = true;
}

/* Exits the probe makes to end the run: vCPU 0's debug exit, the others' HLT. */
static uint64_t final_exits(unsigned id, const uint64_t *exits)
{
	return id == 0 ? exits[EXIT_KIND_IO] > 0 : exits[EXIT_KIND_HLT] > 0;
}

/*
 * The figures of vCPU `id`'s record. The guest writes the measured time only when it
 * finishes: for an interrupted run, the vCPU's time in KVM_RUN stands in (the probe
 * enters the guest once and spins there until the stop kicks it out), or failing that
 * the main thread's view of the run, which starts late when RT vCPUs hold every CPU.
 */
static int side_of(struct jitter *j, const struct vm *vm, unsigned id, struct report_side *s)
{
	const struct probe_record *r = probe_record_of(vm, id);
	struct probe_record *copy;
	uint64_t in_guest_ns;
	int ret;

	if (!r)
		return -EFAULT;
	if (r->done == 1 || r->elapsed_cycles)
		return report_side_from_record(s, r, vm->tsc_khz);
	copy = malloc(sizeof(*copy));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, r, sizeof(*copy));
	in_guest_ns = atomic_load(&vm->vcpus[id]->stats.run_ns);
	copy->elapsed_cycles = in_guest_ns ? in_guest_ns / 1000 * vm->tsc_khz / 1000
					   : (j->ending_ms - j->started_ms) * vm->tsc_khz;
	ret = report_side_from_record(s, copy, vm->tsc_khz);
	free(copy);
	return ret;
}

static void hook_ended(void *ctx, struct vm *vm, enum vm_end end)
{
	struct jitter *j = ctx;

	(void)end;
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct report_side *s = &j->report.vcpu[i].guest;

		if (!j->measured || side_of(j, vm, i, s))
			continue;
		s->have_sched = j->start[i].have_sched && j->end[i].have_sched;
		if (s->have_sched)
			taskstat_delta(&j->start[i].sched, &j->end[i].sched, &s->sched);
		s->have_exits = true;
		for (int k = 0; k < EXIT_KIND_COUNT; k++) {
			s->exits[k] = j->end[i].exits[k] - j->start[i].exits[k];
			s->exits_total += s->exits[k];
		}
		s->probe_exits = s->exits_total - final_exits(i, s->exits);
	}
}

/* --- warnings ------------------------------------------------------------------------------ */

static void decide_warnings(struct jitter *j)
{
	const struct cfg *cfg = j->cfg;
	unsigned n = cfg->vm.vcpus;
	struct report_warn_vcpu *wv = calloc(n, sizeof(*wv));
	struct host_facts *facts = malloc(sizeof(*facts));
	struct topo *topo = malloc(sizeof(*topo));
	struct report_warn_facts f = { 0 };
	char err[256];
	bool have_topo;

	if (!wv || !facts || !topo)
		goto out;
	host_facts_init(facts);
	host_read(facts, "/sys", "/proc");
	have_topo = topo_load_host(topo, "/sys", err, sizeof(err)) == 0;
	for (unsigned i = 0; i < n; i++) {
		const struct plan_vcpu *p = &j->plan->vcpu[i];
		const struct report_side *g = &j->report.vcpu[i].guest;

		wv[i].cpus = p->cpus;
		wv[i].core = p->cpus;
		for (int c = 0; have_topo && c < CPU_SETSIZE; c++) {
			cpu_set_t core;

			if (CPU_ISSET(c, &p->cpus) && topo_core_cpus(topo, c, &core) > 0)
				CPU_OR(&wv[i].core, &wv[i].core, &core);
		}
		wv[i].rt = p->policy != SCHED_OTHER;
		wv[i].done = g->present && g->done;
		wv[i].probe_exits = g->probe_exits;
		wv[i].runnable = j->runnable[i];
		memcpy(wv[i].runnable_comm, j->runnable_comm[i], sizeof(wv[i].runnable_comm));
	}
	f.rt_runtime_us = facts->rt_runtime_us;
	f.rt_period_us = facts->rt_period_us;
	f.isolated = facts->isolated;
	f.emulator_pinned = j->plan->emulator.pin;
	f.emulator_cpus = j->plan->emulator.cpus;
	f.duration_s = cfg->probe.duration_s;
	f.wake = cfg->probe.mode == CFG_PROBE_WAKE;
	f.nr_vcpus = n;
	f.vcpu = wv;
	report_warn(&j->report, &f);
out:
	free(topo);
	free(facts);
	free(wv);
}

/* --- outputs ------------------------------------------------------------------------------- */

static int write_histogram(const struct report *r, const char *path)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f) {
		log_err("--histogram %s: %s", path, strerror(errno));
		return -errno;
	}
	ret = report_write_histogram(f, r);
	if (fclose(f) && !ret)
		ret = -EIO;
	if (ret)
		log_err("--histogram %s: %s", path, strerror(-ret));
	return ret;
}

static int write_json(const struct report *r, const char *path)
{
	json_t *j = report_to_json(r);
	int ret = 0;

	if (!j) {
		log_err("--json %s: out of memory", path);
		return -ENOMEM;
	}
	if (json_dump_file(j, path, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) {
		log_err("--json %s: cannot write it", path);
		ret = -EIO;
	}
	json_decref(j);
	return ret;
}

/* The highest bucket any side used, for the plot's x range. */
static size_t highest_bucket(const struct report *r)
{
	size_t top = 0;

	for (unsigned i = 0; i < r->nr_vcpus; i++) {
		const struct report_side *s[2] = { &r->vcpu[i].guest, &r->vcpu[i].host };

		for (int k = 0; k < 2; k++)
			for (size_t b = 0; s[k]->present && b < s[k]->nr_buckets; b++)
				if (s[k]->hist[b] && b > top)
					top = b;
	}
	return top;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

static int plot_script(const struct report *r, const char *dir, const char *png)
{
	char path[PATH_MAX];
	size_t top = highest_bucket(r);
	FILE *d, *s;
	int col = 2;

	snprintf(path, sizeof(path), "%s/hist.dat", dir);
	d = fopen(path, "w");
	if (!d)
		return -errno;
	fprintf(d, "# us");
	for (unsigned i = 0; i < r->nr_vcpus; i++)
		fprintf(d, " vcpu%u%s", i, r->baseline ? " host" : "");
	fputc('\n', d);
	for (size_t b = 0; b <= top; b++) {
		fprintf(d, "%zu", b);
		for (unsigned i = 0; i < r->nr_vcpus; i++) {
			const struct report_side *g = &r->vcpu[i].guest, *h = &r->vcpu[i].host;

			fprintf(d, " %llu", g->present ? (unsigned long long)g->hist[b] : 0ULL);
			if (r->baseline)
				fprintf(d, " %llu",
					h->present ? (unsigned long long)h->hist[b] : 0ULL);
		}
		fputc('\n', d);
	}
	if (fclose(d))
		return -EIO;
	snprintf(path, sizeof(path), "%s/plot.gp", dir);
	s = fopen(path, "w");
	if (!s)
		return -errno;
	fprintf(s, "set terminal pngcairo size 1200,700 noenhanced\n"
		   "set output '%s'\n"
		   "set title 'rtvmm jitter: %s mode, %u s (%s)'\n"
		   "set logscale xy\n"
		   "set xlabel '%s (us, bucket centres)'\n"
		   "set ylabel 'count'\n"
		   "set yrange [0.7:*]\n"
		   "set xrange [0.5:%zu]\n"
		   "set key top right\n"
		   "set grid\n"
		   "plot ",
		png, r->wake ? "wake" : "noise", r->duration_s, r->vm,
		r->wake ? "wake-up lateness" : "gap length", top + 2);
	/*
	 * Both axes logarithmic: tails span four decades. Bucket b (b to b + 1 us) is drawn
	 * at b + 0.5, so bucket 0 (wake-ups less than 1 us late) has a place on the axis.
	 */
	for (unsigned i = 0; i < r->nr_vcpus; i++) {
		const struct report_side *g = &r->vcpu[i].guest, *h = &r->vcpu[i].host;

		/* zero counts are undefined on a log scale: leave them out of the line */
		fprintf(s, "%s'%s/hist.dat' using ($1 + 0.5):($%d > 0 ? $%d : NaN) with steps lw 2 "
			   "title 'vcpu%u guest (%llu overflows)'", i ? ", \\\n     " : "", dir,
			col, col, i, g->present ? (unsigned long long)g->overflows : 0ULL);
		col++;
		if (!r->baseline)
			continue;
		fprintf(s, ", \\\n     '%s/hist.dat' using ($1 + 0.5):($%d > 0 ? $%d : NaN) "
			   "with steps dt 2 title 'vcpu%u host (%llu overflows)'", dir, col, col, i,
			h->present ? (unsigned long long)h->overflows : 0ULL);
		col++;
	}
	fputc('\n', s);
	return fclose(s) ? -EIO : 0;
}

static int write_plot(const struct report *r, const char *png)
{
	char dir[] = "/tmp/rtvmm-plot-XXXXXX", script[PATH_MAX];
	char *argv[] = { "gnuplot", script, NULL };
	posix_spawn_file_actions_t fa;
	int ret, status;
	pid_t pid;

	if (!mkdtemp(dir)) {
		log_err("--plot: temporary folder: %s", strerror(errno));
		return -errno;
	}
	snprintf(script, sizeof(script), "%s/plot.gp", dir);
	ret = plot_script(r, dir, png);
	if (ret) {
		log_err("--plot: writing the gnuplot script in %s: %s", dir, strerror(-ret));
		goto out;
	}
	/* gnuplot's chatter goes to our stderr; its input is nothing */
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	ret = -posix_spawnp(&pid, "gnuplot", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (ret) {
		log_err("--plot: cannot run gnuplot: %s (install the Debian package %s)",
			strerror(-ret), PLOT_PACKAGE);
		goto out;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		log_err("--plot %s: gnuplot failed (status %d)", png,
			WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		ret = -EIO;
	}
out:
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
	return ret;
}

/* --- the command ---------------------------------------------------------------------------- */

static int prepare(struct jitter *j)
{
	const struct jitter_opts *o = j->o;
	unsigned n;
	struct cfg_error err;

	j->cfg = malloc(sizeof(*j->cfg));
	if (!j->cfg)
		return 1;
	if (cfg_load(j->cfg, o->config, o->sets, o->n_sets, &err)) {
		fprintf(stderr, "rtvmm: %s\n", err.msg);
		return 2;
	}
	n = j->cfg->vm.vcpus;
	if (report_init(&j->report, n))
		return 1;
	cfg_for_probe(j);
	if (check_output("--histogram", o->histogram) || check_output("--json", o->json) ||
	    check_output("--plot", o->plot))
		return 2;
	if (o->plot && (strchr(o->plot, '\'') || strchr(o->plot, '\n'))) {
		log_err("--plot %s: the file name may not hold a quote or a line break", o->plot);
		return 2;
	}
	if (o->plot && !in_path("gnuplot")) {
		log_err("--plot: gnuplot is not installed (Debian package %s)", PLOT_PACKAGE);
		return 1;
	}
	if (run_plan_build(j->cfg, &j->plan))
		return 2;
	j->start = calloc(n, sizeof(*j->start));
	j->end = calloc(n, sizeof(*j->end));
	j->runnable = calloc(n, sizeof(*j->runnable));
	j->runnable_comm = calloc(n, sizeof(*j->runnable_comm));
	j->seen = malloc(sizeof(*j->seen));
	if (!j->start || !j->end || !j->runnable || !j->runnable_comm || !j->seen)
		return 1;
	CPU_ZERO(&j->vcpu_cpus);
	for (unsigned i = 0; i < n; i++) {
		struct report_vcpu *v = &j->report.vcpu[i];
		const struct plan_vcpu *p = &j->plan->vcpu[i];

		CPU_OR(&j->vcpu_cpus, &j->vcpu_cpus, &p->cpus);
		cpulist_format(&p->cpus, v->cpus, sizeof(v->cpus));
		v->policy = p->policy;
		v->rt_priority = p->rt_priority;
		v->node = p->node;
	}
	snprintf(j->report.config, sizeof(j->report.config), "%s", o->config);
	snprintf(j->report.vm, sizeof(j->report.vm), "%s", j->cfg->vm.name);
	snprintf(j->report.version, sizeof(j->report.version), "%s", RTVMM_VERSION);
	snprintf(j->report.cmdline, sizeof(j->report.cmdline), "%s",
		 o->cmdline ? o->cmdline : "");
	j->report.wake = j->cfg->probe.mode == CFG_PROBE_WAKE;
	j->report.duration_s = j->cfg->probe.duration_s;
	j->report.threshold_us = j->cfg->probe.threshold_us;
	j->report.interval_us = j->cfg->probe.interval_us;
	j->report.baseline = o->baseline;
	return -1;
}

static int finish(struct jitter *j, int code)
{
	const struct jitter_opts *o = j->o;
	bool complete = j->measured;

	for (unsigned i = 0; i < j->report.nr_vcpus; i++)
		complete &= j->report.vcpu[i].guest.present && j->report.vcpu[i].guest.done;
	if (code == 0 && !complete)
		code = 1;
	j->report.return_code = code;
	decide_warnings(j);
	report_print(stdout, &j->report);
	fflush(stdout);
	if (o->histogram && write_histogram(&j->report, o->histogram))
		code = code ? code : 1;
	if (o->json && write_json(&j->report, o->json))
		code = code ? code : 1;
	if (o->plot && write_plot(&j->report, o->plot))
		code = code ? code : 1;
	return code;
}

int jitter_run(const struct jitter_opts *o)
{
	struct jitter *j = calloc(1, sizeof(*j));
	struct run_hooks hooks = {
		.ctx = j,
		.tick_ms = 1000,
		.started = hook_started,
		.tick = hook_tick,
		.ending = hook_ending,
		.ended = hook_ended,
	};
	int code;

	if (!j) {
		fprintf(stderr, "rtvmm: out of memory\n");
		return 1;
	}
	j->o = o;
	code = prepare(j);
	if (code >= 0)
		goto out;
	if (j->report.kernel_replaced)
		log_info("jitter: %s boots a kernel or payload; the built-in probe runs instead, "
			 "with its topology, placement and scheduling", o->config);
	if (o->baseline) {
		int ret = run_baseline(j);

		if (ret) {
			log_err("jitter: the baseline failed (%s); the guest was not measured",
				strerror(-ret));
			code = ret == -ENOMEM || ret == -EIO ? 1 : 2;
			goto out;
		}
	}
	hooks.plan = j->plan;	/* the baseline's and the report's placement, not a second one */
	code = run_vm_hooks(j->cfg, &hooks);
	if (!j->measured)
		goto out;	/* the VM did not start: nothing to report */
	code = finish(j, code);
out:
	report_fini(&j->report);
	free(j->seen);
	free(j->runnable_comm);
	free(j->runnable);
	free(j->end);
	free(j->start);
	free(j->plan);
	free(j->cfg);
	free(j);
	return code;
}
