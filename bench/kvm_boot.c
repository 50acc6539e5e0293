// SPDX-License-Identifier: GPL-2.0
/*
 * kvm_boot - the yardstick of the boot-time benchmark: boots a Linux
 * bzImage through /dev/kvm the way minivmm does (64-bit entry point, no
 * BIOS, no real-mode setup code, minivmm's own loader, boot_params, GDT
 * and page tables from libminivmm.a) and reports, like minivmm's boot timer,
 * the time from its start to the first KVM_RUN and to the guest's first
 * write to port 0x440 (/init of tests/linux/init.sh), where it stops.
 *
 * It is deliberately small: KVM's in-kernel irqchip and PIT, a 16550 on
 * COM1 (output only, THR-empty interrupts), e820 RAM below 3 GiB, one
 * vCPU, no ACPI tables (Linux then runs without IOAPIC/MADT, on the PIC).
 * Everything else reads as all ones.
 *
 * usage: kvm_boot KERNEL INITRD CMDLINE [MEM-MiB] [TIMEOUT-S]
 * Prints "kvm-boot: boot-time first-insn=X.XXX ms init=Y.YYY ms" on
 * stderr; exit status 0 when the guest reached /init, 1 otherwise.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "boot.h"
#include "kvm_x86.h"

#define BOOT_TIMER_PORT		0x440
#define COM1			0x3f8
#define COM1_IRQ		4
#define UART_IER_THRI		0x02
#define UART_IIR_NONE		0xc1	/* FIFOs on, no interrupt */
#define UART_IIR_THRI		0xc2	/* FIFOs on, THR empty */
#define UART_LSR_IDLE		0x60	/* THR and shifter empty */

static uint64_t t0;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "kvm-boot: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The kernel and initrd as minivmm loads them, and its tables. */
static void load_linux(uint8_t *mem, uint64_t mem_size, const char *kpath,
		       const char *ipath, const char *cmdline,
		       struct boot_entry *e)
{
	struct guest_ram ram = { .host = mem, .size = mem_size };
	struct kernel_args a = {
		.kernel = kpath, .initrd = ipath, .cmdline = cmdline,
	};
	char msg[512];

	if (kernel_load(&ram, &a, e, msg, sizeof(msg))) {
		fprintf(stderr, "kvm-boot: %s\n", msg);
		exit(1);
	}
	x86_write_tables(e->mode, mem, mem_size);
}

/* The boot vCPU's state from minivmm's set-up, in KVM's structures. */
static void setup_vcpu(int vcpu, const struct boot_entry *e)
{
	struct minivmm_sregs msregs = { 0 };
	struct minivmm_regs mregs;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu, KVM_GET_SREGS, &sregs))
		die("KVM_GET_SREGS");
	boot_entry_state(e, &msregs, &mregs);
	kvm_sregs_from(&sregs, &msregs);
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs))
		die("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	kvm_regs_from(&regs, &mregs);
	if (ioctl(vcpu, KVM_SET_REGS, &regs))
		die("KVM_SET_REGS");
}

static void set_cpuid(int sys, int vcpu)
{
	struct kvm_cpuid2 *c;
	unsigned int i, n = 128;

	c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
	if (!c)
		die("calloc");
	c->nent = n;
	if (ioctl(sys, KVM_GET_SUPPORTED_CPUID, c))
		die("KVM_GET_SUPPORTED_CPUID");
	/*
	 * KVM leaves the hypervisor bit to the VMM; without it Linux does
	 * not look for KVM's leaves and kvmclock (its TSC frequency).
	 */
	for (i = 0; i < c->nent; i++)
		if (c->entries[i].function == 1)
			c->entries[i].ecx |= 1u << 31;
	if (ioctl(vcpu, KVM_SET_CPUID2, c))
		die("KVM_SET_CPUID2");
	free(c);
}

/* COM1: enough of a 16550 for Linux's 8250 driver and console. */
static uint8_t uart_reg[8];
static int uart_thri_pending;

static void uart_irq(int vm)
{
	struct kvm_irq_level irq = { .irq = COM1_IRQ };

	if (!(uart_reg[1] & UART_IER_THRI))
		return;
	uart_thri_pending = 1;
	irq.level = 1;
	ioctl(vm, KVM_IRQ_LINE, &irq);
	irq.level = 0;
	ioctl(vm, KVM_IRQ_LINE, &irq);
}

static void uart_io(int vm, unsigned int reg, uint8_t *data, int is_write)
{
	int dlab = uart_reg[3] & 0x80;

	if (is_write) {
		if (reg == 0 && !dlab) {
			if (write(STDOUT_FILENO, data, 1) < 0)
				errno = 0;
			uart_irq(vm);
		} else if (reg == 1 && !dlab) {
			uart_reg[1] = *data & 0x0f;
			uart_irq(vm);
		} else if (reg != 2 && reg != 5) {
			uart_reg[reg] = *data;
		}
		return;
	}
	switch (reg) {
	case 0:
		*data = dlab ? uart_reg[0] : 0;
		break;
	case 2:
		*data = uart_thri_pending ? UART_IIR_THRI : UART_IIR_NONE;
		uart_thri_pending = 0;
		break;
	case 5:
		*data = UART_LSR_IDLE;
		break;
	case 6:
		*data = 0xb0;			/* DCD, DSR, CTS */
		break;
	default:
		*data = uart_reg[reg];
	}
}

static void print_times(uint64_t first, uint64_t init)
{
	fprintf(stderr,
		"kvm-boot: boot-time first-insn=%llu.%03llu ms init=%llu.%03llu ms\n",
		(unsigned long long)((first - t0) / 1000000),
		(unsigned long long)((first - t0) / 1000 % 1000),
		(unsigned long long)((init - t0) / 1000000),
		(unsigned long long)((init - t0) / 1000 % 1000));
}

int main(int argc, char **argv)
{
	struct kvm_pit_config pit = { .flags = 0 };
	struct kvm_userspace_memory_region region;
	uint64_t mem_size, first = 0;
	struct boot_entry entry;
	struct kvm_run *run;
	int sys, vm, vcpu;
	long run_size;
	uint8_t *mem, *data;
	unsigned int i;

	t0 = now_ns();
	if (argc < 4) {
		fprintf(stderr, "usage: kvm_boot KERNEL INITRD CMDLINE [MEM-MiB] [TIMEOUT-S]\n");
		return 2;
	}
	mem_size = (argc > 4 ? strtoull(argv[4], NULL, 0) : 256) << 20;
	if (mem_size < (16 << 20) || mem_size > (3ull << 30)) {
		fprintf(stderr, "kvm-boot: memory must be 16 MiB to 3 GiB\n");
		return 2;
	}
	alarm(argc > 5 ? atoi(argv[5]) : 300);

	sys = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (sys < 0)
		die("/dev/kvm");
	vm = ioctl(sys, KVM_CREATE_VM, 0);
	if (vm < 0)
		die("KVM_CREATE_VM");
	/* Intel wants these below 4 GiB, outside RAM; AMD ignores them. */
	ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul);
	if (ioctl(vm, KVM_CREATE_IRQCHIP, 0))
		die("KVM_CREATE_IRQCHIP");
	if (ioctl(vm, KVM_CREATE_PIT2, &pit))
		die("KVM_CREATE_PIT2");
	mem = mmap(NULL, mem_size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die("mmap");
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = mem_size,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region))
		die("KVM_SET_USER_MEMORY_REGION");
	load_linux(mem, mem_size, argv[1], argv[2], argv[3], &entry);
	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		die("KVM_CREATE_VCPU");
	run_size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (run_size <= 0)
		die("KVM_GET_VCPU_MMAP_SIZE");
	run = mmap(NULL, run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		die("mmap vcpu");
	set_cpuid(sys, vcpu);
	setup_vcpu(vcpu, &entry);

	for (;;) {
		if (!first)
			first = now_ns();
		if (ioctl(vcpu, KVM_RUN, 0)) {
			if (errno == EINTR)
				continue;
			die("KVM_RUN");
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			data = (uint8_t *)run + run->io.data_offset;
			for (i = 0; i < run->io.count; i++, data += run->io.size) {
				int out = run->io.direction == KVM_EXIT_IO_OUT;

				if (run->io.port == BOOT_TIMER_PORT && out) {
					print_times(first, now_ns());
					return 0;
				}
				if (run->io.port >= COM1 &&
				    run->io.port < COM1 + 8 && run->io.size == 1)
					uart_io(vm, run->io.port - COM1, data, out);
				else if (!out)
					memset(data, 0xff, run->io.size);
			}
			break;
		case KVM_EXIT_MMIO:
			if (!run->mmio.is_write)
				memset(run->mmio.data, 0xff, run->mmio.len);
			break;
		case KVM_EXIT_HLT:
		case KVM_EXIT_SHUTDOWN:
		case KVM_EXIT_FAIL_ENTRY:
		case KVM_EXIT_INTERNAL_ERROR:
		default:
			fprintf(stderr, "kvm-boot: guest stopped before /init (exit reason %u)\n",
				run->exit_reason);
			return 1;
		}
	}
}
