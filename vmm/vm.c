// SPDX-License-Identifier: GPL-2.0
/* The kernel-call layer around /dev/minivmm (hv.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "exit_stats.h"
#include "hv.h"

/* A hint for the errors a user can fix when opening the device. */
static const char *hv_open_hint(int err)
{
	switch (err) {
	case ENOENT:
		return " (is the minivmm module loaded? try: insmod minivmm.ko)";
	case ENXIO:
	case ENODEV:
		return " (the device exists but no driver answers: module not loaded?)";
	case EACCES:
	case EPERM:
		return " (no permission: run as root or fix the device mode)";
	default:
		return "";
	}
}

static const char *hv_create_hint(int err)
{
	switch (err) {
	case EBUSY:
		return " (virtualization is in use by another hypervisor, e.g. kvm?)";
	case ENOMEM:
		return " (out of memory)";
	default:
		return "";
	}
}

int hv_vm_create(struct hv_vm *vm, const char *path, char *msg, size_t len)
{
	struct minivmm_create_vm args = { 0 };
	int ret, err;

	vm->sys_fd = -1;
	vm->vm_fd = -1;
	vm->sys_fd = open(path, O_RDWR | O_CLOEXEC);
	if (vm->sys_fd < 0) {
		err = errno;
		snprintf(msg, len, "cannot open %s: %s%s", path, strerror(err),
			 hv_open_hint(err));
		goto fail;
	}
	ret = ioctl(vm->sys_fd, MINIVMM_GET_API_VERSION, 0);
	if (ret < 0) {
		err = errno;
		snprintf(msg, len, "%s: MINIVMM_GET_API_VERSION failed: %s (not a minivmm device?)",
			 path, strerror(err));
		goto close_sys;
	}
	if (ret != MINIVMM_API_VERSION) {
		err = EPROTO;
		snprintf(msg, len, "%s: API version %d, this minivmm needs %d",
			 path, ret, MINIVMM_API_VERSION);
		goto close_sys;
	}
	ret = ioctl(vm->sys_fd, MINIVMM_GET_VCPU_MMAP_SIZE, 0);
	if (ret < (int)sizeof(struct minivmm_run)) {
		err = ret < 0 ? errno : EPROTO;
		snprintf(msg, len, "%s: MINIVMM_GET_VCPU_MMAP_SIZE failed: %s",
			 path, ret < 0 ? strerror(err) : "size too small");
		goto close_sys;
	}
	vm->vcpu_map_size = (size_t)ret;
	vm->vm_fd = ioctl(vm->sys_fd, MINIVMM_CREATE_VM, &args);
	if (vm->vm_fd < 0) {
		err = errno;
		snprintf(msg, len, "%s: MINIVMM_CREATE_VM failed: %s%s", path,
			 strerror(err), hv_create_hint(err));
		goto close_sys;
	}
	return 0;

close_sys:
	close(vm->sys_fd);
	vm->sys_fd = -1;
fail:
	errno = err;
	return -1;
}

void hv_vm_destroy(struct hv_vm *vm)
{
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->sys_fd >= 0)
		close(vm->sys_fd);
	vm->vm_fd = -1;
	vm->sys_fd = -1;
}

long hv_check_cap(struct hv_vm *vm, unsigned int cap)
{
	int ret = ioctl(vm->vm_fd, MINIVMM_CHECK_CAP, (unsigned long)cap);

	return ret < 0 ? 0 : ret;
}

int hv_set_memory(struct hv_vm *vm, uint32_t slot, uint64_t gpa,
		  uint64_t size, void *host, uint32_t flags)
{
	struct minivmm_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)host,
	};

	return ioctl(vm->vm_fd, MINIVMM_SET_MEMORY_REGION, &r) < 0 ? -1 : 0;
}

int hv_create_irqchip(struct hv_vm *vm)
{
	struct minivmm_create_irqchip args = { 0 };

	return ioctl(vm->vm_fd, MINIVMM_CREATE_IRQCHIP, &args) < 0 ? -1 : 0;
}

int hv_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	struct minivmm_irq_line args = { .gsi = gsi, .level = level };

	return ioctl(vm->vm_fd, MINIVMM_IRQ_LINE, &args) < 0 ? -1 : 0;
}

int hv_signal_msi(struct hv_vm *vm, uint64_t address, uint32_t data)
{
	struct minivmm_msi args = { .address = address, .data = data };

	return ioctl(vm->vm_fd, MINIVMM_SIGNAL_MSI, &args);
}

int hv_set_ioport_range(struct hv_vm *vm, uint32_t base, uint32_t len,
			uint32_t flags)
{
	struct minivmm_ioport_range args = {
		.base = base, .len = len, .flags = flags,
	};

	return ioctl(vm->vm_fd, MINIVMM_SET_IOPORT_RANGE, &args) < 0 ? -1 : 0;
}

int hv_vcpu_create(struct hv_vm *vm, unsigned int id, struct hv_vcpu *vcpu)
{
	struct minivmm_create_vcpu args = { .id = id };
	int err;

	vcpu->id = id;
	vcpu->fd = ioctl(vm->vm_fd, MINIVMM_CREATE_VCPU, &args);
	if (vcpu->fd < 0)
		return -1;
	vcpu->map_size = vm->vcpu_map_size;
	vcpu->map = mmap(NULL, vcpu->map_size, PROT_READ | PROT_WRITE,
			 MAP_SHARED, vcpu->fd, 0);
	if (vcpu->map == MAP_FAILED) {
		err = errno;
		close(vcpu->fd);
		vcpu->fd = -1;
		errno = err;
		return -1;
	}
	vcpu->run = vcpu->map;
	return 0;
}

void hv_vcpu_destroy(struct hv_vcpu *vcpu)
{
	hv_stats_free(vcpu->stats);
	vcpu->stats = NULL;
	if (vcpu->map && vcpu->map != MAP_FAILED)
		munmap(vcpu->map, vcpu->map_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	vcpu->map = NULL;
	vcpu->run = NULL;
	vcpu->fd = -1;
}

int hv_vcpu_run(struct hv_vcpu *vcpu)
{
	if (vcpu->stats)
		return hv_vcpu_run_counted(vcpu);
	return ioctl(vcpu->fd, MINIVMM_RUN, 0) < 0 ? -1 : 0;
}

int hv_get_regs(struct hv_vcpu *vcpu, struct minivmm_regs *regs)
{
	return ioctl(vcpu->fd, MINIVMM_GET_REGS, regs) < 0 ? -1 : 0;
}

int hv_set_regs(struct hv_vcpu *vcpu, const struct minivmm_regs *regs)
{
	return ioctl(vcpu->fd, MINIVMM_SET_REGS, regs) < 0 ? -1 : 0;
}

int hv_get_sregs(struct hv_vcpu *vcpu, struct minivmm_sregs *sregs)
{
	return ioctl(vcpu->fd, MINIVMM_GET_SREGS, sregs) < 0 ? -1 : 0;
}

int hv_set_sregs(struct hv_vcpu *vcpu, const struct minivmm_sregs *sregs)
{
	return ioctl(vcpu->fd, MINIVMM_SET_SREGS, sregs) < 0 ? -1 : 0;
}

int hv_set_cpuid(struct hv_vcpu *vcpu, const struct minivmm_cpuid_entry *e,
		 uint32_t nent)
{
	size_t bytes = sizeof(struct minivmm_cpuid) + nent * sizeof(*e);
	struct minivmm_cpuid *c = calloc(1, bytes);
	int ret;

	if (!c)
		return -1;
	c->nent = nent;
	memcpy(c->entries, e, nent * sizeof(*e));
	ret = ioctl(vcpu->fd, MINIVMM_SET_CPUID, c) < 0 ? -1 : 0;
	free(c);
	return ret;
}

/*
 * GET_MSRS or SET_MSRS (@req) on a copy of @e; what the kernel read goes
 * back to @out unless it is NULL.  Returns the count done.
 */
static int hv_msrs(struct hv_vcpu *vcpu, unsigned long req,
		   const struct minivmm_msr_entry *e,
		   struct minivmm_msr_entry *out, uint32_t n)
{
	size_t bytes = sizeof(struct minivmm_msrs) + n * sizeof(*e);
	struct minivmm_msrs *m = calloc(1, bytes);
	int ret;

	if (!m)
		return -1;
	m->nmsrs = n;
	memcpy(m->entries, e, n * sizeof(*e));
	ret = ioctl(vcpu->fd, req, m);
	if (ret > 0 && out)
		memcpy(out, m->entries, (size_t)ret * sizeof(*e));
	free(m);
	return ret;
}

int hv_set_msrs(struct hv_vcpu *vcpu, const struct minivmm_msr_entry *e,
		uint32_t n)
{
	return hv_msrs(vcpu, MINIVMM_SET_MSRS, e, NULL, n);
}

int hv_get_msrs(struct hv_vcpu *vcpu, struct minivmm_msr_entry *e,
		uint32_t n)
{
	return hv_msrs(vcpu, MINIVMM_GET_MSRS, e, e, n);
}

int hv_get_mp_state(struct hv_vcpu *vcpu, uint32_t *state)
{
	struct minivmm_mp_state mp;

	if (ioctl(vcpu->fd, MINIVMM_GET_MP_STATE, &mp) < 0)
		return -1;
	*state = mp.mp_state;
	return 0;
}

int hv_set_mp_state(struct hv_vcpu *vcpu, uint32_t state)
{
	struct minivmm_mp_state mp = { .mp_state = state };

	return ioctl(vcpu->fd, MINIVMM_SET_MP_STATE, &mp) < 0 ? -1 : 0;
}

void *hv_io_data(struct hv_vcpu *vcpu)
{
	struct minivmm_run *run = vcpu->run;
	uint64_t off = run->io.data_offset;
	uint64_t bytes = (uint64_t)run->io.count * run->io.size;

	/* The kernel is trusted, but a wild offset must not crash us. */
	if (off > vcpu->map_size || bytes > vcpu->map_size - off)
		return NULL;
	return (uint8_t *)vcpu->map + off;
}
