/* SPDX-License-Identifier: GPL-2.0 */
/* One virtual machine: its memory, vCPU threads and lifetime. */
#ifndef VMM_VMM_H
#define VMM_VMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "boot.h"
#include "guest_mem.h"
#include "hv.h"
#include "virtio.h"
#include "x86_setup.h"

/* Exit statuses of minivmm (README.md). */
#define VMM_EXIT_OK		0	/* guest halted with IF=0 / exit port 0 */
#define VMM_EXIT_ERROR		1	/* minivmm or kernel call failed */
#define VMM_EXIT_USAGE		2	/* bad command line */
#define VMM_EXIT_CRASH		3	/* triple fault, failed entry, ... */
#define VMM_EXIT_IDLE		4	/* all halted, the last with IF=1 */
#define VMM_EXIT_RESET		5	/* the guest asked for a reset (reboot) */
#define VMM_EXIT_SIGNAL		128	/* + signal number */

struct vmm_config {
	const char *dev;
	uint64_t mem_size;
	unsigned int nr_cpus;
	const char *flat_path;
	uint64_t flat_addr;
	enum x86_mode mode;
	struct kernel_args kernel;	/* kernel.kernel set: --kernel */
	struct virtio_config virtio;	/* --disk, --net, --console, --rng */
};

struct vmm;

struct vcpu {
	struct vmm *vmm;
	struct hv_vcpu hv;
	pthread_t thread;
	atomic_bool started;
};

struct vmm {
	struct vmm_config cfg;
	struct hv_vm hv;
	uint8_t *mem;
	struct guest_ram ram;		/* mem as the guest sees it */
	struct boot_entry boot;		/* --kernel: how vCPU 0 starts */
	bool irqchip;			/* LAPICs and IOAPIC in the kernel */
	bool platform;			/* platform_init() ran: platform_exit() */
	struct vcpu *cpus;

	pthread_mutex_t lock;
	pthread_cond_t cond;		/* parked vCPUs wait here */
	unsigned int running;		/* vCPUs neither halted nor parked */
	bool finished;
	int exit_code;
	atomic_bool stopping;		/* all vCPU threads must return */
	int done_fd;			/* eventfd: finished */
};

/* vmm.c */
int vmm_run(const struct vmm_config *cfg);
/* The first call sets the exit status and stops every vCPU. */
void vmm_finish(struct vmm *vmm, int code);

/* vcpu.c */
int vcpu_signals_init(void);
int vcpu_start(struct vcpu *cpu);
void vcpu_kick_all(struct vmm *vmm);
void vcpu_dump(struct vcpu *cpu);

#endif
