#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# disk convert, checked by qemu-img: raw images with pseudo-random data,
# holes and zero-filled (allocated) ranges -> qcow2 (with and without -c,
# several -j, small and default cluster sizes) and raw.  qemu-img check
# must find no errors and no leaks, qemu-img compare must say identical,
# qemu-img map must show holes and zero ranges unallocated, the raw
# output must be sparse, and the source must be unchanged.
. "$srcdir/functions.sh"
requires "$QEMU_IMG" openssl jq du sha256sum

# prand BYTES SEED: deterministic pseudo-random bytes.
prand () {
  openssl enc -aes-128-ctr -nosalt -pass "pass:$2" -pbkdf2 </dev/zero 2>/dev/null |
    head -c "$1"
}
# put FILE OFFSET BYTES SEED|zero|text
put () {
  case $4 in
    zero) head -c "$3" /dev/zero ;;
    text) yes 'the quick brown fox jumps over the lazy dog' | head -c "$3" ;;
    *) prand "$3" "$4" ;;
  esac | dd of="$1" bs=64K seek="$2" oflag=seek_bytes conv=notrunc status=none
}

# A 40 MiB + 3.5 KiB disk (not a multiple of the 64 KiB cluster).
src=$TMP/src.raw
truncate -s $((40 * 1048576 + 3584)) "$src"
put "$src" 0 1048576 a                  # data at the start
put "$src" $((3 * 1048576)) 4194304 zero   # allocated, but zeros
put "$src" $((8 * 1048576 + 4096)) 5000 b  # unaligned small piece
put "$src" $((12 * 1048576)) 3145728 text
put "$src" $((16 * 1048576)) 131072 zero
put "$src" $((16 * 1048576 + 131072)) 65536 c
put "$src" $((40 * 1048576)) 3584 d     # the partial last cluster
sum0=$(sha256sum <"$src")

# data clusters expected: 1 MiB + 1 cluster (unaligned piece) + 3 MiB
# text + 64 KiB + the last partial cluster.
expect_data=$((1048576 + 65536 + 3145728 + 65536 + 65536))

check_qcow2 () {   # OUT CLUSTER
  "$QEMU_IMG" check -q "$1" || fail "qemu-img check $1"
  "$QEMU_IMG" compare -q -f raw -F qcow2 "$src" "$1" || fail "compare $1"
  local data
  data=$("$QEMU_IMG" map --output=json -f qcow2 "$1" |
         jq '[.[] | select(.data) | .length] | add // 0')
  # map clips the last extent to the virtual size.
  local want=$((expect_data - 65536 + 3584))
  if [ "$2" = 65536 ] && [ "$data" != "$want" ]; then
    fail "$1: $data bytes mapped as data, expected $want"
  fi
  [ "$data" -le $((want + 2 * $2)) ] || fail "$1: $data bytes of data, not sparse"
}

for cs in 65536 512; do
  for j in 1 2 5; do
    for c in "" -c; do
      out=$TMP/out-$cs-$j$c.qcow2
      "$V2KVM" disk convert -f raw "$src" "$out" -j "$j" $c --cluster-size "$cs" ||
        fail "convert -j $j $c cs $cs"
      check_qcow2 "$out" "$cs"
      rm -f "$out"
    done
  done
done
# Compression really happened: text compresses.
"$V2KVM" disk convert -f raw -c "$src" "$TMP/c.qcow2"
"$V2KVM" disk convert -f raw "$src" "$TMP/u.qcow2"
[ "$(stat -c %s "$TMP/c.qcow2")" -lt "$(stat -c %s "$TMP/u.qcow2")" ] ||
  fail "-c output is not smaller"
"$QEMU_IMG" info --output=json "$TMP/c.qcow2" | jq -e '.format == "qcow2" and ."format-specific".data.compat == "1.1"' >/dev/null ||
  fail "not a qcow2 v3"

# Raw output: identical, sparse (no more blocks than the data + slack).
"$V2KVM" disk convert -f raw -O raw "$src" "$TMP/out.raw" -j 3
cmp "$src" "$TMP/out.raw" || fail "raw output differs"
used=$(du -B1 "$TMP/out.raw" | cut -f1)
[ "$used" -le $((expect_data + 1048576)) ] || fail "raw output not sparse: $used bytes used"

# An existing output is refused without --force, replaced with it.
expect_exit 5 "$V2KVM" disk convert -f raw "$src" "$TMP/out.raw"
expect_error_match "already exists"
"$V2KVM" disk convert -f raw --force "$src" "$TMP/out.raw" -O qcow2
check_qcow2 "$TMP/out.raw" 65536

# A >4 GiB sparse disk with data past 4 GiB.
big=$TMP/big.raw
truncate -s $((5 * 1073741824 + 512)) "$big"
put "$big" $((4 * 1073741824 + 65536 * 3 + 100)) 200000 e
put "$big" $((5 * 1073741824 - 4096)) 4608 f
"$V2KVM" disk convert -f raw "$big" "$TMP/big.qcow2" -c
"$QEMU_IMG" check -q "$TMP/big.qcow2" || fail "check big"
"$QEMU_IMG" compare -q -f raw -F qcow2 "$big" "$TMP/big.qcow2" || fail "compare big"
rm -f "$big"

# An empty disk.
: >"$TMP/empty.raw"
"$V2KVM" disk convert -f raw "$TMP/empty.raw" "$TMP/empty.qcow2"
"$QEMU_IMG" check -q "$TMP/empty.qcow2" || fail "check empty"
[ "$("$QEMU_IMG" info --output=json "$TMP/empty.qcow2" | jq '."virtual-size"')" = 0 ] ||
  fail "empty: virtual size"
"$V2KVM" disk convert -f raw -O raw "$TMP/empty.raw" "$TMP/empty.out"
[ "$(stat -c %s "$TMP/empty.out")" = 0 ] || fail "empty raw"

# No temporary files left behind, source unchanged.
ls -A "$TMP" | grep -q 'v2kvm-tmp' && fail "temporary file left: $(ls -A "$TMP")"
[ "$(sha256sum <"$src")" = "$sum0" ] || fail "the source was modified"
echo ok
