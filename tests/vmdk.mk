# SPDX-License-Identifier: BSD-3-Clause
# tests/vmdk.mk: owned by the vmdk area; append to TESTS / check_PROGRAMS.
TESTS += \
	tests/test-vmdk-qemu.sh \
	tests/test-vmdk-corpus.sh \
	tests/test-vmdk-chain.sh \
	tests/test-vmdk-handmade.sh \
	tests/test-vmdk-corrupt.sh \
	tests/test-vmdk-threads.sh \
	$(NULL)
EXTRA_DIST += \
	tests/vmdk-functions.sh \
	tests/vmdk-cowd-gen.py \
	tests/test-vmdk-chain.sh \
	tests/test-vmdk-handmade.sh \
	tests/test-vmdk-corrupt.sh \
	tests/test-vmdk-threads.sh \
	tests/test-vmdk-qemu.sh \
	tests/test-vmdk-corpus.sh \
	$(NULL)

# vmdk-threads: concurrent reads must equal sequential reads.
check_PROGRAMS += tests/vmdk-threads
tests_vmdk_threads_SOURCES = tests/vmdk-threads.c tests/test.h
tests_vmdk_threads_LDADD = $(FORMATS_LIBS)
