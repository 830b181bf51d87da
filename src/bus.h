// SPDX-License-Identifier: Apache-2.0
/*
 * An address bus: a sorted table of non-overlapping ranges, each owned by a device.
 * One bus for port I/O and one for MMIO per VM. Devices are registered by the main
 * thread before any vCPU runs; afterwards the table is read-only and vCPU threads look
 * it up without a lock. A device's callbacks run on the vCPU thread that made the
 * access, so a device reachable from several vCPUs protects its own state.
 */
#ifndef RTVMM_BUS_H
#define RTVMM_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct bus_dev_ops {
	/* offset is relative to the range's base; len is 1, 2, 4 or 8 */
	void (*read)(void *dev, uint64_t offset, void *data, unsigned len);
	void (*write)(void *dev, uint64_t offset, const void *data, unsigned len);
};

struct bus_range {
	uint64_t base;
	uint64_t len;
	const struct bus_dev_ops *ops;
	void *dev;
	const char *name;
};

struct bus {
	const char *name;	/* "io" or "mmio", for messages */
	struct bus_range *ranges;	/* sorted by base */
	unsigned count;
	unsigned capacity;
};

void bus_init(struct bus *bus, const char *name);
void bus_fini(struct bus *bus);

/*
 * Claims [base, base + len) for a device. Returns 0, -EEXIST when the range overlaps
 * one already claimed (logged with both names), -EINVAL for an empty or wrapping range,
 * -ENOMEM. Main thread, before vCPUs start.
 */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_dev_ops *ops,
		 void *dev, const char *name);

/* The range containing addr, or NULL. Any thread once vCPUs run. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr);

/*
 * Dispatches an access. Reads of an unclaimed address return all ones, as on real
 * hardware with nothing decoding the address. Returns true when a device handled it.
 */
bool bus_access(const struct bus *bus, uint64_t addr, void *data, unsigned len, bool is_write);

#endif
