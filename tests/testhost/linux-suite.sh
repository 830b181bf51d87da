# SPDX-License-Identifier: Apache-2.0
# The Linux guest tests of `make test`, run inside the test host (real kvm_amd) by
# tests/run-tests.sh through scripts/testhost.sh. Each test boots Debian's kernel with the
# busybox guest initramfs under rtvmm and checks the exit code and the guest's markers.
# Prints "ok - NAME" / "not ok - NAME: why" per test, then one line
# "linux: P passed, F failed, 0 skipped". The test host has one CPU: every vCPU is
# pinned to CPU 0. Consoles stay quiet: every UART byte is an exit.
set -u
passed=0 failed=0
work=/tmp/linux-suite
mkdir -p "$work"

# cfg NAME VCPUS KERNEL CMDLINE [[sched] LINES...]: writes $work/NAME.ini (the default
# [sched] is policy = other)
cfg() {
	name=$1 vcpus=$2 kernel=$3 cmdline=$4
	shift 4
	{
		printf '[vm]\nvcpus = %s\nmemory = 256M\n' "$vcpus"
		printf '[boot]\nkernel = %s\ninitrd = %s\n' "$kernel" "$RTVMM_GUEST_INITRD"
		printf 'cmdline = console=ttyS0 quiet panic=-1 %s\n' "$cmdline"
		printf '[sched]\n'
		[ $# -gt 0 ] || set -- 'policy = other'
		for line in "$@"; do
			printf '%s\n' "$line"
		done
		i=0
		while [ "$i" -lt "$vcpus" ]; do
			printf '[vcpu.%s]\ncpus = 0\n' "$i"
			i=$((i + 1))
		done
	} >"$work/$name.ini"
}

now() { cut -d' ' -f1 /proc/uptime; }
took() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }

# boot NAME: runs the VM with no input; leaves the exit code in $rc and the output in
# $work/NAME.out
boot() {
	name=$1
	start=$(now)
	timeout 60 rtvmm run "$work/$name.ini" </dev/null >"$work/$name.out" 2>&1
	rc=$?
	echo "       $name: exit $rc after $(took "$start") s"
}

# boot_typed NAME TEXT: like boot, with TEXT on rtvmm's stdin once the guest is up (a
# UART drops what arrives before the guest's driver opens it, as on hardware)
boot_typed() {
	name=$1
	start=$(now)
	rm -f "$work/$name.fifo"
	mkfifo "$work/$name.fifo"
	timeout 60 rtvmm run "$work/$name.ini" <"$work/$name.fifo" >"$work/$name.out" 2>&1 &
	vm=$!
	exec 3>"$work/$name.fifo"
	i=0
	while [ "$i" -lt 600 ] && kill -0 "$vm" 2>/dev/null &&
		! grep -q '^RTVMM-GUEST-UP' "$work/$name.out"; do
		sleep 0.1
		i=$((i + 1))
	done
	# a VM that is gone reads nothing: its end must not take the suite with it
	(trap '' PIPE; printf '%s' "$2" >&3) 2>/dev/null
	exec 3>&-
	wait "$vm"
	rc=$?
	echo "       $name: exit $rc after $(took "$start") s"
}

ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
	echo "not ok - $1: $2"
	sed 's/^/       | /' "$work/$1.out" | tail -30
	failed=$((failed + 1))
}

# expect NAME CODE MARKER...: the exit code and every marker (a grep -E pattern)
expect() {
	name=$1 code=$2
	shift 2
	[ "$rc" = "$code" ] || { not_ok "$name" "exit $rc, expected $code"; return; }
	for m in "$@"; do
		grep -Eq "$m" "$work/$name.out" || { not_ok "$name" "no line matching '$m'"; return; }
	done
	ok "$name"
}

cfg cloud_1vcpu 1 "$RTVMM_GUEST_KERNEL" ""
boot cloud_1vcpu
expect cloud_1vcpu 0 '^RTVMM-GUEST-UP .* cpus=1[[:space:]]*$' 'the guest powered off'

cfg cloud_2vcpus 2 "$RTVMM_GUEST_KERNEL" ""
boot cloud_2vcpus
expect cloud_2vcpus 0 '^RTVMM-GUEST-UP .* cpus=2[[:space:]]*$'

cfg command_output 1 "$RTVMM_GUEST_KERNEL" 'rtvmm.cmd="uname -r"'
boot command_output
expect command_output 0 '^[0-9.]+-[0-9]+-cloud-amd64' '^RTVMM-CMD-EXIT 0'

cfg reboot_is_exit_3 1 "$RTVMM_GUEST_KERNEL" 'rtvmm.action=reboot'
boot reboot_is_exit_3
expect reboot_is_exit_3 3 '^RTVMM-GUEST-UP ' 'reset'

cfg panic_is_reset 1 "$RTVMM_GUEST_KERNEL" 'rtvmm.action=panic'
boot panic_is_reset
expect panic_is_reset 3 '^RTVMM-GUEST-UP ' 'Kernel panic'

# a shell on the serial console reads a command from rtvmm's stdin
cfg stdin_shell 1 "$RTVMM_GUEST_KERNEL" 'rtvmm.shell'
boot_typed stdin_shell 'echo answer-$((6 * 7))
poweroff -f
'
expect stdin_shell 0 'answer-42'

# the full scheduling configuration, as for the probe: RR, pinned, in a cgroup. One vCPU:
# two RR vCPUs sharing the test host's only CPU wait out each other's 100 ms timeslices
# whenever the guest waits for its other CPU, and under TCG that takes minutes
cfg pinned_rt 1 "$RTVMM_GUEST_KERNEL" "" 'policy = rr' 'rt_priority = 6' 'cgroup = rtvmm/linux'
boot pinned_rt
expect pinned_rt 0 '^RTVMM-GUEST-UP .* cpus=1[[:space:]]*$' \
	'vcpu0: thread rtvmm-vcpu0 tid [0-9]+, cpus 0, SCHED_RR priority 6, cgroup rtvmm/linux'

if [ -n "${RTVMM_GUEST_GENERIC_KERNEL:-}" ]; then
	cfg generic_kernel 1 "$RTVMM_GUEST_GENERIC_KERNEL" ""
	boot generic_kernel
	expect generic_kernel 0 '^RTVMM-GUEST-UP .* cpus=1[[:space:]]*$'
fi

echo "linux: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
