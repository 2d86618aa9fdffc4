#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# libvirt domain XML of Xen guests (-i libvirtxml): for every XML paired
# with an xl/xm config, (1) our reading of the XML agrees with an
# independent reading of it (cfg-compare.py, Python's ElementTree), and
# (2) the same guest read from the xl/xm config and from the XML gives
# the same record (name, UUID, memory, vCPUs, firmware, origin, every
# disk's path/target/read-only, CD-ROMs, NICs).  A KVM domain reads too.
# Generated layer (always): tests/cfg-gen.py's Xen pairs and KVM
# domains.  Corpus layer (when $CORPUS is set): libvirt's xmconfigdata /
# xlconfigdata pairs and virt-v2v's test-i-ova.xml.
. "$srcdir/functions.sh"
requires python3 jq

q='{name,uuid,memory,max_memory,vcpus,max_vcpus,firmware,origin,
    disks:[.disks[]|[.path,.target,.readonly]],
    cds:[.removables[]|select(.device=="cdrom")|.path],
    nics:[.nics[]|{mac,network,model}]}'
# check XML...: read each XML, compare with ElementTree's reading and
# with its .cfg.
n=0
check () {
  local x f a b
  for x in "$@"; do
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
}

# --- Generated layer ---
python3 "$srcdir/cfg-gen.py" "$TMP/gen" || fail "cfg-gen.py"
check "$TMP"/gen/gen-xl-*.xml "$TMP"/gen/gen-ovf-*.xml
[ $n = 5 ] || fail "$n generated XML files, expected 5"
"$V2KVM" source show -i libvirtxml "$TMP/gen/gen-ovf-efi.xml" >"$TMP/kvm.txt" ||
  fail "gen-ovf-efi.xml"
grep -qx 'name: gen-ovf-efi' "$TMP/kvm.txt" || fail "gen-ovf-efi.xml name: $(cat "$TMP/kvm.txt")"
echo "$n generated libvirt XML files read and compared"

# --- Corpus layer ---
if have_corpus libvirt-1.2.2/xmconfigdata libvirt-current/xlconfigdata virt-v2v/test-i-ova.xml; then
  n=0
  check $(find "$CORPUS/libvirt-1.2.2/xmconfigdata" "$CORPUS/libvirt-current/xlconfigdata" -name '*.xml' | sort)
  # A KVM domain as virt-v2v writes it reads too.
  "$V2KVM" source show -i libvirtxml "$CORPUS/virt-v2v/test-i-ova.xml" >"$TMP/ova.txt" ||
    fail "test-i-ova.xml"
  grep -qx 'name: TestOva' "$TMP/ova.txt" || fail "test-i-ova.xml name"
  [ $n -ge 40 ] || fail "only $n XML files"
  echo "$n corpus libvirt XML files read and compared"
fi
