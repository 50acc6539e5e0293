// SPDX-License-Identifier: GPL-2.0
/* virtio-rng (VIRTIO 1.x 5.4): one queue, filled from getrandom(). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/random.h>

#include "virtio_devs.h"

/* Bounds the time one request holds the event thread. */
#define RNG_MAX_REQUEST		(64U * 1024)

struct vrng {
	struct virtio_dev dev;
	struct virtq_elem elem;
};

static uint32_t rng_fill(const struct iovec *iov, unsigned int n)
{
	uint32_t done = 0;
	unsigned int i;
	size_t off, want;
	ssize_t r;

	for (i = 0; i < n && done < RNG_MAX_REQUEST; i++) {
		want = iov[i].iov_len;
		if (want > RNG_MAX_REQUEST - done)
			want = RNG_MAX_REQUEST - done;
		for (off = 0; off < want; off += (size_t)r) {
			r = getrandom((uint8_t *)iov[i].iov_base + off,
				      want - off, 0);
			if (r < 0 && errno == EINTR) {
				r = 0;
				continue;
			}
			if (r <= 0)
				return done + (uint32_t)off;
		}
		done += (uint32_t)want;
	}
	return done;
}

static void rng_process(struct virtio_dev *dev)
{
	struct vrng *r = dev->priv;
	struct virtq_elem *e = &r->elem;
	bool done_any = false;
	uint32_t gen, len;

	while (virtio_pop(dev, 0, e, &gen) > 0) {
		len = rng_fill(&e->iov[e->n_out], e->n_in);
		virtio_push(dev, 0, e->head, len, gen, false);
		done_any = true;
	}
	if (done_any)
		virtio_notify(dev, 0);
}

static void rng_free(struct virtio_dev *dev)
{
	free(dev->priv);
}

static const struct virtio_dev_ops rng_ops = {
	.process = rng_process,
	.free = rng_free,
};

struct virtio_dev *virtio_rng_create(const struct gmem *mem, uint32_t gsi,
				     virtio_irq_fn irq, void *irq_opaque)
{
	struct vrng *r;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	ret = virtio_dev_init(&r->dev, "rng", VIRTIO_ID_RNG, 0, 1, &rng_ops,
			      mem, gsi, irq, irq_opaque);
	if (ret) {
		free(r);
		return NULL;
	}
	r->dev.priv = r;
	return &r->dev;
}
