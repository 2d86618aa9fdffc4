#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i disk on a phony Windows 10 that ran on VMware
# (tests/phony/make-windows.sh) with a phony virtio-win tree: the whole
# pipeline takes the Windows fixups, and the domain XML carries what
# they decided (Hyper-V enlightenments, RTC in local time, virtio disk
# and NIC); --block-driver virtio-scsi puts the disk on a virtio-scsi
# controller.  Each domain validates (virt-xml-validate); the source
# image is unchanged.  The guest has two static IPv4 interfaces
# (make-windows.sh twonic); the virtio-scsi run reads it through a .vmx
# with two NICs and no --mac, so the first-boot script must re-apply
# each interface's address on its own source MAC, in order
# (docs/windows.md).  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
. "$srcdir/phony/windows-lib.sh"
require_slow
windows_requires
requires virt-xml-validate
"$PHONY/make-windows.sh" "$TMP/win.img" win10 twonic >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" w10 2k19
before=$(sha256sum <"$TMP/win.img")
{
  printf '%s = "%s"\n' displayName win-twonic guestOS windows9-64 memSize 2048 \
    numvcpus 2 scsi0.present TRUE scsi0.virtualDev lsisas1068 \
    scsi0:0.present TRUE scsi0:0.fileName win.img
  for n in 0 1; do
    printf 'ethernet%d.%s = "%s"\n' $n present TRUE $n virtualDev vmxnet3 \
      $n addressType static $n address "00:50:56:aa:bb:0$((n + 1))"
  done
} > "$TMP/win.vmx"

for drv in virtio-blk virtio-scsi; do
  out=$TMP/out-$drv
  mkdir "$out"
  case $drv in
    virtio-blk) input=(-i disk "$TMP/win.img") ;;
    virtio-scsi) input=(-i vmx "$TMP/win.vmx") ;;
  esac
  "$V2KVM" convert "${input[@]}" -os "$out" -on "win-$drv" \
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
# Both source MACs reach the guest (one appliance launch): each static
# interface keeps its address on its own NIC.
xml=$TMP/out-virtio-scsi/win-virtio-scsi.xml
for m in 00:50:56:aa:bb:01 00:50:56:aa:bb:02; do
  grep -q "<mac address=\"$m\"/>" "$xml" || fail "NIC $m not in $xml"
done
readback "$TMP" "$TMP/out-virtio-scsi/win-virtio-scsi-sda.qcow2"
"$srcdir/check-batch.sh" "$TMP/1.firstboot.cmd" || fail "first-boot script check"
grep -F 'call :setip' "$TMP/1.firstboot.cmd"
grep -qF 'call :setip "00-50-56-AA-BB-01" "192.0.2.10" "255.255.255.0" "192.0.2.1" "192.0.2.53,192.0.2.54"' \
  "$TMP/1.firstboot.cmd" || fail "interface 1 not re-applied on the first source MAC"
grep -qF 'call :setip "00-50-56-AA-BB-02" "192.0.2.20" "255.255.255.0" "none" ""' \
  "$TMP/1.firstboot.cmd" || fail "interface 2 not re-applied on the second source MAC"
exit 0
