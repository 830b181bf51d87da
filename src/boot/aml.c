// SPDX-License-Identifier: Apache-2.0
/*
 * AML encoder (see aml.h). Opcodes and encodings: ACPI 6.5 sections 20.2.2 (names),
 * 20.2.3 (data objects), 20.2.4 (PkgLength), 20.2.5 (terms) and 6.4.2 (small resource
 * descriptors).
 */
#include "aml.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR		'\\'

/* Small resource items: tag in bits 6:3, length of what follows in bits 2:0. */
#define AML_RES_IRQ		0x22	/* IRQ descriptor, 2 bytes: no flags byte */
#define AML_RES_IO		0x47	/* I/O port descriptor, 7 bytes */
#define AML_RES_END		0x79	/* End Tag, 1 byte: checksum */
#define AML_RES_IO_DECODE16	0x01

void aml_init(struct aml *a, uint8_t *buf, size_t cap_bytes)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap_bytes = cap_bytes;
}

static void aml_fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

void aml_bytes(struct aml *a, const void *data, size_t len)
{
	if (a->err)
		return;
	if (len > a->cap_bytes - a->len) {
		aml_fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, data, len);
	a->len += len;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

/* value in `bytes` little-endian bytes after its prefix */
static void aml_prefixed(struct aml *a, uint8_t prefix, uint64_t value, unsigned bytes)
{
	aml_byte(a, prefix);
	for (unsigned i = 0; i < bytes; i++)
		aml_byte(a, (uint8_t)(value >> (8 * i)));
}

void aml_integer(struct aml *a, uint64_t value)
{
	if (value == 0)
		aml_byte(a, AML_ZERO_OP);
	else if (value == 1)
		aml_byte(a, AML_ONE_OP);
	else if (value <= UINT8_MAX)
		aml_prefixed(a, AML_BYTE_PREFIX, value, 1);
	else if (value <= UINT16_MAX)
		aml_prefixed(a, AML_WORD_PREFIX, value, 2);
	else if (value <= UINT32_MAX)
		aml_prefixed(a, AML_DWORD_PREFIX, value, 4);
	else
		aml_prefixed(a, AML_QWORD_PREFIX, value, 8);
}

unsigned aml_pkglen_encode(uint8_t out[4], uint32_t len)
{
	unsigned follow;

	if (len > AML_PKGLEN_MAX)
		return 0;
	/* one byte holds 6 bits; otherwise the lead byte holds the low 4 and a count */
	if (len < (1u << 6)) {
		out[0] = (uint8_t)len;
		return 1;
	}
	follow = len < (1u << 12) ? 1 : len < (1u << 20) ? 2 : 3;
	out[0] = (uint8_t)((follow << 6) | (len & 0x0f));
	for (unsigned i = 0; i < follow; i++)
		out[1 + i] = (uint8_t)(len >> (4 + 8 * i));
	return follow + 1;
}

static bool aml_name_char(char c, bool lead)
{
	return (c >= 'A' && c <= 'Z') || c == '_' || (!lead && c >= '0' && c <= '9');
}

/* NameString: [RootChar] NameSeg, the segment padded to 4 characters with '_'. */
static void aml_name_string(struct aml *a, const char *name)
{
	char seg[4] = { '_', '_', '_', '_' };
	size_t n;

	if (*name == AML_ROOT_CHAR) {
		aml_byte(a, AML_ROOT_CHAR);
		name++;
	}
	n = strlen(name);
	if (n == 0 || n > sizeof(seg)) {
		aml_fail(a, -EINVAL);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!aml_name_char(name[i], i == 0)) {
			aml_fail(a, -EINVAL);
			return;
		}
		seg[i] = name[i];
	}
	aml_bytes(a, seg, sizeof(seg));
}

void aml_name(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name_string(a, name);
}

static int aml_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

void aml_eisaid(struct aml *a, const char *pnp_id)
{
	uint8_t id[4];
	int d[4];

	if (strlen(pnp_id) != 7) {
		aml_fail(a, -EINVAL);
		return;
	}
	for (unsigned i = 0; i < 3; i++) {
		if (pnp_id[i] < 'A' || pnp_id[i] > 'Z') {
			aml_fail(a, -EINVAL);
			return;
		}
	}
	for (unsigned i = 0; i < 4; i++) {
		d[i] = aml_hex_digit(pnp_id[3 + i]);
		if (d[i] < 0) {
			aml_fail(a, -EINVAL);
			return;
		}
	}
	/*
	 * Three letters of 5 bits each ('A' = 1) in the first 15 bits after a zero bit,
	 * then the four hex digits; stored most significant byte first, which read as a
	 * little-endian DWord gives the familiar 0x0105d041 for PNP0501.
	 */
	id[0] = (uint8_t)(((pnp_id[0] - 0x40) << 2) | ((pnp_id[1] - 0x40) >> 3));
	id[1] = (uint8_t)((((pnp_id[1] - 0x40) & 0x07) << 5) | (pnp_id[2] - 0x40));
	id[2] = (uint8_t)((d[0] << 4) | d[1]);
	id[3] = (uint8_t)((d[2] << 4) | d[3]);
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, id, sizeof(id));
}

/* Marks where a PkgLength goes; aml_end() inserts it once the body's length is known. */
static void aml_open(struct aml *a)
{
	if (a->err)
		return;
	if (a->depth == AML_MAX_DEPTH) {
		aml_fail(a, -EINVAL);
		return;
	}
	a->open[a->depth++] = a->len;
}

void aml_end(struct aml *a)
{
	uint8_t enc[4];
	size_t start, body;
	unsigned n;

	if (a->err)
		return;
	if (a->depth == 0) {
		aml_fail(a, -EINVAL);
		return;
	}
	start = a->open[--a->depth];
	body = a->len - start;
	/* the PkgLength counts itself, so its size depends on the total it encodes */
	for (n = 1; n <= 4; n++) {
		if (body + n <= AML_PKGLEN_MAX && aml_pkglen_encode(enc, (uint32_t)(body + n)) == n)
			break;
	}
	if (n > 4) {
		aml_fail(a, -ENOSPC);
		return;
	}
	if (n > a->cap_bytes - a->len) {
		aml_fail(a, -ENOSPC);
		return;
	}
	memmove(a->buf + start + n, a->buf + start, body);
	memcpy(a->buf + start, enc, n);
	a->len += n;
}

void aml_package(struct aml *a, uint8_t nr_elements)
{
	aml_byte(a, AML_PACKAGE_OP);
	aml_open(a);
	aml_byte(a, nr_elements);
}

void aml_scope(struct aml *a, const char *name)
{
	aml_byte(a, AML_SCOPE_OP);
	aml_open(a);
	aml_name_string(a, name);
}

void aml_device(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_open(a);
	aml_name_string(a, name);
}

void aml_buffer(struct aml *a, const void *data, size_t len)
{
	aml_byte(a, AML_BUFFER_OP);
	aml_open(a);
	aml_integer(a, len);
	aml_bytes(a, data, len);
	aml_end(a);
}

void aml_res_io(struct aml *r, uint16_t port, uint8_t len)
{
	const uint8_t d[] = {
		AML_RES_IO, AML_RES_IO_DECODE16,
		(uint8_t)port, (uint8_t)(port >> 8),	/* minimum base */
		(uint8_t)port, (uint8_t)(port >> 8),	/* maximum base: fixed at port */
		1,					/* alignment */
		len,
	};

	aml_bytes(r, d, sizeof(d));
}

void aml_res_irq(struct aml *r, uint8_t irq)
{
	uint16_t mask;

	if (irq > 15) {
		aml_fail(r, -EINVAL);
		return;
	}
	mask = (uint16_t)(1u << irq);
	aml_byte(r, AML_RES_IRQ);
	aml_byte(r, (uint8_t)mask);
	aml_byte(r, (uint8_t)(mask >> 8));
}

void aml_res_end(struct aml *r)
{
	/* checksum 0: "treat the template as if it summed to zero" (6.4.2.9) */
	aml_byte(r, AML_RES_END);
	aml_byte(r, 0);
}

long aml_finish(const struct aml *a)
{
	if (a->err)
		return a->err;
	if (a->depth)
		return -EINVAL;
	return (long)a->len;
}
