// SPDX-License-Identifier: GPL-2.0
/* Split virtqueues, device side (virtq.h). */
#include <string.h>

#include "virtq.h"

/*
 * Ring layout (VIRTIO 1.x 2.7): descriptor table 16 * num bytes aligned
 * to 16; avail ring flags, idx, ring[num] (+ used_event) aligned to 2;
 * used ring flags, idx, ring[num] of 8 bytes (+ avail_event) aligned to 4.
 * The event words are counted even though EVENT_IDX is not offered, so a
 * later change cannot read past a ring checked without them.
 */
#define DESC_ALIGN	16
#define AVAIL_ALIGN	2
#define USED_ALIGN	4

static uint64_t avail_size(uint32_t num)
{
	return 6 + 2ULL * num;
}

static uint64_t used_size(uint32_t num)
{
	return 6 + 8ULL * num;
}

static const char *const virtq_err_names[] = {
	[VIRTQ_OK] = "no error",
	[VIRTQ_ERR_SIZE] = "bad queue size",
	[VIRTQ_ERR_ALIGN] = "misaligned ring",
	[VIRTQ_ERR_RING_RANGE] = "ring outside guest RAM",
	[VIRTQ_ERR_AVAIL_IDX] = "avail index moved by more than the queue size",
	[VIRTQ_ERR_HEAD] = "head index out of range",
	[VIRTQ_ERR_NEXT] = "next index out of range",
	[VIRTQ_ERR_LOOP] = "descriptor chain loops or is too long",
	[VIRTQ_ERR_BUF_RANGE] = "buffer outside guest RAM",
	[VIRTQ_ERR_DIRECTION] = "device-readable buffer after a writable one",
	[VIRTQ_ERR_INDIRECT] = "bad indirect descriptor",
	[VIRTQ_ERR_INDIRECT_LEN] = "bad indirect table length",
	[VIRTQ_ERR_TOO_MANY] = "too many buffers in one request",
};

const char *virtq_err_name(enum virtq_err err)
{
	if ((unsigned int)err >= sizeof(virtq_err_names) /
				 sizeof(virtq_err_names[0]))
		return "unknown error";
	return virtq_err_names[err];
}

void virtq_reset(struct virtq *vq)
{
	memset(vq, 0, sizeof(*vq));
}

enum virtq_err virtq_enable(struct virtq *vq, const struct gmem *mem,
			    bool indirect)
{
	uint32_t num = vq->num;

	if (!num || num > VIRTQ_MAX_NUM || (num & (num - 1)))
		return VIRTQ_ERR_SIZE;
	if (vq->desc_gpa % DESC_ALIGN || vq->avail_gpa % AVAIL_ALIGN ||
	    vq->used_gpa % USED_ALIGN)
		return VIRTQ_ERR_ALIGN;
	vq->desc = gmem_ptr(mem, vq->desc_gpa, 16ULL * num);
	vq->avail = gmem_ptr(mem, vq->avail_gpa, avail_size(num));
	vq->used = gmem_ptr(mem, vq->used_gpa, used_size(num));
	if (!vq->desc || !vq->avail || !vq->used) {
		vq->desc = NULL;
		vq->avail = NULL;
		vq->used = NULL;
		return VIRTQ_ERR_RING_RANGE;
	}
	vq->indirect = indirect;
	vq->last_avail = 0;
	vq->used_idx = 0;
	vq->ready = true;
	return VIRTQ_OK;
}

static uint16_t ring_load(const uint16_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* One descriptor, copied once: the guest may change it meanwhile. */
static void desc_read(const struct virtq_desc *table, uint32_t i,
		      struct virtq_desc *d)
{
	memcpy(d, &table[i], sizeof(*d));
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* Adds buffer @d to @elem, checking range and direction. */
static enum virtq_err elem_add(struct virtq_elem *elem,
			       const struct gmem *mem,
			       const struct virtq_desc *d)
{
	unsigned int n = elem->n_out + elem->n_in;
	void *host;

	if (n >= VIRTQ_MAX_SEGS)
		return VIRTQ_ERR_TOO_MANY;
	host = gmem_ptr(mem, d->addr, d->len);
	if (!host)
		return VIRTQ_ERR_BUF_RANGE;
	if (d->flags & VIRTQ_DESC_F_WRITE) {
		elem->n_in++;
		elem->in_len += d->len;
	} else {
		if (elem->n_in)
			return VIRTQ_ERR_DIRECTION;
		elem->n_out++;
		elem->out_len += d->len;
	}
	elem->iov[n].iov_base = host;
	elem->iov[n].iov_len = d->len;
	return VIRTQ_OK;
}

/* Walks an indirect table (VIRTIO 1.x 2.7.5.3). */
static enum virtq_err walk_indirect(const struct gmem *mem,
				    const struct virtq_desc *ind,
				    struct virtq_elem *elem)
{
	const struct virtq_desc *table;
	struct virtq_desc d;
	uint32_t count, i = 0, seen = 0;
	enum virtq_err err;

	if (!ind->len || ind->len % sizeof(struct virtq_desc))
		return VIRTQ_ERR_INDIRECT_LEN;
	count = ind->len / sizeof(struct virtq_desc);
	if (count > VIRTQ_MAX_SEGS)
		return VIRTQ_ERR_INDIRECT_LEN;
	/* Host alignment does not matter: memcpy reads the entries. */
	table = gmem_ptr(mem, ind->addr, ind->len);
	if (!table)
		return VIRTQ_ERR_BUF_RANGE;
	for (;;) {
		if (++seen > count)
			return VIRTQ_ERR_LOOP;
		desc_read(table, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT)
			return VIRTQ_ERR_INDIRECT;
		err = elem_add(elem, mem, &d);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_OK;
		if (d.next >= count)
			return VIRTQ_ERR_NEXT;
		i = d.next;
	}
}

static enum virtq_err walk_chain(struct virtq *vq, const struct gmem *mem,
				 uint16_t head, struct virtq_elem *elem)
{
	struct virtq_desc d;
	uint32_t i = head, seen = 0;
	enum virtq_err err;

	for (;;) {
		if (++seen > vq->num)
			return VIRTQ_ERR_LOOP;
		desc_read(vq->desc, i, &d);
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* Only as the single descriptor of a chain. */
			if (!vq->indirect || seen != 1 ||
			    (d.flags & VIRTQ_DESC_F_NEXT))
				return VIRTQ_ERR_INDIRECT;
			return walk_indirect(mem, &d, elem);
		}
		err = elem_add(elem, mem, &d);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return VIRTQ_OK;
		if (d.next >= vq->num)
			return VIRTQ_ERR_NEXT;
		i = d.next;
	}
}

bool virtq_has_avail(struct virtq *vq)
{
	if (!vq->ready)
		return false;
	return __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE) !=
	       vq->last_avail;
}

void virtq_set_notify(struct virtq *vq, bool on)
{
	if (!vq->ready)
		return;
	__atomic_store_n(&vq->used[0], on ? 0 : VIRTQ_USED_F_NO_NOTIFY,
			 __ATOMIC_RELAXED);
	/* The flag store is ordered before the caller's next avail read. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

int virtq_pop(struct virtq *vq, const struct gmem *mem,
	      struct virtq_elem *elem, enum virtq_err *err)
{
	uint16_t avail_idx, head;

	*err = VIRTQ_OK;
	if (!vq->ready)
		return 0;
	/* Acquire: the ring entry and descriptors are read after idx. */
	avail_idx = __atomic_load_n(&vq->avail[1], __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num) {
		*err = VIRTQ_ERR_AVAIL_IDX;
		return -1;
	}
	head = ring_load(&vq->avail[2 + vq->last_avail % vq->num]);
	if (head >= vq->num) {
		*err = VIRTQ_ERR_HEAD;
		return -1;
	}
	elem->head = head;
	elem->n_out = 0;
	elem->n_in = 0;
	elem->out_len = 0;
	elem->in_len = 0;
	*err = walk_chain(vq, mem, head, elem);
	if (*err)
		return -1;
	vq->last_avail++;
	return 1;
}

void virtq_unpop(struct virtq *vq)
{
	vq->last_avail--;
}

void virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	struct virtq_used_elem e = { .id = head, .len = len };
	uint8_t *ring = (uint8_t *)&vq->used[2];

	if (!vq->ready)
		return;
	memcpy(ring + 8 * (vq->used_idx % vq->num), &e, sizeof(e));
	vq->used_idx++;
	/* Release: the element is visible before the new index. */
	__atomic_store_n(&vq->used[1], vq->used_idx, __ATOMIC_RELEASE);
}

bool virtq_should_notify(struct virtq *vq)
{
	if (!vq->ready)
		return false;
	/* Our used idx store must be ordered before reading the flags. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(ring_load(&vq->avail[0]) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/*
 * Copies up to @len bytes between @buf and the bytes of @iov from offset
 * @off on: into the iovec when @to_iov, out of it otherwise.
 */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t off,
		       uint8_t *buf, size_t len, bool to_iov)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, c;
		uint8_t *p;

		if (off >= l) {
			off -= l;
			continue;
		}
		p = (uint8_t *)iov[i].iov_base + off;
		c = l - off;
		if (c > len - done)
			c = len - done;
		if (to_iov)
			memcpy(p, buf + done, c);
		else
			memcpy(buf + done, p, c);
		done += c;
		off = 0;
	}
	return done;
}

size_t iov_to_buf(const struct iovec *iov, unsigned int n, size_t off,
		  void *buf, size_t len)
{
	return iov_copy(iov, n, off, buf, len, false);
}

size_t iov_from_buf(const struct iovec *iov, unsigned int n, size_t off,
		    const void *buf, size_t len)
{
	/* Only read through when copying into the iovec. */
	return iov_copy(iov, n, off, (uint8_t *)(uintptr_t)buf, len, true);
}

unsigned int iov_slice(const struct iovec *iov, unsigned int n, size_t off,
		       size_t len, struct iovec *dst, unsigned int max)
{
	unsigned int i, k = 0;

	for (i = 0; i < n && len && k < max; i++) {
		size_t l = iov[i].iov_len, c;

		if (off >= l) {
			off -= l;
			continue;
		}
		c = l - off;
		if (c > len)
			c = len;
		if (c) {
			dst[k].iov_base = (uint8_t *)iov[i].iov_base + off;
			dst[k].iov_len = c;
			k++;
		}
		len -= c;
		off = 0;
	}
	return k;
}
