// SPDX-License-Identifier: Apache-2.0
/*
 * Per-thread scheduler accounting from /proc (see taskstat.h).
 */
#include "taskstat.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void taskstat_clear(struct task_stat *ts)
{
	ts->run_ns = ts->wait_ns = ts->timeslices = TASKSTAT_UNKNOWN;
	ts->voluntary = ts->involuntary = ts->migrations = TASKSTAT_UNKNOWN;
	ts->last_cpu = -1;
}

int taskstat_parse_schedstat(const char *text, struct task_stat *ts)
{
	uint64_t run, wait, slices;

	if (sscanf(text, "%" SCNu64 " %" SCNu64 " %" SCNu64, &run, &wait, &slices) != 3)
		return -EINVAL;
	ts->run_ns = run;
	ts->wait_ns = wait;
	ts->timeslices = slices;
	return 0;
}

/* The number after "key:" at the start of a line of `text`. */
static int find_field(const char *text, const char *key, uint64_t *value)
{
	size_t len = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, len) == 0 && line[len] == ':')
			return sscanf(line + len + 1, " %" SCNu64, value) == 1 ? 0 : -EINVAL;
	}
	return -ENOENT;
}

int taskstat_parse_status(const char *text, struct task_stat *ts)
{
	uint64_t vol, invol;

	if (find_field(text, "voluntary_ctxt_switches", &vol) ||
	    find_field(text, "nonvoluntary_ctxt_switches", &invol))
		return -EINVAL;
	ts->voluntary = vol;
	ts->involuntary = invol;
	return 0;
}

int taskstat_parse_stat_line(const char *text, char *state, int *cpu, char comm[16])
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

int taskstat_parse_stat(const char *text, struct task_stat *ts)
{
	char state, comm[16];
	int cpu, ret = taskstat_parse_stat_line(text, &state, &cpu, comm);

	if (!ret)
		ts->last_cpu = cpu;
	return ret;
}

int taskstat_parse_sched(const char *text, struct task_stat *ts)
{
	const char *key = "se.nr_migrations";
	const char *p = strstr(text, key);
	uint64_t n;

	/* "se.nr_migrations    :    12", padded with spaces before the colon */
	if (!p)
		return -ENOENT;
	p += strlen(key);
	while (*p == ' ')
		p++;
	if (*p != ':' || sscanf(p + 1, " %" SCNu64, &n) != 1)
		return -EINVAL;
	ts->migrations = n;
	return 0;
}

int taskstat_read_text(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	if (n < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	close(fd);
	buf[n] = '\0';
	return n ? 0 : -EIO;	/* empty: the thread ended while it was read */
}

int taskstat_read(const char *proc, pid_t pid, pid_t tid, struct task_stat *ts)
{
	static const struct {
		const char *file;
		int (*parse)(const char *text, struct task_stat *ts);
	} files[] = {
		{ "schedstat", taskstat_parse_schedstat },
		{ "status", taskstat_parse_status },
		{ "stat", taskstat_parse_stat },
		{ "sched", taskstat_parse_sched },
	};
	char path[256], *buf = malloc(8192);
	int first_err = 0, read_ok = 0;

	if (!buf)
		return -ENOMEM;
	taskstat_clear(ts);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int ret;

		snprintf(path, sizeof(path), "%s/%d/task/%d/%s", proc, (int)pid, (int)tid,
			 files[i].file);
		ret = taskstat_read_text(path, buf, 8192);
		if (ret) {
			if (!first_err)
				first_err = ret;
			continue;
		}
		if (files[i].parse(buf, ts) == 0 && i < 2)
			read_ok++;
	}
	free(buf);
	return read_ok ? 0 : first_err ? first_err : -EINVAL;
}

static uint64_t counter_delta(uint64_t a, uint64_t b)
{
	return a == TASKSTAT_UNKNOWN || b == TASKSTAT_UNKNOWN || b < a ? TASKSTAT_UNKNOWN : b - a;
}

void taskstat_delta(const struct task_stat *a, const struct task_stat *b, struct task_stat *out)
{
	out->run_ns = counter_delta(a->run_ns, b->run_ns);
	out->wait_ns = counter_delta(a->wait_ns, b->wait_ns);
	out->timeslices = counter_delta(a->timeslices, b->timeslices);
	out->voluntary = counter_delta(a->voluntary, b->voluntary);
	out->involuntary = counter_delta(a->involuntary, b->involuntary);
	out->migrations = counter_delta(a->migrations, b->migrations);
	out->last_cpu = b->last_cpu;
}
