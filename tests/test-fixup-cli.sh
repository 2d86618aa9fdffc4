#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm fixup command line, without the appliance: usage errors exit 2,
# a missing disk 3, a disk format fixup does not open (VMDK, VHD) 4.
. "$srcdir/functions.sh"
requires "$QEMU_IMG"

expect_exit 2 "$V2KVM" fixup
expect_exit 2 "$V2KVM" fixup --root second disk.img
expect_exit 2 "$V2KVM" fixup --accel fast disk.img
expect_exit 2 "$V2KVM" fixup --smp 0 disk.img
expect_error_match "fixup: --smp takes 1 to 16"
expect_exit 2 "$V2KVM" fixup --mac eth0 disk.img
expect_error_match "--mac takes NAME=xx:xx:xx:xx:xx:xx"
expect_exit 2 "$V2KVM" fixup --mac eth0=00:11:22:33:44 disk.img
expect_exit 3 "$V2KVM" fixup "$TMP/missing.img"
expect_error_match "cannot open '.*/missing.img' for writing"
expect_exit 3 "$V2KVM" fixup --dry-run "$TMP/missing.img"
"$V2KVM" fixup --machine-readable "$TMP/missing.img" >"$TMP/mr.out" 2>/dev/null && fail "missing disk succeeded"
if command -v jq >/dev/null; then
  jq -e 'select(.type == "result") | select(.ok == false and .exit == 3)' "$TMP/mr.out" >/dev/null ||
    fail "machine-readable result: $(cat "$TMP/mr.out")"
  jq -s -e 'map(select(.type == "error"))[0].message | test("missing.img")' "$TMP/mr.out" >/dev/null ||
    fail "machine-readable error: $(cat "$TMP/mr.out")"
fi
"$QEMU_IMG" create -q -f vmdk "$TMP/d.vmdk" 1M
expect_exit 4 "$V2KVM" fixup "$TMP/d.vmdk"
expect_error_match "d.vmdk': fixup works on raw or qcow2 disks"
"$QEMU_IMG" create -q -f vpc "$TMP/d.vhd" 1M
expect_exit 4 "$V2KVM" fixup "$TMP/d.vhd"
"$V2KVM" fixup --help | grep -q '^usage: v2kvm fixup' || fail "no usage"
"$V2KVM" --help | grep -q 'v2kvm fixup ' || fail "fixup not in --help"
exit 0
