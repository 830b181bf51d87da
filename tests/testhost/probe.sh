# SPDX-License-Identifier: Apache-2.0
# Test host smoke test: /dev/kvm is kvm_amd with nested paging, and rtvmm runs its
# built-in probe guest on it. probe.ini pins its two vCPUs to host CPUs 0 and 1; on a
# one-CPU test host both go to CPU 0. Run with: scripts/testhost.sh tests/testhost/probe.sh
set -e
echo "npt=$(cat /sys/module/kvm_amd/parameters/npt)"
set -- --set probe.duration=1
[ -d /sys/devices/system/cpu/cpu1 ] || set -- "$@" --set vcpu.1.cpus=0
start=$(cut -d' ' -f1 /proc/uptime)
rtvmm run /config/probe.ini "$@"
echo "rtvmm run exited 0 after $(awk -v a="$start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { print b - a }') s"
