// SPDX-License-Identifier: GPL-2.0
/*
 * Power-off and reset ports call vmm_finish with the right status; the
 * BIOS reset vector holds code that writes the reset register.
 */
#include <stdlib.h>
#include <string.h>

#include "acpi.h"
#include "ioport.h"
#include "log.h"
#include "pit.h"
#include "power.h"
#include "tap.h"
#include "vmm.h"

bool log_debug_enabled;

static int finished = -1;

void vmm_finish(struct vmm *vmm, int code)
{
	(void)vmm;
	finished = code;
}

void platform_irq(struct vmm *vmm, unsigned int irq, unsigned int level)
{
	(void)vmm;
	(void)irq;
	(void)level;
}

static uint8_t inb(uint16_t port)
{
	uint8_t v = 0;

	ioport_dispatch(port, &v, 1, false);
	return v;
}

static void outb(uint16_t port, uint8_t v)
{
	ioport_dispatch(port, &v, 1, true);
}

/* Whether writing @v to @port ends the VM with @code (and nothing else). */
static int ends(uint16_t port, uint8_t v, int code)
{
	finished = -1;
	outb(port, v);
	return finished == code;
}

int main(void)
{
	static struct vmm vmm;
	uint32_t d = 0x80000000;

	static const uint8_t reset_code[] = {
		0xb0, ACPI_RESET_VALUE,				/* mov al, imm8 */
		0xba, ACPI_RESET_PORT & 0xff, ACPI_RESET_PORT >> 8, /* mov dx */
		0xee,						/* out dx, al */
	};
	const uint8_t *vec;
	unsigned int i, tail_zero = 1;

	vmm.cfg.mem_size = 1 << 20;
	vmm.mem = calloc(1, vmm.cfg.mem_size);
	if (!vmm.mem)
		return 1;
	memset(vmm.mem + 0xf0000, 0xcc, 0x10000);
	ok(power_init(&vmm) == 0 && pit_init(&vmm) == 0, "ports registered");
	/* Linux's BIOS reboot ends with a real-mode jump to f000:fff0. */
	vec = vmm.mem + 0xf0000 + 0xfff0;
	ok(POWER_RESET_VECTOR == 0xffff0 && POWER_RESET_VECTOR_LEN == 16,
	   "the reset vector is f000:fff0, 16 bytes");
	ok(!memcmp(vec, reset_code, sizeof(reset_code)),
	   "reset vector: writes ACPI_RESET_VALUE to the ACPI reset port");
	ok(vec[6] == 0xfa && vec[7] == 0xf4 && vec[8] == 0xeb &&
	   vec[9] == 0xfd, "then cli; 1: hlt; jmp 1b");
	for (i = 10; i < 16; i++)
		tail_zero &= vec[i] == 0;
	ok(tail_zero && vmm.mem[0xfffef] == 0xcc,
	   "the rest of the vector is zero, the BIOS area below untouched");
	ok(ACPI_AREA_BASE + ACPI_AREA_SIZE <= POWER_RESET_VECTOR,
	   "the ACPI table area ends below the reset vector");
	ok(ends(ACPI_SLEEP_CTL_PORT, ACPI_SLP_EN | 5 << 2, VMM_EXIT_OK),
	   "SLP_EN | SLP_TYP=5 powers off (status 0)");
	ok(ends(ACPI_SLEEP_CTL_PORT, 5 << 2, -1), "SLP_TYP without SLP_EN: nothing");
	ok(ends(ACPI_SLEEP_CTL_PORT, ACPI_SLP_EN | 3 << 2, -1),
	   "another sleep type: nothing");
	ok(ends(ACPI_SLEEP_STS_PORT, ACPI_WAK_STS, -1) &&
	   inb(ACPI_SLEEP_STS_PORT) == 0, "sleep status: clear, writes harmless");
	ok(ends(ACPI_RESET_PORT, ACPI_RESET_VALUE, VMM_EXIT_RESET),
	   "ACPI reset register resets (status 5)");
	ok(ends(ACPI_RESET_PORT, 0x02, -1), "other reset values: nothing");
	ok(ends(0xcf9, 0x02, -1), "0xcf9 = 0x02 (SYS_RST only): nothing yet");
	ok(ends(0xcf9, 0x06, VMM_EXIT_RESET), "0xcf9 = 0x06 resets");
	ok(ends(0xcf9, 0x0e, VMM_EXIT_RESET), "0xcf9 = 0x0e resets");
	ok(ends(0x64, 0xfe, VMM_EXIT_RESET), "i8042 command 0xfe resets");
	ok(ends(0x64, 0xaa, -1), "other i8042 commands: nothing");
	ok((inb(0x64) & 0x03) == 0, "i8042 status: no output, input buffer empty");
	ioport_dispatch(0xcf8, (uint8_t *)&d, 4, true);
	ioport_dispatch(0xcf8, (uint8_t *)&d, 4, false);
	ok(d == 0xffffffff, "no PCI host bridge: 0xcf8 reads all ones");
	finished = -1;
	d = 0x06060606;
	ioport_dispatch(0xcf8, (uint8_t *)&d, 4, true);
	ok(finished == -1, "a dword write to 0xcf8 is not a reset");
	outb(0x61, 0x03);
	ok((inb(0x61) & 0x03) == 0x03, "port 0x61 reaches the PIT");
	pit_exit();
	free(vmm.mem);
	return tap_finish();
}
