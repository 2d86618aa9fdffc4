#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shape S3 (issue 15 items 4 and 8): the VMware guest running Debian 13
# (trixie) on a btrfs root with subvolumes @ (/) and @home (/home), fstab
# "subvol=" (tests/guests/shape-btrfs.sh), converted by a plain
# `v2kvm convert -i vmx`.  Checked against tools nobody here wrote:
#   - the fixup's change list equals tests/data/shapes/btrfs.changes
#     (kernel version replaced by KVER);
#   - `btrfs check --readonly` of the converted root file system is clean;
#   - the converted disk boots under qemu TCG on virtio-blk + virtio-net
#     to its marker with ens192 at 192.0.2.13/24, and the guest's own
#     findmnt (printed before the marker) shows @ on / and @home on
#     /home from /dev/vda1, and swap on /dev/vda2.
# Slow (SLOW=1).  Cost: tests/README.tests.
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
. "$srcdir/guests/functions-guests.sh"
require_slow
[ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"
requires jq qemu-img qemu-system-x86_64 btrfs

rc=0
vmx=$("$GUESTS_SRC/shape-btrfs.sh") || rc=$?
case $rc in
  0) ;;
  77) skip "$vmx" ;;
  *) fail "building the btrfs shape failed (see /var/tmp/v2kvm-guests/shape-btrfs-*.log)" ;;
esac

OUT=$TMP/out JSON=$TMP/convert.json
mkdir -p "$OUT"
"$V2KVM" convert -i vmx "$vmx" -os "$OUT" --machine-readable \
  >"$JSON" 2>"$TMP/convert.err" \
  || fail "convert -i vmx $vmx exited $?: $(cat "$TMP/convert.err")"
jq -e -s '.[-1].type == "result" and .[-1].ok' "$JSON" >/dev/null \
  || fail "bad JSON lines: $(tail -3 "$JSON")"
echo "convert: $(jq -c -s '.[-1] | {seconds, phases}' "$JSON")"
disk=$(jq -r -s '.[-1].disks[0].target' "$JSON")
[ -f "$disk" ] || fail "no output disk: $(ls "$OUT")"
qemu-img check -q "$disk" || fail "qemu-img check $disk failed"

# The change list, kernel versions made generic.
kver=$(jq -r -s '[.[] | select(.type == "change") | .file
                  | capture("^/boot/initrd.img-(?<v>.*)$").v] | first // ""' "$JSON")
jq -r 'select(.type == "change") | "\(.file): \(.change)"' "$JSON" \
  | { if [ -n "$kver" ]; then sed "s/$(sed 's/[.+]/\\&/g' <<<"$kver")/KVER/g"; else cat; fi; } \
  >"$TMP/changes"
if [ "${REGENERATE:-}" = 1 ]; then      # review the diff by hand
  mkdir -p "$srcdir/data/shapes" && cp "$TMP/changes" "$srcdir/data/shapes/btrfs.changes"
fi
diff -u "$srcdir/data/shapes/btrfs.changes" "$TMP/changes" \
  || fail "the change list differs from tests/data/shapes/btrfs.changes (above)"

# btrfs check of partition 1 (1 MiB .. 1280 MiB, guests/common.sh),
# read through qemu's raw driver with an offset.
qemu-img convert -O raw \
  "json:{\"driver\":\"raw\",\"offset\":1048576,\"size\":$((1279 * 1048576)),\"file\":{\"driver\":\"qcow2\",\"file\":{\"driver\":\"file\",\"filename\":\"$disk\"}}}" \
  "$TMP/root.btrfs" || fail "cannot extract partition 1 of $disk"
btrfs check --readonly "$TMP/root.btrfs" >"$TMP/check.out" 2>&1 \
  || fail "btrfs check failed: $(cat "$TMP/check.out")"
grep -q "no error found" "$TMP/check.out" \
  || fail "btrfs check did not say 'no error found': $(cat "$TMP/check.out")"
rm -f "$TMP/root.btrfs"
echo "btrfs check: $(grep -c . "$TMP/check.out") lines, no error found"

boot_guest "$disk" btrfs --disk-bus virtio --nic virtio \
  --mac 00:50:56:aa:bb:13 --log "$TMP/boot.log" \
  || fail "the converted btrfs guest did not reach its marker"
tr -d '\r' <"$TMP/boot.log" | grep -a '^V2KVM-' | tee "$TMP/report"
grep -Eq '^V2KVM-MOUNT / /dev/vda1\[/@\] btrfs .*subvol=/@(,|$)' "$TMP/report" \
  || fail "the root is not subvolume @ of /dev/vda1"
grep -Eq '^V2KVM-MOUNT /home /dev/vda1\[/@home\] btrfs .*subvol=/@home(,|$)' "$TMP/report" \
  || fail "/home is not subvolume @home of /dev/vda1"
grep -q '^V2KVM-MOUNT swap /dev/vda2$' "$TMP/report" \
  || fail "swap is not on /dev/vda2"
grep -q '^V2KVM-MARKER btrfs ens192=192.0.2.13/24 UP' "$TMP/report" \
  || fail "no marker with ens192 up"
grep -aEq 'Linux version [0-9.]+\+deb13' "$TMP/boot.log" || fail "not a Debian 13 kernel"
exit 0
