/* SPDX-License-Identifier: Apache-2.0 */
/* vCPU 0 writes 42 to the debug-exit port: rtvmm must exit with status 42. */
#include "abi.h"
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	test %edi, %edi
	jnz 1f
	mov $42, %al
	outb %al, $PORT_DEBUG_EXIT
1:	cli
	hlt
	jmp 1b
