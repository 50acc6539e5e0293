// SPDX-License-Identifier: GPL-2.0
/* One thread per vCPU and the switch over its exits. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>

#include "boot_timer.h"
#include "err.h"
#include "guest_mem.h"
#include "ioport.h"
#include "log.h"
#include "mmio.h"
#include "vmm.h"

/* Sent to a vCPU thread to get it out of MINIVMM_RUN. */
#define VCPU_KICK_SIGNAL	SIGUSR1

static __thread struct minivmm_run *vcpu_tls_run;

/*
 * A signal arriving while the thread is in RUN makes RUN return EINTR;
 * one arriving just before entry is caught by immediate_exit instead.
 */
static void vcpu_kick_handler(int sig)
{
	(void)sig;
	if (vcpu_tls_run)
		vcpu_tls_run->immediate_exit = 1;
}

int vcpu_signals_init(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = vcpu_kick_handler;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: RUN must come back with EINTR. */
	return sigaction(VCPU_KICK_SIGNAL, &sa, NULL);
}

void vcpu_kick_all(struct vmm *vmm)
{
	unsigned int i;

	atomic_store(&vmm->stopping, true);
	for (i = 0; i < vmm->cfg.nr_cpus; i++)
		if (atomic_load(&vmm->cpus[i].started))
			pthread_kill(vmm->cpus[i].thread, VCPU_KICK_SIGNAL);
	pthread_mutex_lock(&vmm->lock);
	pthread_cond_broadcast(&vmm->cond);
	pthread_mutex_unlock(&vmm->lock);
}

static void seg_dump(const char *name, const struct minivmm_segment *s)
{
	fprintf(stderr,
		"  %-3s sel=%04x base=%016" PRIx64 " limit=%08x type=%x p=%u dpl=%u db=%u s=%u l=%u g=%u%s\n",
		name, s->selector, s->base, s->limit, s->type, s->present,
		s->dpl, s->db, s->s, s->l, s->g,
		s->unusable ? " unusable" : "");
}

static void code_dump(struct vcpu *cpu, const struct minivmm_regs *r,
		      const struct minivmm_sregs *s)
{
	const struct guest_ram *ram = &cpu->vmm->ram;
	const uint8_t *bytes = NULL;
	unsigned int i, n = 16;
	uint64_t gpa;

	if (guest_linear_to_phys(ram, s, s->cs.base + r->rip, &gpa))
		return;
	/* Fewer bytes at the very end of RAM. */
	while (n && !(bytes = guest_ram_ptr(ram, gpa, n)))
		n--;
	if (!n)
		return;
	fprintf(stderr, "  code at gpa %" PRIx64 ":", gpa);
	for (i = 0; i < n; i++)
		fprintf(stderr, " %02x", bytes[i]);
	fputc('\n', stderr);
}

void vcpu_dump(struct vcpu *cpu)
{
	struct minivmm_regs r;
	struct minivmm_sregs s;

	fprintf(stderr, "minivmm: vCPU %u state:\n", cpu->hv.id);
	if (hv_get_regs(&cpu->hv, &r)) {
		fprintf(stderr, "  MINIVMM_GET_REGS failed: %s\n",
			strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rax=%016" PRIx64 " rbx=%016" PRIx64 " rcx=%016" PRIx64 " rdx=%016" PRIx64 "\n"
		"  rsi=%016" PRIx64 " rdi=%016" PRIx64 " rsp=%016" PRIx64 " rbp=%016" PRIx64 "\n"
		"  r8 =%016" PRIx64 " r9 =%016" PRIx64 " r10=%016" PRIx64 " r11=%016" PRIx64 "\n"
		"  r12=%016" PRIx64 " r13=%016" PRIx64 " r14=%016" PRIx64 " r15=%016" PRIx64 "\n"
		"  rip=%016" PRIx64 " rflags=%016" PRIx64 "\n",
		r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rsp, r.rbp,
		r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15,
		r.rip, r.rflags);
	if (hv_get_sregs(&cpu->hv, &s)) {
		fprintf(stderr, "  MINIVMM_GET_SREGS failed: %s\n",
			strerror(errno));
		return;
	}
	seg_dump("cs", &s.cs);
	seg_dump("ds", &s.ds);
	seg_dump("es", &s.es);
	seg_dump("fs", &s.fs);
	seg_dump("gs", &s.gs);
	seg_dump("ss", &s.ss);
	seg_dump("tr", &s.tr);
	seg_dump("ldt", &s.ldt);
	fprintf(stderr,
		"  gdt=%016" PRIx64 "/%04x idt=%016" PRIx64 "/%04x\n"
		"  cr0=%016" PRIx64 " cr2=%016" PRIx64 " cr3=%016" PRIx64 "\n"
		"  cr4=%016" PRIx64 " cr8=%016" PRIx64 " efer=%016" PRIx64 " apic_base=%016" PRIx64 "\n",
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit,
		s.cr0, s.cr2, s.cr3, s.cr4, s.cr8, s.efer, s.apic_base);
	code_dump(cpu, &r, &s);
}

static const char *internal_suberror_name(uint32_t sub)
{
	switch (sub) {
	case MINIVMM_INTERNAL_ERROR_EMULATION:
		return "instruction emulation failed";
	case MINIVMM_INTERNAL_ERROR_UNHANDLED_EXIT:
		return "unhandled hardware exit";
	case MINIVMM_INTERNAL_ERROR_DELIVERY_EV:
		return "exit while delivering an event";
	default:
		return "unknown suberror";
	}
}

static void vcpu_report_internal(struct vcpu *cpu)
{
	struct minivmm_run *run = cpu->hv.run;
	uint32_t sub = run->internal.suberror;
	uint32_t i, n = run->internal.ndata;
	uint8_t bytes[sizeof(run->internal.data)];

	if (n > 16)
		n = 16;
	pr_err("vCPU %u: internal error: suberror %u (%s), %u data words",
	       cpu->hv.id, sub, internal_suberror_name(sub), n);
	for (i = 0; i < n; i++)
		fprintf(stderr, "  data[%u]=%016" PRIx64 "\n", i,
			run->internal.data[i]);
	if (sub == MINIVMM_INTERNAL_ERROR_EMULATION && n) {
		memcpy(bytes, run->internal.data, n * 8);
		fprintf(stderr, "  instruction bytes:");
		for (i = 0; i < n * 8 && i < 16; i++)
			fprintf(stderr, " %02x", bytes[i]);
		fputc('\n', stderr);
	}
}

/* This vCPU stops for good; the last one to stop ends the VM. */
static void vcpu_halted(struct vcpu *cpu, bool if_set)
{
	struct vmm *vmm = cpu->vmm;
	bool last;

	pthread_mutex_lock(&vmm->lock);
	last = --vmm->running == 0;
	pthread_mutex_unlock(&vmm->lock);
	pr_debug("vCPU %u halted with IF=%d%s", cpu->hv.id, if_set,
		 last ? " (last one)" : "");
	if (last)
		vmm_finish(vmm, if_set ? VMM_EXIT_IDLE : VMM_EXIT_OK);
}

/*
 * HLT with IF=1 waits for an interrupt.  Nothing delivers interrupts yet,
 * so the vCPU parks until the VM stops; if it was the last one running,
 * nothing can ever wake the VM and it ends with VMM_EXIT_IDLE.
 */
static void vcpu_park(struct vcpu *cpu)
{
	struct vmm *vmm = cpu->vmm;

	vcpu_halted(cpu, true);
	pthread_mutex_lock(&vmm->lock);
	while (!atomic_load(&vmm->stopping))
		pthread_cond_wait(&vmm->cond, &vmm->lock);
	pthread_mutex_unlock(&vmm->lock);
}

static void vcpu_crash(struct vcpu *cpu)
{
	vcpu_dump(cpu);
	vmm_finish(cpu->vmm, VMM_EXIT_CRASH);
}

/* Handles one exit; false when the thread must end. */
static bool vcpu_handle_exit(struct vcpu *cpu)
{
	struct minivmm_run *run = cpu->hv.run;
	struct minivmm_regs regs;
	uint8_t *data;
	uint32_t i;

	switch (run->exit_reason) {
	case MINIVMM_EXIT_IO:
		data = hv_io_data(&cpu->hv);
		if (!data || !run->io.count ||
		    (run->io.size != 1 && run->io.size != 2 &&
		     run->io.size != 4)) {
			pr_err("vCPU %u: malformed IO exit (port 0x%x size %u count %u)",
			       cpu->hv.id, run->io.port, run->io.size,
			       run->io.count);
			vmm_finish(cpu->vmm, VMM_EXIT_ERROR);
			return false;
		}
		for (i = 0; i < run->io.count; i++)
			ioport_dispatch(run->io.port, data + i * run->io.size,
					run->io.size,
					run->io.direction == MINIVMM_IO_OUT);
		return true;
	case MINIVMM_EXIT_MMIO:
		mmio_dispatch(run->mmio.phys_addr, run->mmio.data,
			      run->mmio.len, run->mmio.is_write);
		return true;
	case MINIVMM_EXIT_HLT:
		/*
		 * With an irqchip the kernel waits for the interrupt; a
		 * module that exits anyway gets the vCPU back at once
		 * (the guest's HLT then acts as a pause).
		 */
		if (cpu->vmm->irqchip)
			return true;
		/* Ask the registers: run->if_flag may lag on some backends. */
		if (hv_get_regs(&cpu->hv, &regs)) {
			pr_err("vCPU %u: MINIVMM_GET_REGS failed: %s",
			       cpu->hv.id, strerror(errno));
			vmm_finish(cpu->vmm, VMM_EXIT_ERROR);
			return false;
		}
		if (regs.rflags & X86_RFLAGS_IF)
			vcpu_park(cpu);
		else
			vcpu_halted(cpu, false);
		return false;
	case MINIVMM_EXIT_SHUTDOWN:
		pr_err("vCPU %u: triple fault (SHUTDOWN exit)", cpu->hv.id);
		vcpu_crash(cpu);
		return false;
	case MINIVMM_EXIT_FAIL_ENTRY:
		pr_err("vCPU %u: VM entry failed on host CPU %u: hardware reason 0x%" PRIx64,
		       cpu->hv.id, run->fail_entry.cpu,
		       (uint64_t)run->fail_entry.hardware_entry_failure_reason);
		vcpu_crash(cpu);
		return false;
	case MINIVMM_EXIT_INTERNAL_ERROR:
		vcpu_report_internal(cpu);
		vcpu_crash(cpu);
		return false;
	case MINIVMM_EXIT_INTR:
	case MINIVMM_EXIT_IRQ_WINDOW_OPEN:
		return true;
	default:
		pr_err("vCPU %u: unknown exit reason %u", cpu->hv.id,
		       run->exit_reason);
		vcpu_crash(cpu);
		return false;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *cpu = arg;
	struct vmm *vmm = cpu->vmm;

	vcpu_tls_run = cpu->hv.run;
	/* The boot vCPU's first entry is the guest's first instruction. */
	if (!cpu->hv.id)
		boot_timer_guest_start();
	while (!atomic_load(&vmm->stopping)) {
		if (hv_vcpu_run(&cpu->hv)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			pr_err("vCPU %u: MINIVMM_RUN failed: %s", cpu->hv.id,
			       strerror(errno));
			vmm_finish(vmm, VMM_EXIT_ERROR);
			break;
		}
		if (!vcpu_handle_exit(cpu))
			break;
	}
	vcpu_tls_run = NULL;
	return NULL;
}

int vcpu_start(struct vcpu *cpu)
{
	int ret = pthread_create(&cpu->thread, NULL, vcpu_thread, cpu);

	if (ret)
		return err_set(ret);
	atomic_store(&cpu->started, true);
	return 0;
}
