// SPDX-License-Identifier: GPL-2.0
/* The 16550A register model (see uart.h). */
#include <string.h>

#include "uart.h"

/* What the modem lines read when loopback is off: a connected peer. */
#define UART_MSR_CONNECTED	(UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

static const uint8_t uart_rx_triggers[4] = { 1, 4, 8, 14 };

static unsigned int uart_rx_depth(const struct uart *u)
{
	return u->fifo_enabled ? UART_FIFO_SIZE : 1;
}

static void uart_rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
	u->lsr &= (uint8_t)~UART_LSR_DR;
}

void uart_init(struct uart *u, void (*tx)(void *, uint8_t), void *opaque)
{
	memset(u, 0, sizeof(*u));
	u->rx_trigger = 1;
	u->lsr = UART_LSR_THRE | UART_LSR_TEMT;
	u->msr = UART_MSR_CONNECTED;
	u->tx = tx;
	u->opaque = opaque;
}

unsigned int uart_rx_room(const struct uart *u)
{
	return uart_rx_depth(u) - u->rx_count;
}

void uart_receive(struct uart *u, uint8_t byte)
{
	if (!uart_rx_room(u)) {
		/* The shift register overwrites nothing we keep: drop it. */
		u->lsr |= UART_LSR_OE;
		return;
	}
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_SIZE] = byte;
	u->rx_count++;
	u->lsr |= UART_LSR_DR;
}

static uint8_t uart_rx_pop(struct uart *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_SIZE;
	if (!--u->rx_count)
		u->lsr &= (uint8_t)~UART_LSR_DR;
	return byte;
}

/* The highest-priority pending interrupt, as IIR bits 0-3. */
static uint8_t uart_iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_RLSI) && (u->lsr & (UART_LSR_OE | UART_LSR_BI)))
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_RDI) && (u->lsr & UART_LSR_DR))
		return u->fifo_enabled && u->rx_count < u->rx_trigger ?
		       UART_IIR_RX_TIMEOUT : UART_IIR_RDI;
	if ((u->ier & UART_IER_THRI) && u->thri_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_MSI) && (u->msr & UART_MSR_DELTA))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

bool uart_irq_line(const struct uart *u)
{
	return (u->mcr & UART_MCR_OUT2) && uart_iir_id(u) != UART_IIR_NO_INT;
}

/* In loopback the modem inputs follow the modem outputs. */
static uint8_t uart_msr_inputs(const struct uart *u)
{
	uint8_t in = 0;

	if (!(u->mcr & UART_MCR_LOOP))
		return UART_MSR_CONNECTED;
	if (u->mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (u->mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (u->mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (u->mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

/* Recompute MSR from new inputs and latch the deltas. */
static void uart_msr_update(struct uart *u)
{
	uint8_t old = u->msr, in = uart_msr_inputs(u);
	uint8_t delta = u->msr & UART_MSR_DELTA;

	if ((old ^ in) & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if ((old ^ in) & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if ((old ^ in) & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	/* Trailing edge of RI only. */
	if ((old & UART_MSR_RI) && !(in & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	u->msr = in | delta;
}

static void uart_thr_write(struct uart *u, uint8_t val)
{
	if (u->mcr & UART_MCR_LOOP)
		uart_receive(u, val);
	else if (u->tx)
		u->tx(u->opaque, val);
	/* Sent at once: THR is empty again and says so by interrupt. */
	u->lsr |= UART_LSR_THRE | UART_LSR_TEMT;
	u->thri_pending = true;
}

uint8_t uart_read(struct uart *u, unsigned int reg)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	uint8_t val;

	switch (reg & 7) {
	case UART_RBR:
		return dlab ? u->dll : uart_rx_pop(u);
	case UART_IER:
		return dlab ? u->dlm : u->ier;
	case UART_IIR:
		val = uart_iir_id(u);
		/* Reading IIR acknowledges a THR-empty interrupt. */
		if (val == UART_IIR_THRI)
			u->thri_pending = false;
		return val | (u->fifo_enabled ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		val = u->lsr;
		u->lsr &= (uint8_t)~(UART_LSR_OE | UART_LSR_BI);
		return val;
	case UART_MSR:
		val = u->msr;
		u->msr &= (uint8_t)~UART_MSR_DELTA;
		return val;
	default:
		return u->scr;
	}
}

void uart_write(struct uart *u, unsigned int reg, uint8_t val)
{
	bool dlab = u->lcr & UART_LCR_DLAB;
	bool fifo;

	switch (reg & 7) {
	case UART_THR:
		if (dlab)
			u->dll = val;
		else
			uart_thr_write(u, val);
		break;
	case UART_IER:
		if (dlab) {
			u->dlm = val;
			break;
		}
		/* Enabling THRI with THR empty raises it at once. */
		if ((val & UART_IER_THRI) && !(u->ier & UART_IER_THRI) &&
		    (u->lsr & UART_LSR_THRE))
			u->thri_pending = true;
		u->ier = val & 0x0f;
		break;
	case UART_FCR:
		fifo = val & UART_FCR_ENABLE;
		/* Switching the FIFOs on or off empties them. */
		if (fifo != u->fifo_enabled || (val & UART_FCR_CLR_RX))
			uart_rx_clear(u);
		u->fifo_enabled = fifo;
		u->rx_trigger = uart_rx_triggers[val >> UART_FCR_TRIGGER_SHIFT];
		break;
	case UART_LCR:
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		uart_msr_update(u);
		break;
	case UART_LSR:
	case UART_MSR:
		/* Read-only on a 16550 (factory test only). */
		break;
	default:
		u->scr = val;
		break;
	}
}
