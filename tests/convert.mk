# SPDX-License-Identifier: BSD-3-Clause
# tests/convert.mk: the conversion pipeline (NBD serving, overlays, convert).
TESTS += \
	tests/test-nbd-plugin.sh \
	tests/test-accel-probe.sh \
	$(NULL)
EXTRA_DIST += tests/test-nbd-plugin.sh tests/test-accel-probe.sh
TESTS += tests/test-convert-cli.sh tests/test-batch.sh \
	tests/test-convert-xva-stdin.sh
EXTRA_DIST += tests/test-convert-cli.sh tests/test-batch.sh \
	tests/test-convert-xva-stdin.sh
# inspect and batch --assess on phony guests, then the plan run: SLOW.
TESTS += tests/test-inspect-phony.sh tests/test-batch-guests.sh
SLOW_TESTS += tests/test-inspect-phony.sh tests/test-batch-guests.sh
EXTRA_DIST += tests/test-inspect-phony.sh tests/test-batch-guests.sh \
	tests/data/inspect
# End-to-end conversions of the real test guests, each booted afterwards:
# slow (SLOW=1; the libguestfs appliance and a guest boot under TCG).
CONVERT_SLOW_TESTS = \
	tests/test-convert-xen-vhd.sh \
	tests/test-convert-xen-xva.sh \
	tests/test-convert-xen-disk.sh \
	tests/test-convert-vmware-ova.sh \
	tests/test-convert-libvirt.sh \
	tests/test-convert-fail.sh \
	tests/test-convert-windows.sh \
	$(NULL)
TESTS += $(CONVERT_SLOW_TESTS)
SLOW_TESTS += $(CONVERT_SLOW_TESTS)
EXTRA_DIST += $(CONVERT_SLOW_TESTS) tests/convert-functions.sh
