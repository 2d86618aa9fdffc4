# SPDX-License-Identifier: BSD-3-Clause
# Shared by the archive tests (source after functions.sh).

# make_disks TAIL: in the current directory, a.raw (6 MiB: data in its
# 1 MiB blocks 0, 3 and 5; blocks 1, 2 and 4 all zero) and b.raw (3 MiB +
# TAIL bytes: a short last block), written by qemu-io with patterns.
make_disks () {
  truncate -s 6M a.raw
  "$QEMU_IO" -f raw -c 'write -P 0x11 0 100k' -c 'write -P 0x22 3M 1M' \
    -c 'write -P 0x5a 6141k 3k' a.raw >/dev/null || fail qemu-io
  truncate -s $((3 * 1048576 + $1)) b.raw
  "$QEMU_IO" -f raw -c 'write -P 0x33 1M 4096' -c "write -P 0x44 3M $1" \
    b.raw >/dev/null || fail qemu-io
}

# xva_ova_xml OUT: the ova.xml the XVA tests build on, its one VDI
# Ref:1736 (the id xva-gen.py's callers give their first disk): the real
# XenServer 7.0 export's from $CORPUS/xva-tools when the corpus is there,
# else the one tests/guests/xen-ova-xml.py writes for the Xen test guest,
# its VDI renamed.
xva_ova_xml () {
  if [ -n "$CORPUS" ] && [ -f "$CORPUS/xva-tools/ova.xml" ]; then
    cp "$CORPUS/xva-tools/ova.xml" "$1"
  else
    python3 "$srcdir/guests/xen-ova-xml.py" "$1.tmp" 6291456 ||
      fail "xen-ova-xml.py"
    sed 's|<value>Ref:6</value>|<value>Ref:1736</value>|g' "$1.tmp" > "$1"
    rm -f "$1.tmp"
  fi
}
