// SPDX-License-Identifier: Apache-2.0
/*
 * CMOS RTC (see rtc.h). The running clock keeps no time registers: every read converts
 * host time + offset to a calendar in the current mode, so nothing ticks in the
 * background and nothing drifts. Stopping latches the calendar into the register file;
 * starting converts it back and moves the offset. Register C's flags are brought up to
 * date from the interval since they were last looked at, the same lazy way.
 */
#include "rtc.h"

#include <string.h>

#define NSEC_PER_SEC		1000000000L
#define SEC_PER_DAY		86400
/* 32.768 kHz time base: UIP rises this long before the update, which then lasts... */
#define UIP_LEAD_NS		244000L
/* ...this long; the registers show the new second from the boundary on */
#define UPDATE_NS		1984000L
#define TICKS_PER_SEC		32768	/* periodic rates divide the 32.768 kHz time base */

struct rtc_tm {
	int64_t year;
	unsigned mon;	/* 1-12 */
	unsigned mday;	/* 1-31 */
	unsigned wday;	/* 0 = Sunday */
	unsigned hour, min, sec;
};

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t floor_mod(int64_t a, int64_t b)
{
	return a - floor_div(a, b) * b;
}

static struct timespec ts_norm(int64_t sec, int64_t nsec)
{
	sec += floor_div(nsec, NSEC_PER_SEC);
	nsec = floor_mod(nsec, NSEC_PER_SEC);
	return (struct timespec){ .tv_sec = sec, .tv_nsec = nsec };
}

static struct timespec ts_add(struct timespec a, struct timespec b)
{
	return ts_norm((int64_t)a.tv_sec + b.tv_sec, (int64_t)a.tv_nsec + b.tv_nsec);
}

static struct timespec ts_sub(struct timespec a, struct timespec b)
{
	return ts_norm((int64_t)a.tv_sec - b.tv_sec, (int64_t)a.tv_nsec - b.tv_nsec);
}

static int ts_cmp(struct timespec a, struct timespec b)
{
	if (a.tv_sec != b.tv_sec)
		return a.tv_sec < b.tv_sec ? -1 : 1;
	return (a.tv_nsec > b.tv_nsec) - (a.tv_nsec < b.tv_nsec);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (m 1-12). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	/* count years from March so the leap day ends the year */
	y -= m <= 2;
	era = floor_div(y, 400);
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, struct rtc_tm *tm)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = floor_div(z, 146097);
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	tm->mday = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	tm->mon = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	tm->year = yoe + era * 400 + (tm->mon <= 2);
}

static void rtc_tm_from_sec(int64_t t, struct rtc_tm *tm)
{
	int64_t days = floor_div(t, SEC_PER_DAY), tod = floor_mod(t, SEC_PER_DAY);

	civil_from_days(days, tm);
	tm->wday = (unsigned)floor_mod(days + 4, 7);	/* 1970-01-01 was a Thursday */
	tm->hour = (unsigned)(tod / 3600);
	tm->min = (unsigned)(tod / 60 % 60);
	tm->sec = (unsigned)(tod % 60);
}

static bool rtc_binary(const struct rtc *dev)
{
	return dev->cmos[RTC_REG_B] & RTC_B_DM_BINARY;
}

static uint8_t rtc_enc(const struct rtc *dev, unsigned v)
{
	if (rtc_binary(dev))
		return (uint8_t)v;
	v %= 100;
	return (uint8_t)(v / 10 << 4 | v % 10);
}

/* Registers may hold anything a guest wrote; bad BCD digits decode to whatever they weigh. */
static unsigned rtc_dec(const struct rtc *dev, uint8_t v)
{
	return rtc_binary(dev) ? v : (v >> 4) * 10u + (v & 0xf);
}

static uint8_t rtc_enc_hour(const struct rtc *dev, unsigned hour)
{
	if (dev->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_enc(dev, hour);
	/* 12-hour: 12, 1, ..., 11 with bit 7 for PM */
	return rtc_enc(dev, hour % 12 ? hour % 12 : 12) | (hour >= 12 ? 0x80 : 0);
}

static unsigned rtc_dec_hour(const struct rtc *dev, uint8_t v)
{
	if (dev->cmos[RTC_REG_B] & RTC_B_24H)
		return rtc_dec(dev, v);
	return rtc_dec(dev, v & 0x7f) % 12 + (v & 0x80 ? 12 : 0);
}

static bool rtc_is_time_reg(unsigned idx)
{
	switch (idx) {
	case RTC_SECONDS:
	case RTC_MINUTES:
	case RTC_HOURS:
	case RTC_DAY_OF_WEEK:
	case RTC_DAY_OF_MONTH:
	case RTC_MONTH:
	case RTC_YEAR:
	case RTC_CENTURY:
		return true;
	default:
		return false;
	}
}

/* Time register idx for the calendar second t, in the current mode. */
static uint8_t rtc_time_reg(const struct rtc *dev, int64_t t, unsigned idx)
{
	struct rtc_tm tm;

	rtc_tm_from_sec(t, &tm);
	switch (idx) {
	case RTC_SECONDS:
		return rtc_enc(dev, tm.sec);
	case RTC_MINUTES:
		return rtc_enc(dev, tm.min);
	case RTC_HOURS:
		return rtc_enc_hour(dev, tm.hour);
	case RTC_DAY_OF_WEEK:
		return rtc_enc(dev, tm.wday + 1);
	case RTC_DAY_OF_MONTH:
		return rtc_enc(dev, tm.mday);
	case RTC_MONTH:
		return rtc_enc(dev, tm.mon);
	case RTC_YEAR:
		return rtc_enc(dev, (unsigned)floor_mod(tm.year, 100));
	default:	/* RTC_CENTURY */
		return rtc_enc(dev, (unsigned)floor_mod(floor_div(tm.year, 100), 100));
	}
}

static void rtc_latch(struct rtc *dev, int64_t t)
{
	static const uint8_t regs[] = { RTC_SECONDS, RTC_MINUTES, RTC_HOURS, RTC_DAY_OF_WEEK,
					RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY };

	for (size_t i = 0; i < sizeof(regs); i++)
		dev->cmos[regs[i]] = rtc_time_reg(dev, t, regs[i]);
}

/*
 * The calendar second the latched registers name. Out-of-range fields carry over the
 * way a linear count does (month 13 is January of the next year, day 0 the last day of
 * the previous month), so whatever a guest wrote names some definite time.
 */
static int64_t rtc_latched_sec(const struct rtc *dev)
{
	const uint8_t *c = dev->cmos;
	int64_t year = rtc_dec(dev, c[RTC_CENTURY]) * 100 + rtc_dec(dev, c[RTC_YEAR]);
	int64_t mon0 = (int64_t)rtc_dec(dev, c[RTC_MONTH]) - 1;
	int64_t days;

	year += floor_div(mon0, 12);
	days = days_from_civil(year, (unsigned)floor_mod(mon0, 12) + 1, 1) +
	       rtc_dec(dev, c[RTC_DAY_OF_MONTH]) - 1;
	return days * SEC_PER_DAY + rtc_dec_hour(dev, c[RTC_HOURS]) * 3600 +
	       rtc_dec(dev, c[RTC_MINUTES]) * 60 + rtc_dec(dev, c[RTC_SECONDS]);
}

static struct timespec rtc_host_now(const struct rtc *dev)
{
	struct timespec ts;

	if (dev->clock.now)
		return dev->clock.now(dev->clock.ctx);
	clock_gettime(CLOCK_REALTIME, &ts);
	return ts;
}

/*
 * MC146818 divider values 0-2 select a running time base; 0x60/0x70 hold the divider
 * chain in reset (Linux does that while it sets the time); the rest are test modes in
 * which the clock does not keep time.
 */
static bool rtc_should_run(const struct rtc *dev)
{
	return !(dev->cmos[RTC_REG_B] & RTC_B_SET) && (dev->cmos[RTC_REG_A] & RTC_A_DV) <= 0x20;
}

static bool rtc_divider_held(uint8_t reg_a)
{
	return (reg_a & 0x60) == 0x60;
}

/* Whether some second in [first, last] matches the alarm bytes in the current mode. */
static bool rtc_alarm_hit(const struct rtc *dev, int64_t first, int64_t last)
{
	uint8_t as = dev->cmos[RTC_SECONDS_ALARM], am = dev->cmos[RTC_MINUTES_ALARM];
	uint8_t ah = dev->cmos[RTC_HOURS_ALARM];
	bool sec_ok[60], min_ok[60], hour_ok[24], any_s = false, any_m = false, any_h = false;

	for (unsigned i = 0; i < 60; i++) {
		sec_ok[i] = as >= RTC_ALARM_DONT_CARE || as == rtc_enc(dev, i);
		min_ok[i] = am >= RTC_ALARM_DONT_CARE || am == rtc_enc(dev, i);
		any_s |= sec_ok[i];
		any_m |= min_ok[i];
	}
	for (unsigned i = 0; i < 24; i++) {
		hour_ok[i] = ah >= RTC_ALARM_DONT_CARE || ah == rtc_enc_hour(dev, i);
		any_h |= hour_ok[i];
	}
	if (!any_s || !any_m || !any_h)
		return false;	/* a byte no time can match */
	if (last - first >= SEC_PER_DAY - 1)
		return true;	/* every time of day went by */
	for (int64_t t = first; t <= last; t++) {
		int64_t tod = floor_mod(t, SEC_PER_DAY);

		if (hour_ok[tod / 3600] && min_ok[tod / 60 % 60] && sec_ok[tod % 60])
			return true;
	}
	return false;
}

static int64_t rtc_ticks(struct timespec t)
{
	return (int64_t)t.tv_sec * TICKS_PER_SEC +
	       (int64_t)t.tv_nsec * TICKS_PER_SEC / NSEC_PER_SEC;
}

/* Periodic interrupt period in 32.768 kHz ticks for rate select rs, 0 for none. */
static int64_t rtc_period_ticks(unsigned rs)
{
	if (rs == 0)
		return 0;
	if (rs <= 2)
		return 128 << (rs - 1);	/* 256 Hz and 128 Hz, as the datasheet's table has */
	return (int64_t)1 << (rs - 1);	/* 8192 Hz (rs 3) down to 2 Hz (rs 15) */
}

/* Sets register C's flags for what happened between flags_at and now. Running only. */
static void rtc_update_flags(struct rtc *dev, struct timespec now)
{
	const struct timespec update = { .tv_sec = 0, .tv_nsec = UPDATE_NS };
	struct timespec from = dev->flags_at;
	int64_t period = rtc_period_ticks(dev->cmos[RTC_REG_A] & RTC_A_RS);
	int64_t done_from, done_now;

	dev->flags_at = now;
	if (ts_cmp(now, from) <= 0)
		return;	/* the host clock stepped back: start counting from here */

	/* an update cycle ends UPDATE_NS after each second boundary */
	done_from = ts_sub(from, update).tv_sec;
	done_now = ts_sub(now, update).tv_sec;
	if (done_now > done_from) {
		dev->cmos[RTC_REG_C] |= RTC_C_UF;
		if (rtc_alarm_hit(dev, done_from + 1, done_now))
			dev->cmos[RTC_REG_C] |= RTC_C_AF;
	}
	if (period && floor_div(rtc_ticks(now), period) > floor_div(rtc_ticks(from), period))
		dev->cmos[RTC_REG_C] |= RTC_C_PF;
}

/*
 * Starts the clock from the latched registers. A released divider chain makes the
 * first update come 500 ms later; after SET the divider kept running, so the
 * sub-second phase carries on from where it was.
 */
static void rtc_start(struct rtc *dev, struct timespec host, bool divider_released)
{
	struct timespec rtc = {
		.tv_sec = rtc_latched_sec(dev),
		.tv_nsec = divider_released ? NSEC_PER_SEC / 2 : ts_add(host, dev->offset).tv_nsec,
	};

	dev->offset = ts_sub(rtc, host);
	dev->flags_at = rtc;
	dev->stopped = false;
}

static uint8_t rtc_read_reg(struct rtc *dev, unsigned idx)
{
	struct timespec now;
	uint8_t v, b = dev->cmos[RTC_REG_B];

	if (rtc_is_time_reg(idx) && !dev->stopped)
		return rtc_time_reg(dev, ts_add(rtc_host_now(dev), dev->offset).tv_sec, idx);

	switch (idx) {
	case RTC_REG_A:
		v = dev->cmos[RTC_REG_A] & ~RTC_A_UIP;
		if (!dev->stopped) {
			now = ts_add(rtc_host_now(dev), dev->offset);
			if (now.tv_nsec >= NSEC_PER_SEC - UIP_LEAD_NS || now.tv_nsec < UPDATE_NS)
				v |= RTC_A_UIP;
		}
		return v;
	case RTC_REG_C:
		if (!dev->stopped)
			rtc_update_flags(dev, ts_add(rtc_host_now(dev), dev->offset));
		v = dev->cmos[RTC_REG_C];
		if ((v & RTC_C_PF && b & RTC_B_PIE) || (v & RTC_C_AF && b & RTC_B_AIE) ||
		    (v & RTC_C_UF && b & RTC_B_UIE))
			v |= RTC_C_IRQF;
		dev->cmos[RTC_REG_C] = 0;
		return v;
	case RTC_REG_D:
		return RTC_D_VRT;	/* the battery is always good */
	default:
		return dev->cmos[idx];
	}
}

static void rtc_write_reg(struct rtc *dev, unsigned idx, uint8_t v)
{
	struct timespec host, now;
	uint8_t old_a = dev->cmos[RTC_REG_A];

	if (idx == RTC_REG_C || idx == RTC_REG_D)
		return;	/* read-only */
	if (!rtc_is_time_reg(idx) && idx != RTC_REG_A && idx != RTC_REG_B) {
		dev->cmos[idx] = v;	/* NVRAM and alarm bytes */
		return;
	}
	if (rtc_is_time_reg(idx) && dev->stopped) {
		dev->cmos[idx] = v;
		return;
	}

	host = rtc_host_now(dev);
	if (!dev->stopped) {
		/* account for flags at the old rate and latch in the old mode */
		now = ts_add(host, dev->offset);
		rtc_update_flags(dev, now);
		rtc_latch(dev, now.tv_sec);
	}
	if (rtc_is_time_reg(idx)) {
		/* a write while running takes effect at once, keeping the second's phase */
		dev->cmos[idx] = v;
		rtc_start(dev, host, false);
		return;
	}

	if (idx == RTC_REG_A) {
		dev->cmos[RTC_REG_A] = v & ~RTC_A_UIP;
	} else {
		/* setting SET clears UIE (datasheet) */
		if (v & RTC_B_SET)
			v &= ~RTC_B_UIE;
		dev->cmos[RTC_REG_B] = v;
	}
	if (dev->stopped && rtc_should_run(dev))
		rtc_start(dev, host,
			  rtc_divider_held(old_a) && !rtc_divider_held(dev->cmos[RTC_REG_A]));
	else if (!rtc_should_run(dev))
		dev->stopped = true;	/* the registers were latched above */
}

/* Each byte of a wider access goes to its own port, as the ISA bus splits it. */
static void rtc_io_read(void *opaque, uint64_t offset, void *data, unsigned len)
{
	struct rtc *dev = opaque;
	uint8_t *out = data;

	memset(out, 0xff, len);	/* the index port is write-only on PC chipsets */
	if (offset + len <= RTC_DATA_PORT - RTC_INDEX_PORT)
		return;
	pthread_mutex_lock(&dev->lock);
	out[RTC_DATA_PORT - RTC_INDEX_PORT - offset] = rtc_read_reg(dev, dev->index);
	pthread_mutex_unlock(&dev->lock);
}

static void rtc_io_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	struct rtc *dev = opaque;
	const uint8_t *in = data;

	pthread_mutex_lock(&dev->lock);
	for (unsigned i = 0; i < len && offset + i < 2; i++) {
		if (offset + i == 0)
			dev->index = in[i] & 0x7f;	/* bit 7 masks NMIs on real boards */
		else
			rtc_write_reg(dev, dev->index, in[i]);
	}
	pthread_mutex_unlock(&dev->lock);
}

static const struct bus_dev_ops rtc_ops = {
	.read = rtc_io_read,
	.write = rtc_io_write,
};

int rtc_init(struct rtc *dev, struct bus *io_bus, struct rtc_clock clock)
{
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->clock = clock;
	dev->cmos[RTC_REG_A] = RTC_A_DEFAULT;
	dev->cmos[RTC_REG_B] = RTC_B_DEFAULT;
	dev->offset = (struct timespec){ 0 };
	dev->flags_at = rtc_host_now(dev);
	ret = pthread_mutex_init(&dev->lock, NULL);
	if (ret)
		return -ret;
	ret = bus_register(io_bus, RTC_INDEX_PORT, 2, &rtc_ops, dev, "rtc");
	if (ret)
		pthread_mutex_destroy(&dev->lock);
	return ret;
}

void rtc_fini(struct rtc *dev)
{
	if (!dev)
		return;
	pthread_mutex_destroy(&dev->lock);
}
