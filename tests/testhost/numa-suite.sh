# SPDX-License-Identifier: Apache-2.0
# NUMA binding for real, run by tests/run-tests.sh inside a test host with two NUMA nodes
# (scripts/testhost.sh --numa): node 0 has the CPU, node 1 only memory. The probe's guest
# RAM must land on the node the config names, as /proc/PID/numa_maps counts it and as
# rtvmm's log line reports it. Prints "ok - NAME" / "not ok - NAME: why" per test and
# one line "numa: P passed, F failed, 0 skipped".
set -u
passed=0 failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
not_ok() {
	echo "not ok - $1: $2"
	sed 's/^/       | /' /tmp/numa.out | tail -20
	failed=$((failed + 1))
}

# probe NAME NODE_SETTING EXPECTED_LOG_PATTERN
probe() {
	rtvmm run /config/probe.ini --set vcpu.1.cpus=0 --set probe.duration=1 \
		--set memory.numa_node="$2" >/tmp/numa.out 2>&1
	rc=$?
	[ "$rc" = 0 ] || { not_ok "$1" "exit $rc, expected 0"; return; }
	grep -Eq "$3" /tmp/numa.out || { not_ok "$1" "no log line matching '$3'"; return; }
	ok "$1"
}

if [ -d /sys/devices/system/node/node1 ]; then
	ok two_nodes_seen
else
	echo "not ok - two_nodes_seen: no /sys/devices/system/node/node1"
	failed=$((failed + 1))
fi
probe memory_on_node_1 1 'bound to node 1; node 1: 100%'
probe memory_on_node_0 0 'bound to node 0; node 0: 100%'
# auto: the node of the vCPUs' CPUs, which is node 0 here
probe memory_auto_follows_the_cpus auto 'bound to node 0; node 0: 100%'

echo "numa: $passed passed, $failed failed, 0 skipped"
[ "$failed" -eq 0 ]
