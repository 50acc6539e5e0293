// SPDX-License-Identifier: GPL-2.0
/* Platform devices and ISA interrupt routing (platform.h). */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "hv.h"
#include "ioport.h"
#include "log.h"
#include "pic.h"
#include "pit.h"
#include "platform.h"
#include "power.h"
#include "rtc.h"
#include "serial.h"
#include "vmm.h"

#define POST_PORT		0x80
#define ISA_IRQS		16
#define PIT_IRQ			0
#define PIT_GSI			2

static atomic_bool platform_irq_error_logged;

void platform_irq(struct vmm *vmm, unsigned int irq, unsigned int level)
{
	uint32_t gsi = irq == PIT_IRQ ? PIT_GSI : irq;

	if (irq >= ISA_IRQS)
		return;
	pic_set_irq(irq, level);
	if (!hv_irq_line(&vmm->hv, gsi, level) ||
	    atomic_exchange(&platform_irq_error_logged, true))
		return;
	/* Without an irqchip (flat guests) that is expected. */
	if (errno == ENXIO)
		pr_debug("no in-kernel irqchip: IOAPIC interrupts are not delivered");
	else
		pr_err("MINIVMM_IRQ_LINE gsi %u level %u failed: %s (reported once)",
		       gsi, level, strerror(errno));
}

/* Port 0x80: POST codes (and Linux's io_delay) go nowhere. */
static void post_io(void *opaque, uint16_t port, uint8_t *data,
		    unsigned int size, bool is_write)
{
	(void)opaque;
	(void)port;
	if (!is_write)
		memset(data, 0xff, size);
}

int platform_init(struct vmm *vmm)
{
	int ret;

	ret = serial_init(STDOUT_FILENO);
	if (!ret)
		ret = pic_init(vmm);
	if (!ret)
		ret = pit_init(vmm);
	if (!ret)
		ret = rtc_init(vmm);
	if (!ret)
		ret = power_init(vmm);
	if (!ret)
		ret = ioport_register(POST_PORT, 1, post_io, NULL, "post");
	if (!ret)
		ret = serial_attach(vmm, vmm->cfg.virtio.console ? -1 :
				    STDIN_FILENO);
	return ret;
}

void platform_exit(void)
{
	pit_exit();
	serial_exit();
}
