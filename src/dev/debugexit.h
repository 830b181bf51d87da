// SPDX-License-Identifier: Apache-2.0
/*
 * Debug-exit port: the value a guest writes (1, 2 or 4 bytes) ends the VM and becomes
 * rtvmm's exit status (truncated to 0..255). Test guests and the probe end this way.
 * Runs on vCPU threads; the sink must be callable from any of them.
 */
#ifndef RTVMM_DEV_DEBUGEXIT_H
#define RTVMM_DEV_DEBUGEXIT_H

#include "../bus.h"
#include "dev.h"

struct debugexit {
	struct dev_exit_sink sink;
};

int debugexit_init(struct debugexit *dev, struct bus *io_bus, uint16_t port,
		   struct dev_exit_sink sink);

#endif
