// SPDX-License-Identifier: Apache-2.0
/*
 * CPU lists in the kernel's notation ("2", "1-3", "0,2-3"), as written in the INI file,
 * on the command line and in the control protocol, converted to and from cpu_set_t.
 * Pure string functions with no state: any thread may call them. The word "auto" is
 * not a CPU list; the config layer handles it before calling here.
 */
#ifndef RTVMM_CPULIST_H
#define RTVMM_CPULIST_H

#include <sched.h>
#include <stddef.h>

/*
 * Parse a CPU list into @set (cleared first). Elements are a CPU number or an inclusive
 * range "A-B" with A <= B, separated by commas; blanks around elements are allowed.
 * Overlapping elements are merged. Returns 0; -EINVAL for an empty list, an empty
 * element, a reversed range or anything that is not a decimal number; -ERANGE for a
 * CPU >= CPU_SETSIZE. On error @set is left empty.
 */
int cpulist_parse(const char *s, cpu_set_t *set);

/*
 * Write @set to @buf in canonical form: ascending, ranges of 2+ CPUs joined ("0,2-3");
 * an empty set writes "". Returns the length written (without the NUL), or -ENOSPC if
 * @len bytes cannot hold it (then @buf holds "" when @len > 0).
 */
int cpulist_format(const cpu_set_t *set, char *buf, size_t len);

#endif
