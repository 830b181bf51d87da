// SPDX-License-Identifier: Apache-2.0
/*
 * PS/2 controller (see i8042.h). Every access is decided under the lock; a reset pulse
 * is reported to the power sink after the lock is dropped, so the sink may take its own
 * locks or kick vCPUs without ordering against this one.
 */
#include "i8042.h"

#include <string.h>

/* Commands written to 0x64 */
#define CMD_READ_RAM		0x20	/* 0x20-0x3f: read RAM byte (cmd & 0x1f) */
#define CMD_WRITE_RAM		0x60	/* 0x60-0x7f: write RAM byte (cmd & 0x1f) */
#define CMD_AUX_DISABLE		0xa7
#define CMD_AUX_ENABLE		0xa8
#define CMD_AUX_TEST		0xa9
#define CMD_SELF_TEST		0xaa
#define CMD_KBD_TEST		0xab
#define CMD_KBD_DISABLE		0xad
#define CMD_KBD_ENABLE		0xae
#define CMD_READ_INPUT		0xc0
#define CMD_READ_OUTPUT		0xd0
#define CMD_WRITE_OUTPUT	0xd1
#define CMD_WRITE_KBD_OBUF	0xd2
#define CMD_WRITE_AUX_OBUF	0xd3
#define CMD_WRITE_AUX		0xd4
#define CMD_PULSE		0xf0	/* 0xf0-0xff: pulse output port bits 0-3 that are 0 */

#define SELF_TEST_OK		0x55
#define PORT_TEST_OK		0x00
/* Input port: keyboard not inhibited (bit 7), no manufacturing jumper (bit 5). */
#define INPUT_PORT		0xa0

/* Puts a byte where the guest reads it from 0x60. The 8042 has a one-byte buffer. */
static void i8042_output(struct i8042 *dev, uint8_t byte, bool aux)
{
	dev->obuf = byte;
	dev->obf = true;
	dev->obuf_aux = aux;
}

static uint8_t i8042_status(const struct i8042 *dev)
{
	uint8_t status = I8042_STR_UNLOCKED;

	if (dev->obf)
		status |= I8042_STR_OBF;
	if (dev->obf && dev->obuf_aux)
		status |= I8042_STR_AUXDATA;
	if (dev->ram[0] & I8042_CTR_SYSFLAG)
		status |= I8042_STR_SYSFLAG;
	if (dev->last_was_cmd)
		status |= I8042_STR_CMDDAT;
	return status;
}

static uint8_t i8042_outport(const struct i8042 *dev)
{
	uint8_t out = dev->outport & ~(I8042_OUT_KBD_OBF | I8042_OUT_AUX_OBF);

	if (dev->obf)
		out |= dev->obuf_aux ? I8042_OUT_AUX_OBF : I8042_OUT_KBD_OBF;
	return out;
}

/*
 * A write to the output port. Bit 0 low holds the CPU in reset; we model the reset as
 * instantaneous, so the line reads high again afterwards (a later 0xD0 must not show a
 * machine stuck in reset). Returns whether a reset was requested.
 */
static bool i8042_write_outport(struct i8042 *dev, uint8_t value)
{
	dev->outport = value | I8042_OUT_RESET;
	return !(value & I8042_OUT_RESET);
}

/* A command byte at 0x64. Returns whether it pulsed the reset line. */
static bool i8042_command(struct i8042 *dev, uint8_t cmd)
{
	dev->pending = 0;	/* a new command abandons one still waiting for data */
	if (cmd >= CMD_READ_RAM && cmd < CMD_READ_RAM + sizeof(dev->ram)) {
		i8042_output(dev, dev->ram[cmd - CMD_READ_RAM], false);
		return false;
	}
	if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + sizeof(dev->ram)) {
		dev->pending = cmd;
		return false;
	}
	/*
	 * 0xF0-0xFF pulse the output-port lines whose bit is 0 in the low nibble for about
	 * 6 us. Only bit 0 (CPU reset) matters here; 0xFF pulses nothing, which is why
	 * Linux sends it as a harmless "null command".
	 */
	if (cmd >= CMD_PULSE)
		return !(cmd & I8042_OUT_RESET);

	switch (cmd) {
	case CMD_AUX_DISABLE:
		dev->ram[0] |= I8042_CTR_AUXDIS;
		break;
	case CMD_AUX_ENABLE:
		dev->ram[0] &= ~I8042_CTR_AUXDIS;
		break;
	case CMD_KBD_DISABLE:
		dev->ram[0] |= I8042_CTR_KBDDIS;
		break;
	case CMD_KBD_ENABLE:
		dev->ram[0] &= ~I8042_CTR_KBDDIS;
		break;
	case CMD_SELF_TEST:
		/* a passed self test is what sets the system flag on real controllers */
		dev->ram[0] |= I8042_CTR_SYSFLAG;
		i8042_output(dev, SELF_TEST_OK, false);
		break;
	case CMD_KBD_TEST:
	case CMD_AUX_TEST:
		/* the interface lines are fine; that nothing is plugged in shows elsewhere */
		i8042_output(dev, PORT_TEST_OK, false);
		break;
	case CMD_READ_INPUT:
		i8042_output(dev, INPUT_PORT, false);
		break;
	case CMD_READ_OUTPUT:
		i8042_output(dev, i8042_outport(dev), false);
		break;
	case CMD_WRITE_OUTPUT:
	case CMD_WRITE_KBD_OBUF:
	case CMD_WRITE_AUX_OBUF:
	case CMD_WRITE_AUX:
		dev->pending = cmd;
		break;
	default:
		/* real controllers ignore what they do not know; the guest times out */
		dev->unknown++;
		break;
	}
	return false;
}

/* A byte at 0x60: the data of a pending command, or a byte for the keyboard. */
static bool i8042_data(struct i8042 *dev, uint8_t byte)
{
	uint8_t cmd = dev->pending;

	dev->pending = 0;
	if (cmd >= CMD_WRITE_RAM && cmd < CMD_WRITE_RAM + sizeof(dev->ram)) {
		dev->ram[cmd - CMD_WRITE_RAM] = byte;
		return false;
	}
	switch (cmd) {
	case CMD_WRITE_OUTPUT:
		return i8042_write_outport(dev, byte);
	case CMD_WRITE_KBD_OBUF:
		i8042_output(dev, byte, false);
		break;
	case CMD_WRITE_AUX_OBUF:
		/* the AUX loopback Linux uses to find the mouse port */
		i8042_output(dev, byte, true);
		break;
	default:
		/* CMD_WRITE_AUX or no command: for a mouse or keyboard that is not there */
		dev->dropped++;
		break;
	}
	return false;
}

/*
 * Wider accesses reach the low byte only: the ports are 8 bits wide and the upper bytes
 * belong to other ports (0x61 is the PIT's), so reads fill them with ones.
 */
static void i8042_data_read(void *opaque, uint64_t offset, void *data, unsigned len)
{
	struct i8042 *dev = opaque;
	uint8_t *out = data;

	(void)offset;
	memset(out, 0xff, len);
	pthread_mutex_lock(&dev->lock);
	out[0] = dev->obuf;	/* an empty buffer still returns the last byte */
	dev->obf = false;
	dev->obuf_aux = false;
	pthread_mutex_unlock(&dev->lock);
}

static void i8042_status_read(void *opaque, uint64_t offset, void *data, unsigned len)
{
	struct i8042 *dev = opaque;
	uint8_t *out = data;

	(void)offset;
	memset(out, 0xff, len);
	pthread_mutex_lock(&dev->lock);
	out[0] = i8042_status(dev);
	pthread_mutex_unlock(&dev->lock);
}

static void i8042_write(struct i8042 *dev, uint8_t byte, bool is_cmd)
{
	bool reset;

	pthread_mutex_lock(&dev->lock);
	dev->last_was_cmd = is_cmd;
	reset = is_cmd ? i8042_command(dev, byte) : i8042_data(dev, byte);
	if (reset)
		dev->resets++;
	pthread_mutex_unlock(&dev->lock);
	if (reset)
		dev->power.request(dev->power.ctx, DEV_POWER_RESET);
}

static void i8042_data_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	(void)offset;
	(void)len;
	i8042_write(opaque, *(const uint8_t *)data, false);
}

static void i8042_command_write(void *opaque, uint64_t offset, const void *data, unsigned len)
{
	(void)offset;
	(void)len;
	i8042_write(opaque, *(const uint8_t *)data, true);
}

static const struct bus_dev_ops i8042_data_ops = {
	.read = i8042_data_read,
	.write = i8042_data_write,
};

static const struct bus_dev_ops i8042_command_ops = {
	.read = i8042_status_read,
	.write = i8042_command_write,
};

int i8042_init(struct i8042 *dev, struct bus *io_bus, struct dev_power_sink power)
{
	int ret;

	memset(dev, 0, sizeof(*dev));
	dev->power = power;
	dev->ram[0] = I8042_CTR_DEFAULT;
	dev->outport = I8042_OUT_DEFAULT;
	ret = pthread_mutex_init(&dev->lock, NULL);
	if (ret)
		return -ret;
	/* two one-byte ranges: the ports between them are other devices' (0x61) or nobody's */
	ret = bus_register(io_bus, I8042_DATA_PORT, 1, &i8042_data_ops, dev, "i8042-data");
	if (!ret)
		ret = bus_register(io_bus, I8042_COMMAND_PORT, 1, &i8042_command_ops, dev,
				   "i8042-cmd");
	if (ret)
		pthread_mutex_destroy(&dev->lock);
	return ret;
}

void i8042_fini(struct i8042 *dev)
{
	if (!dev)
		return;
	pthread_mutex_destroy(&dev->lock);
}
