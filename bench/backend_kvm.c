// SPDX-License-Identifier: GPL-2.0
/*
 * backend_kvm.c - runs the benchmark's guest through /dev/kvm, the
 * yardstick minivmm is measured against.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "exit_bench.h"
#include "kvm_x86.h"

struct bench_backend {
	int sys_fd;
	int vm_fd;
	int vcpu_fd;
	struct kvm_run *run;
	size_t run_size;
};

static void kvm_backend_close(struct bench_backend *b)
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

static int kvm_set_cpuid(struct bench_backend *b)
{
	struct kvm_cpuid2 *cpuid;
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
	ret = ioctl(b->vcpu_fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	return ret;
}

/* The VMM's 64-bit start state (bench_start_state) in KVM's terms. */
static int kvm_set_state(struct bench_backend *b,
			 const struct bench_start *start)
{
	struct minivmm_sregs msregs = { 0 };
	struct minivmm_regs mregs;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	/* KVM's reset state keeps its apic_base and interrupt bitmap. */
	if (ioctl(b->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	bench_start_state(start, &msregs, &mregs);
	kvm_sregs_from(&sregs, &msregs);
	if (ioctl(b->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	memset(&regs, 0, sizeof(regs));
	kvm_regs_from(&regs, &mregs);
	return ioctl(b->vcpu_fd, KVM_SET_REGS, &regs);
}

static struct bench_backend *kvm_backend_create(const char *dev, void *ram,
						const struct bench_start *start)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = GUEST_RAM_SIZE,
		.userspace_addr = (uintptr_t)ram,
	};
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
	step = "KVM_GET_API_VERSION";
	ret = ioctl(b->sys_fd, KVM_GET_API_VERSION, 0);
	if (ret != KVM_API_VERSION) {
		errno = ret < 0 ? errno : EPROTO;
		goto fail;
	}
	step = "KVM_CREATE_VM";
	b->vm_fd = ioctl(b->sys_fd, KVM_CREATE_VM, 0);
	if (b->vm_fd < 0)
		goto fail;
	/*
	 * VT-x wants a TSS area for real mode before the first run; harmless
	 * on AMD-V.  The guest never leaves 64-bit mode, so failure is fine.
	 */
	ioctl(b->vm_fd, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	step = "KVM_SET_USER_MEMORY_REGION";
	if (ioctl(b->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto fail;
	step = "KVM_CREATE_VCPU";
	b->vcpu_fd = ioctl(b->vm_fd, KVM_CREATE_VCPU, 0);
	if (b->vcpu_fd < 0)
		goto fail;
	step = "KVM_GET_VCPU_MMAP_SIZE";
	ret = ioctl(b->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct kvm_run))
		goto fail;
	b->run_size = ret;
	step = "mmap vcpu";
	b->run = mmap(NULL, b->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      b->vcpu_fd, 0);
	if (b->run == MAP_FAILED) {
		b->run = NULL;
		goto fail;
	}
	/* Before SET_SREGS: KVM accepts EFER.LME only with CPUID's LM bit. */
	step = "KVM_SET_CPUID2";
	if (kvm_set_cpuid(b) < 0)
		goto fail;
	step = "KVM_SET_SREGS/REGS";
	if (kvm_set_state(b, start) < 0)
		goto fail;
	return b;

fail:
	fprintf(stderr, "exit_bench: kvm: %s %s: %s\n", step, dev,
		strerror(errno));
	kvm_backend_close(b);
	return NULL;
}

static int kvm_backend_run(struct bench_backend *b, struct bench_exit *ex)
{
	struct kvm_run *run = b->run;

	if (ioctl(b->vcpu_fd, KVM_RUN, 0) < 0) {
		fprintf(stderr, "exit_bench: kvm: KVM_RUN: %s\n",
			strerror(errno));
		return -1;
	}
	ex->raw_reason = run->exit_reason;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction != KVM_EXIT_IO_OUT || run->io.count != 1)
			break;
		bench_exit_pio(ex, run->io.port, run->io.size,
			       *((uint8_t *)run + run->io.data_offset));
		return 0;
	case KVM_EXIT_MMIO:
		if (!run->mmio.is_write)
			break;
		bench_exit_mmio(ex, run->mmio.phys_addr, run->mmio.len,
				run->mmio.data);
		return 0;
	}
	ex->kind = BENCH_EXIT_OTHER;
	return 0;
}

static int kvm_backend_get_r12(struct bench_backend *b, uint64_t *val)
{
	struct kvm_regs regs;

	if (ioctl(b->vcpu_fd, KVM_GET_REGS, &regs) < 0)
		return -1;
	*val = regs.r12;
	return 0;
}

const struct bench_backend_ops bench_kvm_ops = {
	.name = "kvm",
	.create = kvm_backend_create,
	.run = kvm_backend_run,
	.get_r12 = kvm_backend_get_r12,
	.destroy = kvm_backend_close,
};
