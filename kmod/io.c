// SPDX-License-Identifier: GPL-2.0
/*
 * Port IO exits.  OUT data (from rax or, for OUTS, guest memory)
 * is put in the data page before the exit; IN data is taken from it on
 * the next MINIVMM_RUN (mvm_io_complete()), which also finishes the
 * instruction: registers, rcx/rsi/rdi for string forms, rip.
 *
 * mvm_io_exit() handles an exit with preemption off: no sleeping.
 *
 * Ports userspace declared to have no device (MINIVMM_SET_IOPORT_RANGE)
 * are answered here without an exit: an IN reads all ones, an OUT is
 * dropped.  Their bitmap (one bit a port) is allocated on first use and
 * lives as long as the VM; bits change with atomic bitops, so a vCPU may
 * test them at any time without a lock.
 */
#include <linux/bitmap.h>
#include <linux/kernel.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <asm/processor-flags.h>

#include "mvm.h"

/* A string IO operand that is not in guest memory we can reach. */
#define MVM_IO_FAULT	MINIVMM_INTERNAL_ERROR_EMULATION

static u64 __mvm_exit_path mvm_addr_mask(u8 addr_size)
{
	return addr_size == 8 ? ~0ULL : BIT_ULL(addr_size * 8) - 1;
}

/* Writes an address-size register as hardware does (32-bit zero-extends). */
static void __mvm_exit_path mvm_reg_write_sized(unsigned long *reg, u8 addr_size, u64 val)
{
	switch (addr_size) {
	case 2:
		*reg = (*reg & ~0xffffUL) | (val & 0xffff);
		break;
	case 4:
		*reg = (u32)val;
		break;
	default:
		*reg = val;
		break;
	}
}

static u64 __mvm_exit_path mvm_io_linear(const struct mvm_io *io, u64 offset)
{
	u64 la = io->seg_base + offset;

	/* Outside 64-bit addressing, linear addresses are 32 bits. */
	return io->addr_size == 8 ? la : (u32)la;
}

/*
 * Moves @count elements between guest memory at seg:rsi (OUTS) or
 * es:rdi (INS) and the data page, element 0 first, downwards when
 * RFLAGS.DF is set.
 */
static int __mvm_exit_path mvm_io_string_xfer(struct mvm_vcpu *vcpu, const struct mvm_io *io,
					      u32 count)
{
	u64 mask = mvm_addr_mask(io->addr_size);
	u64 reg = vcpu->gprs[io->in ? MVM_RDI : MVM_RSI] & mask;
	bool down = vcpu->rflags & X86_EFLAGS_DF;
	u64 bytes = (u64)count * io->size;
	u8 *data = vcpu->io_data;
	u32 i;
	int r;

	/* The common case: upwards, no wrap of the offset: one copy. */
	if (!down && reg + bytes - 1 <= mask) {
		u64 la = mvm_io_linear(io, reg);

		if (io->in)
			return mvm_write_guest_virt(vcpu, la, data, bytes);
		return mvm_read_guest_virt(vcpu, la, data, bytes);
	}

	for (i = 0; i < count; i++) {
		u64 step = (u64)i * io->size;
		u64 off = (down ? reg - step : reg + step) & mask;
		u64 la = mvm_io_linear(io, off);

		if (io->in)
			r = mvm_write_guest_virt(vcpu, la, data + step,
						 io->size);
		else
			r = mvm_read_guest_virt(vcpu, la, data + step,
						io->size);
		if (r)
			return r;
	}
	return 0;
}

static bool __mvm_exit_path mvm_io_valid(const struct mvm_io *io)
{
	if (io->size != 1 && io->size != 2 && io->size != 4)
		return false;
	if (io->string && io->addr_size != 2 && io->addr_size != 4 &&
	    io->addr_size != 8)
		return false;
	return true;
}

#define MVM_IO_PORTS	0x10000

long mvm_vm_set_ioport_range(struct mvm_vm *vm, void __user *uarg)
{
	struct minivmm_ioport_range r;
	unsigned long *map;

	if (copy_from_user(&r, uarg, sizeof(r)))
		return -EFAULT;
	if ((r.flags & ~MINIVMM_IOPORT_NODEV) || r.pad)
		return -EINVAL;
	if (!r.len || r.base >= MVM_IO_PORTS || r.len > MVM_IO_PORTS - r.base)
		return -EINVAL;

	mutex_lock(&vm->lock);
	map = vm->ioport_nodev;
	if (!map && (r.flags & MINIVMM_IOPORT_NODEV)) {
		map = bitmap_zalloc(MVM_IO_PORTS, GFP_KERNEL_ACCOUNT);
		if (!map) {
			mutex_unlock(&vm->lock);
			return -ENOMEM;
		}
		/* Pairs with smp_load_acquire() in mvm_io_nodev(). */
		smp_store_release(&vm->ioport_nodev, map);
	}
	/* Bit by bit: vCPUs read the map concurrently (atomic bitops). */
	if (map) {
		u32 port;

		for (port = r.base; port < r.base + r.len; port++) {
			if (r.flags & MINIVMM_IOPORT_NODEV)
				set_bit(port, map);
			else
				clear_bit(port, map);
		}
	}
	mutex_unlock(&vm->lock);
	return 0;
}

void mvm_vm_free_ioports(struct mvm_vm *vm)
{
	bitmap_free(vm->ioport_nodev);
	vm->ioport_nodev = NULL;
}

/*
 * Whether the access goes to no device.  As in the VMM's dispatch, the
 * port an access starts at decides who decodes it (a dword at 0xcf8 is
 * PCI's CONFIG_ADDRESS even though the byte register 0xcf9 is another).
 */
static bool __mvm_exit_path mvm_io_nodev(struct mvm_vm *vm, u16 port)
{
	/* Pairs with smp_store_release(): a map seen is a zeroed map. */
	const unsigned long *map = smp_load_acquire(&vm->ioport_nodev);

	return map && test_bit(port, map);
}

static void mvm_io_in_rax(struct mvm_vcpu *vcpu, u8 size, u32 val);

int __mvm_exit_path mvm_io_exit(struct mvm_vcpu *vcpu, const struct mvm_io *io)
{
	struct minivmm_run *run = vcpu->run;
	u32 count = 1;

	/* A reserved encoding in the exit information: not an access. */
	if (!mvm_io_valid(io)) {
		mvm_exit_internal_error(vcpu,
					MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT,
					NULL, 0);
		return MVM_USER;
	}

	/* No device: the bus answers all ones and drops writes. */
	if (!io->string && mvm_io_nodev(vcpu->vm, io->port)) {
		if (io->in)
			mvm_io_in_rax(vcpu, io->size, ~0U);
		mvm_insn_complete(vcpu, io->next_rip);
		return MVM_RESUME;
	}

	if (io->string && io->rep) {
		u64 rcx = vcpu->gprs[MVM_RCX] & mvm_addr_mask(io->addr_size);

		if (!rcx) {
			/* REP with a zero count does nothing at all. */
			mvm_insn_complete(vcpu, io->next_rip);
			return MVM_RESUME;
		}
		/* One page of data per exit; the rest re-executes. */
		count = min_t(u64, rcx, PAGE_SIZE / io->size);
	}

	if (!io->in) {
		int r = io->string ? mvm_io_string_xfer(vcpu, io, count) : 0;

		/* Nothing is done yet: pin the page, then the guest repeats. */
		if (r == -EAGAIN)
			return MVM_FAULT_IN;
		if (r) {
			mvm_exit_internal_error(vcpu, MVM_IO_FAULT, NULL, 0);
			return MVM_USER;
		}
		if (!io->string) {
			/* Little-endian: the low bytes of rax. */
			memcpy(vcpu->io_data, &vcpu->gprs[MVM_RAX], io->size);
		}
	}

	run->exit_reason = MINIVMM_EXIT_IO;
	run->io = (typeof(run->io)) {
		.direction = io->in ? MINIVMM_IO_IN : MINIVMM_IO_OUT,
		.size = io->size,
		.port = io->port,
		.count = count,
		.data_offset = PAGE_SIZE,
	};

	vcpu->pending_io = *io;
	vcpu->pending_io_count = count;
	vcpu->pending = MVM_PENDING_IO;
	return MVM_USER;
}

/* Puts the low @size bytes of @val in rax as IN does. */
static void __mvm_exit_path mvm_io_in_rax(struct mvm_vcpu *vcpu, u8 size, u32 val)
{
	unsigned long *rax = &vcpu->gprs[MVM_RAX];

	switch (size) {
	case 1:
		*rax = (*rax & ~0xffUL) | (u8)val;
		break;
	case 2:
		*rax = (*rax & ~0xffffUL) | (u16)val;
		break;
	default:
		/* A 32-bit destination zero-extends, as on hardware. */
		*rax = val;
		break;
	}
}

/* Called at the start of RUN with the vCPU loaded; 0 or MVM_USER. */
int __mvm_exit_path mvm_io_complete(struct mvm_vcpu *vcpu)
{
	const struct mvm_io *io = &vcpu->pending_io;
	u32 count = vcpu->pending_io_count;
	u64 mask, delta;
	int idx;

	if (!io->string) {
		if (io->in) {
			u32 val = 0;

			memcpy(&val, vcpu->io_data, io->size);
			mvm_io_in_rax(vcpu, io->size, val);
		}
		mvm_insn_complete(vcpu, io->next_rip);
		return 0;
	}

	if (io->in) {
		int r;

		/*
		 * RUN may sleep here: pin what the data goes to and copy it
		 * all again (the same bytes to the same places).  Each round
		 * pins a chunk, so this ends.
		 */
		while ((r = mvm_io_string_xfer(vcpu, io, count)) == -EAGAIN) {
			r = mvm_slot_fault_in(vcpu->vm, vcpu->fault_gpa);
			if (r)
				break;
		}
		if (r) {
			mvm_exit_internal_error(vcpu, MVM_IO_FAULT, NULL, 0);
			return MVM_USER;
		}
	}

	mask = mvm_addr_mask(io->addr_size);
	delta = (u64)count * io->size;
	idx = io->in ? MVM_RDI : MVM_RSI;
	if (vcpu->rflags & X86_EFLAGS_DF)
		delta = -delta;
	mvm_reg_write_sized(&vcpu->gprs[idx], io->addr_size,
			    (vcpu->gprs[idx] + delta) & mask);

	if (io->rep) {
		u64 left = (vcpu->gprs[MVM_RCX] & mask) - count;

		mvm_reg_write_sized(&vcpu->gprs[MVM_RCX], io->addr_size, left);
		/* Not done: the instruction runs again for the rest. */
		if (left)
			return 0;
	}
	mvm_insn_complete(vcpu, io->next_rip);
	return 0;
}
