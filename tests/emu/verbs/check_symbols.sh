#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Every rdma-core symbol a prebuilt consumer imports (by default DPDK's librte_common_mlx5) must be
# defined by libmlx5emu.so under the same version node, as the default version: glibc binds a
# versioned import only to a definition of that exact node, also under LD_PRELOAD.
# Usage: check_symbols.sh <libmlx5emu.so> [consumer.so ...]
set -eu
lib=$1
shift
[ $# -gt 0 ] || set -- /usr/lib/x86_64-linux-gnu/librte_common_mlx5.so.23
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

nm -D --defined-only --with-symbol-versions "$lib" | awk '{print $NF}' | sort -u >"$tmp/defined"
status=0
for consumer in "$@"; do
	[ -r "$consumer" ] || { echo "cannot read $consumer"; exit 1; }
	nm -D --undefined-only --with-symbol-versions "$consumer" | awk '{print $NF}' |
		grep -E '@(IBVERBS|MLX5)_' | sort -u >"$tmp/wanted"
	n=$(wc -l <"$tmp/wanted")
	[ "$n" -gt 0 ] || { echo "$consumer imports no rdma-core symbols"; exit 1; }
	missing=0
	while read -r sym; do
		# An import name@VER is served by a default definition name@@VER.
		def=$(printf '%s\n' "$sym" | sed 's/@/@@/')
		if ! grep -qxF "$def" "$tmp/defined"; then
			echo "missing: $def (imported by $consumer)"
			missing=$((missing + 1))
		fi
	done <"$tmp/wanted"
	echo "$consumer: $n rdma-core imports, $missing missing"
	[ "$missing" -eq 0 ] || status=1
done
total=$(grep -cE '@@(IBVERBS|MLX5)_' "$tmp/defined" || true)
echo "$lib exports $total rdma-core symbols"
exit $status
