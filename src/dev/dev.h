// SPDX-License-Identifier: Apache-2.0
/*
 * What devices receive from the VM instead of calling it: an output sink, a way to end
 * the VM, an interrupt line, power events and a wake-up for the main thread. All are
 * called from vCPU threads.
 */
#ifndef RTVMM_DEV_H
#define RTVMM_DEV_H

#include <stddef.h>

struct dev_output {
	void (*write)(void *ctx, const void *buf, size_t len);
	void *ctx;
};

struct dev_exit_sink {
	void (*request_exit)(void *ctx, int status);
	void *ctx;
};

/*
 * One guest interrupt line of the in-kernel irqchip (GSI `line`: the PIC/IOAPIC input).
 * set(ctx, line, 1) raises it, set(ctx, line, 0) lowers it; a device that pulses an
 * edge-triggered line raises then lowers it.
 */
struct dev_irq {
	void (*set)(void *ctx, unsigned line, int level);
	void *ctx;
	unsigned line;
};

enum dev_power_event {
	DEV_POWER_OFF,		/* the guest powered off (ACPI S5) */
	DEV_POWER_RESET,	/* the guest asked for a reset (i8042, ACPI reset register) */
};

struct dev_power_sink {
	void (*request)(void *ctx, enum dev_power_event event);
	void *ctx;
};

/*
 * A wake-up for whoever feeds a device from the main thread: the device calls
 * fn(ctx) once when something the feeder waits for has happened (the guest made room
 * in a receive FIFO). fn runs on a vCPU thread without the device's lock held; it must
 * not block or call back into the device — writing an eventfd the main loop polls is
 * what it is for.
 */
struct dev_notify {
	void (*fn)(void *ctx);	/* NULL: nobody listens */
	void *ctx;
};

#endif
