#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every OVF descriptor parses (or is refused as documented); an oracle's
# answers agree on the fields that matter (cfg-compare.py); a descriptor
# gives the disk reference, capacity and File size the archive code
# needs.
# Generated layer (always): tests/cfg-gen.py's descriptors with the
# libvirt XML of the same guest, virt-v2v -i ova --print-source on them
# when virt-v2v is installed (over empty streamOptimized VMDKs from
# qemu-img), and one without a memory Item.  Corpus layer (when $CORPUS
# is set): every .ovf in it against virt-v2v's --print-source
# expectations, and the descriptor inside the real ttylinux OVA (taken
# out with tar here; reading the tar itself is the archive code's job)
# as recorded in the corpus MANIFEST.
. "$srcdir/functions.sh"
requires python3 tar jq "$QEMU_IMG"

# Documented refusals (exit 3): govmomi fixtures that are parser tests,
# not virtual machines: they have no memory Item (ResourceType 4), so
# there is nothing to size the converted guest with.
declare -A refuse=(
  [dmtf_gos_test.ovf]=1 [empty-disk.ovf]=1 [parentDisk.ovf]=1
  [gen-ovf-bios-nomemory.ovf]=1
)
# check FILE...: read each descriptor, compare with its oracle.
n=0 compared=0
check () {
  local f b x kind
  for f in "$@"; do
    n=$((n+1))
    b=$(basename "$f")
    if [ -n "${refuse[$b]:-}" ]; then
      expect_exit 3 "$V2KVM" source show -i ovf "$f"
      expect_error_match "$b: no memory Item"
      echo "refused as documented: $ERR"
      continue
    fi
    "$V2KVM" source show -i ovf "$f" --json >"$TMP/our.json" 2>"$TMP/err" ||
      fail "cannot read $f: $(cat "$TMP/err")"
    x=${f%.ovf}.expected kind=v2v
    # tests/cfg-gen.py writes the libvirt XML of each guest beside it (a
    # corpus .xml beside an .ovf is no such oracle).
    case $b in gen-*) [ -f "$x" ] || x=${f%.ovf}.xml kind=libvirt ;; esac
    [ -f "$x" ] || { echo "parsed (no oracle): $f"; continue; }
    echo "== $f vs ${x##*/}"
    python3 "$srcdir/cfg-compare.py" $kind "$x" "$TMP/our.json" || fail "$f"
    compared=$((compared+1))
  done
}

# descriptor_checks OVF REF CAPACITY REF_SIZE: the first disk as the
# archive code needs it.
descriptor_checks () {
  local j
  j=$("$V2KVM" source show -i ovf "$1" --json)
  [ "$(echo "$j" | jq -r '.disks[0].size')" = "$3" ] || fail "$1 capacity: $j"
  [ "$(echo "$j" | jq -r '.disks[0].ref')" = "$2" ] || fail "$1 href: $j"
  [ "$(echo "$j" | jq -r '.disks[0].ref_size')" = "$4" ] || fail "$1 File size: $j"
  [ "$(echo "$j" | jq -r '.disks[0].format')" = vmdk ] || fail "$1 format: $j"
  echo "${1##*/}: disk ref $2, capacity $3 and File size $4"
}

# --- Generated layer ---
python3 "$srcdir/cfg-gen.py" "$TMP/gen" || fail "cfg-gen.py"
check "$TMP"/gen/*.ovf
[ $n = 3 ] && [ $compared = 2 ] || fail "generated: $n read, $compared compared; expected 3 and 2"
# capacity 8 x byte*2^30, File ovf:size 65536 (tests/cfg-gen.py)
descriptor_checks "$TMP/gen/gen-ovf-bios.ovf" gen-ovf-bios-disk1.vmdk 8589934592 65536
if command -v virt-v2v >/dev/null; then
  # virt-v2v opens the disks (qemu-nbd): empty VMDKs stand in for them.
  for b in gen-ovf-bios gen-ovf-efi; do
    mkdir "$TMP/$b"
    cp "$TMP/gen/$b.ovf" "$TMP/$b/"
    for d in $(sed -n 's/.*ovf:href="\([^"]*\)".*/\1/p' "$TMP/$b/$b.ovf"); do
      "$QEMU_IMG" create -q -f vmdk -o subformat=streamOptimized "$TMP/$b/$d" 16M
    done
    virt-v2v -i ova "$TMP/$b" --print-source > "$TMP/$b.expected" 2>"$TMP/err" ||
      fail "virt-v2v --print-source $b: $(tail -3 "$TMP/err")"
    "$V2KVM" source show -i ovf "$TMP/$b/$b.ovf" --json >"$TMP/our.json" || fail "$b"
    echo "== $b.ovf vs virt-v2v --print-source"
    python3 "$srcdir/cfg-compare.py" v2v "$TMP/$b.expected" "$TMP/our.json" || fail "$b"
    compared=$((compared+1))
  done
else
  echo "virt-v2v is not installed: the libvirt XML is the generated files' only oracle"
fi
echo "ovf (generated): $n files read, $compared compared with an oracle"

# --- Corpus layer ---
ova=govmomi/ova/ttylinux-pc_i486-16.1.ova
if have_corpus $ova; then
  n=0 compared=0
  check $(find "$CORPUS" -name '*.ovf' | sort)
  [ $n -ge 25 ] || fail "only $n .ovf files"
  [ $compared -ge 6 ] || fail "only $compared compared"
  # The real OVA: capacity 30 x byte*2^20, File ovf:size 10595840.
  tar -xf "$CORPUS/$ova" -C "$TMP" ttylinux-pc_i486-16.1.ovf
  descriptor_checks "$TMP/ttylinux-pc_i486-16.1.ovf" ttylinux-pc_i486-16.1-disk1.vmdk 31457280 10595840
  echo "ovf (corpus): $n files read, $compared compared with virt-v2v"
fi
