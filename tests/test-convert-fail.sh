#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert failing early and being interrupted:
#   - a guest whose fixup must fail (only a Xen-PV kernel, phony guest)
#     exits 7 naming the kernel, before any copy: no output file;
#   - a disk with no operating system exits 7 the same way;
#   - SIGINT while the appliance boots, and while it converts the xen
#     test guest: exit 130,
#     no output, no scratch directory, no nbdkit or qemu left running.
# The sources are unchanged in every case (sha256).  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
require_slow
require_phony
requires jq
export V2KVM_TMPDIR=$TMP/scratch
mkdir -p "$V2KVM_TMPDIR" "$TMP/out"

nothing_left () {
  [ -z "$(ls -A "$TMP/out")" ] || fail "output left behind: $(ls -A "$TMP/out")"
  [ -z "$(ls -A "$V2KVM_TMPDIR")" ] ||
    fail "scratch left behind: $(ls -A "$V2KVM_TMPDIR")"
  ! pgrep -f "$V2KVM_TMPDIR" >/dev/null ||
    fail "still running: $(pgrep -af "$V2KVM_TMPDIR")"
}

before=$(sha256sum <"$PHONY/xenonly.img")
expect_exit 7 "$V2KVM" convert -i disk "$PHONY/xenonly.img" -os "$TMP/out"
expect_error_match "only Xen-PV kernels \('2\.6\.18-398\.el5xen'\)"
[ "$(sha256sum <"$PHONY/xenonly.img")" = "$before" ] || fail "source changed"
nothing_left

truncate -s 256M "$TMP/blank.img"
expect_exit 7 "$V2KVM" convert -i disk "$TMP/blank.img" -os "$TMP/out"
expect_error_match "no operating system"
nothing_left

# SIGINT while the appliance boots (the launch watchdog kills its qemu)
# and in the middle of the fixups
require_convert_input xen xl
source_sums >"$TMP/sums-before"
for delay in 2 15; do
  "$V2KVM" convert -i "$INPUT_TYPE" "$INPUT_SOURCE" -os "$TMP/out" \
    --machine-readable >"$TMP/int.json" 2>"$TMP/int.err" &
  pid=$!
  for ((i = 0; i < 300; i++)); do
    grep -q '"phase":"fixup","event":"start"' "$TMP/int.json" && break
    kill -0 $pid 2>/dev/null || break
    sleep 1
  done
  sleep $delay
  kill -INT $pid
  rc=0; wait $pid || rc=$?
  [ "$rc" = 130 ] || fail "convert interrupted after $delay s exited $rc: $(cat "$TMP/int.err")"
  grep -q 'interrupted' "$TMP/int.err" || fail "no message: $(cat "$TMP/int.err")"
  jq -e -s '.[-1].type == "result" and .[-1].exit == 130' "$TMP/int.json" \
    >/dev/null || fail "no result line with exit 130"
  nothing_left
done
source_sums | cmp -s - "$TMP/sums-before" || fail "the source changed"
exit 0
