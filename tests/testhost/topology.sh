# SPDX-License-Identifier: Apache-2.0
# Test host topology check: run with
#   scripts/testhost.sh --cpu max,vendor=GenuineIntel --no-kvm \
#       --smp 4,sockets=2,cores=1,threads=2 --numa tests/testhost/topology.sh
# and the test host has two NUMA nodes of two SMT siblings each; rtvmm plan must see both
# nodes and the siblings. (TCG's AMD CPU, the one kvm_amd needs, shows Linux no SMT
# siblings: it lacks topoext. rtvmm plan needs no /dev/kvm, so an Intel CPU does.)
set -e
nodes=0
for n in /sys/devices/system/node/node[0-9]*; do
	echo "$(basename "$n"): cpus $(cat "$n/cpulist"), $(awk '/MemTotal/ { print $4 " kB" }' "$n/meminfo")"
	nodes=$((nodes + 1))
done
for c in /sys/devices/system/cpu/cpu[0-9]*; do
	echo "$(basename "$c"): package $(cat "$c/topology/physical_package_id"), siblings $(cat "$c/topology/thread_siblings_list")"
done
[ "$nodes" -eq 2 ] || { echo "FAIL: $nodes NUMA nodes, want 2"; exit 1; }

echo "--- rtvmm plan /config/default.ini"
rtvmm plan /config/default.ini | tee /tmp/plan-default
echo "--- rtvmm plan, vCPUs placed automatically"
rtvmm plan /config/default.ini --set vcpu.0.cpus=auto --set vcpu.1.cpus=auto | tee /tmp/plan-auto
echo "--- rtvmm plan --json"
rtvmm plan /config/default.ini --json | tee /tmp/plan-json
grep -q 'sibling' /tmp/plan-default || { echo "FAIL: plan names no SMT siblings"; exit 1; }
echo "PASS: 2 NUMA nodes, SMT siblings seen by rtvmm plan"
