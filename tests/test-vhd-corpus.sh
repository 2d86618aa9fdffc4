#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Third-party VHD files ($CORPUS/MANIFEST.md): decoded sha256 and size
# must equal the EXPECT values; prints a file/expected/got table.
# Policies checked here: image.vhd and image-differential.vhd have wrong
# footer checksums whose copy at offset 0 is identical (warning, then
# read); image-differential.vhd also has a wrong dynamic-header checksum
# (warning); fat-differential.vhd's parent is absent (error naming the
# locator); the Hyper-V files use current_size, not CHS.
. "$srcdir/functions.sh"
. "$srcdir/vhd-functions.sh"
requires_corpus
requires gunzip cmp
cd "$TMP"
D=$CORPUS/dfvfs H=$CORPUS/dissect-hypervisor/disk/vhd
for f in "$D/ext2.vhd" "$D/image.vhd" "$D/image-differential.vhd" \
         "$D/fat-differential.vhd" "$D/ext2.raw.gz" "$H/fixed.vhd.gz" "$H/dynamic.vhd.gz"; do
  [ -f "$f" ] || skip "corpus file '$f' is missing"
done
cp "$D/image.vhd" "$D/image-differential.vhd" "$D/fat-differential.vhd" .
gunzip -c "$H/fixed.vhd.gz" > fixed.vhd
gunzip -c "$H/dynamic.vhd.gz" > dynamic.vhd
gunzip -c "$D/ext2.raw.gz" > ext2.raw

bad=0
printf '%-24s %-72s %s\n' file expected got > table
check () {
  local got
  got=$("$BLKTOOL" sha256 "$1" 2> "$(basename "$1").err") || got="error: $(cat "$(basename "$1").err")"
  printf '%-24s %-72s %s\n' "$(basename "$1")" "$2" "$got" >> table
  [ "$got" = "$2" ] || bad=$((bad + 1))
}
check "$D/ext2.vhd"         "870be7ae16c1fa8faab05c6eb9205dc9a7ae35c5f552c5cf8a267c0bc6a5cb99  4212736"
check "$D/image.vhd"        "c6db12a7db548e193c29420c1b4533e4708b20c5033db5cc29ef075d48316d25  104448"
check image-differential.vhd "c6db12a7db548e193c29420c1b4533e4708b20c5033db5cc29ef075d48316d25  104448"
check fixed.vhd             "459325ab1fcd1d5ec9854cba790ee26378317cda177ffc1072008a1df88e6463  10485760"
check dynamic.vhd           "ecff2ef6615a3cddc6a6885f1c6d9cf13a232697e1dc6575f2c2f01f57247784  10485760"
cat table
[ $bad = 0 ] || fail "$bad corpus files decoded wrongly"

# The checksum policy says so.
grep -q "footer checksum is wrong .* both copies agree" image.vhd.err ||
  fail "no checksum warning for image.vhd: $(cat image.vhd.err)"
grep -q "dynamic header checksum is wrong" image-differential.vhd.err ||
  fail "no dynamic header warning: $(cat image-differential.vhd.err)"

# ext2.vhd: the first 4 MiB are ext2.raw, the rest zeros.
"$BLKTOOL" read "$D/ext2.vhd" 0 4194304 > ext2.head
cmp ext2.head ext2.raw || fail "ext2.vhd differs from ext2.raw"
"$BLKTOOL" read "$D/ext2.vhd" 4194304 $((4212736 - 4194304)) | cmp - <(head -c 18432 /dev/zero) ||
  fail "ext2.vhd tail is not zero"
# dissect: 0x200000 holds 512 bytes of 0xff; sector 0 ends with 55aa.
for f in fixed dynamic; do
  "$BLKTOOL" read $f.vhd $((0x200000)) 512 | cmp - <(head -c 512 /dev/zero | tr '\0' '\377') ||
    fail "$f.vhd: 0x200000 is not 0xff*512"
  [ "$("$BLKTOOL" read $f.vhd 510 2 | od -An -tx1 | tr -d ' ')" = 55aa ] || fail "$f.vhd: no MBR signature"
done

# The differencing chain is visible, the parent's blocks fall through.
"$V2KVM" disk info image-differential.vhd > info 2>/dev/null
grep -q 'subformat: differencing' info || fail "$(cat info)"
grep -q 'vhd ./image.vhd dynamic' info || fail "parent not listed: $(cat info)"

# Parent absent: one error naming the child and the locator tried.
vhdfails fat-differential.vhd 3 "parent disk not found .*'fat-parent.vhd'"
echo ok
