// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm run`: one VM from a validated config, driven by the main thread's event loop
 * until it ends, and `rtvmm plan`, which shows where its threads would run. Commands
 * return the process exit code of DESIGN.md.
 */
#ifndef RTVMM_RUN_H
#define RTVMM_RUN_H

#include <stdbool.h>

struct cfg;
struct plan;

/* `rtvmm run`: runs the VM. Returns the exit code. */
int run_vm(const struct cfg *cfg);

/* `rtvmm plan`: prints the placement as a table or JSON. Returns the exit code. */
int run_plan(const struct cfg *cfg, bool json);

/*
 * The placement of a config on this host (its hwloc topology). Returns 0 with a heap
 * plan for the caller to free, or -errno with the reason logged.
 */
int run_plan_build(const struct cfg *cfg, struct plan **out);

#endif
