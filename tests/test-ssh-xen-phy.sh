#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i xl -it ssh: the Xen test guest as a dom0 holds it,
# an xl.cfg whose disk is phy:/dev/loopN (a read-only loop device over
# the cached guest image, losetup -r, detached at the end), read over
# SSH from a throwaway sshd on 127.0.0.1 (size by blockdev over an exec
# channel), converted and booted: the guest reaches its marker with its
# static IP (convert-functions.sh).  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
. "$srcdir/ssh-functions.sh"
require_slow
requires losetup
[ "$(id -u)" = 0 ] || skip "losetup needs root"
ssh_start
phy_cfg () {
  local img
  img=$(sed -n "s/^disk = .*target=\([^' ]*\)'.*/\1/p" "$INPUT_SOURCE")
  [ -f "$img" ] || fail "no disk image in $INPUT_SOURCE"
  LOOP=$(losetup -r -f --show "$img") || skip "no loop device available"
  cleanup_fn losetup -d "$LOOP"
  sed "s|^disk = .*|disk = [ 'phy:$LOOP,xvda,r' ]|" "$INPUT_SOURCE" \
    > "$TMP/v2kvm-xen-phy.cfg"
  INPUT_SOURCE=$TMP/v2kvm-xen-phy.cfg
}
E2E_PREPARE=phy_cfg E2E_SSH=$SSH_URL convert_e2e xen xl
jq -e -s --arg l "$LOOP" '.[-1].disks[0].source | endswith($l)' "$JSON" \
  >/dev/null || fail "the disk read was not $LOOP: $(tail -1 "$JSON")"
echo "fetched over SSH: $(jq -s '.[-1].fetched_bytes' "$JSON") bytes"
exit 0
