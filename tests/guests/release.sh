# SPDX-License-Identifier: BSD-3-Clause
# tests/guests/release.sh: the Debian release a test guest is built from.
# Sourced by common.sh (last), never run.
#
# The release comes from $V2KVM_GUEST_RELEASE (functions-guests.sh sets it
# from the tests' RELEASE arguments): bookworm (Debian 12, the default),
# bullseye (Debian 11) or trixie (Debian 13).  common.sh keeps it in
# $GUESTS_SUITE.  Each release has its own base debootstrap and flavors,
# cached under its own keys; all three come from the one mirror APT uses
# for bookworm here unless APT also names one for the release itself.
#
# Keeping the bookworm keys: the cache keys hash the builders' text, and
# the bookworm guests must not be rebuilt because the builders learned
# about other releases.  So a builder line that ends in the marker
#   # @release
# is left out of what is hashed for bookworm (only).  Such a line must
# not change what a bookworm build does: it may only act for another
# release, or do for bookworm exactly what the unmarked lines did.  For
# the other releases every line counts, plus this file and the release
# name, so each release's guests have keys of their own.
#
# Release differences the builders handle (Debian's release notes for
# Debian 13, "Issues to be aware of", and each release's package lists):
#   - all three boot with the same package set (linux-image-amd64,
#     initramfs-tools, grub-pc, systemd-sysv, udev, ifupdown); bookworm's
#     debootstrap (1.0.128) has scripts for all three and bookworm's
#     debian-archive-keyring (2023.3+deb12u2) holds the bullseye and
#     trixie archive keys, so the host needs nothing newer;
#   - trixie is /usr-merged (so is a bookworm debootstrap); bullseye's
#     debootstrap default is not, which changes no path the builders use;
#   - kernel 5.10 (bullseye), 6.1 (bookworm), 6.12 (trixie): every
#     module make-flavor.sh lists by name (mptspi, vmw_pvscsi, ata_piix,
#     sr_mod, crc32c_generic, ...) is still a module in 6.12, so the
#     flavors need no per-release list (make-flavor.sh checks with
#     lsinitramfs that each one is in the image).
#
# A blank line counts in the hash like any other: adding one to a
# builder changes the bookworm keys (keep new lines marked or comments).

GUESTS_RELEASES="bookworm bullseye trixie"

# guests_release_valid: 0 when $GUESTS_SUITE is a release we build.
guests_release_valid () {
  case " $GUESTS_RELEASES " in *" $GUESTS_SUITE "*) return 0 ;; esac
  return 1
}

# guests_release_number: Debian's version number of $GUESTS_SUITE.
guests_release_number () {
  case $GUESTS_SUITE in
    bullseye) echo 11 ;; bookworm) echo 12 ;; trixie) echo 13 ;;
  esac
}

# guests_release_hashed FILE: for bookworm print the text guests_hash
# hashes (comment-only lines and "# @release" lines left out) and
# return 0; for another release return 1, so guests_hash hashes it all.
guests_release_hashed () {
  [ "$GUESTS_SUITE" = bookworm ] || return 1
  grep -v '[[:space:]]# @release$' "$1" | sed -e '1!{/^[[:space:]]*#/d}'
}

# guests_release_base_key: the base key of a release other than
# bookworm: its name, this file and what the bookworm key hashes.
guests_release_base_key () {
  {
    echo "$GUESTS_SUITE"
    guests_hash "$GUESTS_DIR/common.sh" "$GUESTS_DIR/release.sh" \
      "$GUESTS_DIR/build-base.sh" "$GUESTS_DIR"/files/*
  } | sha256sum | cut -c1-16
}

# guests_release_mirror: the mirror of a release other than bookworm:
# APT's own entry for it if there is one, else the bookworm one.
guests_release_mirror () {
  _guests_mirror_inner=1 guests_mirror \
    || _guests_mirror_inner=1 GUESTS_SUITE=bookworm guests_mirror
}
