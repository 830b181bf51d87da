#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Runs TEST_SCRIPT inside a "test host": QEMU in pure software emulation (TCG) with an
# emulated AMD CPU that has SVM and nested paging, booting Debian's generic kernel, whose
# /init loads Debian's kvm modules, so /dev/kvm inside is a real kvm_amd on which rtvmm
# can boot Linux guests (a development machine's kvm_pvm cannot). The initramfs holds
# busybox, the modules, rtvmm and its shared libraries, the guest kernels and initramfs
# from scripts/guest-assets.sh (under /guest), the repository's config/ (as /config), the
# extra FILES (FILE goes to /files/NAME, FILE:DEST to DEST) and TEST_SCRIPT as /test.sh,
# which busybox sh runs as root. Exits with the test script's status; 124 when the test
# host hangs or never reports one; 125 when the test host itself could not start.
#
# usage: scripts/testhost.sh [options] TEST_SCRIPT [FILE[:DEST]...]
#   --rtvmm PATH    the rtvmm binary to pack (default build/rtvmm)
#   --assets DIR    guest assets folder (default build/assets; made when missing)
#   --timeout S     wall-clock limit for the whole boot and test (default 300)
#   --log FILE      where the console log goes (default build/testhost/last.log)
#   --quiet         do not stream the console; print its tail on failure
#   --smp SPEC      QEMU -smp, e.g. 4,sockets=2,cores=1,threads=2 (default 1)
#   --numa          two NUMA nodes, half the memory and half the CPUs each
#   --mem MB        test host memory (default 2048)
#   --append ARGS   more test host kernel parameters (e.g. isolcpus=1)
#   --cpu MODEL     QEMU -cpu (default max: AMD with SVM and nested paging)
#   --no-kvm        do not load kvm (for --cpu models without SVM: no /dev/kvm inside)
#   --with-qemu     also pack qemu-system-x86_64, its libraries and the microvm firmware
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$ROOT/build/testhost
RTVMM=$ROOT/build/rtvmm
ASSETS=$ROOT/build/assets
TIMEOUT_S=300
LOG=
QUIET=0
SMP=1
CPU=max
NO_KVM=0
NUMA=0
MEM_MB=2048
APPEND=
WITH_QEMU=0
TEST_SCRIPT=
FILES=()
# This run's staging folders, archive and initrd; removed at exit, so that runs in
# parallel share only the cached archives.
RUN_DIR=
KVM_MODULES="irqbypass ccp kvm kvm-amd"
# What QEMU -M microvm reads from its data folder: qboot (Debian ships it as qboot.rom
# with bios-microvm.bin, microvm's default -bios, linking to it) and the option ROMs it
# loads for -kernel (it warns without linuxboot_dma.bin).
QEMU_FIRMWARE=(/usr/share/qemu/bios-microvm.bin /usr/share/qemu/qboot.rom
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/pvh.bin)

die() {
	echo "testhost: $*" >&2
	exit 125
}

# Prints the header's usage text: to stdout for --help, to stderr for a usage error.
usage() {
	if [ "${1:-0}" = 0 ]; then
		sed -n '13,26s/^# \{0,1\}//p' "$0"
	else
		sed -n '13,26s/^# \{0,1\}//p' "$0" >&2
	fi
	exit "${1:-0}"
}

need_arg() {
	[ "$2" -ge 2 ] || die "$1 needs a value"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--rtvmm) need_arg "$1" $#; RTVMM=$2; shift 2 ;;
		--assets) need_arg "$1" $#; ASSETS=$2; shift 2 ;;
		--timeout) need_arg "$1" $#; TIMEOUT_S=$2; shift 2 ;;
		--log) need_arg "$1" $#; LOG=$2; shift 2 ;;
		--quiet) QUIET=1; shift ;;
		--smp) need_arg "$1" $#; SMP=$2; shift 2 ;;
		--numa) NUMA=1; shift ;;
		--mem) need_arg "$1" $#; MEM_MB=$2; shift 2 ;;
		--append) need_arg "$1" $#; APPEND="$APPEND $2"; shift 2 ;;
		--with-qemu) WITH_QEMU=1; shift ;;
		--cpu) need_arg "$1" $#; CPU=$2; shift 2 ;;
		--no-kvm) NO_KVM=1; shift ;;
		-h | --help) usage 0 ;;
		--) shift; break ;;
		-*) echo "testhost: unknown option '$1'" >&2; usage 2 ;;
		*) break ;;
		esac
	done
	[ $# -ge 1 ] || usage 2
	TEST_SCRIPT=$1
	shift
	FILES=("$@")
	[ -f "$TEST_SCRIPT" ] || die "test script '$TEST_SCRIPT' not found"
	[ -x "$RTVMM" ] || die "rtvmm binary '$RTVMM' not found (run 'make all' or pass --rtvmm)"
	[[ "$TIMEOUT_S" =~ ^[0-9]+$ ]] || die "--timeout wants seconds, not '$TIMEOUT_S'"
	[[ "$MEM_MB" =~ ^[0-9]+$ ]] || die "--mem wants megabytes, not '$MEM_MB'"
	LOG=${LOG:-$WORK/last.log}
}

need_tools() {
	local t
	for t in qemu-system-x86_64 cpio gzip ldd timeout sha256sum; do
		command -v "$t" >/dev/null ||
			die "'$t' not found (scripts/install-deps.sh installs what rtvmm's tests need)"
	done
}

# guest-assets.sh is idempotent and takes well under a second on a cache hit, so it
# always runs: it rebuilds the guest initramfs when its /init changed.
ensure_assets() {
	local out
	out=$("$ROOT/scripts/guest-assets.sh" --dir "$ASSETS" 2>&1) || {
		echo "$out" >&2
		die "scripts/guest-assets.sh --dir $ASSETS failed"
	}
	ASSETS=$(cd "$ASSETS" && pwd)
}

# Copies an executable and every library ldd lists for it (the dynamic loader too) into
# the staging folder STAGE, each under the path ldd names, with symlinks resolved.
pack_elf() {
	local bin=$1 dest=$2 stage=$3 lib
	mkdir -p "$stage$(dirname "$dest")"
	cp -L "$bin" "$stage$dest"
	ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do
			mkdir -p "$stage$(dirname "$lib")"
			cp -L "$lib" "$stage$lib"
		done
}

# Writes STAGE as a newc archive (files owned by root) to OUT; gzipped when OUT ends in .gz.
make_cpio() {
	local stage=$1 out=$2
	(cd "$stage" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) |
		if [[ "$out" == *.gz ]]; then gzip -n -1; else cat; fi >"$out.tmp.$$"
	mv "$out.tmp.$$" "$out"
}

# The test host's /init. Its first line after the mounts is a marker the harness can time
# (TESTHOST-UP), its last one TESTHOST-EXIT with the test's status.
testhost_init() {
	cat <<'EOF'
#!/bin/sh
# rtvmm test host init, generated by scripts/testhost.sh.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
export PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root TMPDIR=/tmp
export RTVMM_GUEST_KERNEL=/guest/cloud/bzImage RTVMM_GUEST_INITRD=/guest/initramfs.cpio.gz
export RTVMM_GUEST_GENERIC_KERNEL=/guest/generic/bzImage

fail() {
	echo "TESTHOST-ERROR $*"
	echo "TESTHOST-EXIT 125"
	poweroff -f
}

mkdir -p /dev/pts /dev/shm /tmp /run /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
# cgroup v1 cpu and cpuset hierarchies, as on the hosts rtvmm's cgroup code expects.
if mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup; then
	for c in cpu cpuset; do
		mkdir -p /sys/fs/cgroup/$c
		mount -t cgroup -o $c $c /sys/fs/cgroup/$c || echo "testhost: no cgroup v1 $c"
	done
fi
npt=-
case " $(cat /proc/cmdline) " in
*" testhost.nokvm "*) ;;
*)
	for m in irqbypass ccp kvm kvm-amd; do
		insmod /lib/modules/testhost/$m.ko || fail "insmod $m.ko failed (is the CPU an AMD one with SVM?)"
	done
	[ -c /dev/kvm ] || fail "no /dev/kvm after loading kvm-amd"
	npt=$(cat /sys/module/kvm_amd/parameters/npt)
	;;
esac
read -r up _ </proc/uptime
echo "TESTHOST-UP uptime=$up cpus=$(grep -c '^processor' /proc/cpuinfo) npt=$npt"
cd /
sh /test.sh
echo "TESTHOST-EXIT $?"
poweroff -f
while :; do sleep 3600; done
EOF
}

# Archive 1, cached: busybox, the kvm modules and /init.
build_base() {
	local out=$WORK/base.cpio.gz key stage m a
	key=$( (testhost_init; cat "$ASSETS/busybox"; for m in $KVM_MODULES; do
		cat "$ASSETS/generic/modules/$m.ko"; done) | sha256sum | cut -d' ' -f1)
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0
	stage=$RUN_DIR/stage-base
	rm -rf "$stage" && mkdir -p "$stage"/{bin,dev,proc,sys,lib/modules/testhost}
	cp "$ASSETS/busybox" "$stage/bin/busybox"
	for a in $("$ASSETS/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$stage/bin/$a"
	done
	for m in $KVM_MODULES; do
		cp "$ASSETS/generic/modules/$m.ko" "$stage/lib/modules/testhost/"
	done
	testhost_init >"$stage/init"
	chmod 755 "$stage/init"
	make_cpio "$stage" "$out"
	echo "$key" >"$out.key"
	rm -rf "$stage"
}

# A cache key from names, sizes and modification times: cheap for large files.
stat_key() {
	stat -L -c '%n %s %Y' "$@" | sha256sum | cut -d' ' -f1
}

# Archive 2, cached, not compressed (the kernels are compressed already): /guest.
build_guest() {
	local out=$WORK/guest.cpio key stage
	key=$(stat_key "$ASSETS/cloud/bzImage" "$ASSETS/generic/bzImage" \
		"$ASSETS/guest-initramfs.cpio.gz")
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0
	stage=$RUN_DIR/stage-guest
	rm -rf "$stage" && mkdir -p "$stage/guest/cloud" "$stage/guest/generic"
	cp "$ASSETS/cloud/bzImage" "$stage/guest/cloud/"
	cp "$ASSETS/generic/bzImage" "$stage/guest/generic/"
	cp "$ASSETS/guest-initramfs.cpio.gz" "$stage/guest/initramfs.cpio.gz"
	make_cpio "$stage" "$out"
	echo "$key" >"$out.key"
	rm -rf "$stage"
}

# Archive 3, cached, optional: QEMU for microvm comparisons.
build_qemu() {
	local out=$WORK/qemu.cpio qemu key stage f
	qemu=$(command -v qemu-system-x86_64)
	for f in "${QEMU_FIRMWARE[@]}"; do
		[ -e "$f" ] || die "$f not found (Debian package qemu-system-data)"
	done
	key=$(stat_key "$qemu" "${QEMU_FIRMWARE[@]}")
	[ -s "$out" ] && [ "$(cat "$out.key" 2>/dev/null)" = "$key" ] && return 0
	stage=$RUN_DIR/stage-qemu
	rm -rf "$stage" && mkdir -p "$stage/usr/share/qemu"
	pack_elf "$qemu" /usr/bin/qemu-system-x86_64 "$stage"
	cp -a "${QEMU_FIRMWARE[@]}" "$stage/usr/share/qemu/"
	make_cpio "$stage" "$out"
	echo "$key" >"$out.key"
	rm -rf "$stage"
}

# Archive 4, every run: rtvmm, config/, the extra files and the test script.
build_run() {
	local out=$RUN_DIR/run.cpio.gz stage=$RUN_DIR/stage-run f src dest
	rm -rf "$stage" && mkdir -p "$stage/files"
	pack_elf "$RTVMM" /usr/bin/rtvmm "$stage"
	cp -a "$ROOT/config" "$stage/config"
	for f in "${FILES[@]}"; do
		src=${f%%:*}
		dest=/files/$(basename "$src")
		[ "$src" = "$f" ] || dest=${f#*:}
		[ -e "$src" ] || die "file '$src' not found"
		mkdir -p "$stage$(dirname "$dest")"
		cp -a "$src" "$stage$dest"
	done
	cp "$TEST_SCRIPT" "$stage/test.sh"
	chmod 755 "$stage/test.sh"
	make_cpio "$stage" "$out"
	rm -rf "$stage"
}

# Appends FILE to OUT and zero-pads OUT to 4 bytes: the kernel looks for the next
# archive's header only at 4-byte offsets and skips zeros between archives.
append_padded() {
	local size
	cat "$1" >>"$2"
	size=$(stat -c %s "$2")
	if [ $((size % 4)) -ne 0 ]; then
		head -c $((4 - size % 4)) /dev/zero >>"$2"
	fi
}

build_initrd() {
	local parts=("$WORK/guest.cpio") p
	build_base
	build_guest
	if [ "$WITH_QEMU" = 1 ]; then
		build_qemu
		parts+=("$WORK/qemu.cpio")
	fi
	build_run
	parts+=("$WORK/base.cpio.gz" "$RUN_DIR/run.cpio.gz")
	: >"$RUN_DIR/initrd.img"
	for p in "${parts[@]}"; do
		append_padded "$p" "$RUN_DIR/initrd.img"
	done
}

# Number of CPUs in a QEMU -smp SPEC: the leading count or cpus=, else the product of
# the topology fields.
smp_cpus() {
	local spec=$1 n=1 field
	if [[ "$spec" =~ ^([0-9]+)(,|$) ]]; then
		echo "${BASH_REMATCH[1]}"
		return
	fi
	if [[ ",$spec," =~ ,cpus=([0-9]+), ]]; then
		echo "${BASH_REMATCH[1]}"
		return
	fi
	for field in sockets dies clusters cores threads; do
		[[ ",$spec," =~ ,$field=([0-9]+), ]] && n=$((n * BASH_REMATCH[1]))
	done
	echo "$n"
}

# QEMU arguments for two NUMA nodes: node 0 gets the first half of the CPUs and of the
# memory, node 1 the rest (a single CPU stays on node 0; node 1 is then memory only).
numa_args() {
	local n half mem0 mem1
	n=$(smp_cpus "$SMP")
	half=$(((n + 1) / 2))
	mem0=$((MEM_MB / 2))
	mem1=$((MEM_MB - mem0))
	echo "-object memory-backend-ram,id=ram0,size=${mem0}M"
	echo "-numa node,nodeid=0,cpus=0-$((half - 1)),memdev=ram0"
	echo "-object memory-backend-ram,id=ram1,size=${mem1}M"
	if [ "$n" -gt "$half" ]; then
		echo "-numa node,nodeid=1,cpus=$half-$((n - 1)),memdev=ram1"
	else
		echo "-numa node,nodeid=1,memdev=ram1"
	fi
}

# Boots the test host; its console goes to LOG (and to stdout unless --quiet).
boot() {
	local args rc
	# -display none -serial stdio rather than -nographic: the same console without
	# SeaBIOS's screen-clearing escapes in the log. -no-reboot with panic=-1 makes a panic
	# end QEMU at once; softlockup_panic turns a stuck CPU into such a panic.
	args=(-accel tcg -M pc -cpu "$CPU" -smp "$SMP" -m "$MEM_MB" -display none -serial stdio
		-no-reboot -nic none -kernel "$ASSETS/generic/vmlinux" -initrd "$RUN_DIR/initrd.img"
		-append "console=ttyS0 quiet softlockup_panic=1 panic=-1$APPEND")
	[ "$NO_KVM" = 0 ] || args[-1]+=" testhost.nokvm"
	if [ "$NUMA" = 1 ]; then
		# shellcheck disable=SC2207 # numa_args prints words without spaces or globs
		args+=($(numa_args))
	fi
	mkdir -p "$(dirname "$LOG")"
	set +e
	if [ "$QUIET" = 1 ]; then
		timeout -k 10 "$TIMEOUT_S" qemu-system-x86_64 "${args[@]}" </dev/null >"$LOG" 2>&1
		rc=$?
	else
		timeout -k 10 "$TIMEOUT_S" qemu-system-x86_64 "${args[@]}" </dev/null 2>&1 |
			tee "$LOG"
		rc=${PIPESTATUS[0]}
	fi
	set -e
	return "$rc"
}

# The test's status from the log, or 124 (with the log's tail) when it never came.
report() {
	local qemu_rc=$1 elapsed=$2 status
	status=$(tr -d '\r' <"$LOG" | sed -n 's/^TESTHOST-EXIT \([0-9][0-9]*\)$/\1/p' | tail -n1)
	if [ -z "$status" ]; then
		if [ "$qemu_rc" = 124 ] || [ "$qemu_rc" = 137 ]; then
			echo "testhost: timed out after $TIMEOUT_S s without TESTHOST-EXIT (hang?)" >&2
		else
			echo "testhost: QEMU exited with $qemu_rc without TESTHOST-EXIT" >&2
		fi
		echo "testhost: last 40 lines of $LOG:" >&2
		tail -n 40 "$LOG" | tr -d '\r' | sed 's/^/  | /' >&2
		return 124
	fi
	echo "testhost: $(basename "$TEST_SCRIPT") exited $status after ${elapsed} s (log: $LOG)" >&2
	return "$status"
}

# TCG cannot emulate AMD's topology extensions (CPUID 0x8000001E), without which Linux on
# an AMD CPU takes SMT threads for cores; kvm_amd needs an AMD CPU. Say so up front.
warn_smt() {
	if [[ ",$SMP," =~ ,threads=([0-9]+), ]] && [ "${BASH_REMATCH[1]}" -gt 1 ] &&
		[[ "$CPU" != *vendor=GenuineIntel* ]]; then
		echo "testhost: warning: with an AMD CPU under TCG Linux sees no SMT siblings (no" \
			"topoext); for SMT use --cpu max,vendor=GenuineIntel --no-kvm (then no /dev/kvm)" >&2
	fi
}

main() {
	local t0 rc=0
	parse_args "$@"
	need_tools
	warn_smt
	mkdir -p "$WORK"
	RUN_DIR=$(mktemp -d "$WORK/run.XXXXXX")
	trap 'rm -rf "$RUN_DIR"' EXIT
	ensure_assets
	build_initrd
	t0=$(date +%s.%N)
	boot || rc=$?
	report "$rc" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
}

main "$@"
