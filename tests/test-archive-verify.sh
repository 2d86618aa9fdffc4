#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm verify on OVAs: the real govmomi OVA, OVAs rebuilt with tar in
# every manifest spelling seen in the field (digests from coreutils
# sha1sum/sha256sum/sha512sum, the oracle), a flipped byte (exit 6
# naming the file and both digests), a manifest naming a missing file
# (exit 6), a malformed manifest line (exit 3).
. "$srcdir/functions.sh"
requires tar sha1sum sha256sum sha512sum
requires_corpus
ova_dir=$CORPUS/govmomi/ova
[ -f "$ova_dir/ttylinux-pc_i486-16.1.ova" ] || skip "govmomi OVA not in corpus"
stem=ttylinux-pc_i486-16.1
disk=$stem-disk1.vmdk

# The real OVA: its "SHA1 (file) = hex" manifest verifies.
out=$("$V2KVM" verify "$ova_dir/$stem.ova") || fail "real OVA: $out"
[ "$out" = "OK sha1 $stem.ovf
OK sha1 $disk" ] || fail "real OVA output: $out"

# Rebuild it from the loose corpus files (the .ovf comes out of the OVA).
mkdir "$TMP/src"
tar -xf "$ova_dir/$stem.ova" -C "$TMP/src" "$stem.ovf"
cp "$ova_dir/$disk" "$ova_dir/$stem.mf" "$TMP/src/"
chmod u+w "$TMP/src"/*
cd "$TMP/src"
tar --format=ustar -cf "$TMP/rebuilt.ova" "$stem.ovf" "$stem.mf" "$disk"
"$V2KVM" verify "$TMP/rebuilt.ova" > "$TMP/out" || fail "rebuilt: $(cat "$TMP/out")"
grep -qx "OK sha1 $disk" "$TMP/out" || fail "rebuilt: $(cat "$TMP/out")"
# ... and the unpacked directory.
"$V2KVM" verify "$TMP/src" > "$TMP/out" || fail "directory: $(cat "$TMP/out")"
grep -qx "OK sha1 $disk" "$TMP/out" || fail "directory: $(cat "$TMP/out")"

# Every spelling of a manifest line.
digest () { "${1}sum" < "$2" | cut -d' ' -f1; }
upper () { tr a-f A-F; }
spellings () {
  printf 'SHA1(%s)= %s\n' "$stem.ovf" "$(digest sha1 "$stem.ovf")"
  printf 'SHA256 (%s) = %s\r\n' "$disk" "$(digest sha256 "$disk")"
  printf 'SHA512(%s)=%s   \n' "$stem.ovf" "$(digest sha512 "$stem.ovf" | upper)"
  printf '\n'
  printf 'sha256(%s)= %s\r\n' "$disk" "$(digest sha256 "$disk" | upper)"
}
spellings > "$stem.mf"
for fmt in ustar pax gnu; do
  tar --format=$fmt -cf "$TMP/$fmt.ova" "$stem.ovf" "$stem.mf" "$disk"
  "$V2KVM" verify "$TMP/$fmt.ova" > "$TMP/out" || fail "$fmt: $(cat "$TMP/out")"
  [ "$(grep -c '^OK ' "$TMP/out")" = 4 ] || fail "$fmt: $(cat "$TMP/out")"
  grep -qx "OK sha512 $stem.ovf" "$TMP/out" || fail "$fmt: $(cat "$TMP/out")"
done

# A .cert is reported, never trusted.
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' > "$stem.cert"
tar --format=ustar -cf "$TMP/cert.ova" "$stem.ovf" "$stem.mf" "$stem.cert" "$disk"
"$V2KVM" verify "$TMP/cert.ova" > "$TMP/out" 2> "$TMP/err" || fail "cert: $(cat "$TMP/out")"
grep -qx "UNCHECKED cert $stem.cert (present, not checked)" "$TMP/out" || fail "cert: $(cat "$TMP/out")"
grep -q "signature is not checked" "$TMP/err" || fail "cert: no warning"
rm "$stem.cert"

# A flipped byte in the disk member: exit 6, both digests named.
good=$(digest sha256 "$disk")
cp "$disk" "$TMP/good.vmdk"
printf '\x42' | dd of="$disk" bs=1 seek=70000 conv=notrunc status=none
bad=$(digest sha256 "$disk")
[ "$good" != "$bad" ] || fail "flip did not change the digest"
tar --format=ustar -cf "$TMP/flipped.ova" "$stem.ovf" "$stem.mf" "$disk"
expect_exit 6 "$V2KVM" verify "$TMP/flipped.ova"
expect_error_match "'$disk': sha256 digest mismatch"
expect_error_match "$good"
expect_error_match "$bad"
grep -q "^FAILED sha256 $disk ($bad)" "$TMP/expect.out" || fail "no FAILED line"
cp "$TMP/good.vmdk" "$disk"

# A manifest naming a file that is not there: exit 6.
{ spellings; printf 'SHA1(missing.vmdk)= %s\n' "$(digest sha1 "$disk")"; } > "$stem.mf"
tar --format=ustar -cf "$TMP/missing.ova" "$stem.ovf" "$stem.mf" "$disk"
expect_exit 6 "$V2KVM" verify "$TMP/missing.ova"
expect_error_match "lists 'missing.vmdk', which is not in the archive"

# A line that is not a manifest entry: exit 3, naming the line.
{ spellings; echo 'MD5 is not a digest line'; } > "$stem.mf"
tar --format=ustar -cf "$TMP/badline.ova" "$stem.ovf" "$stem.mf" "$disk"
expect_exit 3 "$V2KVM" verify "$TMP/badline.ova"
expect_error_match "$stem.mf': line 6 is not a manifest entry"

# A digest of the wrong length: exit 3.
printf 'SHA256(%s)= %s\n' "$disk" "$(digest sha1 "$disk")" > "$stem.mf"
tar --format=ustar -cf "$TMP/short.ova" "$stem.ovf" "$stem.mf" "$disk"
expect_exit 3 "$V2KVM" verify "$TMP/short.ova"
expect_error_match "has 40 hex digits, expected 64"
exit 0
