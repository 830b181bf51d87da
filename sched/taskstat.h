// SPDX-License-Identifier: Apache-2.0
/*
 * What the host scheduler did to one thread, read from /proc: time on CPU and time
 * kept waiting while runnable (schedstat), voluntary and involuntary context switches
 * (status), the CPU it last ran on (stat) and its migrations (sched, when the kernel has
 * SCHED_DEBUG). The control socket's `stats` and the jitter report read these for each
 * vCPU thread. The parsers are pure functions over the files' text; taskstat_read() is
 * the thin part that opens the files.
 */
#ifndef RTVMM_SCHED_TASKSTAT_H
#define RTVMM_SCHED_TASKSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TASKSTAT_UNKNOWN UINT64_MAX	/* a counter this kernel does not provide */

struct task_stat {
	uint64_t run_ns;	/* schedstat: time spent running on a CPU */
	uint64_t wait_ns;	/* schedstat: run delay, runnable but not running */
	uint64_t timeslices;	/* schedstat: times it was scheduled in */
	uint64_t voluntary;	/* context switches it asked for (blocking, sleeping) */
	uint64_t involuntary;	/* context switches forced on it (preemption) */
	uint64_t migrations;	/* moves between CPUs; TASKSTAT_UNKNOWN without SCHED_DEBUG */
	int last_cpu;		/* CPU it last ran on; -1 unknown */
};

/* Each parser fills its fields from the text of one file; returns 0 or -EINVAL. */
int taskstat_parse_schedstat(const char *text, struct task_stat *ts);
int taskstat_parse_status(const char *text, struct task_stat *ts);
int taskstat_parse_stat(const char *text, struct task_stat *ts);
int taskstat_parse_sched(const char *text, struct task_stat *ts);

/*
 * The whole stat line: its state letter, its last CPU (field 39) and its command name
 * (field 2, which may hold spaces and parentheses). Returns 0 or -EINVAL.
 */
int taskstat_parse_stat_line(const char *text, char *state, int *cpu, char comm[16]);

/* Reads a small /proc file into buf, NUL-terminated. Returns 0 or -errno (-EIO: empty). */
int taskstat_read_text(const char *path, char *buf, size_t len);

/*
 * Reads thread `tid` of process `pid` under `proc` ("/proc", or a test tree). Fields
 * whose file is missing stay TASKSTAT_UNKNOWN (last_cpu -1). Returns 0, or -errno when
 * the thread does not exist (its schedstat and status both unreadable).
 */
int taskstat_read(const char *proc, pid_t pid, pid_t tid, struct task_stat *ts);

/* b - a for every counter, TASKSTAT_UNKNOWN where either is unknown; last_cpu from b. */
void taskstat_delta(const struct task_stat *a, const struct task_stat *b, struct task_stat *out);

#endif
