#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Windows fixup on a phony Windows Server 2025 with Xen PV drivers
# (boot-start, xenfilt in the SCSI/hdc/System class filters), virtio-win
# given as an ISO (made with bsdtar) holding only 2k19 drivers, and
# --block-driver virtio-scsi: the 2k19 folder is used with a warning,
# vioscsi becomes the boot service in both control sets, every xen*
# service is disabled and xenfilt leaves every class filter.  Three
# appliance launches.
. "$srcdir/functions.sh"
. "$srcdir/phony/windows-lib.sh"
skip_if_skipped
windows_requires
requires bsdtar

"$PHONY/make-windows.sh" "$TMP/before.img" win2025 xen >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" 2k19
bsdtar -c -f "$TMP/virtio-win.iso" --format iso9660 -C "$TMP/vw" .
cp --sparse=always "$TMP/before.img" "$TMP/after.img"
"$WINTOOL" --virtio-win "$TMP/virtio-win.iso" --block-driver virtio-scsi "$TMP/after.img" \
  > "$TMP/caps" 2> "$TMP/stderr" || fail "wintool: $(cat "$TMP/stderr")"
cat "$TMP/caps" "$TMP/stderr"
grep -qx block=virtio-scsi "$TMP/caps" || fail "block bus"
grep -qx net=virtio "$TMP/caps" || fail "net"
grep -qx "v2kvm: warning: no vioscsi driver for '2k25' in '$TMP/virtio-win.iso': using the one for '2k19'" "$TMP/stderr" ||
  fail "no fallback warning"
[ "$(grep -c "no vioscsi driver" "$TMP/stderr")" = 1 ] || fail "fallback warned more than once"

readback "$TMP" "$TMP/before.img" "$TMP/after.img"
grep -qx "fake vioscsi.sys for 2k19/amd64" "$TMP/2.vioscsi.sys" || fail "System32\\drivers\\vioscsi.sys"
[ ! -e "$TMP/2.viostor.sys" ] || fail "viostor.sys installed as a boot driver with virtio-scsi"
f=$TMP/2-SYSTEM.reg
for cs in ControlSet001 ControlSet002; do
  k="$cs\\Services\\vioscsi]"
  [ "$(regval "$f" "$k" Start)" = dword:00000000 ] || fail "$cs vioscsi Start"
  [ "$(regval "$f" "$k" ImagePath)" = 'str(2):"system32\drivers\vioscsi.sys"' ] || fail "$cs vioscsi ImagePath"
  grep -qF "[HKEY_LOCAL_MACHINE\\SYSTEM\\$cs\\Services\\viostor]" "$f" && fail "$cs: viostor service with virtio-scsi"
  for s in xenbus xenfilt xeniface xennet xenvbd xenvif; do
    [ "$(regval "$TMP/1-SYSTEM.reg" "$cs\\Services\\$s]" Start)" != dword:00000004 ] || fail "phony image: $s already off"
    [ "$(regval "$f" "$cs\\Services\\$s]" Start)" = dword:00000004 ] || fail "$cs $s not disabled"
  done
  for c in 4d36e97b 4d36e96a 4d36e97d; do
    k="$cs\\Control\\Class\\{$c-e325-11ce-bfc1-08002be10318}]"
    [ "$(regval "$TMP/1-SYSTEM.reg" "$k" UpperFilters)" != 'hex(7):00,00' ] || fail "phony image: no xenfilt in $c"
    [ "$(regval "$f" "$k" UpperFilters)" = 'hex(7):00,00' ] || fail "$cs class $c still filtered: $(regval "$f" "$k" UpperFilters)"
  done
done
for id in 'VEN_1AF4&DEV_1004&SUBSYS_00081AF4&REV_00' 'VEN_1AF4&DEV_1048&SUBSYS_11001AF4&REV_01'; do
  [ "$(regval "$f" "DeviceIds\\PCI\\$id]" v2kvm-vioscsi.inf)" = 'hex(3):01,ff,00,00' ] ||
    fail "DriverDatabase DeviceIds $id"
done
# Nothing but Start values, filters and AutoReboot changed in SYSTEM.
comm -23 "$TMP/1-SYSTEM.reg" "$TMP/2-SYSTEM.reg" |
  grep -Ev '\\Services\\xen[a-z]+\]\|"Start"=|\\Class\\\{4d36e9(7b|6a|7d)-e325-11ce-bfc1-08002be10318\}\]\|"UpperFilters"=|\\CrashControl\]\|"AutoReboot"=' &&
  fail "SYSTEM values changed that should not have"
# Drivers from the 2k19 folders, one sub-folder each.
grep -qx /Windows/Drivers/VirtIO/vioscsi/vioscsi.inf "$TMP/2.files" || fail "vioscsi package not staged"
grep -qx /Windows/Drivers/VirtIO/NetKVM/netkvm.inf "$TMP/2.files" || fail "NetKVM package not staged"
"$srcdir/check-batch.sh" "$TMP/2.firstboot.cmd" || fail "first-boot script check"
grep -qF 'call :setip "*" "192.0.2.10"' "$TMP/2.firstboot.cmd" || fail "static IP without a MAC"
grep -qF 'v2kvm-vioscsi.inf_tmp' "$TMP/2.firstboot.cmd" || fail "no DriverDatabase cleanup for vioscsi"
echo "PASS"
