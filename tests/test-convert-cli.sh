#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# v2kvm convert without an appliance: option errors, --print-source (text
# and JSON lines), and the pre-flight failures that must stop a
# conversion before anything starts, each with its own exit code, a
# message naming the culprit, no output file and no scratch left behind,
# and the source unchanged.
. "$srcdir/functions.sh"
requires qemu-img jq

export V2KVM_TMPDIR=$TMP/scratch
mkdir -p "$V2KVM_TMPDIR" "$TMP/out"

# A small raw disk and an xl config naming it.
truncate -s 64M "$TMP/disk.img"
printf 'V2KVM' | dd of="$TMP/disk.img" bs=1 seek=1048576 conv=notrunc status=none
cat >"$TMP/guest.cfg" <<EOF
name = "cli-guest"
type = "hvm"
memory = 512
vcpus = 2
disk = [ 'format=raw, vdev=xvda, access=rw, target=$TMP/disk.img' ]
vif = [ 'mac=00:16:3e:01:02:03,bridge=xenbr0' ]
EOF
sum_before=$(sha256sum <"$TMP/disk.img")

# nothing_left: no output, no scratch directory, no nbdkit of ours.
nothing_left () {
  [ -z "$(ls -A "$TMP/out")" ] || fail "output left behind: $(ls -A "$TMP/out")"
  [ -z "$(ls -A "$V2KVM_TMPDIR")" ] ||
    fail "scratch left behind: $(ls -A "$V2KVM_TMPDIR")"
  ! pgrep -f "nbdkit.*$TMP" >/dev/null || fail "an nbdkit is still running"
}

# -- options --
expect_exit 2 "$V2KVM" convert "$TMP/guest.cfg"
expect_error_match 'give the input type with -i'
expect_exit 2 "$V2KVM" convert -i vmware "$TMP/guest.cfg"
expect_error_match "unknown -i type 'vmware'"
expect_exit 2 "$V2KVM" convert -i xl "$TMP/guest.cfg" "$TMP/guest.cfg"
expect_error_match 'only -i disk takes several'
expect_exit 2 "$V2KVM" convert -i xl -o cloud "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl -of vmdk "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl -of raw -c "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl -j 0 "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl --smp 0 "$TMP/guest.cfg"
expect_error_match 'convert: --smp takes 1 to 16'
expect_exit 2 "$V2KVM" convert -i xl --smp 17 "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl --smp 2x "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl --mac eth0=zz "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl -oc qemu:///system "$TMP/guest.cfg"
expect_exit 2 "$V2KVM" convert -i xl -os "$TMP/out" -oa preallocated "$TMP/guest.cfg"
expect_error_match 'preallocated needs -of raw'
expect_exit 2 "$V2KVM" convert -i xl -os "$TMP/out" -on ../evil "$TMP/guest.cfg"
expect_error_match "guest name '../evil' cannot be used"
# An XVA on stdin is read (tests/test-convert-xva-stdin.sh); an empty one
# is truncated input.
expect_exit 3 "$V2KVM" convert -i xva - </dev/null
expect_error_match "'-': archive is truncated"
"$V2KVM" convert --help | grep -q -- '-i, --input vmx|ova|ovf|xva|xl|xm|libvirtxml|disk' ||
  fail "convert --help lacks the input types"
nothing_left

# -- --print-source: the guest as read, nothing opened --
"$V2KVM" convert -i xl --print-source "$TMP/guest.cfg" >"$TMP/src.txt" ||
  fail "--print-source failed"
grep -q '^name: cli-guest$' "$TMP/src.txt" || fail "no name: $(cat "$TMP/src.txt")"
grep -q '^vcpus: 2$' "$TMP/src.txt" || fail "no vcpus"
grep -q 'mac=00:16:3e:01:02:03' "$TMP/src.txt" || fail "no MAC"
"$V2KVM" convert -i xl --print-source --machine-readable "$TMP/guest.cfg" \
  >"$TMP/src.json" || fail "--print-source --machine-readable failed"
jq -e -s 'length >= 3 and .[0].type == "start" and .[0].version == 1
          and (.[] | select(.type == "source") | .guest.name) == "cli-guest"
          and .[-1].type == "result" and .[-1].ok == true' \
  "$TMP/src.json" >/dev/null || fail "bad JSON lines: $(cat "$TMP/src.json")"

# -- pre-flight failures (exit code, message, nothing left) --
# a disk that is not there: 3
sed "s|$TMP/disk.img|$TMP/missing.img|" "$TMP/guest.cfg" >"$TMP/missing.cfg"
expect_exit 3 "$V2KVM" convert -i xl -os "$TMP/out" "$TMP/missing.cfg"
expect_error_match "missing.img"
nothing_left

# a corrupt VMDK (header cut short): 3
qemu-img create -q -f vmdk "$TMP/bad.vmdk" 64M
truncate -s 100 "$TMP/bad.vmdk"
expect_exit 3 "$V2KVM" convert -i disk -os "$TMP/out" "$TMP/bad.vmdk"
expect_error_match "bad.vmdk"
nothing_left

# a snapshot whose parent is gone: 3, naming the parent
qemu-img create -q -f vmdk "$TMP/base.vmdk" 64M
qemu-img create -q -f vmdk -F vmdk -b "$TMP/base.vmdk" "$TMP/snap.vmdk"
mv "$TMP/base.vmdk" "$TMP/base-moved.vmdk"
expect_exit 3 "$V2KVM" convert -i disk -os "$TMP/out" "$TMP/snap.vmdk"
expect_error_match "base.vmdk"
nothing_left

# a guest XML already in the output directory: 5, and it is kept
echo keep >"$TMP/out/cli-guest.xml"
expect_exit 5 "$V2KVM" convert -i xl -os "$TMP/out" "$TMP/guest.cfg"
expect_error_match "cli-guest.xml"
[ "$(cat "$TMP/out/cli-guest.xml")" = keep ] || fail "existing XML was touched"
rm "$TMP/out/cli-guest.xml"
# an output directory that does not exist: 5
expect_exit 5 "$V2KVM" convert -i xl -os "$TMP/nowhere" "$TMP/guest.cfg"
nothing_left

# an archive that is not one: 3
echo "not an archive" >"$TMP/fake.ova"
expect_exit 3 "$V2KVM" convert -i ova -os "$TMP/out" "$TMP/fake.ova"
expect_error_match "fake.ova"
nothing_left

[ "$(sha256sum <"$TMP/disk.img")" = "$sum_before" ] || fail "the source changed"
exit 0
