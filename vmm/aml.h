/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny writer of ACPI Machine Language (ACPI 6.x section 20): just
 * what the DSDT of acpi.c needs (scopes, devices, names, integers,
 * strings, packages and resource templates).
 *
 * Objects with a PkgLength (Scope, Device, Package, Buffer) are opened
 * and closed like brackets; aml_close() writes the length in its
 * shortest encoding.  Errors (no room, too deep) are sticky: check
 * aml_failed() once at the end.
 */
#ifndef VMM_AML_H
#define VMM_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_MAX_DEPTH	8

struct aml {
	uint8_t *buf;
	size_t len, cap;
	size_t open[AML_MAX_DEPTH];	/* where each PkgLength starts */
	bool is_buffer[AML_MAX_DEPTH];	/* a resource template */
	unsigned int depth;
	bool failed;
};

void aml_init(struct aml *a, uint8_t *buf, size_t cap);
bool aml_failed(const struct aml *a);

void aml_bytes(struct aml *a, const void *data, size_t len);
/* A NameString: "\\_SB_", "COM1", "_HID" (segments padded with '_'). */
void aml_name(struct aml *a, const char *name);
/* The shortest integer encoding (ZeroOp, OneOp, Byte..QWordConst). */
void aml_integer(struct aml *a, uint64_t v);
void aml_string(struct aml *a, const char *s);
/* EISAID("PNP0501") as a DWordConst. */
void aml_eisaid(struct aml *a, const char *id);

/* Name(name, <object>): emit the object right after. */
void aml_name_decl(struct aml *a, const char *name);

void aml_scope_open(struct aml *a, const char *name);
void aml_device_open(struct aml *a, const char *name);
void aml_package_open(struct aml *a, uint8_t count);
/* A resource template: Buffer(){...}; aml_close() adds the end tag. */
void aml_resources_open(struct aml *a);
void aml_close(struct aml *a);

/* Resource descriptors (ACPI 6.x section 6.4), inside a template. */
void aml_res_io(struct aml *a, uint16_t base, uint8_t len);
void aml_res_irq_noflags(struct aml *a, unsigned int irq);
void aml_res_mem32_fixed(struct aml *a, uint32_t base, uint32_t len);
/* Interrupt(ResourceConsumer, Edge, ActiveHigh, Exclusive) { gsi } */
void aml_res_interrupt_edge(struct aml *a, uint32_t gsi);

#endif
