#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i xva: a XenServer export of the xen test guest (the
# one input streamed to scratch before converting; block checksums
# verified) boots converted.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e xen xva
jq -e -s 'any(.[]; .type == "phase" and .phase == "serve")' "$JSON" \
  >/dev/null || fail "no serve phase"
exit 0
