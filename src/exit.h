// SPDX-License-Identifier: Apache-2.0
/*
 * Exit decoding: one pure function from a vCPU's struct kvm_run, as KVM_RUN left it,
 * to what the run loop must do next. No I/O, no state: the vCPU thread calls it after
 * every KVM_RUN, and the unit tests feed it fabricated exits.
 */
#ifndef RTVMM_EXIT_H
#define RTVMM_EXIT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>

/* Why the vCPU left the guest; indexes the per-vCPU exit counters. */
enum exit_kind {
	EXIT_KIND_IO,
	EXIT_KIND_MMIO,
	EXIT_KIND_HLT,
	EXIT_KIND_SHUTDOWN,	/* triple fault */
	EXIT_KIND_SYSTEM_EVENT,
	EXIT_KIND_FAIL_ENTRY,
	EXIT_KIND_INTERNAL_ERROR,
	EXIT_KIND_BUS_LOCK,
	EXIT_KIND_INTR,		/* a signal (kick) or immediate_exit */
	EXIT_KIND_OTHER,	/* known, harmless, resumed */
	EXIT_KIND_UNKNOWN,
	EXIT_KIND_COUNT
};

enum exit_action {
	EXIT_ACT_RESUME,	/* nothing to do: enter the guest again */
	EXIT_ACT_IO,		/* dispatch run->io to the port-I/O bus */
	EXIT_ACT_MMIO,		/* dispatch run->mmio to the MMIO bus */
	EXIT_ACT_HALT,		/* the vCPU halted with no in-kernel irqchip to wake it */
	EXIT_ACT_POWEROFF,	/* the guest asked to power off */
	EXIT_ACT_RESET,		/* the guest asked to reset, or triple-faulted */
	EXIT_ACT_CRASH,		/* the guest crashed (a crash event) */
	EXIT_ACT_FAIL,		/* KVM could not run the vCPU: a VMM or host failure */
};

struct exit_info {
	enum exit_kind kind;
	enum exit_action action;
	bool bus_lock;		/* KVM_RUN_X86_BUS_LOCK: a bus lock happened in this run */
	uint64_t detail;	/* suberror, hardware reason, event type or raw reason */
};

struct exit_info exit_decode(const struct kvm_run *run);

const char *exit_kind_name(enum exit_kind kind);

/* A one-line description of a VM-ending exit, for the log. */
void exit_describe(const struct kvm_run *run, const struct exit_info *info, char *buf,
		   unsigned len);

#endif
