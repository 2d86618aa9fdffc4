#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# CLI basics: --help lists exit codes, bad usage exits 2, a missing input
# exits 3 with one line naming the file.
. "$srcdir/functions.sh"

"$V2KVM" --help | grep -q '^  6    integrity' || fail "--help does not list exit codes"
"$V2KVM" --version | grep -Eq '^v2kvm [0-9]' || fail "--version"

expect_exit 2 "$V2KVM" no-such-command
expect_exit 2 "$V2KVM" disk info
expect_exit 2 "$V2KVM" disk info a b
expect_exit 3 "$V2KVM" disk info "$TMP/missing.img"
expect_error_match "cannot open '.*missing.img': No such file"
mkdir "$TMP/dir"
expect_exit 3 "$V2KVM" disk info "$TMP/dir"
expect_error_match "is a directory"
expect_exit 4 "$V2KVM" disk info --format nonesuch "$TMP/dir"
echo ok
