// SPDX-License-Identifier: GPL-2.0
/*
 * lapic_test - the in-kernel interrupt controllers (MINIVMM_CREATE_IRQCHIP):
 * LAPIC timer in one-shot, periodic and TSC-deadline modes, x2APIC MSRs,
 * IPIs between vCPUs, INIT/SIPI, TPR/PPR/CR8, ESR and SVR, the IOAPIC
 * (edge and level pins), MSIs and the ioctls' checks.
 *
 * Guests report through port IO: an interrupt handler writes its vector
 * to a port, so each interrupt the guest takes shows up as an IO exit.
 * With an irqchip HLT sleeps in the kernel, so "no interrupt comes" is
 * checked as a RUN that a short alarm has to interrupt.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "lib/case.h"
#include "lib/guest.h"

#define PORT_IRQ	0x80		/* handlers: the vector they ran for */
#define PORT_DONE	0x82		/* the BSP is done */
#define PORT_AP		0x83		/* the AP started by SIPI */
#define PORT_READY	0x84		/* the guest is set up */

/* Where the guests leave values for the test to check. */
#define DATA(off)	((volatile uint32_t *)vm_host(vm, DATA_GPA + (off)))

/* The BSP code of the INIT/SIPI test sits above the AP's real-mode code. */
#define SIPI_BSP_GPA	(CODE_GPA + 0x1000)
#define SIPI_VECTOR	(CODE_GPA >> 12)

/*
 * A handler for @vec that reports it on PORT_IRQ and EOIs through the
 * xAPIC page (%rbx holds its base in every xAPIC guest).
 */
#define XAPIC_HANDLER(name, vec)					\
	".globl " #name "\n" #name ":\n"				\
	"push %rax\n"							\
	"mov $" #vec ", %eax\n"						\
	"out %eax, $0x80\n"						\
	"movl $0, 0xb0(%rbx)\n"						\
	"pop %rax\n"							\
	"iretq\n"

/* One-shot: 50 ms; records the current count, version and ID. */
GUEST_CODE(oneshot_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"	/* SVR: enabled */
	"movl $0xb, 0x3e0(%rbx)\n"	/* divide by 1 */
	"movl $0x40, 0x320(%rbx)\n"	/* LVT timer: one-shot, 0x40 */
	"movl $50000000, 0x380(%rbx)\n"	/* 50 ms at 1 GHz */
	"mov 0x390(%rbx), %eax\n"
	"mov %eax, 0x20000\n"
	"mov 0x30(%rbx), %eax\n"
	"mov %eax, 0x20004\n"
	"mov 0x20(%rbx), %eax\n"
	"mov %eax, 0x20008\n"
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	".globl oneshot_irq\n"
	"oneshot_irq:\n"
	"mov 0x390(%rbx), %eax\n"	/* the count after firing */
	"mov %eax, 0x2000c\n"
	"mov $0x40, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n");
GUEST_LABEL(oneshot_irq);

/* Periodic, 2 ms: the handler reports a running count. */
GUEST_CODE(periodic_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"movl $0xb, 0x3e0(%rbx)\n"
	"movl $0x20041, 0x320(%rbx)\n"	/* periodic, 0x41 */
	"movl $2000000, 0x380(%rbx)\n"
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	".globl periodic_irq\n"
	"periodic_irq:\n"
	"incl 0x20000\n"
	"mov 0x20000, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n");
GUEST_LABEL(periodic_irq);

/*
 * TSC deadline: now + the delta the test put at 0x20100, then (second
 * interrupt) a far deadline cancelled by writing 0, then one in the past.
 */
GUEST_CODE(deadline_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"movl $0x40042, 0x320(%rbx)\n"	/* TSC-deadline, 0x42 */
	"mov $0x6e0, %ecx\n"
	"rdtsc\n"
	"shl $32, %rdx\n"
	"or %rdx, %rax\n"
	"add 0x20100, %rax\n"
	"mov %rax, 0x20010\n"
	"mov %rax, %rdx\n"
	"shr $32, %rdx\n"
	"wrmsr\n"
	"rdmsr\n"
	"mov %eax, 0x20018\n"
	"mov %edx, 0x2001c\n"
	"sti\n"
	"hlt\n"
	"cli\n"
	"rdtsc\n"
	"add $0x1000, %edx\n"		/* ~2^44 cycles away */
	"wrmsr\n"
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"rdmsr\n"
	"mov %eax, 0x20028\n"
	"mov %edx, 0x2002c\n"
	"mov $1, %eax\n"		/* long past */
	"wrmsr\n"
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	".globl deadline_irq\n"
	"deadline_irq:\n"
	"mov $0x6e0, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x20020\n"
	"mov %edx, 0x20024\n"
	"mov $0x42, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n");
GUEST_LABEL(deadline_irq);

/*
 * x2APIC: an x2APIC MSR before EXTD, DFR in x2APIC mode and a direct
 * x2APIC -> xAPIC switch each #GP (counted at 0x20040); a self IPI.
 */
GUEST_CODE(x2apic_guest, ".code64",
	"mov $0x802, %ecx\n"
	"rdmsr\n"			/* #GP: still xAPIC */
	"mov $0x1b, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x20000\n"
	"or $0x400, %eax\n"		/* EXTD */
	"wrmsr\n"
	"mov $0x802, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x20004\n"
	"mov $0x803, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x20008\n"
	"mov $0x80d, %ecx\n"
	"rdmsr\n"
	"mov %eax, 0x2000c\n"
	"mov $0x80f, %ecx\n"
	"mov $0x1ff, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"
	"mov $0x80e, %ecx\n"
	"rdmsr\n"			/* #GP: no DFR in x2APIC mode */
	"mov $0x1b, %ecx\n"
	"rdmsr\n"
	"and $0xfffffbff, %eax\n"
	"wrmsr\n"			/* #GP: x2APIC -> xAPIC */
	"sti\n"
	"mov $0x83f, %ecx\n"
	"mov $0x43, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"			/* SELF IPI */
	"1: hlt\n"
	"jmp 1b\n"
	".globl x2apic_irq\n"
	"x2apic_irq:\n"
	"mov $0x43, %eax\n"
	"out %eax, $0x80\n"
	"mov $0x80b, %ecx\n"
	"xor %eax, %eax\n"
	"xor %edx, %edx\n"
	"wrmsr\n"			/* EOI */
	"iretq\n"
	".globl x2apic_gp\n"
	"x2apic_gp:\n"
	"incl 0x20040\n"
	"addq $2, 8(%rsp)\n"		/* skip RDMSR/WRMSR */
	"add $8, %rsp\n"		/* error code */
	"iretq\n");
GUEST_LABEL(x2apic_irq);
GUEST_LABEL(x2apic_gp);

/*
 * IPIs: the APs (1, 2) enable their APIC, set a flat logical ID of
 * 1 << APIC ID and count themselves in 0x20100.  vCPU 0 then sends 0x44
 * to APIC ID 1 (physical), 0x46 to logical 0x04 (vCPU 2), each time
 * waiting for it to arrive, then 0x45 to all but itself, and reports
 * its ICR.
 */
GUEST_CODE(ipi_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"1: pause\n"
	"cmpl $2, 0x20100\n"
	"jne 1b\n"
	"movl $0x01000000, 0x310(%rbx)\n"
	"movl $0x44, 0x300(%rbx)\n"	/* fixed, physical, to 1 */
	"2: pause\n"
	"cmpl $0, 0x20104\n"
	"je 2b\n"
	"movl $0x04000000, 0x310(%rbx)\n"
	"movl $0x846, 0x300(%rbx)\n"	/* fixed, logical, to 0x04 */
	"3: pause\n"
	"cmpl $0, 0x20108\n"
	"je 3b\n"
	"movl $0xc0045, 0x300(%rbx)\n"	/* fixed, all but self */
	"mov 0x300(%rbx), %eax\n"
	"out %eax, $0x82\n"
	"4: hlt\n"
	"jmp 4b\n"
	".globl ipi_ap\n"
	"ipi_ap:\n"
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"mov 0x20(%rbx), %ecx\n"
	"shr $24, %ecx\n"
	"add $24, %ecx\n"
	"mov $1, %eax\n"
	"shl %cl, %eax\n"
	"mov %eax, 0xd0(%rbx)\n"	/* LDR: 1 << APIC ID */
	"lock incl 0x20100\n"
	"sti\n"
	"5: hlt\n"
	"jmp 5b\n"
	".globl ipi_irq44\n"
	"ipi_irq44:\n"
	"movl $1, 0x20104\n"
	"mov $0x44, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n"
	".globl ipi_irq46\n"
	"ipi_irq46:\n"
	"movl $1, 0x20108\n"
	"mov $0x46, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"
	"iretq\n"
	XAPIC_HANDLER(ipi_irq45, 0x45));
GUEST_LABEL(ipi_ap);
GUEST_LABEL(ipi_irq44);
GUEST_LABEL(ipi_irq45);
GUEST_LABEL(ipi_irq46);

/* The AP's real-mode code at the SIPI page. */
GUEST_CODE(sipi_ap, ".code16",
	"mov $0x99, %ax\n"
	"out %ax, $0x83\n"
	"1: hlt\n"
	"jmp 1b\n");

/* The BSP wakes APIC ID 1 the way Linux does: INIT, de-assert, 2 SIPIs. */
GUEST_CODE(sipi_bsp, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"movl $0x01000000, 0x310(%rbx)\n"
	"movl $0xc500, 0x300(%rbx)\n"	/* INIT, level, assert */
	"movl $0x8500, 0x300(%rbx)\n"	/* INIT, level, de-assert */
	"movl $0x4610, 0x300(%rbx)\n"	/* SIPI, vector 0x10 */
	"movl $0x4610, 0x300(%rbx)\n"
	"mov $0x82, %eax\n"
	"out %eax, $0x82\n"
	"1: hlt\n"
	"jmp 1b\n");

/*
 * IOAPIC: pin 4 edge -> 0x46, pin 5 level -> 0x47, both to APIC ID 0;
 * records the version register and pin 4's entry read back.
 */
GUEST_CODE(ioapic_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"mov $0xfec00000, %ebp\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"movl $1, (%rbp)\n"
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x20000\n"
	"movl $0x18, (%rbp)\n"
	"movl $0x46, 0x10(%rbp)\n"
	"movl $0x19, (%rbp)\n"
	"movl $0, 0x10(%rbp)\n"
	"movl $0x1a, (%rbp)\n"
	"movl $0x8047, 0x10(%rbp)\n"	/* level */
	"movl $0x1b, (%rbp)\n"
	"movl $0, 0x10(%rbp)\n"
	"movl $0x18, (%rbp)\n"
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x20004\n"
	"out %eax, $0x84\n"
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	XAPIC_HANDLER(ioapic_irq46, 0x46)
	XAPIC_HANDLER(ioapic_irq47, 0x47));
GUEST_LABEL(ioapic_irq46);
GUEST_LABEL(ioapic_irq47);

/*
 * xAPIC registers: TPR holds back a self IPI (IRR set) until CR8 drops it
 * (the handler records ISR and the step it interrupted); an illegal
 * vector sets ESR; a software-disabled APIC masks LVTs and drops fixed
 * IPIs; an NMI IPI to its own APIC ID.
 */
GUEST_CODE(regs_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"movl $0x50, 0x80(%rbx)\n"	/* TPR class 5 */
	"mov 0xa0(%rbx), %eax\n"
	"mov %eax, 0x20000\n"		/* PPR */
	"mov %cr8, %rax\n"
	"mov %eax, 0x20004\n"
	"sti\n"
	"movl $0x40045, 0x300(%rbx)\n"	/* self IPI 0x45: held back */
	"mov 0x220(%rbx), %eax\n"
	"mov %eax, 0x20008\n"		/* IRR 64-95 */
	"movl $1, 0x20100\n"
	"xor %eax, %eax\n"
	"mov %rax, %cr8\n"		/* TPR 0: 0x45 is due */
	"movl $2, 0x20100\n"
	"mov 0x80(%rbx), %eax\n"
	"mov %eax, 0x20010\n"		/* TPR after CR8 = 0 */
	"movl $3, 0x20100\n"
	"movl $0x40003, 0x300(%rbx)\n"	/* self IPI, vector 3: illegal */
	"movl $0, 0x280(%rbx)\n"
	"mov 0x280(%rbx), %eax\n"
	"mov %eax, 0x20014\n"		/* ESR */
	"mov 0x120(%rbx), %eax\n"
	"mov %eax, 0x20018\n"		/* ISR 64-95 after EOI */
	"movl $0xff, 0xf0(%rbx)\n"	/* software disable */
	"mov 0x320(%rbx), %eax\n"
	"mov %eax, 0x2001c\n"
	"movl $0x40, 0x320(%rbx)\n"
	"mov 0x320(%rbx), %eax\n"
	"mov %eax, 0x20020\n"
	"movl $0x40047, 0x300(%rbx)\n"	/* fixed self IPI: dropped */
	"movl $0x1ff, 0xf0(%rbx)\n"
	"mov 0x220(%rbx), %eax\n"
	"mov %eax, 0x20024\n"
	"movl $0, 0x310(%rbx)\n"
	"movl $0x400, 0x300(%rbx)\n"	/* NMI to APIC ID 0 */
	"mov $0x99, %eax\n"
	"out %eax, $0x84\n"
	"1: hlt\n"
	"jmp 1b\n"
	".globl regs_irq45\n"
	"regs_irq45:\n"
	"push %rax\n"
	"mov 0x120(%rbx), %eax\n"
	"mov %eax, 0x2000c\n"		/* ISR 64-95 in the handler */
	"mov 0x20100, %eax\n"
	"mov %eax, 0x20104\n"		/* the step it interrupted */
	"mov $0x45, %eax\n"
	"out %eax, $0x80\n"
	"movl $0, 0xb0(%rbx)\n"
	"pop %rax\n"
	"iretq\n"
	".globl regs_nmi\n"
	"regs_nmi:\n"
	"push %rax\n"
	"mov $2, %eax\n"
	"out %eax, $0x80\n"
	"pop %rax\n"
	"iretq\n");
GUEST_LABEL(regs_irq45);
GUEST_LABEL(regs_nmi);

/*
 * Odd accesses to the LAPIC and IOAPIC windows (run as vCPU 3): partial
 * reads inside a register get its bytes, anything else reads 0; only
 * aligned 4-byte writes count; read-only and reserved registers ignore
 * writes.  Results at 0x20000 on, then OUT to PORT_READY.
 */
GUEST_CODE(odd_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"mov $0xfec00000, %ebp\n"
	"xor %eax, %eax\n"
	"mov 0x23(%rbx), %al\n"
	"mov %eax, 0x20000\n"		/* ID byte 3 */
	"xor %eax, %eax\n"
	"mov 0x22(%rbx), %ax\n"
	"mov %eax, 0x20004\n"		/* ID bytes 2-3 */
	"mov 0x22(%rbx), %eax\n"
	"mov %eax, 0x20008\n"		/* crosses the register: 0 */
	"mov 0x20(%rbx), %rax\n"
	"mov %rax, 0x20010\n"		/* 8 bytes: 0 */
	"mov 0x24(%rbx), %eax\n"
	"mov %eax, 0x20018\n"		/* bytes 4-7 of the slot: 0 */
	"movl $0x30, 0x80(%rbx)\n"	/* TPR 0x30 */
	"mov $0x70, %eax\n"
	"mov %ax, 0x80(%rbx)\n"	/* 2 bytes: dropped */
	"mov %eax, 0x84(%rbx)\n"	/* unaligned: dropped */
	"mov %rax, 0x80(%rbx)\n"	/* 8 bytes: dropped */
	"mov 0x80(%rbx), %eax\n"
	"mov %eax, 0x2001c\n"
	"mov $0xffffffff, %eax\n"
	"mov %eax, 0x20(%rbx)\n"	/* ID */
	"mov %eax, 0x30(%rbx)\n"	/* version */
	"mov %eax, 0xa0(%rbx)\n"	/* PPR */
	"mov %eax, 0x390(%rbx)\n"	/* current count */
	"mov %eax, 0x3f0(%rbx)\n"	/* SELF IPI: x2APIC only */
	"mov %eax, 0x400(%rbx)\n"
	"mov %eax, 0xff0(%rbx)\n"
	"mov 0x20(%rbx), %eax\n"
	"mov %eax, 0x20020\n"
	"mov 0x30(%rbx), %eax\n"
	"mov %eax, 0x20024\n"
	"mov 0xff0(%rbx), %eax\n"
	"mov %eax, 0x20028\n"
	"mov $1, %eax\n"
	"mov %al, (%rbp)\n"		/* 1-byte IOREGSEL: dropped */
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x2002c\n"		/* still the ID register */
	"movl $1, (%rbp)\n"
	"movl $0xffffffff, 0x10(%rbp)\n"	/* version: read-only */
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x20030\n"
	"xor %eax, %eax\n"
	"mov 0x10(%rbp), %ax\n"
	"mov %eax, 0x20034\n"		/* 2-byte IOWIN: 0 */
	"movl $0x40, (%rbp)\n"		/* past the last pin */
	"movl $0xffffffff, 0x10(%rbp)\n"
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x20038\n"
	"movl $0xffffffff, 0x20(%rbp)\n"
	"mov 0x20(%rbp), %eax\n"
	"mov %eax, 0x2003c\n"
	"movl $0x3f, (%rbp)\n"		/* pin 23, high half */
	"movl $0xffffffff, 0x10(%rbp)\n"
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x20040\n"
	"movl $0x3e, (%rbp)\n"		/* pin 23, low half */
	"movl $0xffffffff, 0x10(%rbp)\n"
	"mov 0x10(%rbp), %eax\n"
	"mov %eax, 0x20044\n"
	"out %eax, $0x84\n"
	"1: hlt\n"
	"jmp 1b\n");

/* MSI: enable the APIC, report ready, take 0x48. */
GUEST_CODE(msi_guest, ".code64",
	"mov $0xfee00000, %ebx\n"
	"movl $0x1ff, 0xf0(%rbx)\n"
	"out %eax, $0x84\n"
	"sti\n"
	"1: hlt\n"
	"jmp 1b\n"
	XAPIC_HANDLER(msi_irq48, 0x48));
GUEST_LABEL(msi_irq48);

static int irqchip_create(struct vm *vm)
{
	if (hv_create_irqchip(&vm->hv)) {
		tap_diag("MINIVMM_CREATE_IRQCHIP: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* A standard VM with the irqchip and blob @code at CODE_GPA. */
static struct vm *irq_vm_create(const void *code, const void *code_end)
{
	struct vm *vm = vm_std_create();

	if (!vm)
		return NULL;
	if (irqchip_create(vm)) {
		vm_free(vm);
		return NULL;
	}
	vm_load(vm, CODE_GPA, code, code_end);
	return vm;
}

static int mp_state_get(struct vcpu *v)
{
	uint32_t state;

	if (hv_get_mp_state(&v->hv, &state))
		return -1;
	return (int)state;
}

/* vCPU @id in long mode at @rip with its own stack; runnable. */
static struct vcpu *irq_vcpu_create(struct vm *vm, uint32_t id, uint64_t rip)
{
	struct minivmm_regs regs;
	struct vcpu *v = vcpu_create(vm, id);

	if (!v)
		return NULL;
	if (vcpu_set_mode(v, MODE_LONG) || vcpu_get_regs(v, &regs))
		goto free;
	regs.rip = rip;
	regs.rsp = STACK_TOP - id * 0x1000;
	if (vcpu_set_regs(v, &regs))
		goto free;
	if (id && hv_set_mp_state(&v->hv, MINIVMM_MP_STATE_RUNNABLE)) {
		tap_diag("SET_MP_STATE RUNNABLE on vcpu %u: %s", id,
			 strerror(errno));
		goto free;
	}
	return v;
free:
	vcpu_free(v);
	return NULL;
}

/* Runs to the next exit; true if it is an OUT to @port (*val: data). */
static bool run_out(struct vcpu *v, uint16_t port, uint32_t *val)
{
	struct minivmm_run *run = v->run;

	if (!vcpu_run_expect(v, MINIVMM_EXIT_IO))
		return false;
	if (run->io.port != port || run->io.direction != MINIVMM_IO_OUT) {
		tap_diag("IO exit on port 0x%x dir %u, want OUT to 0x%x",
			 run->io.port, run->io.direction, port);
		vcpu_dump(v);
		return false;
	}
	*val = 0;
	memcpy(val, vcpu_io_data(v), run->io.size);
	return true;
}

/* Nothing is due: RUN sleeps until a 1-second alarm interrupts it. */
static bool run_idle(struct vcpu *v)
{
	unsigned int timeout = v->timeout_s;
	int rc;

	v->timeout_s = 1;
	rc = vcpu_run(v);
	v->timeout_s = timeout;
	if (rc == -1 && v->timed_out &&
	    v->run->exit_reason == MINIVMM_EXIT_INTR)
		return true;
	tap_diag("RUN gave %d (%s)%s exit %s, want to sleep until the alarm",
		 rc, strerror(v->last_errno), v->timed_out ? " timeout" : "",
		 exit_name(v->run->exit_reason));
	if (rc == 0)
		vcpu_dump(v);
	return false;
}

static int test_oneshot(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;
	double t0, dt;

	vm = irq_vm_create(oneshot_guest, oneshot_guest_end);
	CHECK(vm, "VM with irqchip");
	v = irq_vcpu_create(vm, 0, CODE_GPA);
	CHECK(v, "vcpu 0");
	vm_idt_set64(vm, 0x40, GUEST_ADDR(oneshot_guest, oneshot_irq));
	t0 = now_s();
	CHECK(run_out(v, PORT_IRQ, &val), "no timer interrupt");
	dt = now_s() - t0;
	CHECK_EQ(val, 0x40, "vector");
	tap_diag("one-shot 50 ms fired after %.1f ms", dt * 1e3);
	CHECK(dt >= 0.049, "fired early: %.1f ms", dt * 1e3);
	CHECK(dt < 5, "fired late: %.1f ms", dt * 1e3);
	CHECK(*DATA(0) > 0 && *DATA(0) <= 50000000,
	      "current count right after arming: %u", *DATA(0));
	CHECK_EQ(*DATA(4), 0x50014, "version register");
	CHECK_EQ(*DATA(8), 0, "ID register of vCPU 0");
	CHECK_EQ(*DATA(0xc), 0, "current count after firing");
	CHECK(run_idle(v), "a one-shot timer fired again");
	return CASE_PASS;
}

static int test_periodic(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val, i;
	double t0, dt;

	vm = irq_vm_create(periodic_guest, periodic_guest_end);
	CHECK(vm, "VM with irqchip");
	v = irq_vcpu_create(vm, 0, CODE_GPA);
	CHECK(v, "vcpu 0");
	vm_idt_set64(vm, 0x41, GUEST_ADDR(periodic_guest, periodic_irq));
	t0 = now_s();
	for (i = 1; i <= 5; i++) {
		CHECK(run_out(v, PORT_IRQ, &val), "tick %u missing", i);
		CHECK_EQ(val, i, "tick count");
	}
	dt = now_s() - t0;
	tap_diag("5 periods of 2 ms took %.1f ms", dt * 1e3);
	CHECK(dt >= 0.0099, "too fast: %.1f ms", dt * 1e3);
	return CASE_PASS;
}

static int test_deadline(void)
{
	uint64_t deadline, readback, after;
	long khz;
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;
	double t0, dt;

	vm = irq_vm_create(deadline_guest, deadline_guest_end);
	CHECK(vm, "VM with irqchip");
	khz = ioctl(vm->fd, MINIVMM_CHECK_CAP, MINIVMM_CAP_TSC_KHZ);
	CHECK(khz > 0, "MINIVMM_CAP_TSC_KHZ = %ld", khz);
	v = irq_vcpu_create(vm, 0, CODE_GPA);
	CHECK(v, "vcpu 0");
	vm_idt_set64(vm, 0x42, GUEST_ADDR(deadline_guest, deadline_irq));
	*(volatile uint64_t *)DATA(0x100) = (uint64_t)khz * 20;	/* 20 ms */
	t0 = now_s();
	CHECK(run_out(v, PORT_IRQ, &val), "no deadline interrupt");
	dt = now_s() - t0;
	CHECK_EQ(val, 0x42, "vector");
	tap_diag("TSC deadline 20 ms away fired after %.1f ms (tsc %ld kHz)",
		 dt * 1e3, khz);
	deadline = *(volatile uint64_t *)DATA(0x10);
	readback = *(volatile uint64_t *)DATA(0x18);
	after = *(volatile uint64_t *)DATA(0x20);
	CHECK_EQ(readback, deadline, "TSC_DEADLINE read while armed");
	CHECK_EQ(after, 0, "TSC_DEADLINE read after firing");
	CHECK(dt >= 0.019, "fired early: %.1f ms", dt * 1e3);
	CHECK(dt < 5, "fired late: %.1f ms", dt * 1e3);

	/* Far deadline disarmed by 0, then one in the past fires at once. */
	t0 = now_s();
	CHECK(run_out(v, PORT_IRQ, &val), "a past deadline did not fire");
	dt = now_s() - t0;
	CHECK_EQ(val, 0x42, "vector");
	CHECK_EQ(*(volatile uint64_t *)DATA(0x28), 0,
		 "TSC_DEADLINE read after writing 0");
	CHECK(dt < 1, "a past deadline took %.1f ms", dt * 1e3);
	CHECK(run_idle(v), "a disarmed deadline fired");
	return CASE_PASS;
}

static int test_x2apic(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;

	vm = irq_vm_create(x2apic_guest, x2apic_guest_end);
	CHECK(vm, "VM with irqchip");
	/* vCPU 5 alone: its x2APIC ID and LDR are not the defaults. */
	v = irq_vcpu_create(vm, 5, CODE_GPA);
	CHECK(v, "vcpu 5");
	vm_idt_set64(vm, 13, GUEST_ADDR(x2apic_guest, x2apic_gp));
	vm_idt_set64(vm, 0x43, GUEST_ADDR(x2apic_guest, x2apic_irq));
	CHECK(run_out(v, PORT_IRQ, &val), "no self IPI");
	CHECK_EQ(val, 0x43, "vector");
	CHECK_EQ(*DATA(0), 0xfee00800, "APIC base of an AP");
	CHECK_EQ(*DATA(4), 5, "x2APIC ID");
	CHECK_EQ(*DATA(8), 0x50014, "version");
	CHECK_EQ(*DATA(0xc), 0x20, "x2APIC LDR (cluster 0, bit 5)");
	CHECK_EQ(*DATA(0x40), 3, "#GPs: MSR before EXTD, DFR, x2APIC->xAPIC");
	CHECK(run_idle(v), "a spurious interrupt after EOI");
	return CASE_PASS;
}

struct runner {
	struct vcpu *v;
	pthread_t thread;
	unsigned int want;		/* exits to collect */
	unsigned int got;
	uint16_t port[4];
	uint32_t val[4];
	volatile int done;
	int rc, err;
};

static void sig_nop(int sig)
{
	(void)sig;
}

/* Collects r->want OUT exits on a thread of its own. */
static void *runner_fn(void *arg)
{
	struct runner *r = arg;
	struct minivmm_run *run = r->v->run;

	r->v->timeout_s = 0;	/* alarm() is process-wide: main stops us */
	while (r->got < r->want) {
		r->rc = vcpu_run(r->v);
		r->err = r->v->last_errno;
		if (r->rc || run->exit_reason != MINIVMM_EXIT_IO ||
		    run->io.direction != MINIVMM_IO_OUT)
			break;
		r->port[r->got] = run->io.port;
		r->val[r->got] = 0;
		memcpy(&r->val[r->got], vcpu_io_data(r->v), run->io.size);
		r->got++;
	}
	r->done = 1;
	return NULL;
}

static void runner_start(struct runner *r, struct vcpu *v, unsigned int want)
{
	struct sigaction sa = { .sa_handler = sig_nop };

	sigaction(SIGUSR1, &sa, NULL);	/* no SA_RESTART */
	r->v = v;
	r->want = want;
	pthread_create(&r->thread, NULL, runner_fn, r);
}

/* Waits up to @secs for the runner, then interrupts it; joins it. */
static void runner_stop(struct runner *r, double secs)
{
	struct timespec tick = { 0, 10000000 };
	double end = now_s() + secs;

	while (!r->done && now_s() < end)
		nanosleep(&tick, NULL);
	while (!r->done) {
		pthread_kill(r->thread, SIGUSR1);
		nanosleep(&tick, NULL);
	}
	pthread_join(r->thread, NULL);
}

static void runner_diag(const struct runner *r)
{
	unsigned int i;

	tap_diag("vcpu %u: %u of %u exits, last RUN %d (%s) exit %s",
		 r->v->id, r->got, r->want, r->rc, strerror(r->err),
		 exit_name(r->v->run->exit_reason));
	for (i = 0; i < r->got; i++)
		tap_diag("  OUT 0x%x <- 0x%x", r->port[i], r->val[i]);
}

static int test_ipi(void)
{
	struct runner r[3] = { { 0 } };
	struct vcpu *v[3];
	struct vm *vm;
	unsigned int i;
	bool ok;

	vm = irq_vm_create(ipi_guest, ipi_guest_end);
	CHECK(vm, "VM with irqchip");
	for (i = 0; i < 3; i++) {
		v[i] = irq_vcpu_create(vm, i, i ? GUEST_ADDR(ipi_guest, ipi_ap)
						: CODE_GPA);
		CHECK(v[i], "vcpu %u", i);
	}
	vm_idt_set64(vm, 0x44, GUEST_ADDR(ipi_guest, ipi_irq44));
	vm_idt_set64(vm, 0x45, GUEST_ADDR(ipi_guest, ipi_irq45));
	vm_idt_set64(vm, 0x46, GUEST_ADDR(ipi_guest, ipi_irq46));
	/*
	 * Each IPI is sent after the previous one arrived, so a vCPU that
	 * got one meant for the other sees it before the broadcast.
	 */
	runner_start(&r[0], v[0], 1);
	runner_start(&r[1], v[1], 2);
	runner_start(&r[2], v[2], 2);
	runner_stop(&r[0], 5);
	runner_stop(&r[1], 2);
	runner_stop(&r[2], 2);
	ok = r[0].got == 1 && r[0].port[0] == PORT_DONE &&
	     r[1].got == 2 && r[1].port[0] == PORT_IRQ &&
	     r[1].val[0] == 0x44 && r[1].port[1] == PORT_IRQ &&
	     r[1].val[1] == 0x45 &&
	     r[2].got == 2 && r[2].port[0] == PORT_IRQ &&
	     r[2].val[0] == 0x46 && r[2].port[1] == PORT_IRQ &&
	     r[2].val[1] == 0x45;
	if (!ok) {
		for (i = 0; i < 3; i++)
			runner_diag(&r[i]);
	}
	CHECK(ok, "0x44 to vCPU 1 only, 0x46 to vCPU 2 only, 0x45 to both");
	CHECK_EQ(r[0].val[0], 0xc0045, "ICR read back (delivery status idle)");
	return CASE_PASS;
}

static int test_init_sipi(void)
{
	struct minivmm_sregs sr;
	struct runner ap = { 0 };
	struct vcpu *bsp, *v1;
	struct vm *vm;
	uint32_t val;

	vm = irq_vm_create(sipi_ap, sipi_ap_end);
	CHECK(vm, "VM with irqchip");
	vm_load(vm, SIPI_BSP_GPA, sipi_bsp, sipi_bsp_end);
	bsp = irq_vcpu_create(vm, 0, SIPI_BSP_GPA);
	CHECK(bsp, "vcpu 0");
	v1 = vcpu_create(vm, 1);
	CHECK(v1, "vcpu 1");
	CHECK_EQ(mp_state_get(bsp), MINIVMM_MP_STATE_RUNNABLE, "BSP mp_state");
	CHECK_EQ(mp_state_get(v1), MINIVMM_MP_STATE_INIT_RECEIVED,
		 "AP mp_state before INIT/SIPI");

	runner_start(&ap, v1, 1);
	usleep(300000);
	if (ap.done)
		runner_diag(&ap);
	CHECK(!ap.done, "the AP's RUN returned before any SIPI");

	CHECK(run_out(bsp, PORT_DONE, &val), "BSP did not finish");
	runner_stop(&ap, 5);
	if (!(ap.got == 1 && ap.port[0] == PORT_AP &&
	      (ap.val[0] & 0xffff) == 0x99))
		runner_diag(&ap);
	CHECK(ap.got == 1 && ap.port[0] == PORT_AP, "the AP did not start");
	CHECK_EQ(ap.val[0] & 0xffff, 0x99, "AP's value");
	CHECK_OK(vcpu_get_sregs(v1, &sr), "GET_SREGS on the AP");
	CHECK_EQ(sr.cs.selector, SIPI_VECTOR << 8, "AP CS after SIPI");
	CHECK_EQ(sr.cs.base, (uint64_t)SIPI_VECTOR << 12, "AP CS base");
	CHECK_EQ(sr.cr0 & 1, 0, "AP not in real mode");
	CHECK_EQ(mp_state_get(v1), MINIVMM_MP_STATE_RUNNABLE,
		 "AP mp_state after SIPI");
	return CASE_PASS;
}

static int test_registers(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;

	vm = irq_vm_create(regs_guest, regs_guest_end);
	CHECK(vm, "VM with irqchip");
	v = irq_vcpu_create(vm, 0, CODE_GPA);
	CHECK(v, "vcpu 0");
	vm_idt_set64(vm, 2, GUEST_ADDR(regs_guest, regs_nmi));
	vm_idt_set64(vm, 0x45, GUEST_ADDR(regs_guest, regs_irq45));
	CHECK(run_out(v, PORT_IRQ, &val), "no interrupt after TPR dropped");
	CHECK_EQ(val, 0x45, "vector");
	CHECK(run_out(v, PORT_IRQ, &val), "no NMI");
	CHECK_EQ(val, 2, "NMI handler");
	CHECK(run_out(v, PORT_READY, &val), "guest did not finish");
	CHECK_EQ(*DATA(0), 0x50, "PPR with TPR 0x50, nothing in service");
	CHECK_EQ(*DATA(4), 5, "CR8 after TPR = 0x50");
	CHECK_EQ(*DATA(8), 0x20, "IRR: 0x45 held back by TPR");
	CHECK_EQ(*DATA(0xc), 0x20, "ISR in the handler of 0x45");
	tap_diag("0x45 interrupted step %u", *DATA(0x104));
	CHECK(*DATA(0x104) >= 1 && *DATA(0x104) <= 2,
	      "0x45 taken at step %u: 0 ignores TPR, 3 is late",
	      *DATA(0x104));
	CHECK_EQ(*DATA(0x10), 0, "TPR after CR8 = 0");
	CHECK_EQ(*DATA(0x14), 0x20, "ESR: send illegal vector");
	CHECK_EQ(*DATA(0x18), 0, "ISR after EOI");
	CHECK_EQ(*DATA(0x1c), 0x10000, "LVT timer after software disable");
	CHECK_EQ(*DATA(0x20), 0x10040, "LVT write while disabled stays masked");
	CHECK_EQ(*DATA(0x24), 0, "IRR: a fixed IPI to a disabled APIC");
	CHECK(run_idle(v), "an interrupt after the end");
	return CASE_PASS;
}

static int test_odd_access(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;

	vm = irq_vm_create(odd_guest, odd_guest_end);
	CHECK(vm, "VM with irqchip");
	v = irq_vcpu_create(vm, 3, CODE_GPA);
	CHECK(v, "vcpu 3");
	CHECK(run_out(v, PORT_READY, &val), "guest did not finish");
	CHECK_EQ(*DATA(0), 3, "1-byte read of ID byte 3");
	CHECK_EQ(*DATA(4), 0x0300, "2-byte read of ID bytes 2-3");
	CHECK_EQ(*DATA(8), 0, "4-byte read across a register");
	CHECK_EQ(*(volatile uint64_t *)DATA(0x10), 0, "8-byte read");
	CHECK_EQ(*DATA(0x18), 0, "read of bytes 4-7 of a register slot");
	CHECK_EQ(*DATA(0x1c), 0x30, "TPR after 2/8-byte and unaligned writes");
	CHECK_EQ(*DATA(0x20), 0x03000000, "ID after a write");
	CHECK_EQ(*DATA(0x24), 0x50014, "version after a write");
	CHECK_EQ(*DATA(0x28), 0, "offset 0xff0");
	CHECK_EQ(*DATA(0x2c), 0, "IOAPIC ID after a 1-byte IOREGSEL write");
	CHECK_EQ(*DATA(0x30), 0x00170020, "IOAPIC version after a write");
	CHECK_EQ(*DATA(0x34), 0, "2-byte IOWIN read");
	CHECK_EQ(*DATA(0x38), 0, "register past the last pin");
	CHECK_EQ(*DATA(0x3c), 0, "IOAPIC offset 0x20");
	CHECK_EQ(*DATA(0x40), 0xff000000, "pin 23 high half: dest only");
	CHECK_EQ(*DATA(0x44), 0x1afff, "pin 23 low half: writable bits");
	return CASE_PASS;
}

static int test_ioapic(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;

	vm = irq_vm_create(ioapic_guest, ioapic_guest_end);
	CHECK(vm, "VM with irqchip");
	v = irq_vcpu_create(vm, 0, CODE_GPA);
	CHECK(v, "vcpu 0");
	vm_idt_set64(vm, 0x46, GUEST_ADDR(ioapic_guest, ioapic_irq46));
	vm_idt_set64(vm, 0x47, GUEST_ADDR(ioapic_guest, ioapic_irq47));
	CHECK(run_out(v, PORT_READY, &val), "guest setup");
	CHECK_EQ(*DATA(0), 0x00170020, "IOAPIC version register");
	CHECK_EQ(*DATA(4), 0x46, "pin 4 entry read back");

	/* Edge pin 4: one pulse, one interrupt; masked pin 6: none. */
	CHECK_OK(hv_irq_line(&vm->hv, 4, 1), "IRQ_LINE 4 high");
	CHECK_OK(hv_irq_line(&vm->hv, 4, 0), "IRQ_LINE 4 low");
	CHECK_OK(hv_irq_line(&vm->hv, 6, 1), "IRQ_LINE 6 (masked) high");
	CHECK(run_out(v, PORT_IRQ, &val), "no interrupt for pin 4");
	CHECK_EQ(val, 0x46, "vector");
	CHECK(run_idle(v), "pin 4 fired twice, or masked pin 6 fired");

	/* Level pin 5: fires again after each EOI while the line is high. */
	CHECK_OK(hv_irq_line(&vm->hv, 5, 1), "IRQ_LINE 5 high");
	CHECK(run_out(v, PORT_IRQ, &val), "no interrupt for pin 5");
	CHECK_EQ(val, 0x47, "vector");
	CHECK(run_out(v, PORT_IRQ, &val), "pin 5 did not fire again");
	CHECK_EQ(val, 0x47, "vector");
	CHECK_OK(hv_irq_line(&vm->hv, 5, 0), "IRQ_LINE 5 low");
	CHECK(run_idle(v), "pin 5 fired after its line dropped");
	return CASE_PASS;
}

static int test_msi(void)
{
	struct vcpu *v;
	struct vm *vm;
	uint32_t val;

	vm = irq_vm_create(msi_guest, msi_guest_end);
	CHECK(vm, "VM with irqchip");
	v = irq_vcpu_create(vm, 0, CODE_GPA);
	CHECK(v, "vcpu 0");
	vm_idt_set64(vm, 0x48, GUEST_ADDR(msi_guest, msi_irq48));
	CHECK(run_out(v, PORT_READY, &val), "guest setup");
	CHECK_EQ(hv_signal_msi(&vm->hv, 0xfee00000, 0x48), 1,
		 "MSI to APIC ID 0");
	CHECK(run_out(v, PORT_IRQ, &val), "no MSI interrupt");
	CHECK_EQ(val, 0x48, "vector");
	CHECK_EQ(hv_signal_msi(&vm->hv, 0xfee07000, 0x48), 0,
		 "MSI to absent ID 7");
	CHECK(run_idle(v), "an MSI to ID 7 reached vCPU 0");
	return CASE_PASS;
}

static int test_bad_input(void)
{
	struct minivmm_create_irqchip ic = { 0 };
	struct minivmm_interrupt intr = { .vector = 0x40 };
	struct minivmm_mp_state mp = { 0 };
	struct minivmm_msi msi = { .address = 0xfee00000, .data = 0x40 };
	struct vcpu *v;
	struct vm *vm;

	vm = vm_std_create();
	CHECK(vm, "VM");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 0, 1), ENXIO,
		    "IRQ_LINE without irqchip");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0xfee00000, 0x40), ENXIO,
		    "SIGNAL_MSI without irqchip");
	ic.flags = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic), EINVAL,
		    "CREATE_IRQCHIP flags 1");
	ic.flags = 0;
	ic.pad = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic), EINVAL,
		    "CREATE_IRQCHIP pad 1");
	ic.pad = 0;
	CHECK_OK(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic), "CREATE_IRQCHIP");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic), EEXIST,
		    "CREATE_IRQCHIP twice");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 24, 1), EINVAL,
		    "IRQ_LINE gsi 24");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 0xffffffff, 1), EINVAL,
		    "IRQ_LINE gsi 0xffffffff");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 3, 2), EINVAL, "IRQ_LINE level 2");
	CHECK_OK(hv_irq_line(&vm->hv, 23, 1), "IRQ_LINE gsi 23");
	CHECK_OK(hv_irq_line(&vm->hv, 23, 0), "IRQ_LINE gsi 23 low");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0xfed00000, 0x40), EINVAL,
		    "MSI address 0xfed00000");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0xfef00000, 0x40), EINVAL,
		    "MSI address 0xfef00000");
	CHECK_ERRNO(hv_signal_msi(&vm->hv, 0x1fee00000ULL, 0x40), EINVAL,
		    "MSI address above 4 GiB");
	msi.flags = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SIGNAL_MSI, &msi), EINVAL,
		    "MSI flags 1");
	msi.flags = 0;
	msi.pad = 1;
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_SIGNAL_MSI, &msi), EINVAL,
		    "MSI pad 1");

	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu 0");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_INTERRUPT, &intr), ENXIO,
		    "MINIVMM_INTERRUPT with an irqchip");
	mp.mp_state = 3;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_MP_STATE, &mp), EINVAL,
		    "SET_MP_STATE 3");
	mp.mp_state = MINIVMM_MP_STATE_RUNNABLE;
	mp.pad = 1;
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_SET_MP_STATE, &mp), EINVAL,
		    "SET_MP_STATE pad 1");
	vcpu_free(v);
	vm_free(vm);

	/* A vCPU exists: too late for an irqchip; no MP state without. */
	vm = vm_std_create();
	CHECK(vm, "VM");
	v = vcpu_create(vm, 0);
	CHECK(v, "vcpu 0");
	CHECK_ERRNO(ioctl(vm->fd, MINIVMM_CREATE_IRQCHIP, &ic), EBUSY,
		    "CREATE_IRQCHIP after a vCPU");
	CHECK_ERRNO(ioctl(v->fd, MINIVMM_GET_MP_STATE, &mp), ENXIO,
		    "GET_MP_STATE without irqchip");
	CHECK_ERRNO(hv_irq_line(&vm->hv, 0, 1), ENXIO,
		    "IRQ_LINE after refusal");
	vcpu_free(v);
	vm_free(vm);
	return CASE_PASS;
}

static const struct test_case cases[] = {
	{ "LAPIC timer one-shot fires once, after its time", test_oneshot, 0 },
	{ "LAPIC timer periodic fires repeatedly", test_periodic, 0 },
	{ "TSC-deadline timer: fires, reads back, disarms", test_deadline, 0 },
	{ "x2APIC MSRs: ID, LDR, #GP rules, self IPI", test_x2apic, 0 },
	{ "IPIs: physical, logical flat, all-but-self", test_ipi, 0 },
	{ "INIT/SIPI starts an AP in real mode", test_init_sipi, 0 },
	{ "xAPIC TPR/PPR/CR8, IRR/ISR, ESR, SVR, NMI IPI", test_registers, 0 },
	{ "odd LAPIC/IOAPIC accesses read 0 or are dropped", test_odd_access,
	  0 },
	{ "IOAPIC edge and level pins, EOI re-fire", test_ioapic, 0 },
	{ "MSI delivery by destination", test_msi, 0 },
	{ "irqchip ioctls reject bad input", test_bad_input, 0 },
};

int main(void)
{
	return cases_run(cases, ARRAY_SIZE(cases));
}
