#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i disk: the xen test guest's bare raw image, nothing
# known about it: the fixups map xvda -> vda by letter, and its enX0
# (configured without a MAC) is bound to a new MAC that the domain
# carries, so the converted guest boots with its static IP up.  Slow
# (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e xen disk
# no --smp: the appliance got the host's cores, at most 4
want=$(nproc); [ "$want" -le 4 ] || want=4
[ "$(jq -s '.[-1].guest.smp' "$JSON")" = "$want" ] ||
  fail "appliance vCPUs $(jq -s '.[-1].guest.smp' "$JSON"), expected $want (cores, at most 4)"
jq -e -s 'any(.[]; .type == "change" and (.change |
          test("NIC 1 gets the new MAC 52:54:00:..:..:.., to which the guest.s enX0 is now bound")))' \
  "$JSON" >/dev/null || fail "enX0 was not bound to a new MAC"
exit 0
