// SPDX-License-Identifier: GPL-2.0
/* kvm_x86.c - minivmm's register structures in KVM's; see kvm_x86.h. */
#include <string.h>

#include "kvm_x86.h"

static void kvm_seg_from(struct kvm_segment *k,
			 const struct minivmm_segment *m)
{
	memset(k, 0, sizeof(*k));
	k->base = m->base;
	k->limit = m->limit;
	k->selector = m->selector;
	k->type = m->type;
	k->present = m->present;
	k->dpl = m->dpl;
	k->db = m->db;
	k->s = m->s;
	k->l = m->l;
	k->g = m->g;
	k->avl = m->avl;
	k->unusable = m->unusable;
}

static void kvm_dtable_from(struct kvm_dtable *k,
			    const struct minivmm_dtable *m)
{
	memset(k, 0, sizeof(*k));
	k->base = m->base;
	k->limit = m->limit;
}

void kvm_sregs_from(struct kvm_sregs *k, const struct minivmm_sregs *m)
{
	kvm_seg_from(&k->cs, &m->cs);
	kvm_seg_from(&k->ds, &m->ds);
	kvm_seg_from(&k->es, &m->es);
	kvm_seg_from(&k->fs, &m->fs);
	kvm_seg_from(&k->gs, &m->gs);
	kvm_seg_from(&k->ss, &m->ss);
	kvm_seg_from(&k->tr, &m->tr);
	kvm_seg_from(&k->ldt, &m->ldt);
	kvm_dtable_from(&k->gdt, &m->gdt);
	kvm_dtable_from(&k->idt, &m->idt);
	k->cr0 = m->cr0;
	k->cr2 = m->cr2;
	k->cr3 = m->cr3;
	k->cr4 = m->cr4;
	k->cr8 = m->cr8;
	k->efer = m->efer;
}

void kvm_regs_from(struct kvm_regs *k, const struct minivmm_regs *m)
{
	k->rax = m->rax;
	k->rbx = m->rbx;
	k->rcx = m->rcx;
	k->rdx = m->rdx;
	k->rsi = m->rsi;
	k->rdi = m->rdi;
	k->rsp = m->rsp;
	k->rbp = m->rbp;
	k->r8 = m->r8;
	k->r9 = m->r9;
	k->r10 = m->r10;
	k->r11 = m->r11;
	k->r12 = m->r12;
	k->r13 = m->r13;
	k->r14 = m->r14;
	k->r15 = m->r15;
	k->rip = m->rip;
	k->rflags = m->rflags;
}
