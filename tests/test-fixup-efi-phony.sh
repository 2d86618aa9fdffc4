#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The UEFI fallback loader of a Linux guest (guest-fixups/linux-efi.c) on
# phony guests: the phony Ubuntu tree (tests/phony/make-phony.sh) put on
# a GPT disk behind an EFI system partition mounted at /boot/efi.
#   shim     EFI/ubuntu/ has shimx64.efi, grubx64.efi, mmx64.efi,
#            fbx64.efi, BOOTX64.CSV and a grub.cfg naming /dev/sda2:
#            `v2kvm fixup` copies shim to EFI/BOOT/BOOTX64.EFI, grub, mm
#            and grub.cfg beside it (not fbx64.efi), file by file equal
#            to their sources, and renames sda2 in both grub.cfg files
#   grub     EFI/ubuntu/ has only grubx64.efi: it becomes BOOTX64.EFI
#   present  EFI/BOOT/BOOTX64.EFI exists: nothing copied
#   none     EFI/ubuntu/ has only a grub.cfg: exit 7 naming the ESP,
#            the disk not modified (sha256)
# Slow (SLOW=1): two appliance runs to build, four fixups, one to check.
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
require_slow
require_phony

names="shim grub present none"
gf=("add $PHONY/ubuntu.img format:raw readonly:true")
for n in $names; do
  truncate -s 80M "$TMP/$n.img"
  gf+=("add $TMP/$n.img format:raw")
done
gf+=(run)
i=1
for n in $names; do
  d=/dev/sd$(printf "\\$(printf %03o $((97 + i)))")
  gf+=("part-init $d gpt" "part-add $d p 2048 34815" "part-add $d p 34816 -34"
       "part-set-gpt-type $d 1 C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
       "mkfs vfat ${d}1" "copy-device-to-device /dev/sda1 ${d}2"
       "mount ${d}2 /" "mkdir-p /boot/efi" "mount ${d}1 /boot/efi"
       "write-append /etc/fstab \"/dev/sda1 /boot/efi vfat umask=0077 0 1\\n\""
       "mkdir-p /boot/efi/EFI/ubuntu"
       "write /boot/efi/EFI/ubuntu/grub.cfg \"search.fs_uuid 0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f root hd0,gpt2\\nlinux /boot/vmlinuz-5.15.0-91-generic root=/dev/sda2 ro\\n\"")
  case $n in
    shim) for f in shimx64 grubx64 mmx64 fbx64; do
            gf+=("write /boot/efi/EFI/ubuntu/$f.efi \"phony $f\"")
          done
          gf+=("write /boot/efi/EFI/ubuntu/BOOTX64.CSV \"shimx64.efi,ubuntu,,\"") ;;
    grub) gf+=("write /boot/efi/EFI/ubuntu/grubx64.efi \"phony grubx64\"") ;;
    present) gf+=("write /boot/efi/EFI/ubuntu/shimx64.efi \"phony shimx64\""
                  "write /boot/efi/EFI/ubuntu/grubx64.efi \"phony grubx64\""
                  "mkdir-p /boot/efi/EFI/BOOT"
                  "write /boot/efi/EFI/BOOT/BOOTX64.EFI \"phony old fallback\"") ;;
  esac
  gf+=("umount-all")
  i=$((i + 1))
done
printf '%s\n' "${gf[@]}" |
  LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg} \
  guestfish 2>"$TMP/build.err" ||
  fail "building the phony UEFI guests failed: $(tail -3 "$TMP/build.err")"

for n in shim grub present; do
  "$V2KVM" fixup "$TMP/$n.img" >"$TMP/$n.out" 2>"$TMP/$n.err" ||
    fail "fixup $n: $(cat "$TMP/$n.err")"
done
sha=$(sha256sum <"$TMP/none.img")
expect_exit 7 "$V2KVM" fixup "$TMP/none.img"
expect_error_match "the EFI system partition \(/boot/efi\) has no EFI/BOOT/BOOTX64\.EFI and no EFI/<id>/shimx64\.efi or grubx64\.efi to copy there"
[ "$(sha256sum <"$TMP/none.img")" = "$sha" ] || fail "the refused guest was modified"

# The change lists.
expect_line "$TMP/shim.out" '^fixup: /boot/efi/EFI/BOOT/BOOTX64\.EFI: fallback boot loader$'
expect_line "$TMP/shim.out" '^fixup: /boot/efi/EFI/BOOT/grubx64\.efi: fallback boot loader$'
expect_line "$TMP/shim.out" '^fixup: /boot/efi/EFI/BOOT/mmx64\.efi: fallback boot loader$'
expect_line "$TMP/shim.out" '^fixup: /boot/efi/EFI/BOOT/grub\.cfg: fallback boot loader$'
expect_line "$TMP/shim.out" '^fixup: /boot/efi/EFI/ubuntu/grub\.cfg: sda2 -> vda2$'
expect_line "$TMP/shim.out" 'firmware=uefi'
! grep -q fbx64 "$TMP/shim.out" || fail "fbx64.efi was copied: $(cat "$TMP/shim.out")"
expect_line "$TMP/grub.out" '^fixup: /boot/efi/EFI/BOOT/BOOTX64\.EFI: fallback boot loader$'
! grep -q 'EFI/BOOT/grubx64' "$TMP/grub.out" || fail "grub: grubx64.efi copied beside itself"
! grep -q 'fallback boot loader' "$TMP/present.out" ||
  fail "present: a fallback was written over the existing one: $(cat "$TMP/present.out")"

# The files themselves (gdump mounts partition 1, the ESP, at /).
gdump "$TMP/shim.img $TMP/grub.img $TMP/present.img" /EFI/BOOT/BOOTX64.EFI \
  /EFI/BOOT/grubx64.efi /EFI/BOOT/mmx64.efi /EFI/BOOT/grub.cfg \
  /EFI/ubuntu/grub.cfg F:/EFI/BOOT/fbx64.efi F:/EFI/BOOT/BOOTX64.CSV >"$TMP/dump"
D=$TMP/dump
i=$TMP/shim.img
[ "$(section "$D" "$i" /EFI/BOOT/BOOTX64.EFI)" = "phony shimx64" ] || fail "shim: BOOTX64.EFI is not the shim"
[ "$(section "$D" "$i" /EFI/BOOT/grubx64.efi)" = "phony grubx64" ] || fail "shim: grubx64.efi differs"
[ "$(section "$D" "$i" /EFI/BOOT/mmx64.efi)" = "phony mmx64" ] || fail "shim: mmx64.efi differs"
expect_in "$D" "$i" /EFI/BOOT/grub.cfg 'root=/dev/vda2 ro'
expect_in "$D" "$i" /EFI/BOOT/grub.cfg '^search.fs_uuid 0b6e2c3f-6c41-4c5e-8f0e-2a3b4c5d6e7f root hd0,gpt2$'
expect_in "$D" "$i" /EFI/ubuntu/grub.cfg 'root=/dev/vda2 ro'
expect_in "$D" "$i" F:/EFI/BOOT/fbx64.efi '^false$'
expect_in "$D" "$i" F:/EFI/BOOT/BOOTX64.CSV '^false$'
i=$TMP/grub.img
[ "$(section "$D" "$i" /EFI/BOOT/BOOTX64.EFI)" = "phony grubx64" ] || fail "grub: BOOTX64.EFI is not grub"
i=$TMP/present.img
[ "$(section "$D" "$i" /EFI/BOOT/BOOTX64.EFI)" = "phony old fallback" ] || fail "present: BOOTX64.EFI replaced"
exit 0
