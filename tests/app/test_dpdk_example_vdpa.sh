#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# DPDK's own examples/vdpa, built from the source package of the installed DPDK (into the build
# folder, never into the source tree), loads our PMD as a plugin (-d) and serves an emulated
# function: a DPDK virtio-user front-end connects and sends, the device is configured with its
# queues and closed when the front-end leaves, the example quits on 'q' and no firmware object
# is left.
# Usage: test_dpdk_example_vdpa.sh <work folder> <our PMD .so> <libmlx5emu.so>
set -u
work="$1"
pmd=$(realpath "$2")
emu=$(realpath "$3")
testpmd=${TESTPMD:-dpdk-testpmd}
. "$(dirname "$0")/../lib/e2e.sh"
tmp=$e2e_tmp
e2e_sanitizers "$emu"

# The example's source, once per work folder: from exactly the installed DPDK's source package.
example=$work/dpdk-vdpa
if [ ! -x "$example" ]; then
	ver=$(dpkg-query -W -f='${Version}' libdpdk-dev)
	mkdir -p "$work"
	(cd "$tmp" && apt-get source --download-only -qq "dpdk=$ver" >"$tmp/apt.log" 2>&1)
	check "source package dpdk=$ver downloaded (deb-src, see tools/setup.sh)" $?
	tar -xf "$tmp"/dpdk_*.orig.tar.* -C "$tmp" --wildcards '*/examples/vdpa/*'
	# shellcheck disable=SC2046
	cc -O2 -o "$example" "$tmp"/*/examples/vdpa/main.c -DALLOW_EXPERIMENTAL_API \
		$(pkg-config --cflags --libs libdpdk) >"$tmp/cc.log" 2>&1
	check "DPDK's examples/vdpa built" $?
	[ -x "$example" ] || { cat "$tmp/cc.log"; e2e_finish; exit; }
fi

# The example quits when it reads 'q' on its standard input, after the front-end has gone.
(sleep "$(e2e_t 7)"; echo q) | MLX5_EMU="functions=1,report=exit" LD_PRELOAD="$san$emu" timeout "$(e2e_t 60)" \
	"$example" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry --file-prefix dvex-$e2e_id \
	-d "$pmd" --vdev vdpa_mlx5x0,ibdev=mlx5_0 --log-level=pmd.vdpa.mlx5x:info \
	--log-level=lib.vhost.config:warning -- --iface "$tmp/sock" \
	>"$tmp/example.log" 2>&1 &
epid=$!
e2e_bg
e2e_wait_sockets 10 "$tmp/sock0"
[ -S "$tmp/sock0" ]; check "the example serves the vDPA device on a vhost-user socket" $?

sleep "$(e2e_t 3)" | timeout "$(e2e_t 30)" "$testpmd" -l 0-1 --no-huge -m 512 --no-pci --no-telemetry \
	--file-prefix dvexvu-$e2e_id --vdev "net_virtio_user0,path=$tmp/sock0,queues=1" \
	-- --forward-mode=txonly --total-num-mbufs=4096 >"$tmp/vu.log" 2>&1
check "front-end exit status 0" $?
wait "$epid"; check "the example exits 0 on 'q'" $?
grep -q "configured 2 of 2 queues, 2 running" "$tmp/example.log"
check "our PMD configured both queues for the example" $?
grep -qE "closed; [0-9]+ completion events relayed" "$tmp/example.log"
check "the device was closed when the front-end left" $?
grep -q "mlx5emu: mlx5_0: 0 live firmware objects" "$tmp/example.log"
check "no firmware object left" $?
e2e_finish "$tmp/example.log" "$tmp/vu.log"
