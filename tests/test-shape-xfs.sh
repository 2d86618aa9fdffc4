#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Shape S2 (issue 15): a Debian 12 Xen guest with an XFS root, XFS /var on
# its SECOND disk, dracut instead of initramfs-tools and systemd-networkd
# with a static address (tests/guests/shape-xfs.sh builds it, cached),
# converted by a plain `v2kvm convert -i xl CFG`.  Checked against:
#   - the JSON lines (ok result, two disks in xl.cfg order) and
#     `qemu-img check` of both outputs;
#   - the domain XML: virt-xml-validate, the two disks in order (vda =
#     first output, vdb = second), the vif's MAC;
#   - xfs_repair -n (no-modify) on both converted XFS file systems,
#     copied out of the qcow2 outputs: exit 0 = clean;
#   - the fixup's change list, kernel version replaced by KVER, against
#     the golden list tests/data/shapes/xfs.changes (REGENERATE=1
#     rewrites it: review the diff before committing);
#   - a boot under qemu TCG on virtio-blk (both disks) + virtio-net: the
#     marker (enX0 up with 192.0.2.12/24, set by systemd-networkd) and the
#     mounts the guest prints (V2KVM-MOUNT lines: / on /dev/vda1 xfs,
#     /var on /dev/vdb1 xfs).  The guest's dracut image had no virtio
#     driver (shape-xfs.sh checks with lsinitrd), so the boot proves the
#     conversion's dracut run put them in.
# Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
. "$srcdir/guests/functions-guests.sh"
require_slow
requires jq qemu-img virt-xml-validate xmllint xfs_repair od
[ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"

rc=0
cfg=$("$srcdir/guests/shape-xfs.sh") || rc=$?
[ "$rc" = 77 ] && skip "$cfg"
[ "$rc" = 0 ] || fail "building the xfs shape failed (see /var/tmp/v2kvm-guests/shape-xfs-*.log)"
src=$(dirname "$cfg")
sums_before=$(cd "$src" && sha256sum xvda.img xvdb.img v2kvm-xfs.cfg)

OUT=$TMP/out JSON=$TMP/convert.json
mkdir -p "$OUT"
"$V2KVM" convert -i xl "$cfg" -os "$OUT" --machine-readable \
  >"$JSON" 2>"$TMP/convert.err" ||
  fail "convert -i xl $cfg exited $?: $(cat "$TMP/convert.err")"
jq -e -s '.[-1].type == "result" and .[-1].ok and (.[-1].disks | length) == 2' \
  "$JSON" >/dev/null || fail "bad JSON lines: $(tail -3 "$JSON")"
echo "convert: $(jq -c -s '.[-1] | {seconds, phases}' "$JSON")"
[ "$(cd "$src" && sha256sum xvda.img xvdb.img v2kvm-xfs.cfg)" = "$sums_before" ] ||
  fail "the source changed"

d1=$(jq -r -s '.[-1].disks[0].target' "$JSON")
d2=$(jq -r -s '.[-1].disks[1].target' "$JSON")
case $d1 in *-sda.qcow2) ;; *) fail "first output disk is '$d1'" ;; esac
case $d2 in *-sdb.qcow2) ;; *) fail "second output disk is '$d2'" ;; esac
for d in "$d1" "$d2"; do
  qemu-img check -q "$d" || fail "qemu-img check $d failed"
done
xml=$(echo "$OUT"/*.xml)
virt-xml-validate "$xml" domain >/dev/null || fail "the domain XML does not validate"
# The disks in order: vda is the first output, vdb the second.
order=
for i in 1 2 3; do
  order="$order$(xmllint --xpath "string(/domain/devices/disk[$i]/target/@dev)" "$xml")="
  order="$order$(xmllint --xpath "string(/domain/devices/disk[$i]/source/@file)" "$xml");"
done
[ "$order" = "vda=$d1;vdb=$d2;=;" ] ||
  fail "domain disks not vda=first, vdb=second: $order"
mac=$(xmllint --xpath "string(/domain/devices/interface[1]/mac/@address)" "$xml")
[ "$mac" = 00:16:3e:aa:bb:12 ] || fail "MAC not kept: '$mac'"

# Both XFS file systems clean after the conversion: each disk made raw,
# its partition 1 (MBR entry: start sector 2048 on both) copied out, then
# xfs_repair -n (no-modify; exit 0 = no corruption found).
for d in "$d1" "$d2"; do
  rm -f "$TMP/disk.raw" "$TMP/part.img"
  qemu-img convert -f qcow2 -O raw "$d" "$TMP/disk.raw" ||
    fail "qemu-img convert of $d failed"
  start=$(od -An -tu4 -j454 -N4 "$TMP/disk.raw" | tr -d ' ')
  len=$(od -An -tu4 -j458 -N4 "$TMP/disk.raw" | tr -d ' ')
  [ "$start" = 2048 ] || fail "$d: partition 1 starts at sector '$start'"
  dd if="$TMP/disk.raw" of="$TMP/part.img" bs=1M skip=1 count=$((len / 2048)) \
    conv=sparse status=none || fail "copying partition 1 of $d failed"
  rm -f "$TMP/disk.raw"
  xfs_repair -n "$TMP/part.img" >"$TMP/repair" 2>&1 ||
    fail "xfs_repair -n $d partition 1: $(tail -5 "$TMP/repair")"
  rm -f "$TMP/part.img"
done
echo "xfs_repair -n: both file systems clean"

# The change list against the golden one.
kver=$(jq -r -s '.[-1].guest.kernel // empty' "$JSON")
[ -n "$kver" ] || fail "no guest kernel in the result line"
jq -r 'select(.type == "change") | "\(.file): \(.change)"' "$JSON" |
  sed "s/$kver/KVER/g" >"$TMP/changes"
if [ -n "${REGENERATE:-}" ]; then       # as the .expected files of data/cfg
  mkdir -p "$srcdir/data/shapes" && cp "$TMP/changes" "$srcdir/data/shapes/xfs.changes"
fi
diff -u "$srcdir/data/shapes/xfs.changes" "$TMP/changes" ||
  fail "the change list differs from tests/data/shapes/xfs.changes"

log=$TMP/console.log
boot_guest "$d1" xfs --disk-bus virtio --nic virtio --mac "$mac" \
  --disk2 "$d2" --log "$log" --timeout 400 ||
  fail "the converted guest did not reach its marker"
mounts=$(tr -d '\r' <"$log" | grep -a '^V2KVM-MOUNT ' | sort -u)
echo "$mounts"
grep -qx 'V2KVM-MOUNT / /dev/vda1 xfs' <<<"$mounts" || fail "/ is not /dev/vda1 (xfs)"
grep -qx 'V2KVM-MOUNT /var /dev/vdb1 xfs' <<<"$mounts" ||
  fail "/var is not /dev/vdb1 (xfs) on the second disk"
exit 0
