#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# References from one input file to another (formats/refs.h, README
# "References to other files"): a hostile image or archive must not make
# v2kvm read a file of the conversion host.  Every refusal is exit 3 with
# one line naming the referring file and the reference, by disk info and
# by disk convert, which leaves no output; the source is unchanged.  The
# same loose chain is followed with --allow-external-refs, and disk info
# lists every file it reads.  Fixtures: qemu-img, python3 tarfile,
# tests/vhd-gen.py.
. "$srcdir/functions.sh"
requires "$QEMU_IMG" "$QEMU_IO" python3 sha256sum mkfifo
W=$TMP/w
mkdir "$W" && cd "$W"

# refused WHAT REGEX: disk info and disk convert of WHAT both exit 3 with
# one line matching REGEX; no output file, the directory (names, sizes,
# modification times) unchanged.
refused () {
  local what=$1 re=$2 before after
  before=$(find . -mindepth 1 -printf '%p %s %T@\n' | sort | sha256sum)
  expect_exit 3 "$V2KVM" disk info "$what"
  expect_error_match "$re"
  expect_exit 3 "$V2KVM" disk convert "$what" out.qcow2
  expect_error_match "$re"
  [ ! -e out.qcow2 ] || fail "$what: out.qcow2 was left behind"
  after=$(find . -mindepth 1 -printf '%p %s %T@\n' | sort | sha256sum)
  [ "$before" = "$after" ] || fail "$what: the directory changed"
  echo "ok refused $what"
}

# desc NAME EXTENT [PARENT]: a monolithicFlat VMDK descriptor of 1 MiB
# whose extent (and parentFileNameHint) are the given names.
desc () {
  {
    printf '# Disk DescriptorFile\nversion=1\nCID=12345678\n'
    if [ -n "${3:-}" ]; then
      printf 'parentCID=ffffffff\ncreateType="monolithicFlat"\n'
      printf 'parentFileNameHint="%s"\n' "$3"
    else
      printf 'parentCID=ffffffff\ncreateType="monolithicFlat"\n'
    fi
    printf '\nRW 2048 FLAT "%s" 0\n' "$2"
  } > "$1"
}

truncate -s 1M flat.raw
printf 'secret of the conversion host\n' > host-secret

# ---- OVA: only members of the same archive ----
cat > a.ovf <<'OVF'
<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="f1" ovf:href="HREF"/></References>
  <DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1048576"/></DiskSection>
</Envelope>
OVF
desc host.vmdk /etc/hostname
desc up.vmdk ../outside.vmdk
desc dev.vmdk /dev/zero
desc member-dev.vmdk zero.raw
desc member-sym.vmdk link.raw
python3 - <<'PY'
import io, tarfile
ovf = open('a.ovf').read()
def build(out, href, members):
    with tarfile.open(out, 'w', format=tarfile.USTAR_FORMAT) as t:
        data = ovf.replace('HREF', href).encode()
        ti = tarfile.TarInfo('a.ovf'); ti.size = len(data)
        t.addfile(ti, io.BytesIO(data))
        for name, kind, arg in members:
            ti = tarfile.TarInfo(name)
            if kind == 'file':
                data = open(arg, 'rb').read()
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            elif kind == 'chr':
                ti.type = tarfile.CHRTYPE; ti.devmajor, ti.devminor = 1, 5
                t.addfile(ti)
            else:
                ti.type = tarfile.SYMTYPE; ti.linkname = arg
                t.addfile(ti)
build('host.ova', 'disk.vmdk', [('disk.vmdk', 'file', 'host.vmdk')])
build('up.ova', 'disk.vmdk', [('disk.vmdk', 'file', 'up.vmdk')])
build('dev.ova', 'disk.vmdk', [('disk.vmdk', 'file', 'dev.vmdk')])
build('chr.ova', 'disk.vmdk', [('disk.vmdk', 'file', 'member-dev.vmdk'),
                               ('zero.raw', 'chr', None)])
build('sym.ova', 'disk.vmdk', [('disk.vmdk', 'file', 'member-sym.vmdk'),
                               ('link.raw', 'sym', '/etc/hostname')])
build('href.ova', '/etc/passwd', [])
build('hrefup.ova', '../flat.raw', [])
desc_ok = open('up.vmdk').read().replace('../outside.vmdk', 'flat.raw')
open('good.vmdk', 'w').write(desc_ok)
build('good.ova', 'disk.vmdk', [('disk.vmdk', 'file', 'good.vmdk'),
                                ('flat.raw', 'file', 'flat.raw')])
PY
"$V2KVM" disk info good.ova > info || fail "good.ova: $(cat info)"
grep -q 'extent .*good.ova:flat.raw' info || fail "good.ova: $(cat info)"
refused host.ova "'host.ova:disk.vmdk': reference '/etc/hostname' is an absolute path: a member of an archive may only name another member"
refused up.ova "'up.ova:disk.vmdk': reference '../outside.vmdk' leads outside the archive"
refused dev.ova "'dev.ova:disk.vmdk': reference '/dev/zero' is an absolute path"
refused chr.ova "'chr.ova:disk.vmdk': reference 'zero.raw': .*member 'zero.raw' is a special file"
refused sym.ova "'sym.ova:disk.vmdk': reference 'link.raw': .*member 'link.raw' is a link"
refused href.ova "'href.ova:a.ovf': reference '/etc/passwd' is an absolute path"
refused hrefup.ova "'hrefup.ova:a.ovf': reference '../flat.raw' leads outside the archive"
# The same OVF unpacked: its hrefs stay in its directory.
mkdir ovfdir
sed 's|HREF|/etc/passwd|' a.ovf > ovfdir/a.ovf
refused ovfdir "'ovfdir/a.ovf': reference '/etc/passwd' leads outside '$(pwd -P)/ovfdir'"
# --allow-external-refs is for loose files: an archive stays closed.
expect_exit 3 "$V2KVM" disk info --allow-external-refs host.ova
expect_error_match "is an absolute path"

# ---- Loose files: inside the directory of the file named ----
mkdir -p vm outside
"$QEMU_IMG" create -q -f vmdk outside/base.vmdk 1M
"$QEMU_IO" -f vmdk -c 'write -P 0x5a 0 64k' outside/base.vmdk >/dev/null 2>&1 ||
  "$QEMU_IMG" convert -q -O vmdk flat.raw outside/base.vmdk
"$QEMU_IMG" create -q -f vmdk -b "$W/outside/base.vmdk" -F vmdk vm/abs.vmdk
grep -aq "parentFileNameHint=\"$W/outside/base.vmdk\"" vm/abs.vmdk ||
  fail "qemu-img wrote no absolute parentFileNameHint"
"$QEMU_IMG" create -q -f vmdk -b ../outside/base.vmdk -F vmdk vm/rel.vmdk
"$QEMU_IMG" create -q -f qcow2 -b /etc/hostname -F raw vm/host.qcow2 1M
python3 "$srcdir/vhd-gen.py" outside/parent.vhd --size 1048576 --raw flat.raw \
  --ranges 0:4096
python3 "$srcdir/vhd-gen.py" vm/child.vhd --size 1048576 --raw flat.raw \
  --ranges 0:512 --parent outside/parent.vhd --locator 'W2ru:..\outside\parent.vhd'
desc vm/host-extent.vmdk "$W/host-secret"
desc vm/dev-extent.vmdk /dev/zero
mkfifo vm/fifo.raw
desc vm/fifo.vmdk fifo.raw
ln -s "$W/host-secret" vm/link.raw
desc vm/link.vmdk link.raw

cd vm
root=$(pwd -P)
refused abs.vmdk "'abs.vmdk': reference '$W/outside/base.vmdk' leads outside '$root'"
refused rel.vmdk "'rel.vmdk': reference '../outside/base.vmdk' leads outside '$root'"
refused host.qcow2 "'host.qcow2': reference '/etc/hostname' leads outside '$root'"
refused child.vhd "'child.vhd': reference '../outside/parent.vhd' leads outside '$root'"
refused host-extent.vmdk "'host-extent.vmdk': reference '$W/host-secret' leads outside"
refused link.vmdk "'link.vmdk': reference 'link.raw' leads outside '$root' through a symbolic link"
# Devices and FIFOs never, whatever the options.
refused dev-extent.vmdk "'dev-extent.vmdk': reference '/dev/zero' leads outside"
expect_exit 3 "$V2KVM" disk info --allow-external-refs dev-extent.vmdk
expect_error_match "reference '/dev/zero' is a character device, not an image file"
expect_exit 3 "$V2KVM" disk info --allow-external-refs fifo.vmdk
expect_error_match "reference 'fifo.raw' is a FIFO, not an image file"

# The same chains with --allow-external-refs: followed, and listed.
for img in abs.vmdk rel.vmdk child.vhd; do
  "$V2KVM" disk info --allow-external-refs "$img" > info 2>err ||
    fail "$img with --allow-external-refs: $(cat err)"
  grep -q "outside/" info || fail "$img: disk info does not list the parent: $(cat info)"
  "$V2KVM" disk info --json --allow-external-refs "$img" > info.json ||
    fail "$img --json"
  python3 - "$img" info.json <<'PY' || fail "$img: JSON chain"
import json, sys
j = json.load(open(sys.argv[2]))
files = [f for link in j['chain'] for f in link['files']]
assert any('outside/' in f for f in files), files
assert len(j['chain']) == 2, j['chain']
PY
  "$V2KVM" disk convert --allow-external-refs "$img" ../out-$img.qcow2 >/dev/null 2>err ||
    fail "$img: disk convert --allow-external-refs: $(cat err)"
  echo "ok allowed $img"
done
# The copy is the merged chain, as qemu-img reads it.
"$QEMU_IMG" compare -q abs.vmdk ../out-abs.vmdk.qcow2 || fail "abs.vmdk: copy differs from qemu-img's view"
"$QEMU_IMG" compare -q rel.vmdk ../out-rel.vmdk.qcow2 || fail "rel.vmdk: copy differs from qemu-img's view"
"$V2KVM" convert -i disk --allow-external-refs --no-fixup -o local -os .. -of raw abs.vmdk \
  > /dev/null 2>err || fail "convert --allow-external-refs: $(cat err)"
expect_exit 3 "$V2KVM" convert -i disk --no-fixup -o local -os .. -of raw -on refused abs.vmdk
expect_error_match "reference '$W/outside/base.vmdk' leads outside"
[ -z "$(ls .. | grep '^refused')" ] || fail "a refused convert left files"
# A .vmx names its disks: they are references too.  source show lists
# every file a conversion would read, refused ones with the reason.
sed 's|@DISK@|abs.vmdk|' "$srcdir/guests/vmware.vmx.in" > guest.vmx
"$V2KVM" source show -i vmx guest.vmx > show || fail "source show: $(cat show)"
sed -n '/^files read:$/,$p' show > files
grep -qx "  guest.vmx" files || fail "source show does not list the .vmx: $(cat files)"
grep -q "^  $root/abs.vmdk (not readable: .*reference '$W/outside/base.vmdk' leads outside" files ||
  fail "source show does not list the refused parent: $(cat files)"
"$V2KVM" source show -i vmx --allow-external-refs --json guest.vmx > show.json ||
  fail "source show --json --allow-external-refs"
python3 - show.json "$root/abs.vmdk" "$W/outside/base.vmdk" <<'PY' || fail "source show --json files: $(cat show.json)"
import json, sys
j = json.load(open(sys.argv[1]))
paths = [f['path'] for f in j['files']]
assert paths == ['guest.vmx', sys.argv[2], sys.argv[3]], paths
assert all(f['error'] is None for f in j['files']), j['files']
PY
sed 's|@DISK@|../outside/base.vmdk|' "$srcdir/guests/vmware.vmx.in" > out.vmx
expect_exit 3 "$V2KVM" convert -i vmx --no-fixup -o local -os .. -on refused out.vmx
expect_error_match "'out.vmx': reference '.*/outside/base.vmdk' leads outside '$root'"
"$V2KVM" source show -i vmx out.vmx | grep -q "^  .*/outside/base.vmdk (not readable: " ||
  fail "source show does not list the .vmx's refused disk"
[ -z "$(ls .. | grep '^refused')" ] || fail "a refused convert left files"
echo "ok .vmx references"

# Inside the directory, absolute or relative, nothing needs allowing.
cd "$W"
"$QEMU_IMG" create -q -f qcow2 -b "$W/outside/base.vmdk" -F vmdk outside/top.qcow2
"$V2KVM" disk info outside/top.qcow2 > info || fail "an absolute name inside the directory: $(cat info)"
echo ok
