#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The VMware flavor of the real Debian 12 test guest (/dev/sda names, no
# virtio in its MODULES=list initramfs, open-vm-tools, ens192 pinned to
# its MAC) boots on virtio after `v2kvm fixup`.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
fixup_boot vmware
# Its initramfs lacks virtio: the image is patched, not rebuilt (see
# guest-fixups/linux-initramfs.c), and what it then holds is checked
# with unmkinitramfs (initramfs-tools' own reader).
grep -Eq '^fixup: /boot/initrd.img-[^:]*: virtio drivers added without a rebuild \(.*: [1-9][0-9]* module files added' "$TMP/fixup.out" ||
  fail "the initramfs was not patched"
! grep -q 'update-initramfs' "$TMP/fixup.out" || fail "update-initramfs ran"
if command -v unmkinitramfs >/dev/null; then
  kver=$(sed -n 's|^fixup: /boot/initrd.img-\([^:]*\): virtio.*|\1|p' "$TMP/fixup.out")
  LIBGUESTFS_BACKEND=direct LIBGUESTFS_BACKEND_SETTINGS=force_tcg \
    guestfish --ro -a "$TMP/vmware.img" -m /dev/sda1 download "/boot/initrd.img-$kver" "$TMP/initrd" ||
    fail "cannot read the patched initramfs"
  unmkinitramfs "$TMP/initrd" "$TMP/ird" || fail "unmkinitramfs cannot read the patched image"
  m=$TMP/ird; [ -d "$m/main" ] && m=$m/main
  for ko in virtio_pci virtio_blk virtio_net; do
    find "$m/lib/modules/$kver/" -name "$ko.ko" | grep -q . || fail "$ko.ko missing"
    grep -q "/$ko.ko:" "$m/lib/modules/$kver/modules.dep" || fail "$ko not in modules.dep"
  done
  grep -qx virtio_blk "$m/conf/modules" || fail "conf/modules lacks virtio_blk"
  grep -qx 'RESUME=/dev/vda2' "$m/conf/conf.d/resume" || fail "conf/conf.d/resume not updated"
fi
grep -q '^fixup: command: dpkg --purge open-vm-tools$' "$TMP/fixup.out" ||
  fail "open-vm-tools was not removed"
