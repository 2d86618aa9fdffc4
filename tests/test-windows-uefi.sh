#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# A UEFI Windows guest whose ESP has only EFI/Microsoft/Boot/bootmgfw.efi
# (its NVRAM boot entry stays behind) gets the removable-media fallback
# EFI/Boot/bootx64.efi, a byte-identical copy of bootmgfw.efi, and
# nothing else changes on the ESP (checked file by file with guestfish
# find and checksum); a second run finds the fallback and adds nothing;
# an ESP with neither loader is refused (exit 7, one line) and the image
# is not written.  Phony images (phony/make-windows.sh uefi,
# uefi-noloader).  Five appliance launches.
. "$srcdir/functions.sh"
. "$srcdir/phony/windows-lib.sh"
skip_if_skipped
windows_requires
requires sha256sum

"$PHONY/make-windows.sh" "$TMP/before.img" win10 uefi >/dev/null
"$PHONY/make-virtio-win.sh" "$TMP/vw" w10 2k19
cp --sparse=always "$TMP/before.img" "$TMP/after.img"
"$WINTOOL" --virtio-win "$TMP/vw" "$TMP/after.img" > "$TMP/caps" 2> "$TMP/stderr" ||
  fail "wintool: $(cat "$TMP/stderr")"
grep -qx firmware=uefi "$TMP/caps" || fail "not UEFI: $(cat "$TMP/caps")"
grep -qx esp_fallback=added "$TMP/caps" || fail "no fallback added: $(cat "$TMP/caps")"

esp_files () {   # esp_files IMAGE: "path sha256" of every ESP file
  guestfish --ro -a "$1" <<'GF' >"$TMP/gf.out" 2>"$TMP/gf.err" || fail "guestfish: $(cat "$TMP/gf.err")"
run
mount-ro /dev/sda2 /
-checksum sha256 /EFI/Microsoft/Boot/bootmgfw.efi
-checksum sha256 /EFI/Boot/bootx64.efi
find /
GF
  LC_ALL=C sort "$TMP/gf.out"
}
esp_files "$TMP/before.img" >"$TMP/esp-before"
esp_files "$TMP/after.img" >"$TMP/esp-after"
cat "$TMP/esp-after"
boot_sum=$(grep -E '^[0-9a-f]{64}$' "$TMP/esp-before")
[ -n "$boot_sum" ] && grep -qx "$boot_sum" "$TMP/esp-after" || fail "bootmgfw.efi changed"
# after: the bootmgfw checksum twice (bootx64.efi is its copy), the old
# paths and the two new ones.
diff <(printf '%s\n' "$boot_sum" "$boot_sum" EFI EFI/Boot EFI/Boot/bootx64.efi \
         EFI/Microsoft EFI/Microsoft/Boot EFI/Microsoft/Boot/bootmgfw.efi | LC_ALL=C sort) \
     "$TMP/esp-after" || fail "the ESP is not as expected (above)"

# Again on the converted image: the fallback exists, nothing is added.
"$WINTOOL" --virtio-win "$TMP/vw" "$TMP/after.img" > "$TMP/caps2" 2> "$TMP/stderr" ||
  fail "wintool (second run): $(cat "$TMP/stderr")"
grep -qx esp_fallback=none "$TMP/caps2" || fail "fallback added twice"

"$PHONY/make-windows.sh" "$TMP/noloader.img" win10 uefi-noloader >/dev/null
before=$(sha256sum < "$TMP/noloader.img")
expect_exit 7 "$WINTOOL" --virtio-win "$TMP/vw" "$TMP/noloader.img"
expect_error_match "^v2kvm: '/dev/sda2': the UEFI system partition has neither EFI/Boot/bootx64.efi nor EFI/Microsoft/Boot/bootmgfw.efi"
[ "$(sha256sum < "$TMP/noloader.img")" = "$before" ] || fail "the refused image changed"
exit 0
