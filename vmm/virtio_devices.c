// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio devices of a VM: command-line options, backends, MMIO
 * windows, ACPI entries, interrupts and the event loop (virtio.h).
 *
 * Device n gets the window VIRTIO_MMIO_BASE + n * 4 KiB and GSI 5 + n,
 * skipping GSI 8 and 9 (RTC and the ACPI SCI on a PC): order disks, net,
 * console, rng.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include "acpi.h"
#include "evloop.h"
#include "log.h"
#include "mmio.h"
#include "virtio_devs.h"
#include "vmm.h"

#define GMEM_HOLE_START		0xC0000000ULL
#define GMEM_HIGH_START		0x100000000ULL
#define VIRTIO_CMDLINE_MAX	(VIRTIO_MAX_DEVICES * 48)

static struct {
	struct gmem mem;
	struct virtio_dev *devs[VIRTIO_MAX_DEVICES];
	unsigned int nr;
	struct vmm *vmm;
	char cmdline[VIRTIO_CMDLINE_MAX];
} vd;

void gmem_init_x86(struct gmem *m, uint8_t *host, uint64_t size)
{
	uint64_t low = size < GMEM_HOLE_START ? size : GMEM_HOLE_START;

	memset(m, 0, sizeof(*m));
	m->r[0] = (struct gmem_region){ .gpa = 0, .size = low, .host = host };
	m->nr = 1;
	if (size > low) {
		m->r[1] = (struct gmem_region){
			.gpa = GMEM_HIGH_START, .size = size - low,
			.host = host + low,
		};
		m->nr = 2;
	}
}

/* ---- options ---- */

static int opt_error(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "minivmm: --%s '%s': %s\nTry 'minivmm --help'.\n",
		opt, arg, why);
	return -1;
}

static int parse_mac(const char *s, uint8_t mac[6])
{
	unsigned int b[6], i;
	char end;

	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2],
		   &b[3], &b[4], &b[5], &end) != 6 || strlen(s) != 17)
		return -1;
	for (i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	/* A multicast address cannot be a station address. */
	return mac[0] & 1 ? -1 : 0;
}

static int parse_disk(struct virtio_config *vc, const char *arg)
{
	struct virtio_disk_config *d;
	char *copy, *tok, *save = NULL;
	size_t i;

	if (vc->nr_disks == VIRTIO_MAX_DISKS)
		return opt_error("disk", arg, "too many disks (at most 8)");
	copy = strdup(arg);
	if (!copy)
		return opt_error("disk", arg, "out of memory");
	d = &vc->disks[vc->nr_disks];
	memset(d, 0, sizeof(*d));
	d->path = strtok_r(copy, ",", &save);
	if (!d->path || arg[0] == ',')
		goto bad;
	while ((tok = strtok_r(NULL, ",", &save))) {
		if (!strcmp(tok, "ro")) {
			d->ro = true;
		} else if (!strncmp(tok, "serial=", 7)) {
			tok += 7;
			if (!*tok || strlen(tok) > VIRTIO_BLK_ID_BYTES)
				goto bad_serial;
			for (i = 0; tok[i]; i++)
				if (tok[i] < 0x21 || tok[i] > 0x7e)
					goto bad_serial;
			strcpy(d->serial, tok);
		} else {
			goto bad;
		}
	}
	vc->nr_disks++;
	return 0;	/* copy stays: d->path points into it */
bad_serial:
	free(copy);
	return opt_error("disk", arg,
			 "serial= takes 1 to 20 printable characters");
bad:
	free(copy);
	return opt_error("disk", arg, "expected PATH[,ro][,serial=ID]");
}

static int parse_net(struct virtio_config *vc, const char *arg)
{
	char *copy, *tok, *save = NULL;

	if (vc->tap)
		return opt_error("net", arg, "only one --net for now");
	copy = strdup(arg);
	if (!copy)
		return opt_error("net", arg, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		if (!strncmp(tok, "tap=", 4) && tok[4]) {
			if (strlen(tok + 4) >= 16)
				goto bad_name;
			vc->tap = tok + 4;
		} else if (!strncmp(tok, "mac=", 4)) {
			if (parse_mac(tok + 4, vc->mac)) {
				free(copy);
				vc->tap = NULL;
				return opt_error("net", arg,
						 "mac= takes a unicast address like 52:54:00:12:34:56");
			}
			vc->has_mac = true;
		} else {
			goto bad;
		}
	}
	if (vc->tap)
		return 0;	/* copy stays: vc->tap points into it */
bad:
	free(copy);
	vc->tap = NULL;
	return opt_error("net", arg, "expected tap=NAME[,mac=MAC]");
bad_name:
	free(copy);
	vc->tap = NULL;
	return opt_error("net", arg, "interface names have at most 15 characters");
}

int virtio_parse_opt(struct virtio_config *vc, const char *opt,
		     const char *arg)
{
	if (!strcmp(opt, "disk"))
		return parse_disk(vc, arg);
	if (!strcmp(opt, "net"))
		return parse_net(vc, arg);
	if (!strcmp(opt, "console")) {
		if (!strcmp(arg, "virtio"))
			vc->console = true;
		else if (!strcmp(arg, "serial"))
			vc->console = false;
		else
			return opt_error("console", arg,
					 "must be virtio or serial");
		return 0;
	}
	if (!strcmp(opt, "rng")) {
		vc->rng = true;
		return 0;
	}
	fprintf(stderr, "minivmm: unknown virtio option --%s\n", opt);
	return -1;
}

/* ---- plumbing ---- */

static void vd_irq(void *opaque, uint32_t gsi)
{
	struct vmm *vmm = opaque;

	/* An edge: the IOAPIC latches the rising edge. */
	if (hv_irq_line(&vmm->hv, gsi, 1) || hv_irq_line(&vmm->hv, gsi, 0))
		pr_debug("virtio: interrupt on GSI %u failed: %s", gsi,
			 strerror(errno));
}

/* vCPU thread, QueueNotify: hand the work to the event thread. */
static void vd_kick(struct virtio_dev *dev)
{
	uint64_t one = 1;

	if (write(dev->kick_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		pr_debug("virtio %s: kick: %s", dev->name, strerror(errno));
}

/* Event thread: a kick or backend readiness. */
static void vd_event(void *opaque, uint32_t events)
{
	struct virtio_dev *dev = opaque;
	uint64_t v;

	(void)events;
	if (read(dev->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
		pr_debug("virtio %s: kick read: %s", dev->name,
			 strerror(errno));
	dev->ops->process(dev);
}

/* Event thread: the backend fd (tap, stdin) is readable. */
static void vd_backend_event(void *opaque, uint32_t events)
{
	struct virtio_dev *dev = opaque;

	(void)events;
	dev->ops->process(dev);
}

static void vd_mmio(void *opaque, uint64_t addr, uint8_t *data,
		    unsigned int len, bool is_write)
{
	virtio_mmio_access(opaque, addr & (VIRTIO_MMIO_SIZE - 1), data, len,
			   is_write);
}

static uint32_t vd_gsi(unsigned int n)
{
	return VIRTIO_MMIO_GSI_BASE + n + (n >= 3 ? 2 : 0);
}

/* Takes ownership of @dev: window, interrupt, kick, ACPI. */
static int vd_add(struct virtio_dev *dev, int backend_fd)
{
	uint64_t base = VIRTIO_MMIO_BASE + (uint64_t)vd.nr * VIRTIO_MMIO_SIZE;
	size_t used = strlen(vd.cmdline);
	int ret;

	vd.devs[vd.nr++] = dev;
	dev->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (dev->kick_fd < 0) {
		pr_err("virtio %s: eventfd: %s", dev->name, strerror(errno));
		return -1;
	}
	dev->kick = vd_kick;
	ret = evloop_add(dev->kick_fd, EPOLLIN, vd_event, dev);
	if (!ret && backend_fd >= 0)
		ret = evloop_add(backend_fd, EPOLLIN | EPOLLET,
				 vd_backend_event, dev);
	if (!ret)
		ret = mmio_register(base, VIRTIO_MMIO_SIZE, vd_mmio, dev,
				    dev->name);
	if (ret) {
		pr_err("virtio %s: cannot register the device: %s", dev->name,
		       strerror(errno));
		return -1;
	}
	acpi_add_virtio_mmio(base, VIRTIO_MMIO_SIZE, dev->gsi);
	snprintf(vd.cmdline + used, sizeof(vd.cmdline) - used,
		 "%svirtio_mmio.device=4K@0x%" PRIx64 ":%u", used ? " " : "",
		 base, dev->gsi);
	pr_debug("virtio %s at 0x%" PRIx64 ", GSI %u", dev->name, base,
		 dev->gsi);
	return 0;
}

int virtio_cmdline_args(const struct virtio_config *vc, char *buf,
			size_t len)
{
	unsigned int n = vc->nr_disks + !!vc->tap + vc->console + vc->rng;
	unsigned int i;
	size_t used = 0;
	int r;

	if (len)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		r = snprintf(buf + used, len - used,
			     "%svirtio_mmio.device=4K@0x%" PRIx64 ":%u",
			     i ? " " : "",
			     VIRTIO_MMIO_BASE + (uint64_t)i * VIRTIO_MMIO_SIZE,
			     vd_gsi(i));
		if (r < 0 || (size_t)r >= len - used)
			return -1;
		used += (size_t)r;
	}
	return 0;
}

static void vd_quit(void *opaque)
{
	vmm_finish(opaque, VMM_EXIT_OK);
}

static int vd_init_disks(struct vmm *vmm, const struct virtio_config *vc)
{
	struct virtio_blk_params p;
	struct virtio_dev *dev;
	char msg[512];
	unsigned int i;

	for (i = 0; i < vc->nr_disks; i++) {
		const struct virtio_disk_config *d = &vc->disks[i];

		if (virtio_blk_open(d->path, d->ro, &p, msg, sizeof(msg))) {
			pr_err("%s", msg);
			return -1;
		}
		if (p.size % VIRTIO_SECTOR_SIZE)
			pr_info("--disk %s: size not a multiple of 512; the last %" PRIu64 " bytes are not used",
				d->path, (uint64_t)(p.size % VIRTIO_SECTOR_SIZE));
		p.serial = d->serial;
		dev = virtio_blk_create(&p, &vd.mem, vd_gsi(vd.nr), vd_irq,
					vmm);
		if (!dev) {
			pr_err("--disk %s: %s", d->path, strerror(errno));
			close(p.fd);
			return -1;
		}
		if (vd_add(dev, -1))
			return -1;
	}
	return 0;
}

static int vd_init_net(struct vmm *vmm, const struct virtio_config *vc)
{
	struct virtio_dev *dev;
	uint8_t mac[6];
	char msg[512];
	int fd;

	fd = virtio_net_open_tap(vc->tap, msg, sizeof(msg));
	if (fd < 0) {
		pr_err("%s", msg);
		return -1;
	}
	if (vc->has_mac) {
		memcpy(mac, vc->mac, 6);
	} else {
		if (getrandom(mac, sizeof(mac), 0) != sizeof(mac)) {
			pr_err("--net: getrandom: %s", strerror(errno));
			close(fd);
			return -1;
		}
		/* Locally administered, unicast. */
		mac[0] = (uint8_t)((mac[0] & 0xfe) | 0x02);
	}
	dev = virtio_net_create(fd, mac, &vd.mem, vd_gsi(vd.nr), vd_irq, vmm);
	if (!dev) {
		pr_err("--net: %s", strerror(errno));
		close(fd);
		return -1;
	}
	pr_debug("virtio net on tap %s, MAC %02x:%02x:%02x:%02x:%02x:%02x",
		 vc->tap, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	return vd_add(dev, fd);
}

int virtio_devices_init(struct vmm *vmm, const struct virtio_config *vc)
{
	struct virtio_dev *dev;
	int ret;

	vd.vmm = vmm;
	gmem_init_x86(&vd.mem, vmm->mem, vmm->cfg.mem_size);
	if (!vc->nr_disks && !vc->tap && !vc->console && !vc->rng)
		return 0;
	ret = evloop_init();
	if (ret) {
		pr_err("virtio: cannot create the event loop: %s",
		       strerror(errno));
		return -1;
	}
	if (vd_init_disks(vmm, vc))
		goto fail;
	if (vc->tap && vd_init_net(vmm, vc))
		goto fail;
	if (vc->console) {
		dev = virtio_console_create(STDIN_FILENO, STDOUT_FILENO,
					    vd_quit, vmm, &vd.mem,
					    vd_gsi(vd.nr), vd_irq, vmm);
		if (!dev || vd_add(dev, virtio_console_in_fd(dev)))
			goto fail_dev;
	}
	if (vc->rng) {
		dev = virtio_rng_create(&vd.mem, vd_gsi(vd.nr), vd_irq, vmm);
		if (!dev || vd_add(dev, -1))
			goto fail_dev;
	}
	ret = evloop_start();
	if (ret) {
		pr_err("virtio: cannot start the event loop: %s",
		       strerror(errno));
		goto fail;
	}
	pr_debug("virtio: for a kernel without ACPI: %s", vd.cmdline);
	return 0;
fail_dev:
	if (!dev)
		pr_err("virtio: cannot create a device: %s", strerror(errno));
fail:
	virtio_devices_exit();
	return -1;
}

void virtio_devices_exit(void)
{
	unsigned int i;

	virtio_console_stop();
	if (!evloop_stop())
		return;
	for (i = 0; i < vd.nr; i++)
		virtio_dev_free(vd.devs[i]);
	vd.nr = 0;
	vd.cmdline[0] = '\0';
}

const char *virtio_cmdline_devices(void)
{
	return vd.cmdline;
}
