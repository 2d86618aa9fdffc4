# SPDX-License-Identifier: BSD-3-Clause
# formats/: disk and config readers, disk writers.  The file names say the
# part: the core (bfile*, blk, refs, registry, writer, parent-name, xxh64),
# disk drivers (disk-*; disk-ova reads the chosen member of an OVA),
# config readers (cfg*; cfg-ovf also gives the OVA driver its disk list),
# archives (archive*: the entry points by path in archive.c, tar, the OVA
# package with its manifest and gzip members, XVA), and the
# guest initramfs reader the Linux fixups use (initramfs).
# Dependencies: zlib, libdeflate, libzstd, libxml2, libcrypto (no libguestfs,
# no libvirt: the linker enforces it for the format tests).
noinst_LIBRARIES += libformats.a
libformats_a_CFLAGS = $(AM_CFLAGS) $(ZLIB_CFLAGS) $(LIBDEFLATE_CFLAGS) \
	$(ZSTD_CFLAGS) $(LIBXML2_CFLAGS) $(LIBCRYPTO_CFLAGS)
libformats_a_SOURCES = \
	formats/bfile.c formats/bfile.h \
	formats/refs.c formats/refs.h \
	formats/bfile-remote.c formats/bfile-remote.h \
	formats/blk.c formats/blk.h \
	formats/registry.c \
	formats/disk-raw.c \
	formats/disk-vhd.c \
	formats/parent-name.c formats/parent-name.h \
	formats/disk-qcow2.c \
	formats/disk-vhdx.c \
	formats/disk-vmdk.c formats/vmdk.h \
	formats/disk-vmdk-descriptor.c \
	formats/disk-vmdk-sparse.c \
	formats/disk-vmdk-grains.c \
	formats/disk-vmdk-esx.c \
	formats/disk-ova.c \
	formats/archive-tar.c formats/archive-tar.h \
	formats/initramfs.c formats/initramfs.h \
	formats/archive-manifest.c formats/archive-manifest.h \
	formats/archive.h formats/archive.c formats/archive-ova.c \
	formats/archive-xva.c \
	formats/xxh64.c formats/xxh64.h \
	formats/archive-ova.h formats/archive-gunzip.c \
	formats/writer.c formats/writer.h \
	formats/disk-qcow2-writer.c \
	formats/disk-raw-writer.c \
	formats/cfg.c formats/cfg.h \
	formats/cfg-vmx.c \
	formats/cfg-xl.c formats/cfg-xl.h formats/cfg-xl-parse.c \
	formats/cfg-xml.c formats/cfg-xml.h \
	formats/cfg-libvirt-xml.c \
	formats/cfg-ovf.c formats/cfg-ovf.h \
	formats/cfg-xva.c \
	$(NULL)
FORMATS_LIBS = libformats.a libcommon.a $(ZLIB_LIBS) $(LIBDEFLATE_LIBS) \
	$(ZSTD_LIBS) $(LIBXML2_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)
