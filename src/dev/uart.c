// SPDX-License-Identifier: Apache-2.0
/*
 * 16550A UART (see uart.h). Register semantics follow the TI PC16550D datasheet; where
 * it leaves room, the choice that Linux's 8250 driver (autoconfig, the THRE test at
 * startup, the interrupt handler) works with is taken, and said where it is made.
 */
#include "uart.h"

#include <string.h>

/*
 * The modem inputs when the line is not looped back: a virtual cable whose far end is
 * always there and always ready (carrier, data set ready, clear to send), so a guest
 * getty without clocal does not wait for a carrier that would never come.
 */
#define UART_MSR_CONNECTED (UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS)

/* Not specified after reset on the chip; 12 is 9600 baud with the PC's 1.8432 MHz clock. */
#define UART_DIVISOR_RESET 12

static unsigned uart_rx_capacity(const struct uart *u)
{
	/* with the FIFOs disabled (16450 mode) the receiver holds a single byte in RBR */
	return u->fcr & UART_FCR_ENABLE ? UART_FIFO_BYTES : 1;
}

static unsigned uart_rx_trigger(const struct uart *u)
{
	static const uint8_t level[4] = { 1, 4, 8, 14 };

	return level[(u->fcr & UART_FCR_TRIGGER) >> 6];
}

static void uart_rx_clear(struct uart *u)
{
	u->rx_head = 0;
	u->rx_count = 0;
}

static void uart_rx_push(struct uart *u, uint8_t byte)
{
	u->rx[(u->rx_head + u->rx_count) % UART_FIFO_BYTES] = byte;
	u->rx_count++;
}

static uint8_t uart_rx_pop(struct uart *u)
{
	uint8_t byte;

	if (!u->rx_count)
		return 0;	/* an empty receiver: the value is undefined on the chip */
	byte = u->rx[u->rx_head];
	u->rx_head = (u->rx_head + 1) % UART_FIFO_BYTES;
	u->rx_count--;
	return byte;
}

/*
 * The highest-priority pending interrupt the guest enabled, as IIR bits 0-3 (datasheet
 * table: line status > received data / character timeout > THR empty > modem status).
 *
 * Received data: the chip reports RDI once the FIFO reaches the trigger level and the
 * character timeout (CTI) when data below the trigger level has sat for four character
 * times. Host input has no character times, so data below the trigger level reports
 * CTI at once: the guest hears about every byte without a timer here, and Linux treats
 * both the same (it reads while LSR.DR is set). Without FIFOs any data is RDI.
 */
static uint8_t uart_iir_id(const struct uart *u)
{
	if ((u->ier & UART_IER_ELSI) && u->lsr_errors)
		return UART_IIR_RLSI;
	if ((u->ier & UART_IER_ERBFI) && u->rx_count) {
		if ((u->fcr & UART_FCR_ENABLE) && u->rx_count < uart_rx_trigger(u))
			return UART_IIR_CTI;
		return UART_IIR_RDI;
	}
	if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
		return UART_IIR_THRI;
	if ((u->ier & UART_IER_EDSSI) && (u->msr & 0x0f))
		return UART_IIR_MSI;
	return UART_IIR_NO_INT;
}

/*
 * Drives the interrupt line. On a PC the UART's interrupt output reaches the PIC only
 * through a buffer that OUT2 enables (Linux sets OUT2 for every ISA port with an IRQ),
 * and in loopback mode the chip forces its modem control pins, OUT2 among them,
 * inactive, so the line stays low. Each change is one KVM_IRQ_LINE ioctl: only a change
 * is passed on.
 */
static void uart_update_irq(struct uart *u)
{
	int level = uart_iir_id(u) != UART_IIR_NO_INT &&
		    (u->mcr & (UART_MCR_OUT2 | UART_MCR_LOOP)) == UART_MCR_OUT2;

	if (level == u->irq_level)
		return;
	u->irq_level = level;
	if (u->irq.set)
		u->irq.set(u->irq.ctx, u->irq.line, level);
}

/*
 * True once, when the host was turned away and the receiver can take at least half a
 * FIFO again: waking the main thread for every byte the guest reads would cost a
 * wake-up per byte, waiting for an empty FIFO would let the guest starve briefly.
 */
static bool uart_room_returned(struct uart *u)
{
	if (!u->room_wanted || (u->mcr & UART_MCR_LOOP) ||
	    u->rx_count > uart_rx_capacity(u) / 2)
		return false;
	u->room_wanted = false;
	return u->room.fn != NULL;
}

/* The modem inputs: the line's, or in loopback mode MCR's outputs wired back. */
static uint8_t uart_modem_inputs(uint8_t mcr)
{
	uint8_t in = 0;

	if (!(mcr & UART_MCR_LOOP))
		return UART_MSR_CONNECTED;
	if (mcr & UART_MCR_RTS)
		in |= UART_MSR_CTS;
	if (mcr & UART_MCR_DTR)
		in |= UART_MSR_DSR;
	if (mcr & UART_MCR_OUT1)
		in |= UART_MSR_RI;
	if (mcr & UART_MCR_OUT2)
		in |= UART_MSR_DCD;
	return in;
}

/* New modem inputs set the delta bits of the lines that changed, as the chip does. */
static void uart_set_modem_inputs(struct uart *u, uint8_t in)
{
	uint8_t changed = (u->msr ^ in) & 0xf0;
	uint8_t delta = u->msr & 0x0f;

	if (changed & UART_MSR_CTS)
		delta |= UART_MSR_DCTS;
	if (changed & UART_MSR_DSR)
		delta |= UART_MSR_DDSR;
	if (changed & UART_MSR_DCD)
		delta |= UART_MSR_DDCD;
	/* the ring indicator reports only its trailing edge: on -> off */
	if ((u->msr & UART_MSR_RI) && !(in & UART_MSR_RI))
		delta |= UART_MSR_TERI;
	u->msr = in | delta;
}

/*
 * A transmitted byte looped back to the receiver. A full receiver overruns: in FIFO
 * mode the new byte is lost, in 16450 mode it replaces the unread one in RBR; both set
 * LSR.OE.
 */
static void uart_loopback_rx(struct uart *u, uint8_t byte)
{
	if (u->rx_count < uart_rx_capacity(u)) {
		uart_rx_push(u, byte);
		return;
	}
	u->lsr_errors |= UART_LSR_OE;
	if (!(u->fcr & UART_FCR_ENABLE))
		u->rx[u->rx_head] = byte;
}

static uint8_t uart_read_reg(struct uart *u, unsigned reg)
{
	uint8_t val;

	switch (reg) {
	case UART_RBR_THR_DLL:
		if (u->lcr & UART_LCR_DLAB)
			return (uint8_t)u->divisor;
		return uart_rx_pop(u);
	case UART_IER_DLM:
		if (u->lcr & UART_LCR_DLAB)
			return (uint8_t)(u->divisor >> 8);
		return u->ier;
	case UART_IIR_FCR:
		/* IIR is not banked by DLAB on a 16550A; Linux's EFR probes rely on that */
		val = uart_iir_id(u);
		/* reading IIR clears the THR-empty interrupt when it is the one reported */
		if (val == UART_IIR_THRI)
			u->thre_pending = false;
		return val | (u->fcr & UART_FCR_ENABLE ? UART_IIR_FIFO : 0);
	case UART_LCR:
		return u->lcr;
	case UART_MCR:
		return u->mcr;
	case UART_LSR:
		/* THR and the shift register are always empty: transmission takes no time */
		val = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;
		if (u->rx_count)
			val |= UART_LSR_DR;
		u->lsr_errors = 0;
		return val;
	case UART_MSR:
		val = u->msr;
		u->msr &= 0xf0;
		return val;
	default:
		return u->scr;
	}
}

static void uart_write_thr(struct uart *u, uint8_t byte)
{
	if (u->mcr & UART_MCR_LOOP)
		uart_loopback_rx(u, byte);	/* the chip holds its serial output at mark */
	else
		u->out.write(u->out.ctx, &byte, 1);
	/*
	 * Writing THR clears the THR-empty interrupt; the byte leaves at once, THR is empty
	 * again, and that raises it anew. Linux's transmit path depends on it: it fills THR
	 * from the interrupt and stops only when the next THRE interrupt finds nothing left.
	 */
	u->thre_pending = u->ier & UART_IER_ETBEI;
}

static void uart_write_ier(struct uart *u, uint8_t val)
{
	bool thre_enabled = !(u->ier & UART_IER_ETBEI) && (val & UART_IER_ETBEI);

	u->ier = val & 0x0f;
	/*
	 * Enabling ETBEI while THR is empty raises the THRE interrupt (datasheet; Linux's
	 * startup "THRE test" writes IER 0 then THRI and expects IIR to report it again,
	 * else it falls back to polling the transmitter from a timer).
	 */
	if (!(u->ier & UART_IER_ETBEI))
		u->thre_pending = false;
	else if (thre_enabled)
		u->thre_pending = true;
}

static void uart_write_fcr(struct uart *u, uint8_t val)
{
	bool was_enabled = u->fcr & UART_FCR_ENABLE;

	/* the other bits are programmed only together with FCR0; leaving FIFO mode clears */
	if (!(val & UART_FCR_ENABLE)) {
		if (was_enabled)
			uart_rx_clear(u);
		u->fcr = 0;
		return;
	}
	/* entering FIFO mode clears the FIFOs too; there is no TX FIFO to clear */
	if (!was_enabled || (val & UART_FCR_CLEAR_RX))
		uart_rx_clear(u);
	/* bits 4-5 are reserved on a 16550A (the 16750's 64-byte mode is not there) */
	u->fcr = val & (UART_FCR_ENABLE | UART_FCR_DMA | UART_FCR_TRIGGER);
}

static void uart_write_reg(struct uart *u, unsigned reg, uint8_t val)
{
	switch (reg) {
	case UART_RBR_THR_DLL:
		if (u->lcr & UART_LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0xff00) | val);
		else
			uart_write_thr(u, val);
		break;
	case UART_IER_DLM:
		if (u->lcr & UART_LCR_DLAB)
			u->divisor = (uint16_t)((u->divisor & 0x00ff) | (val << 8));
		else
			uart_write_ier(u, val);
		break;
	case UART_IIR_FCR:
		uart_write_fcr(u, val);
		break;
	case UART_LCR:
		/* the break bit (6) is stored but sends nothing: there is no line to hold */
		u->lcr = val;
		break;
	case UART_MCR:
		u->mcr = val & 0x1f;
		uart_set_modem_inputs(u, uart_modem_inputs(u->mcr));
		break;
	case UART_LSR:
	case UART_MSR:
		/* status registers: writes are for factory test on the chip, ignored here */
		break;
	default:
		u->scr = val;
		break;
	}
}

/*
 * The I/O bus hands over 1-, 2- or 4-byte accesses; the chip's registers are bytes, and
 * the ISA bus splits wider accesses into consecutive byte accesses, so this does too.
 * Bytes past the last register decode to nothing and read as all ones.
 */
static void uart_bus_read(void *dev, uint64_t offset, void *data, unsigned len)
{
	struct uart *u = dev;
	uint8_t *p = data;
	bool notify;

	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < len; i++)
		p[i] = offset + i < UART_PORTS ? uart_read_reg(u, (unsigned)offset + i) : 0xff;
	uart_update_irq(u);
	notify = uart_room_returned(u);
	pthread_mutex_unlock(&u->lock);
	if (notify)
		u->room.fn(u->room.ctx);
}

static void uart_bus_write(void *dev, uint64_t offset, const void *data, unsigned len)
{
	struct uart *u = dev;
	const uint8_t *p = data;
	bool notify;

	pthread_mutex_lock(&u->lock);
	for (unsigned i = 0; i < len && offset + i < UART_PORTS; i++)
		uart_write_reg(u, (unsigned)offset + i, p[i]);
	uart_update_irq(u);
	notify = uart_room_returned(u);
	pthread_mutex_unlock(&u->lock);
	if (notify)
		u->room.fn(u->room.ctx);
}

static const struct bus_dev_ops uart_ops = {
	.read = uart_bus_read,
	.write = uart_bus_write,
};

int uart_init(struct uart *u, struct bus *io_bus, uint16_t base, struct dev_irq irq,
	      struct dev_output out, struct dev_notify room)
{
	int ret;

	memset(u, 0, sizeof(*u));
	ret = -pthread_mutex_init(&u->lock, NULL);
	if (ret)
		return ret;
	u->ready = true;
	u->irq = irq;
	u->out = out;
	u->room = room;
	/* the datasheet's reset values: everything 0 but LSR (THRE, TEMT) and MSR's inputs */
	u->msr = UART_MSR_CONNECTED;
	u->divisor = UART_DIVISOR_RESET;
	return bus_register(io_bus, base, UART_PORTS, &uart_ops, u, "uart");
}

void uart_fini(struct uart *u)
{
	if (u->ready)
		pthread_mutex_destroy(&u->lock);
	u->ready = false;
}

size_t uart_receive(struct uart *u, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t taken = 0;

	pthread_mutex_lock(&u->lock);
	/* in loopback mode the receiver is disconnected from the line */
	if (!(u->mcr & UART_MCR_LOOP))
		while (taken < len && u->rx_count < uart_rx_capacity(u))
			uart_rx_push(u, p[taken++]);
	if (taken < len)
		u->room_wanted = true;
	uart_update_irq(u);
	pthread_mutex_unlock(&u->lock);
	return taken;
}
