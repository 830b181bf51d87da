// SPDX-License-Identifier: Apache-2.0
/*
 * PCI configuration mechanism #1 with nothing behind it: CONFIG_ADDRESS at 0xcf8 (a
 * 32-bit register that reads back what a 32-bit write put there) and CONFIG_DATA at
 * 0xcfc-0xcff, where every read returns all ones, the answer of an empty slot, and
 * writes are dropped. Byte and word accesses to 0xcf8-0xcfb are not config cycles on
 * PCI host bridges (they go to the ISA side); they read all ones and leave the address
 * alone. The reset control register some chipsets have at 0xcf9 is not modelled.
 *
 * What Linux (arch/x86/pci/direct.c) makes of it: pci_check_type1() sees 0x80000000 read
 * back, so the mechanism is there; pci_sanity_check() then accepts it without looking
 * only if the DMI BIOS date is 2001 or later (an SMBIOS table) or `pci=conf1` is on the
 * command line; otherwise it reads the class and vendor of all 256 functions on bus 0
 * (1024 port exits), finds no host bridge, and refuses type 1. Type 2 is refused at
 * once because byte reads of 0xcf8/0xcfa return 0xff. Linux then prints "PCI: Fatal: No
 * config space access function found" and, later, "PCI: System does not support PCI",
 * and carries on without PCI. With `pci=conf1` (or SMBIOS) it prints "PCI: Using
 * configuration type 1 for base access", scans bus 0 (one vendor-ID read per slot), and
 * finds an empty bus.
 *
 * Any vCPU may access it; the address register is an atomic, as Linux serializes its
 * address/data pairs itself (pci_config_lock).
 */
#ifndef RTVMM_DEV_PCI_H
#define RTVMM_DEV_PCI_H

#include "../bus.h"

#include <stdatomic.h>
#include <stdint.h>

#define PCI_CONFIG_ADDRESS	0xcf8
#define PCI_CONFIG_DATA		0xcfc
#define PCI_CONFIG_PORTS	8	/* 0xcf8-0xcff, the range Linux reserves */

struct pci_noop {
	_Atomic uint32_t address;	/* CONFIG_ADDRESS as last written, 0 at reset */
};

/*
 * Claims ports 0xcf8-0xcff on io_bus. Returns 0 or -errno from bus_register. Main
 * thread, before vCPUs start. Nothing to finalize.
 */
int pci_init(struct pci_noop *dev, struct bus *io_bus);

#endif
