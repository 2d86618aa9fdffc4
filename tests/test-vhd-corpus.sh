#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VHD files of the shapes found in the field: decoded sha256 and size
# must equal the expected values; prints a file/expected/got table.
# Generated layer (always): fixed and dynamic VHDs written by qemu-img
# (expected: the raw source), a dynamic VHD of CHS-rounded size (the
# source, then zeros), a differencing child written by tests/vhd-gen.py
# (expected: the parent's decoding with the child's sectors over it).
# Corpus layer (when $CORPUS has them): the EXPECT values of
# $CORPUS/MANIFEST.md.
# Policies checked on both: a wrong footer checksum whose copy at offset
# 0 is identical (warning, then read; the corpus's image.vhd and
# image-differential.vhd); a wrong dynamic-header checksum (warning); an
# absent parent (error naming the locator; fat-differential.vhd); the
# Hyper-V-made files use current_size, not CHS.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
requires "$QEMU_IMG" gunzip cmp openssl python3 sha256sum jq
cd "$TMP"

bad=0
printf '%-28s %-72s %s\n' file expected got > table
check () {
  local got
  got=$("$BLKTOOL" sha256 "$1" 2> "$(basename "$1").err") || got="error: $(cat "$(basename "$1").err")"
  printf '%-28s %-72s %s\n' "$(basename "$1")" "$2" "$got" >> table
  [ "$got" = "$2" ] || bad=$((bad + 1))
}
digest () { echo "$(sha256sum < "$1" | cut -d' ' -f1)  $(stat -c %s "$1")"; }
# mbr_and_ff NAME.vhd: sector 0 ends with 55aa; 0x200000 holds 512 x 0xff.
mbr_and_ff () {
  "$BLKTOOL" read "$1" $((0x200000)) 512 | cmp - <(head -c 512 /dev/zero | tr '\0' '\377') ||
    fail "$1: 0x200000 is not 0xff*512"
  [ "$("$BLKTOOL" read "$1" 510 2 | od -An -tx1 | tr -d ' ')" = 55aa ] || fail "$1: no MBR signature"
}

# --- Generated layer ---
# 10 MiB like the dissect samples: an MBR signature, 0xff at 0x200000,
# scattered data, holes.
truncate -s 10M src.raw
put src.raw 0 vh1 510
printf '\x55\xaa' | dd of=src.raw bs=1 seek=510 conv=notrunc status=none
head -c 512 /dev/zero | tr '\0' '\377' | dd of=src.raw bs=512 seek=$((0x200000 / 512)) conv=notrunc status=none
put src.raw $((5 << 20)) vh2 300000
want=$(digest src.raw)
"$QEMU_IMG" convert -f raw -O vpc -o subformat=fixed,force_size=on src.raw gen-fixed.vhd
"$QEMU_IMG" convert -f raw -O vpc -o subformat=dynamic,force_size=on src.raw gen-dynamic.vhd
check gen-fixed.vhd "$want"
check gen-dynamic.vhd "$want"
for f in gen-fixed gen-dynamic; do mbr_and_ff $f.vhd; done
# CHS-sized (qemu-img without force_size rounds 4 MiB up to whole
# cylinders, as ext2.vhd of the corpus): the source, then zeros.
truncate -s 4M small.raw
put small.raw 0 vh3 1048576
"$QEMU_IMG" convert -f raw -O vpc -o subformat=dynamic small.raw gen-chs.vhd
chs=$("$QEMU_IMG" info --output=json gen-chs.vhd | jq -r '.["virtual-size"]')
[ "$chs" -gt 4194304 ] || fail "qemu-img did not round gen-chs.vhd up ($chs)"
cp small.raw chs.raw && truncate -s "$chs" chs.raw
check gen-chs.vhd "$(digest chs.raw)"
# Wrong footer checksum, both copies identical: a warning, then read.
cp gen-dynamic.vhd gen-badfoot.vhd
vhdpatch gen-badfoot.vhd footer 64 I 0x12345678 keep
check gen-badfoot.vhd "$want"
grep -q "footer checksum is wrong .* both copies agree" gen-badfoot.vhd.err ||
  fail "no checksum warning for gen-badfoot.vhd: $(cat gen-badfoot.vhd.err)"
# A differencing child with a wrong dynamic-header checksum: a warning,
# the chain listed, the parent's blocks falling through.
truncate -s 10M child.raw
put child.raw 0 vh4 $((10 << 20))
ranges="4096:8192,$((5 << 20)):512,$((9 << 20)):65536"
python3 "$srcdir/vhd-gen.py" gen-diff.vhd --size $((10 << 20)) --raw child.raw \
  --ranges "$ranges" --parent gen-dynamic.vhd --locator 'W2ru:.\gen-dynamic.vhd'
vhdpatch gen-diff.vhd dyn 36 I 0xdeadbeef keep
cp src.raw diff.raw
for r in ${ranges//,/ }; do
  dd if=child.raw of=diff.raw bs=512 skip=$((${r%:*} / 512)) seek=$((${r%:*} / 512)) \
    count=$((${r#*:} / 512)) conv=notrunc status=none
done
check gen-diff.vhd "$(digest diff.raw)"
grep -q "dynamic header checksum is wrong" gen-diff.vhd.err ||
  fail "no dynamic header warning: $(cat gen-diff.vhd.err)"
"$V2KVM" disk info gen-diff.vhd > info 2>/dev/null
grep -q 'subformat: differencing' info || fail "$(cat info)"
grep -q 'vhd ./gen-dynamic.vhd dynamic' info || fail "parent not listed: $(cat info)"
# Parent absent: one error naming the child and the locator tried.
python3 "$srcdir/vhd-gen.py" gen-orphan.vhd --size $((10 << 20)) --raw child.raw \
  --ranges 0:512 --parent gen-dynamic.vhd --locator 'W2ru:.\gen-parent.vhd' --name gen-parent.vhd
vhdfails gen-orphan.vhd 3 "parent disk not found .*'gen-parent.vhd'"

# --- Corpus layer ---
D=dfvfs H=dissect-hypervisor/disk/vhd
if have_corpus $D/ext2.vhd $D/image.vhd $D/image-differential.vhd \
     $D/fat-differential.vhd $D/ext2.raw.gz $H/fixed.vhd.gz $H/dynamic.vhd.gz; then
  D=$CORPUS/$D H=$CORPUS/$H
  cp "$D/image.vhd" "$D/image-differential.vhd" "$D/fat-differential.vhd" .
  gunzip -c "$H/fixed.vhd.gz" > fixed.vhd
  gunzip -c "$H/dynamic.vhd.gz" > dynamic.vhd
  gunzip -c "$D/ext2.raw.gz" > ext2.raw

  check "$D/ext2.vhd"         "870be7ae16c1fa8faab05c6eb9205dc9a7ae35c5f552c5cf8a267c0bc6a5cb99  4212736"
  check "$D/image.vhd"        "c6db12a7db548e193c29420c1b4533e4708b20c5033db5cc29ef075d48316d25  104448"
  check image-differential.vhd "c6db12a7db548e193c29420c1b4533e4708b20c5033db5cc29ef075d48316d25  104448"
  check fixed.vhd             "459325ab1fcd1d5ec9854cba790ee26378317cda177ffc1072008a1df88e6463  10485760"
  check dynamic.vhd           "ecff2ef6615a3cddc6a6885f1c6d9cf13a232697e1dc6575f2c2f01f57247784  10485760"

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
  for f in fixed dynamic; do mbr_and_ff $f.vhd; done

  # The differencing chain is visible, the parent's blocks fall through.
  "$V2KVM" disk info image-differential.vhd > info 2>/dev/null
  grep -q 'subformat: differencing' info || fail "$(cat info)"
  grep -q 'vhd ./image.vhd dynamic' info || fail "parent not listed: $(cat info)"

  # Parent absent: one error naming the child and the locator tried.
  vhdfails fat-differential.vhd 3 "parent disk not found .*'fat-parent.vhd'"
fi
cat table
[ $bad = 0 ] || fail "$bad VHD files decoded wrongly"
echo "ok: $(($(wc -l < table) - 1)) VHD files decoded as expected"
