# guest-fixups/: the only folder that links libguestfs.

# The Windows fixup (issue #7): virtio-win injection, registry via the
# libguestfs hivex_* API, bounded first boot.  docs/windows.md.
noinst_LIBRARIES += libwindows.a
libwindows_a_CFLAGS = $(AM_CFLAGS) $(LIBGUESTFS_CFLAGS)
libwindows_a_SOURCES = \
	guest-fixups/windows.h \
	guest-fixups/windows.c \
	guest-fixups/windows-drivers.c \
	guest-fixups/windows-registry.c \
	guest-fixups/windows-driverdb.c \
	guest-fixups/windows-firstboot.c \
	$(NULL)
WINDOWS_LIBS = libwindows.a libcommon.a $(LIBGUESTFS_LIBS)
