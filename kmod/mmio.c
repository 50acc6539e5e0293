// SPDX-License-Identifier: GPL-2.0
/*
 * MMIO exits: decode the instruction that touched a
 * guest-physical address no RAM slot backs, hand the access to userspace
 * as a MINIVMM_EXIT_MMIO, and finish the instruction on the next RUN.
 *
 * The instruction is fetched by insn_fetch.c.  Only plain moves are
 * emulated (x86_decode.c); anything else gives an INTERNAL_ERROR exit
 * with the instruction bytes, never a guess.
 *
 * Known limit: the hardware reports the first faulting guest-physical
 * address.  An access that crosses into another page is reported as one
 * exit of the whole size at that address, even if the other page is RAM
 * or another device.  Device registers are naturally aligned, so a real
 * driver never does this.
 *
 * With an in-kernel irqchip, accesses to the LAPIC page and the IOAPIC
 * window are handled here without leaving the kernel.
 */
#include <linux/kernel.h>
#include <linux/build_bug.h>
#include <linux/compiler.h>
#include <linux/stddef.h>
#include <linux/string.h>
#include <asm/byteorder.h>
#include "mvm.h"
#include "lapic.h"
#include "insn_fetch.h"
#include "x86_decode.h"

/*
 * vcpu->pending_reg of an MMIO load: the GPR number, plus this bit when
 * the destination is AH/CH/DH/BH (bits 15:8 of GPR 0-3).
 */
#define MMIO_REG_HIGH8		0x80

/* INTERNAL_ERROR/EMULATION with the bytes fetched, little-endian. */
static int mmio_emulation_error(struct mvm_vcpu *vcpu, const u8 *bytes,
				unsigned int n)
{
	u8 packed[16] = { 0 };
	u64 data[2];
	unsigned int i;

	BUILD_BUG_ON(sizeof(packed) < MVM_INSN_MAX_LEN);
	memcpy(packed, bytes, n);
	for (i = 0; i < ARRAY_SIZE(data); i++)
		data[i] = le64_to_cpup((const __le64 *)&packed[8 * i]);
	vcpu->pending = MVM_PENDING_NONE;
	mvm_exit_internal_error(vcpu, MINIVMM_INTERNAL_ERROR_EMULATION, data,
				DIV_ROUND_UP(n, 8));
	return MVM_USER;
}

/* Loads the data of a finished MMIO read into its destination register. */
static void __mvm_exit_path mmio_load_reg(struct mvm_vcpu *vcpu, u64 data)
{
	unsigned int reg = vcpu->pending_reg & ~MMIO_REG_HIGH8;

	if (!vcpu->pending_dst_size || reg >= MVM_NR_GPRS)
		return;
	vcpu->gprs[reg] = mvm_insn_load_result(vcpu->gprs[reg], data,
					       vcpu->pending_len,
					       vcpu->pending_ext,
					       vcpu->pending_dst_size,
					       vcpu->pending_reg & MMIO_REG_HIGH8);
}

/*
 * The LAPIC or IOAPIC of an irqchip, if @gpa is theirs: does the access
 * and finishes the instruction as mvm_mmio_complete() would.  Called with
 * the pending_* fields filled in; runs with preemption off.
 */
static bool __mvm_exit_path mmio_irqchip(struct mvm_vcpu *vcpu, u64 gpa, bool is_write,
					 __le64 *data)
{
	struct mvm_vm *vm = vcpu->vm;
	unsigned int len = vcpu->pending_len;
	bool lapic;

	if (!vcpu->lapic)
		return false;
	lapic = mvm_lapic_mmio_match(vcpu, gpa);
	if (!lapic && !mvm_ioapic_mmio_match(vm, gpa))
		return false;

	if (is_write) {
		if (lapic)
			mvm_lapic_mmio_write(vcpu, gpa, data, len);
		else
			mvm_ioapic_mmio_write(vm, gpa, data, len);
	} else {
		*data = 0;
		if (lapic)
			mvm_lapic_mmio_read(vcpu, gpa, data, len);
		else
			mvm_ioapic_mmio_read(vm, gpa, data, len);
		mmio_load_reg(vcpu, le64_to_cpu(*data));
	}
	vcpu->pending = MVM_PENDING_NONE;
	mvm_insn_complete(vcpu, vcpu->pending_rip);
	return true;
}

int __mvm_exit_path mvm_mmio_exit(struct mvm_vcpu *vcpu, u64 gpa, bool is_write)
{
	struct minivmm_run *run = vcpu->run;
	u8 bytes[MVM_INSN_MAX_LEN] = { 0 };
	enum mvm_insn_mode mode;
	struct mvm_insn insn;
	unsigned int n;
	__le64 data;

	/* A short read is decoded as it is: -ENODATA if it cuts the insn. */
	n = mvm_insn_fetch(vcpu, bytes, &mode);
	if (mvm_insn_decode(bytes, n, mode, &insn))
		return mmio_emulation_error(vcpu, bytes, n);
	/*
	 * The hardware's direction must match the instruction's: otherwise
	 * the exit was caused by something else (e.g. the guest changed the
	 * code under us) and emulating it would be a guess.
	 */
	if (insn.is_write != is_write ||
	    (!insn.has_imm && insn.reg >= MVM_NR_GPRS))
		return mmio_emulation_error(vcpu, bytes, n);

	data = 0;
	if (is_write)
		data = cpu_to_le64(mvm_insn_store_value(&insn, insn.has_imm ?
					0 : vcpu->gprs[insn.reg]));

	vcpu->pending = MVM_PENDING_MMIO;
	vcpu->pending_len = insn.mem_size;
	if (is_write) {
		/* dst_size 0: nothing to write back on completion. */
		vcpu->pending_reg = 0;
		vcpu->pending_ext = 0;
		vcpu->pending_dst_size = 0;
	} else {
		vcpu->pending_reg = insn.reg |
				    (insn.high8 ? MMIO_REG_HIGH8 : 0);
		vcpu->pending_ext = insn.ext;
		vcpu->pending_dst_size = insn.dst_size;
	}
	vcpu->pending_rip = vcpu->rip + insn.len;
	/* Outside 64-bit code EIP wraps at 4 GiB. */
	if (mode != MVM_INSN_MODE64)
		vcpu->pending_rip &= 0xffffffff;

	if (mmio_irqchip(vcpu, gpa, is_write, &data))
		return MVM_RESUME;

	run->exit_reason = MINIVMM_EXIT_MMIO;
	run->mmio.phys_addr = gpa;
	run->mmio.len = insn.mem_size;
	run->mmio.is_write = is_write;
	memset(run->mmio.pad, 0, sizeof(run->mmio.pad));
	memcpy(run->mmio.data, &data, sizeof(run->mmio.data));
	return MVM_USER;
}

void __mvm_exit_path mvm_mmio_complete(struct mvm_vcpu *vcpu)
{
	__le64 *shared = (__le64 *)vcpu->run->mmio.data;

	BUILD_BUG_ON(offsetof(struct minivmm_run, mmio.data) % 8);
	vcpu->pending = MVM_PENDING_NONE;
	/* Userspace may change the page at any time: read it once. */
	mmio_load_reg(vcpu, le64_to_cpu(READ_ONCE(*shared)));
	mvm_insn_complete(vcpu, vcpu->pending_rip);
}
