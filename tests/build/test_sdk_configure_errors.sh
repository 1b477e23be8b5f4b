#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Configure must stop with a clear message whenever DPDK's driver-SDK headers cannot be had or do
# not belong to the installed DPDK. Each case configures the project in a scratch folder.
set -u
src="$1"
meson="$2"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
fails=0
cases=0

expect_error() {	# name, expected text, meson args... (env may be set by the caller)
	local name="$1" want="$2"
	shift 2
	cases=$((cases + 1))
	rm -rf "$scratch/build"
	if out=$("$meson" setup "$scratch/build" "$src" -Dtests=false "$@" 2>&1); then
		echo "FAIL $name: configure succeeded"
		fails=$((fails + 1))
	elif ! grep -qF -- "$want" <<<"$out"; then
		echo "FAIL $name: error does not say '$want':"
		grep -i error <<<"$out" | head -5
		fails=$((fails + 1))
	else
		echo "ok   $name: $(grep -F -- "$want" <<<"$out" | head -1 | sed 's/^.*ERROR: //')"
	fi
}

expect_error "missing folder" "not found in /nonexistent/sdk" -Ddpdk_sdk_headers=/nonexistent/sdk

ver=$(pkg-config --modversion libdpdk)
mkdir -p "$scratch/old-sdk"
for h in vdpa_driver.h dev_driver.h bus_driver.h bus_pci_driver.h bus_vdev_driver.h \
	 bus_auxiliary_driver.h; do
	echo "/* placeholder */" >"$scratch/old-sdk/$h"
done
expect_error "folder without VERSION" "has no VERSION file" -Ddpdk_sdk_headers="$scratch/old-sdk"
echo "21.11.0" >"$scratch/old-sdk/VERSION"
expect_error "version mismatch" "are for DPDK 21.11.0, but the installed DPDK is $ver" \
	-Ddpdk_sdk_headers="$scratch/old-sdk"

# The source package cannot be fetched: an apt-get that always fails stands in for a machine
# without deb-src or network.
mkdir -p "$scratch/bin"
printf '#!/bin/sh\necho "E: You must put some source URIs in your sources.list" >&2\nexit 100\n' \
	>"$scratch/bin/apt-get"
chmod +x "$scratch/bin/apt-get"
PATH="$scratch/bin:$PATH" expect_error "source package unavailable" \
	"DPDK driver-SDK headers for DPDK $ver could not be had"

echo "$((cases - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
