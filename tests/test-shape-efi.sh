#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shape S1 of issue 15 (tests/guests/shape-efi.sh): a VMware Debian 12
# UEFI guest whose ESP has only EFI/debian/ (shim, grub; the boot entry
# was in VMware's NVRAM), LVM root and swap, a separate /boot, /var on a
# second disk and a NetworkManager static address on ens192, converted
# with a plain `v2kvm convert -i vmx` and booted under qemu (TCG) with
# OVMF from Debian's ovmf package on a FRESH variable store, so only the
# removable-media fallback the conversion installs can boot it.  Slow
# (SLOW=1).
#
# Oracles: the JSON result (ok, kernel), virt-xml-validate and the
# domain XML (firmware='efi', both disks in order, the source MAC), the
# fixup change list against tests/data/shapes/efi.changes (kernel
# version replaced by KVER), and the converted guest's serial console:
# its marker "V2KVM-MARKER efi ens192=192.0.2.12/24 UP" and the
# "V2KVM-MOUNT" lines of its findmnt unit: / on the LV, /boot and the
# ESP on disk 1, /var on disk 2.
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
. "$srcdir/guests/functions-guests.sh"
require_slow
[ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"
requires jq qemu-img qemu-system-x86_64 virt-xml-validate xmllint guestfish
[ -r /usr/share/OVMF/OVMF_CODE_4M.fd ] || skip "no OVMF (Debian's ovmf package)"

rc=0
vmx=$("$GUESTS_SRC/shape-efi.sh") || rc=$?
case $rc in
  0) ;;
  77) skip "$vmx" ;;
  *) fail "building shape S1 failed (see /var/tmp/v2kvm-guests/shape-efi-*.log)" ;;
esac

OUT=$TMP/out JSON=$TMP/convert.json
mkdir -p "$OUT"
"$V2KVM" convert -i vmx "$vmx" -os "$OUT" --machine-readable \
  >"$JSON" 2>"$TMP/convert.err" ||
  fail "convert -i vmx $vmx exited $?: $(cat "$TMP/convert.err")"
jq -e -s '.[0].type == "start" and .[-1].type == "result" and .[-1].ok' \
  "$JSON" >/dev/null || fail "bad JSON lines: $(tail -3 "$JSON")"
echo "convert: $(jq -c -s '.[-1] | {seconds, phases}' "$JSON")"

# The change list, normalised (the kernel version becomes KVER).
kver=$(jq -r -s '.[-1].guest.kernel // empty' "$JSON")
[ -n "$kver" ] || fail "the result names no kernel: $(tail -1 "$JSON")"
jq -r 'select(.type == "change") | "\(.file): \(.change)"' "$JSON" |
  sed "s/$kver/KVER/g" >"$TMP/changes"
echo "--- change list"; cat "$TMP/changes"

# The domain: UEFI, both disks in the .vmx's order, the source MAC.
xml=$(echo "$OUT"/*.xml)
[ -f "$xml" ] || fail "no domain XML in $OUT: $(ls "$OUT")"
virt-xml-validate "$xml" domain >/dev/null || fail "the domain XML does not validate"
x () { xmllint --xpath "$1" "$xml" 2>/dev/null; }
[ "$(x 'string(/domain/os/@firmware)')" = efi ] || fail "domain firmware is not efi"
[ "$(x 'count(/domain/devices/disk[@device="disk"])')" = 2 ] || fail "not two disks"
d1=$(x 'string(/domain/devices/disk[@device="disk"][1]/source/@file)')
d2=$(x 'string(/domain/devices/disk[@device="disk"][2]/source/@file)')
case $d1 in *-sda.qcow2) ;; *) fail "first disk is '$d1'" ;; esac
case $d2 in *-sdb.qcow2) ;; *) fail "second disk is '$d2'" ;; esac
[ "$(x 'string(/domain/devices/disk[@device="disk"][1]/target/@dev)')" = vda ] &&
[ "$(x 'string(/domain/devices/disk[@device="disk"][2]/target/@dev)')" = vdb ] ||
  fail "the disks are not vda, vdb"
mac=$(x 'string(/domain/devices/interface[1]/mac/@address)')
[ "$mac" = 00:50:56:aa:bb:11 ] || fail "MAC not kept: '$mac'"
for d in "$d1" "$d2"; do
  qemu-img check -q "$d" || fail "qemu-img check $d failed"
done

# Boot with OVMF on empty variables, virtio disks and NIC.
log=$TMP/console.log
boot_guest "$d1" efi --firmware uefi --disk2 "$d2" --disk-bus virtio \
  --nic virtio --mac "$mac" --timeout 900 --log "$log" ||
  fail "the converted guest did not reach its marker"
tr -d '\r' <"$log" | grep -a '^V2KVM-MOUNT ' | sort -u >"$TMP/mounts"
cat "$TMP/mounts"
mounted () {
  grep -Eq "^V2KVM-MOUNT $1 $2 $3\$" "$TMP/mounts" ||
    fail "not mounted as '$1 $2 $3': $(cat "$TMP/mounts")"
}
mounted / /dev/mapper/vg0-root ext4
mounted /boot /dev/vda2 ext4
mounted /boot/efi /dev/vda1 vfat
mounted /var /dev/vdb1 ext4
grep -aq 'V2KVM-MARKER efi ens192=192.0.2.12/24 UP' "$log" ||
  fail "no static address on ens192"
# The change list, against the golden one (made before the boot).
diff -u "$srcdir/data/shapes/efi.changes" "$TMP/changes" ||
  fail "the fixup change list differs from tests/data/shapes/efi.changes"

exit 0
