# convert/: the program: subcommands, pipeline, copy engine.
bin_PROGRAMS += v2kvm
v2kvm_SOURCES = \
	convert/main.c convert/commands.h \
	convert/cmd-disk-info.c \
	$(NULL)
v2kvm_CFLAGS = $(AM_CFLAGS)
v2kvm_LDADD = $(FORMATS_LIBS)
