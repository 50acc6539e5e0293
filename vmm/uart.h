/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A 16550A serial port: the register model only.
 *
 * The model is pure state: it owns no lock and no file descriptor.  The
 * owner (serial.c) serializes calls, supplies the transmit callback and
 * turns uart_irq_line() into interrupts after every call.
 * Transmission is instantaneous (THR is always empty again right after a
 * write).  Received bytes arrive in bursts from the host, so the
 * character time-out is taken as elapsed at once: with the FIFO on, data
 * below the trigger level reports a time-out (IIR 0x0c), at or above it
 * a received-data interrupt (IIR 0x04).
 */
#ifndef VMM_UART_H
#define VMM_UART_H

#include <stdbool.h>
#include <stdint.h>

#define UART_FIFO_SIZE	16

/* Register offsets from the base port. */
#define UART_RBR	0	/* read, DLAB=0 */
#define UART_THR	0	/* write, DLAB=0 */
#define UART_DLL	0	/* DLAB=1 */
#define UART_IER	1	/* DLAB=0 */
#define UART_DLM	1	/* DLAB=1 */
#define UART_IIR	2	/* read */
#define UART_FCR	2	/* write */
#define UART_LCR	3
#define UART_MCR	4
#define UART_LSR	5
#define UART_MSR	6
#define UART_SCR	7

#define UART_IER_RDI	0x01	/* received data available */
#define UART_IER_THRI	0x02	/* THR empty */
#define UART_IER_RLSI	0x04	/* receiver line status */
#define UART_IER_MSI	0x08	/* modem status */

#define UART_IIR_NO_INT	0x01
#define UART_IIR_MSI	0x00
#define UART_IIR_THRI	0x02
#define UART_IIR_RDI	0x04
#define UART_IIR_RLSI	0x06
#define UART_IIR_RX_TIMEOUT	0x0c
#define UART_IIR_FIFO	0xc0	/* both bits set: FIFOs enabled */

#define UART_FCR_ENABLE	0x01
#define UART_FCR_CLR_RX	0x02
#define UART_FCR_CLR_TX	0x04
#define UART_FCR_TRIGGER_SHIFT	6	/* RX trigger: 1, 4, 8, 14 bytes */

#define UART_LCR_DLAB	0x80

#define UART_MCR_DTR	0x01
#define UART_MCR_RTS	0x02
#define UART_MCR_OUT1	0x04
#define UART_MCR_OUT2	0x08
#define UART_MCR_LOOP	0x10

#define UART_LSR_DR	0x01	/* data ready */
#define UART_LSR_OE	0x02	/* overrun */
#define UART_LSR_BI	0x10	/* break */
#define UART_LSR_THRE	0x20	/* THR empty */
#define UART_LSR_TEMT	0x40	/* transmitter empty */

#define UART_MSR_DCTS	0x01
#define UART_MSR_DDSR	0x02
#define UART_MSR_TERI	0x04
#define UART_MSR_DDCD	0x08
#define UART_MSR_DELTA	0x0f
#define UART_MSR_CTS	0x10
#define UART_MSR_DSR	0x20
#define UART_MSR_RI	0x40
#define UART_MSR_DCD	0x80

struct uart {
	uint8_t ier, lcr, mcr, lsr, msr, scr, dll, dlm;
	bool fifo_enabled;
	uint8_t rx_trigger;	/* FIFO level for a received-data interrupt */
	bool thri_pending;	/* THR-empty interrupt not yet acknowledged */
	uint8_t rx[UART_FIFO_SIZE];
	unsigned int rx_head, rx_count;
	void (*tx)(void *opaque, uint8_t byte);
	void *opaque;
};

void uart_init(struct uart *u, void (*tx)(void *, uint8_t), void *opaque);
uint8_t uart_read(struct uart *u, unsigned int reg);
void uart_write(struct uart *u, unsigned int reg, uint8_t val);

/* Bytes the receiver can take now (1 deep with FIFOs off, else 16). */
unsigned int uart_rx_room(const struct uart *u);
/* A byte arrives on the line; sets LSR.OE if there was no room. */
void uart_receive(struct uart *u, uint8_t byte);

/* Whether the interrupt output is asserted (OUT2 gates it, as on a PC). */
bool uart_irq_line(const struct uart *u);

#endif
