#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shape S4 of issue 15 (tests/guests/shape-luks.sh): a VMware Debian 11
# guest whose root is on LUKS (sda2_crypt, cryptsetup-initramfs), with
# an initramfs that has only VMware storage drivers.  Slow (SLOW=1).
#
#   1. `v2kvm inspect -i vmx` without a key: blocked, luks-no-key, exit 7;
#   2. `v2kvm convert -i vmx --key all:file:FILE` (a plain conversion,
#      the key as a user gives it): the JSON result, the fixup change
#      list against tests/data/shapes/luks.changes (kernel version as
#      KVER), the passphrase in no output, the domain XML validated;
#   3. the converted /boot's initramfs, listed by the host's
#      lsinitramfs(8): virtio_blk and virtio_net in it, cryptsetup and
#      the cryptroot crypttab still there;
#   4. the converted guest booted under qemu (TCG) on virtio disk and
#      NIC, the test typing the passphrase at the initramfs's "Please
#      unlock disk sda2_crypt" prompt on the serial console
#      (guests/boot.sh --answers): its marker "V2KVM-MARKER luks
#      ens192=192.0.2.14/24 UP", and its report lines: / on
#      /dev/mapper/sda2_crypt, /boot on /dev/vda1, and the release.
. "$srcdir/functions.sh"
. "$srcdir/guests/functions-guests.sh"
require_slow () {
  [ "${SLOW:-}" = 1 ] || skip "slow test (appliance and a boot): run with SLOW=1"
}
require_slow
[ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"
requires jq qemu-img qemu-system-x86_64 virt-xml-validate xmllint guestfish \
  lsinitramfs
export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}

rc=0
vmx=$("$GUESTS_SRC/shape-luks.sh") || rc=$?
case $rc in
  0) ;;
  77) skip "$vmx" ;;
  *) fail "building shape S4 failed (see /var/tmp/v2kvm-guests/shape-luks-*.log)" ;;
esac
keyfile=$(dirname "$vmx")/passphrase
pass=$(head -1 "$keyfile")
release=$(sed -n 's/^annotation = .*Debian \([a-z]*\),.*/\1/p' "$vmx")
case $release in bullseye) want_os="debian 11" ;; *) want_os="debian " ;; esac

# 1. No key: stopped before anything, exit 7, the device named.
rc=0
"$V2KVM" inspect -i vmx "$vmx" --json >"$TMP/nokey.json" 2>"$TMP/nokey.err" || rc=$?
jq -e '.exit == 7 and .blockers[0].code == "luks-no-key"' "$TMP/nokey.json" \
  >/dev/null || fail "inspect without a key: $(head -c 1500 "$TMP/nokey.json")"
echo "inspect without a key (exit $rc): $(jq -r '.blockers[0].message' "$TMP/nokey.json")"
jq -r '.blockers[0].message' "$TMP/nokey.json" | grep -q "'/dev/sda2' is LUKS-encrypted" ||
  fail "the refusal does not name /dev/sda2"

# 2. The conversion.
OUT=$TMP/out JSON=$TMP/convert.json
mkdir -p "$OUT"
"$V2KVM" convert -i vmx "$vmx" -os "$OUT" --key "all:file:$keyfile" \
  --machine-readable >"$JSON" 2>"$TMP/convert.err" ||
  fail "convert -i vmx $vmx exited $?: $(tail -5 "$TMP/convert.err")"
jq -e -s '.[0].type == "start" and .[-1].type == "result" and .[-1].ok' \
  "$JSON" >/dev/null || fail "bad JSON lines: $(tail -3 "$JSON")"
echo "convert: $(jq -c -s '.[-1] | {seconds, phases}' "$JSON")"
! grep -q -- "$pass" "$JSON" "$TMP/convert.err" ||
  fail "the passphrase appears in convert's output"
kver=$(jq -r -s '.[-1].guest.kernel // empty' "$JSON")
[ -n "$kver" ] || fail "the result names no kernel: $(tail -1 "$JSON")"
jq -r 'select(.type == "change") | "\(.file): \(.change)"' "$JSON" |
  sed "s/$kver/KVER/g" >"$TMP/changes"
# A difference fails the test at the end, after the boot has been tried.
changes_differ=
diff -u "$srcdir/data/shapes/luks.changes" "$TMP/changes" || changes_differ=1

xml=$(echo "$OUT"/*.xml)
[ -f "$xml" ] || fail "no domain XML in $OUT: $(ls "$OUT")"
virt-xml-validate "$xml" domain >/dev/null || fail "the domain XML does not validate"
x () { xmllint --xpath "$1" "$xml" 2>/dev/null; }
disk=$(x 'string(/domain/devices/disk[@device="disk"][1]/source/@file)')
mac=$(x 'string(/domain/devices/interface[1]/mac/@address)')
[ "$mac" = 00:50:56:aa:bb:14 ] || fail "MAC not kept: '$mac'"
qemu-img check -q "$disk" || fail "qemu-img check $disk failed"

# 3. The initramfs on the converted /boot (not encrypted).
guestfish --ro -a "$disk" -- run : mount-ro /dev/sda1 / : \
  download "/initrd.img-$kver" "$TMP/initrd" ||
  fail "cannot read /boot/initrd.img-$kver from the converted disk"
lsinitramfs "$TMP/initrd" >"$TMP/initrd.list" || fail "lsinitramfs failed"
for f in '/virtio_blk\.ko' '/virtio_net\.ko' '/sbin/cryptsetup$' \
         '^(main/)?cryptroot/crypttab$'; do
  grep -Eq -- "$f" "$TMP/initrd.list" ||
    fail "the converted initramfs lacks $f"
done
echo "initramfs: virtio_blk, virtio_net, cryptsetup and cryptroot/crypttab present"

# 4. Boot, typing the passphrase at the prompt.
printf 'Please unlock disk sda2_crypt\t%s\n' "$pass" >"$TMP/answers"
log=$TMP/console.log
boot_guest "$disk" luks --disk-bus virtio --nic virtio --mac "$mac" \
  --timeout 900 --log "$log" --answers "$TMP/answers" ||
  fail "the converted guest did not reach its marker"
tr -d '\r' <"$log" | grep -a -E '^V2KVM-(MOUNT|OS) ' | sort -u >"$TMP/report"
cat "$TMP/report"
grep -Eq '^V2KVM-MOUNT / /dev/mapper/sda2_crypt ext4$' "$TMP/report" ||
  fail "/ is not on /dev/mapper/sda2_crypt"
grep -Eq '^V2KVM-MOUNT /boot /dev/vda1 ext4$' "$TMP/report" ||
  fail "/boot is not on /dev/vda1"
grep -q "^V2KVM-OS $want_os" "$TMP/report" || fail "not $want_os"
grep -aq 'V2KVM-MARKER luks ens192=192.0.2.14/24 UP' "$log" ||
  fail "no static address on ens192"
! grep -aq -- "$pass" "$log" || fail "the passphrase was echoed on the console"
[ -z "$changes_differ" ] ||
  fail "the fixup change list differs from tests/data/shapes/luks.changes (above)"
exit 0
