#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every OVF descriptor in the corpus parses (or is refused as documented);
# virt-v2v's --print-source answers agree on the fields that matter
# (cfg-compare.py); the descriptor inside the real ttylinux OVA (taken
# out with tar here; reading the tar itself is the archive code's job)
# gives the disk reference, capacity and File size the archive code
# needs, as recorded in the corpus MANIFEST.
. "$srcdir/functions.sh"
requires_corpus
requires python3 tar jq

# Documented refusals (exit 3): govmomi fixtures that are parser tests,
# not virtual machines: they have no memory Item (ResourceType 4), so
# there is nothing to size the converted guest with.
declare -A refuse=(
  [dmtf_gos_test.ovf]=1 [empty-disk.ovf]=1 [parentDisk.ovf]=1
)
n=0 compared=0
for f in $(find "$CORPUS" -name '*.ovf' | sort); do
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
  x=${f%.ovf}.expected
  [ -f "$x" ] || { echo "parsed (no oracle): $f"; continue; }
  echo "== $f vs ${x##*/}"
  python3 "$srcdir/cfg-compare.py" v2v "$x" "$TMP/our.json" || fail "$f"
  compared=$((compared+1))
done
[ $n -ge 25 ] || fail "only $n .ovf files"
[ $compared -ge 6 ] || fail "only $compared compared"

# The real OVA: capacity 30 x byte*2^20, File ovf:size 10595840.
ova=$CORPUS/govmomi/ova/ttylinux-pc_i486-16.1.ova
tar -xf "$ova" -C "$TMP" ttylinux-pc_i486-16.1.ovf
j=$("$V2KVM" source show -i ovf "$TMP/ttylinux-pc_i486-16.1.ovf" --json)
[ "$(echo "$j" | jq -r '.disks[0].size')" = 31457280 ] || fail "ttylinux capacity: $j"
[ "$(echo "$j" | jq -r '.disks[0].ref')" = ttylinux-pc_i486-16.1-disk1.vmdk ] || fail "ttylinux href: $j"
[ "$(echo "$j" | jq -r '.disks[0].ref_size')" = 10595840 ] || fail "ttylinux File size: $j"
[ "$(echo "$j" | jq -r '.disks[0].format')" = vmdk ] || fail "ttylinux format: $j"
echo "ttylinux OVA descriptor: disk ref, capacity 31457280 and File size 10595840 as in MANIFEST"
echo "ovf: $n files read, $compared compared with virt-v2v"
