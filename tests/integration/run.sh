#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Integration tests: rtvmm on the real /dev/kvm with the built-in probe and the test
# guests of tests/guest/. Each test prints ok/FAIL/skip with a reason; the last line
# is "integration: N passed, N failed, N skipped".
set -u
build=${1:-build}
RTVMM=$build/rtvmm
RTVMM_SAN=$build/rtvmm-san
GUESTS=$(cd "$build/guest" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
passed=0 failed=0 skipped=0
current=""

pass() { echo "ok   - $current"; passed=$((passed + 1)); }
skip() { echo "skip - $current: $1"; skipped=$((skipped + 1)); }
fail() {
	echo "FAIL - $current: $1"
	[ -s "$tmp/err" ] && tail -n 15 "$tmp/err" | sed 's/^/       | /'
	failed=$((failed + 1))
}

# cfg NAME LINE...: writes an INI file from its lines and prints its path.
cfg() {
	local f=$tmp/$1.ini
	shift
	printf '%s\n' "$@" >"$f"
	echo "$f"
}

# run CMD...: runs with a time limit, output in $tmp/out and $tmp/err, status in $rc.
run() {
	timeout 60 "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# fresh_logs: empties out and err before a command starts in the background, so that a
# wait on its log cannot see the previous test's lines.
fresh_logs() { : >"$tmp/out"; : >"$tmp/err"; }

has_kvm() { [ -r /dev/kvm ] && [ -w /dev/kvm ]; }
is_root() { [ "$(id -u)" -eq 0 ]; }
nr_cpus=$(nproc)

# Every test is a function t_NAME; a test calls pass, fail or skip exactly once.

t_probe_one_vcpu() {
	run "$RTVMM" run "$(cfg p1 '[vm]' vcpus=1 memory=16M '[boot]' payload=probe \
		'[sched]' policy=other '[probe]' duration=1)"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	grep -qE '^vcpu0 +[0-9]+ +[1-9][0-9]* ' "$tmp/out" || { fail "no vcpu0 result with samples"; return; }
	grep -q incomplete "$tmp/out" && { fail "a vCPU did not finish"; return; }
	pass
}

t_probe_two_vcpus_pinned() {
	[ "$nr_cpus" -ge 2 ] || { skip "needs 2 host CPUs"; return; }
	run "$RTVMM" run "$(cfg p2 '[vm]' vcpus=2 memory=16M '[boot]' payload=probe \
		'[vcpu.0]' cpus=0 '[vcpu.1]' cpus=1 '[probe]' duration=1)"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$(grep -cE '^vcpu[01] +[0-9]+ +[1-9]' "$tmp/out")" -eq 2 ] || { fail "expected 2 vCPU results"; return; }
	grep -q incomplete "$tmp/out" && { fail "a vCPU did not finish"; return; }
	pass
}

t_probe_eight_vcpus_on_two_cpus() {
	local lines=('[vm]' vcpus=8 memory=32M '[boot]' payload=probe '[probe]' duration=1)
	for i in 0 1 2 3 4 5 6 7; do lines+=("[vcpu.$i]" "cpus=$((i % nr_cpus))"); done
	run "$RTVMM" run "$(cfg p8 "${lines[@]}")"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$(grep -cE '^vcpu[0-7] +[0-9]+ +[1-9]' "$tmp/out")" -eq 8 ] || { fail "expected 8 vCPU results"; return; }
	grep -q incomplete "$tmp/out" && { fail "a vCPU did not finish"; return; }
	pass
}

# The fields of /proc/PID/task/TID/stat after the command name: policy is field 41,
# rt_priority field 40 of the whole line.
task_field() { sed 's/^.*) //' "/proc/$1/task/$2/stat" | cut -d' ' -f$(($3 - 2)); }

t_vcpu_threads_named_pinned_and_rt() {
	[ "$nr_cpus" -ge 2 ] || { skip "needs 2 host CPUs"; return; }
	is_root || { skip "SCHED_RR/FIFO needs root or RLIMIT_RTPRIO here"; return; }
	local f pid tid name cpus policy prio ok=1 seen=0
	f=$(cfg named '[vm]' vcpus=2 memory=16M '[boot]' payload=probe '[sched]' policy=rr \
		rt_priority=6 '[vcpu.0]' cpus=1 '[vcpu.1]' cpus=0 policy=fifo rt_priority=7 \
		'[probe]' duration=3)
	fresh_logs
	"$RTVMM" run "$f" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 50); do
		[ "$(cat /proc/$pid/task/*/comm 2>/dev/null | grep -c rtvmm-vcpu)" -eq 2 ] && break
		sleep 0.1
	done
	sleep 0.3	# setup runs before the threads enter the guest
	for t in /proc/$pid/task/*; do
		tid=${t##*/}
		name=$(cat "$t/comm" 2>/dev/null) || continue
		case $name in rtvmm-vcpu0 | rtvmm-vcpu1) ;; *) continue ;; esac
		seen=$((seen + 1))
		cpus=$(sed -n 's/^Cpus_allowed_list:\s*//p' "$t/status")
		policy=$(task_field "$pid" "$tid" 41)
		prio=$(task_field "$pid" "$tid" 40)
		case $name in
		rtvmm-vcpu0) [ "$cpus" = 1 ] && [ "$policy" = 2 ] && [ "$prio" = 6 ] || ok=0 ;;
		rtvmm-vcpu1) [ "$cpus" = 0 ] && [ "$policy" = 1 ] && [ "$prio" = 7 ] || ok=0 ;;
		esac
		echo "       $name: cpus $cpus policy $policy priority $prio"
	done
	wait "$pid"
	rc=$?
	[ "$seen" -eq 2 ] || { fail "found $seen of 2 vCPU threads by name"; return; }
	[ "$ok" -eq 1 ] || { fail "placement differs from the config (expected vcpu0: cpu 1 RR 6, vcpu1: cpu 0 FIFO 7)"; return; }
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	pass
}

t_emulator_pinned_and_memory_locked() {
	is_root || { skip "locking 32 MiB needs root or a larger RLIMIT_MEMLOCK"; return; }
	local pid last=$((nr_cpus - 1)) cpus lck
	fresh_logs
	"$RTVMM" run "$(cfg emu '[vm]' vcpus=1 memory=32M '[boot]' payload=probe \
		'[memory]' lock=true prefault=true '[sched]' policy=other emulator_cpus=$last \
		'[vcpu.0]' cpus=0 '[probe]' duration=2)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 50); do grep -q "vCPUs running" "$tmp/err" && break; sleep 0.1; done
	cpus=$(sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/status")
	lck=$(sed -n 's/^VmLck:\s*\([0-9]*\) kB/\1/p' "/proc/$pid/status")
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$cpus" = "$last" ] || { fail "main thread on cpus '$cpus', expected $last"; return; }
	[ "${lck:-0}" -ge 32768 ] || { fail "VmLck ${lck:-?} kB, expected at least 32768 (guest RAM locked)"; return; }
	pass
}

# Every disable_exits bit this host supports is enabled; one it lacks is warned about,
# and refused with [vm] strict. Which case applies depends on the host.
t_disable_exits_unsupported_bit_warns_or_strict_fails() {
	local f
	f=$(cfg dexits '[vm]' vcpus=1 memory=16M '[boot]' payload=probe '[sched]' policy=other \
		disable_exits=hlt,pause,mwait,cstate halt_poll_ns=50000 '[vcpu.0]' cpus=0 \
		'[probe]' duration=1)
	run "$RTVMM" run "$f"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	if grep -q "disable_exits: this host cannot disable" "$tmp/err"; then
		run "$RTVMM" run "$f" --set vm.strict=true --set sched.boost_uclamp=false \
			--set sched.core_scheduling=off --set memory.numa_node=none
		[ "$rc" -eq 2 ] || { fail "strict with an unsupported bit: exit $rc, expected 2"; return; }
		grep -q "disable_exits: this host cannot disable .*strict = true" "$tmp/err" ||
			{ fail "strict refusal does not name the missing bits"; return; }
	fi
	pass
}

# Features this kernel lacks are reported once per VM (not once per vCPU), and refused
# with [vm] strict. Which features are missing depends on the host.
t_missing_features_warned_once_and_strict_refuses() {
	local f key
	if [ -e /proc/sys/kernel/sched_util_clamp_min ]; then
		skip "this kernel has uclamp: boost_uclamp applies"
		return
	fi
	f=$(cfg lacking '[vm]' vcpus=2 memory=16M '[boot]' payload=probe '[sched]' policy=other \
		boost_uclamp=true core_scheduling=vm '[probe]' duration=1)
	run "$RTVMM" run "$f"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$(grep -c "warning: \[sched\] boost_uclamp: .*CONFIG_UCLAMP_TASK" "$tmp/err")" -eq 1 ] ||
		{ fail "expected exactly one boost_uclamp warning naming CONFIG_UCLAMP_TASK"; return; }
	key=$(grep -c "warning: \[sched\] core_scheduling: " "$tmp/err")
	[ "$key" -le 1 ] || { fail "core_scheduling warned $key times for one VM"; return; }
	run "$RTVMM" run "$f" --set vm.strict=true
	[ "$rc" -eq 2 ] || { fail "strict: exit $rc, expected 2"; return; }
	grep -q "error: \[sched\] boost_uclamp: .*strict = true" "$tmp/err" ||
		{ fail "strict refusal does not name boost_uclamp"; return; }
	pass
}

t_triple_fault_ends_as_reset() {
	run "$RTVMM_SAN" run "$(cfg triple '[vm]' vcpus=2 memory=16M '[boot]' payload="$GUESTS/triple.bin")"
	[ "$rc" -eq 3 ] || { fail "exit $rc, expected 3 (reset)"; return; }
	grep -q "triple-faulted" "$tmp/err" || { fail "no message naming the triple fault"; return; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return; }
	pass
}

t_unclaimed_io_and_mmio_counted() {
	run "$RTVMM" run "$(cfg unclaimed '[vm]' vcpus=1 memory=16M '[boot]' payload="$GUESTS/unclaimed.bin")"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0 (7: a read did not return all ones)"; return; }
	grep -qx ok "$tmp/out" || { fail "the guest did not print ok on the debug console"; return; }
	grep -q "vcpu0: .* 2 unclaimed port accesses, 2 unclaimed MMIO accesses" "$tmp/err" ||
		{ fail "unclaimed accesses not counted as 2 + 2"; return; }
	pass
}

t_debug_exit_status_passes_through() {
	run "$RTVMM" run "$(cfg status '[vm]' vcpus=2 memory=16M '[boot]' payload="$GUESTS/status.bin")"
	[ "$rc" -eq 42 ] || { fail "exit $rc, expected 42"; return; }
	pass
}

t_exit_storm() {
	run "$RTVMM" run "$(cfg storm '[vm]' vcpus=2 memory=16M '[boot]' payload="$GUESTS/portstorm.bin" \
		'[sched]' policy=other)"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$(grep -c "200000 unclaimed port accesses" "$tmp/err")" -eq 2 ] ||
		{ fail "expected 200000 port exits counted on each vCPU"; return; }
	pass
}

# stop_with SIGNAL BINARY: a never-ending guest, stopped by a signal after 1 s.
stop_with() {
	local pid start
	fresh_logs
	"$2" run "$(cfg spin '[vm]' vcpus=2 memory=16M '[boot]' payload="$GUESTS/spin.bin" \
		'[sched]' policy=other)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 1
	start=$(date +%s)
	kill -"$1" "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		kill -9 "$pid"
		fail "still running 10 s after SIG$1"
		return 1
	fi
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || { fail "exit $rc after SIG$1, expected 0"; return 1; }
	grep -q "stopped by $1" "$tmp/err" || { fail "no 'stopped by $1' message"; return 1; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return 1; }
	return 0
}

t_sigterm_stops_cleanly_without_leaks() { stop_with TERM "$RTVMM_SAN" && pass; }
t_sigint_stops_cleanly() { stop_with INT "$RTVMM" && pass; }

t_impossible_cpu_fails_start_with_2() {
	run "$RTVMM_SAN" run "$(cfg badcpu '[vm]' vcpus=2 memory=16M '[boot]' payload=probe \
		'[vcpu.1]' cpus=1000 '[probe]' duration=1)"
	[ "$rc" -ne 124 ] || { fail "hung"; return; }
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return; }
	grep -q "\[vcpu.1\] cpus = 1000: CPU 1000 does not exist on this host" "$tmp/err" ||
		{ fail "no message naming vcpu.1 and cpu 1000"; return; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return; }
	pass
}

t_config_error_exits_2_with_location() {
	local f
	f=$(cfg broken '[vm]' vcpus=2 'memory = 12Q' '[boot]' payload=probe)
	run "$RTVMM" run "$f"
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return; }
	grep -qF "$f:3: [vm] memory = '12Q'" "$tmp/err" || { fail "message lacks file:line, key and value"; return; }
	pass
}

t_missing_payload_exits_2() {
	run "$RTVMM" run "$(cfg nopayload '[vm]' vcpus=1 memory=16M '[boot]' payload=/nonexistent/guest.bin)"
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return; }
	grep -q "/nonexistent/guest.bin" "$tmp/err" || { fail "message does not name the file"; return; }
	pass
}

t_set_overrides_config() {
	run "$RTVMM" run "$(cfg setov '[vm]' vcpus=1 memory=16M '[boot]' payload=probe '[probe]' duration=30)" \
		--set probe.duration=1 --set sched.policy=other --set vm.vcpus=2
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$(grep -cE '^vcpu[01] ' "$tmp/out")" -eq 2 ] || { fail "--set vm.vcpus=2 not applied"; return; }
	run "$RTVMM" run "$tmp/setov.ini" --set vm.vcpus=zero
	[ "$rc" -eq 2 ] || { fail "a bad --set value gave exit $rc, expected 2"; return; }
	grep -q "vm.vcpus=zero" "$tmp/err" || { fail "bad --set not named"; return; }
	pass
}

t_too_little_memory_exits_2() {
	run "$RTVMM" run "$(cfg smallmem '[vm]' vcpus=4 memory=4M '[boot]' payload=probe)"
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return; }
	grep -q "too small" "$tmp/err" || { fail "no message about memory size"; return; }
	pass
}

# wait_running PID: until the VM's vCPUs have set themselves up and entered the guest.
wait_running() {
	for _ in $(seq 100); do grep -q "vCPUs running" "$tmp/err" && return 0; sleep 0.1; done
	return 1
}

# v1_mount CONTROLLER: where the cgroup v1 hierarchy with CONTROLLER is mounted, or "".
v1_mount() {
	awk -v c="$1" '$3 == "cgroup" && $4 ~ "(^|,)" c "(,|$)" {print $2; exit}' /proc/self/mounts
}

# vcpu_tid PID N: the thread id of vCPU N.
vcpu_tid() {
	grep -l "^rtvmm-vcpu$2\$" /proc/"$1"/task/*/comm 2>/dev/null | head -1 | cut -d/ -f5
}

t_cgroup_v1_placement_rt_budget_and_cleanup() {
	is_root || { skip "creating cgroups needs root"; return; }
	local cs cpu pid tid ok=1 top="rtvmm-it-$$" line
	cs=$(v1_mount cpuset)
	cpu=$(v1_mount cpu)
	[ -n "$cs" ] || { skip "no cgroup v1 cpuset hierarchy on this host"; return; }
	fresh_logs
	"$RTVMM" run "$(cfg cg '[vm]' vcpus=2 memory=16M '[boot]' payload=probe '[sched]' \
		policy=rr cgroup="$top/vm" cgroup_rt_runtime_us=20000 '[vcpu.0]' cpus=0 \
		'[vcpu.1]' cpus=$((nr_cpus - 1)) '[probe]' duration=2)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_running "$pid" || ok=0
	for n in 0 1; do
		tid=$(vcpu_tid "$pid" $n)
		line=$(grep -E ':cpuset:' "/proc/$pid/task/$tid/cgroup" 2>/dev/null)
		echo "       vcpu$n tid $tid: $line"
		[ "$line" = "${line%:/$top/vm}:/$top/vm" ] || ok=0
		if [ -n "$cpu" ]; then
			grep -qE ":cpu(,[a-z]+)*:/$top/vm\$" "/proc/$pid/task/$tid/cgroup" || ok=0
		fi
	done
	# the main thread stays where it was: only vCPU threads move on v1
	grep -qE ":cpuset:/$top" "/proc/$pid/task/$pid/cgroup" && ok=0
	[ "$(cat "$cs/$top/vm/cpuset.cpus" 2>/dev/null)" = "0-$((nr_cpus - 1))" ] || [ "$nr_cpus" -eq 1 ] || ok=0
	if [ -n "$cpu" ] && [ -e "$cpu/cpu.rt_runtime_us" ]; then
		[ "$(cat "$cpu/$top/vm/cpu.rt_runtime_us" 2>/dev/null)" = 20000 ] || ok=0
	fi
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$ok" -eq 1 ] || { fail "vCPU threads not in $top/vm with cpuset and RT budget"; return; }
	[ -e "$cs/$top" ] && { fail "$cs/$top is left behind"; rmdir "$cs/$top/vm" "$cs/$top"; return; }
	[ -n "$cpu" ] && [ -e "$cpu/$top" ] && { fail "$cpu/$top is left behind"; return; }
	pass
}

t_cgroup_existing_is_kept() {
	is_root || { skip "creating cgroups needs root"; return; }
	local cs top="rtvmm-keep-$$"
	cs=$(v1_mount cpuset)
	[ -n "$cs" ] || { skip "no cgroup v1 cpuset hierarchy on this host"; return; }
	mkdir "$cs/$top" && cat "$cs/cpuset.cpus" >"$cs/$top/cpuset.cpus" &&
		cat "$cs/cpuset.mems" >"$cs/$top/cpuset.mems"
	run "$RTVMM" run "$(cfg keep '[vm]' vcpus=1 memory=16M '[boot]' payload=probe '[sched]' \
		policy=other cgroup="$top/vm" '[probe]' duration=1)"
	[ -e "$cs/$top/vm" ] && { fail "created $top/vm left behind"; return; }
	[ -e "$cs/$top" ] || { fail "pre-existing $top was removed"; return; }
	rmdir "$cs/$top"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	pass
}

# A refusal under [vm] strict is a configuration error (exit 2) whatever the errno; the
# cgroup's RT budget cannot exceed its parent's 950000 µs here (ENOSPC).
t_strict_refusal_exits_2_and_leaves_nothing() {
	is_root || { skip "creating cgroups needs root"; return; }
	local cpu top="rtvmm-strict-$$"
	cpu=$(v1_mount cpu)
	[ -n "$cpu" ] && [ -e "$cpu/cpu.rt_runtime_us" ] || { skip "no RT group scheduling here"; return; }
	[ "$(cat "$cpu/cpu.rt_runtime_us")" -lt 1000000 ] || { skip "root RT budget is unlimited"; return; }
	run "$RTVMM_SAN" run "$(cfg strict '[vm]' vcpus=2 memory=16M strict=true '[boot]' payload=probe \
		'[sched]' policy=rr boost_uclamp=false core_scheduling=off cgroup="$top/vm" \
		cgroup_rt_runtime_us=1000000 '[memory]' numa_node=none '[probe]' duration=1)"
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return; }
	[ "$(grep -c "error: \[sched\] cgroup = $top/vm: .*strict = true" "$tmp/err")" -eq 1 ] ||
		{ fail "expected one error naming the cgroup"; return; }
	grep -q "vCPUs running" "$tmp/err" && { fail "the guest was started"; return; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return; }
	[ -e "$cpu/$top" ] && { fail "$cpu/$top left behind"; return; }
	# without strict: one warning, the VM runs, and the log does not claim the cgroup
	run "$RTVMM" run "$tmp/strict.ini" --set vm.strict=false
	[ "$rc" -eq 0 ] || { fail "without strict: exit $rc, expected 0"; return; }
	[ "$(grep -c "warning: \[sched\] cgroup = $top/vm: " "$tmp/err")" -eq 1 ] ||
		{ fail "without strict: expected one warning naming the cgroup"; return; }
	grep -q "cgroup $top/vm" "$tmp/err" && { fail "the log claims a cgroup nobody joined"; return; }
	pass
}

# [vm] on_reset = reboot: a guest that triple-faults at once is rebuilt and started
# again, over and over, until SIGTERM stops it (exit 0); each reboot is a whole VM,
# so ASan sees every teardown. The control socket stays up across the reboots and is
# removed when SIGTERM ends rtvmm.
t_on_reset_reboot_restarts_the_guest() {
	local pid n sock=$tmp/reboot.sock
	fresh_logs
	"$RTVMM_SAN" run "$(cfg reboot '[vm]' vcpus=2 memory=16M on_reset=reboot control="$sock" \
		'[boot]' payload="$GUESTS/triple.bin" '[sched]' policy=other)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		n=$(grep -c "rebooting in place" "$tmp/err")
		[ "$n" -ge 3 ] && break
		sleep 0.1
	done
	ctl state --json
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ "$n" -ge 3 ] || { fail "$n reboots in 10 s, expected at least 3"; return; }
	[ "$crc" -eq 0 ] || { fail "ctl state after the reboots: exit $crc"; return; }
	[ "$(reply 'sum(v["tid"] > 0 for v in r["vcpus"])')" = 2 ] ||
		{ fail "ctl state does not list the 2 vCPUs with their threads"; return; }
	[ "$rc" -eq 0 ] || { fail "exit $rc after SIGTERM, expected 0"; return; }
	[ -e "$sock" ] && { fail "the control socket is left behind after SIGTERM"; return; }
	grep -q "triple-faulted.*rebooting in place" "$tmp/err" || { fail "the reboot does not say why"; return; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return; }
	pass
}

t_delay_rt_stays_other_until_make_rt() {
	is_root || { skip "SCHED_RR needs root or RLIMIT_RTPRIO here"; return; }
	local pid tid policy
	fresh_logs
	"$RTVMM" run "$(cfg delay '[vm]' vcpus=1 memory=16M '[boot]' payload=probe '[sched]' \
		policy=rr delay_rt=true '[vcpu.0]' cpus=0 '[probe]' duration=2)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_running "$pid"
	tid=$(vcpu_tid "$pid" 0)
	policy=$(task_field "$pid" "$tid" 41)
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$policy" = 0 ] || { fail "policy $policy before make-rt, expected 0 (SCHED_OTHER)"; return; }
	pass
}

t_plan_table_and_json() {
	[ "$nr_cpus" -ge 2 ] || { skip "needs 2 host CPUs"; return; }
	run "$RTVMM" plan "$(cfg plan '[vm]' vcpus=1 memory=16M '[boot]' payload=probe '[sched]' \
		policy=fifo rt_priority=9 cgroup=rtvmm/p)"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	# automatic placement keeps CPU 0 for the host
	grep -qE '^vcpu0 +1 \(auto\) +[0-9]+ +0 +rtvmm/p +fifo +9 ' "$tmp/out" ||
		{ fail "no vcpu0 row on CPU 1 with fifo 9 in rtvmm/p"; return; }
	grep -qE '^emulator ' "$tmp/out" || { fail "no emulator row"; return; }
	grep -q '^memory: 16M on node 0' "$tmp/out" || { fail "no memory line on node 0"; return; }
	run "$RTVMM" plan "$tmp/plan.ini" --json
	[ "$rc" -eq 0 ] || { fail "--json: exit $rc"; return; }
	grep -q '"cpus": "1"' "$tmp/out" && grep -q '"policy": "fifo"' "$tmp/out" &&
		grep -q '"emulator"' "$tmp/out" || { fail "JSON lacks vcpus/emulator fields"; return; }
	run "$RTVMM" plan "$tmp/plan.ini" --set vcpu.0.cpus=64
	[ "$rc" -eq 2 ] || { fail "a CPU this host lacks: exit $rc, expected 2"; return; }
	grep -q 'CPU 64 does not exist' "$tmp/err" || { fail "the missing CPU is not named"; return; }
	pass
}

t_check_host_and_config() {
	run "$RTVMM" check
	[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || { fail "exit $rc, expected 0 or 1"; return; }
	grep -qE '^OK +kvm +/dev/kvm opens' "$tmp/out" || { fail "no OK line for /dev/kvm"; return; }
	grep -qE '^(OK|WARN) +rt-throttling ' "$tmp/out" || { fail "no rt-throttling line"; return; }
	grep -qE '^check: [0-9]+ OK, [0-9]+ WARN, [0-9]+ FAIL$' "$tmp/out" || { fail "no summary"; return; }
	run "$RTVMM" check "$(cfg chk '[vm]' vcpus=1 memory=16M '[boot]' payload=probe \
		'[vcpu.0]' cpus=1000)"
	[ "$rc" -eq 1 ] || { fail "a config with a missing CPU: exit $rc, expected 1"; return; }
	grep -qE '^FAIL .*1000' "$tmp/out" || { fail "no FAIL line naming CPU 1000"; return; }
	pass
}

t_hugepages_not_reserved_is_a_clear_error() {
	local free
	free=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)
	[ "$free" -lt 8 ] || { skip "$free 2M hugepages are free here"; return; }
	run "$RTVMM" run "$(cfg huge '[vm]' vcpus=1 memory=16M '[boot]' payload=probe \
		'[memory]' hugepages=2M '[sched]' policy=other)"
	[ "$rc" -eq 2 ] || { fail "exit $rc, expected 2"; return; }
	grep -q 'hugepages-2048kB/nr_hugepages' "$tmp/err" || { fail "no sysfs path to reserve pages"; return; }
	pass
}

t_memory_bound_and_reported() {
	run "$RTVMM" run "$(cfg bound '[vm]' vcpus=1 memory=16M '[boot]' payload=probe \
		'[memory]' numa_node=0 prefault=true '[sched]' policy=other '[probe]' duration=1)"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	grep -q 'guest memory: 16 MiB, 4K pages, bound to node 0; node 0: 100%' "$tmp/err" ||
		{ fail "no report of the pages on node 0"; return; }
	run "$RTVMM" run "$tmp/bound.ini" --set memory.numa_node=9
	[ "$rc" -eq 2 ] || { fail "a node this host lacks: exit $rc, expected 2"; return; }
	pass
}

# The issue's "done when": two pinned SCHED_RR vCPUs in their own cgroup, guest RAM on
# reserved 2M hugepages bound to node 0, prefaulted; all read back from /proc.
t_rt_config_everything_applied() {
	is_root || { skip "RT, cgroups, hugepage reservation and mlock need root"; return; }
	[ "$nr_cpus" -ge 2 ] || { skip "needs 2 host CPUs"; return; }
	local hp=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages old pid tid ok=1 n top="rtvmm-all-$$"
	[ -w "$hp" ] || { skip "no 2M hugepage pool on this host"; return; }
	old=$(cat "$hp")
	echo $((old + 8)) >"$hp"
	fresh_logs
	"$RTVMM" run "$(cfg all '[vm]' vcpus=2 memory=16M '[boot]' payload=probe \
		'[memory]' numa_node=0 hugepages=2M lock=true prefault=true \
		'[sched]' policy=rr rt_priority=5 cgroup="$top/vm" '[vcpu.0]' cpus=0 '[vcpu.1]' cpus=1 \
		'[probe]' duration=2)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_running "$pid" || ok=0
	for n in 0 1; do
		tid=$(vcpu_tid "$pid" $n)
		[ "$(sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/task/$tid/status")" = $n ] || ok=0
		[ "$(task_field "$pid" "$tid" 41)" = 2 ] && [ "$(task_field "$pid" "$tid" 40)" = 5 ] || ok=0
		grep -q ":/$top/vm\$" "/proc/$pid/task/$tid/cgroup" || ok=0
	done
	# hugetlb pages are never swapped, so mlock leaves them out of VmLck: nothing to read
	wait "$pid"
	rc=$?
	echo "$old" >"$hp"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$ok" -eq 1 ] || { fail "a setting was not applied (cpus, RR 5, cgroup or locked RAM)"; return; }
	grep -q "guest memory: 16 MiB, 2M pages, bound to node 0; node 0: 100%.*Hugetlb 16384 KiB" "$tmp/err" ||
		{ fail "no report of 16 MiB of 2M pages on node 0"; return; }
	n=$(grep -c "^rtvmm: warning: " "$tmp/err")
	[ "$n" -eq "$(grep -c "warning: .*\(CONFIG_\|emulator_cpus\)" "$tmp/err")" ] ||
		{ fail "a warning other than a missing kernel feature or the emulator placement"; return; }
	pass
}

# wake_counts: "samples missed" for each vCPU row of the probe's table in $tmp/out.
wake_counts() { awk '/^vcpu[0-9]+ / && NF >= 10 {print $3, $10}' "$tmp/out"; }

# Wake mode for 1 s at 1 ms: about 1000 wake-ups per vCPU. Between 50% and 105%: a
# loaded machine wakes the vCPUs late, and a wake-up a whole period late skips one.
t_probe_wake_one_and_two_vcpus() {
	local n exits s m
	for run_cfg in "1 none" "2 none" "2 hlt"; do
		read -r n exits <<<"$run_cfg"
		run "$RTVMM" run "$(cfg wake '[vm]' vcpus="$n" memory=16M '[boot]' payload=probe \
			'[sched]' policy=other disable_exits="$exits" \
			'[probe]' mode=wake duration=1 interval_us=1000)"
		[ "$rc" -eq 0 ] || { fail "$n vCPUs, disable_exits=$exits: exit $rc, expected 0"; return; }
		grep -q incomplete "$tmp/out" && { fail "$n vCPUs: a vCPU did not finish"; return; }
		[ "$(wake_counts | wc -l)" -eq "$n" ] || { fail "$n vCPUs: expected $n results"; return; }
		while read -r s m; do
			echo "       $n vCPUs, disable_exits=$exits: $s wake-ups, $m missed of 1000 periods"
			[ "$s" -ge 500 ] && [ "$s" -le 1050 ] ||
				{ fail "$s wake-ups, expected 500 to 1050"; return; }
		done < <(wake_counts)
	done
	pass
}

# 10 us cannot be met here (a wake-up takes longer): the probe counts the periods it
# missed and keeps to its duration. Wake-ups plus missed periods are the run's 100000
# periods, give or take the last wake-up's lateness past the end.
t_probe_wake_unmeetable_interval_counts_missed() {
	local s m
	run "$RTVMM" run "$(cfg wake10 '[vm]' vcpus=1 memory=16M '[boot]' payload=probe \
		'[sched]' policy=other '[probe]' mode=wake duration=1 interval_us=10)"
	[ "$rc" -ne 124 ] || { fail "hung"; return; }
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	grep -q incomplete "$tmp/out" && { fail "the vCPU did not finish"; return; }
	read -r s m < <(wake_counts)
	echo "       ${s:-?} wake-ups, ${m:-?} missed of 100000 periods"
	[ -n "$m" ] || { fail "no result"; return; }
	[ $((s + m)) -ge 99000 ] && [ $((s + m)) -le 110000 ] ||
		{ fail "wake-ups + missed = $((s + m)), expected about 100000"; return; }
	# a host fast enough to meet 10 us would have nothing to miss
	[ "$m" -gt 0 ] || [ "$s" -ge 95000 ] || { fail "no missed periods counted"; return; }
	pass
}

# the Linux loader's error paths
# shellcheck source=tests/integration/linux_errors.sh
. "$(dirname "$0")/linux_errors.sh"
# --- the control socket and rtvmm ctl ----------------------------------------------------

has_python() { command -v python3 >/dev/null; }

# ctl_vm BINARY NAME LINE...: a probe VM (60 s) with [vm] control = $tmp/NAME.sock, the
# LINEs continuing its [vm] section (16M of memory unless they say), started in the
# background: pid in $pid, socket in $sock, log in $tmp/out and $tmp/err. Fails when it
# does not come up with its socket.
ctl_vm() {
	local bin=$1 name=$2
	shift 2
	sock=$tmp/$name.sock
	fresh_logs
	[[ " $* " == *" memory="* ]] || set -- memory=16M "$@"
	"$bin" run "$(cfg "$name" '[vm]' control="$sock" "$@" '[boot]' payload=probe \
		'[probe]' duration=60)" >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	wait_running "$pid" && [ -S "$sock" ]
}

# ctl ARGS...: rtvmm ctl on $sock; output in $tmp/ctl.out and $tmp/ctl.err, status in $crc.
ctl() {
	timeout 20 "$RTVMM" ctl "$sock" "$@" >"$tmp/ctl.out" 2>"$tmp/ctl.err"
	crc=$?
}

# reply EXPR: a Python expression over the JSON reply in $tmp/ctl.out, bound to r.
reply() {
	python3 -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' \
		"$tmp/ctl.out" "$1"
}

# ctl_vm_end: stops the test VM through the socket (SIGKILL if that fails), status in $rc.
ctl_vm_end() {
	if kill -0 "$pid" 2>/dev/null; then
		timeout 15 "$RTVMM" ctl "$sock" stop >/dev/null 2>&1 || kill -9 "$pid"
	fi
	wait "$pid"
	rc=$?
}

# ctl_fail MESSAGE: ends the test VM, then fails showing what ctl said.
ctl_fail() {
	ctl_vm_end
	[ -s "$tmp/ctl.err" ] && sed 's/^/       | ctl: /' "$tmp/ctl.err"
	fail "$1"
}

t_ctl_state_lists_every_vcpu_with_its_tid() {
	has_python || { skip "needs python3 to read the JSON replies"; return; }
	local n tid got want="" mode
	ctl_vm "$RTVMM" state vcpus=2 '[sched]' policy=other || { ctl_fail "the VM did not start"; return; }
	ctl state --json
	[ "$crc" -eq 0 ] || { ctl_fail "ctl state --json: exit $crc"; return; }
	got=$(reply '" ".join("%d:%s:%d" % (v["id"], v["state"], v["tid"]) for v in r["vcpus"])')
	for n in 0 1; do
		tid=$(vcpu_tid "$pid" $n)
		[ -d "/proc/$pid/task/$tid" ] || { ctl_fail "vcpu$n has no thread in /proc"; return; }
		want="$want${want:+ }$n:running:$tid"
	done
	echo "       state: $got"
	[ "$got" = "$want" ] || { ctl_fail "state lists '$got', /proc says '$want'"; return; }
	[ "$(reply 'r["name"] + " " + r["state"]')" = "state running" ] ||
		{ ctl_fail "VM name or state wrong"; return; }
	ctl state
	grep -qE "^1 +running +$(vcpu_tid "$pid" 1) " "$tmp/ctl.out" ||
		{ ctl_fail "no table row for vcpu1 with its tid"; return; }
	mode=$(stat -c %a "$sock")
	[ "$mode" = 600 ] || { ctl_fail "socket mode $mode, expected 600"; return; }
	ctl_vm_end
	[ "$rc" -eq 0 ] || { fail "exit $rc after ctl stop, expected 0"; return; }
	pass
}

# While paused, a vCPU thread sleeps in its mailbox: its time in KVM_RUN, its exits and
# the CPU time the host gave it stay exactly the same; after resume the CPU time grows
# again (the probe spins in the guest without exits, so that is the figure that moves).
t_ctl_pause_freezes_the_vcpus_and_resume_restarts_them() {
	has_python || { skip "needs python3 to read the JSON replies"; return; }
	local a b c
	local figures='" ".join("%d/%d/%d" % (v["kvm_run_ns"], v["exits_total"],
		v["host"]["run_ns"]) for v in r["vcpus"])'
	ctl_vm "$RTVMM" pause vcpus=2 '[sched]' policy=other || { ctl_fail "the VM did not start"; return; }
	sleep 0.3
	ctl pause --json
	[ "$crc" -eq 0 ] && [ "$(reply 'r["state"] + " " + " ".join(v["state"] for v in r["vcpus"])')" = \
		"paused paused paused" ] || { ctl_fail "pause: exit $crc, not every vCPU paused"; return; }
	ctl state --json
	[ "$(reply 'r["state"]')" = paused ] || { ctl_fail "state does not say paused"; return; }
	ctl stats --json
	a=$(reply "$figures")
	sleep 1
	ctl stats --json
	b=$(reply "$figures")
	echo "       paused (kvm_run_ns/exits/host run_ns): $a; 1 s later: $b"
	# two figures, one per vCPU: an empty or failed stats reply must not pass as frozen
	[ "$(wc -w <<<"$a")" -eq 2 ] || { ctl_fail "stats: no figures for 2 vCPUs"; return; }
	[ "$a" = "$b" ] || { ctl_fail "a paused vCPU advanced"; return; }
	ctl pause	# idempotent
	[ "$crc" -eq 0 ] || { ctl_fail "a second pause: exit $crc, expected 0"; return; }
	ctl resume --json
	[ "$crc" -eq 0 ] && [ "$(reply 'r["state"]')" = running ] || { ctl_fail "resume: exit $crc"; return; }
	sleep 1
	ctl stats --json
	c=$(reply "$figures")
	echo "       resumed, 1 s later: $c"
	# at least 1 ms more on a CPU for every vCPU: tolerant of a busy shared host
	python3 -c 'import sys
b = [int(x.split("/")[2]) for x in sys.argv[1].split()]
c = [int(x.split("/")[2]) for x in sys.argv[2].split()]
sys.exit(0 if len(c) == 2 and all(y - x >= 1000000 for x, y in zip(b, c)) else 1)' "$b" "$c" ||
		{ ctl_fail "a resumed vCPU did not run"; return; }
	ctl_vm_end
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	pass
}

t_ctl_set_affinity_moves_a_running_vcpu() {
	[ "$nr_cpus" -ge 2 ] || { skip "needs 2 host CPUs"; return; }
	local tid cpus
	ctl_vm "$RTVMM" affinity vcpus=1 '[sched]' policy=other '[vcpu.0]' cpus=0 ||
		{ ctl_fail "the VM did not start"; return; }
	tid=$(vcpu_tid "$pid" 0)
	cpus=$(sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/task/$tid/status")
	[ "$cpus" = 0 ] || { ctl_fail "vcpu0 starts on cpus '$cpus', expected 0"; return; }
	ctl set-affinity 0 1
	[ "$crc" -eq 0 ] || { ctl_fail "set-affinity 0 1: exit $crc"; return; }
	grep -qx "vcpu0: ok, affinity 1" "$tmp/ctl.out" || { ctl_fail "no per-vCPU result line"; return; }
	cpus=$(sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/task/$tid/status")
	[ "$cpus" = 1 ] || { ctl_fail "after set-affinity: cpus '$cpus', expected 1"; return; }
	ctl set-affinity 0 "$nr_cpus"
	[ "$crc" -eq 1 ] && grep -q "CPU $nr_cpus does not exist on this host" "$tmp/ctl.err" ||
		{ ctl_fail "a CPU the host lacks: exit $crc, or not named"; return; }
	ctl set-affinity 3 0
	[ "$crc" -eq 1 ] && grep -q "vcpu 3 does not exist" "$tmp/ctl.err" ||
		{ ctl_fail "a vCPU the VM lacks: exit $crc, or not named"; return; }
	cpus=$(sed -n 's/^Cpus_allowed_list:\s*//p' "/proc/$pid/task/$tid/status")
	[ "$cpus" = 1 ] || { ctl_fail "a refused re-pin changed cpus to '$cpus'"; return; }
	ctl_vm_end
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	pass
}

t_ctl_make_rt_turns_delayed_vcpus_rr() {
	is_root || { skip "SCHED_RR needs root or RLIMIT_RTPRIO here"; return; }
	local last=$((nr_cpus - 1)) n tid before="" after=""
	# both on the last CPU, so that two spinning RR threads leave the host the others
	ctl_vm "$RTVMM" makert vcpus=2 '[sched]' policy=rr rt_priority=3 delay_rt=true \
		'[vcpu.0]' cpus=$last '[vcpu.1]' cpus=$last || { ctl_fail "the VM did not start"; return; }
	for n in 0 1; do
		tid=$(vcpu_tid "$pid" $n)
		before="$before$(task_field "$pid" "$tid" 41)"
	done
	[ "$before" = 00 ] || { ctl_fail "policies '$before' before make-rt, expected SCHED_OTHER"; return; }
	ctl make-rt
	for n in 0 1; do
		tid=$(vcpu_tid "$pid" $n)
		after="$after$(task_field "$pid" "$tid" 41)/$(task_field "$pid" "$tid" 40) "
	done
	ctl_vm_end
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	[ "$after" = "2/3 2/3 " ] ||
		{ fail "policy/priority after make-rt: '$after', expected 2/3 (SCHED_RR 3)"; return; }
	[ "$(grep -c "^vcpu[01]: ok, rr priority 3$" "$tmp/ctl.out")" -eq 2 ] ||
		{ fail "ctl make-rt did not report rr priority 3 for both vCPUs"; return; }
	pass
}

t_ctl_stop_ends_with_0_and_removes_the_socket() {
	local c
	ctl_vm "$RTVMM_SAN" stop vcpus=2 '[sched]' policy=other || { ctl_fail "the VM did not start"; return; }
	for c in state stats pause resume "make-rt 1" "throttle 1 200"; do
		# shellcheck disable=SC2086
		ctl $c
		[ "$crc" -eq 0 ] || { ctl_fail "ctl $c: exit $crc"; return; }
	done
	ctl stop
	[ "$crc" -eq 0 ] && grep -qx "vm: ending" "$tmp/ctl.out" || { ctl_fail "stop: exit $crc"; return; }
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && { ctl_fail "still running 10 s after stop"; return; }
	wait "$pid"
	rc=$?
	[ "$rc" -eq 0 ] || { fail "exit $rc after stop, expected 0"; return; }
	[ -e "$sock" ] && { fail "the socket is left behind"; return; }
	grep -q "stopped by a control client" "$tmp/err" || { fail "no 'stopped by a control client'"; return; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return; }
	pass
}

# 50 connections of junk, under ASan: random bytes, half requests, oversized lines,
# connect-and-close, bad JSON, NUL bytes, clients that never read their replies. Each
# malformed line gets its error reply; meanwhile and afterwards, state still answers.
# 16 vCPUs make a stats reply large enough that 256 of them (one read of requests)
# pass the 1 MiB a client may leave unread; paused, they cost the host nothing.
t_ctl_garbage_clients_leave_the_vm_running() {
	has_python || { skip "needs python3 for the garbage clients"; return; }
	local lines=(vcpus=16 memory=32M '[sched]' policy=other) n
	for n in $(seq 0 15); do lines+=("[vcpu.$n]" "cpus=$((n % nr_cpus))"); done
	ctl_vm "$RTVMM_SAN" garbage "${lines[@]}" || { ctl_fail "the VM did not start"; return; }
	ctl pause
	[ "$crc" -eq 0 ] || { ctl_fail "pause: exit $crc"; return; }
	timeout 120 python3 - "$sock" >"$tmp/ctl.out" 2>"$tmp/ctl.err" <<'PY'
import json, os, random, socket, sys

path = sys.argv[1]
random.seed(7)
held = []

def conn():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect(path)
    return s

readers = {}

def line(s):
    try:
        return readers.setdefault(s, s.makefile("rb")).readline()
    except ConnectionResetError:  # closed with requests left unread
        return b""

def expect_error(s, says):
    r = json.loads(line(s))
    assert r["ok"] is False and says in r["error"], r

for i in range(50):
    kind = i % 8
    s = conn()
    if kind == 0:
        s.sendall(os.urandom(random.randint(1, 3000)))
    elif kind == 1:
        s.sendall(b'{"cmd": "sta')  # and gone mid-request
    elif kind == 2:
        s.sendall(b"x" * 5000 + b"\n")
        expect_error(s, "longer than 4096 bytes")
        assert line(s) == b"", "not closed after an oversized line"
    elif kind == 3:
        pass  # connect and close
    elif kind == 4:
        s.sendall(b'{"cmd":\n[1,2]\n{"cmd":"nope"}\n{"cmd":"throttle","vcpu":0}\n')
        expect_error(s, "not JSON")
        expect_error(s, "not an array")
        expect_error(s, 'unknown command "nope"')
        expect_error(s, 'missing "us"')
    elif kind == 5:
        s.sendall(b'{"cmd":"state"\x00}\n')
        expect_error(s, "NUL byte")
    elif kind == 6 and i % 16 == 6:
        # never reads: its replies wait in the server, which must not wait for it
        s.sendall(b'{"cmd":"stats"}\n' * 10)
        held.append(s)
        continue
    elif kind == 6:
        # more replies at once than the server keeps for a client: dropped unanswered
        s.sendall(b'{"cmd":"stats"}\n' * 512)
        assert line(s) == b"", "a client over the reply limit was not dropped"
    else:
        s.sendall(b'\xff\xfe{"cmd":"state"}\n')
        expect_error(s, "not JSON")
    s.close()

# with the clients that never read still connected
s = conn()
s.sendall(b'{"cmd":"state"}\n')
r = json.loads(line(s))
assert r["ok"] and len(r["vcpus"]) == 16, r
print("garbage: ok, %d silent clients held" % len(held))
PY
	[ $? -eq 0 ] || { ctl_fail "a garbage client got an unexpected answer: $(tail -n 1 "$tmp/ctl.err")"; return; }
	sed 's/^/       /' "$tmp/ctl.out"
	kill -0 "$pid" 2>/dev/null || { ctl_fail "the VM died"; return; }
	grep -q "bytes of replies unread; disconnecting it" "$tmp/err" ||
		{ ctl_fail "no client was dropped for unread replies"; return; }
	ctl resume
	[ "$crc" -eq 0 ] || { ctl_fail "resume after the garbage: exit $crc"; return; }
	ctl state
	[ "$crc" -eq 0 ] && grep -q "^vm garbage: running" "$tmp/ctl.out" ||
		{ ctl_fail "state after the garbage: exit $crc, or not running"; return; }
	ctl_vm_end
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	grep -qE "LeakSanitizer|AddressSanitizer|runtime error" "$tmp/err" && { fail "sanitizer report"; return; }
	pass
}

t_ctl_second_vm_on_the_same_socket_is_refused() {
	local rc2
	ctl_vm "$RTVMM" twice vcpus=1 '[sched]' policy=other || { ctl_fail "the VM did not start"; return; }
	timeout 60 "$RTVMM" run "$tmp/twice.ini" >"$tmp/out2" 2>"$tmp/err2"
	rc2=$?
	sed 's/^/       | second: /' "$tmp/err2"
	[ "$rc2" -eq 2 ] || { ctl_fail "second VM: exit $rc2, expected 2"; return; }
	grep -q "another VM is listening" "$tmp/err2" || { ctl_fail "the refusal does not say why"; return; }
	grep -q "vCPUs running" "$tmp/err2" && { ctl_fail "the second VM started"; return; }
	ctl state
	[ "$crc" -eq 0 ] || { ctl_fail "the first VM no longer answers: exit $crc"; return; }
	# killed, the first leaves a stale socket; the next start replaces it
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	[ -S "$sock" ] || { fail "no stale socket after SIGKILL (nothing to test)"; return; }
	run "$RTVMM" run "$tmp/twice.ini" --set probe.duration=1
	[ "$rc" -eq 0 ] || { fail "start over a stale socket: exit $rc, expected 0"; return; }
	grep -q "replaced the stale socket" "$tmp/err" || { fail "the stale socket was not replaced"; return; }
	[ -e "$sock" ] && { fail "the socket is left behind"; return; }
	pass
}

t_ctl_missing_socket_exits_1_usage_exits_2() {
	local s=$tmp/none.sock args
	run "$RTVMM" ctl "$s" state
	[ "$rc" -eq 1 ] || { fail "missing socket: exit $rc, expected 1"; return; }
	grep -q "no VM is listening on $s (No such file or directory)" "$tmp/err" ||
		{ fail "the message does not name the socket and the error"; return; }
	# checked before connecting: a usage error is one even without a VM
	for args in "" "state now" "reboot" "throttle 1" "throttle one 500" "throttle 1 0" \
		"make-rt 0 1" "set-affinity 0 3-1" "--bogus state"; do
		# shellcheck disable=SC2086
		run "$RTVMM" ctl "$s" $args
		[ "$rc" -eq 2 ] || { fail "ctl SOCKET $args: exit $rc, expected 2"; return; }
	done
	run "$RTVMM" ctl
	[ "$rc" -eq 2 ] || { fail "ctl without arguments: exit $rc, expected 2"; return; }
	pass
}

# `rtvmm jitter` with every output: the report, a cyclictest -h file whose counts match
# the report's gaps, JSON with the documented fields, and a PNG.
t_jitter_baseline_histogram_json_plot() {
	[ "$nr_cpus" -ge 2 ] || { skip "config/default.ini pins to CPUs 0 and 1"; return; }
	has_python || { skip "needs python3 to check the JSON"; return; }
	command -v gnuplot >/dev/null || { skip "needs gnuplot (gnuplot-nox) for --plot"; return; }
	local root sums gaps
	root=$(cd "$(dirname "$0")/../.." && pwd)
	rm -f "$tmp/jitter.hist" "$tmp/jitter.json" "$tmp/jitter.png"
	run "$RTVMM" jitter "$root/config/default.ini" --duration 2 --baseline \
		--histogram "$tmp/jitter.hist" --json "$tmp/jitter.json" --plot "$tmp/jitter.png"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	grep -q '^vcpu1: cpus 1, ' "$tmp/out" && grep -q 'guest/host' "$tmp/out" ||
		{ fail "no side-by-side report for vcpu1"; return; }
	grep -q '^warning: short run' "$tmp/out" || { fail "no short-run warning"; return; }
	# default.ini's vCPUs are RR and it pins no emulator thread: both are warned about
	if [ "$(cat /proc/sys/kernel/sched_rt_runtime_us)" != -1 ]; then
		grep -q '^warning: RT throttling is on' "$tmp/out" || { fail "no RT-throttling warning"; return; }
	fi
	grep -q '^warning: the emulator threads are not pinned' "$tmp/out" ||
		{ fail "no warning about the unpinned emulator threads"; return; }
	# cyclictest -h: rows of 1 + 2 numbers, then the summary lines with 2 values each;
	# prints the per-vCPU in-range totals plus overflows
	sums=$(awk '
		/^# Histogram$/ { next }
		/^[0-9]/ { if (NF != 3 || length($1) != 6 || substr($0, 7, 1) != " " ||
			       $0 !~ /^[0-9]+ [0-9]+\t[0-9]+$/ || length($2) < 6) bad = "row " NR
			   rows++; s0 += $2; s1 += $3; next }
		/^# Total:/ { if (NF != 4) bad = "total"; t0 = $3; t1 = $4; next }
		/^# (Min|Avg|Max) Latencies:/ { if (NF != 5) bad = $2; seen++; next }
		/^# Histogram Overflows:/ { if (NF != 5) bad = "overflows"; o0 = $4; o1 = $5; seen++; next }
		/^# Histogram Overflow at cycle number:$/ || /^# Thread [01]:/ || /^$/ { next }
		{ bad = "line " NR }
		END { if (bad || rows != 10000 || seen != 4 || t0 != s0 || t1 != s1) print "bad " bad " " rows
		      else print s0 + o0, s1 + o1 }' "$tmp/jitter.hist")
	case $sums in bad*) fail "histogram not in cyclictest format: $sums"; return ;; esac
	gaps=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
for k, t in (("file_version", int), ("mode", str), ("duration_s", int), ("num_threads", int),
             ("thread", dict), ("baseline", dict), ("ratios", dict), ("warnings", list)):
    assert isinstance(d[k], t), k
for side in (d["thread"], d["baseline"]["thread"]):
    for i in ("0", "1"):
        t = side[i]
        for k in ("samples", "gaps", "overflows", "cycles"):
            assert isinstance(t[k], int), k
        for k in ("p50", "p99", "p99.9", "p99.99"):
            assert t["percentiles_us"][k] is None or isinstance(t["percentiles_us"][k], int), k
        assert isinstance(t["host"], dict) and isinstance(t["histogram"], dict)
        assert sum(t["histogram"].values()) + t["overflows"] == t["events"]
print(d["thread"]["0"]["gaps"], d["thread"]["1"]["gaps"])' "$tmp/jitter.json") ||
		{ fail "JSON lacks a documented field"; return; }
	[ "$sums" = "$gaps" ] || { fail "histogram counts $sums, report's gaps $gaps"; return; }
	[ "$(head -c 8 "$tmp/jitter.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		{ fail "the plot is not a PNG"; return; }
	pass
}

# Wake mode: every wake-up is an event of the histogram, the percentiles are over them.
t_jitter_wake_mode() {
	[ "$nr_cpus" -ge 2 ] || { skip "config/default.ini pins to CPUs 0 and 1"; return; }
	local root
	root=$(cd "$(dirname "$0")/../.." && pwd)
	run "$RTVMM" jitter "$root/config/default.ini" --mode wake --duration 1 \
		--set sched.policy=other --json "$tmp/wake.json"
	[ "$rc" -eq 0 ] || { fail "exit $rc, expected 0"; return; }
	grep -q 'percentiles over all wake-ups' "$tmp/out" || { fail "not reported as wake mode"; return; }
	grep -qE '^  wake-ups +[1-9][0-9]* *$' "$tmp/out" || { fail "no wake-ups counted"; return; }
	grep -q '"percentiles_over": "wakeups"' "$tmp/wake.json" || { fail "JSON not in wake mode"; return; }
	pass
}

t_jitter_bad_options_exit_2() {
	local root arg
	root=$(cd "$(dirname "$0")/../.." && pwd)
	for arg in "--mode foo" "--duration 0" "--threshold-us x" "--bogus"; do
		# shellcheck disable=SC2086
		run "$RTVMM" jitter "$root/config/default.ini" $arg
		[ "$rc" -eq 2 ] || { fail "$arg: exit $rc, expected 2"; return; }
		grep -qE "rtvmm jitter: |unrecognized option" "$tmp/err" ||
			{ fail "$arg: no message naming the option"; return; }
	done
	run "$RTVMM" jitter
	[ "$rc" -eq 2 ] || { fail "no CONFIG: exit $rc, expected 2"; return; }
	pass
}

# ONLY=REGEX runs the tests whose names match
tests=$(declare -F | awk '{print $3}' | grep '^t_' | grep -E -- "${ONLY:-.}")
for t in $tests; do
	current=${t#t_}
	if ! has_kvm; then
		skip "/dev/kvm is missing or not accessible to $(id -un)"
		continue
	fi
	"$t"
done
echo "integration: $passed passed, $failed failed, $skipped skipped"
