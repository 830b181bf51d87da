# SPDX-License-Identifier: Apache-2.0
# Boots the guest assets (Debian's cloud kernel and the guest initramfs) with rtvmm on the
# test host's kvm_amd and waits for the guest's markers; with --with-qemu, QEMU microvm
# boots the same assets first, as a reference. Run with:
#   scripts/testhost.sh [--with-qemu] tests/testhost/linux-boot.sh
# shellcheck disable=SC3040 # busybox sh has pipefail
set -e -o pipefail
uptime_s() { cut -d' ' -f1 /proc/uptime; }
since() { awk -v a="$1" -v b="$(uptime_s)" 'BEGIN { printf "%.2f", b - a }'; }
CMDLINE='console=ttyS0 quiet panic=-1 rtvmm.cmd="uname -r"'

if command -v qemu-system-x86_64 >/dev/null; then
	start=$(uptime_s)
	qemu-system-x86_64 -M microvm -enable-kvm -cpu host -smp 1 -m 256 -nodefaults \
		-no-user-config -display none -serial stdio -no-reboot \
		-kernel "$RTVMM_GUEST_KERNEL" -initrd "$RTVMM_GUEST_INITRD" -append "$CMDLINE" \
		</dev/null | tee /tmp/qemu.log
	echo "qemu microvm: exited after $(since "$start") s"
	grep -q '^RTVMM-CMD-EXIT 0' /tmp/qemu.log || { echo "FAIL: QEMU microvm guest"; exit 1; }
fi

cat >/tmp/linux.ini <<EOF2
[vm]
vcpus = 1
memory = 256M

[boot]
kernel = $RTVMM_GUEST_KERNEL
initrd = $RTVMM_GUEST_INITRD
cmdline = $CMDLINE

[vcpu.0]
cpus = 0
EOF2
start=$(uptime_s)
set +e
rtvmm run /tmp/linux.ini 2>&1 | tee /tmp/rtvmm.log
status=$?
set -e
echo "rtvmm: exited $status after $(since "$start") s"
grep -q '^RTVMM-GUEST-UP ' /tmp/rtvmm.log || { echo "FAIL: no RTVMM-GUEST-UP from rtvmm"; exit 1; }
grep -q '^RTVMM-CMD-EXIT 0' /tmp/rtvmm.log || { echo "FAIL: no RTVMM-CMD-EXIT 0 from rtvmm"; exit 1; }
echo "PASS: rtvmm booted the guest assets"
