// SPDX-License-Identifier: Apache-2.0
/*
 * A small AML (ACPI Machine Language) encoder for the few objects rtvmm's DSDT needs:
 * names, integers, packages, scopes, devices, buffers and the resource descriptors of
 * a _CRS. It appends to a caller's buffer, so the DSDT is written straight into guest
 * memory; errors are sticky, so a sequence of calls is checked once at the end. Pure
 * functions over buffers, used by the main thread while it builds the ACPI tables.
 * Encodings are those of the ACPI 6.5 specification, chapter 20 (AML grammar) and
 * section 6.4 (resource data types).
 */
#ifndef RTVMM_BOOT_AML_H
#define RTVMM_BOOT_AML_H

#include <stddef.h>
#include <stdint.h>

/* How deeply scopes, devices and packages may nest while being built. */
#define AML_MAX_DEPTH	8

/* The largest value a PkgLength can encode (28 bits). */
#define AML_PKGLEN_MAX	0x0fffffffu

struct aml {
	uint8_t *buf;
	size_t cap_bytes;
	size_t len;			/* bytes written so far */
	size_t open[AML_MAX_DEPTH];	/* where the body of each open PkgLength starts */
	unsigned depth;			/* how many are open */
	int err;			/* 0, or the first error; later calls do nothing */
};

/* Starts an empty encoding into buf[0 .. cap_bytes). */
void aml_init(struct aml *a, uint8_t *buf, size_t cap_bytes);

/*
 * Writes the PkgLength encoding of `len` (which counts the PkgLength bytes themselves)
 * to out. Returns how many bytes it took (1 to 4), or 0 when len > AML_PKGLEN_MAX.
 */
unsigned aml_pkglen_encode(uint8_t out[4], uint32_t len);

/* Raw bytes, for the parts no helper covers. */
void aml_bytes(struct aml *a, const void *data, size_t len);

/* An integer in its shortest form: ZeroOp, OneOp, or Byte/Word/DWord/QWord const. */
void aml_integer(struct aml *a, uint64_t value);

/*
 * Name (name, ...): NameOp and the NameString; the object the name stands for comes
 * next. A name is one segment of up to 4 characters (A-Z, 0-9, '_', not starting with a
 * digit; padded with '_'), optionally after '\' for the root. Anything else sets
 * -EINVAL.
 */
void aml_name(struct aml *a, const char *name);

/* EISAID ("PNP0501"): the compressed 32-bit EISA id of a 7-character PnP id. */
void aml_eisaid(struct aml *a, const char *pnp_id);

/*
 * Open an object with a PkgLength: Package (nr_elements) { ... }, Scope (name) { ... },
 * Device (name) { ... }. What follows until the matching aml_end() is its content.
 * Nesting deeper than AML_MAX_DEPTH sets -EINVAL.
 */
void aml_package(struct aml *a, uint8_t nr_elements);
void aml_scope(struct aml *a, const char *name);
void aml_device(struct aml *a, const char *name);

/* Closes the innermost open object, writing its PkgLength in the shortest form. */
void aml_end(struct aml *a);

/* Buffer () { data }: for a _CRS, data is a resource template built with aml_res_*. */
void aml_buffer(struct aml *a, const void *data, size_t len);

/*
 * Resource descriptors, appended to an aml used as the resource template's byte
 * buffer: IO (Decode16, port, port, 1, len); IRQNoFlags () { irq } (ISA: edge,
 * active-high, exclusive; irq 0-15, else -EINVAL); and the End Tag that closes the
 * template.
 */
void aml_res_io(struct aml *r, uint16_t port, uint8_t len);
void aml_res_irq(struct aml *r, uint8_t irq);
void aml_res_end(struct aml *r);

/*
 * Returns the length of the encoding, or the first error: -ENOSPC when it did not fit,
 * -EINVAL for a bad name or id, an aml_end() without an open object, or an object still
 * open.
 */
long aml_finish(const struct aml *a);

#endif
