#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Prepares a guest for the QEMU tests in OUTDIR (a build folder, never the source tree):
#   OUTDIR/vmlinux         Debian's kernel, uncompressed ELF (QEMU boots it through its PVH entry,
#                          skipping the decompressor, which is slow under TCG)
#   OUTDIR/initramfs.cpio  busybox (static), the virtio-net modules of that kernel and guest-init.sh
#                          as /init
# The kernel comes from the package linux-image-amd64 depends on, downloaded with apt-get download
# and unpacked with dpkg-deb -x: nothing is installed on the host. busybox is the host's static one
# (busybox-static, from tools/setup.sh). Does nothing when both files are newer than this script
# and guest-init.sh. Prints the two paths.
# Usage: make-guest.sh OUTDIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: make-guest.sh OUTDIR}
mkdir -p "$out"
out=$(cd "$out" && pwd)
vmlinux=$out/vmlinux
initramfs=$out/initramfs.cpio

# The virtio-net stack in dependency order (checked against the modules' own depends below).
modules=(virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci failover
	net_failover virtio_net)

fresh() {	# FILE: exists and is newer than every input of it
	[ -s "$1" ] && [ "$1" -nt "$here/make-guest.sh" ] && [ "$1" -nt "$here/guest-init.sh" ]
}
if fresh "$vmlinux" && fresh "$initramfs"; then
	echo "$vmlinux"
	echo "$initramfs"
	exit 0
fi

busybox=${BUSYBOX:-/bin/busybox}
if ! [ -x "$busybox" ] || ldd "$busybox" >/dev/null 2>&1; then
	echo "make-guest: $busybox is missing or not static; install busybox-static (tools/setup.sh)" >&2
	exit 1
fi

# The kernel package: the versioned one the meta-package depends on.
pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
	awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
if [ -z "$pkg" ]; then
	echo "make-guest: apt-cache knows no linux-image-amd64 (run apt-get update)" >&2
	exit 1
fi
kdir=$out/$pkg
if [ ! -d "$kdir/lib/modules" ]; then
	dl=$out/download
	rm -rf "$dl" "$kdir"
	mkdir -p "$dl"
	# As root apt warns that the download is unsandboxed (the _apt user cannot write here).
	(cd "$dl" && apt-get download -q "$pkg" 2>&1 | grep -v "unsandboxed" >&2) || true
	deb=$(ls "$dl"/"$pkg"_*.deb 2>/dev/null | head -1)
	if [ -z "$deb" ]; then
		echo "make-guest: apt-get download $pkg failed" >&2
		exit 1
	fi
	dpkg-deb -x "$deb" "$kdir.tmp"
	mv "$kdir.tmp" "$kdir"
	rm -rf "$dl"
fi
kver=$(ls "$kdir/lib/modules" | head -1)
bzimage=$kdir/boot/vmlinuz-$kver

# vmlinux out of the bzImage: the x86 boot header (boot protocol 2.08+) gives the compressed
# payload's place: setup_sects at 0x1f1 (0 means 4), payload_offset (u32 at 0x248) and
# payload_length (u32 at 0x24c), counted from the protected-mode code after the setup sectors.
u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
setup_sects=$(od -An -t u1 -j $((0x1f1)) -N 1 "$bzimage" | tr -d ' ')
[ "$setup_sects" -ne 0 ] || setup_sects=4
start=$(( (setup_sects + 1) * 512 + $(u32 "$bzimage" $((0x248))) ))
len=$(u32 "$bzimage" $((0x24c)))
magic=$(od -An -t x1 -j "$start" -N 6 "$bzimage" | tr -d ' ')
payload() { dd if="$bzimage" iflag=skip_bytes,count_bytes skip="$start" count="$len" status=none; }
case $magic in
fd377a585a00) payload | xz -dc --single-stream >"$vmlinux.tmp" ;;
1f8b*) payload | gzip -dc >"$vmlinux.tmp" 2>/dev/null || [ -s "$vmlinux.tmp" ] ;;
28b52ffd*) payload | zstd -dcq >"$vmlinux.tmp" ;;
*) echo "make-guest: unknown kernel payload (magic $magic) in $bzimage" >&2; exit 1 ;;
esac
if [ "$(od -An -c -j 1 -N 3 "$vmlinux.tmp" | tr -d ' ')" != "ELF" ]; then
	echo "make-guest: the payload of $bzimage is not an ELF vmlinux" >&2
	exit 1
fi
if ! grep -q "^CONFIG_PVH=y" "$kdir/boot/config-$kver"; then
	echo "make-guest: $kver has no PVH entry; QEMU cannot boot its vmlinux" >&2
	exit 1
fi
mv "$vmlinux.tmp" "$vmlinux"

# The initramfs tree.
root=$out/initramfs.d
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,lib/modules}
cp "$busybox" "$root/bin/busybox"
ln -s busybox "$root/bin/sh"
install -m 755 "$here/guest-init.sh" "$root/init"
loaded=" "
for m in "${modules[@]}"; do
	ko=$(find "$kdir/lib/modules/$kver/kernel" -name "$m.ko*" | head -1)
	if [ -z "$ko" ]; then
		echo "make-guest: no module $m in $pkg" >&2
		exit 1
	fi
	case $ko in
	*.ko) cp "$ko" "$root/lib/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$ko" >"$root/lib/modules/$m.ko" ;;	# busybox insmod reads plain .ko
	*.ko.zst) zstd -dcq "$ko" >"$root/lib/modules/$m.ko" ;;
	*) echo "make-guest: $ko: unknown module compression" >&2; exit 1 ;;
	esac
	# Every dependency must come earlier in the list, or /init's insmod fails.
	deps=$(strings "$root/lib/modules/$m.ko" | sed -n 's/^depends=//p' | tr ',' ' ')
	for d in $deps; do
		case $loaded in
		*" $d "*) ;;
		*) echo "make-guest: $m needs $d, which is not loaded before it" >&2; exit 1 ;;
		esac
	done
	loaded="$loaded$m "
done
printf '%s\n' "${modules[@]}" >"$root/lib/modules/order"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$initramfs.tmp"
mv "$initramfs.tmp" "$initramfs"
rm -rf "$root"
echo "$vmlinux"
echo "$initramfs"
