// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/dev/acpi_pm, driven through the I/O bus as a vCPU's port accesses
 * are, with a fake power sink: the sequence Linux's hardware-reduced S5 entry performs
 * (clear WAK_STS, then SLP_TYP 5 | SLP_EN) powers off exactly once; every other sleep
 * type, SLP_TYP 5 without SLP_EN and writes to the status and reserved registers do
 * nothing; the reset value on the reset register resets and every other value, or the
 * reset value on another register, does nothing; wider accesses act on each register
 * they cover and stop at the block's end; all registers read 0; the block claims
 * exactly its ports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/boot/acpi.h"
#include "../../src/dev/acpi_pm.h"

#include <errno.h>
#include <string.h>

struct fake_sink {
	unsigned off, reset, other;
	void *ctx_seen;
};

static void fake_request(void *ctx, enum dev_power_event event)
{
	struct fake_sink *s = ctx;

	s->ctx_seen = ctx;
	if (event == DEV_POWER_OFF)
		s->off++;
	else if (event == DEV_POWER_RESET)
		s->reset++;
	else
		s->other++;
}

struct fixture {
	struct bus bus;
	struct acpi_pm pm;
	struct fake_sink sink;
};

static int setup(void **state)
{
	static struct fixture f;

	memset(&f, 0, sizeof(f));
	bus_init(&f.bus, "io");
	if (acpi_pm_init(&f.pm, &f.bus, ACPI_PM_PORT,
			 (struct dev_power_sink){ .request = fake_request, .ctx = &f.sink }))
		return -1;
	*state = &f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bus_fini(&f->bus);
	return 0;
}

static void outb(struct fixture *f, uint16_t port, uint8_t v)
{
	assert_true(bus_access(&f->bus, port, &v, 1, true));
}

static unsigned events(const struct fake_sink *s)
{
	return s->off + s->reset + s->other;
}

static void test_acpi_pm_linux_s5_sequence_powers_off_once(void **state)
{
	struct fixture *f = *state;

	/* acpi_hw_extended_sleep(): write WAK_STS to clear it, then SLP_TYP | SLP_EN */
	outb(f, ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS, 0x80);
	assert_int_equal(events(&f->sink), 0);
	outb(f, ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL,
	     ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN);
	assert_int_equal(f->sink.off, 1);
	assert_int_equal(events(&f->sink), 1);
	assert_ptr_equal(f->sink.ctx_seen, &f->sink);
	/* then it polls the status register for WAK_STS, which never comes */
	for (int i = 0; i < 3; i++) {
		uint8_t v = 0xff;

		assert_true(bus_access(&f->bus, ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS, &v, 1,
				       false));
		assert_int_equal(v & 0x80, 0);
	}
	assert_int_equal(events(&f->sink), 1);
}

static void test_acpi_pm_other_sleep_writes_ignored(void **state)
{
	struct fixture *f = *state;

	/* every byte value that is not "SLP_TYP 5 with SLP_EN" */
	for (unsigned v = 0; v < 256; v++) {
		if ((v & ACPI_SLP_EN) && ((v >> 2) & 7) == ACPI_SLP_TYP_S5)
			continue;
		outb(f, ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL, (uint8_t)v);
	}
	assert_int_equal(events(&f->sink), 0);
	/* S5's type and SLP_EN on the status and reserved registers */
	outb(f, ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS, 0x34);
	outb(f, ACPI_PM_PORT + 3, 0x34);
	assert_int_equal(events(&f->sink), 0);
}

static void test_acpi_pm_reset(void **state)
{
	struct fixture *f = *state;

	for (unsigned v = 0; v < 256; v++) {
		if (v != ACPI_PM_RESET_VALUE)
			outb(f, ACPI_PM_PORT + ACPI_PM_RESET, (uint8_t)v);
	}
	assert_int_equal(events(&f->sink), 0);
	/* the reset value on the other registers */
	outb(f, ACPI_PM_PORT + ACPI_PM_SLEEP_CONTROL, ACPI_PM_RESET_VALUE);
	outb(f, ACPI_PM_PORT + ACPI_PM_SLEEP_STATUS, ACPI_PM_RESET_VALUE);
	outb(f, ACPI_PM_PORT + 3, ACPI_PM_RESET_VALUE);
	assert_int_equal(events(&f->sink), 0);

	/* acpi_reset(): one byte write of RESET_VALUE to RESET_REG */
	outb(f, ACPI_PM_PORT + ACPI_PM_RESET, ACPI_PM_RESET_VALUE);
	assert_int_equal(f->sink.reset, 1);
	assert_int_equal(events(&f->sink), 1);
}

static void test_acpi_pm_wide_accesses(void **state)
{
	struct fixture *f = *state;
	uint8_t d[4];

	/* a 16-bit write at the base: S5 on control, 0 on status */
	d[0] = ACPI_SLP_TYP_S5 << ACPI_SLP_TYP_SHIFT | ACPI_SLP_EN;
	d[1] = 0;
	assert_true(bus_access(&f->bus, ACPI_PM_PORT, d, 2, true));
	assert_int_equal(f->sink.off, 1);
	assert_int_equal(events(&f->sink), 1);

	/* a 32-bit write with the reset value in the reset register's byte */
	memcpy(d, (const uint8_t[]){ 0, 0, ACPI_PM_RESET_VALUE, 0 }, 4);
	assert_true(bus_access(&f->bus, ACPI_PM_PORT, d, 4, true));
	assert_int_equal(f->sink.reset, 1);
	assert_int_equal(events(&f->sink), 2);

	/* a 16-bit write at the last port: the byte past the block is not a register */
	memcpy(d, (const uint8_t[]){ ACPI_PM_RESET_VALUE, ACPI_PM_RESET_VALUE }, 2);
	assert_true(bus_access(&f->bus, ACPI_PM_PORT + ACPI_PM_LEN - 1, d, 2, true));
	assert_int_equal(events(&f->sink), 2);
}

static void test_acpi_pm_reads_zero(void **state)
{
	static const unsigned lens[] = { 1, 2, 4 };
	struct fixture *f = *state;

	for (unsigned off = 0; off < ACPI_PM_LEN; off++) {
		for (unsigned l = 0; l < 3; l++) {
			uint8_t d[4];

			memset(d, 0xee, sizeof(d));
			assert_true(bus_access(&f->bus, ACPI_PM_PORT + off, d, lens[l], false));
			for (unsigned i = 0; i < lens[l]; i++)
				assert_int_equal(d[i], 0);
		}
	}
	assert_int_equal(events(&f->sink), 0);
}

static void test_acpi_pm_claims_its_block(void **state)
{
	struct fixture *f = *state;
	const struct bus_range *r = bus_find(&f->bus, ACPI_PM_PORT);
	struct fake_sink s = { 0 };
	struct dev_power_sink sink = { .request = fake_request, .ctx = &s };
	struct acpi_pm again;

	assert_non_null(r);
	assert_int_equal(r->base, ACPI_PM_PORT);
	assert_int_equal(r->len, ACPI_PM_LEN);
	assert_ptr_equal(r->dev, &f->pm);
	assert_null(bus_find(&f->bus, ACPI_PM_PORT - 1));
	assert_null(bus_find(&f->bus, ACPI_PM_PORT + ACPI_PM_LEN));
	/* a second block over the first is refused */
	assert_int_equal(acpi_pm_init(&again, &f->bus, ACPI_PM_PORT + 2, sink), -EEXIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_acpi_pm_linux_s5_sequence_powers_off_once,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_acpi_pm_other_sleep_writes_ignored, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_acpi_pm_reset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acpi_pm_wide_accesses, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acpi_pm_reads_zero, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acpi_pm_claims_its_block, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
