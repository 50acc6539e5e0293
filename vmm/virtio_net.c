// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-net on a TAP device (VIRTIO 1.x 5.1).  Queue 0 receives, queue 1
 * transmits; no control queue, no multiqueue.  The tap carries the same
 * 12-byte virtio_net_hdr as the rings (TUNSETVNETHDRSZ), so frames move
 * with one readv/writev each.  No offloads are offered yet: the guest
 * sends complete, checksummed frames and the tap gives us the same
 * (TUNSETOFFLOAD 0).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio_devs.h"

#define NET_RXQ			0
#define NET_TXQ			1
#define NET_CONFIG_LEN		12
#define NET_NUM_BUFFERS_OFF	10
#define NET_RX_MAX_ERRORS	64

struct vnet {
	struct virtio_dev dev;
	int fd;
	/* Event-thread scratch. */
	struct virtq_elem elem;
};

int virtio_net_open_tap(const char *name, char *msg, size_t len)
{
	unsigned int features = 0;
	int fd, hdr = VIRTIO_NET_HDR_LEN;
	struct ifreq ifr;

	if (!name[0] || strlen(name) >= IFNAMSIZ) {
		snprintf(msg, len, "--net tap=%s: bad interface name", name);
		return -1;
	}
	fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, len, "--net tap=%s: cannot open /dev/net/tun: %s",
			 name, strerror(errno));
		return -1;
	}
	if (ioctl(fd, TUNGETFEATURES, &features) ||
	    !(features & IFF_VNET_HDR)) {
		snprintf(msg, len, "--net tap=%s: the kernel's tun driver lacks IFF_VNET_HDR",
			 name);
		goto close_fd;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, name, strlen(name));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		snprintf(msg, len, "--net tap=%s: %s%s", name, strerror(errno),
			 errno == EPERM ?
			 " (creating a tap needs CAP_NET_ADMIN; or create it with 'ip tuntap add NAME mode tap user USER')" :
			 errno == EBUSY ? " (in use, or not a tap)" : "");
		goto close_fd;
	}
	if (ioctl(fd, TUNSETVNETHDRSZ, &hdr) ||
	    ioctl(fd, TUNSETOFFLOAD, 0UL)) {
		snprintf(msg, len, "--net tap=%s: cannot configure the tap: %s",
			 name, strerror(errno));
		goto close_fd;
	}
	return fd;
close_fd:
	close(fd);
	return -1;
}

/*
 * Guest to tap.  A frame the tap refuses is dropped, like on a wire.
 * Kicks are off while we drain the queue: a bulk sender then costs one
 * exit per burst, not one per frame.
 */
static void net_tx(struct vnet *n)
{
	struct virtq_elem *e = &n->elem;
	bool done_any = false;
	uint32_t gen;
	ssize_t r;

again:
	virtio_set_notify(&n->dev, NET_TXQ, false);
	while (virtio_pop(&n->dev, NET_TXQ, e, &gen) > 0) {
		if (e->out_len > VIRTIO_NET_HDR_LEN && e->n_out) {
			do {
				r = writev(n->fd, e->iov, (int)e->n_out);
			} while (r < 0 && errno == EINTR);
		}
		virtio_push(&n->dev, NET_TXQ, e->head, 0, gen, false);
		done_any = true;
	}
	if (virtio_set_notify(&n->dev, NET_TXQ, true))
		goto again;
	if (done_any)
		virtio_notify(&n->dev, NET_TXQ);
}

/* Tap to guest, while both a frame and a receive buffer are there. */
static void net_rx(struct vnet *n)
{
	static const uint8_t one_buffer[2] = { 1, 0 };
	struct virtq_elem *e = &n->elem;
	unsigned int errors = 0;
	const struct iovec *in;
	bool done_any = false;
	uint32_t gen;
	ssize_t r;

	while (virtio_pop(&n->dev, NET_RXQ, e, &gen) > 0) {
		in = &e->iov[e->n_out];
		if (e->in_len < VIRTIO_NET_HDR_LEN) {
			/* Cannot hold a header: give it back empty. */
			virtio_push(&n->dev, NET_RXQ, e->head, 0, gen, false);
			done_any = true;
			continue;
		}
		do {
			r = readv(n->fd, in, (int)e->n_in);
		} while (r < 0 && errno == EINTR);
		if (r < VIRTIO_NET_HDR_LEN) {
			/*
			 * Keep the buffer for the next frame.  EAGAIN: no
			 * frame (the tap's next EPOLLIN edge or the guest's
			 * next kick restarts us); 0: end of file.  Another
			 * error or a runt means the frame was dropped (a
			 * frame too big for the buffer: EFAULT): go on with
			 * the next one, a bounded number of times.
			 */
			virtio_unpop(&n->dev, NET_RXQ, gen);
			if (r == 0 || (r < 0 && errno == EAGAIN) ||
			    ++errors > NET_RX_MAX_ERRORS)
				break;
			continue;
		}
		/* No MRG_RXBUF: every frame is in one buffer (5.1.6.4). */
		iov_from_buf(in, e->n_in, NET_NUM_BUFFERS_OFF, one_buffer, 2);
		virtio_push(&n->dev, NET_RXQ, e->head, (uint32_t)r, gen,
			    false);
		done_any = true;
	}
	if (done_any)
		virtio_notify(&n->dev, NET_RXQ);
}

static void net_process(struct virtio_dev *dev)
{
	struct vnet *n = dev->priv;

	net_tx(n);
	net_rx(n);
}

static void net_free(struct virtio_dev *dev)
{
	struct vnet *n = dev->priv;

	close(n->fd);
	free(n);
}

static const struct virtio_dev_ops net_ops = {
	.process = net_process,
	.free = net_free,
};

int virtio_net_fd(struct virtio_dev *dev)
{
	return ((struct vnet *)dev->priv)->fd;
}

struct virtio_dev *virtio_net_create(int fd, const uint8_t mac[6],
				     const struct gmem *mem, uint32_t gsi,
				     virtio_irq_fn irq, void *irq_opaque)
{
	uint64_t features = VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
			    VIRTIO_BIT(VIRTIO_NET_F_MAC) |
			    VIRTIO_BIT(VIRTIO_NET_F_STATUS);
	struct vnet *n;
	int ret;

	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	ret = virtio_dev_init(&n->dev, "net", VIRTIO_ID_NET, features, 2,
			      &net_ops, mem, gsi, irq, irq_opaque);
	if (ret) {
		free(n);
		return NULL;
	}
	n->dev.priv = n;
	n->fd = fd;
	memcpy(n->dev.config, mac, 6);
	n->dev.config[6] = VIRTIO_NET_S_LINK_UP;
	n->dev.config_len = NET_CONFIG_LEN;
	return &n->dev;
}
