// SPDX-License-Identifier: Apache-2.0
/*
 * Runnable threads on a set of CPUs, from /proc (see runnable.h).
 */
#include "runnable.h"

#include "taskstat.h"

#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void scan_process(const char *proc, const char *pid, const cpu_set_t *cpus,
			 struct runnable_seen *seen)
{
	char path[512], buf[1024], comm[16], state;
	struct dirent *t;
	DIR *tasks;
	int cpu;

	snprintf(path, sizeof(path), "%s/%s/task", proc, pid);
	tasks = opendir(path);
	if (!tasks)
		return;	/* the process ended */
	while ((t = readdir(tasks))) {
		if (!all_digits(t->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s/task/%s/stat", proc, pid, t->d_name);
		if (taskstat_read_text(path, buf, sizeof(buf)) ||
		    taskstat_parse_stat_line(buf, &state, &cpu, comm) || state != 'R' ||
		    cpu >= CPU_SETSIZE || !CPU_ISSET(cpu, cpus))
			continue;
		if (!seen->count[cpu]++)
			snprintf(seen->comm[cpu], sizeof(seen->comm[cpu]), "%s", comm);
	}
	closedir(tasks);
}

int runnable_scan(const char *proc, pid_t self, const cpu_set_t *cpus,
		  struct runnable_seen *seen)
{
	struct dirent *d;
	DIR *dir = opendir(proc);

	memset(seen, 0, sizeof(*seen));
	if (!dir)
		return -errno;
	while ((d = readdir(dir))) {
		if (!all_digits(d->d_name) || atol(d->d_name) == (long)self)
			continue;
		scan_process(proc, d->d_name, cpus, seen);
	}
	closedir(dir);
	return 0;
}
