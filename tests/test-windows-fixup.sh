#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Windows fixup on a phony Windows 10 with VMware Tools (two control
# sets, a static IPv4 interface): every promised change is in the
# registry and on NTFS, and nothing else changed.  Oracles: libguestfs
# inspection (the image is Windows), hivexregedit --export (the hives),
# guestfish find (the files).  Three appliance launches.
. "$srcdir/functions.sh"
. "$srcdir/phony/windows-lib.sh"
skip_if_skipped
windows_requires

"$PHONY/make-windows.sh" "$TMP/before.img" win10 vmware >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" w10 2k19
cp --sparse=always "$TMP/before.img" "$TMP/after.img"
"$WINTOOL" --virtio-win "$TMP/vw" --mac 52:54:00:AB:cd:01 "$TMP/after.img" \
  > "$TMP/caps" 2> "$TMP/stderr" || fail "wintool: $(cat "$TMP/stderr")"
cat "$TMP/caps"
for c in block=virtio-blk net=virtio firmware=bios rtc=localtime hyperv=1 \
         virtio_rng=1 virtio_balloon=1; do
  grep -qx "$c" "$TMP/caps" || fail "capability $c missing"
done

readback "$TMP" "$TMP/before.img" "$TMP/after.img"

# Files: exactly the promised ones were added, none removed.
comm -23 "$TMP/1.files" "$TMP/2.files" > "$TMP/removed"
[ ! -s "$TMP/removed" ] || fail "files removed: $(cat "$TMP/removed")"
comm -13 "$TMP/1.files" "$TMP/2.files" > "$TMP/added"
{
  echo /Windows/Drivers; echo /Windows/Drivers/VirtIO
  for d in viostor vioscsi NetKVM Balloon vioserial viorng; do
    echo "/Windows/Drivers/VirtIO/$d"
    (cd "$TMP/vw/$d/w10/amd64" && ls) | sed "s|^|/Windows/Drivers/VirtIO/$d/|"
  done
  echo /Windows/System32/drivers/viostor.sys
  echo /Windows/System32/GroupPolicy; echo /Windows/System32/GroupPolicy/gpt.ini
  echo /Windows/System32/GroupPolicy/Machine
  echo /Windows/System32/GroupPolicy/Machine/Scripts
  echo /Windows/System32/GroupPolicy/Machine/Scripts/Startup
  echo /Windows/System32/GroupPolicy/Machine/Scripts/scripts.ini
  echo /Windows/v2kvm; echo /Windows/v2kvm/firstboot.cmd
  echo /Windows/v2kvm/qemu-ga-x86_64.msi
} | sort > "$TMP/expected-added"
diff -u "$TMP/expected-added" "$TMP/added" || fail "unexpected file changes"

# Registry, SYSTEM: lines that disappeared are exactly the changed values.
S='[HKEY_LOCAL_MACHINE\SYSTEM'
comm -23 "$TMP/1-SYSTEM.reg" "$TMP/2-SYSTEM.reg" > "$TMP/sys-old"
comm -13 "$TMP/1-SYSTEM.reg" "$TMP/2-SYSTEM.reg" > "$TMP/sys-new"
grep -Ev '\\Services\\(vmci|vmhgfs|vm3dmp|vmmouse|vmrawdsk|vmusbmouse|vsock|VMTools|vmvss|vmstorfl)\]\|"Start"=|\\Class\\\{4d36e967-e325-11ce-bfc1-08002be10318\}\]\|"UpperFilters"=|\\CrashControl\]\|"AutoReboot"=' \
  "$TMP/sys-old" && fail "SYSTEM values changed that should not have"
[ "$(wc -l < "$TMP/sys-old")" = 24 ] || fail "expected 24 changed SYSTEM values, got $(wc -l < "$TMP/sys-old")"
grep -Ev '^\[HKEY_LOCAL_MACHINE\\SYSTEM\\(ControlSet00[12]\\Services\\viostor[]\\]|DriverDatabase\\|ControlSet00[12]\\Services\\[A-Za-z0-9]+\]\|"Start"=dword:00000004|ControlSet00[12]\\Control\\Class\\\{4d36e967-e325-11ce-bfc1-08002be10318\}\]\|"UpperFilters"=|ControlSet00[12]\\Control\\CrashControl\]\|"AutoReboot"=dword:00000000$)' \
  "$TMP/sys-new" && fail "unexpected SYSTEM additions"
for cs in ControlSet001 ControlSet002; do
  f=$TMP/2-SYSTEM.reg
  k="$cs\\Services\\viostor]"
  [ "$(regval "$f" "$k" Type)" = dword:00000001 ] || fail "$cs viostor Type"
  [ "$(regval "$f" "$k" Start)" = dword:00000000 ] || fail "$cs viostor Start"
  [ "$(regval "$f" "$k" ErrorControl)" = dword:00000001 ] || fail "$cs viostor ErrorControl"
  [ "$(regval "$f" "$k" Group)" = 'str(1):"SCSI miniport"' ] || fail "$cs viostor Group: $(regval "$f" "$k" Group)"
  [ "$(regval "$f" "$k" ImagePath)" = 'str(2):"system32\drivers\viostor.sys"' ] ||
    fail "$cs viostor ImagePath: $(regval "$f" "$k" ImagePath)"
  for s in vmci vmhgfs vm3dmp vmmouse vmrawdsk vmusbmouse vsock VMTools vmvss vmstorfl; do
    [ "$(regval "$f" "$cs\\Services\\$s]" Start)" = dword:00000004 ] || fail "$cs $s not disabled"
  done
  # PartMgr stays, vmstorfl goes.
  [ "$(regval "$f" "$cs\\Control\\Class\\{4d36e967-e325-11ce-bfc1-08002be10318}]" UpperFilters)" = \
    'hex(7):50,00,61,00,72,00,74,00,4d,00,67,00,72,00,00,00,00,00' ] || fail "$cs disk filters"
  [ "$(regval "$f" "$cs\\Control\\CrashControl]" AutoReboot)" = dword:00000000 ] || fail "$cs AutoReboot"
done
# The Windows 8+ binding of both viostor PCI IDs.
for id in 'VEN_1AF4&DEV_1001&SUBSYS_00021AF4&REV_00' 'VEN_1AF4&DEV_1042&SUBSYS_11001AF4&REV_01'; do
  [ "$(regval "$TMP/2-SYSTEM.reg" "DeviceIds\\PCI\\$id]" v2kvm-viostor.inf)" = 'hex(3):01,ff,00,00' ] ||
    fail "DriverDatabase DeviceIds $id"
  grep -qF "DriverPackages\\v2kvm-viostor.inf_tmp\\Descriptors\\PCI\\$id]|\"Configuration\"=str(1):\"v2kvm_conf\"" \
    "$TMP/2-SYSTEM.reg" || fail "DriverDatabase descriptor $id"
done
grep -qF 'Configurations\v2kvm_conf]|"Service"=str(1):"viostor"' "$TMP/2-SYSTEM.reg" ||
  fail "DriverDatabase configuration service"
grep -q 'CriticalDeviceDatabase' "$TMP/2-SYSTEM.reg" && fail "CriticalDeviceDatabase written on Windows 10"

# Registry, SOFTWARE: DevicePath changed; Group Policy keys added.
comm -23 "$TMP/1-SOFTWARE.reg" "$TMP/2-SOFTWARE.reg" > "$TMP/sw-old"
[ "$(cut -d'|' -f2 "$TMP/sw-old")" = '"DevicePath"=str(2):"%SystemRoot%\inf"' ] ||
  fail "SOFTWARE: unexpected changes: $(cat "$TMP/sw-old")"
[ "$(regval "$TMP/2-SOFTWARE.reg" 'Windows\CurrentVersion]' DevicePath)" = \
  'str(2):"%SystemRoot%\inf;%SystemRoot%\Drivers\VirtIO"' ] || fail "DevicePath"
comm -13 "$TMP/1-SOFTWARE.reg" "$TMP/2-SOFTWARE.reg" |
  grep -Ev '^\[HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion(\]\|"DevicePath"|\\Group Policy)' &&
  fail "unexpected SOFTWARE additions"
for k in 'Group Policy\Scripts\Startup\0\0]' 'Group Policy\State\Machine\Scripts\Startup\0\0]'; do
  [ "$(regval "$TMP/2-SOFTWARE.reg" "$k" Script)" = 'str(1):"C:\Windows\v2kvm\firstboot.cmd"' ] ||
    fail "startup script registration under $k"
done
iconv -f UTF-16 -t UTF-8 "$TMP/2.scripts.ini" | tr -d '\r' | grep -qx '0CmdLine=C:\\Windows\\v2kvm\\firstboot.cmd' ||
  fail "scripts.ini"

# The first-boot script: statically sound and bounded, with the IP.
"$srcdir/check-batch.sh" "$TMP/2.firstboot.cmd" || fail "first-boot script check"
grep -qF 'call :setip "52-54-00-AB-CD-01" "192.0.2.10" "255.255.255.0" "192.0.2.1" "192.0.2.53,192.0.2.54"' \
  "$TMP/2.firstboot.cmd" || fail "static IP not re-applied by MAC"
grep -q '9a1c2f3e' "$TMP/2.firstboot.cmd" && fail "the DHCP interface got a static address"
grep -qF 'pnputil /add-driver "%SystemRoot%\Drivers\VirtIO\*.inf" /subdirs /install' "$TMP/2.firstboot.cmd" ||
  fail "pnputil line"
grep -qF 'msiexec /i "%V2K%\qemu-ga-x86_64.msi"' "$TMP/2.firstboot.cmd" || fail "guest agent line"
echo "PASS: $(wc -l < "$TMP/added") files added, $(wc -l < "$TMP/sys-old") SYSTEM values changed, $(wc -l < "$TMP/sys-new") SYSTEM lines added"
