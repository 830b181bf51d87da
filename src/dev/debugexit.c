// SPDX-License-Identifier: Apache-2.0
/*
 * Debug-exit port (see debugexit.h).
 */
#include "debugexit.h"

#include <string.h>

static void debugexit_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	struct debugexit *dev = opaque;
	uint32_t value = 0;

	(void)offset;
	memcpy(&value, data, len < sizeof(value) ? len : sizeof(value));
	dev->sink.request_exit(dev->sink.ctx, (int)(value & 0xff));
}

static const struct bus_dev_ops debugexit_ops = {
	.write = debugexit_write,
};

int debugexit_init(struct debugexit *dev, struct bus *io_bus, uint16_t port,
		   struct dev_exit_sink sink)
{
	dev->sink = sink;
	return bus_register(io_bus, port, 4, &debugexit_ops, dev, "debug-exit");
}
