// SPDX-License-Identifier: Apache-2.0
/*
 * The console output sink for [console] serial: stdout, a file, or nothing. Devices
 * write guest output through it from vCPU threads; each write is one write(2), so
 * concurrent writers never interleave inside a chunk.
 */
#ifndef RTVMM_CONSOLE_H
#define RTVMM_CONSOLE_H

#include <stddef.h>

struct cfg;

struct console {
	int out_fd;	/* -1: output discarded */
	int owned;	/* out_fd was opened here and is closed by console_fini */
};

/* Opens the configured sink. Returns 0 or -errno (logged with the path). */
int console_init(struct console *con, const struct cfg *cfg);
void console_fini(struct console *con);
void console_write(struct console *con, const void *buf, size_t len);

#endif
