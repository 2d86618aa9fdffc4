#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Slow (SLOW=1): guests booted through a real libvirt daemon under TCG,
# the oracle being the test guest's "V2KVM-MARKER base IFACE=ADDR UP"
# console line (tests/guests/README).  The base test guest boots on
# virtio unchanged, so what is tested is libvirt and our output:
#   1. a domain (libvirt_guest_xml) on a qcow2 overlay of the cached
#      base image (never written), via libvirt_boot_to_marker;
#   2. the base image put through -o libvirt by outtool (copy engine ->
#      qcow2 volume in a pool, domain XML from domxml_build for an xl
#      config with the base guest's MAC), then adapted for this machine
#      (libvirt_adapt_for_tcg: type qemu, user networking, serial log)
#      and booted.
. "$srcdir/functions.sh"
. "$srcdir/output-functions.sh"
. "$srcdir/libvirt-functions.sh"
. "$srcdir/guests/functions-guests.sh"
require_slow_libvirt
require_guest_image base
libvirt_start
libvirt_pool
timeout=${V2KVM_BOOT_TIMEOUT:-600}

# 1. A hand-written domain on an overlay of the base image.
"$QEMU_IMG" create -q -f qcow2 -F raw -b "$GUEST_IMAGE" "$TMP/overlay.qcow2" ||
  fail "cannot create the overlay"
d1=$(libvirt_unique v2kvm-boot)
libvirt_track_domain "$d1"
libvirt_guest_xml "$d1" "$TMP/overlay.qcow2" qcow2 base "$TMP/d1.log" >"$TMP/d1.xml"
lv_virsh define "$TMP/d1.xml" >/dev/null || fail "cannot define $d1"
libvirt_boot_to_marker "$d1" "$TMP/d1.log" base "$timeout" ||
  fail "domain $d1 (overlay of the base image) did not boot to its marker"

# 2. Through the libvirt output.
d2=$(libvirt_unique v2kvm-out-boot)
libvirt_track_domain "$d2"
cat >"$TMP/d2.cfg" <<X
name = "$d2"
type = "hvm"
memory = 1024
vcpus = 1
disk = [ 'format=raw, vdev=xvda, access=rw, target=$GUEST_IMAGE' ]
vif = [ 'mac=$(libvirt_flavor_mac base),bridge=xenbr0' ]
X
"$OUTTOOL" -s "$LV_POOL" --source "xl:$TMP/d2.cfg" libvirt "$d2" "$GUEST_IMAGE" ||
  fail "outtool -o libvirt of the base image failed"
same_disk "$GUEST_IMAGE" "$(lv_virsh vol-path --pool "$LV_POOL" "$d2-sda")"
libvirt_boot_to_marker "$d2" "$TMP/d2.log" base "$timeout" ||
  fail "domain $d2 (written by -o libvirt) did not boot to its marker"
echo "both domains booted to the marker"
