// SPDX-License-Identifier: GPL-2.0
/* The AML writer (aml.h).  Opcodes from ACPI 6.x section 20.2. */
#include <string.h>

#include "aml.h"

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_DUAL_NAME_PREFIX	0x2e
#define AML_MULTI_NAME_PREFIX	0x2f
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after AML_EXT_OP_PREFIX */
#define AML_ROOT_CHAR		'\\'

/* Resource descriptor tags (section 6.4). */
#define AML_RES_IRQ_NOFLAGS	0x22	/* small, type 4, length 2 */
#define AML_RES_IO		0x47	/* small, type 8, length 7 */
#define AML_RES_END		0x79	/* small, type 15, length 1 */
#define AML_RES_MEM32_FIXED	0x86	/* large, type 6 */
#define AML_RES_EXT_IRQ		0x89	/* large, type 9 */

/* A PkgLength is at most 4 bytes; the reserved room is shrunk at close. */
#define AML_PKGLEN_MAX		4
/* The largest length each PkgLength size can encode. */
static const size_t aml_pkglen_max[AML_PKGLEN_MAX] = {
	0x3f, 0xfff, 0xfffff, 0xfffffff,
};

/* A Buffer's size is always written as a WordConst (3 bytes). */
#define AML_BUFSIZE_LEN		3

void aml_init(struct aml *a, uint8_t *buf, size_t cap)
{
	memset(a, 0, sizeof(*a));
	a->buf = buf;
	a->cap = cap;
}

bool aml_failed(const struct aml *a)
{
	return a->failed || a->depth;
}

void aml_bytes(struct aml *a, const void *data, size_t len)
{
	if (a->failed || len > a->cap - a->len) {
		a->failed = true;
		return;
	}
	memcpy(a->buf + a->len, data, len);
	a->len += len;
}

static void aml_byte(struct aml *a, uint8_t b)
{
	aml_bytes(a, &b, 1);
}

static void aml_le(struct aml *a, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		aml_byte(a, (uint8_t)(v >> (8 * i)));
}

/* One NameSeg: up to 4 characters, padded with '_'. */
static void aml_nameseg(struct aml *a, const char *s, size_t n)
{
	char seg[4] = { '_', '_', '_', '_' };

	if (!n || n > 4) {
		a->failed = true;
		return;
	}
	memcpy(seg, s, n);
	aml_bytes(a, seg, 4);
}

void aml_name(struct aml *a, const char *name)
{
	const char *p, *dot;
	unsigned int segs = 1;

	if (*name == AML_ROOT_CHAR)
		aml_byte(a, *name++);
	for (p = name; *p; p++)
		segs += *p == '.';
	if (segs == 2) {
		aml_byte(a, AML_DUAL_NAME_PREFIX);
	} else if (segs > 2) {
		aml_byte(a, AML_MULTI_NAME_PREFIX);
		aml_byte(a, (uint8_t)segs);
	}
	for (p = name; ; p = dot + 1) {
		dot = strchr(p, '.');
		aml_nameseg(a, p, dot ? (size_t)(dot - p) : strlen(p));
		if (!dot)
			break;
	}
}

void aml_integer(struct aml *a, uint64_t v)
{
	if (v <= 1) {
		aml_byte(a, v ? AML_ONE_OP : AML_ZERO_OP);
	} else if (v <= 0xff) {
		aml_byte(a, AML_BYTE_PREFIX);
		aml_le(a, v, 1);
	} else if (v <= 0xffff) {
		aml_byte(a, AML_WORD_PREFIX);
		aml_le(a, v, 2);
	} else if (v <= 0xffffffff) {
		aml_byte(a, AML_DWORD_PREFIX);
		aml_le(a, v, 4);
	} else {
		aml_byte(a, AML_QWORD_PREFIX);
		aml_le(a, v, 8);
	}
}

void aml_string(struct aml *a, const char *s)
{
	aml_byte(a, AML_STRING_PREFIX);
	aml_bytes(a, s, strlen(s) + 1);
}

static unsigned int aml_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return (unsigned int)(c - '0');
	if (c >= 'A' && c <= 'F')
		return (unsigned int)(c - 'A' + 10);
	return 16;
}

/*
 * Three letters in 5 bits each (A = 1), then four hex digits, stored as
 * big-endian bytes: "PNP0501" is 41 d0 05 01.
 */
void aml_eisaid(struct aml *a, const char *id)
{
	unsigned int i, letters = 0, hex;
	uint8_t out[4];

	if (strlen(id) != 7) {
		a->failed = true;
		return;
	}
	for (i = 0; i < 3; i++) {
		if (id[i] < 'A' || id[i] > 'Z') {
			a->failed = true;
			return;
		}
		letters = letters << 5 | (unsigned int)(id[i] - 'A' + 1);
	}
	out[0] = (uint8_t)(letters >> 8);
	out[1] = (uint8_t)letters;
	for (i = 0; i < 4; i++) {
		hex = aml_hexval(id[3 + i]);
		if (hex > 15) {
			a->failed = true;
			return;
		}
		out[2 + i / 2] = (uint8_t)(i & 1 ? out[2 + i / 2] | hex :
					   hex << 4);
	}
	aml_byte(a, AML_DWORD_PREFIX);
	aml_bytes(a, out, 4);
}

void aml_name_decl(struct aml *a, const char *name)
{
	aml_byte(a, AML_NAME_OP);
	aml_name(a, name);
}

/* Reserve the PkgLength that aml_close() fills in. */
static void aml_open(struct aml *a, bool is_buffer)
{
	static const uint8_t room[AML_PKGLEN_MAX];

	if (a->depth == AML_MAX_DEPTH) {
		a->failed = true;
		return;
	}
	a->is_buffer[a->depth] = is_buffer;
	a->open[a->depth++] = a->len;
	aml_bytes(a, room, sizeof(room));
}

void aml_scope_open(struct aml *a, const char *name)
{
	aml_byte(a, AML_SCOPE_OP);
	aml_open(a, false);
	aml_name(a, name);
}

void aml_device_open(struct aml *a, const char *name)
{
	aml_byte(a, AML_EXT_OP_PREFIX);
	aml_byte(a, AML_DEVICE_OP);
	aml_open(a, false);
	aml_name(a, name);
}

void aml_package_open(struct aml *a, uint8_t count)
{
	aml_byte(a, AML_PACKAGE_OP);
	aml_open(a, false);
	aml_byte(a, count);
}

void aml_resources_open(struct aml *a)
{
	static const uint8_t size[AML_BUFSIZE_LEN] = { AML_WORD_PREFIX };

	aml_byte(a, AML_BUFFER_OP);
	aml_open(a, true);
	aml_bytes(a, size, sizeof(size));
}

/*
 * Write the PkgLength of the innermost open object in its shortest form
 * (section 20.2.4): it counts its own bytes and everything after them.
 * A Buffer also gets its end tag and its size.
 */
void aml_close(struct aml *a)
{
	size_t start, body, total;
	unsigned int n, i;
	uint8_t *p;

	if (!a->depth) {
		a->failed = true;
		return;
	}
	start = a->open[--a->depth];
	if (a->failed)
		return;
	p = a->buf + start;
	if (a->is_buffer[a->depth]) {
		size_t data = start + AML_PKGLEN_MAX + AML_BUFSIZE_LEN;

		aml_byte(a, AML_RES_END);
		aml_byte(a, 0);		/* checksum 0: "treat as valid" */
		if (a->failed)
			return;
		p[AML_PKGLEN_MAX + 1] = (uint8_t)(a->len - data);
		p[AML_PKGLEN_MAX + 2] = (uint8_t)((a->len - data) >> 8);
	}
	body = a->len - start - AML_PKGLEN_MAX;
	for (n = 1; n <= AML_PKGLEN_MAX; n++)
		if (body + n <= aml_pkglen_max[n - 1])
			break;
	if (n > AML_PKGLEN_MAX) {
		a->failed = true;
		return;
	}
	total = body + n;
	if (n == 1) {
		p[0] = (uint8_t)total;
	} else {
		p[0] = (uint8_t)((n - 1) << 6 | (total & 0xf));
		for (i = 1; i < n; i++)
			p[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	memmove(p + n, p + AML_PKGLEN_MAX, body);
	a->len -= AML_PKGLEN_MAX - n;
}

void aml_res_io(struct aml *a, uint16_t base, uint8_t len)
{
	/* IO(Decode16, base, base, 1, len) */
	aml_byte(a, AML_RES_IO);
	aml_byte(a, 1);
	aml_le(a, base, 2);
	aml_le(a, base, 2);
	aml_byte(a, 1);
	aml_byte(a, len);
}

void aml_res_irq_noflags(struct aml *a, unsigned int irq)
{
	if (irq > 15) {
		a->failed = true;
		return;
	}
	aml_byte(a, AML_RES_IRQ_NOFLAGS);
	aml_le(a, 1u << irq, 2);
}

void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len)
{
	aml_byte(a, AML_RES_MEM32_FIXED);
	aml_le(a, 9, 2);
	aml_byte(a, 1);			/* read-write */
	aml_le(a, base, 4);
	aml_le(a, len, 4);
}

void aml_res_interrupt_edge(struct aml *a, uint32_t gsi)
{
	aml_byte(a, AML_RES_EXT_IRQ);
	aml_le(a, 6, 2);
	/* bit 0 consumer, bit 1 edge; active high (bit 2), exclusive (bit 3) */
	aml_byte(a, 0x03);
	aml_byte(a, 1);			/* one interrupt */
	aml_le(a, gsi, 4);
}
