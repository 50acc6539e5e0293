// SPDX-License-Identifier: GPL-2.0
/*
 * Host tests of the virtio transport, the virtqueue parser and the
 * devices, built with ASan/UBSan: good requests work, and every hostile
 * ring or descriptor puts the device in NEEDS_RESET (or fails the
 * request) without touching memory outside the fake guest RAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "evloop.h"
#include "mmio.h"
#include "tap.h"
#include "virtio_driver.h"
#include "vmm.h"

bool log_debug_enabled;

/* ---- stubs for virtio_devices.c (no /dev/minivmm here) ---- */
static unsigned int stub_irq_pulses;
static unsigned int stub_acpi_devs;
static int stub_finish_code = -1;

int hv_irq_line(struct hv_vm *vm, uint32_t gsi, uint32_t level)
{
	(void)vm;
	(void)gsi;
	if (level)
		__atomic_add_fetch(&stub_irq_pulses, 1, __ATOMIC_SEQ_CST);
	return 0;
}

void acpi_add_virtio_mmio(uint64_t base, uint32_t size, uint32_t gsi)
{
	(void)base;
	(void)size;
	(void)gsi;
	stub_acpi_devs++;
}

void vmm_finish(struct vmm *vmm, int code)
{
	(void)vmm;
	stub_finish_code = code;
}

static const uint64_t V1 = VIRTIO_BIT(VIRTIO_F_VERSION_1);
static const uint64_t IND = VIRTIO_BIT(VIRTIO_F_INDIRECT_DESC);

static char tmpdir[] = "/tmp/test_virtio.XXXXXX";

/* ---- transport ---- */

static void test_transport(void)
{
	struct virtio_dev *dev = virtio_rng_create(&drv_mem, 7, drv_irq, NULL);
	uint8_t b[4];

	dev->kick = drv_kick;
	ok(drv_rd(dev, VIRTIO_MMIO_MAGIC_VALUE) == 0x74726976, "magic value");
	ok(drv_rd(dev, VIRTIO_MMIO_VERSION) == 2, "version 2");
	ok(drv_rd(dev, VIRTIO_MMIO_DEVICE_ID) == VIRTIO_ID_RNG, "device id");
	drv_wr(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	ok(drv_rd(dev, VIRTIO_MMIO_DEVICE_FEATURES) & 1,
	   "VERSION_1 offered");
	ok(!(drv_setup(dev, 0) & VIRTIO_STATUS_FEATURES_OK),
	   "a driver without VERSION_1 gets no FEATURES_OK");
	ok(!(drv_setup(dev, V1 | VIRTIO_BIT(40)) & VIRTIO_STATUS_FEATURES_OK),
	   "features not offered are refused");
	ok(drv_setup(dev, V1) == 0xf, "bring-up with VERSION_1");
	drv_wr(dev, VIRTIO_MMIO_QUEUE_SEL, 0);
	ok(drv_rd(dev, VIRTIO_MMIO_QUEUE_READY) == 1, "queue 0 ready");
	ok(drv_rd(dev, VIRTIO_MMIO_QUEUE_NUM_MAX) == VIRTQ_MAX_NUM,
	   "QueueNumMax");
	drv_wr(dev, VIRTIO_MMIO_QUEUE_SEL, 1);
	ok(drv_rd(dev, VIRTIO_MMIO_QUEUE_NUM_MAX) == 0,
	   "QueueNumMax 0 for a queue that does not exist");
	virtio_mmio_access(dev, VIRTIO_MMIO_MAGIC_VALUE, b, 2, false);
	ok(b[0] == 0 && b[1] == 0, "16-bit register reads are refused");
	drv_wr(dev, VIRTIO_MMIO_STATUS, 0);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_SEL, 0);
	ok(drv_rd(dev, VIRTIO_MMIO_STATUS) == 0 &&
	   drv_rd(dev, VIRTIO_MMIO_QUEUE_READY) == 0,
	   "status 0 resets the device and its queues");

	/* Ring checks at QueueReady. */
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_STATUS, 0);
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_SEL, 0);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_irqs = 0;
	drv_queue_setup(dev, 0, DRV_QNUM, QBASE(0) + 8, QBASE(0) + 0x1000,
			QBASE(0) + 0x2000);
	ok(drv_needs_reset(dev) && !drv_rd(dev, VIRTIO_MMIO_QUEUE_READY) &&
	   (drv_rd(dev, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG) &&
	   drv_irqs == 1,
	   "misaligned descriptor table: NEEDS_RESET and a config interrupt");
	drv_wr(dev, VIRTIO_MMIO_INTERRUPT_ACK, VIRTIO_INT_CONFIG);
	ok(!(drv_rd(dev, VIRTIO_MMIO_INTERRUPT_STATUS) & VIRTIO_INT_CONFIG),
	   "InterruptACK clears the bit");

	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_queue_setup(dev, 0, DRV_QNUM, QBASE(0), QBASE(0) + 0x1001,
			QBASE(0) + 0x2000);
	ok(drv_needs_reset(dev), "misaligned avail ring: NEEDS_RESET");
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_queue_setup(dev, 0, DRV_QNUM, QBASE(0), QBASE(0) + 0x1000,
			QBASE(0) + 0x2002);
	ok(drv_needs_reset(dev), "misaligned used ring: NEEDS_RESET");
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_queue_setup(dev, 0, DRV_QNUM, DRV_RAM_SIZE - 16 * 8,
			QBASE(0) + 0x1000, QBASE(0) + 0x2000);
	ok(drv_needs_reset(dev), "descriptor table past the end of RAM");
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_queue_setup(dev, 0, DRV_QNUM, QBASE(0), QBASE(0) + 0x1000,
			0xfffffffffffffff0ULL);
	ok(drv_needs_reset(dev), "used ring at the top of the address space");
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_queue_setup(dev, 0, 12, QBASE(0), QBASE(0) + 0x1000,
			QBASE(0) + 0x2000);
	ok(drv_needs_reset(dev), "queue size 12 (not a power of 2)");
	drv_setup(dev, V1);
	drv_wr(dev, VIRTIO_MMIO_QUEUE_READY, 0);
	drv_queue_setup(dev, 0, 512, QBASE(0), QBASE(0) + 0x1000,
			QBASE(0) + 0x2000);
	ok(drv_needs_reset(dev), "queue size above QueueNumMax");
	ok(drv_setup(dev, V1) == 0xf, "a reset clears NEEDS_RESET");
	virtio_dev_free(dev);
}

/* ---- rng, and the hostile chains on it ---- */

static uint32_t rng_request(struct virtio_dev *dev, uint64_t addr,
			    uint32_t len)
{
	uint32_t id, l;

	drv_desc(0, 0, addr, len, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	if (drv_used(0, &id, &l))
		return UINT32_MAX;
	return l;
}

static void test_rng(void)
{
	struct virtio_dev *dev = virtio_rng_create(&drv_mem, 7, drv_irq, NULL);
	unsigned int i, zero = 0;
	uint32_t len;

	dev->kick = drv_kick;
	drv_setup(dev, V1);
	memset(drv_ram + DATA_BASE, 0, 256);
	drv_irqs = 0;
	len = rng_request(dev, DATA_BASE, 256);
	for (i = 0; i < 256; i++)
		zero += !drv_ram[DATA_BASE + i];
	ok(len == 256 && zero < 16 && drv_irqs == 1,
	   "rng fills a 256-byte buffer and interrupts (len %u)", len);
	ok(rng_request(dev, DRV_RAM_SIZE - 64, 64) == 64,
	   "a buffer ending at the end of RAM is fine");
	ok(!drv_needs_reset(dev), "device still healthy");
	virtio_dev_free(dev);
}

struct hostile {
	const char *what;
	uint64_t features;
	void (*build)(void);
	enum virtq_err err;	/* the check that must catch it */
};

static void h_addr_out(void)
{
	drv_desc(0, 0, DRV_RAM_SIZE, 16, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
}

static void h_addr_straddle(void)
{
	drv_desc(0, 0, DRV_RAM_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
}

static void h_len_overflow(void)
{
	drv_desc(0, 0, 0xfffffffffffff000ULL, 0x2000, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
}

static void h_loop_self(void)
{
	drv_desc(0, 0, DATA_BASE, 16,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0);
	drv_avail(0, 0);
}

static void h_loop_two(void)
{
	drv_desc(0, 0, DATA_BASE, 16, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(0, 1, DATA_BASE, 16, VIRTQ_DESC_F_NEXT, 0);
	drv_avail(0, 0);
}

static void h_long_chain(void)
{
	unsigned int i;

	/* 0 -> 1 -> ... -> 15 -> 3: longer than the queue. */
	for (i = 0; i < DRV_QNUM; i++)
		drv_desc(0, i, DATA_BASE, 16, VIRTQ_DESC_F_WRITE |
			 VIRTQ_DESC_F_NEXT, i + 1 < DRV_QNUM ? i + 1 : 3);
	drv_avail(0, 0);
}

static void h_next_range(void)
{
	drv_desc(0, 0, DATA_BASE, 16,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, DRV_QNUM);
	drv_avail(0, 0);
}

static void h_direction(void)
{
	drv_desc(0, 0, DATA_BASE, 16,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(0, 1, DATA_BASE + 16, 16, 0, 0);
	drv_avail(0, 0);
}

static void h_head_range(void)
{
	drv_desc(0, 0, DATA_BASE, 16, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, DRV_QNUM + 3);
}

static void h_avail_jump(void)
{
	uint16_t *avail = (uint16_t *)(drv_ram + QBASE(0) + 0x1000);

	drv_desc(0, 0, DATA_BASE, 16, VIRTQ_DESC_F_WRITE, 0);
	avail[1] = DRV_QNUM + 1;
}

static void h_avail_back(void)
{
	uint16_t *avail = (uint16_t *)(drv_ram + QBASE(0) + 0x1000);

	avail[1] = 0xffff;	/* "behind" the device: a jump of 65535 */
}

static void indirect_table(unsigned int n, uint16_t flags0)
{
	struct virtq_desc t[4] = {
		{ DATA_BASE, 64, (uint16_t)(VIRTQ_DESC_F_WRITE | flags0), 1 },
		{ DATA_BASE + 64, 64, VIRTQ_DESC_F_WRITE, 0 },
	};

	memcpy(drv_ram + DATA_BASE + 0x1000, t, n * sizeof(t[0]));
}

static void h_ind_not_negotiated(void)
{
	indirect_table(2, VIRTQ_DESC_F_NEXT);
	drv_desc(0, 0, DATA_BASE + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_len(void)
{
	indirect_table(2, VIRTQ_DESC_F_NEXT);
	drv_desc(0, 0, DATA_BASE + 0x1000, 24, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_zero(void)
{
	drv_desc(0, 0, DATA_BASE + 0x1000, 0, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_nested(void)
{
	indirect_table(2, VIRTQ_DESC_F_NEXT | VIRTQ_DESC_F_INDIRECT);
	drv_desc(0, 0, DATA_BASE + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_next(void)
{
	indirect_table(2, VIRTQ_DESC_F_NEXT);
	drv_desc(0, 0, DATA_BASE + 0x1000, 32,
		 VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(0, 1, DATA_BASE, 16, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
}

static void h_ind_after_direct(void)
{
	indirect_table(2, VIRTQ_DESC_F_NEXT);
	drv_desc(0, 0, DATA_BASE, 16,
		 VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	drv_desc(0, 1, DATA_BASE + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_range(void)
{
	drv_desc(0, 0, DRV_RAM_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_loop(void)
{
	struct virtq_desc t[2] = {
		{ DATA_BASE, 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1 },
		{ DATA_BASE, 64, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 0 },
	};

	memcpy(drv_ram + DATA_BASE + 0x1000, t, sizeof(t));
	drv_desc(0, 0, DATA_BASE + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_next_range(void)
{
	indirect_table(2, VIRTQ_DESC_F_NEXT);
	/* Entry 0 points at entry 1, which is past the 1-entry table. */
	drv_desc(0, 0, DATA_BASE + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static void h_ind_buf_range(void)
{
	struct virtq_desc t = { DRV_RAM_SIZE - 4, 8, VIRTQ_DESC_F_WRITE, 0 };

	memcpy(drv_ram + DATA_BASE + 0x1000, &t, sizeof(t));
	drv_desc(0, 0, DATA_BASE + 0x1000, 16, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
}

static const struct hostile hostiles[] = {
	{ "buffer outside RAM", 0, h_addr_out, VIRTQ_ERR_BUF_RANGE },
	{ "buffer straddling the end of RAM", 0, h_addr_straddle, VIRTQ_ERR_BUF_RANGE },
	{ "addr + len overflows 64 bits", 0, h_len_overflow, VIRTQ_ERR_BUF_RANGE },
	{ "chain looping on itself", 0, h_loop_self, VIRTQ_ERR_LOOP },
	{ "two-descriptor loop", 0, h_loop_two, VIRTQ_ERR_LOOP },
	{ "chain longer than the queue", 0, h_long_chain, VIRTQ_ERR_LOOP },
	{ "next index out of range", 0, h_next_range, VIRTQ_ERR_NEXT },
	{ "readable after writable", 0, h_direction, VIRTQ_ERR_DIRECTION },
	{ "head index out of range", 0, h_head_range, VIRTQ_ERR_HEAD },
	{ "avail idx jumps past the queue size", 0, h_avail_jump, VIRTQ_ERR_AVAIL_IDX },
	{ "avail idx moves backwards", 0, h_avail_back, VIRTQ_ERR_AVAIL_IDX },
	{ "indirect without VIRTIO_F_INDIRECT_DESC", 0, h_ind_not_negotiated, VIRTQ_ERR_INDIRECT },
	{ "indirect length not a multiple of 16", 1, h_ind_len, VIRTQ_ERR_INDIRECT_LEN },
	{ "indirect length 0", 1, h_ind_zero, VIRTQ_ERR_INDIRECT_LEN },
	{ "nested indirect", 1, h_ind_nested, VIRTQ_ERR_INDIRECT },
	{ "indirect with NEXT", 1, h_ind_next, VIRTQ_ERR_INDIRECT },
	{ "indirect after a direct descriptor", 1, h_ind_after_direct, VIRTQ_ERR_INDIRECT },
	{ "indirect table outside RAM", 1, h_ind_range, VIRTQ_ERR_BUF_RANGE },
	{ "loop inside an indirect table", 1, h_ind_loop, VIRTQ_ERR_LOOP },
	{ "indirect next out of the table", 1, h_ind_next_range, VIRTQ_ERR_NEXT },
	{ "indirect buffer outside RAM", 1, h_ind_buf_range, VIRTQ_ERR_BUF_RANGE },
};

static void test_hostile(void)
{
	struct virtio_dev *dev = virtio_rng_create(&drv_mem, 7, drv_irq, NULL);
	uint8_t canary[DATA_BASE];
	uint32_t id, len;
	unsigned int i;

	dev->kick = drv_kick;
	for (i = 0; i < sizeof(hostiles) / sizeof(hostiles[0]); i++) {
		const struct hostile *h = &hostiles[i];
		bool reset, used;

		drv_setup(dev, V1 | (h->features ? IND : 0));
		h->build();
		memcpy(canary, drv_ram, sizeof(canary));
		drv_irqs = 0;
		drv_notify(dev, 0);
		reset = drv_needs_reset(dev);
		used = !drv_used(0, &id, &len);
		ok(reset && !used && drv_irqs == 1 && dev->fail_reason &&
		   !strcmp(dev->fail_reason, virtq_err_name(h->err)) &&
		   (drv_rd(dev, VIRTIO_MMIO_INTERRUPT_STATUS) &
		    VIRTIO_INT_CONFIG) &&
		   !memcmp(canary, drv_ram, sizeof(canary)),
		   "hostile: %s -> NEEDS_RESET, config interrupt, nothing used",
		   h->what);
		/* A broken device stays quiet until reset. */
		drv_notify(dev, 0);
		ok(drv_irqs == 1 && drv_used(0, &id, &len),
		   "hostile: %s -> no more processing", h->what);
	}
	/* A good indirect request after all that. */
	drv_setup(dev, V1 | IND);
	indirect_table(2, VIRTQ_DESC_F_NEXT);
	memset(drv_ram + DATA_BASE, 0, 128);
	drv_desc(0, 0, DATA_BASE + 0x1000, 32, VIRTQ_DESC_F_INDIRECT, 0);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	ok(!drv_used(0, &id, &len) && id == 0 && len == 128 &&
	   !drv_needs_reset(dev), "indirect request of 2 x 64 bytes");

	/* A completion for a request from before a reset is dropped. */
	{
		struct virtq_elem *e = malloc(sizeof(*e));
		uint32_t gen;

		drv_setup(dev, V1);
		drv_desc(0, 0, DATA_BASE, 16, VIRTQ_DESC_F_WRITE, 0);
		drv_avail(0, 0);
		ok(virtio_pop(dev, 0, e, &gen) == 1, "pop a request");
		drv_setup(dev, V1);
		virtio_push(dev, 0, e->head, 16, gen, true);
		ok(drv_used(0, &id, &len), "its late completion after a reset is dropped");
		free(e);
	}
	virtio_dev_free(dev);
}

/* ---- blk ---- */

static char *tmp_path(const char *name)
{
	static char buf[4][256];
	static unsigned int k;

	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
	return buf[k];
}

static int make_image(const char *path, size_t size, uint8_t fill)
{
	uint8_t *b = malloc(size);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	ssize_t w;

	memset(b, fill, size);
	w = write(fd, b, size);
	close(fd);
	free(b);
	return w == (ssize_t)size ? 0 : -1;
}

struct blk_req {
	uint32_t type;
	uint64_t sector;
	uint64_t data;		/* guest address of the data */
	uint32_t len;
	bool split_hdr;		/* header in two 8-byte descriptors */
	bool status_in_data;	/* status byte shares the data buffer */
};

#define REQ(t, s, d, l) \
	((struct blk_req){ .type = (t), .sector = (s), .data = (d), .len = (l) })
#define HDR_ADDR	(DATA_BASE + 0x8000)
#define STATUS_ADDR	(DATA_BASE + 0x8100)

/* Runs one request; returns the status byte, or -1 if nothing was used. */
static int blk_do(struct virtio_dev *dev, const struct blk_req *r,
		  uint32_t *used_len)
{
	struct { uint32_t type, reserved; uint64_t sector; } h = {
		r->type, 0, r->sector,
	};
	bool to_dev = r->type == VIRTIO_BLK_T_OUT ||
		      r->type == VIRTIO_BLK_T_DISCARD ||
		      r->type == VIRTIO_BLK_T_WRITE_ZEROES;
	unsigned int i = 0;
	uint32_t id, len;

	memcpy(drv_ram + HDR_ADDR, &h, sizeof(h));
	drv_ram[STATUS_ADDR] = 0xee;
	if (r->split_hdr) {
		drv_desc(0, i, HDR_ADDR, 8, VIRTQ_DESC_F_NEXT, i + 1);
		i++;
		drv_desc(0, i, HDR_ADDR + 8, 8, VIRTQ_DESC_F_NEXT, i + 1);
		i++;
	} else {
		drv_desc(0, i, HDR_ADDR, 16, VIRTQ_DESC_F_NEXT, i + 1);
		i++;
	}
	if (r->len && r->status_in_data) {
		drv_desc(0, i, r->data, r->len + 1, VIRTQ_DESC_F_WRITE, 0);
	} else {
		if (r->len) {
			drv_desc(0, i, r->data, r->len, VIRTQ_DESC_F_NEXT |
				 (to_dev ? 0 : VIRTQ_DESC_F_WRITE), i + 1);
			i++;
		}
		drv_desc(0, i, STATUS_ADDR, 1, VIRTQ_DESC_F_WRITE, 0);
	}
	drv_avail(0, 0);
	drv_notify(dev, 0);
	if (drv_used(0, &id, &len) || id != 0)
		return -1;
	*used_len = len;
	if (r->len && r->status_in_data)
		return drv_ram[r->data + r->len];
	return drv_ram[STATUS_ADDR];
}

static struct virtio_dev *blk_make(const char *path, bool ro,
				   const char *serial)
{
	struct virtio_blk_params p;
	struct virtio_dev *dev;
	char msg[256];

	if (virtio_blk_open(path, ro, &p, msg, sizeof(msg))) {
		printf("# %s\n", msg);
		return NULL;
	}
	p.serial = serial;
	dev = virtio_blk_create(&p, &drv_mem, 5, drv_irq, NULL);
	dev->kick = drv_kick;
	return dev;
}

static bool file_is(const char *path, size_t off, uint8_t v, size_t len)
{
	uint8_t b[4096];
	int fd = open(path, O_RDONLY);
	bool same = true;
	size_t i;

	if (fd < 0 || len > sizeof(b) ||
	    pread(fd, b, len, (off_t)off) != (ssize_t)len)
		same = false;
	for (i = 0; same && i < len; i++)
		same = b[i] == v;
	if (fd >= 0)
		close(fd);
	return same;
}

static void test_blk(void)
{
	const char *img = tmp_path("disk.img"), *ro_img = tmp_path("ro.img");
	struct virtio_blk_params p, p2;
	struct virtio_dev *dev;
	struct blk_req r;
	char msg[256];
	uint64_t cap;
	uint32_t len;
	int st, fd;

	make_image(img, 1 << 20, 0x11);
	dev = blk_make(img, false, "SERIAL-0123456789abc");
	ok(dev, "open a 1 MiB image");
	if (!dev)
		return;
	ok(drv_setup(dev, V1 | IND |
		     VIRTIO_BIT(VIRTIO_BLK_F_FLUSH)) == 0xf, "blk bring-up");
	memcpy(&cap, dev->config, 8);
	ok(cap == 2048, "capacity 2048 sectors in config space");
	drv_wr(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ok(!(drv_rd(dev, VIRTIO_MMIO_DEVICE_FEATURES) &
	     VIRTIO_BIT(VIRTIO_BLK_F_RO)), "read-write: no RO feature");
	ok(drv_rd(dev, VIRTIO_MMIO_CONFIG) == 2048,
	   "capacity readable at 0x100");

	memset(drv_ram + DATA_BASE, 0xa5, 1024);
	r = REQ(VIRTIO_BLK_T_OUT, 3, DATA_BASE, 1024);
	st = blk_do(dev, &r, &len);
	ok(st == VIRTIO_BLK_S_OK && len == 1, "write 2 sectors at sector 3");
	ok(file_is(img, 3 * 512, 0xa5, 1024) && file_is(img, 5 * 512, 0x11, 512) &&
	   file_is(img, 2 * 512, 0x11, 512), "the file holds them, neighbours untouched");
	memset(drv_ram + DATA_BASE + 0x2000, 0, 2048);
	r = REQ(VIRTIO_BLK_T_IN, 2, DATA_BASE + 0x2000, 2048);
	st = blk_do(dev, &r, &len);
	ok(st == VIRTIO_BLK_S_OK && len == 2049 &&
	   drv_ram[DATA_BASE + 0x2000] == 0x11 &&
	   drv_ram[DATA_BASE + 0x2000 + 512] == 0xa5 &&
	   drv_ram[DATA_BASE + 0x2000 + 1535] == 0xa5 &&
	   drv_ram[DATA_BASE + 0x2000 + 1536] == 0x11,
	   "read 4 sectors back (used len %u)", len);
	r.split_hdr = true;
	r.status_in_data = true;
	r.sector = 3;
	r.len = 512;
	memset(drv_ram + DATA_BASE + 0x2000, 0, 1024);
	st = blk_do(dev, &r, &len);
	ok(st == VIRTIO_BLK_S_OK && len == 513 &&
	   drv_ram[DATA_BASE + 0x2000 + 511] == 0xa5,
	   "read with a split header and the status in the data buffer");
	r = REQ(VIRTIO_BLK_T_FLUSH, 0, 0, 0);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_OK && len == 1, "flush");
	r = REQ(VIRTIO_BLK_T_GET_ID, 0, DATA_BASE, 20);
	st = blk_do(dev, &r, &len);
	ok(st == VIRTIO_BLK_S_OK && len == 21 &&
	   !memcmp(drv_ram + DATA_BASE, "SERIAL-0123456789abc", 20),
	   "get-id returns the 20-byte serial");
	r = REQ(VIRTIO_BLK_T_IN, 2047, DATA_BASE, 1024);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_IOERR,
	   "read crossing the end of the disk: IOERR");
	r = REQ(VIRTIO_BLK_T_OUT, 0xffffffffffffffffULL, DATA_BASE, 512);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_IOERR,
	   "write at sector 2^64-1 (offset overflow): IOERR");
	r = REQ(VIRTIO_BLK_T_OUT, 0x0080000000000000ULL, DATA_BASE, 512);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_IOERR,
	   "write at sector 2^55 (byte offset wraps): IOERR");
	r = REQ(VIRTIO_BLK_T_IN, 0, DATA_BASE, 100);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_IOERR,
	   "read of 100 bytes (not whole sectors): IOERR");
	r = REQ(77, 0, DATA_BASE, 512);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_UNSUPP,
	   "unknown request type: UNSUPP");
	/* Write-zeroes over the two sectors written above. */
	{
		struct { uint64_t sector; uint32_t num, flags; } seg = {
			3, 2, 0,
		};

		memcpy(drv_ram + DATA_BASE, &seg, sizeof(seg));
		r = REQ(VIRTIO_BLK_T_WRITE_ZEROES, 0, DATA_BASE, 16);
		ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_OK &&
		   file_is(img, 3 * 512, 0, 1024) &&
		   file_is(img, 5 * 512, 0x11, 512),
		   "write-zeroes of 2 sectors");
		seg = (typeof(seg)){ 4, 1, 0 };
		memcpy(drv_ram + DATA_BASE, &seg, sizeof(seg));
		r.type = VIRTIO_BLK_T_DISCARD;
		ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_OK, "discard");
		seg = (typeof(seg)){ 2040, 16, 0 };
		memcpy(drv_ram + DATA_BASE, &seg, sizeof(seg));
		ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_IOERR,
		   "discard past the end: IOERR");
	}
	/* A request with no writable byte cannot get a status. */
	memcpy(drv_ram + HDR_ADDR, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	drv_desc(0, 0, HDR_ADDR, 16, 0, 0);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	ok(drv_needs_reset(dev), "request without a status byte: NEEDS_RESET");
	drv_setup(dev, V1);
	r = REQ(VIRTIO_BLK_T_IN, 0, DATA_BASE, 512);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_OK, "works again after a reset");

	/* Locking. */
	ok(virtio_blk_open(img, false, &p, msg, sizeof(msg)) &&
	   strstr(msg, "locked"), "a second writer is refused: %s", msg);
	ok(virtio_blk_open(img, true, &p, msg, sizeof(msg)),
	   "a reader is refused while a writer has it");
	virtio_dev_free(dev);
	ok(!virtio_blk_open(img, false, &p, msg, sizeof(msg)),
	   "free again once the writer closed it");
	close(p.fd);

	/* Read-only. */
	make_image(ro_img, 64 * 1024, 0x5a);
	dev = blk_make(ro_img, true, NULL);
	ok(dev, "open read-only");
	if (!dev)
		return;
	drv_setup(dev, V1 | VIRTIO_BIT(VIRTIO_BLK_F_RO));
	drv_wr(dev, VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	ok(drv_rd(dev, VIRTIO_MMIO_DEVICE_FEATURES) &
	   VIRTIO_BIT(VIRTIO_BLK_F_RO), "RO feature offered");
	memset(drv_ram + DATA_BASE, 0, 512);
	r = REQ(VIRTIO_BLK_T_OUT, 0, DATA_BASE, 512);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_IOERR &&
	   file_is(ro_img, 0, 0x5a, 512), "write to a read-only disk: IOERR, file untouched");
	r = REQ(VIRTIO_BLK_T_IN, 0, DATA_BASE, 512);
	ok(blk_do(dev, &r, &len) == VIRTIO_BLK_S_OK &&
	   drv_ram[DATA_BASE + 100] == 0x5a, "read from a read-only disk");
	ok(!virtio_blk_open(ro_img, true, &p, msg, sizeof(msg)),
	   "two readers may share an image");
	ok(virtio_blk_open(ro_img, false, &p2, msg, sizeof(msg)),
	   "a writer is refused while readers have it");
	close(p.fd);
	fd = open(ro_img, O_RDONLY);
	ok(fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == -1 &&
	   errno == EWOULDBLOCK, "the lock is a real flock()");
	close(fd);
	virtio_dev_free(dev);

	ok(virtio_blk_open(tmp_path("missing.img"), false, &p, msg,
			   sizeof(msg)) && strstr(msg, "No such file"),
	   "missing file refused: %s", msg);
	ok(virtio_blk_open(tmpdir, true, &p, msg, sizeof(msg)) &&
	   strstr(msg, "directory"), "directory refused: %s", msg);
	ok(virtio_blk_open(tmpdir, false, &p, msg, sizeof(msg)),
	   "directory refused read-write too: %s", msg);
	ok(virtio_blk_open("/dev/null", false, &p, msg, sizeof(msg)),
	   "character device refused: %s", msg);
	unlink(img);
	unlink(ro_img);
}

/* ---- net over a socketpair ---- */

static void test_net(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 1, 2, 3 };
	struct virtio_dev *dev;
	uint8_t frame[72], got[2048];
	uint32_t id, len;
	int sv[2];
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sv)) {
		ok(0, "socketpair: %s", strerror(errno));
		return;
	}
	dev = virtio_net_create(sv[0], mac, &drv_mem, 6, drv_irq, NULL);
	dev->kick = drv_kick;
	ok(drv_setup(dev, V1 | VIRTIO_BIT(VIRTIO_NET_F_MAC) |
		     VIRTIO_BIT(VIRTIO_NET_F_STATUS)) == 0xf, "net bring-up");
	ok(!memcmp(dev->config, mac, 6) && dev->config[6] == 1,
	   "MAC and link up in config space");

	/* TX: header + frame in two buffers. */
	memset(drv_ram + DATA_BASE, 0, 12);
	memset(drv_ram + DATA_BASE + 0x100, 0xab, 60);
	drv_desc(1, 0, DATA_BASE, 12, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, 1, DATA_BASE + 0x100, 60, 0, 0);
	drv_avail(1, 0);
	drv_notify(dev, 1);
	n = recv(sv[1], got, sizeof(got), MSG_DONTWAIT);
	ok(n == 72 && got[12] == 0xab && got[71] == 0xab &&
	   !drv_used(1, &id, &len) && id == 0,
	   "tx: the frame reaches the tap with its 12-byte header (%zd)", n);
	ok(drv_ram[QBASE(1) + 0x2000] == 0,
	   "tx: guest kicks are wanted again after the burst (used flags 0)");

	/* RX: a buffer first, then a frame. */
	drv_desc(0, 0, DATA_BASE + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	ok(drv_used(0, &id, &len), "rx: no frame, the buffer stays");
	memset(frame, 0, 12);
	memset(frame + 12, 0xcd, 60);
	frame[10] = 0x77;
	n = send(sv[1], frame, sizeof(frame), 0);
	dev->ops->process(dev);		/* what the tap's EPOLLIN does */
	ok(n == 72 && !drv_used(0, &id, &len) && len == 72 &&
	   drv_ram[DATA_BASE + 0x1000 + 10] == 1 &&
	   drv_ram[DATA_BASE + 0x1000 + 12] == 0xcd,
	   "rx: the frame lands with num_buffers = 1");
	n = send(sv[1], frame, sizeof(frame), 0);
	dev->ops->process(dev);
	ok(drv_used(0, &id, &len), "rx: no buffer, the frame waits");
	drv_avail(0, 0);
	drv_notify(dev, 0);
	ok(!drv_used(0, &id, &len) && len == 72,
	   "rx: a new buffer takes the waiting frame");
	ok(!drv_needs_reset(dev), "net healthy");
	virtio_dev_free(dev);
	close(sv[1]);
}

/* ---- net on a real tap, in a private network namespace (root only) ---- */

#define TAP_NAME	"mvtest0"

static int tap_if_up(void)
{
	struct sockaddr_in *sin;
	struct ifreq ifr;
	int s, ret = -1;
	FILE *f;

	/* No IPv6 chatter (router solicitations, MLD) on the test link. */
	f = fopen("/proc/sys/net/ipv6/conf/" TAP_NAME "/disable_ipv6", "w");
	if (f) {
		fputs("1\n", f);
		fclose(f);
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, TAP_NAME);
	sin = (struct sockaddr_in *)&ifr.ifr_addr;
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, "10.0.9.1", &sin->sin_addr);
	if (ioctl(s, SIOCSIFADDR, &ifr))
		goto close_s;
	inet_pton(AF_INET, "255.255.255.0", &sin->sin_addr);
	if (ioctl(s, SIOCSIFNETMASK, &ifr) || ioctl(s, SIOCGIFFLAGS, &ifr))
		goto close_s;
	ifr.ifr_flags |= IFF_UP;
	ret = ioctl(s, SIOCSIFFLAGS, &ifr);
close_s:
	close(s);
	return ret;
}

/* Posts a receive buffer and waits for a frame in it; its length or -1. */
static int tap_rx(struct virtio_dev *dev, int fd, uint8_t *frame)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	uint32_t id, len;
	int i;

	drv_desc(0, 0, DATA_BASE + 0x1000, 1526, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	for (i = 0; i < 20; i++) {
		if (!drv_used(0, &id, &len)) {
			memcpy(frame, drv_ram + DATA_BASE + 0x1000, len);
			return (int)len;
		}
		poll(&pfd, 1, 100);
		dev->ops->process(dev);
	}
	/* Nothing came: take the buffer back for the next test. */
	drv_setup(dev, V1 | VIRTIO_BIT(VIRTIO_NET_F_MAC));
	return -1;
}

static void test_tap(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0, 0, 0, 2 };
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons(9) };
	uint8_t frame[1600], *eth = frame + VIRTIO_NET_HDR_LEN;
	uint8_t reply[12 + 42], tap_mac[6];
	struct virtio_dev *dev;
	uint32_t id, len;
	bool arp = false, udp = false;
	char msg[256];
	int fd, s, n, i;

	if (getuid() || unshare(CLONE_NEWNET)) {
		ok(1, "tap: real tap device # SKIP needs root (a private network namespace)");
		return;
	}
	fd = virtio_net_open_tap(TAP_NAME, msg, sizeof(msg));
	ok(fd >= 0, "tap: minivmm creates tap %s (%s)", TAP_NAME,
	   fd < 0 ? msg : "IFF_TAP | IFF_NO_PI | IFF_VNET_HDR, 12-byte headers");
	if (fd < 0)
		return;
	ok(!tap_if_up(), "tap: 10.0.9.1/24 up on the host side");
	dev = virtio_net_create(fd, mac, &drv_mem, 6, drv_irq, NULL);
	dev->kick = drv_kick;
	drv_setup(dev, V1 | VIRTIO_BIT(VIRTIO_NET_F_MAC));

	/* A datagram to the guest's address makes the host ARP for it. */
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	inet_pton(AF_INET, "10.0.9.2", &to.sin_addr);
	sendto(s, "hello guest", 11, 0, (struct sockaddr *)&to, sizeof(to));
	for (i = 0; i < 10 && !arp; i++) {
		n = tap_rx(dev, fd, frame);
		arp = n == 12 + 42 && eth[12] == 0x08 && eth[13] == 0x06 &&
		      eth[21] == 1 && !memcmp(eth + 38, "\x0a\x00\x09\x02", 4);
	}
	ok(arp, "tap: the host's ARP request for 10.0.9.2 reaches the guest");
	if (!arp)
		goto out;
	memcpy(tap_mac, eth + 6, 6);
	/* The guest answers with an ARP reply (tx). */
	memset(reply, 0, sizeof(reply));
	eth = reply + 12;
	memcpy(eth, tap_mac, 6);
	memcpy(eth + 6, mac, 6);
	memcpy(eth + 12, "\x08\x06\x00\x01\x08\x00\x06\x04\x00\x02", 10);
	memcpy(eth + 22, mac, 6);
	memcpy(eth + 28, "\x0a\x00\x09\x02", 4);
	memcpy(eth + 32, tap_mac, 6);
	memcpy(eth + 38, "\x0a\x00\x09\x01", 4);
	memcpy(drv_ram + DATA_BASE, reply, sizeof(reply));
	drv_desc(1, 0, DATA_BASE, sizeof(reply), 0, 0);
	drv_avail(1, 0);
	drv_notify(dev, 1);
	ok(!drv_used(1, &id, &len), "tap: the guest's ARP reply is sent");
	/* Now the queued datagram comes through. */
	eth = frame + VIRTIO_NET_HDR_LEN;
	for (i = 0; i < 10 && !udp; i++) {
		n = tap_rx(dev, fd, frame);
		udp = n > 12 + 42 && eth[12] == 0x08 && eth[13] == 0x00 &&
		      eth[23] == 17 && !memcmp(frame + n - 11, "hello guest", 11);
	}
	ok(udp, "tap: the host's UDP datagram reaches the guest");
out:
	close(s);
	virtio_dev_free(dev);
}

/* ---- console over pipes ---- */

static void test_console(void)
{
	struct virtio_dev *dev;
	int in[2], out[2];
	uint32_t id, len;
	char buf[64];
	ssize_t n;

	if (pipe(in) || pipe(out)) {
		ok(0, "pipe");
		return;
	}
	dev = virtio_console_create(in[0], out[1], NULL, NULL, &drv_mem, 8,
				    drv_irq, NULL);
	dev->kick = drv_kick;
	ok(drv_setup(dev, V1) == 0xf, "console bring-up");
	memcpy(drv_ram + DATA_BASE, "hello, ", 7);
	memcpy(drv_ram + DATA_BASE + 0x100, "hvc0\n", 5);
	drv_desc(1, 0, DATA_BASE, 7, VIRTQ_DESC_F_NEXT, 1);
	drv_desc(1, 1, DATA_BASE + 0x100, 5, 0, 0);
	drv_avail(1, 0);
	drv_notify(dev, 1);
	n = read(out[0], buf, sizeof(buf));
	ok(n == 12 && !memcmp(buf, "hello, hvc0\n", 12) &&
	   !drv_used(1, &id, &len), "guest output reaches the output fd");
	drv_desc(0, 0, DATA_BASE + 0x1000, 64, VIRTQ_DESC_F_WRITE, 0);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	ok(drv_used(0, &id, &len), "no input: the buffer waits");
	n = write(in[1], "ls\n", 3);
	dev->ops->process(dev);
	ok(n == 3 && !drv_used(0, &id, &len) && len == 3 &&
	   !memcmp(drv_ram + DATA_BASE + 0x1000, "ls\n", 3),
	   "input reaches the guest");
	close(in[1]);
	drv_avail(0, 0);
	drv_notify(dev, 0);
	ok(drv_used(0, &id, &len), "end of input: the buffer waits, no spin");
	virtio_dev_free(dev);
	close(in[0]);
	close(out[0]);
}

/* ---- options and the real plumbing (event thread, MMIO table) ---- */

static void test_options(void)
{
	/* static: the parsed strings stay referenced (no leak report). */
	static struct virtio_config vc, vc2;

	ok(!virtio_parse_opt(&vc, "disk", "a.img") &&
	   !virtio_parse_opt(&vc, "disk", "b.img,ro,serial=XY1") &&
	   vc.nr_disks == 2 && !strcmp(vc.disks[1].path, "b.img") &&
	   vc.disks[1].ro && !strcmp(vc.disks[1].serial, "XY1") &&
	   !vc.disks[0].ro, "--disk PATH[,ro][,serial=ID]");
	ok(virtio_parse_opt(&vc, "disk", "c.img,rw") &&
	   virtio_parse_opt(&vc, "disk", "c.img,serial=123456789012345678901") &&
	   virtio_parse_opt(&vc, "disk", ",ro"), "bad --disk refused");
	ok(!virtio_parse_opt(&vc, "net", "tap=tap0,mac=52:54:00:aa:bb:cc") &&
	   !strcmp(vc.tap, "tap0") && vc.has_mac && vc.mac[5] == 0xcc,
	   "--net tap=NAME,mac=MAC");
	ok(virtio_parse_opt(&vc2, "net", "tap=tap0,mac=01:00:00:00:00:00") &&
	   virtio_parse_opt(&vc2, "net", "mac=52:54:00:aa:bb:cc") &&
	   virtio_parse_opt(&vc2, "net", "tap=abcdefghijklmnopq") &&
	   virtio_parse_opt(&vc, "net", "tap=tap1"),
	   "bad --net refused (multicast MAC, no tap, long name, twice)");
	ok(!virtio_parse_opt(&vc, "console", "virtio") && vc.console &&
	   virtio_parse_opt(&vc, "console", "vga"), "--console virtio");
	ok(!virtio_parse_opt(&vc, "rng", NULL) && vc.rng, "--rng");
}

static bool wait_used(unsigned int q, uint32_t *id, uint32_t *len)
{
	struct timespec ts = { 0, 1000000 };
	int i;

	for (i = 0; i < 2000; i++) {
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		if (!drv_used(q, id, len))
			return true;
		nanosleep(&ts, NULL);
	}
	return false;
}

static void test_plumbing(void)
{
	static struct vmm vmm;
	const char *img = tmp_path("plumb.img");
	static struct virtio_config vc;
	uint8_t d[4];
	uint32_t v, id, len;

	make_image(img, 8192, 0x42);
	memset(&vc, 0, sizeof(vc));
	virtio_parse_opt(&vc, "disk", img);
	virtio_parse_opt(&vc, "rng", NULL);
	/* The devices' RAM view comes from vmm->mem: use the test RAM. */
	vmm.mem = drv_ram;
	vmm.cfg.mem_size = DRV_RAM_SIZE;
	mmio_reset();
	ok(!virtio_devices_init(&vmm, &vc) && stub_acpi_devs == 2,
	   "virtio_devices_init: a disk and an rng, both announced to ACPI");
	mmio_dispatch(VIRTIO_MMIO_BASE + 0x1000 + VIRTIO_MMIO_DEVICE_ID, d, 4,
		      false);
	memcpy(&v, d, 4);
	ok(v == VIRTIO_ID_RNG, "the rng answers in the second window");
	{
		/* Drive the rng through mmio_dispatch and the event thread. */
		struct virtio_dev *dev;
		uint64_t base = VIRTIO_MMIO_BASE + 0x1000;

		memset(d, 0, 4);
		(void)dev;
#define W(off, val)						\
	do {							\
		v = (val);					\
		mmio_dispatch(base + (off), (uint8_t *)&v, 4,	\
			      true);				\
	} while (0)
		W(VIRTIO_MMIO_STATUS, 0);
		W(VIRTIO_MMIO_STATUS, 3);
		W(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
		W(VIRTIO_MMIO_DRIVER_FEATURES, 1);
		W(VIRTIO_MMIO_STATUS, 0xb);
		W(VIRTIO_MMIO_QUEUE_SEL, 0);
		W(VIRTIO_MMIO_QUEUE_NUM, DRV_QNUM);
		W(VIRTIO_MMIO_QUEUE_DESC_LOW, QBASE(0));
		W(VIRTIO_MMIO_QUEUE_AVAIL_LOW, QBASE(0) + 0x1000);
		W(VIRTIO_MMIO_QUEUE_USED_LOW, QBASE(0) + 0x2000);
		W(VIRTIO_MMIO_QUEUE_READY, 1);
		W(VIRTIO_MMIO_STATUS, 0xf);
		memset(drv_ram, 0, DATA_BASE);
		memset(drv_used_seen, 0, sizeof(drv_used_seen));
		memset(drv_avail_idx, 0, sizeof(drv_avail_idx));
		drv_desc(0, 0, DATA_BASE, 32, VIRTQ_DESC_F_WRITE, 0);
		drv_avail(0, 0);
		stub_irq_pulses = 0;
		W(VIRTIO_MMIO_QUEUE_NOTIFY, 0);
#undef W
		ok(wait_used(0, &id, &len) && len == 32,
		   "the event thread serves a notify (len %u)", len);
		ok(__atomic_load_n(&stub_irq_pulses, __ATOMIC_SEQ_CST) >= 1,
		   "and pulses the interrupt line");
	}
	{
		char args[256];

		ok(!virtio_cmdline_args(&vc, args, sizeof(args)) &&
		   !strcmp(args, virtio_cmdline_devices()) &&
		   virtio_cmdline_args(&vc, args, 20) == -1,
		   "virtio_cmdline_args() from the config alone: the same");
	}
	ok(strstr(virtio_cmdline_devices(),
		  "virtio_mmio.device=4K@0xd0000000:5") &&
	   strstr(virtio_cmdline_devices(), "4K@0xd0001000:6"),
	   "virtio_mmio.device= arguments: %s", virtio_cmdline_devices());
	virtio_devices_exit();
	mmio_reset();

	/* A bad second disk: everything made before it is undone. */
	{
		static struct virtio_config bad;

		virtio_parse_opt(&bad, "disk", img);
		virtio_parse_opt(&bad, "disk", tmp_path("missing.img"));
		virtio_parse_opt(&bad, "rng", NULL);
		ok(virtio_devices_init(&vmm, &bad) == -1 &&
		   !virtio_cmdline_devices()[0],
		   "a missing disk fails virtio_devices_init and undoes the rest");
		mmio_reset();
		ok(!virtio_devices_init(&vmm, &vc),
		   "the first disk is free again afterwards (lock released)");
		virtio_devices_exit();
		mmio_reset();
	}
	unlink(img);
}

int main(void)
{
	/* Whole TAP lines even with the devices' messages on stderr. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	drv_ram_init();
	test_transport();
	test_rng();
	test_hostile();
	test_blk();
	test_net();
	test_tap();
	test_console();
	test_options();
	test_plumbing();
	rmdir(tmpdir);
	free(drv_ram);
	return tap_finish();
}
