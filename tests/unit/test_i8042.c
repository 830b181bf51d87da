// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/dev/i8042, driven through the I/O bus the way a guest drives the
 * ports: Linux's keyboard reboot (wait for the input buffer, 0xFE) requests exactly one
 * reset per pulse and the other pulse commands only when they pulse bit 0; the status
 * register's bits follow the output buffer, the command byte and the last port written;
 * the command byte and controller RAM round-trip; self and interface tests answer; port
 * enable/disable commands flip the command byte bits; the output port reads back and a
 * write with bit 0 clear is a reset; the AUX loopback returns the byte as AUX data; and
 * Linux's driver probe sequence gets an answer to every command it waits for.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/dev/i8042.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fake_power {
	unsigned off, reset;
};

static void fake_request(void *ctx, enum dev_power_event event)
{
	struct fake_power *p = ctx;

	if (event == DEV_POWER_RESET)
		p->reset++;
	else
		p->off++;
}

struct fixture {
	struct bus bus;
	struct i8042 dev;
	struct fake_power power;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	bus_init(&f->bus, "io");
	if (i8042_init(&f->dev, &f->bus,
		       (struct dev_power_sink){ .request = fake_request, .ctx = &f->power }))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	i8042_fini(&f->dev);
	bus_fini(&f->bus);
	free(f);
	return 0;
}

static uint8_t inb(struct fixture *f, uint16_t port)
{
	uint8_t v = 0;

	assert_true(bus_access(&f->bus, port, &v, 1, false));
	return v;
}

static void outb(struct fixture *f, uint16_t port, uint8_t v)
{
	assert_true(bus_access(&f->bus, port, &v, 1, true));
}

/*
 * Linux's i8042_command() for one command with n_param bytes in and n_ret bytes out:
 * wait for IBF clear before each write and OBF set before each read. A controller that
 * would make Linux time out fails the test instead of spinning.
 */
static void kbc_command(struct fixture *f, uint8_t cmd, const uint8_t *param, int n_param,
			uint8_t *ret, int n_ret)
{
	assert_int_equal(inb(f, 0x64) & I8042_STR_IBF, 0);
	outb(f, 0x64, cmd);
	for (int i = 0; i < n_param; i++) {
		assert_int_equal(inb(f, 0x64) & I8042_STR_IBF, 0);
		outb(f, 0x60, param[i]);
	}
	for (int i = 0; i < n_ret; i++) {
		assert_true(inb(f, 0x64) & I8042_STR_OBF);
		ret[i] = inb(f, 0x60);
	}
}

static uint8_t kbc_read(struct fixture *f, uint8_t cmd)
{
	uint8_t v;

	kbc_command(f, cmd, NULL, 0, &v, 1);
	return v;
}

static void kbc_write(struct fixture *f, uint8_t cmd, uint8_t v)
{
	kbc_command(f, cmd, &v, 1, NULL, 0);
}

static void test_i8042_reboot_pulse_requests_one_reset(void **state)
{
	struct fixture *f = *state;

	/* arch/x86/kernel/reboot.c: kb_wait() polls bit 1, then 0xFE pulses reset low */
	assert_int_equal(inb(f, 0x64) & I8042_STR_IBF, 0);
	outb(f, 0x64, 0xfe);
	assert_int_equal(f->power.reset, 1);
	assert_int_equal(f->power.off, 0);
	assert_int_equal(f->dev.resets, 1);
	/* and nothing was queued for the guest to read */
	assert_int_equal(inb(f, 0x64) & I8042_STR_OBF, 0);
}

static void test_i8042_reboot_loop_pulses_each_time(void **state)
{
	struct fixture *f = *state;

	/* Linux tries ten times if the machine is still running: each is a request */
	for (int i = 0; i < 10; i++) {
		assert_int_equal(inb(f, 0x64) & I8042_STR_IBF, 0);
		outb(f, 0x64, 0xfe);
	}
	assert_int_equal(f->power.reset, 10);
}

static void test_i8042_pulse_commands_reset_only_on_bit0(void **state)
{
	struct fixture *f = *state;
	unsigned want = 0;

	for (unsigned cmd = 0xf0; cmd <= 0xff; cmd++) {
		outb(f, 0x64, (uint8_t)cmd);
		if (!(cmd & 1))
			want++;
		if (f->power.reset != want)
			fail_msg("command 0x%02x: %u resets, want %u", cmd, f->power.reset, want);
	}
	assert_int_equal(want, 8);
}

static void test_i8042_linux_platform_init_does_not_reset(void **state)
{
	struct fixture *f = *state;

	/* i8042_platform_init: A20 on through the output port, then the SMM null command */
	kbc_write(f, 0xd1, 0xdf);
	outb(f, 0x64, 0xff);
	assert_int_equal(f->power.reset, 0);
	/* bits 4-5 are the output-buffer-full lines, driven by the controller, not stored */
	assert_int_equal(kbc_read(f, 0xd0), 0xcf);
}

static void test_i8042_status_bits(void **state)
{
	struct fixture *f = *state;

	/* after firmware: not inhibited, system flag from the command byte */
	assert_int_equal(inb(f, 0x64), I8042_STR_UNLOCKED | I8042_STR_SYSFLAG);

	/* a command sets bit 3 and its answer sets OBF; reading 0x60 empties it */
	outb(f, 0x64, 0x20);
	assert_int_equal(inb(f, 0x64),
			 I8042_STR_UNLOCKED | I8042_STR_SYSFLAG | I8042_STR_CMDDAT | I8042_STR_OBF);
	assert_int_equal(inb(f, 0x60), I8042_CTR_DEFAULT);
	assert_int_equal(inb(f, 0x64),
			 I8042_STR_UNLOCKED | I8042_STR_SYSFLAG | I8042_STR_CMDDAT);

	/* a data write clears bit 3 */
	outb(f, 0x64, 0x60);
	outb(f, 0x60, I8042_CTR_DEFAULT & ~I8042_CTR_SYSFLAG);
	/* the system flag follows command byte bit 2 */
	assert_int_equal(inb(f, 0x64), I8042_STR_UNLOCKED);

	/* the input buffer is never busy */
	for (int i = 0; i < 4; i++)
		assert_int_equal(inb(f, 0x64) & I8042_STR_IBF, 0);
}

static void test_i8042_data_read_when_empty_repeats_last(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kbc_read(f, 0xaa), 0x55);
	/* nothing new: the buffer is empty, 0x60 still shows the last byte */
	assert_int_equal(inb(f, 0x64) & I8042_STR_OBF, 0);
	assert_int_equal(inb(f, 0x60), 0x55);
}

static void test_i8042_command_byte_round_trip(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kbc_read(f, 0x20), 0x65);
	kbc_write(f, 0x60, 0x47);
	assert_int_equal(kbc_read(f, 0x20), 0x47);
	assert_int_equal(kbc_read(f, 0x20), 0x47);	/* stable, as Linux checks twice */

	/* the rest of the controller RAM: 0x21-0x3f / 0x61-0x7f */
	kbc_write(f, 0x7f, 0xa5);
	kbc_write(f, 0x61, 0x12);
	assert_int_equal(kbc_read(f, 0x3f), 0xa5);
	assert_int_equal(kbc_read(f, 0x21), 0x12);
	assert_int_equal(kbc_read(f, 0x20), 0x47);
}

static void test_i8042_pending_command_abandoned_by_next(void **state)
{
	struct fixture *f = *state;

	/* 0x60 waits for its byte; a new command instead cancels it */
	outb(f, 0x64, 0x60);
	assert_int_equal(kbc_read(f, 0xaa), 0x55);
	outb(f, 0x60, 0x00);	/* now a keyboard byte, which goes nowhere */
	assert_int_equal(kbc_read(f, 0x20), 0x65);
	assert_int_equal(f->dev.dropped, 1);
}

static void test_i8042_self_and_interface_tests(void **state)
{
	struct fixture *f = *state;

	kbc_write(f, 0x60, 0x00);	/* clear the system flag, as after power-on */
	assert_int_equal(inb(f, 0x64) & I8042_STR_SYSFLAG, 0);
	assert_int_equal(kbc_read(f, 0xaa), 0x55);
	/* a passed self test sets the system flag */
	assert_int_equal(inb(f, 0x64) & I8042_STR_SYSFLAG, I8042_STR_SYSFLAG);
	assert_int_equal(kbc_read(f, 0xab), 0x00);
	assert_int_equal(kbc_read(f, 0xa9), 0x00);
	assert_int_equal(f->power.reset, 0);
}

static void test_i8042_port_enable_disable(void **state)
{
	struct fixture *f = *state;

	outb(f, 0x64, 0xad);
	assert_int_equal(kbc_read(f, 0x20), 0x65 | I8042_CTR_KBDDIS);
	outb(f, 0x64, 0xae);
	assert_int_equal(kbc_read(f, 0x20), 0x65);
	outb(f, 0x64, 0xa8);
	assert_int_equal(kbc_read(f, 0x20), 0x65 & ~I8042_CTR_AUXDIS);
	outb(f, 0x64, 0xa7);
	assert_int_equal(kbc_read(f, 0x20), 0x65);
	/* none of them answers */
	assert_int_equal(inb(f, 0x64) & I8042_STR_OBF, 0);
}

static void test_i8042_output_port(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(kbc_read(f, 0xd0), I8042_OUT_DEFAULT);
	kbc_write(f, 0xd1, 0xcd);	/* A20 off, reset line high */
	assert_int_equal(f->power.reset, 0);
	assert_int_equal(kbc_read(f, 0xd0), 0xcd);

	/* reset line low: a reset, after which the line reads high again */
	kbc_write(f, 0xd1, 0xfe);
	assert_int_equal(f->power.reset, 1);
	assert_int_equal(kbc_read(f, 0xd0), 0xcf);

	/* the output-buffer-full lines are live, not stored */
	kbc_write(f, 0xd1, 0xff);
	assert_int_equal(kbc_read(f, 0xd0), 0xcf);
	kbc_write(f, 0xd2, 0x11);	/* a keyboard byte waits while we read... */
	outb(f, 0x64, 0xd0);		/* ...but the answer replaces it (one-byte buffer) */
	assert_int_equal(inb(f, 0x60), 0xcf | I8042_OUT_KBD_OBF);
	assert_int_equal(f->power.reset, 1);
}

static void test_i8042_aux_loopback_and_kbd_echo(void **state)
{
	struct fixture *f = *state;
	uint8_t param = 0x5a;

	/* Linux's AUX_LOOP: the byte comes back flagged as AUX data */
	kbc_command(f, 0xd3, &param, 1, NULL, 0);
	assert_int_equal(inb(f, 0x64) & (I8042_STR_OBF | I8042_STR_AUXDATA),
			 I8042_STR_OBF | I8042_STR_AUXDATA);
	assert_int_equal(kbc_read(f, 0xd0) & (I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF),
			 I8042_OUT_AUX_OBF);
	/* that read replaced the AUX byte; loop again and read it */
	kbc_command(f, 0xd3, &param, 1, NULL, 0);
	assert_int_equal(inb(f, 0x60), 0x5a);
	assert_int_equal(inb(f, 0x64) & (I8042_STR_OBF | I8042_STR_AUXDATA), 0);

	/* 0xD2 returns it as keyboard data */
	param = 0x3c;
	kbc_command(f, 0xd2, &param, 1, NULL, 0);
	assert_int_equal(inb(f, 0x64) & (I8042_STR_OBF | I8042_STR_AUXDATA), I8042_STR_OBF);
	assert_int_equal(inb(f, 0x60), 0x3c);
}

static void test_i8042_absent_devices_drop_bytes(void **state)
{
	struct fixture *f = *state;

	/* atkbd's GET ID to the keyboard, psmouse's reset through 0xD4 */
	outb(f, 0x60, 0xf2);
	kbc_write(f, 0xd4, 0xff);
	assert_int_equal(f->dev.dropped, 2);
	assert_int_equal(inb(f, 0x64) & I8042_STR_OBF, 0);
	assert_int_equal(f->power.reset, 0);
}

static void test_i8042_unknown_command_ignored(void **state)
{
	struct fixture *f = *state;

	outb(f, 0x64, 0xc1);
	outb(f, 0x64, 0x90);
	assert_int_equal(f->dev.unknown, 2);
	assert_int_equal(inb(f, 0x64) & I8042_STR_OBF, 0);
	assert_int_equal(kbc_read(f, 0x20), 0x65);
	assert_int_equal(kbc_read(f, 0xc0), 0xa0);
}

static void test_i8042_linux_probe_sequence(void **state)
{
	struct fixture *f = *state;
	uint8_t ctr[2], param;
	int flushed = 0;

	/* i8042_controller_check: the flush must end, or Linux says "No controller found" */
	kbc_write(f, 0xd2, 0x99);
	while ((inb(f, 0x64) & I8042_STR_OBF) && flushed < 16) {
		(void)inb(f, 0x60);
		flushed++;
	}
	assert_int_equal(flushed, 1);

	/* i8042_controller_selftest (i8042.reset) */
	assert_int_equal(kbc_read(f, 0xaa), 0x55);

	/* i8042_controller_init: two equal CTR reads, keylock check, CTR write */
	ctr[0] = kbc_read(f, 0x20);
	ctr[1] = kbc_read(f, 0x20);
	assert_int_equal(ctr[0], ctr[1]);
	assert_true(inb(f, 0x64) & I8042_STR_UNLOCKED);
	ctr[0] |= I8042_CTR_KBDDIS;
	ctr[0] &= ~I8042_CTR_KBDINT;
	kbc_write(f, 0x60, ctr[0]);

	/* i8042_check_aux: loopback, then toggling AUXDIS is visible in the CTR */
	param = 0x5a;
	kbc_command(f, 0xd3, &param, 1, &param, 1);
	assert_int_equal(param, 0x5a);
	outb(f, 0x64, 0xa7);
	assert_true(kbc_read(f, 0x20) & I8042_CTR_AUXDIS);
	outb(f, 0x64, 0xa8);
	assert_false(kbc_read(f, 0x20) & I8042_CTR_AUXDIS);

	/* i8042_check_mux: the third loopback byte comes back unchanged: no multiplexer */
	param = 0xa4;
	kbc_command(f, 0xd3, &param, 1, &param, 1);
	assert_int_equal(param, 0xa4);
	assert_int_equal(f->power.reset, 0);
}

static void test_i8042_wide_access_low_byte(void **state)
{
	struct fixture *f = *state;
	uint8_t data[4];
	uint16_t cmd = 0x55aa;	/* low byte 0xaa: self test */

	assert_true(bus_access(&f->bus, 0x64, &cmd, 2, true));
	memset(data, 0, sizeof(data));
	assert_true(bus_access(&f->bus, 0x64, data, 2, false));
	assert_true(data[0] & I8042_STR_OBF);
	assert_int_equal(data[1], 0xff);
	assert_true(bus_access(&f->bus, 0x60, data, 4, false));
	assert_int_equal(data[0], 0x55);
	assert_int_equal(data[1], 0xff);
	assert_int_equal(data[3], 0xff);
}

static void test_i8042_ports_claimed(void **state)
{
	struct fixture *f = *state;

	assert_non_null(bus_find(&f->bus, 0x60));
	assert_non_null(bus_find(&f->bus, 0x64));
	/* 0x61 is the in-kernel PIT's speaker port; 0x62, 0x63 and 0x65 are nobody's */
	assert_null(bus_find(&f->bus, 0x61));
	assert_null(bus_find(&f->bus, 0x62));
	assert_null(bus_find(&f->bus, 0x63));
	assert_null(bus_find(&f->bus, 0x65));
	/* a second controller on the same bus is refused */
	{
		struct i8042 other;
		struct fake_power p = { 0 };

		assert_int_equal(i8042_init(&other, &f->bus,
					    (struct dev_power_sink){ fake_request, &p }), -EEXIST);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_i8042_reboot_pulse_requests_one_reset),
		T(test_i8042_reboot_loop_pulses_each_time),
		T(test_i8042_pulse_commands_reset_only_on_bit0),
		T(test_i8042_linux_platform_init_does_not_reset),
		T(test_i8042_status_bits),
		T(test_i8042_data_read_when_empty_repeats_last),
		T(test_i8042_command_byte_round_trip),
		T(test_i8042_pending_command_abandoned_by_next),
		T(test_i8042_self_and_interface_tests),
		T(test_i8042_port_enable_disable),
		T(test_i8042_output_port),
		T(test_i8042_aux_loopback_and_kbd_echo),
		T(test_i8042_absent_devices_drop_bytes),
		T(test_i8042_unknown_command_ignored),
		T(test_i8042_linux_probe_sequence),
		T(test_i8042_wide_access_low_byte),
		T(test_i8042_ports_claimed),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
