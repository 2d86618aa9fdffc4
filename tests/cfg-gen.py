#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm tests: write guest configurations and, beside each, the libvirt
# domain XML of the same guest (NAME.xml), the pairs libvirt's own test
# data has (vmx2xmldata, xlconfigdata), so that the config tests run on
# a plain clone; tests/cfg-compare.py reads the XML with ElementTree.
#
#   cfg-gen.py OUTDIR
#
# Writes gen-*.vmx (VMware, docs/formats.md's .vmx keys), gen-*.cfg (xl
# and xm syntax), gen-*.ovf (DMTF OVF with VMware's extensions), each
# with gen-*.xml, plus the refusals the readers document: an encrypted
# .vmx, a Xen config without 'name' and one with Python code, an OVF
# without a memory Item.  One table of guests below is the only source
# of truth for both sides of each pair.
import os
import sys
import uuid as uuidlib

# disk: (file, bus, unit, device, readonly); nic: (mac, model, network).
VMX_GUESTS = [
    dict(name="gen-vmx-bios", uuid="564d1a2b-3c4d-5e6f-7081-92a3b4c5d6e7",
         mem=2048, vcpus=2, fw="bios", ctrl={"scsi0": "lsilogic"},
         disks=[("gen-vmx-bios.vmdk", "scsi0", 0, "disk", False),
                ("gen-vmx-bios_1.vmdk", "scsi0", 1, "disk", False)],
         nics=[("00:50:56:01:02:03", "e1000", "VM Network")]),
    dict(name="gen-vmx-efi", uuid="4220aabb-ccdd-eeff-0011-223344556677",
         mem=4096, vcpus=4, fw="uefi", ctrl={"scsi0": "pvscsi"},
         disks=[("gen-vmx-efi.vmdk", "scsi0", 0, "disk", False),
                ("gen-vmx-efi_data.vmdk", "sata0", 1, "disk", False),
                ("debian-12.iso", "sata0", 0, "cdrom", True)],
         nics=[("00:50:56:9b:00:01", "vmxnet3", "DMZ"),
               ("00:0c:29:aa:bb:cc", "e1000e", "Backup")]),
    dict(name="gen-vmx-ide", uuid="564d0000-1111-2222-3333-444455556666",
         mem=512, vcpus=1, fw="bios", ctrl={},
         disks=[("gen-vmx-ide.vmdk", "ide0", 0, "disk", False),
                ("tools.iso", "ide1", 0, "cdrom", True)],
         nics=[("00:50:56:3f:00:10", "vmxnet3", "VM Network")]),
]

XEN_GUESTS = [
    dict(name="gen-xl-pv", uuid="6b2c1e5a-0f7d-4c1e-9a51-000000000001",
         mem=1024, maxmem=2048, vcpus=2, maxvcpus=4, fw=None,
         disks=[("/srv/xen/gen-xl-pv/root.img", "xvda", "disk", False),
                ("/dev/vg0/gen-xl-pv-data", "xvdb", "disk", False)],
         nics=[("00:16:3e:10:00:01", None, "xenbr0")]),
    dict(name="gen-xl-hvm", uuid="6b2c1e5a-0f7d-4c1e-9a51-000000000002",
         mem=2048, maxmem=2048, vcpus=2, maxvcpus=2, fw="bios",
         disks=[("/var/lib/xen/images/gen-xl-hvm.img", "hda", "disk", False),
                ("/var/lib/xen/iso/install.iso", "hdc", "cdrom", True)],
         nics=[("00:16:3e:10:00:02", "e1000", "xenbr0"),
               ("00:16:3e:10:00:03", "rtl8139", "xenbr1")]),
    dict(name="gen-xl-ovmf", uuid="6b2c1e5a-0f7d-4c1e-9a51-000000000003",
         mem=4096, maxmem=4096, vcpus=4, maxvcpus=4, fw="uefi",
         disks=[("/dev/vg0/gen-xl-ovmf", "xvda", "disk", False)],
         nics=[("00:16:3e:10:00:04", "e1000", "xenbr0")]),
]

OVF_GUESTS = [
    dict(name="gen-ovf-bios", mem=1024, vcpus=1, fw="bios",
         disks=[("gen-ovf-bios-disk1.vmdk", 8)],
         nics=[("VmxNet3", "VM Network")], cdrom=False),
    dict(name="gen-ovf-efi", mem=8192, vcpus=4, fw="uefi",
         disks=[("gen-ovf-efi-disk1.vmdk", 16), ("gen-ovf-efi-disk2.vmdk", 4)],
         nics=[("E1000", "VM Network"), ("VmxNet3", "Storage")], cdrom=True),
]
OVF_NIC_MODEL = {"VmxNet3": "vmxnet3", "E1000": "e1000"}


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def domain_xml(kind, g, os_xml, devices):
    mem_kib = g.get("maxmem", g["mem"]) * 1024
    vcpu = ("<vcpu current='%d'>%d</vcpu>" % (g["vcpus"], g["maxvcpus"])
            if "maxvcpus" in g else "<vcpu>%d</vcpu>" % g["vcpus"])
    uuid = "  <uuid>%s</uuid>\n" % g["uuid"] if g.get("uuid") else ""
    return ("<domain type='%s'>\n  <name>%s</name>\n%s"
            "  <memory unit='KiB'>%d</memory>\n"
            "  <currentMemory unit='KiB'>%d</currentMemory>\n  %s\n%s"
            "  <devices>\n%s  </devices>\n</domain>\n"
            % (kind, g["name"], uuid, mem_kib, g["mem"] * 1024, vcpu,
               os_xml, "".join(devices)))


def nic_xml(mac, model, net):
    return ("    <interface type='bridge'>\n%s      <source bridge='%s'/>\n%s"
            "    </interface>\n"
            % ("      <mac address='%s'/>\n" % mac if mac else "", net,
               "      <model type='%s'/>\n" % model if model else ""))


def vmx(out, g):
    u = uuidlib.UUID(g["uuid"]).hex
    pairs = " ".join(u[i:i + 2] for i in range(0, 32, 2))
    lines = ['.encoding = "UTF-8"', 'config.version = "8"',
             'virtualHW.version = "19"', 'displayName = "%s"' % g["name"],
             'guestOS = "other5xlinux-64"', 'memSize = "%d"' % g["mem"],
             'numvcpus = "%d"' % g["vcpus"],
             'uuid.bios = "%s-%s"' % (pairs[:23], pairs[24:])]
    if g["fw"] == "uefi":
        lines.append('firmware = "efi"')
    devs = []
    for c, dev in g["ctrl"].items():
        lines += ['%s.present = "TRUE"' % c, '%s.virtualDev = "%s"' % (c, dev)]
    for c in sorted({d[1] for d in g["disks"]} - set(g["ctrl"])):
        lines.append('%s.present = "TRUE"' % c)
    for f, c, unit, device, ro in g["disks"]:
        k = "%s:%d" % (c, unit)
        lines += ['%s.present = "TRUE"' % k, '%s.fileName = "%s"' % (k, f)]
        bus = c.rstrip("0123456789")
        if device == "cdrom":
            lines.append('%s.deviceType = "cdrom-image"' % k)
        elif bus == "ide":
            # VMware's spelling for an IDE disk (virt-v2v needs it)
            lines.append('%s.deviceType = "ata-hardDisk"' % k)
        devs.append("    <disk type='file' device='%s'>\n"
                    "      <source file='[datastore1] %s/%s'/>\n"
                    "      <target dev='%s' bus='%s'/>\n    </disk>\n"
                    % (device, g["name"], f, k.replace(":", "-"), bus))
    for i, (mac, model, net) in enumerate(g["nics"]):
        e = "ethernet%d" % i
        lines += ['%s.present = "TRUE"' % e, '%s.virtualDev = "%s"' % (e, model),
                  '%s.networkName = "%s"' % (e, net)]
        if mac.startswith("00:50:56:0") or mac.startswith("00:50:56:3"):
            lines += ['%s.addressType = "static"' % e,
                      '%s.address = "%s"' % (e, mac.upper())]
        else:
            lines += ['%s.addressType = "generated"' % e,
                      '%s.generatedAddress = "%s"' % (e, mac)]
        devs.append(nic_xml(mac, model, net))
    write(os.path.join(out, g["name"] + ".vmx"), "\n".join(lines) + "\n")
    os_xml = ("  <os%s>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
              % (" firmware='efi'" if g["fw"] == "uefi" else ""))
    write(os.path.join(out, g["name"] + ".xml"),
          domain_xml("vmware", g, os_xml, devs))


def xen(out, g, xm):
    hvm = g["fw"] is not None
    lines = ['name = "%s"' % g["name"], 'uuid = "%s"' % g["uuid"],
             "memory = %d" % g["mem"], "maxmem = %d" % g["maxmem"],
             "vcpus = %d" % g["vcpus"], "maxvcpus = %d" % g["maxvcpus"]]
    if xm:
        lines.append('builder = "%s"' % ("hvm" if hvm else "linux"))
    else:
        lines.append('type = "%s"' % ("hvm" if hvm else "pv"))
    if g["fw"] == "uefi":
        lines.append('bios = "ovmf"')
    if not hvm:
        lines.append('bootloader = "pygrub"')
    specs, devs = [], []
    for path, vdev, device, ro in g["disks"]:
        block = path.startswith("/dev/")
        spec = "%s:%s,%s%s,%s" % ("phy" if block else "file", path, vdev,
                                  ":cdrom" if device == "cdrom" else "",
                                  "r" if ro else "w")
        specs.append("'%s'" % spec)
        devs.append("    <disk type='%s' device='%s'>\n"
                    "      <source %s='%s'/>\n"
                    "      <target dev='%s' bus='%s'/>\n%s    </disk>\n"
                    % ("block" if block else "file", device,
                       "dev" if block else "file", path, vdev,
                       "xen" if vdev.startswith("xvd") else "ide",
                       "      <readonly/>\n" if ro else ""))
    lines.append("disk = [ %s ]" % ", ".join(specs))
    vifs = []
    for mac, model, net in g["nics"]:
        vifs.append("'mac=%s,bridge=%s%s'" % (mac, net,
                                            ",model=" + model if model else ""))
        devs.append(nic_xml(mac, model, net))
    lines.append("vif = [ %s ]" % ", ".join(vifs))
    if hvm:
        os_xml = ("  <os%s>\n    <type arch='x86_64' machine='xenfv'>hvm</type>\n"
                  "  </os>\n" % (" firmware='efi'" if g["fw"] == "uefi" else ""))
    else:
        os_xml = ("  <bootloader>pygrub</bootloader>\n"
                  "  <os>\n    <type arch='x86_64' machine='xenpv'>linux</type>\n"
                  "  </os>\n")
    write(os.path.join(out, g["name"] + ".cfg"), "\n".join(lines) + "\n")
    write(os.path.join(out, g["name"] + ".xml"),
          domain_xml("xen", g, os_xml, devs))


OVF_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<Envelope xmlns="http://schemas.dmtf.org/ovf/envelope/1" xmlns:ovf="http://schemas.dmtf.org/ovf/envelope/1" xmlns:rasd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_ResourceAllocationSettingData" xmlns:vmw="http://www.vmware.com/schema/ovf" xmlns:vssd="http://schemas.dmtf.org/wbem/wscim/1/cim-schema/2/CIM_VirtualSystemSettingData">
"""


def item(rtype, iid, extra):
    return ("      <Item>\n        <rasd:InstanceID>%d</rasd:InstanceID>\n"
            "        <rasd:ResourceType>%d</rasd:ResourceType>\n%s      </Item>\n"
            % (iid, rtype, "".join("        <rasd:%s>%s</rasd:%s>\n" % (k, v, k)
                                   for k, v in extra)))


def ovf(out, g, memory=True):
    refs = "".join('    <File ovf:href="%s" ovf:id="file%d" ovf:size="%d"/>\n'
                   % (f, i + 1, 65536 * (i + 1)) for i, (f, _) in enumerate(g["disks"]))
    disks = "".join('    <Disk ovf:capacity="%d" ovf:capacityAllocationUnits='
                    '"byte * 2^30" ovf:diskId="vmdisk%d" ovf:fileRef="file%d" '
                    'ovf:format="http://www.vmware.com/interfaces/specifications/'
                    'vmdk.html#streamOptimized"/>\n' % (gib, i + 1, i + 1)
                    for i, (_, gib) in enumerate(g["disks"]))
    nets = "".join('    <Network ovf:name="%s"/>\n' % n
                   for n in sorted({n for _, n in g["nics"]}))
    items = item(3, 1, [("AllocationUnits", "hertz * 10^6"),
                        ("VirtualQuantity", g["vcpus"])])
    if memory:
        items += item(4, 2, [("AllocationUnits", "byte * 2^20"),
                             ("VirtualQuantity", g["mem"])])
    items += item(6, 3, [("Address", 0), ("ResourceSubType", "VirtualSCSI")])
    iid = 10
    devs = []
    for i, (f, _) in enumerate(g["disks"]):
        items += item(17, iid, [("AddressOnParent", i), ("Parent", 3),
                                ("HostResource", "ovf:/disk/vmdisk%d" % (i + 1))])
        devs.append("    <disk type='file' device='disk'>\n      <source file='%s'/>\n"
                    "      <target dev='sd%s' bus='scsi'/>\n    </disk>\n"
                    % (f, "abcdefgh"[i]))
        iid += 1
    if g["cdrom"]:
        items += item(5, 4, [("Address", 1)])
        items += item(15, iid, [("AddressOnParent", 0), ("Parent", 4)])
        devs.append("    <disk type='file' device='cdrom'>\n"
                    "      <target dev='hdc' bus='ide'/>\n    </disk>\n")
        iid += 1
    for i, (model, net) in enumerate(g["nics"]):
        items += item(10, iid, [("AddressOnParent", 7 + i), ("Connection", net),
                                ("ResourceSubType", model)])
        devs.append(nic_xml(None, OVF_NIC_MODEL[model], net))
        iid += 1
    fw = ('      <vmw:Config ovf:required="false" vmw:key="firmware" '
          'vmw:value="%s"/>\n' % ("efi" if g["fw"] == "uefi" else "bios"))
    text = (OVF_HEAD + "  <References>\n" + refs + "  </References>\n"
            "  <DiskSection>\n    <Info>Virtual disk information</Info>\n" + disks +
            "  </DiskSection>\n  <NetworkSection>\n    <Info>Networks</Info>\n" +
            nets + "  </NetworkSection>\n"
            '  <VirtualSystem ovf:id="%s">\n    <Info>A virtual machine</Info>\n'
            "    <Name>%s</Name>\n    <VirtualHardwareSection>\n"
            "      <Info>Virtual hardware requirements</Info>\n"
            "      <System>\n        <vssd:InstanceID>0</vssd:InstanceID>\n"
            "        <vssd:VirtualSystemType>vmx-19</vssd:VirtualSystemType>\n"
            "      </System>\n" % (g["name"], g["name"]) + items + fw +
            "    </VirtualHardwareSection>\n  </VirtualSystem>\n</Envelope>\n")
    name = g["name"] if memory else g["name"] + "-nomemory"
    write(os.path.join(out, name + ".ovf"), text)
    if memory:
        os_xml = ("  <os%s>\n    <type arch='x86_64'>hvm</type>\n  </os>\n"
                  % (" firmware='efi'" if g["fw"] == "uefi" else ""))
        write(os.path.join(out, name + ".xml"), domain_xml("kvm", g, os_xml, devs))


def refusals(out):
    g = dict(VMX_GUESTS[0], name="gen-vmx-encrypted")
    vmx(out, g)
    os.remove(os.path.join(out, "gen-vmx-encrypted.xml"))
    with open(os.path.join(out, "gen-vmx-encrypted.vmx"), "a") as f:
        f.write('encryption.keySafe = "vmware:key/list/(pair/(phrase/'
                'AAAA%3d%3d/pass2key%3dPBKDF2-HMAC-SHA-1%3aiterations%3d10000))"\n'
                'encryption.data = "AAAA"\n')
    write(os.path.join(out, "gen-refuse-noname.cfg"),
          "# the xl tool's own settings, not a guest\nautoballoon = \"off\"\n"
          "lockfile = \"/var/lock/xl\"\n")
    write(os.path.join(out, "gen-refuse-python.cfg"),
          "# an xm config that only xend's Python could run\n"
          "name = \"py\"\nmemory = 512\n"
          "def vif_for(n):\n    return 'bridge=xenbr%d' % n\n")
    ovf(out, OVF_GUESTS[0], memory=False)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for g in VMX_GUESTS:
        vmx(out, g)
    for i, g in enumerate(XEN_GUESTS):
        xen(out, g, xm=(i == 1))
    for g in OVF_GUESTS:
        ovf(out, g)
    refusals(out)


main()
