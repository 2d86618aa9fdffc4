# SPDX-License-Identifier: BSD-3-Clause
# remote/: transports of the remote byte source (formats/bfile-remote.h)
# and the vSphere API.  Layer: convert -> remote -> formats.
# Dependencies: libcurl, libxml2, libcrypto (certificate fingerprints);
# libssh (ssh.c: SFTP and exec channels).
noinst_LIBRARIES += libremote.a
libremote_a_CFLAGS = $(AM_CFLAGS) $(CURL_CFLAGS) $(LIBXML2_CFLAGS) \
	$(LIBCRYPTO_CFLAGS) $(LIBSSH_CFLAGS)
libremote_a_SOURCES = \
	remote/https.c remote/https.h \
	remote/vsphere.c remote/vsphere.h remote/vsphere-int.h \
	remote/vsphere-vms.c \
	remote/ssh.c remote/ssh.h \
	$(NULL)
REMOTE_LIBS = libremote.a $(CURL_LIBS) $(LIBXML2_LIBS) $(LIBCRYPTO_LIBS) \
	$(LIBSSH_LIBS)
