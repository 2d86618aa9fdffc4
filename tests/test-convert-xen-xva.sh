#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# xe vm-export ... | v2kvm convert -i xva -: a XenServer export of the
# xen test guest piped in (ova.xml read first, then the disk streamed to
# scratch in the same pass, block checksums verified) boots converted.
# (The same archive read from its file takes the same writer path, one
# pass per disk; tests/test-convert-xva-stdin.sh checks both give the
# same disk.)  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
E2E_STDIN=1 convert_e2e xen xva
jq -e -s 'any(.[]; .type == "phase" and .phase == "serve")' "$JSON" \
  >/dev/null || fail "no serve phase"
exit 0
