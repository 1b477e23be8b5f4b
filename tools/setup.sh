#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Installs what the project needs from Debian 12 packages. Idempotent: when everything is
# present it only checks, which takes well under a second.
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc clang
	# DPDK (libraries, headers, testpmd) and rdma-core
	libdpdk-dev dpdk dpdk-dev libibverbs-dev ibverbs-providers rdma-core
	# tests
	libcmocka-dev valgrind
	# dpdk-pmdinfo.py (the PMD info test) runs on Debian's python3 and needs its ELF reader
	python3-pyelftools
	# QEMU guest tests (the guest kernel is downloaded by tests/qemu/make-guest.sh)
	qemu-system-x86 busybox-static cpio
	# apt-get source of DPDK for its driver-SDK headers (dpkg-source unpacks it)
	dpkg-dev xz-utils
	gnuplot-nox	# bench/run's plot
)

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

# DPDK's driver-SDK headers come from the source package, so deb-src must be enabled. Kept in a
# file of our own so the system's sources stay untouched.
src_list=/etc/apt/sources.list.d/mlx5-vdpa-deb-src.sources
need_update=0
if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ &&
   ! grep -qs '^deb-src' /etc/apt/sources.list; then
	$sudo tee "$src_list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	need_update=1
fi

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

# apt-get source needs the deb-src index too, not only the binary one.
if [ "$need_update" = 1 ] || [ "${#missing[@]}" -gt 0 ] ||
   ! ls /var/lib/apt/lists/*_source_Sources* >/dev/null 2>&1; then
	$sudo apt-get update -qq
fi
if [ "${#missing[@]}" -gt 0 ]; then
	echo "setup: installing ${missing[*]}"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" >/dev/null
fi
echo "setup: dependencies present"
