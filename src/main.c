// SPDX-License-Identifier: Apache-2.0
/*
 * The command line: global options, then a subcommand with its own options. Exit
 * codes follow DESIGN.md: 0 guest powered off, 1 runtime failure or crash, 2 usage or
 * configuration error, 3 guest reset.
 */
#include "check.h"
#include "ctl.h"
#include "jitter.h"
#include "log.h"
#include "run.h"

#include "../config/config.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef RTVMM_VERSION
#define RTVMM_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2
#define MAX_SETS 256

static void usage(FILE *out)
{
	fprintf(out,
		"usage: rtvmm [-v|-q] COMMAND [ARGS]\n"
		"\n"
		"A virtual machine monitor for KVM guests on dedicated host cores.\n"
		"\n"
		"commands:\n"
		"  run CONFIG [--set SECTION.KEY=VALUE]...   run a VM from an INI file\n"
		"  plan CONFIG [--json]                      where each thread would run\n"
		"  check [CONFIG]                            can this host run RT guests\n"
		"  ctl SOCKET COMMAND [ARGS] [--json]        talk to a running VM: state, stats,\n"
		"                                            pause, resume, stop, make-rt,\n"
		"                                            throttle, set-affinity\n"
		"  jitter CONFIG [--duration S] [--mode noise|wake] [--baseline]\n"
		"         [--histogram FILE] [--json FILE] [--plot FILE.png]\n"
		"                                            measure how the host delays\n"
		"                                            each vCPU (built-in probe)\n"
		"\n"
		"options:\n"
		"  -v, --verbose   more log output (repeat for debug)\n"
		"  -q, --quiet     errors only\n"
		"  -h, --help      this help; 'rtvmm COMMAND --help' for a command\n"
		"      --version   print the version\n"
		"\n"
		"exit codes: 0 guest powered off, 1 runtime failure or guest crash,\n"
		"            2 usage or configuration error, 3 guest requested reset\n");
}

static void usage_run(FILE *out)
{
	fprintf(out,
		"usage: rtvmm run CONFIG [--set SECTION.KEY=VALUE]...\n"
		"\n"
		"Runs the VM described by CONFIG (see docs/config.md) until the guest powers\n"
		"off, crashes or resets, or rtvmm receives SIGINT/SIGTERM.\n"
		"\n"
		"  -s, --set SECTION.KEY=VALUE   override one key, validated like the file\n"
		"                                (e.g. --set vm.vcpus=4 --set vcpu.1.cpus=3)\n"
		"  -h, --help                    this help\n");
}

static void usage_plan(FILE *out)
{
	fprintf(out,
		"usage: rtvmm plan CONFIG [--json] [--set SECTION.KEY=VALUE]...\n"
		"\n"
		"Prints where each thread of the VM would run, without starting it: per vCPU\n"
		"and for the emulator thread the host CPUs, core, NUMA node, cgroup, policy,\n"
		"priority, uclamp and core-scheduling group, the guest memory's node, and\n"
		"warnings about the placement (SMT siblings, shared CPUs, remote memory).\n"
		"\n"
		"  -j, --json                    machine-readable output (see docs/config.md)\n"
		"  -s, --set SECTION.KEY=VALUE   override one key\n"
		"  -h, --help                    this help\n");
}

static void usage_check(FILE *out)
{
	fprintf(out,
		"usage: rtvmm check [CONFIG] [--set SECTION.KEY=VALUE]...\n"
		"\n"
		"Reports what this host offers RT guests, one line per item (OK, WARN, FAIL)\n"
		"with the fix. With CONFIG, also whether every feature it requests can be\n"
		"delivered here. Exit status 0 when nothing required fails, 1 otherwise.\n"
		"See docs/rt-host-tuning.md.\n"
		"\n"
		"  -s, --set SECTION.KEY=VALUE   override one key\n"
		"  -h, --help                    this help\n");
}

static void usage_ctl(FILE *out)
{
	fprintf(out,
		"usage: rtvmm ctl SOCKET COMMAND [ARGS] [--json]\n"
		"\n"
		"Sends one command to the VM listening on SOCKET ([vm] control) and prints\n"
		"the reply (see docs/control.md). Exit status 0 when the VM did it, 1 when it\n"
		"refused or no VM answered, 2 for a usage error.\n"
		"\n"
		"commands:\n"
		"  state                    VM and vCPU state, thread, CPU, policy, affinity\n"
		"  stats                    per-vCPU exits, time in the guest, host scheduling\n"
		"  pause | resume           every vCPU leaves or re-enters the guest\n"
		"  stop                     end the VM (rtvmm exits with status 0)\n"
		"  make-rt [VCPU]           switch to the configured RT policy (delay_rt)\n"
		"  throttle VCPU US         keep VCPU out of the guest for US microseconds\n"
		"  set-affinity VCPU CPUS   re-pin VCPU to a CPU list (2, 2-3, 0,2)\n"
		"\n"
		"  -j, --json   print the reply as the raw JSON line\n"
		"  -h, --help   this help\n");
}

static void usage_jitter(FILE *out)
{
	fprintf(out,
		"usage: rtvmm jitter CONFIG [--duration S] [--mode noise|wake] [--threshold-us N]\n"
		"                    [--baseline] [--histogram FILE] [--json FILE]\n"
		"                    [--plot FILE.png] [--set SECTION.KEY=VALUE]...\n"
		"\n"
		"Runs the built-in jitter probe on every vCPU with CONFIG's topology, placement\n"
		"and scheduling (a kernel or payload the config boots is replaced by the probe)\n"
		"and reports per vCPU: samples, gaps, time lost, p50/p99/p99.9/p99.99/max,\n"
		"host run delay, involuntary switches, migrations and exits, with warnings\n"
		"about what spoils a measurement. See docs/jitter.md.\n"
		"\n"
		"  -d, --duration S              seconds to measure (1..86400; [probe] duration)\n"
		"  -m, --mode noise|wake         noise: gaps in a TSC spin loop; wake: timer\n"
		"                                lateness ([probe] mode)\n"
		"  -t, --threshold-us N          noise: count gaps above N us (1..1000000)\n"
		"  -b, --baseline                first run the same loop in host threads with\n"
		"                                the same placement; show both and the ratios\n"
		"  -H, --histogram FILE          write the histogram in cyclictest's -h format\n"
		"  -j, --json FILE               write the report as JSON\n"
		"  -p, --plot FILE.png           draw the histograms with gnuplot (log scale)\n"
		"  -s, --set SECTION.KEY=VALUE   override one key of CONFIG\n"
		"  -h, --help                    this help\n"
		"\n"
		"exit codes: 0 measured on every vCPU, 1 runtime failure or interrupted,\n"
		"            2 usage or configuration error\n");
}

/* What a subcommand was given: a config file, --set overrides and its flags. */
struct cmd_args {
	const char *config;	/* NULL when none was given (and it is optional) */
	char *sets[MAX_SETS];
	size_t n_sets;
	bool json;
};

/*
 * Parses a subcommand's arguments: one CONFIG (optional when `config_optional`),
 * --set, and --json when `with_json`. Returns -1 to go on, else the exit code.
 */
static int parse_cmd(const char *cmd, int argc, char **argv, bool config_optional,
		     bool with_json, void (*usage_fn)(FILE *), struct cmd_args *a)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, left;

	memset(a, 0, sizeof(*a));
	optind = 0;	/* 0: glibc re-initialises, dropping main's "+" ordering */
	while ((c = getopt_long(argc, argv, with_json ? "s:jh" : "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (a->n_sets == MAX_SETS) {
				fprintf(stderr, "rtvmm %s: more than %d --set options\n", cmd,
					MAX_SETS);
				return EXIT_USAGE;
			}
			a->sets[a->n_sets++] = optarg;
			break;
		case 'j':
			if (!with_json) {
				fprintf(stderr, "rtvmm %s: --json is an option of plan only\n",
					cmd);
				goto bad;
			}
			a->json = true;
			break;
		case 'h':
			usage_fn(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	left = argc - optind;
	if (left == 1) {
		a->config = argv[optind];
		return -1;
	}
	if (left == 0 && config_optional) {
		if (!a->n_sets)
			return -1;
		fprintf(stderr, "rtvmm %s: --set needs a CONFIG file\n", cmd);
		goto bad;
	}
	fprintf(stderr, "rtvmm %s: expected %sone CONFIG file, got %d arguments\n", cmd,
		config_optional ? "at most " : "", left);
bad:
	usage_fn(stderr);
	return EXIT_USAGE;
}

/* Loads and validates the config named in `a`; NULL (message printed) on error. */
static struct cfg *load_config(const struct cmd_args *a)
{
	struct cfg_error err;
	struct cfg *cfg = malloc(sizeof(*cfg));

	if (!cfg) {
		fprintf(stderr, "rtvmm: out of memory\n");
		return NULL;
	}
	if (cfg_load(cfg, a->config, a->sets, a->n_sets, &err)) {
		fprintf(stderr, "rtvmm: %s\n", err.msg);
		free(cfg);
		return NULL;
	}
	return cfg;
}

static int cmd_run(int argc, char **argv)
{
	struct cmd_args a;
	struct cfg *cfg;
	int code = parse_cmd("run", argc, argv, false, false, usage_run, &a);

	if (code >= 0)
		return code;
	cfg = load_config(&a);
	if (!cfg)
		return EXIT_USAGE;
	code = run_vm(cfg);
	free(cfg);
	return code;
}

static int cmd_plan(int argc, char **argv)
{
	struct cmd_args a;
	struct cfg *cfg;
	int code = parse_cmd("plan", argc, argv, false, true, usage_plan, &a);

	if (code >= 0)
		return code;
	cfg = load_config(&a);
	if (!cfg)
		return EXIT_USAGE;
	code = run_plan(cfg, a.json);
	free(cfg);
	return code;
}

static int cmd_check(int argc, char **argv)
{
	struct cmd_args a;
	struct cfg *cfg = NULL;
	int code = parse_cmd("check", argc, argv, true, false, usage_check, &a);

	if (code >= 0)
		return code;
	if (a.config && !(cfg = load_config(&a)))
		return EXIT_USAGE;
	code = check_report(cfg, NULL, stdout);
	free(cfg);
	return code;
}

static int cmd_ctl(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool json = false;
	int c;

	/* permuted: --json may come after the command; "--" ends the options */
	optind = 0;
	while ((c = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage_ctl(stdout);
			return 0;
		default:
			usage_ctl(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 2) {
		fprintf(stderr, "rtvmm ctl: expected SOCKET and COMMAND\n");
		usage_ctl(stderr);
		return EXIT_USAGE;
	}
	return ctl_run(argv[optind], argc - optind - 1, argv + optind + 1, json);
}

/* An unsigned decimal in [min, max] into *out; false otherwise. */
static bool parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long v;

	if (!*s || *s == '-' || *s == '+')
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (unsigned)v;
	return true;
}

/* The command line as one string, for the JSON report. */
static void join_args(int argc, char **argv, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < argc && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? " " : "", argv[i]);
}

static int cmd_jitter(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "duration", required_argument, NULL, 'd' },
		{ "mode", required_argument, NULL, 'm' },
		{ "threshold-us", required_argument, NULL, 't' },
		{ "baseline", no_argument, NULL, 'b' },
		{ "histogram", required_argument, NULL, 'H' },
		{ "json", required_argument, NULL, 'j' },
		{ "plot", required_argument, NULL, 'p' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *sets[MAX_SETS];
	struct jitter_opts o = { .mode = -1, .sets = sets };
	char cmdline[512];
	int c;

	join_args(argc, argv, cmdline, sizeof(cmdline));
	o.cmdline = cmdline;
	optind = 0;
	while ((c = getopt_long(argc, argv, "d:m:t:bH:j:p:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			if (!parse_uint(optarg, 1, 86400, &o.duration_s)) {
				fprintf(stderr, "rtvmm jitter: --duration '%s': expected seconds, "
						"1 to 86400\n", optarg);
				goto bad;
			}
			break;
		case 'm':
			if (strcmp(optarg, "noise") == 0) {
				o.mode = CFG_PROBE_NOISE;
			} else if (strcmp(optarg, "wake") == 0) {
				o.mode = CFG_PROBE_WAKE;
			} else {
				fprintf(stderr, "rtvmm jitter: --mode '%s': expected noise or "
						"wake\n", optarg);
				goto bad;
			}
			break;
		case 't':
			if (!parse_uint(optarg, 1, 1000000, &o.threshold_us)) {
				fprintf(stderr, "rtvmm jitter: --threshold-us '%s': expected "
						"microseconds, 1 to 1000000\n", optarg);
				goto bad;
			}
			break;
		case 'b':
			o.baseline = true;
			break;
		case 'H':
			o.histogram = optarg;
			break;
		case 'j':
			o.json = optarg;
			break;
		case 'p':
			o.plot = optarg;
			break;
		case 's':
			if (o.n_sets == MAX_SETS) {
				fprintf(stderr, "rtvmm jitter: more than %d --set options\n",
					MAX_SETS);
				return EXIT_USAGE;
			}
			sets[o.n_sets++] = optarg;
			break;
		case 'h':
			usage_jitter(stdout);
			return 0;
		default:
			goto bad;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "rtvmm jitter: expected one CONFIG file, got %d arguments\n",
			argc - optind);
		goto bad;
	}
	o.config = argv[optind];
	return jitter_run(&o);
bad:
	usage_jitter(stderr);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	static const struct {
		const char *name;
		int (*fn)(int argc, char **argv);
	} commands[] = {
		{ "run", cmd_run },
		{ "plan", cmd_plan },
		{ "check", cmd_check },
		{ "ctl", cmd_ctl },
		{ "jitter", cmd_jitter },
	};
	int level = LOG_INFO, c;

	/* '+': stop at the subcommand, whose options are its own */
	while ((c = getopt_long(argc, argv, "+vqh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			level = level < LOG_DBG ? level + 1 : LOG_DBG;
			break;
		case 'q':
			level = LOG_ERR;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("rtvmm %s\n", RTVMM_VERSION);
			return 0;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	log_set_level((enum log_level)level);
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[optind], commands[i].name) == 0)
			return commands[i].fn(argc - optind, argv + optind);
	}
	fprintf(stderr, "rtvmm: unknown command '%s'\n", argv[optind]);
	usage(stderr);
	return EXIT_USAGE;
}
