// SPDX-License-Identifier: GPL-2.0
/*
 * VT-x guest state seen by userspace and the core: reset
 * state, segment/control registers (sregs), paging mode, MSRs kept in the
 * VMCS or in the backend, and emulated writes to CR0/CR4.
 *
 * All functions run with the vCPU's VMCS current on this CPU (between
 * vcpu_load and vcpu_put, preemption disabled by the caller or the core).
 */
#include <linux/string.h>
#include <asm/msr.h>
#include <asm/processor-flags.h>
#include "mvm.h"
#include "vmx.h"

#define VMX_PAT_DEFAULT		0x0007040600070406ull

static int vmx_write_cr0(struct vmx_vcpu *vmx, u64 val);
static int vmx_write_cr4(struct vmx_vcpu *vmx, u64 val);

static void vmx_set_seg(enum vmx_seg n, u16 sel, u64 base, u32 limit, u32 ar)
{
	vmx_vmwrite(VMCS_SEG(ES_SEL, n), sel);
	vmx_vmwrite(VMCS_SEG(ES_BASE, n), base);
	vmx_vmwrite(VMCS_SEG(ES_LIMIT, n), limit);
	vmx_vmwrite(VMCS_SEG(ES_AR, n), ar);
}

/* Architectural power-on state (SDM vol. 3, table 10-1). */
void vmx_reset_state(struct vmx_vcpu *vmx)
{
	int n;

	vmx_set_seg(VMX_CS, 0xf000, 0xffff0000, 0xffff, 0x9b);
	for (n = VMX_ES; n <= VMX_GS; n++)
		if (n != VMX_CS)
			vmx_set_seg(n, 0, 0, 0xffff, 0x93);
	vmx_set_seg(VMX_LDTR, 0, 0, 0xffff, 0x82);
	vmx_set_seg(VMX_TR, 0, 0, 0xffff, 0x8b);
	vmx_vmwrite(VMCS_GUEST_GDTR_BASE, 0);
	vmx_vmwrite(VMCS_GUEST_GDTR_LIMIT, 0xffff);
	vmx_vmwrite(VMCS_GUEST_IDTR_BASE, 0);
	vmx_vmwrite(VMCS_GUEST_IDTR_LIMIT, 0xffff);

	vmx_vmwrite(VMCS_GUEST_EFER, 0);
	vmx_vmwrite(VMCS_ENTRY_CTLS, vmx_caps.entry);
	vmx_vmwrite(VMCS_GUEST_CR3, 0);
	vmx_vmwrite(VMCS_CR0_SHADOW, 0);
	vmx_vmwrite(VMCS_CR4_SHADOW, 0);
	vmx_write_cr4(vmx, 0);
	vmx_write_cr0(vmx, X86_CR0_ET | X86_CR0_CD | X86_CR0_NW);
	vmx_vmwrite(VMCS_GUEST_PAT, VMX_PAT_DEFAULT);
	vmx_vmwrite(VMCS_GUEST_DEBUGCTL, 0);
	vmx_vmwrite(VMCS_GUEST_DR7, MVM_DR7_RESET);
	vmx_vmwrite(VMCS_GUEST_SYSENTER_CS, 0);
	vmx_vmwrite(VMCS_GUEST_SYSENTER_ESP, 0);
	vmx_vmwrite(VMCS_GUEST_SYSENTER_EIP, 0);
	vmx_vmwrite(VMCS_GUEST_PENDING_DBG, 0);
	vmx_vmwrite(VMCS_ENTRY_INTR_INFO, 0);
	vmx_events_reset(vmx->vcpu);

	vmx->cr2 = 0;
	vmx->cr8 = 0;

	vmx->vcpu->rip = 0xfff0;
	vmx->vcpu->rflags = X86_EFLAGS_FIXED;
	vmx->vcpu->gprs[MVM_RDX] = 0x600;
}

static u64 __mvm_exit_path vmx_guest_cr0(void)
{
	u64 mask = vmx_vmread(VMCS_CR0_MASK);

	return (vmx_vmread(VMCS_GUEST_CR0) & ~mask) |
	       (vmx_vmread(VMCS_CR0_SHADOW) & mask);
}

static u64 __mvm_exit_path vmx_guest_cr4(void)
{
	u64 mask = vmx_vmread(VMCS_CR4_MASK);

	return (vmx_vmread(VMCS_GUEST_CR4) & ~mask) |
	       (vmx_vmread(VMCS_CR4_SHADOW) & mask);
}

bool __mvm_exit_path vmx_long_mode(void)
{
	return vmx_vmread(VMCS_GUEST_EFER) & EFER_LMA;
}

/*
 * Under EPT the CPU loads the four PAE PDPTEs from these fields at entry
 * when the guest uses PAE paging outside long mode; refresh them whenever
 * the paging mode is set by us rather than by the guest.  They are read
 * for the state (@cr0, @cr4, long mode or not) a CR write is about to
 * set, before it changes anything: -EAGAIN (vcpu->fault_gpa set) when
 * their page is RAM not pinned yet, and the write is repeated once it is.
 * Returns 1 with @pdpte filled when the fields are used, else 0.
 */
static int vmx_pdptes_read(struct vmx_vcpu *vmx, u64 cr0, u64 cr4, bool lma,
			   u64 pdpte[VMX_PDPTES])
{
	u64 gpa = vmx_vmread(VMCS_GUEST_CR3) & 0xffffffe0ull;
	int r;

	if (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE) || lma)
		return 0;
	r = mvm_read_guest_phys(vmx->vcpu->vm, gpa, pdpte,
				VMX_PDPTES * sizeof(*pdpte));
	if (r == -EAGAIN) {
		vmx->vcpu->fault_gpa = gpa;
		return r;
	}
	/* Unbacked: leave them zero (not present) */
	if (r)
		memset(pdpte, 0, VMX_PDPTES * sizeof(*pdpte));
	return 1;
}

static void vmx_pdptes_write(const u64 pdpte[VMX_PDPTES])
{
	int i;

	for (i = 0; i < VMX_PDPTES; i++)
		vmx_vmwrite(VMCS_GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

/* Keep EFER.LMA and the "IA-32e mode guest" entry control in step. */
static void vmx_update_lma(u64 cr0)
{
	u64 efer = vmx_vmread(VMCS_GUEST_EFER);
	u32 entry = vmx_caps.entry;

	if ((cr0 & X86_CR0_PG) && (efer & EFER_LME))
		efer |= EFER_LMA;
	else
		efer &= ~EFER_LMA;
	if (efer & EFER_LMA)
		entry |= ENTRY_IA32E;
	vmx_vmwrite(VMCS_GUEST_EFER, efer);
	vmx_vmwrite(VMCS_ENTRY_CTLS, entry);
}

/*
 * A CR0 value the core checked, from the guest (MOV/LMSW/CLTS) or
 * userspace: 0, or -EAGAIN (PDPTEs not pinned).  The real CR0 gets the
 * bits VMX forces on (fixed0), except PE/PG which unrestricted guest
 * frees.
 */
static int vmx_write_cr0(struct vmx_vcpu *vmx, u64 val)
{
	u64 fixed0 = vmx_caps.cr0_fixed0 & ~(X86_CR0_PE | X86_CR0_PG);
	u64 old = vmx_vmread(VMCS_CR0_SHADOW);
	u64 pdpte[VMX_PDPTES];
	int pae;

	pae = vmx_pdptes_read(vmx, val, vmx_guest_cr4(),
			      (val & X86_CR0_PG) &&
			      (vmx_vmread(VMCS_GUEST_EFER) & EFER_LME), pdpte);
	if (pae < 0)
		return pae;
	val |= X86_CR0_ET;
	vmx_vmwrite(VMCS_CR0_SHADOW, val);
	/*
	 * CD/NW stay clear in the real CR0 (the guest sees its own in the
	 * shadow): EPT maps guest memory write-back, and a guest that
	 * starts with caches off (reset state) would otherwise crawl.
	 */
	vmx_vmwrite(VMCS_GUEST_CR0, ((val | fixed0) & vmx_caps.cr0_fixed1) &
		    ~(u64)(X86_CR0_CD | X86_CR0_NW));
	vmx_update_lma(val);
	if ((val ^ old) & (X86_CR0_PG | X86_CR0_WP | X86_CR0_CD | X86_CR0_PE))
		vmx->need_flush = true;
	if (pae)
		vmx_pdptes_write(pdpte);
	return 0;
}

/* A CR4 value the core checked: 0, -EINVAL (not in VMX operation), -EAGAIN. */
static int vmx_write_cr4(struct vmx_vcpu *vmx, u64 val)
{
	u64 old = vmx_vmread(VMCS_CR4_SHADOW);
	u64 pdpte[VMX_PDPTES];
	int pae;

	/* A bit this CPU does not allow in VMX operation. */
	if (val & ~vmx_caps.cr4_fixed1)
		return -EINVAL;
	pae = vmx_pdptes_read(vmx, vmx_guest_cr0(), val, vmx_long_mode(),
			      pdpte);
	if (pae < 0)
		return pae;
	vmx_vmwrite(VMCS_CR4_SHADOW, val);
	vmx_vmwrite(VMCS_GUEST_CR4, (val | vmx_caps.cr4_fixed0) &
		    vmx_caps.cr4_fixed1);
	if ((val ^ old) & (X86_CR4_PGE | X86_CR4_PAE | X86_CR4_PSE |
			   X86_CR4_PCIDE | X86_CR4_SMEP | X86_CR4_SMAP |
			   X86_CR4_LA57))
		vmx->need_flush = true;
	if (pae)
		vmx_pdptes_write(pdpte);
	return 0;
}

static void vmx_get_seg(enum vmx_seg n, struct minivmm_segment *s)
{
	u32 ar = vmx_vmread(VMCS_SEG(ES_AR, n));

	memset(s, 0, sizeof(*s));
	s->base = vmx_vmread(VMCS_SEG(ES_BASE, n));
	s->limit = vmx_vmread(VMCS_SEG(ES_LIMIT, n));
	s->selector = vmx_vmread(VMCS_SEG(ES_SEL, n));
	s->type = ar & 0xf;
	s->s = (ar >> 4) & 1;
	s->dpl = (ar >> 5) & 3;
	s->present = (ar >> 7) & 1;
	s->avl = (ar >> 12) & 1;
	s->l = (ar >> 13) & 1;
	s->db = (ar >> 14) & 1;
	s->g = (ar >> 15) & 1;
	s->unusable = (ar >> 16) & 1;
}

static void vmx_put_seg(enum vmx_seg n, const struct minivmm_segment *s)
{
	u32 ar = s->type | s->s << 4 | s->dpl << 5 | s->present << 7 |
		 s->avl << 12 | s->l << 13 | s->db << 14 | s->g << 15;

	if (s->unusable)
		ar |= AR_UNUSABLE;
	vmx_set_seg(n, s->selector, s->base, s->limit, ar);
}

int vmx_get_sregs(struct mvm_vcpu *vcpu, struct minivmm_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	memset(sregs, 0, sizeof(*sregs));
	vmx_get_seg(VMX_CS, &sregs->cs);
	vmx_get_seg(VMX_DS, &sregs->ds);
	vmx_get_seg(VMX_ES, &sregs->es);
	vmx_get_seg(VMX_FS, &sregs->fs);
	vmx_get_seg(VMX_GS, &sregs->gs);
	vmx_get_seg(VMX_SS, &sregs->ss);
	vmx_get_seg(VMX_TR, &sregs->tr);
	vmx_get_seg(VMX_LDTR, &sregs->ldt);
	sregs->gdt.base = vmx_vmread(VMCS_GUEST_GDTR_BASE);
	sregs->gdt.limit = vmx_vmread(VMCS_GUEST_GDTR_LIMIT);
	sregs->idt.base = vmx_vmread(VMCS_GUEST_IDTR_BASE);
	sregs->idt.limit = vmx_vmread(VMCS_GUEST_IDTR_LIMIT);
	sregs->cr0 = vmx_guest_cr0();
	sregs->cr2 = vmx->cr2;
	sregs->cr3 = vmx_vmread(VMCS_GUEST_CR3);
	sregs->cr4 = vmx_guest_cr4();
	sregs->cr8 = vmx_get_cr(vcpu, 8);
	sregs->efer = vmx_vmread(VMCS_GUEST_EFER);
	return 0;
}

/*
 * The VMCS fields vmx_set_sregs() changes before its last possible
 * failure, kept to put back: a refused SET_SREGS changes nothing.
 */
static const u32 vmx_sregs_ctrl_fields[] = {
	VMCS_GUEST_EFER, VMCS_GUEST_CR3, VMCS_ENTRY_CTLS,
	VMCS_CR0_SHADOW, VMCS_GUEST_CR0, VMCS_CR4_SHADOW, VMCS_GUEST_CR4,
	VMCS_GUEST_PDPTE0, VMCS_GUEST_PDPTE0 + 2, VMCS_GUEST_PDPTE0 + 4,
	VMCS_GUEST_PDPTE0 + 6,
};

int vmx_set_sregs(struct mvm_vcpu *vcpu, const struct minivmm_sregs *sregs)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	const struct minivmm_segment *segs[] = {
		[VMX_ES] = &sregs->es, [VMX_CS] = &sregs->cs,
		[VMX_SS] = &sregs->ss, [VMX_DS] = &sregs->ds,
		[VMX_FS] = &sregs->fs, [VMX_GS] = &sregs->gs,
		[VMX_LDTR] = &sregs->ldt, [VMX_TR] = &sregs->tr,
	};
	u64 old[ARRAY_SIZE(vmx_sregs_ctrl_fields)];
	int n, ret;

	/*
	 * mvm_sregs_validate() has checked CR0, CR3, CR4, CR8 and EFER, so
	 * EFER.LMA is what LME and CR0.PG make it (as vmx_update_lma()
	 * derives it).  Write CR0/CR4 through the guest's rules, which add
	 * the VMX fixed bits; they may still fail (a CR4 bit this CPU does
	 * not allow in VMX operation, PDPTEs not in RAM any more): then the
	 * fields go back to what they held.
	 */
	for (n = 0; n < ARRAY_SIZE(old); n++)
		old[n] = vmx_vmread(vmx_sregs_ctrl_fields[n]);
	vmx_vmwrite(VMCS_GUEST_EFER, sregs->efer & ~EFER_LMA);
	vmx_vmwrite(VMCS_GUEST_CR3, sregs->cr3);
	/* CR4 first with LMA off, so PAE/PCIDE checks see the new mode */
	vmx_vmwrite(VMCS_CR4_SHADOW, 0);
	ret = vmx_write_cr0(vmx, sregs->cr0 & ~X86_CR0_PG);
	if (!ret)
		ret = vmx_write_cr4(vmx, sregs->cr4 & ~X86_CR4_PCIDE);
	if (!ret)
		ret = vmx_write_cr0(vmx, sregs->cr0);
	if (!ret)
		ret = vmx_write_cr4(vmx, sregs->cr4);
	if (ret) {
		for (n = 0; n < ARRAY_SIZE(old); n++)
			vmx_vmwrite(vmx_sregs_ctrl_fields[n], old[n]);
		return ret;
	}

	for (n = 0; n < ARRAY_SIZE(segs); n++)
		vmx_put_seg(n, segs[n]);
	vmx_vmwrite(VMCS_GUEST_GDTR_BASE, sregs->gdt.base);
	vmx_vmwrite(VMCS_GUEST_GDTR_LIMIT, sregs->gdt.limit);
	vmx_vmwrite(VMCS_GUEST_IDTR_BASE, sregs->idt.base);
	vmx_vmwrite(VMCS_GUEST_IDTR_LIMIT, sregs->idt.limit);
	vmx->cr2 = sregs->cr2;
	vmx->need_flush = true;
	/* The core gives an in-kernel LAPIC its CR8 itself. */
	if (!vcpu->lapic)
		vmx->cr8 = sregs->cr8;
	return 0;
}

/*
 * Without an in-kernel LAPIC, CR8 accesses exit and the software copy is
 * the guest's CR8 (with one, the core asks the LAPIC instead).
 */
u64 __mvm_exit_path vmx_get_cr(struct mvm_vcpu *vcpu, unsigned int cr)
{
	switch (cr) {
	case 0:
		return vmx_guest_cr0();
	case 3:
		return vmx_vmread(VMCS_GUEST_CR3);
	case 4:
		return vmx_guest_cr4();
	case 8:
		if (vcpu->lapic)
			return mvm_irq_get_cr8(vcpu);
		return to_vmx(vcpu)->cr8 & 0xf;
	}
	return 0;
}

int __mvm_exit_path vmx_set_cr(struct mvm_vcpu *vcpu, unsigned int cr, u64 val)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);

	switch (cr) {
	case 0:
		return vmx_write_cr0(vmx, val);
	case 3:
		vmx_vmwrite(VMCS_GUEST_CR3, val);
		return 0;
	case 4:
		return vmx_write_cr4(vmx, val);
	case 8:
		vmx->cr8 = val;
		return 0;
	}
	return -EINVAL;
}

void __mvm_exit_path vmx_get_paging(struct mvm_vcpu *vcpu, struct mvm_paging *pg)
{
	u32 cs_ar = vmx_vmread(VMCS_SEG(ES_AR, VMX_CS));
	u32 ss_ar = vmx_vmread(VMCS_SEG(ES_AR, VMX_SS));

	pg->cr0 = vmx_guest_cr0();
	pg->cr3 = vmx_vmread(VMCS_GUEST_CR3);
	pg->cr4 = vmx_guest_cr4();
	pg->efer = vmx_vmread(VMCS_GUEST_EFER);
	pg->cs_base = vmx_vmread(VMCS_SEG(ES_BASE, VMX_CS));
	pg->cs_l = (cs_ar >> 13) & 1;
	pg->cs_db = (cs_ar >> 14) & 1;
	/* Real mode runs at CPL 0; otherwise CPL is SS.DPL. */
	pg->cpl = (pg->cr0 & X86_CR0_PE) ? (ss_ar >> 5) & 3 : 0;
}

static struct vmx_msr_slot *vmx_autoload(struct vmx_vcpu *vmx, u32 index)
{
	int i;

	for (i = 0; i < VMX_NR_AUTOLOAD; i++)
		if (vmx->msr_area[i].index == index)
			return &vmx->msr_area[i];
	return NULL;
}

int vmx_get_msr(struct mvm_vcpu *vcpu, u32 index, u64 *data)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_msr_slot *slot;

	switch (index) {
	case MSR_EFER:
		*data = vmx_vmread(VMCS_GUEST_EFER);
		return 0;
	case MSR_IA32_CR_PAT:
		*data = vmx_vmread(VMCS_GUEST_PAT);
		return 0;
	case MSR_FS_BASE:
		*data = vmx_vmread(VMCS_SEG(ES_BASE, VMX_FS));
		return 0;
	case MSR_GS_BASE:
		*data = vmx_vmread(VMCS_SEG(ES_BASE, VMX_GS));
		return 0;
	case MSR_IA32_SYSENTER_CS:
		*data = vmx_vmread(VMCS_GUEST_SYSENTER_CS);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		*data = vmx_vmread(VMCS_GUEST_SYSENTER_ESP);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		*data = vmx_vmread(VMCS_GUEST_SYSENTER_EIP);
		return 0;
	case MSR_IA32_TSC:
		*data = rdtsc() + vmx->tsc_offset;
		return 0;
	}
	slot = vmx_autoload(vmx, index);
	if (!slot)
		return -ENOENT;
	*data = slot->value;
	return 0;
}

int vmx_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data)
{
	struct vmx_vcpu *vmx = to_vmx(vcpu);
	struct vmx_msr_slot *slot;

	switch (index) {
	case MSR_EFER:
		vmx_vmwrite(VMCS_GUEST_EFER, data);
		return 0;
	case MSR_IA32_CR_PAT:
		vmx_vmwrite(VMCS_GUEST_PAT, data);
		return 0;
	case MSR_IA32_TSC:
		if (!(vmx_caps.proc & PROC_TSC_OFFSET))
			return -EINVAL;
		vmx->tsc_offset = data - rdtsc();
		vmx_vmwrite(VMCS_TSC_OFFSET, vmx->tsc_offset);
		return 0;
	}

	switch (index) {
	case MSR_FS_BASE:
		vmx_vmwrite(VMCS_SEG(ES_BASE, VMX_FS), data);
		return 0;
	case MSR_GS_BASE:
		vmx_vmwrite(VMCS_SEG(ES_BASE, VMX_GS), data);
		return 0;
	case MSR_IA32_SYSENTER_CS:
		vmx_vmwrite(VMCS_GUEST_SYSENTER_CS, data);
		return 0;
	case MSR_IA32_SYSENTER_ESP:
		vmx_vmwrite(VMCS_GUEST_SYSENTER_ESP, data);
		return 0;
	case MSR_IA32_SYSENTER_EIP:
		vmx_vmwrite(VMCS_GUEST_SYSENTER_EIP, data);
		return 0;
	}
	slot = vmx_autoload(vmx, index);
	if (!slot)
		return -ENOENT;
	slot->value = data;
	return 0;
}
