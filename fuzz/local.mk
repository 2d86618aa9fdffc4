# SPDX-License-Identifier: BSD-3-Clause
# fuzz/: libFuzzer harnesses, one per parser (docs/fuzzing.md).
#
# `make fuzz` builds them with clang -fsanitize=fuzzer,address,undefined
# (fuzz/build.sh; scripts/fuzz.sh runs them).  The same harness sources
# are also built here, with the configured compiler and flags, as replay
# programs (fuzz/replay.c's main feeds them files) that
# tests/test-fuzz-regressions.sh runs on fuzz/regressions/ -- under the
# sanitizer build in CI.  The list matches fuzz/harnesses (the test
# checks it).
FUZZ_REPLAY_COMMON = fuzz/replay.c fuzz/fuzz-util.c fuzz/fuzz.h
check_PROGRAMS += \
	fuzz/replay-disk-probe \
	fuzz/replay-disk-vmdk \
	fuzz/replay-disk-vhd \
	fuzz/replay-disk-vhdx \
	fuzz/replay-disk-qcow2 \
	fuzz/replay-ova \
	fuzz/replay-gunzip \
	fuzz/replay-tar \
	fuzz/replay-xva \
	fuzz/replay-manifest \
	fuzz/replay-initramfs \
	fuzz/replay-cfg-vmx \
	fuzz/replay-cfg-xl \
	fuzz/replay-cfg-libvirt-xml \
	fuzz/replay-cfg-ovf \
	fuzz/replay-cfg-xva \
	fuzz/replay-confine \
	fuzz/replay-remote-soap \
	fuzz/replay-remote-http \
	$(NULL)
fuzz_replay_disk_probe_SOURCES = fuzz/fuzz-disk.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_disk_probe_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"disk.img"'
fuzz_replay_disk_probe_LDADD = $(FORMATS_LIBS)
fuzz_replay_disk_vmdk_SOURCES = fuzz/fuzz-disk.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_disk_vmdk_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"disk.vmdk"' -DFUZZ_FORMAT='"vmdk"' -DFUZZ_READER='"vmdk"'
fuzz_replay_disk_vmdk_LDADD = $(FORMATS_LIBS)
fuzz_replay_disk_vhd_SOURCES = fuzz/fuzz-disk.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_disk_vhd_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"disk.vhd"' -DFUZZ_FORMAT='"vhd"' -DFUZZ_READER='"vhd"'
fuzz_replay_disk_vhd_LDADD = $(FORMATS_LIBS)
fuzz_replay_disk_vhdx_SOURCES = fuzz/fuzz-disk.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_disk_vhdx_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"disk.vhdx"' -DFUZZ_FORMAT='"vhdx"' -DFUZZ_READER='"vhdx"'
fuzz_replay_disk_vhdx_LDADD = $(FORMATS_LIBS)
fuzz_replay_disk_qcow2_SOURCES = fuzz/fuzz-disk.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_disk_qcow2_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"disk.qcow2"' -DFUZZ_FORMAT='"qcow2"' -DFUZZ_READER='"qcow2"'
fuzz_replay_disk_qcow2_LDADD = $(FORMATS_LIBS)
fuzz_replay_ova_SOURCES = fuzz/fuzz-ova.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_ova_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.ova"'
fuzz_replay_ova_LDADD = $(FORMATS_LIBS)
fuzz_replay_gunzip_SOURCES = fuzz/fuzz-gunzip.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_gunzip_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"disk.vmdk.gz"'
fuzz_replay_gunzip_LDADD = $(FORMATS_LIBS)
fuzz_replay_tar_SOURCES = fuzz/fuzz-tar.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_tar_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"fuzz.tar"'
fuzz_replay_tar_LDADD = $(FORMATS_LIBS)
fuzz_replay_xva_SOURCES = fuzz/fuzz-xva.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_xva_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.xva"'
fuzz_replay_xva_LDADD = $(FORMATS_LIBS)
fuzz_replay_manifest_SOURCES = fuzz/fuzz-manifest.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_manifest_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.mf"'
fuzz_replay_manifest_LDADD = $(FORMATS_LIBS)
fuzz_replay_initramfs_SOURCES = fuzz/fuzz-initramfs.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_initramfs_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"initrd.img"'
fuzz_replay_initramfs_LDADD = $(FORMATS_LIBS)
fuzz_replay_cfg_vmx_SOURCES = fuzz/fuzz-cfg.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_cfg_vmx_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.vmx"' -DFUZZ_FORMAT='"vmx"' -DFUZZ_READER='"vmx"'
fuzz_replay_cfg_vmx_LDADD = $(FORMATS_LIBS)
fuzz_replay_cfg_xl_SOURCES = fuzz/fuzz-cfg.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_cfg_xl_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.cfg"' -DFUZZ_FORMAT='"xl"' -DFUZZ_READER='"xl"'
fuzz_replay_cfg_xl_LDADD = $(FORMATS_LIBS)
fuzz_replay_cfg_libvirt_xml_SOURCES = fuzz/fuzz-cfg.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_cfg_libvirt_xml_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.xml"' -DFUZZ_FORMAT='"libvirt-xml"' -DFUZZ_READER='"libvirt-xml"'
fuzz_replay_cfg_libvirt_xml_LDADD = $(FORMATS_LIBS)
fuzz_replay_cfg_ovf_SOURCES = fuzz/fuzz-cfg.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_cfg_ovf_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"guest.ovf"' -DFUZZ_FORMAT='"ovf"' -DFUZZ_READER='"ovf"'
fuzz_replay_cfg_ovf_LDADD = $(FORMATS_LIBS)
fuzz_replay_cfg_xva_SOURCES = fuzz/fuzz-cfg.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_cfg_xva_CPPFLAGS = $(AM_CPPFLAGS) -DFUZZ_MAIN='"ova.xml"' -DFUZZ_FORMAT='"xva"' -DFUZZ_READER='"xva"'
fuzz_replay_cfg_xva_LDADD = $(FORMATS_LIBS)
fuzz_replay_confine_SOURCES = fuzz/fuzz-confine.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_confine_CPPFLAGS = $(AM_CPPFLAGS)
fuzz_replay_confine_LDADD = $(FORMATS_LIBS) -ldl
fuzz_replay_remote_soap_SOURCES = fuzz/fuzz-soap.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_remote_soap_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(LIBXML2_CFLAGS)
fuzz_replay_remote_soap_LDADD = $(REMOTE_LIBS) $(FORMATS_LIBS)
fuzz_replay_remote_http_SOURCES = fuzz/fuzz-http.c $(FUZZ_REPLAY_COMMON)
fuzz_replay_remote_http_CPPFLAGS = $(AM_CPPFLAGS) $(CURL_CFLAGS) $(LIBXML2_CFLAGS)
fuzz_replay_remote_http_LDADD = $(REMOTE_LIBS) $(FORMATS_LIBS)

EXTRA_DIST += fuzz/harnesses fuzz/build.sh fuzz/seeds.py fuzz/dict \
	fuzz/regressions

# make fuzz: the libFuzzer builds (clang), in fuzz/build/.
fuzz:
	FUZZ_SRCS="$(libremote_a_SOURCES) $(libformats_a_SOURCES) $(libcommon_a_SOURCES)" \
	FUZZ_CPPFLAGS="$(DEFS) -I$(top_builddir) $(AM_CPPFLAGS) $(ZLIB_CFLAGS) $(LIBDEFLATE_CFLAGS) $(ZSTD_CFLAGS) $(LIBXML2_CFLAGS) $(LIBCRYPTO_CFLAGS) $(CURL_CFLAGS) $(LIBSSH_CFLAGS)" \
	FUZZ_LIBS="$(CURL_LIBS) $(LIBSSH_LIBS) $(ZLIB_LIBS) $(LIBDEFLATE_LIBS) $(ZSTD_LIBS) $(LIBXML2_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS) -ldl" \
	FUZZ_OUT=$(abs_top_builddir)/fuzz/build \
	$(SHELL) $(top_srcdir)/fuzz/build.sh
.PHONY: fuzz
