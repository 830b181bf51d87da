// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/boot/aml: every encoding is compared byte for byte with what the
 * ACPI 6.5 grammar (chapter 20) and resource descriptor formats (6.4.2) prescribe, and
 * with what iasl emits for the same ASL: PkgLength at each of its size boundaries
 * (63/64, 4095/4096, 2^20, 2^28), integers in their shortest form, names and EISA ids,
 * the \_S5_ package, a device with a _CRS resource template, and packages whose
 * PkgLength grows when the body crosses a boundary. Errors are sticky and the encoder
 * never writes past its capacity.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/boot/aml.h"

#include <errno.h>
#include <string.h>

#define GUARD 0xa5

/* Decodes a PkgLength the way an AML interpreter does; returns its size in bytes. */
static unsigned pkglen_decode(const uint8_t *p, uint32_t *len)
{
	unsigned follow = p[0] >> 6;

	if (follow == 0) {
		*len = p[0] & 0x3f;
		return 1;
	}
	*len = p[0] & 0x0f;
	for (unsigned i = 0; i < follow; i++)
		*len |= (uint32_t)p[1 + i] << (4 + 8 * i);
	return follow + 1;
}

static void assert_pkglen(uint32_t len, const uint8_t *want, unsigned want_n)
{
	uint8_t out[4] = { 0 };

	assert_int_equal(aml_pkglen_encode(out, len), want_n);
	assert_memory_equal(out, want, want_n);
}

static void test_aml_pkglen_boundaries(void **state)
{
	(void)state;
	assert_pkglen(0, (const uint8_t[]){ 0x00 }, 1);
	assert_pkglen(63, (const uint8_t[]){ 0x3f }, 1);
	assert_pkglen(64, (const uint8_t[]){ 0x40, 0x04 }, 2);
	assert_pkglen(65, (const uint8_t[]){ 0x41, 0x04 }, 2);
	assert_pkglen(4095, (const uint8_t[]){ 0x4f, 0xff }, 2);
	assert_pkglen(4096, (const uint8_t[]){ 0x80, 0x00, 0x01 }, 3);
	assert_pkglen(0xfffff, (const uint8_t[]){ 0x8f, 0xff, 0xff }, 3);
	assert_pkglen(0x100000, (const uint8_t[]){ 0xc0, 0x00, 0x00, 0x01 }, 4);
	assert_pkglen(0x0fffffff, (const uint8_t[]){ 0xcf, 0xff, 0xff, 0xff }, 4);

	uint8_t out[4] = { GUARD, GUARD, GUARD, GUARD };

	assert_int_equal(aml_pkglen_encode(out, 0x10000000), 0);
	assert_int_equal(out[0], GUARD);
}

/* Around every boundary: decodes back to the value, in the fewest bytes possible. */
static void test_aml_pkglen_roundtrip_minimal(void **state)
{
	static const uint32_t edges[] = { 0, 64, 4096, 1u << 20, 1u << 28 };

	(void)state;
	for (unsigned e = 1; e < sizeof(edges) / sizeof(edges[0]); e++) {
		for (int64_t d = -3; d <= 3; d++) {
			int64_t v = (int64_t)edges[e] + d;
			uint8_t out[4];
			uint32_t back;
			unsigned n;

			if (v > AML_PKGLEN_MAX)
				continue;
			n = aml_pkglen_encode(out, (uint32_t)v);
			assert_int_equal(n, (unsigned)(v < edges[e] ? e : e + 1));
			assert_int_equal(pkglen_decode(out, &back), n);
			assert_int_equal(back, (uint32_t)v);
			/* bits 5:4 of a multi-byte lead byte are reserved zero */
			if (n > 1)
				assert_int_equal(out[0] & 0x30, 0);
		}
	}
}

static void assert_encodes_integer(uint64_t v, const uint8_t *want, size_t want_n)
{
	uint8_t buf[16];
	struct aml a;

	aml_init(&a, buf, sizeof(buf));
	aml_integer(&a, v);
	assert_int_equal(aml_finish(&a), want_n);
	assert_memory_equal(buf, want, want_n);
}

static void test_aml_integer_shortest(void **state)
{
	(void)state;
	assert_encodes_integer(0, (const uint8_t[]){ 0x00 }, 1);	/* ZeroOp */
	assert_encodes_integer(1, (const uint8_t[]){ 0x01 }, 1);	/* OneOp */
	assert_encodes_integer(2, (const uint8_t[]){ 0x0a, 0x02 }, 2);
	assert_encodes_integer(0xff, (const uint8_t[]){ 0x0a, 0xff }, 2);
	assert_encodes_integer(0x100, (const uint8_t[]){ 0x0b, 0x00, 0x01 }, 3);
	assert_encodes_integer(0xffff, (const uint8_t[]){ 0x0b, 0xff, 0xff }, 3);
	assert_encodes_integer(0x10000, (const uint8_t[]){ 0x0c, 0x00, 0x00, 0x01, 0x00 }, 5);
	assert_encodes_integer(0xfec00000, (const uint8_t[]){ 0x0c, 0x00, 0x00, 0xc0, 0xfe }, 5);
	assert_encodes_integer(0x100000000ULL,
			       (const uint8_t[]){ 0x0e, 0, 0, 0, 0, 1, 0, 0, 0 }, 9);
	assert_encodes_integer(0x0123456789abcdefULL,
			       (const uint8_t[]){ 0x0e, 0xef, 0xcd, 0xab, 0x89, 0x67, 0x45,
						  0x23, 0x01 }, 9);
}

/* Name (_S5_, Package (4) { 5, 5, 0, 0 }), as iasl compiles it */
static void test_aml_s5_package_bytes(void **state)
{
	static const uint8_t want[] = {
		0x08, '_', 'S', '5', '_',	/* NameOp, NameSeg */
		0x12, 0x08, 0x04,		/* PackageOp, PkgLength 8, NumElements 4 */
		0x0a, 0x05, 0x0a, 0x05,		/* BytePrefix 5, BytePrefix 5 */
		0x00, 0x00,			/* ZeroOp, ZeroOp */
	};
	uint8_t buf[64];
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "_S5_");
	aml_package(&a, 4);
	aml_integer(&a, 5);
	aml_integer(&a, 5);
	aml_integer(&a, 0);
	aml_integer(&a, 0);
	aml_end(&a);
	assert_int_equal(aml_finish(&a), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_aml_names(void **state)
{
	uint8_t buf[32];
	struct aml a;

	(void)state;
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "RTC");		/* padded with '_' */
	aml_name(&a, "_HID");
	aml_name(&a, "C0M1");		/* digits after the first character */
	assert_int_equal(aml_finish(&a), 15);
	assert_memory_equal(buf, "\x08RTC_\x08_HID\x08" "C0M1", 15);

	static const char *const bad[] = { "", "ABCDE", "1ABC", "a", "AB.C", "\\", "\\\\ABC" };

	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_name(&a, bad[i]);
		assert_int_equal(aml_finish(&a), -EINVAL);
	}
}

static void test_aml_eisaid(void **state)
{
	static const struct {
		const char *id;
		uint8_t bytes[5];
	} cases[] = {
		/* DWordPrefix, then the compressed id: 0x0105d041 read little-endian */
		{ "PNP0501", { 0x0c, 0x41, 0xd0, 0x05, 0x01 } },
		{ "PNP0B00", { 0x0c, 0x41, 0xd0, 0x0b, 0x00 } },
		{ "PNP0C02", { 0x0c, 0x41, 0xd0, 0x0c, 0x02 } },
		{ "ACP0013", { 0x0c, 0x04, 0x70, 0x00, 0x13 } },
	};
	static const char *const bad[] = { "PNP050", "PNP05011", "pnp0501", "PNP05g1", "P1P0501" };
	uint8_t buf[8];
	struct aml a;

	(void)state;
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_eisaid(&a, cases[i].id);
		assert_int_equal(aml_finish(&a), 5);
		assert_memory_equal(buf, cases[i].bytes, 5);
	}
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		aml_init(&a, buf, sizeof(buf));
		aml_eisaid(&a, bad[i]);
		assert_int_equal(aml_finish(&a), -EINVAL);
	}
}

/*
 * Scope (\_SB) { Device (COM1) { Name (_HID, EisaId ("PNP0501"))
 *   Name (_CRS, ResourceTemplate () { IO (Decode16, 0x03F8, 0x03F8, 0x01, 0x08)
 *                                     IRQNoFlags () { 4 } }) } }
 * iasl 20200925 emits the same bytes, except that at the root it drops the '\' (and so
 * one byte of the scope's PkgLength), which names the same scope there.
 */
static void test_aml_device_with_crs_bytes(void **state)
{
	static const uint8_t want[] = {
		0x10, 0x2d, '\\', '_', 'S', 'B', '_',	/* ScopeOp, PkgLength 45 */
		0x5b, 0x82, 0x25, 'C', 'O', 'M', '1',	/* DeviceOp, PkgLength 37 */
		0x08, '_', 'H', 'I', 'D', 0x0c, 0x41, 0xd0, 0x05, 0x01,
		0x08, '_', 'C', 'R', 'S',
		0x11, 0x10, 0x0a, 0x0d,			/* BufferOp, PkgLength 16, size 13 */
		0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08,	/* IO, Decode16 */
		0x22, 0x10, 0x00,			/* IRQNoFlags, mask 1 << 4 */
		0x79, 0x00,				/* End Tag */
	};
	uint8_t res[16], buf[128];
	struct aml crs, a;

	(void)state;
	aml_init(&crs, res, sizeof(res));
	aml_res_io(&crs, 0x3f8, 8);
	aml_res_irq(&crs, 4);
	aml_res_end(&crs);
	assert_int_equal(aml_finish(&crs), 13);

	aml_init(&a, buf, sizeof(buf));
	aml_scope(&a, "\\_SB");
	aml_device(&a, "COM1");
	aml_name(&a, "_HID");
	aml_eisaid(&a, "PNP0501");
	aml_name(&a, "_CRS");
	aml_buffer(&a, res, 13);
	aml_end(&a);
	aml_end(&a);
	assert_int_equal(aml_finish(&a), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
}

static void test_aml_res_irq_range(void **state)
{
	uint8_t res[8];
	struct aml r;

	(void)state;
	aml_init(&r, res, sizeof(res));
	aml_res_irq(&r, 15);
	assert_int_equal(aml_finish(&r), 3);
	assert_memory_equal(res, "\x22\x00\x80", 3);

	aml_init(&r, res, sizeof(res));
	aml_res_irq(&r, 16);
	assert_int_equal(aml_finish(&r), -EINVAL);
	assert_int_equal(r.len, 0);
}

/* A package of n BytePrefix elements: body = NumElements + 2n bytes. */
static long build_byte_package(uint8_t *buf, size_t cap, unsigned n)
{
	struct aml a;

	aml_init(&a, buf, cap);
	aml_package(&a, (uint8_t)n);
	for (unsigned i = 0; i < n; i++)
		aml_integer(&a, 0x10 + i);
	aml_end(&a);
	return aml_finish(&a);
}

static void assert_byte_package(const uint8_t *buf, unsigned n, unsigned pkglen_n)
{
	uint32_t len;

	assert_int_equal(buf[0], 0x12);
	assert_int_equal(pkglen_decode(buf + 1, &len), pkglen_n);
	assert_int_equal(len, pkglen_n + 1 + 2 * n);
	assert_int_equal(buf[1 + pkglen_n], n);
	/* the body moved behind the PkgLength intact */
	for (unsigned i = 0; i < n; i++) {
		assert_int_equal(buf[2 + pkglen_n + 2 * i], 0x0a);
		assert_int_equal(buf[3 + pkglen_n + 2 * i], 0x10 + i);
	}
}

static void test_aml_pkglen_grows_with_body(void **state)
{
	uint8_t buf[256];

	(void)state;
	/* body 61: total 62 fits one byte */
	assert_int_equal(build_byte_package(buf, sizeof(buf), 30), 1 + 1 + 61);
	assert_byte_package(buf, 30, 1);
	/* body 63: total 64 does not fit one byte, so it takes two: 65 */
	assert_int_equal(build_byte_package(buf, sizeof(buf), 31), 1 + 2 + 63);
	assert_byte_package(buf, 31, 2);
	assert_int_equal(buf[1], 0x41);
	assert_int_equal(buf[2], 0x04);
}

static void test_aml_buffer_three_byte_pkglen(void **state)
{
	static uint8_t data[5000], buf[5100];
	uint32_t len;
	struct aml a;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	aml_init(&a, buf, sizeof(buf));
	aml_buffer(&a, data, sizeof(data));
	/* BufferOp, PkgLength (3 bytes), WordPrefix 5000, data */
	assert_int_equal(aml_finish(&a), 1 + 3 + 3 + 5000);
	assert_int_equal(buf[0], 0x11);
	assert_int_equal(pkglen_decode(buf + 1, &len), 3);
	assert_int_equal(len, 3 + 3 + 5000);
	assert_memory_equal(buf + 1, "\x8e\x38\x01", 3);
	assert_memory_equal(buf + 4, "\x0b\x88\x13", 3);
	assert_memory_equal(buf + 7, data, sizeof(data));
}

static void test_aml_nospc_never_overruns(void **state)
{
	uint8_t buf[64 + 16];
	long full;

	(void)state;
	memset(buf, GUARD, sizeof(buf));
	full = build_byte_package(buf, 64, 20);	/* 1 + 1 + 41 bytes */
	assert_int_equal(full, 43);
	/* every capacity short of the full encoding fails, writing nothing past it */
	for (size_t cap = 0; cap < (size_t)full; cap++) {
		memset(buf, GUARD, sizeof(buf));
		assert_int_equal(build_byte_package(buf, cap, 20), -ENOSPC);
		for (size_t i = cap; i < sizeof(buf); i++)
			assert_int_equal(buf[i], GUARD);
	}
	/* the body fits but not the PkgLength: aml_end() refuses to move it */
	memset(buf, GUARD, sizeof(buf));
	assert_int_equal(build_byte_package(buf, (size_t)full - 1, 20), -ENOSPC);
	assert_int_equal(buf[full - 1], GUARD);
}

static void test_aml_errors_sticky_and_nesting(void **state)
{
	uint8_t buf[64];
	struct aml a;

	(void)state;
	/* an aml_end() with nothing open */
	aml_init(&a, buf, sizeof(buf));
	aml_end(&a);
	assert_int_equal(aml_finish(&a), -EINVAL);

	/* an object left open */
	aml_init(&a, buf, sizeof(buf));
	aml_scope(&a, "\\_SB");
	assert_int_equal(aml_finish(&a), -EINVAL);

	/* nesting beyond AML_MAX_DEPTH */
	aml_init(&a, buf, sizeof(buf));
	for (unsigned i = 0; i <= AML_MAX_DEPTH; i++)
		aml_package(&a, 1);
	assert_int_equal(aml_finish(&a), -EINVAL);

	/* AML_MAX_DEPTH is fine */
	aml_init(&a, buf, sizeof(buf));
	for (unsigned i = 0; i < AML_MAX_DEPTH; i++)
		aml_package(&a, 1);
	for (unsigned i = 0; i < AML_MAX_DEPTH; i++)
		aml_end(&a);
	assert_int_equal(aml_finish(&a), 3 * AML_MAX_DEPTH);

	/* after an error nothing more is written and the first error is kept */
	aml_init(&a, buf, sizeof(buf));
	aml_name(&a, "bad");
	aml_integer(&a, 5);
	aml_bytes(&a, "xyz", 3);
	assert_int_equal(a.len, 1);	/* just the NameOp before the bad name */
	assert_int_equal(aml_finish(&a), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aml_pkglen_boundaries),
		cmocka_unit_test(test_aml_pkglen_roundtrip_minimal),
		cmocka_unit_test(test_aml_integer_shortest),
		cmocka_unit_test(test_aml_s5_package_bytes),
		cmocka_unit_test(test_aml_names),
		cmocka_unit_test(test_aml_eisaid),
		cmocka_unit_test(test_aml_device_with_crs_bytes),
		cmocka_unit_test(test_aml_res_irq_range),
		cmocka_unit_test(test_aml_pkglen_grows_with_body),
		cmocka_unit_test(test_aml_buffer_three_byte_pkglen),
		cmocka_unit_test(test_aml_nospc_never_overruns),
		cmocka_unit_test(test_aml_errors_sticky_and_nesting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
