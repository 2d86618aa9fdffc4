#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm verify on OVAs: an OVA as ovftool writes it ("SHA1 (file) = hex"
# manifest), OVAs rebuilt with tar in every manifest spelling seen in
# the field (digests from coreutils sha1sum/sha256sum/sha512sum, the
# oracle), a flipped byte (exit 6 naming the file and both digests), a
# manifest naming a missing file (exit 6), a malformed manifest line
# (exit 3).  Generated layer (always): the OVA of the VMware test
# guest's descriptor (tests/guests/vmware.ovf.in) and a streamOptimized
# VMDK written by qemu-img, its manifest by `sha1sum --tag`.  Corpus
# layer (when $CORPUS has it): the real govmomi ttylinux OVA.
. "$srcdir/functions.sh"
. "$srcdir/vmdk-functions.sh"
requires tar sha1sum sha256sum sha512sum "$QEMU_IMG" openssl

# suite OVA DIR STEM: DIR holds STEM.ovf, STEM.mf and STEM-disk1.vmdk, the
# members of OVA; every case runs in a scratch copy.
suite () {
  local ova=$1 stem=$3 disk=$3-disk1.vmdk w=$TMP/$3
  mkdir "$w"
  # The OVA as it came: its "SHA1 (file) = hex" manifest verifies.
  out=$("$V2KVM" verify "$ova") || fail "$ova: $out"
  [ "$out" = "OK sha1 $stem.ovf"$'\n'"OK sha1 $disk" ] || fail "$ova output: $out"

  # Rebuilt with tar from its files.
  mkdir "$w/src"
  cp "$2/$stem.ovf" "$2/$disk" "$2/$stem.mf" "$w/src/"
  chmod u+w "$w/src"/*
  cd "$w/src"
  tar --format=ustar -cf "$w/rebuilt.ova" "$stem.ovf" "$stem.mf" "$disk"
  "$V2KVM" verify "$w/rebuilt.ova" > "$w/out" || fail "rebuilt: $(cat "$w/out")"
  grep -qx "OK sha1 $disk" "$w/out" || fail "rebuilt: $(cat "$w/out")"
  # ... and the unpacked directory.
  "$V2KVM" verify "$w/src" > "$w/out" || fail "directory: $(cat "$w/out")"
  grep -qx "OK sha1 $disk" "$w/out" || fail "directory: $(cat "$w/out")"

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
    tar --format=$fmt -cf "$w/$fmt.ova" "$stem.ovf" "$stem.mf" "$disk"
    "$V2KVM" verify "$w/$fmt.ova" > "$w/out" || fail "$fmt: $(cat "$w/out")"
    [ "$(grep -c '^OK ' "$w/out")" = 4 ] || fail "$fmt: $(cat "$w/out")"
    grep -qx "OK sha512 $stem.ovf" "$w/out" || fail "$fmt: $(cat "$w/out")"
  done

  # A .cert is reported, never trusted.
  printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' > "$stem.cert"
  tar --format=ustar -cf "$w/cert.ova" "$stem.ovf" "$stem.mf" "$stem.cert" "$disk"
  "$V2KVM" verify "$w/cert.ova" > "$w/out" 2> "$w/err" || fail "cert: $(cat "$w/out")"
  grep -qx "UNCHECKED cert $stem.cert (present, not checked)" "$w/out" || fail "cert: $(cat "$w/out")"
  grep -q "signature is not checked" "$w/err" || fail "cert: no warning"
  rm "$stem.cert"

  # A flipped byte in the disk member: exit 6, both digests named.
  good=$(digest sha256 "$disk")
  cp "$disk" "$w/good.vmdk"
  printf '\x42' | dd of="$disk" bs=1 seek=70000 conv=notrunc status=none
  bad=$(digest sha256 "$disk")
  [ "$good" != "$bad" ] || fail "flip did not change the digest"
  tar --format=ustar -cf "$w/flipped.ova" "$stem.ovf" "$stem.mf" "$disk"
  expect_exit 6 "$V2KVM" verify "$w/flipped.ova"
  expect_error_match "'$disk': sha256 digest mismatch"
  expect_error_match "$good"
  expect_error_match "$bad"
  grep -q "^FAILED sha256 $disk ($bad)" "$TMP/expect.out" || fail "no FAILED line"
  cp "$w/good.vmdk" "$disk"

  # A manifest naming a file that is not there: exit 6.
  { spellings; printf 'SHA1(missing.vmdk)= %s\n' "$(digest sha1 "$disk")"; } > "$stem.mf"
  tar --format=ustar -cf "$w/missing.ova" "$stem.ovf" "$stem.mf" "$disk"
  expect_exit 6 "$V2KVM" verify "$w/missing.ova"
  expect_error_match "lists 'missing.vmdk', which is not in the archive"

  # A line that is not a manifest entry: exit 3, naming the line.
  { spellings; echo 'MD5 is not a digest line'; } > "$stem.mf"
  tar --format=ustar -cf "$w/badline.ova" "$stem.ovf" "$stem.mf" "$disk"
  expect_exit 3 "$V2KVM" verify "$w/badline.ova"
  expect_error_match "$stem.mf': line 6 is not a manifest entry"

  # A digest of the wrong length: exit 3.
  printf 'SHA256(%s)= %s\n' "$disk" "$(digest sha1 "$disk")" > "$stem.mf"
  tar --format=ustar -cf "$w/short.ova" "$stem.ovf" "$stem.mf" "$disk"
  expect_exit 3 "$V2KVM" verify "$w/short.ova"
  expect_error_match "has 40 hex digits, expected 64"
echo "ok: $ova and 10 variants of it"
cd "$TMP"
}

# --- Generated layer ---
stem=v2kvm-verify
mkdir "$TMP/gen" && cd "$TMP/gen"
truncate -s 4M disk.raw
put disk.raw 0 av1 1048576
"$QEMU_IMG" convert -f raw -O vmdk -o subformat=streamOptimized disk.raw $stem-disk1.vmdk
sed -e "s|@VMDK@|$stem-disk1.vmdk|" -e "s|@VMDK_SIZE@|$(stat -c %s $stem-disk1.vmdk)|" \
    -e 's|@CAPACITY_MIB@|4|' "$srcdir/guests/vmware.ovf.in" > $stem.ovf
sha1sum --tag $stem.ovf $stem-disk1.vmdk > $stem.mf
grep -q '^SHA1 (v2kvm-verify.ovf) = [0-9a-f]\{40\}$' $stem.mf || fail "sha1sum --tag: $(cat $stem.mf)"
tar --format=ustar -cf $stem.ova $stem.ovf $stem.mf $stem-disk1.vmdk
suite "$TMP/gen/$stem.ova" "$TMP/gen" $stem

# --- Corpus layer ---
stem=ttylinux-pc_i486-16.1
if have_corpus govmomi/ova/$stem.ova govmomi/ova/$stem-disk1.vmdk govmomi/ova/$stem.mf; then
  # The .ovf comes out of the OVA, the rest are loose corpus files.
  mkdir "$TMP/corpus"
  ova_dir=$CORPUS/govmomi/ova
  tar -xf "$ova_dir/$stem.ova" -C "$TMP/corpus" "$stem.ovf"
  cp "$ova_dir/$stem-disk1.vmdk" "$ova_dir/$stem.mf" "$TMP/corpus/"
  suite "$ova_dir/$stem.ova" "$TMP/corpus" $stem
fi
