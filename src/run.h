// SPDX-License-Identifier: Apache-2.0
/*
 * `rtvmm run`: one VM from a validated config, driven by the main thread's event loop
 * until it ends. Returns the process exit code of DESIGN.md.
 */
#ifndef RTVMM_RUN_H
#define RTVMM_RUN_H

struct cfg;

int run_vm(const struct cfg *cfg);

#endif
