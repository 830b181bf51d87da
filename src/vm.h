// SPDX-License-Identifier: Apache-2.0
/*
 * A VM: the KVM VM fd, guest memory, the port-I/O and MMIO buses with their devices,
 * the console, and the vCPUs. The main thread creates, starts, stops and destroys it;
 * vCPU threads call vm_end() when the guest ends the VM. Two VMs can live in one
 * process: nothing here is global.
 */
#ifndef RTVMM_VM_H
#define RTVMM_VM_H

#include "bus.h"
#include "console.h"
#include "dev/debugcon.h"
#include "dev/debugexit.h"
#include "dev/i8042.h"
#include "dev/pci.h"
#include "dev/rtc.h"
#include "dev/uart.h"
#include "kvm.h"
#include "vcpu.h"

#include "../config/config.h"
#include "../sched/cgroup.h"
#include "../sched/plan.h"
#include "../sched/ratelimit.h"
#include "../sched/thread.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

/* How a VM ended; rtvmm's exit code follows from it (vm_exit_code). */
enum vm_end {
	VM_END_NONE,		/* still running */
	VM_END_POWEROFF,	/* the guest powered off; status = its exit status */
	VM_END_STOPPED,		/* the host asked it to stop (signal, control socket) */
	VM_END_RESET,		/* the guest asked for a reset or triple-faulted */
	VM_END_CRASHED,		/* the guest crashed (a KVM crash event) */
	VM_END_FAILED,		/* rtvmm or KVM failed while running it */
	VM_END_START_FAILED,	/* a vCPU could not be set up: nothing ran */
};

/* Bits of vm.pc_devices. */
#define VM_DEV_UART (1u << 0)
#define VM_DEV_RTC (1u << 1)
#define VM_DEV_I8042 (1u << 2)

#define VM_COM1_PORT 0x3f8
#define VM_COM1_IRQ 4

/* Guest RAM above this address continues at 4 GiB, leaving a hole for MMIO. */
#define VM_LOW_MEM_LIMIT (3ULL << 30)

/*
 * Host features a config can ask for. When the host cannot give one, the VM warns once
 * (not once per vCPU) or, with [vm] strict, refuses to start.
 */
enum vm_feature {
	VM_FEAT_UCLAMP,
	VM_FEAT_CORE_SCHED,
	VM_FEAT_CGROUP,
	VM_FEAT_RT,
	VM_FEAT_HALT_POLL,
	VM_FEAT_DISABLE_EXITS,
	VM_FEAT_BUS_LOCK,
	VM_FEAT_MLOCK,
	VM_FEAT_HUGEPAGES,
	VM_FEAT_COUNT
};

struct vm_start {
	pthread_mutex_t lock;	/* protects the fields below */
	pthread_cond_t changed;
	unsigned reported;	/* vCPU threads that finished setup, well or not */
	bool decided;		/* main thread has said go or abort */
	bool go;
};

struct vm {
	const struct cfg *cfg;
	const struct plan *plan;	/* where every thread runs; owned by the caller */
	struct kvm_sys kvm;
	int fd;				/* KVM VM fd, -1 when closed */
	uint8_t *mem;			/* guest RAM; NULL when unmapped */
	uint64_t mem_bytes;
	size_t mem_page_bytes;		/* 4 KiB, or the hugepage size backing it */
	unsigned tsc_khz;
	struct bus io_bus;
	struct bus mmio_bus;
	struct console console;
	struct debugcon debugcon;
	struct debugexit debugexit;
	/* the PC devices a Linux guest needs; only with [boot] kernel (`pc_devices` says which) */
	struct uart uart;		/* COM1: 0x3f8, IRQ 4, the serial console */
	struct rtc rtc;			/* CMOS RTC: 0x70-0x71 */
	struct i8042 i8042;		/* its reset line: 0x60, 0x64 */
	struct pci_noop pci;		/* config ports answering "no device": 0xcf8-0xcff */
	unsigned pc_devices;		/* VM_DEV_* that were set up and need a fini */
	unsigned nr_vcpus;
	struct vcpu **vcpus;
	int event_fd;			/* vCPU threads -> main thread: "look at the VM" */
	struct vm_start start;
	struct cg_host cg_host;			/* valid with cg_active */
	struct cg_vm cg;			/* the cgroups this VM created */
	bool cg_active;				/* vCPU threads join their cgroups */
	struct sched_core_group core_group;	/* [sched] core_scheduling = vm */
	struct ratelimit bus_lock_limit;	/* [sched] bus_lock_ratelimit, all vCPUs */
	bool bus_lock_limit_ready;
	_Atomic bool warned[VM_FEAT_COUNT];	/* a feature the host lacks was reported */
	_Atomic bool refused;			/* [vm] strict refused a missing feature */
	pthread_mutex_t end_lock;	/* serializes vm_end() callers */
	_Atomic int end;		/* enum vm_end; the first vm_end() wins */
	int end_status;			/* with VM_END_POWEROFF; written by the winner */
	char end_reason[256];		/* written by the winner before `end` is set */
};

/*
 * Creates the VM from a validated config and its placement plan (both must outlive the
 * VM): KVM, memory, irqchip, buses, devices, cgroups, vCPUs. Returns 0, -EINVAL when
 * the configuration cannot be delivered on this host (a missing resource, or a feature
 * [vm] strict requires), or another -errno. Main thread.
 */
int vm_create(struct vm **out, const struct cfg *cfg, const struct plan *plan);
void vm_destroy(struct vm *vm);

/*
 * Applies the failure policy to a requested feature the host could not give (`err` is
 * the -errno, `fmt` says what is missing and how to get it). With [vm] strict: logs an
 * error and returns `err`. Otherwise: logs one warning per feature and VM, and returns
 * 0. Any thread.
 */
int vm_feature_failed(struct vm *vm, enum vm_feature feature, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Step 3 of a vCPU's setup: joins the cgroup of vCPU `id` (nothing without one). Returns
 * 0 or -errno with `err`. The vCPU's own thread.
 */
int vm_cgroup_attach(struct vm *vm, unsigned id, pid_t tid, char *err, size_t errlen);

/*
 * Before step 4 and on a re-pin: refuses a pinning outside the cpuset of the cgroup the
 * vCPU joined (the kernel would narrow it silently, or refuse without saying why).
 * Returns 0, -EINVAL with `err` naming the CPUs and the cpuset, or -errno. vCPU thread.
 */
int vm_cgroup_check_cpus(struct vm *vm, unsigned id, const struct sched_thread_plan *plan,
			 char *err, size_t errlen);

/* Host address of guest-physical [gpa, gpa + len), or NULL when not all RAM. */
void *vm_gpa_to_hva(const struct vm *vm, uint64_t gpa, uint64_t len);

/*
 * Starts every vCPU thread and waits until each has set itself up. If any failed, the
 * others are released to exit, all are joined, and -errno is returned with the reason
 * logged; otherwise all enter the guest together. Main thread.
 */
int vm_start(struct vm *vm);

/* Called by a vCPU thread after setup; blocks until the main thread decides. */
bool vm_start_report(struct vm *vm);

/* Ends the VM (first caller wins) and wakes the main thread. Any thread. */
void vm_end(struct vm *vm, enum vm_end end, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Asks every vCPU to leave the guest and joins them. Main thread. */
void vm_stop(struct vm *vm);

/* Posts a message to every vCPU (no reply). Returns the first error or 0. */
int vm_broadcast(struct vm *vm, const struct vcpu_msg *msg);

/* The process exit code for how the VM ended (DESIGN.md: 0, 1, 2, 3). */
int vm_exit_code(enum vm_end end, int status);

#endif
