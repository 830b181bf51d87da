// SPDX-License-Identifier: Apache-2.0
/*
 * A 16550A UART (National Semiconductor / TI PC16550D) on eight I/O ports, the PC's
 * COM1 at 0x3f8 with IRQ 4 being what Linux's console=ttyS0 expects. The guest sees
 * every register with the chip's reset values and clearing rules, a 16-byte receive
 * FIFO with trigger levels, and the interrupt identification Linux's 8250 driver probes
 * for. Transmission takes no time: a byte written to THR goes to the output sink at
 * once and THR is empty again, so there is no transmit FIFO. Loopback (MCR bit 4) sends
 * transmitted bytes to the receiver and drives the modem inputs from MCR.
 *
 * Threads: vCPU threads access the registers through the I/O bus; the main thread
 * queues host input with uart_receive(). One mutex protects the state. The interrupt
 * line (a KVM_IRQ_LINE ioctl) and the output sink are called with that mutex held, so
 * level changes reach KVM, and bytes reach the output, in the order the registers
 * changed; the output sink may block (a terminal that stopped reading), which then
 * stalls the guest's serial port like a slow line would. The room notification is
 * called after the mutex is released.
 */
#ifndef RTVMM_DEV_UART_H
#define RTVMM_DEV_UART_H

#include "../bus.h"
#include "dev.h"

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UART_PORTS 8		/* registers at base + 0..7 */
#define UART_FIFO_BYTES 16	/* the 16550A's receive FIFO */

/* Register offsets from the base port (DLAB = LCR bit 7 banks offsets 0 and 1). */
enum uart_reg {
	UART_RBR_THR_DLL = 0,	/* read: RBR, write: THR; DLAB=1: divisor latch low */
	UART_IER_DLM = 1,	/* IER; DLAB=1: divisor latch high */
	UART_IIR_FCR = 2,	/* read: IIR, write: FCR */
	UART_LCR = 3,
	UART_MCR = 4,
	UART_LSR = 5,
	UART_MSR = 6,
	UART_SCR = 7,
};

/* IER */
#define UART_IER_ERBFI 0x01	/* received data available (and FIFO timeout) */
#define UART_IER_ETBEI 0x02	/* transmitter holding register empty */
#define UART_IER_ELSI 0x04	/* receiver line status */
#define UART_IER_EDSSI 0x08	/* modem status */

/* IIR: bit 0 clear = an interrupt is pending, bits 1-3 say which */
#define UART_IIR_NO_INT 0x01
#define UART_IIR_MSI 0x00	/* modem status: cleared by reading MSR */
#define UART_IIR_THRI 0x02	/* THR empty: cleared by reading IIR or writing THR */
#define UART_IIR_RDI 0x04	/* received data at or above the trigger level */
#define UART_IIR_RLSI 0x06	/* line status (overrun): cleared by reading LSR */
#define UART_IIR_CTI 0x0c	/* character timeout: data below the trigger level */
#define UART_IIR_FIFO 0xc0	/* FIFOs enabled (FCR bit 0) */

/* FCR */
#define UART_FCR_ENABLE 0x01
#define UART_FCR_CLEAR_RX 0x02
#define UART_FCR_CLEAR_TX 0x04
#define UART_FCR_DMA 0x08
#define UART_FCR_TRIGGER 0xc0	/* receive trigger level 1, 4, 8, 14 bytes */

/* LCR */
#define UART_LCR_DLAB 0x80

/* MCR */
#define UART_MCR_DTR 0x01
#define UART_MCR_RTS 0x02
#define UART_MCR_OUT1 0x04
#define UART_MCR_OUT2 0x08	/* on a PC, gates the interrupt line to the PIC */
#define UART_MCR_LOOP 0x10

/* LSR */
#define UART_LSR_DR 0x01	/* data ready */
#define UART_LSR_OE 0x02	/* overrun error: cleared by reading LSR */
#define UART_LSR_THRE 0x20
#define UART_LSR_TEMT 0x40

/* MSR: bits 0-3 are deltas, cleared by reading MSR; bits 4-7 are the modem inputs */
#define UART_MSR_DCTS 0x01
#define UART_MSR_DDSR 0x02
#define UART_MSR_TERI 0x04	/* RI went from on to off */
#define UART_MSR_DDCD 0x08
#define UART_MSR_CTS 0x10
#define UART_MSR_DSR 0x20
#define UART_MSR_RI 0x40
#define UART_MSR_DCD 0x80

struct uart {
	pthread_mutex_t lock;	/* protects every field up to the end of this block */
	uint8_t ier;		/* bits 0-3; 4-7 read as 0 on a 16550A */
	uint8_t fcr;		/* the FIFO enable, DMA mode and trigger bits last written */
	uint8_t lcr;
	uint8_t mcr;		/* bits 0-4; 5-7 read as 0 */
	uint8_t lsr_errors;	/* LSR error bits (OE) waiting for an LSR read */
	uint8_t msr;		/* modem inputs (bits 4-7) and deltas (bits 0-3) */
	uint8_t scr;
	uint16_t divisor;	/* DLM:DLL; the baud rate is meaningless here, kept for reads */
	bool thre_pending;	/* the THR-empty interrupt is latched (see uart.c) */
	bool room_wanted;	/* uart_receive() turned bytes away: notify when room returns */
	int irq_level;		/* the level last passed to irq.set (0 or 1) */
	uint8_t rx[UART_FIFO_BYTES];	/* receive FIFO, a ring */
	unsigned rx_head;	/* index of the oldest byte */
	unsigned rx_count;	/* bytes queued; at most 1 with the FIFOs disabled */

	/* set by uart_init, read-only afterwards */
	bool ready;		/* lock initialized: uart_fini has something to undo */
	struct dev_irq irq;
	struct dev_output out;
	struct dev_notify room;
};

/*
 * Resets the UART to the 16550A's power-on state and claims base..base+7 on io_bus.
 * irq is the line the UART drives (IRQ 4 for COM1); the line starts low and irq.set is
 * called only when the level changes. out receives transmitted bytes. room (fn may be
 * NULL) is called once after uart_receive() accepted fewer bytes than offered, as soon
 * as the guest has drained the receive FIFO to half its size or less. Returns 0 or
 * bus_register()'s -errno. Main thread, before vCPUs run.
 */
int uart_init(struct uart *u, struct bus *io_bus, uint16_t base, struct dev_irq irq,
	      struct dev_output out, struct dev_notify room);

/*
 * Releases the lock. The bus still points at u: call it once no vCPU can access the
 * bus any more. Accepts a zeroed or half-initialized uart. Main thread.
 */
void uart_fini(struct uart *u);

/*
 * Host input (the serial line's far end): queues up to len bytes into the receive FIFO
 * and raises the interrupt the guest enabled. Returns how many bytes were taken; the
 * rest did not fit (the FIFO holds 16 bytes, 1 with FIFOs disabled, and nothing in
 * loopback mode, where the line is disconnected) and must be offered again after
 * the room notification. Nothing is ever dropped and no overrun is signalled: unlike a
 * real line, the host can wait. Any thread; the main thread in rtvmm.
 *
 * The main loop never needs to poll: keep the bytes that were not taken, stop reading
 * the input source, and on the notification offer them again; read the source again
 * once they are all taken.
 */
size_t uart_receive(struct uart *u, const void *buf, size_t len);

#endif
