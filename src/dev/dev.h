// SPDX-License-Identifier: Apache-2.0
/*
 * What devices receive from the VM instead of calling it: an output sink and a way to
 * end the VM. Both are called from vCPU threads.
 */
#ifndef RTVMM_DEV_H
#define RTVMM_DEV_H

#include <stddef.h>

struct dev_output {
	void (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

struct dev_exit_sink {
	void (*request_exit)(void *ctx, int status);
	void *ctx;
};

#endif
