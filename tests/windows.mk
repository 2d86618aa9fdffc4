# tests/windows.mk: the Windows fixup (guest-fixups/windows*.c).
# wintool runs windows_fixup_images() on raw images: the tests' driver.
check_PROGRAMS += tests/wintool
tests_wintool_SOURCES = tests/wintool.c
tests_wintool_CFLAGS = $(AM_CFLAGS) $(LIBGUESTFS_CFLAGS)
tests_wintool_LDADD = $(WINDOWS_LIBS)
EXTRA_DIST += \
	tests/phony/make-windows.sh \
	tests/phony/make-virtio-win.sh \
	tests/check-batch.sh \
	$(NULL)
TESTS += \
	tests/test-windows-fixup.sh \
	tests/test-windows-refuse.sh \
	$(NULL)
EXTRA_DIST += \
	tests/test-windows-fixup.sh \
	tests/test-windows-refuse.sh \
	tests/phony/windows-lib.sh \
	$(NULL)
