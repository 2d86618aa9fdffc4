#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Differencing VHDs (qemu-img cannot read them, so the children are made
# by tests/vhd-gen.py from the spec's layout; the parent is qemu-made and
# decoded by qemu-img).  Expected bytes = the parent's decoding with the
# child's sectors laid over it, as constructed.  Covers per-sector
# bitmaps (clear bits read the parent), 512 KiB and 4 KiB blocks, each
# kind of parent locator, a three-link chain, the map, concurrent reads,
# and the failures: parent missing, wrong parent, loops.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
requires "$QEMU_IMG" openssl python3 sha256sum
cd "$TMP"; [ -n "${KEEP:-}" ] && trap - EXIT
GEN="python3 $srcdir/vhd-gen.py"
size=$((8 << 20))

# Parent: data in [0, 1M) and [4M, 4M+300K); holes elsewhere.
truncate -s $size parent.raw
put parent.raw 0 p1 1048576
put parent.raw $((4 << 20)) p2 307200
"$QEMU_IMG" convert -f raw -O vpc -o subformat=dynamic,force_size=on parent.raw parent.vhd
same_as_qemu_f vpc parent.vhd
"$QEMU_IMG" convert -f vpc -O raw parent.vhd parent.dec

# Child data: single sectors, odd runs, across block boundaries, over
# parent data and over parent holes.
truncate -s $size child.raw
put child.raw 0 c1 $size
ranges="512:512,4096:8192,$((512 * 1024 - 1024)):2048,$((4 << 20)):512,$(((4 << 20) + 100352)):5120,$((6 << 20)):65536,$((size - 512)):512"

# expected NAME RANGES BASE: BASE with child.raw's bytes at RANGES.
expected () {
  cp "$3" "$1.exp"
  local r
  for r in ${2//,/ }; do
    dd if=child.raw of="$1.exp" bs=512 skip=$((${r%:*} / 512)) seek=$((${r%:*} / 512)) \
      count=$(((${r#*:} + 511) / 512)) conv=notrunc status=none
  done
  echo "$(sha256sum < "$1.exp" | cut -d' ' -f1)  $(stat -c %s "$1.exp")"
}
# same NAME.vhd WANT
same () {
  local got
  got=$("$BLKTOOL" sha256 "$1" 2>/dev/null) || fail "blktool sha256 $1: $("$BLKTOOL" sha256 "$1" 2>&1)"
  [ "$got" = "$2" ] || fail "$1: got '$got', expected '$2'"
  echo "ok $1: $got"
}

for block in 524288 4096 2097152; do
  $GEN child-$block.vhd --size $size --raw child.raw --ranges "$ranges" \
    --block $block --parent parent.vhd --locator 'W2ru:.\parent.vhd' \
    --locator 'W2ku:C:\vms\parent.vhd'
  same child-$block.vhd "$(expected child-$block "$ranges" parent.dec)"
done
img=child-524288.vhd
# Map: child-only sectors and parent data are data, the rest holes.
expect_type $img 512 data
expect_type $img 0 data                 # clear bit, parent data
expect_type $img $((2 << 20)) hole      # neither has it
expect_type $img $((6 << 20)) data      # child over a parent hole
expect_type $img $(((6 << 20) + 65536)) hole
expect_type $img $((size - 512)) data
expect_type $img $((size - 1024)) hole
"$V2KVM" disk info $img | grep -q 'subformat: differencing' || fail "subformat"
"$top_builddir/tests/vmdk-threads" $img 4 || fail "threaded reads of $img"

# Each locator alone; a stale locator with a good unicode name; a
# parent in a subdirectory named by a relative W2ru path.
want=$(expected child "$ranges" parent.dec)
loc () { $GEN "$1" --size $size --raw child.raw --ranges "$ranges" --block 524288 --parent parent.vhd "${@:2}"; }
loc l-w2ku.vhd --name '' --locator 'W2ku:D:\other\dir\parent.vhd'
loc l-macx.vhd --name '' --locator 'MacX:file://./parent.vhd'
loc l-name.vhd
loc l-stale.vhd --locator 'W2ru:.\gone.vhd' --locator 'W2ku:C:\x\gone2.vhd'
mkdir sub && cp parent.vhd sub/
loc l-subdir.vhd --name '' --locator 'W2ru:.\sub\parent.vhd'
for f in l-w2ku l-macx l-name l-stale l-subdir; do same $f.vhd "$want"; done

# Three links: grandchild over child over parent.
truncate -s $size gc.raw; put gc.raw 0 g $size
cp child.raw child.save; cp gc.raw child.raw
r2="0:1024,$((4 << 20)):4096,$((3 << 20)):512"
$GEN gc.vhd --size $size --raw gc.raw --ranges "$r2" --block 524288 --parent $img
want3=$(expected gc "$r2" child-524288.exp)
same gc.vhd "$want3"
"$V2KVM" disk info gc.vhd --json | jq -r '.chain[].file' | tr '\n' ' ' | grep -q 'gc.vhd ./child-524288.vhd ./parent.vhd' ||
  fail "chain: $("$V2KVM" disk info gc.vhd --json)"
cp child.save child.raw

# Failures.
loc missing.vhd --name 'nothere.vhd' --locator 'W2ru:.\nothere.vhd' --locator 'W2ku:C:\vms\nothere2.vhd'
vhdfails missing.vhd 3 "parent disk not found \(locators: 'nothere.vhd', 'nothere2.vhd'\)"
loc wrongid.vhd --parent-uuid 00112233445566778899aabbccddeeff
vhdfails wrongid.vhd 3 "parent '.*parent.vhd' is not the disk this snapshot was taken from"
# Loops: a disk that is its own parent; A -> B -> A.
$GEN self.vhd --size $size --raw child.raw --ranges 0:512 --parent x --name self.vhd \
  --uuid 0123456789abcdef0123456789abcdef --parent-uuid 0123456789abcdef0123456789abcdef
vhdfails self.vhd 3 "backing chain loops"
$GEN a.vhd --size $size --raw child.raw --ranges 0:512 --parent x --name b.vhd \
  --uuid aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --parent-uuid bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
$GEN b.vhd --size $size --raw child.raw --ranges 0:512 --parent x --name a.vhd \
  --uuid bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb --parent-uuid aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
expect_exit 3 "$V2KVM" disk info a.vhd
expect_error_match "backing chain loops"
echo "ok a.vhd: $ERR"
echo ok
