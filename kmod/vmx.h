/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Intel VT-x facts (VMCS field encodings, control bits, exit
 * reasons; Intel SDM volume 3, appendices A-C) and the state the VT-x
 * backend files (vmx.c, vmx_state.c, vmx_run.c) share.
 *
 * Names carry a VMX_/VMCS_ prefix of their own so that nothing clashes with
 * the kernel's own VMX header, which this backend does not use.
 */
#ifndef MVM_VMX_H
#define MVM_VMX_H

#include <linux/types.h>
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/list.h>
#include <asm/asm.h>
#include "mvm.h"

/* ---- capability and control MSRs ---- */
#define MSR_VMX_BASIC			0x480
#define MSR_VMX_PINBASED		0x481
#define MSR_VMX_PROCBASED		0x482
#define MSR_VMX_EXIT			0x483
#define MSR_VMX_ENTRY			0x484
#define MSR_VMX_MISC			0x485
#define MSR_VMX_CR0_FIXED0		0x486
#define MSR_VMX_CR0_FIXED1		0x487
#define MSR_VMX_CR4_FIXED0		0x488
#define MSR_VMX_CR4_FIXED1		0x489
#define MSR_VMX_PROCBASED2		0x48b
#define MSR_VMX_EPT_VPID_CAP		0x48c
#define MSR_VMX_TRUE_PINBASED		0x48d
#define MSR_VMX_TRUE_PROCBASED		0x48e
#define MSR_VMX_TRUE_EXIT		0x48f
#define MSR_VMX_TRUE_ENTRY		0x490
#define MSR_FEATURE_CONTROL		0x3a

#define FEAT_CTL_LOCK			BIT_ULL(0)
#define FEAT_CTL_VMX_OUTSIDE_SMX	BIT_ULL(2)

#define MVMX_BASIC_TRUE		BIT_ULL(55)
#define MVMX_BASIC_INOUT		BIT_ULL(54)

/* VPIDs are 16 bits; 0 is the host's. */
#define VMX_VPID_MAX			0xffff

/* IA32_VMX_EPT_VPID_CAP */
#define VMX_EPT_WALK4			BIT_ULL(6)
#define VMX_EPT_WB			BIT_ULL(14)
#define VMX_EPT_INVEPT			BIT_ULL(20)
#define VMX_EPT_INVEPT_SINGLE		BIT_ULL(25)
#define VMX_EPT_INVEPT_ALL		BIT_ULL(26)
#define VMX_VPID_INVVPID		BIT_ULL(32)
#define VMX_VPID_INVVPID_SINGLE		BIT_ULL(41)
#define VMX_VPID_INVVPID_ALL		BIT_ULL(42)

/* ---- VMCS field encodings ---- */
/* 16-bit */
#define VMCS_VPID			0x0000
#define VMCS_GUEST_ES_SEL		0x0800
#define VMCS_HOST_ES_SEL		0x0c00
#define VMCS_HOST_CS_SEL		0x0c02
#define VMCS_HOST_SS_SEL		0x0c04
#define VMCS_HOST_DS_SEL		0x0c06
#define VMCS_HOST_FS_SEL		0x0c08
#define VMCS_HOST_GS_SEL		0x0c0a
#define VMCS_HOST_TR_SEL		0x0c0c
/* 64-bit */
#define VMCS_IO_BITMAP_A		0x2000
#define VMCS_IO_BITMAP_B		0x2002
#define VMCS_MSR_BITMAP			0x2004
#define VMCS_EXIT_MSR_STORE_ADDR	0x2006
#define VMCS_EXIT_MSR_LOAD_ADDR		0x2008
#define VMCS_ENTRY_MSR_LOAD_ADDR	0x200a
#define VMCS_TSC_OFFSET			0x2010
#define VMCS_VIRTUAL_APIC_ADDR		0x2012
#define VMCS_EPT_POINTER		0x201a
#define VMCS_GUEST_PHYS_ADDR		0x2400
#define VMCS_LINK_POINTER		0x2800
#define VMCS_GUEST_DEBUGCTL		0x2802
#define VMCS_GUEST_PAT			0x2804
#define VMCS_GUEST_EFER			0x2806
#define VMCS_GUEST_PDPTE0		0x280a
#define VMX_PDPTES			4	/* PAE: PDPTE0..3 */
#define VMCS_HOST_PAT			0x2c00
#define VMCS_HOST_EFER			0x2c02
/* 32-bit */
#define VMCS_PIN_CTLS			0x4000
#define VMCS_PROC_CTLS			0x4002
#define VMCS_EXCEPTION_BITMAP		0x4004
#define VMCS_CR3_TARGET_COUNT		0x400a
#define VMCS_EXIT_CTLS			0x400c
#define VMCS_EXIT_MSR_STORE_COUNT	0x400e
#define VMCS_EXIT_MSR_LOAD_COUNT	0x4010
#define VMCS_ENTRY_CTLS			0x4012
#define VMCS_ENTRY_MSR_LOAD_COUNT	0x4014
#define VMCS_ENTRY_INTR_INFO		0x4016
#define VMCS_ENTRY_EXCEPTION_ERROR	0x4018
#define VMCS_ENTRY_INSN_LEN		0x401a
#define VMCS_TPR_THRESHOLD		0x401c
#define VMCS_PROC_CTLS2			0x401e
#define VMCS_INSN_ERROR			0x4400
#define VMCS_EXIT_REASON		0x4402
#define VMCS_EXIT_INTR_INFO		0x4404
#define VMCS_EXIT_INTR_ERROR		0x4406
#define VMCS_IDT_VECTORING_INFO		0x4408
#define VMCS_IDT_VECTORING_ERROR	0x440a
#define VMCS_EXIT_INSN_LEN		0x440c
#define VMCS_EXIT_INSN_INFO		0x440e
/* guest segment fields: ES, CS, SS, DS, FS, GS, LDTR, TR at 2-step strides */
#define VMCS_GUEST_ES_LIMIT		0x4800
#define VMCS_GUEST_ES_AR		0x4814
#define VMCS_GUEST_GDTR_LIMIT		0x4810
#define VMCS_GUEST_IDTR_LIMIT		0x4812
#define VMCS_GUEST_INTERRUPTIBILITY	0x4824
#define VMCS_GUEST_ACTIVITY		0x4826
#define VMCS_GUEST_SYSENTER_CS		0x482a
#define VMCS_PREEMPT_TIMER		0x482e
#define VMCS_HOST_SYSENTER_CS		0x4c00
/* natural width */
#define VMCS_CR0_MASK			0x6000
#define VMCS_CR4_MASK			0x6002
#define VMCS_CR0_SHADOW			0x6004
#define VMCS_CR4_SHADOW			0x6006
#define VMCS_EXIT_QUAL			0x6400
#define VMCS_GUEST_LINEAR_ADDR		0x640a
#define VMCS_GUEST_CR0			0x6800
#define VMCS_GUEST_CR3			0x6802
#define VMCS_GUEST_CR4			0x6804
#define VMCS_GUEST_ES_BASE		0x6806
#define VMCS_GUEST_GDTR_BASE		0x6816
#define VMCS_GUEST_IDTR_BASE		0x6818
#define VMCS_GUEST_DR7			0x681a
#define VMCS_GUEST_RSP			0x681c
#define VMCS_GUEST_RIP			0x681e
#define VMCS_GUEST_RFLAGS		0x6820
#define VMCS_GUEST_PENDING_DBG		0x6822
#define VMCS_GUEST_SYSENTER_ESP		0x6824
#define VMCS_GUEST_SYSENTER_EIP		0x6826
#define VMCS_HOST_CR0			0x6c00
#define VMCS_HOST_CR3			0x6c02
#define VMCS_HOST_CR4			0x6c04
#define VMCS_HOST_FS_BASE		0x6c06
#define VMCS_HOST_GS_BASE		0x6c08
#define VMCS_HOST_TR_BASE		0x6c0a
#define VMCS_HOST_GDTR_BASE		0x6c0c
#define VMCS_HOST_IDTR_BASE		0x6c0e
#define VMCS_HOST_SYSENTER_ESP		0x6c10
#define VMCS_HOST_SYSENTER_EIP		0x6c12
#define VMCS_HOST_RSP			0x6c14
#define VMCS_HOST_RIP			0x6c16

/* Segment n (enum vmx_seg order) field of a kind, e.g. VMCS_SEG(ES_AR, n). */
#define VMCS_SEG(first, n)		(VMCS_GUEST_##first + 2 * (n))
enum vmx_seg { VMX_ES, VMX_CS, VMX_SS, VMX_DS, VMX_FS, VMX_GS, VMX_LDTR, VMX_TR };

/* ---- controls ---- */
#define PIN_EXT_INTR_EXITING		BIT(0)
#define PIN_NMI_EXITING			BIT(3)
#define PIN_VIRTUAL_NMIS		BIT(5)
#define PIN_PREEMPT_TIMER		BIT(6)

#define PROC_INTR_WINDOW		BIT(2)
#define PROC_TSC_OFFSET			BIT(3)
#define PROC_HLT_EXITING		BIT(7)
#define PROC_MWAIT_EXITING		BIT(10)
#define PROC_RDPMC_EXITING		BIT(11)
#define PROC_CR3_LOAD_EXITING		BIT(15)
#define PROC_CR3_STORE_EXITING		BIT(16)
#define PROC_CR8_LOAD_EXITING		BIT(19)
#define PROC_CR8_STORE_EXITING		BIT(20)
#define PROC_TPR_SHADOW			BIT(21)
#define PROC_NMI_WINDOW			BIT(22)
#define PROC_MOV_DR_EXITING		BIT(23)
#define PROC_UNCOND_IO_EXITING		BIT(24)
#define PROC_IO_BITMAPS			BIT(25)
#define PROC_MSR_BITMAPS		BIT(28)
#define PROC_MONITOR_EXITING		BIT(29)
#define PROC_SECONDARY			BIT(31)

#define PROC2_EPT			BIT(1)
#define PROC2_RDTSCP			BIT(3)
#define PROC2_VPID			BIT(5)
#define PROC2_UNRESTRICTED		BIT(7)
#define PROC2_INVPCID			BIT(12)

#define EXIT_SAVE_DEBUG			BIT(2)
#define EXIT_HOST_64			BIT(9)
#define EXIT_ACK_INTR			BIT(15)
#define EXIT_SAVE_PAT			BIT(18)
#define EXIT_LOAD_PAT			BIT(19)
#define EXIT_SAVE_EFER			BIT(20)
#define EXIT_LOAD_EFER			BIT(21)

#define ENTRY_LOAD_DEBUG		BIT(2)
#define ENTRY_IA32E			BIT(9)
#define ENTRY_LOAD_PAT			BIT(14)
#define ENTRY_LOAD_EFER			BIT(15)

/* Interruption information (entry, exit, IDT vectoring) */
#define INTR_INFO_VECTOR		0xffu
#define INTR_INFO_TYPE			(7u << 8)
#define INTR_TYPE_EXT			(0u << 8)
#define INTR_TYPE_NMI			(2u << 8)
#define INTR_TYPE_HW_EXC		(3u << 8)
#define INTR_TYPE_SW_INT		(4u << 8)
#define INTR_TYPE_PRIV_SW_EXC		(5u << 8)
#define INTR_TYPE_SW_EXC		(6u << 8)
#define INTR_INFO_HAS_ERROR		BIT(11)
/* Exit interruption info and EPT-violation qualification: IRET unblocked NMIs */
#define INTR_INFO_NMI_UNBLOCKED		BIT(12)
#define INTR_INFO_VALID			BIT(31)

#define INTERRUPTIBILITY_STI		BIT(0)
#define INTERRUPTIBILITY_MOV_SS		BIT(1)
#define INTERRUPTIBILITY_NMI		BIT(3)

/* Guest activity states */
#define ACTIVITY_ACTIVE			0
#define ACTIVITY_HLT			1

/* The TPR in the virtual-APIC page: CR8 is bits 7:4 of this byte */
#define VAPIC_TPR			0x80

/* Segment access rights */
#define AR_UNUSABLE			BIT(16)

/* ---- exit reasons (basic, bits 15:0) ---- */
#define EXIT_EXCEPTION_NMI		0
#define EXIT_EXTERNAL_INTR		1
#define EXIT_TRIPLE_FAULT		2
#define EXIT_INTR_WINDOW		7
#define EXIT_NMI_WINDOW			8
#define EXIT_TASK_SWITCH		9
#define EXIT_CPUID			10
#define EXIT_GETSEC			11
#define EXIT_HLT			12
#define EXIT_INVD			13
#define EXIT_INVLPG			14
#define EXIT_RDPMC			15
#define EXIT_VMCALL			18
#define EXIT_VMCLEAR			19
#define EXIT_VMLAUNCH			20
#define EXIT_VMPTRLD			21
#define EXIT_VMPTRST			22
#define EXIT_VMREAD			23
#define EXIT_VMRESUME			24
#define EXIT_VMWRITE			25
#define EXIT_VMOFF			26
#define EXIT_VMON			27
#define EXIT_CR_ACCESS			28
#define EXIT_DR_ACCESS			29
#define EXIT_IO				30
#define EXIT_RDMSR			31
#define EXIT_WRMSR			32
#define EXIT_MWAIT			36
#define EXIT_MONITOR			39
#define EXIT_MCE_DURING_ENTRY		41
#define EXIT_TPR_BELOW_THRESHOLD	43
#define EXIT_EPT_VIOLATION		48
#define EXIT_EPT_MISCONFIG		49
#define EXIT_INVEPT			50
#define EXIT_PREEMPT_TIMER		52
#define EXIT_INVVPID			53
#define EXIT_XSETBV			55
#define EXIT_FAILED_ENTRY		BIT(31)

/* EPT entries */
#define EPT_R				BIT_ULL(0)
#define EPT_W				BIT_ULL(1)
#define EPT_X				BIT_ULL(2)
#define EPT_MT_WB			(6ull << 3)
#define EPT_IGNORE_PAT			BIT_ULL(6)
/* EPT violation qualification: what the entry allowed (R, W, X). */
#define EPT_QUAL_PERMS			(7ull << 3)
#define EPT_QUAL_LINEAR_VALID		BIT(7)
#define EPT_QUAL_LINEAR_XLATED		BIT(8)
#define EPTP_WB				6ull
#define EPTP_WALK4			(3ull << 3)

/* ---- VMX instruction wrappers ---- */

/* VMX instructions report failure in CF (VMfailInvalid) or ZF (VMfailValid). */
static inline int vmx_vmwrite(unsigned long field, unsigned long val)
{
	bool fail;

	asm volatile("vmwrite %[val], %[field]" CC_SET(be)
		     : CC_OUT(be) (fail)
		     : [val] "rm" (val), [field] "r" (field)
		     : "memory");
	return fail ? -EIO : 0;
}

static inline unsigned long vmx_vmread(unsigned long field)
{
	unsigned long val = 0;

	asm volatile("vmread %[field], %[val]"
		     : [val] "=rm" (val)
		     : [field] "r" (field)
		     : "cc");
	return val;
}

static inline int vmx_vmptrld(phys_addr_t pa)
{
	bool fail;

	asm volatile("vmptrld %[pa]" CC_SET(be)
		     : CC_OUT(be) (fail)
		     : [pa] "m" (pa)
		     : "memory");
	return fail ? -EIO : 0;
}

static inline void vmx_vmclear(phys_addr_t pa)
{
	asm volatile("vmclear %[pa]" : : [pa] "m" (pa) : "cc", "memory");
}

struct vmx_inv_desc {
	u64 a, b;
};

static inline void vmx_invept(unsigned long type, u64 eptp)
{
	struct vmx_inv_desc d = { eptp, 0 };

	asm volatile("invept %[d], %[t]"
		     : : [d] "m" (d), [t] "r" (type) : "cc", "memory");
}

static inline void vmx_invvpid(unsigned long type, u16 vpid)
{
	struct vmx_inv_desc d = { vpid, 0 };

	asm volatile("invvpid %[d], %[t]"
		     : : [d] "m" (d), [t] "r" (type) : "cc", "memory");
}

/* ---- shared backend state ---- */

/* Hardware facts read once by vmx_hw_check(). */
struct vmx_caps {
	u32 revision;
	u32 pin, proc, proc2, exit, entry;	/* adjusted controls */
	u64 cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	u64 ept_vpid;
	bool vpid;
	bool inout_info;
	u32 preempt_timer;		/* timer value at each entry, 0: none */
	bool vnmi;			/* virtual NMIs and NMI-window exiting */
	bool tpr_shadow;		/* use TPR shadow (virtual-APIC page) */
};

extern struct vmx_caps vmx_caps;

/* MSRs switched with the VM-entry/exit MSR areas, in this order. */
enum vmx_autoload {
	VMX_AL_KGSBASE, VMX_AL_STAR, VMX_AL_LSTAR, VMX_AL_CSTAR,
	VMX_AL_SFMASK, VMX_NR_AUTOLOAD
};

struct vmx_msr_slot {
	u32 index;
	u32 reserved;
	u64 value;
};

struct vmx_vcpu {
	struct mvm_vcpu *vcpu;
	void *vmcs;
	phys_addr_t vmcs_pa;
	int cpu;			/* VMCS active on this CPU, or -1 */
	bool launched;
	struct list_head loaded_link;	/* per-CPU list of active VMCSs */
	u16 vpid;
	u64 eptp;

	void *msr_bitmap;
	void *io_bitmap;		/* 2 pages: bitmap A, bitmap B */
	struct vmx_msr_slot *msr_area;	/* guest values (entry load/store) */
	struct vmx_msr_slot *host_area;	/* host values (exit load) */

	/* state not in the VMCS */
	u64 cr2, cr8;			/* cr8: without an in-kernel LAPIC */
	u64 tsc_offset;
	u32 proc;			/* current primary controls */
	u32 intr;			/* guest interruptibility, as in VMCS */
	bool soft_nmi_blocked;		/* no virtual NMIs: NMI handler runs */
	unsigned long soft_nmi_since;	/* jiffies when it was injected */
	/* The last entry: VMfail, or the exit's reason and interrupt info. */
	bool vmfail;
	u32 exit_reason;
	u32 exit_intr_info;
	void *vapic;			/* virtual-APIC page (TPR shadow) */
	u8 vapic_tpr;			/* CR8 loaded into @vapic at entry */
	u32 tpr_threshold;		/* TPR threshold field value */
	bool need_flush;		/* INVEPT/INVVPID before next entry */
	u16 host_ds, host_es, host_fs, host_gs;
	unsigned long host_fs_base, host_kgs_base, host_cr3, host_cr4;
	bool host_desc_stale;		/* GDTR/TR limits need a reload */
	unsigned long host_debugctl;	/* VM exit clears DEBUGCTL */
};

static inline struct vmx_vcpu *to_vmx(struct mvm_vcpu *vcpu)
{
	return vcpu->arch;
}

/* vmx_entry.S: 0 after a VM exit, 1 on VMfail. */
int vmx_enter(unsigned long *gprs, bool launched,
	      const struct mvm_spec_ctrl_switch *sc);
void vmx_exit_point(void);

/* vmx_state.c */
void vmx_reset_state(struct vmx_vcpu *vmx);
int vmx_get_sregs(struct mvm_vcpu *vcpu, struct minivmm_sregs *sregs);
int vmx_set_sregs(struct mvm_vcpu *vcpu, const struct minivmm_sregs *sregs);
void vmx_get_paging(struct mvm_vcpu *vcpu, struct mvm_paging *pg);
u64 vmx_get_cr(struct mvm_vcpu *vcpu, unsigned int cr);
int vmx_set_cr(struct mvm_vcpu *vcpu, unsigned int cr, u64 val);
int vmx_get_msr(struct mvm_vcpu *vcpu, u32 index, u64 *data);
int vmx_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data);
bool vmx_long_mode(void);

/* vmx_run.c */
void vmx_enter_guest(struct mvm_vcpu *vcpu, const struct mvm_entry *entry);
void vmx_exit_decode(struct mvm_vcpu *vcpu, struct mvm_exit *exit);
bool vmx_nmi_blocked(struct mvm_vcpu *vcpu);
void vmx_events_reset(struct mvm_vcpu *vcpu);
void vmx_flush_tlb(struct mvm_vcpu *vcpu);

#endif /* MVM_VMX_H */
