#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# OVAs read in place: streamOptimized VMDKs made by qemu-img inside tars
# made by GNU tar (ustar, pax, gnu with a long name), a gzip-compressed
# member (ovf:compression="gzip"), a descriptor whose extents are other
# members, two disks chosen with --disk, an unpacked directory, the real
# govmomi OVA (truncated stream: must say so).  Oracle: qemu-img reading
# the member extracted with tar.
. "$srcdir/functions.sh"
requires tar gzip sha256sum truncate "$QEMU_IMG" "$QEMU_IO"
cd "$TMP"
export TMPDIR=$TMP

# Known content: disk 1 is 8 MiB, disk 2 is 3 MiB + 64 KiB.
truncate -s 8M one.raw
"$QEMU_IO" -f raw -c 'write -P 0x5a 1M 64k' -c 'write -P 0xa5 5M 1M' \
  -c 'write -P 0x3c 8128k 64k' one.raw >/dev/null || fail qemu-io
truncate -s 3136k two.raw
"$QEMU_IO" -f raw -c 'write -P 0x71 0 4k' -c 'write -P 0x17 3M 64k' \
  two.raw >/dev/null || fail qemu-io
long=disk-two-with-a-name-long-enough-to-need-a-gnu-longname-or-pax-path-record-0123456789abcdef.vmdk
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized one.raw disk1.vmdk
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized two.raw "$long"
gzip -c "$long" > "$long.gz"

ovf () { # ovf CAP1 FILE2 COMPRESSION2
  cat <<OVF
<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
          xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References>
    <File ovf:id="file1" ovf:href="disk1.vmdk"/>
    <File ovf:id="file2" ovf:href="$2" ovf:compression="$3"/>
  </References>
  <DiskSection>
    <Info>Virtual disks</Info>
    <Disk ovf:diskId="vmdisk1" ovf:fileRef="file1" ovf:capacity="$1"
          ovf:capacityAllocationUnits="byte * 2^20"/>
    <Disk ovf:diskId="vmdisk2" ovf:fileRef="file2" ovf:capacity="3211264"/>
  </DiskSection>
  <VirtualSystem ovf:id="vm"><Info>A VM</Info></VirtualSystem>
</Envelope>
OVF
}
mf () { for f in "$@"; do printf 'SHA256(%s)= %s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"; done; }
sum_of () { echo "$(sha256sum < "$1" | cut -d' ' -f1)  $(stat -c %s "$1")"; }
# oracle OVA MEMBER: qemu-img's reading of the member, extracted.
oracle () {
  rm -rf x && mkdir x && tar -xf "$1" -C x "$2" || fail "tar x $2"
  case $2 in *.gz) gunzip x/"$2"; set -- "$1" "${2%.gz}" ;; esac
  "$QEMU_IMG" convert -O raw x/"$2" x/out.raw || fail "qemu-img $2"
  sum_of x/out.raw
}

ovf 8 "$long" identity > a.ovf
mf a.ovf disk1.vmdk "$long" > a.mf
for fmt in ustar pax gnu; do
  [ $fmt = ustar ] && names="a.ovf a.mf disk1.vmdk" || names="a.ovf a.mf disk1.vmdk $long"
  tar --format=$fmt -cf $fmt.ova $names
  [ $fmt = ustar ] && continue          # ustar cannot hold the long name
  got=$("$BLKTOOL" -d 1 sha256 $fmt.ova) || fail "$fmt disk 1: $got"
  [ "$got" = "$(oracle $fmt.ova disk1.vmdk)" ] || fail "$fmt disk 1: $got"
  [ "$got" = "$(sum_of one.raw)" ] || fail "$fmt disk 1 vs source"
  got=$("$BLKTOOL" -d 2 sha256 $fmt.ova) || fail "$fmt disk 2: $got"
  [ "$got" = "$(oracle $fmt.ova "$long")" ] || fail "$fmt disk 2: $got"
  [ "$got" = "$(sum_of two.raw)" ] || fail "$fmt disk 2 vs source"
done
info=$("$V2KVM" disk info --disk 2 pax.ova) || fail "info: $info"
echo "$info" | grep -qx 'format: ova' || fail "$info"
echo "$info" | grep -qx 'subformat: vmdk streamOptimized' || fail "$info"
echo "$info" | grep -qx 'virtual size: 3211264' || fail "$info"

# Two disks and no --disk: usage error.  A disk number out of range too.
expect_exit 2 "$V2KVM" disk info pax.ova
expect_error_match "has 2 disks: choose one with --disk N"
expect_exit 2 "$V2KVM" disk info --disk 3 pax.ova

# gzip-compressed member (the manifest covers the compressed bytes).
ovf 8 "$long.gz" gzip > a.ovf
mf a.ovf disk1.vmdk "$long.gz" > a.mf
tar --format=pax -cf gz.ova a.ovf a.mf disk1.vmdk "$long.gz"
got=$("$BLKTOOL" -d 2 sha256 gz.ova) || fail "gzip member: $got"
[ "$got" = "$(oracle gz.ova "$long.gz")" ] || fail "gzip member: $got"
[ -z "$(ls -A "$TMP" | grep -v -e '\.' -e '^x$' -e '^expect')" ] ||
  fail "temporary files left: $(ls "$TMP")"

# A capacity that disagrees with the VMDK header: warning, header wins.
ovf 9 "$long" identity > a.ovf
mf a.ovf disk1.vmdk "$long" > a.mf
tar --format=pax -cf cap.ova a.ovf a.mf disk1.vmdk "$long"
"$V2KVM" disk info --disk 1 cap.ova > info 2> err || fail "cap: $(cat err)"
grep -q "capacity of 9437184 bytes but its header says 8388608" err || fail "no warning: $(cat err)"
grep -qx 'virtual size: 8388608' info || fail "$(cat info)"
# The same capacity in the units' other spellings (one parser for the
# package and the guest's config: formats/cfg-ovf.c alloc_units).
for u in MegaBytes 'byte * 1024 * 1024' 'bytes*2^10*2^10'; do
  sed "s/byte \* 2^20/$u/" a.ovf > b.ovf
  grep -qF "\"$u\"" b.ovf || fail "sed: $u"
  mf b.ovf disk1.vmdk "$long" > b.mf
  tar --format=pax -cf cap2.ova b.ovf b.mf disk1.vmdk "$long"
  "$V2KVM" disk info --disk 1 cap2.ova > info 2> err || fail "cap $u: $(cat err)"
  grep -q "capacity of 9437184 bytes but its header says 8388608" err ||
    fail "units '$u': no warning: $(cat err)"
done
rm -f b.ovf b.mf cap2.ova

# The unpacked directory and the .ovf itself.
mkdir dir && cp a.ovf a.mf disk1.vmdk "$long" dir/
[ "$("$BLKTOOL" -d 1 sha256 dir)" = "$(sum_of one.raw)" ] || fail "directory"
[ "$("$BLKTOOL" -d 2 sha256 dir/a.ovf)" = "$(sum_of two.raw)" ] || fail ".ovf"

# A VMDK descriptor whose extents are other members (split sparse).
"$QEMU_IMG" convert -O vmdk -o subformat=twoGbMaxExtentSparse one.raw split.vmdk
cat > s.ovf <<'OVF'
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
<References><File ovf:id="f" ovf:href="disks/split.vmdk"/></References>
<DiskSection><Disk ovf:diskId="d" ovf:fileRef="f" ovf:capacity="8388608"/></DiskSection></Envelope>
OVF
mkdir disks && mv split*.vmdk disks/
tar --format=ustar -cf split.ova s.ovf disks/
[ "$("$BLKTOOL" sha256 split.ova)" = "$(sum_of one.raw)" ] || fail "split extents in tar"
"$V2KVM" disk info split.ova | grep -q 'split-s001.vmdk' || fail "extent not listed"

# A wrong digest: exit 6 naming the file and both digests; --no-verify
# reads it with a warning.
ovf 8 "$long" identity > a.ovf
{ mf a.ovf "$long"; printf 'SHA256(disk1.vmdk)= %064d\n' 0; } > a.mf
tar --format=pax -cf bad.ova a.ovf a.mf disk1.vmdk "$long"
expect_exit 6 "$V2KVM" disk info --disk 1 bad.ova
expect_error_match "'disk1.vmdk': sha256 digest mismatch: manifest '.*a.mf' says 0{64}, the file has $(sha256sum < disk1.vmdk | cut -d' ' -f1)"
"$V2KVM" disk info --no-verify --disk 1 bad.ova > /dev/null 2> err || fail "--no-verify"
grep -q "no-verify" err || fail "no --no-verify warning"

# The real govmomi OVA: the manifest verifies but the stream is cut.
if [ -f "$CORPUS/govmomi/ova/ttylinux-pc_i486-16.1.ova" ]; then
  expect_exit 3 "$V2KVM" disk info "$CORPUS/govmomi/ova/ttylinux-pc_i486-16.1.ova"
  expect_error_match "ttylinux-pc_i486-16.1.ova:ttylinux-pc_i486-16.1-disk1.vmdk'.*truncated"
fi
exit 0
