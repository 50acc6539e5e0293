/* SPDX-License-Identifier: GPL-2.0 */
/*
 * AMD-V (SVM + NPT) backend: VMCB layout, exit codes, intercept
 * bits and the backend's private state.  Layout facts from the AMD64
 * Architecture Programmer's Manual, volume 2, appendix B.
 */
#ifndef MVM_SVM_H
#define MVM_SVM_H

#include <linux/types.h>
#include <linux/build_bug.h>
#include "mvm.h"

/* CPUID Fn8000_000A EDX: optional SVM features. */
#define SVM_FEAT_NPT		BIT(0)
#define SVM_FEAT_NRIPS		BIT(3)
#define SVM_FEAT_VMCB_CLEAN	BIT(5)
#define SVM_FEAT_FLUSH_ASID	BIT(6)
#define SVM_FEAT_DECODE_ASSISTS	BIT(7)

/* VM_CR MSR (0xc0010114) */
#define SVM_VM_CR_SVMDIS	BIT_ULL(4)

/* One segment register in the VMCB save area. */
struct svm_seg {
	u16 selector;
	u16 attrib;
	u32 limit;
	u64 base;
} __packed;

/* Segment attribute bits (a compressed descriptor access-rights field). */
#define SVM_SEG_TYPE_MASK	0xf
#define SVM_SEG_S		BIT(4)
#define SVM_SEG_DPL_SHIFT	5
#define SVM_SEG_P		BIT(7)
#define SVM_SEG_AVL		BIT(8)
#define SVM_SEG_L		BIT(9)
#define SVM_SEG_DB		BIT(10)
#define SVM_SEG_G		BIT(11)

/* Intercept words in the control area: index into vmcb_control.intercepts. */
enum svm_intercept_word {
	SVM_ICPT_CR,		/* bits 0-15 reads, 16-31 writes */
	SVM_ICPT_DR,		/* bits 0-15 reads, 16-31 writes */
	SVM_ICPT_EXC,		/* one bit per exception vector */
	SVM_ICPT_MISC1,
	SVM_ICPT_MISC2,
	SVM_ICPT_MISC3,
	SVM_NR_ICPT_WORDS = 15,
};

/* SVM_ICPT_CR bits */
#define SVM_ICPT_CR4_WRITE	BIT(16 + 4)
#define SVM_ICPT_CR8_WRITE	BIT(16 + 8)

/* SVM_ICPT_DR: every read and write of DR0-DR7 */
#define SVM_ICPT_DR_ALL		0x00ff00ffu

/* SVM_ICPT_MISC1 bits */
#define SVM_I1_INTR		BIT(0)
#define SVM_I1_NMI		BIT(1)
#define SVM_I1_SMI		BIT(2)
#define SVM_I1_INIT		BIT(3)
#define SVM_I1_VINTR		BIT(4)
#define SVM_I1_RDPMC		BIT(15)
#define SVM_I1_CPUID		BIT(18)
#define SVM_I1_RSM		BIT(19)
#define SVM_I1_IRET		BIT(20)
#define SVM_I1_INVD		BIT(22)
#define SVM_I1_HLT		BIT(24)
#define SVM_I1_INVLPGA		BIT(26)
#define SVM_I1_IOIO		BIT(27)
#define SVM_I1_MSR		BIT(28)
#define SVM_I1_SHUTDOWN		BIT(31)

/* SVM_ICPT_MISC2 bits */
#define SVM_I2_VMRUN		BIT(0)
#define SVM_I2_VMMCALL		BIT(1)
#define SVM_I2_VMLOAD		BIT(2)
#define SVM_I2_VMSAVE		BIT(3)
#define SVM_I2_STGI		BIT(4)
#define SVM_I2_CLGI		BIT(5)
#define SVM_I2_SKINIT		BIT(6)
#define SVM_I2_WBINVD		BIT(9)
#define SVM_I2_MONITOR		BIT(10)
#define SVM_I2_MWAIT		BIT(11)
#define SVM_I2_MWAIT_COND	BIT(12)
#define SVM_I2_XSETBV		BIT(13)

/* int_ctl */
#define SVM_INT_V_TPR_MASK	0xffu
#define SVM_INT_V_IRQ		BIT(8)
#define SVM_INT_V_PRIO_SHIFT	16
#define SVM_INT_V_IGN_TPR	BIT(20)
#define SVM_INT_V_INTR_MASKING	BIT(24)

/* int_state */
#define SVM_INT_SHADOW		BIT(0)

/* nested_ctl */
#define SVM_NP_ENABLE		BIT_ULL(0)

/* tlb_ctl */
#define SVM_TLB_NONE		0
#define SVM_TLB_FLUSH_ALL	1

/* event_inj and exit_int_info */
#define SVM_EV_VECTOR_MASK	0xffu
#define SVM_EV_TYPE_SHIFT	8
#define SVM_EV_TYPE_MASK	(7u << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_INTR	(0u << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_NMI		(2u << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_EXC		(3u << SVM_EV_TYPE_SHIFT)
#define SVM_EV_TYPE_SOFT	(4u << SVM_EV_TYPE_SHIFT)
#define SVM_EV_ERR_VALID	BIT(11)
#define SVM_EV_VALID		BIT(31)

/* IOIO exit_info_1 */
#define SVM_IO_IN		BIT(0)
#define SVM_IO_STR		BIT(2)
#define SVM_IO_REP		BIT(3)
#define SVM_IO_SZ_SHIFT		4	/* bits 4-6: 1, 2 or 4 bytes */
#define SVM_IO_SZ_MASK		(7u << SVM_IO_SZ_SHIFT)
#define SVM_IO_A_SHIFT		7	/* bits 7-9: 16, 32 or 64-bit address */
#define SVM_IO_A_MASK		(7u << SVM_IO_A_SHIFT)
#define SVM_IO_SEG_SHIFT	10	/* bits 10-12 with decode assists */
#define SVM_IO_SEG_MASK		(7u << SVM_IO_SEG_SHIFT)
#define SVM_IO_PORT_SHIFT	16

/* NPF exit_info_1 */
#define SVM_NPF_P		BIT_ULL(0)
#define SVM_NPF_WRITE		BIT_ULL(1)
#define SVM_NPF_RSVD		BIT_ULL(3)
#define SVM_NPF_FETCH		BIT_ULL(4)
#define SVM_NPF_GPA		BIT_ULL(32)	/* final translation */
#define SVM_NPF_WALK		BIT_ULL(33)	/* guest page table walk */

/* MOV CR/DR exit_info_1 with decode assists */
#define SVM_MOV_VALID		BIT_ULL(63)
#define SVM_MOV_GPR_MASK	0xfull

/* Exit codes */
#define SVM_EXIT_CR4_WRITE	0x014
#define SVM_EXIT_CR8_WRITE	0x018
#define SVM_EXIT_READ_DR0	0x020	/* to 0x027 */
#define SVM_EXIT_WRITE_DR0	0x030	/* to 0x037 */
#define SVM_EXIT_EXC_BASE	0x040
#define SVM_EXIT_INTR		0x060
#define SVM_EXIT_NMI		0x061
#define SVM_EXIT_SMI		0x062
#define SVM_EXIT_INIT		0x063
#define SVM_EXIT_VINTR		0x064
#define SVM_EXIT_RDPMC		0x06f
#define SVM_EXIT_CPUID		0x072
#define SVM_EXIT_RSM		0x073
#define SVM_EXIT_IRET		0x074
#define SVM_EXIT_INVD		0x076
#define SVM_EXIT_HLT		0x078
#define SVM_EXIT_INVLPGA	0x07a
#define SVM_EXIT_IOIO		0x07b
#define SVM_EXIT_MSR		0x07c
#define SVM_EXIT_SHUTDOWN	0x07f
#define SVM_EXIT_VMRUN		0x080
#define SVM_EXIT_VMMCALL	0x081
#define SVM_EXIT_VMLOAD		0x082
#define SVM_EXIT_VMSAVE		0x083
#define SVM_EXIT_STGI		0x084
#define SVM_EXIT_CLGI		0x085
#define SVM_EXIT_SKINIT		0x086
#define SVM_EXIT_WBINVD		0x089
#define SVM_EXIT_MONITOR	0x08a
#define SVM_EXIT_MWAIT		0x08b
#define SVM_EXIT_MWAIT_COND	0x08c
#define SVM_EXIT_XSETBV		0x08d
#define SVM_EXIT_NPF		0x400
#define SVM_EXIT_INVALID	((u64)-1)

struct vmcb_control {
	u32 intercepts[SVM_NR_ICPT_WORDS];	/* 0x000 */
	u16 pause_filter_thresh;		/* 0x03c */
	u16 pause_filter_count;
	u64 iopm_base_pa;			/* 0x040 */
	u64 msrpm_base_pa;			/* 0x048 */
	u64 tsc_offset;				/* 0x050 */
	u32 asid;				/* 0x058 */
	u8 tlb_ctl;				/* 0x05c */
	u8 rsvd1[3];
	u32 int_ctl;				/* 0x060 */
	u32 int_vector;
	u32 int_state;				/* 0x068 */
	u32 rsvd2;
	u64 exit_code;				/* 0x070 */
	u64 exit_info_1;			/* 0x078 */
	u64 exit_info_2;			/* 0x080 */
	u32 exit_int_info;			/* 0x088 */
	u32 exit_int_info_err;
	u64 nested_ctl;				/* 0x090 */
	u64 avic_vapic_bar;			/* 0x098 */
	u64 ghcb_gpa;				/* 0x0a0 */
	u32 event_inj;				/* 0x0a8 */
	u32 event_inj_err;
	u64 nested_cr3;				/* 0x0b0 */
	u64 virt_ext;				/* 0x0b8 */
	u32 clean;				/* 0x0c0 */
	u32 rsvd3;
	u64 next_rip;				/* 0x0c8 */
	u8 insn_len;				/* 0x0d0 */
	u8 insn_bytes[15];
	u8 rsvd4[0x400 - 0x0e0];
} __packed;

struct vmcb_save {
	struct svm_seg es, cs, ss, ds, fs, gs;	/* 0x400 */
	struct svm_seg gdtr, ldtr, idtr, tr;	/* 0x460 */
	u8 rsvd1[42];
	u8 vmpl;
	u8 cpl;					/* 0x4cb */
	u32 rsvd2;
	u64 efer;				/* 0x4d0 */
	u8 rsvd3[112];
	u64 cr4;				/* 0x548 */
	u64 cr3;
	u64 cr0;
	u64 dr7;
	u64 dr6;
	u64 rflags;
	u64 rip;				/* 0x578 */
	u8 rsvd4[88];
	u64 rsp;				/* 0x5d8 */
	u64 s_cet, ssp, isst_addr;
	u64 rax;				/* 0x5f8 */
	u64 star, lstar, cstar, sfmask;		/* 0x600 */
	u64 kernel_gs_base;			/* 0x620 */
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 cr2;				/* 0x640 */
	u8 rsvd5[32];
	u64 g_pat;				/* 0x668 */
	u64 dbgctl;
	u64 br_from, br_to, last_excp_from, last_excp_to;
	u8 rsvd6[72];
	u64 spec_ctrl;				/* 0x6e0, with V_SPEC_CTRL */
} __packed;

struct vmcb {
	struct vmcb_control ctl;
	struct vmcb_save save;
	u8 rsvd[4096 - 0x400 - sizeof(struct vmcb_save)];
} __packed;

static_assert(sizeof(struct vmcb_control) == 0x400);
static_assert(offsetof(struct vmcb_control, nested_cr3) == 0x0b0);
static_assert(offsetof(struct vmcb, save.efer) == 0x4d0);
static_assert(offsetof(struct vmcb, save.rip) == 0x578);
static_assert(offsetof(struct vmcb, save.rax) == 0x5f8);
static_assert(offsetof(struct vmcb, save.g_pat) == 0x668);
static_assert(offsetof(struct vmcb, save.spec_ctrl) == 0x6e0);
static_assert(sizeof(struct vmcb) == 4096);

/* An exception queued by inject_exception for the next entry. */
/*
 * NMI blocking.  Without vNMI the CPU does not track it for the guest:
 * after injecting an NMI the backend intercepts IRET, and once that IRET
 * has executed (rip moved past it by the next exit) NMIs are unblocked.
 */
struct svm_nmi {
	bool masked;		/* an injected NMI's handler has not returned */
	bool iret_seen;		/* its IRET was intercepted, not yet retired */
	u64 iret_rip;		/* rip of that IRET */
};

/* Per-vCPU backend state (vcpu->arch). */
struct svm_vcpu {
	struct vmcb *vmcb;
	phys_addr_t vmcb_pa;
	u32 asid;		/* valid on asid_cpu while asid_gen matches */
	int asid_cpu;
	u64 asid_gen;
	bool flush_tlb;		/* flush all on the next entry */
	struct svm_nmi nmi;
	u8 v_tpr;		/* V_TPR loaded at entry (in-kernel irqchip) */
};

static inline struct svm_vcpu *to_svm(struct mvm_vcpu *vcpu)
{
	return vcpu->arch;
}

/* Module-wide facts found at hw_check. */
extern u32 svm_features;	/* CPUID 0x8000000a EDX */
extern u32 svm_nr_asids;	/* CPUID 0x8000000a EBX */

/* svm_entry.S: VMSAVE host, VMLOAD guest, VMRUN, VMSAVE guest, VMLOAD host. */
void mvm_svm_vmrun(phys_addr_t vmcb_pa, unsigned long *gprs,
		   phys_addr_t host_pa, const struct mvm_spec_ctrl_switch *sc);

/* svm.c */
void svm_asid_assign(struct mvm_vcpu *vcpu);
phys_addr_t svm_host_vmsave_pa(void);

/* svm_state.c */
void svm_state_reset(struct mvm_vcpu *vcpu);
int svm_get_sregs(struct mvm_vcpu *vcpu, struct minivmm_sregs *sregs);
int svm_set_sregs(struct mvm_vcpu *vcpu, const struct minivmm_sregs *sregs);
void svm_get_paging(struct mvm_vcpu *vcpu, struct mvm_paging *pg);
u64 svm_get_cr(struct mvm_vcpu *vcpu, unsigned int cr);
int svm_set_cr(struct mvm_vcpu *vcpu, unsigned int cr, u64 val);
int svm_get_msr(struct mvm_vcpu *vcpu, u32 index, u64 *data);
int svm_set_msr(struct mvm_vcpu *vcpu, u32 index, u64 data);

/* svm_run.c */
void svm_enter_guest(struct mvm_vcpu *vcpu, const struct mvm_entry *entry);
void svm_exit_decode(struct mvm_vcpu *vcpu, struct mvm_exit *exit);
bool svm_nmi_blocked(struct mvm_vcpu *vcpu);
void svm_events_reset(struct mvm_vcpu *vcpu);
void svm_flush_tlb(struct mvm_vcpu *vcpu);

#endif /* MVM_SVM_H */
