// SPDX-License-Identifier: Apache-2.0
/*
 * ACPI table builder (see acpi.h). Layouts from the ACPI 6.5 specification: RSDP 5.2.5,
 * SDT header 5.2.6, XSDT 5.2.8, FADT 5.2.9 (Tables 5.9-5.11), MADT 5.2.12, DSDT 5.2.11.1;
 * hardware-reduced ACPI 4.1. Fields are written at their byte offsets, little-endian,
 * so nothing depends on the host compiler's struct layout.
 *
 * What Linux (arch/x86/kernel/acpi/boot.c) makes of them: HW_REDUCED_ACPI makes it skip
 * the PIC, the PIT/HPET timer setup and the SCI, and gives the I/O APIC a dynamic IRQ
 * domain with no identity map for ISA IRQs 0-15. A device is then only reachable on its
 * interrupt if the DSDT describes it: the legacy 8250 probe's hard-coded IRQ 4 and the
 * fallback RTC platform device's IRQ 8 are not mapped to their GSIs. Hence COM1
 * (PNP0501, found by 8250_pnp, which takes over the legacy ttyS0 at the same port) and
 * the RTC (PNP0B00, found by rtc_cmos, which runs without alarms when its _CRS lists no
 * IRQ) are in the DSDT. Debian's cloud kernel builds in PNPACPI (ACPI selects PNP),
 * 8250_pnp and rtc_cmos, and has no MP-table parser.
 */
#include "acpi.h"

#include "aml.h"

#include <assert.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#define ACPI_OEM_ID		"RTVMM "	/* 6 bytes */
#define ACPI_OEM_TABLE_ID	"RTVMM   "	/* 8 bytes */
#define ACPI_OEM_REVISION	1
#define ACPI_CREATOR_ID		"RTVM"
#define ACPI_CREATOR_REVISION	1
#define ACPI_HYPERVISOR_ID	"RTVMMKVM"	/* FADT Hypervisor Vendor Identity */

#define ACPI_TABLE_ALIGN	16
#define ACPI_IOAPIC_PINS	24		/* KVM's in-kernel I/O APIC */

/* System description table header (5.2.6) */
#define SDT_LENGTH		4
#define SDT_CHECKSUM		9
#define SDT_HEADER_LEN		36

/* RSDP (5.2.5.3): the first 20 bytes are the ACPI 1.0 structure with its own checksum */
#define RSDP_CHECKSUM		8
#define RSDP_OEM_ID		9
#define RSDP_REVISION		15
#define RSDP_LENGTH		20
#define RSDP_XSDT		24
#define RSDP_EXT_CHECKSUM	32
#define RSDP_V1_LEN		20
#define RSDP_LEN		36

/* FADT (Table 5.9), revision 6.5 */
#define FADT_REVISION		6
#define FADT_MINOR_REVISION	5
#define FADT_DSDT		40
#define FADT_CENTURY		108
#define FADT_IAPC_BOOT_ARCH	109
#define FADT_FLAGS		112
#define FADT_RESET_REG		116
#define FADT_RESET_VALUE	128
#define FADT_MINOR_VERSION	131
#define FADT_X_DSDT		140
#define FADT_SLEEP_CONTROL_REG	244
#define FADT_SLEEP_STATUS_REG	256
#define FADT_HYPERVISOR_ID	268
#define FADT_LEN		276

/* IAPC_BOOT_ARCH (Table 5.11) */
#define BOOT_ARCH_LEGACY_DEVICES	(1u << 0)
#define BOOT_ARCH_VGA_NOT_PRESENT	(1u << 2)

/* FADT flags (Table 5.10) */
#define FADT_F_WBINVD		(1u << 0)
#define FADT_F_PWR_BUTTON	(1u << 4)
#define FADT_F_SLP_BUTTON	(1u << 5)
#define FADT_F_FIX_RTC		(1u << 6)
#define FADT_F_RESET_REG_SUP	(1u << 10)
#define FADT_F_HEADLESS		(1u << 12)
#define FADT_F_HW_REDUCED_ACPI	(1u << 20)

/* Generic Address Structure (5.2.3.2) */
#define GAS_SPACE_SYSTEM_IO	1
#define GAS_ACCESS_BYTE		1
#define GAS_LEN			12

/* MADT (5.2.12) */
#define MADT_REVISION		5
#define MADT_LAPIC_ADDR		36
#define MADT_FLAGS		40
#define MADT_HEADER_LEN		44
#define MADT_PCAT_COMPAT	(1u << 0)
#define MADT_LAPIC		0
#define MADT_LAPIC_LEN		8
#define MADT_IOAPIC		1
#define MADT_IOAPIC_LEN		12
#define MADT_OVERRIDE		2
#define MADT_OVERRIDE_LEN	10
#define MADT_LAPIC_NMI		4
#define MADT_LAPIC_NMI_LEN	6
#define MADT_X2APIC		9
#define MADT_X2APIC_LEN		16
#define MADT_X2APIC_NMI		10
#define MADT_X2APIC_NMI_LEN	12
#define MADT_ENABLED		(1u << 0)
#define MADT_XAPIC_IDS		255	/* IDs 0-254 fit a Local APIC entry; 255+ need x2APIC */
#define MADT_ALL_PROCESSORS_8	0xff
#define MADT_ALL_PROCESSORS_32	0xffffffffu
/* MPS INTI flags: polarity bits 1:0, trigger bits 3:2 (Table 5.26) */
#define MPS_INTI_EDGE_HIGH	0x0005

#define XSDT_REVISION		1
#define DSDT_REVISION		2	/* 2: AML integers are 64-bit */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, (uint16_t)v);
	put_le16(p + 2, (uint16_t)(v >> 16));
}

static void put_le64(uint8_t *p, uint64_t v)
{
	put_le32(p, (uint32_t)v);
	put_le32(p + 4, (uint32_t)(v >> 32));
}

/* The byte that makes p[0 .. len) sum to zero once stored in place of a zero. */
static uint8_t acpi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + p[i]);
	return (uint8_t)-sum;
}

static void sdt_header(uint8_t *t, const char sig[4], uint8_t revision)
{
	memcpy(t, sig, 4);
	t[8] = revision;
	memcpy(t + 10, ACPI_OEM_ID, 6);
	memcpy(t + 16, ACPI_OEM_TABLE_ID, 8);
	put_le32(t + 24, ACPI_OEM_REVISION);
	memcpy(t + 28, ACPI_CREATOR_ID, 4);
	put_le32(t + 32, ACPI_CREATOR_REVISION);
}

/* Sets the length and, last, the checksum over the whole table. */
static void sdt_finish(uint8_t *t, uint32_t len)
{
	put_le32(t + SDT_LENGTH, len);
	t[SDT_CHECKSUM] = 0;
	t[SDT_CHECKSUM] = acpi_checksum(t, len);
}

/* Takes len bytes from the region at the next aligned address; -ENOSPC past its end. */
static int acpi_alloc(uint64_t *next, uint64_t len, uint64_t *gpa)
{
	uint64_t at = (*next + ACPI_TABLE_ALIGN - 1) & ~(uint64_t)(ACPI_TABLE_ALIGN - 1);

	if (at > ACPI_REGION_END || len > ACPI_REGION_END - at)
		return -ENOSPC;
	*gpa = at;
	*next = at + len;
	return 0;
}

static void acpi_build_rsdp(uint8_t *p, uint64_t xsdt_gpa)
{
	memcpy(p, "RSD PTR ", 8);
	memcpy(p + RSDP_OEM_ID, ACPI_OEM_ID, 6);
	p[RSDP_REVISION] = 2;	/* ACPI 2.0+: the XSDT is used; no RSDT */
	put_le32(p + RSDP_LENGTH, RSDP_LEN);
	put_le64(p + RSDP_XSDT, xsdt_gpa);
	p[RSDP_CHECKSUM] = acpi_checksum(p, RSDP_V1_LEN);
	p[RSDP_EXT_CHECKSUM] = acpi_checksum(p, RSDP_LEN);
}

static void acpi_build_xsdt(uint8_t *t, const uint64_t *entries, unsigned n)
{
	sdt_header(t, "XSDT", XSDT_REVISION);
	for (unsigned i = 0; i < n; i++)
		put_le64(t + SDT_HEADER_LEN + 8 * i, entries[i]);
	sdt_finish(t, SDT_HEADER_LEN + 8 * n);
}

/* An 8-bit register at `port` in system I/O space, accessed bytewise. */
static void acpi_gas_io8(uint8_t *p, uint16_t port)
{
	p[0] = GAS_SPACE_SYSTEM_IO;
	p[1] = 8;	/* register bit width */
	p[2] = 0;	/* bit offset */
	p[3] = GAS_ACCESS_BYTE;
	put_le64(p + 4, port);
}

static void acpi_build_fadt(uint8_t *t, const struct acpi_config *cfg, uint64_t dsdt_gpa)
{
	sdt_header(t, "FACP", FADT_REVISION);
	t[FADT_MINOR_VERSION] = FADT_MINOR_REVISION;
	/*
	 * Hardware-reduced (4.1): no PM1/PM2/GPE blocks, PM timer, SMI command port or SCI,
	 * so their fields (offsets 46-107, 148-243) stay zero, SCI_INT included, and no
	 * Interrupt Source Override names IRQ 9. No FACS either: the FIRMWARE_CTRL fields
	 * stay zero (allowed when HW_REDUCED_ACPI is set), and Linux wants none since it
	 * has no global lock or waking vector to find there.
	 */
	put_le32(t + FADT_FLAGS,
		 FADT_F_WBINVD |
		 /* no fixed-feature buttons: a 1 here means "control method or absent" */
		 FADT_F_PWR_BUTTON | FADT_F_SLP_BUTTON |
		 /* no RTC wake status in fixed registers: there are no fixed registers */
		 FADT_F_FIX_RTC |
		 FADT_F_RESET_REG_SUP |
		 /* serial console only: nothing to detect a monitor or keyboard with */
		 FADT_F_HEADLESS |
		 FADT_F_HW_REDUCED_ACPI);
	/*
	 * LEGACY_DEVICES: the UART and RTC are ISA-style devices an OS must drive. No VGA.
	 * The 8042 bit stays clear: rtvmm has no keyboard controller for Linux's i8042
	 * driver to probe (clear makes it give up at once instead of timing out on ports
	 * 0x60/0x64); Linux's last-resort reboot still writes 0xfe to port 0x64 without
	 * that driver. MSI is not declared unsupported (the local APICs take MSIs), and
	 * the CMOS RTC is present.
	 */
	put_le16(t + FADT_IAPC_BOOT_ARCH, BOOT_ARCH_LEGACY_DEVICES | BOOT_ARCH_VGA_NOT_PRESENT);
	/*
	 * Among the fields a hardware-reduced OSPM ignores, yet Linux's mc146818 code reads
	 * it whatever the mode, to keep years past 2069 and to set the century with the
	 * time.
	 */
	t[FADT_CENTURY] = cfg->rtc_century;

	acpi_gas_io8(t + FADT_RESET_REG, (uint16_t)(cfg->pm_port + ACPI_PM_RESET));
	t[FADT_RESET_VALUE] = ACPI_PM_RESET_VALUE;
	acpi_gas_io8(t + FADT_SLEEP_CONTROL_REG, (uint16_t)(cfg->pm_port + ACPI_PM_SLEEP_CONTROL));
	acpi_gas_io8(t + FADT_SLEEP_STATUS_REG, (uint16_t)(cfg->pm_port + ACPI_PM_SLEEP_STATUS));

	/* the 32-bit field too, equal to X_DSDT, for OSes that read only that one */
	put_le32(t + FADT_DSDT, (uint32_t)dsdt_gpa);
	put_le64(t + FADT_X_DSDT, dsdt_gpa);
	memcpy(t + FADT_HYPERVISOR_ID, ACPI_HYPERVISOR_ID, 8);
	sdt_finish(t, FADT_LEN);
}

static uint32_t acpi_madt_xapic_cpus(const struct acpi_config *cfg)
{
	return cfg->nr_vcpus < MADT_XAPIC_IDS ? cfg->nr_vcpus : MADT_XAPIC_IDS;
}

static uint64_t acpi_madt_len(const struct acpi_config *cfg)
{
	uint64_t xapic = acpi_madt_xapic_cpus(cfg);
	uint64_t x2apic = cfg->nr_vcpus - xapic;

	return MADT_HEADER_LEN + xapic * MADT_LAPIC_LEN + x2apic * MADT_X2APIC_LEN +
	       MADT_IOAPIC_LEN + (cfg->irq0_gsi ? MADT_OVERRIDE_LEN : 0) +
	       MADT_LAPIC_NMI_LEN + (x2apic ? MADT_X2APIC_NMI_LEN : 0);
}

static void acpi_build_madt(uint8_t *t, const struct acpi_config *cfg, uint32_t len)
{
	uint32_t xapic = acpi_madt_xapic_cpus(cfg);
	uint8_t *p = t + MADT_HEADER_LEN;

	sdt_header(t, "APIC", MADT_REVISION);
	put_le32(t + MADT_LAPIC_ADDR, cfg->lapic_addr);
	/* KVM's in-kernel irqchip includes the dual 8259 as well */
	put_le32(t + MADT_FLAGS, MADT_PCAT_COMPAT);

	/*
	 * The boot vCPU (APIC ID 0) first: Linux numbers CPUs in MADT order. The ACPI
	 * processor UID is the vCPU index.
	 */
	for (uint32_t i = 0; i < xapic; i++, p += MADT_LAPIC_LEN) {
		p[0] = MADT_LAPIC;
		p[1] = MADT_LAPIC_LEN;
		p[2] = (uint8_t)i;	/* processor UID */
		p[3] = (uint8_t)i;	/* APIC ID */
		put_le32(p + 4, MADT_ENABLED);
	}
	for (uint32_t i = xapic; i < cfg->nr_vcpus; i++, p += MADT_X2APIC_LEN) {
		p[0] = MADT_X2APIC;
		p[1] = MADT_X2APIC_LEN;
		put_le32(p + 4, i);	/* x2APIC ID */
		put_le32(p + 8, MADT_ENABLED);
		put_le32(p + 12, i);	/* processor UID */
	}

	p[0] = MADT_IOAPIC;
	p[1] = MADT_IOAPIC_LEN;
	p[2] = ACPI_IOAPIC_ID;
	put_le32(p + 4, cfg->ioapic_addr);
	put_le32(p + 8, cfg->ioapic_gsi_base);
	p += MADT_IOAPIC_LEN;

	if (cfg->irq0_gsi) {
		p[0] = MADT_OVERRIDE;
		p[1] = MADT_OVERRIDE_LEN;
		p[2] = 0;	/* bus: ISA */
		p[3] = 0;	/* ISA IRQ 0, the PIT */
		put_le32(p + 4, cfg->irq0_gsi);
		put_le16(p + 8, MPS_INTI_EDGE_HIGH);
		p += MADT_OVERRIDE_LEN;
	}

	/* every local APIC's LINT1 is the NMI input, edge-triggered, active-high */
	p[0] = MADT_LAPIC_NMI;
	p[1] = MADT_LAPIC_NMI_LEN;
	p[2] = MADT_ALL_PROCESSORS_8;
	put_le16(p + 3, MPS_INTI_EDGE_HIGH);
	p[5] = 1;	/* LINT1 */
	p += MADT_LAPIC_NMI_LEN;
	if (cfg->nr_vcpus > xapic) {
		/* the same for the processors only an x2APIC entry describes (5.2.12.13) */
		p[0] = MADT_X2APIC_NMI;
		p[1] = MADT_X2APIC_NMI_LEN;
		put_le16(p + 2, MPS_INTI_EDGE_HIGH);
		put_le32(p + 4, MADT_ALL_PROCESSORS_32);
		p[8] = 1;	/* LINT1 */
		p += MADT_X2APIC_NMI_LEN;
	}
	assert((uint32_t)(p - t) == len);
	sdt_finish(t, len);
}

/*
 * Device (name) { _HID: EISAID (hid); _CRS: IO (port, len) and, when irq >= 0,
 * IRQNoFlags () { irq } }. IRQNoFlags means edge-triggered, active-high, as on ISA: the
 * I/O APIC takes the rising edge of the line a device raises. Linux reads the number as
 * the GSI.
 */
static void acpi_dsdt_device(struct aml *a, const char *name, const char *hid, uint16_t port,
			     uint8_t len, int irq)
{
	uint8_t res[16];
	struct aml crs;

	aml_init(&crs, res, sizeof(res));
	aml_res_io(&crs, port, len);
	if (irq >= 0)
		aml_res_irq(&crs, (uint8_t)irq);
	aml_res_end(&crs);
	/* the template is constant in size and the IRQs are checked: it cannot fail */
	assert(aml_finish(&crs) > 0);

	aml_device(a, name);
	aml_name(a, "_HID");
	aml_eisaid(a, hid);
	aml_name(a, "_CRS");
	aml_buffer(a, res, crs.len);
	aml_end(a);
}

/* Returns the DSDT's length, or -ENOSPC when it does not fit in cap bytes. */
static long acpi_build_dsdt(uint8_t *t, uint64_t cap, const struct acpi_config *cfg)
{
	struct aml a;
	long aml_len;

	if (cap < SDT_HEADER_LEN)
		return -ENOSPC;
	sdt_header(t, "DSDT", DSDT_REVISION);
	aml_init(&a, t + SDT_HEADER_LEN, cap - SDT_HEADER_LEN);

	/*
	 * \_S5_: soft-off. On a hardware-reduced platform only the first element counts:
	 * it is the SLP_TYP Linux writes to SLEEP_CONTROL_REG with SLP_EN (7.4.2).
	 */
	aml_name(&a, "_S5_");
	aml_package(&a, 4);
	aml_integer(&a, ACPI_SLP_TYP_S5);
	aml_integer(&a, ACPI_SLP_TYP_S5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a);

	aml_scope(&a, "\\_SB");
	acpi_dsdt_device(&a, "COM1", "PNP0501", ACPI_COM1_PORT, ACPI_COM1_LEN, cfg->uart_irq);
	acpi_dsdt_device(&a, "RTC", "PNP0B00", ACPI_RTC_PORT, ACPI_RTC_LEN,
			 cfg->rtc_irq ? cfg->rtc_irq : -1);
	/* motherboard resources: the OS reserves the PM block's ports and shows them */
	acpi_dsdt_device(&a, "PMIO", "PNP0C02", cfg->pm_port, ACPI_PM_LEN, -1);
	aml_end(&a);

	aml_len = aml_finish(&a);
	if (aml_len < 0)
		return aml_len;
	sdt_finish(t, (uint32_t)(SDT_HEADER_LEN + aml_len));
	return SDT_HEADER_LEN + aml_len;
}

static bool acpi_config_valid(const struct acpi_config *cfg)
{
	if (cfg->nr_vcpus == 0 || !cfg->lapic_addr || !cfg->ioapic_addr)
		return false;
	/* the DSDT's IRQ descriptors hold ISA IRQs 0-15, which Linux reads as GSIs */
	if (cfg->ioapic_gsi_base != 0)
		return false;
	if (cfg->pm_port == 0 || cfg->pm_port > 0x10000 - ACPI_PM_LEN)
		return false;
	if (cfg->uart_irq < 1 || cfg->uart_irq > 15 || cfg->rtc_irq > 15)
		return false;
	if (cfg->rtc_irq && cfg->rtc_irq == cfg->uart_irq)
		return false;
	/* the clock and status registers are 0x00-0x0d; the chip has 128 bytes */
	if (cfg->rtc_century && (cfg->rtc_century < 0x0e || cfg->rtc_century > 0x7f))
		return false;
	if (cfg->irq0_gsi >= ACPI_IOAPIC_PINS)
		return false;
	if (cfg->irq0_gsi && (cfg->irq0_gsi == cfg->uart_irq || cfg->irq0_gsi == cfg->rtc_irq))
		return false;
	return true;
}

int acpi_build(uint8_t *mem, uint64_t mem_bytes, const struct acpi_config *cfg,
	       uint64_t *rsdp_gpa)
{
	uint64_t next = ACPI_REGION_START, rsdp, xsdt, fadt, madt, dsdt, madt_len;
	uint64_t entries[2];
	long dsdt_len;
	int ret;

	if (!mem || !cfg || !rsdp_gpa || mem_bytes < ACPI_REGION_END || !acpi_config_valid(cfg))
		return -EINVAL;

	memset(mem + ACPI_REGION_START, 0, ACPI_REGION_END - ACPI_REGION_START);
	madt_len = acpi_madt_len(cfg);
	ret = acpi_alloc(&next, RSDP_LEN, &rsdp);
	if (!ret)
		ret = acpi_alloc(&next, SDT_HEADER_LEN + sizeof(entries), &xsdt);
	if (!ret)
		ret = acpi_alloc(&next, FADT_LEN, &fadt);
	if (!ret)
		ret = acpi_alloc(&next, madt_len, &madt);
	/* the DSDT takes what is left; its length is known once it is encoded */
	if (!ret)
		ret = acpi_alloc(&next, 0, &dsdt);
	if (ret)
		goto err_clear;
	dsdt_len = acpi_build_dsdt(mem + dsdt, ACPI_REGION_END - dsdt, cfg);
	if (dsdt_len < 0) {
		ret = (int)dsdt_len;
		goto err_clear;
	}

	acpi_build_madt(mem + madt, cfg, (uint32_t)madt_len);
	acpi_build_fadt(mem + fadt, cfg, dsdt);
	entries[0] = fadt;
	entries[1] = madt;
	acpi_build_xsdt(mem + xsdt, entries, 2);
	acpi_build_rsdp(mem + rsdp, xsdt);
	*rsdp_gpa = rsdp;
	return 0;

err_clear:
	/* no half-built tables for a kernel to find by scanning */
	memset(mem + ACPI_REGION_START, 0, ACPI_REGION_END - ACPI_REGION_START);
	return ret;
}
