#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile tars (built with python3 tarfile): '..' and absolute member
# names, symlink and hardlink members, duplicate names, a truncated
# archive, a corrupt header checksum, a member larger than the file.
# Each is refused with exit 3 and a message naming the archive, by disk
# info and by disk convert (which leaves no output); nothing is ever
# written outside (we never extract at all).
. "$srcdir/functions.sh"
requires python3 "$QEMU_IMG"

cd "$TMP"
"$QEMU_IMG" create -q -f raw d.raw 1M
"$QEMU_IMG" convert -O vmdk -o subformat=streamOptimized d.raw disk1.vmdk
cat > a.ovf <<'OVF'
<?xml version="1.0"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1">
  <References><File ovf:id="f1" ovf:href="disk1.vmdk"/></References>
  <DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1048576"/></DiskSection>
</Envelope>
OVF

python3 - <<'PY'
import io, tarfile
def build(out, members):
    with tarfile.open(out, 'w', format=tarfile.USTAR_FORMAT) as t:
        for name, kind, data in members:
            ti = tarfile.TarInfo(name)
            if kind == 'file':
                ti.size = len(data)
                t.addfile(ti, io.BytesIO(data))
            else:
                ti.type = tarfile.SYMTYPE if kind == 'sym' else tarfile.LNKTYPE
                ti.linkname = data
                t.addfile(ti)
ovf = open('a.ovf', 'rb').read()
vmdk = open('disk1.vmdk', 'rb').read()
build('dotdot.ova', [('a.ovf', 'file', ovf), ('../../etc/disk1.vmdk', 'file', vmdk)])
build('abs.ova', [('a.ovf', 'file', ovf), ('/etc/disk1.vmdk', 'file', vmdk)])
build('sym.ova', [('a.ovf', 'file', ovf), ('disk1.vmdk', 'sym', '/etc/passwd')])
build('hard.ova', [('a.ovf', 'file', ovf), ('disk1.vmdk', 'hard', 'a.ovf')])
build('dup.ova', [('a.ovf', 'file', ovf), ('disk1.vmdk', 'file', vmdk), ('./disk1.vmdk', 'file', vmdk)])
build('good.ova', [('a.ovf', 'file', ovf), ('disk1.vmdk', 'file', vmdk)])
d = bytearray(open('good.ova', 'rb').read())
open('truncated.ova', 'wb').write(d[:1024 + len(ovf) // 512 * 512 + 1024])
d2 = bytearray(d); d2[512 + 512 * ((len(ovf) + 511) // 512) + 3] ^= 0x20
open('badsum.ova', 'wb').write(d2)
PY

mkdir out
"$V2KVM" disk info good.ova > info || fail "good.ova: $(cat info)"
grep -qx 'format: ova' info || fail "good.ova: $(cat info)"

for case in dotdot:"has a '..' component" abs:"has an absolute name" \
            sym:"is a link, not a regular file" hard:"is a link, not a regular file" \
            dup:"appears more than once" truncated:"archive is truncated" \
            badsum:"bad tar header checksum"; do
  f=${case%%:*}.ova msg=${case#*:}
  expect_exit 3 "$V2KVM" disk info "$f"
  expect_error_match "'$f'"
  expect_error_match "$msg"
  expect_exit 3 "$V2KVM" disk convert "$f" "out/$f.qcow2"
  expect_error_match "$msg"
  [ -z "$(ls -A out)" ] || fail "$f: output left: $(ls -A out)"
done
[ ! -e etc ] && [ ! -e /etc/disk1.vmdk ] || fail "something was extracted"
exit 0
