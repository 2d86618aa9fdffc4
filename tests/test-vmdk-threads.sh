#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Concurrent reads (as the copy engine does them) of a stream, a sparse
# chain and a split flat VMDK equal the sequential reads, which equal
# qemu-img's decoding.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" openssl truncate
cd "$TMP"
truncate -s 24M src.raw
put src.raw 0 a 3000000
put src.raw 7340032 b 1048576
put src.raw 20000000 c 3000000
"$QEMU_IMG" convert -f raw -O vmdk -o subformat=streamOptimized src.raw stream.vmdk
"$QEMU_IMG" convert -f raw -O vmdk src.raw base.vmdk
"$QEMU_IMG" create -q -f vmdk -b base.vmdk -F vmdk child.vmdk
"$QEMU_IO" -f vmdk -c 'write -P 0x77 1M 3M' -c 'write -P 0x78 12M 64k' child.vmdk >/dev/null
"$QEMU_IMG" convert -f raw -O vmdk -o subformat=twoGbMaxExtentFlat src.raw flat.vmdk
for img in stream child flat; do
  same_as_qemu "$TMP/$img.vmdk"
  "$top_builddir/tests/vmdk-threads" "$img.vmdk" 4 || fail "threaded reads of $img.vmdk"
done
echo ok
