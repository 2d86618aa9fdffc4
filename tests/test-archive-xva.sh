#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# XVA streams built by tests/xva-gen.py around an ova.xml (xva_ova_xml:
# the corpus XenServer 7 one, else a generated one): two VDIs, absent (zero) blocks, a short
# last block, a zero-length dummy block, gzip and zstd wrappers, stdin,
# pax headers.  The decoded disk must equal the source raw exactly
# (qemu-img compare and cmp are the oracles).  Then the failures: a
# flipped byte (exit 6 naming the block), truncation (exit 3), no
# output left behind.
. "$srcdir/functions.sh"
. "$srcdir/archive-functions.sh"
requires python3 "$QEMU_IMG" "$QEMU_IO" gzip zstd truncate cmp
# (xxhsum, Debian package xxhash, is the XXH64 oracle when installed)
ova_xml=$TMP/ova.xml
xva_ova_xml "$ova_xml"
XVATOOL=$top_builddir/tests/xvatool
gen () { python3 "$srcdir/xva-gen.py" "$ova_xml" "$@" || fail "xva-gen $*"; }
same () { # same OUT RAW
  "$QEMU_IMG" compare -q -f raw -F raw "$1" "$2" || fail "$1 differs from $2"
  cmp -s "$1" "$2" || fail "$1 differs from $2 (cmp)"
}
cd "$TMP"

# Disk b: 3 MiB + 5000 bytes (a short last block, odd size).
make_disks 5000

gen two.xva Ref:1736=a.raw Ref:42=b.raw
out=$("$V2KVM" verify two.xva) || fail "verify: $out"
[ "$out" = "OK sha1 Ref:1736
OK sha1 Ref:42" ] || fail "verify output: $out"

"$XVATOOL" --disk 1 two.xva o1.raw || fail "disk 1"
same o1.raw a.raw
"$XVATOOL" --disk Ref:42 two.xva o2.raw || fail "disk Ref:42"
same o2.raw b.raw
rm -f o1.raw o2.raw

# disk info streams the archive and counts the disk's blocks.
info=$("$V2KVM" disk info --disk Ref:42 two.xva) || fail "info: $info"
echo "$info" | grep -qx 'format: xva' || fail "$info"
echo "$info" | grep -qx "virtual size: $(stat -c %s b.raw)" || fail "$info"
echo "$info" | grep -qx "allocated: $((2 * 1048576 + 5000))" || fail "$info"

# Where a random-access disk is needed (the blk readers), an XVA is
# refused with a pointer to disk convert, not read as raw.
"$BLKTOOL" sha256 two.xva 2> err && fail "blktool read an XVA"
grep -q "can only be streamed" err || fail "blktool on XVA: $(cat err)"

# Wrappers and stdin.
gzip -k two.xva
zstd -q two.xva -o two.xva.zst
"$XVATOOL" --disk 2 two.xva.gz gz.raw || fail "gzip"
same gz.raw b.raw
"$XVATOOL" --disk 1 two.xva.zst zst.raw || fail "zstd"
same zst.raw a.raw
cat two.xva.zst | "$XVATOOL" --disk 2 - stdin.raw || fail "stdin"
same stdin.raw b.raw
"$V2KVM" verify - < two.xva.gz > out || fail "verify stdin: $(cat out)"
[ "$(grep -c '^OK sha1' out)" = 2 ] || fail "verify stdin: $(cat out)"

# pax headers and a zero-length dummy block (block 2 of a).
gen pax.xva Ref:1736=a.raw --pax --dummy Ref:1736:2
"$XVATOOL" pax.xva pax.raw || fail "pax"
same pax.raw a.raw

# Two disks and no --disk: a usage error.
expect_exit 2 "$XVATOOL" two.xva nodisk.raw
expect_error_match "has 2 disks: choose one with --disk"
[ ! -e nodisk.raw ] || fail "output left after a usage error"

# No checksums at all: read with a warning.
gen nosum.xva Ref:1736=a.raw --no-checksum
"$XVATOOL" nosum.xva nosum.raw 2> err || fail "no checksums"
grep -q "has no .checksum" err || fail "no warning: $(cat err)"
same nosum.raw a.raw
# .xxhash companions (XXH64 from xxhsum, upper-case hex as xva-img
# writes): verified, and a flipped byte is caught.
if command -v xxhsum >/dev/null; then
  [ "$(printf '' | xxhsum -H1 | cut -d' ' -f1)" = ef46db3751d8e999 ] ||
    fail "xxhsum disagrees with the spec's XXH64 of empty input"
  # c: a last block of 15 bytes (XXH64's 8-, 4- and 1-byte tails).
  head -c $((2 * 1048576 + 15)) /dev/urandom > c.raw
  gen xx.xva Ref:1736=a.raw Ref:42=b.raw Ref:7=c.raw --xxhash --dummy Ref:1736:1
  "$V2KVM" verify xx.xva > out || fail "xxhash verify: $(cat out)"
  [ "$(cat out)" = "OK xxh64 Ref:1736
OK xxh64 Ref:42
OK xxh64 Ref:7" ] || fail "xxhash verify: $(cat out)"
  "$XVATOOL" --disk Ref:7 xx.xva xxc.raw || fail "xxhash c"
  same xxc.raw c.raw
  "$XVATOOL" --disk 2 xx.xva xx.raw || fail "xxhash"
  same xx.raw b.raw
  gen xxflip.xva Ref:1736=a.raw --xxhash --flip Ref:1736:5
  expect_exit 6 "$XVATOOL" xxflip.xva xxflip.raw
  expect_error_match "block 'Ref:1736/00000005': xxh64 checksum mismatch"
  [ ! -e xxflip.raw ] || fail "output left after a mismatch"
fi

# A flipped byte in block 1 of Ref:42: exit 6 naming the block, no output.
gen flip.xva Ref:1736=a.raw Ref:42=b.raw --flip Ref:42:1
expect_exit 6 "$XVATOOL" --disk 2 flip.xva flip.raw
expect_error_match "block 'Ref:42/00000001': sha1 checksum mismatch"
[ ! -e flip.raw ] || fail "output left after a mismatch"
# ... also when the other disk is chosen (every block is verified).
expect_exit 6 "$XVATOOL" --disk 1 flip.xva flip.raw
[ ! -e flip.raw ] || fail "output left after a mismatch"
expect_exit 6 "$V2KVM" verify flip.xva
grep -q "^FAILED sha1 Ref:42/00000001" "$TMP/expect.out" || fail "no FAILED line"
gzip -c flip.xva | { expect_exit 6 "$XVATOOL" --disk 2 - flip.raw; }

# Truncated: inside a block, and at a header boundary (no end marker),
# plain and compressed.  Exit 3, nothing left.
size=$(stat -c %s two.xva)
head -c $((size / 2 + 777)) two.xva > cut.xva
expect_exit 3 "$XVATOOL" --disk 1 cut.xva cut.raw
expect_error_match "'cut.xva'.*truncated"
[ ! -e cut.raw ] || fail "output left after truncation"
python3 -c "
import tarfile
last = tarfile.open('two.xva').getmembers()[-1]
end = last.offset_data + (last.size + 511) // 512 * 512
open('noend.xva', 'wb').write(open('two.xva', 'rb').read()[:end])
"
expect_exit 3 "$XVATOOL" --disk 1 noend.xva cut.raw
expect_error_match "truncated"
head -c $(( $(stat -c %s two.xva.gz) / 2 )) two.xva.gz > cut.xva.gz
expect_exit 3 "$XVATOOL" --disk 1 cut.xva.gz cut.raw
expect_error_match "truncated"
head -c $(( $(stat -c %s two.xva.zst) / 2 )) two.xva.zst > cut.xva.zst
expect_exit 3 "$XVATOOL" --disk 1 cut.xva.zst cut.raw
expect_error_match "truncated"
[ ! -e cut.raw ] || fail "output left after truncation"

# A tar that does not start with ova.xml is not an XVA.
python3 -c "
import tarfile, io
with tarfile.open('notxva.xva', 'w', format=tarfile.USTAR_FORMAT) as t:
    ti = tarfile.TarInfo('hello'); ti.size = 3; t.addfile(ti, io.BytesIO(b'abc'))
"
expect_exit 3 "$XVATOOL" - x.raw < notxva.xva
expect_error_match "not an XVA"
exit 0
