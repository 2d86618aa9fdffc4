#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# nbdkit-v2kvm-plugin.so serves a disk read-only through our readers:
# qemu reads the same bytes, sees the holes, and a qcow2 overlay on top
# takes writes while the source stays byte-identical.
. "$srcdir/functions.sh"
requires nbdkit jq "$QEMU_IMG" "$QEMU_IO"
plugin=$top_builddir/nbdkit-v2kvm-plugin.so
[ -f "$plugin" ] || skip "plugin not built"
if [ -n "${SANITIZER_RUN:-}" ]; then skip "sanitized .so cannot load into nbdkit"; fi

img=$TMP/src.img
truncate -s 32M "$img"
"$QEMU_IO" -f raw -c 'write -P 0x5a 1M 2M' -c 'write -P 0xa5 20M 64k' "$img" >/dev/null
before=$(sha256sum < "$img")

sock=$TMP/nbd.sock
nbdkit -r -U "$sock" -P "$TMP/nbdkit.pid" "$plugin" file="$img" format=raw
cleanup_fn 'kill $(cat "$TMP/nbdkit.pid") 2>/dev/null'
uri="nbd+unix:///?socket=$sock"

"$QEMU_IMG" compare -f raw -F raw "$img" "$uri" >/dev/null \
  || fail "NBD export differs from the source"

# Allocation is visible through NBD block status: data at 1M..3M, 20M..20M+64k.
"$QEMU_IMG" map -f raw --output=json "$uri" > "$TMP/map.json"
data=$(jq -r '[.[] | select(.data) | .length] | add' "$TMP/map.json")
[ "$data" -ge $((2*1024*1024 + 65536)) ] && [ "$data" -le $((8*1024*1024)) ] \
  || fail "data bytes seen through NBD: $data"

# An overlay takes the writes; the source does not change.
"$QEMU_IMG" create -q -f qcow2 -b "$uri" -F raw "$TMP/ov.qcow2"
"$QEMU_IO" -f qcow2 -c 'write -P 0x11 0 1M' "$TMP/ov.qcow2" >/dev/null
"$QEMU_IO" -f qcow2 -c 'read -P 0x11 0 1M' -c 'read -P 0x5a 1M 2M' "$TMP/ov.qcow2" \
  | grep -q 'read 2097152/2097152' || fail "overlay does not read through"
[ "$(sha256sum < "$img")" = "$before" ] || fail "the source was modified"

# A write through the export itself is refused.
if "$QEMU_IO" -f raw -c 'write 0 512' "$uri" >/dev/null 2>&1; then
  [ "$(sha256sum < "$img")" = "$before" ] || fail "write through NBD reached the source"
fi

# An unreadable disk fails at startup with our message.
if nbdkit -r -U "$TMP/bad.sock" "$plugin" file="$TMP/missing.img" 2>"$TMP/err"; then
  fail "nbdkit started on a missing file"
fi
grep -q "cannot open '.*missing.img'" "$TMP/err" || fail "message: $(cat "$TMP/err")"
echo ok
