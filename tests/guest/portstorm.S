/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An exit storm: each vCPU writes port 0x80 (claimed by nobody) 200000 times, then
 * vCPU 0 waits for the others and exits with 0. Used by the benchmark and the tests.
 */
#include "abi.h"
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	mov $200000, %ecx
1:	outb %al, $0x80
	dec %ecx
	jnz 1b
	lock incl GUEST_INFO_DONE_COUNT(%rsi)
	test %edi, %edi
	jnz park
	mov GUEST_INFO_NR_VCPUS(%rsi), %ebx
2:	pause
	cmp GUEST_INFO_DONE_COUNT(%rsi), %ebx
	jne 2b
	xor %eax, %eax
	outb %al, $PORT_DEBUG_EXIT
park:
	cli
	hlt
	jmp park
