// SPDX-License-Identifier: Apache-2.0
/*
 * Other runnable threads on given CPUs: a scan of /proc/<pid>/task/<tid>/stat for
 * threads in state R whose last CPU is one of them, leaving out one process (rtvmm
 * itself). The jitter report samples it a few times during a measurement to warn that
 * something competed with a vCPU. It is a snapshot, not an accounting: a thread that was
 * runnable between two scans is missed. The parser is pure; runnable_scan() reads the
 * files. Main thread.
 */
#ifndef RTVMM_SCHED_RUNNABLE_H
#define RTVMM_SCHED_RUNNABLE_H

#include <sched.h>
#include <sys/types.h>

/* What one scan saw on each CPU of interest. */
struct runnable_seen {
	unsigned count[CPU_SETSIZE];	/* runnable threads on the CPU, not counting `self` */
	char comm[CPU_SETSIZE][16];	/* the command name of one of them; "" when none */
};

/*
 * Scans every thread under `proc` ("/proc", or a test tree) and counts, for each CPU in
 * `cpus`, the threads in state R that last ran there, except those of process `self`.
 * Returns 0 (with *seen filled), or -errno when `proc` cannot be read.
 */
int runnable_scan(const char *proc, pid_t self, const cpu_set_t *cpus,
		  struct runnable_seen *seen);

#endif
