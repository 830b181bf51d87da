// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/dev/uart, driven through the I/O bus the way a guest drives it,
 * with a fake interrupt line that records every level change and a fake output that
 * records every byte: the 16550A's reset values; THR reaching the output with THRE and
 * TEMT set; the THR-empty interrupt raised by enabling it, cleared by the IIR read that
 * reports it, re-raised by writing THR and by IER going 0 -> 1 (Linux's THRE and TX IRQ
 * tests); OUT2 and loopback gating the line; IIR priorities; the receive FIFO (order,
 * trigger level and timeout, full FIFO, 16450 mode, FCR resets); the divisor latch
 * behind DLAB; loopback data and modem lines with their delta bits; overrun; SCR; wide
 * accesses; the probe sequence of Linux's 8250 autoconfig; level changes only reaching
 * irq.set; the room notification, without the lock held; host input racing a reading
 * guest losing and reordering nothing; an overlapping init refused and fini safe on
 * half-built and zeroed UARTs; no interrupt line or listener at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/dev/uart.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

#define BASE 0x3f8
#define COM1_IRQ 4

struct fake_irq {
	unsigned calls;		/* irq.set calls */
	int level;		/* the level last set */
	unsigned line;		/* the line last set */
};

struct fake_out {
	uint8_t bytes[4096];
	size_t len;
	pthread_mutex_t lock;	/* the concurrency test writes from two threads */
};

struct fx {
	struct bus bus;
	struct uart u;
	struct fake_irq irq;
	struct fake_out out;
	unsigned notified;
	sem_t room;		/* posted by every notification */
	int lock_was_free;	/* the notification found the UART's lock free */
};

static void fake_irq_set(void *ctx, unsigned line, int level)
{
	struct fake_irq *irq = ctx;

	irq->calls++;
	irq->level = level;
	irq->line = line;
}

static void fake_write(void *ctx, const void *buf, size_t len)
{
	struct fake_out *out = ctx;

	pthread_mutex_lock(&out->lock);
	if (out->len + len <= sizeof(out->bytes)) {
		memcpy(out->bytes + out->len, buf, len);
		out->len += len;
	}
	pthread_mutex_unlock(&out->lock);
}

static void fake_room(void *ctx)
{
	struct fx *f = ctx;

	f->notified++;
	/* the UART must not hold its lock while it wakes the main thread */
	if (pthread_mutex_trylock(&f->u.lock) == 0) {
		f->lock_was_free = 1;
		pthread_mutex_unlock(&f->u.lock);
	} else {
		f->lock_was_free = 0;
	}
	sem_post(&f->room);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	pthread_mutex_init(&f->out.lock, NULL);
	sem_init(&f->room, 0, 0);
	bus_init(&f->bus, "io");
	if (uart_init(&f->u, &f->bus, BASE,
		      (struct dev_irq){ .set = fake_irq_set, .ctx = &f->irq, .line = COM1_IRQ },
		      (struct dev_output){ .write = fake_write, .ctx = &f->out },
		      (struct dev_notify){ .fn = fake_room, .ctx = f }))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	uart_fini(&f->u);
	bus_fini(&f->bus);
	sem_destroy(&f->room);
	pthread_mutex_destroy(&f->out.lock);
	free(f);
	return 0;
}

static uint8_t in8(struct fx *f, unsigned reg)
{
	uint8_t v = 0x5a;

	assert_true(bus_access(&f->bus, BASE + reg, &v, 1, false));
	return v;
}

static void out8(struct fx *f, unsigned reg, uint8_t v)
{
	assert_true(bus_access(&f->bus, BASE + reg, &v, 1, true));
}

static size_t receive_str(struct fx *f, const char *s)
{
	return uart_receive(&f->u, s, strlen(s));
}

static void test_uart_reset_values(void **state)
{
	struct fx *f = *state;

	assert_int_equal(in8(f, UART_IER_DLM), 0x00);
	assert_int_equal(in8(f, UART_IIR_FCR), 0x01);	/* no interrupt, FIFOs off */
	assert_int_equal(in8(f, UART_LCR), 0x00);
	assert_int_equal(in8(f, UART_MCR), 0x00);
	assert_int_equal(in8(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	/* the far end is connected: carrier, data set ready, clear to send; no deltas */
	assert_int_equal(in8(f, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(in8(f, UART_SCR), 0x00);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 0x00);	/* empty receiver */
	out8(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 12);
	assert_int_equal(in8(f, UART_IER_DLM), 0);
	/* eight ports claimed, no more */
	assert_non_null(bus_find(&f->bus, BASE));
	assert_non_null(bus_find(&f->bus, BASE + 7));
	assert_null(bus_find(&f->bus, BASE + 8));
	assert_int_equal(f->irq.calls, 0);
	assert_int_equal(f->out.len, 0);
}

static void test_uart_thr_reaches_output(void **state)
{
	struct fx *f = *state;
	const char *msg = "login: \r\n";

	for (const char *p = msg; *p; p++) {
		out8(f, UART_RBR_THR_DLL, (uint8_t)*p);
		/* transmission takes no time: THR and the shift register are empty again */
		assert_int_equal(in8(f, UART_LSR) & (UART_LSR_THRE | UART_LSR_TEMT),
				 UART_LSR_THRE | UART_LSR_TEMT);
	}
	assert_int_equal(f->out.len, strlen(msg));
	assert_memory_equal(f->out.bytes, msg, strlen(msg));
	assert_int_equal(f->irq.calls, 0);
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_DR, 0);	/* nothing looped back */
}

static void test_uart_thre_irq_needs_out2(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IER_DLM, UART_IER_ETBEI);
	assert_int_equal(f->irq.calls, 0);	/* pending, but OUT2 keeps it off the bus */
	out8(f, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(f->irq.calls, 1);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(f->irq.line, COM1_IRQ);
	/* the IIR read that reports THRE clears it */
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_THRI);
	assert_int_equal(f->irq.calls, 2);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);
	/* writing THR re-raises it: the byte left at once and THR is empty again */
	out8(f, UART_RBR_THR_DLL, 'x');
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(f->irq.calls, 3);
	/* dropping OUT2 lowers the line; IIR still reports the source */
	out8(f, UART_MCR, 0);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_THRI);
	assert_int_equal(f->irq.calls, 4);
}

/* The IIR reads of Linux's serial8250_do_startup, in its order. */
static void test_uart_linux_thre_and_txen_tests(void **state)
{
	struct fx *f = *state;
	uint8_t iir1, iir, lsr;

	/* THRE test: a real 16550 re-asserts THRE whenever ETBEI goes 0 -> 1 */
	assert_true(in8(f, UART_LSR) & UART_LSR_THRE);
	out8(f, UART_IER_DLM, UART_IER_ETBEI);
	iir1 = in8(f, UART_IIR_FCR);
	out8(f, UART_IER_DLM, 0);
	out8(f, UART_IER_DLM, UART_IER_ETBEI);
	iir = in8(f, UART_IIR_FCR);
	out8(f, UART_IER_DLM, 0);
	assert_int_equal(iir1, UART_IIR_THRI);
	assert_int_equal(iir, UART_IIR_THRI);	/* else Linux sets UART_BUG_THRE */

	/* TX IRQ test, after OUT2 is raised for the ISA port */
	out8(f, UART_MCR, UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT2);
	out8(f, UART_IER_DLM, UART_IER_ETBEI);
	lsr = in8(f, UART_LSR);
	iir = in8(f, UART_IIR_FCR);
	out8(f, UART_IER_DLM, 0);
	assert_true(lsr & UART_LSR_TEMT);
	assert_int_equal(iir & UART_IIR_NO_INT, 0);	/* else Linux sets UART_BUG_TXEN */
	assert_int_equal(f->irq.level, 0);

	/* an IER write that leaves ETBEI set does not re-arm a cleared THRE */
	out8(f, UART_IER_DLM, UART_IER_ETBEI);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_THRI);
	out8(f, UART_IER_DLM, UART_IER_ETBEI | UART_IER_EDSSI);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);
}

/* The register checks of Linux's 8250 autoconfig and autoconfig_16550a. */
static void test_uart_linux_autoconfig(void **state)
{
	struct fx *f = *state;

	/* IER: the low four bits are there, the high four read as 0 */
	out8(f, UART_IER_DLM, 0);
	assert_int_equal(in8(f, UART_IER_DLM) & 0x0f, 0);
	out8(f, UART_IER_DLM, 0x0f);
	assert_int_equal(in8(f, UART_IER_DLM), 0x0f);
	out8(f, UART_IER_DLM, 0xff);
	assert_int_equal(in8(f, UART_IER_DLM), 0x0f);	/* no XScale UUE bit */
	out8(f, UART_IER_DLM, 0);

	/* loopback with RTS and OUT2: CTS and DCD on, DSR and RI off */
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2 | UART_MCR_RTS);
	assert_int_equal(in8(f, UART_MSR) & 0xf0, 0x90);
	out8(f, UART_MCR, 0);
	out8(f, UART_MCR, 0xff);
	assert_int_equal(in8(f, UART_MCR), 0x1f);	/* no 16750 auto flow control */
	out8(f, UART_MCR, 0);

	/* FIFO enabled: IIR bits 7-6 = 11, a 16550A */
	out8(f, UART_LCR, 0xbf);
	out8(f, UART_IIR_FCR, 0);	/* "EFR" on other chips: FCR here */
	out8(f, UART_LCR, 0);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(in8(f, UART_IIR_FCR) >> 6, 3);
	/* no EFR behind DLAB: IIR reads through, non-zero */
	out8(f, UART_LCR, 0x80);
	assert_int_equal(in8(f, UART_IIR_FCR), 0xc1);
	out8(f, UART_LCR, 0xbf);
	assert_int_equal(in8(f, UART_IIR_FCR), 0xc1);
	/* the NatSemi EXCR1 probe reads IIR and must not see MCR's loop bit */
	out8(f, UART_LCR, 0xe0);
	assert_int_equal(in8(f, UART_IIR_FCR) & UART_MCR_LOOP, 0);
	/* not a 16750: the 64-byte bit (FCR 5) shows in IIR neither with DLAB nor without */
	out8(f, UART_LCR, 0);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | 0x20);
	assert_int_equal(in8(f, UART_IIR_FCR) & 0xe0, 0xc0);
	out8(f, UART_LCR, 0x80);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | 0x20);
	assert_int_equal(in8(f, UART_IIR_FCR) & 0xe0, 0xc0);
	out8(f, UART_LCR, 0);
	assert_int_not_equal(in8(f, UART_LSR), 0xff);	/* the "LSR safety check" */
}

static void test_uart_iir_priorities(void **state)
{
	struct fx *f = *state;

	/* loopback to make an overrun; entering it changes the modem lines (deltas) */
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	for (unsigned i = 0; i < UART_FIFO_BYTES + 1; i++)
		out8(f, UART_RBR_THR_DLL, (uint8_t)('a' + i));
	out8(f, UART_IER_DLM, 0x0f);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RLSI);
	assert_int_equal(in8(f, UART_LSR),
			 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in8(f, UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
	/* the FIFO kept the first 16 bytes; the 17th was lost */
	for (unsigned i = 0; i < UART_FIFO_BYTES; i++)
		assert_int_equal(in8(f, UART_RBR_THR_DLL), 'a' + i);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_THRI);
	/* that read cleared THRE: modem status comes next */
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_MSI);
	assert_int_not_equal(in8(f, UART_MSR) & 0x0f, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_NO_INT);
	/* loopback keeps the line off the bus through all of it */
	assert_int_equal(f->irq.calls, 0);
	assert_int_equal(f->out.len, 0);
}

static void test_uart_iir_disabled_sources_silent(void **state)
{
	struct fx *f = *state;

	out8(f, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(receive_str(f, "q"), 1);
	out8(f, UART_MCR, UART_MCR_OUT2 | UART_MCR_LOOP);	/* modem deltas */
	out8(f, UART_MCR, UART_MCR_OUT2);
	/* data, THRE and modem status pending, none enabled */
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);
	assert_int_equal(f->irq.calls, 0);
	out8(f, UART_IER_DLM, UART_IER_EDSSI);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_MSI);
	assert_int_equal(f->irq.level, 1);
	in8(f, UART_MSR);
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);
}

static void test_uart_rx_in_order(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);	/* trigger level 1 */
	out8(f, UART_MCR, UART_MCR_OUT2);
	out8(f, UART_IER_DLM, UART_IER_ERBFI);
	assert_int_equal(receive_str(f, "abc"), 3);
	assert_int_equal(f->irq.calls, 1);
	assert_int_equal(f->irq.level, 1);
	assert_true(in8(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'a');
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'b');
	assert_true(in8(f, UART_LSR) & UART_LSR_DR);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'c');
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_NO_INT);
	assert_int_equal(f->irq.calls, 2);
	assert_int_equal(f->irq.level, 0);
}

static void test_uart_rx_full_fifo(void **state)
{
	struct fx *f = *state;
	char buf[UART_FIFO_BYTES + 4];

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (char)('A' + i);
	assert_int_equal(uart_receive(&f->u, buf, sizeof(buf)), UART_FIFO_BYTES);
	assert_int_equal(uart_receive(&f->u, buf + UART_FIFO_BYTES, 4), 0);
	/* the host waits instead of overrunning the guest */
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_OE, 0);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'A');
	assert_int_equal(uart_receive(&f->u, buf + UART_FIFO_BYTES, 4), 1);
	for (unsigned i = 1; i <= UART_FIFO_BYTES; i++)
		assert_int_equal(in8(f, UART_RBR_THR_DLL), 'A' + i);
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(uart_receive(&f->u, "", 0), 0);
}

static void test_uart_rx_trigger_and_timeout(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | 0x80);	/* trigger level 8 */
	out8(f, UART_IER_DLM, UART_IER_ERBFI);
	out8(f, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(receive_str(f, "123"), 3);
	/* below the trigger level: the character timeout, at once */
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_CTI);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(receive_str(f, "45678"), 5);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), '1');
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_CTI);
	/* the level never dropped on the way */
	assert_int_equal(f->irq.calls, 1);

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | 0x40); /* trigger 4 */
	assert_int_equal(f->irq.level, 0);
	assert_int_equal(receive_str(f, "abcd"), 4);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX | 0xc0); /* trigger 14 */
	assert_int_equal(receive_str(f, "abcdefghijklm"), 13);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_CTI);
	assert_int_equal(receive_str(f, "n"), 1);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
}

static void test_uart_rx_16450_mode(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IER_DLM, UART_IER_ERBFI);
	/* FIFOs off: the receiver holds one byte */
	assert_int_equal(receive_str(f, "xy"), 1);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_RDI);	/* no 0xc0, no timeout */
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'x');
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);
	assert_int_equal(receive_str(f, "y"), 1);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'y');
}

static void test_uart_fcr_resets(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(receive_str(f, "hello"), 5);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_TX);
	assert_true(in8(f, UART_LSR) & UART_LSR_DR);	/* TX reset leaves RX alone */
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_NO_INT);

	/* leaving FIFO mode clears the receiver */
	assert_int_equal(receive_str(f, "hello"), 5);
	out8(f, UART_IIR_FCR, 0);
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_DR, 0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);
	/* so does entering it */
	assert_int_equal(receive_str(f, "h"), 1);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(in8(f, UART_LSR) & UART_LSR_DR, 0);

	/* other bits are programmed only together with FCR0 */
	out8(f, UART_IIR_FCR, 0);
	out8(f, UART_IIR_FCR, 0xc0);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_NO_INT);	/* FIFOs still off */
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	out8(f, UART_IER_DLM, UART_IER_ERBFI);
	assert_int_equal(receive_str(f, "z"), 1);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI); /* trigger 1 */
}

static void test_uart_dlab_divisor_latch(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IER_DLM, UART_IER_ERBFI | UART_IER_ELSI);
	assert_int_equal(receive_str(f, "k"), 1);
	out8(f, UART_LCR, UART_LCR_DLAB | 0x03);
	out8(f, UART_RBR_THR_DLL, 0x01);	/* 115200 baud */
	out8(f, UART_IER_DLM, 0x02);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 0x01);
	assert_int_equal(in8(f, UART_IER_DLM), 0x02);
	assert_true(in8(f, UART_LSR) & UART_LSR_DR);	/* reading DLL left RBR alone */
	/* IIR, LCR, LSR are not banked */
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_RDI);
	assert_int_equal(in8(f, UART_LCR), UART_LCR_DLAB | 0x03);
	out8(f, UART_LCR, 0x03);
	assert_int_equal(f->out.len, 0);	/* the DLL write was not a byte to send */
	assert_int_equal(in8(f, UART_IER_DLM), UART_IER_ERBFI | UART_IER_ELSI);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'k');
	out8(f, UART_LCR, UART_LCR_DLAB);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 0x01);
	assert_int_equal(in8(f, UART_IER_DLM), 0x02);
}

static void test_uart_loopback_data(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	out8(f, UART_MCR, UART_MCR_LOOP);
	out8(f, UART_RBR_THR_DLL, 'L');
	out8(f, UART_RBR_THR_DLL, 'B');
	assert_int_equal(f->out.len, 0);	/* nothing leaves on the line */
	assert_int_equal(in8(f, UART_LSR), UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'L');
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'B');
	/* the receiver is off the line: host input waits */
	assert_int_equal(receive_str(f, "host"), 0);
	assert_int_equal(f->notified, 0);
	out8(f, UART_MCR, 0);
	assert_int_equal(f->notified, 1);
	assert_int_equal(receive_str(f, "host"), 4);
	out8(f, UART_RBR_THR_DLL, '!');
	assert_int_equal(f->out.len, 1);
	assert_int_equal(f->out.bytes[0], '!');
}

static void test_uart_loopback_overrun_16450(void **state)
{
	struct fx *f = *state;

	out8(f, UART_MCR, UART_MCR_LOOP);
	out8(f, UART_RBR_THR_DLL, 'a');
	out8(f, UART_RBR_THR_DLL, 'b');
	/* without FIFOs the new byte replaces the unread one */
	assert_int_equal(in8(f, UART_LSR),
			 UART_LSR_DR | UART_LSR_OE | UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'b');
	assert_int_equal(in8(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
}

static void test_uart_loopback_modem_lines(void **state)
{
	struct fx *f = *state;

	/* entering loopback: every input the line asserted drops */
	out8(f, UART_MCR, UART_MCR_LOOP);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_DCTS | UART_MSR_DDSR | UART_MSR_DDCD);
	assert_int_equal(in8(f, UART_MSR), 0);	/* the read cleared the deltas */
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_DTR);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_DSR | UART_MSR_DDSR);
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_CTS | UART_MSR_DCTS | UART_MSR_DDSR);
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT1);
	/* RI rising is no event: only its trailing edge is */
	assert_int_equal(in8(f, UART_MSR), UART_MSR_CTS | UART_MSR_RI);
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_CTS | UART_MSR_TERI);
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_CTS | UART_MSR_DCD | UART_MSR_DDCD);
	/* unchanged lines set nothing */
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_RTS | UART_MCR_OUT2);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_CTS | UART_MSR_DCD);
	/* leaving loopback: the line's inputs again */
	out8(f, UART_MCR, 0);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD |
						  UART_MSR_DDSR);
}

static void test_uart_loopback_gates_line(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	out8(f, UART_IER_DLM, UART_IER_ERBFI);
	out8(f, UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);
	out8(f, UART_RBR_THR_DLL, 'z');
	/* the interrupt is identified, but the chip holds its OUT2 pin inactive */
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
	assert_int_equal(f->irq.calls, 0);
	out8(f, UART_MCR, UART_MCR_OUT2);
	assert_int_equal(f->irq.calls, 1);
	assert_int_equal(f->irq.level, 1);
	assert_int_equal(in8(f, UART_RBR_THR_DLL), 'z');
	assert_int_equal(f->irq.level, 0);
}

static void test_uart_scratch(void **state)
{
	struct fx *f = *state;

	out8(f, UART_SCR, 0x5a);
	assert_int_equal(in8(f, UART_SCR), 0x5a);
	out8(f, UART_SCR, 0xa5);
	assert_int_equal(in8(f, UART_SCR), 0xa5);
	/* status registers ignore writes */
	out8(f, UART_LSR, 0x00);
	out8(f, UART_MSR, 0x00);
	assert_int_equal(in8(f, UART_LSR), UART_LSR_THRE | UART_LSR_TEMT);
	assert_int_equal(in8(f, UART_MSR), UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(f->out.len, 0);
}

static void test_uart_wide_access(void **state)
{
	struct fx *f = *state;
	uint8_t w[2] = { 0x03, UART_MCR_OUT2 | UART_MCR_DTR };
	uint8_t r[4];

	/* a 16-bit write at LCR writes LCR then MCR, as the ISA bus splits it */
	assert_true(bus_access(&f->bus, BASE + UART_LCR, w, 2, true));
	assert_int_equal(in8(f, UART_LCR), 0x03);
	assert_int_equal(in8(f, UART_MCR), UART_MCR_OUT2 | UART_MCR_DTR);
	out8(f, UART_SCR, 0x77);
	assert_true(bus_access(&f->bus, BASE + UART_MSR, r, 4, false));
	assert_int_equal(r[0], UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS);
	assert_int_equal(r[1], 0x77);
	assert_int_equal(r[2], 0xff);	/* past the UART */
	assert_int_equal(r[3], 0xff);
	/* a 32-bit write at SCR stops at the last register */
	memset(r, 0x11, sizeof(r));
	assert_true(bus_access(&f->bus, BASE + UART_SCR, r, 4, true));
	assert_int_equal(in8(f, UART_SCR), 0x11);
}

static void test_uart_irq_level_changes_only(void **state)
{
	struct fx *f = *state;

	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	out8(f, UART_MCR, UART_MCR_OUT2);
	out8(f, UART_IER_DLM, UART_IER_ERBFI | UART_IER_ETBEI);
	assert_int_equal(f->irq.calls, 1);	/* THRE */
	/* sources come and go under a line that stays high: no ioctl */
	assert_int_equal(receive_str(f, "ab"), 2);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_RDI);
	for (int i = 0; i < 10; i++)
		out8(f, UART_RBR_THR_DLL, 'x');
	in8(f, UART_LSR);
	in8(f, UART_MSR);
	in8(f, UART_RBR_THR_DLL);
	assert_int_equal(f->irq.calls, 1);
	in8(f, UART_RBR_THR_DLL);
	assert_int_equal(in8(f, UART_IIR_FCR), UART_IIR_FIFO | UART_IIR_THRI);
	assert_int_equal(f->irq.calls, 2);
	assert_int_equal(f->irq.level, 0);
	/* and a low line stays low without calls */
	in8(f, UART_IIR_FCR);
	in8(f, UART_LSR);
	out8(f, UART_IER_DLM, UART_IER_ERBFI);
	out8(f, UART_SCR, 1);
	assert_int_equal(f->irq.calls, 2);
}

static void test_uart_room_notification(void **state)
{
	struct fx *f = *state;
	char buf[20];

	memset(buf, 'r', sizeof(buf));
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	/* taking everything asks for nothing */
	assert_int_equal(uart_receive(&f->u, buf, 10), 10);
	for (int i = 0; i < 10; i++)
		in8(f, UART_RBR_THR_DLL);
	assert_int_equal(f->notified, 0);

	assert_int_equal(uart_receive(&f->u, buf, sizeof(buf)), UART_FIFO_BYTES);
	for (int i = 0; i < 7; i++)
		in8(f, UART_RBR_THR_DLL);	/* 9 left: more than half */
	assert_int_equal(f->notified, 0);
	in8(f, UART_RBR_THR_DLL);		/* 8 left: half */
	assert_int_equal(f->notified, 1);
	assert_int_equal(f->lock_was_free, 1);
	in8(f, UART_RBR_THR_DLL);
	assert_int_equal(f->notified, 1);	/* once per turned-away receive */
	assert_int_equal(uart_receive(&f->u, buf, 4), 4);
	while (in8(f, UART_LSR) & UART_LSR_DR)
		in8(f, UART_RBR_THR_DLL);
	assert_int_equal(f->notified, 1);

	/* a FIFO reset makes room too */
	assert_int_equal(uart_receive(&f->u, buf, sizeof(buf)), UART_FIFO_BYTES);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE | UART_FCR_CLEAR_RX);
	assert_int_equal(f->notified, 2);
	assert_int_equal(f->lock_was_free, 1);

	/* 16450 mode: room is an empty RBR */
	out8(f, UART_IIR_FCR, 0);
	assert_int_equal(uart_receive(&f->u, buf, 2), 1);
	assert_int_equal(f->notified, 2);
	in8(f, UART_RBR_THR_DLL);
	assert_int_equal(f->notified, 3);
}

static void test_uart_init_refused_overlap(void **state)
{
	struct fx *f = *state;
	struct uart other, zeroed;

	/* a second UART on the same ports: the bus refuses, fini still undoes the rest */
	assert_int_equal(uart_init(&other, &f->bus, BASE + 4, (struct dev_irq){ 0 },
				   (struct dev_output){ fake_write, &f->out },
				   (struct dev_notify){ 0 }), -EEXIST);
	uart_fini(&other);
	uart_fini(&other);
	memset(&zeroed, 0, sizeof(zeroed));
	uart_fini(&zeroed);
	/* the first one still answers */
	out8(f, UART_SCR, 0x42);
	assert_int_equal(in8(f, UART_SCR), 0x42);
}

static void test_uart_no_irq_no_notify_sinks(void **state)
{
	struct bus bus;
	struct uart u;
	struct fake_out out = { .len = 0 };
	uint8_t v = UART_IER_ETBEI | UART_IER_ERBFI;

	(void)state;
	/* a UART with neither an interrupt line nor a listener works by polling */
	pthread_mutex_init(&out.lock, NULL);
	bus_init(&bus, "io");
	assert_int_equal(uart_init(&u, &bus, BASE, (struct dev_irq){ 0 },
				   (struct dev_output){ fake_write, &out }, (struct dev_notify){ 0 }),
			 0);
	assert_true(bus_access(&bus, BASE + UART_IER_DLM, &v, 1, true));
	v = UART_MCR_OUT2;
	assert_true(bus_access(&bus, BASE + UART_MCR, &v, 1, true));
	assert_int_equal(uart_receive(&u, "ab", 2), 1);
	assert_true(bus_access(&bus, BASE + UART_RBR_THR_DLL, &v, 1, false));
	assert_int_equal(v, 'a');
	uart_fini(&u);
	bus_fini(&bus);
	pthread_mutex_destroy(&out.lock);
}

#define RACE_BYTES 20000

static void *race_guest(void *arg)
{
	struct fx *f = arg;
	uint8_t *got = malloc(RACE_BYTES);
	size_t n = 0;

	/* a polling guest driver: read while LSR.DR */
	while (got && n < RACE_BYTES)
		if (in8(f, UART_LSR) & UART_LSR_DR)
			got[n++] = in8(f, UART_RBR_THR_DLL);
	return got;
}

static void test_uart_receive_races_guest(void **state)
{
	struct fx *f = *state;
	static uint8_t data[RACE_BYTES];
	pthread_t guest;
	uint8_t *got;
	size_t sent = 0;
	unsigned waits = 0;

	for (size_t i = 0; i < RACE_BYTES; i++)
		data[i] = (uint8_t)(i * 7 + i / 256);
	out8(f, UART_IIR_FCR, UART_FCR_ENABLE);
	assert_int_equal(pthread_create(&guest, NULL, race_guest, f), 0);
	/* the main thread's loop: offer, and on a short take sleep until told */
	while (sent < RACE_BYTES) {
		size_t chunk = RACE_BYTES - sent < 64 ? RACE_BYTES - sent : 64;
		size_t took = uart_receive(&f->u, data + sent, chunk);

		sent += took;
		if (took < chunk) {
			sem_wait(&f->room);
			waits++;
		}
	}
	assert_int_equal(pthread_join(guest, (void **)&got), 0);
	assert_non_null(got);
	assert_memory_equal(got, data, RACE_BYTES);
	assert_true(waits > 0);
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_uart_reset_values),
		T(test_uart_thr_reaches_output),
		T(test_uart_thre_irq_needs_out2),
		T(test_uart_linux_thre_and_txen_tests),
		T(test_uart_linux_autoconfig),
		T(test_uart_iir_priorities),
		T(test_uart_iir_disabled_sources_silent),
		T(test_uart_rx_in_order),
		T(test_uart_rx_full_fifo),
		T(test_uart_rx_trigger_and_timeout),
		T(test_uart_rx_16450_mode),
		T(test_uart_fcr_resets),
		T(test_uart_dlab_divisor_latch),
		T(test_uart_loopback_data),
		T(test_uart_loopback_overrun_16450),
		T(test_uart_loopback_modem_lines),
		T(test_uart_loopback_gates_line),
		T(test_uart_scratch),
		T(test_uart_wide_access),
		T(test_uart_irq_level_changes_only),
		T(test_uart_room_notification),
		T(test_uart_receive_races_guest),
		T(test_uart_init_refused_overlap),
		cmocka_unit_test(test_uart_no_irq_no_notify_sinks),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
