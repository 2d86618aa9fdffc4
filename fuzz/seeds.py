#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Write the seed corpora of the fuzz harnesses (fuzz/harnesses): small,
# valid files of each kind, one directory per harness under OUT.
#
#   fuzz/seeds.py OUT
#
# Disk images come from qemu-img (every VMDK subformat it writes, VHD,
# VHDX, qcow2) and from the test generators (tests/vmdk-cowd-gen.py for
# COWD) or are built here (SEsparse, stream VMDK with a footer); configs
# are tests/data/cfg; archives are built with Python's tarfile/gzip.
# Multi-file inputs join their files with "\n@@FILE NAME\n" (fuzz/fuzz.h).
import gzip, hashlib, io, os, shutil, struct, subprocess, sys, tarfile, tempfile

top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
tmp = tempfile.mkdtemp(prefix='v2kvm-seeds.')
QEMU_IMG = os.environ.get('QEMU_IMG', 'qemu-img')
SEP = b'\n@@FILE '
MiB = 1 << 20


def put(harness, name, data):
    d = os.path.join(out, harness)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(data)


def join(main, siblings):
    b = main
    for name, data in siblings:
        b += SEP + name.encode() + b'\n' + data
    return b


def rd(p):
    with open(p, 'rb') as f:
        return f.read()


def raw_source(size=256 * 1024):
    """A raw disk with data in a few places and holes between."""
    b = bytearray(size)
    for off in (0, 65536 + 512, size // 2, size - 4096):
        b[off:off + 3000] = bytes((i * 7 + off) & 0xff for i in range(3000))
    p = os.path.join(tmp, 'src.raw')
    with open(p, 'wb') as f:
        f.write(b)
    return p


def qemu_img(*args):
    subprocess.run([QEMU_IMG] + list(args), check=True,
                   stdout=subprocess.DEVNULL)


def disk_seeds(src):
    seeds = {}
    for sub in ('monolithicSparse', 'streamOptimized', 'monolithicFlat',
                'twoGbMaxExtentSparse', 'twoGbMaxExtentFlat'):
        d = os.path.join(tmp, sub)
        os.makedirs(d)
        p = os.path.join(d, 'disk.vmdk')
        qemu_img('convert', '-f', 'raw', '-O', 'vmdk', '-o',
                 'subformat=' + sub, src, p)
        others = sorted(f for f in os.listdir(d) if f != 'disk.vmdk')
        seeds['vmdk-' + sub] = ('vmdk', join(rd(p), [(f, rd(os.path.join(d, f)))
                                                    for f in others]))
    # a snapshot chain: sparse child of a sparse parent
    d = os.path.join(tmp, 'chain')
    os.makedirs(d)
    qemu_img('convert', '-f', 'raw', '-O', 'vmdk', src, d + '/base.vmdk')
    qemu_img('create', '-f', 'vmdk', '-b', 'base.vmdk', '-F', 'vmdk',
             d + '/disk.vmdk')
    seeds['vmdk-chain'] = ('vmdk', join(rd(d + '/disk.vmdk'),
                                        [('base.vmdk', rd(d + '/base.vmdk'))]))
    # COWD (ESX vmfsSparse) behind a descriptor
    p = os.path.join(tmp, 'cowd-delta.vmdk')
    subprocess.run([sys.executable, os.path.join(top, 'tests/vmdk-cowd-gen.py'),
                    p, '4096', '8', '1'], check=True)
    desc = (b'# Disk DescriptorFile\nversion=1\nCID=fffffffe\n'
            b'parentCID=ffffffff\ncreateType="vmfsSparse"\n'
            b'RW 4096 VMFSSPARSE "cowd-delta.vmdk"\n')
    seeds['vmdk-cowd'] = ('vmdk', join(desc, [('cowd-delta.vmdk', rd(p))]))
    seeds['vmdk-sesparse'] = ('vmdk', sesparse())
    # VHD dynamic and fixed, VHDX, qcow2 (with a backing file too)
    for fmt, opts, key in (('vpc', 'subformat=dynamic', 'vhd-dynamic'),
                           ('vpc', 'subformat=fixed', 'vhd-fixed'),
                           ('vhdx', 'subformat=dynamic,block_size=1048576',
                            'vhdx-dynamic'),
                           ('qcow2', 'cluster_size=65536', 'qcow2'),
                           ('qcow2', 'cluster_size=4096,compat=0.10',
                            'qcow2-v2')):
        p = os.path.join(tmp, key)
        qemu_img('convert', '-f', 'raw', '-O', fmt, '-o', opts, src, p)
        seeds[key] = (key.split('-')[0], rd(p))
    p = os.path.join(tmp, 'qc')
    os.makedirs(p)
    qemu_img('convert', '-f', 'raw', '-O', 'qcow2', src, p + '/base.qcow2')
    qemu_img('create', '-f', 'qcow2', '-b', 'base.qcow2', '-F', 'qcow2',
             p + '/disk.qcow2')
    seeds['qcow2-backing'] = ('qcow2', join(rd(p + '/disk.qcow2'),
                                            [('base.qcow2',
                                              rd(p + '/base.qcow2'))]))
    p = os.path.join(tmp, 'vc')
    os.makedirs(p)
    gen = os.path.join(top, 'tests/vhd-gen.py')
    subprocess.run([sys.executable, gen, p + '/base.vhd', '--size',
                    str(256 * 1024), '--raw', src, '--ranges', '0:65536',
                    '--block', '65536'], check=True)
    subprocess.run([sys.executable, gen, p + '/disk.vhd', '--size',
                    str(256 * 1024), '--raw', src, '--ranges', '65536:4096',
                    '--block', '65536', '--parent', p + '/base.vhd',
                    '--locator', 'W2ru:.\\base.vhd'], check=True)
    seeds['vhd-diff'] = ('vhd', join(rd(p + '/disk.vhd'),
                                     [('base.vhd', rd(p + '/base.vhd'))]))
    seeds['raw'] = ('raw', rd(src)[:65536])
    return seeds


def sesparse():
    """A 1 MiB SEsparse extent (formats.md 1.6 layout, as
    formats/disk-vmdk-esx.c reads it) with two data grains, behind a
    descriptor."""
    cap = 2048                          # sectors
    hdr = struct.pack('<12Q', 0x200000001, cap, 8, 64, 0, 1, 2, 1, 3, 64,
                      67, 64)
    hdr = struct.pack('<Q', 0xcafebabe) + hdr
    vol = struct.pack('<QQ', 0xcafecafe, 0)
    gd = struct.pack('<Q', 0x1000000000000000)
    gt = [0] * 4096
    gt[0] = 0x3000000000000000                  # cluster 0
    gt[5] = 0x3000000000000000 | (1 << 48)      # cluster 1
    gt[7] = 0x2000000000000000                  # zeroed
    f = bytearray(67 * 512 + 2 * 4096)
    f[0:len(hdr)] = hdr
    f[512:512 + len(vol)] = vol
    f[1024:1032] = gd
    f[1536:1536 + 4096 * 8] = struct.pack('<4096Q', *gt)
    f[67 * 512:67 * 512 + 8192] = bytes(i & 0xff for i in range(8192))
    desc = (b'# Disk DescriptorFile\nversion=1\nCID=fffffffe\n'
            b'parentCID=ffffffff\ncreateType="seSparse"\n'
            b'RW 2048 SESPARSE "se-sesparse.vmdk"\n')
    return join(desc, [('se-sesparse.vmdk', bytes(f))])


def ovf(disk_name, capacity, gzip_=False):
    comp = ' ovf:compression="gzip"' if gzip_ else ''
    return ('''<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1"
 xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1"
 xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData"
 xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData">
 <References><File ovf:href="%s" ovf:id="file1"%s/></References>
 <DiskSection><Info>disks</Info>
  <Disk ovf:capacity="%d" ovf:capacityAllocationUnits="byte" ovf:diskId="vmdisk1"
   ovf:fileRef="file1" ovf:format="http://www.vmware.com/interfaces/specifications/vmdk.html#streamOptimized"/>
 </DiskSection>
 <NetworkSection><Info>nets</Info><Network ovf:name="VM Network"/></NetworkSection>
 <VirtualSystem ovf:id="fuzz">
  <Info>vm</Info><Name>fuzz</Name>
  <OperatingSystemSection ovf:id="96"><Info>os</Info></OperatingSystemSection>
  <VirtualHardwareSection><Info>hw</Info>
   <System><vssd:VirtualSystemType>vmx-10</vssd:VirtualSystemType></System>
   <Item><rasd:AllocationUnits>hertz * 10^6</rasd:AllocationUnits><rasd:InstanceID>1</rasd:InstanceID><rasd:ResourceType>3</rasd:ResourceType><rasd:VirtualQuantity>2</rasd:VirtualQuantity></Item>
   <Item><rasd:AllocationUnits>byte * 2^20</rasd:AllocationUnits><rasd:InstanceID>2</rasd:InstanceID><rasd:ResourceType>4</rasd:ResourceType><rasd:VirtualQuantity>1024</rasd:VirtualQuantity></Item>
   <Item><rasd:InstanceID>3</rasd:InstanceID><rasd:ResourceSubType>lsilogic</rasd:ResourceSubType><rasd:ResourceType>6</rasd:ResourceType></Item>
   <Item><rasd:AddressOnParent>0</rasd:AddressOnParent><rasd:HostResource>ovf:/disk/vmdisk1</rasd:HostResource><rasd:InstanceID>4</rasd:InstanceID><rasd:Parent>3</rasd:Parent><rasd:ResourceType>17</rasd:ResourceType></Item>
   <Item><rasd:AddressOnParent>7</rasd:AddressOnParent><rasd:AutomaticAllocation>true</rasd:AutomaticAllocation><rasd:Connection>VM Network</rasd:Connection><rasd:InstanceID>5</rasd:InstanceID><rasd:ResourceSubType>VmxNet3</rasd:ResourceSubType><rasd:ResourceType>10</rasd:ResourceType></Item>
  </VirtualHardwareSection>
 </VirtualSystem>
</Envelope>
''' % (disk_name, comp, capacity)).encode()


def tar_of(members, fmt=tarfile.USTAR_FORMAT):
    bio = io.BytesIO()
    with tarfile.open(fileobj=bio, mode='w', format=fmt) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            t.addfile(ti, io.BytesIO(data))
    return bio.getvalue()


def archive_seeds(seeds):
    stream = seeds['vmdk-streamOptimized'][1]
    cap = 256 * 1024
    o = ovf('disk1.vmdk', cap)
    mf = ('SHA256(guest.ovf)= %s\nSHA256(disk1.vmdk)= %s\n' % (
        hashlib.sha256(o).hexdigest(), hashlib.sha256(stream).hexdigest())).encode()
    put('ova', 'ova-stream', tar_of([('guest.ovf', o), ('guest.mf', mf),
                                     ('disk1.vmdk', stream)]))
    put('ova', 'ova-pax', tar_of([('guest.ovf', o), ('disk1.vmdk', stream)],
                                 tarfile.PAX_FORMAT))
    gz = gzip.compress(stream, 6)
    og = ovf('disk1.vmdk.gz', cap, True)
    put('ova', 'ova-gzip', tar_of([('guest.ovf', og), ('disk1.vmdk.gz', gz)]))
    put('ova', 'ovf-dir', join(o, [('disk1.vmdk', stream)]))
    put('cfg-ovf', 'guest.ovf', o)
    # gunzip: first byte = declared capacity / 64 KiB
    put('gunzip', 'stream.gz', bytes([4]) + gz)
    put('gunzip', 'two-members.gz', bytes([1]) + gzip.compress(b'abc' * 100) +
        gzip.compress(bytes(4096)))
    put('tar', 'ustar', tar_of([('a.ovf', o), ('dir/b.bin', bytes(1000))]))
    put('tar', 'pax', tar_of([('x' * 150 + '/long.vmdk', b'data')],
                             tarfile.PAX_FORMAT))
    put('tar', 'gnu', tar_of([('y' * 120, b'data')], tarfile.GNU_FORMAT))
    put('manifest', 'sha256', join(mf, [('guest.ovf', o),
                                        ('disk1.vmdk', stream)]))
    put('manifest', 'sha1', join(('SHA1(guest.ovf)= %s\n' %
                                  hashlib.sha1(o).hexdigest()).encode(),
                                 [('guest.ovf', o)]))
    put('xva', 'xva', xva())
    put('xva', 'xva.gz', gzip.compress(xva()))
    try:
        z = subprocess.run(['zstd', '-q', '-c'], input=xva(), check=True,
                           stdout=subprocess.PIPE).stdout
        put('xva', 'xva.zst', z)
    except (OSError, subprocess.CalledProcessError):
        pass


OVA_XML = b'''<?xml version="1.0" ?><value><struct>
<member><name>version</name><value><struct><member><name>hostname</name><value>h</value></member></struct></value></member>
<member><name>objects</name><value><array><data>
<value><struct><member><name>class</name><value>VM</value></member><member><name>id</name><value>Ref:1</value></member>
<member><name>snapshot</name><value><struct>
<member><name>name_label</name><value>fuzz</value></member>
<member><name>memory_static_max</name><value>1073741824</value></member>
<member><name>VCPUs_max</name><value>2</value></member>
<member><name>HVM_boot_policy</name><value>BIOS order</value></member>
<member><name>VBDs</name><value><array><data><value>Ref:3</value></data></array></value></member>
<member><name>VIFs</name><value><array><data></data></array></value></member>
</struct></value></member></struct></value>
<value><struct><member><name>class</name><value>VBD</value></member><member><name>id</name><value>Ref:3</value></member>
<member><name>snapshot</name><value><struct><member><name>VDI</name><value>Ref:5</value></member><member><name>userdevice</name><value>0</value></member><member><name>type</name><value>Disk</value></member><member><name>VM</name><value>Ref:1</value></member></struct></value></member></struct></value>
<value><struct><member><name>class</name><value>VDI</value></member><member><name>id</name><value>Ref:5</value></member>
<member><name>snapshot</name><value><struct><member><name>virtual_size</name><value>8192</value></member><member><name>VBDs</name><value><array><data><value>Ref:3</value></data></array></value></member></struct></value></member></struct></value>
</data></array></value></member></struct></value>
'''


def xva():
    blk0 = bytes(range(256)) * 32               # the whole 8 KiB disk
    return tar_of([('ova.xml', OVA_XML),
                   ('Ref:5/00000000', blk0),
                   ('Ref:5/00000000.checksum',
                    hashlib.sha1(blk0).hexdigest().encode())])


def initramfs_seeds():
    d = os.path.join(tmp, 'ird')
    for p in ('etc/modprobe.d', 'usr/lib/modules/6.1.0', 'bin'):
        os.makedirs(os.path.join(d, p))
    with open(os.path.join(d, 'etc/modules'), 'w') as f:
        f.write('virtio_blk\n')
    with open(os.path.join(d, 'usr/lib/modules/6.1.0/modules.dep'), 'w') as f:
        f.write('kernel/drivers/block/virtio_blk.ko:\n')
    os.symlink('usr/lib', os.path.join(d, 'lib'))
    names = subprocess.run(['find', '.'], cwd=d, check=True,
                           stdout=subprocess.PIPE).stdout
    cpio = subprocess.run(['cpio', '--quiet', '-o', '-H', 'newc'], cwd=d,
                          input=names, check=True,
                          stdout=subprocess.PIPE).stdout
    put('initramfs', 'plain', cpio)
    put('initramfs', 'gzip', gzip.compress(cpio))
    put('initramfs', 'early+gzip', cpio + gzip.compress(cpio))
    try:
        z = subprocess.run(['zstd', '-q', '-c'], input=cpio, check=True,
                           stdout=subprocess.PIPE).stdout
        put('initramfs', 'zstd', z)
        put('initramfs', 'early+zstd', cpio + z)
    except (OSError, subprocess.CalledProcessError):
        pass


# ---- remote protocol replies (remote-soap, remote-http) ----
# Shaped as the vSphere Web Services API reference describes the replies
# v2kvm asks for (ServiceContent, RetrievePropertiesEx with
# ObjectContent/propSet, soapenv:Fault with a typed detail).
ENV = ('<?xml version="1.0" encoding="UTF-8"?>\n'
       '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
       'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
       'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
       '<soapenv:Body>%s</soapenv:Body></soapenv:Envelope>')


def soap(method, inner):
    return (ENV % ('<%sResponse xmlns="urn:vim25">%s</%sResponse>'
                   % (method, inner, method))).encode()


SERVICE_CONTENT = soap('RetrieveServiceContent', (
    '<returnval><rootFolder type="Folder">ha-folder-root</rootFolder>'
    '<propertyCollector type="PropertyCollector">ha-property-collector'
    '</propertyCollector><viewManager type="ViewManager">ViewManager'
    '</viewManager><about><name>VMware ESXi</name><apiType>HostAgent'
    '</apiType><apiVersion>6.5</apiVersion></about>'
    '<sessionManager type="SessionManager">ha-sessionmgr</sessionManager>'
    '</returnval>'))


def prop(name, val, xtype='xsd:string'):
    return ('<propSet><name>%s</name><val xsi:type="%s">%s</val></propSet>'
            % (name, xtype, val))


def vm_object(name, moid, power, disks, nics):
    devs = ''
    for i, (ds, path, cap) in enumerate(disks):
        devs += ('<VirtualDevice xsi:type="VirtualDisk"><key>%d</key>'
                 '<backing xsi:type="VirtualDiskFlatVer2BackingInfo">'
                 '<fileName>[%s] %s</fileName><diskMode>persistent</diskMode>'
                 '<thinProvisioned>true</thinProvisioned></backing>'
                 '<capacityInKB>%d</capacityInKB><capacityInBytes>%d'
                 '</capacityInBytes></VirtualDevice>'
                 % (2000 + i, ds, path, cap // 1024, cap))
    for i, (model, mac, net) in enumerate(nics):
        devs += ('<VirtualDevice xsi:type="%s"><key>%d</key><deviceInfo>'
                 '<label>Network adapter %d</label><summary>%s</summary>'
                 '</deviceInfo><backing xsi:type="VirtualEthernetCard'
                 'NetworkBackingInfo"><deviceName>%s</deviceName></backing>'
                 '<addressType>generated</addressType><macAddress>%s'
                 '</macAddress></VirtualDevice>'
                 % (model, 4000 + i, i + 1, net, net, mac))
    return ('<objects><obj type="VirtualMachine">%s</obj>' % moid +
            prop('name', name) +
            prop('runtime.powerState', power, 'VirtualMachinePowerState') +
            prop('config.files.vmPathName', '[%s] %s/%s.vmx'
                 % (disks[0][0] if disks else 'datastore1', name, name)) +
            prop('config.guestId', 'otherGuest64') +
            prop('config.guestFullName', 'Other (64-bit)') +
            prop('config.firmware', 'bios') +
            prop('config.hardware.device', devs, 'ArrayOfVirtualDevice') +
            prop('summary.storage.committed', '123456789', 'xsd:long') +
            prop('layoutEx.file', ''.join(
                '<VirtualMachineFileLayoutExFileInfo><key>%d</key><name>[%s] '
                '%s</name><type>diskDescriptor</type><size>%d</size>'
                '</VirtualMachineFileLayoutExFileInfo>' % (i, ds, path, 500 + i)
                for i, (ds, path, cap) in enumerate(disks)),
                'ArrayOfVirtualMachineFileLayoutExFileInfo') +
            prop('layoutEx.disk', ''.join(
                '<VirtualMachineFileLayoutExDiskLayout><key>%d</key><chain>'
                '<fileKey>%d</fileKey></chain></VirtualMachineFileLayoutExDiskLayout>'
                % (2000 + i, i) for i in range(len(disks))),
                'ArrayOfVirtualMachineFileLayoutExDiskLayout') +
            '</objects>')


def remote_seeds():
    dc = ('<returnval><objects><obj type="Datacenter">ha-datacenter</obj>' +
          prop('name', 'ha-datacenter') +
          prop('vmFolder', 'ha-folder-vm', 'ManagedObjectReference') +
          '</objects></returnval>')
    vms = ('<returnval>' +
           vm_object('guest', 'vm-1', 'poweredOff',
                     [('datastore1', 'guest/guest.vmdk', 8 << 30),
                      ('datastore1', 'guest/guest_1.vmdk', 1 << 30)],
                     [('VirtualVmxnet3', '00:50:56:01:02:03', 'VM Network')]) +
           vm_object('on', 'vm-2', 'poweredOn',
                     [('/vmfs/volumes/5f1e2d3c-aabbccdd', 'on/on.vmdk', 1 << 30)],
                     [('VirtualE1000e', '00:50:56:0a:0b:0c', 'DMZ')]) +
           '<token>1</token></returnval>')
    fault = (ENV % ('<soapenv:Fault><faultcode>ServerFaultCode</faultcode>'
                    '<faultstring>Cannot complete login due to an incorrect '
                    'user name or password.</faultstring><detail>'
                    '<InvalidLoginFault xmlns="urn:vim25" '
                    'xsi:type="InvalidLogin"></InvalidLoginFault></detail>'
                    '</soapenv:Fault>')).encode()
    put('remote-soap', 'service-content', SERVICE_CONTENT)
    put('remote-soap', 'datacenters', soap('RetrievePropertiesEx', dc))
    put('remote-soap', 'vms', soap('RetrievePropertiesEx', vms))
    put('remote-soap', 'datastores', soap('RetrievePropertiesEx', (
        '<returnval><objects><obj type="Datastore">datastore-1</obj>' +
        prop('name', 'datastore1') +
        prop('summary.url', 'ds:///vmfs/volumes/5f1e2d3c-aabbccdd-1122-001122334455/') +
        '</objects></returnval>')))
    put('remote-soap', 'fault', fault)
    put('remote-soap', 'empty', soap('Logout', ''))

    def resp(status, headers, body=b''):
        h = 'HTTP/1.1 %s\r\n' % status
        for k, v in headers:
            h += '%s: %s\r\n' % (k, v)
        return h.encode() + b'\r\n' + body

    data = bytes(range(256)) * 16
    head = resp('200 OK', [('Content-Length', len(data)),
                           ('Accept-Ranges', 'bytes'),
                           ('Content-Type', 'application/octet-stream')])
    part = resp('206 Partial Content',
                [('Content-Length', len(data)),
                 ('Content-Range', 'bytes 0-%d/%d' % (len(data) - 1, len(data)))],
                data)
    sc = resp('200 OK', [('Content-Type', 'text/xml; charset=utf-8'),
                         ('Content-Length', len(SERVICE_CONTENT)),
                         ('Set-Cookie', 'vmware_soap_session="52a1"; Path=/; '
                          'HttpOnly; Secure')], SERVICE_CONTENT)
    nxt = b'\n@@NEXT\n'
    put('remote-http', 'folder+soap', nxt.join([head, part, part, sc]))
    put('remote-http', 'chunked', nxt.join([
        head, resp('206 Partial Content', [('Transfer-Encoding', 'chunked')],
                   b'%x\r\n' % len(data) + data + b'\r\n0\r\n\r\n'),
        part, resp('500 Internal Server Error',
                   [('Content-Type', 'text/xml'),
                    ('Content-Length', len(fault))], fault)]))
    put('remote-http', 'not-found', resp('404 Not Found',
                                         [('Content-Length', 0)]))
    put('remote-http', 'range-ignored', nxt.join([
        head, resp('200 OK', [('Content-Length', len(data))], data)]))
    put('remote-http', 'short', nxt.join([
        head, resp('206 Partial Content', [('Content-Length', 100)],
                   data[:100])]))


def main():
    src = raw_source()
    seeds = disk_seeds(src)
    for key, (fmt, data) in seeds.items():
        put('disk-probe', key, data)
        put('confine', key, bytes([0]) + data)     # disk.vmdk
        target = {'vmdk': 'disk-vmdk', 'vhd': 'disk-vhd', 'vhdx': 'disk-vhdx',
                  'qcow2': 'disk-qcow2'}.get(fmt)
        if target:
            put(target, key, data)
    archive_seeds(seeds)
    cfg = os.path.join(top, 'tests/data/cfg')
    kinds = {'.vmx': 'cfg-vmx', '.cfg': 'cfg-xl', '.ovf': 'cfg-ovf'}
    for f in sorted(os.listdir(cfg)):
        ext = os.path.splitext(f)[1]
        data = rd(os.path.join(cfg, f))
        if ext in kinds:
            put(kinds[ext], f, data)
        elif ext == '.xml':
            put('cfg-xva' if f.startswith('xva') else 'cfg-libvirt-xml', f, data)
    put('cfg-xva', 'ova.xml', OVA_XML)
    for f in os.listdir(os.path.join(out, 'ova')):
        put('confine', 'ova-' + f, bytes([9]) + rd(os.path.join(out, 'ova', f)))
    for f in os.listdir(os.path.join(out, 'cfg-vmx')):
        put('confine', 'vmx-' + f, bytes([5]) + rd(os.path.join(out, 'cfg-vmx', f)))
    initramfs_seeds()
    remote_seeds()
    shutil.rmtree(tmp)


main()
