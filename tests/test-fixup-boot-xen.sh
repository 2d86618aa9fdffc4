#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Xen flavor of the real Debian 12 test guest (/dev/xvda names,
# console=hvc0, xen-only initramfs, enX0 not pinned) boots on virtio after
# `v2kvm fixup`; enX0 keeps its name thanks to the MAC from the source
# config (tests/guests/xen.cfg.in vif), passed as --mac.  Run with
# --rebuild-initramfs: the guest's own update-initramfs, the path every
# other boot test skips by patching the image.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
cfg=$srcdir/guests/xen.cfg.in
mac=$(sed -n "s/^vif.*mac=\([0-9a-f:]*\).*/\1/p" "$cfg" 2>/dev/null)
[ -n "$mac" ] || skip "no MAC found in xen.cfg.in"
fixup_boot xen --mac "enX0=$mac" --rebuild-initramfs
grep -q '^fixup: command: /usr/sbin/update-initramfs -u -k ' "$TMP/fixup.out" ||
  fail "--rebuild-initramfs did not run update-initramfs"
! grep -q 'added without a rebuild' "$TMP/fixup.out" ||
  fail "--rebuild-initramfs patched the image"
grep -q "^fixup: /etc/systemd/network/10-v2kvm-enX0.link: pinned enX0 to MAC $mac\$" "$TMP/fixup.out" ||
  fail "enX0 was not pinned"
