/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Definitions shared by the virtio transport, the virtqueue code and the
 * virtio devices (VIRTIO 1.x), and the command-line configuration of the
 * virtio devices.
 */
#ifndef VMM_VIRTIO_H
#define VMM_VIRTIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Device status bits (VIRTIO 1.x 2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE	0x01
#define VIRTIO_STATUS_DRIVER		0x02
#define VIRTIO_STATUS_DRIVER_OK		0x04
#define VIRTIO_STATUS_FEATURES_OK	0x08
#define VIRTIO_STATUS_NEEDS_RESET	0x40
#define VIRTIO_STATUS_FAILED		0x80

/* Transport-independent feature bits. */
#define VIRTIO_F_INDIRECT_DESC		28
#define VIRTIO_F_EVENT_IDX		29
#define VIRTIO_F_VERSION_1		32

/* Device IDs. */
#define VIRTIO_ID_NET			1
#define VIRTIO_ID_BLOCK			2
#define VIRTIO_ID_CONSOLE		3
#define VIRTIO_ID_RNG			4

/* InterruptStatus bits. */
#define VIRTIO_INT_USED			0x1
#define VIRTIO_INT_CONFIG		0x2

#define VIRTIO_BIT(f)			(1ULL << (f))

/*
 * The virtio-mmio windows, 4 KiB each from VIRTIO_MMIO_BASE in the 32-bit
 * hole (guest_mem.h), and their interrupts, one GSI each from
 * VIRTIO_MMIO_GSI_BASE on.
 */
#define VIRTIO_MMIO_BASE		((uint64_t)0xD0000000)
#define VIRTIO_MMIO_SIZE		0x1000U
#define VIRTIO_MMIO_GSI_BASE		5U
#define VIRTIO_MAX_DEVICES		16U

/*
 * Guest RAM as the devices see it: at most a few regions, each mapped
 * contiguously in the VMM.  Devices reach guest memory only through
 * gmem_ptr(), which checks the whole range.
 */
#define GMEM_MAX_REGIONS		4

struct gmem_region {
	uint64_t gpa;
	uint64_t size;
	uint8_t *host;
};

struct gmem {
	struct gmem_region r[GMEM_MAX_REGIONS];
	unsigned int nr;
};

/*
 * The host address of guest-physical [@gpa, @gpa + @len) if the whole range
 * lies in one RAM region, else NULL.  Overflow-safe for any inputs; a
 * zero-length range needs only @gpa to be inside (or at the end of) RAM.
 */
static inline void *gmem_ptr(const struct gmem *m, uint64_t gpa, uint64_t len)
{
	unsigned int i;

	for (i = 0; i < m->nr; i++) {
		const struct gmem_region *r = &m->r[i];
		uint64_t off;

		if (gpa < r->gpa)
			continue;
		off = gpa - r->gpa;
		if (off > r->size || len > r->size - off)
			continue;
		return r->host + off;
	}
	return NULL;
}

/*
 * The standard layout of a VM with @size bytes of RAM at @host: RAM from
 * 0 up to the 32-bit hole at 3 GiB, the rest from 4 GiB on (contiguous in
 * the VMM).
 */
void gmem_init_x86(struct gmem *m, uint8_t *host, uint64_t size);

/* Command-line configuration (struct vmm_config.virtio). */
#define VIRTIO_MAX_DISKS		8
#define VIRTIO_BLK_ID_BYTES		20

struct virtio_disk_config {
	const char *path;
	bool ro;
	char serial[VIRTIO_BLK_ID_BYTES + 1];
};

struct virtio_config {
	struct virtio_disk_config disks[VIRTIO_MAX_DISKS];
	unsigned int nr_disks;
	const char *tap;		/* --net tap=NAME */
	uint8_t mac[6];
	bool has_mac;
	bool console;			/* --console virtio */
	bool rng;			/* --rng */
};

struct vmm;

/*
 * Parses one of the virtio options: "disk" (PATH[,ro][,serial=ID]),
 * "net" (tap=NAME[,mac=MAC]), "console" (virtio) and "rng" (@arg
 * ignored).  0, or -1 after printing a message that names the problem.
 */
int virtio_parse_opt(struct virtio_config *vc, const char *opt,
		     const char *arg);

/*
 * Opens the backends (disk images, tap), creates the devices, registers
 * their MMIO windows, announces them to ACPI and starts the event loop
 * thread.  After the guest memory exists, before acpi_build() and before
 * the vCPUs start.  0, or -1 after printing why.
 */
int virtio_devices_init(struct vmm *vmm, const struct virtio_config *vc);
/* Stops the event loop and closes the backends (after the vCPUs ended). */
void virtio_devices_exit(void);
/* The virtio_mmio.device= arguments for kernels without ACPI (or "" ). */
const char *virtio_cmdline_devices(void);
/*
 * The same, from the configuration alone (before virtio_devices_init(),
 * e.g. to append them to a kernel command line on request).  0, or -1
 * if @len is too small.
 */
int virtio_cmdline_args(const struct virtio_config *vc, char *buf,
			size_t len);

#endif
