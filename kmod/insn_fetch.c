// SPDX-License-Identifier: GPL-2.0
/*
 * Fetch the instruction at rip through the guest's page tables
 * (guest_walk.c), for every exit whose instruction the module decodes
 * itself: MMIO, and on AMD-V without NRIP save or decode assists the
 * lengths of intercepted instructions, MOV CR8 and string IO prefixes.
 *
 * The bytes are read as data, not as a fetch: the CPU has already fetched
 * them, so the permissions were checked.  Those bytes are in pinned RAM
 * (a page is pinned before it is mapped), so a failure to read, -EAGAIN
 * included, only ever cuts off bytes after the instruction.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <asm/msr-index.h>
#include <asm/processor-flags.h>
#include "mvm.h"
#include "insn_fetch.h"

/* The code size the guest runs with now (as the CPU decodes it). */
static enum mvm_insn_mode __mvm_exit_path insn_mode(const struct mvm_paging *pg,
						    unsigned long rflags)
{
	/* Real mode and virtual-8086 mode are 16-bit whatever CS says. */
	if (!(pg->cr0 & X86_CR0_PE) || (rflags & X86_EFLAGS_VM))
		return MVM_INSN_MODE16;
	if ((pg->efer & EFER_LMA) && pg->cs_l)
		return MVM_INSN_MODE64;
	return pg->cs_db ? MVM_INSN_MODE32 : MVM_INSN_MODE16;
}

/*
 * The linear address of @ip: 64-bit code ignores the CS base, other code
 * adds it and wraps at 4 GiB.
 */
static u64 __mvm_exit_path insn_linear(const struct mvm_paging *pg, enum mvm_insn_mode mode,
				       u64 ip)
{
	if (mode == MVM_INSN_MODE64)
		return ip;
	return (u32)(pg->cs_base + ip);
}

unsigned int __mvm_exit_path mvm_insn_fetch(struct mvm_vcpu *vcpu, u8 *buf,
					    enum mvm_insn_mode *mode)
{
	struct mvm_paging pg;
	unsigned int first;
	u64 linear;

	mvm_call(get_paging)(vcpu, &pg);
	*mode = insn_mode(&pg, vcpu->rflags);
	linear = insn_linear(&pg, *mode, vcpu->rip);
	first = min_t(u64, MVM_INSN_MAX_LEN, PAGE_SIZE - offset_in_page(linear));

	if (mvm_read_guest_virt_pg(vcpu, &pg, linear, buf, first))
		return 0;
	if (first == MVM_INSN_MAX_LEN)
		return first;
	/* The next page's first byte is at rip + first, wrapped alike. */
	linear = insn_linear(&pg, *mode, vcpu->rip + first);
	if (mvm_read_guest_virt_pg(vcpu, &pg, linear, buf + first,
				   MVM_INSN_MAX_LEN - first))
		return first;
	return MVM_INSN_MAX_LEN;
}
