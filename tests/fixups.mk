# SPDX-License-Identifier: BSD-3-Clause
# tests/fixups.mk: the Linux guest fixups (guest-fixups/, `v2kvm fixup`).
# Everything but the CLI test launches the libguestfs appliance and skips
# unless SLOW=1: make check SLOW=1 TESTS='tests/test-fixup-...'.
FIXUP_SLOW_TESTS = \
	tests/test-fixup-phony-families.sh \
	tests/test-fixup-phony-errors.sh \
	tests/test-fixup-boot-vmware.sh \
	tests/test-fixup-boot-xen.sh \
	tests/test-fixup-windows.sh \
	tests/test-fixup-efi-phony.sh \
	tests/test-luks-keys.sh \
	$(NULL)
TESTS += tests/test-fixup-cli.sh $(FIXUP_SLOW_TESTS)
SLOW_TESTS += $(FIXUP_SLOW_TESTS)
EXTRA_DIST += tests/test-fixup-cli.sh $(FIXUP_SLOW_TESTS) \
	tests/fixup-functions.sh tests/phony/make-phony.sh

# irdtool drives formats/initramfs.c (the initramfs patch of the Debian
# fixup) and the tar writer; test-initramfs.sh checks both against
# cpio/zstd/gzip/unmkinitramfs/tar and hostile images.
check_PROGRAMS += tests/irdtool
tests_irdtool_SOURCES = tests/irdtool.c
tests_irdtool_LDADD = $(FORMATS_LIBS)
TESTS += tests/test-initramfs.sh
EXTRA_DIST += tests/test-initramfs.sh
