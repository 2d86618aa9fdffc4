#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# VHDX: images written by qemu-img (fixed and dynamic, 1, 8 and 32 MiB
# blocks, data + holes + zero writes) must decode like `qemu-img convert
# -O raw`; the corpus files must match their EXPECT values (size 10 MiB,
# an MBR, 0xff*512 at 0x200000) and qemu-img; the differencing file
# whose parent is absent fails naming the locator; damaged headers,
# region tables, metadata and BAT entries fail cleanly; random damage
# never crashes.  Run it under ASan+UBSan too.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
. "$srcdir/qcow2-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" openssl python3 gunzip
cd "$TMP"

truncate -s 40M src.raw
put src.raw 0 a 307200
put src.raw $((5 << 20)) b 1048576
put src.raw $(((33 << 20) + 512)) c 70000
put src.raw $(((40 << 20) - 4096)) d 4096
n=0
for sub in dynamic fixed; do
  for bs in 1M 8M 32M; do
    img=$sub-$bs.vhdx
    "$QEMU_IMG" convert -f raw -O vhdx -o subformat=$sub,block_size=$bs src.raw "$img" ||
      fail "qemu-img convert $img"
    same_as_qemu_f vhdx "$img"
    [ "$("$V2KVM" disk info "$img" --json | jq -r .subformat)" = $sub ] || fail "$img: subformat"
    expect_type "$img" $((5 << 20)) data
    # Never written: a hole, or a ZERO block (qemu-img convert writes
    # zero blocks as BAT state ZERO).
    if [ $sub = dynamic ] && [ $bs != 32M ]; then
      t=$(type_at "$img" $((20 << 20)))
      [ "$t" = hole ] || [ "$t" = zero ] || fail "$img: 20 MiB is '$t'"
    fi
    n=$((n + 1))
  done
done
"$QEMU_IMG" create -q -f vhdx -o block_size=1M io.vhdx 16M
"$QEMU_IO" -f vhdx -c 'write -P 0xab 3M 64k' -c 'write -P 0x11 9M 1M' \
  -c 'write -z 12M 1M' -c 'write -P 0x5a 15M 4k' io.vhdx > /dev/null
same_as_qemu_f vhdx io.vhdx
# (qemu-img create marks every block ZERO: never written = zero.)
expect_type io.vhdx $((6 << 20)) zero
expect_type io.vhdx $((9 << 20)) data
n=$((n + 1))
"$top_builddir/tests/vmdk-threads" dynamic-1M.vhdx 4 || fail "threaded reads"
echo "$n qemu-img images decoded like qemu-img"

# Corpus ($CORPUS/MANIFEST.md EXPECT values).
if [ -d "$CORPUS/dissect-hypervisor/disk/vhdx" ]; then
  X=$CORPUS/dissect-hypervisor/disk/vhdx
  printf '%-20s %-40s %s\n' file expected got > table
  for f in fixed dynamic; do
    gunzip -c "$X/$f.vhdx.gz" > $f.vhdx
    got=$("$V2KVM" disk info $f.vhdx --json | jq -r .virtual_size)
    printf '%-20s %-40s %s\n' $f.vhdx "size 10485760" "size $got" >> table
    [ "$got" = 10485760 ] || fail "$f.vhdx: size $got"
    got=$("$BLKTOOL" read $f.vhdx 510 2 | od -An -tx1 | tr -d ' ')
    printf '%-20s %-40s %s\n' $f.vhdx "MBR signature 55aa" "MBR signature $got" >> table
    [ "$got" = 55aa ] || fail "$f.vhdx: no MBR"
    "$BLKTOOL" read $f.vhdx $((0x200000)) 512 | cmp -s - <(head -c 512 /dev/zero | tr '\0' '\377') &&
      got="0xff*512" || got="other"
    printf '%-20s %-40s %s\n' $f.vhdx "0x200000: 0xff*512" "0x200000: $got" >> table
    [ "$got" = "0xff*512" ] || fail "$f.vhdx: 0x200000"
    same_as_qemu_f vhdx $f.vhdx >> table
  done
  [ "$("$V2KVM" disk info fixed.vhdx --json | jq -r .subformat)" = fixed ] || fail "fixed.vhdx subformat"
  cat table
  gunzip -c "$X/differencing.avhdx.gz" > differencing.avhdx
  vhdfails differencing.avhdx 3 "parent disk not found \\(locator: relative_path 'Generation 1_49C4BAF3-4B25-4406-8C4B-D39E65C32385.avhdx'\\)"
else
  echo "corpus not found at '$CORPUS': corpus part skipped"
fi

# Corruption.  crc FILE OFF LEN: recompute a CRC-32C at OFF+4 over LEN.
crc () {
  python3 - "$@" <<'PY'
import struct, sys
path, off, ln = sys.argv[1], int(sys.argv[2], 0), int(sys.argv[3], 0)
f = open(path, "r+b"); f.seek(off); b = bytearray(f.read(ln)); b[4:8] = bytes(4)
c = 0xffffffff
for x in b:
    c ^= x
    for _ in range(8): c = (c >> 1) ^ (0x82f63b78 & -(c & 1))
f.seek(off + 4); f.write(struct.pack("<I", ~c & 0xffffffff))
PY
}
# lpatch FILE OFF FMT VALUE: little-endian field.
lpatch () {
  python3 -c 'import struct, sys
f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2], 0))
f.write(struct.pack("<" + sys.argv[3], int(sys.argv[4], 0)))' "$@"
}
"$QEMU_IMG" create -q -f vhdx -o block_size=1M,log_size=1M v.vhdx 8M
"$QEMU_IO" -f vhdx -c 'write -P 0x21 0 1M' -c 'write -P 0x22 5M 64k' v.vhdx > /dev/null
same_as_qemu_f vhdx v.vhdx
bat=$(python3 -c 'import struct
d = open("v.vhdx", "rb").read(); rt = d[3*65536:4*65536]
for k in range(struct.unpack_from("<I", rt, 8)[0]):
    e = rt[16+32*k:48+32*k]
    if e[:4] == bytes.fromhex("6677c22d"): print(struct.unpack_from("<Q", e, 16)[0])')
# One damaged header: the other copy is used.
cp v.vhdx h1.vhdx; lpatch h1.vhdx $((64 * 1024 + 8)) Q 0x7fffffffffffffff
same_as_qemu_f vhdx h1.vhdx
cp h1.vhdx h2.vhdx; lpatch h2.vhdx $((128 * 1024 + 8)) Q 1
vhdfails h2.vhdx 3 "no valid VHDX header"
cp v.vhdx rt.vhdx; lpatch rt.vhdx $((192 * 1024 + 20)) I 7; lpatch rt.vhdx $((256 * 1024 + 20)) I 7
vhdfails rt.vhdx 3 "no valid VHDX region table"
cp v.vhdx log.vhdx
for h in 64 128; do lpatch log.vhdx $((h * 1024 + 48)) Q 0x1234; crc log.vhdx $((h * 1024)) 4096; done
vhdfails log.vhdx 4 "VHDX log must be replayed first"
cp v.vhdx ver.vhdx
for h in 64 128; do lpatch ver.vhdx $((h * 1024 + 66)) H 2; crc ver.vhdx $((h * 1024)) 4096; done
vhdfails ver.vhdx 4 "VHDX version 2 is not supported"
# Metadata values (no checksum): block size, sector size, size.
item () {   # item GUID-PREFIX-HEX: offset of that metadata item's value
  python3 -c 'import struct, sys
d = open("v.vhdx", "rb").read(); m = 3 << 20
for k in range(struct.unpack_from("<H", d, m + 10)[0]):
    e = d[m+32+32*k:m+64+32*k]
    if e[:4].hex() == sys.argv[1]: print(m + struct.unpack_from("<I", e, 16)[0])' "$1"
}
params=$(item 3767a1ca) dsize=$(item 2442a52f) lsect=$(item 1dbf4181)
cp v.vhdx bs.vhdx; lpatch bs.vhdx $params I 3000000
vhdfails bs.vhdx 3 "block size 3000000 is not a power of two"
cp v.vhdx sect.vhdx; lpatch sect.vhdx $lsect I 1000
vhdfails sect.vhdx 3 "logical sector size 1000"
cp v.vhdx huge.vhdx; lpatch huge.vhdx $dsize Q 0x7ffffffffffffe00
vhdfails huge.vhdx 3 "virtual size .* too large"
cp v.vhdx batsmall.vhdx; lpatch batsmall.vhdx $dsize Q $((1 << 40))
vhdfails batsmall.vhdx 3 "BAT region .* too small"
cp v.vhdx bate.vhdx; lpatch bate.vhdx $bat Q $(( (0xfffff << 20) | 6 ))
vhdfails bate.vhdx 3 "BAT entry points at offset .* outside the file"
cp v.vhdx bats.vhdx; lpatch bats.vhdx $bat Q 7
vhdfails bats.vhdx 3 "BAT entry for block 0 has invalid state 7"
head -c $((3 << 20)) v.vhdx > trunc.vhdx
vhdfails trunc.vhdx 3 "past the end of the file"

# Random damage.
damage_loop 34 v.vhdx
