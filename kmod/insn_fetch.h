/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Fetching the instruction at a vCPU's rip for the decoder (x86_decode.h),
 * the same for both backends.
 */
#ifndef MVM_INSN_FETCH_H
#define MVM_INSN_FETCH_H

#include "x86_decode.h"

struct mvm_vcpu;

/*
 * Reads up to MVM_INSN_MAX_LEN bytes of code at vcpu->rip into @buf (of
 * MVM_INSN_MAX_LEN bytes) through the guest's page tables and returns how
 * many it could: 0 if rip's page cannot be read, fewer than the maximum
 * if the instruction may end just before an unmapped page.  *@mode is the
 * code size the guest runs with now, as the CPU decodes it.
 */
unsigned int mvm_insn_fetch(struct mvm_vcpu *vcpu, u8 *buf,
			    enum mvm_insn_mode *mode);

#endif /* MVM_INSN_FETCH_H */
