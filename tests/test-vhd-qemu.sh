#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VHD images written by qemu-img (the oracle): fixed and dynamic, with
# and without force_size, data + holes; our decoding must equal
# `qemu-img convert -O raw`, never-written blocks must be holes in the
# map, and the virtual size must follow the creator/CHS rule both ways
# (docs/formats.md §2.3).
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" openssl python3
cd "$TMP"

# A 64 MiB raw disk: data at 0, 5 MiB, 33 MiB + 512, the last 4 KiB;
# nothing in [8 MiB, 32 MiB) and [36 MiB, 60 MiB).
truncate -s 64M src.raw
put src.raw 0 a 307200
put src.raw $((5 << 20)) b 1048576
put src.raw $(((33 << 20) + 512)) c 70000
put src.raw $(((64 << 20) - 4096)) d 4096

n=0
for sub in dynamic fixed; do
  for force in off on; do
    img=$sub-$force.vhd
    "$QEMU_IMG" convert -f raw -O vpc -o subformat=$sub,force_size=$force \
      src.raw "$img" || fail "qemu-img convert $img"
    same_as_qemu_f vpc "$img"
    size=$("$V2KVM" disk info "$img" --json | jq -r .virtual_size)
    qsize=$("$QEMU_IMG" info -f vpc --output=json "$img" | jq -r '.["virtual-size"]')
    [ "$size" = "$qsize" ] || fail "$img: size $size, qemu-img says $qsize"
    sf=$("$V2KVM" disk info "$img" --json | jq -r .subformat)
    [ "$sf" = "$sub" ] || fail "$img: subformat $sf"
    expect_type "$img" $((5 << 20)) data
    if [ $sub = dynamic ]; then
      expect_type "$img" $((10 << 20)) hole
      expect_type "$img" $((40 << 20)) hole
    fi
    n=$((n + 1))
  done
done

# qemu-io writes into a fresh dynamic image: patterns, a zero write, and
# the allocation map lists exactly the 2 MiB blocks that were touched.
"$QEMU_IMG" create -q -f vpc -o subformat=dynamic io.vhd 100M
"$QEMU_IO" -f vpc -c 'write -P 0xab 3M 64k' -c 'write -P 0x11 50M 1M' \
  -c 'write -P 0x5a 99M 4k' -c 'write -z 20M 4k' io.vhd > /dev/null
same_as_qemu_f vpc io.vhd
for mb in 0 10 30 70 90; do expect_type io.vhd $((mb << 20)) hole; done
for mb in 2 50 98; do expect_type io.vhd $((mb << 20)) data; done
n=$((n + 1))

# The size rule both ways, on one file with two creators: current_size
# 10 MiB + 64 KiB, geometry 302/4/17 (10514432 bytes).  "qemu" (old
# qemu, Virtual PC): the geometry; "win " (Hyper-V): current_size.
# qemu-img follows the same rule, so it is the oracle for both.
"$QEMU_IMG" create -q -f vpc -o subformat=dynamic chs.vhd 10M
put_in_chs () { "$QEMU_IO" -f vpc -c "write -P 0x77 $1 512" chs.vhd > /dev/null; }
put_in_chs 0
put_in_chs $((10514432 - 512))
vhdpatch chs.vhd footer 48 Q $((10485760 + 65536))
for creator in "qemu" "win " "vpc " "qem2"; do
  cp chs.vhd "chs-$creator.vhd"
  vhdpatch "chs-$creator.vhd" footer 28 4s "$creator"
  same_as_qemu_f vpc "chs-$creator.vhd"
  size=$("$BLKTOOL" sha256 "chs-$creator.vhd" | cut -d' ' -f3)
  case $creator in
    "qemu"|"vpc ") [ "$size" = 10514432 ] || fail "creator '$creator': size $size, want CHS" ;;
    *) [ "$size" = $((10485760 + 65536)) ] || fail "creator '$creator': size $size, want current" ;;
  esac
  echo "ok creator '$creator': size $size"
  n=$((n + 1))
done
# The maximum geometry means "too large for CHS": current_size wins.
cp chs.vhd chs-max.vhd
vhdpatch chs-max.vhd footer 56 I 0xffff10ff
same_as_qemu_f vpc chs-max.vhd
n=$((n + 1))

echo "$n images decoded like qemu-img"
