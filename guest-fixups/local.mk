# SPDX-License-Identifier: BSD-3-Clause
# guest-fixups/: the only folder that links libguestfs.

# The Linux fixups (issue #5), the Windows fixup (issue #7: virtio-win
# injection, registry via the libguestfs hivex_* API, bounded first
# boot; docs/windows.md) and `v2kvm fixup`'s driver: libfixups.a, linked
# into v2kvm.  tests/wintool links it to drive the Windows fixup alone.
noinst_LIBRARIES += libfixups.a
libfixups_a_CFLAGS = $(AM_CFLAGS) $(LIBGUESTFS_CFLAGS)
libfixups_a_SOURCES = \
	guest-fixups/fixup.h guest-fixups/fixup-internal.h \
	guest-fixups/inspect.c guest-fixups/inspect.h \
	guest-fixups/gfs.c \
	guest-fixups/luks.c \
	guest-fixups/fixups.c \
	guest-fixups/linux-common.c \
	guest-fixups/linux-kernel.c \
	guest-fixups/linux-edit.c \
	guest-fixups/linux-efi.c \
	guest-fixups/linux-net.c \
	guest-fixups/linux-initramfs.c \
	guest-fixups/linux-tools.c \
	guest-fixups/linux-debian.c \
	guest-fixups/linux-rhel.c \
	guest-fixups/linux-suse.c \
	guest-fixups/fixup-windows.c \
	guest-fixups/windows.h \
	guest-fixups/windows.c \
	guest-fixups/windows-drivers.c \
	guest-fixups/windows-registry.c \
	guest-fixups/windows-driverdb.c \
	guest-fixups/windows-firstboot.c \
	guest-fixups/windows-esp.c \
	guest-fixups/describe.c \
	$(NULL)
FIXUPS_LIBS = libfixups.a $(LIBGUESTFS_LIBS)
WINDOWS_LIBS = libfixups.a libcommon.a $(LIBGUESTFS_LIBS)
