// SPDX-License-Identifier: Apache-2.0
/*
 * The PC's CMOS real-time clock, an MC146818 at index port 0x70 and data port 0x71,
 * showing the host's UTC wall clock. Bit 7 of the index (the NMI mask on real boards)
 * is ignored. Registers 0x00-0x09 and the century at 0x32 hold the time in BCD or binary
 * and in 24- or 12-hour form as register B says (BCD and 24-hour by default, what Linux
 * expects); A, B, C and D behave as the datasheet describes; the rest of the 128 bytes
 * (alarm bytes included) is NVRAM that starts zeroed.
 *
 * The clock is an offset from the host clock: the guest setting the time (hwclock,
 * Linux's NTP sync every 11 minutes) moves the offset, never the host. While register B's
 * SET bit is on, or register A's divider is held, the time registers are ordinary bytes
 * holding the time latched when the clock stopped; when it starts again their contents,
 * read in the current mode, become the time. Starting from a held divider puts the first
 * update half a second later, as the chip does and as Linux's rtc-cmos assumes.
 *
 * UIP (register A bit 7) is set for the 244 us before each second boundary and the
 * 1984 us after it, as on a chip with a 32.768 kHz time base: Linux polls it in 100 us
 * steps and waits at most ~2.3 ms, and tools that wait for its edge to find the second
 * boundary (`hwclock --directisa`) see one every second.
 *
 * Register C's flags (UF each second, PF at register A's rate, AF when the alarm bytes
 * match) are computed when it is read, and cleared by the read. No interrupt is ever
 * raised on IRQ 8: Linux's rtc-cmos registers (its probe only needs the registers), but
 * RTC alarms, update and periodic interrupts through /dev/rtc0 never fire, so a wake
 * alarm or `hwclock`'s wait for the update interrupt times out.
 *
 * Any vCPU may access it: the state sits under a mutex.
 */
#ifndef RTVMM_DEV_RTC_H
#define RTVMM_DEV_RTC_H

#include "../bus.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define RTC_INDEX_PORT		0x70
#define RTC_DATA_PORT		0x71

/* Register indexes */
#define RTC_SECONDS		0x00
#define RTC_SECONDS_ALARM	0x01
#define RTC_MINUTES		0x02
#define RTC_MINUTES_ALARM	0x03
#define RTC_HOURS		0x04
#define RTC_HOURS_ALARM		0x05
#define RTC_DAY_OF_WEEK		0x06	/* 1 = Sunday; always derived from the date */
#define RTC_DAY_OF_MONTH	0x07
#define RTC_MONTH		0x08
#define RTC_YEAR		0x09
#define RTC_REG_A		0x0a
#define RTC_REG_B		0x0b
#define RTC_REG_C		0x0c
#define RTC_REG_D		0x0d
#define RTC_CENTURY		0x32	/* where the ACPI FADT's century field points */
#define RTC_CMOS_BYTES		128

#define RTC_A_UIP		0x80	/* read-only */
#define RTC_A_DV		0x70	/* divider: 0x00-0x20 run, 0x60/0x70 held in reset */
#define RTC_A_RS		0x0f	/* periodic rate select */
#define RTC_A_DEFAULT		0x26	/* 32.768 kHz time base, 1024 Hz periodic rate */

#define RTC_B_SET		0x80	/* stop updates so the time can be written */
#define RTC_B_PIE		0x40
#define RTC_B_AIE		0x20
#define RTC_B_UIE		0x10
#define RTC_B_SQWE		0x08
#define RTC_B_DM_BINARY		0x04	/* binary, not BCD */
#define RTC_B_24H		0x02
#define RTC_B_DSE		0x01	/* stored, no effect (daylight saving) */
#define RTC_B_DEFAULT		RTC_B_24H

#define RTC_C_IRQF		0x80
#define RTC_C_PF		0x40
#define RTC_C_AF		0x20
#define RTC_C_UF		0x10

#define RTC_D_VRT		0x80	/* valid RAM and time */

/* An alarm byte at or above this matches any value ("don't care"). */
#define RTC_ALARM_DONT_CARE	0xc0

struct rtc_clock {
	/* The current UTC time; NULL means clock_gettime(CLOCK_REALTIME). */
	struct timespec (*now)(void *ctx);
	void *ctx;
};

struct rtc {
	struct rtc_clock clock;
	pthread_mutex_t lock;	/* protects the fields below */
	uint8_t index;		/* selected register, 0-127 */
	/* register file; the time registers in it are only meaningful while stopped */
	uint8_t cmos[RTC_CMOS_BYTES];
	struct timespec offset;	/* RTC time minus host time; tv_nsec in [0, 1e9) */
	bool stopped;		/* SET or divider held: time registers hold the time */
	struct timespec flags_at;	/* RTC time up to which register C is current */
};

/*
 * Initializes the clock showing the host's time (register A 0x26, B 0x02, C 0, D 0x80,
 * zeroed NVRAM) and claims ports 0x70-0x71 on io_bus. clock.now may be NULL. Returns 0,
 * or -errno from pthread_mutex_init or bus_register (nothing to undo then). Main thread,
 * before vCPUs start.
 */
int rtc_init(struct rtc *dev, struct bus *io_bus, struct rtc_clock clock);

/* Releases the mutex. Main thread, after the vCPUs have stopped. Accepts NULL. */
void rtc_fini(struct rtc *dev);

#endif
