// SPDX-License-Identifier: Apache-2.0
/*
 * Exit decoding (see exit.h). Pure functions over struct kvm_run.
 */
#include "exit.h"

#include <stdio.h>

static const char *const kind_names[EXIT_KIND_COUNT] = {
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

const char *exit_kind_name(enum exit_kind kind)
{
	return (unsigned)kind < EXIT_KIND_COUNT ? kind_names[kind] : "invalid";
}

static struct exit_info system_event(const struct kvm_run *run)
{
	struct exit_info e = { EXIT_KIND_SYSTEM_EVENT, EXIT_ACT_RESUME, false,
			       run->system_event.type };

	switch (run->system_event.type) {
	case KVM_SYSTEM_EVENT_SHUTDOWN:
		e.action = EXIT_ACT_POWEROFF;
		break;
	case KVM_SYSTEM_EVENT_RESET:
		e.action = EXIT_ACT_RESET;
		break;
	case KVM_SYSTEM_EVENT_CRASH:
		e.action = EXIT_ACT_CRASH;
		break;
	default:
		/* wakeup, suspend and others: nothing an x86 VMM must act on */
		break;
	}
	return e;
}

struct exit_info exit_decode(const struct kvm_run *run)
{
	struct exit_info e = { EXIT_KIND_OTHER, EXIT_ACT_RESUME, false, run->exit_reason };

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		e = (struct exit_info){ EXIT_KIND_IO, EXIT_ACT_IO, false, run->io.port };
		break;
	case KVM_EXIT_MMIO:
		e = (struct exit_info){ EXIT_KIND_MMIO, EXIT_ACT_MMIO, false, run->mmio.phys_addr };
		break;
	case KVM_EXIT_HLT:
		e = (struct exit_info){ EXIT_KIND_HLT, EXIT_ACT_HALT, false, 0 };
		break;
	case KVM_EXIT_SHUTDOWN:
		/* a PC resets on a triple fault; Linux even uses it as its last way to reboot */
		e = (struct exit_info){ EXIT_KIND_SHUTDOWN, EXIT_ACT_RESET, false, 0 };
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		e = system_event(run);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		e = (struct exit_info){ EXIT_KIND_FAIL_ENTRY, EXIT_ACT_FAIL, false,
					run->fail_entry.hardware_entry_failure_reason };
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		e = (struct exit_info){ EXIT_KIND_INTERNAL_ERROR, EXIT_ACT_FAIL, false,
					run->internal.suberror };
		break;
	case KVM_EXIT_X86_BUS_LOCK:
		e = (struct exit_info){ EXIT_KIND_BUS_LOCK, EXIT_ACT_RESUME, false, 0 };
		break;
	case KVM_EXIT_INTR:
		e = (struct exit_info){ EXIT_KIND_INTR, EXIT_ACT_RESUME, false, 0 };
		break;
	case KVM_EXIT_UNKNOWN:
	case KVM_EXIT_EXCEPTION:
	case KVM_EXIT_HYPERCALL:
		e = (struct exit_info){ EXIT_KIND_UNKNOWN, EXIT_ACT_FAIL, false, run->exit_reason };
		break;
	case KVM_EXIT_IRQ_WINDOW_OPEN:
	case KVM_EXIT_DEBUG:
	case KVM_EXIT_TPR_ACCESS:
		break;
	default:
		/* a reason this VMM never enabled: refuse to guess what the guest expects */
		e = (struct exit_info){ EXIT_KIND_UNKNOWN, EXIT_ACT_FAIL, false, run->exit_reason };
		break;
	}
	/* KVM reports bus locks on any exit through this flag, not only the dedicated one */
	e.bus_lock = run->exit_reason == KVM_EXIT_X86_BUS_LOCK ||
		     (run->flags & KVM_RUN_X86_BUS_LOCK);
	return e;
}

void exit_describe(const struct kvm_run *run, const struct exit_info *info, char *buf,
		   unsigned len)
{
	switch (info->kind) {
	case EXIT_KIND_SHUTDOWN:
		snprintf(buf, len, "the guest triple-faulted (KVM_EXIT_SHUTDOWN), which resets a PC");
		break;
	case EXIT_KIND_SYSTEM_EVENT:
		snprintf(buf, len, "the guest requested %s (system event %llu)",
			 info->action == EXIT_ACT_POWEROFF ? "power-off" :
			 info->action == EXIT_ACT_RESET ? "a reset" : "a crash stop",
			 (unsigned long long)info->detail);
		break;
	case EXIT_KIND_FAIL_ENTRY:
		snprintf(buf, len, "KVM could not enter the guest (hardware reason 0x%llx, cpu %u)",
			 (unsigned long long)info->detail, run->fail_entry.cpu);
		break;
	case EXIT_KIND_INTERNAL_ERROR:
		snprintf(buf, len, "KVM internal error, suberror %llu%s",
			 (unsigned long long)info->detail,
			 info->detail == KVM_INTERNAL_ERROR_EMULATION ?
				 " (instruction emulation failed)" : "");
		break;
	case EXIT_KIND_UNKNOWN:
		snprintf(buf, len, "unhandled exit reason %u", run->exit_reason);
		break;
	default:
		snprintf(buf, len, "exit %s", exit_kind_name(info->kind));
		break;
	}
}
