#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VMDK round trips against qemu-img: every subformat qemu-img can write,
# zeroed grains, a >4 GiB disk with a tiny allocation.  Our decoding
# (blktool sha256) must equal `qemu-img convert -O raw`, and the map must
# show holes where nothing was written.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" openssl truncate

# A 48 MiB raw disk: random data at 1 MiB (2 MiB), at an odd offset near
# 9 MiB, and at 40 MiB; nothing in [20 MiB, 40 MiB).
raw=$TMP/src.raw
truncate -s 48M "$raw"
put "$raw" 1048576 one 2097152
put "$raw" 9449001 two 100000
put "$raw" 41943040 three 1048576

for sf in monolithicSparse monolithicFlat twoGbMaxExtentSparse \
          twoGbMaxExtentFlat streamOptimized; do
  img=$TMP/c-$sf.vmdk
  "$QEMU_IMG" convert -f raw -O vmdk -o subformat=$sf "$raw" "$img" ||
    fail "qemu-img convert to $sf"
  same_as_qemu "$img"
  [ "$("$BLKTOOL" sha256 "$img")" = "$(sha256sum < "$raw" | cut -d' ' -f1)  50331648" ] ||
    fail "$sf: not the source data"
  expect_type "$img" $((25 << 20)) hole
  expect_type "$img" $((1 << 20)) data
  expect_type "$img" 41943040 data
  info=$("$V2KVM" disk info "$img") || fail "disk info $sf"
  echo "$info" | grep -qx "subformat: $sf" || fail "$sf: $info"
  echo "$info" | grep -qx 'virtual size: 50331648' || fail "$sf: $info"

  # qemu-io writes into an image qemu-img created (patterns, odd sizes).
  img=$TMP/w-$sf.vmdk
  "$QEMU_IMG" create -q -f vmdk -o subformat=$sf "$img" 32M
  # (stream files only take whole grains, in order)
  "$QEMU_IO" -f vmdk -c 'write -P 0xa5 0 65536' -c 'write -P 0x5a 1M 320k' \
    -c 'write -P 0x17 31M 1M' "$img" >/dev/null || fail "qemu-io $sf"
  same_as_qemu "$img"
  expect_type "$img" $((8 << 20)) hole
done

# VMware-style streams made from qemu's: grain directory only in a footer
# (header gdOffset GD_AT_END), and with no directory at all (the reader
# indexes the grain markers).
python3 - "$TMP/c-streamOptimized.vmdk" "$TMP/footer.vmdk" "$TMP/nogd.vmdk" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
pos = struct.unpack('<Q', d[64:72])[0] * 512  # overHead: the first grain
while pos < len(d):                           # to the EOS marker, if any
    val, size, typ = struct.unpack('<QII', d[pos:pos + 16])
    if size:
        pos += (12 + size + 511) // 512 * 512
    elif typ == 0:
        break
    else:
        pos += (val + 1) * 512
body, hdr = d[:pos], bytes(d[:512])
at_end = bytearray(hdr); at_end[56:64] = b'\xff' * 8
footer = struct.pack('<QII', 1, 0, 3).ljust(512, b'\0') + hdr + bytes(512)
open(sys.argv[2], 'wb').write(bytes(at_end) + body[512:] + footer)
open(sys.argv[3], 'wb').write(bytes(at_end) + body[512:] + bytes(512))
PY
for v in footer nogd; do
  [ "$("$BLKTOOL" sha256 "$TMP/$v.vmdk")" = "$(sha256sum < "$raw" | cut -d' ' -f1)  50331648" ] ||
    fail "stream variant $v: not the source data"
  expect_type "$TMP/$v.vmdk" $((25 << 20)) hole
  echo "ok stream variant $v"
done
"$V2KVM" -v disk info "$TMP/footer.vmdk" 2>&1 | grep -q 'indexing the stream' &&
  fail "footer.vmdk: the footer was not used"
"$V2KVM" -v disk info "$TMP/nogd.vmdk" 2>&1 | grep -q 'indexing the stream' ||
  fail "nogd.vmdk: the markers were not indexed"

# Zeroed grains (GTE 1): map "zero", reads zeros; in a child they hide
# the parent's data instead of falling through.
zb=$TMP/zb.vmdk zc=$TMP/zc.vmdk
"$QEMU_IMG" create -q -f vmdk -o zeroed_grain=on "$zb" 16M
"$QEMU_IO" -f vmdk -c 'write -P 0x33 0 4M' -c 'write -z 1M 1M' "$zb" >/dev/null
same_as_qemu "$zb"
expect_type "$zb" $((1 << 20)) zero
expect_type "$zb" 0 data
"$QEMU_IMG" create -q -f vmdk -o zeroed_grain=on -b zb.vmdk -F vmdk "$zc"
"$QEMU_IO" -f vmdk -c 'write -z 0 64k' -c 'write -P 1 3M 4k' "$zc" >/dev/null
same_as_qemu "$zc"
expect_type "$zc" 0 zero
expect_type "$zc" 65536 data
[ "$("$BLKTOOL" read "$zc" 0 65536 | tr -d '\0' | wc -c)" = 0 ] ||
  fail "zeroed grain of the child did not read as zeros"

# zeroed_grain with twoGbMaxExtentSparse, converted from raw.
img=$TMP/zt.vmdk
"$QEMU_IMG" convert -f raw -O vmdk -o subformat=twoGbMaxExtentSparse,zeroed_grain=on \
  "$raw" "$img"
same_as_qemu "$img"

# More than 4 GiB of virtual size, a few MiB allocated: 64-bit offsets,
# data across the 2 GiB extent boundaries.  qemu-img compare checks our
# sparse output against qemu's reading of the image.
for sf in twoGbMaxExtentSparse monolithicSparse twoGbMaxExtentFlat streamOptimized; do
  big=$TMP/big-$sf.vmdk
  "$QEMU_IMG" create -q -f vmdk -o subformat=$sf "$big" 5G
  "$QEMU_IO" -f vmdk -c 'write -P 0x41 2147418112 131072' \
    -c 'write -P 0x42 4294901760 196608' -c 'write -P 0x43 5368643584 65536' \
    "$big" >/dev/null || fail "qemu-io big $sf"
  "$BLKTOOL" cat "$big" "$TMP/big.raw" || fail "blktool cat big $sf"
  "$QEMU_IMG" compare -q -f raw -F vmdk "$TMP/big.raw" "$big" ||
    fail "big $sf: qemu-img compare differs"
  [ "$(stat -c %s "$TMP/big.raw")" = 5368709120 ] || fail "big $sf: size"
  expect_type "$big" 4294967296 data
  expect_type "$big" 3221225472 hole
  rm -f "$TMP/big.raw"
  echo "ok big $sf"
done
"$V2KVM" disk info "$TMP/big-twoGbMaxExtentSparse.vmdk" > "$TMP/info"
[ "$(grep -c 'extent .*big-twoGbMaxExtentSparse-s00[1-3].vmdk' "$TMP/info")" = 3 ] ||
  fail "disk info does not list the 3 extents: $(cat "$TMP/info")"
echo ok
