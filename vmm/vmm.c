// SPDX-License-Identifier: GPL-2.0
/* Builds one VM from the configuration and runs it to the end. */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "acpi.h"
#include "boot.h"
#include "boot_timer.h"
#include "cpuid_model.h"
#include "debug_exit.h"
#include "ioport.h"
#include "loader_flat.h"
#include "log.h"
#include "mmio.h"
#include "platform.h"
#include "serial.h"
#include "term.h"
#include "vmm.h"

/* Room for the CPU model (it needs about 40 entries). */
#define VMM_CPUID_ENTRIES	128

#define MSR_IA32_TSC_ADJUST	0x3b
#define MSR_IA32_SPEC_CTRL	0x48
#define MSR_IA32_PRED_CMD	0x49

/* How long stopped vCPU threads get to leave MINIVMM_RUN. */
#define VMM_JOIN_TIMEOUT_SEC	5
/* Input polling period while the guest's receiver is full. */
#define VMM_RX_FULL_POLL_MS	20

void vmm_finish(struct vmm *vmm, int code)
{
	uint64_t one = 1;
	bool first;

	pthread_mutex_lock(&vmm->lock);
	first = !vmm->finished;
	if (first) {
		vmm->finished = true;
		vmm->exit_code = code;
	}
	pthread_mutex_unlock(&vmm->lock);
	if (!first)
		return;
	serial_stop();
	vcpu_kick_all(vmm);
	if (write(vmm->done_fd, &one, sizeof(one)) < 0)
		pr_err("cannot wake the main loop: %s", strerror(errno));
}

/* Can the guest use SPEC_CTRL and PRED_CMD?  Writing 0 is harmless. */
static bool vmm_probe_spec_ctrl(struct vcpu *cpu)
{
	struct minivmm_msr_entry e[2] = {
		{ .index = MSR_IA32_SPEC_CTRL }, { .index = MSR_IA32_PRED_CMD },
	};

	return hv_set_msrs(&cpu->hv, e, 2) == 2;
}

/* TSC_ADJUST: 0 is its reset value, so writing it changes nothing. */
static bool vmm_probe_tsc_adjust(struct vcpu *cpu)
{
	struct minivmm_msr_entry e = { .index = MSR_IA32_TSC_ADJUST };

	return hv_set_msrs(&cpu->hv, &e, 1) == 1;
}

/* The CPU model of a --kernel guest (cpuid_model.h). */
static int vmm_setup_cpuid(struct vmm *vmm, struct vcpu *cpu,
			   struct cpuid_config *cc)
{
	struct minivmm_cpuid_entry table[VMM_CPUID_ENTRIES];
	long max = hv_check_cap(&vmm->hv, MINIVMM_CAP_MAX_CPUID_ENTRIES);
	int n;

	if (max <= 0 || max > VMM_CPUID_ENTRIES)
		max = VMM_CPUID_ENTRIES;
	n = cpuid_model_build(cc, cpu->hv.id, table, (unsigned int)max);
	if (n < 0) {
		pr_err("the CPUID table needs more than the module's %ld entries",
		       max);
		return -1;
	}
	if (hv_set_cpuid(&cpu->hv, table, (uint32_t)n)) {
		pr_err("vCPU %u: MINIVMM_SET_CPUID (%d entries) failed: %s",
		       cpu->hv.id, n, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The boot vCPU's registers: the flat image's entry, or the kernel's.
 * With an irqchip the other vCPUs keep their reset state and wait in
 * the kernel for INIT/SIPI.
 */
static int vmm_setup_regs(struct vmm *vmm, struct vcpu *cpu)
{
	bool kernel = vmm->cfg.kernel.kernel;
	enum x86_mode mode = kernel ? vmm->boot.mode : vmm->cfg.mode;
	uint64_t entry = kernel ? vmm->boot.rip : vmm->cfg.flat_addr;
	unsigned int id = cpu->hv.id;
	struct minivmm_sregs sregs;
	struct minivmm_regs regs;

	if (kernel && id)
		return 0;
	if (hv_get_sregs(&cpu->hv, &sregs)) {
		pr_err("vCPU %u: MINIVMM_GET_SREGS failed: %s", id,
		       strerror(errno));
		return -1;
	}
	if (kernel) {
		boot_entry_state(&vmm->boot, &sregs, &regs);
	} else {
		x86_setup_sregs(mode, entry, &sregs);
		x86_setup_regs(mode, entry, id, vmm->cfg.nr_cpus, &regs);
	}
	if (hv_set_sregs(&cpu->hv, &sregs)) {
		pr_err("vCPU %u: MINIVMM_SET_SREGS (%s mode) failed: %s", id,
		       x86_mode_name(mode), strerror(errno));
		return -1;
	}
	if (hv_set_regs(&cpu->hv, &regs)) {
		pr_err("vCPU %u: MINIVMM_SET_REGS failed: %s", id,
		       strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Linux takes the TSC frequency from CPUID only on Intel (leaf 0x15).
 * Elsewhere it calibrates against the PIT, polling port 0x61 thousands
 * of times in a few milliseconds, which fails when port IO exits are
 * slow (emulated or nested hosts): the guest then marks its TSC unstable
 * and stalls.  Tell such a Linux guest the frequency on its command line
 * (unless the user did).
 */
static void vmm_tsc_hint(struct vmm *vmm, const struct cpuid_config *cc)
{
	char word[40];

	if (!vmm->boot.zero_page || !cc->tsc_khz ||
	    cpuid_model_has_tsc_freq(cc) ||
	    strstr(vmm->cfg.kernel.cmdline, "tsc_early_khz="))
		return;
	snprintf(word, sizeof(word), "tsc_early_khz=%u", cc->tsc_khz);
	if (boot_append_cmdline(&vmm->ram, &vmm->boot, word))
		pr_info("warning: no room on the command line for %s", word);
	else
		pr_debug("appended %s to the command line", word);
}

static int vmm_setup_vcpus(struct vmm *vmm)
{
	struct cpuid_config cc = {
		.host = cpuid_host,
		.nr_cpus = vmm->cfg.nr_cpus,
		.tsc_khz = (uint32_t)hv_check_cap(&vmm->hv, MINIVMM_CAP_TSC_KHZ),
		.apic_bus_khz = (uint32_t)hv_check_cap(&vmm->hv,
						       MINIVMM_CAP_APIC_BUS_KHZ),
		.host_xcr0 = cpuid_host_xcr0(),
		.xsave_size = (uint32_t)hv_check_cap(&vmm->hv,
						     MINIVMM_CAP_XSAVE_SIZE),
	};
	unsigned int i;

	for (i = 0; i < vmm->cfg.nr_cpus; i++) {
		struct vcpu *cpu = &vmm->cpus[i];

		cpu->vmm = vmm;
		if (hv_vcpu_create(&vmm->hv, i, &cpu->hv)) {
			pr_err("cannot create vCPU %u: %s", i, strerror(errno));
			return -1;
		}
		if (vmm->cfg.kernel.kernel) {
			if (!i) {
				cc.spec_ctrl = vmm_probe_spec_ctrl(cpu);
				cc.tsc_adjust = vmm_probe_tsc_adjust(cpu);
			}
			if (vmm_setup_cpuid(vmm, cpu, &cc))
				return -1;
		}
		if (vmm_setup_regs(vmm, cpu))
			return -1;
		if ((log_debug_enabled || getenv("MINIVMM_EXIT_STATS")) &&
		    hv_vcpu_stats_enable(&cpu->hv))
			pr_err("vCPU %u: no exit statistics: %s", i,
			       strerror(errno));
	}
	if (vmm->cfg.kernel.kernel)
		vmm_tsc_hint(vmm, &cc);
	if (vmm->cfg.kernel.kernel)
		pr_debug("CPU model: TSC %u kHz, APIC bus %u kHz, XCR0 0x%" PRIx64 ", SPEC_CTRL %s, TSC_ADJUST %s",
			 cc.tsc_khz, cc.apic_bus_khz, cpuid_model_xcr0(&cc),
			 cc.spec_ctrl ? "yes" : "no",
			 cc.tsc_adjust ? "yes" : "no");
	return 0;
}

/* Loads the flat image or the kernel into guest memory. */
static int vmm_load(struct vmm *vmm)
{
	uint64_t low = guest_ram_low_size(vmm->cfg.mem_size);
	struct boot_entry *b = &vmm->boot;
	char msg[512];

	if (!vmm->cfg.kernel.kernel) {
		x86_write_tables(vmm->cfg.mode, vmm->mem, low);
		if (flat_load(vmm->cfg.flat_path, vmm->cfg.flat_addr,
			      vmm->cfg.mode, vmm->mem, low, msg, sizeof(msg))) {
			pr_err("%s", msg);
			return -1;
		}
		return 0;
	}
	if (kernel_load(&vmm->ram, &vmm->cfg.kernel, b, msg, sizeof(msg))) {
		pr_err("%s", msg);
		return -1;
	}
	x86_write_tables(b->mode, vmm->mem, low);
	pr_debug("%s %s at 0x%" PRIx64 "-0x%" PRIx64 ", entry 0x%" PRIx64 " (%s)",
		 b->format, vmm->cfg.kernel.kernel, b->kernel_start,
		 b->kernel_end, b->rip, x86_mode_name(b->mode));
	if (b->initrd_size)
		pr_debug("initrd %s at 0x%" PRIx64 ", %" PRIu64 " bytes",
			 vmm->cfg.kernel.initrd, b->initrd_start,
			 b->initrd_size);
	return 0;
}

/* Guest RAM: slot 0 below the 3 GiB hole, slot 1 from 4 GiB. */
static int vmm_setup_memory(struct vmm *vmm)
{
	uint64_t low = guest_ram_low_size(vmm->cfg.mem_size);
	uint64_t high = guest_ram_high_size(vmm->cfg.mem_size);

	if (hv_set_memory(&vmm->hv, 0, 0, low, vmm->mem, 0)) {
		pr_err("cannot register %" PRIu64 " MiB of guest memory as slot 0: %s",
		       low >> 20, strerror(errno));
		return -1;
	}
	if (high && hv_set_memory(&vmm->hv, 1, GUEST_HIGH_START, high,
				  vmm->mem + low, 0)) {
		pr_err("cannot register %" PRIu64 " MiB of guest memory at 4 GiB as slot 1: %s",
		       high >> 20, strerror(errno));
		return -1;
	}
	return 0;
}

/* --kernel: interrupt controllers, platform devices, ACPI tables. */
static int vmm_setup_platform(struct vmm *vmm)
{
	uint64_t rsdp;
	int ret;

	if (!hv_check_cap(&vmm->hv, MINIVMM_CAP_IRQCHIP)) {
		if (vmm->cfg.nr_cpus > 1) {
			pr_err("--cpus %u: this minivmm module has no in-kernel LAPIC/IOAPIC (MINIVMM_CAP_IRQCHIP), which SMP guests need",
			       vmm->cfg.nr_cpus);
			return -1;
		}
		pr_info("warning: this minivmm module has no in-kernel LAPIC/IOAPIC (MINIVMM_CAP_IRQCHIP): the kernel gets no interrupts");
	} else {
		if (hv_create_irqchip(&vmm->hv)) {
			pr_err("MINIVMM_CREATE_IRQCHIP failed: %s",
			       strerror(errno));
			return -1;
		}
		vmm->irqchip = true;
	}
	vmm->platform = true;
	ret = platform_init(vmm);
	if (ret) {
		pr_err("cannot set up the platform devices: %s",
		       strerror(errno));
		return -1;
	}
	if (virtio_devices_init(vmm, &vmm->cfg.virtio))
		return -1;
	rsdp = acpi_build(vmm);
	if (!rsdp) {
		pr_err("cannot build the ACPI tables");
		return -1;
	}
	boot_set_rsdp(&vmm->ram, &vmm->boot, rsdp);
	pr_debug("ACPI RSDP at 0x%" PRIx64, rsdp);
	return 0;
}

/*
 * PCI configuration mechanism #1, 0xcf8-0xcff, which power.c answers like
 * no device, except for the reset control register (a byte at 0xcf9).
 */
#define VMM_PCI_CONF_BASE	0xcf8
#define VMM_PCI_CONF_END	0xd00
#define VMM_PCI_RCR		0xcf9

static int vmm_nodev_range(void *opaque, uint16_t base, uint32_t len)
{
	struct vmm *vmm = opaque;

	return hv_set_ioport_range(&vmm->hv, base, len, MINIVMM_IOPORT_NODEV);
}

/*
 * Ports no device decodes are answered by the module, without an exit:
 * a guest probing for hardware (Linux scans every PCI bus twice when it
 * sees an AMD family 0Fh-15h CPU, 16384 port accesses a scan) would
 * otherwise pay a round trip to userspace per access.  This machine has
 * no PCI host bridge: CONFIG_ADDRESS (an access starting at 0xcf8) and
 * CONFIG_DATA (0xcfa-0xcff; 0xcf9 is the reset control register, a byte
 * at 0xcf9 still exits) decode nothing either.  With --debug every
 * access still exits, so that unhandled ones are logged.
 */
static void vmm_setup_nodev_ports(struct vmm *vmm)
{
	int ret;

	if (log_debug_enabled)
		return;
	ret = ioport_for_each_gap(vmm_nodev_range, vmm);
	if (!ret && vmm->cfg.kernel.kernel) {
		ret = hv_set_ioport_range(&vmm->hv, VMM_PCI_CONF_BASE,
					  VMM_PCI_RCR - VMM_PCI_CONF_BASE,
					  MINIVMM_IOPORT_NODEV);
		if (!ret)
			ret = hv_set_ioport_range(&vmm->hv, VMM_PCI_RCR + 1,
						  VMM_PCI_CONF_END -
						  (VMM_PCI_RCR + 1),
						  MINIVMM_IOPORT_NODEV);
	}
	/* A module without the call: every port exits to userspace. */
	if (ret)
		pr_info("warning: MINIVMM_SET_IOPORT_RANGE failed (%s); unclaimed ports exit to userspace",
			strerror(errno));
}

#define VMM_HUGE_SIZE	(2ull << 20)

/*
 * Guest RAM: anonymous memory aligned to 2 MiB and backed by transparent
 * huge pages where the host allows them, so that pinning it faults 2 MiB
 * at a time and the module can map it with 2 MiB guest-physical leaves
 * (fewer entries to write, shorter nested page walks).  Without THP it
 * is plain 4 KiB memory.
 */
static void *vmm_ram_alloc(uint64_t size)
{
	uint64_t len = size + VMM_HUGE_SIZE, head;
	uint8_t *p;

	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	head = (VMM_HUGE_SIZE - ((uintptr_t)p & (VMM_HUGE_SIZE - 1))) &
	       (VMM_HUGE_SIZE - 1);
	if (head)
		munmap(p, head);
	munmap(p + head + size, VMM_HUGE_SIZE - head);
	p += head;
	/* Only a hint: EINVAL without THP support changes nothing. */
	madvise(p, size, MADV_HUGEPAGE);
	return p;
}

/* Milliseconds since @t0 (CLOCK_MONOTONIC), for the --debug timings. */
static double vmm_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0->tv_sec) * 1e3 +
	       (t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int vmm_setup(struct vmm *vmm)
{
	struct timespec t0;
	char msg[512];
	long max;
	unsigned int i;
	int ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	vmm->mem = vmm_ram_alloc(vmm->cfg.mem_size);
	if (!vmm->mem) {
		pr_err("cannot allocate %" PRIu64 " MiB of guest memory: %s",
		       vmm->cfg.mem_size >> 20, strerror(errno));
		return -1;
	}
	vmm->ram = (struct guest_ram){ .host = vmm->mem,
				       .size = vmm->cfg.mem_size };
	/* Check the image before touching the device: cheaper to fix. */
	if (vmm_load(vmm))
		return -1;
	pr_debug("setup: guest image loaded after %.1f ms", vmm_ms_since(&t0));
	if (hv_vm_create(&vmm->hv, vmm->cfg.dev, msg, sizeof(msg))) {
		pr_err("%s", msg);
		return -1;
	}
	max = hv_check_cap(&vmm->hv, MINIVMM_CAP_MAX_VCPUS);
	if (max > 0 && vmm->cfg.nr_cpus > (unsigned long)max) {
		pr_err("--cpus %u: this minivmm module allows at most %ld vCPUs",
		       vmm->cfg.nr_cpus, max);
		return -1;
	}
	if (!vmm->cfg.kernel.kernel && vmm->cfg.mode == X86_MODE_REAL &&
	    !hv_check_cap(&vmm->hv, MINIVMM_CAP_UNRESTRICTED_GUEST))
		pr_info("warning: the module does not report MINIVMM_CAP_UNRESTRICTED_GUEST; real mode may fail");
	if (vmm_setup_memory(vmm))
		return -1;
	pr_debug("setup: guest memory registered after %.1f ms",
		 vmm_ms_since(&t0));
	ret = serial_init(STDOUT_FILENO);
	if (!ret)
		ret = debug_exit_init(vmm);
	if (!ret)
		ret = boot_timer_init();
	if (ret) {
		pr_err("cannot register devices: %s", strerror(errno));
		return -1;
	}
	/* The irqchip must exist before the first vCPU. */
	if (vmm->cfg.kernel.kernel && vmm_setup_platform(vmm))
		return -1;
	vmm->cpus = calloc(vmm->cfg.nr_cpus, sizeof(*vmm->cpus));
	if (!vmm->cpus) {
		pr_err("out of memory");
		return -1;
	}
	for (i = 0; i < vmm->cfg.nr_cpus; i++)
		vmm->cpus[i].hv.fd = -1;
	vmm_setup_nodev_ports(vmm);
	ret = vmm_setup_vcpus(vmm);
	pr_debug("setup: done after %.1f ms", vmm_ms_since(&t0));
	return ret;
}

static void vmm_teardown(struct vmm *vmm)
{
	unsigned int i;

	/* Its event thread reads guest memory: first. */
	virtio_devices_exit();
	if (vmm->platform)
		platform_exit();
	if (vmm->cpus) {
		for (i = 0; i < vmm->cfg.nr_cpus; i++) {
			hv_vcpu_stats_print(&vmm->cpus[i].hv);
			hv_vcpu_destroy(&vmm->cpus[i].hv);
		}
		free(vmm->cpus);
	}
	hv_vm_destroy(&vmm->hv);
	if (vmm->mem)
		munmap(vmm->mem, vmm->cfg.mem_size);
	if (vmm->done_fd >= 0)
		close(vmm->done_fd);
	ioport_reset();
	mmio_reset();
}

/* Waits for the end of the VM, feeding stdin to the UART meanwhile. */
static void vmm_main_loop(struct vmm *vmm, int sig_fd)
{
	struct signalfd_siginfo si;
	/* --console virtio: stdin belongs to the virtio console. */
	bool stdin_open = !vmm->cfg.virtio.console;
	struct pollfd pfd[3];
	uint8_t buf[64];
	unsigned int room;
	nfds_t nfds;
	ssize_t n;

	for (;;) {
		pfd[0] = (struct pollfd){ .fd = sig_fd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = vmm->done_fd, .events = POLLIN };
		nfds = 2;
		room = stdin_open ? serial_rx_room() : 0;
		if (room) {
			pfd[2] = (struct pollfd){ .fd = STDIN_FILENO,
						  .events = POLLIN };
			nfds = 3;
		}
		if (poll(pfd, nfds, stdin_open && !room ?
			 VMM_RX_FULL_POLL_MS : -1) < 0) {
			if (errno == EINTR)
				continue;
			pr_err("poll: %s", strerror(errno));
			vmm_finish(vmm, VMM_EXIT_ERROR);
			return;
		}
		if (pfd[0].revents & POLLIN) {
			n = read(sig_fd, &si, sizeof(si));
			if (n == (ssize_t)sizeof(si)) {
				pr_debug("signal %u: stopping", si.ssi_signo);
				vmm_finish(vmm, VMM_EXIT_SIGNAL +
					   (int)si.ssi_signo);
			}
		}
		if (pfd[1].revents & POLLIN)
			return;
		if (nfds == 3 && pfd[2].revents) {
			if (room > sizeof(buf))
				room = sizeof(buf);
			n = read(STDIN_FILENO, buf, room);
			if (n > 0)
				serial_receive(buf, (size_t)n);
			else if (!n || (errno != EINTR && errno != EAGAIN))
				stdin_open = false;
		}
	}
}

static void vmm_join_all(struct vmm *vmm)
{
	struct timespec deadline;
	unsigned int i;
	int ret;

	/* Kick again: a thread may have started after the first kick. */
	vcpu_kick_all(vmm);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += VMM_JOIN_TIMEOUT_SEC;
	for (i = 0; i < vmm->cfg.nr_cpus; i++) {
		if (!atomic_load(&vmm->cpus[i].started))
			continue;
		ret = pthread_timedjoin_np(vmm->cpus[i].thread, NULL,
					   &deadline);
		if (ret) {
			pr_err("vCPU %u did not stop within %d s (%s); exiting anyway",
			       i, VMM_JOIN_TIMEOUT_SEC, strerror(ret));
			term_restore();
			_exit(vmm->exit_code ? vmm->exit_code : VMM_EXIT_ERROR);
		}
	}
}

int vmm_run(const struct vmm_config *cfg)
{
	static struct vmm vmm_storage;
	struct vmm *vmm = &vmm_storage;
	sigset_t stop_sigs;
	unsigned int i;
	int sig_fd = -1, ret;

	memset(vmm, 0, sizeof(*vmm));
	vmm->cfg = *cfg;
	vmm->hv.sys_fd = -1;
	vmm->hv.vm_fd = -1;
	pthread_mutex_init(&vmm->lock, NULL);
	pthread_cond_init(&vmm->cond, NULL);
	vmm->done_fd = eventfd(0, EFD_CLOEXEC);
	if (vmm->done_fd < 0) {
		pr_err("eventfd: %s", strerror(errno));
		return VMM_EXIT_ERROR;
	}
	/*
	 * SIGINT/SIGTERM are read from a signalfd by this thread only: block
	 * them before set-up starts any thread, so that every thread
	 * inherits the mask, and so that one arriving during set-up waits
	 * for the signalfd instead of being lost (a shell starts background
	 * jobs with SIGINT ignored, and a blocked signal is never ignored).
	 * A closed stdout must not kill us in the middle of a guest write.
	 */
	sigemptyset(&stop_sigs);
	sigaddset(&stop_sigs, SIGINT);
	sigaddset(&stop_sigs, SIGTERM);
	signal(SIGPIPE, SIG_IGN);
	if (!pthread_sigmask(SIG_BLOCK, &stop_sigs, NULL))
		sig_fd = signalfd(-1, &stop_sigs, SFD_CLOEXEC);
	if (sig_fd < 0 || vcpu_signals_init()) {
		pr_err("cannot set up signal handling: %s", strerror(errno));
		if (sig_fd >= 0)
			close(sig_fd);
		vmm_teardown(vmm);
		return VMM_EXIT_ERROR;
	}
	if (vmm_setup(vmm)) {
		close(sig_fd);
		vmm_teardown(vmm);
		return VMM_EXIT_ERROR;
	}

	term_setup();
	vmm->running = cfg->nr_cpus;
	for (i = 0; i < cfg->nr_cpus; i++) {
		ret = vcpu_start(&vmm->cpus[i]);
		if (ret) {
			pr_err("cannot start the thread of vCPU %u: %s", i,
			       strerror(errno));
			vmm_finish(vmm, VMM_EXIT_ERROR);
			break;
		}
	}
	vmm_main_loop(vmm, sig_fd);
	vmm_join_all(vmm);
	term_restore();
	close(sig_fd);
	ret = vmm->exit_code;
	vmm_teardown(vmm);
	return ret;
}
