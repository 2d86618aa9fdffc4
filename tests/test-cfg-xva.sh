#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# XenServer ova.xml (-i xva).  The ova.xml tests/guests/xen-ova-xml.py
# writes for the Xen test guest, with two disks, gives back the values
# it was written with (name_label, uuid, HVM, memory_static_max,
# VCPUs_max, the VBDs -> VDIs Ref:6/Ref:8 and their virtual_size, the
# VIF's MAC).  With the corpus, the real XenServer 7.0 export metadata
# gives the values its MANIFEST entry records (VM Ref:1730, VDI
# Ref:1736, two VIF MACs).
. "$srcdir/functions.sh"
requires jq python3

check () {
  [ "$(echo "$j" | jq -r "$1")" = "$2" ] || fail "$f: $1 is '$(echo "$j" | jq -r "$1")', expected '$2'"
  echo "ok: $1 = $2"
}

f=$TMP/ova.xml
python3 "$srcdir/guests/xen-ova-xml.py" "$f" 4194304 8388608 || fail "xen-ova-xml.py"
j=$("$V2KVM" source show -i xva "$f" --json) || fail "cannot read $f"
check .name v2kvm-xen
check .uuid 7e570300-0000-4000-8000-000000030201
check .origin xenserver
check .os.builder hvm
check .firmware bios
check .memory 1073741824
check .vcpus 1
check '.disks|length' 2
check '.disks[0].ref' Ref:6
check '.disks[0].size' 4194304
check '.disks[0].target' xvda
check '.disks[1].ref' Ref:8
check '.disks[1].size' 8388608
check '.disks[1].target' xvdb
check '.nics|length' 1
check '.nics[0].mac' 00:16:3e:aa:bb:02
"$V2KVM" source show "$f" | grep -qx 'origin: xenserver' || fail "probe $f"

[ -n "$CORPUS" ] && [ -f "$CORPUS/xva-tools/ova.xml" ] ||
  { echo "no \$CORPUS/xva-tools/ova.xml: corpus case skipped"; exit 0; }
f=$CORPUS/xva-tools/ova.xml
j=$("$V2KVM" source show -i xva "$f" --json) || fail "cannot read $f"
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
