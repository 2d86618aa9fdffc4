#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/make-inputs.sh: build (once) a conversion input for
# `v2kvm convert` (and virt-v2v) from a cached test guest
# (make-flavor.sh), and print the path of the file to pass to the
# converter.
#
#   FLAVOR KIND       -i    what is built (in $GUEST_CACHE/inputs-KEY/UNIT/)
#   vmware vmx        vmx   v2kvm-vmware.vmx (vmware.vmx.in) + a
#                           monolithicSparse v2kvm-vmware.vmdk
#   vmware ova        ova   v2kvm-vmware.ova: tar of the .ovf
#                           (vmware.ovf.in), a streamOptimized VMDK and a
#                           .mf of "SHA256(file)= hex" lines, in that order
#   vmware ovf        ovf   the same three files unpacked (ovf/ folder)
#   xen    xl         xl    v2kvm-xen.cfg (xen.cfg.in) naming the cached
#                           raw image itself (see below)
#   xen    vhd        xl    a dynamic VHD (exact size, force_size=on) +
#                           v2kvm-xen.cfg with format=vhd
#   xen    xva        xva   v2kvm-xen.xva (xen-ova-xml.py + ../xva-gen.py)
#   xen    libvirtxml libvirtxml  v2kvm-xen.xml (xen-libvirt.xml.in),
#                           type='xen' HVM, naming the cached raw image
#   vmware|xen disk   disk  the cached raw image (nothing is built)
#
# The disks are made by qemu-img from the flavor image, which is never
# written: the xl and libvirtxml inputs name the cached image itself
# (no 1.5 GiB copy), so that image is made immutable (chattr +i) when
# they are built: any attempt to open it for writing then fails loudly
# (EPERM) instead of changing every later test.  `chattr -i` it before
# deleting the cache by hand.
#
# KEY hashes this script, its templates, ../xva-gen.py and the flavors'
# own keys, so changing any of them builds new inputs.  Each UNIT is
# built under a lock in a scratch folder and renamed into place, so a
# half-built input never looks complete.
#
# Usage: make-inputs.sh FLAVOR KIND [--print-type]
# --print-type prints the -i value instead of building.
# Exit 0 = built or cached (path on stdout), 1 = failed, 77 = cannot
# build here (reason on stdout).
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavor=${1:-} kind=${2:-}
case $flavor-$kind in
  vmware-vmx) unit=vmware-vmx file=v2kvm-vmware.vmx type=vmx ;;
  vmware-ova) unit=vmware-ova file=v2kvm-vmware.ova type=ova ;;
  vmware-ovf) unit=vmware-ova file=ovf/v2kvm-vmware.ovf type=ovf ;;
  xen-xl) unit=xen-xl file=v2kvm-xen.cfg type=xl ;;
  xen-vhd) unit=xen-vhd file=v2kvm-xen.cfg type=xl ;;
  xen-xva) unit=xen-xva file=v2kvm-xen.xva type=xva ;;
  xen-libvirtxml) unit=xen-libvirtxml file=v2kvm-xen.xml type=libvirtxml ;;
  vmware-disk|xen-disk) unit= file= type=disk ;;
  *)
    echo "usage: make-inputs.sh vmware vmx|ova|ovf|disk | xen xl|vhd|xva|libvirtxml|disk [--print-type]" >&2
    exit 1 ;;
esac
if [ "${3:-}" = --print-type ]; then echo "$type"; exit 0; fi

for t in qemu-img python3 tar sha256sum; do
  command -v "$t" >/dev/null || { echo "$t is not installed"; exit 77; }
done

rc=0
img=$("$GUESTS_DIR/make-flavor.sh" "$flavor") || rc=$?
if [ "$rc" != 0 ]; then [ "$rc" = 77 ] && echo "$img"; exit "$rc"; fi
if [ "$type" = disk ]; then echo "$img"; exit 0; fi

inputs_key () {
  {
    guests_hash "$GUESTS_DIR/make-inputs.sh" "$GUESTS_DIR/vmware.vmx.in" \
      "$GUESTS_DIR/vmware.ovf.in" "$GUESTS_DIR/xen.cfg.in" \
      "$GUESTS_DIR/xen-libvirt.xml.in" "$GUESTS_DIR/xen-ova-xml.py"
    sha256sum <"$GUESTS_DIR/../xva-gen.py"
    guests_flavor_key vmware
    guests_flavor_key xen
  } | sha256sum | cut -c1-16
}
dir=$GUEST_CACHE/inputs-$(inputs_key)
out=$dir/$unit
if [ -f "$out/$file" ]; then echo "$out/$file"; exit 0; fi

mkdir -p "$dir"
exec 8>"$dir/.lock"
if ! flock -n 8; then
  guests_log "waiting for another input build (lock $dir/.lock)"
  flock 8
fi
if [ -f "$out/$file" ]; then echo "$out/$file"; exit 0; fi

work=$dir/.work-$unit.$$
logf=$dir/$unit.log
trap 'rm -rf --one-file-system "$work"' EXIT
trap 'exit 1' INT TERM
mkdir -p "$work"
: >"$logf"

# fill TEMPLATE OUT NAME=VALUE...: replace @NAME@ (values must not hold |).
fill () {
  local in=$1 o=$2; shift 2
  local args=() kv
  for kv in "$@"; do args+=(-e "s|@${kv%%=*}@|${kv#*=}|g"); done
  sed "${args[@]}" "$in" >"$o"
  ! grep -n '@[A-Z_]*@' "$o" >&2 || guests_die "$o: placeholder left"
}

# Never let the flavor image be written through an input naming it.
protect () {
  if ! lsattr -d "$img" 2>/dev/null | cut -d' ' -f1 | grep -q i; then
    chattr +i "$img" 2>>"$logf" \
      || guests_die "cannot make $img immutable (chattr +i), see $logf"
    guests_log "made $img immutable (chattr -i before deleting it)"
  fi
}

vsize=$(qemu-img info --output=json -f raw "$img" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["virtual-size"])')

guests_timer_start
case $unit in
  vmware-vmx)
    qemu-img convert -f raw -O vmdk \
      -o subformat=monolithicSparse,adapter_type=lsilogic \
      "$img" "$work/v2kvm-vmware.vmdk" 2>>"$logf" \
      || guests_die "qemu-img convert to monolithicSparse failed, see $logf"
    fill "$GUESTS_DIR/vmware.vmx.in" "$work/$file" DISK=v2kvm-vmware.vmdk
    ;;
  vmware-ova)
    mkdir "$work/ovf"
    vmdk=v2kvm-vmware-disk1.vmdk
    (( vsize % 1048576 == 0 )) || guests_die "disk size $vsize is not MiB-aligned"
    qemu-img convert -f raw -O vmdk \
      -o subformat=streamOptimized,adapter_type=lsilogic \
      "$img" "$work/ovf/$vmdk" 2>>"$logf" \
      || guests_die "qemu-img convert to streamOptimized failed, see $logf"
    fill "$GUESTS_DIR/vmware.ovf.in" "$work/ovf/v2kvm-vmware.ovf" \
      VMDK="$vmdk" VMDK_SIZE="$(stat -c %s "$work/ovf/$vmdk")" \
      CAPACITY_MIB=$((vsize / 1048576))
    (cd "$work/ovf" && for f in v2kvm-vmware.ovf "$vmdk"; do
       echo "SHA256($f)= $(sha256sum "$f" | cut -d' ' -f1)"
     done >v2kvm-vmware.mf)
    tar -C "$work/ovf" --format=ustar --owner=0 --group=0 --numeric-owner \
      --mode=0644 -cf "$work/$file" v2kvm-vmware.ovf "$vmdk" v2kvm-vmware.mf
    ;;
  xen-xl)
    protect
    fill "$GUESTS_DIR/xen.cfg.in" "$work/$file" DISK="$img"
    ;;
  xen-vhd)
    qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on \
      "$img" "$work/v2kvm-xen.vhd" 2>>"$logf" \
      || guests_die "qemu-img convert to a dynamic VHD failed, see $logf"
    fill "$GUESTS_DIR/xen.cfg.in" "$work/$file" DISK="$out/v2kvm-xen.vhd"
    sed -i 's/format=raw,/format=vhd,/' "$work/$file"
    grep -q "format=vhd, vdev=xvda" "$work/$file" \
      || guests_die "xen.cfg.in: no 'format=raw,' to make format=vhd"
    ;;
  xen-xva)
    python3 "$GUESTS_DIR/xen-ova-xml.py" "$work/ova.xml" "$vsize"
    python3 "$GUESTS_DIR/../xva-gen.py" "$work/ova.xml" "$work/$file" \
      "Ref:6=$img" 2>>"$logf" || guests_die "xva-gen.py failed, see $logf"
    rm "$work/ova.xml"
    ;;
  xen-libvirtxml)
    protect
    fill "$GUESTS_DIR/xen-libvirt.xml.in" "$work/$file" DISK="$img"
    ;;
esac
chmod -R a-w "$work"/*
mv -T "$work" "$out"
guests_timer_end "making the $unit input"
guests_log "built $out ($(du -sh "$out" | cut -f1))"
echo "$out/$file"
