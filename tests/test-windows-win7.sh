#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Windows fixup on a phony Windows 7 (6.1, no DriverDatabase): the boot
# driver is bound through the CriticalDeviceDatabase in both control
# sets (full ID, without REV, VEN&DEV), no DriverDatabase key appears,
# the first-boot script uses `pnputil -i -a` per INF (pnputil before
# Windows 10 has no /add-driver /subdirs) and passes check-batch.sh.
# Three appliance launches.
. "$srcdir/functions.sh"
. "$srcdir/phony/windows-lib.sh"
skip_if_skipped
windows_requires

"$PHONY/make-windows.sh" "$TMP/before.img" win7 vmware >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" w7 w10
cp --sparse=always "$TMP/before.img" "$TMP/after.img"
"$WINTOOL" --virtio-win "$TMP/vw" "$TMP/after.img" > "$TMP/caps" 2>"$TMP/stderr" ||
  fail "wintool: $(cat "$TMP/stderr")"
grep -qx block=virtio-blk "$TMP/caps" || fail "block bus"
readback "$TMP" "$TMP/before.img" "$TMP/after.img"
f=$TMP/2-SYSTEM.reg
for cs in ControlSet001 ControlSet002; do
  for id in 'pci#ven_1af4&dev_1001&subsys_00021af4&rev_00' 'pci#ven_1af4&dev_1001&subsys_00021af4' \
            'pci#ven_1af4&dev_1001' 'pci#ven_1af4&dev_1042&subsys_11001af4&rev_01' \
            'pci#ven_1af4&dev_1042&subsys_11001af4' 'pci#ven_1af4&dev_1042'; do
    k="$cs\\Control\\CriticalDeviceDatabase\\$id]"
    [ "$(regval "$f" "$k" Service)" = 'str(1):"viostor"' ] || fail "$cs CDDB $id Service"
    [ "$(regval "$f" "$k" ClassGUID)" = 'str(1):"{4D36E97B-E325-11CE-BFC1-08002BE10318}"' ] ||
      fail "$cs CDDB $id ClassGUID"
  done
  [ "$(regval "$f" "$cs\\Services\\viostor]" Start)" = dword:00000000 ] || fail "$cs viostor Start"
done
grep -q 'DriverDatabase' "$f" && fail "DriverDatabase written on Windows 7"
grep -qx /Windows/Drivers/VirtIO/viostor/viostor.inf "$TMP/2.files" || fail "viostor package"
cmp -s <(cat "$TMP/vw/viostor/w7/amd64/viostor.sys") "$TMP/2.viostor.sys" || fail "System32 viostor.sys is not the w7 one"
"$srcdir/check-batch.sh" "$TMP/2.firstboot.cmd" || fail "first-boot script check"
grep -qF '  pnputil -i -a "%%f" >> "%LOG%" 2>&1' "$TMP/2.firstboot.cmd" || fail "pnputil -i -a loop"
grep -q '/add-driver\|DriverDatabase' "$TMP/2.firstboot.cmd" && fail "Windows 10 commands in a Windows 7 script"
echo PASS
