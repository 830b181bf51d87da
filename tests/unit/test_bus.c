// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/bus: registration keeps the range table sorted whatever the order
 * devices register in, accepts adjacent ranges, refuses every kind of overlap with
 * -EEXIST and empty or wrapping ranges with -EINVAL, and leaves the table unchanged when
 * it refuses; lookups hit the first and last byte of a range and miss one past it;
 * accesses reach the right device with the offset from its base and the access length,
 * and reads nothing decodes (no range, or no read op) return all ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A fake device that records its last access; reads return offset-derived bytes. */
struct fake_dev {
	unsigned reads, writes;
	uint64_t offset;
	unsigned len;
	uint8_t written[8];
};

static void fake_read(void *dev, uint64_t offset, void *data, unsigned len)
{
	struct fake_dev *d = dev;
	uint8_t *p = data;

	d->reads++;
	d->offset = offset;
	d->len = len;
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(0xa0 + offset + i);
}

static void fake_write(void *dev, uint64_t offset, const void *data, unsigned len)
{
	struct fake_dev *d = dev;

	d->writes++;
	d->offset = offset;
	d->len = len;
	memcpy(d->written, data, len);
}

static const struct bus_dev_ops fake_ops = { .read = fake_read, .write = fake_write };
static const struct bus_dev_ops write_only_ops = { .write = fake_write };
static const struct bus_dev_ops read_only_ops = { .read = fake_read };

/* Deterministic shuffle (xorshift), so a failure reproduces. */
static void shuffle(unsigned *v, unsigned n, uint32_t seed)
{
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j, t;

		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		j = seed % (i + 1);
		t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

static void assert_sorted(const struct bus *bus)
{
	for (unsigned i = 1; i < bus->count; i++)
		assert_true(bus->ranges[i - 1].base + bus->ranges[i - 1].len <= bus->ranges[i].base);
}

static void test_bus_register_random_order_lookup(void **state)
{
	enum { N = 64 };
	struct fake_dev devs[N];
	unsigned order[N];
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	for (unsigned i = 0; i < N; i++)
		order[i] = i;
	shuffle(order, N, 12345);
	/* range i: [i * 0x100, i * 0x100 + 0x10 + i) */
	for (unsigned k = 0; k < N; k++) {
		unsigned i = order[k];

		assert_int_equal(bus_register(&bus, i * 0x100ULL, 0x10 + i, &fake_ops, &devs[i],
					      "dev"), 0);
	}
	assert_int_equal(bus.count, N);
	assert_sorted(&bus);
	for (unsigned i = 0; i < N; i++) {
		uint64_t base = i * 0x100ULL, len = 0x10 + i;
		const struct bus_range *r = bus_find(&bus, base);

		assert_non_null(r);
		assert_ptr_equal(r->dev, &devs[i]);
		assert_int_equal(r->base, base);
		assert_int_equal(r->len, len);
		assert_ptr_equal(bus_find(&bus, base + len - 1), r);
		assert_null(bus_find(&bus, base + len));
		if (i > 0)
			assert_null(bus_find(&bus, base - 1));
	}
	bus_fini(&bus);
}

static void test_bus_register_adjacent_ranges(void **state)
{
	struct fake_dev a, b, c;
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x100, 8, &fake_ops, &a, "a"), 0);
	assert_int_equal(bus_register(&bus, 0x108, 8, &fake_ops, &b, "b"), 0);	/* after a */
	assert_int_equal(bus_register(&bus, 0xf8, 8, &fake_ops, &c, "c"), 0);	/* before a */
	assert_int_equal(bus.count, 3);
	assert_sorted(&bus);

	assert_null(bus_find(&bus, 0xf7));
	assert_ptr_equal(bus_find(&bus, 0xf8)->dev, &c);
	assert_ptr_equal(bus_find(&bus, 0xff)->dev, &c);
	assert_ptr_equal(bus_find(&bus, 0x100)->dev, &a);
	assert_ptr_equal(bus_find(&bus, 0x107)->dev, &a);
	assert_ptr_equal(bus_find(&bus, 0x108)->dev, &b);
	assert_ptr_equal(bus_find(&bus, 0x10f)->dev, &b);
	assert_null(bus_find(&bus, 0x110));
	bus_fini(&bus);
}

static void test_bus_register_overlap_refused(void **state)
{
	static const struct {
		uint64_t base, len;
		const char *what;
	} cases[] = {
		{ 0x1000, 0x100, "same range" },
		{ 0x1000, 0x1, "same base, shorter" },
		{ 0x1000, 0x800, "same base, longer" },
		{ 0x1010, 0x10, "inside" },
		{ 0x10ff, 0x1, "last byte" },
		{ 0xff0, 0x20, "straddling the start" },
		{ 0xfff, 0x2, "one byte over the start" },
		{ 0x10f0, 0x20, "straddling the end" },
		{ 0x800, 0x2000, "covering" },
		{ 0x0, 0x4000, "covering both ranges" },
		{ 0x1100, 0x2000, "from the end of one into the next" },
		{ 0x2fff, 0x2, "one byte over the start of the next" },
		{ 0x30ff, 0x100, "from the last byte of the next" },
	};
	struct fake_dev a, b, x;
	struct bus bus;

	(void)state;
	bus_init(&bus, "mmio");
	assert_int_equal(bus_register(&bus, 0x1000, 0x100, &fake_ops, &a, "a"), 0);
	assert_int_equal(bus_register(&bus, 0x3000, 0x100, &fake_ops, &b, "b"), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = bus_register(&bus, cases[i].base, cases[i].len, &fake_ops, &x,
				       cases[i].what);

		if (ret != -EEXIST)
			fail_msg("%s [0x%llx, +0x%llx): got %d, want -EEXIST", cases[i].what,
				 (unsigned long long)cases[i].base, (unsigned long long)cases[i].len,
				 ret);
		/* the table is unchanged */
		assert_int_equal(bus.count, 2);
		assert_ptr_equal(bus_find(&bus, 0x1000)->dev, &a);
		assert_ptr_equal(bus_find(&bus, 0x10ff)->dev, &a);
		assert_ptr_equal(bus_find(&bus, 0x3000)->dev, &b);
		assert_null(bus_find(&bus, 0x1100));
		assert_null(bus_find(&bus, 0xfff));
	}
	/* the gap between them is still free, exactly */
	assert_int_equal(bus_register(&bus, 0x1100, 0x1f00, &fake_ops, &x, "gap"), 0);
	bus_fini(&bus);
}

static void test_bus_register_empty_or_wrapping_refused(void **state)
{
	static const struct {
		uint64_t base, len;
	} cases[] = {
		{ 0x1000, 0 },
		{ 0, 0 },
		{ UINT64_MAX, 2 },
		{ UINT64_MAX - 0xfff, 0x2000 },
		{ 2, UINT64_MAX },
		{ UINT64_MAX, UINT64_MAX },
	};
	struct fake_dev d;
	struct bus bus;

	(void)state;
	bus_init(&bus, "mmio");
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(bus_register(&bus, cases[i].base, cases[i].len, &fake_ops, &d, "d"),
				 -EINVAL);
		assert_int_equal(bus.count, 0);
	}
	/* a range ending exactly at the top of the address space does not wrap */
	assert_int_equal(bus_register(&bus, UINT64_MAX - 0xf, 0x10, &fake_ops, &d, "top"), 0);
	assert_ptr_equal(bus_find(&bus, UINT64_MAX)->dev, &d);
	assert_ptr_equal(bus_find(&bus, UINT64_MAX - 0xf)->dev, &d);
	assert_null(bus_find(&bus, UINT64_MAX - 0x10));
	/* and nor does one that covers everything below it */
	assert_int_equal(bus_register(&bus, 0, UINT64_MAX - 0xf, &fake_ops, &d, "low"), 0);
	assert_int_equal(bus.count, 2);
	bus_fini(&bus);
}

static void test_bus_find_boundaries(void **state)
{
	struct fake_dev a, z;
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_null(bus_find(&bus, 0));	/* empty bus */
	assert_int_equal(bus_register(&bus, 0x3f8, 8, &fake_ops, &a, "uart"), 0);
	assert_null(bus_find(&bus, 0));
	assert_null(bus_find(&bus, 0x3f7));
	assert_ptr_equal(bus_find(&bus, 0x3f8)->dev, &a);
	assert_ptr_equal(bus_find(&bus, 0x3ff)->dev, &a);
	assert_null(bus_find(&bus, 0x400));
	assert_null(bus_find(&bus, UINT64_MAX));

	/* a one-byte range at address 0 */
	assert_int_equal(bus_register(&bus, 0, 1, &fake_ops, &z, "zero"), 0);
	assert_ptr_equal(bus_find(&bus, 0)->dev, &z);
	assert_null(bus_find(&bus, 1));
	assert_ptr_equal(bus_find(&bus, 0x3f8)->dev, &a);
	bus_fini(&bus);
}

static void test_bus_access_unclaimed_reads_all_ones(void **state)
{
	static const unsigned lens[] = { 1, 2, 4, 8 };
	struct fake_dev d = { 0 };
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x60, 1, &fake_ops, &d, "kbd"), 0);
	for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t data[16];

		memset(data, 0x12, sizeof(data));
		assert_false(bus_access(&bus, 0x61, data, lens[i], false));
		for (unsigned b = 0; b < sizeof(data); b++)
			assert_int_equal(data[b], b < lens[i] ? 0xff : 0x12);
	}
	assert_int_equal(d.reads, 0);
	bus_fini(&bus);
}

static void test_bus_access_unclaimed_write_ignored(void **state)
{
	uint8_t data[4] = { 1, 2, 3, 4 };
	struct fake_dev d = { 0 };
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x60, 1, &fake_ops, &d, "kbd"), 0);
	assert_false(bus_access(&bus, 0x80, data, 4, true));
	/* the caller's buffer is left alone and no device saw it */
	assert_int_equal(data[0], 1);
	assert_int_equal(data[3], 4);
	assert_int_equal(d.writes, 0);
	bus_fini(&bus);
}

static void test_bus_access_dispatch_offset_and_len(void **state)
{
	struct fake_dev uart = { 0 }, other = { 0 };
	uint8_t data[8] = { 0 };
	const uint8_t out[2] = { 0x5a, 0xa5 };
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x3f8, 8, &fake_ops, &uart, "uart"), 0);
	assert_int_equal(bus_register(&bus, 0x2f8, 8, &fake_ops, &other, "uart2"), 0);

	assert_true(bus_access(&bus, 0x3fd, data, 1, false));
	assert_int_equal(uart.reads, 1);
	assert_int_equal(uart.offset, 5);
	assert_int_equal(uart.len, 1);
	assert_int_equal(data[0], 0xa5);	/* what the device returned for offset 5 */

	assert_true(bus_access(&bus, 0x3fa, (void *)out, 2, true));
	assert_int_equal(uart.writes, 1);
	assert_int_equal(uart.offset, 2);
	assert_int_equal(uart.len, 2);
	assert_memory_equal(uart.written, out, 2);

	assert_true(bus_access(&bus, 0x3f8, data, 4, false));
	assert_int_equal(uart.offset, 0);
	assert_int_equal(uart.len, 4);
	assert_int_equal(data[0], 0xa0);
	assert_int_equal(data[3], 0xa3);

	/* the other device saw none of it */
	assert_int_equal(other.reads + other.writes, 0);
	assert_true(bus_access(&bus, 0x2ff, data, 1, false));
	assert_int_equal(other.reads, 1);
	assert_int_equal(other.offset, 7);
	bus_fini(&bus);
}

static void test_bus_access_large_offset_mmio(void **state)
{
	struct fake_dev d = { 0 };
	uint8_t data[8];
	struct bus bus;

	(void)state;
	bus_init(&bus, "mmio");
	assert_int_equal(bus_register(&bus, 0xfe0000000ULL, 0x100000, &fake_ops, &d, "bar"), 0);
	assert_true(bus_access(&bus, 0xfe00ffff8ULL, data, 8, false));
	assert_int_equal(d.offset, 0xffff8);
	assert_int_equal(d.len, 8);
	bus_fini(&bus);
}

static void test_bus_access_no_read_op_reads_all_ones(void **state)
{
	struct fake_dev d = { 0 };
	uint8_t data[8];
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0xf4, 1, &write_only_ops, &d, "exit"), 0);
	memset(data, 0, sizeof(data));
	/* a device decodes it, so the access is claimed, but reads float high */
	assert_true(bus_access(&bus, 0xf4, data, 4, false));
	assert_int_equal(data[0], 0xff);
	assert_int_equal(data[3], 0xff);
	assert_int_equal(data[4], 0);
	assert_int_equal(d.reads + d.writes, 0);

	/* writes still reach it */
	data[0] = 7;
	assert_true(bus_access(&bus, 0xf4, data, 1, true));
	assert_int_equal(d.writes, 1);
	assert_int_equal(d.written[0], 7);
	bus_fini(&bus);
}

static void test_bus_access_no_write_op_ignored(void **state)
{
	struct fake_dev d = { 0 };
	uint8_t data[1] = { 9 };
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_int_equal(bus_register(&bus, 0x61, 1, &read_only_ops, &d, "ro"), 0);
	assert_true(bus_access(&bus, 0x61, data, 1, true));
	assert_int_equal(d.reads + d.writes, 0);
	assert_int_equal(data[0], 9);
	bus_fini(&bus);
}

static void test_bus_many_ranges(void **state)
{
	enum { N = 1000 };
	unsigned *order = calloc(N, sizeof(*order));
	struct fake_dev *devs = calloc(N, sizeof(*devs));
	struct bus bus;

	(void)state;
	assert_non_null(order);
	assert_non_null(devs);
	bus_init(&bus, "mmio");
	for (unsigned i = 0; i < N; i++)
		order[i] = i;
	shuffle(order, N, 0xdeadbeef);
	/* range i: [i * 0x1000, + 1 + i % 0x1000): sizes from 1 byte to a full page */
	for (unsigned k = 0; k < N; k++) {
		unsigned i = order[k];

		assert_int_equal(bus_register(&bus, i * 0x1000ULL, 1 + i % 0x1000, &fake_ops,
					      &devs[i], "dev"), 0);
	}
	assert_int_equal(bus.count, N);
	assert_true(bus.capacity >= N);
	assert_sorted(&bus);
	for (unsigned i = 0; i < N; i++) {
		uint64_t base = i * 0x1000ULL, len = 1 + i % 0x1000;
		uint8_t data[2];

		assert_ptr_equal(bus_find(&bus, base)->dev, &devs[i]);
		assert_ptr_equal(bus_find(&bus, base + len - 1)->dev, &devs[i]);
		if (len < 0x1000)
			assert_null(bus_find(&bus, base + len));
		assert_true(bus_access(&bus, base + len - 1, data, 1, false));
		assert_int_equal(devs[i].offset, len - 1);
	}
	/* overlaps are still refused in a full table, at both ends and in the middle */
	assert_int_equal(bus_register(&bus, 0, 1, &fake_ops, &devs[0], "x"), -EEXIST);
	assert_int_equal(bus_register(&bus, 500 * 0x1000ULL + 0x100, 0x1000, &fake_ops, &devs[0],
				      "x"), -EEXIST);
	assert_int_equal(bus_register(&bus, 999 * 0x1000ULL, 0x2000, &fake_ops, &devs[0], "x"),
			 -EEXIST);
	assert_int_equal(bus.count, N);
	/* and the gaps are free */
	assert_int_equal(bus_register(&bus, 500 * 0x1000ULL + 0x1f5, 0xe0b, &fake_ops, &devs[0],
				      "gap"), 0);
	assert_int_equal(bus.count, N + 1);
	bus_fini(&bus);
	free(devs);
	free(order);
}

static void test_bus_fini_empties(void **state)
{
	struct fake_dev d;
	struct bus bus;

	(void)state;
	bus_init(&bus, "io");
	assert_string_equal(bus.name, "io");
	assert_int_equal(bus.count, 0);
	assert_int_equal(bus_register(&bus, 0x10, 1, &fake_ops, &d, "d"), 0);
	bus_fini(&bus);
	assert_int_equal(bus.count, 0);
	assert_null(bus.ranges);
	assert_null(bus_find(&bus, 0x10));
	bus_fini(&bus);	/* twice is fine */
	bus_fini(NULL);
	/* reusable after fini */
	assert_int_equal(bus_register(&bus, 0x10, 1, &fake_ops, &d, "d"), 0);
	assert_ptr_equal(bus_find(&bus, 0x10)->dev, &d);
	bus_fini(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bus_register_random_order_lookup),
		cmocka_unit_test(test_bus_register_adjacent_ranges),
		cmocka_unit_test(test_bus_register_overlap_refused),
		cmocka_unit_test(test_bus_register_empty_or_wrapping_refused),
		cmocka_unit_test(test_bus_find_boundaries),
		cmocka_unit_test(test_bus_access_unclaimed_reads_all_ones),
		cmocka_unit_test(test_bus_access_unclaimed_write_ignored),
		cmocka_unit_test(test_bus_access_dispatch_offset_and_len),
		cmocka_unit_test(test_bus_access_large_offset_mmio),
		cmocka_unit_test(test_bus_access_no_read_op_reads_all_ones),
		cmocka_unit_test(test_bus_access_no_write_op_ignored),
		cmocka_unit_test(test_bus_many_ranges),
		cmocka_unit_test(test_bus_fini_empties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
