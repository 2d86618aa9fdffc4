#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Raw images: size, allocation from SEEK_DATA/SEEK_HOLE, options after
# operands, JSON output.
. "$srcdir/functions.sh"
requires truncate jq

img=$TMP/disk.img
truncate -s 64M "$img"
# 1 MiB of data at 8 MiB and at 40 MiB: allocated = 2 MiB.
dd if=/dev/urandom of="$img" bs=1M count=1 seek=8 conv=notrunc status=none
dd if=/dev/urandom of="$img" bs=1M count=1 seek=40 conv=notrunc status=none

out=$("$V2KVM" disk info "$img" 2>"$TMP/err")
grep -q 'not recognised, reading it as raw' "$TMP/err" || fail "no raw-fallback warning"
echo "$out" | grep -qx 'format: raw' || fail "format: $out"
echo "$out" | grep -qx 'virtual size: 67108864' || fail "size: $out"

json=$("$V2KVM" disk info "$img" --json 2>/dev/null)   # option after operand
[ "$(echo "$json" | jq -r .format)" = raw ] || fail "json format"
[ "$(echo "$json" | jq -r .virtual_size)" = 67108864 ] || fail "json size"
alloc=$(echo "$json" | jq -r .allocated)
# File systems may allocate in larger units; 2 MiB of data must be seen
# and the 62 MiB of holes must not.
[ "$alloc" -ge 2097152 ] && [ "$alloc" -le 8388608 ] || fail "allocated $alloc"
echo ok
