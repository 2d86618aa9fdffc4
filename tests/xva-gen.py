#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Build a test XVA: the real XenServer ova.xml (corpus xva-tools) with its
# VDI Ref:1736 resized to the first raw disk, and a copy of that VDI
# object for each further disk; then, per disk, 1 MiB blocks
# "Ref:N/NNNNNNNN" + ".checksum" (SHA-1 hex), all-zero blocks omitted
# except the first and the last (as xapi's stream_vdi does), the last
# block short when the size is not a MiB multiple.
#
#   xva-gen.py OVA_XML OUT.xva REF=RAW [REF=RAW...] [options]
#     --flip REF:N        flip a byte of block N after its checksum
#     --no-checksum       write no .checksum members
#     --dummy REF:N       add a zero-length block N (must be absent)
#     --xxhash            .xxhash companions (XXH64 by `xxhsum -H1`, the
#                         oracle) instead of .checksum
#     --pax               pax format (default ustar)
import copy, hashlib, io, subprocess, sys, tarfile
import xml.etree.ElementTree as ET

BS = 1 << 20
args = sys.argv[1:]
ova_xml, out = args[0], args[1]
disks, flips, dummies, opts = [], set(), set(), set()
i = 2
while i < len(args):
    a = args[i]
    if a in ('--flip', '--dummy'):
        (flips if a == '--flip' else dummies).add(args[i + 1]); i += 2
        continue
    if a.startswith('--'):
        opts.add(a); i += 1
        continue
    ref, raw = a.split('=', 1)
    disks.append((ref, raw)); i += 1

tree = ET.parse(ova_xml)
def members(struct):
    return {m.find('name').text: m.find('value') for m in struct.findall('member')}
data = None
for s in tree.iter('struct'):
    m = members(s)
    if 'class' in m and m['class'].text == 'VDI':
        vdi, data = s, None
        break
parent = next(p for p in tree.iter('data') if vdi in [v.find('struct') for v in p.findall('value')])
template = copy.deepcopy(vdi)
parent.remove(next(v for v in parent.findall('value') if v.find('struct') is vdi))
import os
for ref, raw in disks:
    s = copy.deepcopy(template)
    m = members(s)
    m['id'].text = ref
    snap = members(m['snapshot'].find('struct'))
    snap['virtual_size'].text = str(os.path.getsize(raw))
    v = ET.SubElement(parent, 'value'); v.append(s)
xml = ET.tostring(tree.getroot())

fmt = tarfile.PAX_FORMAT if '--pax' in opts else tarfile.USTAR_FORMAT
with tarfile.open(out, 'w', format=fmt) as t:
    def add(name, payload):
        ti = tarfile.TarInfo(name); ti.size = len(payload)
        t.addfile(ti, io.BytesIO(payload))
    add('ova.xml', xml)
    for ref, raw in disks:
        f = open(raw, 'rb')
        n = (os.path.getsize(raw) + BS - 1) // BS
        for k in range(n):
            f.seek(k * BS)
            blk = f.read(BS)
            name = '%s/%08d' % (ref, k)
            if '%s:%d' % (ref, k) in dummies:
                add(name, b'')
                if '--no-checksum' not in opts:
                    add(name + '.checksum', hashlib.sha1(b'').hexdigest().encode())
                continue
            if k not in (0, n - 1) and blk.count(0) == len(blk):
                continue
            if '--xxhash' in opts:
                h = subprocess.run(['xxhsum', '-H1'], input=blk, check=True,
                                   capture_output=True).stdout.split()[0].decode()
            else:
                h = hashlib.sha1(blk).hexdigest()
            if '%s:%d' % (ref, k) in flips:
                blk = bytearray(blk); blk[len(blk) // 2] ^= 1; blk = bytes(blk)
            add(name, blk)
            if '--xxhash' in opts:
                add(name + '.xxhash', h.upper().encode())
            elif '--no-checksum' not in opts:
                add(name + '.checksum', h.encode())
