# convert/: the program: subcommands, pipeline, copy engine.
bin_PROGRAMS += v2kvm
v2kvm_SOURCES = \
	convert/main.c convert/commands.h \
	convert/cmd-disk-info.c \
	convert/nbd.c convert/nbd.h \
	convert/accel.c convert/accel.h \
	convert/cmd-check-host.c \
	$(NULL)
v2kvm_CFLAGS = $(AM_CFLAGS)
v2kvm_LDADD = $(FORMATS_LIBS)
v2kvm_CPPFLAGS = $(AM_CPPFLAGS) -DPKGLIBDIR=\"$(pkglibdir)\"

# nbdkit-v2kvm-plugin.so: our readers behind nbdkit, so qemu/libguestfs can
# open a source disk only v2kvm reads.  Built as a shared object from the
# same sources, compiled again with -fPIC (no libtool needed for one .so).
v2kvmplugindir = $(pkglibdir)
v2kvmplugin_PROGRAMS = nbdkit-v2kvm-plugin.so
nbdkit_v2kvm_plugin_so_SOURCES = convert/nbdkit-plugin.c \
	$(libformats_a_SOURCES) $(libcommon_a_SOURCES)
nbdkit_v2kvm_plugin_so_CFLAGS = $(libformats_a_CFLAGS) -fPIC -fvisibility=hidden
nbdkit_v2kvm_plugin_so_LDFLAGS = -shared
nbdkit_v2kvm_plugin_so_LDADD = $(ZLIB_LIBS) $(LIBDEFLATE_LIBS) $(ZSTD_LIBS) \
	$(LIBXML2_LIBS) $(LIBCRYPTO_LIBS) $(PTHREAD_LIBS)
