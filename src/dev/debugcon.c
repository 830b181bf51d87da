// SPDX-License-Identifier: Apache-2.0
/*
 * Debug console port (see debugcon.h).
 */
#include "debugcon.h"

#include <string.h>

static void debugcon_read(void *opaque, uint64_t offset, void *data, unsigned len)
{
	(void)opaque;
	(void)offset;
	memset(data, 0, len);
	*(uint8_t *)data = 0xe9;
}

static void debugcon_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	struct debugcon *dev = opaque;

	(void)offset;
	(void)len;	/* only the low byte of a wider write is a character */
	dev->out.write(dev->out.ctx, data, 1);
}

static const struct bus_dev_ops debugcon_ops = {
	.read = debugcon_read,
	.write = debugcon_write,
};

int debugcon_init(struct debugcon *dev, struct bus *io_bus, uint16_t port,
		  struct dev_output out)
{
	dev->out = out;
	return bus_register(io_bus, port, 1, &debugcon_ops, dev, "debugcon");
}
