#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Puts DPDK's driver-SDK headers (which Debian does not ship) for exactly the installed DPDK into
# OUTDIR, taken from the distribution's source package. Called by meson at configure time.
# Usage: dpdk-sdk-headers.sh DPDK_VERSION OUTDIR
# Exit 0 with the headers and a VERSION file in OUTDIR, or non-zero with the reason on stderr.
set -euo pipefail

want="$1"
out="$2"
headers=(
	lib/vhost/vdpa_driver.h
	lib/eal/include/dev_driver.h
	lib/eal/include/bus_driver.h
	drivers/bus/pci/bus_pci_driver.h
	drivers/bus/vdev/bus_vdev_driver.h
	drivers/bus/auxiliary/bus_auxiliary_driver.h
)

have_all() {
	[ "$(cat "$out/VERSION" 2>/dev/null)" = "$want" ] || return 1
	for h in "${headers[@]}"; do [ -f "$out/$(basename "$h")" ] || return 1; done
}
have_all && exit 0

debver=$(dpkg-query -W -f='${Version}' libdpdk-dev 2>/dev/null) || {
	echo "libdpdk-dev is not installed as a Debian package, so its source cannot be fetched" >&2
	exit 1
}
case "$debver" in
"$want"-*|"$want") ;;
*)
	echo "pkg-config reports DPDK $want but the libdpdk-dev package is $debver" >&2
	exit 1 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get source --download-only -qq "dpdk=$debver" >"$tmp/log" 2>&1); then
	echo "'apt-get source dpdk=$debver' failed (is deb-src enabled? run tools/setup.sh):" >&2
	tail -3 "$tmp/log" >&2
	exit 1
fi
orig=$(ls "$tmp"/dpdk_*.orig.tar.* 2>/dev/null | head -1)
[ -n "$orig" ] || { echo "no upstream tarball in the source package of dpdk $debver" >&2; exit 1; }
patterns=()
for h in "${headers[@]}"; do patterns+=("*/$h"); done
tar -xf "$orig" -C "$tmp" --wildcards "${patterns[@]}"
mkdir -p "$out"
for h in "${headers[@]}"; do
	cp "$tmp"/*/"$h" "$out/"
done
echo "$want" >"$out/VERSION"
