#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian packages rtvmm needs to build, test and run its demo. Idempotent:
# prints nothing when everything is present, and names what it installs otherwise.
set -eu

PACKAGES="build-essential pkg-config libinih-dev libjansson-dev libcmocka-dev libnuma-dev
libhwloc-dev libcgroup-dev libseccomp-dev gnuplot-nox busybox-static cpio procps
qemu-system-x86 xz-utils"

missing=""
for p in $PACKAGES; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "install-deps: installing$missing"
if [ "$(id -u)" -ne 0 ]; then
	SUDO=sudo
else
	SUDO=
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
