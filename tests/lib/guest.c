// SPDX-License-Identifier: GPL-2.0
/* guest.c - VM, memory, mode and run helpers; see guest.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>
#include "guest.h"
#include "tap.h"
#include "x86_setup.h"

/* @alias in struct @outer is field @f of its struct @hv_type hv. */
#define SAME_FIELD(outer, alias, hv_type, f) \
	_Static_assert(offsetof(struct outer, alias) == \
		       offsetof(struct outer, hv) + \
		       offsetof(struct hv_type, f) && \
		       sizeof(((struct outer *)0)->alias) == \
		       sizeof(((struct hv_type *)0)->f), #outer "." #alias)

SAME_FIELD(vm, sys_fd, hv_vm, sys_fd);
SAME_FIELD(vm, fd, hv_vm, vm_fd);
SAME_FIELD(vcpu, fd, hv_vcpu, fd);
SAME_FIELD(vcpu, id, hv_vcpu, id);
SAME_FIELD(vcpu, mmap_size, hv_vcpu, map_size);
SAME_FIELD(vcpu, run, hv_vcpu, run);

int host_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int sys_open(void)
{
	int fd = open("/dev/minivmm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		tap_diag("open /dev/minivmm: %s", strerror(errno));
	return fd;
}

struct vm *vm_create(void)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	char msg[256];

	if (!vm)
		return NULL;
	if (hv_vm_create(&vm->hv, "/dev/minivmm", msg, sizeof(msg))) {
		tap_diag("%s", msg);
		free(vm);
		return NULL;
	}
	return vm;
}

void vm_free(struct vm *vm)
{
	unsigned int i;

	if (!vm)
		return;
	hv_vm_destroy(&vm->hv);
	for (i = 0; i < MAX_SLOTS_TRACKED; i++)
		if (vm->slots[i].used)
			munmap(vm->slots[i].host, vm->slots[i].size);
	free(vm);
}

int vm_set_region(struct vm *vm, uint32_t slot, uint32_t flags,
		  uint64_t gpa, uint64_t size, void *host)
{
	return hv_set_memory(&vm->hv, slot, gpa, size, host, flags);
}

void *vm_add_mem(struct vm *vm, uint32_t slot, uint64_t gpa, uint64_t size,
		 uint32_t flags)
{
	void *host = mmap(NULL, size, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (host == MAP_FAILED) {
		tap_diag("mmap %llu bytes: %s", (unsigned long long)size,
			 strerror(errno));
		return NULL;
	}
	if (vm_set_region(vm, slot, flags, gpa, size, host)) {
		tap_diag("SET_MEMORY_REGION slot %u gpa 0x%llx size 0x%llx: %s",
			 slot, (unsigned long long)gpa,
			 (unsigned long long)size, strerror(errno));
		munmap(host, size);
		return NULL;
	}
	if (slot < MAX_SLOTS_TRACKED) {
		vm->slots[slot].gpa = gpa;
		vm->slots[slot].size = size;
		vm->slots[slot].host = host;
		vm->slots[slot].flags = flags;
		vm->slots[slot].used = true;
	}
	return host;
}

void *vm_host(struct vm *vm, uint64_t gpa)
{
	unsigned int i;

	for (i = 0; i < MAX_SLOTS_TRACKED; i++) {
		if (!vm->slots[i].used)
			continue;
		if (gpa >= vm->slots[i].gpa &&
		    gpa - vm->slots[i].gpa < vm->slots[i].size)
			return (char *)vm->slots[i].host +
			       (gpa - vm->slots[i].gpa);
	}
	return NULL;
}

void vm_load(struct vm *vm, uint64_t gpa, const void *start, const void *end)
{
	void *dst = vm_host(vm, gpa);

	if (!dst)
		tap_bail("vm_load: gpa 0x%llx is not in a slot",
			 (unsigned long long)gpa);
	memcpy(dst, start, (const char *)end - (const char *)start);
}

static uint64_t *vm_u64(struct vm *vm, uint64_t gpa)
{
	uint64_t *p = vm_host(vm, gpa);

	if (!p)
		tap_bail("gpa 0x%llx is not in a slot", (unsigned long long)gpa);
	return p;
}

/* The host address of guest-physical 0, which one slot maps up to CODE_GPA. */
static uint8_t *vm_tables_mem(struct vm *vm)
{
	uint8_t *mem = vm_host(vm, 0);

	if (!mem || vm_host(vm, CODE_GPA - 1) != mem + CODE_GPA - 1)
		tap_bail("the tables need one slot over 0-0x%llx",
			 (unsigned long long)CODE_GPA - 1);
	return mem;
}

struct vm *vm_std_create(void)
{
	struct vm *vm = vm_create();

	if (!vm)
		return NULL;
	if (!vm_add_mem(vm, 0, 0, STD_MEM_SIZE, 0)) {
		vm_free(vm);
		return NULL;
	}
	vm_build_tables(vm);
	return vm;
}

/*
 * GDT: null, code64, data, code32, 64-bit TSS (2 entries), code16; an
 * identity map of 0-4 GiB with 2 MiB pages, user accessible.
 */
void vm_build_tables(struct vm *vm)
{
	uint8_t *mem = vm_tables_mem(vm);
	uint64_t gdt[SEL_CODE16 / 8 + 1] = {
		[SEL_CODE64 / 8] = X86_DESC_CODE64,
		[SEL_DATA / 8] = X86_DESC_DATA,
		[SEL_CODE32 / 8] = X86_DESC_CODE32,
		[SEL_CODE16 / 8] = X86_DESC_CODE16,
	};

	memcpy(mem + GDT_GPA, gdt, sizeof(gdt));
	x86_write_tss_desc(mem, GDT_GPA + SEL_TSS, TSS_GPA);
	x86_write_identity_map(mem, PML4_GPA, PDPT_GPA, PD_GPA, X86_PTE_US);
}

void vm_idt_set64(struct vm *vm, unsigned int vector, uint64_t handler)
{
	uint64_t *gate = vm_u64(vm, IDT_GPA + vector * 16ULL);

	gate[0] = (handler & 0xffff) | ((uint64_t)SEL_CODE64 << 16) |
		  (0x8eULL << 40) | (((handler >> 16) & 0xffff) << 48);
	gate[1] = handler >> 32;
}

void vm_idt_set32(struct vm *vm, unsigned int vector, uint32_t handler)
{
	uint64_t *gate = vm_u64(vm, IDT_GPA + vector * 8ULL);

	*gate = (handler & 0xffff) | ((uint64_t)SEL_CODE32 << 16) |
		(0x8eULL << 40) | ((uint64_t)(handler >> 16) << 48);
}

static void vcpu_alarm(int sig)
{
	(void)sig;
}

struct vcpu *vcpu_create(struct vm *vm, uint32_t id)
{
	struct sigaction sa = { .sa_handler = vcpu_alarm };
	struct vcpu *vcpu = calloc(1, sizeof(*vcpu));

	if (!vcpu)
		return NULL;
	sigaction(SIGALRM, &sa, NULL);	/* no SA_RESTART: RUN gets EINTR */
	vcpu->vm = vm;
	vcpu->timeout_s = 10;
	if (hv_vcpu_create(&vm->hv, id, &vcpu->hv)) {
		tap_diag("MINIVMM_CREATE_VCPU %u and its mapping: %s", id,
			 strerror(errno));
		free(vcpu);
		return NULL;
	}
	return vcpu;
}

void vcpu_free(struct vcpu *vcpu)
{
	if (!vcpu)
		return;
	hv_vcpu_destroy(&vcpu->hv);
	free(vcpu);
}

int vcpu_set_mode(struct vcpu *vcpu, enum guest_mode mode)
{
	struct minivmm_sregs sr;
	struct minivmm_regs regs;
	struct minivmm_segment data;

	if (vcpu_get_sregs(vcpu, &sr)) {
		tap_diag("GET_SREGS: %s", strerror(errno));
		return -1;
	}
	memset(&regs, 0, sizeof(regs));
	regs.rflags = X86_RFLAGS_FIXED;
	memset(sr.reserved, 0, sizeof(sr.reserved));
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.selector = SEL_TSS;
	sr.tr.base = TSS_GPA;
	sr.tr.limit = X86_TSS_LIMIT;
	sr.tr.type = X86_SEG_TSS_BUSY;
	sr.tr.present = 1;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = X86_SEG_LDT;
	sr.ldt.unusable = 1;
	memset(&sr.gdt, 0, sizeof(sr.gdt));
	sr.gdt.base = GDT_GPA;
	sr.gdt.limit = SEL_CODE16 + 8 - 1;
	memset(&sr.idt, 0, sizeof(sr.idt));
	sr.cr2 = 0;
	sr.cr8 = 0;

	switch (mode) {
	case MODE_REAL:
		x86_segment(&sr.cs, CODE_GPA >> 4, CODE_GPA, 0xffff,
			    X86_SEG_CODE, 16);
		x86_segment(&data, 0, 0, 0xffff, X86_SEG_DATA, 16);
		sr.ds = data;
		sr.es = data;
		sr.fs = data;
		sr.gs = data;
		sr.ss = data;
		sr.idt.base = 0;
		sr.idt.limit = 0x3ff;
		sr.cr0 = X86_CR0_ET | X86_CR0_NE;
		sr.cr3 = 0;
		sr.cr4 = 0;
		sr.efer = 0;
		regs.rip = 0;
		regs.rsp = 0xf000;
		break;
	case MODE_PROT32:
		x86_set_flat_mode(&sr, X86_MODE_PROTECTED, SEL_CODE32,
				  SEL_DATA, 0);
		sr.idt.base = IDT_GPA;
		sr.idt.limit = 256 * 8 - 1;
		regs.rip = CODE_GPA;
		regs.rsp = STACK_TOP;
		break;
	case MODE_LONG:
		x86_set_flat_mode(&sr, X86_MODE_LONG, SEL_CODE64, SEL_DATA,
				  PML4_GPA);
		sr.idt.base = IDT_GPA;
		sr.idt.limit = 256 * 16 - 1;
		regs.rip = CODE_GPA;
		regs.rsp = STACK_TOP;
		break;
	}
	if (vcpu_set_sregs(vcpu, &sr)) {
		tap_diag("SET_SREGS (mode %d): %s", mode, strerror(errno));
		return -1;
	}
	if (vcpu_set_regs(vcpu, &regs)) {
		tap_diag("SET_REGS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

struct vcpu *guest_create(enum guest_mode mode, const void *code,
			  const void *code_end)
{
	struct vm *vm = vm_std_create();
	struct vcpu *vcpu;

	if (!vm)
		return NULL;
	vm_load(vm, CODE_GPA, code, code_end);
	vcpu = vcpu_create(vm, 0);
	if (!vcpu)
		goto free_vm;
	if (vcpu_set_mode(vcpu, mode))
		goto free_vcpu;
	return vcpu;
free_vcpu:
	vcpu_free(vcpu);
free_vm:
	vm_free(vm);
	return NULL;
}

int vcpu_run(struct vcpu *vcpu)
{
	int rc;

	vcpu->timed_out = false;
	if (vcpu->timeout_s)
		alarm(vcpu->timeout_s);
	rc = hv_vcpu_run(&vcpu->hv);
	vcpu->last_errno = rc < 0 ? errno : 0;
	if (vcpu->timeout_s && rc < 0 && errno == EINTR &&
	    alarm(0) == 0)
		vcpu->timed_out = true;
	alarm(0);
	return rc;
}

const char *exit_name(uint32_t reason)
{
	static const char *const names[] = {
		"UNKNOWN", "IO", "MMIO", "HLT", "SHUTDOWN", "FAIL_ENTRY",
		"INTERNAL_ERROR", "INTR", "IRQ_WINDOW_OPEN",
	};

	return reason < ARRAY_SIZE(names) ? names[reason] :
							    "(bad)";
}

void *vcpu_io_data(struct vcpu *vcpu)
{
	return hv_io_data(&vcpu->hv);
}

int vcpu_run_rep_io(struct vcpu *vcpu, uint16_t port, uint8_t dir,
		    uint8_t size, void *buf, unsigned int count)
{
	struct minivmm_run *run = vcpu->run;
	unsigned int total = 0, exits = 0;
	size_t bytes;

	for (;;) {
		if (vcpu_run(vcpu)) {
			tap_diag("RUN failed after %u of %u items: %s", total,
				 count, strerror(vcpu->last_errno));
			return -1;
		}
		if (run->exit_reason == MINIVMM_EXIT_HLT)
			break;
		if (run->exit_reason != MINIVMM_EXIT_IO ||
		    run->io.port != port || run->io.size != size ||
		    run->io.direction != dir) {
			tap_diag("unexpected exit after %u of %u items",
				 total, count);
			vcpu_dump(vcpu);
			return -1;
		}
		exits++;
		bytes = (size_t)run->io.count * size;
		if (run->io.count < 1 || total + run->io.count > count ||
		    run->io.data_offset + bytes > vcpu->mmap_size) {
			tap_diag("exit %u: %u items at offset %llu with %u of %u done (mapping %zu bytes)",
				 exits, run->io.count,
				 (unsigned long long)run->io.data_offset,
				 total, count, vcpu->mmap_size);
			return -1;
		}
		if (dir == MINIVMM_IO_OUT)
			memcpy((uint8_t *)buf + (size_t)total * size,
			       vcpu_io_data(vcpu), bytes);
		else
			memcpy(vcpu_io_data(vcpu),
			       (uint8_t *)buf + (size_t)total * size, bytes);
		total += run->io.count;
	}
	tap_diag("%u items of %u bytes in %u exits", total, size, exits);
	return (int)total;
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct minivmm_run *run = vcpu->run;
	struct minivmm_regs r;
	unsigned int i;

	tap_diag("  exit_reason %u (%s)%s", run->exit_reason,
		 exit_name(run->exit_reason),
		 vcpu->timed_out ? " after a RUN timeout" : "");
	switch (run->exit_reason) {
	case MINIVMM_EXIT_IO:
		tap_diag("  io: %s port 0x%x size %u count %u data_offset %llu",
			 run->io.direction == MINIVMM_IO_OUT ? "out" : "in",
			 run->io.port, run->io.size, run->io.count,
			 (unsigned long long)run->io.data_offset);
		break;
	case MINIVMM_EXIT_MMIO:
		tap_diag("  mmio: %s gpa 0x%llx len %u data %02x %02x %02x %02x %02x %02x %02x %02x",
			 run->mmio.is_write ? "write" : "read",
			 (unsigned long long)run->mmio.phys_addr, run->mmio.len,
			 run->mmio.data[0], run->mmio.data[1],
			 run->mmio.data[2], run->mmio.data[3],
			 run->mmio.data[4], run->mmio.data[5],
			 run->mmio.data[6], run->mmio.data[7]);
		break;
	case MINIVMM_EXIT_FAIL_ENTRY:
		tap_diag("  fail_entry: reason 0x%llx cpu %u",
			 (unsigned long long)
			 run->fail_entry.hardware_entry_failure_reason,
			 run->fail_entry.cpu);
		break;
	case MINIVMM_EXIT_INTERNAL_ERROR:
		tap_diag("  internal: suberror %u ndata %u",
			 run->internal.suberror, run->internal.ndata);
		for (i = 0; i < run->internal.ndata && i < 16; i++)
			tap_diag("    data[%u] = 0x%llx", i,
				 (unsigned long long)run->internal.data[i]);
		break;
	}
	if (vcpu_get_regs(vcpu, &r) == 0) {
		tap_diag("  rip %llx rflags %llx rsp %llx",
			 (unsigned long long)r.rip,
			 (unsigned long long)r.rflags,
			 (unsigned long long)r.rsp);
		tap_diag("  rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx",
			 (unsigned long long)r.rax, (unsigned long long)r.rbx,
			 (unsigned long long)r.rcx, (unsigned long long)r.rdx,
			 (unsigned long long)r.rsi, (unsigned long long)r.rdi);
	}
}

bool vcpu_run_expect(struct vcpu *vcpu, uint32_t reason)
{
	int rc = vcpu_run(vcpu);

	if (rc == 0 && vcpu->run->exit_reason == reason)
		return true;
	tap_diag("RUN returned %d (%s); expected exit %s", rc,
		 rc ? strerror(vcpu->last_errno) : "ok", exit_name(reason));
	vcpu_dump(vcpu);
	return false;
}

int vcpu_get_regs(struct vcpu *vcpu, struct minivmm_regs *regs)
{
	return hv_get_regs(&vcpu->hv, regs);
}

int vcpu_set_regs(struct vcpu *vcpu, const struct minivmm_regs *regs)
{
	return hv_set_regs(&vcpu->hv, regs);
}

int vcpu_get_sregs(struct vcpu *vcpu, struct minivmm_sregs *sregs)
{
	return hv_get_sregs(&vcpu->hv, sregs);
}

int vcpu_set_sregs(struct vcpu *vcpu, const struct minivmm_sregs *sregs)
{
	return hv_set_sregs(&vcpu->hv, sregs);
}

uint64_t vcpu_reg(struct vcpu *vcpu, size_t offset)
{
	struct minivmm_regs r;

	if (vcpu_get_regs(vcpu, &r)) {
		tap_diag("GET_REGS: %s", strerror(errno));
		return ~0ULL;
	}
	return *(uint64_t *)((char *)&r + offset);
}

int vcpu_get_msr(struct vcpu *vcpu, uint32_t index, uint64_t *data)
{
	struct minivmm_msr_entry e = { .index = index };
	int rc = hv_get_msrs(&vcpu->hv, &e, 1);

	if (rc == 1)
		*data = e.data;
	return rc;
}

int vcpu_set_msr(struct vcpu *vcpu, uint32_t index, uint64_t data)
{
	struct minivmm_msr_entry e = { .index = index, .data = data };

	return hv_set_msrs(&vcpu->hv, &e, 1);
}

int vcpu_set_cpuid(struct vcpu *vcpu, const struct minivmm_cpuid_entry *e,
		   uint32_t n)
{
	return hv_set_cpuid(&vcpu->hv, e, n);
}
