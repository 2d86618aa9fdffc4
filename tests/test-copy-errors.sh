#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# disk convert failures: an output directory that is missing, full or a
# device that fails (exit 5), an unreadable or corrupt input (exit 3),
# SIGINT in the middle of a copy (exit 130).  In every case nothing is
# left behind: no OUTPUT, no temporary file; the source is never written.
. "$srcdir/functions.sh"
requires "$QEMU_IMG" sha256sum

src=$TMP/src.raw
truncate -s 64M "$src"
yes 'some text for the disk' | head -c 8M | dd of="$src" bs=1M seek=4 conv=notrunc status=none
sum0=$(sha256sum <"$src")

no_leftovers () {   # DIR
  if ls -A "$1" | grep -q 'v2kvm-tmp'; then fail "temporary file left in $1: $(ls -A "$1")"; fi
}

# Output directory missing.
expect_exit 5 "$V2KVM" disk convert -f raw "$src" "$TMP/nodir/out.qcow2"
expect_error_match "nodir"
# Output "directory" is a regular file.
expect_exit 5 "$V2KVM" disk convert -f raw "$src" "$src/out.qcow2"

# A device that is always full (written in place with --force).
if [ -c /dev/full ]; then
  expect_exit 5 "$V2KVM" disk convert -f raw -O raw --force "$src" /dev/full
  expect_error_match "No space left"
fi

# A full file system: a 2 MiB tmpfs, when we may mount one.
mnt=$TMP/mnt
mkdir "$mnt"
if mount -t tmpfs -o size=2M tmpfs "$mnt" 2>/dev/null; then
  cleanup_fn umount "$mnt"
  for fmt in qcow2 raw; do
    expect_exit 5 "$V2KVM" disk convert -f raw -O $fmt "$src" "$mnt/out"
    expect_error_match "No space left"
    [ ! -e "$mnt/out" ] || fail "$fmt: output left on a full file system"
    no_leftovers "$mnt"
  done
else
  echo "note: cannot mount a tmpfs, full-file-system case not run"
fi

# Unreadable inputs: missing, a directory, a corrupt VMDK.
expect_exit 3 "$V2KVM" disk convert "$TMP/missing.vmdk" "$TMP/out.qcow2"
expect_error_match "missing.vmdk"
[ ! -e "$TMP/out.qcow2" ] || fail "output created for a missing input"
"$QEMU_IMG" convert -f raw -O vmdk -o subformat=monolithicSparse "$src" "$TMP/bad.vmdk"
truncate -s 100K "$TMP/bad.vmdk"
expect_exit 3 "$V2KVM" disk convert "$TMP/bad.vmdk" "$TMP/out.qcow2"
[ ! -e "$TMP/out.qcow2" ] || fail "output left after a corrupt input"
no_leftovers "$TMP"

# Usage errors.
expect_exit 2 "$V2KVM" disk convert "$src"
expect_exit 2 "$V2KVM" disk convert -O vdi "$src" "$TMP/x"
expect_exit 2 "$V2KVM" disk convert -O raw -c "$src" "$TMP/x"
expect_exit 2 "$V2KVM" disk convert -j 0 "$src" "$TMP/x"
[ ! -e "$TMP/x" ] || fail "output created after a usage error"

# SIGINT during a longer copy: 192 MiB of pseudo-random data compressed
# by one thread takes seconds.
big=$TMP/big.raw
openssl enc -aes-128-ctr -nosalt -pass pass:sigint -pbkdf2 </dev/zero 2>/dev/null |
  head -c 192M >"$big"
"$V2KVM" disk convert -f raw -c -j 1 --machine-readable "$big" "$TMP/int.qcow2" \
  >"$TMP/int.json" 2>"$TMP/int.err" &
pid=$!
# Wait until the copy has started (a progress line), then interrupt.
for _ in $(seq 100); do
  grep -q '"type":"progress"' "$TMP/int.json" 2>/dev/null && break
  sleep 0.05
done
sleep 0.2
kill -0 $pid 2>/dev/null || skip "the conversion finished before SIGINT could be sent"
kill -INT $pid
rc=0
wait $pid || rc=$?
[ "$rc" = 130 ] || fail "SIGINT: exit $rc, expected 130: $(cat "$TMP/int.err")"
[ ! -e "$TMP/int.qcow2" ] || fail "SIGINT: output left behind"
no_leftovers "$TMP"
tail -n1 "$TMP/int.json" | grep -q '"type":"result".*"exit":130' ||
  fail "SIGINT: no result line: $(tail -n2 "$TMP/int.json")"

[ "$(sha256sum <"$src")" = "$sum0" ] || fail "the source was modified"
echo ok
