#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# qcow2 files of the shapes found in the field, decoded against an
# oracle; prints a file/expected/got table.
# Generated layer (always): a 4 MiB image with scattered data written by
# qemu-img convert plain, zlib-compressed and zstd-compressed (the
# expected bytes are the raw source itself), and a three-link backing
# chain written with qemu-io (expected: qemu-img convert of the top);
# without its base the chain fails naming both files.
# Corpus layer (when $CORPUS has them, $CORPUS/MANIFEST.md): dfvfs
# ext2.qcow2 must decode to gunzip(ext2.raw.gz) (the EXPECT sha256
# a6c2f0e3...); the dissect.hypervisor samples (zlib, zstd, a three-link
# backing chain; "reference only" in the manifest) must decode like
# qemu-img.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
. "$srcdir/vhd-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" gunzip sha256sum jq openssl
cd "$TMP"

bad=0
printf '%-28s %-74s %s\n' file expected got > "$TMP/table"
row () {
  printf '%-28s %-74s %s\n' "$1" "$2" "$3" >> "$TMP/table"
  [ "$2" = "$3" ] || bad=$((bad + 1))
}
digest () { echo "$(sha256sum < "$1" | cut -d' ' -f1)  $(stat -c %s "$1")"; }

# chain_checks DIR TOP MIDDLE BASE: the chain is three links; without
# BASE, MIDDLE fails naming itself and BASE.
chain_checks () {
  local n
  n=$(cd "$1" && "$V2KVM" disk info "$2" --json | jq -r '.chain | length')
  [ "$n" = 3 ] || fail "backing chain $1/$2: $(cd "$1" && "$V2KVM" disk info "$2")"
  rm "$1/$4"
  (cd "$1" && expect_exit 3 "$V2KVM" disk info "$2" &&
     expect_error_match "'.*$3': cannot open its parent '$4'" &&
     echo "ok missing base: $ERR") || exit 1
}

# --- Generated layer ---
mkdir gen && cd gen
truncate -s 4M src.raw
put src.raw 0 qc1 65536
put src.raw 1048576 qc2 300000
put src.raw 3145728 qc3 4096
put src.raw 4190208 qc4 4096
want=$(digest src.raw)
"$QEMU_IMG" convert -f raw -O qcow2 src.raw plain.qcow2
"$QEMU_IMG" convert -f raw -O qcow2 -c src.raw zlib.qcow2
"$QEMU_IMG" convert -f raw -O qcow2 -c -o compression_type=zstd src.raw zstd.qcow2
"$QEMU_IMG" info zstd.qcow2 | grep -q 'compression type: zstd' || fail "zstd.qcow2 is not zstd"
for f in plain zlib zstd; do
  row gen/$f.qcow2 "$want" "$("$BLKTOOL" sha256 $f.qcow2 2>&1)"
done
# The chain: base <- middle <- top, each link overwriting part of the
# one below and leaving the rest to fall through.
"$QEMU_IMG" convert -f raw -O qcow2 src.raw chain-3.qcow2
"$QEMU_IMG" create -q -f qcow2 -b chain-3.qcow2 -F qcow2 chain-2.qcow2
"$QEMU_IO" -f qcow2 -c 'write -P 0x5a 1M 64k' -c 'write -z 0 4k' chain-2.qcow2 >/dev/null
"$QEMU_IMG" create -q -f qcow2 -b chain-2.qcow2 -F qcow2 chain-1.qcow2
"$QEMU_IO" -f qcow2 -c 'write -P 0xa5 1056k 8k' -c 'write -P 0x33 2M 512' chain-1.qcow2 >/dev/null
"$QEMU_IMG" convert -f qcow2 -O raw chain-1.qcow2 chain.raw
row gen/chain-1.qcow2 "$(digest chain.raw)" "$("$BLKTOOL" sha256 chain-1.qcow2 2>&1)"
cmp -s chain.raw src.raw && fail "the chain's links change nothing"
cd ..
chain_checks gen chain-1.qcow2 chain-2.qcow2 chain-3.qcow2

# --- Corpus layer ---
D=dfvfs Q=dissect-hypervisor/disk/qcow2
names="basic basic-zstd backing-chain-1 backing-chain-2 backing-chain-3"
corpus=0
if have_corpus $D/ext2.qcow2 $D/ext2.raw.gz $(for f in $names; do echo $Q/$f.qcow2.gz; done); then
  corpus=1
  mkdir corpus && cd corpus
  for f in $names; do gunzip -c "$CORPUS/$Q/$f.qcow2.gz" > $f.qcow2; done
  raw=$(gunzip -c "$CORPUS/$D/ext2.raw.gz" | sha256sum | cut -d' ' -f1)
  [ "$raw" = a6c2f0e39afe6c6ab432ca5465349fcefe8dc944398e97b2d957d3f89dbb5d80 ] ||
    fail "ext2.raw.gz is not the manifest's"
  row ext2.qcow2 "$raw  4194304" "$("$BLKTOOL" sha256 "$CORPUS/$D/ext2.qcow2" 2>&1)"
  for f in $names; do
    "$QEMU_IMG" convert -f qcow2 -O raw $f.qcow2 $f.raw || fail "qemu-img convert $f"
    row $f.qcow2 "$(digest $f.raw)" "$("$BLKTOOL" sha256 $f.qcow2 2>&1)"
    rm -f $f.raw
  done
  "$QEMU_IMG" info basic-zstd.qcow2 | grep -q 'compression type: zstd' || fail "basic-zstd is not zstd"
  cd ..
fi
cat "$TMP/table"
[ $bad = 0 ] || fail "$bad qcow2 files decoded wrongly"
[ $corpus = 0 ] || chain_checks corpus backing-chain-1.qcow2 backing-chain-2.qcow2 backing-chain-3.qcow2
echo "ok: $(($(wc -l < "$TMP/table") - 1)) qcow2 files decoded as expected"
