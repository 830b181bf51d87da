// SPDX-License-Identifier: Apache-2.0
/*
 * Unit tests for src/exit: exit_decode() is fed a fabricated struct kvm_run for every
 * exit reason the run loop can see (zeroed, then the fields KVM would fill), and must
 * give the right kind, action and detail; the KVM_RUN_X86_BUS_LOCK flag must be seen on
 * any exit and only there; exit_kind_name() must name every kind and reject others; and
 * exit_describe() must put the facts an operator needs (triple fault, suberror, hardware
 * reason, raw exit number) into the log line without overrunning the buffer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/exit.h"

#include <string.h>

/* A zeroed kvm_run with only the exit reason set, as the tests' starting point. */
static void fake_exit(struct kvm_run *run, uint32_t reason)
{
	memset(run, 0, sizeof(*run));
	run->exit_reason = reason;
}

static void assert_decoded(const struct kvm_run *run, enum exit_kind kind,
			   enum exit_action action, uint64_t detail)
{
	struct exit_info e = exit_decode(run);

	assert_int_equal(e.kind, kind);
	assert_int_equal(e.action, action);
	assert_int_equal(e.detail, detail);
	assert_false(e.bus_lock);
}

static void test_exit_decode_io_in(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_IO);
	run.io.direction = KVM_EXIT_IO_IN;
	run.io.size = 1;
	run.io.port = 0x3fd;
	run.io.count = 1;
	run.io.data_offset = 4096;
	assert_decoded(&run, EXIT_KIND_IO, EXIT_ACT_IO, 0x3fd);
}

static void test_exit_decode_io_out(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_IO);
	run.io.direction = KVM_EXIT_IO_OUT;
	run.io.size = 4;
	run.io.port = 0xf4;
	run.io.count = 3;
	run.io.data_offset = 4096;
	assert_decoded(&run, EXIT_KIND_IO, EXIT_ACT_IO, 0xf4);

	/* the highest port number is not truncated or sign-extended */
	run.io.port = 0xffff;
	assert_decoded(&run, EXIT_KIND_IO, EXIT_ACT_IO, 0xffff);
}

static void test_exit_decode_mmio(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_MMIO);
	run.mmio.phys_addr = 0xfee00030;
	run.mmio.len = 4;
	run.mmio.is_write = 1;
	assert_decoded(&run, EXIT_KIND_MMIO, EXIT_ACT_MMIO, 0xfee00030);

	run.mmio.phys_addr = 0xfed00000000ULL;	/* above 4 GiB */
	run.mmio.is_write = 0;
	assert_decoded(&run, EXIT_KIND_MMIO, EXIT_ACT_MMIO, 0xfed00000000ULL);
}

static void test_exit_decode_hlt(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_HLT);
	assert_decoded(&run, EXIT_KIND_HLT, EXIT_ACT_HALT, 0);
}

static void test_exit_decode_shutdown_is_crash(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_SHUTDOWN);
	assert_decoded(&run, EXIT_KIND_SHUTDOWN, EXIT_ACT_RESET, 0);
}

static void test_exit_decode_system_event_shutdown(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_SYSTEM_EVENT);
	run.system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	assert_decoded(&run, EXIT_KIND_SYSTEM_EVENT, EXIT_ACT_POWEROFF, KVM_SYSTEM_EVENT_SHUTDOWN);
}

static void test_exit_decode_system_event_reset(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_SYSTEM_EVENT);
	run.system_event.type = KVM_SYSTEM_EVENT_RESET;
	assert_decoded(&run, EXIT_KIND_SYSTEM_EVENT, EXIT_ACT_RESET, KVM_SYSTEM_EVENT_RESET);
}

static void test_exit_decode_system_event_crash(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_SYSTEM_EVENT);
	run.system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_decoded(&run, EXIT_KIND_SYSTEM_EVENT, EXIT_ACT_CRASH, KVM_SYSTEM_EVENT_CRASH);
}

static void test_exit_decode_system_event_other_type_resumes(void **state)
{
	static const uint32_t types[] = { KVM_SYSTEM_EVENT_WAKEUP, KVM_SYSTEM_EVENT_SUSPEND, 0,
					  1000 };
	struct kvm_run run;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		fake_exit(&run, KVM_EXIT_SYSTEM_EVENT);
		run.system_event.type = types[i];
		assert_decoded(&run, EXIT_KIND_SYSTEM_EVENT, EXIT_ACT_RESUME, types[i]);
	}
}

static void test_exit_decode_fail_entry(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_FAIL_ENTRY);
	run.fail_entry.hardware_entry_failure_reason = 0x80000021;	/* invalid guest state */
	run.fail_entry.cpu = 3;
	assert_decoded(&run, EXIT_KIND_FAIL_ENTRY, EXIT_ACT_FAIL, 0x80000021);

	/* the full 64-bit reason is kept */
	run.fail_entry.hardware_entry_failure_reason = 0x123456789abcdef0ULL;
	assert_decoded(&run, EXIT_KIND_FAIL_ENTRY, EXIT_ACT_FAIL, 0x123456789abcdef0ULL);
}

static void test_exit_decode_internal_error(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_INTERNAL_ERROR);
	run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	assert_decoded(&run, EXIT_KIND_INTERNAL_ERROR, EXIT_ACT_FAIL,
		       KVM_INTERNAL_ERROR_EMULATION);

	run.internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	assert_decoded(&run, EXIT_KIND_INTERNAL_ERROR, EXIT_ACT_FAIL,
		       KVM_INTERNAL_ERROR_DELIVERY_EV);
}

static void test_exit_decode_bus_lock_exit(void **state)
{
	struct kvm_run run;
	struct exit_info e;

	(void)state;
	fake_exit(&run, KVM_EXIT_X86_BUS_LOCK);
	e = exit_decode(&run);
	assert_int_equal(e.kind, EXIT_KIND_BUS_LOCK);
	assert_int_equal(e.action, EXIT_ACT_RESUME);
	assert_true(e.bus_lock);
}

static void test_exit_decode_intr_resumes(void **state)
{
	struct kvm_run run;

	(void)state;
	fake_exit(&run, KVM_EXIT_INTR);
	assert_decoded(&run, EXIT_KIND_INTR, EXIT_ACT_RESUME, 0);
}

static void test_exit_decode_harmless_exits_resume_as_other(void **state)
{
	static const uint32_t reasons[] = { KVM_EXIT_IRQ_WINDOW_OPEN, KVM_EXIT_DEBUG,
					    KVM_EXIT_TPR_ACCESS };
	struct kvm_run run;

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		struct exit_info e;

		fake_exit(&run, reasons[i]);
		e = exit_decode(&run);
		assert_int_equal(e.kind, EXIT_KIND_OTHER);
		assert_int_equal(e.action, EXIT_ACT_RESUME);
		assert_false(e.bus_lock);
	}
}

static void test_exit_decode_unhandled_reasons_fail(void **state)
{
	/* never enabled by this VMM, or not a reason at all: refuse to guess */
	static const uint32_t reasons[] = {
		KVM_EXIT_UNKNOWN,     KVM_EXIT_EXCEPTION,   KVM_EXIT_HYPERCALL,
		KVM_EXIT_NMI,	      KVM_EXIT_X86_RDMSR,   KVM_EXIT_X86_WRMSR,
		KVM_EXIT_DIRTY_RING_FULL, KVM_EXIT_NOTIFY,  9999,
		0xffffffffu,
	};
	struct kvm_run run;

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		fake_exit(&run, reasons[i]);
		assert_decoded(&run, EXIT_KIND_UNKNOWN, EXIT_ACT_FAIL, reasons[i]);
	}
}

static void test_exit_decode_bus_lock_flag_on_io(void **state)
{
	struct kvm_run run;
	struct exit_info e;

	(void)state;
	fake_exit(&run, KVM_EXIT_IO);
	run.io.direction = KVM_EXIT_IO_OUT;
	run.io.size = 1;
	run.io.port = 0xe9;
	run.io.count = 1;
	run.flags = KVM_RUN_X86_BUS_LOCK;
	e = exit_decode(&run);
	assert_true(e.bus_lock);
	/* the flag rides along: the exit itself is still handled as port I/O */
	assert_int_equal(e.kind, EXIT_KIND_IO);
	assert_int_equal(e.action, EXIT_ACT_IO);
	assert_int_equal(e.detail, 0xe9);

	/* with other flag bits around it too */
	run.flags = KVM_RUN_X86_BUS_LOCK | KVM_RUN_X86_SMM;
	assert_true(exit_decode(&run).bus_lock);
}

static void test_exit_decode_bus_lock_flag_on_mmio(void **state)
{
	struct kvm_run run;
	struct exit_info e;

	(void)state;
	fake_exit(&run, KVM_EXIT_MMIO);
	run.mmio.phys_addr = 0xd0000000;
	run.mmio.len = 8;
	run.flags = KVM_RUN_X86_BUS_LOCK;
	e = exit_decode(&run);
	assert_true(e.bus_lock);
	assert_int_equal(e.kind, EXIT_KIND_MMIO);
	assert_int_equal(e.action, EXIT_ACT_MMIO);
	assert_int_equal(e.detail, 0xd0000000);
}

static void test_exit_decode_bus_lock_flag_on_any_exit(void **state)
{
	static const uint32_t reasons[] = { KVM_EXIT_HLT, KVM_EXIT_INTR, KVM_EXIT_SHUTDOWN,
					    KVM_EXIT_SYSTEM_EVENT, KVM_EXIT_IRQ_WINDOW_OPEN,
					    KVM_EXIT_FAIL_ENTRY, 9999 };
	struct kvm_run run;

	(void)state;
	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
		struct exit_info plain, flagged;

		fake_exit(&run, reasons[i]);
		plain = exit_decode(&run);
		run.flags = KVM_RUN_X86_BUS_LOCK;
		flagged = exit_decode(&run);
		assert_true(flagged.bus_lock);
		assert_int_equal(flagged.kind, plain.kind);
		assert_int_equal(flagged.action, plain.action);
		assert_int_equal(flagged.detail, plain.detail);
	}
}

static void test_exit_decode_bus_lock_false_without_flag(void **state)
{
	struct kvm_run run;

	(void)state;
	/* every reason up to well past the defined ones, with no flag or an unrelated one */
	for (uint32_t reason = 0; reason < 64; reason++) {
		if (reason == KVM_EXIT_X86_BUS_LOCK)
			continue;
		fake_exit(&run, reason);
		assert_false(exit_decode(&run).bus_lock);
		run.flags = KVM_RUN_X86_SMM;
		assert_false(exit_decode(&run).bus_lock);
	}
}

static void test_exit_kind_name_every_kind(void **state)
{
	static const char *const expected[EXIT_KIND_COUNT] = {
		[EXIT_KIND_IO] = "io",
		[EXIT_KIND_MMIO] = "mmio",
		[EXIT_KIND_HLT] = "hlt",
		[EXIT_KIND_SHUTDOWN] = "shutdown",
		[EXIT_KIND_SYSTEM_EVENT] = "system_event",
		[EXIT_KIND_FAIL_ENTRY] = "fail_entry",
		[EXIT_KIND_INTERNAL_ERROR] = "internal_error",
		[EXIT_KIND_BUS_LOCK] = "bus_lock",
		[EXIT_KIND_INTR] = "intr",
		[EXIT_KIND_OTHER] = "other",
		[EXIT_KIND_UNKNOWN] = "unknown",
	};

	(void)state;
	for (int k = 0; k < EXIT_KIND_COUNT; k++) {
		assert_non_null(expected[k]);
		assert_string_equal(exit_kind_name((enum exit_kind)k), expected[k]);
	}
}

static void test_exit_kind_name_invalid(void **state)
{
	(void)state;
	assert_string_equal(exit_kind_name(EXIT_KIND_COUNT), "invalid");
	assert_string_equal(exit_kind_name((enum exit_kind)(EXIT_KIND_COUNT + 100)), "invalid");
	assert_string_equal(exit_kind_name((enum exit_kind)-1), "invalid");
}

/* Decodes `run` and describes it into a buffer big enough for any message. */
static const char *describe(const struct kvm_run *run, char *buf, unsigned len)
{
	struct exit_info e = exit_decode(run);

	buf[0] = '\0';
	exit_describe(run, &e, buf, len);
	return buf;
}

static void test_exit_describe_shutdown_says_triple_fault(void **state)
{
	struct kvm_run run;
	char buf[200];

	(void)state;
	fake_exit(&run, KVM_EXIT_SHUTDOWN);
	assert_non_null(strstr(describe(&run, buf, sizeof(buf)), "triple"));
}

static void test_exit_describe_system_events(void **state)
{
	struct kvm_run run;
	char buf[200];

	(void)state;
	fake_exit(&run, KVM_EXIT_SYSTEM_EVENT);
	run.system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
	describe(&run, buf, sizeof(buf));
	assert_non_null(strstr(buf, "power-off"));
	assert_non_null(strstr(buf, "system event 1"));

	run.system_event.type = KVM_SYSTEM_EVENT_RESET;
	describe(&run, buf, sizeof(buf));
	assert_non_null(strstr(buf, "reset"));
	assert_non_null(strstr(buf, "system event 2"));

	run.system_event.type = KVM_SYSTEM_EVENT_CRASH;
	describe(&run, buf, sizeof(buf));
	assert_non_null(strstr(buf, "crash"));
	assert_non_null(strstr(buf, "system event 3"));
}

static void test_exit_describe_fail_entry_reason_and_cpu(void **state)
{
	struct kvm_run run;
	char buf[200];

	(void)state;
	fake_exit(&run, KVM_EXIT_FAIL_ENTRY);
	run.fail_entry.hardware_entry_failure_reason = 0x80000021;
	run.fail_entry.cpu = 5;
	describe(&run, buf, sizeof(buf));
	assert_non_null(strstr(buf, "0x80000021"));
	assert_non_null(strstr(buf, "cpu 5"));
}

static void test_exit_describe_internal_error_suberror(void **state)
{
	struct kvm_run run;
	char buf[200];

	(void)state;
	fake_exit(&run, KVM_EXIT_INTERNAL_ERROR);
	run.internal.suberror = KVM_INTERNAL_ERROR_EMULATION;
	describe(&run, buf, sizeof(buf));
	assert_non_null(strstr(buf, "suberror 1"));
	assert_non_null(strstr(buf, "emulation"));

	run.internal.suberror = KVM_INTERNAL_ERROR_DELIVERY_EV;
	describe(&run, buf, sizeof(buf));
	assert_non_null(strstr(buf, "suberror 3"));
	assert_null(strstr(buf, "emulation"));
}

static void test_exit_describe_unknown_reason_number(void **state)
{
	struct kvm_run run;
	char buf[200];

	(void)state;
	fake_exit(&run, 9999);
	assert_non_null(strstr(describe(&run, buf, sizeof(buf)), "9999"));

	fake_exit(&run, KVM_EXIT_HYPERCALL);
	assert_non_null(strstr(describe(&run, buf, sizeof(buf)), "reason 3"));
}

static void test_exit_describe_other_kinds_name_the_kind(void **state)
{
	struct kvm_run run;
	char buf[200];

	(void)state;
	fake_exit(&run, KVM_EXIT_HLT);
	assert_non_null(strstr(describe(&run, buf, sizeof(buf)), "hlt"));
	fake_exit(&run, KVM_EXIT_X86_BUS_LOCK);
	assert_non_null(strstr(describe(&run, buf, sizeof(buf)), "bus_lock"));
}

static void test_exit_describe_truncates_to_len(void **state)
{
	struct kvm_run run;
	char buf[32];

	(void)state;
	memset(buf, 'X', sizeof(buf));
	fake_exit(&run, KVM_EXIT_FAIL_ENTRY);
	run.fail_entry.hardware_entry_failure_reason = 0x80000021;
	describe(&run, buf, 8);
	assert_int_equal(strlen(buf), 7);
	/* nothing written past the given length */
	for (size_t i = 8; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 'X');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_decode_io_in),
		cmocka_unit_test(test_exit_decode_io_out),
		cmocka_unit_test(test_exit_decode_mmio),
		cmocka_unit_test(test_exit_decode_hlt),
		cmocka_unit_test(test_exit_decode_shutdown_is_crash),
		cmocka_unit_test(test_exit_decode_system_event_shutdown),
		cmocka_unit_test(test_exit_decode_system_event_reset),
		cmocka_unit_test(test_exit_decode_system_event_crash),
		cmocka_unit_test(test_exit_decode_system_event_other_type_resumes),
		cmocka_unit_test(test_exit_decode_fail_entry),
		cmocka_unit_test(test_exit_decode_internal_error),
		cmocka_unit_test(test_exit_decode_bus_lock_exit),
		cmocka_unit_test(test_exit_decode_intr_resumes),
		cmocka_unit_test(test_exit_decode_harmless_exits_resume_as_other),
		cmocka_unit_test(test_exit_decode_unhandled_reasons_fail),
		cmocka_unit_test(test_exit_decode_bus_lock_flag_on_io),
		cmocka_unit_test(test_exit_decode_bus_lock_flag_on_mmio),
		cmocka_unit_test(test_exit_decode_bus_lock_flag_on_any_exit),
		cmocka_unit_test(test_exit_decode_bus_lock_false_without_flag),
		cmocka_unit_test(test_exit_kind_name_every_kind),
		cmocka_unit_test(test_exit_kind_name_invalid),
		cmocka_unit_test(test_exit_describe_shutdown_says_triple_fault),
		cmocka_unit_test(test_exit_describe_system_events),
		cmocka_unit_test(test_exit_describe_fail_entry_reason_and_cpu),
		cmocka_unit_test(test_exit_describe_internal_error_suberror),
		cmocka_unit_test(test_exit_describe_unknown_reason_number),
		cmocka_unit_test(test_exit_describe_other_kinds_name_the_kind),
		cmocka_unit_test(test_exit_describe_truncates_to_len),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
