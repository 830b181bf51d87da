/* SPDX-License-Identifier: Apache-2.0 */
/* Embeds the flat probe binary (built from probe.c) into rtvmm. PROBE_BIN is its path. */
	.section .rodata
	.balign 16
	.global probe_blob_start, probe_blob_end
probe_blob_start:
	.incbin PROBE_BIN
probe_blob_end:
	.section .note.GNU-stack, "", @progbits
