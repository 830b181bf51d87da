// SPDX-License-Identifier: Apache-2.0
/*
 * The PS/2 (i8042) keyboard controller at ports 0x60 (data) and 0x64 (status on read,
 * command on write), with nothing plugged into either of its ports. It exists for two
 * guest paths: Linux's reboot (`reboot=k`, its fallback after ACPI), which waits for
 * the input buffer to drain and then pulses the CPU reset line with command 0xFE, and
 * Linux's i8042 driver, which must find a controller that answers its commands instead
 * of timing out on every one. A pulse of the reset line (0xF0-0xFE with bit 0 clear, or
 * an output-port write with bit 0 clear) goes to the power sink as DEV_POWER_RESET.
 *
 * Not modelled: interrupts (IRQ 1 and 12 are never raised), a keyboard or a mouse
 * (bytes sent to them are dropped and nothing answers), the A20 gate (a KVM guest's
 * A20 is always on), keyboard translation, active multiplexing. Port 0x61 belongs to
 * KVM's in-kernel PIT (speaker) and is not claimed here.
 *
 * What Linux's driver does with it (drivers/input/serio/i8042*.c): with an ACPI FADT
 * (revision 2 or later) whose boot flags lack the 8042 bit it prints "PNP: No PS/2
 * controller found." and never touches the ports. Otherwise it adds "Probing ports
 * directly.", finds the controller, and checks the AUX port: the loopback works, then
 * it waits 250 ms for an IRQ 12 that never comes and drops the AUX port without a word.
 * `i8042.noaux` skips that wait. It then registers "serio: i8042 KBD port at 0x60,0x64
 * irq 1"; atkbd's probe of the absent keyboard times out in the background, silently.
 * The reboot path needs none of this: it only reads the status register.
 *
 * Any vCPU thread may access it: the state sits under a mutex, and the power sink is
 * called after the mutex is released.
 */
#ifndef RTVMM_DEV_I8042_H
#define RTVMM_DEV_I8042_H

#include "../bus.h"
#include "dev.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#define I8042_DATA_PORT		0x60
#define I8042_COMMAND_PORT	0x64

/* Status register (read 0x64) */
#define I8042_STR_OBF		0x01	/* output buffer full: a byte waits at 0x60 */
#define I8042_STR_IBF		0x02	/* input buffer full: never, writes finish at once */
#define I8042_STR_SYSFLAG	0x04	/* mirrors command byte bit 2 */
#define I8042_STR_CMDDAT	0x08	/* the last write went to 0x64 */
#define I8042_STR_UNLOCKED	0x10	/* keyboard not inhibited by the key lock */
#define I8042_STR_AUXDATA	0x20	/* the waiting byte came from the AUX port */

/* Command byte ("CTR", controller RAM byte 0) */
#define I8042_CTR_KBDINT	0x01
#define I8042_CTR_AUXINT	0x02
#define I8042_CTR_SYSFLAG	0x04
#define I8042_CTR_KBDDIS	0x10
#define I8042_CTR_AUXDIS	0x20
#define I8042_CTR_XLATE		0x40

/* What firmware leaves after POST: translation on, keyboard enabled, mouse disabled. */
#define I8042_CTR_DEFAULT \
	(I8042_CTR_XLATE | I8042_CTR_AUXDIS | I8042_CTR_SYSFLAG | I8042_CTR_KBDINT)

/* Output port (0xD0 / 0xD1): bit 0 is the CPU reset line (active low), bit 1 A20. */
#define I8042_OUT_RESET		0x01
#define I8042_OUT_A20		0x02
#define I8042_OUT_KBD_OBF	0x10	/* derived: a keyboard byte waits */
#define I8042_OUT_AUX_OBF	0x20	/* derived: an AUX byte waits */
#define I8042_OUT_DEFAULT	0xcf	/* reset high, A20 on, clock and data lines high */

struct i8042 {
	struct dev_power_sink power;
	pthread_mutex_t lock;	/* protects the fields below */
	uint8_t ram[32];	/* controller RAM; ram[0] is the command byte */
	uint8_t outport;	/* output port as last written, bits 4-5 not stored */
	uint8_t pending;	/* command waiting for its data byte at 0x60; 0 = none */
	uint8_t obuf;		/* last byte put in the output buffer */
	bool obf;		/* obuf not read yet */
	bool obuf_aux;		/* obuf came from the AUX side (status bit 5) */
	bool last_was_cmd;	/* status bit 3 */
	uint64_t resets;	/* reset pulses sent to the sink */
	uint64_t dropped;	/* bytes written for the absent keyboard or mouse */
	uint64_t unknown;	/* commands not implemented, ignored */
};

/*
 * Initializes the controller in its post-firmware state (command byte
 * I8042_CTR_DEFAULT, output port I8042_OUT_DEFAULT, empty output buffer) and claims
 * ports 0x60 and 0x64 on io_bus. Returns 0, or -errno from pthread_mutex_init or
 * bus_register (the controller is then unusable and i8042_fini need not be called).
 * Main thread, before vCPUs start.
 */
int i8042_init(struct i8042 *dev, struct bus *io_bus, struct dev_power_sink power);

/* Releases the mutex. Main thread, after the vCPUs have stopped. Accepts NULL. */
void i8042_fini(struct i8042 *dev);

#endif
