// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk on a raw image (VIRTIO 1.x 5.2).  Requests are served on the
 * event thread with preadv/pwritev straight into guest buffers; a flush
 * is answered only after fdatasync() returned, so flushed data survives
 * the VMM being killed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio_devs.h"

#define BLK_HDR_LEN		16
#define BLK_SEG_LEN		16	/* discard / write-zeroes segment */
#define BLK_MAX_DWZ_SEGS	1
#define BLK_MAX_DWZ_SECTORS	(1U << 22)	/* 2 GiB per segment */
#define BLK_WZ_UNMAP		1
#define BLK_CONFIG_LEN		60
#define BLK_ZERO_CHUNK		(64U * 1024)

struct vblk {
	struct virtio_dev dev;
	int fd;
	uint64_t capacity;		/* sectors */
	bool ro;
	bool discard;
	char serial[VIRTIO_BLK_ID_BYTES];
	/* Event-thread scratch: the request being served. */
	struct virtq_elem elem;
	struct iovec data[VIRTQ_MAX_SEGS];
};

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

struct blk_seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

static void put_le(uint8_t *p, uint64_t v, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int virtio_blk_open(const char *path, bool ro, struct virtio_blk_params *p,
		    char *msg, size_t len)
{
	struct stat st;
	int fd;

	memset(p, 0, sizeof(*p));
	fd = open(path, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0) {
		snprintf(msg, len, "--disk %s: %s%s", path, strerror(errno),
			 errno == EROFS || errno == EACCES ?
			 " (add ,ro for a read-only disk)" : "");
		return -1;
	}
	if (fstat(fd, &st)) {
		snprintf(msg, len, "--disk %s: %s", path, strerror(errno));
		goto close_fd;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(msg, len, "--disk %s: is a directory, not a disk image",
			 path);
		goto close_fd;
	}
	if (S_ISREG(st.st_mode)) {
		p->size = (uint64_t)st.st_size;
		p->discard = !ro;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &p->size)) {
			snprintf(msg, len, "--disk %s: cannot get its size: %s",
				 path, strerror(errno));
			goto close_fd;
		}
	} else {
		snprintf(msg, len, "--disk %s: not a regular file or block device",
			 path);
		goto close_fd;
	}
	/*
	 * Two VMs writing one image corrupt it: writers take the image
	 * exclusively, read-only users share it with each other.
	 */
	if (flock(fd, (ro ? LOCK_SH : LOCK_EX) | LOCK_NB)) {
		snprintf(msg, len, errno == EWOULDBLOCK ?
			 "--disk %s: the image is locked by another minivmm (or another program); refusing to share it" :
			 "--disk %s: cannot lock the image: %s",
			 path, strerror(errno));
		goto close_fd;
	}
	if (p->size < VIRTIO_SECTOR_SIZE) {
		snprintf(msg, len, "--disk %s: smaller than one 512-byte sector",
			 path);
		goto close_fd;
	}
	p->fd = fd;
	p->ro = ro;
	return 0;
close_fd:
	close(fd);
	return -1;
}

/* preadv/pwritev until done: short counts are retried, EOF is an error. */
static int blk_io(int fd, struct iovec *iov, unsigned int n, uint64_t off,
		  bool write)
{
	ssize_t r;

	while (n) {
		if (!iov->iov_len) {
			iov++;
			n--;
			continue;
		}
		r = write ? pwritev(fd, iov, (int)n, (off_t)off) :
			    preadv(fd, iov, (int)n, (off_t)off);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (!r)
			return -1;
		off += (uint64_t)r;
		while (n && (size_t)r >= iov->iov_len) {
			r -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n && r) {
			iov->iov_base = (uint8_t *)iov->iov_base + r;
			iov->iov_len -= (size_t)r;
		}
	}
	return 0;
}

static bool blk_range_ok(const struct vblk *b, uint64_t sector,
			 uint64_t sectors)
{
	return sector <= b->capacity && sectors <= b->capacity - sector;
}

static int blk_write_zeroes(struct vblk *b, uint64_t off, uint64_t len,
			    bool unmap)
{
	static const uint8_t zero[BLK_ZERO_CHUNK];
	int mode = unmap ? FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE :
			   FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	struct iovec iov;

	if (!fallocate(b->fd, mode, (off_t)off, (off_t)len))
		return 0;
	if (errno != EOPNOTSUPP && errno != EINVAL)
		return -1;
	/* No cheap way on this file system: write the zeroes. */
	while (len) {
		iov.iov_base = (void *)zero;
		iov.iov_len = len < sizeof(zero) ? len : sizeof(zero);
		if (blk_io(b->fd, &iov, 1, off, true))
			return -1;
		off += sizeof(zero) < len ? sizeof(zero) : len;
		len -= sizeof(zero) < len ? sizeof(zero) : len;
	}
	return 0;
}

/* DISCARD and WRITE_ZEROES: the segments follow the header. */
static uint8_t blk_dwz(struct vblk *b, const struct virtq_elem *e,
		       uint32_t type)
{
	uint64_t len = e->out_len - BLK_HDR_LEN;
	struct blk_seg seg;
	uint64_t i, off;

	if (b->ro || !b->discard)
		return b->ro ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_UNSUPP;
	if (!len || len % BLK_SEG_LEN ||
	    len / BLK_SEG_LEN > BLK_MAX_DWZ_SEGS)
		return VIRTIO_BLK_S_UNSUPP;
	for (i = 0; i < len / BLK_SEG_LEN; i++) {
		iov_to_buf(e->iov, e->n_out, BLK_HDR_LEN + i * BLK_SEG_LEN,
			   &seg, sizeof(seg));
		if (seg.num_sectors > BLK_MAX_DWZ_SECTORS ||
		    !blk_range_ok(b, seg.sector, seg.num_sectors))
			return VIRTIO_BLK_S_IOERR;
		if (type == VIRTIO_BLK_T_DISCARD ? seg.flags :
		    seg.flags & ~BLK_WZ_UNMAP)
			return VIRTIO_BLK_S_UNSUPP;
		off = seg.sector * VIRTIO_SECTOR_SIZE;
		if (type == VIRTIO_BLK_T_DISCARD) {
			/* A hint: a file system without holes ignores it. */
			if (fallocate(b->fd, FALLOC_FL_PUNCH_HOLE |
				      FALLOC_FL_KEEP_SIZE, (off_t)off,
				      (off_t)(seg.num_sectors *
					      VIRTIO_SECTOR_SIZE)) &&
			    errno != EOPNOTSUPP)
				return VIRTIO_BLK_S_IOERR;
		} else if (blk_write_zeroes(b, off, seg.num_sectors *
					    VIRTIO_SECTOR_SIZE,
					    seg.flags & BLK_WZ_UNMAP)) {
			return VIRTIO_BLK_S_IOERR;
		}
	}
	return VIRTIO_BLK_S_OK;
}

/* Reads or writes the data part; returns the status. */
static uint8_t blk_rw(struct vblk *b, const struct virtq_elem *e,
		      const struct blk_hdr *h, uint64_t *written)
{
	bool write = h->type == VIRTIO_BLK_T_OUT;
	const struct iovec *in = &e->iov[e->n_out];
	uint64_t len;
	unsigned int n;

	if (write) {
		/* Data readable, then only the status byte writable. */
		if (e->in_len != 1)
			return VIRTIO_BLK_S_IOERR;
		if (b->ro)
			return VIRTIO_BLK_S_IOERR;
		len = e->out_len - BLK_HDR_LEN;
		n = iov_slice(e->iov, e->n_out, BLK_HDR_LEN, len, b->data,
			      VIRTQ_MAX_SEGS);
	} else {
		if (e->out_len != BLK_HDR_LEN)
			return VIRTIO_BLK_S_IOERR;
		len = e->in_len - 1;
		n = iov_slice(in, e->n_in, 0, len, b->data, VIRTQ_MAX_SEGS);
	}
	if (len % VIRTIO_SECTOR_SIZE ||
	    !blk_range_ok(b, h->sector, len / VIRTIO_SECTOR_SIZE))
		return VIRTIO_BLK_S_IOERR;
	if (blk_io(b->fd, b->data, n, h->sector * VIRTIO_SECTOR_SIZE, write))
		return VIRTIO_BLK_S_IOERR;
	if (!write)
		*written = len;
	return VIRTIO_BLK_S_OK;
}

/*
 * Serves one request; the number of bytes written to the guest, or -1
 * when the request cannot even carry a status (the device must reset).
 * The layout is not assumed (VERSION_1): the header is the first 16
 * readable bytes, the status the last writable byte.
 */
static int64_t blk_handle(struct vblk *b, const struct virtq_elem *e)
{
	const struct iovec *in = &e->iov[e->n_out];
	struct blk_hdr h;
	uint64_t written = 0, n;
	uint8_t status;

	if (!e->in_len || e->in_len > UINT32_MAX)
		return -1;
	if (e->out_len < BLK_HDR_LEN) {
		status = VIRTIO_BLK_S_IOERR;
		goto done;
	}
	iov_to_buf(e->iov, e->n_out, 0, &h, sizeof(h));
	switch (h.type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		status = blk_rw(b, e, &h, &written);
		break;
	case VIRTIO_BLK_T_FLUSH:
		status = VIRTIO_BLK_S_OK;
		if (!b->ro && fdatasync(b->fd))
			status = VIRTIO_BLK_S_IOERR;
		break;
	case VIRTIO_BLK_T_GET_ID:
		n = e->in_len - 1;
		if (n > VIRTIO_BLK_ID_BYTES)
			n = VIRTIO_BLK_ID_BYTES;
		written = iov_from_buf(in, e->n_in, 0, b->serial, n);
		status = VIRTIO_BLK_S_OK;
		break;
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		status = blk_dwz(b, e, h.type);
		break;
	default:
		status = VIRTIO_BLK_S_UNSUPP;
		break;
	}
done:
	iov_from_buf(in, e->n_in, e->in_len - 1, &status, 1);
	return (int64_t)written + 1;
}

static void blk_process(struct virtio_dev *dev)
{
	struct vblk *b = dev->priv;
	unsigned int budget = VIRTQ_MAX_NUM;
	bool done_any = false;
	uint32_t gen;
	int64_t len;
	int ret = 0;

	while (budget && (ret = virtio_pop(dev, 0, &b->elem, &gen)) > 0) {
		len = blk_handle(b, &b->elem);
		if (len < 0) {
			virtio_dev_fail(dev, "block request without a status byte");
			break;
		}
		virtio_push(dev, 0, b->elem.head, (uint32_t)len, gen, false);
		done_any = true;
		budget--;
	}
	if (done_any)
		virtio_notify(dev, 0);
	/* Leave the event thread to the others now and then. */
	if (!budget && dev->kick)
		dev->kick(dev);
}

static void blk_free(struct virtio_dev *dev)
{
	struct vblk *b = dev->priv;

	close(b->fd);
	free(b);
}

static const struct virtio_dev_ops blk_ops = {
	.process = blk_process,
	.free = blk_free,
};

struct virtio_dev *virtio_blk_create(const struct virtio_blk_params *p,
				     const struct gmem *mem, uint32_t gsi,
				     virtio_irq_fn irq, void *irq_opaque)
{
	uint64_t features = VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) |
			    VIRTIO_BIT(VIRTIO_BLK_F_SEG_MAX) |
			    VIRTIO_BIT(VIRTIO_BLK_F_FLUSH);
	struct vblk *b;
	uint8_t *c;
	int ret;

	b = calloc(1, sizeof(*b));
	if (!b)
		return NULL;
	if (p->ro)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_RO);
	if (p->discard && !p->ro)
		features |= VIRTIO_BIT(VIRTIO_BLK_F_DISCARD) |
			    VIRTIO_BIT(VIRTIO_BLK_F_WRITE_ZEROES);
	ret = virtio_dev_init(&b->dev, "blk", VIRTIO_ID_BLOCK, features, 1,
			      &blk_ops, mem, gsi, irq, irq_opaque);
	if (ret) {
		free(b);
		return NULL;
	}
	b->dev.priv = b;
	b->fd = p->fd;
	b->capacity = p->size / VIRTIO_SECTOR_SIZE;
	b->ro = p->ro;
	b->discard = p->discard && !p->ro;
	if (p->serial)
		memcpy(b->serial, p->serial,
		       strnlen(p->serial, sizeof(b->serial)));
	c = b->dev.config;
	put_le(c + 0, b->capacity, 8);
	/* seg_max: a chain also carries the header and the status. */
	put_le(c + 12, VIRTQ_MAX_NUM - 2, 4);
	put_le(c + 36, BLK_MAX_DWZ_SECTORS, 4);	/* max_discard_sectors */
	put_le(c + 40, BLK_MAX_DWZ_SEGS, 4);	/* max_discard_seg */
	put_le(c + 44, 1, 4);			/* discard_sector_alignment */
	put_le(c + 48, BLK_MAX_DWZ_SECTORS, 4);	/* max_write_zeroes_sectors */
	put_le(c + 52, BLK_MAX_DWZ_SEGS, 4);	/* max_write_zeroes_seg */
	c[56] = 1;				/* write_zeroes_may_unmap */
	b->dev.config_len = BLK_CONFIG_LEN;
	return &b->dev;
}
