// SPDX-License-Identifier: Apache-2.0
/*
 * Debug console port (0xe9, as in Bochs and QEMU): every byte a guest writes goes to
 * an output sink. Reading it returns 0xe9 so a guest can detect it. Runs on vCPU threads.
 */
#ifndef RTVMM_DEV_DEBUGCON_H
#define RTVMM_DEV_DEBUGCON_H

#include "../bus.h"
#include "dev.h"

struct debugcon {
	struct dev_output out;
};

int debugcon_init(struct debugcon *dev, struct bus *io_bus, uint16_t port,
		  struct dev_output out);

#endif
