/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny virtio "driver" for the host tests and the fuzzer: guest RAM is
 * a heap buffer (ASan sees any access outside it), registers are reached
 * through virtio_mmio_access(), notifications run the device's queue
 * processing synchronously.
 *
 * Queue q uses: descriptors at QBASE(q), avail at QBASE(q) + 0x1000,
 * used at QBASE(q) + 0x2000; data buffers from DATA_BASE on.
 */
#ifndef VMM_TESTS_VIRTIO_DRIVER_H
#define VMM_TESTS_VIRTIO_DRIVER_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio_devs.h"
#include "virtio_mmio.h"

#define DRV_RAM_SIZE	(1U << 20)
#define DRV_QNUM	16U
#define QBASE(q)	(0x1000ULL + 0x4000ULL * (q))
#define DATA_BASE	0x20000ULL

static uint8_t *drv_ram;
static struct gmem drv_mem;
static unsigned int drv_irqs;
static uint16_t drv_avail_idx[VIRTIO_MAX_QUEUES];
static uint16_t drv_used_seen[VIRTIO_MAX_QUEUES];

static inline void drv_irq(void *opaque, uint32_t gsi)
{
	(void)opaque;
	(void)gsi;
	drv_irqs++;
}

static inline void drv_kick(struct virtio_dev *dev)
{
	dev->ops->process(dev);
}

static inline void drv_ram_init(void)
{
	free(drv_ram);
	drv_ram = calloc(1, DRV_RAM_SIZE);
	drv_mem.nr = 1;
	drv_mem.r[0] = (struct gmem_region){
		.gpa = 0, .size = DRV_RAM_SIZE, .host = drv_ram,
	};
	drv_irqs = 0;
	memset(drv_avail_idx, 0, sizeof(drv_avail_idx));
	memset(drv_used_seen, 0, sizeof(drv_used_seen));
}

static inline uint32_t drv_rd(struct virtio_dev *dev, uint64_t off)
{
	uint32_t v;

	virtio_mmio_access(dev, off, (uint8_t *)&v, 4, false);
	return v;
}

static inline void drv_wr(struct virtio_dev *dev, uint64_t off, uint32_t v)
{
	virtio_mmio_access(dev, off, (uint8_t *)&v, 4, true);
}

static inline void drv_queue_setup(struct virtio_dev *dev, unsigned int q,
				   uint32_t num, uint64_t desc, uint64_t avail,
				   uint64_t used)
{
	drv_wr(dev, VIRTIO_MMIO_QUEUE_SEL, q);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_NUM, num);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
	drv_wr(dev, VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)avail);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_AVAIL_HIGH, (uint32_t)(avail >> 32));
	drv_wr(dev, VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)used);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_USED_HIGH, (uint32_t)(used >> 32));
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 1);
}

/* Full bring-up with the given driver features; returns the status. */
static inline uint32_t drv_setup(struct virtio_dev *dev, uint64_t features)
{
	unsigned int q;

	drv_wr(dev, VIRTIO_MMIO_STATUS, 0);
	memset(drv_avail_idx, 0, sizeof(drv_avail_idx));
	memset(drv_used_seen, 0, sizeof(drv_used_seen));
	memset(drv_ram, 0, DATA_BASE);
	drv_wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE);
	drv_wr(dev, VIRTIO_MMIO_STATUS,
	       VIRTIO_STATUS_ACKNOWLEDGE | VIRTIO_STATUS_DRIVER);
	drv_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	drv_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	drv_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	drv_wr(dev, VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	drv_wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	       VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK);
	if (!(drv_rd(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_FEATURES_OK))
		return drv_rd(dev, VIRTIO_MMIO_STATUS);
	for (q = 0; q < dev->nr_queues; q++)
		drv_queue_setup(dev, q, DRV_QNUM, QBASE(q), QBASE(q) + 0x1000,
				QBASE(q) + 0x2000);
	drv_wr(dev, VIRTIO_MMIO_STATUS, VIRTIO_STATUS_ACKNOWLEDGE |
	       VIRTIO_STATUS_DRIVER | VIRTIO_STATUS_FEATURES_OK |
	       VIRTIO_STATUS_DRIVER_OK);
	return drv_rd(dev, VIRTIO_MMIO_STATUS);
}

static inline void drv_desc(unsigned int q, unsigned int i, uint64_t addr,
			    uint32_t len, uint16_t flags, uint16_t next)
{
	struct virtq_desc d = {
		.addr = addr, .len = len, .flags = flags, .next = next,
	};

	memcpy(drv_ram + QBASE(q) + 16 * i, &d, sizeof(d));
}

/* Makes chain @head available (without notifying). */
static inline void drv_avail(unsigned int q, uint16_t head)
{
	uint16_t *avail = (uint16_t *)(drv_ram + QBASE(q) + 0x1000);

	avail[2 + drv_avail_idx[q] % DRV_QNUM] = head;
	drv_avail_idx[q]++;
	avail[1] = drv_avail_idx[q];
}

static inline void drv_notify(struct virtio_dev *dev, unsigned int q)
{
	drv_wr(dev, VIRTIO_MMIO_QUEUE_NOTIFY, q);
}

/* The next used element of queue @q, or -1 if none. */
static inline int drv_used(unsigned int q, uint32_t *id, uint32_t *len)
{
	uint8_t *used = drv_ram + QBASE(q) + 0x2000;
	uint16_t idx;
	uint32_t e[2];

	memcpy(&idx, used + 2, 2);
	if (idx == drv_used_seen[q])
		return -1;
	memcpy(e, used + 4 + 8 * (drv_used_seen[q] % DRV_QNUM), 8);
	drv_used_seen[q]++;
	*id = e[0];
	*len = e[1];
	return 0;
}

static inline bool drv_needs_reset(struct virtio_dev *dev)
{
	return drv_rd(dev, VIRTIO_MMIO_STATUS) & VIRTIO_STATUS_NEEDS_RESET;
}

#endif
