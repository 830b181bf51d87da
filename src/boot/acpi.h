// SPDX-License-Identifier: Apache-2.0
/*
 * ACPI tables for Linux guests: RSDP, XSDT, FADT, MADT and DSDT in guest memory at
 * [ACPI_REGION_START, ACPI_REGION_END), which the loader marks reserved in the e820 map.
 * They tell the guest its CPUs (the Debian kernel has no MP-table parser, so without a
 * MADT it boots on one CPU), where its interrupt controllers are, where the legacy UART
 * and RTC sit, and how to power off (ACPI S5) and reset through the register block of
 * src/dev/acpi_pm. The platform is "hardware-reduced" (no PM1/GPE blocks, no SCI, no PM
 * timer). Also the register layout that block and these tables share. Pure functions
 * over a buffer; the main thread builds the tables before any vCPU runs.
 */
#ifndef RTVMM_BOOT_ACPI_H
#define RTVMM_BOOT_ACPI_H

#include <stdint.h>

/*
 * The tables' guest-physical home. The RSDP sits at its start, 16-byte aligned inside
 * the BIOS area a kernel scans (0xe0000-0xfffff), so a guest finds it without the boot
 * protocol's pointer too.
 */
#define ACPI_REGION_START	0xe0000
#define ACPI_REGION_END		0x100000

/*
 * The power-management register block: ACPI_PM_LEN bytes of port I/O at the port the
 * config names (ACPI_PM_PORT by default, where no legacy PC device decodes; ACPICA
 * refuses firmware registers on some legacy ports, such as the PIC's and the RTC's).
 * Each register is one byte; the FADT points its SLEEP_CONTROL_REG, SLEEP_STATUS_REG and
 * RESET_REG here (ACPI 6.5, 4.8.3.7 and 4.8.3.6).
 */
#define ACPI_PM_PORT		0x600
#define ACPI_PM_LEN		4
#define ACPI_PM_SLEEP_CONTROL	0	/* write: SLP_TYP | SLP_EN; reads 0 */
#define ACPI_PM_SLEEP_STATUS	1	/* reads 0 (WAK_STS clear); writes ignored */
#define ACPI_PM_RESET		2	/* write ACPI_PM_RESET_VALUE: reset; reads 0 */
/* offset 3 is reserved: reads 0, writes ignored */

#define ACPI_SLP_TYP_SHIFT	2
#define ACPI_SLP_TYP_MASK	(0x7u << ACPI_SLP_TYP_SHIFT)
#define ACPI_SLP_EN		(1u << 5)
#define ACPI_SLP_TYP_S5		5	/* the value \_S5_ gives for SLEEP_CONTROL's SLP_TYP */
#define ACPI_PM_RESET_VALUE	0x0f	/* the FADT's RESET_VALUE */

/* The PC's legacy devices the DSDT describes. */
#define ACPI_COM1_PORT		0x3f8
#define ACPI_COM1_LEN		8
#define ACPI_RTC_PORT		0x70
#define ACPI_RTC_LEN		2

/* The I/O APIC's ID: 0, what KVM's in-kernel I/O APIC reports after reset. */
#define ACPI_IOAPIC_ID		0

struct acpi_config {
	uint32_t nr_vcpus;		/* >= 1; the vCPUs have APIC IDs 0 .. nr_vcpus - 1 */
	uint32_t lapic_addr;		/* local APIC base, 0xfee00000 */
	uint32_t ioapic_addr;		/* I/O APIC base, 0xfec00000 */
	uint32_t ioapic_gsi_base;	/* its first GSI: must be 0 (the ISA IRQs are GSIs) */
	uint16_t pm_port;		/* base of the acpi_pm block, ACPI_PM_PORT */
	uint8_t uart_irq;		/* COM1's ISA IRQ, 4 (1-15) */
	uint8_t rtc_irq;		/* the CMOS RTC's ISA IRQ, 8; 0: it raises none */
	uint8_t rtc_century;		/* CMOS index of the century byte, 0x32; 0: none */
	/*
	 * The GSI on which ISA IRQ 0 (the PIT) arrives. 0 under KVM's default routing,
	 * which wires ISA IRQ n to I/O APIC pin n: the MADT then needs no override. 2 when
	 * the VMM routes it as a PC chipset does: the MADT then says IRQ 0 -> GSI 2.
	 */
	uint32_t irq0_gsi;
};

/*
 * Writes the tables into guest memory (`mem` is guest-physical 0, `mem_bytes` long) and
 * returns the RSDP's address in *rsdp_gpa. The whole region is rewritten; nothing
 * outside it is touched. Returns 0, -EINVAL for a bad configuration or memory that does
 * not cover the region, -ENOSPC when the tables do not fit in the region (tens of
 * thousands of vCPUs). Main thread.
 */
int acpi_build(uint8_t *mem, uint64_t mem_bytes, const struct acpi_config *cfg,
	       uint64_t *rsdp_gpa);

#endif
