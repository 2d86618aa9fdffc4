#!/bin/bash
# README quick start, command 1: install what is needed, build v2kvm, make
# a sample VMware disk (streamOptimized VMDK, as in an OVA), inspect it,
# convert it to qcow2 and check the result with qemu-img.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
out=${1:-/tmp/v2kvm-quickstart}
mkdir -p "$out"
qemu-img create -q -f raw "$out/sample.raw" 256M
qemu-io -f raw -c 'write -P 0x5a 0 4M' -c 'write -P 0xa5 100M 8M' "$out/sample.raw" >/dev/null
qemu-img convert -f raw -O vmdk -o subformat=streamOptimized "$out/sample.raw" "$out/sample.vmdk"
./v2kvm disk info "$out/sample.vmdk"
./v2kvm disk convert --force "$out/sample.vmdk" "$out/sample.qcow2"
qemu-img check "$out/sample.qcow2"
qemu-img compare -f raw -F qcow2 "$out/sample.raw" "$out/sample.qcow2"
