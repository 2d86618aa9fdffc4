# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/functions-guests.sh: test helpers for the real test guests.
# Source after functions.sh:
#   . "$srcdir/functions.sh"
#   . "$srcdir/guests/functions-guests.sh"
#
#   guest_image base|vmware|xen [RELEASE]
#                                 build the image once (cached under
#                                 /var/tmp/v2kvm-guests, see build-base.sh
#                                 and make-flavor.sh) and print its path;
#                                 exit status 77 = cannot build here
#   require_guest_image FLAVOR [RELEASE]
#                                 the same, but sets $GUEST_IMAGE, and
#                                 skips (77) or fails the test itself
#   require_convert_input FLAVOR KIND [RELEASE]
#                                 build (once, cached) a conversion input
#                                 (guests/make-inputs.sh: vmware vmx|ova|
#                                 ovf|disk, xen xl|vhd|xva|libvirtxml|disk)
#                                 and set $INPUT_SOURCE (the file to give
#                                 `v2kvm convert`) and $INPUT_TYPE (its -i
#                                 value); skips (77) or fails like
#                                 require_guest_image
#   RELEASE is the Debian release the guest is made from: bookworm
#   (Debian 12, the default), bullseye (11) or trixie (13); see
#   guests/release.sh.  Shape builders read it as $V2KVM_GUEST_RELEASE.
#   boot_guest IMAGE FLAVOR [boot.sh options]
#                                 boot under qemu TCG on an overlay and wait
#                                 for the flavor's marker (guests/boot.sh)
#
# Set SKIP_GUEST_TESTS=1 to skip every test that needs a real guest.
GUESTS_SRC=$srcdir/guests

guest_image () {
  local release=${2:-bookworm}
  case $1 in
    base) V2KVM_GUEST_RELEASE=$release "$GUESTS_SRC/build-base.sh" ;;
    vmware|xen) V2KVM_GUEST_RELEASE=$release "$GUESTS_SRC/make-flavor.sh" "$1" ;;
    *) echo "guest_image: unknown flavor '$1'" >&2; return 1 ;;
  esac
}

require_guest_image () {
  local out rc=0
  [ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"
  requires qemu-system-x86_64 qemu-img
  out=$(guest_image "$1" "${2:-bookworm}") || rc=$?
  case $rc in
    0) GUEST_IMAGE=$out ;;
    77) skip "$out" ;;
    *) fail "building the '$1' ${2:-bookworm} test guest failed (see /var/tmp/v2kvm-guests/*.log)" ;;
  esac
}

require_convert_input () {
  local out rc=0
  local -x V2KVM_GUEST_RELEASE=${3:-bookworm}
  [ -z "${SKIP_GUEST_TESTS:-}" ] || skip "SKIP_GUEST_TESTS is set"
  requires qemu-system-x86_64 qemu-img
  INPUT_TYPE=$("$GUESTS_SRC/make-inputs.sh" "$1" "$2" --print-type) \
    || fail "require_convert_input: unknown input '$1 $2'"
  out=$("$GUESTS_SRC/make-inputs.sh" "$1" "$2") || rc=$?
  case $rc in
    0) INPUT_SOURCE=$out ;;
    77) skip "$out" ;;
    *) fail "building the '$1 $2' conversion input failed (see /var/tmp/v2kvm-guests/inputs-*/*.log)" ;;
  esac
}

boot_guest () {
  "$GUESTS_SRC/boot.sh" "$@"
}
