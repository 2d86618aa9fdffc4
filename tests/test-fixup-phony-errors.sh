#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm fixup failure modes on phony guests (tests/phony/make-phony.sh):
#   - only a Xen-PV kernel: exit 7 naming the kernel, disk not modified;
#   - two roots with --root single: exit 7 listing the roots and the flag,
#     disks not modified; --dry-run --root first then converts nothing
#     but lists the changes, disks still not modified;
#   - the initramfs rebuild fails (fake dracut exits 1): exit 7 with the
#     tool's message, and the files edited before it are restored.
# "Not modified" is checked with sha256sum of the whole image.
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
require_phony
phony_copy xenonly ubuntu rhel7 rhel7fail
sums () { (cd "$TMP" && sha256sum xenonly.img ubuntu.img rhel7.img); }
sums >"$TMP/before"

expect_exit 7 "$V2KVM" fixup "$TMP/xenonly.img"
expect_error_match "only Xen-PV kernels \('2\.6\.18-398\.el5xen'\)"

expect_exit 7 "$V2KVM" fixup "$TMP/ubuntu.img" "$TMP/rhel7.img"
expect_error_match 'hold 2 operating systems: /dev/sda1 \(Ubuntu 22\.04.*\), /dev/sdb1 \(Red Hat Enterprise Linux Server 7\.9.*\); choose one with --root'

"$V2KVM" fixup --dry-run --root first "$TMP/ubuntu.img" "$TMP/rhel7.img" \
  >"$TMP/dry.out" 2>"$TMP/dry.err" || fail "dry run failed: $(cat "$TMP/dry.err")"
expect_line "$TMP/dry.out" '^fixup: /etc/fstab: sda2 -> vda2$'
expect_line "$TMP/dry.out" '^fixup: command: /usr/sbin/update-initramfs -u -k 5\.15\.0-91-generic$'
expect_line "$TMP/dry.out" '^dry run: nothing was written'
sums | cmp -s - "$TMP/before" || fail "a failed or dry run changed the disks"

expect_exit 7 "$V2KVM" fixup "$TMP/rhel7fail.img"
expect_error_match "cannot rebuild the initramfs of kernel '3\.10\.0-1160\.el7\.x86_64': '/usr/bin/dracut' failed in the guest: .*fake failure"
grep -q 'restored the .* files changed before the failure' "$TMP/expect.err" ||
  fail "no restore warning: $(cat "$TMP/expect.err")"
gdump "$TMP/rhel7fail.img" /etc/fstab /boot/grub2/grub.cfg \
  F:/etc/systemd/network/10-v2kvm-ens192.link /var/log/v2kvm-fake.log >"$TMP/dump"
i=$TMP/rhel7fail.img
expect_in "$TMP/dump" "$i" /etc/fstab '^/dev/sda1 / ext4'
expect_in "$TMP/dump" "$i" /boot/grub2/grub.cfg 'root=/dev/sda1 ro'
expect_in "$TMP/dump" "$i" F:/etc/systemd/network/10-v2kvm-ens192.link '^false$'
expect_in "$TMP/dump" "$i" /var/log/v2kvm-fake.log '^/usr/bin/dracut -f --add-drivers'
exit 0
