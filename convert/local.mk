# SPDX-License-Identifier: BSD-3-Clause
# convert/: the program: subcommands, pipeline, copy engine.
bin_PROGRAMS += v2kvm
v2kvm_SOURCES = \
	convert/main.c convert/commands.h \
	convert/cmd-disk-info.c \
	convert/cmd-verify.c \
	convert/xva-convert.c convert/xva-convert.h \
	convert/cmd-disk-convert.c \
	convert/copy.c convert/copy.h \
	convert/progress.c convert/progress.h \
	convert/nbd.c convert/nbd.h \
	convert/accel.c convert/accel.h \
	convert/scratch.c convert/scratch.h \
	convert/cmd-check-host.c \
	convert/cmd-source.c \
	convert/cmd-source-list.c \
	convert/cmd-fixup.c \
	convert/cmd-convert.c \
	convert/cmd-inspect.c \
	convert/cmd-batch.c convert/batch.h convert/batch-assess.c \
	convert/batch-plan.c convert/batch-journal.c convert/batch-run.c \
	convert/convert.c convert/convert.h convert/pipeline.h \
	convert/convert-fixup.c \
	convert/convert-inspect.c \
	convert/convert-report.c convert/convert-report.h \
	convert/qemu-script.c convert/qemu-script.h \
	convert/vsphere-input.c convert/vsphere-input.h \
	convert/ssh-input.c convert/ssh-input.h \
	$(NULL)
v2kvm_CFLAGS = $(AM_CFLAGS)
v2kvm_LDADD = $(FIXUPS_LIBS) $(OUTPUT_LIBS) $(REMOTE_LIBS) $(FORMATS_LIBS)
v2kvm_CPPFLAGS = $(AM_CPPFLAGS) -DNBDKIT_PLUGINDIR=\"$(nbdkitplugindir)\"

# nbdkit-v2kvm-plugin.so: our readers behind nbdkit, so qemu/libguestfs can
# open a source disk only v2kvm reads.  Built as a shared object from the
# same sources, compiled again with -fPIC (no libtool needed for one .so).
# Installed where nbdkit looks for plugins by name (configure
# --with-nbdkit-plugindir; Debian: pkg-config --variable=plugindir nbdkit),
# so `nbdkit v2kvm file=DISK` works too.
nbdkitplugin_PROGRAMS = nbdkit-v2kvm-plugin.so
nbdkit_v2kvm_plugin_so_SOURCES = convert/nbdkit-plugin.c \
	remote/https.c remote/https.h \
	remote/ssh.c remote/ssh.h \
	$(libformats_a_SOURCES) $(libcommon_a_SOURCES)
nbdkit_v2kvm_plugin_so_CFLAGS = $(libformats_a_CFLAGS) $(CURL_CFLAGS) \
	$(LIBSSH_CFLAGS) -fPIC -fvisibility=hidden
nbdkit_v2kvm_plugin_so_LDFLAGS = -shared
nbdkit_v2kvm_plugin_so_LDADD = $(ZLIB_LIBS) $(LIBDEFLATE_LIBS) $(ZSTD_LIBS) \
	$(LIBXML2_LIBS) $(LIBCRYPTO_LIBS) $(CURL_LIBS) $(LIBSSH_LIBS) \
	$(PTHREAD_LIBS)

# The man page is generated from docs/v2kvm.pod.
dist_man_MANS += v2kvm.1
EXTRA_DIST += docs/v2kvm.pod
CLEANFILES += v2kvm.1
v2kvm.1: $(top_srcdir)/docs/v2kvm.pod
	$(AM_V_GEN)pod2man --section=1 --center="v2kvm" --release="v2kvm $(VERSION)" --name=V2KVM $< > $@-t && mv $@-t $@
