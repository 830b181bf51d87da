// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/dev/pci, through the I/O bus as a guest drives the ports: a 32-bit
 * write to 0xcf8 reads back whole; byte and word accesses to 0xcf8-0xcfb neither change
 * it nor read it; CONFIG_DATA reads all ones at every width and offset whatever the
 * address says, and writes to it change nothing; and Linux's own probe sequences
 * (pci_check_type1 with its sanity check, pci_check_type2, a bus-0 scan) reach the
 * conclusions pci.h describes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/dev/pci.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fixture {
	struct bus bus;
	struct pci_noop dev;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	bus_init(&f->bus, "io");
	if (pci_init(&f->dev, &f->bus))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bus_fini(&f->bus);
	free(f);
	return 0;
}

static uint32_t in(struct fixture *f, uint16_t port, unsigned len)
{
	uint32_t v = 0x12345678;	/* bytes beyond len must stay as they were */

	assert_true(bus_access(&f->bus, port, &v, len, false));
	if (len < 4)
		assert_int_equal(v >> (8 * len), 0x12345678u >> (8 * len));
	return len == 4 ? v : v & ((1u << (8 * len)) - 1);
}

static void out(struct fixture *f, uint16_t port, uint32_t v, unsigned len)
{
	assert_true(bus_access(&f->bus, port, &v, len, true));
}

/* Linux's pci_conf1_read() */
static uint32_t conf1_read(struct fixture *f, unsigned bus, unsigned devfn, unsigned reg,
			   unsigned len)
{
	out(f, 0xcf8, 0x80000000u | bus << 16 | devfn << 8 | (reg & ~3u), 4);
	return in(f, (uint16_t)(0xcfc + (reg & (len == 2 ? 2 : len == 1 ? 3 : 0))), len);
}

static void test_pci_address_round_trip(void **state)
{
	static const uint32_t values[] = { 0x80000000u, 0x8000f810u, 0x00000000u, 0xffffffffu,
					   0x7fffff03u, 0x80ff0000u };
	struct fixture *f = *state;

	assert_int_equal(in(f, 0xcf8, 4), 0);	/* reset value */
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		out(f, 0xcf8, values[i], 4);
		assert_int_equal(in(f, 0xcf8, 4), values[i]);
		assert_int_equal(in(f, 0xcf8, 4), values[i]);	/* reading does not change it */
	}
}

static void test_pci_data_reads_all_ones(void **state)
{
	static const uint32_t addrs[] = { 0, 0x80000000u, 0x80000008u, 0x8000ff3cu };
	struct fixture *f = *state;

	for (size_t a = 0; a < sizeof(addrs) / sizeof(addrs[0]); a++) {
		out(f, 0xcf8, addrs[a], 4);
		assert_int_equal(in(f, 0xcfc, 4), 0xffffffffu);
		assert_int_equal(in(f, 0xcfc, 2), 0xffff);
		assert_int_equal(in(f, 0xcfe, 2), 0xffff);
		for (uint16_t p = 0xcfc; p <= 0xcff; p++)
			assert_int_equal(in(f, p, 1), 0xff);
		/* the address survives data accesses */
		assert_int_equal(in(f, 0xcf8, 4), addrs[a]);
	}
}

static void test_pci_data_writes_ignored(void **state)
{
	struct fixture *f = *state;

	out(f, 0xcf8, 0x80000010u, 4);	/* BAR0 of 00:00.0, as a sizing probe would */
	out(f, 0xcfc, 0xffffffffu, 4);
	assert_int_equal(in(f, 0xcfc, 4), 0xffffffffu);
	out(f, 0xcfc, 0, 4);
	out(f, 0xcfe, 0, 2);
	out(f, 0xcff, 0, 1);
	assert_int_equal(in(f, 0xcfc, 4), 0xffffffffu);
	assert_int_equal(in(f, 0xcf8, 4), 0x80000010u);
}

static void test_pci_byte_word_address_access_not_latched(void **state)
{
	struct fixture *f = *state;

	out(f, 0xcf8, 0x80000000u, 4);
	for (uint16_t p = 0xcf8; p <= 0xcfb; p++) {
		out(f, p, 0x01, 1);
		assert_int_equal(in(f, p, 1), 0xff);
	}
	out(f, 0xcf8, 0x1234, 2);
	out(f, 0xcfa, 0x1234, 2);
	assert_int_equal(in(f, 0xcf8, 2), 0xffff);
	assert_int_equal(in(f, 0xcfa, 2), 0xffff);
	assert_int_equal(in(f, 0xcf8, 4), 0x80000000u);
}

static void test_pci_linux_type1_check_and_sanity(void **state)
{
	struct fixture *f = *state;
	uint32_t tmp;
	int found = 0;

	out(f, 0xcf8, 0x8000abcdu, 4);	/* whatever firmware left */
	/* pci_check_type1() */
	out(f, 0xcfb, 0x01, 1);
	tmp = in(f, 0xcf8, 4);
	assert_int_equal(tmp, 0x8000abcdu);
	out(f, 0xcf8, 0x80000000u, 4);
	assert_int_equal(in(f, 0xcf8, 4), 0x80000000u);	/* the mechanism is there */

	/* pci_sanity_check() without a DMI date: look for a host bridge, VGA, Intel, Compaq */
	for (unsigned devfn = 0; devfn < 0x100; devfn++) {
		uint32_t class = conf1_read(f, 0, devfn, 0x0a, 2);
		uint32_t vendor = conf1_read(f, 0, devfn, 0x00, 2);

		if (class == 0x0600 || class == 0x0300 || vendor == 0x8086 || vendor == 0x0e11)
			found++;
	}
	assert_int_equal(found, 0);	/* so Linux refuses type 1: no PCI */
	out(f, 0xcf8, tmp, 4);
	assert_int_equal(in(f, 0xcf8, 4), 0x8000abcdu);
}

static void test_pci_linux_type2_check_fails(void **state)
{
	struct fixture *f = *state;

	/* pci_check_type2(): needs 0 back from byte reads of 0xcf8 and 0xcfa */
	out(f, 0xcfb, 0x00, 1);
	out(f, 0xcf8, 0x00, 1);
	out(f, 0xcfa, 0x00, 1);
	assert_int_not_equal(in(f, 0xcf8, 1), 0);
	assert_int_not_equal(in(f, 0xcfa, 1), 0);
}

static void test_pci_bus0_scan_finds_nothing(void **state)
{
	struct fixture *f = *state;

	/* with pci=conf1: one vendor/device read per slot, all ones = empty */
	for (unsigned slot = 0; slot < 32; slot++)
		assert_int_equal(conf1_read(f, 0, slot << 3, 0, 4), 0xffffffffu);
	/* and any other bus, function and register, at any width */
	assert_int_equal(conf1_read(f, 255, 0xff, 0xfc, 4), 0xffffffffu);
	assert_int_equal(conf1_read(f, 1, 0x08, 0x0e, 1), 0xff);
	assert_int_equal(conf1_read(f, 1, 0x08, 0x0e, 2), 0xffff);
}

static void test_pci_ports_claimed(void **state)
{
	struct fixture *f = *state;
	struct pci_noop other;

	assert_null(bus_find(&f->bus, 0xcf7));
	for (uint16_t p = 0xcf8; p <= 0xcff; p++)
		assert_non_null(bus_find(&f->bus, p));
	assert_null(bus_find(&f->bus, 0xd00));
	assert_int_equal(pci_init(&other, &f->bus), -EEXIST);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_pci_address_round_trip),
		T(test_pci_data_reads_all_ones),
		T(test_pci_data_writes_ignored),
		T(test_pci_byte_word_address_access_not_latched),
		T(test_pci_linux_type1_check_and_sanity),
		T(test_pci_linux_type2_check_fails),
		T(test_pci_bus0_scan_finds_nothing),
		T(test_pci_ports_claimed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
