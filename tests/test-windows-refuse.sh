#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The Windows fixup refuses, before writing anything, with exit 7 and one
# line: a BitLocker volume ("-FVE-FS-" at byte 3), a hibernated system
# volume (hiberfil.sys starting "HIBR"), and a virtio-win tree with no
# viostor for this Windows (a client Windows 10 with only server drivers:
# no fallback across families), a dynamic (LDM, type 0x42) system
# disk, and an NTFS volume marked dirty (Fast Startup, a crash; the flag
# is set by phony/ntfs-set-dirty.py and confirmed by ntfs-3g's ntfsinfo
# before v2kvm sees it).  The image's sha256 is unchanged after
# each refusal.  Nine appliance launches, one at a time.
. "$srcdir/functions.sh"
. "$srcdir/phony/windows-lib.sh"
skip_if_skipped
windows_requires
requires sha256sum

"$PHONY/make-virtio-win.sh" "$TMP/vw" w10 2k19
"$PHONY/make-virtio-win.sh" "$TMP/vw-server" 2k19

refused () {   # refused IMAGE REGEX [wintool args]
  local img=$1 re=$2; shift 2
  local before after
  before=$(sha256sum < "$img")
  expect_exit 7 "$WINTOOL" "$@" "$img"
  expect_error_match "$re"
  after=$(sha256sum < "$img")
  [ "$before" = "$after" ] || fail "'$img' changed although the guest was refused"
  echo "refused as expected: $ERR"
}

"$PHONY/make-windows.sh" "$TMP/bitlocker.img" win10 bitlocker >/dev/null
refused "$TMP/bitlocker.img" "^v2kvm: '/dev/sda2' is a BitLocker volume" --virtio-win "$TMP/vw"

"$PHONY/make-windows.sh" "$TMP/hiber.img" win10 hibernated >/dev/null
refused "$TMP/hiber.img" "^v2kvm: '/dev/sda1' is hibernated" --virtio-win "$TMP/vw"

"$PHONY/make-windows.sh" "$TMP/dynamic.img" win10 dynamic >/dev/null
refused "$TMP/dynamic.img" "^v2kvm: '/dev/sda' is a dynamic disk \(LDM, partition type 0x42\)" --virtio-win "$TMP/vw"

"$PHONY/make-windows.sh" "$TMP/dirty.img" win10 dirty >/dev/null
if command -v ntfsinfo >/dev/null; then
  dd if="$TMP/dirty.img" of="$TMP/dirty-part.img" bs=1M skip=1 status=none
  ntfsinfo -f -m "$TMP/dirty-part.img" 2>&1 | grep -q 'Volume Flags: .*DIRTY' ||
    fail "ntfsinfo does not see the dirty flag ntfs-set-dirty.py set"
  rm -f "$TMP/dirty-part.img"
fi
refused "$TMP/dirty.img" "^v2kvm: '/dev/sda1': the NTFS volume is marked dirty" --virtio-win "$TMP/vw"

"$PHONY/make-windows.sh" "$TMP/plain.img" win10 vmware >/dev/null
refused "$TMP/plain.img" "^v2kvm: no viostor driver for this Windows \(client 10\.0 build 19045, amd64\)" \
  --virtio-win "$TMP/vw-server"
# vioscsi missing too (only viostor in the tree) for --block-driver virtio-scsi.
rm -rf "$TMP/vw/vioscsi"
refused "$TMP/plain.img" "^v2kvm: no vioscsi driver" --virtio-win "$TMP/vw" --block-driver virtio-scsi
