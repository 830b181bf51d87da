// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/boot/acpi: the tables are built into a zeroed buffer standing for
 * guest memory and read back the way a kernel does, by the ACPI 6.5 layouts rather than
 * by the builder's own constants: RSDP (found at the returned address and by the BIOS
 * area scan, both checksums) -> XSDT -> FADT and MADT, FADT -> DSDT; every table's
 * signature, length, OEM ID and zero byte sum, all inside the region and not
 * overlapping. For 1, 2, 64 and 300 vCPUs the MADT lists each APIC ID 0..n-1 exactly
 * once, enabled, in a Local APIC entry below 255 and an x2APIC entry from 255, plus one
 * I/O APIC, the NMI entries and only the overrides configured. The FADT is
 * hardware-reduced with no SCI, PM timer or PM1/GPE blocks, names the RTC's century
 * byte, and its sleep and reset registers point into the acpi_pm block. The DSDT is compared byte for byte (\_S5_,
 * COM1, RTC with and without an IRQ, the PM block's motherboard resources). Bad
 * configurations give -EINVAL and too many vCPUs -ENOSPC, leaving no tables behind;
 * nothing outside the region is ever written.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/boot/acpi.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define MEM_BYTES	(2u << 20)
#define OUTSIDE		0x5a	/* what memory outside the region holds */
#define PM_PORT		0x600

/* ACPI 6.5 offsets, written out here independently of the builder */
#define SDT_HDR		36
#define FADT_FLAG_HW_REDUCED	(1u << 20)
#define FADT_FLAG_RESET_REG_SUP	(1u << 10)
#define FADT_FLAG_PWR_BUTTON	(1u << 4)
#define FADT_FLAG_SLP_BUTTON	(1u << 5)
#define BOOT_ARCH_8042		(1u << 1)
#define BOOT_ARCH_NO_VGA	(1u << 2)
#define BOOT_ARCH_NO_MSI	(1u << 3)
#define BOOT_ARCH_NO_CMOS_RTC	(1u << 5)

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return le16(p) | (uint32_t)le16(p + 2) << 16;
}

static uint64_t le64(const uint8_t *p)
{
	return le32(p) | (uint64_t)le32(p + 4) << 32;
}

static uint8_t byte_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	for (size_t i = 0; i < len; i++)
		s = (uint8_t)(s + p[i]);
	return s;
}

static struct acpi_config cfg_for(uint32_t nr_vcpus)
{
	return (struct acpi_config){
		.nr_vcpus = nr_vcpus,
		.lapic_addr = 0xfee00000,
		.ioapic_addr = 0xfec00000,
		.ioapic_gsi_base = 0,
		.pm_port = PM_PORT,
		.uart_irq = 4,
		.rtc_irq = 0,
		.rtc_century = 0x32,
		.irq0_gsi = 0,
	};
}

static int setup_mem(void **state)
{
	uint8_t *mem = malloc(MEM_BYTES);

	if (!mem)
		return -1;
	memset(mem, OUTSIDE, MEM_BYTES);
	memset(mem + ACPI_REGION_START, 0, ACPI_REGION_END - ACPI_REGION_START);
	*state = mem;
	return 0;
}

static int teardown_mem(void **state)
{
	free(*state);
	return 0;
}

static void assert_outside_untouched(const uint8_t *mem)
{
	for (size_t i = 0; i < MEM_BYTES; i++) {
		if (i == ACPI_REGION_START)
			i = ACPI_REGION_END;
		if (mem[i] != OUTSIDE)
			fail_msg("byte at %#zx outside the region changed to %#x", i, mem[i]);
	}
}

struct tables {
	const uint8_t *rsdp, *xsdt, *fadt, *madt, *dsdt;
	uint64_t gpa[5];
	uint32_t len[5];
	unsigned n;
};

static void note_range(struct tables *t, uint64_t gpa, uint32_t len)
{
	assert_true(gpa >= ACPI_REGION_START);
	assert_true(gpa + len <= ACPI_REGION_END);
	for (unsigned i = 0; i < t->n; i++)
		assert_true(gpa + len <= t->gpa[i] || t->gpa[i] + t->len[i] <= gpa);
	t->gpa[t->n] = gpa;
	t->len[t->n++] = len;
}

/* A system description table at gpa: signature, sane length, checksum, OEM ID. */
static const uint8_t *sdt_at(const uint8_t *mem, struct tables *t, uint64_t gpa,
			     const char sig[4])
{
	const uint8_t *p = mem + gpa;
	uint32_t len;

	assert_true(gpa >= ACPI_REGION_START && gpa + SDT_HDR <= ACPI_REGION_END);
	assert_memory_equal(p, sig, 4);
	len = le32(p + 4);
	assert_true(len >= SDT_HDR);
	note_range(t, gpa, len);
	assert_int_equal(byte_sum(p, len), 0);
	assert_memory_equal(p + 10, "RTVMM ", 6);
	return p;
}

/* Follows RSDP -> XSDT -> FACP, APIC and FACP -> DSDT, checking each on the way. */
static void walk(const uint8_t *mem, uint64_t rsdp_gpa, struct tables *t)
{
	const uint8_t *r = mem + rsdp_gpa;
	uint32_t xsdt_len;

	memset(t, 0, sizeof(*t));
	assert_int_equal(rsdp_gpa, ACPI_REGION_START);
	assert_int_equal(rsdp_gpa % 16, 0);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(byte_sum(r, 20), 0);	/* ACPI 1.0 checksum */
	assert_int_equal(r[15], 2);		/* revision */
	assert_int_equal(le32(r + 20), 36);	/* length */
	assert_int_equal(byte_sum(r, 36), 0);	/* extended checksum */
	assert_memory_equal(r + 9, "RTVMM ", 6);
	note_range(t, rsdp_gpa, 36);
	t->rsdp = r;

	t->xsdt = sdt_at(mem, t, le64(r + 24), "XSDT");
	xsdt_len = le32(t->xsdt + 4);
	assert_int_equal((xsdt_len - SDT_HDR) % 8, 0);
	for (uint32_t off = SDT_HDR; off < xsdt_len; off += 8) {
		uint64_t gpa = le64(t->xsdt + off);
		const uint8_t *p = mem + gpa;

		assert_true(gpa >= ACPI_REGION_START && gpa < ACPI_REGION_END);
		if (!memcmp(p, "FACP", 4)) {
			assert_null(t->fadt);
			t->fadt = sdt_at(mem, t, gpa, "FACP");
		} else if (!memcmp(p, "APIC", 4)) {
			assert_null(t->madt);
			t->madt = sdt_at(mem, t, gpa, "APIC");
		} else {
			fail_msg("unexpected table %.4s in the XSDT", (const char *)p);
		}
	}
	assert_non_null(t->fadt);
	assert_non_null(t->madt);
	assert_int_equal(le32(t->fadt + 4), 276);
	t->dsdt = sdt_at(mem, t, le64(t->fadt + 140), "DSDT");
	/* the 32-bit DSDT field agrees with X_DSDT */
	assert_int_equal(le32(t->fadt + 40), le64(t->fadt + 140));
}

static void assert_gas_io8(const uint8_t *g, uint16_t port)
{
	assert_int_equal(g[0], 1);	/* system I/O */
	assert_int_equal(g[1], 8);	/* bit width */
	assert_int_equal(g[2], 0);	/* bit offset */
	assert_int_equal(g[3], 1);	/* byte access */
	assert_int_equal(le64(g + 4), port);
}

static void check_fadt(const uint8_t *f, uint16_t pm_port, uint8_t rtc_century)
{
	uint32_t flags = le32(f + 112);
	uint16_t boot_arch = le16(f + 109);

	assert_int_equal(f[8], 6);	/* revision */
	assert_int_equal(f[131], 5);	/* minor version: ACPI 6.5 */
	assert_true(flags & FADT_FLAG_HW_REDUCED);
	assert_true(flags & FADT_FLAG_RESET_REG_SUP);
	assert_true(flags & FADT_FLAG_PWR_BUTTON);	/* no fixed power button */
	assert_true(flags & FADT_FLAG_SLP_BUTTON);
	assert_int_equal(boot_arch & BOOT_ARCH_8042, 0);
	assert_int_equal(boot_arch & BOOT_ARCH_NO_VGA, BOOT_ARCH_NO_VGA);
	assert_int_equal(boot_arch & BOOT_ARCH_NO_MSI, 0);
	assert_int_equal(boot_arch & BOOT_ARCH_NO_CMOS_RTC, 0);

	/* no FACS */
	assert_int_equal(le32(f + 36), 0);
	assert_int_equal(le64(f + 132), 0);
	/*
	 * SCI_INT, SMI_CMD, PM1a/b event and control, PM2, PM timer, GPE0/1 and their
	 * lengths, C-state latencies, alarms (offsets 46-107) and the X_ forms (148-243):
	 * all zero, so Linux looks for no SCI and no PM timer.
	 */
	for (unsigned off = 46; off < 108; off++)
		assert_int_equal(f[off], 0);
	assert_int_equal(f[108], rtc_century);
	for (unsigned off = 148; off < 244; off++)
		assert_int_equal(f[off], 0);

	assert_gas_io8(f + 116, pm_port + ACPI_PM_RESET);
	assert_int_equal(f[128], ACPI_PM_RESET_VALUE);
	assert_gas_io8(f + 244, pm_port + ACPI_PM_SLEEP_CONTROL);
	assert_gas_io8(f + 256, pm_port + ACPI_PM_SLEEP_STATUS);
	assert_memory_equal(f + 268, "RTVMMKVM", 8);
}

struct madt_expect {
	uint32_t nr_vcpus;
	uint32_t irq0_gsi;	/* 0: no override */
};

static void check_madt(const uint8_t *m, const struct madt_expect *want)
{
	uint32_t len = le32(m + 4), next_id = 0;
	unsigned ioapics = 0, overrides = 0, nmis = 0, x2nmis = 0;

	assert_int_equal(le32(m + 36), 0xfee00000);
	assert_int_equal(le32(m + 40) & 1, 1);	/* PCAT_COMPAT */
	for (uint32_t off = 44; off < len;) {
		const uint8_t *e = m + off;

		assert_true(off + 2 <= len);
		assert_true(e[1] >= 2 && off + e[1] <= len);
		switch (e[0]) {
		case 0:	/* Processor Local APIC */
			assert_int_equal(e[1], 8);
			assert_true(e[3] < 255);
			/* APIC IDs in order from 0, the boot vCPU first */
			assert_int_equal(e[3], next_id++);
			assert_int_equal(e[2], e[3]);	/* processor UID */
			assert_int_equal(le32(e + 4) & 1, 1);	/* enabled */
			break;
		case 9:	/* Processor Local x2APIC */
			assert_int_equal(e[1], 16);
			assert_true(le32(e + 4) >= 255);
			assert_int_equal(le32(e + 4), next_id++);
			assert_int_equal(le32(e + 12), le32(e + 4));	/* UID */
			assert_int_equal(le32(e + 8) & 1, 1);
			break;
		case 1:	/* I/O APIC */
			assert_int_equal(e[1], 12);
			assert_int_equal(e[2], 0);	/* ID */
			assert_int_equal(le32(e + 4), 0xfec00000);
			assert_int_equal(le32(e + 8), 0);	/* GSI base */
			ioapics++;
			break;
		case 2:	/* Interrupt Source Override */
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);	/* ISA */
			assert_int_equal(e[3], 0);	/* IRQ 0 only: no SCI on IRQ 9 */
			assert_int_equal(le32(e + 4), want->irq0_gsi);
			assert_int_equal(le16(e + 8), 0x0005);	/* edge, active-high */
			overrides++;
			break;
		case 4:	/* Local APIC NMI */
			assert_int_equal(e[1], 6);
			assert_int_equal(e[2], 0xff);	/* all processors */
			assert_int_equal(e[5], 1);	/* LINT1 */
			nmis++;
			break;
		case 10: /* Local x2APIC NMI */
			assert_int_equal(e[1], 12);
			assert_int_equal(le32(e + 4), 0xffffffff);
			assert_int_equal(e[8], 1);
			x2nmis++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", e[0]);
		}
		off += e[1];
	}
	assert_int_equal(next_id, want->nr_vcpus);
	assert_int_equal(ioapics, 1);
	assert_int_equal(overrides, want->irq0_gsi ? 1 : 0);
	assert_int_equal(nmis, 1);
	assert_int_equal(x2nmis, want->nr_vcpus > 255 ? 1 : 0);
}

static void build_and_check(uint8_t *mem, const struct acpi_config *cfg, struct tables *t)
{
	struct madt_expect want = { .nr_vcpus = cfg->nr_vcpus, .irq0_gsi = cfg->irq0_gsi };
	uint64_t rsdp = 0;

	assert_int_equal(acpi_build(mem, MEM_BYTES, cfg, &rsdp), 0);
	walk(mem, rsdp, t);
	check_fadt(t->fadt, cfg->pm_port, cfg->rtc_century);
	check_madt(t->madt, &want);
	assert_outside_untouched(mem);
}

static void test_acpi_tables_per_vcpu_count(void **state)
{
	static const uint32_t counts[] = { 1, 2, 64, 254, 255, 256, 300 };
	uint8_t *mem = *state;
	struct tables t;

	for (unsigned i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		struct acpi_config cfg = cfg_for(counts[i]);

		build_and_check(mem, &cfg, &t);
	}
}

static void test_acpi_irq0_override(void **state)
{
	struct acpi_config cfg = cfg_for(2);
	uint8_t *mem = *state;
	struct tables t;

	cfg.irq0_gsi = 2;
	build_and_check(mem, &cfg, &t);
}

static void test_acpi_other_pm_port_no_century(void **state)
{
	struct acpi_config cfg = cfg_for(2);
	uint8_t *mem = *state;
	struct tables t;

	cfg.pm_port = 0xb000;
	cfg.rtc_century = 0;
	build_and_check(mem, &cfg, &t);
}

/* A kernel without the boot protocol's pointer scans 0xe0000-0xfffff in 16-byte steps. */
static void test_acpi_rsdp_found_by_scan(void **state)
{
	struct acpi_config cfg = cfg_for(4);
	uint8_t *mem = *state;
	uint64_t rsdp = 0, found = 0;

	assert_int_equal(acpi_build(mem, MEM_BYTES, &cfg, &rsdp), 0);
	for (uint64_t a = 0xe0000; a < 0x100000; a += 16) {
		if (!memcmp(mem + a, "RSD PTR ", 8) && byte_sum(mem + a, 20) == 0) {
			found = a;
			break;
		}
	}
	assert_int_equal(found, rsdp);
}

/* The AML the DSDT must hold, as iasl encodes the same ASL (see test_aml). */
static const uint8_t s5_aml[] = {
	0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, 0x05, 0x0a, 0x05, 0x00, 0x00,
};

static const uint8_t com1_aml[] = {
	0x5b, 0x82, 0x25, 'C', 'O', 'M', '1',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,		/* PNP0501 */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
	0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,			/* IO 0x3f8, 8 */
	0x22, 0x10, 0x00,						/* IRQ 4 */
	0x79, 0x00,
};

static const uint8_t rtc_aml[] = {
	0x5b, 0x82, 0x22, 'R', 'T', 'C', '_',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00,		/* PNP0B00 */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x0d, 0x0a, 0x0a,
	0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02,			/* IO 0x70, 2 */
	0x79, 0x00,
};

static const uint8_t rtc_irq8_aml[] = {
	0x5b, 0x82, 0x25, 'R', 'T', 'C', '_',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0b, 0x00,
	0x08, '_', 'C', 'R', 'S', 0x11, 0x10, 0x0a, 0x0d,
	0x47, 0x01, 0x70, 0x00, 0x70, 0x00, 0x01, 0x02,
	0x22, 0x00, 0x01,						/* IRQ 8 */
	0x79, 0x00,
};

static const uint8_t pmio_aml[] = {
	0x5b, 0x82, 0x22, 'P', 'M', 'I', 'O',
	0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x0c, 0x02,		/* PNP0C02 */
	0x08, '_', 'C', 'R', 'S', 0x11, 0x0d, 0x0a, 0x0a,
	0x47, 0x01, 0x00, 0x06, 0x00, 0x06, 0x01, 0x04,			/* IO 0x600, 4 */
	0x79, 0x00,
};

/* The whole DSDT body: \_S5_, then Scope (\_SB) { COM1, RTC, PMIO }. */
static void assert_dsdt_aml(const uint8_t *dsdt, const uint8_t *rtc, size_t rtc_len)
{
	size_t scope_body = 5 + sizeof(com1_aml) + rtc_len + sizeof(pmio_aml);
	size_t total = sizeof(s5_aml) + 1 + 2 + scope_body;
	const uint8_t *p = dsdt + SDT_HDR;

	assert_int_equal(dsdt[8], 2);	/* revision 2: 64-bit integers */
	assert_int_equal(le32(dsdt + 4), SDT_HDR + total);
	assert_memory_equal(p, s5_aml, sizeof(s5_aml));
	p += sizeof(s5_aml);
	/* ScopeOp, a two-byte PkgLength (the body is over 63 bytes), \_SB_ */
	assert_int_equal(p[0], 0x10);
	assert_int_equal(p[1], 0x40 | ((scope_body + 2) & 0x0f));
	assert_int_equal(p[2], (scope_body + 2) >> 4);
	assert_memory_equal(p + 3, "\\_SB_", 5);
	p += 8;
	assert_memory_equal(p, com1_aml, sizeof(com1_aml));
	p += sizeof(com1_aml);
	assert_memory_equal(p, rtc, rtc_len);
	p += rtc_len;
	assert_memory_equal(p, pmio_aml, sizeof(pmio_aml));
}

static void test_acpi_dsdt_bytes(void **state)
{
	struct acpi_config cfg = cfg_for(2);
	uint8_t *mem = *state;
	struct tables t;

	build_and_check(mem, &cfg, &t);
	assert_dsdt_aml(t.dsdt, rtc_aml, sizeof(rtc_aml));

	cfg.rtc_irq = 8;
	build_and_check(mem, &cfg, &t);
	assert_dsdt_aml(t.dsdt, rtc_irq8_aml, sizeof(rtc_irq8_aml));
}

/* Rebuilding rewrites the whole region: no entries left over from a bigger build. */
static void test_acpi_rebuild_leaves_nothing_behind(void **state)
{
	struct acpi_config big = cfg_for(300), small = cfg_for(2);
	uint8_t *mem = *state, *fresh;
	uint64_t rsdp;

	fresh = malloc(MEM_BYTES);
	assert_non_null(fresh);
	memset(fresh, OUTSIDE, MEM_BYTES);
	assert_int_equal(acpi_build(fresh, MEM_BYTES, &small, &rsdp), 0);
	assert_int_equal(acpi_build(mem, MEM_BYTES, &big, &rsdp), 0);
	assert_int_equal(acpi_build(mem, MEM_BYTES, &small, &rsdp), 0);
	assert_memory_equal(mem + ACPI_REGION_START, fresh + ACPI_REGION_START,
			    ACPI_REGION_END - ACPI_REGION_START);
	free(fresh);
}

static void assert_region_zero(const uint8_t *mem)
{
	for (size_t i = ACPI_REGION_START; i < ACPI_REGION_END; i++)
		if (mem[i])
			fail_msg("byte at %#zx left behind: %#x", i, mem[i]);
}

/*
 * The largest vCPU count whose tables fit builds complete, valid tables; one more gives
 * -ENOSPC with the region cleared, so a scanning kernel finds no half-built RSDP.
 */
static void test_acpi_nospc_at_the_limit(void **state)
{
	uint8_t *mem = *state;
	uint64_t rsdp = 0x1234;
	struct acpi_config cfg;
	struct tables t;
	uint32_t n;
	int ret = 0;

	for (n = 8000; n < 9000; n++) {
		cfg = cfg_for(n);
		ret = acpi_build(mem, MEM_BYTES, &cfg, &rsdp);
		if (ret)
			break;
	}
	assert_int_equal(ret, -ENOSPC);
	assert_true(n > 8000);	/* the loop started below the limit */
	assert_int_equal(rsdp, ACPI_REGION_START);	/* from the last success, unchanged */
	assert_region_zero(mem);
	assert_outside_untouched(mem);

	cfg = cfg_for(n - 1);
	build_and_check(mem, &cfg, &t);

	cfg = cfg_for(100000);
	assert_int_equal(acpi_build(mem, MEM_BYTES, &cfg, &rsdp), -ENOSPC);
	assert_region_zero(mem);
	assert_outside_untouched(mem);
}

static void test_acpi_bad_config_einval(void **state)
{
	static const struct {
		const char *what;
		size_t field;
		uint32_t value;
	} cases[] = {
#define CASE(f, v) { #f " = " #v, offsetof(struct acpi_config, f), v }
		CASE(nr_vcpus, 0),
		CASE(lapic_addr, 0),
		CASE(ioapic_addr, 0),
		CASE(ioapic_gsi_base, 16),
		CASE(pm_port, 0),
		CASE(pm_port, 0xfffd),
		CASE(uart_irq, 0),
		CASE(uart_irq, 16),
		CASE(rtc_irq, 16),
		CASE(rtc_irq, 4),	/* the UART's */
		CASE(rtc_century, 0x0d),	/* register D */
		CASE(rtc_century, 0x80),
		CASE(irq0_gsi, 24),
		CASE(irq0_gsi, 4),	/* the UART's */
#undef CASE
	};
	struct acpi_config cfg = cfg_for(2);
	uint8_t *mem = *state;
	uint64_t rsdp = 0;

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct acpi_config bad = cfg;
		uint8_t *f = (uint8_t *)&bad + cases[i].field;

		if (cases[i].field == offsetof(struct acpi_config, pm_port)) {
			uint16_t v = (uint16_t)cases[i].value;

			memcpy(f, &v, sizeof(v));
		} else if (cases[i].field == offsetof(struct acpi_config, uart_irq) ||
			   cases[i].field == offsetof(struct acpi_config, rtc_irq) ||
			   cases[i].field == offsetof(struct acpi_config, rtc_century)) {
			*f = (uint8_t)cases[i].value;
		} else {
			memcpy(f, &cases[i].value, sizeof(uint32_t));
		}
		if (acpi_build(mem, MEM_BYTES, &bad, &rsdp) != -EINVAL)
			fail_msg("%s accepted", cases[i].what);
	}
	/* the last port block that fits in the port space is fine */
	cfg.pm_port = 0xfffc;
	assert_int_equal(acpi_build(mem, MEM_BYTES, &cfg, &rsdp), 0);
	cfg = cfg_for(2);

	assert_int_equal(acpi_build(mem, ACPI_REGION_END - 1, &cfg, &rsdp), -EINVAL);
	assert_int_equal(acpi_build(NULL, MEM_BYTES, &cfg, &rsdp), -EINVAL);
	assert_int_equal(acpi_build(mem, MEM_BYTES, NULL, &rsdp), -EINVAL);
	assert_int_equal(acpi_build(mem, MEM_BYTES, &cfg, NULL), -EINVAL);
	assert_outside_untouched(mem);
	/* memory that just covers the region is enough */
	assert_int_equal(acpi_build(mem, ACPI_REGION_END, &cfg, &rsdp), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acpi_tables_per_vcpu_count, setup_mem,
						teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_irq0_override, setup_mem, teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_other_pm_port_no_century, setup_mem,
						teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_rsdp_found_by_scan, setup_mem,
						teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_dsdt_bytes, setup_mem, teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_rebuild_leaves_nothing_behind, setup_mem,
						teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_nospc_at_the_limit, setup_mem,
						teardown_mem),
		cmocka_unit_test_setup_teardown(test_acpi_bad_config_einval, setup_mem,
						teardown_mem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
