#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Control test for the Xen test guest (tests/guests/make-flavor.sh).
# There is no Xen here to boot it on, so:
#  a) the base guest it is derived from (same tree, UUID names, generic
#     initramfs) boots to its marker on virtio-blk + virtio-net: the tree
#     and the harness are sound on the buses a converted guest gets;
#  b) the unconverted xen guest on virtio-blk + virtio-net must NOT boot
#     (its initramfs has only xen-blkfront/xen-netfront and fstab/grub
#     say /dev/xvda), and the initramfs must say so by giving up on
#     /dev/xvda1;
#  c) the image is never written.
# Slow (two TCG boots, about 2 minutes once the images are cached).
. "$srcdir/functions.sh"
. "$srcdir/guests/functions-guests.sh"
skip_if_skipped
require_guest_image base
boot_guest "$GUEST_IMAGE" base --disk-bus virtio --nic virtio --timeout 420 \
  || fail "the base guest does not boot on virtio"

require_guest_image xen
img=$GUEST_IMAGE
sum_before=$(sha256sum <"$img")

if boot_guest "$img" xen --disk-bus virtio --nic virtio --timeout 300 \
     --log "$TMP/virtio.log" 2>"$TMP/virtio.err"; then
  fail "the unconverted xen guest booted on virtio"
fi
grep -aEq 'Gave up waiting for root|ALERT!' "$TMP/virtio.log" \
  || fail "on virtio the xen guest failed, but not for want of its root: $(cat "$TMP/virtio.err")"
grep -aq 'root=/dev/xvda1' "$TMP/virtio.log" \
  || fail "the kernel command line does not ask for root=/dev/xvda1"

[ "$(sha256sum <"$img")" = "$sum_before" ] || fail "booting modified '$img'"
echo "xen control: base boots on virtio; xen does not (initramfs gave up on /dev/xvda1)"
