#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert -i ova: the vmware test guest exported as an OVA (OVF,
# streamOptimized VMDK, SHA256 manifest, no MAC), read in place, its manifest
# checked beside the conversion, boots converted.  A copy of the OVA
# whose manifest does not match its disk fails with exit 6 before the
# copy and writes nothing.  Slow (SLOW=1).
. "$srcdir/functions.sh"
. "$srcdir/convert-functions.sh"
convert_e2e vmware ova
# the OVF has no MAC (as ovftool exports): the NIC keeps the one the
# guest binds ens192 to (convert_e2e checked the XML has it)
jq -e -s 'any(.[]; .type == "change" and (.change |
          test("NIC 1 keeps MAC 00:50:56:aa:bb:01, which the guest binds to ens192")))' \
  "$JSON" >/dev/null || fail "the guest's MAC was not kept"

# integrity: the manifest's digest of the VMDK changed by one digit
cp "$INPUT_SOURCE" "$TMP/bad.ova"
mf_off=$(tar -tvR -f "$TMP/bad.ova" | awk '/\.mf$/ { sub(":", "", $2); print ($2 + 1) * 512; exit }')
[ -n "$mf_off" ] || fail "no manifest member in the OVA"
dd if="$TMP/bad.ova" bs=512 skip=$((mf_off / 512)) count=1 status=none >"$TMP/mf"
grep -q 'vmdk)= ' "$TMP/mf" || fail "unexpected manifest: $(cat "$TMP/mf")"
python3 - "$TMP/mf" <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"vmdk)= ") + 7
b[i] = ord("0") if b[i] != ord("0") else ord("1")
open(sys.argv[1], "wb").write(b)
PY
dd if="$TMP/mf" of="$TMP/bad.ova" bs=512 seek=$((mf_off / 512)) conv=notrunc status=none
mkdir "$TMP/out2"
# (--no-fixup: the check is the same, without a minute of appliance)
expect_exit 6 "$V2KVM" convert -i ova --no-fixup "$TMP/bad.ova" -os "$TMP/out2"
expect_error_match "bad.ova"
[ -z "$(ls -A "$TMP/out2")" ] || fail "a failed conversion left $(ls "$TMP/out2")"
exit 0
