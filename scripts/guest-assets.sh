#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Prepares the Linux guest assets rtvmm's tests boot: Debian's cloud kernel (the guest),
# Debian's generic kernel (the test host's kernel: bzImage, its uncompressed vmlinux ELF
# and the four modules that give it kvm_amd), a static busybox, and a busybox initramfs
# whose /init prints one "RTVMM-GUEST-UP" marker line and then runs what the kernel
# command line asks for (see guest_init below). Packages come from Debian's own archive
# with `apt-get download`; everything lands in one cache folder (default build/assets).
# Idempotent: a second run with the same package versions only checks and prints the
# summary. Usage: scripts/guest-assets.sh [--dir DIR] [--force]
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=$ROOT/build/assets
FORCE=0
# The modules that make /dev/kvm on the test host, in load order: kvm needs irqbypass,
# kvm-amd needs kvm and ccp (its SEV support calls into the PSP driver).
KVM_MODULES="irqbypass ccp kvm kvm-amd"

die() {
	echo "guest-assets: $*" >&2
	exit 1
}

# Prints the header's usage text: to stdout for --help, to stderr for a usage error.
usage() {
	if [ "${1:-0}" = 0 ]; then
		sed -n '3,10s/^# \{0,1\}//p' "$0"
	else
		sed -n '3,10s/^# \{0,1\}//p' "$0" >&2
	fi
	exit "${1:-0}"
}

need_tools() {
	local t
	for t in apt-get apt-cache dpkg-deb tar xz gzip cpio od; do
		command -v "$t" >/dev/null ||
			die "'$t' not found (install it; scripts/install-deps.sh lists rtvmm's packages)"
	done
}

parse_args() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--dir) [ $# -ge 2 ] || die "--dir needs a folder"; DIR=$2; shift 2 ;;
		--dir=*) DIR=${1#--dir=}; shift ;;
		--force) FORCE=1; shift ;;
		-h | --help) usage 0 ;;
		*) echo "guest-assets: unknown argument '$1'" >&2; usage 2 ;;
		esac
	done
	mkdir -p "$DIR"
	DIR=$(cd "$DIR" && pwd)
}

# Prints "package version" lines for the three packages to fetch: the concrete kernel
# packages the meta packages linux-image-cloud-amd64 and linux-image-amd64 point at (e.g.
# linux-image-6.1.0-NN-cloud-amd64; Debian builds a meta package and its image from one
# source, so they share the version) and busybox-static. One apt-cache call (~1 s).
resolve_packages() {
	local out
	out=$(apt-cache show --no-all-versions linux-image-cloud-amd64 linux-image-amd64 \
		busybox-static 2>/dev/null |
		awk '/^Package:/ { pkg = $2; dep = "" }
		     /^Depends:/ { if (match($0, /linux-image-[^ ,]+/)) dep = substr($0, RSTART, RLENGTH) }
		     /^Version:/ { ver = $2 }
		     /^$/ && pkg != "" { print (dep != "" ? dep : pkg), ver; pkg = "" }
		     END { if (pkg != "") print (dep != "" ? dep : pkg), ver }') || true
	[ "$(grep -c . <<<"$out")" -eq 3 ] ||
		die "apt-cache does not know linux-image-cloud-amd64, linux-image-amd64 and busybox-static (run 'apt-get update' first?)"
	echo "$out"
}

# The versions file is the cache key. While the apt lists are older than it, apt would
# resolve the same packages, so a cache hit needs no apt-cache call at all.
wanted_versions() {
	local lists=/var/lib/apt/lists
	if [ -s "$DIR/versions" ] && [ -d "$lists" ] &&
		[ -z "$(find "$lists" -maxdepth 1 -newer "$DIR/versions" -print -quit)" ]; then
		cat "$DIR/versions"
	else
		resolve_packages
	fi
}

# Downloads PKG into DIR/debs unless a .deb of it is already there; prints its path.
fetch_deb() {
	local pkg=$1 deb
	mkdir -p "$DIR/debs"
	deb=$(find "$DIR/debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
	if [ -z "$deb" ]; then
		(cd "$DIR/debs" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null) ||
			die "apt-get download $pkg failed"
		deb=$(find "$DIR/debs" -maxdepth 1 -name "${pkg}_*.deb" | head -n1)
		[ -n "$deb" ] || die "apt-get download $pkg left no .deb in $DIR/debs"
	fi
	echo "$deb"
}

# Reads an unsigned little-endian integer of SIZE bytes at byte OFFSET of FILE.
read_le() {
	od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# Writes LENGTH bytes of FILE from byte OFFSET to stdout.
slice() {
	dd if="$1" bs=1M skip="$2" count="$3" iflag=skip_bytes,count_bytes status=none
}

# Writes the kernel ELF inside a bzImage to OUT. The boot protocol header (2.08+) says
# where the compressed payload starts (payload_offset, from the end of the setup sectors)
# and how long it is; the build appends the uncompressed size as 4 little-endian bytes,
# which is left out of the stream and used to check the result.
bzimage_to_elf() {
	local bz=$1 out=$2 sects ver off len start magic want got
	[ "$(dd if="$bz" bs=1 skip=514 count=4 2>/dev/null)" = HdrS ] ||
		die "$bz: no Linux boot protocol header (HdrS)"
	ver=$(read_le "$bz" 518 2)
	[ "$ver" -ge 520 ] || die "$bz: boot protocol $((ver >> 8)).$((ver & 255)) has no payload fields"
	sects=$(read_le "$bz" 497 1)
	[ "$sects" -ne 0 ] || sects=4
	off=$(read_le "$bz" 584 4)
	len=$(read_le "$bz" 588 4)
	start=$(((sects + 1) * 512 + off))
	want=$(read_le "$bz" $((start + len - 4)) 4)
	magic=$(od -An -tx1 -j "$start" -N 4 "$bz" | tr -d ' ')
	case "$magic" in
	fd377a58) slice "$bz" "$start" $((len - 4)) | xz -dc >"$out" ;;
	1f8b*) slice "$bz" "$start" $((len - 4)) | gzip -dc >"$out" ;;
	28b52ffd) slice "$bz" "$start" $((len - 4)) | zstd -qdc >"$out" ;;
	5d00*) slice "$bz" "$start" $((len - 4)) | xz -dc --format=lzma >"$out" ;;
	*) die "$bz: payload compression with magic $magic is not supported (xz, gzip, zstd, lzma are)" ;;
	esac
	got=$(stat -c %s "$out")
	[ "$got" -eq "$want" ] || die "$bz: decompressed $got bytes, the header says $want"
	[ "$(od -An -c -N4 "$out" | tr -d ' ')" = '177ELF' ] || die "$bz: payload is not an ELF file"
}

# Copies a module to OUT, decompressing .ko.xz / .ko.zst / .ko.gz (busybox insmod
# loads only plain .ko files).
module_copy() {
	case "$1" in
	*.ko.xz) xz -dc "$1" >"$2" ;;
	*.ko.zst) zstd -qdc "$1" >"$2" ;;
	*.ko.gz) gzip -dc "$1" >"$2" ;;
	*.ko) cp "$1" "$2" ;;
	*) die "$1: not a kernel module" ;;
	esac
}

extract_cloud() {
	local deb=$1 tmp=$DIR/.extract
	rm -rf "$tmp" && mkdir -p "$tmp" "$DIR/cloud"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*'
	mv "$tmp"/boot/vmlinuz-* "$DIR/cloud/bzImage"
	rm -rf "$tmp"
}

extract_generic() {
	local deb=$1 tmp=$DIR/.extract m f
	rm -rf "$tmp" "$DIR/generic/modules" && mkdir -p "$tmp" "$DIR/generic/modules"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' \
		'./lib/modules/*/kernel/virt/lib/irqbypass.ko*' \
		'./lib/modules/*/kernel/drivers/crypto/ccp/ccp.ko*' \
		'./lib/modules/*/kernel/arch/x86/kvm/kvm.ko*' \
		'./lib/modules/*/kernel/arch/x86/kvm/kvm-amd.ko*'
	mv "$tmp"/boot/vmlinuz-* "$DIR/generic/bzImage"
	for m in $KVM_MODULES; do
		f=$(find "$tmp/lib/modules" -name "$m.ko*" | head -n1)
		[ -n "$f" ] || die "$deb has no $m module"
		module_copy "$f" "$DIR/generic/modules/$m.ko"
	done
	rm -rf "$tmp"
	bzimage_to_elf "$DIR/generic/bzImage" "$DIR/generic/vmlinux.tmp"
	mv "$DIR/generic/vmlinux.tmp" "$DIR/generic/vmlinux"
}

extract_busybox() {
	local deb=$1 tmp=$DIR/.extract
	rm -rf "$tmp" && mkdir -p "$tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./bin/busybox
	mv "$tmp/bin/busybox" "$DIR/busybox"
	rm -rf "$tmp"
}

# The guest's /init. Kernel command line (read from /proc/cmdline, because the kernel
# keeps parameters with a dot from init's environment):
#   rtvmm.cmd=CMD or rtvmm.cmd="CMD WITH SPACES"   run CMD with sh -c, then print
#                                                  "RTVMM-CMD-EXIT <status>"
#   rtvmm.shell                                    interactive sh on the console
#   rtvmm.action=poweroff|reboot|panic             what to do at the end (poweroff)
guest_init() {
	cat <<'EOF'
#!/bin/sh
# rtvmm test guest init, generated by scripts/guest-assets.sh.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
# The archive has no /dev/console node, so the kernel started us without fds 0-2.
exec </dev/console >/dev/console 2>&1
export PATH=/bin HOME=/ TERM=vt100
mkdir -p /tmp /dev/pts
mount -t devpts devpts /dev/pts

cmdline=$(cat /proc/cmdline)

# Prints the value of NAME=VALUE or NAME="VALUE" (or "NAME=VALUE") on the command line.
param() {
	local rest=" $cmdline"
	case "$rest" in
	*" $1=\""*) rest=${rest#*" $1=\""}; printf '%s' "${rest%%\"*}" ;;
	*" \"$1="*) rest=${rest#*" \"$1="}; printf '%s' "${rest%%\"*}" ;;
	*" $1="*) rest=${rest#*" $1="}; printf '%s' "${rest%% *}" ;;
	*) return 1 ;;
	esac
}

flag() {
	case " $cmdline " in
	*" $1 "* | *" $1="*) return 0 ;;
	esac
	return 1
}

read -r up _ </proc/uptime
echo "RTVMM-GUEST-UP uptime=$up cpus=$(grep -c '^processor' /proc/cpuinfo)"

if cmd=$(param rtvmm.cmd); then
	sh -c "$cmd"
	echo "RTVMM-CMD-EXIT $?"
fi
if flag rtvmm.shell; then
	setsid cttyhack sh
fi
case "$(param rtvmm.action)" in
reboot) reboot -f ;;
panic) echo c >/proc/sysrq-trigger ;;
*) poweroff -f ;;
esac
# PID 1 must not exit: that would be a panic the caller did not ask for.
echo "rtvmm guest init: power action failed"
while :; do sleep 3600; done
EOF
}

# Builds DIR/guest-initramfs.cpio.gz unless the one there was made from the same /init
# and busybox.
build_initramfs() {
	local out=$DIR/guest-initramfs.cpio.gz stamp=$DIR/guest-initramfs.stamp key root a
	key=$( (guest_init; cat "$DIR/busybox") | sha256sum | cut -d' ' -f1)
	if [ -s "$out" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	root=$DIR/.guest-root
	rm -rf "$root" && mkdir -p "$root"/{bin,dev,proc,sys,tmp,root}
	cp "$DIR/busybox" "$root/bin/busybox"
	for a in $("$DIR/busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$root/bin/$a"
	done
	guest_init >"$root/init"
	chmod 755 "$root/init"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio -o -H newc -R 0:0 --quiet | gzip -n -9 >"$out.tmp")
	mv "$out.tmp" "$out"
	echo "$key" >"$stamp"
	rm -rf "$root"
}

outputs_present() {
	local f
	for f in cloud/bzImage generic/bzImage generic/vmlinux busybox; do
		[ -s "$DIR/$f" ] || return 1
	done
	for f in $KVM_MODULES; do
		[ -s "$DIR/generic/modules/$f.ko" ] || return 1
	done
}

# Downloads and extracts what the version list names; drops .debs of other versions.
refresh() {
	local versions=$1 pkg ver deb
	mkdir -p "$DIR/debs"
	while read -r pkg ver; do
		find "$DIR/debs" -maxdepth 1 -name "${pkg}_*.deb" 2>/dev/null |
			while read -r deb; do
				[ "$(dpkg-deb -f "$deb" Version)" = "$ver" ] || rm -f "$deb"
			done
		deb=$(fetch_deb "$pkg")
		case "$pkg" in
		linux-image-*-cloud-amd64) extract_cloud "$deb" ;;
		linux-image-*) extract_generic "$deb" ;;
		busybox-static) extract_busybox "$deb" ;;
		esac
	done <<<"$versions"
	echo "$versions" >"$DIR/versions"
}

summary() {
	local f m mods=
	echo "guest-assets: $DIR"
	sed 's/^/  package /' "$DIR/versions"
	for m in $KVM_MODULES; do
		mods="$mods generic/modules/$m.ko"
	done
	for f in cloud/bzImage generic/bzImage generic/vmlinux busybox guest-initramfs.cpio.gz \
		$mods; do
		printf '  %-34s %6s KiB\n' "$f" "$(($(stat -c %s "$DIR/$f") / 1024))"
	done
}

main() {
	local versions
	parse_args "$@"
	need_tools
	versions=$(wanted_versions)
	if [ "$FORCE" = 1 ] || ! outputs_present ||
		[ "$(cat "$DIR/versions" 2>/dev/null)" != "$versions" ]; then
		refresh "$versions"
	fi
	build_initramfs
	summary
}

main "$@"
