// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm run`: one VM from a validated config, driven by the main thread's event loop
 * until it ends, and `rtvmm plan`, which shows where its threads would run. Commands
 * return the process exit code of DESIGN.md.
 */
#ifndef RTVMM_RUN_H
#define RTVMM_RUN_H

#include "vm.h"

#include <stdbool.h>

struct cfg;
struct plan;

/*
 * What a command built on `rtvmm run` (`rtvmm jitter`) adds to a run, all in the main
 * thread. Any callback may be NULL.
 */
struct run_hooks {
	void *ctx;
	const struct plan *plan;	/* the placement to run with; NULL: built here */
	unsigned tick_ms;	/* period of tick(); 0 = no ticks */
	/* every vCPU is in the guest: the measurement starts */
	void (*started)(void *ctx, struct vm *vm);
	/* every tick_ms while the VM runs (the event loop's timeout) */
	void (*tick)(void *ctx, struct vm *vm);
	/* the VM has ended; its vCPU threads still exist, idle: a last look at /proc */
	void (*ending)(void *ctx, struct vm *vm);
	/* the vCPU threads are joined, guest memory is still mapped: the results */
	void (*ended)(void *ctx, struct vm *vm, enum vm_end end);
};

/* `rtvmm run`: runs the VM. Returns the exit code. */
int run_vm(const struct cfg *cfg);

/*
 * The same with hooks; with an `ended` hook, the probe's table is left to it. Returns
 * the exit code.
 */
int run_vm_hooks(const struct cfg *cfg, const struct run_hooks *hooks);

/* `rtvmm plan`: prints the placement as a table or JSON. Returns the exit code. */
int run_plan(const struct cfg *cfg, bool json);

/*
 * The placement of a config on this host (its hwloc topology). Returns 0 with a heap
 * plan for the caller to free, or -errno with the reason logged.
 */
int run_plan_build(const struct cfg *cfg, struct plan **out);

#endif
