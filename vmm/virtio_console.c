// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-console, port 0 only (no MULTIPORT): the guest's hvc0 (VIRTIO
 * 1.x 5.3).  Queue 0 receives (our input), queue 1 transmits (guest
 * output).  Input is read only when the guest has a buffer for it and
 * poll() says it will not block, so stdin keeps its blocking mode.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio_devs.h"

#define CONS_RXQ		0
#define CONS_TXQ		1
#define CONS_CONFIG_LEN		12
#define CONS_OUT_POLL_MS	100
#define CONS_OUT_CHUNK		512	/* <= PIPE_BUF: no partial block */
#define CONS_ESCAPE		0x01	/* Ctrl-a */

struct vcons {
	struct virtio_dev dev;
	int in_fd;
	int out_fd;
	bool in_pollable;	/* in_fd can be polled (not a regular file) */
	bool in_eof;
	bool in_tty;
	bool escape;		/* the last input byte was Ctrl-a */
	void (*quit)(void *opaque);
	void *quit_opaque;
	struct virtq_elem elem;
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/* Set when the VM stops: output that cannot go out now is dropped. */
static atomic_bool cons_stopping;

void virtio_console_stop(void)
{
	atomic_store(&cons_stopping, true);
}

/*
 * Writes everything, in small steps each after poll() saw room, so a
 * stopped terminal or a full pipe makes the event thread wait in poll()
 * (and notice a stop) rather than in write().
 */
static void cons_write(struct vcons *c, struct iovec *iov, unsigned int n)
{
	struct pollfd pfd = { .fd = c->out_fd, .events = POLLOUT };
	size_t len;
	ssize_t r;

	while (n) {
		if (!iov->iov_len) {
			iov++;
			n--;
			continue;
		}
		r = poll(&pfd, 1, CONS_OUT_POLL_MS);
		if (atomic_load(&cons_stopping))
			return;
		if (r < 0 && errno != EINTR)
			return;
		if (r <= 0)
			continue;
		if (pfd.revents & (POLLERR | POLLHUP | POLLNVAL))
			return;		/* output gone: drop */
		len = iov->iov_len < CONS_OUT_CHUNK ? iov->iov_len :
						      CONS_OUT_CHUNK;
		r = write(c->out_fd, iov->iov_base, len);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		iov->iov_base = (uint8_t *)iov->iov_base + r;
		iov->iov_len -= (size_t)r;
	}
}

static void cons_tx(struct vcons *c)
{
	struct virtq_elem *e = &c->elem;
	bool done_any = false;
	unsigned int n;
	uint32_t gen;

	while (virtio_pop(&c->dev, CONS_TXQ, e, &gen) > 0) {
		n = iov_slice(e->iov, e->n_out, 0, e->out_len, c->iov,
			      VIRTQ_MAX_SEGS);
		if (c->out_fd >= 0)
			cons_write(c, c->iov, n);
		virtio_push(&c->dev, CONS_TXQ, e->head, 0, gen, false);
		done_any = true;
	}
	if (done_any)
		virtio_notify(&c->dev, CONS_TXQ);
}

/*
 * On a terminal, Ctrl-a x quits and Ctrl-a Ctrl-a sends one Ctrl-a.
 * Filters @buf in place; returns the bytes left.
 */
static size_t cons_escape(struct vcons *c, uint8_t *buf, size_t len)
{
	size_t i, k = 0;

	for (i = 0; i < len; i++) {
		if (c->escape) {
			c->escape = false;
			if ((buf[i] == 'x' || buf[i] == 'X') && c->quit) {
				c->quit(c->quit_opaque);
				continue;
			}
			if (buf[i] != CONS_ESCAPE)
				buf[k++] = CONS_ESCAPE;
		} else if (buf[i] == CONS_ESCAPE) {
			c->escape = true;
			continue;
		}
		buf[k++] = buf[i];
	}
	return k;
}

static bool cons_in_ready(struct vcons *c)
{
	struct pollfd pfd = { .fd = c->in_fd, .events = POLLIN };

	if (c->in_fd < 0 || c->in_eof)
		return false;
	if (!c->in_pollable)
		return true;
	return poll(&pfd, 1, 0) > 0;
}

static void cons_rx(struct vcons *c)
{
	struct virtq_elem *e = &c->elem;
	uint8_t buf[256];
	bool done_any = false;
	size_t want, len;
	uint32_t gen;
	ssize_t r;

	while (cons_in_ready(c) &&
	       virtio_pop(&c->dev, CONS_RXQ, e, &gen) > 0) {
		want = e->in_len < sizeof(buf) ? e->in_len : sizeof(buf);
		r = want ? read(c->in_fd, buf, want) : 0;
		if (r <= 0) {
			virtio_unpop(&c->dev, CONS_RXQ, gen);
			if (!r || (errno != EINTR && errno != EAGAIN))
				c->in_eof = true;
			if (!want)	/* a 0-byte buffer: return it */
				virtio_push(&c->dev, CONS_RXQ, e->head, 0,
					    gen, false);
			break;
		}
		len = c->in_tty ? cons_escape(c, buf, (size_t)r) : (size_t)r;
		iov_from_buf(&e->iov[e->n_out], e->n_in, 0, buf, len);
		virtio_push(&c->dev, CONS_RXQ, e->head, (uint32_t)len, gen,
			    false);
		done_any = true;
	}
	if (done_any)
		virtio_notify(&c->dev, CONS_RXQ);
}

static void cons_process(struct virtio_dev *dev)
{
	struct vcons *c = dev->priv;

	cons_tx(c);
	cons_rx(c);
}

static void cons_free(struct virtio_dev *dev)
{
	struct vcons *c = dev->priv;

	/* stdin/stdout belong to the process, not to us. */
	if (c->in_fd > STDERR_FILENO)
		close(c->in_fd);
	if (c->out_fd > STDERR_FILENO)
		close(c->out_fd);
	free(c);
}

static const struct virtio_dev_ops cons_ops = {
	.process = cons_process,
	.free = cons_free,
};

int virtio_console_in_fd(struct virtio_dev *dev)
{
	struct vcons *c = dev->priv;

	return c->in_pollable ? c->in_fd : -1;
}

struct virtio_dev *virtio_console_create(int in_fd, int out_fd,
					 void (*quit)(void *opaque),
					 void *quit_opaque,
					 const struct gmem *mem, uint32_t gsi,
					 virtio_irq_fn irq, void *irq_opaque)
{
	struct vcons *c;
	struct stat st;
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	ret = virtio_dev_init(&c->dev, "console", VIRTIO_ID_CONSOLE, 0, 2,
			      &cons_ops, mem, gsi, irq, irq_opaque);
	if (ret) {
		free(c);
		return NULL;
	}
	c->dev.priv = c;
	c->in_fd = in_fd;
	c->out_fd = out_fd;
	/* epoll refuses regular files: those are read whenever asked. */
	c->in_pollable = in_fd >= 0 && !fstat(in_fd, &st) &&
			 !S_ISREG(st.st_mode);
	c->in_tty = in_fd >= 0 && isatty(in_fd);
	c->quit = quit;
	c->quit_opaque = quit_opaque;
	c->dev.config_len = CONS_CONFIG_LEN;	/* cols, rows, ports: 0 */
	return &c->dev;
}
