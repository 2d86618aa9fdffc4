# SPDX-License-Identifier: BSD-3-Clause
# output/: domain XML and the libvirt / local / qemu / null outputs;
# the only folder that links libvirt.
noinst_LIBRARIES += liboutput.a
liboutput_a_CFLAGS = $(AM_CFLAGS) $(LIBVIRT_CFLAGS) $(LIBXML2_CFLAGS)
liboutput_a_SOURCES = \
	output/output.c output/output.h \
	output/out-local.c output/out-libvirt.c output/out-qemu.c output/out-null.c \
	output/virt.c output/virt.h \
	output/domxml.c output/domxml.h \
	$(NULL)
OUTPUT_LIBS = liboutput.a $(LIBVIRT_LIBS) $(LIBXML2_LIBS)
