#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# qcow2 images written by qemu-img/qemu-io (the oracle): compat 0.10 and
# 1.1, cluster sizes 512 B to 2 MiB, zlib and zstd compressed clusters,
# zero clusters, backing chains (qcow2, raw and vpc bases, three links,
# an overlay larger than its base), the dirty bit.  Our decoding must
# equal `qemu-img convert -O raw`; the map must show holes where nothing
# was written and zero extents for zero clusters.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
. "$srcdir/qcow2-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" openssl python3 jq
cd "$TMP"

# 48 MiB raw: data at 0, 5 MiB, 33 MiB + 512, the last 4 KiB; nothing in
# [8 MiB, 32 MiB) and [36 MiB, 44 MiB).
truncate -s 48M src.raw
put src.raw 0 a 307200
put src.raw $((5 << 20)) b 1048576
put src.raw $(((33 << 20) + 512)) c 70000
put src.raw $(((48 << 20) - 4096)) d 4096

n=0
for compat in 0.10 1.1; do
  for cs in 512 4096 65536 2097152; do
    for c in "" -c; do
      img=q-$compat-$cs${c:+-z}.qcow2
      "$QEMU_IMG" convert -f raw -O qcow2 $c -o compat=$compat,cluster_size=$cs \
        src.raw "$img" || fail "qemu-img convert $img"
      same_as_qemu_f qcow2 "$img"
      expect_type "$img" $((5 << 20)) data
      expect_type "$img" $((16 << 20)) hole
      expect_type "$img" $((40 << 20)) hole
      n=$((n + 1))
    done
  done
done
# zstd compressed clusters (incompatible bit 3 + header byte 104).
"$QEMU_IMG" convert -f raw -O qcow2 -c -o compression_type=zstd src.raw zstd.qcow2
[ "$(qget zstd.qcow2 104 B)" = 1 ] || fail "zstd.qcow2: compression type byte not set"
same_as_qemu_f qcow2 zstd.qcow2
n=$((n + 1))
"$top_builddir/tests/vmdk-threads" zstd.qcow2 4 || fail "threaded reads of zstd.qcow2"
"$top_builddir/tests/vmdk-threads" q-1.1-4096-z.qcow2 4 || fail "threaded reads"

# Zero clusters (v3): reads as zeros, mapped as zero, and hides the
# backing file's data.
"$QEMU_IMG" create -q -f qcow2 base.qcow2 8M
"$QEMU_IO" -f qcow2 -c 'write -P 0x11 0 4M' -c 'write -P 0x12 6M 64k' base.qcow2 > /dev/null
"$QEMU_IMG" create -q -f qcow2 -b base.qcow2 -F qcow2 top.qcow2
"$QEMU_IO" -f qcow2 -c 'write -P 0x21 64k 64k' -c 'write -z 1M 128k' \
  -c 'write -P 0x22 7M 4k' -c 'write -z 7M 64k' top.qcow2 > /dev/null
same_as_qemu_f qcow2 top.qcow2
expect_type top.qcow2 $((1 << 20)) zero
expect_type top.qcow2 $((7 << 20)) zero
expect_type top.qcow2 65536 data       # overlay
expect_type top.qcow2 0 data           # base through the overlay
expect_type top.qcow2 $((5 << 20)) hole
"$V2KVM" disk info top.qcow2 --json | jq -r '.chain[].file' | tr '\n' ' ' |
  grep -q 'top.qcow2 ./base.qcow2' || fail "chain: $("$V2KVM" disk info top.qcow2)"
n=$((n + 1))
# A v2 overlay over the same base.
"$QEMU_IMG" create -q -f qcow2 -o compat=0.10 -b base.qcow2 -F qcow2 top2.qcow2
"$QEMU_IO" -f qcow2 -c 'write -P 0x31 100k 300k' -c 'write -z 2M 64k' top2.qcow2 > /dev/null
same_as_qemu_f qcow2 top2.qcow2
n=$((n + 1))

# Three links, the backing name given as an absolute path, an overlay
# larger than its base (the tail reads as zeros).
"$QEMU_IMG" create -q -f qcow2 -b "$TMP/top.qcow2" -F qcow2 third.qcow2 12M
"$QEMU_IO" -f qcow2 -c 'write -P 0x41 3M 64k' -c 'write -P 0x42 11M 64k' third.qcow2 > /dev/null
same_as_qemu_f qcow2 third.qcow2
expect_type third.qcow2 $((9 << 20)) hole
n=$((n + 1))

# Raw and VHD bases (backing formats "raw" and "vpc").
"$QEMU_IMG" create -q -f qcow2 -b src.raw -F raw over-raw.qcow2
"$QEMU_IO" -f qcow2 -c 'write -P 0x51 5M 4k' over-raw.qcow2 > /dev/null
same_as_qemu_f qcow2 over-raw.qcow2
"$QEMU_IMG" convert -f raw -O vpc -o subformat=dynamic,force_size=on src.raw base.vhd
"$QEMU_IMG" create -q -f qcow2 -b base.vhd -F vpc over-vhd.qcow2
"$QEMU_IO" -f qcow2 -c 'write -P 0x52 33M 4k' over-vhd.qcow2 > /dev/null
same_as_qemu_f qcow2 over-vhd.qcow2
"$V2KVM" disk info over-vhd.qcow2 | grep -q 'vhd ./base.vhd dynamic' || fail "vhd base not opened as vhd"
n=$((n + 2))

# Dirty bit (lazy refcounts): read as mapped, with a warning.
"$QEMU_IMG" create -q -f qcow2 -o lazy_refcounts=on dirty.qcow2 4M
"$QEMU_IO" -f qcow2 -c 'write -P 0x61 0 1M' dirty.qcow2 > /dev/null
qpatch dirty.qcow2 72 Q 1
same_as_qemu_f qcow2 dirty.qcow2
"$BLKTOOL" sha256 dirty.qcow2 2>&1 >/dev/null | grep -q "not closed cleanly" || fail "no dirty warning"
n=$((n + 1))

echo "$n images decoded like qemu-img"
