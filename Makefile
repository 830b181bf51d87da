# SPDX-License-Identifier: Apache-2.0
# rtvmm: one non-recursive Makefile. Objects under build/, `make V=1` shows commands.

CC      ?= gcc
BUILD   := build
VERSION := 0.1.0

PKGS     := inih jansson hwloc numa libcgroup
PKG_DEB  := inih:libinih-dev jansson:libjansson-dev cmocka:libcmocka-dev hwloc:libhwloc-dev \
            numa:libnuma-dev libcgroup:libcgroup-dev
missing  := $(strip $(foreach p,$(PKGS) cmocka,$(if $(shell pkg-config --exists $(p) && echo y),,$(p))))
ifneq ($(filter-out clean,$(or $(MAKECMDGOALS),all)),)
ifneq ($(missing),)
$(error missing libraries: $(missing); install the Debian packages with scripts/install-deps.sh \
  ($(foreach m,$(missing),$(patsubst $(m):%,%,$(filter $(m):%,$(PKG_DEB))))))
endif
endif

WARN     := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wvla -Werror
CFLAGS   ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -MMD -MP \
              -DRTVMM_VERSION='"$(VERSION)"' $(shell pkg-config --cflags $(PKGS))
LIBS     := $(shell pkg-config --libs $(PKGS)) -lpthread
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

ifeq ($(V),1)
Q :=
else
Q := @
endif

# --- the VMM ---------------------------------------------------------------------------
LIB_SRCS := $(wildcard src/*.c src/dev/*.c src/boot/*.c sched/*.c config/*.c)
LIB_SRCS := $(filter-out src/main.c,$(LIB_SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/src/guest/probe_blob.o
SAN_OBJS := $(LIB_SRCS:%.c=$(BUILD)/san/%.o) $(BUILD)/obj/src/guest/probe_blob.o

all: $(BUILD)/rtvmm

$(BUILD)/rtvmm: $(BUILD)/obj/src/main.o $(BUILD)/librtvmm.a
	@echo "  LD      $@"
	$(Q)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

# the same VMM with ASan+UBSan, for the integration tests that look for leaks
$(BUILD)/rtvmm-san: $(BUILD)/san/src/main.o $(BUILD)/librtvmm-san.a
	@echo "  LD SAN  $@"
	$(Q)$(CC) $(ALL_CFLAGS) $(SAN) -o $@ $^ $(LIBS)

$(BUILD)/librtvmm.a: $(LIB_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/librtvmm-san.a: $(SAN_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/obj/%.o: %.c
	@echo "  CC      $<"
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/san/%.o: %.c
	@echo "  CC SAN  $<"
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(SAN) -c -o $@ $<

# --- guest payloads: freestanding x86-64 code linked at 1 MiB, flattened -----------------
GUEST_CFLAGS := -std=c11 -O2 -ffreestanding -fno-pic -fno-pie -mno-red-zone \
                -mgeneral-regs-only -fno-stack-protector -fno-asynchronous-unwind-tables \
                -fcf-protection=none $(WARN)
GUEST_LDFLAGS := -nostdlib -static -no-pie -Wl,-T,src/guest/guest.ld -Wl,--build-id=none

$(BUILD)/guest/%.elf: src/guest/%.c src/guest/abi.h src/guest/probe_hist.h src/guest/guest.ld
	@echo "  GUEST   $<"
	$(Q)mkdir -p $(@D) && $(CC) $(GUEST_CFLAGS) $(GUEST_LDFLAGS) -o $@ $<

$(BUILD)/guest/%.elf: tests/guest/%.S src/guest/abi.h src/guest/guest.ld
	@echo "  GUEST   $<"
	$(Q)mkdir -p $(@D) && $(CC) -Isrc/guest $(GUEST_LDFLAGS) -o $@ $<

$(BUILD)/guest/%.bin: $(BUILD)/guest/%.elf
	$(Q)objcopy -O binary $< $@

$(BUILD)/obj/src/guest/probe_blob.o: src/guest/probe_blob.S $(BUILD)/guest/probe.bin
	@echo "  AS      $<"
	$(Q)mkdir -p $(@D) && $(CC) -c -DPROBE_BIN='"$(BUILD)/guest/probe.bin"' -o $@ $<

TEST_GUESTS := $(patsubst tests/guest/%.S,$(BUILD)/guest/%.bin,$(wildcard tests/guest/*.S))

# --- tests -------------------------------------------------------------------------------
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
SAN_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/san/%)
TEST_LIBS := $(LIBS) $(shell pkg-config --libs cmocka)
# syscalls faked in a test binary: WRAP_<test> := name ...
wrap = $(foreach f,$(WRAP_$(1)),-Wl,--wrap=$(f))
WRAP_test_cgroup := rmdir
WRAP_test_thread := syscall prctl sched_setscheduler getrlimit setrlimit sched_setaffinity
WRAP_test_host := prctl

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/librtvmm.a
	@echo "  TEST    $@"
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -U_FORTIFY_SOURCE -o $@ $< $(BUILD)/librtvmm.a \
		$(call wrap,$*) $(TEST_LIBS)

$(BUILD)/tests/san/%: tests/unit/%.c $(BUILD)/librtvmm-san.a
	@echo "  TEST SAN $@"
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(SAN) -U_FORTIFY_SOURCE -o $@ $< \
		$(BUILD)/librtvmm-san.a $(call wrap,$*) $(TEST_LIBS)

# in-process tests on the real /dev/kvm, run with the integration tests
KVM_SRCS := $(wildcard tests/integration/test_*.c)
KVM_BINS := $(KVM_SRCS:tests/integration/%.c=$(BUILD)/tests/kvm/%)

$(BUILD)/tests/kvm/%: tests/integration/%.c $(BUILD)/librtvmm-san.a
	@echo "  TEST KVM $@"
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) $(SAN) -o $@ $< $(BUILD)/librtvmm-san.a $(TEST_LIBS)

unit: $(UNIT_BINS) $(SAN_BINS)

test: deps $(BUILD)/rtvmm $(BUILD)/rtvmm-san $(UNIT_BINS) $(SAN_BINS) $(KVM_BINS) $(TEST_GUESTS)
	$(Q)tests/run-tests.sh $(BUILD)

$(BUILD)/bench/rawloop: bench/rawloop.c $(BUILD)/librtvmm.a
	@echo "  CC      $<"
	$(Q)mkdir -p $(@D) && $(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/librtvmm.a $(LIBS)

bench: deps $(BUILD)/rtvmm $(BUILD)/bench/rawloop $(BUILD)/guest/portstorm.bin
	$(Q)bench/run.sh $(BUILD)

deps:
	$(Q)scripts/install-deps.sh

demo: deps $(BUILD)/rtvmm
	$(Q)scripts/demo.sh $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

.PHONY: all unit test bench deps demo clean
.SECONDARY:
