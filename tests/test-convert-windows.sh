#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i disk on a phony Windows 10 that ran on VMware
# (tests/phony/make-windows.sh) with a phony virtio-win tree: the whole
# pipeline takes the Windows fixups, and the domain XML carries what
# they decided (Hyper-V enlightenments, RTC in local time, virtio disk
# and NIC); --block-driver virtio-scsi puts the disk on a virtio-scsi
# controller.  Each domain validates (virt-xml-validate); the source
# image is unchanged.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
. "$srcdir/phony/windows-lib.sh"
require_slow
windows_requires
requires virt-xml-validate
"$PHONY/make-windows.sh" "$TMP/win.img" win10 vmware >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" w10 2k19
before=$(sha256sum <"$TMP/win.img")

for drv in virtio-blk virtio-scsi; do
  out=$TMP/out-$drv
  mkdir "$out"
  "$V2KVM" convert -i disk "$TMP/win.img" -os "$out" -on "win-$drv" \
    --virtio-win "$TMP/vw" --block-driver $drv >"$TMP/conv.out" 2>"$TMP/conv.err" ||
    fail "convert ($drv): $(cat "$TMP/conv.err")"
  cat "$TMP/conv.out"
  grep -q '^fixup: windows: virtio drivers installed' "$TMP/conv.out" ||
    fail "the Windows fixups did not run"
  xml=$out/win-$drv.xml
  virt-xml-validate "$xml" domain >/dev/null || fail "$xml does not validate"
  grep -q '<hyperv' "$xml" || fail "no Hyper-V enlightenments"
  grep -q 'offset="localtime"' "$xml" || fail "RTC not in local time"
  grep -q '<model type="virtio"/>' "$xml" || fail "NIC not virtio"
  case $drv in
    virtio-blk) grep -q '<target dev="vda" bus="virtio"/>' "$xml" ||
                  fail "disk not on virtio-blk: $(grep '<target' "$xml")" ;;
    virtio-scsi) grep -q '<target dev="sda" bus="scsi"/>' "$xml" &&
                   grep -q 'model="virtio-scsi"' "$xml" ||
                   fail "disk not on virtio-scsi: $(grep -e '<target' -e controller "$xml")" ;;
  esac
  qemu-img check -q "$out/win-$drv-sda.qcow2" || fail "qemu-img check"
done
[ "$(sha256sum <"$TMP/win.img")" = "$before" ] || fail "the source changed"
exit 0
