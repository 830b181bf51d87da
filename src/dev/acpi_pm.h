// SPDX-License-Identifier: Apache-2.0
/*
 * The ACPI power-management register block the FADT points at (layout in
 * boot/acpi.h): the guest powers off by writing SLP_TYP = S5 with SLP_EN to the sleep
 * control register, and resets by writing the reset value to the reset register; both
 * reach the VM through a power sink. Other writes are ignored and every register reads
 * 0. The device holds no mutable state, so any vCPU thread may access it at once; the
 * sink must be callable from any of them.
 */
#ifndef RTVMM_DEV_ACPI_PM_H
#define RTVMM_DEV_ACPI_PM_H

#include "../bus.h"
#include "dev.h"

struct acpi_pm {
	struct dev_power_sink sink;
};

/*
 * Claims [port, port + ACPI_PM_LEN) on the I/O bus. Returns 0 or bus_register()'s
 * error. Main thread, before vCPUs start.
 */
int acpi_pm_init(struct acpi_pm *dev, struct bus *io_bus, uint16_t port,
		 struct dev_power_sink sink);

#endif
