# SPDX-License-Identifier: BSD-3-Clause
# tests/archive.mk: owned by the archive area; append to TESTS / check_PROGRAMS.
TESTS += \
	tests/test-archive-verify.sh \
	tests/test-archive-hostile.sh \
	tests/test-archive-xva.sh \
	tests/test-archive-ova.sh \
	tests/test-archive-convert.sh \
	$(NULL)
EXTRA_DIST += \
	tests/archive-functions.sh \
	tests/xva-gen.py \
	tests/test-archive-verify.sh \
	tests/test-archive-hostile.sh \
	tests/test-archive-xva.sh \
	tests/test-archive-ova.sh \
	tests/test-archive-convert.sh \
	$(NULL)

# xvatool: streams one XVA disk to a raw file (xva_stream_disk alone).
check_PROGRAMS += tests/xvatool
tests_xvatool_SOURCES = tests/xvatool.c
tests_xvatool_LDADD = $(FORMATS_LIBS)
