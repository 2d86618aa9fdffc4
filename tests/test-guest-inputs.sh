#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The conversion inputs made from the real test guests
# (tests/guests/make-inputs.sh, require_convert_input) are what they claim:
#  - every disk (monolithicSparse VMDK, the OVA's streamOptimized VMDK,
#    the dynamic VHD, the XVA's blocks) holds exactly the flavor image:
#    qemu-img compare against it, both of the file itself (qemu-img's
#    reader) and of what `v2kvm disk convert` makes of it (our reader);
#    qemu-img info confirms each subformat;
#  - `v2kvm source show` of each descriptor (the OVA's and the XVA's both
#    unpacked and read in the archive) gives the flavor's name, MAC (none
#    in the OVF, as ovftool exports), memory, firmware and the disk path
#    the input points at;
#  - the OVA is ovf, vmdk, mf in that order, its manifest digests match
#    sha256sum and `v2kvm verify` accepts it and the XVA;
#  - the libvirt XML validates (virt-xml-validate), and the cached image
#    the xl and libvirt inputs name is immutable.
# The inputs are cached (built once: under a minute from cached flavors);
# checking them takes about half a minute.
. "$srcdir/functions.sh"
. "$srcdir/guests/functions-guests.sh"
skip_if_skipped
requires jq tar sha256sum

MIB=1048576

# show TYPE FILE: `v2kvm source show --json` into $TMP/show.json.
show () {
  "$V2KVM" source show -i "$1" "$2" --json >"$TMP/show.json" \
    || fail "source show -i $1 '$2' failed"
}
# want JQ_EXPR VALUE: the last show's JQ_EXPR is VALUE.
want () {
  local got
  got=$(jq -r "$1" "$TMP/show.json")
  [ "$got" = "$2" ] || fail "$1 is '$got', expected '$2'"
}
# same_disk FORMAT FILE RAW: FILE read by qemu-img as FORMAT equals RAW,
# byte for byte and in size, and so does what `v2kvm disk convert` makes
# of it (ours_disk).  (Not compare -s: allocation may differ.)
same_disk () {
  [ "$("$QEMU_IMG" info --output=json -f "$1" "$2" | jq '.["virtual-size"]')" \
      = "$(stat -c %s "$3")" ] || fail "qemu-img: '$2' has another size"
  "$QEMU_IMG" compare -q -f "$1" -F raw "$2" "$3" \
    || fail "qemu-img: '$2' differs from '$3'"
  ours_disk "$2" "$3"
}
ours_disk () {
  "$V2KVM" -q disk convert -O raw "$1" "$TMP/out.raw" \
    || fail "v2kvm disk convert '$1' failed"
  [ "$(stat -c %s "$TMP/out.raw")" = "$(stat -c %s "$2")" ] \
    || fail "v2kvm disk convert of '$1': another size"
  "$QEMU_IMG" compare -q -f raw -F raw "$TMP/out.raw" "$2" \
    || fail "v2kvm disk convert of '$1' differs from '$2'"
  rm -f "$TMP/out.raw"
}
# info FILE KEY: a field of qemu-img info --output=json.
info () {
  "$QEMU_IMG" info --output=json "$1" | jq -r "$2"
}
# the_vm NAME MAC: the common facts of every descriptor.
the_vm () {
  want .name "$1"
  want '.nics | length' 1
  want '.nics[0].mac' "$2"
  want .memory $((1024 * MIB))
  want .vcpus 1
  want .firmware bios
  want '.disks | length' 1
}

rc=0
"$srcdir/guests/make-inputs.sh" vmware xva >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "make-inputs.sh vmware xva (no such input) exited $rc"

## VMware ##
require_guest_image vmware
vmware_img=$GUEST_IMAGE
vsize=$(info "$vmware_img" '.["virtual-size"]')

require_convert_input vmware vmx
[ "$INPUT_TYPE" = vmx ] || fail "vmware vmx: type '$INPUT_TYPE'"
vmdk=$(dirname "$INPUT_SOURCE")/v2kvm-vmware.vmdk
[ "$(info "$vmdk" '.["format-specific"].data["create-type"]')" = monolithicSparse ] \
  || fail "'$vmdk' is not monolithicSparse"
show vmx "$INPUT_SOURCE"
the_vm v2kvm-vmware 00:50:56:aa:bb:01
want '.nics[0].model' vmxnet3
want '.disks[0].path' "$vmdk"
want '.disks[0].bus' scsi
want '.disks[0].target' scsi0:0
same_disk vmdk "$vmdk" "$vmware_img"

require_convert_input vmware ova
[ "$INPUT_TYPE" = ova ] || fail "vmware ova: type '$INPUT_TYPE'"
ova=$INPUT_SOURCE
require_convert_input vmware ovf
[ "$INPUT_TYPE" = ovf ] || fail "vmware ovf: type '$INPUT_TYPE'"
ovfdir=$(dirname "$INPUT_SOURCE")
members=$(tar tf "$ova" | tr '\n' ' ')
[ "$members" = "v2kvm-vmware.ovf v2kvm-vmware-disk1.vmdk v2kvm-vmware.mf " ] \
  || fail "OVA members: $members"
mkdir "$TMP/ova"
tar -C "$TMP/ova" -xf "$ova"
for f in v2kvm-vmware.ovf v2kvm-vmware-disk1.vmdk v2kvm-vmware.mf; do
  cmp -s "$TMP/ova/$f" "$ovfdir/$f" || fail "ovf/$f differs from the OVA's"
done
for f in v2kvm-vmware.ovf v2kvm-vmware-disk1.vmdk; do
  grep -qx "SHA256($f)= $(sha256sum <"$TMP/ova/$f" | cut -d' ' -f1)" \
    "$TMP/ova/v2kvm-vmware.mf" || fail "manifest digest of $f"
done
rm -rf "$TMP/ova"
"$V2KVM" verify "$ova" >"$TMP/verify.out" || fail "v2kvm verify '$ova' failed"
[ "$(grep -c '^OK sha256 ' "$TMP/verify.out")" = 2 ] \
  || fail "verify: $(cat "$TMP/verify.out")"
[ "$(info "$ovfdir/v2kvm-vmware-disk1.vmdk" '.["format-specific"].data["create-type"]')" \
    = streamOptimized ] || fail "the OVA's VMDK is not streamOptimized"
show ovf "$INPUT_SOURCE"
the_vm v2kvm-vmware null        # an ovftool export carries no MAC
want '.nics[0].model' vmxnet3
want '.disks[0].bus' scsi
want '.disks[0].size' "$vsize"
want '.disks[0].ref' v2kvm-vmware-disk1.vmdk
want '.disks[0].ref_size' "$(stat -c %s "$ovfdir/v2kvm-vmware-disk1.vmdk")"
same_disk vmdk "$ovfdir/v2kvm-vmware-disk1.vmdk" "$vmware_img"
ours_disk "$ova" "$vmware_img"
show ova "$ova"                      # the descriptor read in the tar
the_vm v2kvm-vmware null
want '.disks[0].path' "$ova"
want '.disks[0].ref' v2kvm-vmware-disk1.vmdk
want '.disks[0].size' "$vsize"
"$V2KVM" disk info --json "$ova" >"$TMP/info.json" || fail "disk info '$ova'"
[ "$(jq -r .virtual_size "$TMP/info.json")" = "$vsize" ] \
  || fail "disk info '$ova': $(cat "$TMP/info.json")"

## Xen ##
require_guest_image xen
xen_img=$GUEST_IMAGE
xsize=$(info "$xen_img" '.["virtual-size"]')
# the_xen_vm TYPE FILE: the Xen flavor's facts.
the_xen_vm () {
  show "$1" "$2"
  the_vm v2kvm-xen 00:16:3e:aa:bb:02
  want .os.builder hvm
  want '.disks[0].bus' xen
  want '.disks[0].target' xvda
}
immutable () {
  lsattr -d "$1" | cut -d' ' -f1 | grep -q i || fail "'$1' is not immutable"
}

require_convert_input xen xl
[ "$INPUT_TYPE" = xl ] || fail "xen xl: type '$INPUT_TYPE'"
the_xen_vm xl "$INPUT_SOURCE"
want '.disks[0].path' "$xen_img"
want '.disks[0].format' raw
immutable "$xen_img"

require_convert_input xen libvirtxml
[ "$INPUT_TYPE" = libvirtxml ] || fail "xen libvirtxml: type '$INPUT_TYPE'"
if command -v virt-xml-validate >/dev/null; then
  virt-xml-validate "$INPUT_SOURCE" domain >"$TMP/validate.out" 2>&1 \
    || fail "'$INPUT_SOURCE' does not validate: $(cat "$TMP/validate.out")"
fi
the_xen_vm libvirtxml "$INPUT_SOURCE"
want .uuid 7e570300-0000-4000-8000-000000030201
want '.disks[0].path' "$xen_img"
want '.disks[0].format' raw
immutable "$xen_img"

require_convert_input xen vhd
[ "$INPUT_TYPE" = xl ] || fail "xen vhd: type '$INPUT_TYPE'"
vhd=$(dirname "$INPUT_SOURCE")/v2kvm-xen.vhd
[ "$(info "$vhd" .format)" = vpc ] || fail "'$vhd' is not a VHD"
[ "$(info "$vhd" '.["virtual-size"]')" = "$xsize" ] || fail "'$vhd': size"
the_xen_vm xl "$INPUT_SOURCE"
want '.disks[0].path' "$vhd"
want '.disks[0].format' vhd
same_disk vpc "$vhd" "$xen_img"

require_convert_input xen xva
[ "$INPUT_TYPE" = xva ] || fail "xen xva: type '$INPUT_TYPE'"
"$V2KVM" verify "$INPUT_SOURCE" >"$TMP/verify.out" \
  || fail "v2kvm verify '$INPUT_SOURCE' failed"
grep -qx 'OK sha1 Ref:6' "$TMP/verify.out" || fail "verify: $(cat "$TMP/verify.out")"
[ "$(tar tf "$INPUT_SOURCE" | head -1)" = ova.xml ] || fail "ova.xml is not first"
tar -C "$TMP" -xf "$INPUT_SOURCE" ova.xml
the_xen_vm xva "$TMP/ova.xml"
want '.disks[0].ref' Ref:6
want '.disks[0].size' "$xsize"
the_xen_vm xva "$INPUT_SOURCE"       # ova.xml read in the tar
want '.disks[0].path' "$INPUT_SOURCE"
want '.disks[0].ref' Ref:6
ours_disk "$INPUT_SOURCE" "$xen_img"

require_convert_input xen disk
[ "$INPUT_TYPE" = disk ] && [ "$INPUT_SOURCE" = "$xen_img" ] \
  || fail "xen disk: '$INPUT_TYPE' '$INPUT_SOURCE'"
echo "inputs: vmx, ova, ovf, xl, libvirtxml, vhd, xva, disk checked"
