#!/bin/bash
# The Xen flavor of the real Debian 12 test guest (/dev/xvda names,
# console=hvc0, xen-only initramfs, enX0 not pinned) boots on virtio after
# `v2kvm fixup`; enX0 keeps its name thanks to the MAC from the source
# config (tests/guests/xen.cfg.in vif), passed as --mac.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
cfg=$srcdir/guests/xen.cfg.in
[ -f "$cfg" ] || cfg=${V2KVM_GUEST_TOOLS:-$top_srcdir/../guests/tests/guests}/xen.cfg.in
mac=$(sed -n "s/^vif.*mac=\([0-9a-f:]*\).*/\1/p" "$cfg" 2>/dev/null)
[ -n "$mac" ] || skip "no MAC found in xen.cfg.in"
fixup_boot xen --mac "enX0=$mac"
grep -q "^fixup: /etc/systemd/network/10-v2kvm-enX0.link: pinned enX0 to MAC $mac\$" "$TMP/fixup.out" ||
  fail "enX0 was not pinned"
