// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm jitter`: the built-in probe on a config's topology, placement and scheduling
 * (the probe replaces a kernel or payload the config boots), optionally after the same
 * loop natively on the host (--baseline); then the report of src/report, printed and
 * written as a cyclictest histogram, JSON and a gnuplot PNG. Main thread.
 */
#ifndef RTVMM_JITTER_H
#define RTVMM_JITTER_H

#include <stdbool.h>
#include <stddef.h>

struct jitter_opts {
	const char *config;
	char *const *sets;	/* --set overrides, applied like `rtvmm run`'s */
	size_t n_sets;
	unsigned duration_s;	/* 0: the config's [probe] duration */
	int mode;		/* enum cfg_probe_mode; -1: the config's */
	unsigned threshold_us;	/* 0: the config's */
	bool baseline;
	const char *histogram;	/* NULL: none */
	const char *json;
	const char *plot;
	const char *cmdline;	/* the command line, for the JSON */
};

/*
 * Runs the measurement and reports. Returns the exit code: 0 when every vCPU finished
 * its measurement, 1 on a runtime failure or an interrupted measurement, 2 on a usage
 * or configuration error.
 */
int jitter_run(const struct jitter_opts *o);

#endif
