/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An exit storm: each vCPU writes port 0x80 (claimed by nobody) STORM_EXITS times, timing
 * itself with the TSC. vCPU 0 then waits for the others, prints its own rate as
 * "exits_per_s N" on the debug console and exits with 0. The benchmark and the tests
 * run it; the rate is measured inside the guest, so any VMM running it is timed alike.
 */
#include "abi.h"
#define STORM_EXITS 200000
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	mov %rsi, %rbp			/* struct guest_info */
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	mov %rdx, %r12			/* start */
	mov $STORM_EXITS, %ecx
1:	outb %al, $0x80
	dec %ecx
	jnz 1b
	rdtsc
	shl $32, %rdx
	or %rax, %rdx
	sub %r12, %rdx
	mov %rdx, %r12			/* cycles taken */
	lock incl GUEST_INFO_DONE_COUNT(%rbp)
	test %edi, %edi
	jnz park
	mov GUEST_INFO_NR_VCPUS(%rbp), %ebx
2:	pause
	cmp GUEST_INFO_DONE_COUNT(%rbp), %ebx
	jne 2b
	/* exits per second = STORM_EXITS * tsc_khz * 1000 / cycles */
	mov GUEST_INFO_TSC_KHZ(%rbp), %eax
	imul $STORM_EXITS * 1000, %rax
	xor %edx, %edx
	div %r12
	mov %rax, %r13
	lea label(%rip), %rsi
3:	lodsb
	test %al, %al
	jz 4f
	outb %al, $PORT_DEBUGCON
	jmp 3b
4:	mov %r13, %rax			/* digits, least significant first, onto the stack */
	mov $10, %rcx
	xor %ebx, %ebx
5:	xor %edx, %edx
	div %rcx
	add $'0', %dl
	push %rdx
	inc %ebx
	test %rax, %rax
	jnz 5b
6:	pop %rax
	outb %al, $PORT_DEBUGCON
	dec %ebx
	jnz 6b
	mov $'\n', %al
	outb %al, $PORT_DEBUGCON
	xor %eax, %eax
	outb %al, $PORT_DEBUG_EXIT
park:
	cli
	hlt
	jmp park
	.section .rodata
label:
	.asciz "exits_per_s "
