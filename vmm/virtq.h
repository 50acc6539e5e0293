/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Split virtqueues (VIRTIO 1.x 2.7), device side.  Everything in the
 * rings is written by the guest at any time and is hostile: each field is
 * read once into a local copy and checked before use, every buffer is
 * checked against guest RAM, chains are bounded.  A virtqueue is used
 * under its device's lock; nothing here locks.
 */
#ifndef VMM_VIRTQ_H
#define VMM_VIRTQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "virtio.h"

/* The largest queue the devices offer (QueueNumMax). */
#define VIRTQ_MAX_NUM		256U
/* The most buffers one request may have (direct or indirect). */
#define VIRTQ_MAX_SEGS		1024U

#define VIRTQ_DESC_F_NEXT	1
#define VIRTQ_DESC_F_WRITE	2
#define VIRTQ_DESC_F_INDIRECT	4

#define VIRTQ_AVAIL_F_NO_INTERRUPT	1
#define VIRTQ_USED_F_NO_NOTIFY		1

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq_used_elem {
	uint32_t id;
	uint32_t len;
};

/* Why virtq_pop() or virtq_enable() refused the guest's queue. */
enum virtq_err {
	VIRTQ_OK = 0,
	VIRTQ_ERR_SIZE,		/* queue size 0, too big or not a power of 2 */
	VIRTQ_ERR_ALIGN,	/* a ring not aligned as 2.7 requires */
	VIRTQ_ERR_RING_RANGE,	/* a ring outside guest RAM */
	VIRTQ_ERR_AVAIL_IDX,	/* avail idx moved by more than the size */
	VIRTQ_ERR_HEAD,		/* head index >= queue size */
	VIRTQ_ERR_NEXT,		/* next index >= queue/table size */
	VIRTQ_ERR_LOOP,		/* chain longer than the queue/table */
	VIRTQ_ERR_BUF_RANGE,	/* buffer outside guest RAM or overflowing */
	VIRTQ_ERR_DIRECTION,	/* device-readable after device-writable */
	VIRTQ_ERR_INDIRECT,	/* indirect not negotiated, nested, with NEXT */
	VIRTQ_ERR_INDIRECT_LEN,	/* table length 0, not a multiple of 16, huge */
	VIRTQ_ERR_TOO_MANY,	/* more than VIRTQ_MAX_SEGS buffers */
};

const char *virtq_err_name(enum virtq_err err);

struct virtq {
	/* Set by the driver through the transport while not ready. */
	uint32_t num;
	uint64_t desc_gpa;
	uint64_t avail_gpa;
	uint64_t used_gpa;
	bool ready;

	/* Valid while ready: host views of the rings, checked once. */
	struct virtq_desc *desc;
	uint16_t *avail;	/* flags, idx, ring[num] */
	uint16_t *used;		/* flags, idx, then elems */
	bool indirect;		/* VIRTIO_F_INDIRECT_DESC negotiated */
	uint16_t last_avail;	/* next avail entry to take */
	uint16_t used_idx;	/* our copy of used->idx */
};

/* One request: its buffers, device-readable ones first. */
struct virtq_elem {
	uint16_t head;
	unsigned int n_out;	/* iov[0 .. n_out) device-readable */
	unsigned int n_in;	/* iov[n_out .. n_out + n_in) device-writable */
	uint64_t out_len;
	uint64_t in_len;
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/* Back to the reset state (not ready, size 0, addresses 0). */
void virtq_reset(struct virtq *vq);
/*
 * QueueReady = 1: checks the size, the alignment and the placement of the
 * rings in @mem and maps them.  VIRTQ_OK or why not (the queue stays not
 * ready).
 */
enum virtq_err virtq_enable(struct virtq *vq, const struct gmem *mem,
			    bool indirect);
/*
 * Takes the next available request into @elem.  1: got one; 0: none
 * available; -1: the guest broke the queue, @err says how (the device
 * must go to NEEDS_RESET).
 */
int virtq_pop(struct virtq *vq, const struct gmem *mem,
	      struct virtq_elem *elem, enum virtq_err *err);
/* Gives the last popped request back (e.g. no packet to put in it). */
void virtq_unpop(struct virtq *vq);
/* Returns request @head to the guest with @len bytes written. */
void virtq_push(struct virtq *vq, uint16_t head, uint32_t len);
/* After virtq_push()es: does the guest want an interrupt? */
bool virtq_should_notify(struct virtq *vq);
/* True when the guest made requests available that are not yet taken. */
bool virtq_has_avail(struct virtq *vq);
/*
 * Asks the guest not to notify (used->flags NO_NOTIFY) while the device
 * drains the queue anyway, or to notify again.  After turning them back
 * on, check virtq_has_avail(): a request may have slipped in between.
 */
void virtq_set_notify(struct virtq *vq, bool on);

/* iovec helpers over the buffers of a request. */
/* Copies up to @len bytes at byte @off of @iov into @buf; bytes copied. */
size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t off,
		  void *buf, size_t len);
/* Copies up to @len bytes of @buf to byte @off of @iov; bytes copied. */
size_t iov_from_buf(const struct iovec *iov, unsigned int n, size_t off,
		    const void *buf, size_t len);
/*
 * Fills @dst with the part [@off, @off + @len) of @iov; the number of
 * entries (at most @max), 0 if empty.
 */
unsigned int iov_slice(const struct iovec *iov, unsigned int n, size_t off,
		       size_t len, struct iovec *dst, unsigned int max);

#endif
