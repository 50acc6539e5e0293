// SPDX-License-Identifier: GPL-2.0
/*
 * backend_minivmm.c - runs the benchmark's guest through /dev/minivmm.
 * Mirrors backend_kvm.c step for step so both do the same work per exit.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../include/minivmm.h"
#include "exit_bench.h"

struct bench_backend {
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
	struct minivmm_run *run;
	size_t run_size;
};

static void mvm_backend_close(struct bench_backend *b)
{
	if (b->run)
		munmap(b->run, b->run_size);
	if (b->vcpu_fd >= 0)
		close(b->vcpu_fd);
	if (b->vm_fd >= 0)
		close(b->vm_fd);
	if (b->sys_fd >= 0)
		close(b->sys_fd);
	free(b);
}

static int mvm_set_cpuid(struct bench_backend *b)
{
	struct minivmm_cpuid *cpuid;
	size_t size;
	int i, ret;

	size = sizeof(*cpuid) + BENCH_NR_CPUID * sizeof(cpuid->entries[0]);
	cpuid = calloc(1, size);
	if (!cpuid)
		return -1;
	cpuid->nent = BENCH_NR_CPUID;
	for (i = 0; i < BENCH_NR_CPUID; i++) {
		const struct bench_cpuid *e = &bench_cpuid_table[i];

		cpuid->entries[i].function = e->function;
		cpuid->entries[i].eax = e->eax;
		cpuid->entries[i].ebx = e->ebx;
		cpuid->entries[i].ecx = e->ecx;
		cpuid->entries[i].edx = e->edx;
	}
	ret = ioctl(b->vcpu_fd, MINIVMM_SET_CPUID, cpuid);
	free(cpuid);
	return ret;
}

static void mvm_seg_fill(struct minivmm_segment *s, uint16_t sel,
			 uint8_t type, int code)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = sel;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code;
	s->db = !code;
}

static int mvm_set_state(struct bench_backend *b,
			 const struct bench_start *start)
{
	struct minivmm_sregs sregs;
	struct minivmm_regs regs;

	/* Start from the reset state so TR and LDTR stay valid. */
	if (ioctl(b->vcpu_fd, MINIVMM_GET_SREGS, &sregs) < 0)
		return -1;
	mvm_seg_fill(&sregs.cs, 0x08, 0xb, 1);
	mvm_seg_fill(&sregs.ds, 0x10, 0x3, 0);
	sregs.es = sregs.ds;
	sregs.fs = sregs.ds;
	sregs.gs = sregs.ds;
	sregs.ss = sregs.ds;
	sregs.gdt.base = GUEST_GDT;
	sregs.gdt.limit = 3 * 8 - 1;
	sregs.cr0 = BENCH_CR0;
	sregs.cr3 = GUEST_PML4;
	sregs.cr4 = BENCH_CR4;
	sregs.efer = BENCH_EFER;
	if (ioctl(b->vcpu_fd, MINIVMM_SET_SREGS, &sregs) < 0)
		return -1;

	memset(&regs, 0, sizeof(regs));
	regs.rip = start->rip;
	regs.rsp = start->rsp;
	regs.rdi = start->rdi;
	regs.rsi = start->rsi;
	regs.rdx = start->rdx;
	regs.rflags = 0x2;
	return ioctl(b->vcpu_fd, MINIVMM_SET_REGS, &regs);
}

static struct bench_backend *mvm_backend_create(const char *dev, void *ram,
						const struct bench_start *start)
{
	struct minivmm_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
	struct minivmm_create_vcpu cc = { .id = 0 };
	struct minivmm_create_vm cv = { 0 };
	struct bench_backend *b;
	const char *step;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	b->vm_fd = -1;
	b->vcpu_fd = -1;

	step = "open";
	b->sys_fd = open(dev, O_RDWR | O_CLOEXEC);
	if (b->sys_fd < 0)
		goto fail;
	step = "MINIVMM_GET_API_VERSION";
	ret = ioctl(b->sys_fd, MINIVMM_GET_API_VERSION, 0);
	if (ret != MINIVMM_API_VERSION) {
		errno = ret < 0 ? errno : EPROTO;
		goto fail;
	}
	step = "MINIVMM_CREATE_VM";
	b->vm_fd = ioctl(b->sys_fd, MINIVMM_CREATE_VM, &cv);
	if (b->vm_fd < 0)
		goto fail;
	step = "MINIVMM_SET_MEMORY_REGION";
	if (ioctl(b->vm_fd, MINIVMM_SET_MEMORY_REGION, &region) < 0)
		goto fail;
	step = "MINIVMM_CREATE_VCPU";
	b->vcpu_fd = ioctl(b->vm_fd, MINIVMM_CREATE_VCPU, &cc);
	if (b->vcpu_fd < 0)
		goto fail;
	step = "MINIVMM_GET_VCPU_MMAP_SIZE";
	ret = ioctl(b->sys_fd, MINIVMM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct minivmm_run))
		goto fail;
	b->run_size = ret;
	step = "mmap vcpu";
	b->run = mmap(NULL, b->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->vcpu_fd, 0);
	if (b->run == MAP_FAILED) {
		b->run = NULL;
		goto fail;
	}
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
	struct minivmm_run *run = b->run;

	if (ioctl(b->vcpu_fd, MINIVMM_RUN, 0) < 0) {
		fprintf(stderr, "exit_bench: minivmm: MINIVMM_RUN: %s\n",
			strerror(errno));
		return -1;
	}
	ex->raw_reason = run->exit_reason;
	switch (run->exit_reason) {
	case MINIVMM_EXIT_IO:
		if (run->io.direction != MINIVMM_IO_OUT || run->io.count != 1 ||
		    run->io.data_offset >= b->run_size)
			break;
		ex->kind = BENCH_EXIT_PIO_OUT;
		ex->addr = run->io.port;
		ex->size = run->io.size;
		ex->value = *((uint8_t *)run + run->io.data_offset);
		return 0;
	case MINIVMM_EXIT_MMIO:
		if (!run->mmio.is_write)
			break;
		ex->kind = BENCH_EXIT_MMIO_WRITE;
		ex->addr = run->mmio.phys_addr;
		ex->size = run->mmio.len;
		ex->value = 0;
		memcpy(&ex->value, run->mmio.data,
		       ex->size <= 8 ? ex->size : 8);
		return 0;
	}
	ex->kind = BENCH_EXIT_OTHER;
	return 0;
}

static int mvm_backend_get_r12(struct bench_backend *b, uint64_t *val)
{
	struct minivmm_regs regs;

	if (ioctl(b->vcpu_fd, MINIVMM_GET_REGS, &regs) < 0)
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
