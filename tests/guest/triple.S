/* SPDX-License-Identifier: Apache-2.0 */
/* Triple-faults: an empty IDT turns the #UD into #GP, #DF, then a shutdown. */
#include "abi.h"
	.code64
	.section .text.start, "ax"
	.globl _start
_start:
	lidt empty_idt
	ud2
	.section .rodata
empty_idt:
	.word 0
	.quad 0
