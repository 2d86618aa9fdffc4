#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Every XML reader (OVF in an OVA or beside its disks, libvirt XML,
# XenServer ova.xml) refuses a document with a <!DOCTYPE>, whatever its
# encoding: the parser stops at the declaration after decoding it
# (formats/cfg-xml.c), so a UTF-16 document cannot hide its entities
# from a byte search, and an entity bomb is refused before any
# expansion.  Each refusal: exit 3, one line, nothing written.
. "$srcdir/functions.sh"
requires python3
cd "$TMP"

python3 - <<'PY'
import io, tarfile
ns = 'xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"'
ovf = ('<?xml version="1.0" encoding="UTF-16"?>\n'
       '<!DOCTYPE Envelope [<!ENTITY disk "disk1.vmdk">]>\n'
       '<Envelope %s><References><File ovf:id="f1" ovf:href="&disk;"/></References>'
       '<DiskSection><Disk ovf:diskId="d1" ovf:fileRef="f1" ovf:capacity="1048576"/>'
       '</DiskSection><VirtualSystem ovf:id="vm"><Name>&disk;</Name></VirtualSystem>'
       '</Envelope>\n' % ns).encode('utf-16')
open('utf16.ovf', 'wb').write(ovf)
def tar(out, members):
    with tarfile.open(out, 'w', format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name); ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
tar('utf16.ova', [('vm.ovf', ovf), ('disk1.vmdk', b'\0' * 512)])
lv = ('<?xml version="1.0" encoding="UTF-16"?>\n'
      '<!DOCTYPE domain [<!ENTITY src "/etc/shadow">]>\n'
      "<domain type='xen'><name>x</name><memory>1024</memory><vcpu>1</vcpu>"
      "<os><type>hvm</type></os><devices><disk type='file' device='disk'>"
      "<source file='&src;'/><target dev='xvda'/></disk></devices></domain>\n")
open('utf16.xml', 'wb').write(lv.encode('utf-16'))
# Billion laughs: 10^9 copies of "lol" if anything expanded it.
bomb = '<?xml version="1.0"?>\n<!DOCTYPE value [\n <!ENTITY l0 "lol">\n'
for i in range(1, 10):
    bomb += ' <!ENTITY l%d "%s">\n' % (i, ('&l%d;' % (i - 1)) * 10)
bomb += ']>\n<value><struct><member><name>&l9;</name></member></struct></value>\n'
tar('bomb.xva', [('ova.xml', bomb.encode()),
                 ('Ref:1/00000000', b'\0' * 1048576)])
PY

# expect_refused CMD...: exit 3, one line naming the <!DOCTYPE>.
expect_refused () {
  expect_exit 3 "$@"
  expect_error_match "<!DOCTYPE> is not allowed"
}

expect_refused "$V2KVM" source show -i ova utf16.ova
expect_refused "$V2KVM" source show -i ovf utf16.ovf
expect_refused "$V2KVM" disk info utf16.ova
expect_refused "$V2KVM" disk convert utf16.ova out.qcow2
[ ! -e out.qcow2 ] || fail "a refused disk convert left out.qcow2"
expect_refused "$V2KVM" source show -i libvirtxml utf16.xml
expect_refused "$V2KVM" source xml -i libvirtxml utf16.xml
expect_refused "$V2KVM" convert -i libvirtxml --no-fixup -o local -os . utf16.xml
[ -z "$(ls | grep -v '^utf16\|^bomb\|^expect')" ] || fail "a refused convert wrote: $(ls)"

# The bomb: refused by every reader of an XVA, within a 1 GiB address
# space limit that expanding it would exceed many times over.  An ASan
# build reserves terabytes of shadow address space at start, so there the
# limit is ASan's own allocation cap instead.
limit="ulimit -v 1048576"
if [ -n "${SANITIZER_RUN:-}" ]; then
  limit=:
  export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=1024:allocator_may_return_null=0"
fi
for cmd in "source show -i xva" "disk info" "verify"; do
  ($limit; expect_refused "$V2KVM" $cmd bomb.xva) || exit 1
  echo "ok bomb: $cmd"
done
echo ok
