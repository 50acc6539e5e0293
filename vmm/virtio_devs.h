/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constructors of the virtio devices.  Each takes its backend as open
 * file descriptors (so tests and the fuzzer can pass files, memfds,
 * socketpairs or pipes) and returns a device whose transport is ready for
 * virtio_mmio_access(); the caller sets dev->kick.  NULL with errno set
 * on failure.  The device owns the descriptors from then on.
 */
#ifndef VMM_VIRTIO_DEVS_H
#define VMM_VIRTIO_DEVS_H

#include <stddef.h>
#include <stdint.h>

#include "virtio_mmio.h"

/* virtio-blk request types and status values (VIRTIO 1.x 5.2.6). */
#define VIRTIO_BLK_T_IN			0
#define VIRTIO_BLK_T_OUT		1
#define VIRTIO_BLK_T_FLUSH		4
#define VIRTIO_BLK_T_GET_ID		8
#define VIRTIO_BLK_T_DISCARD		11
#define VIRTIO_BLK_T_WRITE_ZEROES	13
#define VIRTIO_BLK_S_OK			0
#define VIRTIO_BLK_S_IOERR		1
#define VIRTIO_BLK_S_UNSUPP		2

#define VIRTIO_BLK_F_SEG_MAX		2
#define VIRTIO_BLK_F_RO			5
#define VIRTIO_BLK_F_FLUSH		9
#define VIRTIO_BLK_F_DISCARD		13
#define VIRTIO_BLK_F_WRITE_ZEROES	14

#define VIRTIO_NET_F_MAC		5
#define VIRTIO_NET_F_STATUS		16
#define VIRTIO_NET_S_LINK_UP		1
/* struct virtio_net_hdr with VERSION_1: num_buffers included. */
#define VIRTIO_NET_HDR_LEN		12

#define VIRTIO_SECTOR_SIZE		((uint64_t)512)

struct virtio_blk_params {
	int fd;
	uint64_t size;			/* bytes; capacity = size / 512 */
	bool ro;
	bool discard;			/* offer DISCARD and WRITE_ZEROES */
	const char *serial;		/* up to 20 bytes, may be NULL */
};

/*
 * Opens a disk image for --disk: missing files, directories, other file
 * types and images locked by another process are refused with a message
 * in @msg.  Fills @p (fd, size, ro, discard); 0 or -1.
 */
int virtio_blk_open(const char *path, bool ro, struct virtio_blk_params *p,
		    char *msg, size_t len);
struct virtio_dev *virtio_blk_create(const struct virtio_blk_params *p,
				     const struct gmem *mem, uint32_t gsi,
				     virtio_irq_fn irq, void *irq_opaque);

/*
 * Opens (creating it when allowed) tap device @name with 12-byte vnet
 * headers, non-blocking.  The fd, or -1 with a message in @msg.
 */
int virtio_net_open_tap(const char *name, char *msg, size_t len);
/* @fd: the tap, or any packet fd carrying a 12-byte header per frame. */
struct virtio_dev *virtio_net_create(int fd, const uint8_t mac[6],
				     const struct gmem *mem, uint32_t gsi,
				     virtio_irq_fn irq, void *irq_opaque);
/* The fd virtio_net_process() waits on (EPOLLIN | EPOLLET). */
int virtio_net_fd(struct virtio_dev *dev);

/*
 * Port 0 of a virtio console (hvc0): guest output to @out_fd, @in_fd
 * (may be -1) feeds the guest.  @quit, when set, is called on Ctrl-a x
 * typed on a terminal @in_fd.
 */
struct virtio_dev *virtio_console_create(int in_fd, int out_fd,
					 void (*quit)(void *opaque),
					 void *quit_opaque,
					 const struct gmem *mem, uint32_t gsi,
					 virtio_irq_fn irq, void *irq_opaque);
/* The VM stops: console output stops waiting for room (drops). */
void virtio_console_stop(void);
/* -1 when the console input cannot be waited on (regular file, none). */
int virtio_console_in_fd(struct virtio_dev *dev);

struct virtio_dev *virtio_rng_create(const struct gmem *mem, uint32_t gsi,
				     virtio_irq_fn irq, void *irq_opaque);

/* Frees a device made by one of the constructors, closing its backend. */
void virtio_dev_free(struct virtio_dev *dev);

#endif
