// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/dev/rtc, through the I/O bus as a guest uses ports 0x70/0x71 and
 * with an injected clock: the time registers give the exact BCD and binary values for a
 * known instant, in 24- and 12-hour form, and follow the clock across day, year and
 * century boundaries; UIP is set only in its 2.2 ms window and Linux's wait for it ends
 * at once; SET freezes the registers, accepts a new time and restarts from it; Linux's
 * whole set-time sequence (SET, divider reset, write, release) lands with the first
 * update half a second after the release; register C reports update, periodic and
 * alarm flags and clears them on read; D reads 0x80; NVRAM round-trips; the index
 * ignores the NMI bit; wide accesses split into byte ports.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/dev/rtc.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define T_2026_11_22_13_45_09 1795355109LL	/* a Sunday */
#define T_2026_12_31_23_59_59 1798761599LL
#define T_2099_12_31_23_59_59 4102444799LL
#define T_2030_01_02_03_04_05 1893553445LL
#define MS 1000000L
#define US 1000L

struct fixture {
	struct bus bus;
	struct rtc dev;
	struct timespec now;	/* what the fake host clock says */
	unsigned clock_reads;
};

static struct timespec fake_now(void *ctx)
{
	struct fixture *f = ctx;

	f->clock_reads++;
	return f->now;
}

static void set_clock(struct fixture *f, long long sec, long nsec)
{
	f->now.tv_sec = sec;
	f->now.tv_nsec = nsec;
}

static void advance(struct fixture *f, long nsec)
{
	f->now.tv_nsec += nsec;
	while (f->now.tv_nsec >= 1000000000L) {
		f->now.tv_nsec -= 1000000000L;
		f->now.tv_sec++;
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	set_clock(f, T_2026_11_22_13_45_09, 300 * MS);
	bus_init(&f->bus, "io");
	if (rtc_init(&f->dev, &f->bus, (struct rtc_clock){ .now = fake_now, .ctx = f }))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rtc_fini(&f->dev);
	bus_fini(&f->bus);
	free(f);
	return 0;
}

static uint8_t cmos_read(struct fixture *f, uint8_t idx)
{
	uint8_t v = 0;

	assert_true(bus_access(&f->bus, 0x70, &idx, 1, true));
	assert_true(bus_access(&f->bus, 0x71, &v, 1, false));
	return v;
}

static void cmos_write(struct fixture *f, uint8_t idx, uint8_t v)
{
	assert_true(bus_access(&f->bus, 0x70, &idx, 1, true));
	assert_true(bus_access(&f->bus, 0x71, &v, 1, true));
}

struct regs {
	uint8_t sec, min, hour, wday, mday, mon, year, century;
};

static struct regs read_time(struct fixture *f)
{
	return (struct regs){
		.sec = cmos_read(f, RTC_SECONDS),
		.min = cmos_read(f, RTC_MINUTES),
		.hour = cmos_read(f, RTC_HOURS),
		.wday = cmos_read(f, RTC_DAY_OF_WEEK),
		.mday = cmos_read(f, RTC_DAY_OF_MONTH),
		.mon = cmos_read(f, RTC_MONTH),
		.year = cmos_read(f, RTC_YEAR),
		.century = cmos_read(f, RTC_CENTURY),
	};
}

static void assert_time(struct fixture *f, struct regs want)
{
	struct regs got = read_time(f);

	if (memcmp(&got, &want, sizeof(got)))
		fail_msg("got %02x:%02x:%02x wday %02x %02x-%02x-%02x%02x, "
			 "want %02x:%02x:%02x wday %02x %02x-%02x-%02x%02x",
			 got.hour, got.min, got.sec, got.wday, got.mday, got.mon, got.century,
			 got.year, want.hour, want.min, want.sec, want.wday, want.mday, want.mon,
			 want.century, want.year);
}

static void test_rtc_bcd_time_registers(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cmos_read(f, RTC_REG_B), RTC_B_24H);
	/* 2026-11-22 13:45:09 UTC, Sunday (1) */
	assert_time(f, (struct regs){ 0x09, 0x45, 0x13, 0x01, 0x22, 0x11, 0x26, 0x20 });
}

static void test_rtc_binary_registers(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	assert_time(f, (struct regs){ 9, 45, 13, 1, 22, 11, 26, 20 });
}

static void test_rtc_12_hour_mode(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_REG_B, 0);	/* BCD, 12-hour */
	assert_int_equal(cmos_read(f, RTC_HOURS), 0x81);	/* 1 PM */
	cmos_write(f, RTC_REG_B, RTC_B_DM_BINARY);
	assert_int_equal(cmos_read(f, RTC_HOURS), 0x81);

	set_clock(f, T_2026_11_22_13_45_09 - 13 * 3600, 0);	/* 00:45:09 */
	assert_int_equal(cmos_read(f, RTC_HOURS), 12);		/* 12 AM, binary */
	cmos_write(f, RTC_REG_B, 0);
	assert_int_equal(cmos_read(f, RTC_HOURS), 0x12);
	set_clock(f, T_2026_11_22_13_45_09 - 3600, 0);		/* 12:45:09 */
	assert_int_equal(cmos_read(f, RTC_HOURS), 0x92);	/* 12 PM */
	set_clock(f, T_2026_11_22_13_45_09 - 2 * 3600, 0);	/* 11:45:09 */
	assert_int_equal(cmos_read(f, RTC_HOURS), 0x11);
	set_clock(f, T_2026_11_22_13_45_09 + 10 * 3600, 0);	/* 23:45:09 */
	assert_int_equal(cmos_read(f, RTC_HOURS), 0x91);
}

static void test_rtc_follows_clock_across_boundaries(void **state)
{
	struct fixture *f = *state;

	advance(f, 1000 * MS);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x10);

	set_clock(f, T_2026_12_31_23_59_59, 999 * MS);
	assert_time(f, (struct regs){ 0x59, 0x59, 0x23, 0x05, 0x31, 0x12, 0x26, 0x20 });
	advance(f, 1 * MS);
	assert_time(f, (struct regs){ 0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x27, 0x20 });

	set_clock(f, T_2099_12_31_23_59_59 + 1, 0);
	assert_time(f, (struct regs){ 0x00, 0x00, 0x00, 0x06, 0x01, 0x01, 0x00, 0x21 });

	/* a leap day */
	set_clock(f, 1709166600, 0);	/* 2024-02-29 00:30:00, Thursday */
	assert_time(f, (struct regs){ 0x00, 0x30, 0x00, 0x05, 0x29, 0x02, 0x24, 0x20 });
}

static void test_rtc_uip_window(void **state)
{
	static const struct {
		long nsec;
		bool uip;
	} cases[] = {
		{ 0, true },
		{ 1983 * US, true },
		{ 1984 * US, false },
		{ 500 * MS, false },
		{ 999755 * US, false },
		{ 999756 * US, true },
		{ 999999999, true },
	};
	struct fixture *f = *state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		set_clock(f, T_2026_11_22_13_45_09, cases[i].nsec);
		if (!!(cmos_read(f, RTC_REG_A) & RTC_A_UIP) != cases[i].uip)
			fail_msg("at .%09ld: UIP %s", cases[i].nsec,
				 cases[i].uip ? "clear" : "set");
		assert_int_equal(cmos_read(f, RTC_REG_A) & ~RTC_A_UIP, RTC_A_DEFAULT);
	}
}

static void test_rtc_linux_uip_wait_terminates(void **state)
{
	struct fixture *f = *state;
	int polls = 0;

	/* the worst moment: UIP has just risen. Linux polls every 100 us. */
	set_clock(f, T_2026_11_22_13_45_09, 999756 * US);
	while (cmos_read(f, RTC_REG_A) & RTC_A_UIP) {
		advance(f, 100 * US);
		polls++;
		assert_true(polls < 1000);
	}
	assert_int_equal(polls, 23);	/* 2.228 ms */
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x10);
}

static void test_rtc_set_freezes_and_restarts(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_SET | RTC_B_UIE);
	/* SET clears UIE */
	assert_int_equal(cmos_read(f, RTC_REG_B), RTC_B_24H | RTC_B_SET);
	advance(f, 5000 * MS);
	/* frozen at the moment SET went on, and never updating */
	assert_time(f, (struct regs){ 0x09, 0x45, 0x13, 0x01, 0x22, 0x11, 0x26, 0x20 });
	assert_int_equal(cmos_read(f, RTC_REG_A) & RTC_A_UIP, 0);
	set_clock(f, T_2026_11_22_13_45_09 + 5, 0);	/* boundary: UIP would be set */
	assert_int_equal(cmos_read(f, RTC_REG_A) & RTC_A_UIP, 0);
	set_clock(f, T_2026_11_22_13_45_09 + 5, 300 * MS);

	/* clearing SET restarts from the frozen time; the divider's phase carried on */
	cmos_write(f, RTC_REG_B, RTC_B_24H);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x09);
	advance(f, 699 * MS);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x09);
	advance(f, 1 * MS);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x10);
	/* the device is now 5 s behind the host, and stays so */
	advance(f, 3600000 * MS);
	assert_time(f, (struct regs){ 0x10, 0x45, 0x14, 0x01, 0x22, 0x11, 0x26, 0x20 });
}

static void test_rtc_set_accepts_new_time(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
	cmos_write(f, RTC_SECONDS, 0x05);
	cmos_write(f, RTC_MINUTES, 0x04);
	cmos_write(f, RTC_HOURS, 0x03);
	cmos_write(f, RTC_DAY_OF_MONTH, 0x02);
	cmos_write(f, RTC_MONTH, 0x01);
	cmos_write(f, RTC_YEAR, 0x30);
	/* while SET, the registers read back as written */
	assert_int_equal(cmos_read(f, RTC_MINUTES), 0x04);
	cmos_write(f, RTC_REG_B, RTC_B_24H);
	/* 2030-01-02 03:04:05, a Wednesday: the weekday is recomputed from the date */
	assert_time(f, (struct regs){ 0x05, 0x04, 0x03, 0x04, 0x02, 0x01, 0x30, 0x20 });
}

static void test_rtc_linux_set_time_sequence(void **state)
{
	struct fixture *f = *state;
	uint8_t save_b, save_a;

	/* drivers/rtc/rtc-mc146818-lib.c mc146818_set_time(), 2030-01-02 03:04:05 */
	save_b = cmos_read(f, RTC_REG_B);
	cmos_write(f, RTC_REG_B, save_b | RTC_B_SET);
	save_a = cmos_read(f, RTC_REG_A);
	cmos_write(f, RTC_REG_A, save_a | 0x70);	/* RTC_DIV_RESET2 */
	cmos_write(f, RTC_YEAR, 0x30);
	cmos_write(f, RTC_MONTH, 0x01);
	cmos_write(f, RTC_DAY_OF_MONTH, 0x02);
	cmos_write(f, RTC_HOURS, 0x03);
	cmos_write(f, RTC_MINUTES, 0x04);
	cmos_write(f, RTC_SECONDS, 0x05);
	cmos_write(f, RTC_REG_B, save_b);
	advance(f, 100 * MS);
	/* the divider is still held: the clock has not started */
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05);
	assert_int_equal(cmos_read(f, RTC_REG_A) & RTC_A_UIP, 0);
	cmos_write(f, RTC_REG_A, save_a);
	/* the first update comes 500 ms after the release */
	advance(f, 499 * MS);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x05);
	advance(f, 1 * MS);
	assert_time(f, (struct regs){ 0x06, 0x04, 0x03, 0x04, 0x02, 0x01, 0x30, 0x20 });

	/* and Linux reads it back as it reads at boot: UIP clear, BCD, 24-hour */
	assert_int_equal(cmos_read(f, RTC_REG_A), RTC_A_DEFAULT | RTC_A_UIP);
	advance(f, 2 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_A), RTC_A_DEFAULT);
	assert_int_equal(cmos_read(f, RTC_REG_B), RTC_B_24H);
}

static void test_rtc_write_while_running(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_MINUTES, 0x50);
	assert_time(f, (struct regs){ 0x09, 0x50, 0x13, 0x01, 0x22, 0x11, 0x26, 0x20 });
	/* the phase within the second is kept: the next update at host .000 */
	advance(f, 699 * MS);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x09);
	advance(f, 1 * MS);
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x10);
	assert_int_equal(cmos_read(f, RTC_MINUTES), 0x50);
}

static void test_rtc_out_of_range_fields_carry(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
	cmos_write(f, RTC_MONTH, 0x13);		/* month 13 of 2026 */
	cmos_write(f, RTC_DAY_OF_MONTH, 0x00);	/* day 0 */
	cmos_write(f, RTC_REG_B, RTC_B_24H);
	/* = 2026-12-31 */
	assert_time(f, (struct regs){ 0x09, 0x45, 0x13, 0x05, 0x31, 0x12, 0x26, 0x20 });
}

static void test_rtc_mode_change_while_set_keeps_raw_bytes(void **state)
{
	struct fixture *f = *state;

	/* the datasheet's way to change format: SET, new mode, new time in that mode */
	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_SET | RTC_B_DM_BINARY);
	assert_int_equal(cmos_read(f, RTC_MINUTES), 0x45);	/* still the BCD byte */
	cmos_write(f, RTC_MINUTES, 45);
	cmos_write(f, RTC_HOURS, 13);
	cmos_write(f, RTC_SECONDS, 9);
	cmos_write(f, RTC_DAY_OF_MONTH, 22);
	cmos_write(f, RTC_MONTH, 11);
	cmos_write(f, RTC_YEAR, 26);
	cmos_write(f, RTC_CENTURY, 20);
	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_DM_BINARY);
	assert_time(f, (struct regs){ 9, 45, 13, 1, 22, 11, 26, 20 });
}

static void test_rtc_reg_c_flags_clear_on_read(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cmos_read(f, RTC_REG_C), 0);	/* no time has passed */
	advance(f, 500 * MS);	/* .800: no update yet; 1024 Hz periodic ticks */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_PF);
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);	/* cleared by the read */
	advance(f, 201 * MS);	/* .001: the boundary passed, the update not finished */
	assert_int_equal(cmos_read(f, RTC_REG_C) & RTC_C_UF, 0);
	advance(f, 1 * MS);	/* .002: now it has */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF | RTC_C_PF);
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);

	/* enabled flags also set IRQF (no interrupt is raised) */
	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_UIE);
	advance(f, 1000 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_PF);

	/* no periodic rate, no PF */
	cmos_write(f, RTC_REG_A, 0x20);
	cmos_write(f, RTC_REG_B, RTC_B_24H);
	(void)cmos_read(f, RTC_REG_C);
	advance(f, 100 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);
	/* 2 Hz: one period in 600 ms starting at .102 */
	cmos_write(f, RTC_REG_A, 0x2f);
	advance(f, 300 * MS);	/* .402 */
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);
	advance(f, 300 * MS);	/* .702: passed .500 */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_PF);

	/* no flags while stopped */
	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_SET);
	(void)cmos_read(f, RTC_REG_C);
	advance(f, 3000 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);
}

static void test_rtc_alarm_flag(void **state)
{
	struct fixture *f = *state;

	cmos_write(f, RTC_REG_A, 0x20);	/* no periodic flag in the way */
	cmos_write(f, RTC_HOURS_ALARM, 0x13);
	cmos_write(f, RTC_MINUTES_ALARM, 0x45);
	cmos_write(f, RTC_SECONDS_ALARM, 0x30);
	(void)cmos_read(f, RTC_REG_C);
	set_clock(f, T_2026_11_22_13_45_09 + 20, 500 * MS);	/* 13:45:29.5 */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF);
	set_clock(f, T_2026_11_22_13_45_09 + 21, 500 * MS);	/* 13:45:30.5 */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF | RTC_C_AF);
	cmos_write(f, RTC_REG_B, RTC_B_24H | RTC_B_AIE);
	set_clock(f, T_2026_11_22_13_45_09 + 22, 500 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF);

	/* a day later, having skipped over 13:45:30 again */
	set_clock(f, T_2026_11_22_13_45_09 + 86400 + 22, 500 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_AF);

	/* don't-care bytes: once a minute at :30 */
	cmos_write(f, RTC_HOURS_ALARM, 0xff);
	cmos_write(f, RTC_MINUTES_ALARM, 0xc0);
	set_clock(f, T_2026_11_22_13_45_09 + 86400 + 60, 500 * MS);	/* 13:46:09.5 */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF);
	set_clock(f, T_2026_11_22_13_45_09 + 86400 + 81, 500 * MS);	/* 13:46:30.5 */
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_IRQF | RTC_C_UF | RTC_C_AF);

	/* a byte no time matches never fires, however long it waits */
	cmos_write(f, RTC_SECONDS_ALARM, 0x61);
	set_clock(f, T_2026_11_22_13_45_09 + 5 * 86400, 500 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C), RTC_C_UF);
}

static void test_rtc_reg_d_and_read_only(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cmos_read(f, RTC_REG_D), RTC_D_VRT);
	cmos_write(f, RTC_REG_D, 0x00);
	assert_int_equal(cmos_read(f, RTC_REG_D), 0x80);
	cmos_write(f, RTC_REG_C, 0xff);
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);
	/* UIP is read-only */
	cmos_write(f, RTC_REG_A, RTC_A_UIP | RTC_A_DEFAULT);
	assert_int_equal(cmos_read(f, RTC_REG_A), RTC_A_DEFAULT);
}

static void test_rtc_nvram_round_trip(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0x0e; i < RTC_CMOS_BYTES; i++) {
		assert_int_equal(cmos_read(f, (uint8_t)i), i == RTC_CENTURY ? 0x20 : 0);
		if (i != RTC_CENTURY)
			cmos_write(f, (uint8_t)i, (uint8_t)(i * 7 + 3));
	}
	for (unsigned i = 0x0e; i < RTC_CMOS_BYTES; i++)
		if (i != RTC_CENTURY)
			assert_int_equal(cmos_read(f, (uint8_t)i), (uint8_t)(i * 7 + 3));
	/* the alarm bytes are storage too */
	cmos_write(f, RTC_SECONDS_ALARM, 0xc3);
	cmos_write(f, RTC_MINUTES_ALARM, 0x59);
	cmos_write(f, RTC_HOURS_ALARM, 0x23);
	assert_int_equal(cmos_read(f, RTC_SECONDS_ALARM), 0xc3);
	assert_int_equal(cmos_read(f, RTC_MINUTES_ALARM), 0x59);
	assert_int_equal(cmos_read(f, RTC_HOURS_ALARM), 0x23);
	/* and none of it moved the clock */
	assert_int_equal(cmos_read(f, RTC_SECONDS), 0x09);
}

static void test_rtc_index_nmi_bit_and_wrap(void **state)
{
	struct fixture *f = *state;
	uint8_t v;

	/* Linux's CMOS_READ on x86 may set bit 7 (NMI disable) in the index */
	assert_int_equal(cmos_read(f, 0x80 | RTC_REG_D), RTC_D_VRT);
	assert_int_equal(cmos_read(f, 0x80 | RTC_SECONDS), 0x09);
	cmos_write(f, 0xff, 0x5a);	/* index 0x7f */
	assert_int_equal(cmos_read(f, 0x7f), 0x5a);
	cmos_write(f, 0x8e, 0xa5);	/* index 0x0e */
	assert_int_equal(cmos_read(f, 0x0e), 0xa5);
	/* the index port reads as nothing */
	assert_true(bus_access(&f->bus, 0x70, &v, 1, false));
	assert_int_equal(v, 0xff);
}

static void test_rtc_wide_access_splits_into_ports(void **state)
{
	struct fixture *f = *state;
	uint16_t w = 0x5a0e;	/* index 0x0e, then 0x5a to the data port */
	uint8_t data[4];

	assert_true(bus_access(&f->bus, 0x70, &w, 2, true));
	assert_int_equal(cmos_read(f, 0x0e), 0x5a);
	memset(data, 0, sizeof(data));
	assert_true(bus_access(&f->bus, 0x70, data, 2, false));
	assert_int_equal(data[0], 0xff);
	assert_int_equal(data[1], 0x5a);
	assert_true(bus_access(&f->bus, 0x71, data, 4, false));
	assert_int_equal(data[0], 0x5a);
	assert_int_equal(data[1], 0xff);
	assert_int_equal(data[3], 0xff);
	assert_null(bus_find(&f->bus, 0x72));
}

static void test_rtc_host_clock_steps_back(void **state)
{
	struct fixture *f = *state;

	set_clock(f, T_2026_11_22_13_45_09 - 60, 0);
	assert_int_equal(cmos_read(f, RTC_MINUTES), 0x44);
	assert_int_equal(cmos_read(f, RTC_REG_C), 0);
	advance(f, 1500 * MS);
	assert_int_equal(cmos_read(f, RTC_REG_C) & RTC_C_UF, RTC_C_UF);
}

static void test_rtc_default_clock_is_host_utc(void **state)
{
	struct rtc dev;
	struct bus bus;
	uint8_t idx = RTC_YEAR, year, century;
	time_t t = time(NULL);
	struct tm tm;

	(void)state;
	gmtime_r(&t, &tm);
	bus_init(&bus, "io");
	assert_int_equal(rtc_init(&dev, &bus, (struct rtc_clock){ 0 }), 0);
	assert_true(bus_access(&bus, 0x70, &idx, 1, true));
	assert_true(bus_access(&bus, 0x71, &year, 1, false));
	idx = RTC_CENTURY;
	assert_true(bus_access(&bus, 0x70, &idx, 1, true));
	assert_true(bus_access(&bus, 0x71, &century, 1, false));
	/* BCD; a new year may begin between the two readings */
	{
		int got = ((century >> 4) * 10 + (century & 15)) * 100 + (year >> 4) * 10 +
			  (year & 15);
		int want = tm.tm_year + 1900;

		assert_true(got == want || got == want + 1);
	}
	/* a second RTC on the same bus is refused */
	{
		struct rtc other;

		assert_int_equal(rtc_init(&other, &bus, (struct rtc_clock){ 0 }), -EEXIST);
	}
	rtc_fini(&dev);
	bus_fini(&bus);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_rtc_bcd_time_registers),
		T(test_rtc_binary_registers),
		T(test_rtc_12_hour_mode),
		T(test_rtc_follows_clock_across_boundaries),
		T(test_rtc_uip_window),
		T(test_rtc_linux_uip_wait_terminates),
		T(test_rtc_set_freezes_and_restarts),
		T(test_rtc_set_accepts_new_time),
		T(test_rtc_linux_set_time_sequence),
		T(test_rtc_write_while_running),
		T(test_rtc_out_of_range_fields_carry),
		T(test_rtc_mode_change_while_set_keeps_raw_bytes),
		T(test_rtc_reg_c_flags_clear_on_read),
		T(test_rtc_alarm_flag),
		T(test_rtc_reg_d_and_read_only),
		T(test_rtc_nvram_round_trip),
		T(test_rtc_index_nmi_bit_and_wrap),
		T(test_rtc_wide_access_splits_into_ports),
		T(test_rtc_host_clock_steps_back),
#undef T
		cmocka_unit_test(test_rtc_default_clock_is_host_utc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
