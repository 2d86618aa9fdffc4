#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Corrupt and hostile qcow2 files: each damaged field gives one error
# line naming the file (v2kvm exit 3, or 4 for an unsupported feature;
# blktool exit 1 for damage only a read meets), backing loops are ELOOP,
# and random damage never crashes or hangs blktool.  Run it under
# ASan+UBSan too.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
. "$srcdir/qcow2-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" python3 timeout
cd "$TMP"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}exitcode=86"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}exitcode=87"

"$QEMU_IMG" create -q -f qcow2 good.qcow2 4M
"$QEMU_IO" -f qcow2 -c 'write -P 0x21 0 1M' -c 'write -P 0x22 3M 64k' good.qcow2 > /dev/null
"$QEMU_IMG" convert -c -O qcow2 good.qcow2 comp.qcow2
l1=$(qget good.qcow2 40 Q)
l2=$(( $(qget good.qcow2 $l1 Q) & 0x00fffffffffffe00 ))
l2c=$(( $(qget comp.qcow2 $(qget comp.qcow2 40 Q) Q) & 0x00fffffffffffe00 ))

# bad NAME BASE OFFSET FMT VALUE CODE REGEX
bad () {
  cp "$2" "$1.qcow2"
  qpatch "$1.qcow2" "$3" "$4" "$5"
  vhdfails "$1.qcow2" "$6" "$7"
}
bad version good.qcow2 4 I 4 4 "qcow2 version 4 is not supported"
bad cbits-low good.qcow2 20 I 8 3 "cluster_bits 8 is out of range"
bad cbits-high good.qcow2 20 I 22 3 "cluster_bits 22 is out of range"
bad size-huge good.qcow2 24 Q 0xffffffffffffff00 3 "virtual size .* is too large"
bad l1-small good.qcow2 24 Q $((1 << 40)) 3 "L1 table has 1 entries for a disk of 1099511627776 bytes"
bad l1-huge good.qcow2 36 I 0x7fffffff 3 "L1 table has 2147483647 entries"
bad l1-eof good.qcow2 40 Q $((1 << 40)) 3 "L1 table .* past the end of the file"
bad l1-misaligned good.qcow2 40 Q $((l1 + 8)) 3 "L1 table .* misaligned"
bad l1-entry good.qcow2 $l1 Q 0x80000fffffff0000 3 "L1 entry 0 .* past the end of the file"
bad refcount-order good.qcow2 96 I 7 3 "refcount order 7 is out of range"
bad reftable good.qcow2 48 Q $((1 << 40)) 3 "refcount table .* past the end"
bad crypt good.qcow2 32 I 1 4 "encrypted qcow2 images are not supported"
bad corrupt-bit good.qcow2 72 Q 2 3 "qemu marked this qcow2 image corrupt"
bad data-file good.qcow2 72 Q 4 4 "external data file are not supported"
bad ext-l2 good.qcow2 72 Q 16 4 "extended L2 entries .* not supported"
bad unknown-bit good.qcow2 72 Q 0x100 4 "unknown qcow2 incompatible features 0x100"
bad hdr-len good.qcow2 100 I 4 3 "header length 4 is out of range"
cp good.qcow2 ztype.qcow2; qpatch ztype.qcow2 72 Q 8; qpatch ztype.qcow2 104 B 7
vhdfails ztype.qcow2 4 "compression type 7 is not supported"
bad backing-off good.qcow2 8 Q 0x20000 3 "backing file name .* not inside the first cluster"
# A header extension longer than the header cluster.
hl=$(qget good.qcow2 100 I)
cp good.qcow2 ext.qcow2; qpatch ext.qcow2 $hl I 0x12345678; qpatch ext.qcow2 $((hl + 4)) I 0x7ffffff0
vhdfails ext.qcow2 3 "header extension 0x12345678 .* runs past the end of the header"
# L2 entries past the end: disk info walks the map and fails.
bad l2-entry good.qcow2 $l2 Q 0x8000ffffffff0000 3 "L2 entry for guest offset 0 .* past the end of the file"
bad l2-misaligned good.qcow2 $l2 Q 0x8000000000050200 3 "L2 entry for guest offset 0 .* misaligned"
bad l2-compressed comp.qcow2 $l2c Q 0x40ffffffffffff00 3 "compressed cluster at guest offset 0 points past the end"

# Damage only a read meets: blktool exits 1 with one line naming the file.
# A compressed stream with garbage in it.
cp comp.qcow2 badz.qcow2
coff=$(( $(qget comp.qcow2 $l2c Q) & ((1 << 54) - 1) ))
dd if=/dev/zero of=badz.qcow2 bs=1 seek=$coff count=64 conv=notrunc status=none
expect_read_error badz.qcow2 "compressed cluster at guest offset 0 does not decompress"
# Truncated in the middle of the data: L2 tables survive, data does not.
size=$(stat -c %s good.qcow2)
head -c $((size - 65536 * 4)) good.qcow2 > trunc.qcow2
expect_read_error trunc.qcow2 "past the end|truncated"
head -c 40 good.qcow2 > tiny.qcow2
expect_exit 3 "$V2KVM" disk info --format qcow2 tiny.qcow2
expect_error_match "'tiny.qcow2': file is too small"

# Backing loops: itself; A -> B -> A; a missing backing file.
# (qemu-img refuses to create it: name another file, then rename.)
"$QEMU_IMG" create -q -f qcow2 -u -b zelf.qcow2 -F qcow2 self.qcow2 1M
python3 -c 'import sys; p = sys.argv[1]; d = open(p, "rb").read()
open(p, "wb").write(d.replace(b"zelf.qcow2", b"self.qcow2"))' self.qcow2
vhdfails self.qcow2 3 "backing chain loops"
"$QEMU_IMG" create -q -f qcow2 -u -b b.qcow2 -F qcow2 a.qcow2 1M
"$QEMU_IMG" create -q -f qcow2 -u -b a.qcow2 -F qcow2 b.qcow2 1M
expect_exit 3 "$V2KVM" disk info a.qcow2
expect_error_match "'./b.qcow2': backing chain loops: its parent './a.qcow2'"
echo "ok a.qcow2: $ERR"
"$QEMU_IMG" create -q -f qcow2 -u -b gone.qcow2 -F qcow2 orphan.qcow2 1M
vhdfails orphan.qcow2 3 "cannot open its parent 'gone.qcow2'"
"$QEMU_IMG" create -q -f qcow2 -u -b 'nbd://host/x' -F raw url.qcow2 1M
vhdfails url.qcow2 4 "backing file 'nbd://host/x' is not a file name"

# Random damage: flip ~1% of the bytes; blktool must exit 0 or 1.
"$QEMU_IMG" create -q -f qcow2 -o cluster_size=4096 small.qcow2 1M
"$QEMU_IO" -f qcow2 -c 'write -P 0x31 0 64k' -c 'write -P 0x32 512k 8k' -c 'write -z 900k 4k' small.qcow2 > /dev/null
"$QEMU_IMG" convert -c -O qcow2 -o cluster_size=4096,compat=0.10 small.qcow2 smallz.qcow2
"$QEMU_IMG" convert -c -O qcow2 -o cluster_size=4096,compression_type=zstd small.qcow2 smallzstd.qcow2
damage_loop 34 small.qcow2 smallz.qcow2 smallzstd.qcow2
