// SPDX-License-Identifier: Apache-2.0
/*
 * Address bus: binary search over a sorted array. Registration keeps the array sorted
 * and refuses overlaps, so a lookup is O(log n) with no allocation and no lock.
 */
#include "bus.h"

#include "log.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void bus_fini(struct bus *bus)
{
	if (!bus)
		return;
	free(bus->ranges);
	bus->ranges = NULL;
	bus->count = bus->capacity = 0;
}

/* Index of the first range whose base is above addr. */
static unsigned upper_bound(const struct bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (bus->ranges[mid].base <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr)
{
	unsigned i = upper_bound(bus, addr);
	const struct bus_range *r;

	if (i == 0)
		return NULL;
	r = &bus->ranges[i - 1];
	return addr - r->base < r->len ? r : NULL;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, const struct bus_dev_ops *ops,
		 void *dev, const char *name)
{
	unsigned i;

	if (len == 0 || base + len - 1 < base)
		return -EINVAL;
	i = upper_bound(bus, base);
	if (i > 0 && base - bus->ranges[i - 1].base < bus->ranges[i - 1].len) {
		log_err("%s bus: %s at 0x%llx overlaps %s", bus->name, name,
			(unsigned long long)base, bus->ranges[i - 1].name);
		return -EEXIST;
	}
	if (i < bus->count && bus->ranges[i].base <= base + len - 1) {
		log_err("%s bus: %s at 0x%llx-0x%llx overlaps %s", bus->name, name,
			(unsigned long long)base, (unsigned long long)(base + len - 1),
			bus->ranges[i].name);
		return -EEXIST;
	}
	if (bus->count == bus->capacity) {
		unsigned cap = bus->capacity ? bus->capacity * 2 : 8;
		struct bus_range *r = realloc(bus->ranges, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		bus->ranges = r;
		bus->capacity = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i], (bus->count - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range){ base, len, ops, dev, name };
	bus->count++;
	return 0;
}

bool bus_access(const struct bus *bus, uint64_t addr, void *data, unsigned len, bool is_write)
{
	const struct bus_range *r = bus_find(bus, addr);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	if (is_write) {
		if (r->ops->write)
			r->ops->write(r->dev, addr - r->base, data, len);
	} else if (r->ops->read) {
		r->ops->read(r->dev, addr - r->base, data, len);
	} else {
		memset(data, 0xff, len);
	}
	return true;
}
