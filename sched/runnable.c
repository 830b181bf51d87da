// SPDX-License-Identifier: Apache-2.0
/*
 * Runnable threads on a set of CPUs, from /proc (see runnable.h).
 */
#include "runnable.h"

#include <ctype.h>
#include <stdbool.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int runnable_parse_stat(const char *text, char *state, int *cpu, char comm[16])
{
	const char *open = strchr(text, '('), *close = strrchr(text, ')'), *p;
	size_t len;
	int field;

	/* the name sits between the first '(' and the last ')', whatever it contains */
	if (!open || !close || close < open || close[1] != ' ' || !close[2])
		return -EINVAL;
	len = (size_t)(close - open - 1);
	if (len > 15)
		len = 15;
	memcpy(comm, open + 1, len);
	comm[len] = '\0';
	*state = close[2];
	/* after ')' comes field 3 (state); the CPU is field 39 */
	p = close;
	for (field = 2; field < 39; field++) {
		p = strchr(p + 1, ' ');
		if (!p)
			return -EINVAL;
	}
	if (sscanf(p, " %d", cpu) != 1 || *cpu < 0)
		return -EINVAL;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

/* Reads one stat file; a thread that ended meanwhile is skipped (returns -1). */
static int read_stat(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return 0;
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
		if (read_stat(path, buf, sizeof(buf)) ||
		    runnable_parse_stat(buf, &state, &cpu, comm) || state != 'R' ||
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
