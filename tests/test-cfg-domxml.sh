#!/bin/bash
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
