#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `v2kvm source xml`: every domain XML we generate, for every config in
# the corpus and in tests/data/cfg, passes libvirt's own schema check
# (virt-xml-validate FILE domain); and the device choices follow the
# source and the options (checked with xmllint XPath on our own inputs).
. "$srcdir/functions.sh"
requires xmllint
[ "${VIRT_XML_VALIDATE:-no}" != no ] || VIRT_XML_VALIDATE=virt-xml-validate
requires "$VIRT_XML_VALIDATE"

d=$srcdir/data/cfg
cd "$TMP"

x () { xmllint --xpath "$2" "$1" 2>/dev/null; }
eq () { [ "$(x "$1" "$2")" = "$3" ] || fail "$1: $2 is '$(x "$1" "$2")', expected '$3'"; }

# 1. UEFI + secure boot Windows guest, network and bridge mapping.
"$V2KVM" source xml -i vmx "$d/win-uefi.vmx" --network "VM Network:prod" \
         --bridge DMZ:br-dmz >win.xml
"$VIRT_XML_VALIDATE" win.xml domain >/dev/null || fail "win.xml invalid"
eq win.xml 'string(/domain/@type)' kvm
eq win.xml 'string(/domain/os/@firmware)' efi
eq win.xml 'string(/domain/os/type/@machine)' q35
eq win.xml 'string(/domain/os/firmware/feature[@name="secure-boot"]/@enabled)' yes
eq win.xml 'string(/domain/os/firmware/feature[@name="enrolled-keys"]/@enabled)' yes
eq win.xml 'string(/domain/features/smm/@state)' on
eq win.xml 'string(/domain/memory)' 8388608
eq win.xml 'string(/domain/vcpu)' 4
eq win.xml 'string(/domain/cpu/@mode)' host-model
eq win.xml 'string(/domain/cpu/topology/@sockets)' 2
eq win.xml 'string(/domain/clock/@offset)' localtime
eq win.xml 'count(/domain/features/hyperv)' 1
eq win.xml 'string(/domain/devices/disk[1]/target/@dev)' vda
eq win.xml 'string(/domain/devices/disk[1]/boot/@order)' 1
eq win.xml 'string(/domain/devices/disk[2]/target/@dev)' vdb
eq win.xml 'string(/domain/devices/disk[2]/boot/@order)' 2
eq win.xml "string(/domain/devices/disk[1]/source/@file)" "$TMP/Win \"Server\" 2019-sda.qcow2"
eq win.xml 'string(/domain/devices/disk[@device="cdrom"]/target/@bus)' sata
eq win.xml 'count(/domain/devices/disk[@device="floppy"])' 0
eq win.xml 'string(/domain/devices/interface[1]/mac/@address)' 00:50:56:ab:cd:ef
eq win.xml 'string(/domain/devices/interface[1]/source/@network)' prod
eq win.xml 'string(/domain/devices/interface[1]/model/@type)' virtio
eq win.xml 'string(/domain/devices/interface[2]/@type)' bridge
eq win.xml 'string(/domain/devices/interface[2]/source/@bridge)' br-dmz
eq win.xml 'string(/domain/devices/graphics/@type)' vnc
eq win.xml 'string(/domain/devices/graphics/listen/@address)' 127.0.0.1
eq win.xml 'string(/domain/devices/console/@type)' pty
eq win.xml 'string(/domain/devices/rng/@model)' virtio
eq win.xml 'string(/domain/devices/memballoon/@model)' virtio
eq win.xml 'string(/domain/devices/channel/target/@name)' org.qemu.guest_agent.0

# 2. RHEL 5: too old for q35 -> pc, CD-ROM on IDE; default network;
#    --domain-type qemu, SPICE.
"$V2KVM" source xml -i vmx "$d/rhel5-ide.vmx" --domain-type qemu \
         --graphics spice >rhel5.xml
"$VIRT_XML_VALIDATE" rhel5.xml domain >/dev/null || fail "rhel5.xml invalid"
eq rhel5.xml 'string(/domain/@type)' qemu
eq rhel5.xml 'string(/domain/os/type/@machine)' pc
eq rhel5.xml 'string(/domain/os/type/@arch)' i686
eq rhel5.xml 'count(/domain/os/@firmware)' 0
eq rhel5.xml 'string(/domain/clock/@offset)' utc
eq rhel5.xml 'string(/domain/devices/disk[@device="cdrom"]/target/@bus)' ide
eq rhel5.xml 'string(/domain/devices/interface/source/@network)' default
eq rhel5.xml 'string(/domain/devices/graphics/@type)' spice

# 2b. 30 disks: names past vdz are vdaa, vdab... (virt-v2v drive_name),
#     boot order follows the source's (SCSI before SATA).
{ echo 'displayName = "many"'
  echo 'scsi0.present = "TRUE"'; echo 'scsi1.present = "TRUE"'; echo 'sata0.present = "TRUE"'
  for u in 0 1 2 3 4 5 6 8 9 10 11 12 13 14 15; do
    echo "scsi0:$u.present = \"TRUE\""; echo "scsi0:$u.fileName = \"a$u.vmdk\""
    echo "scsi1:$u.present = \"TRUE\""; echo "scsi1:$u.fileName = \"b$u.vmdk\""
  done
  echo 'sata0:0.present = "TRUE"'; echo 'sata0:0.fileName = "boot-last.vmdk"'
} >many.vmx
"$V2KVM" source xml -i vmx many.vmx >many.xml
"$VIRT_XML_VALIDATE" many.xml domain >/dev/null || fail "many.xml invalid"
eq many.xml 'count(/domain/devices/disk)' 31
eq many.xml 'string(/domain/devices/disk[26]/target/@dev)' vdz
eq many.xml 'string(/domain/devices/disk[27]/target/@dev)' vdaa
eq many.xml 'string(/domain/devices/disk[31]/target/@dev)' vdae
eq many.xml 'string(/domain/devices/disk[31]/boot/@order)' 31
eq many.xml 'string(/domain/devices/disk[27]/source/@file)' "$TMP/many-sdaa.qcow2"

# 2c. UEFI without secure boot (VirtualBox OVF 2.0); Xen PV guest with
#     unknown firmware gets BIOS; XenServer HVM guest.
"$V2KVM" source xml -i ovf "$d/vbox-2.0.ovf" >vbox.xml
"$VIRT_XML_VALIDATE" vbox.xml domain >/dev/null || fail "vbox.xml invalid"
eq vbox.xml 'string(/domain/os/@firmware)' efi
eq vbox.xml 'string(/domain/os/firmware/feature[@name="secure-boot"]/@enabled)' no
eq vbox.xml 'count(/domain/features/smm)' 0
eq vbox.xml 'string(/domain/memory)' 2097152
"$V2KVM" source xml -i xl "$d/xl-pv-pygrub.cfg" --bridge xenbr0:br0 >pv.xml
"$VIRT_XML_VALIDATE" pv.xml domain >/dev/null || fail "pv.xml invalid"
eq pv.xml 'count(/domain/os/@firmware)' 0
eq pv.xml 'string(/domain/vcpu)' 4
eq pv.xml 'string(/domain/vcpu/@current)' 2
eq pv.xml 'string(/domain/memory)' 4194304
eq pv.xml 'string(/domain/currentMemory)' 2097152
eq pv.xml 'count(/domain/devices/disk[@device="disk"])' 3
eq pv.xml 'string(/domain/devices/interface[1]/source/@bridge)' br0
eq pv.xml 'string(/domain/devices/interface[1]/mac/@address)' 00:16:3e:aa:bb:01
eq pv.xml 'string(/domain/devices/interface[2]/source/@network)' default

# 2d. The configs of the real test guests (tests/guests/*.in) read and
#     convert: the disk is @DISK@, the MACs are the ones the guests pin.
sed 's|@DISK@|/var/tmp/guest-vmware.img|' "$srcdir/guests/vmware.vmx.in" >gvm.vmx
sed 's|@DISK@|/var/tmp/guest-xen.img|' "$srcdir/guests/xen.cfg.in" >gxen.cfg
"$V2KVM" source xml -i vmx gvm.vmx >gvm.xml
"$V2KVM" source xml -i xl gxen.cfg >gxen.xml
for f in gvm.xml gxen.xml; do
  "$VIRT_XML_VALIDATE" $f domain >/dev/null || fail "$f invalid"
done
eq gvm.xml 'string(/domain/name)' v2kvm-vmware
eq gvm.xml 'string(/domain/uuid)' 564d7e57-0200-0040-8000-000000020101
eq gvm.xml 'string(/domain/devices/interface/mac/@address)' 00:50:56:aa:bb:01
eq gvm.xml 'string(/domain/memory)' 1048576
eq gxen.xml 'string(/domain/name)' v2kvm-xen
eq gxen.xml 'string(/domain/devices/interface/mac/@address)' 00:16:3e:aa:bb:02
"$V2KVM" source show -i vmx gvm.vmx | grep -qx '  0 disk \[scsi scsi0:0 slot 0\] /var/tmp/guest-vmware.img format=raw' ||
  fail "guest vmx disk: $("$V2KVM" source show -i vmx gvm.vmx)"
"$V2KVM" source show -i xl gxen.cfg | grep -qx '  0 disk \[xen xvda\] /var/tmp/guest-xen.img format=raw' ||
  fail "guest xl disk: $("$V2KVM" source show -i xl gxen.cfg)"

# 3. Bad options.
expect_exit 2 "$V2KVM" source xml -i vmx "$d/rhel5-ide.vmx" --domain-type xen
expect_exit 2 "$V2KVM" source xml -i vmx "$d/rhel5-ide.vmx" --network :x
expect_exit 2 "$V2KVM" source xml -i nosuch "$d/rhel5-ide.vmx"

# 4. Every readable config in the corpus and in tests/data/cfg gives a
#    domain XML that libvirt's schema accepts.
n=0
check_all () {
  local type=$1; shift
  local f
  for f in "$@"; do
    [ -f "$f" ] || continue
    "$V2KVM" source show -i $type "$f" >/dev/null 2>&1 || continue
    "$V2KVM" source xml -i $type "$f" >out.xml 2>err ||
      fail "source xml $f: $(cat err)"
    "$VIRT_XML_VALIDATE" out.xml domain >/dev/null 2>err ||
      fail "$f: generated XML does not validate: $(cat err)"
    n=$((n+1))
  done
}
if [ -d "$CORPUS" ]; then
  check_all vmx $(find "$CORPUS" -name '*.vmx' | sort)
  check_all xl $(find "$CORPUS/libvirt-1.2.2/xmconfigdata" "$CORPUS/libvirt-current/xlconfigdata" -name '*.cfg' | sort) \
           $(find "$CORPUS/xen-examples" -type f | sort)
  check_all ovf $(find "$CORPUS" -name '*.ovf' | sort)
  check_all xva "$CORPUS/xva-tools/ova.xml"
  check_all libvirtxml $(find "$CORPUS/libvirt-1.2.2/xmconfigdata" "$CORPUS/libvirt-current/xlconfigdata" -name '*.xml' | sort)
fi
check_all vmx "$d"/*.vmx
check_all xl "$d"/*.cfg
check_all ovf "$d"/*.ovf
check_all libvirtxml $(ls "$d"/*.xml 2>/dev/null | grep -v xva)
check_all xva "$d"/xva*.xml
echo "$n generated domain XMLs validate"
[ $n -gt 2 ] || fail "too few configs checked"
