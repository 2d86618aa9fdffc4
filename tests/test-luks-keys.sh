#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# LUKS keys (virt-v2v's --key ID:key:PASS, --key ID:file:FILE,
# --keys-from-stdin) on a phony guest: a 48 MiB disk whose only
# partition is LUKS2 (made in the appliance with cryptsetup) holding an
# ext4 with a Debian 11 os-release, an fstab naming
# /dev/mapper/sda1_crypt and a crypttab naming that mapping by the LUKS
# UUID.  No kernel: a run that opens it gets as far as "no-kernel".
#   - usage: --key without ID or type, ID:clevis, an unreadable key file,
#     --keys-from-stdin with an XVA on stdin, and in a batch plan an
#     inline passphrase or --keys-from-stdin: exit 2, one line;
#   - no key: convert exits 7 naming /dev/sda1, before writing anything
#     (the output directory stays empty);
#   - a wrong key (file form): exit 2 "does not open", nothing written;
#   - the right key by UUID (inline) and on stdin: inspect finds Debian
#     11.9 with root /dev/mapper/sda1_crypt (the guest's crypttab name,
#     not the luks-UUID name it was first opened as), luks true, and the
#     blockers are no-kernel and no-initramfs-tool (the image has neither);
#     the passphrase is in none of the outputs.
# Four appliance launches after one to make the image.
. "$srcdir/functions.sh"
. "$srcdir/fixup-functions.sh"
skip_if_skipped

PASS=v2kvm-luks-test-Pa55
UUID=7e571100-0000-4000-8000-000000001101
printf '%s\n' "$PASS" >"$TMP/key"
printf 'not-%s\n' "$PASS" >"$TMP/wrong"
mkdir -p "$TMP/out"

# ---- usage (no appliance) ----
expect_exit 2 "$V2KVM" convert -i disk "$TMP/none.img" --key nocolon
expect_error_match "convert: --key takes ID:key:PASSPHRASE or ID:file:FILE"
expect_exit 2 "$V2KVM" convert -i disk "$TMP/none.img" --key /dev/sda1:clevis
expect_error_match "clevis.*not supported"
expect_exit 2 "$V2KVM" convert -i disk "$TMP/none.img" --key all:file:"$TMP/nokey"
expect_error_match "cannot read '$TMP/nokey'"
expect_exit 2 "$V2KVM" convert -i xva - --keys-from-stdin </dev/null
expect_error_match "cannot share it"
# batch names each bad plan line, then says nothing was run (exit 2).
bad_plan () {   # bad_plan LINE REGEX
  local rc=0
  printf '%s\n' "$1" >"$TMP/plan"
  "$V2KVM" batch "$TMP/plan" --state "$TMP/state" >"$TMP/batch.out" \
    2>"$TMP/batch.err" || rc=$?
  [ "$rc" = 2 ] || fail "batch exited $rc on '$1': $(cat "$TMP/batch.err")"
  grep -Eq "^v2kvm: $TMP/plan:1: .*$2" "$TMP/batch.err" ||
    fail "batch: $(cat "$TMP/batch.err")"
  ! grep -q -- "$PASS" "$TMP/batch.err" "$TMP/batch.out" ||
    fail "batch shows the passphrase"
}
bad_plan "guest -i disk $TMP/none.img --key all:key:$PASS" \
  "a passphrase in a plan would be in a child's command line"
bad_plan "guest -i disk $TMP/none.img --keys-from-stdin" \
  "a batch guest has no stdin"

require_slow
export LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg}

# ---- the phony LUKS guest ----
t=$TMP/tree
mkdir -p "$t/etc" "$t/bin" "$t/usr/bin"
cat >"$t/etc/os-release" <<'EOF'
PRETTY_NAME="Debian GNU/Linux 11 (bullseye)"
NAME="Debian GNU/Linux"
VERSION_ID="11"
ID=debian
EOF
echo 11.9 >"$t/etc/debian_version"
echo "/dev/mapper/sda1_crypt / ext4 errors=remount-ro 0 1" >"$t/etc/fstab"
echo "sda1_crypt UUID=$UUID none luks,discard" >"$t/etc/crypttab"
cp /bin/sh "$t/bin/sh"
tar -C "$t" -cf "$TMP/tree.tar" .
img=$TMP/luks.img
truncate -s 48M "$img"
# The key reaches cryptsetup through a file in the appliance, never an argv.
out=$(guestfish --format=raw -a "$img" -a "$TMP/key" <<EOF
run
part-disk /dev/sda mbr
debug sh "udevadm settle; for i in \$(seq 1 60); do [ -b /dev/sda1 ] && break; sleep 1; done; head -c ${#PASS} /dev/sdb >/tmp/k && cryptsetup -q luksFormat --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --uuid $UUID --key-file /tmp/k /dev/sda1 && cryptsetup open --key-file /tmp/k /dev/sda1 sda1_crypt && mkfs.ext4 -q /dev/mapper/sda1_crypt && echo made"
mount /dev/mapper/sda1_crypt /
tar-in $TMP/tree.tar /
umount /
debug sh "cryptsetup close sda1_crypt && udevadm settle && cryptsetup open --test-passphrase --key-file /tmp/k /dev/sda1 && echo closed"
EOF
) || fail "making the LUKS image failed: $out"
grep -q made <<<"$out" && grep -q closed <<<"$out" || fail "guestfish: $out"
before=$(sha256sum <"$img")

# ---- no key: exit 7 before anything is written ----
expect_exit 7 "$V2KVM" convert -i disk "$img" -os "$TMP/out" --accel tcg -q
expect_error_match "^v2kvm: '/dev/sda1' is LUKS-encrypted and no key was given"
[ -z "$(ls -A "$TMP/out")" ] || fail "no-key run wrote: $(ls -A "$TMP/out")"

# ---- wrong key: exit 2, nothing written ----
expect_exit 2 "$V2KVM" convert -i disk "$img" -os "$TMP/out" --accel tcg -q \
  --key /dev/sda1:file:"$TMP/wrong"
expect_error_match "^v2kvm: the key given does not open the LUKS device '/dev/sda1' \(UUID $UUID\)"
[ -z "$(ls -A "$TMP/out")" ] || fail "wrong-key run wrote: $(ls -A "$TMP/out")"

# ---- right key: by UUID inline, then on stdin ----
check_json () {   # check_json FILE
  python3 - "$1" <<'EOF' || fail "inspect --json: $(head -c 2000 "$1")"
import json, sys
j = json.load(open(sys.argv[1]))
os_ = j["os"]
assert os_["distro"] == "debian" and os_["major"] == 11, os_
assert os_["root"] == "/dev/mapper/sda1_crypt", os_["root"]
assert os_["luks"] is True, os_
# The image has neither a kernel nor an initramfs tool: inspect reports
# both blockers (they are checked independently).
assert [b["code"] for b in j["blockers"]] == ["no-kernel", "no-initramfs-tool"], j["blockers"]
print("inspect:", os_["product"], os_["root"], j["blockers"][0]["code"])
EOF
}
"$V2KVM" inspect -i disk "$img" --accel tcg --json --key "$UUID:key:$PASS" \
  >"$TMP/i1.json" 2>"$TMP/i1.err"
check_json "$TMP/i1.json"
"$V2KVM" -v inspect -i disk "$img" --accel tcg --json --keys-from-stdin \
  <"$TMP/key" >"$TMP/i2.json" 2>"$TMP/i2.err"
check_json "$TMP/i2.json"
grep -q "reopened as /dev/mapper/sda1_crypt" "$TMP/i2.err" ||
  fail "-v does not say the device was reopened under its crypttab name"
for f in "$TMP"/expect.* "$TMP"/i1.* "$TMP"/i2.*; do
  ! grep -q -- "$PASS" "$f" || fail "the passphrase appears in $(basename "$f")"
done
[ "$(sha256sum <"$img")" = "$before" ] || fail "the source image changed"
echo ok
