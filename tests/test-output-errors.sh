#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Output failures that must stop a conversion before or while it copies,
# with exit 5 and one message naming the directory: a missing or
# read-only -os directory, too little free space for the estimate
# (statvfs, checked in prepare before any byte is written), a disk
# that does not fit after all (the copy fails with ENOSPC: the partial
# disk is removed and no XML / script is written), an existing NAME.sh
# for -o qemu.  Small filesystems are tmpfs mounts in a private mount
# namespace (unshare -m), so nothing leaks into the host.
# (A missing or inactive libvirt pool is in test-output-libvirt.sh.)
. "$srcdir/functions.sh"
. "$srcdir/output-functions.sh"
requires unshare mount

make_disk "$TMP/in.qcow2" qcow2 20M 1
printf '<domain/>\n' >"$TMP/t.xml"
cd "$TMP" || fail "cd"

# Missing directory.
expect_exit 5 "$OUTTOOL" -s "$TMP/nope" --xml t.xml local g in.qcow2
expect_error_match "output directory '$TMP/nope' is not writable: No such file or directory"
expect_exit 5 "$OUTTOOL" -s "$TMP/nope" --xml t.xml qemu g in.qcow2
expect_error_match "'$TMP/nope'"

# in_small_fs SIZE OPTS CMD...: run CMD with a fresh tmpfs of SIZE on
# $TMP/small (mount options OPTS); the exit code of CMD.
mkdir small
in_small_fs () {
  local size=$1 opts=$2; shift 2
  unshare -m bash -c 'mount -t tmpfs -o "size=$1" none small || exit 99
    [ -z "$2" ] || mount -o "remount,$2" small || exit 99
    shift 2; "$@"; rc=$?
    ls -A small >left; exit $rc' sh "$size" "$opts" "$@"
}
unshare -m true 2>/dev/null || skip "cannot make a mount namespace (unshare -m)"

# Read-only directory (root can write anywhere else).
expect_exit 5 in_small_fs 4M ro "$OUTTOOL" -s small --xml t.xml local g in.qcow2
expect_error_match "output directory 'small' is not writable: Read-only file system"

# Not enough room for the estimate: refused in prepare.
expect_exit 5 in_small_fs 4M "" "$OUTTOOL" -s small --estimate $((8 << 20)) --xml t.xml local g in.qcow2
expect_error_match "not enough space in 'small': the converted disks need about 8 MiB, 4 MiB are free"
[ ! -s left ] || fail "prepare wrote files: $(cat left)"

# The estimate was wrong: the copy runs out of space; the partial disk
# and its temporary file are removed, no XML.
make_disk big.qcow2 qcow2 64M 3
"$QEMU_IO" -f qcow2 -c "write -P 7 8M 6M" big.qcow2 >/dev/null || fail "qemu-io"
expect_exit 5 in_small_fs 4M "" "$OUTTOOL" -s small --estimate 0 --xml t.xml local g in.qcow2 big.qcow2
echo "copy into a full directory: $ERR"
expect_error_match "small/\.?g-sdb\.qcow2.*No space left on device"
[ ! -s left ] || fail "a failed copy left files: $(cat left)"

# -o qemu: an existing NAME.sh is refused, and nothing is written.
mkdir q && touch q/g.sh
expect_exit 5 "$OUTTOOL" -s q --xml t.xml qemu g in.qcow2
expect_error_match "'q/g.sh' already exists"
[ "$(ls -A q)" = g.sh ] || fail "refused -o qemu wrote files: $(ls -A q)"
[ ! -s q/g.sh ] || fail "refused -o qemu changed g.sh"
echo "output errors: all checks passed"
