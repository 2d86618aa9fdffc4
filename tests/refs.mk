# SPDX-License-Identifier: BSD-3-Clause
# tests/refs.mk: references from one input file to another and the XML
# readers' refusal of DTDs (issue "a hostile image must not make v2kvm
# read files of the conversion host"; formats/refs.h, formats/cfg-xml.h).
check_PROGRAMS += tests/test-refs-units
tests_test_refs_units_SOURCES = tests/test-refs-units.c tests/test.h
tests_test_refs_units_LDADD = $(FORMATS_LIBS)
TESTS += \
	tests/test-refs-units \
	tests/test-refs.sh \
	tests/test-refs-xml.sh \
	$(NULL)
EXTRA_DIST += tests/test-refs.sh tests/test-refs-xml.sh
