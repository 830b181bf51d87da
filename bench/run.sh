#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# `make bench`: (1) port-I/O exits per second of rtvmm's run loop against bench/rawloop,
# the smallest possible KVM loop, on the same guest, alternating runs in one session (the
# guest times itself, so both are measured the same way); (2) boot time to the Linux
# guest's /init marker, rtvmm against QEMU -M microvm with the same kernel and initramfs,
# alternating inside one QEMU test host with kvm_amd (tests/testhost/boot-bench.sh).
# Prints medians, min/max and the ratios, and writes build/bench/results.json.
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

# boot time inside the test host (where this machine's KVM may not boot Linux); a run
# that fails must not leave the last run's log to be read as its own
rm -f "$out/boot.log"
BOOT_RUNS=${BOOT_RUNS:-5} scripts/testhost.sh --quiet --with-qemu --timeout 900 \
	--log "$out/boot.log" tests/testhost/boot-bench.sh >"$out/boot.out" 2>&1 || true
# the test script's lines are in the console log, with the serial console's CRs
rtvmm_boot=($(tr -d '\r' <"$out/boot.log" | sed -n 's/^boot rtvmm \([0-9.]*\)$/\1/p'))
qemu_boot=($(tr -d '\r' <"$out/boot.log" | sed -n 's/^boot qemu \([0-9.]*\)$/\1/p'))
if [ ${#rtvmm_boot[@]} -gt 0 ] && [ ${#qemu_boot[@]} -gt 0 ]; then
	read -r rb_med rb_min rb_max < <(stats "${rtvmm_boot[@]}")
	read -r qb_med qb_min qb_max < <(stats "${qemu_boot[@]}")
	boot_ratio=$(awk -v a="$rb_med" -v b="$qb_med" 'BEGIN {printf "%.3f", a / b}')
	printf '\n%-34s %12s %12s %12s\n' "boot to /init, s (${#rtvmm_boot[@]} runs)" median min max
	printf '%-34s %12s %12s %12s\n' "QEMU -M microvm" "$qb_med" "$qb_min" "$qb_max"
	printf '%-34s %12s %12s %12s\n' "rtvmm" "$rb_med" "$rb_min" "$rb_max"
	printf '%-34s %12s   (target <= 0.5)\n' "ratio rtvmm / QEMU" "$boot_ratio"
	boot_json="{\"runs\": ${#rtvmm_boot[@]}, \"host\": \"QEMU TCG test host, kvm_amd\",
    \"rtvmm_s\": {\"median\": $rb_med, \"min\": $rb_min, \"max\": $rb_max},
    \"qemu_microvm_s\": {\"median\": $qb_med, \"min\": $qb_min, \"max\": $qb_max},
    \"ratio\": $boot_ratio, \"target\": 0.5}"
else
	echo "boot to /init: the test host run failed (see $out/boot.out)"
	boot_json=null
fi

cat >"$out/results.json" <<JSON
{
  "boot_to_init": $boot_json,
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
