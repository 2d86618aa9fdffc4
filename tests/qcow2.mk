# SPDX-License-Identifier: BSD-3-Clause
# tests/qcow2.mk: owned by the qcow2 area; append to TESTS / check_PROGRAMS.
TESTS += \
	tests/test-qcow2-qemu.sh \
	tests/test-qcow2-corpus.sh \
	tests/test-qcow2-corrupt.sh \
	$(NULL)
EXTRA_DIST += \
	tests/qcow2-functions.sh \
	tests/test-qcow2-qemu.sh \
	tests/test-qcow2-corpus.sh \
	tests/test-qcow2-corrupt.sh \
	$(NULL)
