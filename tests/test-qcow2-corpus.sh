#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Third-party qcow2 files ($CORPUS/MANIFEST.md): dfvfs ext2.qcow2 must
# decode to gunzip(ext2.raw.gz) (the EXPECT sha256 a6c2f0e3...); the
# dissect.hypervisor samples (zlib, zstd, a three-link backing chain;
# "reference only" in the manifest) must decode like qemu-img.  Prints a
# file/expected/got table.
. "$srcdir/functions.sh"
. "$srcdir/vhd-functions.sh"
requires_corpus
requires "$QEMU_IMG" gunzip sha256sum
cd "$TMP"
D=$CORPUS/dfvfs Q=$CORPUS/dissect-hypervisor/disk/qcow2
names="basic basic-zstd backing-chain-1 backing-chain-2 backing-chain-3"
for f in "$D/ext2.qcow2" "$D/ext2.raw.gz"; do [ -f "$f" ] || skip "corpus file '$f' is missing"; done
for f in $names; do
  [ -f "$Q/$f.qcow2.gz" ] || skip "corpus file '$Q/$f.qcow2.gz' is missing"
  gunzip -c "$Q/$f.qcow2.gz" > $f.qcow2
done

bad=0
printf '%-24s %-74s %s\n' file expected got > table
row () {
  printf '%-24s %-74s %s\n' "$1" "$2" "$3" >> table
  [ "$2" = "$3" ] || bad=$((bad + 1))
}
raw=$(gunzip -c "$D/ext2.raw.gz" | sha256sum | cut -d' ' -f1)
[ "$raw" = a6c2f0e39afe6c6ab432ca5465349fcefe8dc944398e97b2d957d3f89dbb5d80 ] ||
  fail "ext2.raw.gz is not the manifest's"
row ext2.qcow2 "$raw  4194304" "$("$BLKTOOL" sha256 "$D/ext2.qcow2" 2>&1)"
for f in $names; do
  "$QEMU_IMG" convert -f qcow2 -O raw $f.qcow2 $f.raw || fail "qemu-img convert $f"
  row $f.qcow2 "$(sha256sum < $f.raw | cut -d' ' -f1)  $(stat -c %s $f.raw)" \
    "$("$BLKTOOL" sha256 $f.qcow2 2>&1)"
  rm -f $f.raw
done
cat table
[ $bad = 0 ] || fail "$bad corpus files decoded wrongly"

# basic-zstd really uses zstd; the chain is three links.
"$QEMU_IMG" info basic-zstd.qcow2 | grep -q 'compression type: zstd' || fail "basic-zstd is not zstd"
[ "$("$V2KVM" disk info backing-chain-1.qcow2 --json | jq -r '.chain | length')" = 3 ] ||
  fail "backing chain: $("$V2KVM" disk info backing-chain-1.qcow2)"
# Without its base the chain fails with a message naming both files.
rm backing-chain-3.qcow2
expect_exit 3 "$V2KVM" disk info backing-chain-1.qcow2
expect_error_match "'.*backing-chain-2.qcow2': cannot open its parent 'backing-chain-3.qcow2'"
echo "ok missing base: $ERR"
