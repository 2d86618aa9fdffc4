#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# convert -i xva - : an XVA on standard input is read once: ova.xml
# first (the guest), then every disk's blocks to scratch in the same
# pass, each block's checksum verified.  Fast (--no-fixup): the output
# disk must equal the source raw (qemu-img compare), plain, gzip and
# two-disk streams; the same archive converted from its file gives the
# same disk.  A flipped byte in a block fails with exit 6 naming the
# block, a truncated stream with exit 3, and neither leaves an output.
. "$srcdir/functions.sh"
. "$srcdir/archive-functions.sh"
requires python3 "$QEMU_IMG" "$QEMU_IO" gzip truncate jq
gen () { python3 "$srcdir/xva-gen.py" "$@" || fail "xva-gen $*"; }
same () { # same OUT.qcow2 RAW
  "$QEMU_IMG" compare -q -F raw "$1" "$2" || fail "$1 differs from $2"
}
conv () { # conv DIR CMD...: --no-fixup convert of stdin into DIR
  local dir=$1; shift
  mkdir -p "$dir"
  "$V2KVM" convert -i xva - --no-fixup -os "$dir" --machine-readable \
    >"$dir.json" 2>"$dir.err" || fail "convert -i xva - into $dir exited $?: $(cat "$dir.err")"
  jq -e -s '.[-1].type == "result" and .[-1].ok' "$dir.json" >/dev/null ||
    fail "bad JSON lines: $(tail -2 "$dir.json")"
}
cd "$TMP"
make_disks 5000
# ova.xml as XenServer writes it for the Xen test guest (one VDI Ref:6).
python3 "$srcdir/guests/xen-ova-xml.py" one.xml "$(stat -c %s a.raw)" ||
  fail "xen-ova-xml.py"
gen one.xml one.xva Ref:6=a.raw

conv out1 < one.xva
same out1/*-sda.qcow2 a.raw
gzip -c one.xva | conv outgz
same outgz/*-sda.qcow2 a.raw
# The file path (each disk streamed in its own pass) agrees.
mkdir outfile
"$V2KVM" convert -i xva one.xva --no-fixup -os outfile >/dev/null 2>outfile.err ||
  fail "convert -i xva one.xva: $(cat outfile.err)"
same outfile/*-sda.qcow2 a.raw

# Two disks in one pass: each to its own output disk.
python3 "$srcdir/guests/xen-ova-xml.py" two.xml "$(stat -c %s a.raw)" \
  "$(stat -c %s b.raw)" || fail "xen-ova-xml.py (two disks)"
gen two.xml two.xva Ref:6=a.raw Ref:8=b.raw
n=$("$V2KVM" source show -i xva - --json < two.xva | jq '.disks | length')
[ "$n" = 2 ] || fail "source show -i xva - sees $n disks"
conv out2 < two.xva
same out2/*-sda.qcow2 a.raw
same out2/*-sdb.qcow2 b.raw

# A flipped byte in block 3 of Ref:6: exit 6 naming it, nothing left.
gen one.xml bad.xva Ref:6=a.raw --flip Ref:6:3
mkdir bad
expect_exit 6 "$V2KVM" convert -i xva - --no-fixup -os bad < bad.xva
expect_error_match "Ref:6/00000003"
[ -z "$(ls -A bad)" ] || fail "a failed conversion left $(ls bad)"
# Truncated in the middle of the blocks: exit 3, nothing left.
head -c 3000000 one.xva > short.xva
expect_exit 3 "$V2KVM" convert -i xva - --no-fixup -os bad < short.xva
[ -z "$(ls -A bad)" ] || fail "a truncated stream left $(ls bad)"
exit 0
