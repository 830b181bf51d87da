// SPDX-License-Identifier: Apache-2.0
/*
 * CPU list parsing and formatting (see cpulist.h). The notation is the one the kernel
 * prints in /sys/devices/system/cpu/online and cpuset.cpus, so users can paste those.
 * Stride syntax ("0-7:2") is not accepted: a pinning should be readable at a glance.
 */
#include "cpulist.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static const char *skip_blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/*
 * Read one CPU number at *@s and advance past it. Digits are consumed even past the
 * limit so that "99999" is reported as out of range rather than as junk.
 */
static int parse_cpu(const char **s, unsigned *cpu)
{
	const char *p = *s;
	unsigned long v = 0;
	bool big = false;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (!big)
			v = v * 10 + (unsigned long)(*p - '0');
		if (v >= CPU_SETSIZE)
			big = true;
	}
	*s = p;
	if (big)
		return -ERANGE;
	*cpu = (unsigned)v;
	return 0;
}

int cpulist_parse(const char *s, cpu_set_t *set)
{
	const char *p = s;
	int ret;

	CPU_ZERO(set);
	if (!s)
		return -EINVAL;
	for (;;) {
		unsigned first, last;

		p = skip_blanks(p);
		ret = parse_cpu(&p, &first);
		if (ret)
			goto err;
		last = first;
		p = skip_blanks(p);
		if (*p == '-') {
			p = skip_blanks(p + 1);
			ret = parse_cpu(&p, &last);
			if (ret)
				goto err;
			if (last < first) {
				ret = -EINVAL;
				goto err;
			}
			p = skip_blanks(p);
		}
		for (unsigned cpu = first; cpu <= last; cpu++)
			CPU_SET(cpu, set);
		if (*p == '\0')
			return 0;
		if (*p != ',') {
			ret = -EINVAL;
			goto err;
		}
		p++;
	}
err:
	CPU_ZERO(set);
	return ret;
}

int cpulist_format(const cpu_set_t *set, char *buf, size_t len)
{
	size_t used = 0;
	int cpu = 0;

	if (len == 0)
		return -ENOSPC;
	buf[0] = '\0';
	while (cpu < CPU_SETSIZE) {
		int first, n;

		if (!CPU_ISSET(cpu, set)) {
			cpu++;
			continue;
		}
		first = cpu;
		while (cpu + 1 < CPU_SETSIZE && CPU_ISSET(cpu + 1, set))
			cpu++;
		if (cpu == first)
			n = snprintf(buf + used, len - used, "%s%d", used ? "," : "", first);
		else
			n = snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", first,
				     cpu);
		if (n < 0 || (size_t)n >= len - used) {
			buf[0] = '\0';
			return -ENOSPC;
		}
		used += (size_t)n;
		cpu++;
	}
	return (int)used;
}
