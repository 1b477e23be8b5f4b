#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# The plugin describes itself to dpdk-pmdinfo.py: its driver name, the PCI ids it serves, its
# kernel module dependency and its devargs. Usage: check_pmdinfo.sh <plugin.so>
set -eu
plugin=$1
pmdinfo=$(command -v dpdk-pmdinfo.py || true)
if [ -z "$pmdinfo" ]; then
	echo "dpdk-pmdinfo.py not found (Debian package dpdk)" >&2
	exit 1
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# its own interpreter (the distribution's, which has pyelftools), not the first python3 in PATH
"$pmdinfo" "$plugin" > "$out"
python3 - "$out" <<'PY'
import json, sys
info = json.load(open(sys.argv[1]))
mine = [d for d in info if d.get("name") == "vdpa_mlx5x"]
assert len(mine) == 1, f"expected one vdpa_mlx5x record, got {info}"
d = mine[0]
ids = {(p["vendor"], p["device"]) for p in d.get("pci_ids", [])}
want = {("15b3", x) for x in ("101d", "101e", "101f", "1021", "a2d6", "a2dc")}
assert want <= ids, f"PCI ids {sorted(ids)} lack {sorted(want - ids)}"
assert "mlx5_core" in d.get("kmod", ""), d
for key in ("class=vdpa", "ibdev=", "event_mode=", "queues="):
    assert key in d.get("params", ""), f"params lack {key}: {d}"
print("ok:", d["name"], len(ids), "PCI ids")
PY
