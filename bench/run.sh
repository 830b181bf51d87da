#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make bench`: port-I/O exits per second of rtvmm's run loop against bench/rawloop, the
# smallest possible KVM loop, on the same guest, alternating runs in one session. The
# guest times itself, so both are measured the same way. Prints medians, min/max and the
# ratio, and writes build/bench/results.json.
set -euo pipefail
build=${1:-build}
runs=${RUNS:-7}
out=$build/bench
mkdir -p "$out"
guest=$build/guest/portstorm.bin
cfg=$out/storm.ini
printf '[vm]\nvcpus = 1\nmemory = 16M\n[boot]\npayload = %s\n[sched]\npolicy = other\n' \
	"$(realpath "$guest")" >"$cfg"

rate() { sed -n 's/^exits_per_s \([0-9]*\)$/\1/p'; }
raw=() vmm=()
for i in $(seq "$runs"); do
	raw+=("$("$build/bench/rawloop" "$guest" | rate)")
	vmm+=("$("$build/rtvmm" -q run "$cfg" | rate)")
	printf '\rrun %d/%d' "$i" "$runs" >&2
done
echo >&2

stats() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}'; }
read -r raw_med raw_min raw_max < <(stats "${raw[@]}")
read -r vmm_med vmm_min vmm_max < <(stats "${vmm[@]}")
ratio=$(awk -v a="$vmm_med" -v b="$raw_med" 'BEGIN {printf "%.3f", a / b}')

printf '%-34s %12s %12s %12s\n' "port-I/O exits/s ($runs runs)" median min max
printf '%-34s %12s %12s %12s\n' "raw KVM loop (bench/rawloop)" "$raw_med" "$raw_min" "$raw_max"
printf '%-34s %12s %12s %12s\n' "rtvmm run loop" "$vmm_med" "$vmm_min" "$vmm_max"
printf '%-34s %12s   (target >= 0.97)\n' "ratio rtvmm / raw" "$ratio"
cat >"$out/results.json" <<JSON
{
  "exit_rate": {
    "runs": $runs,
    "raw_exits_per_s": {"median": $raw_med, "min": $raw_min, "max": $raw_max},
    "rtvmm_exits_per_s": {"median": $vmm_med, "min": $vmm_min, "max": $vmm_max},
    "ratio": $ratio,
    "target": 0.97
  }
}
JSON
echo "wrote $out/results.json"
