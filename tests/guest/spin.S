/* SPDX-License-Identifier: Apache-2.0 */
/* Never ends on its own: a busy loop on every vCPU, for stop and signal tests. */
#include "abi.h"
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	inc %rax
	jmp _start
