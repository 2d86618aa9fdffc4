# SPDX-License-Identifier: BSD-3-Clause
# tests/windows.mk: the Windows fixup (guest-fixups/windows*.c).
# wintool runs windows_fixup_images() on raw images (the fixup table's
# Windows entry on a struct fixup_options): the tests' driver.
# Each test launches the libguestfs appliance 3-6 times (TCG: slow).
check_PROGRAMS += tests/wintool
tests_wintool_SOURCES = tests/wintool.c
tests_wintool_CFLAGS = $(AM_CFLAGS) $(LIBGUESTFS_CFLAGS)
tests_wintool_LDADD = $(WINDOWS_LIBS)
TESTS += \
	tests/test-windows-fixup.sh \
	tests/test-windows-refuse.sh \
	tests/test-windows-xen.sh \
	tests/test-windows-v2v.sh \
	tests/test-windows-win7.sh \
	tests/test-windows-uefi.sh \
	$(NULL)
EXTRA_DIST += \
	tests/test-windows-fixup.sh \
	tests/test-windows-refuse.sh \
	tests/test-windows-xen.sh \
	tests/test-windows-v2v.sh \
	tests/test-windows-win7.sh \
	tests/test-windows-uefi.sh \
	tests/check-batch.sh \
	tests/phony/make-windows.sh \
	tests/phony/make-hive.py \
	tests/phony/ntfs-set-dirty.py \
	tests/phony/make-virtio-win.sh \
	tests/phony/windows-lib.sh \
	$(NULL)
