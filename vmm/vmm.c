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

#include "debug_exit.h"
#include "ioport.h"
#include "loader_flat.h"
#include "log.h"
#include "mmio.h"
#include "serial.h"
#include "term.h"
#include "vmm.h"

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

static int vmm_setup_vcpu(struct vmm *vmm, unsigned int id)
{
	struct vcpu *cpu = &vmm->cpus[id];
	struct minivmm_sregs sregs;
	struct minivmm_regs regs;

	cpu->vmm = vmm;
	if (hv_vcpu_create(&vmm->hv, id, &cpu->hv)) {
		pr_err("cannot create vCPU %u: %s", id, strerror(errno));
		return -1;
	}
	if (hv_get_sregs(&cpu->hv, &sregs)) {
		pr_err("vCPU %u: MINIVMM_GET_SREGS failed: %s", id,
		       strerror(errno));
		return -1;
	}
	x86_setup_sregs(vmm->cfg.mode, vmm->cfg.flat_addr, &sregs);
	if (hv_set_sregs(&cpu->hv, &sregs)) {
		pr_err("vCPU %u: MINIVMM_SET_SREGS (%s mode) failed: %s", id,
		       x86_mode_name(vmm->cfg.mode), strerror(errno));
		return -1;
	}
	x86_setup_regs(vmm->cfg.mode, vmm->cfg.flat_addr, id,
		       vmm->cfg.nr_cpus, &regs);
	if (hv_set_regs(&cpu->hv, &regs)) {
		pr_err("vCPU %u: MINIVMM_SET_REGS failed: %s", id,
		       strerror(errno));
		return -1;
	}
	return 0;
}

static int vmm_setup(struct vmm *vmm)
{
	char msg[512];
	long max;
	unsigned int i;
	int ret;

	vmm->mem = mmap(NULL, vmm->cfg.mem_size, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vmm->mem == MAP_FAILED) {
		vmm->mem = NULL;
		pr_err("cannot allocate %" PRIu64 " MiB of guest memory: %s",
		       vmm->cfg.mem_size >> 20, strerror(errno));
		return -1;
	}
	/* Check the image before touching the device: cheaper to fix. */
	x86_write_tables(vmm->cfg.mode, vmm->mem, vmm->cfg.mem_size);
	if (flat_load(vmm->cfg.flat_path, vmm->cfg.flat_addr, vmm->cfg.mode,
		      vmm->mem, vmm->cfg.mem_size, msg, sizeof(msg))) {
		pr_err("%s", msg);
		return -1;
	}
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
	if (vmm->cfg.mode == X86_MODE_REAL &&
	    !hv_check_cap(&vmm->hv, MINIVMM_CAP_UNRESTRICTED_GUEST))
		pr_info("warning: the module does not report MINIVMM_CAP_UNRESTRICTED_GUEST; real mode may fail");
	if (hv_set_memory(&vmm->hv, 0, 0, vmm->cfg.mem_size, vmm->mem, 0)) {
		pr_err("cannot register %" PRIu64 " MiB of guest memory as slot 0: %s",
		       vmm->cfg.mem_size >> 20, strerror(errno));
		return -1;
	}
	ret = serial_init(STDOUT_FILENO);
	if (!ret)
		ret = debug_exit_init(vmm);
	if (ret) {
		pr_err("cannot register devices: %s", strerror(-ret));
		return -1;
	}
	vmm->cpus = calloc(vmm->cfg.nr_cpus, sizeof(*vmm->cpus));
	if (!vmm->cpus) {
		pr_err("out of memory");
		return -1;
	}
	for (i = 0; i < vmm->cfg.nr_cpus; i++)
		vmm->cpus[i].hv.fd = -1;
	for (i = 0; i < vmm->cfg.nr_cpus; i++)
		if (vmm_setup_vcpu(vmm, i))
			return -1;
	return 0;
}

static void vmm_teardown(struct vmm *vmm)
{
	unsigned int i;

	if (vmm->cpus) {
		for (i = 0; i < vmm->cfg.nr_cpus; i++)
			hv_vcpu_destroy(&vmm->cpus[i].hv);
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
	bool stdin_open = true;
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
	if (vmm_setup(vmm)) {
		vmm_teardown(vmm);
		return VMM_EXIT_ERROR;
	}

	/*
	 * SIGINT/SIGTERM are read from a signalfd by this thread only: block
	 * them before the vCPU threads inherit the mask.  A closed stdout
	 * must not kill us in the middle of a guest write.
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

	term_setup();
	vmm->running = cfg->nr_cpus;
	for (i = 0; i < cfg->nr_cpus; i++) {
		ret = vcpu_start(&vmm->cpus[i]);
		if (ret) {
			pr_err("cannot start the thread of vCPU %u: %s", i,
			       strerror(ret));
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
