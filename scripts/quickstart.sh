#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# README quick start, command 1: install what is needed, build v2kvm,
# then
#   1. a sample disk: a streamOptimized VMDK (as in an OVA) inspected,
#      converted to qcow2 and checked with qemu-img;
#   2. a sample guest: a Debian 12 VM that looks like it ran on VMware
#      (tests/guests: built with debootstrap once, cached in
#      /var/tmp/v2kvm-guests), exported as an OVA, converted with
#      `v2kvm convert` and booted under qemu to prove it works on virtio.
# Needs root and the Debian mirror (the guest build); the first run takes
# a few minutes, later runs about two.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=${1:-/tmp/v2kvm-quickstart}
mkdir -p "$out"

echo "== 1. a sample disk"
qemu-img create -q -f raw "$out/sample.raw" 256M
qemu-io -f raw -c 'write -P 0x5a 0 4M' -c 'write -P 0xa5 100M 8M' "$out/sample.raw" >/dev/null
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$out/sample.raw" "$out/sample.vmdk"
./v2kvm disk info "$out/sample.vmdk"
./v2kvm disk convert --force "$out/sample.vmdk" "$out/sample.qcow2"
qemu-img check "$out/sample.qcow2"
qemu-img compare -f raw -F qcow2 "$out/sample.raw" "$out/sample.qcow2"

echo "== 2. a sample VMware guest (Debian 12 in an OVA)"
rc=0
ova=$(tests/guests/make-inputs.sh vmware ova) || rc=$?
if [ $rc = 77 ]; then
  echo "skipped: cannot build the sample guest here: $ova"
  exit 0
fi
[ $rc = 0 ] || { echo "building the sample guest failed (see /var/tmp/v2kvm-guests/*.log)"; exit 1; }
rm -rf "$out/guest" && mkdir "$out/guest"
# libguestfs: the direct backend (no libvirtd needed); v2kvm falls back
# to TCG by itself when KVM is absent or broken
LIBGUESTFS_BACKEND=direct ./v2kvm convert -i ova "$ova" -os "$out/guest"
ls -l "$out/guest"
mac=$(grep -Eo 'mac address="..:..:..:..:..:..' "$out/guest/v2kvm-vmware.xml" | head -1 | cut -d'"' -f2)
echo "== booting the converted guest under qemu (virtio disk and NIC)"
tests/guests/boot.sh "$out/guest/v2kvm-vmware-sda.qcow2" vmware --disk-bus virtio --nic virtio --mac "$mac"
echo "done: the converted guest is in $out/guest (virsh define $out/guest/v2kvm-vmware.xml to use it with libvirt)"
