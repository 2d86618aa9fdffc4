#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm disk convert from archives.  OVA: the disk read in place, the
# manifest checked beside the copy; XVA: streamed (plain, gzip, zstd,
# stdin) through the writer.  Outputs checked with qemu-img compare and
# qemu-img check; failures (digest mismatch: 6, truncation: 3) leave no
# output and no temporary file in the output directory.
. "$srcdir/functions.sh"
. "$srcdir/archive-functions.sh"
requires python3 tar gzip zstd sha256sum truncate "$QEMU_IMG" "$QEMU_IO"
ova_xml=$TMP/ova.xml
xva_ova_xml "$ova_xml"
cd "$TMP"
mkdir out
no_output () { [ -z "$(ls -A out)" ] || fail "left in out/: $(ls -A out)"; }
compare () { # compare OUT RAW
  "$QEMU_IMG" compare -q -F raw "$1" "$2" || fail "$1 differs from $2"
  case $1 in *.qcow2) "$QEMU_IMG" check -q "$1" || fail "qemu-img check $1" ;; esac
  rm -f "$1"
}

# Source disks: b is 3 MiB + 5 KiB (a short last block; sector multiple
# so that qcow2 can hold it).
make_disks 5120

# ---- OVA ----
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized a.raw disk1.vmdk
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized b.raw disk2.vmdk
cat > vm.ovf <<'OVF'
<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="f1" ovf:href="disk1.vmdk"/><File ovf:id="f2" ovf:href="disk2.vmdk"/></References>
  <DiskSection>
    <Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="6" ovf:capacityAllocationUnits="byte * 2^20"/>
    <Disk ovf:diskId="d2" ovf:fileRef="f2" ovf:capacity="3150848"/>
  </DiskSection>
</Envelope>
OVF
for f in vm.ovf disk1.vmdk disk2.vmdk; do
  printf 'SHA256(%s)= %s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"
done > vm.mf
tar --format=ustar -cf vm.ova vm.ovf vm.mf disk1.vmdk disk2.vmdk
"$V2KVM" disk convert --disk 1 vm.ova out/1.qcow2 || fail "ova disk 1"
compare out/1.qcow2 a.raw
"$V2KVM" disk convert -O raw --disk 2 vm.ova out/2.raw || fail "ova disk 2"
compare out/2.raw b.raw

# A flipped byte in disk2.vmdk's last grain (the decode still works:
# only the manifest can tell): exit 6, no output.
python3 - <<'PY'
import tarfile
t = tarfile.open('vm.ova'); m = t.getmember('disk2.vmdk')
d = bytearray(open('vm.ova', 'rb').read())
d[m.offset_data + m.size - 600] ^= 0xff      # inside the footer area
open('flip.ova', 'wb').write(d)
PY
expect_exit 6 "$V2KVM" disk convert --disk 1 flip.ova out/f.qcow2
expect_error_match "'disk2.vmdk': sha256 digest mismatch: manifest '.*vm.mf' says [0-9a-f]{64}, the file has [0-9a-f]{64}"
no_output

# The real govmomi OVA: manifest fine, the stream is cut: exit 3.
if [ -f "$CORPUS/govmomi/ova/ttylinux-pc_i486-16.1.ova" ]; then
  expect_exit 3 "$V2KVM" disk convert "$CORPUS/govmomi/ova/ttylinux-pc_i486-16.1.ova" out/t.qcow2
  expect_error_match "truncated"
  no_output
fi

# ---- XVA ----
python3 "$srcdir/xva-gen.py" "$ova_xml" two.xva Ref:1736=a.raw Ref:42=b.raw
gzip -k two.xva
zstd -q two.xva -o two.xva.zst
"$V2KVM" disk convert --disk 1 two.xva out/x1.qcow2 || fail "xva disk 1"
compare out/x1.qcow2 a.raw
"$V2KVM" disk convert -O raw --disk Ref:42 two.xva.gz out/x2.raw || fail "xva.gz"
compare out/x2.raw b.raw
"$V2KVM" disk convert --disk 2 - out/x3.qcow2 < two.xva.zst || fail "xva.zst stdin"
compare out/x3.qcow2 b.raw
# qcow2 with compressed clusters, through the same single-threaded path.
"$V2KVM" disk convert -c --disk 1 two.xva out/x4.qcow2 || fail "xva -c"
compare out/x4.qcow2 a.raw

python3 "$srcdir/xva-gen.py" "$ova_xml" flip.xva Ref:1736=a.raw Ref:42=b.raw --flip Ref:42:3
expect_exit 6 "$V2KVM" disk convert --disk 1 flip.xva out/f.qcow2
expect_error_match "block 'Ref:42/00000003': sha1 checksum mismatch"
no_output
"$V2KVM" disk convert --no-verify --disk 1 flip.xva out/nv.qcow2 2> err ||
  fail "--no-verify: $(cat err)"
grep -q "no-verify" err || fail "no --no-verify warning"
compare out/nv.qcow2 a.raw                  # disk 1 is intact

head -c $(( $(stat -c %s two.xva.gz) * 3 / 4 )) two.xva.gz > cut.xva.gz
expect_exit 3 "$V2KVM" disk convert --disk 1 cut.xva.gz out/c.qcow2
expect_error_match "truncated"
no_output
exit 0
