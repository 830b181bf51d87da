// SPDX-License-Identifier: Apache-2.0
/*
 * Flat 64-bit payloads ([boot] payload): the built-in jitter probe or a binary file,
 * loaded at GUEST_PAYLOAD_ADDR and entered directly in long mode on every vCPU with
 * the state guest/abi.h describes. Main thread, before the vCPUs start.
 */
#ifndef RTVMM_BOOT_PAYLOAD_H
#define RTVMM_BOOT_PAYLOAD_H

struct vm;

/*
 * Loads the payload, builds the entry tables and the info page, and sets every vCPU's
 * registers. Returns 0, -EINVAL for a payload or memory size the configuration gets
 * wrong (logged, naming the file or key), or another -errno.
 */
int payload_load(struct vm *vm);

#endif
