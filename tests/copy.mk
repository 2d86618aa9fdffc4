# SPDX-License-Identifier: BSD-3-Clause
# tests/copy.mk: disk writers, the copy engine and `disk convert`.
check_PROGRAMS += tests/test-copy-sparse
tests_test_copy_sparse_SOURCES = tests/test-copy-sparse.c tests/test.h \
	convert/copy.c convert/copy.h
tests_test_copy_sparse_LDADD = $(FORMATS_LIBS)

TESTS += \
	tests/test-copy-sparse \
	tests/test-copy-qcow2.sh \
	tests/test-copy-errors.sh \
	tests/test-copy-machine-readable.sh \
	tests/test-copy-formats.sh \
	$(NULL)
EXTRA_DIST += \
	tests/test-copy-qcow2.sh \
	tests/test-copy-errors.sh \
	tests/test-copy-machine-readable.sh \
	tests/test-copy-formats.sh \
	$(NULL)
