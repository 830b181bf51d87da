#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make demo`: boots the default pinned guest and shows its jitter. On a host whose KVM
# is hardware virtualization (rtvmm check says so) that is Debian's kernel from
# config/default.ini, with a shell on the console when stdin is a terminal (or one
# command when it is not); then `rtvmm jitter` measures the same placement. On a host
# whose KVM cannot boot Linux (software virtualization such as kvm_pvm) it says so and
# runs the built-in probe guest of config/probe.ini through `rtvmm jitter` instead.
set -euo pipefail
build=${1:-build}
rtvmm=$build/rtvmm

# check exits 1 when anything FAILs (say, no access to /dev/kvm): its lines still count
report=$("$rtvmm" check 2>/dev/null || true)
if grep -Eq '^OK +kvm-virtualization' <<<"$report"; then
	echo "demo: this host has hardware virtualization: booting Debian's kernel (config/default.ini)"
	scripts/guest-assets.sh
	if [ -t 0 ]; then
		echo "demo: a shell on the guest's console; 'poweroff -f' ends it (Ctrl-A x quits)"
		"$rtvmm" run config/default.ini
	else
		"$rtvmm" run config/default.ini \
			--set 'boot.cmdline=console=ttyS0 quiet panic=-1 rtvmm.cmd="uname -a; nproc"'
	fi
	echo "demo: measuring the same placement with the built-in probe"
	"$rtvmm" jitter config/default.ini --duration 10
else
	why=$(sed -nE 's/^(WARN|FAIL) +kvm-virtualization +//p' <<<"$report" | sed 's/ -- fix:.*//')
	echo "demo: ${why:-the KVM of this host cannot boot a stock Linux kernel}"
	echo "demo: running the built-in probe guest instead (config/probe.ini); Linux guests" \
		"are tested in a QEMU test host (docs/testing.md)"
	"$rtvmm" jitter config/probe.ini --duration 5
fi
