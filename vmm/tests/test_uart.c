// SPDX-License-Identifier: GPL-2.0
/* The 16550 register model. */
#include <string.h>

#include "tap.h"
#include "uart.h"

static char out[64];
static unsigned int out_len;

static void tx(void *opaque, uint8_t b)
{
	(void)opaque;
	if (out_len < sizeof(out) - 1)
		out[out_len++] = (char)b;
}

int main(void)
{
	struct uart u;
	uint8_t v;
	int i;

	uart_init(&u, tx, NULL);
	v = uart_read(&u, UART_LSR);
	ok(v == (UART_LSR_THRE | UART_LSR_TEMT), "reset LSR = THRE|TEMT (0x%02x)", v);
	ok(uart_read(&u, UART_IIR) == UART_IIR_NO_INT, "reset IIR = no interrupt");
	ok(uart_read(&u, UART_IER) == 0, "reset IER = 0");
	ok(uart_read(&u, UART_MSR) == (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS),
	   "MSR reports a connected peer");

	uart_write(&u, UART_THR, 'h');
	uart_write(&u, UART_THR, 'i');
	ok(out_len == 2 && !memcmp(out, "hi", 2), "THR writes reach the output");
	ok(uart_read(&u, UART_LSR) & UART_LSR_THRE, "THR empty after write");

	/* Divisor latch. */
	uart_write(&u, UART_LCR, UART_LCR_DLAB | 0x03);
	uart_write(&u, UART_DLL, 0x01);
	uart_write(&u, UART_DLM, 0x02);
	ok(uart_read(&u, UART_DLL) == 0x01 && uart_read(&u, UART_DLM) == 0x02,
	   "DLL/DLM read back with DLAB=1");
	ok(out_len == 2, "DLL write does not transmit");
	uart_write(&u, UART_LCR, 0x03);
	ok(uart_read(&u, UART_LCR) == 0x03, "LCR reads back");
	ok(uart_read(&u, UART_IER) == 0, "IER distinct from DLM");

	uart_write(&u, UART_SCR, 0x5a);
	ok(uart_read(&u, UART_SCR) == 0x5a, "SCR reads back");

	/* Receive without FIFO: one byte deep, overrun on the second. */
	ok(uart_rx_room(&u) == 1, "no FIFO: room for one byte");
	uart_receive(&u, 'a');
	ok(uart_read(&u, UART_LSR) & UART_LSR_DR, "data ready after receive");
	uart_receive(&u, 'b');
	v = uart_read(&u, UART_LSR);
	ok((v & UART_LSR_OE) && (v & UART_LSR_DR), "overrun flagged (0x%02x)", v);
	ok(!(uart_read(&u, UART_LSR) & UART_LSR_OE), "LSR read clears OE");
	ok(uart_read(&u, UART_RBR) == 'a', "RBR returns the first byte");
	ok(!(uart_read(&u, UART_LSR) & UART_LSR_DR), "DR clear when empty");

	/* FIFO mode. */
	uart_write(&u, UART_FCR, UART_FCR_ENABLE);
	ok((uart_read(&u, UART_IIR) & UART_IIR_FIFO) == UART_IIR_FIFO,
	   "IIR shows FIFOs enabled");
	ok(uart_rx_room(&u) == UART_FIFO_SIZE, "FIFO: room for 16");
	for (i = 0; i < 3; i++)
		uart_receive(&u, (uint8_t)('x' + i));
	ok(uart_read(&u, UART_RBR) == 'x' && uart_read(&u, UART_RBR) == 'y' &&
	   uart_read(&u, UART_RBR) == 'z', "FIFO keeps order");
	uart_receive(&u, '1');
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLR_RX);
	ok(!(uart_read(&u, UART_LSR) & UART_LSR_DR), "FCR clears RX FIFO");

	/* Interrupt identification. */
	uart_write(&u, UART_IER, UART_IER_RDI);
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_NO_INT, "RDI: none when empty");
	uart_receive(&u, 'k');
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_RDI, "RDI pending with data");
	ok(!uart_irq_line(&u), "IRQ line gated by OUT2");
	uart_write(&u, UART_MCR, UART_MCR_OUT2);
	ok(uart_irq_line(&u), "IRQ line asserted with OUT2");
	uart_read(&u, UART_RBR);
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_NO_INT, "RDI gone after read");
	uart_write(&u, UART_IER, UART_IER_RDI | UART_IER_THRI);
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_THRI, "THRI on enable");
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_NO_INT, "IIR read acks THRI");
	uart_write(&u, UART_THR, '!');
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_THRI, "THRI after transmit");
	uart_write(&u, UART_IER, UART_IER_RLSI);
	uart_receive(&u, '1');
	uart_receive(&u, '2');
	uart_receive(&u, '3');
	for (i = 0; i < UART_FIFO_SIZE; i++)
		uart_receive(&u, 'f');
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_RLSI, "RLSI on overrun");
	ok(uart_read(&u, UART_LSR) & UART_LSR_OE, "LSR shows the overrun");
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_NO_INT,
	   "LSR read clears RLSI");
	uart_write(&u, UART_FCR, 0);
	ok(uart_read(&u, UART_IIR) == UART_IIR_NO_INT, "FIFO off clears and shows no FIFO");

	/* Loopback: THR goes to RBR, MSR follows MCR. */
	out_len = 0;
	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	v = uart_read(&u, UART_MSR);
	ok((v & 0xf0) == UART_MSR_CTS, "loopback: MSR CTS from RTS (0x%02x)", v);
	ok(v & UART_MSR_DDCD, "loopback: delta DCD latched");
	ok(!(uart_read(&u, UART_MSR) & UART_MSR_DELTA), "MSR read clears deltas");
	uart_write(&u, UART_THR, 'L');
	ok(out_len == 0 && uart_read(&u, UART_RBR) == 'L', "loopback: THR to RBR");
	uart_write(&u, UART_MCR, 0);
	ok(uart_read(&u, UART_MCR) == 0, "MCR reads back");
	uart_write(&u, UART_LSR, 0);
	ok(uart_read(&u, UART_LSR) & UART_LSR_THRE, "LSR is read-only");

	/* The 8250 driver's loopback check: MCR = LOOP | OUT2 | RTS. */
	uart_write(&u, UART_MCR, UART_MCR_LOOP | 0x0a);
	ok((uart_read(&u, UART_MSR) & 0xf0) == 0x90,
	   "loopback with OUT2|RTS: MSR reads DCD|CTS (0x90)");
	uart_write(&u, UART_MCR, UART_MCR_OUT2);

	/* FIFO trigger levels: below it a time-out, at it received data. */
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | UART_FCR_CLR_RX | 0x80);
	uart_write(&u, UART_IER, UART_IER_RDI);
	for (i = 0; i < 7; i++)
		uart_receive(&u, 'a');
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_RX_TIMEOUT &&
	   uart_irq_line(&u), "7 bytes under trigger 8: character time-out");
	uart_receive(&u, 'a');
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_RDI,
	   "8 bytes at trigger 8: received data available");
	for (i = 0; i < 8; i++)
		uart_read(&u, UART_RBR);
	ok(!uart_irq_line(&u) &&
	   (uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_NO_INT,
	   "FIFO read empty: line drops");
	uart_write(&u, UART_FCR, UART_FCR_ENABLE | 0xc0);
	for (i = 0; i < 14; i++)
		uart_receive(&u, 'b');
	ok((uart_read(&u, UART_IIR) & 0x0f) == UART_IIR_RDI,
	   "trigger 14 reached with 14 bytes");

	/* THRI re-arms on each enable (the 8250 THRE-bug probe). */
	uart_write(&u, UART_FCR, 0);
	uart_write(&u, UART_IER, UART_IER_THRI);
	v = uart_read(&u, UART_IIR);
	uart_write(&u, UART_IER, 0);
	uart_write(&u, UART_IER, UART_IER_THRI);
	ok(v == UART_IIR_THRI && uart_read(&u, UART_IIR) == UART_IIR_THRI,
	   "THRI pending again after IER off/on");
	return tap_finish();
}
