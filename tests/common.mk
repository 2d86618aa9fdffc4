# SPDX-License-Identifier: BSD-3-Clause
# tests/common.mk: core units (common/, blk core, raw driver, CLI basics).
check_PROGRAMS += tests/test-common-units
tests_test_common_units_SOURCES = tests/test-common-units.c tests/test.h
tests_test_common_units_LDADD = $(FORMATS_LIBS)
check_PROGRAMS += tests/test-remote-bfile
tests_test_remote_bfile_SOURCES = tests/test-remote-bfile.c tests/test.h
tests_test_remote_bfile_LDADD = $(FORMATS_LIBS)
TESTS += \
	tests/test-common-units \
	tests/test-remote-bfile \
	tests/test-cli-basics.sh \
	tests/test-cli-options.sh \
	tests/test-bash-completion.sh \
	tests/test-disk-raw.sh \
	tests/test-self-contained.sh \
	tests/test-layers.sh \
	$(NULL)
EXTRA_DIST += tests/test-cli-basics.sh tests/test-disk-raw.sh \
	tests/test-self-contained.sh tests/test-layers.sh \
	tests/test-cli-options.sh tests/cli-options.py \
	tests/test-bash-completion.sh

# blktool: reads any image through the readers (cat/sha256/map/read); the
# format tests use it to compare our decoding with qemu-img's.
check_PROGRAMS += tests/blktool
tests_blktool_SOURCES = tests/blktool.c
tests_blktool_LDADD = $(FORMATS_LIBS)
