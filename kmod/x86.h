/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Architectural rules of x86 that do not depend on VT-x or AMD-V: the
 * exception classes and how a second exception during the delivery of a
 * first one combines (SDM vol. 3A, 6.15, tables 6-4 and 6-5), which
 * vectors push an error code, canonical addresses, PAT values and the
 * field ranges of a segment register.  Written once, used by the core and
 * both backends; pure logic, so the host unit tests build it too.
 */
#ifndef MVM_X86_H
#define MVM_X86_H

#include "x86_types.h"

/* Exception vectors. */
#define MVM_X86_DE		0
#define MVM_X86_DB		1
#define MVM_X86_NMI		2
#define MVM_X86_BP		3
#define MVM_X86_OF		4
#define MVM_X86_BR		5
#define MVM_X86_UD		6
#define MVM_X86_NM		7
#define MVM_X86_DF		8
#define MVM_X86_TS		10
#define MVM_X86_NP		11
#define MVM_X86_SS		12
#define MVM_X86_GP		13
#define MVM_X86_PF		14
#define MVM_X86_MF		16
#define MVM_X86_AC		17
#define MVM_X86_MC		18
#define MVM_X86_XM		19
#define MVM_X86_VE		20
#define MVM_X86_CP		21

/* The classes of table 6-4. */
enum mvm_exc_class {
	MVM_EXC_BENIGN,
	MVM_EXC_CONTRIBUTORY,
	MVM_EXC_PAGE_FAULT,
};

/* What the CPU does when a second exception comes during a delivery. */
#define MVM_EXC_TRIPLE_FAULT	(-1)

enum mvm_exc_class mvm_exc_class(u8 vector);

/*
 * The exception to deliver when #@second is raised while the CPU
 * delivers #@first: @second (handled serially), MVM_X86_DF, or
 * MVM_EXC_TRIPLE_FAULT (a contributory exception or page fault while
 * delivering a double fault: the CPU shuts down).
 */
int mvm_exc_merge(u8 first, u8 second);

/*
 * Whether delivering #@vector pushes an error code (in protected and
 * long mode; real mode pushes none).
 */
bool mvm_exc_has_error(u8 vector);

/* A 48-bit linear address: bits 63:47 all equal. */
bool mvm_x86_canonical(u64 addr);

/* Every PAT entry a memory type: UC, WC, WT, WP, WB or UC-. */
bool mvm_x86_pat_valid(u64 pat);

/*
 * The register fields of a segment as the ABI gives them: each in its
 * architectural range, padding zero.
 */
struct minivmm_segment;
bool mvm_x86_seg_fields_valid(const struct minivmm_segment *seg);

#endif /* MVM_X86_H */
