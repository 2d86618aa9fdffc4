#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# disk convert from every input format a reader exists for: qemu-img
# makes VMDK (streamOptimized, monolithicSparse, monolithicFlat,
# twoGbMaxExtentSparse), VHD (dynamic, fixed) and qcow2 copies of one raw
# image with data, holes and zero-filled ranges; each is converted to
# qcow2 (plain and -c, two -j values) and raw, then qemu-img check and
# qemu-img compare against the raw original.  Formats whose reader is
# not built yet are reported and skipped.
. "$srcdir/functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" jq

src=$TMP/src.raw
"$QEMU_IMG" create -q -f raw "$src" $((48 * 1048576 + 65536 + 512))
"$QEMU_IO" -f raw \
  -c 'write -P 0x11 0 1M' -c 'write -P 0 4M 2M' -c 'write -P 0x5a 9M 64k' \
  -c 'write -P 0xa5 9437696 4096' -c 'write -P 0x33 20M 3M' \
  -c "write -P 0x77 $((48 * 1048576)) 65536" "$src" >/dev/null
yes 'compressible guest text' | head -c 2M |
  dd of="$src" bs=1M seek=30 conv=notrunc status=none

ran=0
try () {   # NAME V2KVM_FORMAT QEMU_FORMAT [QEMU OPTIONS]
  local name=$1 vf=$2 qf=$3; shift 3
  local in=$TMP/in-$name.$qf
  "$QEMU_IMG" convert -f raw -O "$qf" "$@" "$src" "$in"
  if ! "$V2KVM" -q disk info -f "$vf" "$in" >/dev/null 2>&1; then
    echo "note: no reader for $name yet, skipped"
    return
  fi
  local j c out
  for j in 1 3; do
    for c in "" -c; do
      out=$TMP/out-$name-$j$c.qcow2
      "$V2KVM" disk convert "$in" "$out" -j $j $c || fail "$name -j $j $c: convert"
      "$QEMU_IMG" check -q "$out" || fail "$name -j $j $c: qemu-img check"
      "$QEMU_IMG" compare -q -f raw -F qcow2 "$src" "$out" || fail "$name -j $j $c: compare"
      rm -f "$out"
    done
  done
  "$V2KVM" disk convert -O raw "$in" "$TMP/out-$name.raw" || fail "$name: convert to raw"
  cmp "$src" "$TMP/out-$name.raw" || fail "$name: raw output differs"
  rm -f "$TMP/out-$name.raw" "$in"*
  ran=$((ran + 1))
  echo "$name: ok"
}

try vmdk-stream vmdk vmdk -o subformat=streamOptimized
try vmdk-sparse vmdk vmdk -o subformat=monolithicSparse
try vmdk-flat vmdk vmdk -o subformat=monolithicFlat
try vmdk-2gb vmdk vmdk -o subformat=twoGbMaxExtentSparse
try vhd-dynamic vhd vpc -o subformat=dynamic,force_size=on
try vhd-fixed vhd vpc -o subformat=fixed,force_size=on
try qcow2 qcow2 qcow2
try qcow2-compressed qcow2 qcow2 -c
[ "$ran" -gt 0 ] || skip "no input format reader besides raw is built"

# A raw input whose size is not a multiple of 512: qemu-img gives the
# qcow2 the size rounded up (it reads a qcow2 size in whole sectors), so
# must we, or the tail is lost.
head -c 5000 /dev/urandom >"$TMP/odd.raw"
for c in "" -c; do
  "$V2KVM" disk convert $c "$TMP/odd.raw" "$TMP/odd$c.qcow2" 2>/dev/null ||
    fail "odd-sized raw -> qcow2 $c failed"
  $QEMU_IMG convert -O qcow2 "$TMP/odd.raw" "$TMP/odd-ref.qcow2"
  [ "$($QEMU_IMG info --output=json "$TMP/odd$c.qcow2" | jq '."virtual-size"')" = \
    "$($QEMU_IMG info --output=json "$TMP/odd-ref.qcow2" | jq '."virtual-size"')" ] ||
    fail "odd-sized raw: virtual size differs from qemu-img's"
  $QEMU_IMG compare -q "$TMP/odd-ref.qcow2" "$TMP/odd$c.qcow2" ||
    fail "odd-sized raw: content differs ($c)"
  rm -f "$TMP/odd-ref.qcow2"
done
echo ok
