// SPDX-License-Identifier: GPL-2.0
/*
 * backend_minivmm.c - runs the benchmark's guest through /dev/minivmm,
 * with the VMM's kernel-call layer (vmm/hv.h).  Mirrors backend_kvm.c
 * step for step so both do the same work per exit.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exit_bench.h"
#include "hv.h"

struct bench_backend {
	struct hv_vm vm;
	struct hv_vcpu vcpu;
};

static void mvm_backend_close(struct bench_backend *b)
{
	hv_vcpu_destroy(&b->vcpu);
	hv_vm_destroy(&b->vm);
	free(b);
}

static int mvm_set_cpuid(struct bench_backend *b)
{
	struct minivmm_cpuid_entry e[BENCH_NR_CPUID];
	int i;

	memset(e, 0, sizeof(e));
	for (i = 0; i < BENCH_NR_CPUID; i++) {
		const struct bench_cpuid *c = &bench_cpuid_table[i];

		e[i].function = c->function;
		e[i].eax = c->eax;
		e[i].ebx = c->ebx;
		e[i].ecx = c->ecx;
		e[i].edx = c->edx;
	}
	return hv_set_cpuid(&b->vcpu, e, BENCH_NR_CPUID);
}

static int mvm_set_state(struct bench_backend *b,
			 const struct bench_start *start)
{
	struct minivmm_sregs sregs;
	struct minivmm_regs regs;

	/* The reset state first: its apic_base stays. */
	if (hv_get_sregs(&b->vcpu, &sregs))
		return -1;
	bench_start_state(start, &sregs, &regs);
	if (hv_set_sregs(&b->vcpu, &sregs))
		return -1;
	return hv_set_regs(&b->vcpu, &regs);
}

static struct bench_backend *mvm_backend_create(const char *dev, void *ram,
						const struct bench_start *start)
{
	struct bench_backend *b;
	const char *step;
	char msg[256];

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->vcpu.fd = -1;
	if (hv_vm_create(&b->vm, dev, msg, sizeof(msg))) {
		fprintf(stderr, "exit_bench: minivmm: %s\n", msg);
		free(b);
		return NULL;
	}
	step = "MINIVMM_SET_MEMORY_REGION";
	if (hv_set_memory(&b->vm, 0, 0, GUEST_RAM_SIZE, ram, 0))
		goto fail;
	step = "MINIVMM_CREATE_VCPU";
	if (hv_vcpu_create(&b->vm, 0, &b->vcpu))
		goto fail;
	step = "MINIVMM_SET_CPUID";
	if (mvm_set_cpuid(b) < 0)
		goto fail;
	step = "MINIVMM_SET_SREGS/REGS";
	if (mvm_set_state(b, start) < 0)
		goto fail;
	return b;

fail:
	fprintf(stderr, "exit_bench: minivmm: %s %s: %s\n", step, dev,
		strerror(errno));
	mvm_backend_close(b);
	return NULL;
}

static int mvm_backend_run(struct bench_backend *b, struct bench_exit *ex)
{
	struct minivmm_run *run = b->vcpu.run;
	uint8_t *data;

	if (hv_vcpu_run(&b->vcpu)) {
		fprintf(stderr, "exit_bench: minivmm: MINIVMM_RUN: %s\n",
			strerror(errno));
		return -1;
	}
	ex->raw_reason = run->exit_reason;
	switch (run->exit_reason) {
	case MINIVMM_EXIT_IO:
		data = hv_io_data(&b->vcpu);
		if (run->io.direction != MINIVMM_IO_OUT || run->io.count != 1 ||
		    !data)
			break;
		bench_exit_pio(ex, run->io.port, run->io.size, *data);
		return 0;
	case MINIVMM_EXIT_MMIO:
		if (!run->mmio.is_write)
			break;
		bench_exit_mmio(ex, run->mmio.phys_addr, run->mmio.len,
				run->mmio.data);
		return 0;
	}
	ex->kind = BENCH_EXIT_OTHER;
	return 0;
}

static int mvm_backend_get_r12(struct bench_backend *b, uint64_t *val)
{
	struct minivmm_regs regs;

	if (hv_get_regs(&b->vcpu, &regs))
		return -1;
	*val = regs.r12;
	return 0;
}

const struct bench_backend_ops bench_minivmm_ops = {
	.name = "minivmm",
	.create = mvm_backend_create,
	.run = mvm_backend_run,
	.get_r12 = mvm_backend_get_r12,
	.destroy = mvm_backend_close,
};
