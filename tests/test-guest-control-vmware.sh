#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Control test for the VMware test guest (tests/guests/make-flavor.sh):
#  a) attached the way VMware attaches it (PVSCSI disk, vmxnet3 NIC with
#     its MAC) it boots to its marker: the guest itself is sound, and the
#     .link MAC pin names the NIC ens192 whatever the PCI slot;
#  b) unconverted, on virtio-blk + virtio-net, it must NOT boot: its
#     initramfs has no virtio driver and fstab/grub say /dev/sda, so the
#     initramfs gives up on its root device;
#  c) the image is never written (boot.sh runs it on an overlay).
# Slow (two TCG boots, about 3 minutes once the image is cached).
. "$srcdir/functions.sh"
. "$srcdir/guests/functions-guests.sh"
skip_if_skipped
require_guest_image vmware
img=$GUEST_IMAGE
sum_before=$(sha256sum <"$img")

boot_guest "$img" vmware --disk-bus pvscsi --nic vmxnet3 --timeout 420 \
  || fail "the vmware guest does not boot on PVSCSI + vmxnet3"

if boot_guest "$img" vmware --disk-bus virtio --nic virtio --timeout 300 \
     --log "$TMP/virtio.log" 2>"$TMP/virtio.err"; then
  fail "the unconverted vmware guest booted on virtio"
fi
grep -aEq 'Gave up waiting for root|ALERT!' "$TMP/virtio.log" \
  || fail "on virtio the vmware guest failed, but not for want of its root: $(cat "$TMP/virtio.err")"

[ "$(sha256sum <"$img")" = "$sum_before" ] || fail "booting modified '$img'"
echo "vmware control: boots on pvscsi+vmxnet3, does not on virtio"
