# SPDX-License-Identifier: BSD-3-Clause
# tests/vhd.mk: owned by the vhd area; append to TESTS / check_PROGRAMS.
TESTS += \
	tests/test-vhd-qemu.sh \
	tests/test-vhd-corpus.sh \
	tests/test-vhd-chain.sh \
	tests/test-vhd-corrupt.sh \
	$(NULL)
EXTRA_DIST += \
	tests/vhd-functions.sh \
	tests/vhd-gen.py \
	tests/test-vhd-qemu.sh \
	tests/test-vhd-corpus.sh \
	tests/test-vhd-chain.sh \
	tests/test-vhd-corrupt.sh \
	$(NULL)
# VHDX (same area: the Microsoft formats).
TESTS += tests/test-vhdx.sh
EXTRA_DIST += tests/test-vhdx.sh
