#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `v2kvm fixup` on a phony Windows 10 (tests/phony/make-windows.sh, the
# Windows fixup's own fixture) goes through the fixup table to
# windows_convert(): virtio drivers in, capabilities reported (the
# registry/file checks themselves are tests/test-windows-fixup.sh's).
# Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
. "$srcdir/phony/windows-lib.sh"
require_slow
windows_requires
"$PHONY/make-windows.sh" "$TMP/win.img" win10 vmware >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" w10 2k19
"$V2KVM" fixup --virtio-win "$TMP/vw" --mac eth0=52:54:00:ab:cd:01 \
  "$TMP/win.img" >"$TMP/out" 2>"$TMP/err" || fail "fixup: $(cat "$TMP/err")"
cat "$TMP/out"
expect_line "$TMP/out" '^fixup: windows: virtio drivers installed \(disk virtio, network virtio\)$'
expect_line "$TMP/out" '^guest: .*\(windows, root /dev/sda[0-9]\)$'
expect_line "$TMP/out" '^caps: block=virtio-blk net=virtio machine=q35 firmware=bios .*rtc=localtime$'
