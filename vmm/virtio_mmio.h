/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-mmio transport, version 2 (VIRTIO 1.x 4.2), shared by every
 * virtio device.
 *
 * Threading: register accesses come from vCPU threads (MMIO exits); the
 * requests are served on the event loop thread (evloop.h).  One mutex per
 * device, dev->lock, guards the registers, the queues and the interrupt
 * status.  The event thread holds it only to take requests out of a ring
 * and to put the answers back, never during backend IO, so a vCPU never
 * waits for a disk, a tap or a terminal.  A reset while a request is in
 * flight bumps dev->generation: the late answer is dropped.
 */
#ifndef VMM_VIRTIO_MMIO_H
#define VMM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtio.h"
#include "virtq.h"

/* Register offsets. */
#define VIRTIO_MMIO_MAGIC_VALUE		0x000
#define VIRTIO_MMIO_VERSION		0x004
#define VIRTIO_MMIO_DEVICE_ID		0x008
#define VIRTIO_MMIO_VENDOR_ID		0x00c
#define VIRTIO_MMIO_DEVICE_FEATURES	0x010
#define VIRTIO_MMIO_DEVICE_FEATURES_SEL	0x014
#define VIRTIO_MMIO_DRIVER_FEATURES	0x020
#define VIRTIO_MMIO_DRIVER_FEATURES_SEL	0x024
#define VIRTIO_MMIO_QUEUE_SEL		0x030
#define VIRTIO_MMIO_QUEUE_NUM_MAX	0x034
#define VIRTIO_MMIO_QUEUE_NUM		0x038
#define VIRTIO_MMIO_QUEUE_READY		0x044
#define VIRTIO_MMIO_QUEUE_NOTIFY	0x050
#define VIRTIO_MMIO_INTERRUPT_STATUS	0x060
#define VIRTIO_MMIO_INTERRUPT_ACK	0x064
#define VIRTIO_MMIO_STATUS		0x070
#define VIRTIO_MMIO_QUEUE_DESC_LOW	0x080
#define VIRTIO_MMIO_QUEUE_DESC_HIGH	0x084
#define VIRTIO_MMIO_QUEUE_AVAIL_LOW	0x090
#define VIRTIO_MMIO_QUEUE_AVAIL_HIGH	0x094
#define VIRTIO_MMIO_QUEUE_USED_LOW	0x0a0
#define VIRTIO_MMIO_QUEUE_USED_HIGH	0x0a4
#define VIRTIO_MMIO_CONFIG_GENERATION	0x0fc
#define VIRTIO_MMIO_CONFIG		0x100

#define VIRTIO_MMIO_MAGIC		0x74726976	/* "virt" */
#define VIRTIO_MMIO_VENDOR		0x4d4d564d	/* "MVMM" */

#define VIRTIO_MAX_QUEUES		2
#define VIRTIO_CONFIG_MAX		64

struct virtio_dev;

struct virtio_dev_ops {
	/* Serves the device's queues; event thread (or tests), no lock. */
	void (*process)(struct virtio_dev *dev);
	/* The device was reset by the driver (dev->lock held); optional. */
	void (*reset)(struct virtio_dev *dev);
	/* Closes the backend and frees the device (virtio_dev_free()). */
	void (*free)(struct virtio_dev *dev);
};

/* Raises interrupt line @gsi (an edge: the transport pulses it). */
typedef void (*virtio_irq_fn)(void *opaque, uint32_t gsi);
/* Asks for dev->ops->process() to run on the event thread. */
typedef void (*virtio_kick_fn)(struct virtio_dev *dev);

struct virtio_dev {
	pthread_mutex_t lock;
	const char *name;
	uint32_t device_id;
	uint64_t features;		/* offered */
	const struct virtio_dev_ops *ops;
	void *priv;
	const struct gmem *mem;
	unsigned int nr_queues;
	uint16_t queue_num_max;

	/* Config space: bytes the guest reads at 0x100 (device-owned). */
	uint8_t config[VIRTIO_CONFIG_MAX];
	uint32_t config_len;

	/* Interrupt and kick plumbing. */
	uint32_t gsi;
	virtio_irq_fn irq;
	void *irq_opaque;
	virtio_kick_fn kick;
	int kick_fd;			/* eventfd, -1 when kick is direct */

	/* Transport registers (dev->lock). */
	uint64_t driver_features;
	uint32_t device_features_sel;
	uint32_t driver_features_sel;
	uint32_t queue_sel;
	uint32_t status;
	uint32_t isr;
	uint32_t config_generation;
	uint32_t generation;		/* bumped on every reset */
	const char *fail_reason;	/* why NEEDS_RESET was set */
	struct virtq vq[VIRTIO_MAX_QUEUES];
};

/*
 * Fills in the transport part of @dev; the caller then sets config,
 * config_len, priv and its kick.  0, or -1 with errno set.
 */
int virtio_dev_init(struct virtio_dev *dev, const char *name,
		    uint32_t device_id, uint64_t features,
		    unsigned int nr_queues, const struct virtio_dev_ops *ops,
		    const struct gmem *mem, uint32_t gsi, virtio_irq_fn irq,
		    void *irq_opaque);
void virtio_dev_destroy(struct virtio_dev *dev);

/* The MMIO handler of the device window (mmio_fn); @addr is the offset. */
void virtio_mmio_access(struct virtio_dev *dev, uint64_t offset,
			uint8_t *data, unsigned int len, bool is_write);

/* The device is live: DRIVER_OK set, not NEEDS_RESET (dev->lock). */
bool virtio_dev_live(const struct virtio_dev *dev);
/*
 * Device side of a request, for process(): takes the next request of
 * queue @q under the lock.  1 got one (*gen = the generation), 0 none or
 * the device is not live, -1 the queue is broken (the device is then in
 * NEEDS_RESET).
 */
int virtio_pop(struct virtio_dev *dev, unsigned int q,
	       struct virtq_elem *elem, uint32_t *gen);
/* Gives back the request virtio_pop() just took (same generation). */
void virtio_unpop(struct virtio_dev *dev, unsigned int q, uint32_t gen);
/*
 * Completes a request (dropped if the device was reset since @gen) and
 * interrupts the guest if it wants.  @notify false batches: call
 * virtio_notify() after the last one.
 */
void virtio_push(struct virtio_dev *dev, unsigned int q, uint16_t head,
		 uint32_t len, uint32_t gen, bool notify);
void virtio_notify(struct virtio_dev *dev, unsigned int q);
/*
 * Guest kicks for queue @q off (@on false) while draining it, back on
 * after; with @on true, returns whether requests arrived meanwhile.
 */
bool virtio_set_notify(struct virtio_dev *dev, unsigned int q, bool on);
/* The guest broke a rule: NEEDS_RESET and a config-change interrupt. */
void virtio_dev_fail(struct virtio_dev *dev, const char *why);

#endif
