// SPDX-License-Identifier: Apache-2.0
/*
 * PCI configuration mechanism #1 with an empty bus (see pci.h). Only a 32-bit access at
 * 0xcf8 itself touches the address register; everything else in the range reads as
 * ones, which is what a config read of an absent function returns too.
 */
#include "pci.h"

#include <string.h>

#define ADDRESS_OFFSET 0

static void pci_read(void *opaque, uint64_t offset, void *data, unsigned len)
{
	struct pci_noop *dev = opaque;

	if (offset == ADDRESS_OFFSET && len == sizeof(uint32_t)) {
		uint32_t v = atomic_load(&dev->address);

		memcpy(data, &v, sizeof(v));
		return;
	}
	/* CONFIG_DATA of a function that is not there, or a non-config byte/word access */
	memset(data, 0xff, len);
}

static void pci_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	struct pci_noop *dev = opaque;
	uint32_t v;

	if (offset != ADDRESS_OFFSET || len != sizeof(uint32_t))
		return;	/* config writes to an empty bus, or not a config access at all */
	memcpy(&v, data, sizeof(v));
	atomic_store(&dev->address, v);
}

static const struct bus_dev_ops pci_ops = {
	.read = pci_read,
	.write = pci_write,
};

int pci_init(struct pci_noop *dev, struct bus *io_bus)
{
	atomic_init(&dev->address, 0);
	return bus_register(io_bus, PCI_CONFIG_ADDRESS, PCI_CONFIG_PORTS, &pci_ops, dev,
			    "pci-conf1");
}
