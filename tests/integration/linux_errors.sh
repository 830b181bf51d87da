#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Integration tests for booting a Linux bzImage that cannot be booted: each must end with
# exit status 2 and one message naming the key, the file and the reason, before any vCPU
# runs. Sourced by run.sh, whose helpers (cfg, run, pass, fail, skip, $tmp, $RTVMM) they
# use. The bzImage is /boot/vmlinuz-* or $RTVMM_TEST_BZIMAGE when there is one, else one
# fabricated here (a setup header that says: protocol 2.15, 64-bit, relocatable, runs at
# 16 MiB with init_size 32 MiB).
# shellcheck disable=SC2154	# rc, tmp, RTVMM and RTVMM_SAN come from run.sh

# put FILE OFFSET BYTE...: writes hex bytes at an offset of FILE.
put() {
	local f=$1 off=$2
	shift 2
	# shellcheck disable=SC2059
	printf "$(printf '\\x%s' "$@")" | dd of="$f" bs=1 seek=$((off)) conv=notrunc status=none
}

# fake_bzimage FILE: 5 sectors of setup and 4 KiB of kernel.
fake_bzimage() {
	local f=$1
	truncate -s 0 "$f" && truncate -s $((5 * 512 + 4096)) "$f"
	put "$f" 0x1f1 04                   # setup_sects
	put "$f" 0x1f4 00 01 00 00          # syssize: 4096 / 16
	put "$f" 0x1fe 55 aa                # boot flag
	put "$f" 0x200 eb 6a                # jump past the header
	put "$f" 0x202 48 64 72 53          # "HdrS"
	put "$f" 0x206 0f 02                # protocol 2.15
	put "$f" 0x211 01                   # loadflags: LOADED_HIGH
	put "$f" 0x22c ff ff ff 7f          # initrd_addr_max
	put "$f" 0x230 00 00 20 00          # kernel_alignment 2 MiB
	put "$f" 0x234 01                   # relocatable
	put "$f" 0x236 01 00                # xloadflags: XLF_KERNEL_64
	put "$f" 0x238 ff 07 00 00          # cmdline_size 2047
	put "$f" 0x258 00 00 00 01 00 00 00 00  # pref_address 16 MiB
	put "$f" 0x260 00 00 00 02          # init_size 32 MiB
}

# bzimage: prints the path of a bzImage to test with.
bzimage() {
	local k=${RTVMM_TEST_BZIMAGE:-} found=(/boot/vmlinuz-*)
	[ -n "$k" ] || [ ! -e "${found[0]}" ] || k=${found[0]}
	if [ -z "$k" ] || [ ! -r "$k" ]; then
		k=$tmp/fake-bzImage
		[ -s "$k" ] || fake_bzimage "$k"
	fi
	echo "$k"
}

# linux_cfg NAME KEY=VALUE...: a kernel config (64 MiB unless MEMORY is set).
linux_cfg() {
	local name=$1
	shift
	cfg "$name" '[vm]' vcpus=1 "memory=${MEMORY:-64M}" '[boot]' "$@" \
		'[sched]' policy=other boost_uclamp=false core_scheduling=off \
		'[memory]' numa_node=none
}

# expect_2 MESSAGE: exit 2, MESSAGE (a fixed string) in the log, no vCPU started.
expect_2() {
	[ "$rc" -ne 124 ] || { fail "hung"; return 1; }
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return 1; }
	grep -qF -- "$1" "$tmp/err" || { fail "no message '$1'"; return 1; }
	grep -q "vCPUs running" "$tmp/err" && { fail "the vCPUs started"; return 1; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" &&
		{ fail "sanitizer report"; return 1; }
	return 0
}

t_linux_missing_kernel_exits_2() {
	run "$RTVMM_SAN" run "$(linux_cfg lmiss kernel=/nonexistent/bzImage)"
	expect_2 "error: [boot] kernel = /nonexistent/bzImage: No such file or directory" && pass
}

t_linux_kernel_directory_exits_2() {
	run "$RTVMM" run "$(linux_cfg ldir kernel="$tmp")"
	expect_2 "[boot] kernel = $tmp: not a regular file (a directory)" && pass
}

t_linux_truncated_kernel_exits_2() {
	local k
	k=$(bzimage)
	head -c 3000 "$k" >"$tmp/truncated"
	run "$RTVMM_SAN" run "$(linux_cfg ltrunc kernel="$tmp/truncated")"
	expect_2 "[boot] kernel = $tmp/truncated: truncated: header says" || return
	grep -qF "file has 3000" "$tmp/err" || { fail "the file's size is not named"; return; }
	pass
}

t_linux_not_a_bzimage_exits_2() {
	local elf
	elf=$(type -P true)
	run "$RTVMM" run "$(linux_cfg lelf kernel="$elf")"
	expect_2 "[boot] kernel = $elf: not a Linux bzImage" && pass
}

t_linux_kernel_larger_than_memory_exits_2() {
	run "$RTVMM" run "$(MEMORY=16M linux_cfg lsmall kernel="$(bzimage)")"
	expect_2 "[boot] kernel = $(bzimage): needs guest RAM up to 0x" || return
	grep -qF "[vm] memory = 16 MiB" "$tmp/err" || { fail "the memory size is not named"; return; }
	pass
}

t_linux_initrd_larger_than_memory_exits_2() {
	truncate -s 300M "$tmp/big-initrd"	# sparse: costs no disk
	run "$RTVMM_SAN" run "$(MEMORY=256M linux_cfg lbig kernel="$(bzimage)" \
		initrd="$tmp/big-initrd")"
	expect_2 "[boot] initrd = $tmp/big-initrd: 300 MiB does not fit: only " || return
	grep -qF "of guest RAM is free between the kernel" "$tmp/err" ||
		{ fail "the free RAM is not named"; return; }
	pass
}

t_linux_missing_initrd_exits_2() {
	run "$RTVMM" run "$(linux_cfg lnoinitrd kernel="$(bzimage)" initrd=/nonexistent/initrd)"
	expect_2 "[boot] initrd = /nonexistent/initrd: No such file or directory" && pass
}
