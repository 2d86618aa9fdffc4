#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libvirt domain XML of Xen guests (-i libvirtxml): for every pair in
# libvirt's xmconfigdata / xlconfigdata, (1) our reading of libvirt's XML
# agrees with an independent reading of it (cfg-compare.py, Python's
# ElementTree), and (2) the same guest read from the xl/xm config and
# from libvirt's XML gives the same record (name, UUID, memory, vCPUs,
# firmware, origin, every disk's path/target/read-only, CD-ROMs, NICs).
. "$srcdir/functions.sh"
requires_corpus
requires python3 jq

q='{name,uuid,memory,max_memory,vcpus,max_vcpus,firmware,origin,
    disks:[.disks[]|[.path,.target,.readonly]],
    cds:[.removables[]|select(.device=="cdrom")|.path],
    nics:[.nics[]|{mac,network,model}]}'
n=0
for x in $(find "$CORPUS/libvirt-1.2.2/xmconfigdata" "$CORPUS/libvirt-current/xlconfigdata" -name '*.xml' | sort); do
  "$V2KVM" source show -i libvirtxml "$x" --json >"$TMP/x.json" 2>"$TMP/err" ||
    fail "cannot read $x: $(cat "$TMP/err")"
  echo "== $x"
  python3 "$srcdir/cfg-compare.py" libvirt "$x" "$TMP/x.json" || fail "$x"
  f=${x%.xml}.cfg
  if [ -f "$f" ]; then
    "$V2KVM" source show -i xl "$f" --json >"$TMP/c.json" 2>/dev/null || fail "$f"
    a=$(jq -S "$q" "$TMP/c.json") b=$(jq -S "$q" "$TMP/x.json")
    [ "$a" = "$b" ] || fail "$f and $x give different guests: $(diff <(echo "$a") <(echo "$b"))"
    echo "  same record from ${f##*/}"
  fi
  n=$((n+1))
done
# A KVM domain as virt-v2v writes it reads too.
"$V2KVM" source show -i libvirtxml "$CORPUS/virt-v2v/test-i-ova.xml" >"$TMP/ova.txt" ||
  fail "test-i-ova.xml"
grep -qx 'name: TestOva' "$TMP/ova.txt" || fail "test-i-ova.xml name"
[ $n -ge 40 ] || fail "only $n XML files"
echo "$n libvirt XML files read and compared"
