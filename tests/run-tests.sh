#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs every test `make test` builds: the cmocka unit tests, the same under ASan+UBSan,
# and the integration tests on the real /dev/kvm. Ends with one line of totals and
# exits non-zero if anything failed.
set -u
build=${1:-build}
passed=0 failed=0 skipped=0
failures=()

run_cmocka() {
	local bin=$1 out p f s
	out=$("$bin" 2>&1)
	local rc=$?
	if [ "$rc" -eq 0 ] && [[ $out == skip:* ]]; then
		printf '%-40s skipped (%s)\n' "${bin#"$build"/tests/}" "${out#skip: }"
		skipped=$((skipped + 1))
		return
	fi
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' <<<"$out" | tail -1)
	p=${p:-0} f=${f:-0} s=${s:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# crashed or a sanitizer stopped it
	fi
	if [ "$f" -ne 0 ]; then
		printf '%s\n' "$out" | grep -vE '^\[ +(RUN|OK) +\]'
		failures+=("$bin")
	fi
	printf '%-40s %4d passed, %d failed, %d skipped\n' "${bin#"$build"/tests/}" "$p" "$f" "$s"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}

# Debian's kernels (cached under build/assets): the Linux tests in the test host boot
# them, and the bzImage parser and loader tests read a real one
scripts/guest-assets.sh >/dev/null || echo "guest assets could not be fetched"
if [ -z "${RTVMM_TEST_BZIMAGE:-}" ] && [ -f build/assets/cloud/bzImage ]; then
	export RTVMM_TEST_BZIMAGE=$PWD/build/assets/cloud/bzImage
fi

echo "== unit tests"
for t in "$build"/tests/test_*; do
	[ -x "$t" ] && run_cmocka "$t"
done
echo "== unit tests under ASan+UBSan"
for t in "$build"/tests/san/test_*; do
	[ -x "$t" ] && run_cmocka "$t"
done

echo "== integration tests"
for t in "$build"/tests/kvm/test_*; do
	[ -x "$t" ] && run_cmocka "$t"
done
out=$(mktemp)
tests/integration/run.sh "$build" | tee "$out"
line=$(grep -E '^integration: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' "$out" | tail -1)
rm -f "$out"
if [ -z "$line" ]; then
	echo "integration tests did not finish"
	failed=$((failed + 1))
	failures+=("integration")
else
	read -r ip ifl is < <(sed -E 's/integration: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\1 \2 \3/' <<<"$line")
	passed=$((passed + ip)) failed=$((failed + ifl)) skipped=$((skipped + is))
	[ "$ifl" -ne 0 ] && failures+=("integration")
fi

# Inside the test host (QEMU TCG with kvm_amd): Linux guests, which this machine's KVM may
# not boot, and NUMA binding on two nodes. Each suite prints "NAME: P passed, F failed, S
# skipped" as its last count.
testhost_suite() {
	local name=$1 script=$2 out line lp lf ls try
	shift 2
	echo "== $name: $script in the test host (scripts/testhost.sh)"
	out=$(mktemp)
	# The nested KVM of a TCG test host hangs now and then (every CPU idle, no timer):
	# that is the harness, not a test, so a hung run is shown and run once more.
	for try in 1 2; do
		scripts/testhost.sh --quiet --timeout 300 --rtvmm "$build/rtvmm" --log "$out" "$@" \
			"$script"
		[ $? -ne 124 ] && break
		tr -d '\r' <"$out" | tail -15
		echo "the test host hung (try $try of 2)"
	done
	tr -d '\r' <"$out" | grep -aE "^(ok|not ok) - |^       [|a-z]|^$name: "
	line=$(tr -d '\r' <"$out" | grep -aE "^$name: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" | tail -1)
	if [ -z "$line" ]; then
		tail -40 "$out"
		echo "the $name tests did not finish"
		failed=$((failed + 1))
		failures+=("$name")
	else
		read -r lp lf ls < <(sed -E "s/$name: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped/\\1 \\2 \\3/" <<<"$line")
		passed=$((passed + lp)) failed=$((failed + lf)) skipped=$((skipped + ls))
		[ "$lf" -ne 0 ] && failures+=("$name")
	fi
	rm -f "$out"
}
testhost_suite linux tests/testhost/linux-suite.sh
testhost_suite numa tests/testhost/numa-suite.sh --numa

echo
[ ${#failures[@]} -gt 0 ] && echo "failed: ${failures[*]}"
echo "total: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
