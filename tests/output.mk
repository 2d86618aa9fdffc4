# SPDX-License-Identifier: BSD-3-Clause
# tests/output.mk: the outputs (output/: -o local, libvirt, qemu, null).
# outtool drives an output the way `v2kvm convert` does (prepare, copy
# with the copy engine, finalize / abort).  The libvirt tests start a
# real libvirt daemon as root (tests/libvirt-functions.sh \
	tests/output-functions.sh) and skip
# otherwise; the boot test is slow (SLOW=1).
check_PROGRAMS += tests/outtool
tests_outtool_SOURCES = tests/outtool.c convert/copy.c convert/copy.h \
	convert/qemu-script.c convert/qemu-script.h
tests_outtool_LDADD = $(OUTPUT_LIBS) $(FORMATS_LIBS)

OUTPUT_SLOW_TESTS = \
	tests/test-output-libvirt-boot.sh \
	$(NULL)
OUTPUT_TESTS = \
	tests/test-output-local.sh \
	tests/test-output-libvirt.sh \
	tests/test-output-errors.sh \
	tests/test-output-qemu.sh \
	$(NULL)
TESTS += $(OUTPUT_TESTS) $(OUTPUT_SLOW_TESTS)
SLOW_TESTS += $(OUTPUT_SLOW_TESTS)
EXTRA_DIST += $(OUTPUT_TESTS) $(OUTPUT_SLOW_TESTS) tests/libvirt-functions.sh \
	tests/output-functions.sh
