# SPDX-License-Identifier: Apache-2.0
# Boot time to the guest's /init marker, rtvmm against QEMU -M microvm, with the same
# kernel, initramfs and command line, alternating runs inside one test host (run by
# bench/run.sh through scripts/testhost.sh --with-qemu). Time is from the VMM's start to
# the moment its output shows RTVMM-GUEST-UP, polled every 5 ms
# (/proc/uptime: 10 ms resolution). Prints one line per
# run, "boot rtvmm|qemu SECONDS", then "boot-bench done".
set -u
runs=${BOOT_RUNS:-5}
cmdline='console=ttyS0 quiet panic=-1'
cat >/tmp/boot.ini <<EOF2
[vm]
vcpus = 1
memory = 256M
[boot]
kernel = $RTVMM_GUEST_KERNEL
initrd = $RTVMM_GUEST_INITRD
cmdline = $cmdline
[sched]
policy = other
[vcpu.0]
cpus = 0
EOF2

# time_to_marker NAME COMMAND...: prints "boot NAME SECONDS" (or "boot NAME failed")
time_to_marker() {
	name=$1
	shift
	rm -f /tmp/boot.out
	start=$(cut -d" " -f1 /proc/uptime)
	timeout 120 "$@" </dev/null >/tmp/boot.out 2>&1 &
	pid=$!
	i=0
	while ! grep -q RTVMM-GUEST-UP /tmp/boot.out && [ "$i" -lt 12000 ]; do
		usleep 5000
		i=$((i + 1))
	done
	end=$(cut -d" " -f1 /proc/uptime)
	wait "$pid"
	if grep -q RTVMM-GUEST-UP /tmp/boot.out; then
		awk -v a="$start" -v b="$end" -v n="$name" 'BEGIN { printf "boot %s %.3f\n", n, b - a }'
	else
		echo "boot $name failed"
		tail -5 /tmp/boot.out
	fi
}

for _ in $(seq "$runs"); do
	time_to_marker rtvmm rtvmm -q run /tmp/boot.ini
	time_to_marker qemu qemu-system-x86_64 -M microvm -enable-kvm -cpu host -smp 1 -m 256 \
		-nodefaults -no-user-config -display none -serial stdio -no-reboot \
		-kernel "$RTVMM_GUEST_KERNEL" -initrd "$RTVMM_GUEST_INITRD" -append "$cmdline"
done
echo "boot-bench done"
