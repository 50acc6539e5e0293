// SPDX-License-Identifier: GPL-2.0
/* The virtio-mmio transport, version 2 (virtio_mmio.h). */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>

#include "err.h"
#include "log.h"
#include "virtio_devs.h"
#include "virtio_mmio.h"

int virtio_dev_init(struct virtio_dev *dev, const char *name,
		    uint32_t device_id, uint64_t features,
		    unsigned int nr_queues, const struct virtio_dev_ops *ops,
		    const struct gmem *mem, uint32_t gsi, virtio_irq_fn irq,
		    void *irq_opaque)
{
	int ret;

	if (nr_queues > VIRTIO_MAX_QUEUES)
		return err_set(EINVAL);
	memset(dev, 0, sizeof(*dev));
	ret = pthread_mutex_init(&dev->lock, NULL);
	if (ret)
		return err_set(ret);
	dev->name = name;
	dev->device_id = device_id;
	/*
	 * A modern-only device: VERSION_1 is always offered and required.
	 * Indirect descriptors are parsed by virtq.c for every device.
	 */
	dev->features = features | VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	dev->nr_queues = nr_queues;
	dev->queue_num_max = VIRTQ_MAX_NUM;
	dev->ops = ops;
	dev->mem = mem;
	dev->gsi = gsi;
	dev->irq = irq;
	dev->irq_opaque = irq_opaque;
	dev->kick_fd = -1;
	return 0;
}

void virtio_dev_destroy(struct virtio_dev *dev)
{
	if (dev->kick_fd >= 0)
		close(dev->kick_fd);
	dev->kick_fd = -1;
	pthread_mutex_destroy(&dev->lock);
}

bool virtio_dev_live(const struct virtio_dev *dev)
{
	return (dev->status & VIRTIO_STATUS_DRIVER_OK) &&
	       !(dev->status & VIRTIO_STATUS_NEEDS_RESET);
}

static void virtio_raise(struct virtio_dev *dev, uint32_t bits)
{
	pthread_mutex_lock(&dev->lock);
	dev->isr |= bits;
	pthread_mutex_unlock(&dev->lock);
	/*
	 * Edge-triggered: pulse on every new event, even with the bit
	 * already set.  Linux acks InterruptStatus before it looks at the
	 * rings, so an extra edge costs one spurious check, a missing one
	 * a hung queue.
	 */
	if (dev->irq)
		dev->irq(dev->irq_opaque, dev->gsi);
}

/* A guest can break its devices in a loop: say it only so many times. */
#define VIRTIO_FAIL_LOG_MAX	10

/* Under dev->lock; the caller raises VIRTIO_INT_CONFIG after unlocking. */
static void virtio_fail_locked(struct virtio_dev *dev, const char *why)
{
	static unsigned int logged;

	if (dev->status & VIRTIO_STATUS_NEEDS_RESET)
		return;
	if (__atomic_fetch_add(&logged, 1, __ATOMIC_RELAXED) <
	    VIRTIO_FAIL_LOG_MAX)
		pr_info("virtio %s: %s: device needs a reset", dev->name, why);
	else
		pr_debug("virtio %s: %s: device needs a reset", dev->name,
			 why);
	dev->status |= VIRTIO_STATUS_NEEDS_RESET;
	dev->fail_reason = why;
}

void virtio_dev_fail(struct virtio_dev *dev, const char *why)
{
	bool raise;

	pthread_mutex_lock(&dev->lock);
	raise = !(dev->status & VIRTIO_STATUS_NEEDS_RESET);
	virtio_fail_locked(dev, why);
	pthread_mutex_unlock(&dev->lock);
	if (raise)
		virtio_raise(dev, VIRTIO_INT_CONFIG);
}

static void virtio_reset_locked(struct virtio_dev *dev)
{
	unsigned int i;

	dev->status = 0;
	dev->isr = 0;
	dev->driver_features = 0;
	dev->device_features_sel = 0;
	dev->driver_features_sel = 0;
	dev->queue_sel = 0;
	dev->fail_reason = NULL;
	dev->generation++;
	for (i = 0; i < dev->nr_queues; i++)
		virtq_reset(&dev->vq[i]);
	if (dev->ops->reset)
		dev->ops->reset(dev);
}

static struct virtq *virtio_cur_queue(struct virtio_dev *dev)
{
	if (dev->queue_sel >= dev->nr_queues)
		return NULL;
	return &dev->vq[dev->queue_sel];
}

static uint32_t virtio_reg_read(struct virtio_dev *dev, uint64_t off)
{
	struct virtq *vq = virtio_cur_queue(dev);

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return 2;
	case VIRTIO_MMIO_DEVICE_ID:
		return dev->device_id;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		if (dev->device_features_sel > 1)
			return 0;
		return (uint32_t)(dev->features >>
				  (32 * dev->device_features_sel));
	case VIRTIO_MMIO_QUEUE_NUM_MAX:
		return vq ? dev->queue_num_max : 0;
	case VIRTIO_MMIO_QUEUE_READY:
		return vq ? vq->ready : 0;
	case VIRTIO_MMIO_INTERRUPT_STATUS:
		return dev->isr;
	case VIRTIO_MMIO_STATUS:
		return dev->status;
	case VIRTIO_MMIO_CONFIG_GENERATION:
		return dev->config_generation;
	default:
		/* Write-only and reserved registers read as 0. */
		return 0;
	}
}

static void virtio_set_features(struct virtio_dev *dev, uint32_t v)
{
	unsigned int shift;

	/* Features are fixed once FEATURES_OK is set. */
	if (dev->status & VIRTIO_STATUS_FEATURES_OK ||
	    dev->driver_features_sel > 1)
		return;
	shift = 32 * dev->driver_features_sel;
	dev->driver_features &= ~(0xffffffffULL << shift);
	dev->driver_features |= (uint64_t)v << shift;
}

/* Status write; returns the interrupt bits to raise after unlocking. */
static uint32_t virtio_set_status(struct virtio_dev *dev, uint32_t v)
{
	uint32_t added;

	if (!v) {
		virtio_reset_locked(dev);
		return 0;
	}
	/* NEEDS_RESET is the device's; the driver cannot set or clear it. */
	v = (v & ~VIRTIO_STATUS_NEEDS_RESET) |
	    (dev->status & VIRTIO_STATUS_NEEDS_RESET);
	added = v & ~dev->status;
	if (added & VIRTIO_STATUS_FEATURES_OK) {
		uint64_t f = dev->driver_features;

		/*
		 * Refuse a driver that wants features not offered or does
		 * not speak VERSION_1: FEATURES_OK stays clear (3.1.1).
		 */
		if ((f & ~dev->features) ||
		    !(f & VIRTIO_BIT(VIRTIO_F_VERSION_1))) {
			pr_debug("virtio %s: refusing driver features 0x%" PRIx64,
				 dev->name, f);
			v &= ~(uint32_t)VIRTIO_STATUS_FEATURES_OK;
		}
	}
	/* DRIVER_OK without FEATURES_OK is a driver bug: do not go live. */
	if ((v & VIRTIO_STATUS_DRIVER_OK) &&
	    !(v & VIRTIO_STATUS_FEATURES_OK) &&
	    !(dev->status & VIRTIO_STATUS_DRIVER_OK)) {
		dev->status = v & 0xff;
		virtio_fail_locked(dev, "DRIVER_OK without FEATURES_OK");
		return VIRTIO_INT_CONFIG;
	}
	dev->status = v & 0xff;
	return 0;
}

static void virtio_set_queue_ready(struct virtio_dev *dev, struct virtq *vq,
				   uint32_t v, uint32_t *raise)
{
	enum virtq_err err;
	bool indirect;

	if (!v) {
		/* Disabling a queue: forget it; the driver re-programs it. */
		vq->ready = false;
		return;
	}
	if (vq->ready)
		return;
	indirect = dev->driver_features & VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);
	err = virtq_enable(vq, dev->mem, indirect);
	if (err) {
		virtio_fail_locked(dev, virtq_err_name(err));
		*raise |= VIRTIO_INT_CONFIG;
	}
}

static void set_low(uint64_t *r, uint32_t v)
{
	*r = (*r & ~0xffffffffULL) | v;
}

static void set_high(uint64_t *r, uint32_t v)
{
	*r = (*r & 0xffffffffULL) | ((uint64_t)v << 32);
}

/* Queue registers: only while the queue is not ready (4.2.2.2). */
static void virtio_queue_write(struct virtq *vq, uint64_t off, uint32_t v)
{
	if (!vq || vq->ready)
		return;
	switch (off) {
	case VIRTIO_MMIO_QUEUE_NUM:
		vq->num = v;
		break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW:
		set_low(&vq->desc_gpa, v);
		break;
	case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		set_high(&vq->desc_gpa, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW:
		set_low(&vq->avail_gpa, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		set_high(&vq->avail_gpa, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW:
		set_low(&vq->used_gpa, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_HIGH:
		set_high(&vq->used_gpa, v);
		break;
	}
}

/* Returns true when the device's queues must be served (a notify). */
static bool virtio_reg_write(struct virtio_dev *dev, uint64_t off,
			     uint32_t v, uint32_t *raise)
{
	struct virtq *vq = virtio_cur_queue(dev);

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL:
		dev->device_features_sel = v;
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		virtio_set_features(dev, v);
		break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL:
		dev->driver_features_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_SEL:
		dev->queue_sel = v;
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (vq)
			virtio_set_queue_ready(dev, vq, v, raise);
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY:
		return v < dev->nr_queues && virtio_dev_live(dev);
	case VIRTIO_MMIO_INTERRUPT_ACK:
		dev->isr &= ~v;
		break;
	case VIRTIO_MMIO_STATUS:
		*raise |= virtio_set_status(dev, v);
		/* DRIVER_OK may find requests queued before it. */
		return virtio_dev_live(dev);
	default:
		virtio_queue_write(vq, off, v);
		break;
	}
	return false;
}

static void virtio_config_access(struct virtio_dev *dev, uint64_t off,
				 uint8_t *data, unsigned int len,
				 bool is_write)
{
	if (off > dev->config_len || len > dev->config_len - off) {
		if (!is_write)
			memset(data, 0, len);
		return;
	}
	/* The config spaces offered here are all read-only. */
	if (!is_write)
		memcpy(data, dev->config + off, len);
}

void virtio_mmio_access(struct virtio_dev *dev, uint64_t offset,
			uint8_t *data, unsigned int len, bool is_write)
{
	uint32_t v = 0, raise = 0;
	bool kick = false;

	if (len > 8)
		len = 8;
	pthread_mutex_lock(&dev->lock);
	if (offset >= VIRTIO_MMIO_CONFIG) {
		virtio_config_access(dev, offset - VIRTIO_MMIO_CONFIG, data,
				     len, is_write);
		goto unlock;
	}
	/* Registers are 32 bits wide and accessed as such (4.2.2.2). */
	if (len != 4 || offset % 4) {
		pr_debug("virtio %s: %u-byte access at 0x%" PRIx64 " ignored",
			 dev->name, len, offset);
		if (!is_write)
			memset(data, 0, len);
		goto unlock;
	}
	if (is_write) {
		memcpy(&v, data, 4);
		kick = virtio_reg_write(dev, offset, v, &raise);
	} else {
		v = virtio_reg_read(dev, offset);
		memcpy(data, &v, 4);
	}
unlock:
	pthread_mutex_unlock(&dev->lock);
	if (raise)
		virtio_raise(dev, raise);
	if (kick && dev->kick)
		dev->kick(dev);
}

int virtio_pop(struct virtio_dev *dev, unsigned int q,
	       struct virtq_elem *elem, uint32_t *gen)
{
	enum virtq_err err = VIRTQ_OK;
	int ret = 0;

	pthread_mutex_lock(&dev->lock);
	if (q < dev->nr_queues && virtio_dev_live(dev)) {
		ret = virtq_pop(&dev->vq[q], dev->mem, elem, &err);
		if (ret < 0)
			virtio_fail_locked(dev, virtq_err_name(err));
	}
	*gen = dev->generation;
	pthread_mutex_unlock(&dev->lock);
	if (ret < 0)
		virtio_raise(dev, VIRTIO_INT_CONFIG);
	return ret;
}

void virtio_unpop(struct virtio_dev *dev, unsigned int q, uint32_t gen)
{
	pthread_mutex_lock(&dev->lock);
	if (q < dev->nr_queues && gen == dev->generation &&
	    dev->vq[q].ready)
		virtq_unpop(&dev->vq[q]);
	pthread_mutex_unlock(&dev->lock);
}

void virtio_push(struct virtio_dev *dev, unsigned int q, uint16_t head,
		 uint32_t len, uint32_t gen, bool notify)
{
	bool pushed = false;

	pthread_mutex_lock(&dev->lock);
	/* A reset since the pop: the queue is not the one it came from. */
	if (q < dev->nr_queues && gen == dev->generation &&
	    dev->vq[q].ready) {
		virtq_push(&dev->vq[q], head, len);
		pushed = true;
	}
	pthread_mutex_unlock(&dev->lock);
	if (pushed && notify)
		virtio_notify(dev, q);
}

void virtio_notify(struct virtio_dev *dev, unsigned int q)
{
	bool want;

	pthread_mutex_lock(&dev->lock);
	want = q < dev->nr_queues && virtq_should_notify(&dev->vq[q]);
	pthread_mutex_unlock(&dev->lock);
	if (want)
		virtio_raise(dev, VIRTIO_INT_USED);
}

bool virtio_set_notify(struct virtio_dev *dev, unsigned int q, bool on)
{
	bool more = false;

	pthread_mutex_lock(&dev->lock);
	if (q < dev->nr_queues && virtio_dev_live(dev)) {
		virtq_set_notify(&dev->vq[q], on);
		more = on && virtq_has_avail(&dev->vq[q]);
	}
	pthread_mutex_unlock(&dev->lock);
	return more;
}

void virtio_dev_free(struct virtio_dev *dev)
{
	if (!dev)
		return;
	virtio_dev_destroy(dev);
	dev->ops->free(dev);
}
