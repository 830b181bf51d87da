// SPDX-License-Identifier: Apache-2.0
/*
 * The command line: global options, then a subcommand with its own options. Exit
 * codes follow DESIGN.md: 0 guest powered off, 1 runtime failure or crash, 2 usage or
 * configuration error, 3 guest reset.
 */
#include "log.h"
#include "run.h"

#include "../config/config.h"

#include <getopt.h>
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

static int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char *sets[MAX_SETS];
	size_t n_sets = 0;
	struct cfg_error err;
	struct cfg *cfg;
	int c, code;

	optind = 0;	/* 0: glibc re-initialises, dropping main's "+" ordering */
	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (n_sets == MAX_SETS) {
				fprintf(stderr, "rtvmm run: more than %d --set options\n", MAX_SETS);
				return EXIT_USAGE;
			}
			sets[n_sets++] = optarg;
			break;
		case 'h':
			usage_run(stdout);
			return 0;
		default:
			usage_run(stderr);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		fprintf(stderr, "rtvmm run: expected one CONFIG file, got %d arguments\n",
			argc - optind);
		usage_run(stderr);
		return EXIT_USAGE;
	}
	cfg = malloc(sizeof(*cfg));
	if (!cfg) {
		fprintf(stderr, "rtvmm: out of memory\n");
		return 1;
	}
	if (cfg_load(cfg, argv[optind], sets, n_sets, &err)) {
		fprintf(stderr, "rtvmm: %s\n", err.msg);
		free(cfg);
		return EXIT_USAGE;
	}
	code = run_vm(cfg);
	free(cfg);
	return code;
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
