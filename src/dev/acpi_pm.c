// SPDX-License-Identifier: Apache-2.0
/*
 * ACPI power-management registers (see acpi_pm.h). Semantics from ACPI 6.5 4.8.3.6
 * (reset register) and 4.8.3.7 (sleep control and status registers). Linux writes them
 * one byte wide, as the FADT's generic address structures say, but an access of any
 * width is taken byte by byte so a wider one acts on each register it covers.
 */
#include "acpi_pm.h"

#include "../boot/acpi.h"

static void acpi_pm_read(void *opaque, uint64_t offset, void *data, unsigned len)
{
	uint8_t *p = data;

	(void)opaque;
	(void)offset;
	/*
	 * Sleep control: SLP_EN and SLP_TYP read as 0. Sleep status: WAK_STS stays clear,
	 * as nothing ever wakes from S5 here (Linux polls it after entering a sleep state,
	 * but by then the VM is ending). Reset: write-only.
	 */
	for (unsigned i = 0; i < len; i++)
		p[i] = 0;
}

static void acpi_pm_write_reg(struct acpi_pm *dev, uint64_t reg, uint8_t value)
{
	switch (reg) {
	case ACPI_PM_SLEEP_CONTROL:
		/* only S5 is offered (the DSDT has no other \_Sx), so other types are noise */
		if ((value & ACPI_SLP_EN) &&
		    (value & ACPI_SLP_TYP_MASK) >> ACPI_SLP_TYP_SHIFT == ACPI_SLP_TYP_S5)
			dev->sink.request(dev->sink.ctx, DEV_POWER_OFF);
		break;
	case ACPI_PM_RESET:
		if (value == ACPI_PM_RESET_VALUE)
			dev->sink.request(dev->sink.ctx, DEV_POWER_RESET);
		break;
	default:
		/*
		 * Sleep status: clearing WAK_STS (Linux does before sleeping) has nothing to
		 * do. The reserved byte and anything past the block: nothing there.
		 */
		break;
	}
}

static void acpi_pm_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	const uint8_t *p = data;

	/* a byte past the block (a wide access at its end) is no register: ignored */
	for (unsigned i = 0; i < len; i++)
		acpi_pm_write_reg(opaque, offset + i, p[i]);
}

static const struct bus_dev_ops acpi_pm_ops = {
	.read = acpi_pm_read,
	.write = acpi_pm_write,
};

int acpi_pm_init(struct acpi_pm *dev, struct bus *io_bus, uint16_t port,
		 struct dev_power_sink sink)
{
	dev->sink = sink;
	return bus_register(io_bus, port, ACPI_PM_LEN, &acpi_pm_ops, dev, "acpi-pm");
}
