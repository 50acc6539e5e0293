// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the virtio side of the VMM: the virtio-mmio
 * registers, the split virtqueue parser and the request parsing of
 * virtio-blk (on a memfd), virtio-net (on a socketpair), virtio-console
 * (on a pipe and /dev/null) and virtio-rng, over a fake guest RAM that
 * ASan guards.  Any crash, sanitizer report or hang is a finding.
 *
 * Input: byte 0 picks the device, byte 1 the setup, then operations:
 *   0 MEM     u16 off16, u8 len, bytes      guest RAM at off16 * 16
 *   1 DESC    u8 q, u8 idx, u8 mode, u32 a, u32 len, u16 flags, u16 next
 *   2 AVAIL   u8 q, u16 head                publish a chain
 *   3 NOTIFY  u8 q                          QueueNotify (runs the device)
 *   4 MMIO_W  u16 off, u32 value            any register or config write
 *   5 MMIO_R  u16 off, u8 len               any read
 *   6 INPUT   u8 len, bytes                 a frame / console input
 *   7 SETUP   u8 features                   reset and full bring-up
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../vmm/tests/virtio_driver.h"

bool log_debug_enabled;

#define FUZZ_DISK_SIZE	(64 * 1024)

enum { DEV_BLK, DEV_BLK_RO, DEV_NET, DEV_CONSOLE, DEV_RNG, DEV_COUNT };

struct input {
	const uint8_t *p;
	size_t left;
};

static bool take(struct input *in, void *dst, size_t n)
{
	if (in->left < n)
		return false;
	memcpy(dst, in->p, n);
	in->p += n;
	in->left -= n;
	return true;
}

static int disk_fd = -1;
static int null_fd = -1;

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	disk_fd = memfd_create("virtio_fuzz_disk", MFD_CLOEXEC);
	if (disk_fd < 0 || ftruncate(disk_fd, FUZZ_DISK_SIZE))
		abort();
	null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null_fd < 0)
		abort();
	drv_ram_init();
	return 0;
}

static uint64_t desc_addr(uint8_t mode, uint32_t a)
{
	switch (mode % 4) {
	case 0:
		return a % DRV_RAM_SIZE;
	case 1:
		return a;
	case 2:
		return ((uint64_t)a << 32) | a;
	default:
		return DRV_RAM_SIZE - (a & 0xff);
	}
}

static struct virtio_dev *make_dev(unsigned int kind, int *peer)
{
	struct virtio_blk_params p = {
		.size = FUZZ_DISK_SIZE, .discard = true, .serial = "fuzz",
	};
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 1 };
	struct virtio_dev *dev = NULL;
	int sv[2], pfd[2];

	*peer = -1;
	switch (kind) {
	case DEV_BLK:
	case DEV_BLK_RO:
		p.fd = dup(disk_fd);
		p.ro = kind == DEV_BLK_RO;
		dev = virtio_blk_create(&p, &drv_mem, 5, drv_irq, NULL);
		break;
	case DEV_NET:
		if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
			       SOCK_CLOEXEC, 0, sv))
			abort();
		*peer = sv[1];
		dev = virtio_net_create(sv[0], mac, &drv_mem, 6, drv_irq,
					NULL);
		break;
	case DEV_CONSOLE:
		if (pipe2(pfd, O_CLOEXEC | O_NONBLOCK))
			abort();
		*peer = pfd[1];
		dev = virtio_console_create(pfd[0], dup(null_fd), NULL, NULL,
					    &drv_mem, 7, drv_irq, NULL);
		break;
	default:
		dev = virtio_rng_create(&drv_mem, 8, drv_irq, NULL);
		break;
	}
	if (!dev)
		abort();
	dev->kick = drv_kick;
	return dev;
}

static void op_desc(struct input *in)
{
	uint8_t q, idx, mode;
	uint32_t a, len;
	uint16_t flags, next;

	if (!take(in, &q, 1) || !take(in, &idx, 1) || !take(in, &mode, 1) ||
	    !take(in, &a, 4) || !take(in, &len, 4) || !take(in, &flags, 2) ||
	    !take(in, &next, 2))
		return;
	if (mode % 4 == 0)
		len %= 0x10000;
	drv_desc(q % VIRTIO_MAX_QUEUES, idx % DRV_QNUM, desc_addr(mode, a),
		 len, flags, next);
}

static void op_input(struct input *in, unsigned int kind, int peer,
		     struct virtio_dev *dev)
{
	uint8_t len, buf[256];
	ssize_t r;

	if (!take(in, &len, 1) || !take(in, buf, len))
		return;
	if (peer < 0)
		return;
	if (kind == DEV_NET)
		r = send(peer, buf, len, MSG_DONTWAIT);
	else
		r = write(peer, buf, len);
	(void)r;
	dev->ops->process(dev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct input in = { data, size };
	struct virtio_dev *dev;
	uint8_t kind, setup, op, b8, rd[8];
	uint16_t off, head;
	uint32_t v;
	int peer;

	if (!take(&in, &kind, 1) || !take(&in, &setup, 1))
		return 0;
	kind %= DEV_COUNT;
	memset(drv_ram, 0, DRV_RAM_SIZE);
	memset(drv_avail_idx, 0, sizeof(drv_avail_idx));
	memset(drv_used_seen, 0, sizeof(drv_used_seen));
	dev = make_dev(kind, &peer);
	if (setup & 1)
		drv_setup(dev, VIRTIO_BIT(VIRTIO_F_VERSION_1) |
			  (setup & 2 ? VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC) : 0));
	while (take(&in, &op, 1)) {
		switch (op % 8) {
		case 0:
			if (!take(&in, &off, 2) || !take(&in, &b8, 1) ||
			    in.left < b8)
				break;
			if ((size_t)off * 16 + b8 <= DRV_RAM_SIZE)
				memcpy(drv_ram + (size_t)off * 16, in.p, b8);
			in.p += b8;
			in.left -= b8;
			break;
		case 1:
			op_desc(&in);
			break;
		case 2:
			if (take(&in, &b8, 1) && take(&in, &head, 2))
				drv_avail(b8 % VIRTIO_MAX_QUEUES, head);
			break;
		case 3:
			if (take(&in, &b8, 1))
				drv_notify(dev, b8);
			break;
		case 4:
			if (take(&in, &off, 2) && take(&in, &v, 4))
				virtio_mmio_access(dev, off % VIRTIO_MMIO_SIZE,
						   (uint8_t *)&v, 4, true);
			break;
		case 5:
			if (take(&in, &off, 2) && take(&in, &b8, 1))
				virtio_mmio_access(dev, off % VIRTIO_MMIO_SIZE,
						   rd, b8 % 9, false);
			break;
		case 6:
			op_input(&in, kind, peer, dev);
			break;
		default:
			if (take(&in, &b8, 1))
				drv_setup(dev, VIRTIO_BIT(VIRTIO_F_VERSION_1) |
					  ((uint64_t)b8 << 24));
			break;
		}
	}
	virtio_dev_free(dev);
	if (peer >= 0)
		close(peer);
	return 0;
}
