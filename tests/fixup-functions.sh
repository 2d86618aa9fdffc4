# SPDX-License-Identifier: BSD-3-Clause
# tests/fixup-functions.sh: helpers for the guest fixup tests (sourced
# after functions.sh).  These tests launch the libguestfs appliance
# (minutes under TCG), so they are slow tests: they skip unless SLOW=1
# (`make check SLOW=1 TESTS=...`).

export LIBGUESTFS_BACKEND=${LIBGUESTFS_BACKEND:-direct}

require_slow () {
  [ "${SLOW:-}" = 1 ] ||
    skip "slow test (libguestfs appliance): run with SLOW=1"
  requires guestfish
}

# require_phony: $PHONY = directory of the phony guest images.
require_phony () {
  local rc=0
  PHONY=$("$srcdir/phony/make-phony.sh") || rc=$?
  [ "$rc" = 77 ] && skip "$PHONY"
  [ "$rc" = 0 ] || fail "tests/phony/make-phony.sh failed"
}

# phony_copy NAME...: writable copies at $TMP/NAME.img.
phony_copy () {
  for n in "$@"; do cp --sparse=always "$PHONY/$n.img" "$TMP/$n.img"; done
}

# gdump "IMG..." PATH...: one read-only appliance run printing, for each
# image (root on its first partition) and path, "=== start IMG:PATH",
# the file, "=== end IMG:PATH".  Missing files print nothing between.
# A path written L:PATH prints the symlink's target instead, F:PATH
# prints true or false (is it a file).
gdump () {
  local imgs=$1 i=0 args=() d; shift
  {
    echo run
    for img in $imgs; do
      d=/dev/sd$(printf "\\$(printf %03o $((97 + i)))")
      args+=(-a "$img")
      echo "mount-ro ${d}1 /"
      for p in "$@"; do
        echo "echo === start $img:$p"
        case $p in
          L:*) echo "-readlink ${p#L:}" ;;
          F:*) echo "-is-file ${p#F:}" ;;
          *) echo "-cat $p" ;;
        esac
        echo "echo === end $img:$p"
      done
      echo "umount /"
      i=$((i + 1))
    done
  } >"$TMP/gdump.script"
  # nested KVM may be broken: the oracle runs under TCG unless told
  # otherwise (v2kvm itself falls back on its own)
  LIBGUESTFS_BACKEND_SETTINGS=${LIBGUESTFS_BACKEND_SETTINGS:-force_tcg} \
    guestfish --ro --format=raw "${args[@]}" <"$TMP/gdump.script" 2>"$TMP/gdump.err" ||
    fail "guestfish (gdump) failed: $(tail -3 "$TMP/gdump.err")"
}

# section DUMP IMG PATH: the content of IMG:PATH in a gdump output.
section () {
  awk -v s="=== start $2:$3" -v e="=== end $2:$3" '
    $0 == e { go = 0 } go { print } $0 == s { go = 1 }' "$1"
}

# expect_in DUMP IMG PATH REGEX / expect_not_in DUMP IMG PATH REGEX
expect_in () {
  section "$1" "$2" "$3" | grep -Eq -- "$4" ||
    fail "$(basename "$2"):$3 lacks /$4/: $(section "$1" "$2" "$3")"
}
expect_not_in () {
  ! section "$1" "$2" "$3" | grep -Eq -- "$4" ||
    fail "$(basename "$2"):$3 still has /$4/: $(section "$1" "$2" "$3")"
}

# expect_line FILE REGEX: a line of FILE (v2kvm output) matches.
expect_line () {
  grep -Eq -- "$2" "$1" || fail "no line /$2/ in: $(cat "$1")"
}

# fixup_boot FLAVOR [FIXUP OPTIONS]: the real Debian 12 test guest of
# FLAVOR (tests/guests/, built by make-flavor.sh) converted by `v2kvm
# fixup` on a sparse copy, then booted under TCG on virtio-blk +
# virtio-net: it must print its marker (serial console ttyS0, NIC up with
# its static address).  grub.cfg must boot root=/dev/vda1 and name no
# appliance or old device.
fixup_boot () {
  local flavor=$1 tools img t0 t1 rc=0; shift
  tools=$srcdir/guests
  [ -x "$tools/boot.sh" ] || skip "guest boot harness (tests/guests) not found"
  [ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"
  requires qemu-system-x86_64
  img=$("$tools/make-flavor.sh" "$flavor") || rc=$?
  [ "$rc" = 77 ] && skip "$img"
  [ "$rc" = 0 ] || fail "building the $flavor guest failed"
  cp --sparse=always "$img" "$TMP/$flavor.img"
  echo "allocated before: $(du -k "$TMP/$flavor.img" | cut -f1) KiB"
  t0=$(date +%s.%N)
  "$V2KVM" fixup "$@" "$TMP/$flavor.img" >"$TMP/fixup.out" 2>"$TMP/fixup.err" ||
    fail "fixup failed: $(cat "$TMP/fixup.err")"
  t1=$(date +%s.%N)
  cat "$TMP/fixup.out" "$TMP/fixup.err"
  echo "fixup wall time: $(awk "BEGIN { printf \"%.1f\", $t1 - $t0 }") s (load $(cut -d' ' -f1 /proc/loadavg))"
  echo "allocated after: $(du -k "$TMP/$flavor.img" | cut -f1) KiB"
  gdump "$TMP/$flavor.img" /boot/grub/grub.cfg /etc/fstab >"$TMP/dump"
  expect_in "$TMP/dump" "$TMP/$flavor.img" /boot/grub/grub.cfg 'linux[[:space:]].* root=/dev/vda1 '
  expect_not_in "$TMP/dump" "$TMP/$flavor.img" /boot/grub/grub.cfg 'root=/dev/(sd|xvd|hd)'
  expect_not_in "$TMP/dump" "$TMP/$flavor.img" /boot/grub/grub.cfg 'console=(hvc|xvc)0'
  expect_in "$TMP/dump" "$TMP/$flavor.img" /etc/fstab '^/dev/vda1[[:space:]]+/[[:space:]]'
  "$tools/boot.sh" "$TMP/$flavor.img" "$flavor" --disk-bus virtio --nic virtio \
    --log "$TMP/boot.log" || fail "the converted $flavor guest did not boot: $(tail -20 "$TMP/boot.log")"
  grep -a "V2KVM-MARKER $flavor .*UP" "$TMP/boot.log" || fail "no marker"
}
