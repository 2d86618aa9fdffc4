#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i xl: the xen test guest (xl.cfg + raw image, names
# /dev/xvda, console hvc0, enX0 not pinned in the guest) converted to
# qcow2 boots on virtio with its static IP up (convert-functions.sh).
# Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e xen xl
# the MAC came from the xl vif: the guest keeps the name enX0
jq -e -s 'any(.[]; .type == "change" and
          (.change | test("pinned enX0 to MAC 00:16:3e:aa:bb:02")))' \
  "$JSON" >/dev/null || fail "enX0 was not pinned to the vif's MAC"
exit 0
