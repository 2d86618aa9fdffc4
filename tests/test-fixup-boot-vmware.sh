#!/bin/bash
# The VMware flavor of the real Debian 12 test guest (/dev/sda names, no
# virtio in its MODULES=list initramfs, open-vm-tools, ens192 pinned to
# its MAC) boots on virtio after `v2kvm fixup`.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
fixup_boot vmware
grep -q '^fixup: command: dpkg --purge open-vm-tools$' "$TMP/fixup.out" ||
  fail "open-vm-tools was not removed"
