#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install everything the kvmmu build and test harness needs on Debian 12:
# toolchain, qemu, busybox, sparse, and Debian's kernel sources and stock
# kernel.  Idempotent: packages already present are not touched, so a warm
# machine pays only a dpkg query.

set -euo pipefail

BACKPORTS_LIST=/etc/apt/sources.list.d/kvmmu-bookworm-backports.sources

PKGS=(
	build-essential bc bison flex libelf-dev libssl-dev cpio xz-utils
	kmod qemu-system-x86 busybox-static sparse perl python3 dkms
	linux-source-6.1 linux-headers-amd64
	# stock-6.12's kbuild (unpacked into the cache) generates module BTF
	pahole
)
BPO_PKGS=(linux-source-6.12)

missing() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
			grep -q '^install ok installed$' || echo "$p"
	done
}

if [ "$(id -u)" != 0 ]; then
	need=$(missing "${PKGS[@]}" "${BPO_PKGS[@]}")
	if [ -n "$need" ]; then
		echo "setup: missing packages (run as root to install):" $need >&2
		exit 1
	fi
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
updated=0
apt_update() {
	[ $updated = 1 ] && return
	apt-get update -qq
	updated=1
}

if [ ! -f "$BACKPORTS_LIST" ]; then
	cat >"$BACKPORTS_LIST" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	updated=0
fi

need=$(missing "${PKGS[@]}")
if [ -n "$need" ]; then
	apt_update
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $need
fi
need=$(missing "${BPO_PKGS[@]}")
if [ -n "$need" ]; then
	apt_update
	# Name the suite per package: "-t bookworm-backports" would also pull
	# unrelated upgrades (linux-libc-dev, ...) from backports.
	# shellcheck disable=SC2046
	apt-get install -y -qq --no-install-recommends \
		$(printf '%s/bookworm-backports ' $need)
fi
