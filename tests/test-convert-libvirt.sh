#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -o libvirt against a real libvirt daemon started by the
# test (tests/libvirt-functions.sh) with a directory pool: the domain is
# defined, the volume exists with the source's virtual size, an existing
# domain of that name is refused (exit 5) without --replace, and
# `virsh start` boots the converted xen guest (domain type qemu: no KVM
# here) to its marker on the serial log.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
. "$srcdir/libvirt-functions.sh"
require_slow
require_slow_libvirt
requires jq virsh
require_convert_input xen xl
libvirt_start
libvirt_pool
name=$(libvirt_unique v2kvm-conv)
libvirt_track_domain "$name"

"$V2KVM" convert -i "$INPUT_TYPE" "$INPUT_SOURCE" -o libvirt -oc "$LV_URI" \
  -os "$LV_POOL" -on "$name" --domain-type qemu --machine-readable \
  >"$TMP/convert.json" 2>"$TMP/convert.err" ||
  fail "convert -o libvirt failed: $(cat "$TMP/convert.err")"
jq -e -s '.[-1].ok' "$TMP/convert.json" >/dev/null || fail "result not ok"

lv_virsh dominfo "$name" >"$TMP/dominfo" || fail "domain $name not defined"
lv_virsh dumpxml "$name" >"$TMP/dom.xml"
grep -q "<mac address='00:16:3e:aa:bb:02'/>" "$TMP/dom.xml" || fail "MAC not kept"
grep -q "type='qemu'" "$TMP/dom.xml" || fail "domain type is not qemu"
vol=$(lv_virsh vol-list "$LV_POOL" | awk -v n="$name" '$1 ~ n { print $1; exit }')
[ -n "$vol" ] || fail "no volume for $name in pool $LV_POOL"
cap=$(lv_virsh vol-info --bytes --pool "$LV_POOL" "$vol" | awk '/^Capacity:/ { print $2 }')
src=$("$V2KVM" convert -i "$INPUT_TYPE" --print-source --machine-readable \
      "$INPUT_SOURCE" | jq -r 'select(.type == "source") | .guest.disks[0].path')
want=$(qemu-img info --output=json "$src" | jq '."virtual-size"')
[ "$cap" = "$want" ] || fail "volume capacity $cap, expected $want"
disk=$(lv_virsh vol-path --pool "$LV_POOL" "$vol")
qemu-img check -q "$disk" || fail "qemu-img check $disk"

# the same name again: refused, nothing touched
expect_exit 5 "$V2KVM" convert -i "$INPUT_TYPE" "$INPUT_SOURCE" -o libvirt \
  -oc "$LV_URI" -os "$LV_POOL" -on "$name" --domain-type qemu
expect_error_match "$name"
lv_virsh dominfo "$name" >/dev/null || fail "the refused run removed the domain"

libvirt_boot_to_marker "$name" "$TMP/console.log" xen 300 ||
  fail "the converted domain did not reach its marker under libvirt"
exit 0
