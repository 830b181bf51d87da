/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Touches ports and MMIO that no device decodes, then checks that reads returned all
 * ones and exits with 0 (or 7 if a read did not). vCPU 0 prints "ok" on the debug
 * console; other vCPUs halt.
 */
#include "abi.h"
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	test %edi, %edi
	jnz park
	mov $0x1234, %dx
	mov $0x5a, %al
	outb %al, %dx			/* unclaimed port write */
	mov $0x5678, %dx
	inb %dx, %al			/* unclaimed port read: 0xff */
	cmp $0xff, %al
	jne bad
	mov $0x12345678, %eax
	movabs %eax, 0xd0000000		/* unclaimed MMIO write (in the hole below 4 GiB) */
	movabs 0xd0000010, %eax		/* unclaimed MMIO read: all ones */
	cmp $0xffffffff, %eax
	jne bad
	mov $'o', %al
	outb %al, $PORT_DEBUGCON
	mov $'k', %al
	outb %al, $PORT_DEBUGCON
	mov $'\n', %al
	outb %al, $PORT_DEBUGCON
	xor %eax, %eax
	outb %al, $PORT_DEBUG_EXIT
	jmp park
bad:
	mov $7, %al
	outb %al, $PORT_DEBUG_EXIT
park:
	cli
	hlt
	jmp park
